"""The year-end forecast (targets/forecast.py), kind by kind."""

from decimal import Decimal

import pytest

from targets import forecast as fc
from targets.schedule import ReadingPoint


def months(values, attr="cumulative_value", kind="month"):
    """ReadingPoints for months (or quarters) 1, 2, … carrying `values` in `attr`."""
    return [ReadingPoint(kind, n, **{attr: Decimal(str(v))}) for n, v in enumerate(values, 1)]


D = Decimal


# --- cumulative amounts ----------------------------------------------------------------------------


def test_an_amount_on_an_even_pace_projects_the_pace_to_december():
    f = fc.forecast_target("cumulative", "at_least", 120, months([10, 20, 30, 40, 50, 60]), 6)
    assert f.kind == "amount" and f.basis == "even"
    assert f.projected == D("120.0")
    # On the profile exactly: the stray is the minimum, for the six months to come and the six
    # months the pace was measured over (independent stretches of a month each).
    half = fc.Z * fc.MIN_STRAY * 120 * (6 / 144 + 6 / 144) ** 0.5
    assert float(f.low) == pytest.approx(120 - half) and float(f.high) == pytest.approx(120 + half)
    assert f.verdict == fc.AT_RISK  # 120 expected against 120 required: the interval straddles it
    assert f.pace_so_far == D("10.0") and f.pace_needed == D("10.0") and f.steps_left == 6


def test_an_amount_well_ahead_is_likely_and_one_far_behind_unlikely():
    ahead = fc.forecast_target("cumulative", "at_least", 100, months([12, 24, 36, 48, 60, 72]), 6)
    behind = fc.forecast_target("cumulative", "at_least", 100, months([5, 10, 15, 20, 25, 30]), 6)
    assert ahead.projected == D("144.0") and ahead.verdict == fc.LIKELY
    assert behind.projected == D("60.0") and behind.verdict == fc.UNLIKELY
    # 70 still missing over 6 months: 11.7 a month, against 5 a month so far.
    assert float(behind.pace_needed) == pytest.approx(70 / 6) and behind.pace_so_far == D("5.0")
    assert "今后每月需完成 11.7" in behind.sentence()


def test_the_previous_year_shapes_the_projection():
    # Last year half of the amount came in the last quarter: 30 by June is on that pace for 100.
    last_year = [fc.Observation(m, D(v)) for m, v in [(3, 10), (6, 30), (9, 50), (12, 100)]]
    profile = fc.profile_from_previous(last_year)
    assert profile[6] == pytest.approx(0.3) and profile[12] == 1.0
    f = fc.forecast_target("cumulative", "at_least", 100, months([10, 30], kind="quarter"), 6, profile, "previous_year")
    assert f.basis == "previous_year"
    assert float(f.projected) == pytest.approx(100)
    # Evenly over the months the same figures would say 60.
    even = fc.forecast_target("cumulative", "at_least", 100, months([10, 30], kind="quarter"), 6)
    assert float(even.projected) == pytest.approx(60) and even.verdict == fc.UNLIKELY


def test_the_targets_own_profile_is_used_where_set():
    profile = fc.profile_from_weights([1] * 6 + [3] * 6)  # the second half brings three quarters
    assert profile[6] == pytest.approx(0.25)
    f = fc.forecast_target("cumulative", "at_least", 100, months([5, 10, 15, 20, 25]), 5, profile, "profile")
    assert f.basis == "profile" and float(f.projected) == pytest.approx(25 / (5 / 24))


def test_the_engines_schedule_curve_is_read_as_a_profile():
    quarters = fc.profile_from_schedule({"quarter": [10, 40, 70, 100]})
    assert quarters[3] == pytest.approx(0.1) and quarters[6] == pytest.approx(0.4) and quarters[12] == 1
    months12 = fc.profile_from_schedule({"month": [5 * m for m in range(1, 12)] + [100]})
    assert months12[6] == pytest.approx(0.3)
    assert fc.profile_from_schedule({"week": [1]}) is None and fc.profile_from_schedule([1] * 12) is None


def test_straying_from_the_profile_widens_the_interval():
    steady = fc.forecast_target("cumulative", "at_least", 100, months([10, 20, 30, 40]), 4)
    erratic = fc.forecast_target("cumulative", "at_least", 100, months([2, 25, 27, 40]), 4)
    assert steady.projected == erratic.projected
    assert erratic.high - erratic.low > 3 * (steady.high - steady.low)


def test_a_pace_that_changed_lately_stretches_the_interval_towards_it():
    # 10 a month for six months, then 20 a month: 120 by September says 160 on an even profile;
    # the last three months' pace (20 a month) says 120 + 3 × 20 = 180.
    f = fc.forecast_target("cumulative", "at_least", 200, months([10, 20, 30, 40, 50, 60, 80, 100, 120]), 9)
    assert float(f.projected) == pytest.approx(160)
    assert float(f.high) == pytest.approx(180)


def test_the_interval_closes_at_year_end_and_a_met_target_is_reached():
    f = fc.forecast_target("cumulative", "at_least", 100, months([10 * n for n in range(1, 13)]), 12)
    assert f.low == f.high == f.projected == D("120.0")
    assert f.verdict == fc.LIKELY and f.reached and "已完成年度目标" in f.sentence()


def test_a_single_figure_gets_a_wide_default_interval():
    f = fc.forecast_target("cumulative", "at_least", 100, months([9]), 1)
    # Eleven months to come, and a pace measured on one month that is to carry eleven more.
    relative = fc.ONE_POINT_STRAY * (11 / 144 + (11 / 12) ** 2) ** 0.5
    assert float(f.high - f.low) == pytest.approx(2 * fc.Z * relative * 108)


def test_an_about_amount_is_likely_only_inside_the_tolerance():
    good = fc.forecast_target("approximate", "about", 35, months([3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 32]), 11)
    assert good.verdict == fc.LIKELY
    over = fc.forecast_target("approximate", "about", 35, months([5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55]), 11)
    assert over.verdict == fc.UNLIKELY  # 60 against "35左右": far over the band


def test_no_figures_no_forecast_and_qualitative_never():
    assert fc.forecast_target("cumulative", "at_least", 100, [], 6) is None
    assert fc.forecast_target("qualitative", "reach", None, months([1]), 6) is None


def test_figures_after_the_as_of_month_are_ignored():
    f = fc.forecast_target("cumulative", "at_least", 100, months([10, 20, 30, 90]), 3)
    assert f.projected == D("120.0") and f.as_of_month == 3


# --- growth rates, levels, ceilings, decreases ------------------------------------------------------


def test_a_growth_rate_projects_its_latest_cumulative_figure_never_prorated():
    readings = months([7.0, 7.4, 7.8], attr="cumulative_growth", kind="quarter")
    f = fc.forecast_target("growth_rate", "at_least", D("7.5"), readings, 9)
    assert f.kind == "rate" and f.projected == D("7.8")
    # Moves of 0.4 a quarter: 0.4/√3 a month, over the 3 months left.
    half = fc.Z * (0.4 / 3**0.5) * 3**0.5
    assert float(f.low) == pytest.approx(7.8 - half)
    assert f.verdict == fc.AT_RISK
    # For 7.5% over the year the last quarter needs 3 months × 7.5 × 4 − 9 × 7.8 over 3: 6.6%.
    assert float(f.pace_needed) == pytest.approx((12 * 7.5 - 9 * 7.8) / 3)


def test_a_steady_growth_rate_far_above_its_target_is_likely():
    f = fc.forecast_target("growth_rate", "at_least", 5, months([9.1, 9.0, 9.2, 9.1, 9.0], attr="cumulative_growth"), 5)
    assert f.verdict == fc.LIKELY
    low = fc.forecast_target("growth_rate", "at_least", 8, months([3.1, 3.0, 3.2], attr="cumulative_growth"), 3)
    assert low.verdict == fc.UNLIKELY


def test_a_share_and_a_ceiling_follow_the_direction_of_their_words():
    share = fc.forecast_target("level", "more_than", 70, months([72, 72.5, 73, 73.2]), 4)
    assert share.verdict == fc.LIKELY and share.projected == D("73.2")
    ceiling = fc.forecast_target("ceiling", "at_most", D("1.5"), months([1.1, 1.09, 1.1, 1.08, 1.09, 1.1]), 6)
    assert ceiling.verdict == fc.LIKELY
    over = fc.forecast_target("ceiling", "at_most", D("1.5"), months([1.9, 2.0, 2.1, 2.0, 2.1, 2.2]), 6)
    assert over.verdict == fc.UNLIKELY


def test_a_decrease_needs_the_fall_it_asks_for():
    fell = months([-36, -35, -36, -35.5], attr="cumulative_growth")
    assert fc.forecast_target("decrease", "decrease", 30, fell, 4).verdict == fc.LIKELY
    rose = months([5, 6, 4, 5], attr="cumulative_growth")
    assert fc.forecast_target("decrease", "decrease", 30, rose, 4).verdict == fc.UNLIKELY


def test_an_interval_shrinks_as_the_year_runs_out():
    series = [7.0, 7.6, 7.2, 7.5, 7.1, 7.4, 7.3, 7.5, 7.4, 7.6, 7.5]
    june = fc.forecast_target("growth_rate", "at_least", 7, months(series[:6], attr="cumulative_growth"), 6)
    november = fc.forecast_target("growth_rate", "at_least", 7, months(series, attr="cumulative_growth"), 11)
    assert november.high - november.low < june.high - june.low


# --- zero tolerance -------------------------------------------------------------------------------------


def test_zero_tolerance_is_unlikely_once_anything_happened():
    clean = months([0, 0, 0], attr="period_value")
    assert fc.forecast_target("zero_tolerance", "zero", 0, clean, 3).verdict == fc.LIKELY
    hit = months([0, 1, 0], attr="period_value")
    f = fc.forecast_target("zero_tolerance", "zero", 0, hit, 3)
    assert f.verdict == fc.UNLIKELY and f.projected == 1


# --- task metrics ----------------------------------------------------------------------------------


def test_a_task_metric_projects_by_ten_day_with_the_pace_needed_per_ten_day():
    # 30 of 60 after 12 旬 (a third of the year): on pace for 90.
    f = fc.forecast_metric("at_least", 60, {9: 20, 10: 23, 11: 27, 12: 30}, 12)
    assert f.step == "ten_day" and float(f.projected) == pytest.approx(90)
    assert f.verdict == fc.LIKELY and f.steps_left == 24
    assert float(f.pace_needed) == pytest.approx(30 / 24) and float(f.pace_so_far) == pytest.approx(2.5)
    assert "今后每旬需完成" in f.sentence()


def test_a_task_metric_that_is_a_rate_is_not_prorated():
    f = fc.forecast_metric("at_most", D("1.5"), {30: D("1.1"), 31: D("1.09"), 32: D("1.1")}, 32, kind="ceiling")
    assert f.kind == "rate" and f.projected == D("1.1") and f.verdict == fc.LIKELY
    assert fc.forecast_metric("at_least", None, {3: 1}, 3) is None
    assert fc.forecast_metric("at_least", 10, {}, 3) is None


def test_bad_profiles_are_refused():
    assert fc.profile_from_weights([1] * 11) is None
    assert fc.profile_from_weights([0] * 12) is None
    assert fc.profile_from_previous([fc.Observation(6, D(50))]) is None  # no year-end figure
    assert fc.profile_from_previous([fc.Observation(6, D(50)), fc.Observation(12, D(40))]) is None
