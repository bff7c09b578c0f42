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


def test_every_2023_ten_day_deadline_follows_the_working_day_calendar():
    # Counted by hand on the 2023 calendar (春节 1.21–27 with make-up 1.28–29, 清明 4.5, 劳动节
    # 4.29–5.3 with make-up 4.23 and 5.6, 端午 6.22–24 with make-up 6.25, 中秋国庆 9.29–10.6 with
    # make-up 10.7–8, 元旦 2024 on 1.1): every other 旬's deadline is its last day.
    moved = {
        12: dt.date(2023, 5, 4),  # Sun 30 Apr, in 劳动节
        14: dt.date(2023, 5, 22),  # Sat 20 May
        16: dt.date(2023, 6, 12),  # Sat 10 Jun
        23: dt.date(2023, 8, 21),  # Sun 20 Aug
        25: dt.date(2023, 9, 11),  # Sun 10 Sep
        27: dt.date(2023, 10, 7),  # Sat 30 Sep, in 国庆: the make-up Saturday
        34: dt.date(2023, 12, 11),  # Sun 10 Dec
        36: dt.date(2024, 1, 2),  # Sun 31 Dec, then 元旦
    }
    for number in range(1, 37):
        end = periods.ten_day_span(2023, number).end
        assert periods.deadline_for(end) == (moved.get(number, end), True), number
