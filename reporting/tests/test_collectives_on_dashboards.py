"""A collective body (相关成员单位 and the like) is counted in the reporting rates but never named in
a ranking of units: the dashboards follow the dispatch reports' rule (reporting/content.py)."""

from django.urls import reverse

from targets.models import Department
from tasks.models import Responsibility
from tasks.tests.helpers import task

AS_OF = {"as_of": "ten_day-14", "all": "1"}


def test_a_collective_is_counted_but_not_listed_among_the_units_that_have_not_reported(client, plan, leader):
    members = Department.objects.create(name="市安委会相关成员单位", kind=Department.Kind.COLLECTIVE)
    t1 = task(1, 1, 1)
    Responsibility.objects.create(section=t1.section, task=t1, department=members, role="responsible", order=2)
    client.force_login(leader)

    overview = client.get(reverse("dash:overview", args=[plan.code]), AS_OF).content.decode()
    missing = overview.split('id="missing"', 1)[1]
    assert "市安委会相关成员单位" not in missing
    assert "另有 1 项任务由集合主体（如相关成员单位）负责，本期未报送" in missing
    assert "市商务局" in missing  # the accountable units are still listed

    battle = client.get(reverse("dash:battle", args=[plan.code, 1]), AS_OF).content.decode()
    table = battle.split('class="dept-reporting"', 1)[1]
    assert "市安委会相关成员单位" not in table
    assert "另有 1 项任务由集合主体" in table
    # Its report is still owed: three reporting units on 1.1 (lead, responsible, the collective)
    # and one on 1.2, none reported.
    assert "（0/4）" in battle


def test_without_a_collective_there_is_no_note(client, plan, leader):
    client.force_login(leader)
    overview = client.get(reverse("dash:overview", args=[plan.code]), AS_OF).content.decode()
    assert "集合主体" not in overview
