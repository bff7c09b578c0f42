"""The schedule engine: where a target or a task stands against 序时进度. Pure functions, no ORM.

Public API (stable; the dashboards and the dispatch reports both call it):

- ``schedule_pct(frequency_or_kind, number)`` → Decimal: 序时进度 in percent for the period a
  figure describes: month N → N/12, quarter N → N/4, 旬 N → N/36, year → 100. Statistics for month
  N are judged against month N (the period they describe), never against the publication date.
- ``Rules`` (frozen dataclass) and ``Rules.from_plan(plan)``: the per-plan thresholds.
- ``ReadingPoint(period_kind, number, period_value, cumulative_value, cumulative_growth)``.
- ``judge_target(kind, comparator, target_value, frequency, readings, as_of_month, rules,
  unit="", task_lights=None, profile=None)`` → ``Judgement`` (light, reason, gap_points,
  completion_pct, growth_pct, schedule_pct, ``rule``: the sentence ``rule_text`` gives).
- ``judge_metric(kind, comparator, target_value, value, ten_day, rules, unit="", reported=None)`` →
  ``Judgement``: a task metric judged as a target of the same kind (``metric_reading`` turns its
  value into the reading such a target would have; ``reported`` is the 旬 of its report).
- ``rule_text(kind, comparator, profile, rules, unit, frequency, target_value)`` → the rule as one
  Chinese sentence for a circular's 说明; ``RULE_KINDS`` lists the kinds in 说明 order.
- ``validate_profile(profile)`` → Chinese error messages for a ``Target.profile``.
- ``TaskReportPoint(period_number, status, task_status)``, ``MetricPoint(name, comparator,
  target_value, value, unit, kind)``.
- ``judge_task(reports_by_period, metric_progress, periods_due, rules)`` → ``TaskJudgement``;
  ``judge_task_summary(reported_periods, last_reported, latest_approved, metric_progress,
  periods_due, rules)`` is the same judgement from per-task aggregates (what the dashboards use).
- ``worst(lights)``: the most severe of several lights.

Lights: green = at or ahead of schedule / meets the target; yellow = behind by up to the plan's
threshold; red = further behind; grey = no data yet. ``gap_points`` is always "actual minus
required" in 百分点 (positive = ahead, or under a ceiling) and is None when the comparison is not in
percent. The thresholds are ``Rules`` fields (documented there) and every circular prints them.

How each kind is judged, and why (the project's domain notes on the plan, sections "Indicator kinds
and how they are judged" and "序时进度"):

- cumulative (新认定高新技术企业150家, 社零780亿元, 地区生产总值总量2000亿元): completion = latest
  cumulative ÷ annual target, compared with 序时进度 of the period the figure describes (month N →
  N/12, quarter N → N/4, 旬 N → N/36), never with the date it is read: "时间过半，任务过半" is the
  notes' definition of 达到序时, and statistics arrive a month late, so judging October's figure
  against December would light every indicator red for the publication lag. A within-year total
  (GDP 总量) is such an amount: its first-quarter figure covers a quarter of the year and is judged
  against 25%, not against the year's 2000亿. Where the year is not even (GDP is 22–23% in the
  first quarter), ``Target.profile`` gives the expected cumulative share per quarter or month —
  typically last year's — in place of the straight schedule; quarterly profiles are interpolated
  for monthly figures. Yellow when behind by ≤ ``yellow_gap_points`` (notes: 10 by default).
- growth_rate (地区生产总值增长7.5%, 园区规模工业增加值增长9.5%, 城镇化率提升1个百分点): the latest
  cumulative YoY growth against the target rate itself, never prorated — a growth rate is already
  a rate of the period so far ("1–N月 compared with the target rate itself"). The gap is in 百分点
  and yellow when short by ≤ ``growth_yellow_points``: a shortfall in points means the same
  whatever the target's size, where a share of the target made 21.9 points short of a 100% import
  target yellow and 1.9 points short of an 18.5% share red.
- level (研发经费投入强度1.6%, 制造业占比18.5%, 存贷比70%, 低保标准650元/月): the latest value
  against the target ("level or share at a date" — a share is not accumulated over the year, so
  prorating it is meaningless). In % the gap is in 百分点 and yellow within
  ``share_yellow_points``, like growth rates; in other units the share of the target reached, yellow
  from 100 − ``yellow_gap_points``%.
- ceiling (不良贷款率1.5%以内, 森林火灾受害率0.9‰以内): the latest value must stay at or under the limit
  — green whenever it does (1.09% against 1.5% is met, never "behind schedule"); over the limit by
  ≤ ``ceiling_yellow_pct`` of the limit is yellow, further red. A ceiling is a bound, not a
  quantity to accumulate, so neither 序时进度 nor a completion rate applies.
- zero_tolerance (杜绝较大以上事故): any occurrence so far this year (a positive period or
  cumulative value) is red, otherwise green — "any occurrence fails"; there is no yellow.
- decrease (森林火灾数量同比减少30%, 事故起数持续下降): the YoY change (``cumulative_growth``, negative =
  fell) against the required fall; the gap is in 百分点, yellow when short by ≤
  ``yellow_gap_points`` (counts of accidents and fires are small and noisy), a rise is red. With no
  figure (持续下降): fell = green, flat = yellow, rose = red.
- approximate ("左右", 新增高价值发明专利35件左右): with cumulative figures, like cumulative but green
  already within ``approx_tolerance_pct`` points under 序时进度; with a single value, green within the
  tolerance of the target (as a share of it), yellow within twice the tolerance, red beyond —
  "within a tolerance of the value".
- qualitative (完成政府债务化解年度目标任务): from the lights of the related tasks (``task_lights``, the
  battle's tasks its departments lead), since the notes say it is "judged from task reports":
  green when all are green, red when over a third are red, else yellow; grey when there are none.
- Comparator "about" on any other kind accepts the tolerance below the target as meeting it.

Task metrics carry the same kinds (``TaskMetric.kind``) and go through the same judge: the notes'
"task metrics keep the direction of their words". Their value is the latest approved one, read as
of the latest due 旬 (a cumulative amount against 旬 ÷ 36); a growth metric reports its growth, a
decrease metric the fall in % (减少 32 = growth −32), a zero-tolerance metric the occurrences so far.

Tasks: a period counts as reported when the LEAD unit's report is submitted or approved (status.py
counts per lead unit; co-responsible units' misses show on their own department rows). Trailing
missed periods (up to the latest due one) light the task: one yellow, ``missed_periods_red`` in a
row red (the notes: "yellow for one missed period, red for two in a row"). Progress comes from the
latest *approved* report: completed → green; self-reported lagging → at least yellow; otherwise the
most severe of its metrics' lights (``metric_gap_points`` is the gap of that metric). The task's
light is the worst of its reporting light and its progress light.
"""

from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from targets.numbers import fmt, q1, value_text
from targets.periods import period_short_label

GREEN, YELLOW, RED, GREY = "green", "yellow", "red", "grey"
SEVERITY = {GREY: 0, GREEN: 1, YELLOW: 2, RED: 3}
# Plain strings (marked for the catalogue): light_label and status_label translate them.
LIGHT_LABELS = {
    GREEN: gettext_noop("绿灯"),
    YELLOW: gettext_noop("黄灯"),
    RED: gettext_noop("红灯"),
    GREY: gettext_noop("灰灯"),
}

HUNDRED = Decimal(100)
PERIODS_PER_YEAR = {"ten_day": 36, "month": 12, "quarter": 4, "year": 1}
# Frequencies (Target.Frequency) name the period kind their figures describe.
FREQUENCY_KIND = {"ten_day": "ten_day", "monthly": "month", "quarterly": "quarter", "yearly": "year"}
# Months a period of each kind covers, to tell whether a figure describes a time already past.
MONTHS_PER_PERIOD = {"month": 1, "quarter": 3, "year": 12}

# Task statuses (kept in sync with the dashboards' labels).
COMPLETED, ON_SCHEDULE, LAGGING, NOT_REPORTED, NOT_DUE = (
    "completed",
    "on_schedule",
    "lagging",
    "not_reported",
    "not_due",
)
TASK_STATUS_LABELS = {
    COMPLETED: gettext_noop("已完成"),
    ON_SCHEDULE: gettext_noop("按序时推进"),
    LAGGING: gettext_noop("滞后"),
    NOT_REPORTED: gettext_noop("未报送"),
    NOT_DUE: gettext_noop("未到报送期"),
}
REPORTED_STATUSES = frozenset({"submitted", "approved"})
# Kinds whose progress is a completion rate (value ÷ target) compared with 序时进度; every other
# kind compares its value with the target itself.
COMPLETION_KINDS = frozenset({"cumulative", "approximate"})
# Every indicator kind (targets.models.IndicatorKind), in the order the 说明 lists their rules.
RULE_KINDS = (
    "cumulative",
    "growth_rate",
    "level",
    "ceiling",
    "decrease",
    "zero_tolerance",
    "approximate",
    "qualitative",
)


def kind_from_words(comparator, unit, name):
    """The indicator kind a plan's words give a figure (docs/plan-format.md): 以内/控制在 →
    ceiling, 杜绝/不发生 → zero tolerance, 下降/减少 → decrease, 左右 → approximate, 增长/提升 in %
    or points → growth rate, other % and ‰, …率/比重/占比 and standards (元/月, 个月) → level,
    counts and amounts → cumulative."""
    if comparator == "at_most":
        return "ceiling"
    if comparator == "zero":
        return "zero_tolerance"
    if comparator == "decrease":
        return "decrease"
    if comparator == "about":
        return "approximate"
    if unit in ("%", "个百分点") and (name.endswith("增长") or name.endswith("提升")):
        return "growth_rate"
    if unit in ("%", "‰", "个月") or unit.startswith("元/") or any(w in name for w in ("率", "比重", "占比")):
        return "level"
    return "cumulative"


def worst(lights):
    """The most severe light of several (grey when there are none)."""
    result = GREY
    for light in lights:
        if SEVERITY[light] > SEVERITY[result]:
            result = light
    return result


def schedule_pct(frequency_or_kind, number):
    """序时进度 (percent) of the `number`-th period of a frequency (monthly…) or period kind (month…)."""
    kind = FREQUENCY_KIND.get(frequency_or_kind, frequency_or_kind)
    count = PERIODS_PER_YEAR[kind]
    if not 1 <= number <= count:
        raise ValueError(f"{kind} number must be 1–{count}, not {number}")
    return Decimal(number) * HUNDRED / Decimal(count)


@dataclass(frozen=True)
class Rules:
    """The thresholds of the lights; every one is printed in the circulars' 说明 (``rule_text``).

    - ``yellow_gap_points`` (Plan setting, default 10): a cumulative amount behind 序时进度 by at
      most this many 百分点 of completion is yellow, further red; also how far under 100% of its
      target a level in other units than % may be for yellow, and how far short of the required
      fall a decrease may be.
    - ``approx_tolerance_pct`` (Plan setting, default 5): "左右" accepts this much below schedule
      (cumulative) or this share of the target either way (a single value).
    - ``missed_periods_red`` (Plan setting, default 2): ten-day reports missed in a row for red.
    - ``growth_yellow_points`` (Plan setting, default 2): a growth rate under its target by at most this many
      百分点 is yellow, further red (7.5% target: 5.5% yellow, 5.4% red).
    - ``share_yellow_points`` (Plan setting, default 2): a share or level in % under its target by at most this
      many 百分点 is yellow, further red (18.5% target: 16.6% yellow, 16.4% red).
    - ``ceiling_yellow_pct`` (default 10): over a ceiling by at most this share of the limit is
      yellow (1.5% limit: up to 1.65% yellow), further red.
    """

    yellow_gap_points: Decimal = Decimal(10)
    approx_tolerance_pct: Decimal = Decimal(5)
    missed_periods_red: int = 2
    growth_yellow_points: Decimal = Decimal(2)
    share_yellow_points: Decimal = Decimal(2)
    ceiling_yellow_pct: Decimal = Decimal(10)

    @classmethod
    def from_plan(cls, plan):
        default = cls()
        return cls(
            yellow_gap_points=Decimal(plan.yellow_gap_points),
            approx_tolerance_pct=Decimal(plan.approx_tolerance_pct),
            missed_periods_red=int(plan.missed_periods_red),
            growth_yellow_points=Decimal(getattr(plan, "growth_yellow_points", default.growth_yellow_points)),
            share_yellow_points=Decimal(getattr(plan, "share_yellow_points", default.share_yellow_points)),
        )

    def light_for_gap(self, gap, yellow_points=None):
        """Light for a gap in points against a requirement (positive = ahead); yellow when behind
        by at most `yellow_points` (default ``yellow_gap_points``)."""
        if gap is None:
            return GREY
        if gap >= 0:
            return GREEN
        if gap >= -(self.yellow_gap_points if yellow_points is None else yellow_points):
            return YELLOW
        return RED


@dataclass(frozen=True)
class ReadingPoint:
    period_kind: str  # "month" | "quarter" | "year" | "ten_day"
    number: int
    period_value: Decimal | None = None
    cumulative_value: Decimal | None = None
    cumulative_growth: Decimal | None = None
    # A task metric's value taken as of 旬 `number` from an earlier report (旬 `reported`): the
    # label names both, so a figure reported in 旬25 is never read as 旬33's.
    reported: int | None = None

    @property
    def end_month(self):
        if self.period_kind == "ten_day":
            return (self.number + 2) // 3
        return self.number * MONTHS_PER_PERIOD[self.period_kind]

    @property
    def schedule(self):
        return schedule_pct(self.period_kind, self.number)

    @property
    def label(self):
        if self.period_kind == "month":
            return _("1–%(n)s月") % {"n": self.number} if self.number > 1 else _("1月")
        if self.period_kind == "quarter":
            return _("1–%(n)s季度") % {"n": self.number} if self.number > 1 else _("一季度")
        if self.period_kind == "year":
            return _("全年")
        # Named as people name a 旬 (11月下旬), not by its number in the year (第33旬).
        if self.reported is not None and self.reported != self.number:
            return _("截至%(period)s（最近一次报告为%(reported)s）") % {
                "period": period_short_label("ten_day", self.number),
                "reported": period_short_label("ten_day", self.reported),
            }
        return period_short_label("ten_day", self.number)


@dataclass(frozen=True)
class Judgement:
    light: str
    reason: str
    gap_points: Decimal | None = None
    completion_pct: Decimal | None = None
    growth_pct: Decimal | None = None
    schedule_pct: Decimal | None = None
    on_schedule: bool | None = None
    latest_value: Decimal | None = None
    latest_label: str = ""
    rule: str = ""  # the rule applied, one sentence for the circular's 说明 (rule_text)

    @property
    def light_label(self):
        return _(LIGHT_LABELS[self.light])

    @property
    def rate_pct(self):
        """The rate column of the indicator tables: cumulative growth (or change) for growth rates
        and decreases, else the completion rate; None for ceilings and zero tolerance."""
        return self.growth_pct if self.growth_pct is not None else self.completion_pct


def _latest(readings, as_of_month, attr):
    """The latest reading up to `as_of_month` that carries `attr`; year figures last."""
    usable = [r for r in readings if r.end_month <= as_of_month and getattr(r, attr) is not None]
    if not usable:
        return None
    # Prefer the latest period; between a month and a quarter ending together, the finer one.
    return max(usable, key=lambda r: (r.end_month, -MONTHS_PER_PERIOD.get(r.period_kind, 0)))


def _meets(value, target, comparator, rules):
    if comparator == "more_than":
        return value > target
    if comparator == "at_most":
        return value <= target
    if comparator == "about":
        return value >= target - abs(target) * rules.approx_tolerance_pct / HUNDRED
    return value >= target


def _grey(reason, **extra):
    return Judgement(light=GREY, reason=reason, **extra)


def judge_target(
    kind, comparator, target_value, frequency, readings, as_of_month, rules, unit="", task_lights=None, profile=None
):
    """Judge one target as of the end of month `as_of_month` (1–12) from its city-wide readings;
    `profile` (Target.profile) replaces straight 序时进度 for cumulative amounts."""
    rules = rules or Rules()
    judgement = _judge(kind, comparator, target_value, readings, as_of_month, rules, unit, task_lights, profile)
    return replace(judgement, rule=rule_text(kind, comparator, profile, rules, unit, frequency, target_value))


def _judge(kind, comparator, target_value, readings, as_of_month, rules, unit, task_lights, profile):
    target = Decimal(target_value) if target_value is not None else None
    if kind == "qualitative":
        return _judge_qualitative(task_lights)
    if kind == "cumulative":
        return _judge_cumulative(target, readings, as_of_month, rules, unit, Decimal(0), profile)
    if kind == "growth_rate":
        return _judge_growth(target, comparator, readings, as_of_month, rules, unit)
    if kind == "level":
        return _judge_level(target, comparator, readings, as_of_month, rules, unit)
    if kind == "ceiling":
        return _judge_ceiling(target, readings, as_of_month, rules, unit)
    if kind == "zero_tolerance":
        return _judge_zero(readings, as_of_month, unit)
    if kind == "decrease":
        return _judge_decrease(target, readings, as_of_month, rules)
    if kind == "approximate":
        if _latest(readings, as_of_month, "cumulative_value") is not None:
            return _judge_cumulative(target, readings, as_of_month, rules, unit, rules.approx_tolerance_pct, profile)
        return _judge_about_value(target, readings, as_of_month, rules, unit)
    raise ValueError(f"unknown target kind {kind!r}")


def metric_reading(kind, value, ten_day, reported=None):
    """A task metric's latest reported value as the reading a target of its kind would have: a
    growth rate (or a change in points) is a cumulative growth; a decrease metric is reported as
    the fall in % (同比减少 32 → growth −32); every other kind reports its value to date.
    `reported`: the 旬 of the report that gave the value, when earlier than `ten_day`."""
    value = None if value is None else Decimal(value)
    if kind == "growth_rate":
        return ReadingPoint("ten_day", ten_day, cumulative_growth=value, reported=reported)
    if kind == "decrease":
        return ReadingPoint("ten_day", ten_day, cumulative_growth=None if value is None else -value, reported=reported)
    return ReadingPoint("ten_day", ten_day, cumulative_value=value, reported=reported)


def judge_metric(kind, comparator, target_value, value, ten_day, rules, unit="", reported=None):
    """Judge a task metric exactly as a target of its kind: its latest approved value taken as of
    the `ten_day`-th 旬 (a cumulative amount compares with 序时进度 = 旬 ÷ 36; ceilings, rates,
    shares, decreases and zero tolerance are never prorated). `reported`: the 旬 of the report the
    value comes from; when earlier, the reason says so ("截至第33旬（最近一次报告为第25旬）")."""
    if value is None or not ten_day:
        return Judgement(
            light=GREY,
            reason=_("暂无数据"),
            rule=rule_text(kind, comparator, None, rules, unit, "ten_day", target_value),
        )
    reading = metric_reading(kind, value, ten_day, reported)
    return judge_target(kind, comparator, target_value, "ten_day", [reading], 12, rules, unit)


def _profile_pct(profile, point):
    """Expected cumulative share (percent) at the end of `point`'s period from a profile
    ({"quarter": [4 shares]} or {"month": [12 shares]}); months inside a quarter are interpolated
    linearly from the quarter ends. None when the profile does not apply (no profile, 旬 figures)."""
    if not profile or point.period_kind not in ("month", "quarter", "year"):
        return None
    month = point.end_month
    if "month" in profile:
        return Decimal(str(profile["month"][month - 1]))
    shares = [Decimal(0)] + [Decimal(str(x)) for x in profile["quarter"]]
    quarter, into = divmod(month, 3)
    if not into:
        return shares[quarter]
    return shares[quarter] + (shares[quarter + 1] - shares[quarter]) * into / 3


def validate_profile(profile):
    """Chinese error messages for a Target.profile (empty list when it is fine or empty)."""
    if not profile:
        return []
    counts = {"month": 12, "quarter": 4}
    if not isinstance(profile, dict) or len(profile) != 1 or next(iter(profile)) not in counts:
        return [_('应写作 {"quarter": [4个数]} 或 {"month": [12个数]}')]
    kind, shares = next(iter(profile.items()))
    if not isinstance(shares, list) or len(shares) != counts[kind]:
        return [_("%(kind)s 应有 %(n)d 个累计占比（%%）") % {"kind": kind, "n": counts[kind]}]
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) or not 0 < x <= 100 for x in shares):
        return [_("累计占比应为 0–100 之间的数")]
    if shares != sorted(shares) or shares[-1] != 100:
        return [_("累计占比应逐期不减，最后一期为 100")]
    return []


PROFILE_LABELS = {
    "quarter": (gettext_noop("一季度"), gettext_noop("上半年"), gettext_noop("前三季度"), gettext_noop("全年")),
}


def _profile_text(profile):
    kind, shares = next(iter(profile.items()))
    if kind == "quarter":
        # "一季度22.6%" in Chinese, "Q1 22.6%" in English: the separator is the catalogue's.
        parts = [
            _("%(label)s%(share)s%%") % {"label": _(label), "share": fmt(Decimal(str(x)))}
            for label, x in zip(PROFILE_LABELS["quarter"], shares, strict=True)
        ]
    else:
        parts = [_("%(n)s月") % {"n": n} + f"{fmt(Decimal(str(x)))}%" for n, x in enumerate(shares, 1)]
    return _("、").join(parts)


def rule_text(kind, comparator="", profile=None, rules=None, unit="", frequency="", target_value=None):
    """The rule an indicator of this kind is judged by, as one sentence for a circular's 说明."""
    rules = rules or Rules()
    if kind in ("cumulative", "approximate") and frequency == "ten_day":
        schedule = _("序时进度（已过旬数÷36）")
    elif kind in ("cumulative", "approximate") and profile:
        schedule = _("按上年同期进度设定的应完成比例（%(shares)s）") % {"shares": _profile_text(profile)}
    else:
        schedule = _("序时进度（月报按月数÷12，季报按季数÷4）")
    if kind == "cumulative":
        return _(
            "累计量：累计完成÷年度目标为完成率，与%(schedule)s比较；达到为绿灯，落后不超过%(yellow)s个百分点为黄灯，"
            "超过为红灯"
        ) % {"schedule": schedule, "yellow": fmt(rules.yellow_gap_points)}
    if kind == "approximate":
        return _(
            "约数（左右）：累计量与%(schedule)s比较，落后%(tol)s个百分点以内视为达到；单一数值偏离目标不超过%(tol)s%%"
            "为绿灯，不超过%(tol2)s%%为黄灯，超过为红灯"
        ) % {"schedule": schedule, "tol": fmt(rules.approx_tolerance_pct), "tol2": fmt(2 * rules.approx_tolerance_pct)}
    if kind == "growth_rate":
        return _(
            "增速：累计同比增速（或提升幅度）与目标直接比较，不按序时折算，差值按百分点计；达到为绿灯，"
            "低于目标不超过%(yellow)s个百分点为黄灯，超过为红灯"
        ) % {"yellow": fmt(rules.growth_yellow_points)}
    if kind == "level" and unit == "%":
        return _(
            "占比/水平：最新值与目标直接比较，不按序时折算，差值按百分点计；达到为绿灯，"
            "低于目标不超过%(yellow)s个百分点为黄灯，超过为红灯"
        ) % {"yellow": fmt(rules.share_yellow_points)}
    if kind == "level":
        return _(
            "水平值：最新值与目标直接比较，不按序时折算；达到为绿灯，达到目标的%(floor)s%%以上为黄灯，不足为红灯"
        ) % {"floor": fmt(HUNDRED - rules.yellow_gap_points)}
    if kind == "ceiling":
        return _("上限：最新值不超过上限为绿灯（不按序时折算），超出上限不超过其%(pct)s%%为黄灯，超过为红灯") % {
            "pct": fmt(rules.ceiling_yellow_pct)
        }
    if kind == "zero_tolerance":
        return _("零容忍：截至本期未发生为绿灯，发生即为红灯")
    if kind == "decrease":
        if target_value is None:
            return _("下降：同比下降为绿灯，持平为黄灯，上升为红灯")
        return _(
            "下降：同比降幅与要求降幅比较，差值按百分点计；达到为绿灯，差距不超过%(yellow)s个百分点为黄灯，"
            "超过或同比上升为红灯"
        ) % {"yellow": fmt(rules.yellow_gap_points)}
    if kind == "qualitative":
        return _("定性：按相关牵头任务亮灯判断，全部绿灯为绿灯，红灯超过三分之一为红灯，其余为黄灯")
    raise ValueError(f"unknown indicator kind {kind!r}")


def _judge_qualitative(task_lights):
    lights = [light for light in (task_lights or ()) if light != GREY]
    if not lights:
        return _grey(_("定性指标，相关任务尚无进展可供判断"))
    counts = {c: lights.count(c) for c in (GREEN, YELLOW, RED)}
    # One late task should not turn a whole qualitative goal red: red needs over a third red.
    if counts[RED] * 3 > len(lights):
        light = RED
    elif counts[GREEN] == len(lights):
        light = GREEN
    else:
        light = YELLOW
    reason = _("定性指标，按相关任务进展判断：%(total)s项任务中绿灯%(green)s项、黄灯%(yellow)s项、红灯%(red)s项") % {
        "total": len(lights),
        "green": counts[GREEN],
        "yellow": counts[YELLOW],
        "red": counts[RED],
    }
    return Judgement(light=light, reason=reason, on_schedule=light == GREEN)


def _judge_cumulative(target, readings, as_of_month, rules, unit, tolerance, profile=None):
    latest = _latest(readings, as_of_month, "cumulative_value")
    if latest is None:
        return _grey(_("暂无数据"))
    value = latest.cumulative_value
    expected = _profile_pct(profile, latest)
    schedule = latest.schedule if expected is None else expected
    if not target:
        return _grey(
            _("%(period)s累计 %(value)s %(unit)s，未设年度目标值")
            % {"period": latest.label, "value": value_text(value), "unit": unit},
            latest_value=value,
        )
    completion = value * HUNDRED / target
    # The gap of the figures as printed (完成率 − 序时进度, one place each), as a reader recomputes
    # the 差值 column: 99.96% against 100% prints 100.0 and 100.0, so it is on schedule, not yellow.
    gap = q1(completion) - q1(schedule)
    light = rules.light_for_gap(gap + tolerance)
    if expected is not None:
        if gap >= 0:
            text = _(
                "%(period)s累计完成 %(value)s %(unit)s，完成率 %(completion)s%%，"
                "按上年进度应完成 %(schedule)s%%，超过 %(gap)s 个百分点"
            )
        else:
            text = _(
                "%(period)s累计完成 %(value)s %(unit)s，完成率 %(completion)s%%，"
                "按上年进度应完成 %(schedule)s%%，落后 %(gap)s 个百分点"
            )
    elif gap >= 0:
        text = _(
            "%(period)s累计完成 %(value)s %(unit)s，完成率 %(completion)s%%，"
            "序时进度 %(schedule)s%%，超过 %(gap)s 个百分点"
        )
    else:
        text = _(
            "%(period)s累计完成 %(value)s %(unit)s，完成率 %(completion)s%%，"
            "序时进度 %(schedule)s%%，落后 %(gap)s 个百分点"
        )
    reason = text % {
        "period": latest.label,
        "value": value_text(value),
        "unit": unit,
        "completion": q1(completion),
        "schedule": q1(schedule),
        "gap": q1(abs(gap)),
    }
    if tolerance:
        reason += _("（“左右”容差 %(tolerance)s 个百分点）") % {"tolerance": fmt(tolerance)}
    return Judgement(
        light=light,
        reason=reason,
        gap_points=gap,
        completion_pct=completion,
        schedule_pct=schedule,
        on_schedule=gap + tolerance >= 0,
        latest_value=value,
        latest_label=latest.label,
    )


def _judge_growth(target, comparator, readings, as_of_month, rules, unit="%"):
    latest = _latest(readings, as_of_month, "cumulative_growth")
    if latest is None:
        return _grey(_("暂无数据"))
    growth = latest.cumulative_growth
    if target is None:
        return _grey(
            _("%(period)s累计增长 %(growth)s%%，未设目标增速") % {"period": latest.label, "growth": q1(growth)},
            growth_pct=growth,
            latest_value=growth,
        )
    gap = growth - target
    if _meets(growth, target, comparator, rules):
        light = GREEN
    elif gap >= -rules.growth_yellow_points:
        light = YELLOW
    else:
        light = RED
    if unit == "个百分点":
        # A rise in points (城镇化率提升1个百分点) rather than a growth rate.
        if gap >= 0:
            text = _("%(period)s提升 %(growth)s 个百分点，目标 %(target)s 个百分点，高于目标 %(gap)s 个百分点")
        else:
            text = _("%(period)s提升 %(growth)s 个百分点，目标 %(target)s 个百分点，低于目标 %(gap)s 个百分点")
    elif gap >= 0:
        text = _("%(period)s累计增长 %(growth)s%%，目标 %(target)s%%，高于目标 %(gap)s 个百分点")
    else:
        text = _("%(period)s累计增长 %(growth)s%%，目标 %(target)s%%，低于目标 %(gap)s 个百分点")
    reason = text % {"period": latest.label, "growth": q1(growth), "target": fmt(target), "gap": q1(abs(gap))}
    return Judgement(
        light=light,
        reason=reason,
        gap_points=gap,
        growth_pct=growth,
        on_schedule=light == GREEN,
        latest_value=growth,
        latest_label=latest.label,
    )


def _latest_value(readings, as_of_month):
    """Latest figure for level-like targets: the cumulative (to-date) value, else the period value."""
    best = None
    for attr in ("cumulative_value", "period_value"):
        candidate = _latest(readings, as_of_month, attr)
        if candidate is not None and (best is None or candidate.end_month > best[0].end_month):
            best = (candidate, getattr(candidate, attr))
    return best


def _judge_level(target, comparator, readings, as_of_month, rules, unit):
    found = _latest_value(readings, as_of_month)
    if found is None:
        return _grey(_("暂无数据"))
    latest, value = found
    if not target:
        return _grey(
            _("%(period)s为 %(value)s%(unit)s，未设目标值")
            % {"period": latest.label, "value": value_text(value), "unit": unit},
            latest_value=value,
        )
    completion = value * HUNDRED / target
    gap = value - target if unit == "%" else None
    if _meets(value, target, comparator, rules):
        light = GREEN
    elif gap is not None:
        # A share or rate in %: how far short in 百分点, whatever the size of the target.
        light = YELLOW if gap >= -rules.share_yellow_points else RED
    else:
        light = YELLOW if completion - HUNDRED >= -rules.yellow_gap_points else RED
    if light == GREEN:
        text = _("%(period)s为 %(value)s%(unit)s，达到目标 %(target)s%(unit)s")
    else:
        text = _("%(period)s为 %(value)s%(unit)s，未达到目标 %(target)s%(unit)s")
    reason = text % {
        "period": latest.label,
        "value": value_text(value),
        "unit": unit,
        "target": fmt(target),
    }
    if gap is not None and gap < 0:
        reason += _("，差 %(gap)s 个百分点") % {"gap": q1(-gap)}
    return Judgement(
        light=light,
        reason=reason,
        gap_points=gap,
        completion_pct=completion,
        on_schedule=light == GREEN,
        latest_value=value,
        latest_label=latest.label,
    )


def _judge_ceiling(target, readings, as_of_month, rules, unit):
    found = _latest_value(readings, as_of_month)
    if found is None:
        return _grey(_("暂无数据"))
    latest, value = found
    if target is None:
        return _grey(
            _("%(period)s为 %(value)s%(unit)s，未设上限")
            % {"period": latest.label, "value": value_text(value), "unit": unit},
            latest_value=value,
        )
    gap = target - value if unit in {"%", "‰"} else None
    if value <= target:
        light = GREEN
    elif value <= target * (1 + rules.ceiling_yellow_pct / HUNDRED):
        light = YELLOW
    else:
        light = RED
    if light == GREEN:
        text = _("%(period)s为 %(value)s%(unit)s，控制在上限 %(target)s%(unit)s")
    else:
        text = _("%(period)s为 %(value)s%(unit)s，超出上限 %(target)s%(unit)s")
    reason = text % {"period": latest.label, "value": value_text(value), "unit": unit, "target": fmt(target)}
    return Judgement(
        light=light,
        reason=reason,
        gap_points=gap,
        on_schedule=light == GREEN,
        latest_value=value,
        latest_label=latest.label,
    )


def _judge_zero(readings, as_of_month, unit):
    usable = [r for r in readings if r.end_month <= as_of_month]
    if not usable:
        return _grey(_("暂无数据"))
    occurrences = Decimal(0)
    for r in usable:
        # A period value counts the events of that period; a cumulative one counts them all so far.
        occurrences = max(occurrences, r.cumulative_value or 0)
    period_sum = sum((r.period_value or 0) for r in usable if r.period_kind != "year")
    occurrences = max(occurrences, Decimal(period_sum))
    latest = max(usable, key=lambda r: r.end_month)
    if occurrences > 0:
        return Judgement(
            light=RED,
            reason=_("截至%(period)s发生 %(count)s %(unit)s，零容忍指标亮红灯")
            % {"period": latest.label, "count": fmt(occurrences), "unit": unit or _("起")},
            on_schedule=False,
            latest_value=occurrences,
            latest_label=latest.label,
        )
    return Judgement(
        light=GREEN,
        reason=_("截至%(period)s未发生") % {"period": latest.label},
        on_schedule=True,
        latest_value=Decimal(0),
        latest_label=latest.label,
    )


def _judge_decrease(target, readings, as_of_month, rules):
    latest = _latest(readings, as_of_month, "cumulative_growth")
    if latest is None:
        return _grey(_("暂无数据"))
    change = latest.cumulative_growth
    drop = -change
    if target is None:
        light = GREEN if change < 0 else (YELLOW if change == 0 else RED)
        gap = drop
        need = _("同比下降")
    else:
        gap = drop - target
        light = RED if change > 0 else rules.light_for_gap(gap)
        need = _("同比减少 %(target)s%% 以上") % {"target": fmt(target)}
    if change < 0:
        said = _("同比下降 %(pct)s%%") % {"pct": q1(drop)}
    elif change > 0:
        said = _("同比上升 %(pct)s%%") % {"pct": q1(change)}
    else:
        said = _("与上年持平")
    reason = _("%(period)s%(change)s，要求%(need)s") % {"period": latest.label, "change": said, "need": need}
    return Judgement(
        light=light,
        reason=reason,
        gap_points=gap,
        growth_pct=change,
        on_schedule=light == GREEN,
        latest_value=change,
        latest_label=latest.label,
    )


def _judge_about_value(target, readings, as_of_month, rules, unit):
    found = _latest_value(readings, as_of_month)
    if found is None:
        return _grey(_("暂无数据"))
    latest, value = found
    if not target:
        return _grey(
            _("%(period)s为 %(value)s%(unit)s，未设目标值")
            % {"period": latest.label, "value": value_text(value), "unit": unit},
            latest_value=value,
        )
    deviation = abs(value - target) * HUNDRED / abs(target)
    tol = rules.approx_tolerance_pct
    light = GREEN if deviation <= tol else (YELLOW if deviation <= 2 * tol else RED)
    reason = _(
        "%(period)s为 %(value)s%(unit)s，目标 %(target)s%(unit)s左右，偏差 %(deviation)s%%（容差 %(tolerance)s%%）"
    ) % {
        "period": latest.label,
        "value": value_text(value),
        "unit": unit,
        "target": fmt(target),
        "deviation": q1(deviation),
        "tolerance": fmt(tol),
    }
    return Judgement(
        light=light,
        reason=reason,
        completion_pct=value * HUNDRED / target,
        on_schedule=light == GREEN,
        latest_value=value,
        latest_label=latest.label,
    )


# --- tasks -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskReportPoint:
    period_number: int
    status: str  # ProgressReport.Status: draft | submitted | returned | approved
    task_status: str  # ProgressReport.TaskStatus: not_started | in_progress | completed | lagging


@dataclass(frozen=True)
class MetricPoint:
    name: str
    comparator: str
    target_value: Decimal | None
    value: Decimal | None
    unit: str = ""
    kind: str = "cumulative"  # TaskMetric.kind: judged as a target of this kind (judge_metric)
    judgement: Judgement | None = None  # set by judge_task_summary

    @property
    def completion_pct(self):
        if self.value is None or not self.target_value:
            return None
        return Decimal(self.value) * HUNDRED / Decimal(self.target_value)


@dataclass(frozen=True)
class TaskJudgement:
    status: str
    light: str
    reason: str
    missed_in_a_row: int = 0
    reported_periods: int = 0
    due_periods: int = 0
    schedule_pct: Decimal | None = None
    metric_gap_points: Decimal | None = None
    latest_period: int | None = None
    metrics: tuple = field(default_factory=tuple)

    @property
    def status_label(self):
        return _(TASK_STATUS_LABELS[self.status])

    @property
    def light_label(self):
        return _(LIGHT_LABELS[self.light])


def judge_task(reports_by_period, metric_progress, periods_due, rules):
    """Judge a task from its reports (period number → TaskReportPoint, the best report of the
    period among the task's departments), its metrics (MetricPoint with the latest approved
    value) and the ten-day periods already due (ascending numbers)."""
    due = set(periods_due)
    reported = [n for n in due if n in reports_by_period and reports_by_period[n].status in REPORTED_STATUSES]
    approved = [p for n, p in sorted(reports_by_period.items()) if p.status == "approved" and n in due]
    latest = approved[-1] if approved else None
    return judge_task_summary(
        reported_periods=len(reported),
        last_reported=max(reported) if reported else None,
        latest_approved=latest,
        metric_progress=metric_progress,
        periods_due=periods_due,
        rules=rules,
    )


def judge_task_summary(reported_periods, last_reported, latest_approved, metric_progress, periods_due, rules):
    """`judge_task` on a summary the database can compute in one grouped query: how many due
    periods were reported, the latest reported period number, and the latest approved report
    (a TaskReportPoint or None)."""
    rules = rules or Rules()
    periods_due = sorted(periods_due)
    later = [n for n in periods_due if last_reported is None or n > last_reported]
    missed = len(later)
    latest = latest_approved
    schedule = schedule_pct("ten_day", periods_due[-1]) if periods_due else None

    ten_day = periods_due[-1] if periods_due else None
    judged = tuple(
        replace(
            m,
            judgement=judge_metric(
                m.kind,
                m.comparator,
                m.target_value,
                m.value,
                ten_day,
                rules,
                m.unit,
                reported=latest.period_number if latest else None,
            ),
        )
        for m in metric_progress
    )
    with_data = [m for m in judged if m.judgement.light != GREY]
    # The metric that decides the task: the most severe light, then the largest shortfall.
    ranked = sorted(
        with_data,
        key=lambda m: (
            -SEVERITY[m.judgement.light],
            m.judgement.gap_points if m.judgement.gap_points is not None else 0,
        ),
    )
    metric_gap = ranked[0].judgement.gap_points if ranked else None

    common = {
        "missed_in_a_row": missed,
        "reported_periods": reported_periods,
        "due_periods": len(periods_due),
        "schedule_pct": schedule,
        "metric_gap_points": metric_gap,
        "latest_period": latest.period_number if latest else None,
        "metrics": judged,
    }
    if not periods_due:
        return TaskJudgement(status=NOT_DUE, light=GREY, reason=_("尚未到第一个报送期"), **common)
    if latest is not None and latest.task_status == "completed":
        # Completion is the unit's word, approved by the office; quantities behind 序时 contradict it,
        # and a leader must see that rather than a plain green.
        short = [m for m in ranked if m.judgement.light in {YELLOW, RED}]
        if short:
            reason = _("已报告完成，但量化指标落后：%(metrics)s") % {
                "metrics": _("；").join(
                    _("%(name)s：%(reason)s") % {"name": m.name, "reason": m.judgement.reason} for m in short
                )
            }
            return TaskJudgement(status=COMPLETED, light=YELLOW, reason=reason, **common)
        return TaskJudgement(status=COMPLETED, light=GREEN, reason=_("已报告完成并经审核通过"), **common)

    report_light = GREEN if missed == 0 else (RED if missed >= rules.missed_periods_red else YELLOW)
    progress_light = worst(m.judgement.light for m in with_data) if with_data else GREEN
    reasons = []
    behind = [m for m in ranked if m.judgement.light != GREEN]
    for m in behind:
        reasons.append(_("%(name)s：%(reason)s") % {"name": m.name, "reason": m.judgement.reason})
    if with_data and not behind:
        reasons.append(_("量化指标均达到要求"))
    self_lagging = latest is not None and latest.task_status == "lagging"
    if self_lagging:
        progress_light = worst([progress_light, YELLOW])
        reasons.insert(0, _("最近一期报告自报滞后"))
    if missed:
        reasons.append(_("连续 %(n)s 期未报送") % {"n": missed} if missed > 1 else _("最近一期未报送"))
    light = worst([report_light, progress_light])

    if not reported_periods:
        status = NOT_REPORTED
    elif self_lagging or progress_light in {YELLOW, RED}:
        status = LAGGING
    elif missed:
        status = NOT_REPORTED
    else:
        status = ON_SCHEDULE
    if not reasons:
        reasons.append(_("按期报送，进展正常") if latest else _("已报送，待审核"))
    return TaskJudgement(status=status, light=light, reason=_("；").join(reasons), **common)
