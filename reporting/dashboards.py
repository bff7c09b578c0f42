"""Dashboards: where every target and task stands against 序时进度, as of any past period.

Access (one helper per object type below; anything not visible answers 404):
- leaders and admins: everything;
- task-force offices: the plan overview, their battles' pages and those battles' targets and
  tasks, and their own department's page;
- staff: their own department's page and the targets and tasks their department is responsible for
  (the overview sends them to their department page).
The helpers are local on purpose: targets/access.py and tasks/access.py belong to other modules
and their rules for readings entry and report review are not the dashboards' rules.
"""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from reporting.charts import line_chart
from reporting.status import (
    MISSING_SHOWN,
    BadAsOf,
    area_ranking,
    department_status,
    plan_status,
    resolve_as_of,
    target_series,
    task_history,
    task_status,
)
from sixbattles.history import HistoryRow, history_rows
from sixbattles.params import query_period
from targets import schedule
from targets.access import target_for_user
from targets.models import Battle, Department, HistoricalTarget_departments, Plan
from tasks.access import task_for_user

# --- access helpers ---------------------------------------------------------------------------


def _is_office(user):
    return user.role == "office"


def plan_for_user(user, code):
    """A plan's overview: leaders, admins and offices; 404 for the rest."""
    plan = get_object_or_404(Plan, code=code)
    if not (user.reads_everything or _is_office(user)):
        raise Http404
    return plan


def battle_for_user(user, code, number):
    battle = get_object_or_404(
        Battle.objects.select_related("plan", "task_force__office"), plan__code=code, number=number
    )
    if user.reads_everything or battle.pk in user.office_battle_ids():
        return battle
    raise Http404


def department_for_user(user, pk):
    department = get_object_or_404(Department, pk=pk)
    if user.reads_everything or user.department_id == department.pk:
        return department
    raise Http404


# --- helpers ------------------------------------------------------------------------------------


def _as_of(request, plan):
    # Malformed (say "²") answers 400; a well-formed value naming no period falls back with a note.
    ref = query_period(request, "as_of", "period")
    value = None if ref is None else (str(ref[1]) if ref[0] == "id" else f"{ref[0]}-{ref[1]}")
    try:
        return resolve_as_of(plan, value)
    except BadAsOf as error:
        messages.warning(request, str(error))
        return resolve_as_of(plan)


def _context(request, plan, as_of, **extra):
    kinds = {"ten_day": _("旬"), "month": _("月"), "quarter": _("季")}
    choices = [(kinds[p.kind], p) for p in as_of.periods if p.kind in kinds]
    lights = {key: _(label) for key, label in schedule.LIGHT_LABELS.items()}
    return {"plan": plan, "as_of": as_of, "period_choices": choices, "light_labels": lights, **extra}


@login_required
def home(request):
    """The latest plan's overview (or the user's department page)."""
    plan = Plan.objects.order_by("-year", "code").first()
    if plan is None:
        raise Http404
    if request.user.reads_everything or _is_office(request.user):
        return redirect("dash:overview", code=plan.code)
    if request.user.department_id:
        return redirect("dash:department", code=plan.code, pk=request.user.department_id)
    raise Http404


@login_required
def overview(request, code):
    if not (request.user.reads_everything or _is_office(request.user)) and request.user.department_id:
        return redirect("dash:department", code=code, pk=request.user.department_id)
    plan = plan_for_user(request.user, code)
    as_of = _as_of(request, plan)
    status = plan_status(plan, as_of)
    show_all = request.GET.get("all") == "1"
    missing = status.missing_departments
    return render(
        request,
        "dashboards/overview.html",
        _context(
            request,
            plan,
            as_of,
            status=status,
            show_all=show_all,
            missing_shown=missing if show_all else missing[:MISSING_SHOWN],
            missing_more=0 if show_all else max(len(missing) - MISSING_SHOWN, 0),
        ),
    )


@login_required
def battle(request, code, number):
    battle = battle_for_user(request.user, code, number)
    plan = battle.plan
    as_of = _as_of(request, plan)
    status = plan_status(plan, as_of, battle=battle)
    battle_status = status.battles[0]
    # ?light=red (from the overview's red list): the task table shows only tasks with that light.
    # An unknown light is a filter to ignore, not an error: the whole table is shown.
    light = request.GET.get("light")
    if light not in schedule.LIGHT_LABELS:
        light = None
    tasks = [t for t in battle_status.tasks if t.judgement.light == light] if light else battle_status.tasks
    return render(
        request,
        "dashboards/battle.html",
        _context(request, plan, as_of, battle=battle, b=battle_status, status=status, tasks=tasks, light=light),
    )


@login_required
def department(request, code, pk):
    plan = get_object_or_404(Plan, code=code)
    dept = department_for_user(request.user, pk)
    as_of = _as_of(request, plan)
    dstatus = department_status(plan, dept, as_of)
    return render(request, "dashboards/department.html", _context(request, plan, as_of, department=dept, d=dstatus))


@login_required
def target(request, pk):
    target = target_for_user(request.user, pk)
    plan = target.battle.plan
    as_of = _as_of(request, plan)
    series = target_series(target, as_of)
    labels = [p.point.label for p in series.points]
    if target.kind in {"growth_rate", "decrease"}:
        actual = [p.point.cumulative_growth for p in series.points]
        required = [
            (-target.value if target.kind == "decrease" else target.value) if target.value is not None else None
        ] * len(labels)
        chart = line_chart(
            labels, [(_("累计增速"), "actual", actual), (_("目标"), "schedule", required)], "%", target.name
        )
    elif target.kind in {"cumulative", "approximate"} and target.value:
        actual = [p.judgement.completion_pct for p in series.points]
        sched = [p.schedule_pct for p in series.points]
        chart = line_chart(
            labels, [(_("完成率"), "actual", actual), (_("序时进度"), "schedule", sched)], "%", target.name
        )
    else:
        actual = [p.judgement.latest_value for p in series.points]
        goal = [target.value] * len(labels) if target.value is not None else [None] * len(labels)
        chart = line_chart(
            labels, [(_("实际值"), "actual", actual), (_("目标值"), "schedule", goal)], target.unit, target.name
        )
    return render(
        request,
        "dashboards/target.html",
        _context(request, plan, as_of, target=target, series=series, chart=chart, history=target_history(target)),
    )


def target_history(target):
    """Changes to a target's definition and to its responsible departments, newest first, in a
    fixed number of queries (history_rows: the records and the battles named; departments: the
    records and their m2m snapshots with the departments' names)."""
    rows = history_rows(target.history.all(), label=lambda r: _("指标"))
    records = list(target.history.select_related("history_user").order_by("history_date", "history_id"))
    snapshots = defaultdict(set)
    names = {}
    for history_id, department_id, name in HistoricalTarget_departments.objects.filter(
        history_id__in=[r.history_id for r in records]
    ).values_list("history_id", "department_id", "department__name"):
        snapshots[history_id].add(department_id)
        names[department_id] = name
    kinds = {"+": _("新建"), "~": _("修改"), "-": _("删除")}

    def listed(ids):
        return "、".join(sorted(names[i] or f"#{i}" for i in ids)) or "—"

    before = set()
    for record in records:
        now = snapshots.get(record.history_id, set())
        if now != before and record.history_type != "-":
            rows.append(
                HistoryRow(
                    when=record.history_date,
                    who=record.history_user,
                    change=kinds.get(record.history_type, record.history_type),
                    object_label=_("指标"),
                    field=_("责任单位"),
                    before=listed(before),
                    after=listed(now),
                )
            )
        before = now
    rows.sort(key=lambda row: row.when, reverse=True)
    return rows


@login_required
def area(request, pk):
    target = target_for_user(request.user, pk)
    plan = target.battle.plan
    as_of = _as_of(request, plan)
    rows = area_ranking(target, as_of)
    return render(request, "dashboards/area.html", _context(request, plan, as_of, target=target, rows=rows))


@login_required
def task(request, pk):
    task = task_for_user(request.user, pk)
    plan = task.section.battle.plan
    as_of = _as_of(request, plan)
    history = task_history(task, as_of, request.user)
    return render(
        request,
        "dashboards/task.html",
        _context(request, plan, as_of, task=task, t=task_status(task, as_of), history=history),
    )


def as_of_url(name, *args, as_of=None):
    url = reverse(name, args=args)
    return f"{url}?as_of={as_of.query}" if as_of else url
