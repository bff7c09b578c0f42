"""The stored per task × 旬 summaries follow every write, and check_summaries proves it."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from conftest import make_user
from tasks.models import ProgressReport, Responsibility, TaskPeriodSummary
from tasks.summaries import differences
from tasks.tests.helpers import report_data, task, ten_day

pytestmark = pytest.mark.django_db


def stored(t, period):
    row = TaskPeriodSummary.objects.filter(task=t, period=period).first()
    if row is None:
        return None
    return {
        "submitted": row.submitted,
        "approved": row.approved,
        "lead_submitted": row.lead_submitted,
        "lead_approved": row.lead_approved,
        "approved_task_status": row.approved_task_status,
        "lead_approved_task_status": row.lead_approved_task_status,
    }


def summary(submitted=0, approved=0, lead_submitted=0, lead_approved=0, status="", lead_status=""):
    return {
        "submitted": submitted,
        "approved": approved,
        "lead_submitted": lead_submitted,
        "lead_approved": lead_approved,
        "approved_task_status": status,
        "lead_approved_task_status": lead_status,
    }


def submit(client, user, t, period, **extra):
    client.force_login(user)
    response = client.post(reverse("tasks:report_edit", args=[t.pk, period.pk]), report_data(action="submit", **extra))
    assert response.status_code == 302
    return ProgressReport.objects.get(task=t, period=period, department=user.department)


def review(client, user, report, action, reason=""):
    client.force_login(user)
    response = client.post(reverse(f"tasks:report_{action}", args=[report.pk]), {"reason": reason})
    assert response.status_code == 302
    report.refresh_from_db()


def test_submit_approve_return_and_reopen_keep_the_lead_and_other_counts(
    client, plan, departments, staff_commerce, office_dev, plan_admin
):
    """Task 1.1: 市商务局 leads, 市发展改革委 is responsible."""
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    staff_dev = make_user("devstaff", "staff", departments["dev"])
    client.post(reverse("tasks:report_edit", args=[t1.pk, period.pk]), report_data())
    assert stored(t1, period) is None  # a draft is not reported

    lead = submit(client, staff_commerce, t1, period, task_status="lagging")
    assert stored(t1, period) == summary(submitted=1, lead_submitted=1)
    other = submit(client, staff_dev, t1, period, task_status="completed")
    assert stored(t1, period) == summary(submitted=2, lead_submitted=1)

    review(client, office_dev, lead, "approve")
    assert stored(t1, period) == summary(
        submitted=1, approved=1, lead_approved=1, status="lagging", lead_status="lagging"
    )
    review(client, office_dev, other, "approve")
    # Two approved statuses in one 旬: the alphabetically last (as the dashboards take it); the lead's own apart.
    assert stored(t1, period) == summary(approved=2, lead_approved=1, status="lagging", lead_status="lagging")

    review(client, plan_admin, lead, "reopen", reason="数据有误")
    assert lead.status == ProgressReport.Status.RETURNED
    assert stored(t1, period) == summary(approved=1, status="completed")
    review(client, plan_admin, other, "reopen", reason="数据有误")
    assert stored(t1, period) is None
    assert differences() == []


def test_a_return_takes_the_report_out_of_the_review_count(client, plan, staff_commerce, office_dev):
    t1, period = task(1, 1, 1), ten_day(plan, 13)
    report = submit(client, staff_commerce, t1, period)
    review(client, office_dev, report, "return", reason="请补充佐证材料")
    assert stored(t1, period) is None
    submit(client, staff_commerce, t1, period, version=report.version)
    assert stored(t1, period) == summary(submitted=1, lead_submitted=1)


def test_check_summaries_reports_a_difference_and_rebuild_mends_it(client, plan, staff_commerce, capsys):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    submit(client, staff_commerce, t1, period)
    call_command("check_summaries", plan.code)
    TaskPeriodSummary.objects.filter(task=t1, period=period).update(submitted=5)
    with pytest.raises(CommandError, match="不一致：1 行"):
        call_command("check_summaries")
    assert "submitted=5" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("check_summaries", plan.code, "--rebuild")
    call_command("check_summaries", plan.code)
    assert stored(t1, period) == summary(submitted=1, lead_submitted=1)


def test_check_summaries_refuses_an_unknown_plan(plan):
    with pytest.raises(CommandError, match="没有代码为 nope 的方案"):
        call_command("check_summaries", "nope")


def test_seed_demo_leaves_no_difference(plan):
    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "5")
    assert TaskPeriodSummary.objects.exists()
    call_command("check_summaries", plan.code)
    assert differences() == []


def test_changing_the_lead_in_the_admin_moves_the_lead_counts(client, plan, departments, staff_commerce, plan_admin):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    submit(client, staff_commerce, t1, period)
    assert stored(t1, period) == summary(submitted=1, lead_submitted=1)
    lead = Responsibility.objects.get(task=t1, role="lead")
    client.force_login(plan_admin)
    response = client.post(
        reverse("admin:tasks_responsibility_change", args=[lead.pk]),
        {
            "section": t1.section_id,
            "task": t1.pk,
            "department": departments["commerce"].pk,
            "role": "responsible",
            "order": 0,
        },
    )
    assert response.status_code == 302
    assert stored(t1, period) == summary(submitted=1)


def test_deleting_a_report_in_the_admin_removes_it_from_the_summary(client, plan, staff_commerce, plan_admin):
    t1, period = task(1, 1, 1), ten_day(plan, 14)
    report = submit(client, staff_commerce, t1, period)
    client.force_login(plan_admin)
    response = client.post(reverse("admin:tasks_progressreport_delete", args=[report.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert stored(t1, period) is None


def test_approved_metric_values_carry_forward_until_a_later_approval_replaces_them(
    client, plan, staff_culture, office_dev, plan_admin
):
    """Task 1.2 (led by 市文化旅游广电体育局) has two metrics; each row keeps the latest approved values."""
    t2 = task(1, 1, 2)
    visitors, income = t2.metrics.order_by("order")
    first = submit(
        client, staff_culture, t2, ten_day(plan, 13), **{f"metric_{visitors.pk}": "2000", f"metric_{income.pk}": "150"}
    )
    assert TaskPeriodSummary.objects.get(task=t2, period=ten_day(plan, 13)).metric_values == {}  # not yet approved
    review(client, office_dev, first, "approve")
    second = submit(client, staff_culture, t2, ten_day(plan, 14), **{f"metric_{visitors.pk}": "2600"})
    review(client, office_dev, second, "approve")
    rows = {
        s.period.number: s.metric_values for s in TaskPeriodSummary.objects.filter(task=t2).select_related("period")
    }
    assert rows[13] == {str(visitors.pk): "2000.0000", str(income.pk): "150.0000"}
    assert rows[14] == {str(visitors.pk): "2600.0000", str(income.pk): "150.0000"}
    review(client, plan_admin, second, "reopen", reason="数据有误")
    assert not TaskPeriodSummary.objects.filter(task=t2, period=ten_day(plan, 14)).exists()
    client.force_login(office_dev)
    response = client.get(reverse("dash:task", args=[t2.pk]) + "?as_of=ten_day-14")
    bars = {metric.pk: point.value for metric, point in response.context["t"].metrics}
    assert bars == {visitors.pk: 2000, income.pk: 150}


def test_reloading_the_plan_file_with_another_lead_moves_the_lead_counts(client):
    from tasks.plan_file import load_plan, parse_plan
    from tasks.tests.plan_files import MINI_YAML

    def load(text):
        return load_plan(parse_plan(text, "mini.yaml"), filename="mini.yaml").plan

    plan = load(MINI_YAML)
    t1 = plan.battles.get(number=1).sections.get(number=1).tasks.get(number=1)
    commerce = t1.responsibilities.get(role="lead").department
    period = ten_day(plan, 14)
    submit(client, make_user("shangwu", "staff", commerce), t1, period)
    assert stored(t1, period) == summary(submitted=1, lead_submitted=1)
    swapped = MINI_YAML.replace(
        "lead: [市商务局]\n            responsible: [市公安局交警支队]",
        "lead: [市公安局交警支队]\n            responsible: [市商务局]",
    )
    assert swapped != MINI_YAML
    load(swapped)
    assert stored(t1, period) == summary(submitted=1)
