"""The benchmark's bulk builder (bench/build.py) copies a plan faithfully: same reports, same
judgements, summaries equal to a recount. PostgreSQL only, like the builder."""

import pytest
from django.core.management import call_command
from django.db import connection

from bench.build import copy_plan
from reporting.status import plan_status, resolve_as_of
from tasks.models import ProgressReport, ReportEvent
from tasks.summaries import differences

pytestmark = pytest.mark.django_db


def lights(plan):
    status = plan_status(plan, resolve_as_of(plan, "month-6"))
    return (
        [
            (t.task.section.number, t.task.number, t.judgement.light, t.judgement.status)
            for b in status.battles
            for t in b.tasks
        ],
        [(t.target.code, t.judgement.light) for b in status.battles for t in b.targets],
        [(b.battle.number, b.review_queue, b.reporting.expected, b.reporting.reported) for b in status.battles],
    )


def test_a_copied_plan_has_the_same_reports_and_judgements_as_its_source(plan):
    if connection.vendor != "postgresql":
        pytest.skip("the benchmark builder copies with PostgreSQL's identity sequences")
    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "5")
    copied = plan.__class__.objects.get(pk=plan.pk)
    reports = copy_plan(copied, "copy-2022", 2022)
    copy = plan.__class__.objects.get(code="copy-2022")
    assert reports == ProgressReport.objects.filter(period__plan=plan).count() > 0
    assert ProgressReport.objects.filter(period__plan=copy).count() == reports
    assert (
        ReportEvent.objects.filter(report__period__plan=copy).count()
        == ReportEvent.objects.filter(report__period__plan=plan).count()
    )
    assert not ProgressReport.objects.filter(period__plan=copy).exclude(task__section__battle__plan=copy).exists()
    assert lights(copy) == lights(plan)
    assert differences() == []
