"""The facts a dispatch report is written from, gathered in a fixed number of queries.

`collect(plan, period)` reads the approved progress reports, readings and responsibilities as of
the period's end and returns plain dicts (JSON-ready numbers, no model instances), so the content
builders in reporting/content.py stay pure functions of these facts. Every judgement of targets
and tasks (light, gap, completion or growth, 序时进度, task status) is taken from
reporting.status.plan_status as of the period, the same call the dashboards make, never re-derived.
"""

import datetime as dt
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from reporting import status as status_module
from reporting.forecasts import warning_items
from targets import schedule
from targets.models import Department, Period, Target, TargetReading
from targets.numbers import VALUE_PLACES, as_float
from targets.periods import first_due_ten_day
from tasks.access import REPORTING_ROLES
from tasks.models import ProgressReport, Responsibility, Task


def num(value, places=1):
    """Decimal/float → a float rounded half up (targets.numbers) for the JSON content."""
    return as_float(value, places)


def expected_pairs(plan):
    """(task_id, department_id) pairs that must report every ten days: lead and responsible units.

    Responsibilities stated on a section apply to each of its tasks.
    """
    tasks_by_section = defaultdict(list)
    for task_id, section_id in Task.objects.filter(section__battle__plan=plan).values_list("id", "section_id"):
        tasks_by_section[section_id].append(task_id)
    pairs = set()
    rows = Responsibility.objects.filter(section__battle__plan=plan, role__in=REPORTING_ROLES).values_list(
        "task_id", "section_id", "department_id"
    )
    for task_id, section_id, department_id in rows:
        if task_id is not None:
            pairs.add((task_id, department_id))
        else:
            pairs.update((t, department_id) for t in tasks_by_section[section_id])
    return pairs


class ReportRow:
    __slots__ = (
        "id",
        "task_id",
        "department_id",
        "period_id",
        "status",
        "task_status",
        "progress",
        "problems",
        "next_steps",
        "first_submitted_at",
        "times_returned",
        "period",
    )

    def __init__(self, *values, period):
        for name, value in zip(self.__slots__[:-1], values, strict=True):
            setattr(self, name, value)
        self.period = period


def collect(plan, period, summary=False):
    """Everything the four report kinds need for `plan` as of the end of `period`.

    Lights, gaps, completion and growth rates, 序时进度 and task statuses are those of
    reporting.status.plan_status as of this period, so a report says what the dashboards say.

    With `summary`, only what a report compares with the period before (task statuses, target
    lights, reporting in the period's span), reading only that span's reports.
    """
    as_of = status_module.resolve_as_of(plan, str(period.id))
    status = status_module.plan_status(plan, as_of)
    first_due = first_due_ten_day(plan)
    battles = [b.battle for b in status.battles]
    departments = {}
    collectives = set()
    for dept_id, name, kind in Department.objects.values_list("id", "name", "kind"):
        departments[dept_id] = name
        if kind == Department.Kind.COLLECTIVE:
            collectives.add(dept_id)
    tasks = {ts.task.id: ts.task for ts in status.tasks_by_id.values()}
    # Who must report on each task: the dashboards' reporters (a task's own lead and responsible
    # units, else those stated on its section).
    pairs = {(ts.task.id, d.pk) for ts in status.tasks_by_id.values() for d in ts.reporters}

    year_start = dt.date(plan.year, 1, 1)
    ten_days = [
        p for p in as_of.periods if p.kind == Period.Kind.TEN_DAY and p.start >= year_start and p.end <= period.end
    ]
    # Reports are owed from the 旬 the plan was published in, as on the dashboards.
    due_ten_days = [p for p in ten_days if p.number >= first_due]
    in_period = [p for p in due_ten_days if p.start >= period.start]
    # Every report of the year so far in one query, as light rows (a year is ~16,000 reports:
    # model instances would cost more than everything else in the build).
    period_by_id = {p.id: p for p in ten_days}
    read = in_period if summary else ten_days
    reports = [
        ReportRow(*row, period=period_by_id[row[3]])
        for row in ProgressReport.objects.filter(period__in=read).order_by().values_list(*ReportRow.__slots__[:-1])
    ]

    facts = {
        "plan": {"id": plan.id, "title": plan.title, "year": plan.year, "issuer": plan.issuer},
        "period": {
            "id": period.id,
            "kind": period.kind,
            "number": period.number,
            "label": str(period),
            "span_label": span_label(period),
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
        },
        "rules": {
            "yellow_gap_points": num(plan.yellow_gap_points),
            "laggard_completion_pct": num(plan.laggard_completion_pct),
            "missed_periods_red": plan.missed_periods_red,
            "criticism_on_time_pct": num(settings.DISPATCH_CRITICISM_ON_TIME_PCT),
            "growth_yellow_points": num(status.rules.growth_yellow_points),
            "share_yellow_points": num(status.rules.share_yellow_points),
            "ceiling_yellow_pct": num(status.rules.ceiling_yellow_pct),
            # How each kind of indicator is judged, one sentence each, for the 说明.
            "kinds": {
                kind: schedule.rule_text(kind, rules=status.rules, unit="%" if kind == "level" else "")
                for kind in schedule.RULE_KINDS
            },
        },
        # Complete months elapsed, as the targets are judged (0 before the end of January).
        "schedule_pct": num(schedule.schedule_pct("month", as_of.months)) if as_of.months else 0.0,
        "battles": [
            {
                "id": b.id,
                "number": b.number,
                "name": b.name,
                "short_name": b.short_name,
                "office": getattr(getattr(b, "task_force", None), "office", None) and b.task_force.office.name,
                "task_force": getattr(getattr(b, "task_force", None), "name", ""),
                "convener": getattr(getattr(b, "task_force", None), "convener", ""),
            }
            for b in battles
        ],
    }
    battle_of_task = {t.id: t.section.battle_id for t in tasks.values()}

    def task_label(task):
        return f"{task.section.label}{task.number}.{task.title}"

    # Approved reports of this period: what moved, problems raised.
    period_ids = {p.id for p in ten_days if p.start >= period.start}
    if summary:
        facts["span_reporting"] = span_reporting(in_period, pairs, reports, battle_of_task, departments, collectives)
        facts["tasks"] = task_facts(status, task_label)
        facts["targets"] = [
            {"id": ts.target.id, "battle_id": ts.target.battle_id, "light": ts.judgement.light}
            for b in status.battles
            for ts in b.targets
        ]
        return facts
    facts["period"]["ten_days"] = [p.number for p in in_period]
    # The next 旬 reports are owed for: none is owed before the plan's publication.
    following = (
        Period.objects.filter(plan=plan, kind=Period.Kind.TEN_DAY, start__gt=period.end, number__gte=first_due)
        .order_by("start")
        .first()
    )
    facts["period"]["next_label"] = str(following) if following else ""
    facts["period"]["next_deadline"] = following.deadline.isoformat() if following else None
    facts["period"]["last_ten_day"] = max((p.number for p in ten_days), default=0)
    facts["moved"] = [
        {
            "battle_id": battle_of_task[r.task_id],
            "task_id": r.task_id,
            "task": task_label(tasks[r.task_id]),
            "department": departments[r.department_id],
            "progress": r.progress,
            "problems": r.problems,
            "next_steps": r.next_steps,
            "task_status": r.task_status,
            "period_end": r.period.end.isoformat(),
        }
        for r in sorted(reports, key=lambda r: (r.period.end, r.task_id, r.department_id))
        if r.period_id in period_ids and r.status == ProgressReport.Status.APPROVED and r.task_id in tasks
    ]

    facts["span_reporting"] = span_reporting(in_period, pairs, reports, battle_of_task, departments, collectives)
    facts["missing"] = {}
    for row in facts["span_reporting"]:
        if row["missing"]:
            facts["missing"].setdefault(str(row["battle_id"]), []).append(row["department"])
    battle_departments = defaultdict(set)
    for task_id, dept_id in pairs:
        battle_departments[battle_of_task[task_id]].add(departments[dept_id])
    facts["battle_departments"] = {str(b): sorted(names) for b, names in battle_departments.items()}

    facts["tasks"] = task_facts(status, task_label)
    facts["targets"], facts["areas"] = target_facts(plan, period, as_of, status, departments)
    facts["departments"] = department_stats(
        due_ten_days, in_period, reports, pairs, departments, collectives, facts["tasks"]
    )
    facts["problems"] = problem_facts(tasks, reports, departments, battle_of_task, task_label, ten_days)
    facts["warnings"] = warning_items(plan, as_of, status)  # the monthly circular's 预警
    return facts


def span_reporting(in_period, pairs, reports, battle_of_task, departments, collectives):
    """Who did not report on time in a report's span, per battle and unit: a report first
    submitted after the 旬's deadline is late (迟报), one never submitted is missing (漏报)."""
    first_submitted = {(r.task_id, r.department_id, r.period_id): r.first_submitted_at for r in reports}
    span = defaultdict(lambda: {"due": 0, "late": 0, "missing": 0})
    for p in in_period:
        for task_id, dept_id in pairs:
            row = span[(battle_of_task[task_id], dept_id)]
            row["due"] += 1
            at = first_submitted.get((task_id, dept_id, p.id))
            if at is None:
                row["missing"] += 1
            elif timezone.localtime(at).date() > p.deadline:
                row["late"] += 1
    return [
        {"battle_id": battle_id, "department": departments[dept_id], "collective": dept_id in collectives, **counts}
        for (battle_id, dept_id), counts in sorted(span.items(), key=lambda kv: (kv[0][0], departments[kv[0][1]]))
    ]


def department_stats(ten_days, in_period, reports, pairs, departments, collectives, task_rows):
    """Per department, over the year up to the report's period end and within its span:

    - expected reports (task × lead/responsible unit × ten-day period ended), how many were first
      submitted by the period's deadline (date in Asia/Shanghai), how many after it (迟报) and
      how many never (漏报); the on-time rate = on time ÷ expected, in percent;
    - first-pass rate: approved reports never returned ÷ approved reports;
    - task completion: the department's lead tasks judged completed or on schedule ÷ its lead
      tasks that are due.

    `collective` marks a collective body (相关市直部门, 各事项涉及单位…): it is listed but never
    ranked, praised or criticised.
    """
    by_key = {(r.task_id, r.department_id, r.period_id): r for r in reports}
    blank = ("expected", "on_time", "late", "missing", "span_due", "span_on_time", "span_late", "span_missing")
    stats = defaultdict(lambda: dict.fromkeys(blank, 0) | {"approved": 0, "first_pass": 0})
    span_ids = {p.id for p in in_period}
    for p in ten_days:
        in_span = p.id in span_ids
        for task_id, dept_id in pairs:
            s = stats[dept_id]
            r = by_key.get((task_id, dept_id, p.id))
            if r is None or r.first_submitted_at is None:
                outcome = "missing"
            elif timezone.localtime(r.first_submitted_at).date() <= p.deadline:
                outcome = "on_time"
            else:
                outcome = "late"
            s["expected"] += 1
            s[outcome] += 1
            if in_span:
                s["span_due"] += 1
                s[f"span_{outcome}"] += 1
    for r in reports:
        if r.status == ProgressReport.Status.APPROVED:
            s = stats[r.department_id]
            s["approved"] += 1
            if r.times_returned == 0:
                s["first_pass"] += 1
    lead_tasks = defaultdict(lambda: [0, 0])
    for t in task_rows:
        if t["status"] == schedule.NOT_DUE:
            continue
        for dept_id in t["lead_ids"]:
            lead_tasks[dept_id][0] += 1
            if t["status"] in (schedule.COMPLETED, schedule.ON_SCHEDULE):
                lead_tasks[dept_id][1] += 1

    def pct(part, whole):
        return num(Decimal(part * 100) / whole) if whole else None

    out = []
    for dept_id, s in stats.items():
        led, good = lead_tasks.get(dept_id, (0, 0))
        out.append(
            {
                "id": dept_id,
                "name": departments[dept_id],
                "collective": dept_id in collectives,
                **s,
                "on_time_pct": pct(s["on_time"], s["expected"]),
                "span_on_time_pct": pct(s["span_on_time"], s["span_due"]),
                "first_pass_pct": pct(s["first_pass"], s["approved"]),
                # Kept under its old name for the ranking table: missed = late or missing.
                "missed_in_span": s["span_late"] + s["span_missing"],
                "lead_tasks": led,
                "lead_tasks_good": good,
                "task_pct": pct(good, led),
            }
        )
    out.sort(key=lambda d: d["name"])
    return out


def target_facts(plan, period, as_of, status, departments):
    """Indicator rows as plan_status judged them, with this period's and the latest reported
    figures, and county rankings."""
    readings = defaultdict(list)  # (target, area) → readings up to the period's end, oldest first
    for r in (
        TargetReading.objects.filter(target__battle__plan=plan, period__end__lte=period.end)
        .select_related("period")
        .order_by("period__end", "-period__kind")
    ):
        readings[(r.target_id, r.area_id)].append(r)
    rows = []
    targets = [ts.target for b in status.battles for ts in b.targets]
    for b in status.battles:
        for ts in b.targets:
            t, j = ts.target, ts.judgement
            city = readings.get((t.id, None), [])
            # "本期": the figure of the period the report covers; else the latest one's.
            this = next((r for r in city if r.period_id == period.id), None)
            latest = city[-1] if city else None
            is_growth = t.kind in (Target.Kind.GROWTH_RATE, Target.Kind.DECREASE)
            rows.append(
                {
                    "id": t.id,
                    "battle_id": t.battle_id,
                    "code": t.code,
                    "name": t.name,
                    "unit": t.unit,
                    "kind": t.kind,
                    "target_value": num(t.value, VALUE_PLACES),
                    "period_value": num(this.period_value, VALUE_PLACES) if this else None,
                    "cumulative": num(latest.cumulative_value, VALUE_PLACES) if latest else None,
                    "rate_kind": "growth" if is_growth else "completion",
                    "rate": num(j.growth_pct if is_growth else j.completion_pct),
                    "schedule_pct": num(j.schedule_pct),
                    "gap": num(j.gap_points),
                    "on_schedule": j.on_schedule,
                    "light": j.light,
                    "reason": j.reason,
                    "rule": j.rule,
                    "latest_label": j.latest_label,
                    "lead": "、".join(d.name for d in ts.departments),
                }
            )
    # 排位: rank by 差值 among the indicators with a gap (largest lead first).
    ranked = sorted((r for r in rows if r["gap"] is not None), key=lambda r: -r["gap"])
    for i, r in enumerate(ranked, 1):
        r["rank"] = i
    return rows, area_facts(targets, readings, departments, as_of, status.rules)


def area_facts(targets, readings, departments, as_of, rules):
    """County rankings of the by-area targets, ranked as reporting.status.area_ranking ranks them
    (best light first, then completion rate or growth), from readings already loaded: that
    function reads one target at a time, a query per target here."""
    areas = []
    for t in targets:
        if not t.by_area:
            continue
        ranked = []
        for (target_id, area_id), history in readings.items():
            if target_id != t.id or area_id is None:
                continue
            r = history[-1]
            value = r.cumulative_growth if t.kind == Target.Kind.GROWTH_RATE else r.cumulative_value
            if value is None:
                continue
            points = [
                schedule.ReadingPoint(
                    h.period.kind, h.period.number, h.period_value, h.cumulative_value, h.cumulative_growth
                )
                for h in history
            ]
            j = status_module.judge_area(t, points, as_of.months, rules)
            key = status_module.area_rank_key(j, departments[area_id])
            ranked.append(
                (
                    key,
                    {
                        "area": departments[area_id],
                        "value": num(value, VALUE_PLACES),
                        "period": str(r.period),
                        "light": j.light,
                    },
                )
            )
        ranked = [row for _key, row in sorted(ranked, key=lambda kr: kr[0])]
        for i, a in enumerate(ranked, 1):
            a["rank"] = i
        if ranked:
            areas.append(
                {
                    "target": t.name,
                    "battle_id": t.battle_id,
                    "unit": "%" if t.kind == Target.Kind.GROWTH_RATE else t.unit,
                    "measure": "累计增速" if t.kind == Target.Kind.GROWTH_RATE else "累计完成",
                    "rows": ranked,
                }
            )
    return areas


def task_facts(status, task_label):
    """Each task as plan_status judged it (status, light, metric progress against 序时)."""
    out = []
    for b in status.battles:
        for ts in b.tasks:
            task, j = ts.task, ts.judgement
            metric_points = [point for _metric, point in ts.metrics]
            out.append(
                {
                    "id": task.id,
                    "battle_id": task.section.battle_id,
                    "label": task_label(task),
                    "lead": "、".join(d.name for d in ts.leads),
                    "lead_ids": [d.pk for d in ts.leads],
                    "quantified": bool(metric_points),
                    # Each metric as the engine judged it (a target of its kind): light, rate, gap, rule.
                    "metrics": [
                        {
                            "name": m.name,
                            "unit": m.unit,
                            "kind": m.kind,
                            "target": num(m.target_value, VALUE_PLACES),
                            "value": num(m.value, VALUE_PLACES),
                            "completion_pct": num(m.judgement.completion_pct),
                            "rate": num(m.judgement.rate_pct),
                            "schedule_pct": num(m.judgement.schedule_pct),
                            "gap": num(m.judgement.gap_points),
                            "light": m.judgement.light,
                            "reason": m.judgement.reason,
                            "rule": m.judgement.rule,
                        }
                        for m in metric_points
                    ],
                    "status": j.status,
                    "status_label": j.status_label,
                    "light": j.light,
                    "reason": j.reason,
                    "gap": num(j.metric_gap_points),
                    "schedule_pct": num(j.schedule_pct),
                }
            )
    return out


def problem_facts(tasks, reports, departments, battle_of_task, task_label, ten_days):
    """Problems raised in approved reports up to the period's end, each with its identity.

    A problem belongs to a (task, department) and is identified by the approved report that first
    raised it (`id`, `raised_ten_day`): later approved reports that still list a problem continue
    the same one (its latest wording is shown). It is closed (销号) by the first later approved
    report of the same task and department that lists no problem or reports the task completed;
    a report after that which lists a problem raises a new one. `open_ten_days` counts the 旬
    from the one that raised it to the last one of the span (both included) while it is open.
    """
    by_pair = defaultdict(list)
    for r in sorted(reports, key=lambda r: r.period.end):
        if r.status == ProgressReport.Status.APPROVED and r.task_id in tasks:
            by_pair[(r.task_id, r.department_id)].append(r)
    last_number = max((p.number for p in ten_days), default=0)

    def problem(opened, text, closer):
        return {
            "id": opened.id,
            "battle_id": battle_of_task[opened.task_id],
            "task_id": opened.task_id,
            "task": task_label(tasks[opened.task_id]),
            "owner": departments[opened.department_id],
            "text": text,
            "raised_on": opened.period.end.isoformat(),
            "raised_ten_day": opened.period.number,
            "raised_label": str(opened.period),
            "closed_on": closer.period.end.isoformat() if closer else None,
            "closed_ten_day": closer.period.number if closer else None,
            "open_ten_days": None if closer else last_number - opened.period.number + 1,
        }

    out = []
    for history in by_pair.values():
        opened, text = None, ""
        for r in history:
            completed = r.task_status == ProgressReport.TaskStatus.COMPLETED
            if opened is not None and (completed or not r.problems.strip()):
                out.append(problem(opened, text, r))
                opened = None
            if opened is None and r.problems.strip() and not completed:
                opened = r
            if opened is not None:
                text = r.problems.strip()
        if opened is not None:
            out.append(problem(opened, text, None))
    # The oldest problems first.
    out.sort(key=lambda p: (p["raised_on"], p["battle_id"], p["task"], p["owner"]))
    return out


QUARTER_SPANS = ("一季度", "上半年", "前三季度", "全年")


def span_label(period):
    """What a cumulative figure to the end of `period` covers: 2023年上半年 for the second
    quarter (一季度, 上半年, 前三季度, 全年), else the period's own label."""
    if period.kind == Period.Kind.QUARTER:
        return f"{period.start.year}年{QUARTER_SPANS[period.number - 1]}"
    return str(period)
