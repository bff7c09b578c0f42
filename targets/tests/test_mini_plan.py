def test_shared_plan_fixture_has_periods_and_tasks(plan, office_dev):
    assert plan.periods.count() == 53
    assert plan.battles.count() == 2
    assert office_dev.office_battle_ids() == {plan.battles.get(number=1).id}
