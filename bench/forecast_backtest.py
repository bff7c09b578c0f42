"""Backtest of the year-end forecast (targets/forecast.py) on demo years whose outcome is known.

    .venv/bin/python bench/forecast_backtest.py            # the four demo years below
    .venv/bin/python bench/forecast_backtest.py --items    # and every wrong verdict

No database: the 2023 plan's quantitative targets and task metrics are read from
fixtures/huaihua-2023.yaml, and each demo year gives every one of them a full year of figures the
way seed_demo does (targets monthly or quarterly as their frequency says, yearly ones quarterly;
task metrics per 旬), from a deterministic seed, with a trajectory of its own:

- 2021 steady: each item on a pace of its own (around the target, sd 12 %), even over the
  months, with noise from month to month;
- 2022 seasonal, with a predecessor: amounts back-loaded (the last quarter brings about a third),
  and the 2021 figures of the same shape given to the forecast as the previous year's profile;
- 2023 changing pace: from July on each item slows down or speeds up (×0.7–1.3);
- 2024 seasonal, no predecessor: the 2022 shape, but the forecast knows no profile (even).

For each item the forecast is made as of the end of June, September and November from the figures
up to then, and compared with the year-end outcome (the December figure judged against the
target, the way the dashboards judge it). A verdict is right when 可完成 was met and 难完成 missed;
有风险 counts as right when the target was missed or met narrowly (by less than 5 % of the target
for amounts and levels, half a point for rates in %). The interval's coverage is the share of
forecasts (zero-tolerance targets excepted) whose interval held the year-end figure.
"""

import argparse
import os
import random
import sys
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.settings")
os.environ.setdefault("SECRET_KEY", "backtest-only")

import django  # noqa: E402

django.setup()

import yaml  # noqa: E402

from targets import forecast as fc  # noqa: E402
from targets.schedule import ReadingPoint  # noqa: E402

CHECKPOINTS = (6, 9, 11)
SEASONAL = [0.5, 0.6, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2, 1.4, 1.5]


@dataclass
class Item:
    kind: str  # target kind; "metric" for task metrics
    name: str
    comparator: str
    value: float
    frequency: str  # monthly | quarterly | ten_day
    unit: str = ""


def load_items():
    plan = yaml.safe_load((ROOT / "fixtures" / "huaihua-2023.yaml").read_text(encoding="utf-8"))
    items = []
    for battle in plan["battles"]:
        for t in battle["targets"]:
            if t["kind"] == "qualitative" or t.get("value") is None and t["kind"] != "zero_tolerance":
                continue
            frequency = "monthly" if t["frequency"] in {"monthly", "ten_day"} else "quarterly"
            items.append(Item(t["kind"], t["name"], t["comparator"], float(t.get("value") or 0), frequency, t["unit"]))
        for section in battle["sections"]:
            for task in section["tasks"]:
                for m in task.get("metrics") or []:
                    if m.get("value"):
                        items.append(
                            Item("metric", m["name"], m["comparator"], float(m["value"]), "ten_day", m["unit"])
                        )
    return items


def cumulative_shares(weights):
    return fc.profile_from_weights(weights)


def amount_path(rng, total, shares, steps, pace_change=1.0, noise=0.15):
    """Cumulative figures at the end of each of `steps` equal steps of the year (12 or 36)."""
    values, running = [], 0.0
    for k in range(1, steps + 1):
        expected = (fc.share_at(shares, 12 * k / steps) - fc.share_at(shares, 12 * (k - 1) / steps)) * total
        if k > steps / 2:
            expected *= pace_change
        running += max(expected * (1 + rng.gauss(0, noise)), 0)
        values.append(running)
    return values


def rate_path(rng, level, spread, steps, drift=0.0, running_mean=True):
    """A cumulative rate (running mean of the months' rates) or a level (random walk)."""
    values, total, current = [], 0.0, level
    for k in range(1, steps + 1):
        month_level = level + (drift if k > steps / 2 else 0.0)
        if running_mean:
            total += month_level + rng.gauss(0, spread)
            values.append(total / k)
        else:
            current += rng.gauss(0, spread) + (drift / steps if k > steps / 2 else 0.0)
            values.append(current)
    return values


def simulate(item, rng, scenario):
    """(figures by step, profile for the forecast, basis) for one item in one demo year."""
    perf = max(rng.gauss(1.0, 0.12), 0.3)
    change = rng.uniform(0.7, 1.3) if scenario == "changing" else 1.0
    shape = SEASONAL if scenario in {"seasonal", "seasonal_unknown"} else [1] * 12
    shares = cumulative_shares(shape)
    steps = 36 if item.frequency == "ten_day" else 12
    kind = item.kind
    target = item.value
    if kind == "metric" and item.comparator == "at_most":
        kind = "ceiling"
    if kind in {"metric", "cumulative", "approximate"}:
        values = amount_path(rng, target * perf, shares, steps, change)
        profile, basis = None, "even"
        if scenario == "seasonal":
            last_year = amount_path(rng, target * rng.uniform(0.8, 1.0), shares, 12)
            profile = fc.profile_from_previous([fc.Observation(m, Decimal(str(v))) for m, v in enumerate(last_year, 1)])
            basis = "previous_year"
        return values, profile, basis, "amount"
    if kind == "growth_rate":
        drift = target * (change - 1) * 2
        return rate_path(rng, target * perf, 1.2, steps, drift), None, "movement", "rate"
    if kind == "decrease":
        drift = -target * (change - 1) * 2
        return rate_path(rng, -target * perf, 6.0, steps, drift), None, "movement", "rate"
    if kind == "level":
        start = target * rng.gauss(1.0, 0.04)
        return rate_path(rng, start, target * 0.01, steps, target * (change - 1) * 0.1, False), None, "movement", "rate"
    if kind == "ceiling":
        start = target * rng.uniform(0.7, 1.05)
        return rate_path(rng, start, target * 0.02, steps, target * (change - 1) * 0.2, False), None, "movement", "rate"
    if kind == "zero_tolerance":
        values, count = [], 0
        for _ in range(steps):
            count += 1 if rng.random() < 0.02 else 0
            values.append(count)
        return values, None, "none", "zero"
    raise ValueError(kind)


def readings_up_to(item, values, month, kind):
    """The schedule engine's ReadingPoints an office would hold at the end of `month`."""
    attr = {
        "amount": "cumulative_value",
        "rate": "cumulative_growth" if item.kind in {"growth_rate", "decrease"} else "cumulative_value",
    }.get(kind, "cumulative_value")
    if item.frequency == "quarterly":
        quarters = range(1, month // 3 + 1)
        return [ReadingPoint("quarter", q, **{attr: _dec(values[3 * q - 1])}) for q in quarters]
    return [ReadingPoint("month", m, **{attr: _dec(values[m - 1])}) for m in range(1, month + 1)]


def _dec(value):
    """A figure as an office enters it: four decimals at most."""
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def met(item, final):
    kind = "ceiling" if item.kind == "metric" and item.comparator == "at_most" else item.kind
    target = item.value
    if kind == "zero_tolerance":
        return final == 0
    if kind == "ceiling":
        return final <= target
    if kind == "decrease":
        return final <= -target
    if item.comparator == "about" or kind == "approximate":
        return abs(final - target) <= abs(target) * 0.05
    if item.comparator == "more_than":
        return final > target
    return final >= target


def narrow(item, final):
    target = item.value
    if item.kind in {"growth_rate", "decrease"}:
        return abs(final - (-target if item.kind == "decrease" else target)) < 0.5
    return abs(final - target) < abs(target) * 0.05


def forecast_for(item, values, profile, basis, month):
    if item.kind == "metric":
        by_ten_day = {n: _dec(values[n - 1]) for n in range(1, 3 * month + 1)}
        kind = "ceiling" if item.comparator == "at_most" else "cumulative"
        return fc.forecast_metric(item.comparator, item.value, by_ten_day, 3 * month, kind, item.unit, profile, basis)
    kind = (
        "amount"
        if item.kind in {"cumulative", "approximate"}
        else ("zero" if item.kind == "zero_tolerance" else "rate")
    )
    points = readings_up_to(item, values, month, kind)
    if item.kind == "zero_tolerance":
        points = [ReadingPoint(p.period_kind, p.number, cumulative_value=p.cumulative_value) for p in points]
    return fc.forecast_target(
        item.kind, item.comparator, item.value, points, month, profile=profile, basis=basis, unit=item.unit
    )


YEARS = [
    (2021, "steady", "平稳（按月均匀）"),
    (2022, "seasonal", "前低后高，有上年数据"),
    (2023, "changing", "下半年加速或放缓"),
    (2024, "seasonal_unknown", "前低后高，无上年数据"),
]


def run(show_items=False):
    items = load_items()
    metrics = sum(i.kind == "metric" for i in items)
    print(
        f"项目 {len(items)} 个：指标 {len(items) - metrics} 个、量化任务 {metrics} 个；每个年度、每个时点各预测一次。"
    )
    print()
    print("| 年度 | 情景 | 时点 | 判断正确 | 其中可完成/难完成正确 | 有风险占比 | 区间覆盖年末值 |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
    totals = {m: [0] * 7 for m in CHECKPOINTS}
    for year, scenario, label in YEARS:
        rng = random.Random(year)
        simulated = [(item, *simulate(item, rng, scenario)) for item in items]
        for month in CHECKPOINTS:
            counts = [0] * 7  # right, counted, decisive right, decisive, 有风险, covered, intervals
            for item, values, profile, basis, _kind in simulated:
                f = forecast_for(item, values, profile, basis, month)
                if f is None or f.verdict is None:
                    continue
                final = values[-1]
                outcome = met(item, final)
                counts[1] += 1
                if f.verdict == fc.AT_RISK:
                    counts[4] += 1
                    ok = not outcome or narrow(item, final)
                else:
                    counts[3] += 1
                    ok = (f.verdict == fc.LIKELY) == outcome
                    counts[2] += ok
                counts[0] += ok
                if f.kind != "zero" and f.low is not None and f.high is not None:
                    counts[6] += 1
                    counts[5] += float(f.low) - 1e-9 <= final <= float(f.high) + 1e-9
                if show_items and not ok:
                    print(f"    ✗ {year} {month}月 {item.name}: {f.verdict_label}，年末 {final:.2f}，目标 {item.value}")
            for k, v in enumerate(counts):
                totals[month][k] += v
            print(f"| {year} | {label} | {month}月 | {_row(counts)} |")
    for month in CHECKPOINTS:
        print(f"| 合计 | 四个年度 | {month}月 | {_row(totals[month])} |")
    return totals


def _row(counts):
    right, counted, decisive_right, decisive, risk, covered, intervals = counts
    return " | ".join(
        [
            f"{pct(right, counted)}（{right}/{counted}）",
            pct(decisive_right, decisive),
            pct(risk, counted),
            f"{pct(covered, intervals)}（{covered}/{intervals}）",
        ]
    )


def pct(part, whole):
    if not whole:
        return "—"
    value = Decimal(part * 100) / Decimal(whole)
    return f"{fc.fmt(fc.q1(value))}%"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", action="store_true", help="list every wrong verdict")
    args = parser.parse_args()
    run(args.items)
