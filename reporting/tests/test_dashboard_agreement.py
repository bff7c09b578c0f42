"""A monthly circular says what the dashboards say for the same month: lights, gaps, task counts."""

from django.core.management import call_command
from django.urls import reverse

from conftest import computed_dashboard
from reporting import figures
from reporting.build import build_report
from reporting.status import plan_status, resolve_as_of
from targets import schedule
from targets.models import Period, Plan

GOOD = (schedule.COMPLETED, schedule.ON_SCHEDULE)
# figures.collect reads a plan in this many queries whatever its size: the same for the two-battle
# test plan and the full plan (6 battles, 170 tasks, 7,000 reports), never one per target or task
# (the 17th reads the next 旬, whose deadline the 下步要求 give; the 18th the metrics' values per 旬
# for the forecasts of the 预警 section, which take this year's readings from the targets' statuses).
COLLECT_QUERIES = 18
# The full plan has tasks with several lead units: their reporting is counted from the reports by
# department (reporting.status._task_summaries), one query more, still fixed.
COLLECT_QUERIES_SEVERAL_LEADS = COLLECT_QUERIES + 1


def indicator_rows(content):
    blocks = [b for annex in content["annexes"] for b in annex["blocks"]]
    table = next(b for b in blocks if b["t"] == "table" and b["name"] == "主要指标完成情况")
    return [(r[1], r[8], r[11]) for r in table["rows"]]


def dashboard_rows(target_statuses):
    return [
        (
            t.target.name,
            None if t.judgement.gap_points is None else round(float(t.judgement.gap_points), 1),
            schedule.LIGHT_LABELS[t.judgement.light],
        )
        for t in target_statuses
    ]


def quantified_on_schedule(task_statuses):
    return sum(1 for t in task_statuses if t.metrics and t.judgement.status in GOOD)


def assert_circulars_match_dashboards(client, plan, month):
    period = Period.objects.get(plan=plan, kind="month", number=month)
    status = plan_status(plan, resolve_as_of(plan, f"month-{month}"))
    whole = build_report(plan.id, "monthly_circular", period.id).content
    assert indicator_rows(whole) == dashboard_rows([t for b in status.battles for t in b.targets])
    assert whole["summary"]["quantified"]["on_schedule"] == quantified_on_schedule(status.tasks_by_id.values())
    counts = {light: 0 for light in whole["summary"]["lights"]}
    for t in status.targets_by_id.values():
        counts[t.judgement.light] += 1
    assert whole["summary"]["lights"] == counts
    for b in status.battles:
        response = computed_dashboard(
            client, reverse("dash:battle", args=[plan.code, b.battle.number]), {"as_of": f"month-{month}"}
        )
        shown = response.context["b"]
        circular = build_report(plan.id, "monthly_circular", period.id, b.battle.id).content
        assert indicator_rows(circular) == dashboard_rows(shown.targets), b.battle.name
        assert circular["summary"]["quantified"]["on_schedule"] == quantified_on_schedule(shown.tasks)
    return status


def test_mini_plan_circular_lights_and_gaps_equal_the_battle_dashboards(
    client, leader, seeded, plan, django_assert_num_queries
):
    with django_assert_num_queries(COLLECT_QUERIES):
        figures.collect(plan, seeded["may"])
    client.force_login(leader)
    status = assert_circulars_match_dashboards(client, plan, 5)
    # Not a comparison of empty tables: May has a red, a yellow and a green indicator.
    lights = {t.judgement.light for t in status.targets_by_id.values()}
    assert {schedule.RED, schedule.YELLOW, schedule.GREEN} <= lights


def test_real_plan_with_demo_data_circular_equals_the_dashboards(client, leader, django_assert_num_queries):
    call_command("load_plan", "fixtures/huaihua-2023.yaml", verbosity=0)
    call_command("seed_demo", "huaihua-2023", "--until", "2023-06-30", verbosity=0)
    plan = Plan.objects.get(code="huaihua-2023")
    june = Period.objects.get(plan=plan, kind="month", number=6)
    with django_assert_num_queries(COLLECT_QUERIES_SEVERAL_LEADS):
        figures.collect(plan, june)
    client.force_login(leader)
    status = assert_circulars_match_dashboards(client, plan, 6)
    assert len(status.targets_by_id) > 30 and len(status.tasks_by_id) > 150
