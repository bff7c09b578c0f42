"""seed_demo on the real plan gives figures a reviewer believes: whole counts, counties that add up
to the city, problems that come and go, and units that are late rather than missing."""

from collections import defaultdict

from django.core.management import call_command
from django.db.models import F

from targets.models import TargetReading
from tasks.management.commands.seed_demo import COUNT_UNITS, LATE_REPORTERS, accumulates
from tasks.models import MetricValue, ProgressReport


def test_seed_demo_on_the_real_plan_is_believable(db):
    call_command("load_plan", "fixtures/huaihua-2023.yaml", verbosity=0)
    call_command("seed_demo", "huaihua-2023", "--until", "2023-11-30", verbosity=0)

    readings = list(TargetReading.objects.select_related("target", "period"))
    counted = [r for r in readings if r.target.unit in COUNT_UNITS and r.cumulative_value is not None]
    assert counted and all(r.cumulative_value == int(r.cumulative_value) for r in counted)
    values = MetricValue.objects.filter(metric__unit__in=COUNT_UNITS, value__isnull=False)
    assert values.exists() and all(v == int(v) for v in values.values_list("value", flat=True))

    # Counties add up to the city for every amount reported by county.
    city, counties = {}, defaultdict(list)
    for r in readings:
        if r.target.by_area and accumulates(r.target):
            if r.area_id is None:
                city[(r.target_id, r.period_id)] = r.cumulative_value
            else:
                counties[(r.target_id, r.period_id)].append(r.cumulative_value)
    assert counties
    for key, parts in counties.items():
        assert sum(parts) == city[key], key
    # And a period's figure is the increase of the cumulative one.
    assert all(r.period_value >= 0 for r in readings if accumulates(r.target) and r.period_value is not None)

    approved = ProgressReport.objects.filter(status="approved")
    with_problem = approved.exclude(problems="").count()
    assert 0.1 * approved.count() < with_problem < 0.6 * approved.count()
    # Problems get closed: a report with a problem followed by one of the same task and unit without.
    history = defaultdict(list)
    for task_id, dept_id, problems in approved.order_by("period__number").values_list(
        "task_id", "department_id", "problems"
    ):
        history[(task_id, dept_id)].append(bool(problems))
    closed = sum(1 for runs in history.values() for a, b in zip(runs, runs[1:], strict=False) if a and not b)
    assert closed > 100

    # A few units are late rather than missing.
    for name in LATE_REPORTERS:
        reports = ProgressReport.objects.filter(department__name=name, first_submitted_at__isnull=False)
        late = reports.filter(first_submitted_at__date__gt=F("period__deadline")).count()
        assert late > 0.3 * reports.count(), name
