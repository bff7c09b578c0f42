import datetime as dt

import pytest

from targets import periods


def test_ten_day_periods_split_each_month_into_three():
    assert periods.ten_day_span(2023, 1) == periods.PeriodSpan("ten_day", 1, dt.date(2023, 1, 1), dt.date(2023, 1, 10))
    assert periods.ten_day_span(2023, 5).start == dt.date(2023, 2, 11)
    # 下旬 of February 2023 runs from the 21st to the 28th (8 days), of 2024 to the 29th.
    assert periods.ten_day_span(2023, 6).end == dt.date(2023, 2, 28)
    assert periods.ten_day_span(2024, 6).end == dt.date(2024, 2, 29)
    assert periods.ten_day_span(2023, 36).end == dt.date(2023, 12, 31)


def test_period_number_of_a_date():
    assert periods.period_number_of("ten_day", dt.date(2023, 3, 20)) == 8
    assert periods.period_number_of("ten_day", dt.date(2023, 3, 31)) == 9
    assert periods.period_number_of("quarter", dt.date(2023, 7, 1)) == 3


def test_year_has_53_periods():
    assert len(periods.year_periods(2023)) == 36 + 12 + 4 + 1


def test_labels_are_chinese():
    assert periods.period_label("ten_day", 2023, 8) == "2023年3月中旬"
    assert periods.period_label("quarter", 2023, 2) == "2023年第二季度"


def test_deadline_on_a_holiday_moves_to_next_workday():
    # 2023-04-30 (end of April) falls in the May Day holiday (4-29 to 5-3); 5-4 is a workday.
    assert periods.deadline_for(dt.date(2023, 4, 30)) == (dt.date(2023, 5, 4), True)


def test_make_up_workday_on_a_weekend_counts_as_workday():
    # Sunday 2023-04-23 was a make-up workday (补班) for May Day.
    assert periods.deadline_for(dt.date(2023, 4, 23)) == (dt.date(2023, 4, 23), True)


def test_weekend_deadline_moves_to_monday():
    # Saturday 2023-06-10.
    assert periods.deadline_for(dt.date(2023, 6, 10)) == (dt.date(2023, 6, 12), True)


def test_unknown_year_falls_back_to_weekends_and_says_so():
    day, certain = periods.deadline_for(dt.date(2099, 1, 10))  # a Saturday
    assert day == dt.date(2099, 1, 12)
    assert certain is False
    assert periods.calendar_covers(2099) is False
    assert periods.calendar_covers(2023) is True


@pytest.mark.parametrize("number", [0, 37])
def test_out_of_range_ten_day_number_is_refused(number):
    with pytest.raises(ValueError):
        periods.ten_day_span(2023, number)


def test_period_labels_follow_the_active_language():
    from django.utils import translation

    assert periods.period_label("ten_day", 2023, 34) == "2023年12月上旬"
    assert periods.period_short_label("ten_day", 34) == "12月上旬"
    assert periods.period_label("month", 2023, 3) == "2023年3月"
    assert periods.period_label("year", 2023, 1) == "2023年"
    with translation.override("en"):
        assert periods.period_label("ten_day", 2023, 34) == "Dec 2023, early"
        assert periods.period_short_label("ten_day", 35) == "Dec, mid"
        assert periods.period_label("month", 2023, 3) == "Mar 2023"
        assert periods.period_label("quarter", 2023, 2) == "Q2 2023"
        assert periods.period_label("year", 2023, 1) == "2023"
        assert periods.period_short_label("quarter", 4) == "Q4"
