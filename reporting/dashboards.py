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
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reporting.charts import line_chart
from reporting.forecasts import PlanForecasts, plan_forecasts, target_forecast, task_metric_forecasts
from reporting.status import (
    MISSING_SHOWN,
    BadAsOf,
    PlanStatus,
    area_ranking,
    department_status,
    plan_battles,
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
from targets.forecast import month_of
from targets.models import Battle, Department, HistoricalTarget_departments, Period, Plan, Target
from targets.schedule import Rules
from tasks.access import task_for_user
from tasks.models import Responsibility

REPORT_PERIODS_SHOWN = 3  # 旬 of reports under a task's dashboard (?reports=all: every one)
AT_RISK_SHOWN = 15  # 年末预警 rows on the overview (难完成 first); each battle page lists all of its own

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
    if battle_opens(user, battle.pk):
        return battle
    raise Http404


def battle_opens(user, battle_id):
    """Whether `user` may open the battle's page: leaders and admins any, an office its own."""
    return user.reads_everything or battle_id in user.office_battle_ids()


def department_for_user(user, pk):
    department = get_object_or_404(Department, pk=pk)
    if user.reads_everything or user.department_id == department.pk:
        return department
    raise Http404


# --- helpers ------------------------------------------------------------------------------------


def department_battles(plan, department):
    """The battles of `plan` in which `department` answers for a task (on the task or its section,
    in any role) or a target: all its dashboard page reads, for a qualitative target is judged
    from the lead tasks of its own battle. Kept under the token every change to the plan's
    definitions renews (Plan.battle_tokens["*"]); one query when not kept."""
    key = f"dash:department-battles:{plan.pk}:{plan.battle_tokens.get('*', '')}:{department.pk}"
    cache = caches["dashboards"]
    battles = cache.get(key)
    if battles is None:
        battles = _department_battles(plan, department)
        cache.set(key, battles)
    return battles


def _department_battles(plan, department):
    # order_by(): a model's default ordering in a UNION's parts is refused by SQLite.
    tasks = (
        Responsibility.objects.filter(department=department, section__battle__plan=plan)
        .order_by()
        .values_list("section__battle_id", flat=True)
    )
    targets = (
        Target.departments.through.objects.filter(department=department, target__battle__plan=plan)
        .order_by()
        .values_list("target__battle_id", flat=True)
    )
    return set(tasks.union(targets))


def _as_of(request, plan):
    # Malformed (say "²") answers 400; a well-formed value naming no period falls back with a note.
    ref = query_period(request, "as_of", "period")
    value = None if ref is None else (str(ref[1]) if ref[0] == "id" else f"{ref[0]}-{ref[1]}")
    try:
        return resolve_as_of(plan, value) if value else _default_as_of(plan)
    except BadAsOf as error:
        messages.warning(request, str(error))
        return _default_as_of(plan)


def _default_as_of(plan):
    """The period a page opens on (the latest ended 旬 with reports): it moves only with a report
    written (a new figures token) or a new day, so it is kept under both instead of searching the
    plan's reports on every landing."""
    periods = tuple(Period.objects.filter(plan=plan).order_by("end", "-kind"))
    today = timezone.localdate()
    key = f"dash:as_of:{plan.pk}:{plan.figures_token}:{today.isoformat()}"
    cache = caches["dashboards"]
    period_id = cache.get(key)
    if period_id is not None:
        return resolve_as_of(plan, str(period_id), periods=periods)
    as_of = resolve_as_of(plan, today=today, periods=periods)
    cache.set(key, as_of.period.pk)
    return as_of


def _context(plan, as_of, **extra):
    kinds = {"ten_day": _("旬"), "month": _("月"), "quarter": _("季")}
    choices = [(kinds[p.kind], p) for p in as_of.periods if p.kind in kinds]
    lights = {key: _(label) for key, label in schedule.LIGHT_LABELS.items()}
    return {"plan": plan, "as_of": as_of, "period_choices": choices, "light_labels": lights, **extra}


def page_body(name, plan, as_of, build, *vary, battle_ids=None):
    """The judged part of a dashboard page (`dashboards/_<name>_body.html` rendered with `build()`'s
    context), kept in the "dashboards" cache under the plan's figures token, the as-of period, the
    language and `vary`. Every write that changes the plan's figures gives it a new token in its
    transaction (targets/changes.py), so a kept page is never older than the data a request reads;
    the body holds nothing that depends on the user beyond `vary`.

    A page that shows the figures of some battles alone (a battle, a target or a task of it, a
    department's page) names them: it is kept under those battles' tokens instead, which a report
    in another battle leaves as they are."""
    if battle_ids is None:
        token = plan.figures_token
    else:
        token = "b" + ",".join(f"{pk}:{plan.battle_token(pk)}" for pk in sorted(battle_ids))
    key = ":".join(str(part) for part in ("dash", name, plan.pk, token, as_of.period.pk, get_language(), *vary))
    cache = caches["dashboards"]
    body = cache.get(key)
    if body is None:
        body = render_to_string(f"dashboards/_{name}_body.html", build())
        cache.set(key, body)
    return mark_safe(body)  # rendered by our own template, escaped there


def kept_status(plan, as_of, battles):
    """`battles` judged as of `as_of` with their forecasts: (PlanStatus, PlanForecasts) as
    plan_status and plan_forecasts give them. Each battle's part is kept in the "dashboards" cache
    under its battle token (Plan.battle_tokens), which a report or summary of one of its tasks
    renews (targets/changes.py battle_figures_changed) and every other change of the plan renews
    with the rest: after a submission only its own battle is judged again. The battles not kept are
    judged together (a fixed number of queries, not one set per battle)."""
    cache = caches["dashboards"]
    language = get_language()
    keys = {
        b.pk: ":".join(
            str(part) for part in ("dash-battle", plan.pk, b.pk, plan.battle_token(b.pk), as_of.period.pk, language)
        )
        for b in battles
    }
    parts = cache.get_many(list(keys.values()))
    missing = [b for b in battles if keys[b.pk] not in parts]
    if missing:
        status = plan_status(plan, as_of, battles=missing)
        forecasts = plan_forecasts(status)
        judged = {keys[b.battle.pk]: (b, forecasts.of_battle(b)) for b in status.battles}
        cache.set_many(judged)
        parts.update(judged)
    statuses, forecasts = zip(*(parts[keys[b.pk]] for b in battles), strict=True)
    return (
        PlanStatus.of_battles(plan, as_of, Rules.from_plan(plan), list(statuses)),
        PlanForecasts.merged(forecasts),
    )


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
    show_all = request.GET.get("all") == "1"
    # Offices see the departments that have not reported; leaders and admins may open their pages.
    link_departments = request.user.reads_everything
    # An office reads every battle's figures here but opens only its own battles' pages (and their
    # targets and tasks): other battles are named without a link, never a link that answers 404.
    # None: every battle opens (leaders and admins).
    open_battles = None if request.user.reads_everything else request.user.office_battle_ids()

    def build():
        status, forecasts = kept_status(plan, as_of, plan_battles(plan))
        missing = status.missing_departments
        return _context(
            plan,
            as_of,
            status=status,
            forecasts=forecasts,
            at_risk_shown=AT_RISK_SHOWN,
            at_risk_more=max(len(forecasts.at_risk) - AT_RISK_SHOWN, 0),
            show_all=show_all,
            missing_shown=missing if show_all else missing[:MISSING_SHOWN],
            missing_more=0 if show_all else max(len(missing) - MISSING_SHOWN, 0),
            link_departments=link_departments,
            open_battles=open_battles,
        )

    opened = "all" if open_battles is None else ",".join(str(pk) for pk in sorted(open_battles))
    body = page_body("overview", plan, as_of, build, show_all, link_departments, opened)
    return render(request, "dashboards/overview.html", {"plan": plan, "body": body})


@login_required
def battle(request, code, number):
    battle = battle_for_user(request.user, code, number)
    plan = battle.plan
    as_of = _as_of(request, plan)
    # ?light=red (from the overview's red list): the task table shows only tasks with that light.
    # An unknown light is a filter to ignore, not an error: the whole table is shown.
    light = request.GET.get("light")
    if light not in schedule.LIGHT_LABELS:
        light = None

    def build():
        status, forecasts = kept_status(plan, as_of, [battle])
        battle_status = status.battles[0]
        tasks = battle_status.tasks
        if light:
            tasks = [t for t in tasks if t.judgement.light == light]
        return _context(
            plan,
            as_of,
            battle=battle,
            b=battle_status,
            status=status,
            tasks=tasks,
            light=light,
            forecasts=forecasts,
        )

    body = page_body("battle", plan, as_of, build, light, battle_ids=[battle.pk])
    return render(request, "dashboards/battle.html", {"plan": plan, "battle": battle, "body": body})


@login_required
def department(request, code, pk):
    plan = get_object_or_404(Plan, code=code)
    dept = department_for_user(request.user, pk)
    as_of = _as_of(request, plan)

    def build():
        return _context(plan, as_of, department=dept, d=department_status(plan, dept, as_of))

    body = page_body("department", plan, as_of, build, dept.pk, battle_ids=department_battles(plan, dept))
    return render(request, "dashboards/department.html", {"plan": plan, "department": dept, "body": body})


@login_required
def target(request, pk):
    target = target_for_user(request.user, pk)
    plan = target.battle.plan
    as_of = _as_of(request, plan)
    # Staff of a responsible department read the target but not its battle's page: no link to it.
    battle_open = battle_opens(request.user, target.battle_id)

    def build():
        series = target_series(target, as_of)
        forecast = target_forecast(target, as_of, [p.point for p in series.points], Rules.from_plan(plan))
        return _context(
            plan,
            as_of,
            battle_open=battle_open,
            target=target,
            series=series,
            chart=target_chart(target, series, forecast),
            forecast=forecast,
            history=target_history(target),
        )

    body = page_body("target", plan, as_of, build, target.pk, battle_open, battle_ids=[target.battle_id])
    return render(request, "dashboards/target.html", {"plan": plan, "target": target, "body": body})


def target_chart(target, series, forecast):
    """The target page's chart: the figures so far, the 序时 line (cumulative amounts), the year's
    target as a line, and the forecast's year-end projection with its interval."""
    labels = [p.point.label for p in series.points]
    if not labels:
        return ""
    end = len(labels)  # x index of the year-end projection
    year_end = _("年末预计")
    projection = None
    if target.kind in {"growth_rate", "decrease"}:
        actual = [p.point.cumulative_growth for p in series.points]
        goal = (-target.value if target.kind == "decrease" else target.value) if target.value is not None else None
        lines = [(_("累计增速"), "actual", actual)]
        unit = "%"
        if forecast is not None and forecast.kind == "rate":
            projection = (year_end, end - 1, end, forecast.projected, forecast.low, forecast.high)
    elif target.kind in {"cumulative", "approximate"} and target.value and series.judgement.completion_pct is not None:
        actual = [p.judgement.completion_pct for p in series.points]
        sched = [p.schedule_pct for p in series.points] + [Decimal(100)]
        lines = [(_("完成率"), "actual", actual + [None]), (_("序时进度"), "schedule", sched)]
        goal, unit = Decimal(100), "%"
        if forecast is not None and forecast.kind == "amount":
            scale = Decimal(100) / target.value
            projection = (
                year_end,
                end - 1,
                end,
                forecast.projected * scale,
                forecast.low * scale,
                forecast.high * scale,
            )
    else:
        actual = [p.judgement.latest_value for p in series.points]
        goal, unit = target.value, target.unit
        lines = [(_("实际值"), "actual", actual)]
        if forecast is not None and forecast.kind == "rate":
            projection = (year_end, end - 1, end, forecast.projected, forecast.low, forecast.high)
    xs = [month_of(p.point) for p in series.points]
    if projection is not None or len(lines[0][2]) > len(labels):
        labels = labels + [_("年末")]
        xs.append(12)
        lines = [(name, css, list(values) + [None] * (len(labels) - len(values))) for name, css, values in lines]
    return line_chart(
        labels,
        lines,
        unit,
        target.name,
        target=(_("年度目标"), goal) if goal is not None else None,
        projection=projection,
        xs=xs,
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

    def build():
        return _context(plan, as_of, target=target, rows=area_ranking(target, as_of))

    body = page_body("area", plan, as_of, build, target.pk, battle_ids=[target.battle_id])
    return render(request, "dashboards/area.html", {"plan": plan, "target": target, "body": body})


@login_required
def task(request, pk):
    task = task_for_user(request.user, pk)
    plan = task.section.battle.plan
    as_of = _as_of(request, plan)

    # Staff of the task's departments read the task but not its battle's page: no link to it.
    battle_open = battle_opens(request.user, task.section.battle_id)

    def build():
        status = task_status(task, as_of)
        return _context(
            plan,
            as_of,
            battle_open=battle_open,
            task=task,
            t=status,
            metric_forecasts=task_metric_forecasts(status, as_of),
        )

    body = page_body("task", plan, as_of, build, task.pk, battle_open, battle_ids=[task.section.battle_id])
    # The reports listed are those this user may read (tasks.access.readable_reports): never kept.
    # The latest few 旬 unless asked for all: a year of reports is the task's own page's to list.
    every = request.GET.get("reports") == "all"
    history = task_history(task, as_of, request.user, last=None if every else REPORT_PERIODS_SHOWN)
    return render(
        request,
        "dashboards/task.html",
        {
            "plan": plan,
            "task": task,
            "as_of": as_of,
            "body": body,
            "history": history,
            "all_reports": every,
            "earlier_reports": not every and as_of.ten_day > REPORT_PERIODS_SHOWN,
        },
    )


def as_of_url(name, *args, as_of=None):
    url = reverse(name, args=args)
    return f"{url}?as_of={as_of.query}" if as_of else url
