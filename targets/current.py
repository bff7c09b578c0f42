"""Which plan and which ten-day period a page is about.

The current period is the 旬 containing today (Asia/Shanghai). Earlier periods stay on the
home page while the department's report for them is not submitted or approved, but only the
last EARLIER_OPEN_PERIODS of them: older gaps belong to the dashboards' missed-report lights,
and a list of thirty overdue rows would hide this period's work.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from sixbattles.params import query_date
from targets.models import Period, Plan
from targets.periods import period_number_of

EARLIER_OPEN_PERIODS = 3


def pick_plan(request):
    """`?plan=<code>` if it exists, otherwise the newest plan (None when there is no plan)."""
    plans = list(Plan.objects.order_by("-year", "code"))
    code = request.GET.get("plan", "")
    chosen = next((p for p in plans if p.code == code), plans[0] if plans else None)
    return chosen, plans


@dataclass
class Today:
    """The date a page reports on and the notes explaining how it was chosen."""

    date: dt.date
    notes: list = field(default_factory=list)


def pick_date(request):
    # Anything but a real date in ASCII digits ("２０２３-05-15", "2023-02-30") gets a note.
    day, raw = query_date(request, "as_of")
    today = timezone.localdate()
    if not raw:
        return Today(today)
    if day is not None:
        return Today(day, [_("按指定日期 %(date)s 显示。") % {"date": raw}])
    note = _("日期“%(raw)s”无法识别（格式：年-月-日，如 2023-05-15），已按今天显示。") % {"raw": raw[:20]}
    return Today(today, [note])


def current_ten_day_number(plan, day, notes):
    """Number (1–36) of the plan year's 旬 for `day`; clamps to the year with a note."""
    if day.year > plan.year:
        notes.append(_("今天已过方案年度（%(year)s年），显示该年度最后一旬。") % {"year": plan.year})
        return 36
    if day.year < plan.year:
        notes.append(_("方案年度（%(year)s年）尚未开始，显示该年度第一旬。") % {"year": plan.year})
        return 1
    return period_number_of(Period.Kind.TEN_DAY, day)


def window_periods(plan, day, notes):
    """The current 旬 and up to EARLIER_OPEN_PERIODS before it, newest first (one query)."""
    number = current_ten_day_number(plan, day, notes)
    periods = list(
        Period.objects.filter(
            plan=plan, kind=Period.Kind.TEN_DAY, number__lte=number, number__gte=number - EARLIER_OPEN_PERIODS
        ).order_by("-number")
    )
    return periods
