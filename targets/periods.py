"""Reporting periods of a plan year and their deadlines: pure functions, no database.

旬: 上旬 days 1–10, 中旬 11–20, 下旬 21 to month end. Ten-day periods are numbered 1–36 in
the year, months 1–12, quarters 1–4. A deadline that falls on a rest day moves to the next
working day of the Chinese calendar (make-up workdays included); for a year the calendar
package does not know yet, weekends are used instead and the result is flagged as an estimate.
"""

import calendar
import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext, pgettext_lazy

TEN_DAY = "ten_day"
MONTH = "month"
QUARTER = "quarter"
YEAR = "year"

TEN_DAY_NAMES = (gettext_noop("上旬"), gettext_noop("中旬"), gettext_noop("下旬"))
QUARTER_NAMES = (gettext_noop("第一季度"), gettext_noop("第二季度"), gettext_noop("第三季度"), gettext_noop("第四季度"))


@dataclass(frozen=True)
class PeriodSpan:
    kind: str
    number: int
    start: dt.date
    end: dt.date


def ten_day_span(year, number):
    """The `number`-th 旬 (1–36) of `year`."""
    if not 1 <= number <= 36:
        raise ValueError(f"ten-day period number must be 1–36, not {number}")
    month, part = divmod(number - 1, 3)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    start_day, end_day = [(1, 10), (11, 20), (21, last_day)][part]
    return PeriodSpan(TEN_DAY, number, dt.date(year, month, start_day), dt.date(year, month, end_day))


def month_span(year, number):
    if not 1 <= number <= 12:
        raise ValueError(f"month must be 1–12, not {number}")
    return PeriodSpan(
        MONTH, number, dt.date(year, number, 1), dt.date(year, number, calendar.monthrange(year, number)[1])
    )


def quarter_span(year, number):
    if not 1 <= number <= 4:
        raise ValueError(f"quarter must be 1–4, not {number}")
    first = month_span(year, number * 3 - 2)
    last = month_span(year, number * 3)
    return PeriodSpan(QUARTER, number, first.start, last.end)


def year_span(year, number=1):
    return PeriodSpan(YEAR, 1, dt.date(year, 1, 1), dt.date(year, 12, 31))


SPANS = {TEN_DAY: ten_day_span, MONTH: month_span, QUARTER: quarter_span, YEAR: year_span}
COUNTS = {TEN_DAY: 36, MONTH: 12, QUARTER: 4, YEAR: 1}


def year_periods(year):
    """Every period of a plan year, in kind order."""
    return [
        SPANS[kind](year, number) for kind in (TEN_DAY, MONTH, QUARTER, YEAR) for number in range(1, COUNTS[kind] + 1)
    ]


def period_number_of(kind, day):
    """The number of the period of `kind` that contains `day`."""
    if kind == TEN_DAY:
        return (day.month - 1) * 3 + min((day.day - 1) // 10, 2) + 1
    if kind == MONTH:
        return day.month
    if kind == QUARTER:
        return (day.month - 1) // 3 + 1
    if kind == YEAR:
        return 1
    raise ValueError(f"unknown period kind {kind!r}")


def first_due_ten_day(plan):
    """Reports are owed from the 旬 the plan was published (or signed) in; from the first otherwise."""
    start = plan.published_on or plan.issued_on
    if start and start.year == plan.year:
        return period_number_of("ten_day", start)
    return 1


# Literal msgids for makemessages, with a context because "1月" alone already means "January"
# (cumulative to January); lazy, so that a label translates its own month and not all twelve.
MONTH_NAMES = (
    pgettext_lazy("month name", "1月"),
    pgettext_lazy("month name", "2月"),
    pgettext_lazy("month name", "3月"),
    pgettext_lazy("month name", "4月"),
    pgettext_lazy("month name", "5月"),
    pgettext_lazy("month name", "6月"),
    pgettext_lazy("month name", "7月"),
    pgettext_lazy("month name", "8月"),
    pgettext_lazy("month name", "9月"),
    pgettext_lazy("month name", "10月"),
    pgettext_lazy("month name", "11月"),
    pgettext_lazy("month name", "12月"),
)


def month_name(number):
    """The month's short name in the active language (3月, "Mar")."""
    return str(MONTH_NAMES[number - 1])


def period_short_label(kind, number):
    """The period without its year, in the active language: 3月中旬 ("Mar, mid"), 3月, 第一季度."""
    if kind == TEN_DAY:
        month, part = divmod(number - 1, 3)
        return pgettext("ten-day period: month, part", "%(month)s%(part)s") % {
            "month": month_name(month + 1),
            "part": _(TEN_DAY_NAMES[part]),
        }
    if kind == MONTH:
        return month_name(number)
    if kind == QUARTER:
        return _(QUARTER_NAMES[number - 1])
    return _("全年")


def period_label(kind, year, number):
    """The period with its year, in the active language: 2023年3月中旬, 2023年3月, 2023年第一季度,
    2023年 ("Mar 2023, mid", "Mar 2023", "Q1 2023", "2023")."""
    if kind == TEN_DAY:
        month, part = divmod(number - 1, 3)
        return pgettext("ten-day period: year, month, part", "%(year)s年%(month)s%(part)s") % {
            "year": year,
            "month": month_name(month + 1),
            "part": _(TEN_DAY_NAMES[part]),
        }
    if kind == MONTH:
        return pgettext("month: year, month", "%(year)s年%(month)s") % {
            "year": year,
            "month": month_name(number),
        }
    if kind == QUARTER:
        return pgettext("quarter: year, quarter", "%(year)s年%(quarter)s") % {
            "year": year,
            "quarter": _(QUARTER_NAMES[number - 1]),
        }
    return pgettext("year", "%(year)s年") % {"year": year}


def is_workday(day):
    """(is it a working day, is the answer certain). Uncertain years fall back to weekends."""
    try:
        import chinese_calendar
    except ImportError:  # pragma: no cover - the package is a hard requirement
        return day.weekday() < 5, False
    try:
        return chinese_calendar.is_workday(day), True
    except NotImplementedError:
        return day.weekday() < 5, False


def next_workday(day):
    """`day` itself if it is a working day, otherwise the next one; and whether it is certain."""
    certain = True
    for _attempt in range(60):
        workday, known = is_workday(day)
        certain = certain and known
        if workday:
            return day, certain
        day += dt.timedelta(days=1)
    raise RuntimeError("no working day within 60 days")  # pragma: no cover


def deadline_for(end, extra_days=0):
    """Submission deadline for a period ending on `end`: `extra_days` later, moved to a workday."""
    return next_workday(end + dt.timedelta(days=extra_days))


def calendar_covers(year):
    """Whether the installed Chinese holiday calendar knows `year`'s holidays."""
    return is_workday(dt.date(year, 6, 1))[1]
