"""The staff home page as a to-do list: what needs action first, then what is done.

A department's reports fall into four groups, in this order on the page:

- returned: sent back for revision by the office, in any 旬 of the plan (these are the most
  urgent: someone is waiting for the corrected report);
- due: not yet submitted, the 旬's deadline is today or later;
- overdue: not yet submitted and the deadline has passed (only these are marked 已逾期);
- done: submitted or approved, in the home page's window of 旬;
- optional: a task the department only cooperates on (配合), whose report is not owed: only lead
  and responsible units report every 旬 (access.REPORTING_ROLES, as the dashboards, dispatch
  reports and reminders count), so it is listed once, for the current 旬, and never as overdue;
  a 旬 before the plan's publication (targets.periods.first_due_ten_day) owes nothing either.

Within a group, items are grouped by 旬 (newest first) and then by battle. Everything is read in
four queries whatever the number of tasks and 旬 (asserted in the tests). What each row shows (its
links, labels and days) is worked out here once per row, translated once per distinct text: a
department with 50 tasks has 200 rows, and the template then only prints them.
"""

from collections import OrderedDict
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from targets.models import Battle, Period
from targets.periods import first_due_ten_day
from tasks import access
from tasks.models import ProgressReport, Responsibility, Task

RETURNED, DUE, OVERDUE, DONE, OPTIONAL = "returned", "due", "overdue", "done", "optional"
GROUPS = (
    (RETURNED, gettext_lazy("被退回，待修改")),
    (DUE, gettext_lazy("待报送（未到截止日）")),
    (OVERDUE, gettext_lazy("已逾期未报")),
    (DONE, gettext_lazy("已提交、已通过")),
    (OPTIONAL, gettext_lazy("配合的任务（不要求每旬报送）")),
)
# Groups that ask nothing of the department: collapsed, and left out of the counts at the top.
QUIET_GROUPS = (DONE, OPTIONAL)
DONE_STATUSES = (ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED)


@dataclass
class TodoItem:
    period: Period
    task: Task
    role: str | None
    report: ProgressReport | None
    group: str
    today: object

    @property
    def status_key(self):
        return self.report.status if self.report else "missing"

    @property
    def status_label(self):
        return self.report.get_status_display() if self.report else _("未填报")

    @property
    def days_overdue(self):
        return (self.today - self.period.deadline).days if self.group == OVERDUE else 0

    @property
    def days_left(self):
        return (self.period.deadline - self.today).days if self.group == DUE else None


class RowLabels:
    """What the rows show, each text translated and each task's link reversed once per page."""

    def __init__(self):
        self.roles = {Responsibility.Role.LEAD: _("牵头"), Responsibility.Role.RESPONSIBLE: _("负责")}
        self.cooperating = _("配合")
        self.view, self.resubmit = _("查看"), _("修改后重新提交")
        self.go_on, self.enter = _("继续填报"), _("填报")
        self.statuses, self.days, self.tasks = {}, {}, {}

    def when(self, item):
        """(text, CSS class) of the days overdue or left, or ("", "")."""
        if item.group not in (OVERDUE, DUE):
            return "", ""
        n = item.days_overdue if item.group == OVERDUE else item.days_left
        key = (item.group, n)
        if key not in self.days:
            if item.group == OVERDUE:
                self.days[key] = (ngettext("已逾期 %(n)s 天", "已逾期 %(n)s 天", n) % {"n": n}, "overdue")
            elif n == 0:
                self.days[key] = (_("今天截止"), "muted")
            else:
                self.days[key] = (ngettext("还剩 %(n)s 天", "还剩 %(n)s 天", n) % {"n": n}, "muted")
        return self.days[key]

    def row(self, item):
        """What the item's row shows, as a dict (the template reads a dict's keys fastest)."""
        task = item.task
        if task.pk not in self.tasks:
            self.tasks[task.pk] = (reverse("tasks:task_detail", args=[task.pk]), f"{task.section.label}{task}")
        if item.status_key not in self.statuses:
            self.statuses[item.status_key] = item.status_label
        when, when_class = self.when(item)
        if item.group == DONE:
            action_url = reverse("tasks:report_detail", args=[item.report.pk])
            action_class, action_label = "button", self.view
        else:
            action_url = reverse("tasks:report_edit", args=[task.pk, item.period.pk])
            action_class = "button" if item.group == OPTIONAL else "button primary"
            if item.group == RETURNED:
                action_label = self.resubmit
            else:
                action_label = self.go_on if item.report else self.enter
        return {
            "group": item.group,
            "task_url": self.tasks[task.pk][0],
            "task_label": self.tasks[task.pk][1],
            "role": self.roles.get(item.role, self.cooperating),
            "reason": item.report.return_reason if item.group == RETURNED and item.report else "",
            "status_key": item.status_key,
            "status": self.statuses[item.status_key],
            "when": when,
            "when_class": when_class,
            "action_url": action_url,
            "action_class": action_class,
            "action_label": action_label,
        }


@dataclass
class BattleGroup:
    battle: Battle
    items: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # what the page shows of each item (RowLabels.row)


@dataclass
class PeriodGroup:
    period: Period
    battles: "OrderedDict[int, BattleGroup]" = field(default_factory=OrderedDict)

    @property
    def battle_groups(self):
        return list(self.battles.values())


@dataclass
class Group:
    key: str
    title: str
    count: int = 0
    total: int = 0
    periods: "OrderedDict[int, PeriodGroup]" = field(default_factory=OrderedDict)

    @property
    def period_groups(self):
        return list(self.periods.values())

    @property
    def quiet(self):
        return self.key in QUIET_GROUPS


def _classify(report, period, today, owed):
    if report is not None and report.status == ProgressReport.Status.RETURNED:
        return RETURNED
    if report is not None and report.status in DONE_STATUSES:
        return DONE
    if not owed:
        return OPTIONAL
    return DUE if period.deadline >= today else OVERDUE


def parse_choice(raw, allowed):
    """A filter value from the query string, or None if it is not one of `allowed` (never int())."""
    raw = (raw or "").strip()
    return raw if raw in allowed else None


@dataclass
class TodoList:
    groups: list
    battles: list
    periods: list
    total: int
    shown: int
    filters: dict

    @property
    def first_action(self):
        """The group the page should open at: the first one that has something to do."""
        return next((g for g in self.groups if g.key not in QUIET_GROUPS and g.count), None)


def department_todo(department_id, plan, periods, today, params):
    """The to-do list of one department for the home page; `params` is request.GET."""
    responsibilities = list(
        Responsibility.objects.filter(department_id=department_id, section__battle__plan=plan).only(
            "task_id", "section_id", "role"
        )
    )
    tasks = list(
        Task.objects.filter(access.department_task_filter(department_id, responsibilities), section__battle__plan=plan)
        .select_related("section__battle")
        .order_by("section__battle__number", "section__number", "number")
    )
    window_ids = [p.pk for p in periods]
    # The window's reports and every returned report of the plan, whatever its 旬: a report sent
    # back in March must not drop off the list because the window moved on.
    reports = list(
        ProgressReport.objects.filter(department_id=department_id, task__section__battle__plan=plan)
        .filter(Q(period_id__in=window_ids) | Q(status=ProgressReport.Status.RETURNED))
        .select_related("period")
        .only("id", "task_id", "period", "status", "updated_at", "return_reason", "reviewed_at")
    )
    by_key = {(r.task_id, r.period_id): r for r in reports}
    roles = {}
    for task in tasks:
        found = [
            r.role
            for r in responsibilities
            if r.task_id == task.pk or (r.task_id is None and r.section_id == task.section_id)
        ]
        roles[task.pk] = min(found, key=access.ROLE_RANK.get) if found else None
    task_by_id = {t.pk: t for t in tasks}

    first_due = first_due_ten_day(plan)
    current_id = periods[0].pk if periods else None
    items = []
    for report in reports:
        if report.status == ProgressReport.Status.RETURNED and report.period_id not in window_ids:
            task = task_by_id.get(report.task_id)
            if task is not None:
                items.append(TodoItem(report.period, task, roles[task.pk], report, RETURNED, today))
    for period in periods:
        for task in tasks:
            report = by_key.get((task.pk, period.pk))
            owed = roles[task.pk] in access.REPORTING_ROLES and period.number >= first_due
            if not owed and report is None and (period.pk != current_id or period.number < first_due):
                # Not owed and not begun: offered once, for the current 旬 only.
                continue
            group = _classify(report, period, today, owed)
            items.append(TodoItem(period, task, roles[task.pk], report, group, today))

    battles = list({t.section.battle.pk: t.section.battle for t in tasks}.values())
    period_choices = sorted({i.period.pk: i.period for i in items}.values(), key=lambda p: -p.number)
    battle = parse_choice(params.get("battle"), {str(b.number) for b in battles})
    period = parse_choice(params.get("period"), {str(p.number) for p in period_choices})
    status = parse_choice(params.get("status"), {key for key, _title in GROUPS})
    shown = [
        i
        for i in items
        if (battle is None or str(i.task.section.battle.number) == battle)
        and (period is None or str(i.period.number) == period)
        and (status is None or i.group == status)
    ]
    groups = {key: Group(key, str(title)) for key, title in GROUPS}
    shown.sort(key=lambda i: (-i.period.number, i.task.section.battle.number, i.task.section.number, i.task.number))
    labels = RowLabels()
    for item in shown:
        group = groups[item.group]
        group.count += 1
        period_group = group.periods.setdefault(item.period.pk, PeriodGroup(item.period))
        item_battle = item.task.section.battle
        battle_group = period_group.battles.setdefault(item_battle.pk, BattleGroup(item_battle))
        battle_group.items.append(item)
        battle_group.rows.append(labels.row(item))
    counts = {key: sum(1 for i in items if i.group == key) for key, _title in GROUPS}
    for group in groups.values():
        group.total = counts[group.key]
    return TodoList(
        groups=list(groups.values()),
        battles=battles,
        periods=period_choices,
        total=len(items),
        shown=len(shown),
        filters={"battle": battle or "", "period": period or "", "status": status or ""},
    )
