"""seed_demo fills a plan with demo data that the dashboards can judge."""

import datetime as dt

from django.core.management import call_command

from reporting.status import plan_status, resolve_as_of
from targets.models import TargetReading
from tasks.models import ProgressReport


def test_seed_demo_fills_reports_and_readings_marked_as_demo(plan):
    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "7")
    reports = ProgressReport.objects.filter(task__section__battle__plan=plan)
    readings = TargetReading.objects.filter(target__battle__plan=plan)
    assert reports.exists() and readings.exists()
    assert not reports.filter(is_demo=False).exists() and not readings.filter(is_demo=False).exists()
    assert not reports.filter(period__end__gt=dt.date(2023, 6, 30)).exists()
    assert {"approved", "submitted"} <= set(reports.values_list("status", flat=True))
    status = plan_status(plan, resolve_as_of(plan, "month-6"))
    assert any(t.judgement.light != "grey" for b in status.battles for t in b.targets)


def test_seed_demo_is_deterministic_and_if_empty_skips(plan):
    call_command("seed_demo", plan.code, "--until", "2023-04-30", "--seed", "3")
    first = list(ProgressReport.objects.order_by("task", "department", "period").values_list("status", "task_status"))
    call_command("seed_demo", plan.code, "--if-empty")
    assert ProgressReport.objects.count() == len(first)
    ProgressReport.objects.all().delete()
    TargetReading.objects.all().delete()
    call_command("seed_demo", plan.code, "--until", "2023-04-30", "--seed", "3")
    again = list(ProgressReport.objects.order_by("task", "department", "period").values_list("status", "task_status"))
    assert again == first


def test_seed_demo_makes_the_named_chronic_laggards_miss_reports_and_others_mostly_report(plan, departments):
    laggard = departments["finance"]
    laggard.name = "市林业局"  # one of seed_demo.CHRONIC_LAGGARDS
    laggard.save()
    call_command("seed_demo", plan.code, "--until", "2023-11-30", "--seed", "5")
    reported = ProgressReport.objects.filter(task__section__battle__plan=plan, status__in=["submitted", "approved"])
    per_department = {}
    for department_id in reported.values_list("department_id", flat=True).distinct():
        tasks = reported.filter(department_id=department_id).values("task_id").distinct().count()
        per_department[department_id] = reported.filter(department_id=department_id).count() / (33 * tasks)
    assert per_department[laggard.pk] < 0.8
    others = [rate for pk, rate in per_department.items() if pk != laggard.pk]
    assert others and min(others) > 0.85
