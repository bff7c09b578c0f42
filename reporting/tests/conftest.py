"""A seeded May 2023 for the mini plan: readings and a year of ten-day reports, figures by hand.

Expected reports (lead and responsible units, one per task per 旬): 1.1 市商务局 + 市发展改革委,
1.2 市文化旅游广电体育局, 2.1 市科技局 + 市财政局. Up to the end of May: 15 ten-day periods.

- 市商务局 reports 1.1 in all 15 periods on time, approved first time; problem "促销资金不足" in
  旬13 and 旬14, none in 旬15 (so it is closed on 2023-05-31).
- 市发展改革委 never reports (3 missing in May → 通报批评).
- 市文化旅游广电体育局 reports 1.2 in 旬13 only (returned once, then approved); metrics 2000 of
  5000 万人次 (40.0%) and 150 of 470 亿元 (31.9%); problem "景区配套不完善" stays open; missing
  旬14 and 旬15 → task red, 任务完成率 0% → 通报批评.
- 市科技局 reports 2.1 in all 15 periods (→ 通报表扬); 市财政局 in 旬13–15 only (on time 3/15 = 20%).

Readings: 社零 May cumulative 300 of 780 (38.5%, 序时 41.7%, −3.2 points, yellow); 高新技术企业
May cumulative 90 of 150 (60.0%, +18.3, green); GDP Q1 growth 4.0% against 7.5% (−3.5, red), by
county 鹤城区 6.1%, 中方县 3.2%.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from targets.models import Period, Target, TargetReading
from tasks.models import MetricValue, ProgressReport, Task, TaskMetric
from tasks.summaries import rebuild as rebuild_summaries


def at_noon(day):
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


def progress_report(task, department, period, *, submitted=None, status="approved", **fields):
    """A progress report of `department` on `task` for `period`, first submitted (and, when
    approved, reviewed) at `submitted` — noon of the period's last day unless given."""
    submitted = submitted or at_noon(period.end)
    return ProgressReport.objects.create(
        task=task,
        department=department,
        period=period,
        status=status,
        progress=fields.pop("progress", "推进"),
        task_status=fields.pop("task_status", "in_progress"),
        submitted_at=submitted,
        first_submitted_at=submitted,
        reviewed_at=submitted if status == "approved" else None,
        **fields,
    )


@pytest.fixture
def seeded(plan, departments):
    d = departments
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind="ten_day", number__lte=15)}
    t1 = Task.objects.get(section__battle__number=1, number=1)
    t2 = Task.objects.get(section__battle__number=1, number=2)
    t3 = Task.objects.get(section__battle__number=2, number=1)

    def report(task, dept, n, *, problems="", returned=0, progress="", next_steps=""):
        p = periods[n]
        report = ProgressReport.objects.create(
            task=task,
            department=dept,
            period=p,
            status="approved",
            task_status="in_progress",
            progress=progress or f"{dept.name}第{n}旬推进情况",
            problems=problems,
            next_steps=next_steps,
            submitted_at=at_noon(p.end),
            first_submitted_at=at_noon(p.end),
            reviewed_at=at_noon(p.end),
            times_returned=returned,
        )
        rebuild_summaries()
        return report

    for n in range(1, 16):
        report(t1, d["commerce"], n, problems="促销资金不足" if n in (13, 14) else "", next_steps="办好端午消费节")
        report(t3, d["science"], n)
    for n in (13, 14, 15):
        report(t3, d["finance"], n)
    r = report(t2, d["culture"], 13, problems="景区配套不完善", returned=1, progress='=HYPERLINK("x")开展旅游推介')
    m1, m2 = TaskMetric.objects.filter(task=t2).order_by("order")
    MetricValue.objects.create(report=r, metric=m1, value=Decimal("2000"))
    MetricValue.objects.create(report=r, metric=m2, value=Decimal("150"))
    rebuild_summaries()

    may = Period.objects.get(plan=plan, kind="month", number=5)
    q1 = Period.objects.get(plan=plan, kind="quarter", number=1)
    retail = Target.objects.get(code="1.02")
    hightech = Target.objects.get(code="2.01")
    gdp = Target.objects.get(code="1.01")
    TargetReading.objects.create(
        target=retail, period=may, department=d["commerce"], period_value=Decimal("65"), cumulative_value=Decimal("300")
    )
    TargetReading.objects.create(target=hightech, period=may, department=d["science"], cumulative_value=Decimal("90"))
    TargetReading.objects.create(target=gdp, period=q1, department=d["stats"], cumulative_growth=Decimal("4.0"))
    TargetReading.objects.create(
        target=gdp, period=q1, department=d["stats"], area=d["hecheng"], cumulative_growth=Decimal("6.1")
    )
    TargetReading.objects.create(
        target=gdp, period=q1, department=d["stats"], area=d["zhongfang"], cumulative_growth=Decimal("3.2")
    )
    return {
        "may": may,
        "ten_day_15": periods[15],
        "q1": q1,
        "q2": Period.objects.get(plan=plan, kind="quarter", number=2),
    }
