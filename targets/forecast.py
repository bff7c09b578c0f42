"""Year-end forecast of a target or a task metric from its figures so far. Pure functions, no ORM.

Public API (the dashboards, the monthly circular's 预警 section and bench/forecast_backtest.py use it):

- ``Observation(month, value)``: a figure at a point of the year, ``month`` in months elapsed
  (month N → N, quarter N → 3N, 旬 N → N/3, year → 12; fractions allowed).
- ``even_profile()``, ``profile_from_weights(weights)``, ``profile_from_schedule(profile)`` (a
  ``Target.profile``), ``profile_from_previous(observations)``:
  the expected cumulative share of the year's amount at the end of each month (13 numbers, month
  0 … 12, rising from 0 to 1).
- ``forecast_amount(observations, target, comparator, profile, basis, step="month", tolerance_pct=0)``:
  cumulative counts and amounts.
- ``forecast_rate(kind, observations, target, comparator, step="month", tolerance_pct=0)``:
  growth rates, decreases, levels and shares, ceilings, single "左右" values.
- ``forecast_target(kind, comparator, target_value, readings, as_of_month, profile=None,
  basis="even", tolerance_pct=5, step="month")`` → ``Forecast`` or None: from the schedule
  engine's ``ReadingPoint`` list, as the dashboards hold them.
- ``forecast_metric(comparator, target_value, values_by_ten_day, as_of_ten_day, kind="cumulative")``
  → ``Forecast`` or None: a task metric from its latest approved value per 旬 (a cumulative amount
  by default; growth rates and shares as rates, never prorated).

How a forecast is made (documented defaults):

- Amounts: the implied year total is the latest cumulative figure divided by the profile's share
  at that point ("the pace so far, shaped by the expected profile"). The profile is the
  predecessor plan's readings of the same target where there are any, the target's own profile
  where set, else even over the months. The interval: how far each stretch between two figures
  this year strayed from the profile (its share of the implied total against the profile's share,
  weighted by the profile's share, root mean square, at least ``MIN_STRAY``; ``ONE_POINT_STRAY``
  with a single figure), applied to the part of the year still to come, at ``Z`` (about 90 %).
- Rates, levels, ceilings: the latest figure is the projection; the interval is the root mean
  square of its moves per month so far (at least ``MIN_MOVE_SHARE`` of the figure and
  ``MIN_MOVE_POINTS``), times the square root of the months left, at ``Z``.
- Verdict: 可完成 when the whole interval meets the target, 难完成 when none of it does, else
  有风险. A zero-tolerance target is 难完成 once anything happened, else 可完成.
- Needed pace: for amounts, what is still missing divided by the months (or 旬) left, next to the
  average so far; for growth rates and decreases, the average growth the remaining months need
  for the whole year's cumulative figure to reach the target (months weighted equally).
"""

import math
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from targets.numbers import apart, fmt, q1

LIKELY, AT_RISK, UNLIKELY = "likely", "at_risk", "unlikely"
VERDICT_LABELS = {LIKELY: gettext_noop("可完成"), AT_RISK: gettext_noop("有风险"), UNLIKELY: gettext_noop("难完成")}
VERDICT_SEVERITY = {None: 0, LIKELY: 1, AT_RISK: 2, UNLIKELY: 3}

Z = 1.645  # two-sided 90 % for a normal error
MIN_STRAY = 0.03  # amounts: the profile is never taken as better than 3 % per stretch
RECENT_MONTHS = 3  # amounts: the interval reaches the year-end at the last three months' pace
ONE_POINT_STRAY = 0.10  # amounts with a single figure: nothing to measure the stray from yet
MIN_MOVE_SHARE = 0.005  # rates: moves of at least 0.5 % of the figure per month …
MIN_MOVE_POINTS = 0.01  # … and at least 0.01 (point) per month
STEPS = {"month": 12, "ten_day": 36}
BASIS_LABELS = {
    "previous_year": gettext_noop("按上年同期走势"),
    "profile": gettext_noop("按指标年内分布"),
    "even": gettext_noop("按月均匀分布"),
    "movement": gettext_noop("按最新累计值及其波动"),
    "occurred": gettext_noop("已发生"),
    "none": gettext_noop("未发生"),
}


@dataclass(frozen=True)
class Observation:
    month: float
    value: Decimal


@dataclass(frozen=True)
class Forecast:
    kind: str  # "amount" | "rate" | "zero"
    projected: Decimal | None
    low: Decimal | None
    high: Decimal | None
    target: Decimal | None
    verdict: str | None
    basis: str
    as_of_month: float
    step: str = "month"  # the unit of the paces: "month" or "ten_day"
    steps_left: int = 0
    pace_so_far: Decimal | None = None  # amounts: average per step so far; rates: the latest figure
    pace_needed: Decimal | None = None  # amounts: per step from now on; rates: average growth needed
    unit: str = ""

    @property
    def verdict_label(self):
        return _(VERDICT_LABELS[self.verdict]) if self.verdict else "—"

    @property
    def basis_label(self):
        return _(BASIS_LABELS[self.basis])

    @property
    def projected_pct(self):
        """Projected year-end amount as a share of the target (amounts only)."""
        if self.kind != "amount" or self.projected is None or not self.target:
            return None
        return self.projected * 100 / self.target

    @property
    def severity(self):
        return VERDICT_SEVERITY[self.verdict]

    @property
    def step_label(self):
        return _("每旬") if self.step == "ten_day" else _("每月")

    @property
    def reached(self):
        """An amount target already met by the figures so far."""
        return self.kind == "amount" and self.pace_needed is not None and self.pace_needed <= 0

    def shown(self):
        """The projection, its interval and the paces needed and so far as every page and the
        circular's annex print them (texts): each rounded once, from the figures themselves."""
        value, low, high = apart(self.projected, self.low, self.high)
        if self.kind == "rate":
            # Growth rates as the tables print them (one decimal); a level's latest value is the
            # reading itself, which the caller prints as a value.
            needed, so_far = (fmt(q1(v)) if v is not None else "—" for v in (self.pace_needed, self.pace_so_far))
        else:
            needed, so_far = apart(self.pace_needed, self.pace_so_far)
        return {"value": value, "low": low, "high": high, "needed": needed, "so_far": so_far}

    def sentence(self):
        """One line for a table or the circular: projection, interval, verdict and needed pace."""
        if self.projected is None:
            return "—"
        if self.kind == "zero":
            return self.verdict_label
        unit = self.unit
        shown = self.shown()
        value, low, high = shown["value"], shown["low"], shown["high"]
        text = _("预计全年 %(value)s%(unit)s（区间 %(low)s–%(high)s），%(verdict)s") % {
            "value": value,
            "unit": unit,
            "low": low,
            "high": high,
            "verdict": self.verdict_label,
        }
        if self.kind == "amount" and self.pace_needed is not None:
            if self.reached:
                text += _("；已完成年度目标")
            elif self.steps_left:
                text += _("；今后%(step)s需完成 %(needed)s%(unit)s，此前%(step)s平均 %(so_far)s%(unit)s") % {
                    "step": self.step_label,
                    "needed": shown["needed"],
                    "so_far": shown["so_far"],
                    "unit": unit,
                }
        elif self.kind == "rate" and self.pace_needed is not None and self.steps_left:
            text += _("；其余月份需平均 %(needed)s%%") % {"needed": shown["needed"]}
        return text


def _dec(value):
    return None if value is None else Decimal(str(value))


def even_profile():
    return [m / 12 for m in range(13)]


def profile_from_weights(weights):
    """12 monthly weights (any non-negative scale) → cumulative shares; None when unusable."""
    if not weights or len(weights) != 12:
        return None
    values = [float(w) for w in weights]
    total = sum(values)
    if total <= 0 or any(v < 0 for v in values):
        return None
    shares, running = [0.0], 0.0
    for v in values:
        running += v
        shares.append(running / total)
    shares[12] = 1.0
    return shares


def profile_from_schedule(profile):
    """A ``Target.profile`` (the schedule engine's curve: {"quarter": [4 cumulative %]} or
    {"month": [12 cumulative %]}) → cumulative shares per month; None when unusable."""
    if not isinstance(profile, dict) or len(profile) != 1:
        return None
    kind, shares = next(iter(profile.items()))
    step = {"quarter": 3, "month": 1}.get(kind)
    if step is None or not isinstance(shares, list) or len(shares) * step != 12:
        return None
    return profile_from_previous([Observation(step * (i + 1), Decimal(str(v))) for i, v in enumerate(shares)])


def profile_from_previous(observations):
    """Cumulative shares per month from a previous year's cumulative figures (the year-end figure
    is the last one, at month 12); months between figures are interpolated. None without a
    year-end figure or when the figures do not rise."""
    points = sorted((o.month, float(o.value)) for o in observations if o.value is not None)
    if not points or points[-1][0] < 12 or points[-1][1] <= 0:
        return None
    total = points[-1][1]
    known = [(0.0, 0.0)] + [(m, v / total) for m, v in points if 0 < m <= 12]
    shares = [_interpolate(known, m) for m in range(13)]
    if any(b < a for a, b in zip(shares, shares[1:], strict=False)):
        return None
    return shares


def _interpolate(known, month):
    for (m0, v0), (m1, v1) in zip(known, known[1:], strict=False):
        if m0 <= month <= m1:
            return v0 if m1 == m0 else v0 + (v1 - v0) * (month - m0) / (m1 - m0)
    return known[-1][1]


def share_at(profile, month):
    """The profile's cumulative share at a (fractional) month, interpolated between month ends."""
    if month <= 0:
        return profile[0]
    if month >= 12:
        return profile[12]
    whole = int(month)
    return profile[whole] + (profile[whole + 1] - profile[whole]) * (month - whole)


def _side(value, target, comparator, tolerance_pct):
    """-1 below what is required, 0 meeting it, +1 above what is allowed."""
    if comparator == "at_most":
        return 0 if value <= target else 1
    if comparator == "about":
        band = abs(target) * tolerance_pct / 100
        return -1 if value < target - band else (1 if value > target + band else 0)
    if comparator == "more_than":
        return 0 if value > target else -1
    return 0 if value >= target else -1


def verdict_for(low, high, target, comparator, tolerance_pct=0.0):
    if target is None or low is None:
        return None
    a = _side(float(low), float(target), comparator, tolerance_pct)
    b = _side(float(high), float(target), comparator, tolerance_pct)
    if a == b == 0:
        return LIKELY
    if a == b:
        return UNLIKELY
    return AT_RISK


def _steps(month, step):
    """Steps (months or 旬) elapsed and left at `month`."""
    per_month = STEPS[step] / 12
    done = month * per_month
    return done, max(STEPS[step] - math.ceil(done - 1e-9), 0)


def forecast_amount(observations, target, comparator, profile, basis, step="month", tolerance_pct=0.0, unit=""):
    points = sorted((o for o in observations if o.value is not None), key=lambda o: o.month)
    points = [o for o in points if share_at(profile, o.month) > 0]
    if not points:
        return None
    latest = points[-1]
    share = share_at(profile, latest.month)
    current = float(latest.value)
    implied = current / share
    # How far each stretch between two figures strayed from the profile's share of it.
    stray_sq, weight, previous_month, previous_value = 0.0, 0.0, 0.0, 0.0
    past_sq, stretch = 0.0, 12 / STEPS[step]
    for o in points:
        expected = share_at(profile, o.month) - share_at(profile, previous_month)
        if expected > 0 and implied:
            actual = (float(o.value) - previous_value) / implied
            stray_sq += expected * ((actual - expected) / expected) ** 2
            weight += expected
            past_sq += expected**2
            stretch = o.month - previous_month
        previous_month, previous_value = o.month, float(o.value)
    stray = math.sqrt(stray_sq / weight) if weight and len(points) > 1 else ONE_POINT_STRAY
    stray = max(stray, MIN_STRAY)
    # Stretches stray independently: the rest of the year (in stretches as long as the last one)
    # and the pace measured so far each carry part of it.
    future_sq, month = 0.0, latest.month
    while month < 12 - 1e-9:
        following = min(month + max(stretch, 1e-3), 12.0)
        future_sq += (share_at(profile, following) - share_at(profile, month)) ** 2
        month = following
    relative = stray * math.sqrt(future_sq + (1 - share) ** 2 * past_sq / share**2)
    half = Z * relative * abs(implied)
    low, high = implied - half, implied + half
    # A pace that changed lately: the interval also reaches the year-end the last three months'
    # pace would bring.
    earlier = [o for o in points if o.month <= latest.month - RECENT_MONTHS + 1e-9]
    if earlier and share < 1:
        base = earlier[-1]
        recent_share = share - share_at(profile, base.month)
        if recent_share > 0:
            recent_total = (current - float(base.value)) / recent_share
            recent = current + (1 - share) * recent_total
            low, high = min(low, recent), max(high, recent)
    # An amount counted up through the year does not fall: the year's end is at least what is done
    # already (a target reached is not "at risk" because the interval dipped below it).
    low, high = max(low, current), max(high, current)
    done, left = _steps(latest.month, step)
    target_f = float(target) if target is not None else None
    needed = None
    if target_f is not None:
        missing = target_f - current
        needed = missing / left if left else missing
    return Forecast(
        kind="amount",
        projected=_dec(implied),
        low=_dec(low),
        high=_dec(high),
        target=_dec(target),
        verdict=verdict_for(low, high, target, comparator, tolerance_pct),
        basis=basis,
        as_of_month=latest.month,
        step=step,
        steps_left=left,
        pace_so_far=_dec(current / done) if done else None,
        pace_needed=_dec(needed),
        unit=unit,
    )


def forecast_rate(kind, observations, target, comparator, step="month", tolerance_pct=0.0, unit="%"):
    points = sorted((o for o in observations if o.value is not None), key=lambda o: o.month)
    if not points:
        return None
    latest = points[-1]
    value = float(latest.value)
    moves = []
    for a, b in zip(points, points[1:], strict=False):
        gap = b.month - a.month
        if gap > 0:
            moves.append((float(b.value) - float(a.value)) / math.sqrt(gap))
    move = math.sqrt(sum(m * m for m in moves) / len(moves)) if moves else 0.0
    move = max(move, abs(value) * MIN_MOVE_SHARE, MIN_MOVE_POINTS)
    months_left = max(12 - latest.month, 0)
    half = Z * move * math.sqrt(months_left)
    low, high = value - half, value + half
    if kind == "decrease":
        # Required: a fall of at least `target` percent, i.e. a change of at most −target.
        required, compare = (-float(target), "at_most") if target is not None else (0.0, "at_most")
        verdict = verdict_for(low, high, required, compare)
    else:
        required = float(target) if target is not None else None
        compare = "at_most" if kind == "ceiling" else comparator
        verdict = verdict_for(low, high, required, compare, tolerance_pct) if required is not None else None
    needed = None
    if kind in {"growth_rate", "decrease"} and required is not None and months_left > 0:
        needed = (12 * required - latest.month * value) / months_left
    _, left = _steps(latest.month, step)
    return Forecast(
        kind="rate",
        projected=_dec(value),
        low=_dec(low),
        high=_dec(high),
        target=_dec(target),
        verdict=verdict,
        basis="movement",
        as_of_month=latest.month,
        step=step,
        steps_left=left,
        pace_so_far=_dec(value),
        pace_needed=_dec(needed),
        unit=unit,
    )


def month_of(point):
    if point.period_kind == "ten_day":
        return point.number / 3
    return float(point.end_month)


def _series(readings, as_of_month, attrs):
    """(month, value) of the readings up to `as_of_month`, the first of `attrs` each carries; at a
    month with several figures, the finer period's (a month before a quarter ending with it)."""
    by_month = {}
    for r in readings:
        if r.end_month > as_of_month:
            continue
        value = next((getattr(r, a) for a in attrs if getattr(r, a) is not None), None)
        if value is None:
            continue
        month = month_of(r)
        rank = {"ten_day": 0, "month": 1, "quarter": 2, "year": 3}[r.period_kind]
        if month not in by_month or rank < by_month[month][0]:
            by_month[month] = (rank, value)
    return [Observation(m, v) for m, (_, v) in sorted(by_month.items())]


def forecast_target(
    kind,
    comparator,
    target_value,
    readings,
    as_of_month,
    profile=None,
    basis="even",
    tolerance_pct=5,
    unit="",
    step="month",
):
    """A target's forecast as of the end of month `as_of_month` (None for qualitative targets and
    targets without figures). `profile`/`basis`: the expected cumulative shares and where they come
    from ("previous_year", "profile"); None means even over the months."""
    target = Decimal(target_value) if target_value is not None else None
    tolerance = float(tolerance_pct)
    if kind == "qualitative":
        return None
    if kind == "zero_tolerance":
        usable = [r for r in readings if r.end_month <= as_of_month]
        if not usable:
            return None
        happened = any((r.period_value or 0) > 0 or (r.cumulative_value or 0) > 0 for r in usable)
        month = max(float(r.end_month) for r in usable)
        count = max([r.cumulative_value or 0 for r in usable] + [sum((r.period_value or 0) for r in usable)])
        return Forecast(
            kind="zero",
            projected=Decimal(count),
            low=Decimal(count),
            high=None,
            target=Decimal(0),
            verdict=UNLIKELY if happened else LIKELY,
            basis="occurred" if happened else "none",
            as_of_month=month,
            unit=unit,
        )
    cumulative = _series(readings, as_of_month, ("cumulative_value",))
    if kind == "cumulative" or (kind == "approximate" and cumulative):
        chosen = profile or even_profile()
        comp = "about" if kind == "approximate" else comparator
        return forecast_amount(
            cumulative,
            target,
            comp,
            chosen,
            basis if profile else "even",
            step,
            tolerance if comp == "about" else 0,
            unit,
        )
    if kind in {"growth_rate", "decrease"}:
        series = _series(readings, as_of_month, ("cumulative_growth",))
        return forecast_rate(kind, series, target, comparator, step, tolerance, "%")
    if kind in {"level", "ceiling", "approximate"}:
        series = _series(readings, as_of_month, ("cumulative_value", "period_value"))
        comp = "about" if kind == "approximate" else comparator
        return forecast_rate(kind, series, target, comp, step, tolerance, unit)
    raise ValueError(f"unknown target kind {kind!r}")


def forecast_metric(
    comparator, target_value, values_by_ten_day, as_of_ten_day, kind="cumulative", unit="", profile=None, basis="even"
):
    """A task metric's forecast from its latest approved value per 旬 up to `as_of_ten_day`:
    cumulative amounts (the default) by 旬, shaped by `profile` (even when None: the app has no
    previous year for a task); growth rates, shares and ceilings ("growth_rate", "level",
    "ceiling", "decrease") from their latest figure."""
    if target_value is None:
        return None
    points = [
        Observation(n / 3, Decimal(v))
        for n, v in sorted(values_by_ten_day.items())
        if v is not None and n <= as_of_ten_day
    ]
    if not points:
        return None
    target = Decimal(target_value)
    if kind in {"growth_rate", "level", "ceiling", "decrease"}:
        return forecast_rate(kind, points, target, comparator, "ten_day", 5.0, unit)
    comp = comparator if comparator in {"at_most", "about", "more_than"} else "at_least"
    chosen, basis = (profile, basis) if profile else (even_profile(), "even")
    return forecast_amount(points, target, comp, chosen, basis, "ten_day", 5.0 if comp == "about" else 0, unit)
