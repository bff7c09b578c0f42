"""Fill a plan with believable demo progress up to a date: readings, reports, reviews, laggards.

Every row it makes is marked is_demo=True (reports and readings; metric values and report events
hang off demo reports). Deterministic for a given --seed; bulk inserts only, so the full plan
seeds in seconds on SQLite.
"""

import datetime as dt
import random
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from targets.models import Department, Period, Plan, Target, TargetReading
from targets.periods import first_due_ten_day, period_number_of
from tasks import summaries
from tasks.models import MetricValue, ProgressReport, ReportEvent, Responsibility, Task, TaskMetric

PROGRESS = [
    "组织召开专题调度会，逐项梳理推进情况，{task}按计划推进。",
    "牵头制定工作方案并印发实施，{task}相关项目完成阶段性目标。",
    "深入县市区开展督导，协调解决项目用地、资金等问题，{task}稳步推进。",
    "会同责任单位建立工作台账，实行清单化管理，{task}进展顺利。",
]
PROBLEMS = [
    "项目要素保障压力较大，部分资金尚未到位。",
    "个别县市区进度不平衡。",
    "市场需求恢复偏慢。",
    "审批手续办理周期较长。",
]
NEXT_STEPS = [
    "加强调度，压实责任，确保完成年度目标。",
    "开展专项督查，对滞后事项挂牌督办。",
    "加快资金拨付，推动项目早见效。",
]
LAGGING_NOTE = "受外部因素影响，进度滞后于序时，正在研究追赶措施。"
# The demo's laggards (when the plan has them), named, not drawn at random, so that the same
# departments stand out on every run and in every walkthrough: two miss about a third of their
# reports and half the time have not reported for the latest 旬; two report nearly always but
# late more often than not (迟报, not 漏报).
CHRONIC_LAGGARDS = ("市林业局", "市自然资源和规划局")
LATE_REPORTERS = ("市住房城乡建设局", "市交通运输局")
# (chance to miss a 旬, chance to submit late); most departments report reliably.
RELIABLE = [(0.01, 0.03), (0.03, 0.05), (0.04, 0.08), (0.06, 0.1)]
CHRONIC = (0.3, 0.2)
LATE = (0.02, 0.6)
# Problems come and go: a report with no open problem raises one with this chance; an open one is
# still listed in the next report with the other chance, else it is closed (销号).
PROBLEM_RAISED = 0.12
PROBLEM_KEPT = 0.6
# Units whose figures are counts of things (家, 个, 项 …): their demo values are whole numbers.
COUNT_UNITS = frozenset(
    {"个", "家", "起", "户", "座", "项", "支", "套", "类", "所", "名", "列", "件", "人", "场次", "人(个)"}
)
# A "level" target in these units is a within-year total (地区生产总值总量): it accumulates.
AMOUNT_UNITS = frozenset({"亿元", "万元"})
# A task's pace against 序时进度 (metric completion = schedule × pace, self-reported "lagging" below
# 0.8): about 85 % at or ahead of schedule, a few slightly and a few clearly behind.
PACES = [
    1.0,
    1.02,
    1.04,
    1.05,
    1.06,
    1.08,
    1.1,
    1.12,
    1.15,
    1.0,
    1.03,
    1.05,
    1.07,
    1.1,
    1.04,
    1.06,
    0.9,
    0.93,
    0.72,
    0.75,
]


def d(value, places="0.01"):
    return Decimal(str(value)).quantize(Decimal(places))


def amount(value, unit):
    """A demo figure in the target's unit: whole numbers for counts, two decimals otherwise."""
    return d(value, "1" if unit in COUNT_UNITS else "0.01")


def accumulates(target):
    return target.kind in {"cumulative", "approximate"} or (target.kind == "level" and target.unit in AMOUNT_UNITS)


def split(total, weights, unit):
    """`total` shared by `weights`, rounded in the unit, the remainder on the largest share so
    that the parts add up to the total exactly."""
    parts = [amount(float(total) * w / sum(weights), unit) for w in weights]
    largest = max(range(len(parts)), key=lambda i: weights[i])
    parts[largest] += total - sum(parts)
    return parts


class Command(BaseCommand):
    help = (
        "为方案生成演示进展数据（报告、审核、指标数据），所有数据标记为演示数据。"
        "大多数单位按时报送（最近一旬报送率约八成半至九成），约一至二成任务滞后；"
        "固定以市住房城乡建设局、市林业局、市交通运输局、市自然资源和规划局（方案中有的）"
        "作为经常漏报、迟报的演示单位。"
    )

    def add_arguments(self, parser):
        parser.add_argument("plan_code")
        parser.add_argument("--until", default="2023-11-30", help="生成到该日期（YYYY-MM-DD）")
        parser.add_argument("--if-empty", action="store_true", help="方案已有报告时跳过")
        parser.add_argument("--seed", type=int, default=2023)

    def handle(self, plan_code, until, if_empty, seed, **options):
        try:
            plan = Plan.objects.get(code=plan_code)
        except Plan.DoesNotExist:
            raise CommandError(f"没有代码为 {plan_code} 的方案。") from None
        try:
            until = dt.date.fromisoformat(until)
        except ValueError:
            raise CommandError(f"日期 {until} 格式不对，应为 YYYY-MM-DD。") from None
        if if_empty and ProgressReport.objects.filter(task__section__battle__plan=plan).exists():
            self.stdout.write(f"方案 {plan_code} 已有报告，跳过演示数据。")
            return
        counts = seed_plan(plan, until, seed)
        self.stdout.write(
            self.style.SUCCESS(
                f"已生成演示数据：报告 {counts['reports']} 份，指标数据 {counts['readings']} 条，"
                f"量化指标值 {counts['metric_values']} 条（截至 {until}）。"
            )
        )


def demo_user():
    user = User.objects.filter(role__in=["office", "admin"]).order_by("id").first()
    if user is None:
        user, _ = User.objects.get_or_create(username="demo-seed", defaults={"role": "admin", "is_active": False})
    return user


def at(day, hour, rng):
    naive = dt.datetime.combine(day, dt.time(hour, rng.randrange(60)))
    return timezone.make_aware(naive, timezone.get_fixed_timezone(480))


@transaction.atomic
def seed_plan(plan, until, seed):
    rng = random.Random(seed)
    user = demo_user()
    periods = {(p.kind, p.number): p for p in Period.objects.filter(plan=plan)}
    readings = seed_readings(plan, until, rng, periods, user)
    reports, metric_values = seed_reports(plan, until, rng, periods, user)
    summaries.rebuild_plan(plan)  # bulk inserts bypass the actions that keep the summaries
    return {"readings": readings, "reports": reports, "metric_values": metric_values}


def _value_for(target, fraction, perf, rng):
    """(period-independent) demo figure for a target at `fraction` of the year with performance `perf`."""
    value = target.value
    kind = target.kind
    if accumulates(target):
        return {"cumulative_value": amount(float(value or 100) * fraction * perf, target.unit)}
    if kind == "growth_rate":
        base = float(value or 8)
        return {"cumulative_growth": d(base * perf + rng.uniform(-0.4, 0.4), "0.1")}
    if kind == "level":
        return {"cumulative_value": amount(float(value or 50) * min(perf, 1.08) * rng.uniform(0.98, 1.01), target.unit)}
    if kind == "ceiling":
        if target.unit in COUNT_UNITS:
            return {"cumulative_value": amount(float(value or 1) * (2 - perf) * rng.uniform(0.85, 1.0), target.unit)}
        return {"cumulative_value": d(float(value or 1) * (2 - perf) * rng.uniform(0.85, 1.0), "0.001")}
    if kind == "decrease":
        return {"cumulative_growth": d(-float(value or 6) * perf + rng.uniform(-2, 2), "0.1")}
    return {}


def seed_readings(plan, until, rng, periods, user):
    counties = list(Department.objects.filter(kind=Department.Kind.COUNTY).order_by("order", "name"))
    rows = []
    for target in (
        Target.objects.filter(battle__plan=plan).select_related("battle__task_force").prefetch_related("departments")
    ):
        if target.kind == "qualitative":
            continue
        departments = list(target.departments.all())
        reporter = departments[0] if departments else target.battle.task_force.office
        # Most targets near schedule, some ahead, a few clearly behind.
        perf = rng.choice([0.78, 0.9, 0.96, 1.0, 1.02, 1.05, 1.1])
        # Yearly figures come once a year; the demo shows quarterly estimates so the year is not all grey.
        kind = {"monthly": "month", "ten_day": "month"}.get(target.frequency, "quarter")
        count = 12 if kind == "month" else 4
        incident_month = rng.randrange(1, 13) if target.kind == "zero_tolerance" and rng.random() < 0.25 else None
        # Each county's share of the city's amounts (fixed for the target).
        weights = [rng.uniform(0.5, 1.5) for _c in counties]
        previous = {}
        for number in range(1, count + 1):
            period = periods[(kind, number)]
            if period.end > until:
                break
            fraction = number / count
            if target.kind == "zero_tolerance":
                month_end = number * (1 if kind == "month" else 3)
                hit = incident_month is not None and month_end >= incident_month
                new = hit and month_end - (1 if kind == "month" else 3) < incident_month
                city = {"period_value": d(1 if new else 0), "cumulative_value": d(1 if hit else 0)}
            else:
                city = _value_for(target, fraction, perf, rng)
            areas = [(None, city)]
            if target.by_area and counties:
                if accumulates(target) and "cumulative_value" in city:
                    # Amounts add up: the counties' figures are the city's, shared out.
                    parts = split(city["cumulative_value"], weights, target.unit)
                    areas += [(c, {"cumulative_value": v}) for c, v in zip(counties, parts, strict=True)]
                elif target.kind != "zero_tolerance":
                    # Rates do not add up; a county now and then has not sent its figure.
                    areas += [
                        (c, _value_for(target, fraction, perf * rng.uniform(0.85, 1.12), rng))
                        for c in counties
                        if rng.random() >= 0.05
                    ]
            for area, values in areas:
                if accumulates(target) and "cumulative_value" in values:
                    # This period's figure is the cumulative's increase over the last one.
                    values["period_value"] = values["cumulative_value"] - previous.get(area, Decimal(0))
                    previous[area] = values["cumulative_value"]
                rows.append(
                    TargetReading(
                        target=target,
                        period=period,
                        area=area,
                        department=reporter,
                        entered_by=user,
                        data_source="演示数据（市统计局口径）",
                        is_demo=True,
                        **values,
                    )
                )
    TargetReading.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def demo_metric_value(metric, n, pace):
    """A metric's demo value in 旬 `n` for a task at `pace`, in the terms its kind is judged in
    (targets/schedule.py): only amounts grow with the year; rates, shares and ceilings hover around
    their target, better or worse with the pace."""
    target = float(metric.value or 0)
    if metric.kind in ("cumulative", "approximate"):
        # Reported against the 旬's end, a little ahead, so that a task on pace stays on schedule
        # while its latest report waits for review.
        return target * min(1.0, (n + 2) / 36 * pace)
    if metric.kind == "zero_tolerance":
        return 0
    if metric.kind == "ceiling":
        return target * 0.75 / pace
    if metric.kind == "level" and metric.unit == "%":
        return min(100.0, target * pace)
    return target * pace  # growth rates, decreases (the fall), other levels


def seed_reports(plan, until, rng, periods, user):
    last = period_number_of("ten_day", until)
    if periods[("ten_day", last)].end > until:
        last -= 1
    first = first_due_ten_day(plan)
    tasks = list(Task.objects.filter(section__battle__plan=plan).select_related("section").order_by("id"))
    by_task, by_section = {}, {}
    for r in Responsibility.objects.filter(section__battle__plan=plan, role__in=["lead", "responsible"]).order_by(
        "order", "id"
    ):
        (by_task.setdefault(r.task_id, []) if r.task_id else by_section.setdefault(r.section_id, [])).append(r)
    metrics = {}
    for m in TaskMetric.objects.filter(section__battle__plan=plan, task__isnull=False):
        metrics.setdefault(m.task_id, []).append(m)
    # Each department has a habit: most report reliably; the named chronic laggards often miss or are late.
    chronic = set(Department.objects.filter(name__in=CHRONIC_LAGGARDS).values_list("pk", flat=True))
    late_reporters = set(Department.objects.filter(name__in=LATE_REPORTERS).values_list("pk", flat=True))
    habits = {}
    reports, plans = [], []
    for task in tasks:
        resp = by_task.get(task.pk) or by_section.get(task.section_id, [])
        pace = rng.choice(PACES)
        done_at = last - rng.randrange(0, 8) if rng.random() < 0.06 else None
        for r in {r.department_id: r for r in resp}.values():
            if r.department_id not in habits:
                if r.department_id in chronic:
                    habits[r.department_id] = CHRONIC
                elif r.department_id in late_reporters:
                    habits[r.department_id] = LATE
                else:
                    habits[r.department_id] = rng.choice(RELIABLE)
            miss, late = habits[r.department_id]
            problem = ""  # the problem this unit has open on this task, carried from report to report
            for n in range(first, last + 1):
                if done_at is not None and n > done_at:
                    break
                if rng.random() < (miss if n < last or r.department_id not in chronic else 0.5):
                    continue
                period = periods[("ten_day", n)]
                recent = last - n
                roll = rng.random()
                # The latest 旬: the offices are still reviewing; a few reports are still drafts.
                if recent == 0:
                    status = "submitted" if roll < 0.35 else ("approved" if roll < 0.96 else "draft")
                elif recent == 1:
                    status = "approved" if roll < 0.88 else ("submitted" if roll < 0.97 else "returned")
                else:
                    status = "approved" if roll < 0.98 else "returned"
                task_status = (
                    "completed" if done_at == n else ("lagging" if pace < 0.8 and n > first + 3 else "in_progress")
                )
                submitted = None
                if status != "draft":
                    shift = rng.randrange(1, 4) if rng.random() < late else -rng.randrange(0, 3)
                    submitted = at(period.deadline + dt.timedelta(days=shift), rng.randrange(9, 18), rng)
                reviewed = (
                    submitted + dt.timedelta(hours=rng.randrange(3, 40)) if status in {"approved", "returned"} else None
                )
                name = task.title
                if task_status == "lagging":
                    problem = LAGGING_NOTE
                elif task_status == "completed" or (problem and rng.random() >= PROBLEM_KEPT):
                    problem = ""
                elif not problem and rng.random() < PROBLEM_RAISED:
                    problem = rng.choice(PROBLEMS)
                reports.append(
                    ProgressReport(
                        task=task,
                        department_id=r.department_id,
                        period=period,
                        status=status,
                        task_status=task_status,
                        progress=rng.choice(PROGRESS).format(task=name),
                        problems=problem,
                        next_steps=rng.choice(NEXT_STEPS),
                        submitted_at=submitted,
                        first_submitted_at=submitted,
                        submitted_by=user if submitted else None,
                        reviewed_at=reviewed,
                        reviewed_by=user if reviewed else None,
                        return_reason="请补充量化指标完成情况和佐证材料。" if status == "returned" else "",
                        times_returned=1 if status == "returned" else 0,
                        is_demo=True,
                    )
                )
                plans.append((r.role == "lead", metrics.get(task.pk, []), n, pace, status))
    ProgressReport.objects.bulk_create(reports, batch_size=2000)
    values, events = [], []
    for report, (is_lead, task_metrics, n, pace, status) in zip(reports, plans, strict=True):
        if is_lead:
            for m in task_metrics:
                if m.value or m.kind == "zero_tolerance":
                    values.append(
                        MetricValue(report=report, metric=m, value=amount(demo_metric_value(m, n, pace), m.unit))
                    )
        if report.submitted_at:
            events.append(
                ReportEvent(report=report, action="submitted", actor=user, at=report.submitted_at, version_number=1)
            )
        if status in {"approved", "returned"}:
            events.append(
                ReportEvent(
                    report=report, action=status, actor=user, at=report.reviewed_at, reason=report.return_reason
                )
            )
    MetricValue.objects.bulk_create(values, batch_size=2000)
    ReportEvent.objects.bulk_create(events, batch_size=2000)
    return len(reports), len(values)
