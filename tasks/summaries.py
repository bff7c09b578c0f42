"""The stored per task × period summaries (TaskPeriodSummary): kept, rebuilt and checked.

- ``refresh(task, period_ids)``: recompute a task's rows for those periods from its reports; every
  write that changes a report's status (tasks/actions.py, the admin) calls it in its transaction.
- ``rebuild(task_ids=None)``: recount the rows of those tasks (all tasks: None) in one grouped
  INSERT … SELECT; the bulk loaders (seed_demo, the benchmark builder) and every change of
  responsibilities (plan loader, admin, import) call it.
- Both give the tasks' plans a new figures token (targets/changes.py), which drops their cached
  dashboards.
- ``differences(task_ids=None)``: the stored rows that differ from a recount (``check_summaries``).

``refresh`` judges in Python from the report rows and ``rebuild``/``differences`` in SQL, so the
check compares two independent countings.
"""

from bisect import bisect_right
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum

from targets.changes import battle_figures_changed, figures_changed, new_token
from targets.models import Battle, Period
from tasks.models import MetricValue, ProgressReport, Responsibility, Task, TaskPeriodSummary

FIELDS = (
    "submitted",
    "approved",
    "lead_submitted",
    "lead_approved",
    "approved_task_status",
    "lead_approved_task_status",
)


def lead_department_ids(task):
    """The task's lead units: its own responsibilities replace those stated on its section."""
    rows = list(
        Responsibility.objects.filter(Q(task_id=task.pk) | Q(section_id=task.section_id, task__isnull=True))
        .order_by()
        .values_list("task_id", "department_id", "role")
    )
    own = [r for r in rows if r[0] == task.pk]
    return {dept for _, dept, role in (own or rows) if role == Responsibility.Role.LEAD}


def task_figures_changed(tasks):
    """New figures tokens for `tasks` (ids, or a queryset of them: ``values("pk")``): what their
    dashboard pages show changed. Called after battle_figures_changed, whose plan row lock orders
    the writers of a plan before they take any task row (targets/changes.py: lock order)."""
    Task.objects.filter(pk__in=tasks).update(figures_token=new_token())


def _lock_tasks(task_ids):
    """Lock the tasks' rows (in id order, so that two writers never wait on each other in a cycle)."""
    list(Task.objects.select_for_update().filter(pk__in=task_ids).order_by("pk").values_list("pk", flat=True))


def _summarise(reports, leads):
    """(department_id, status, task_status) rows of one (task, period) → the summary's fields, or
    None when nothing is submitted or approved."""
    values = dict.fromkeys(FIELDS[:4], 0) | dict.fromkeys(FIELDS[4:], "")
    for department_id, status, task_status in reports:
        if status not in (ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED):
            continue
        lead = department_id in leads
        values[status] += 1
        if lead:
            values[f"lead_{status}"] += 1
        if status == ProgressReport.Status.APPROVED:
            values["approved_task_status"] = max(values["approved_task_status"], task_status)
            if lead:
                values["lead_approved_task_status"] = max(values["lead_approved_task_status"], task_status)
    if not values["submitted"] and not values["approved"]:
        return None
    return values


def refresh(task, period_ids, *, task_locked=False):
    """Recompute `task`'s summary rows of `period_ids` from its reports (a few queries; call it
    inside the transaction of the write, after the write). task_locked: the caller holds the task
    row's lock already."""
    period_ids = set(period_ids)
    # Two writers on one task at once would each count the reports without the other's
    # uncommitted change, and the later upsert would keep a stale count. The task row's lock
    # makes the second wait for the first to commit; its next statement then sees both
    # (PostgreSQL's read committed takes a new snapshot per statement; SQLite has one writer).
    # The report actions hold it already (tasks.actions._locked locks the joined task row too:
    # FOR UPDATE without OF) and say so; the admin's corrections and the rebuilds take it here, after
    # the plan's row (the lock order of targets/changes.py; a report action has renewed it already).
    if not task_locked:
        # A report action has renewed the battle's token already, before its first lock.
        battle_figures_changed(Battle.objects.filter(sections=task.section_id).values("pk"))
        task_figures_changed([task.pk])
        _lock_tasks([task.pk])
    leads = lead_department_ids(task)
    by_period = defaultdict(list)
    for period_id, *row in (
        ProgressReport.objects.filter(task_id=task.pk, period_id__in=period_ids)
        .order_by()
        .values_list("period_id", "department_id", "status", "task_status")
    ):
        by_period[period_id].append(row)
    rows, empty = [], []
    for period_id in period_ids:
        values = _summarise(by_period.get(period_id, ()), leads)
        if values is None:
            empty.append(period_id)
        else:
            rows.append(TaskPeriodSummary(task_id=task.pk, period_id=period_id, **values))
    if empty:
        TaskPeriodSummary.objects.filter(task_id=task.pk, period_id__in=empty).delete()
    if rows:
        TaskPeriodSummary.objects.bulk_create(
            rows, update_conflicts=True, unique_fields=["task", "period"], update_fields=list(FIELDS)
        )
    _store_metric_values([task.pk])


def _recount_sql(task_ids):
    """SELECT of the summary rows recounted from the reports (of `task_ids`; all tasks: None)."""
    report = ProgressReport._meta.db_table
    resp = Responsibility._meta.db_table
    task = Task._meta.db_table
    params = []
    where = ""
    if task_ids is not None:
        where = f"AND r.task_id IN ({', '.join(['%s'] * len(task_ids))})"
        params = list(task_ids)
    # Lead units: a task's own lead rows, or its section's when the task has no rows of its own.
    leads = f"""
        SELECT o.task_id, o.department_id FROM {resp} o WHERE o.task_id IS NOT NULL AND o.role = 'lead'
        UNION
        SELECT t.id, s.department_id FROM {task} t
        INNER JOIN {resp} s ON s.section_id = t.section_id AND s.task_id IS NULL AND s.role = 'lead'
        WHERE NOT EXISTS (SELECT 1 FROM {resp} x WHERE x.task_id = t.id)
    """
    sql = f"""
        SELECT r.task_id, r.period_id,
               SUM(CASE WHEN r.status = 'submitted' THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.status = 'approved' THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.status = 'submitted' AND l.department_id IS NOT NULL THEN 1 ELSE 0 END),
               SUM(CASE WHEN r.status = 'approved' AND l.department_id IS NOT NULL THEN 1 ELSE 0 END),
               COALESCE(MAX(CASE WHEN r.status = 'approved' THEN r.task_status END), ''),
               COALESCE(MAX(CASE WHEN r.status = 'approved' AND l.department_id IS NOT NULL
                                 THEN r.task_status END), '')
        FROM {report} r
        LEFT JOIN ({leads}) l ON l.task_id = r.task_id AND l.department_id = r.department_id
        WHERE r.status IN ('submitted', 'approved') {where}
        GROUP BY r.task_id, r.period_id
    """  # table names from the models; every value a parameter or a constant
    return sql, params


@transaction.atomic
def rebuild(task_ids=None):
    """Replace the summary rows of `task_ids` (None: every task) with a recount, in one statement
    after one delete. Returns the number of rows written."""
    if task_ids is not None:
        task_ids = list(task_ids)
        if not task_ids:
            return 0
    if task_ids is None:
        figures_changed(None)
    else:
        battle_figures_changed(Battle.objects.filter(sections__tasks__in=task_ids).values("pk"))
        task_figures_changed(task_ids)
    if task_ids is not None:
        _lock_tasks(task_ids)
        TaskPeriodSummary.objects.filter(task_id__in=task_ids).delete()
    else:
        TaskPeriodSummary.objects.all().delete()
    select, params = _recount_sql(task_ids)
    columns = ", ".join(["task_id", "period_id", *FIELDS, "metric_values"])
    with connection.cursor() as cursor:
        # Metric values start empty ('{}', the JSON of an empty object) and are set below.
        cursor.execute(
            f"INSERT INTO {TaskPeriodSummary._meta.db_table} ({columns}) SELECT g.*, '{{}}' FROM ({select}) g", params
        )
        written = cursor.rowcount
    _store_metric_values(task_ids)
    return written


def rebuild_plan(plan):
    return rebuild(Task.objects.filter(section__battle__plan=plan).values_list("pk", flat=True))


def differences(task_ids=None):
    """(task_id, period_id, stored, recounted) for every row where the stored summary differs from
    a recount of the reports (stored or recounted None: the row is missing on that side); the
    values in FIELDS order, then the metric values."""
    select, params = _recount_sql(None if task_ids is None else list(task_ids))
    with connection.cursor() as cursor:
        cursor.execute(select, params)
        recounted = {(row[0], row[1]): tuple(row[2:]) for row in cursor.fetchall()}
    numbers = dict(Period.objects.filter(pk__in={p for _, p in recounted}).values_list("pk", "number"))
    snapshots = _metric_snapshots(task_ids)
    for (task_id, period_id), values in recounted.items():
        wanted = _cumulative(snapshots.get(task_id), numbers[period_id])
        recounted[(task_id, period_id)] = (*values, wanted)
    stored_rows = TaskPeriodSummary.objects.order_by()
    if task_ids is not None:
        stored_rows = stored_rows.filter(task_id__in=list(task_ids))
    stored = {
        (row[0], row[1]): tuple(row[2:])
        for row in stored_rows.values_list("task_id", "period_id", *FIELDS, "metric_values")
    }
    return [
        (task_id, period_id, stored.get((task_id, period_id)), recounted.get((task_id, period_id)))
        for task_id, period_id in sorted(stored.keys() | recounted.keys())
        if stored.get((task_id, period_id)) != recounted.get((task_id, period_id))
    ]


def _metric_snapshots(task_ids):
    """Task id → [(旬 number, {metric id: value})] in 旬 order: each metric's value in the latest
    approved report up to that 旬 (a later report's value replaces an earlier one, None included;
    in one 旬, the later report)."""
    values = MetricValue.objects.filter(report__status=ProgressReport.Status.APPROVED, report__period__kind="ten_day")
    if task_ids is not None:
        values = values.filter(report__task_id__in=list(task_ids))
    snapshots = defaultdict(list)
    current, last_task = {}, None
    for task_id, number, metric_id, value in values.order_by(
        "report__task_id", "report__period__number", "report_id", "id"
    ).values_list("report__task_id", "report__period__number", "metric_id", "value"):
        if task_id != last_task:
            current, last_task = {}, task_id
        current[str(metric_id)] = None if value is None else str(value)
        taken = snapshots[task_id]
        if taken and taken[-1][0] == number:
            taken[-1] = (number, dict(current))
        else:
            taken.append((number, dict(current)))
    return snapshots


def _cumulative(snapshots, number):
    """The metric values as of 旬 `number` from a task's snapshots ({} before any)."""
    if not snapshots:
        return {}
    i = bisect_right([n for n, _ in snapshots], number)
    return snapshots[i - 1][1] if i else {}


def _store_metric_values(task_ids):
    """Set each summary row's metric values of `task_ids` (None: all) from the approved reports."""
    snapshots = _metric_snapshots(task_ids)
    rows = TaskPeriodSummary.objects.order_by()
    if task_ids is not None:
        rows = rows.filter(task_id__in=list(task_ids))
    changed = []
    for pk, task_id, number, stored in rows.values_list("pk", "task_id", "period__number", "metric_values"):
        wanted = _cumulative(snapshots.get(task_id), number)
        if wanted != stored:
            changed.append(TaskPeriodSummary(pk=pk, metric_values=wanted))
    TaskPeriodSummary.objects.bulk_update(changed, ["metric_values"], batch_size=500)


def latest_metric_values(task_ids, plan_id, ten_day):
    """Metric id → its value (Decimal, or None) in the latest approved report up to `ten_day`, for
    the metrics of `task_ids`: each task's latest summary row up to that 旬 (one query)."""
    if not task_ids or not ten_day:
        return {}
    rows = TaskPeriodSummary.objects.filter(
        task_id__in=list(task_ids), period__plan_id=plan_id, period__kind="ten_day", period__number__lte=ten_day
    ).order_by("task_id", "-period__number")
    if connection.features.can_distinct_on_fields:
        rows = rows.distinct("task_id")
    latest = {}
    seen = set()
    for task_id, values in rows.values_list("task_id", "metric_values"):
        if task_id in seen:
            continue  # SQLite: every row comes, the latest first
        seen.add(task_id)
        for metric_id, value in values.items():
            latest[int(metric_id)] = None if value is None else Decimal(value)
    return latest


def task_figures(task_ids, plan_id, ten_day, first_due):
    """Per task, from the stored summaries of its 旬 up to `ten_day`: how many 旬 from `first_due` on
    were reported (submitted or approved) and the last of them, and the latest approved task_status
    as "NNstatus" (zero-padded 旬 number, so one MAX finds both) — for every reporting unit and, in
    the lead_ keys, for the lead units alone. One grouped query over at most 36 rows per task."""
    if not task_ids or not ten_day:
        return {}
    summary, period = TaskPeriodSummary._meta.db_table, Period._meta.db_table
    pad = "CASE WHEN p.number < 10 THEN '0' ELSE '' END || CAST(p.number AS TEXT)"
    lead = "s.lead_submitted + s.lead_approved > 0"
    sql = f"""
        SELECT s.task_id,
               COUNT(*) FILTER (WHERE p.number >= %s),
               MAX(p.number) FILTER (WHERE p.number >= %s),
               MAX({pad} || s.approved_task_status) FILTER (WHERE s.approved_task_status <> ''),
               COUNT(*) FILTER (WHERE p.number >= %s AND {lead}),
               MAX(p.number) FILTER (WHERE p.number >= %s AND {lead}),
               MAX({pad} || s.lead_approved_task_status) FILTER (WHERE s.lead_approved_task_status <> '')
        FROM {summary} s INNER JOIN {period} p ON p.id = s.period_id AND p.plan_id = %s
        WHERE s.task_id IN ({", ".join(["%s"] * len(task_ids))}) AND p.kind = %s AND p.number <= %s
        GROUP BY s.task_id
    """  # table names from the models; every value a parameter
    params = [first_due, first_due, first_due, first_due, plan_id, *task_ids, "ten_day", ten_day]
    keys = ("reported", "last", "approved", "lead_reported", "lead_last", "lead_approved")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: {"task_id": row[0], **dict(zip(keys, row[1:], strict=True))} for row in cursor.fetchall()}


def submitted_counts(task_ids):
    """Task id → its reports awaiting review (any 旬), from the stored summaries."""
    if not task_ids:
        return {}
    rows = (
        TaskPeriodSummary.objects.filter(task_id__in=task_ids, submitted__gt=0)
        .values("task_id")
        .annotate(n=Sum("submitted"))
        .order_by()
        .values_list("task_id", "n")
    )
    return dict(rows)
