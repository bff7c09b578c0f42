"""The office's review queue: filters with counts, each report beside the department's previous
one with the changes marked, "unchanged" for bulk approval, and falling cumulative figures.

Reports come only through tasks.access (reviewable_reports, readable_reports); a fixed number of
queries whatever the queue's length (asserted in the tests).
"""

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, OuterRef, Subquery
from django.http import QueryDict
from django.utils.translation import gettext_lazy

from accounts.models import User
from targets.models import Comparator, Period
from targets.periods import period_label
from tasks import access
from tasks.models import ProgressReport
from tasks.todo import parse_choice

QUEUE_LIMIT = 200
STATUSES = (
    (ProgressReport.Status.SUBMITTED, gettext_lazy("待审核")),
    (ProgressReport.Status.RETURNED, gettext_lazy("已退回")),
    (ProgressReport.Status.APPROVED, gettext_lazy("已通过")),
)
TEXT_FIELDS = ("task_status", "progress", "problems", "next_steps")
# A metric counts up through the year (新建5G基站800个) unless it is a rate, a share or a ceiling.
NOT_CUMULATIVE_UNITS = {"%", "‰", "个百分点", "百分点"}
CUMULATIVE_COMPARATORS = {Comparator.AT_LEAST, Comparator.MORE_THAN, Comparator.REACH, Comparator.ABOUT}


def is_cumulative(metric):
    return metric.comparator in CUMULATIVE_COMPARATORS and metric.unit.strip() not in NOT_CUMULATIVE_UNITS


@dataclass
class MetricChange:
    metric: object
    value: Decimal | None
    previous: Decimal | None

    @property
    def changed(self):
        return self.value != self.previous

    @property
    def delta(self):
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous

    @property
    def falls(self):
        """A cumulative figure lower than last 旬's: a typo, or a correction the office should ask about."""
        return is_cumulative(self.metric) and self.delta is not None and self.delta < 0


@dataclass
class Comparison:
    """A report against the same department's previous report on the task."""

    report: ProgressReport
    previous: ProgressReport | None
    changed_fields: list = field(default_factory=list)
    metrics: list = field(default_factory=list)

    @property
    def unchanged(self):
        return self.previous is not None and not self.changed_fields and not any(m.changed for m in self.metrics)

    @property
    def falls(self):
        return [m for m in self.metrics if m.falls]

    def field_changed(self, name):
        return name in self.changed_fields


def compare(report, previous):
    """Needs report.task.metrics and both reports' metric_values prefetched (or cached)."""
    comparison = Comparison(report, previous)
    if previous is None:
        return comparison
    comparison.changed_fields = [
        name for name in TEXT_FIELDS if (getattr(report, name) or "").strip() != (getattr(previous, name) or "").strip()
    ]
    now = {mv.metric_id: mv.value for mv in report.metric_values.all()}
    before = {mv.metric_id: mv.value for mv in previous.metric_values.all()}
    comparison.metrics = [MetricChange(m, now.get(m.pk), before.get(m.pk)) for m in report.task.metrics.all()]
    return comparison


def previous_reports(reports, user):
    """report id → the same department's latest earlier ten-day report on the task that `user` may
    read (tasks.access.readable_reports: never another department's draft or returned report), or None.

    Three queries whatever the number of reports: the previous ids by a correlated subquery
    (index report_task_period), then only those reports, then their figures."""
    if not reports:
        return {}
    earlier = access.readable_reports(
        user,
        ProgressReport.objects.filter(
            task_id=OuterRef("task_id"),
            department_id=OuterRef("department_id"),
            period__kind=Period.Kind.TEN_DAY,
            period__plan_id=OuterRef("period__plan_id"),
            period__number__lt=OuterRef("period__number"),
        ),
    ).order_by("-period__number")
    chosen = dict(
        ProgressReport.objects.filter(pk__in=[r.pk for r in reports])
        .annotate(previous_id=Subquery(earlier.values("id")[:1]))
        .values_list("id", "previous_id")
    )
    found = (
        ProgressReport.objects.select_related("period")
        .prefetch_related("metric_values")
        .in_bulk({pk for pk in chosen.values() if pk is not None})
    )
    return {report.pk: found.get(chosen.get(report.pk)) for report in reports}


def _scope(user, status):
    """The reports of `status` the user reviews: the office's battles; admins everywhere."""
    if status == ProgressReport.Status.SUBMITTED:
        return access.reviewable_reports(user)
    reports = access.readable_reports(user).filter(status=status)
    if user.role == User.Role.OFFICE:
        reports = reports.filter(task__section__battle_id__in=user.office_battle_ids())
    return reports


@dataclass
class Queue:
    status: str
    rows: list
    total: int
    status_counts: list
    battles: list
    departments: list
    periods: list
    filters: dict

    @property
    def truncated(self):
        return self.total > len(self.rows)

    @property
    def unchanged(self):
        return [row for row in self.rows if row.unchanged and row.report.status == ProgressReport.Status.SUBMITTED]

    def querystring(self, plan_code):
        query = QueryDict(mutable=True)
        query["plan"] = plan_code
        for key, value in self.filters.items():
            if value:
                query[key] = value
        return query.urlencode()


def filtered(user, plan, params):
    """(status, queryset, facets, filters) for the queue's query string; bad values are ignored."""
    status = parse_choice(params.get("status"), {key for key, _label in STATUSES}) or ProgressReport.Status.SUBMITTED
    scope = _scope(user, status).filter(task__section__battle__plan=plan)
    battles = list(
        scope.values("task__section__battle__number", "task__section__battle__short_name")
        .annotate(n=Count("id"))
        .order_by("task__section__battle__number")
    )
    departments = list(
        scope.values("department_id", "department__name").annotate(n=Count("id")).order_by("department__name")
    )
    periods = list(
        scope.filter(period__kind=Period.Kind.TEN_DAY)
        .values("period__number")
        .annotate(n=Count("id"))
        .order_by("-period__number")
    )
    # A well-formed value is kept even when nothing matches it any more (the last report of a
    # department was just approved): the queue is then empty, not silently widened.
    battle, department, period = (_id(params.get(name)) for name in ("battle", "department", "period"))
    reports = scope
    if battle:
        reports = reports.filter(task__section__battle__number=int(battle))
    if department:
        reports = reports.filter(department_id=int(department))
    if period:
        reports = reports.filter(period__number=int(period), period__kind=Period.Kind.TEN_DAY)
    filters = {"status": status, "battle": battle or "", "department": department or "", "period": period or ""}
    return status, reports, {"battles": battles, "departments": departments, "periods": periods}, filters


def _id(raw):
    """A filter id from the query string as its digits, or None (never int() of hostile text)."""
    raw = (raw or "").strip()
    return raw if raw.isascii() and raw.isdigit() and len(raw) <= 9 else None


def ordered(reports, status):
    # Waiting reports oldest first (first come, first served); decided ones newest first.
    if status == ProgressReport.Status.SUBMITTED:
        return reports.order_by("submitted_at", "id")
    return reports.order_by("-reviewed_at", "-id")


def review_queue(user, plan, params):
    status, reports, facets, filters = filtered(user, plan, params)
    total = reports.count()
    page = list(
        ordered(reports, status)
        .select_related("task__section__battle", "department", "period", "submitted_by")
        .prefetch_related("task__metrics", "metric_values")[:QUEUE_LIMIT]
    )
    previous = previous_reports(page, user)
    rows = [compare(report, previous[report.pk]) for report in page]
    counts = _scope_counts(user, plan)
    status_counts = [(key, str(label), counts.get(key, 0)) for key, label in STATUSES]
    periods = [
        {
            "number": p["period__number"],
            "label": period_label(Period.Kind.TEN_DAY, plan.year, p["period__number"]),
            "n": p["n"],
        }
        for p in facets["periods"]
    ]
    return Queue(
        status=status,
        rows=rows,
        total=total,
        status_counts=status_counts,
        battles=facets["battles"],
        departments=facets["departments"],
        periods=periods,
        filters=filters,
    )


def _scope_counts(user, plan):
    """status → count over the user's review scope (two queries)."""
    counts = {}
    submitted = access.reviewable_reports(user).filter(task__section__battle__plan=plan)
    others = access.readable_reports(user).filter(
        task__section__battle__plan=plan,
        status__in=[ProgressReport.Status.RETURNED, ProgressReport.Status.APPROVED],
    )
    if user.role == User.Role.OFFICE:
        others = others.filter(task__section__battle_id__in=user.office_battle_ids())
    counts[ProgressReport.Status.SUBMITTED] = submitted.count()
    for row in others.values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


QUEUE_KEYS = ("plan", "status", "battle", "department", "period")


def clean_queue(raw):
    """The queue's query string as carried by the report page's forms, rebuilt from its known
    keys only (so nothing else, e.g. a line break, reaches a redirect)."""
    given = QueryDict((raw or "")[:500])
    query = QueryDict(mutable=True)
    for key in QUEUE_KEYS:
        value = given.get(key, "")
        if value and value.isprintable() and len(value) <= 60:
            query[key] = value
    return query.urlencode()


def next_in_queue(user, plan, query_string, after_pk):
    """The next waiting report of the same filtered queue, or None when it is cleared."""
    params = QueryDict(query_string or "")
    params = params.copy()
    params["status"] = ProgressReport.Status.SUBMITTED
    _status, reports, _facets, _filters = filtered(user, plan, params)
    return ordered(reports.exclude(pk=after_pk), ProgressReport.Status.SUBMITTED).only("id").first()
