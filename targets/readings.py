"""Entering target readings: which period a target is reported for, and the one atomic write."""

from decimal import Decimal

from django.db import IntegrityError, transaction

from targets.changes import figures_changed
from targets.models import Battle, Frequency, Period, Target, TargetReading
from targets.periods import deadline_for

# Ten-day targets are still read monthly: statistics are not published per 旬.
PERIOD_KIND_FOR_FREQUENCY = {
    Frequency.TEN_DAY: Period.Kind.MONTH,
    Frequency.MONTHLY: Period.Kind.MONTH,
    Frequency.QUARTERLY: Period.Kind.QUARTER,
    Frequency.YEARLY: Period.Kind.YEAR,
}

VALUE_FIELDS = ("period_value", "cumulative_value", "cumulative_growth", "data_source", "note")

VALUE_LIMIT = Decimal("10000000000000")  # written out: the messages quote it (not "1E+13")
GROWTH_MIN = Decimal("-100")
GROWTH_MAX = Decimal("1000")
# What each figure of a reading may be, whoever enters it (the department's form, the admin). A
# growth or a decrease is judged from the year-on-year change, which is negative when the figure
# fell (no lower than -100%); the period and cumulative values are amounts, levels, rates or counts
# of occurrences, never below zero.
VALUE_BOUNDS = {
    "period_value": (Decimal(0), VALUE_LIMIT),
    "cumulative_value": (Decimal(0), VALUE_LIMIT),
    "cumulative_growth": (GROWTH_MIN, GROWTH_MAX),
}


def reading_period_kind(frequency):
    return PERIOD_KIND_FOR_FREQUENCY.get(frequency, Period.Kind.MONTH)


def value_fields_for(target):
    """The figures a department enters for `target`, by its kind."""
    if target.kind == Target.Kind.GROWTH_RATE:
        return ("cumulative_growth", "cumulative_value")
    if target.kind == Target.Kind.DECREASE:
        # Judged from the year-on-year change alone (targets/schedule.py): 减少30% is met at -30.
        return ("cumulative_growth",)
    if target.kind == Target.Kind.QUALITATIVE:
        return ()
    return ("period_value", "cumulative_value")


def due_period(periods, today):
    """The period a department should be entering now: the latest one already ended, else the first."""
    ended = [p for p in periods if p.end < today]
    if ended:
        return max(ended, key=lambda p: p.end)
    return min(periods, key=lambda p: p.start) if periods else None


def reading_deadline(plan, period):
    """The day a period's readings are due: `Plan.reading_deadline_days` after its end, moved to a
    working day. Not the period's own deadline (that of the progress reports, due at its end): a
    month's figures exist only after the month, so they were overdue the day they became due."""
    return deadline_for(period.end, plan.reading_deadline_days)[0]


class StaleReadings(Exception):
    """Someone saved these rows after the user loaded the form; nothing was written."""

    def __init__(self, current_by_area):
        super().__init__("stale readings")
        self.current_by_area = current_by_area  # area_id (None = city-wide) → the reading as saved now


def record_readings(target, period, user, rows):
    """Save a department's readings for `target` in `period`, all or nothing.

    `rows` holds (area, version_seen, values) with version_seen None for a row the user saw empty.
    A row whose saved version moved on since the user loaded the form is not overwritten: the whole
    write is rolled back and StaleReadings names the rows, so the user can compare and resubmit.
    Rows whose values did not change are left alone (no new version, no history entry).
    """
    stale = {}
    with transaction.atomic():
        # The plan's row first, before any reading's (the lock order of targets/changes.py).
        figures_changed(Battle.objects.filter(targets=target.pk).values("plan_id"))
        for area, version_seen, values in rows:
            area_id = area.pk if area else None
            current = (
                TargetReading.objects.select_for_update(of=("self",))
                .filter(target=target, period=period, area_id=area_id)
                .select_related("entered_by")
                .first()
            )
            if current is None:
                if version_seen is not None:
                    # The row the user saw is gone; saving would resurrect it unseen by whoever removed it.
                    stale[area_id] = None
                    continue
                try:
                    with transaction.atomic():
                        TargetReading.objects.create(
                            target=target,
                            period=period,
                            area=area,
                            department=user.department,
                            entered_by=user,
                            **values,
                        )
                except IntegrityError:
                    # Created by someone else between our read and our insert.
                    stale[area_id] = TargetReading.objects.filter(target=target, period=period, area_id=area_id).first()
                continue
            changed = [name for name, value in values.items() if getattr(current, name) != value]
            if not changed:
                continue
            if version_seen != current.version:
                stale[area_id] = current
                continue
            for name in changed:
                setattr(current, name, values[name])
            current.entered_by = user
            current.department = user.department
            current.version += 1
            current.save(update_fields=[*changed, "entered_by", "department", "version", "updated_at"])
        if stale:
            # Raised inside the block so that rows already written in this call are rolled back too.
            raise StaleReadings(stale)
