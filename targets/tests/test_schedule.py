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
    judge_target,
    judge_task,
    schedule_pct,
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


def test_growth_rate_yellow_down_to_two_thirds_of_target_then_red():
    assert (
        judge_target("growth_rate", "at_least", D("7.5"), "quarterly", [quarter(2, growth="5.0")], 6, RULES).light
        == YELLOW
    )
    red = judge_target("growth_rate", "at_least", D("7.5"), "quarterly", [quarter(2, growth="4.9")], 6, RULES)
    assert red.light == RED and "低于目标 2.6 个百分点" in red.reason


def test_more_than_needs_to_exceed():
    assert judge_target("level", "more_than", D(70), "yearly", [month(12, 70)], 12, RULES, "%").light == YELLOW


def test_level_compares_the_latest_value_with_the_target():
    j = judge_target("level", "at_least", D("1.6"), "yearly", [month(6, "1.45")], 12, RULES, "%")
    # 1.45/1.6 = 90.6% of target: within 10 points → yellow; gap 0.15 points.
    assert j.light == YELLOW and j.gap_points == D("-0.15")
    assert judge_target("level", "at_least", D("1.6"), "yearly", [month(6, "1.2")], 12, RULES, "%").light == RED


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

    r = Rules.from_plan(P())
    assert (r.yellow_gap_points, r.approx_tolerance_pct, r.missed_periods_red) == (D(20), D(3), 3)


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
