"""Where a plan stands "as of" a period: load what the dashboards need in a FIXED number of queries
(bulk, whatever the data size) and run the schedule engine (targets/schedule.py) over it.

Public API (stable; the dispatch reports use it too):

- ``resolve_as_of(plan, value=None, today=None, periods=None)`` → ``AsOf``; ``value`` is a period id
  ("57") or "kind-number" ("ten_day-8", "month-11", "quarter-3"); raises ``BadAsOf`` (a Chinese
  message) on anything else. Default: the latest 旬 ended by ``today`` that has a submitted or
  approved report (else the latest ended 旬).
- ``plan_status(plan, as_of)`` → ``PlanStatus``: ``battles`` (``BattleStatus`` each with
  ``targets``/``tasks``/``light_counts``/``task_counts``/``reporting``/``review_queue``/
  ``departments``), ``red_list``, ``missing_departments``, ``targets_by_id``, ``tasks_by_id``.
- ``department_judgements(plan, department, as_of)``, ``department_share(department, tasks, targets)``,
  ``on_time_counts(…)``: a department's page.
- ``target_series(target, as_of)`` → ``TargetSeries`` (points with value and schedule, history).
- ``area_ranking(target, as_of)`` → list of ``AreaRow`` ranked best first.
- ``task_history(task, as_of, user)`` → ``TaskHistory`` (the reports `user` may read, metric progress);
  ``task_history_rows(task, as_of, user)`` → which reports those are, in what version (one query).

"As of" a period means: readings of periods ending by its last day; reports of 旬 up to the last
旬 ending by that day, with their present status. Approved reports and readings drive the
judgements; submitted reports count as reported (shown as pending review).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection
from django.db.models import F, Max, Q
from django.utils import timezone

from sixbattles.params import parse_period_ref
from targets import schedule
from targets.models import Battle, Department, Period, Target, TargetReading
from targets.numbers import percent
from targets.periods import first_due_ten_day, period_number_of
from targets.schedule import MetricPoint, ReadingPoint, Rules, TaskReportPoint
from tasks import summaries
from tasks.access import REPORTING_ROLES, readable_reports
from tasks.models import ProgressReport, Responsibility, Task, TaskMetric, TaskPeriodSummary

REPORTED = ("submitted", "approved")


class BadAsOf(ValueError):
    """An "as of" value that names no period of the plan; the message is for the user."""


@dataclass(frozen=True)
class AsOf:
    period: Period
    date: dt.date
    ten_day: int  # last 旬 ending by `date` (0 = none yet)
    months: int  # complete months by `date`
    periods: tuple  # every period of the plan, for the selector

    @property
    def label(self):
        return str(self.period)

    @property
    def query(self):
        return f"{self.period.kind}-{self.period.number}"

    @property
    def ten_day_label(self):
        """The as-of 旬 as a heading says it ("12月上旬"); "—" before the first 旬 ends."""
        period = next((p for p in self.periods if p.kind == "ten_day" and p.number == self.ten_day), None)
        return str(period).split("年", 1)[-1] if period else "—"


def _complete_months(day):
    next_day = day + dt.timedelta(days=1)
    return day.month if next_day.month != day.month else day.month - 1


def resolve_as_of(plan, value=None, today=None, periods=None):
    if periods is None:
        periods = tuple(Period.objects.filter(plan=plan).order_by("end", "-kind"))
    if not periods:
        raise BadAsOf("该方案尚未生成报送期。")
    chosen = None
    value = (value or "").strip()
    if value:
        kind, number = parse_period_ref(value) or (None, None)
        if kind == "id":
            chosen = next((p for p in periods if p.pk == number), None)
        elif kind is not None:
            chosen = next((p for p in periods if p.kind == kind and p.number == number), None)
        if chosen is None:
            raise BadAsOf(f"“{value}”不是本方案的报送期，已显示最近一期。")
    else:
        today = today or timezone.localdate()
        ten_days = [p for p in periods if p.kind == "ten_day"]
        ended = [p for p in ten_days if p.end < today]
        chosen = ended[-1] if ended else ten_days[0]
        if ended:
            # Open where the data is: the latest ended 旬 with a submitted or approved report, not
            # an empty one (every battle at 0 %) whose reports are not due or not in yet. A stored
            # summary row exists exactly for such a task and 旬 (tasks/summaries.py): 2 ms at 1M
            # reports, where the reports themselves took 11.
            last = TaskPeriodSummary.objects.filter(period_id__in=[p.pk for p in ended]).aggregate(
                last=Max("period__number")
            )["last"]
            chosen = next((p for p in ten_days if p.number == last), chosen)
    day = chosen.end
    ten_day = period_number_of("ten_day", day)
    # A 旬 counts only once it has ended; a month's or quarter's end is also a 旬's end.
    if next((p for p in periods if p.kind == "ten_day" and p.number == ten_day and p.end == day), None) is None:
        ten_day -= 1
    return AsOf(period=chosen, date=day, ten_day=ten_day, months=_complete_months(day), periods=tuple(periods))


@dataclass
class Rate:
    expected: int = 0
    reported: int = 0

    @property
    def pct(self):
        return percent(self.reported, self.expected)


@dataclass
class TargetStatus:
    target: Target
    judgement: schedule.Judgement
    departments: list
    readings: list = field(default_factory=list)  # the city-wide ReadingPoints judged (the forecasts read them too)


@dataclass
class TaskStatus:
    task: Task
    judgement: schedule.TaskJudgement
    leads: list  # Department
    reporters: list  # Department: lead and responsible, who must report
    latest_task_status: str | None
    metrics: list  # (TaskMetric, MetricPoint)
    current: dict  # department id → report status in the as-of 旬


@dataclass
class DepartmentReporting:
    department: Department
    rate: Rate = field(default_factory=Rate)
    missing_tasks: list = field(default_factory=list)


@dataclass
class BattleStatus:
    battle: Battle
    targets: list = field(default_factory=list)
    tasks: list = field(default_factory=list)
    reporting: Rate = field(default_factory=Rate)
    review_queue: int = 0
    departments: dict = field(default_factory=dict)  # department id → DepartmentReporting

    @property
    def light_counts(self):
        return _count(t.judgement.light for t in self.targets)

    @property
    def task_light_counts(self):
        return _count(t.judgement.light for t in self.tasks)

    @property
    def task_counts(self):
        counts = {key: 0 for key in schedule.TASK_STATUS_LABELS}
        for t in self.tasks:
            counts[t.judgement.status] += 1
        return counts

    @property
    def departments_sorted(self):
        """The accountable units, most missing first (a collective is counted, never ranked)."""
        return sorted(
            (d for d in self.departments.values() if not d.department.is_collective),
            key=lambda d: (-(d.rate.expected - d.rate.reported), d.department.name),
        )

    @property
    def collectives_missing(self):
        """Tasks of the as-of 旬 not reported on by a collective (相关成员单位 and the like)."""
        return sum(len(d.missing_tasks) for d in self.departments.values() if d.department.is_collective)


def _count(lights):
    counts = {schedule.GREEN: 0, schedule.YELLOW: 0, schedule.RED: 0, schedule.GREY: 0}
    for light in lights:
        counts[light] += 1
    return counts


RED_TASKS_SHOWN = 5  # worst red tasks per battle on the overview; the battle page lists them all
MISSING_SHOWN = 10  # departments that have not reported, on the overview before "全部"


def _task_severity(t):
    j = t.judgement
    gap = j.metric_gap_points if j.metric_gap_points is not None else 0
    return (-j.missed_in_a_row, gap, t.task.section.number, t.task.number)


@dataclass
class RedGroup:
    battle: Battle
    targets: list  # TargetStatus, all red ones
    task_count: int
    worst_tasks: list  # TaskStatus, the RED_TASKS_SHOWN worst

    @property
    def more_tasks(self):
        return self.task_count - len(self.worst_tasks)


@dataclass
class PlanStatus:
    plan: object
    as_of: AsOf
    rules: Rules
    battles: list
    targets_by_id: dict
    tasks_by_id: dict

    @classmethod
    def of_battles(cls, plan, as_of, rules, battles):
        """The plan's status made of its battles' (BattleStatus), judged together or one by one."""
        targets_by_id = {t.target.pk: t for b in battles for t in b.targets}
        tasks_by_id = {t.task.pk: t for b in battles for t in b.tasks}
        return cls(plan, as_of, rules, battles, targets_by_id, tasks_by_id)

    @cached_property
    def red_targets(self):
        return [t for b in self.battles for t in b.targets if t.judgement.light == schedule.RED]

    @cached_property
    def red_tasks(self):
        return [t for b in self.battles for t in b.tasks if t.judgement.light == schedule.RED]

    @cached_property  # the overview template reads it more than once
    def red_list(self):
        return self.red_targets + self.red_tasks

    @cached_property
    def red_by_battle(self):
        """The red list grouped by battle for the overview: red targets in full, red tasks as a
        count plus the worst few (longest run of missed reports, then largest metric shortfall)."""
        groups = []
        for b in self.battles:
            targets = [t for t in b.targets if t.judgement.light == schedule.RED]
            tasks = sorted((t for t in b.tasks if t.judgement.light == schedule.RED), key=_task_severity)
            if targets or tasks:
                groups.append(RedGroup(b.battle, targets, len(tasks), tasks[:RED_TASKS_SHOWN]))
        return groups

    @cached_property
    def reporting(self):
        rate = Rate()
        for b in self.battles:
            rate.expected += b.reporting.expected
            rate.reported += b.reporting.reported
        return rate

    @cached_property
    def collectives_missing(self):
        return sum(b.collectives_missing for b in self.battles)

    @cached_property
    def missing_departments(self):
        """Accountable departments with reports still owed for the as-of 旬, most missing first (the
        collectives' are counted in collectives_missing)."""
        merged = {}
        for b in self.battles:
            for dept_id, row in b.departments.items():
                if row.department.is_collective:
                    continue
                into = merged.setdefault(dept_id, DepartmentReporting(row.department))
                into.rate.expected += row.rate.expected
                into.rate.reported += row.rate.reported
                into.missing_tasks.extend(row.missing_tasks)
        rows = [r for r in merged.values() if r.rate.reported < r.rate.expected]
        return sorted(rows, key=lambda r: (-(r.rate.expected - r.rate.reported), r.department.name))


def _reading_point(row):
    return ReadingPoint(
        row["period__kind"],
        row["period__number"],
        row["period_value"],
        row["cumulative_value"],
        row["cumulative_growth"],
    )


def _current_ten_day_id(as_of):
    """The as-of 旬's period id, from the periods already loaded (None before the first 旬 ends)."""
    return next((p.pk for p in as_of.periods if p.kind == "ten_day" and p.number == as_of.ten_day), None)


def _task_summaries(task_ids, as_of, first_due, leads_of=None):
    """Per task, from the stored per task × 旬 summaries (tasks/summaries.py, kept by every report
    action in its transaction): the count of due 旬 reported, the last one reported, and the
    latest approved report as "NNstatus" (ties in a 旬 take the alphabetically last status:
    not_started, lagging, in_progress, then completed). One grouped query over at most 36 summary
    rows per task instead of every report row.

    With `leads_of` (task id → lead department ids) a task counts as reported when its LEAD unit
    reported: the summaries' lead columns answer for a task with one lead unit (nearly all); a
    task with several leads (counted by the lead that reported least) or none (by the unit that
    reported most) is counted from its reports by department. Progress (the latest approved
    report) is any reporting unit's."""
    figures = summaries.task_figures(task_ids, as_of.period.plan_id, as_of.ten_day, first_due)
    if leads_of is None:
        return figures
    result = {}
    others = []
    for task_id in task_ids:
        if len(leads_of.get(task_id) or ()) != 1:
            others.append(task_id)
        elif task_id in figures:
            f = figures[task_id]
            result[task_id] = {
                "task_id": task_id,
                "reported": f["lead_reported"],
                "last": f["lead_last"],
                "approved": f["approved"],
            }
    if others:
        result.update(_task_summaries_by_department(others, as_of, first_due, leads_of))
    return result


def _task_summaries_by_department(task_ids, as_of, first_due, leads_of):
    """The lead rule counted from the reports, grouped by (task, department, 旬) then (task,
    department): for tasks with several lead units or none."""
    if not task_ids or not as_of.ten_day:
        return {}
    report, period = ProgressReport._meta.db_table, Period._meta.db_table
    sql = f"""
        SELECT task_id, department_id, COUNT(*) FILTER (WHERE due = 1), MAX(number) FILTER (WHERE due = 1),
               MAX(CASE WHEN number < 10 THEN '0' ELSE '' END || CAST(number AS TEXT) || approved)
        FROM (
            SELECT r.task_id, r.department_id, p.number,
                   MAX(CASE WHEN r.status IN (%s, %s) AND p.number >= %s THEN 1 ELSE 0 END) AS due,
                   MAX(CASE WHEN r.status = %s THEN r.task_status END) AS approved
            FROM {report} r INNER JOIN {period} p ON p.id = r.period_id AND p.plan_id = %s
            WHERE r.task_id IN ({", ".join(["%s"] * len(task_ids))}) AND p.kind = %s AND p.number <= %s
            GROUP BY r.task_id, r.department_id, p.number
        ) g
        GROUP BY task_id, department_id
    """  # table names from the models; every value a parameter
    params = [*REPORTED, first_due, "approved", as_of.period.plan_id, *task_ids, "ten_day", as_of.ten_day]
    by_task = defaultdict(dict)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for task_id, department_id, reported, last, approved in cursor.fetchall():
            by_task[task_id][department_id] = (reported, last, approved)
    result = {}
    for task_id, rows in by_task.items():
        leads = leads_of.get(task_id)
        if leads:
            counted = [rows.get(d, (0, None, None)) for d in leads]
            reported = min(r[0] for r in counted)
            lasts = [r[1] for r in counted]
            last = None if None in lasts else min(lasts)
        else:
            reported = max(r[0] for r in rows.values())
            last = max((r[1] for r in rows.values() if r[1] is not None), default=None)
        approved = max((r[2] for r in rows.values() if r[2] is not None), default=None)
        result[task_id] = {"task_id": task_id, "reported": reported, "last": last, "approved": approved}
    return result


def _lead_ids(resp):
    return {r.department_id for r in resp if r.role == "lead"}


def _metrics_with_latest(task_ids, as_of):
    """Task metrics with `latest_value` set: the value in their latest approved report up to the
    as-of 旬, from each task's latest stored summary row (two queries)."""
    metrics = list(TaskMetric.objects.filter(task_id__in=task_ids).order_by("order", "id"))
    latest = summaries.latest_metric_values({m.task_id for m in metrics}, as_of.period.plan_id, as_of.ten_day)
    for m in metrics:
        m.latest_value = latest.get(m.pk)
    return metrics


@dataclass(frozen=True)
class Resp:
    task_id: int | None
    section_id: int
    department_id: int
    role: str
    department: Department


def _responsibilities(condition):
    """Responsibility rows as light records sharing one Department object per department (two
    queries): a model instance and a department copy per row cost more than the queries."""
    rows = list(
        Responsibility.objects.filter(condition)
        .order_by("order", "id")
        .values_list("task_id", "section_id", "department_id", "role")
    )
    departments = Department.objects.in_bulk({row[2] for row in rows})
    return [Resp(*row, departments[row[2]]) for row in rows]


def _judge_task(task, summary, resp, metrics, current, due, rules):
    leads = [r.department for r in resp if r.role == "lead"]
    reporters = list({r.department_id: r.department for r in resp if r.role in REPORTING_ROLES}.values())
    points = [MetricPoint(m.name, m.comparator, m.value, m.latest_value, m.unit, m.kind) for m in metrics]
    latest = None
    approved_status = None
    if summary and summary["approved"]:
        approved_status = summary["approved"][2:]
        latest = TaskReportPoint(int(summary["approved"][:2]), "approved", approved_status)
    judgement = schedule.judge_task_summary(
        reported_periods=summary["reported"] if summary else 0,
        last_reported=summary["last"] if summary else None,
        latest_approved=latest,
        metric_progress=points,
        periods_due=due,
        rules=rules,
    )
    return TaskStatus(
        task=task,
        judgement=judgement,
        leads=leads,
        reporters=reporters,
        latest_task_status=approved_status,
        # Each metric with its point judged as a target of its kind (point.judgement).
        metrics=list(zip(metrics, judgement.metrics, strict=True)),
        current=current,
    )


def _effective_responsibilities(tasks, responsibilities):
    """Task id → its responsibilities: its own rows, or else those stated on its section."""
    by_task = defaultdict(list)
    by_section = defaultdict(list)
    for r in responsibilities:
        (by_task[r.task_id] if r.task_id else by_section[r.section_id]).append(r)
    return {task.pk: by_task.get(task.pk) or by_section.get(task.section_id, []) for task in tasks}


def _task_statuses(tasks, resp_of, as_of, first_due, rules):
    """`tasks` judged as of `as_of`, in their order (four queries: summaries, metrics and their
    latest values, the as-of 旬's reports)."""
    task_ids = [t.pk for t in tasks]
    summaries = _task_summaries(task_ids, as_of, first_due, {t.pk: _lead_ids(resp_of[t.pk]) for t in tasks})
    metrics = _metrics_with_latest(task_ids, as_of)
    current = defaultdict(dict)
    if as_of.ten_day and task_ids:
        # order_by(): the model's default ordering would join period, task, section and battle.
        rows = ProgressReport.objects.filter(task_id__in=task_ids, period_id=_current_ten_day_id(as_of)).order_by()
        for row in rows.values("task_id", "department_id", "status"):
            current[row["task_id"]][row["department_id"]] = row["status"]
    metrics_by_task = defaultdict(list)
    for m in metrics:
        metrics_by_task[m.task_id].append(m)
    due = list(range(first_due, as_of.ten_day + 1))
    return [
        _judge_task(
            task,
            summaries.get(task.pk),
            resp_of[task.pk],
            metrics_by_task[task.pk],
            current.get(task.pk, {}),
            due,
            rules,
        )
        for task in tasks
    ]


def _lead_lights(task_statuses):
    """(battle id, department id) → the lights of the tasks it leads, for qualitative targets."""
    lights = defaultdict(list)
    for status in task_statuses:
        for dept in status.leads:
            lights[(status.task.section.battle_id, dept.pk)].append(status.judgement.light)
    return lights


def _target_statuses(targets, as_of, rules, lead_lights):
    """`targets` (departments prefetched) judged as of `as_of`, in their order (one query: readings)."""
    readings = defaultdict(list)
    ended = [p.pk for p in as_of.periods if p.end <= as_of.date]
    # Index reading_target_area_period: these targets' city-wide rows, periods ending by the date.
    for row in TargetReading.objects.filter(
        target_id__in=[t.pk for t in targets], area__isnull=True, period_id__in=ended
    ).values("target_id", "period__kind", "period__number", "period_value", "cumulative_value", "cumulative_growth"):
        readings[row["target_id"]].append(_reading_point(row))
    statuses = []
    for target in targets:
        departments = list(target.departments.all())
        task_lights = [light for d in departments for light in lead_lights.get((target.battle_id, d.pk), [])]
        judgement = schedule.judge_target(
            target.kind,
            target.comparator,
            target.value,
            target.frequency,
            readings.get(target.pk, []),
            as_of.months,
            rules,
            unit=target.unit,
            task_lights=task_lights,
            profile=target.profile,
        )
        statuses.append(TargetStatus(target, judgement, departments, readings.get(target.pk, [])))
    return statuses


def _tasks_query():
    return (
        Task.objects.select_related("section")
        .defer("text", "responsibility_note", "section__text")  # long texts the tables never show
        .order_by("section__battle__number", "section__number", "number")
    )


def _targets_query():
    return Target.objects.prefetch_related("departments").order_by("battle__number", "order", "code")


def plan_battles(plan):
    """The plan's battles as the dashboards show them (one query)."""
    return list(Battle.objects.filter(plan=plan).select_related("task_force__office").order_by("number"))


def plan_status(plan, as_of, battles=None):
    """Every battle's targets and tasks judged as of `as_of` (an AsOf), in a fixed number of queries.
    With `battles`, only those (a battle's page needs nothing else: a qualitative target is judged
    from the lead tasks of its own battle), so each battle's status is the same whichever others are
    judged with it (the dashboards keep them one by one)."""
    rules = Rules.from_plan(plan)
    first_due = first_due_ten_day(plan)
    ten_day = as_of.ten_day

    if battles is None:
        battles = plan_battles(plan)
    statuses = {b.pk: BattleStatus(b) for b in battles}
    battle_ids = list(statuses)

    tasks = list(_tasks_query().filter(section__battle_id__in=battle_ids))
    task_ids = [t.pk for t in tasks]
    resp_of = _effective_responsibilities(tasks, _responsibilities(Q(section__battle_id__in=battle_ids)))
    task_statuses = _task_statuses(tasks, resp_of, as_of, first_due, rules)
    # The review queue is "now", whatever the as-of period: every submitted report on these tasks.
    if task_ids:
        # From the stored summaries' submitted counts, grouped by task (a join to the task table
        # would make PostgreSQL hash all tasks of every plan).
        battle_of = {t.pk: t.section.battle_id for t in tasks}
        for task_id, count in summaries.submitted_counts(task_ids).items():
            statuses[battle_of[task_id]].review_queue += count

    for status in task_statuses:
        task = status.task
        battle_status = statuses[task.section.battle_id]
        battle_status.tasks.append(status)
        if ten_day:
            for dept in status.reporters:
                row = battle_status.departments.setdefault(dept.pk, DepartmentReporting(dept))
                row.rate.expected += 1
                battle_status.reporting.expected += 1
                if status.current.get(dept.pk) in REPORTED:
                    row.rate.reported += 1
                    battle_status.reporting.reported += 1
                else:
                    row.missing_tasks.append(task)

    targets = list(_targets_query().filter(battle_id__in=battle_ids))
    for status in _target_statuses(targets, as_of, rules, _lead_lights(task_statuses)):
        statuses[status.target.battle_id].targets.append(status)
    return PlanStatus.of_battles(plan, as_of, rules, [statuses[b.pk] for b in battles])


def task_status(task, as_of):
    """One task judged as of `as_of`, the way plan_status judges it, reading only this task's rows."""
    plan = task.section.battle.plan
    first_due = first_due_ten_day(plan)
    resp = _responsibilities(Q(task=task) | Q(section_id=task.section_id, task__isnull=True))
    # A task's own responsibilities replace those stated on its section.
    own = [r for r in resp if r.task_id == task.pk]
    metrics = _metrics_with_latest([task.pk], as_of)
    current = {}
    if as_of.ten_day:
        current = dict(
            ProgressReport.objects.filter(task=task, period_id=_current_ten_day_id(as_of))
            .order_by()
            .values_list("department_id", "status")
        )
    return _judge_task(
        task,
        _task_summaries([task.pk], as_of, first_due, {task.pk: _lead_ids(own or resp)}).get(task.pk),
        own or resp,
        metrics,
        current,
        list(range(first_due, as_of.ten_day + 1)),
        Rules.from_plan(plan),
    )


@dataclass
class DepartmentShare:
    """A department's share of one judged battle: the tasks it leads or must report on, the targets
    it answers for, and of the tasks it must report on how many it reported for the as-of 旬."""

    tasks: list
    targets: list
    owed: int
    reported: int


def department_share(department, tasks, targets):
    """The department's share of judged `tasks` and `targets` (a battle's, or department_judgements')."""
    tasks = [t for t in tasks if any(d.pk == department.pk for d in t.reporters + t.leads)]
    targets = [t for t in targets if any(d.pk == department.pk for d in t.departments)]
    owed = [t for t in tasks if any(d.pk == department.pk for d in t.reporters)]
    reported = sum(1 for t in owed if t.current.get(department.pk) in REPORTED)
    return DepartmentShare(tasks, targets, len(owed), reported)


def department_judgements(plan, department, as_of):
    """The department's tasks and targets judged exactly as plan_status judges them, reading only
    the tasks it leads or must report on, the targets it is responsible for, and — for those
    targets that are qualitative — the tasks their departments lead in their battle (their lights
    judge the target): a department's page while its battles are not kept judged. A fixed number of
    queries; returns (tasks, targets)."""
    rules = Rules.from_plan(plan)
    targets = list(_targets_query().filter(battle__plan=plan, departments=department))
    # (battle id, department id) whose lead tasks judge one of these qualitative targets.
    judging = {(t.battle_id, d.pk) for t in targets if t.kind == "qualitative" for d in t.departments.all()}
    wanted = {department.pk} | {d for _, d in judging}
    # Every task of the plan with its section and battle (small: ids only), to find the candidates
    # below in Python and to name the plan's tasks for the on-time count.
    plan_tasks = list(Task.objects.filter(section__battle__plan=plan).values_list("pk", "section_id").order_by())
    candidate_tasks, candidate_sections = set(), set()
    for task_id, section_id in (
        Responsibility.objects.filter(section_id__in={s for _, s in plan_tasks}, department_id__in=wanted)
        .values_list("task_id", "section_id")
        .order_by()
    ):
        if task_id:
            candidate_tasks.add(task_id)
        else:
            candidate_sections.add(section_id)
    ids = [pk for pk, section_id in plan_tasks if pk in candidate_tasks or section_id in candidate_sections]
    tasks = list(_tasks_query().filter(pk__in=ids))
    resp_of = _effective_responsibilities(
        tasks,
        _responsibilities(Q(task_id__in=ids) | Q(section_id__in={t.section_id for t in tasks}, task__isnull=True)),
    )

    def needed(task):
        # A task's own responsibilities replace its section's, so a candidate may not be needed.
        return any(
            (r.department_id == department.pk and r.role in REPORTING_ROLES)
            or (r.role == "lead" and (task.section.battle_id, r.department_id) in judging)
            for r in resp_of[task.pk]
        )

    tasks = [t for t in tasks if needed(t)]
    task_statuses = _task_statuses(tasks, resp_of, as_of, first_due_ten_day(plan), rules)
    target_statuses = _target_statuses(targets, as_of, rules, _lead_lights(task_statuses))
    return task_statuses, target_statuses


def on_time_counts(tasks, as_of, first_due):
    """Department id → how many of its reports due up to the as-of 旬 on the judged `tasks` it must
    report on were first submitted by their deadline, as a date in Asia/Shanghai (one query)."""
    due_ids = [p.pk for p in as_of.periods if p.kind == "ten_day" and first_due <= p.number <= as_of.ten_day]
    owed = {(t.task.pk, d.pk) for t in tasks for d in t.reporters}
    if not owed or not due_ids:
        return {}
    # The tasks and 旬 by id: the leading columns of the unique (task, department, period) index.
    rows = (
        ProgressReport.objects.filter(
            task_id__in={task_id for task_id, _ in owed},
            period_id__in=due_ids,
            first_submitted_at__date__lte=F("period__deadline"),
        )
        .order_by()
        .values_list("task_id", "department_id")
    )
    counts = defaultdict(int)
    for key in rows:
        if key in owed:
            counts[key[1]] += 1
    return counts


@dataclass
class SeriesPoint:
    reading: TargetReading
    point: ReadingPoint
    judgement: schedule.Judgement
    schedule_pct: object


@dataclass
class TargetSeries:
    target: Target
    judgement: schedule.Judgement
    points: list


def target_series(target, as_of, rules=None):
    """The city-wide readings of `target` up to the as-of date, each judged as of its own period."""
    rules = rules or Rules.from_plan(target.battle.plan)
    rows = list(
        TargetReading.objects.filter(target=target, area__isnull=True, period__end__lte=as_of.date)
        .select_related("period", "department", "entered_by")
        .order_by("period__end", "-period__kind")
    )
    points = []
    so_far = []
    for row in rows:
        point = ReadingPoint(
            row.period.kind, row.period.number, row.period_value, row.cumulative_value, row.cumulative_growth
        )
        so_far.append(point)
        judgement = schedule.judge_target(
            target.kind,
            target.comparator,
            target.value,
            target.frequency,
            list(so_far),
            point.end_month,
            rules,
            target.unit,
            profile=target.profile,
        )
        # The schedule the figure was judged against (a profile's share when the target has one);
        # none for a rate, share, ceiling or count never prorated, as the indicator tables show it.
        points.append(SeriesPoint(row, point, judgement, judgement.schedule_pct))
    overall = schedule.judge_target(
        target.kind,
        target.comparator,
        target.value,
        target.frequency,
        so_far,
        as_of.months,
        rules,
        target.unit,
        profile=target.profile,
    )
    return TargetSeries(target, overall, points)


@dataclass
class AreaRow:
    area: Department
    judgement: schedule.Judgement
    reading: TargetReading
    rank: int = 0


def judge_area(target, points, months, rules):
    """A county's figures judged by the city-wide target where it holds for a county too: a
    growth rate, a share, a ceiling. A county's amount is a part of the city's (150家 is the
    city's, no county has a share of it), so it is not judged against the whole: grey, with its
    value, ranked by it (area_rank_key)."""
    amount = target.kind in schedule.COMPLETION_KINDS
    return schedule.judge_target(
        target.kind,
        target.comparator,
        None if amount else target.value,
        target.frequency,
        points,
        months,
        rules,
        target.unit,
        profile=target.profile,
    )


def area_rank_key(judgement, name):
    """Best light first, then the gap, completion or growth (an amount: its value), then name;
    counties with no data last. Lower is better for ceilings and decreases: their gap is already
    "positive = good"."""
    j = judgement
    measure = next((v for v in (j.gap_points, j.completion_pct, j.growth_pct, j.latest_value) if v is not None), None)
    return (schedule.SEVERITY[j.light] if j.light != schedule.GREY else 9, -(measure or 0), name)


def area_ranking(target, as_of, rules=None):
    """Each county's latest reading of `target` up to the as-of date, judged as judge_area judges it
    and ranked by area_rank_key (areas with no data last)."""
    rules = rules or Rules.from_plan(target.battle.plan)
    readings = defaultdict(list)
    latest = {}
    areas = {}
    for row in (
        TargetReading.objects.filter(target=target, area__isnull=False, period__end__lte=as_of.date)
        .select_related("period", "area")
        .order_by("period__end")
    ):
        readings[row.area_id].append(
            ReadingPoint(
                row.period.kind, row.period.number, row.period_value, row.cumulative_value, row.cumulative_growth
            )
        )
        latest[row.area_id] = row
        areas[row.area_id] = row.area
    rows = [
        AreaRow(areas[area_id], judge_area(target, points, as_of.months, rules), latest[area_id])
        for area_id, points in readings.items()
    ]
    rows.sort(key=lambda row: area_rank_key(row.judgement, row.area.name))
    for i, row in enumerate(rows, 1):
        row.rank = i
    return rows


@dataclass
class TaskHistory:
    task: Task
    reports: list
    by_period: list  # (period, [reports])


def _readable_history(task, as_of, user, last):
    reports = ProgressReport.objects.filter(task=task, period__kind="ten_day", period__number__lte=as_of.ten_day)
    if last is not None:
        reports = reports.filter(period__number__gt=as_of.ten_day - last)
    return readable_reports(user, reports)


def task_history_rows(task, as_of, user, last=None):
    """What task_history(task, as_of, user, last) would list, as one light row per report: its id,
    version and last change (one query). The task page keeps its rendered history under these
    rows (reporting/dashboards.py): readers who may read the same reports share it, and a report
    written or reviewed gives other rows."""
    return list(_readable_history(task, as_of, user, last).order_by("pk").values_list("pk", "version", "updated_at"))


def task_history(task, as_of, user, last=None):
    """Every report on `task` up to the as-of 旬 that `user` may read (tasks.access.readable_reports:
    never another department's draft or returned report), with department, metric values and reviewer;
    with `last`, only those of the `last` 旬 ending with the as-of 旬."""
    reports = list(
        _readable_history(task, as_of, user, last)
        .select_related("period", "department", "reviewed_by", "submitted_by")
        .prefetch_related("metric_values__metric")
        .order_by("-period__number", "department__order", "department__name")
    )
    grouped = []
    for report in reports:
        if grouped and grouped[-1][0].pk == report.period_id:
            grouped[-1][1].append(report)
        else:
            grouped.append((report.period, [report]))
    return TaskHistory(task, reports, grouped)
