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

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import caches
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from reporting.charts import line_chart
from reporting.forecasts import PlanForecasts, plan_forecasts, risk_order, target_forecast, task_metric_forecasts
from reporting.status import (
    MISSING_SHOWN,
    BadAsOf,
    PlanStatus,
    Rate,
    area_ranking,
    department_judgements,
    department_share,
    on_time_counts,
    plan_battles,
    plan_status,
    resolve_as_of,
    target_series,
    task_history,
    task_history_rows,
    task_status,
)
from sixbattles.history import HistoryRow, history_rows
from sixbattles.params import query_period
from targets import schedule
from targets.access import target_for_user
from targets.forecast import month_of
from targets.models import Battle, Department, HistoricalTarget_departments, Period, Plan, Target
from targets.periods import first_due_ten_day
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
    # order_by(): Responsibility's default ordering would put an ORDER BY inside the UNION, which
    # SQLite refuses.
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
    # Without their models' default ordering: SQLite refuses ORDER BY inside a UNION's parts.
    return set(tasks.order_by().union(targets.order_by()))


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
    lights = {key: _(label) for key, label in schedule.LIGHT_LABELS.items()}
    return {"plan": plan, "as_of": as_of, "as_of_form": as_of_form(plan, as_of), "light_labels": lights, **extra}


def as_of_form(plan, as_of):
    """The as-of selector every dashboard shows, rendered: its fifty-odd period names cost as much
    to render as a battle's figures, and they change only with the plan's definitions. Kept under
    the token every change to the plan, its periods included, renews (Plan.battle_tokens["*"]),
    the as-of period and the language."""
    key = ":".join(
        str(part) for part in ("dash-as-of", plan.pk, plan.battle_tokens.get("*", ""), as_of.period.pk, get_language())
    )
    cache = caches["dashboards"]
    html = cache.get(key)
    if html is None:
        kinds = {"ten_day": _("旬"), "month": _("月"), "quarter": _("季")}
        choices = [(kinds[p.kind], p) for p in as_of.periods if p.kind in kinds]
        html = render_to_string("dashboards/_as_of.html", {"as_of": as_of, "period_choices": choices})
        cache.set(key, html)
    return mark_safe(html)  # rendered by our own template, escaped there


def page_body(name, plan, as_of, build, *vary, battle_ids=None, readings_only=False, task=None):
    """The judged part of a dashboard page (`dashboards/_<name>_body.html` rendered with `build()`'s
    context), kept in the "dashboards" cache under the plan's figures token, the as-of period, the
    language and `vary`. Every write that changes the plan's figures gives it a new token in its
    transaction (targets/changes.py), so a kept page is never older than the data a request reads;
    the body holds nothing that depends on the user beyond `vary`.

    A page that shows the figures of some battles alone (a battle, a target or a task of it, a
    department's page) names them: it is kept under those battles' tokens instead, which a report
    in another battle leaves as they are. A page that reads no report at all (a target's, its
    counties') is kept under the token of the plan's definitions and readings (battle_tokens["*"],
    renewed by every change but a report's), which no report renews; a task's page under that
    token and the task's own (Task.figures_token), which only its own reports renew."""
    if readings_only or task is not None:
        token = "d" + plan.battle_tokens.get("*", "")
        if task is not None:
            token += ":t" + task.figures_token
    elif battle_ids is None:
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


def _battle_key(plan, as_of, battle_id):
    parts = ("dash-battle", plan.pk, battle_id, plan.battle_token(battle_id), as_of.period.pk, get_language())
    return ":".join(str(part) for part in parts)


def kept_status(plan, as_of, battles):
    """`battles` judged as of `as_of` with their forecasts: (PlanStatus, PlanForecasts) as
    plan_status and plan_forecasts give them. Each battle's part is kept in the "dashboards" cache
    under its battle token (Plan.battle_tokens), which a report or summary of one of its tasks
    renews (targets/changes.py battle_figures_changed) and every other change of the plan renews
    with the rest: after a submission only its own battle is judged again. The battles not kept are
    judged together (a fixed number of queries, not one set per battle)."""
    cache = caches["dashboards"]
    keys = {b.pk: _battle_key(plan, as_of, b.pk) for b in battles}
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


@dataclass
class AtRiskRow:
    """One 年末预警 row as the table shows it (reporting.forecasts.RiskItem, rendered to text)."""

    order: tuple  # forecasts.risk_order: 难完成 first
    kind: str
    verdict: str
    verdict_label: str
    name: str
    url: str  # "" when the reader does not open the item's battle
    target: object
    unit: str
    sentence: str
    departments: list


def at_risk_rows(items, as_of, opened=True):
    """RiskItems as AtRiskRows; `opened`: whether the reader opens their battle (links or names)."""
    rows = []
    for item in items:
        f = item.forecast
        url = ""
        if opened:
            if item.kind == "target":
                url = reverse("dash:target", args=[item.target_status.target.pk])
            else:
                url = reverse("dash:task", args=[item.task_status.task.pk])
            url = f"{url}?as_of={as_of.query}"
        rows.append(
            AtRiskRow(
                risk_order(item),
                item.kind,
                f.verdict,
                str(f.verdict_label),
                item.name,
                url,
                f.target,
                f.unit,
                f.sentence(),
                item.departments,
            )
        )
    return rows


@dataclass
class MissingRow:
    """A department's reports owed for the as-of 旬 in some battles (the overview's 未报送 list)."""

    department_id: int
    name: str
    expected: int
    reported: int
    tasks: list  # "一1.标题" of the tasks it has not reported on


@dataclass
class OverviewPart:
    """One battle's part of the overview: its card and red group rendered, its at-risk rows (the
    first AT_RISK_SHOWN: the overview shows no more of all battles together) and its departments'
    reporting, all plain text and numbers, cheap to keep and to read back."""

    card: str
    red_group: str  # "" when nothing of the battle is red
    red_targets: int
    red_tasks: int
    at_risk: list  # AtRiskRow
    at_risk_count: int
    departments: list  # MissingRow of every accountable department, reported or not
    collectives_missing: int


def overview_parts(plan, as_of, battles, open_battles):
    """`battles`' OverviewParts, each kept in the "dashboards" cache under its battle token, the
    as-of period, the language and whether the reader opens the battle's page: after a report
    the overview judges and renders its one battle and reads the others' parts back, instead of
    their whole judged figures. The battles not kept come from kept_status."""
    cache = caches["dashboards"]
    language = get_language()

    def opened(pk):
        return open_battles is None or pk in open_battles

    keys = {
        b.pk: ":".join(
            str(part)
            for part in (
                "dash-overview-battle",
                plan.pk,
                b.pk,
                plan.battle_token(b.pk),
                as_of.period.pk,
                language,
                opened(b.pk),
            )
        )
        for b in battles
    }
    parts = cache.get_many(list(keys.values()))
    missing = [b for b in battles if keys[b.pk] not in parts]
    if missing:
        status, forecasts = kept_status(plan, as_of, missing)
        groups = {g.battle.pk: g for g in status.red_by_battle}
        counts = forecasts.counts
        made = {}
        for b in status.battles:
            pk = b.battle.pk
            made[keys[pk]] = _overview_part(
                plan, as_of, b, groups.get(pk), counts.get(pk), forecasts.at_risk_in(pk), opened(pk)
            )
        cache.set_many(made)
        parts.update(made)
    return [parts[keys[b.pk]] for b in battles]


def _overview_part(plan, as_of, b, group, forecast_counts, at_risk, opened):
    context = {"plan": plan, "as_of": as_of, "b": b, "g": group, "opened": opened, "forecast_counts": forecast_counts}
    return OverviewPart(
        card=render_to_string("dashboards/_overview_card.html", context),
        red_group=render_to_string("dashboards/_overview_red_group.html", context) if group else "",
        red_targets=sum(1 for t in b.targets if t.judgement.light == schedule.RED),
        red_tasks=sum(1 for t in b.tasks if t.judgement.light == schedule.RED),
        at_risk=at_risk_rows(at_risk[:AT_RISK_SHOWN], as_of, opened),
        at_risk_count=len(at_risk),
        departments=[
            MissingRow(
                row.department.pk,
                row.department.name,
                row.rate.expected,
                row.rate.reported,
                [f"{t.section.label}{t.number}.{t.title}" for t in row.missing_tasks],
            )
            for row in b.departments.values()
            if not row.department.is_collective
        ],
        collectives_missing=b.collectives_missing,
    )


@dataclass
class DepartmentPart:
    """A department's share of one battle (status.department_share), its table rows rendered. Every
    department's parts of a battle are kept together in the "dashboards" cache under the battle's
    token (battle_department_parts), so that after a report a department's page renders nothing
    and reads its parts back, the report's battle's rendered once for every department."""

    number: int  # the battle's, to order the parts
    target_rows: str  # the 序号 cells left as SEQ, numbered across battles by _numbered
    task_rows: str
    owed: int  # tasks it must report on
    reported: int  # of those, reported for the as-of 旬
    on_time: int  # its reports on those tasks due up to the as-of 旬 first submitted by the deadline


@dataclass
class DepartmentPage:
    on_time: Rate
    current: Rate
    target_rows: str
    task_rows: str


SEQ = "<!--seq-->"


def _numbered(rows):
    """Number the target rows put together from several battles' parts: 1, 2, 3 … in order."""
    numbers = iter(range(1, rows.count(SEQ) + 1))
    return re.sub(re.escape(SEQ), lambda _: str(next(numbers)), rows)


def _rows_by_id(html, kind):
    """Rows rendered together (`_task_rows.html`, `_indicator_rows.html`), each starting with
    `<tr data-<kind>="<id>"`, as id → that row's markup and a newline (in their order)."""
    starts = [(m.start(), int(m.group(1))) for m in re.finditer(rf'<tr data-{kind}="(\d+)"', html)]
    ends = [start for start, _ in starts[1:]] + [len(html)] * bool(starts)
    return {pk: html[start:end].rstrip() + "\n" for (start, pk), end in zip(starts, ends, strict=True)}


def _department_parts(tasks, targets, number, departments, as_of, first_due):
    """Department id → its DepartmentPart of judged `tasks` and `targets` (battle `number`'s) for
    each of `departments`: the rows rendered once and picked per department (one query: the
    on-time counts)."""
    on_time = on_time_counts(tasks, as_of, first_due)
    context = {"as_of": as_of, "targets": targets, "tasks": tasks, "seq": True}
    target_rows = _rows_by_id(render_to_string("dashboards/_indicator_rows.html", context), "target")
    task_rows = _rows_by_id(render_to_string("dashboards/_task_rows.html", context), "task")
    parts = {}
    for department in departments:
        share = department_share(department, tasks, targets)
        parts[department.pk] = DepartmentPart(
            number,
            "".join(target_rows[t.target.pk] for t in share.targets),
            "".join(task_rows[t.task.pk] for t in share.tasks),
            share.owed,
            share.reported,
            on_time.get(department.pk, 0),
        )
    return parts


def _battle_departments(battle_status):
    """Every department that leads or reports on one of the battle's tasks or answers for one of its targets."""
    departments = {d.pk: d for t in battle_status.tasks for d in t.reporters + t.leads}
    departments.update((d.pk, d) for t in battle_status.targets for d in t.departments)
    return departments.values()


def _department_rows_keys(plan, as_of, battle_ids):
    language = get_language()
    return {
        pk: ":".join(
            str(part)
            for part in ("dash-department-rows", plan.pk, pk, plan.battle_token(pk), as_of.period.pk, language)
        )
        for pk in battle_ids
    }


def battle_department_parts(plan, as_of, battle_ids):
    """Battle id → {department id → DepartmentPart} of `battle_ids`, each battle's kept under its
    token; the battles not kept are judged together (kept_status, shared with the overview and
    the battle pages)."""
    cache = caches["dashboards"]
    keys = _department_rows_keys(plan, as_of, battle_ids)
    parts = cache.get_many(list(keys.values()))
    missing = [pk for pk in battle_ids if keys[pk] not in parts]
    if missing:
        status, _ = kept_status(plan, as_of, [b for b in plan_battles(plan) if b.pk in missing])
        first_due = first_due_ten_day(plan)
        made = {
            keys[b.battle.pk]: _department_parts(
                b.tasks, b.targets, b.battle.number, _battle_departments(b), as_of, first_due
            )
            for b in status.battles
        }
        cache.set_many(made)
        parts.update(made)
    return {pk: parts[keys[pk]] for pk in battle_ids}


def department_parts(plan, as_of, department, battle_ids):
    """`department`'s DepartmentParts of `battle_ids` in battle order, if every one of those battles'
    is kept (the worker keeps them after a report); else None: judging whole battles in a reader's
    request costs more than judging the department's own tasks (department_page)."""
    keys = _department_rows_keys(plan, as_of, battle_ids)
    parts = caches["dashboards"].get_many(list(keys.values()))
    if len(parts) < len(keys):
        return None
    return sorted((p[department.pk] for p in parts.values() if department.pk in p), key=attrgetter("number"))


def department_page(plan, as_of, department, battle_ids):
    """A department's page: its tasks and targets across battles, its on-time and current rates,
    from its battles' kept rows, or else judged from its own tasks and targets alone. Both ways
    render the same rows."""
    first_due = first_due_ten_day(plan)
    due = max(as_of.ten_day - first_due + 1, 0)
    parts = department_parts(plan, as_of, department, battle_ids)
    if parts is None:
        tasks, targets = department_judgements(plan, department, as_of)
        parts = [_department_parts(tasks, targets, 0, [department], as_of, first_due)[department.pk]]
    owed = sum(part.owed for part in parts)
    return DepartmentPage(
        on_time=Rate(expected=owed * due, reported=sum(part.on_time for part in parts)),
        current=Rate(expected=owed, reported=sum(part.reported for part in parts)),
        target_rows=mark_safe(_numbered("".join(part.target_rows for part in parts))),  # our own templates
        task_rows=mark_safe("".join(part.task_rows for part in parts)),
    )


def _missing_departments(parts):
    """The departments with reports still owed for the as-of 旬 across the parts' battles, most
    missing first (as PlanStatus.missing_departments)."""
    merged = {}
    for part in parts:
        for row in part.departments:
            into = merged.setdefault(row.department_id, MissingRow(row.department_id, row.name, 0, 0, []))
            into.expected += row.expected
            into.reported += row.reported
            into.tasks.extend(row.tasks)
    rows = [r for r in merged.values() if r.reported < r.expected]
    return sorted(rows, key=lambda r: (-(r.expected - r.reported), r.name))


def overview_body(plan, as_of, show_all, link_departments, open_battles):
    """The overview's judged body. `link_departments`: the departments still to report link to
    their pages (leaders and admins); `open_battles`: the battles whose pages the reader opens
    (None: every one; an office: its own)."""

    def build():
        battles = plan_battles(plan)
        parts = overview_parts(plan, as_of, battles, open_battles)
        at_risk = sorted((row for part in parts for row in part.at_risk), key=attrgetter("order"))
        at_risk_count = sum(part.at_risk_count for part in parts)
        missing = _missing_departments(parts)
        return _context(
            plan,
            as_of,
            battles=battles,
            cards=[mark_safe(part.card) for part in parts],  # rendered by our own templates
            red_groups=[mark_safe(part.red_group) for part in parts if part.red_group],
            red_targets=sum(part.red_targets for part in parts),
            red_tasks=sum(part.red_tasks for part in parts),
            at_risk=at_risk[:AT_RISK_SHOWN],
            at_risk_count=at_risk_count,
            at_risk_more=max(at_risk_count - AT_RISK_SHOWN, 0),
            missing=missing,
            collectives_missing=sum(part.collectives_missing for part in parts),
            show_all=show_all,
            missing_shown=missing if show_all else missing[:MISSING_SHOWN],
            missing_more=0 if show_all else max(len(missing) - MISSING_SHOWN, 0),
            link_departments=link_departments,
            open_battles=open_battles,
        )

    opened = "all" if open_battles is None else ",".join(str(pk) for pk in sorted(open_battles))
    return page_body("overview", plan, as_of, build, show_all, link_departments, opened)


def battle_body(plan, battle, as_of, light):
    """A battle page's judged body; `light`: its task table shows only the tasks of that light."""

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
            at_risk=at_risk_rows(forecasts.at_risk, as_of),
        )

    return page_body("battle", plan, as_of, build, light, battle_ids=[battle.pk])


def warm(plan_id):
    """Judge and render again, as of the period pages open on and in the default language, what a
    write left unkept of `plan`'s dashboards: each renewed battle's judged figures, its overview
    parts (for readers who open its page and for those who do not), the leaders' overview, its
    battle page and its rows of every department's page. The worker runs it after each report
    (targets.changes.battles_renewed), so that the reader who comes next finds them kept instead of
    judging the battle in the request (an office's overview and a department's page are then put
    together from kept parts); what is kept already costs a cache read. The cache is shared by
    the web processes and the worker (settings.CACHES)."""
    plan = Plan.objects.filter(pk=plan_id).first()
    if plan is None:
        return
    with translation.override(settings.LANGUAGE_CODE):
        as_of = _default_as_of(plan)
        battles = plan_battles(plan)
        cache = caches["dashboards"]
        overview_body(plan, as_of, False, True, None)  # leaders: judges what is not kept
        overview_parts(plan, as_of, battles, frozenset())  # the parts of battles an office does not open
        for battle in battles:
            battle_body(plan, battle, as_of, None)
        # Each battle's rows of the page of every department that leads or reports on one of its
        # tasks or answers for one of its targets, where not kept (the renewed battles', and any
        # other's a department page has not needed yet: it needs all of its battles').
        rows = _department_rows_keys(plan, as_of, [b.pk for b in battles])
        battle_department_parts(plan, as_of, [pk for pk, key in rows.items() if not cache.has_key(key)])


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
    body = overview_body(plan, as_of, show_all, link_departments, open_battles)
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
    body = battle_body(plan, battle, as_of, light)
    return render(request, "dashboards/battle.html", {"plan": plan, "battle": battle, "body": body})


@login_required
def department(request, code, pk):
    plan = get_object_or_404(Plan, code=code)
    dept = department_for_user(request.user, pk)
    as_of = _as_of(request, plan)
    battle_ids = department_battles(plan, dept)

    def build():
        return _context(plan, as_of, department=dept, d=department_page(plan, as_of, dept, battle_ids))

    body = page_body("department", plan, as_of, build, dept.pk, battle_ids=battle_ids)
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

    body = page_body("target", plan, as_of, build, target.pk, battle_open, readings_only=True)
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

    body = page_body("area", plan, as_of, build, target.pk, readings_only=True)
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

    body = page_body("task", plan, as_of, build, task.pk, battle_open, task=task)
    every = request.GET.get("reports") == "all"
    reports = task_reports(request.user, task, plan, as_of, every)
    return render(
        request, "dashboards/task.html", {"plan": plan, "task": task, "as_of": as_of, "body": body, "reports": reports}
    )


def task_reports(user, task, plan, as_of, every):
    """The task page's reports, rendered: those `user` may read (tasks.access.readable_reports, never
    another department's draft or returned report), the latest few 旬 unless `every` (a year of
    reports is the task's own page's to list). Kept in the "dashboards" cache under the task's
    token and the plan's definitions token, the as-of period, the language and the very reports
    the reader may read with their version and last change (status.task_history_rows, one query):
    readers who may read the same reports share it; any other reader, or a report written or
    reviewed (which renews the task's token too), gives another key. A renamed reviewer or
    department renews every token."""
    last = None if every else REPORT_PERIODS_SHOWN
    rows = task_history_rows(task, as_of, user, last=last)
    readable = hashlib.sha256(repr(rows).encode()).hexdigest()
    parts = ("dash-reports", plan.pk, task.pk, plan.battle_tokens.get("*", ""), task.figures_token, as_of.period.pk)
    key = ":".join(str(part) for part in (*parts, get_language(), every, readable))
    cache = caches["dashboards"]
    html = cache.get(key)
    if html is None:
        context = {
            "as_of": as_of,
            "history": task_history(task, as_of, user, last=last),
            "all_reports": every,
            "earlier_reports": not every and as_of.ten_day > REPORT_PERIODS_SHOWN,
        }
        html = render_to_string("dashboards/_task_reports.html", context)
        cache.set(key, html)
    return mark_safe(html)  # rendered by our own template, escaped there


def as_of_url(name, *args, as_of=None):
    url = reverse(name, args=args)
    return f"{url}?as_of={as_of.query}" if as_of else url
