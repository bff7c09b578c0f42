"""Year-end forecasts of a plan's targets and task metrics as of a period, for the dashboards and
the monthly circular's 预警 section. Loads the figures in a fixed number of queries and runs the
pure forecast (targets/forecast.py) over them.

Public API:

- ``plan_forecasts(status)`` → ``PlanForecasts`` for a ``reporting.status.PlanStatus`` (the
  whole plan or one battle): ``targets`` (target id → Forecast), ``metrics`` (metric id →
  Forecast), ``at_risk`` (``RiskItem`` rows, 难完成 first). Two queries: the predecessor plan's
  readings (only when the plan has one) and the task metrics' values per 旬; this year's readings
  come with the targets' statuses, which were judged from them.
- ``target_forecast(target, as_of, readings)`` → Forecast for the target page (one query when
  the plan has a predecessor, none otherwise).
- ``warning_items(plan, as_of, status=None)`` → plain dicts for the circular's 预警 section: what
  is at risk, the pace needed from now on, and by when (the year's end; and the next month's
  end as the checkpoint).

A target's profile: the predecessor plan's city-wide cumulative readings of the target with the
same battle number and code (a year-end figure needed), else ``Target.profile`` (the engine's
序时进度 curve: cumulative % per quarter or month), else even.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from targets import forecast as fc
from targets.models import TargetReading
from targets.numbers import as_float, value_text
from targets.schedule import ReadingPoint
from targets.templatetags.colon import colon
from tasks.models import MetricValue

AMOUNT_KINDS = {"cumulative", "approximate"}


@dataclass
class RiskItem:
    kind: str  # "target" | "metric"
    name: str
    battle_id: int
    forecast: fc.Forecast
    departments: list  # names
    target_status: object = None  # reporting.status.TargetStatus
    task_status: object = None  # reporting.status.TaskStatus
    metric: object = None  # TaskMetric

    @property
    def severity(self):
        return self.forecast.severity


@dataclass
class PlanForecasts:
    targets: dict
    metrics: dict
    at_risk: list
    target_battles: list  # (battle id, Forecast) of every target forecast

    def of_battle(self, battle_status):
        """The part of these forecasts that belongs to one battle (a reporting.status.BattleStatus)."""
        battle_id = battle_status.battle.pk
        target_ids = {t.target.pk for t in battle_status.targets}
        metric_ids = {m.pk for t in battle_status.tasks for m, _ in t.metrics}
        return PlanForecasts(
            {pk: f for pk, f in self.targets.items() if pk in target_ids},
            {pk: f for pk, f in self.metrics.items() if pk in metric_ids},
            [item for item in self.at_risk if item.battle_id == battle_id],
            [(b, f) for b, f in self.target_battles if b == battle_id],
        )

    @classmethod
    def merged(cls, parts):
        """One battle's forecasts after another's, as plan_forecasts gives them for the battles together."""
        items = sorted((item for p in parts for item in p.at_risk), key=risk_order)
        return cls(
            {pk: f for p in parts for pk, f in p.targets.items()},
            {pk: f for p in parts for pk, f in p.metrics.items()},
            items,
            [pair for p in parts for pair in p.target_battles],
        )

    def at_risk_in(self, battle_id):
        return [item for item in self.at_risk if item.battle_id == battle_id]

    @property
    def unlikely_count(self):
        return sum(1 for item in self.at_risk if item.forecast.verdict == fc.UNLIKELY)

    @property
    def counts(self):
        """battle id → {verdict: count} of the targets' forecasts (the overview's battle cards)."""
        counts = defaultdict(lambda: {fc.LIKELY: 0, fc.AT_RISK: 0, fc.UNLIKELY: 0})
        for battle_id, f in self.target_battles:
            if f.verdict:
                counts[battle_id][f.verdict] += 1
        return dict(counts)


def _previous_profiles(plan, targets):
    """(battle number, code) → cumulative profile from the predecessor plan's readings (one query)."""
    if not plan.predecessor_id:
        return {}
    wanted = {t.pk for t in targets if t.kind in AMOUNT_KINDS}
    if not wanted:
        return {}
    series = defaultdict(list)
    for row in TargetReading.objects.filter(
        target__battle__plan_id=plan.predecessor_id, area__isnull=True, cumulative_value__isnull=False
    ).values("target__battle__number", "target__code", "period__kind", "period__number", "cumulative_value"):
        point = ReadingPoint(row["period__kind"], row["period__number"], cumulative_value=row["cumulative_value"])
        series[(row["target__battle__number"], row["target__code"])].append(
            fc.Observation(fc.month_of(point), row["cumulative_value"])
        )
    return {key: profile for key, obs in series.items() if (profile := fc.profile_from_previous(obs))}


def _profile(target, battle_number, previous):
    profile = previous.get((battle_number, target.code))
    if profile:
        return profile, "previous_year"
    own = fc.profile_from_schedule(target.profile) if target.profile else None
    if own:
        return own, "profile"
    return None, "even"


def forecast_of(target, battle_number, readings, as_of_month, previous, rules):
    profile, basis = _profile(target, battle_number, previous)
    return fc.forecast_target(
        target.kind,
        target.comparator,
        target.value,
        readings,
        as_of_month,
        profile=profile,
        basis=basis,
        tolerance_pct=rules.approx_tolerance_pct,
        unit=target.unit,
        step="ten_day" if target.frequency == "ten_day" else "month",
    )


def metric_kind(metric):
    """A task metric's kind for the forecast (TaskMetric.kind): rates, shares, ceilings and
    decreases as rates, amounts ("cumulative", "approximate") by 旬; None for what has no
    projection (zero tolerance, qualitative)."""
    kind = getattr(metric, "kind", "") or "cumulative"
    if kind in {"growth_rate", "level", "ceiling", "decrease"}:
        return kind
    if kind in {"cumulative", "approximate"}:
        return "ceiling" if metric.comparator == "at_most" else "cumulative"
    return None


def _metric_values(metrics, as_of):
    """metric id → {旬 number: value}: the highest approved value per 旬 up to the as-of 旬 (one
    query). Filtered on the metric ids alone, the status and 旬 in Python: with the report's
    status or 旬 in the WHERE clause SQLite probed the reports index per (task, 旬) pair and took
    5 to 20 times longer (240 ms / 1 s against 50 ms for a year of the demo plan)."""
    values = defaultdict(dict)
    if not metrics or not as_of.ten_day:
        return values
    for metric_id, kind, number, status, value in MetricValue.objects.filter(
        metric_id__in=[m.pk for m in metrics], value__isnull=False
    ).values_list("metric_id", "report__period__kind", "report__period__number", "report__status", "value"):
        if status != "approved" or kind != "ten_day" or number > as_of.ten_day:
            continue
        known = values[metric_id].get(number)
        if known is None or value > known:
            values[metric_id][number] = value
    return values


def plan_forecasts(status):
    plan, as_of, rules = status.plan, status.as_of, status.rules
    target_statuses = [t for b in status.battles for t in b.targets]
    targets = [t.target for t in target_statuses]
    battle_number = {b.battle.pk: b.battle.number for b in status.battles}
    previous = _previous_profiles(plan, targets)
    by_target, items = {}, []
    for ts in target_statuses:
        t = ts.target
        f = forecast_of(t, battle_number[t.battle_id], ts.readings, as_of.months, previous, rules)
        if f is None:
            continue
        by_target[t.pk] = f
        if f.verdict in {fc.AT_RISK, fc.UNLIKELY}:
            items.append(RiskItem("target", t.name, t.battle_id, f, [d.name for d in ts.departments], target_status=ts))
    task_statuses = [t for b in status.battles for t in b.tasks]
    metrics = [(ts, m) for ts in task_statuses for m, _ in ts.metrics if m.value is not None]
    values = _metric_values([m for _, m in metrics], as_of)
    by_metric = {}
    for ts, m in metrics:
        if ts.judgement.status == "completed" or metric_kind(m) is None:
            continue
        f = fc.forecast_metric(m.comparator, m.value, values.get(m.pk, {}), as_of.ten_day, metric_kind(m), m.unit)
        if f is None:
            continue
        by_metric[m.pk] = f
        if f.verdict in {fc.AT_RISK, fc.UNLIKELY}:
            name = colon(f"{ts.task.section.label}{ts.task.number}.{ts.task.title}") + m.name
            items.append(
                RiskItem(
                    "metric",
                    name,
                    ts.task.section.battle_id,
                    f,
                    [d.name for d in ts.leads],
                    task_status=ts,
                    metric=m,
                )
            )
    items.sort(key=risk_order)
    battles = [(ts.target.battle_id, by_target[ts.target.pk]) for ts in target_statuses if ts.target.pk in by_target]
    return PlanForecasts(by_target, by_metric, items, battles)


def task_metric_forecasts(task_status, as_of):
    """metric id → Forecast for one task's metrics (the task page; one query)."""
    metrics = [m for m, _ in task_status.metrics if m.value is not None]
    if not metrics or task_status.judgement.status == "completed":
        return {}
    values = _metric_values(metrics, as_of)
    result = {}
    for m in metrics:
        if metric_kind(m) is None:
            continue
        f = fc.forecast_metric(m.comparator, m.value, values.get(m.pk, {}), as_of.ten_day, metric_kind(m), m.unit)
        if f is not None:
            result[m.pk] = f
    return result


def risk_order(item):
    """难完成 first, then 有风险; targets before task metrics; the most short first."""
    return (-item.severity, -(item.kind == "target"), _shortfall(item.forecast))


def _shortfall(f):
    """Amounts: the projection against the target, as a share of it (most short first)."""
    if f.kind != "amount" or f.projected is None or not f.target:
        return 0
    return float((f.projected - f.target) / abs(f.target))


def target_forecast(target, as_of, readings, rules):
    """The forecast of one target from its ReadingPoints (the target page's series)."""
    plan = target.battle.plan
    previous = _previous_profiles(plan, [target]) if plan.predecessor_id else {}
    return forecast_of(target, target.battle.number, readings, as_of.months, previous, rules)


def _month_end(year, month):
    if month == 12:
        return dt.date(year, 12, 31)
    return dt.date(year, month + 1, 1) - dt.timedelta(days=1)


def warning_items(plan, as_of, status=None, battle_id=None):
    """The 预警 list of the monthly circular: every target and task metric whose forecast is
    有风险 or 难完成, most serious first, as plain dicts (JSON-ready): what, who, projection and
    interval, the pace needed from now on next to the pace so far, and by when (the next
    month's end as the checkpoint, the year's end as the deadline)."""
    from reporting.status import plan_status  # status imports nothing from here; keep it lazy

    status = status or plan_status(plan, as_of)
    forecasts = plan_forecasts(status)
    checkpoint = _month_end(plan.year, min(as_of.months + 1, 12)) if as_of.months < 12 else dt.date(plan.year, 12, 31)
    rows = []
    for item in forecasts.at_risk:
        if battle_id is not None and item.battle_id != battle_id:
            continue
        f = item.forecast
        rows.append(
            {
                "kind": item.kind,
                "battle_id": item.battle_id,
                "name": item.name,
                "departments": "、".join(item.departments),
                "verdict": f.verdict,
                "verdict_label": str(fc.VERDICT_LABELS[f.verdict]),
                "unit": f.unit,
                "target": _num(f.target),
                # The projection as the dashboards print it (Forecast.shown), not rounded twice.
                "projected": None if f.projected is None else float(Decimal(f.shown()["value"])),
                "shown": f.shown(),
                "low": _num(f.low),
                "high": _num(f.high),
                "pace_so_far": _num(f.pace_so_far),
                "pace_needed": _num(f.pace_needed),
                "step": f.step,
                "steps_left": f.steps_left,
                "forecast_kind": f.kind,
                "sentence": f.sentence(),
                "checkpoint": checkpoint.isoformat(),
                "deadline": dt.date(plan.year, 12, 31).isoformat(),
                # December's circular comes out after the year's end: no deadline is left to meet.
                "year_over": as_of.months >= 12,
            }
        )
    return rows


def _num(value):
    return as_float(value, 2)


WARNING_COLUMNS = [
    ("序号", "int"),
    ("指标或任务", "text"),
    ("牵头单位", "text"),
    ("年度目标", "num"),
    ("预计全年", "num"),
    ("预计区间", "text"),
    ("预计", "text"),
    ("今后所需进度", "text"),
    ("此前进度", "text"),
    ("时限", "text"),
]


def _date_label(iso):
    day = dt.date.fromisoformat(iso)
    return f"{day.month}月{day.day}日"


def warning_block(doc, items, battle_ids):
    """The monthly circular's 预警 section (pure: plain dicts from ``warning_items`` into a
    ``reporting.content.Doc``): in the main text how many items are at risk, the worst by name and
    by when measures are due; the per-item table (what each needs from now on) goes to an annex.
    Returns (summary counts, annex rows)."""
    rows_in = [i for i in items if i["battle_id"] in battle_ids]
    doc.h1("预警")
    if not rows_in:
        doc.p("按目前进度预测，各项指标和量化任务年末均可完成。")
        return {"unlikely": 0, "at_risk": 0}, []
    unlikely = sum(1 for i in rows_in if i["verdict"] == fc.UNLIKELY)
    at_risk = len(rows_in) - unlikely
    first = rows_in[0]
    worst = "、".join(f"{i['name']}（{i['departments']}）" for i in rows_in[:3] if i["verdict"] == fc.UNLIKELY)
    if first.get("year_over"):
        doc.p(
            f"截至年末，{unlikely}项指标和量化任务预计未完成年度目标、{at_risk}项完成与否待全年数据确认"
            + (f"，其中{worst}差距最大" if worst else "")
            + "。请牵头单位对照预警清单分析原因，在年度工作总结中作出说明，并提出下一年度的整改措施。"
        )
    else:
        doc.p(
            f"按目前进度预测全年，{unlikely}项指标和量化任务难以完成、{at_risk}项存在风险"
            + (f"，其中{worst}差距最大" if worst else "")
            + f"。请牵头单位对照预警清单所列所需进度，{_measures_by(first)}，"
            f"确保{_date_label(first['deadline'])}前完成年度目标。"
        )
    rows = []
    for n, i in enumerate(rows_in, 1):
        step = "每旬" if i["step"] == "ten_day" else "每月"
        unit = i["unit"]
        shown = i["shown"]
        if i["forecast_kind"] == "amount" and i["pace_needed"] is not None:
            needed = f"{step}{shown['needed']}{unit}" if i["pace_needed"] > 0 else "已完成"
            so_far = f"{step}{shown['so_far']}{unit}" if i["pace_so_far"] is not None else "—"
        elif i["pace_needed"] is not None:
            needed = f"其余月份平均{shown['needed']}%"
            so_far = f"累计{shown['so_far']}{unit}"
        else:
            # A level or a ceiling: its target and latest reading as the indicator table prints them.
            needed, so_far = f"达到{value_text(i['target'])}{unit}", f"最新{value_text(i['pace_so_far'])}{unit}"
        interval = "—" if i["low"] is None or i["high"] is None else f"{shown['low']}–{shown['high']}"
        rows.append(
            [n, i["name"], i["departments"], i["target"], i["projected"], interval, i["verdict_label"], needed, so_far]
            + [_time_limit(i)]
        )
    return {"unlikely": unlikely, "at_risk": at_risk}, rows


def _time_limit(item):
    """The annex's 时限 column."""
    if item.get("year_over"):
        return "年度总结中说明原因"
    if _has_checkpoint(item):
        return f"{_date_label(item['checkpoint'])}前提出措施，年底前完成"
    return "年底前完成"


def _has_checkpoint(item):
    """Whether the next month's end comes before the year's: from November on it is the year's
    end itself, and "measures by 12月31日, the target by 12月31日" would ask for both at once."""
    return item["checkpoint"] < item["deadline"]


def _measures_by(item):
    if _has_checkpoint(item):
        return f"于{_date_label(item['checkpoint'])}前提出追赶措施"
    return "抓紧落实追赶措施"
