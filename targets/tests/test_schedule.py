"""The schedule engine judged case by case, with figures recomputed by hand."""

from decimal import Decimal as D

import pytest

from targets.schedule import (
    COMPLETED,
    GREEN,
    GREY,
    LAGGING,
    NOT_DUE,
    NOT_REPORTED,
    ON_SCHEDULE,
    RED,
    YELLOW,
    MetricPoint,
    ReadingPoint,
    Rules,
    TaskReportPoint,
    judge_metric,
    judge_target,
    judge_task,
    rule_text,
    schedule_pct,
    validate_profile,
    worst,
)

RULES = Rules()


def month(n, cum=None, growth=None, value=None):
    return ReadingPoint("month", n, value, None if cum is None else D(cum), None if growth is None else D(growth))


def quarter(n, cum=None, growth=None):
    return ReadingPoint("quarter", n, None, None if cum is None else D(cum), None if growth is None else D(growth))


@pytest.mark.parametrize(
    ("kind", "number", "expected"),
    [
        ("monthly", 11, "91.7"),
        ("month", 6, "50.0"),
        ("quarterly", 3, "75.0"),
        ("ten_day", 18, "50.0"),
        ("year", 1, "100.0"),
    ],
)
def test_schedule_is_the_share_of_the_year_the_figure_describes(kind, number, expected):
    assert schedule_pct(kind, number).quantize(D("0.1")) == D(expected)


def test_schedule_rejects_a_month_outside_the_year():
    with pytest.raises(ValueError):
        schedule_pct("monthly", 13)


def test_cumulative_behind_schedule_within_threshold_is_yellow():
    # 617.2 / 780 = 79.13%; 10 months → 83.33%; gap −4.2 points.
    j = judge_target("cumulative", "reach", D(780), "monthly", [month(9, 560), month(10, "617.2")], 12, RULES, "亿元")
    assert j.light == YELLOW
    assert j.gap_points.quantize(D("0.1")) == D("-4.2")
    assert j.completion_pct.quantize(D("0.1")) == D("79.1")
    assert "序时进度 83.3%" in j.reason and "落后 4.2 个百分点" in j.reason
    assert j.on_schedule is False


def test_cumulative_is_judged_against_the_month_it_describes_not_as_of():
    # October figures read in December still compare with 10/12, not 12/12.
    j = judge_target("cumulative", "at_least", D(150), "monthly", [month(10, 140)], 12, RULES)
    assert j.schedule_pct.quantize(D("0.1")) == D("83.3") and j.light == GREEN


def test_cumulative_far_behind_is_red_and_ahead_is_green():
    assert judge_target("cumulative", "reach", D(100), "monthly", [month(6, 30)], 6, RULES).light == RED
    ahead = judge_target("cumulative", "reach", D(150), "monthly", [month(11, "182.5")], 11, RULES)
    assert ahead.light == GREEN and ahead.gap_points.quantize(D("0.1")) == D("30.0")


def test_readings_after_the_as_of_month_are_ignored():
    j = judge_target("cumulative", "reach", D(120), "monthly", [month(3, 30), month(6, 10)], 4, RULES)
    assert j.latest_value == D(30) and j.latest_label == "1–3月"


def test_no_readings_is_grey():
    assert judge_target("cumulative", "reach", D(780), "monthly", [], 12, RULES).light == GREY
    assert judge_target("growth_rate", "at_least", D("7.5"), "quarterly", [], 12, RULES).light == GREY


def test_growth_rate_is_not_prorated():
    # 1–3 quarters 7.6% against 7.5%: green although only 75% of the year is gone.
    j = judge_target("growth_rate", "at_least", D("7.5"), "quarterly", [quarter(3, growth="7.6")], 9, RULES)
    assert j.light == GREEN and j.gap_points == D("0.1")


def test_growth_rate_yellow_within_two_points_of_target_then_red():
    assert (
        judge_target("growth_rate", "at_least", D("7.5"), "quarterly", [quarter(2, growth="5.5")], 6, RULES).light
        == YELLOW
    )
    red = judge_target("growth_rate", "at_least", D("7.5"), "quarterly", [quarter(2, growth="5.4")], 6, RULES)
    assert red.light == RED and "低于目标 2.1 个百分点" in red.reason


def test_shares_and_growth_rates_are_judged_by_the_same_points_whatever_the_target_size():
    # The pair: 高新技术产业增加值占GDP比重 1.9 points short of 18.5% was red while
    # 进出口增长 21.9 points short of 100% was yellow. In points both ways: 1.9 short is yellow,
    # 21.9 short is red.
    share = judge_target("level", "at_least", D("18.5"), "yearly", [month(12, "16.6")], 12, RULES, "%")
    assert share.light == YELLOW and share.gap_points == D("-1.9")
    trade = judge_target("growth_rate", "at_least", D(100), "monthly", [month(11, growth="78.1")], 11, RULES)
    assert trade.light == RED and trade.gap_points == D("-21.9")
    assert judge_target("level", "at_least", D("18.5"), "yearly", [month(12, "16.4")], 12, RULES, "%").light == RED
    loose = Rules(share_yellow_points=D(3), growth_yellow_points=D(25))
    assert judge_target("level", "at_least", D("18.5"), "yearly", [month(12, "16.4")], 12, loose, "%").light == YELLOW
    assert (
        judge_target("growth_rate", "at_least", D(100), "monthly", [month(11, growth="78.1")], 11, loose).light
        == YELLOW
    )


def test_more_than_needs_to_exceed():
    assert judge_target("level", "more_than", D(70), "yearly", [month(12, 70)], 12, RULES, "%").light == YELLOW


def test_level_in_percent_compares_the_latest_value_with_the_target_in_points():
    j = judge_target("level", "at_least", D("1.6"), "yearly", [month(6, "1.45")], 12, RULES, "%")
    # 0.15 points short of 1.6%, within the 2 points → yellow.
    assert j.light == YELLOW and j.gap_points == D("-0.15")
    assert judge_target("level", "at_least", D("1.6"), "yearly", [month(6, "1.6")], 12, RULES, "%").light == GREEN
    assert judge_target("level", "at_least", D(100), "yearly", [month(6, "97.5")], 12, RULES, "%").light == RED


def test_level_in_other_units_compares_the_share_of_the_target_reached():
    # 城市低保标准 650 元/月: 600 is 92.3% of it (yellow, within 10), 500 is 76.9% (red).
    assert judge_target("level", "at_least", D(650), "yearly", [month(6, 600)], 12, RULES, "元/月").light == YELLOW
    assert judge_target("level", "at_least", D(650), "yearly", [month(6, 500)], 12, RULES, "元/月").light == RED


def test_ceiling_at_or_under_the_limit_is_green():
    assert judge_target("ceiling", "at_most", D("1.5"), "quarterly", [quarter(2, "1.5")], 6, RULES, "%").light == GREEN
    assert judge_target("ceiling", "at_most", D("1.5"), "quarterly", [quarter(2, "1.6")], 6, RULES, "%").light == YELLOW
    assert judge_target("ceiling", "at_most", D("1.5"), "quarterly", [quarter(2, "1.8")], 6, RULES, "%").light == RED


def test_zero_tolerance_any_event_is_red():
    ok = judge_target("zero_tolerance", "zero", D(0), "monthly", [month(1, value=0), month(2, value=0)], 2, RULES, "起")
    assert ok.light == GREEN
    bad = judge_target(
        "zero_tolerance", "zero", D(0), "monthly", [month(1, value=0), month(2, value=1)], 2, RULES, "起"
    )
    assert bad.light == RED and "发生 1 起" in bad.reason


def test_decrease_against_required_drop():
    assert judge_target("decrease", "decrease", D(30), "monthly", [month(5, growth="-32")], 5, RULES).light == GREEN
    assert judge_target("decrease", "decrease", D(30), "monthly", [month(5, growth="-25")], 5, RULES).light == YELLOW
    assert judge_target("decrease", "decrease", D(30), "monthly", [month(5, growth="-15")], 5, RULES).light == RED
    assert judge_target("decrease", "decrease", D(30), "monthly", [month(5, growth="3")], 5, RULES).light == RED


def test_decrease_without_figure_needs_any_fall():
    assert judge_target("decrease", "decrease", None, "monthly", [month(5, growth="-1")], 5, RULES).light == GREEN
    assert judge_target("decrease", "decrease", None, "monthly", [month(5, growth="0")], 5, RULES).light == YELLOW
    assert judge_target("decrease", "decrease", None, "monthly", [month(5, growth="2")], 5, RULES).light == RED


def test_approximate_cumulative_within_tolerance_of_schedule_is_green():
    # 35件左右: 2 quarters → 50%; 16/35 = 45.7% is 4.3 points behind, inside the 5-point tolerance.
    assert judge_target("approximate", "about", D(35), "quarterly", [quarter(2, 16)], 6, RULES, "件").light == GREEN
    assert judge_target("approximate", "about", D(35), "quarterly", [quarter(2, 13)], 6, RULES, "件").light == YELLOW


def test_approximate_single_value_within_tolerance():
    assert judge_target("approximate", "about", D(100), "yearly", [month(12, value=96)], 12, RULES).light == GREEN
    assert judge_target("approximate", "about", D(100), "yearly", [month(12, value=92)], 12, RULES).light == YELLOW
    assert judge_target("approximate", "about", D(100), "yearly", [month(12, value=80)], 12, RULES).light == RED


def test_qualitative_follows_the_worst_related_task():
    assert judge_target("qualitative", "reach", None, "yearly", [], 12, RULES).light == GREY
    j = judge_target("qualitative", "reach", None, "yearly", [], 12, RULES, task_lights=[GREEN, YELLOW, GREY])
    assert j.light == YELLOW and "2项任务" in j.reason
    assert (
        judge_target("qualitative", "reach", None, "yearly", [], 12, RULES, task_lights=[GREEN, GREEN]).light == GREEN
    )
    assert judge_target("qualitative", "reach", None, "yearly", [], 12, RULES, task_lights=[RED, GREEN]).light == RED
    assert (
        judge_target("qualitative", "reach", None, "yearly", [], 12, RULES, task_lights=[RED, GREEN, GREEN]).light
        == YELLOW
    )


def test_thresholds_come_from_the_rules():
    loose = Rules(yellow_gap_points=D(30))
    assert judge_target("cumulative", "reach", D(100), "monthly", [month(6, 30)], 6, loose).light == YELLOW


def test_rules_from_plan_reads_the_plan_settings():
    class P:
        yellow_gap_points = D("20")
        approx_tolerance_pct = D("3")
        missed_periods_red = 3
        growth_yellow_points = D("1.5")
        share_yellow_points = D("1")

    r = Rules.from_plan(P())
    assert (r.yellow_gap_points, r.approx_tolerance_pct, r.missed_periods_red) == (D(20), D(3), 3)
    assert (r.growth_yellow_points, r.share_yellow_points) == (D("1.5"), D(1))


def test_worst_light():
    assert worst([GREEN, RED, YELLOW]) == RED and worst([]) == GREY and worst([GREY, GREEN]) == GREEN


def reports(*triples):
    return {n: TaskReportPoint(n, status, task_status) for n, status, task_status in triples}


def test_task_reported_every_period_is_on_schedule():
    j = judge_task(reports((1, "approved", "in_progress"), (2, "approved", "in_progress")), [], [1, 2], RULES)
    assert j.status == ON_SCHEDULE and j.light == GREEN and j.reported_periods == 2


def test_task_one_missed_period_is_yellow_two_in_a_row_red():
    one = judge_task(reports((1, "approved", "in_progress")), [], [1, 2], RULES)
    assert one.light == YELLOW and one.status == NOT_REPORTED and one.missed_in_a_row == 1
    two = judge_task(reports((1, "approved", "in_progress"), (2, "draft", "in_progress")), [], [1, 2, 3], RULES)
    assert two.light == RED and two.missed_in_a_row == 2


def test_returned_report_does_not_count_as_reported_but_submitted_does():
    j = judge_task(reports((1, "submitted", "in_progress"), (2, "returned", "in_progress")), [], [1, 2], RULES)
    assert j.missed_in_a_row == 1 and j.reported_periods == 1


def test_task_never_reported():
    j = judge_task({}, [], [1, 2, 3], RULES)
    assert j.status == NOT_REPORTED and j.light == RED


def test_task_not_due_yet_is_grey():
    assert judge_task({}, [], [], RULES).status == NOT_DUE


def test_completed_task_is_green_even_without_later_reports():
    j = judge_task(reports((1, "approved", "completed")), [], [1, 2, 3], RULES)
    assert j.status == COMPLETED and j.light == GREEN


def test_a_task_reported_completed_with_its_quantities_behind_schedule_is_yellow_and_says_why():
    # 18 of 36 旬 → 50%; 312 of 800 base stations = 39%: the report says 已完成, the figure does not.
    behind = MetricPoint("新建5G基站", "at_least", D(800), D(312), "个")
    j = judge_task(reports((18, "approved", "completed")), [behind], [18], RULES)
    assert j.status == COMPLETED and j.light == YELLOW
    assert j.reason.startswith("已报告完成，但量化指标落后：新建5G基站：")
    met = MetricPoint("新建5G基站", "at_least", D(800), D(420), "个")
    j = judge_task(reports((18, "approved", "completed")), [met], [18], RULES)
    assert j.status == COMPLETED and j.light == GREEN and j.reason == "已报告完成并经审核通过"


def test_self_reported_lagging_is_at_least_yellow():
    j = judge_task(reports((1, "approved", "lagging")), [], [1], RULES)
    assert j.status == LAGGING and j.light == YELLOW


def test_metric_progress_against_ten_day_schedule():
    # 18 of 36 旬 → 50%; 800 base stations, 312 built = 39% → 11 points behind → red.
    metric = MetricPoint("新建5G基站", "at_least", D(800), D(312), "个")
    j = judge_task(reports((18, "approved", "in_progress")), [metric], list(range(18, 19)), RULES)
    assert j.status == LAGGING and j.light == RED and j.metric_gap_points == D(-11)
    near = MetricPoint("新建5G基站", "at_least", D(800), D(360), "个")
    assert judge_task(reports((18, "approved", "in_progress")), [near], [18], RULES).light == YELLOW


def test_task_summary_matches_the_full_judgement():
    from targets.schedule import judge_task_summary

    points = reports((1, "approved", "in_progress"), (2, "submitted", "in_progress"), (3, "draft", "in_progress"))
    full = judge_task(points, [], [1, 2, 3, 4], RULES)
    summary = judge_task_summary(2, 2, points[1], [], [1, 2, 3, 4], RULES)
    assert full == summary and full.missed_in_a_row == 2 and full.light == RED


def test_reasons_read_in_chinese_by_default_and_in_english_with_the_catalogue():
    from django.utils import translation

    from targets.schedule import judge_task_summary

    def reasons():
        target = judge_target("cumulative", "reach", D(780), "monthly", [month(10, "617.2")], 12, RULES, "亿元")
        task = judge_task_summary(3, 3, None, [], [1, 2, 3, 4, 5, 6], RULES)
        return target.reason, task.reason

    with translation.override("zh-hans"):
        assert reasons() == (
            "1–10月累计完成 617.2 亿元，完成率 79.1%，序时进度 83.3%，落后 4.2 个百分点",
            "连续 3 期未报送",
        )
    with translation.override("en"):
        assert reasons() == (
            "Months 1–10 cumulative 617.2 亿元, 79.1% complete against a schedule of 83.3%: 4.2 points behind",
            "Not reported for 3 periods in a row",
        )


# --- within-year totals and profiles -------------------------------------------------------------

GDP_PROFILE = {"quarter": [22.6, 47.3, 72.4, 100]}


def test_within_year_total_compares_the_quarter_figure_with_the_share_of_the_year_it_covers():
    # 地区生产总值总量 2000亿以上: the first quarter's 452 is 22.6% of the year, 2.4 points behind
    # straight 序时 (25%) — yellow, never red until the fourth quarter.
    j = judge_target("cumulative", "more_than", D(2000), "quarterly", [quarter(1, 452)], 3, RULES, "亿元")
    assert j.light == YELLOW and j.gap_points == D("-2.4") and j.schedule_pct == D(25)


def test_a_profile_replaces_straight_schedule():
    j = judge_target(
        "cumulative", "more_than", D(2000), "quarterly", [quarter(1, 452)], 3, RULES, "亿元", profile=GDP_PROFILE
    )
    assert j.light == GREEN and j.schedule_pct == D("22.6") and j.gap_points == D(0)
    assert "按上年进度应完成 22.6%" in j.reason
    behind = judge_target(
        "cumulative", "more_than", D(2000), "quarterly", [quarter(3, 1200)], 9, RULES, "亿元", profile=GDP_PROFILE
    )
    assert behind.schedule_pct == D("72.4") and behind.gap_points == D("-12.4") and behind.light == RED


def test_a_quarterly_profile_is_interpolated_for_monthly_figures():
    # Month 2: two thirds of the way from 0 to the first quarter's 22.6%.
    j = judge_target("cumulative", "reach", D(100), "monthly", [month(2, 20)], 2, RULES, profile=GDP_PROFILE)
    assert j.schedule_pct.quantize(D("0.01")) == D("15.07")
    monthly = {"month": [5, 12, 20, 28, 36, 45, 53, 61, 70, 80, 90, 100]}
    assert (
        judge_target("cumulative", "reach", D(100), "monthly", [month(2, 12)], 2, RULES, profile=monthly).light == GREEN
    )


def test_profiles_are_validated_with_chinese_messages():
    assert validate_profile(None) == [] and validate_profile(GDP_PROFILE) == []
    assert "逐期不减" in validate_profile({"quarter": [30, 20, 75, 100]})[0]
    assert "4 个" in validate_profile({"quarter": [25, 50, 100]})[0]
    assert validate_profile({"week": [1]}) and validate_profile([25, 50, 75, 100])


# --- task metrics judged as targets of their kind -----------------------------------------------


def test_a_ceiling_metric_under_its_limit_is_green_and_never_compared_with_the_schedule():
    # 4.2.6 不良贷款率控制在1.5%以内: 1.09% in 旬 31 is met, 0.41 points of headroom.
    j = judge_metric("ceiling", "at_most", D("1.5"), D("1.09"), 31, RULES, "%")
    assert j.light == GREEN and j.gap_points == D("0.41") and j.schedule_pct is None
    assert "落后" not in j.reason
    assert judge_metric("ceiling", "at_most", D("1.5"), D("1.6"), 31, RULES, "%").light == YELLOW


def test_a_growth_metric_is_compared_with_its_rate_not_prorated():
    # 园区规模工业增加值增长9.5%以上: 9.6% in 旬 9 is green although a quarter of the year is gone.
    assert judge_metric("growth_rate", "at_least", D("9.5"), D("9.6"), 9, RULES, "%").light == GREEN
    j = judge_metric("growth_rate", "at_least", D("9.5"), D("8.0"), 30, RULES, "%")
    assert j.light == YELLOW and j.gap_points == D("-1.5") and j.schedule_pct is None


def test_a_share_metric_is_compared_in_points():
    # 全市存贷比70%以上: 68.5% is 1.5 points short → yellow; 60% → red.
    assert judge_metric("level", "at_least", D(70), D("68.5"), 30, RULES, "%").light == YELLOW
    assert judge_metric("level", "at_least", D(70), D(60), 30, RULES, "%").light == RED
    assert judge_metric("level", "at_least", D(70), D(72), 3, RULES, "%").light == GREEN


def test_zero_tolerance_and_decrease_metrics():
    assert judge_metric("zero_tolerance", "zero", D(0), D(0), 20, RULES, "起").light == GREEN
    assert judge_metric("zero_tolerance", "zero", D(0), D(1), 20, RULES, "起").light == RED
    # 森林火灾数量同比减少30%以上, reported as the fall: 32 → green, 25 → yellow, −5 (a rise) → red.
    assert judge_metric("decrease", "decrease", D(30), D(32), 20, RULES, "%").light == GREEN
    assert judge_metric("decrease", "decrease", D(30), D(25), 20, RULES, "%").light == YELLOW
    assert judge_metric("decrease", "decrease", D(30), D(-5), 20, RULES, "%").light == RED


def test_a_cumulative_metric_is_the_only_kind_compared_with_the_ten_day_schedule():
    j = judge_metric("cumulative", "reach", D(800), D(312), 18, RULES, "个")
    assert j.schedule_pct == D(50) and j.gap_points == D(-11) and j.light == RED
    assert judge_metric("cumulative", "reach", D(800), None, 18, RULES, "个").light == GREY


def test_a_task_whose_ceiling_metric_is_met_is_green_and_on_schedule():
    npl = MetricPoint("不良贷款率", "at_most", D("1.5"), D("1.09"), "%", kind="ceiling")
    j = judge_task(reports((31, "approved", "in_progress")), [npl], [31], RULES)
    assert j.light == GREEN and j.status == ON_SCHEDULE and "落后序时" not in j.reason
    assert j.metrics[0].judgement.light == GREEN and j.metric_gap_points == D("0.41")


def test_a_task_is_judged_by_its_worst_metric_with_its_reason():
    ok = MetricPoint("园区规模工业增加值增长", "at_least", D("9.5"), D(10), "%", kind="growth_rate")
    short = MetricPoint("制造业增加值占GDP比重", "at_least", D("18.5"), D(15), "%", kind="level")
    j = judge_task(reports((30, "approved", "in_progress")), [ok, short], [30], RULES)
    assert j.light == RED and j.status == LAGGING and j.metric_gap_points == D("-3.5")
    assert j.reason.startswith("制造业增加值占GDP比重：")


@pytest.mark.parametrize(
    ("kind", "comparator", "unit", "frequency", "words"),
    [
        ("cumulative", "reach", "亿元", "monthly", ["序时进度（月报按月数÷12", "10个百分点"]),
        ("cumulative", "reach", "个", "ten_day", ["已过旬数÷36"]),
        ("growth_rate", "at_least", "%", "quarterly", ["不按序时折算", "2个百分点"]),
        ("level", "at_least", "%", "yearly", ["百分点", "2个百分点"]),
        ("level", "at_least", "元/月", "yearly", ["90%以上"]),
        ("ceiling", "at_most", "%", "quarterly", ["不超过上限", "10%"]),
        ("zero_tolerance", "zero", "起", "monthly", ["发生即为红灯"]),
        ("decrease", "decrease", "%", "monthly", ["要求降幅"]),
        ("approximate", "about", "件", "quarterly", ["左右", "5个百分点"]),
        ("qualitative", "reach", "", "yearly", ["牵头任务"]),
    ],
)
def test_every_kind_states_its_rule_in_one_sentence(kind, comparator, unit, frequency, words):
    text = rule_text(kind, comparator, None, RULES, unit, frequency, D(1))
    for word in words:
        assert word in text
    judged = judge_target(kind, comparator, D(1), frequency, [], 12, RULES, unit)
    assert judged.rule == text


def test_the_rule_names_the_profile_when_there_is_one():
    text = rule_text("cumulative", "more_than", GDP_PROFILE, RULES, "亿元", "quarterly", D(2000))
    assert "一季度22.6%、上半年47.3%、前三季度72.4%、全年100%" in text


def test_a_target_refuses_a_bad_profile_or_one_on_a_kind_it_does_not_apply_to():
    from django.core.exceptions import ValidationError

    from targets.models import Target

    Target(kind="cumulative", value=D(780), unit="亿元", profile=GDP_PROFILE).clean()
    with pytest.raises(ValidationError, match="逐期不减"):
        Target(kind="cumulative", value=D(780), unit="亿元", profile={"quarter": [30, 20, 75, 100]}).clean()
    with pytest.raises(ValidationError, match="只有累计量和约数指标"):
        Target(kind="growth_rate", value=D("7.5"), unit="%", profile=GDP_PROFILE).clean()


def test_a_gap_that_rounds_to_zero_from_below_prints_without_a_minus_sign():
    from targets.templatetags.dash import signed1

    assert signed1(D("-0.04")) == "0.0"
    assert signed1(D("-0.05")) == "−0.1"
    assert signed1(D("0.05")) == "+0.1"


def test_a_cumulative_figure_printed_equal_to_the_schedule_is_on_schedule_as_the_printed_figures_say():
    # 序时进度 of June: 50%. 74.98 of 150 is 49.987% (prints 50.0): on schedule, not 0.01 points behind.
    j = judge_target("cumulative", "reach", D(150), "monthly", [month(6, "74.98")], 6, RULES, "亿元")
    assert j.light == GREEN and j.gap_points == D("0.0") and j.on_schedule
    assert "完成率 50.0%，序时进度 50.0%，超过 0.0 个百分点" in j.reason
    # 74.90 of 150 is 49.933% (prints 49.9): 0.1 points behind, as a reader recomputes the 差值.
    j = judge_target("cumulative", "reach", D(150), "monthly", [month(6, "74.90")], 6, RULES, "亿元")
    assert j.light == YELLOW and j.gap_points == D("-0.1") and "落后 0.1 个百分点" in j.reason
