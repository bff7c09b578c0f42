"""Who may see and change tasks, progress reports and their evidence files.

Every view, download and export goes through these helpers; an object the user may not see
answers 404 (never 403) so that another department cannot even learn that it exists.

- staff (填报): their own department's reports in every status, and on tasks their department leads
  the co-responsible departments' submitted or approved reports; write only while draft or returned;
- office (专班办公室): their own department's reports, and submitted or approved reports of tasks
  in their battles;
- leaders and admins: submitted or approved reports everywhere (admins see every row in the admin
  site, which is for corrections); nobody but the owning department's staff writes a report.

Other departments' drafts and returned reports are never shown, on any page (readable_reports).
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404

from accounts.models import User
from tasks.models import Attachment, ProgressReport, Responsibility, Task

WRITABLE_STATUSES = (ProgressReport.Status.DRAFT, ProgressReport.Status.RETURNED)


def _role(user):
    return getattr(user, "role", None)


SHARED_STATUSES = (ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED)


def readable_reports(user, reports=None, *, department_id=None):
    """The reports of `reports` (default: all) whose text the user may read; with department_id,
    only that department's (the user's own department's then need no further condition).

    The one rule for every page, download and export that shows a report's text (README:
    "Who reads which reports"): the owning department reads its reports in every status; anyone
    else only once they have been put forward (submitted or approved), and only within their
    scope — leaders and admins everywhere, an office its battles, staff the tasks their department
    leads (the co-responsible departments' contributions). Drafts stay with their department;
    a returned report is read by its department and by the office that reviews its battle (which
    returned it, and lists it under "已退回" until it comes back), no one else.
    """
    reports = ProgressReport.objects.all() if reports is None else reports
    if not user.is_authenticated:
        return reports.none()
    if department_id is not None:
        reports = reports.filter(department_id=department_id)
        if department_id == user.department_id:
            return reports  # the owning department reads its reports in every status
    own = Q(department_id=user.department_id) if user.department_id else Q(pk__in=[])
    shared = Q(status__in=SHARED_STATUSES)
    if user.reads_everything:
        return reports.filter(own | shared)
    if _role(user) == User.Role.OFFICE:
        reviewed = Q(status__in=(*SHARED_STATUSES, ProgressReport.Status.RETURNED))
        return reports.filter(own | (reviewed & Q(task__section__battle_id__in=user.office_battle_ids())))
    if user.department_id is None:
        return reports.none()
    return reports.filter(own | (shared & Q(task_id__in=led_tasks(user.department_id))))


def led_tasks(department_id):
    """Ids of the tasks a department leads (on the task or on its section), as a subquery."""
    led = Responsibility.objects.filter(department_id=department_id, role=Responsibility.Role.LEAD)
    return Task.objects.filter(
        Q(responsibilities__in=led.filter(task__isnull=False))
        | Q(section__responsibilities__in=led.filter(task__isnull=True))
    ).values("pk")


def reviewable_reports(user):
    """Submitted reports the user may approve or return: the office's battles; admins everywhere."""
    submitted = ProgressReport.objects.filter(status=ProgressReport.Status.SUBMITTED)
    if not user.is_authenticated:
        return submitted.none()
    if user.is_plan_admin:
        return submitted
    if _role(user) == User.Role.OFFICE:
        return submitted.filter(task__section__battle_id__in=user.office_battle_ids())
    return submitted.none()


def may_review(user, report):
    if user.is_plan_admin:
        return True
    return _role(user) == User.Role.OFFICE and report.task.section.battle_id in user.office_battle_ids()


def may_write(user, report):
    """Only the owning department's staff, and only while the report is a draft or returned."""
    return (
        _role(user) == User.Role.STAFF
        and user.department_id is not None
        and report.department_id == user.department_id
        and report.status in WRITABLE_STATUSES
    )


def may_withdraw(user, report):
    """The owning department's staff take back a submitted report until the office reviews it."""
    return (
        _role(user) == User.Role.STAFF
        and user.department_id is not None
        and report.department_id == user.department_id
        and report.status == ProgressReport.Status.SUBMITTED
    )


def report_for_user(user, pk, *, write=False):
    """The report `pk` if the user may read it (or write it, with write=True); otherwise 404."""
    try:
        report = (
            readable_reports(user)
            .select_related("task__section__battle__plan", "department", "period", "submitted_by", "reviewed_by")
            .get(pk=pk)
        )
    except (ProgressReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not may_write(user, report):
        raise Http404
    return report


def attachment_for_user(user, pk, *, write=False):
    """An evidence file the user may download; with write=True, one the user may remove. Otherwise 404.

    Download: the report is readable (readable_reports; this covers the co-responsible
    departments' contributions shown on the lead department's report page). Removal: only the
    owning department's staff while the report is a draft or returned (may_write), never once
    submitted.
    """
    scope = Q(report__in=readable_reports(user).values("pk"))
    try:
        attachment = Attachment.objects.select_related("report__task", "report__period").get(scope, pk=pk)
    except (Attachment.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
    if write and not may_write(user, attachment.report):
        raise Http404
    return attachment


def department_task_filter(department_id, held=None):
    """Tasks a department holds a responsibility on, stated on the task or on its section.

    Two subqueries rather than joins: joining the task's and the section's responsibilities
    multiplied the rows (and needed a DISTINCT over them), which made the staff home page's task
    query the slowest of the page. `held`: the department's Responsibility rows, already read by
    the caller (task_id and section_id), to name the tasks and sections by id instead."""
    if held is not None:
        return Q(pk__in={r.task_id for r in held if r.task_id is not None}) | Q(
            section_id__in={r.section_id for r in held if r.task_id is None}
        )
    held = Responsibility.objects.filter(department_id=department_id)
    return Q(pk__in=held.filter(task__isnull=False).values("task_id")) | Q(
        section_id__in=held.filter(task__isnull=True).values("section_id")
    )


def visible_tasks(user):
    tasks = Task.objects.all()
    if not user.is_authenticated:
        return tasks.none()
    if user.reads_everything:
        return tasks
    own = department_task_filter(user.department_id) if user.department_id else Q(pk__in=[])
    # No multi-valued join in these filters: each task comes once, without a DISTINCT.
    if _role(user) == User.Role.OFFICE:
        return tasks.filter(Q(section__battle_id__in=user.office_battle_ids()) | own)
    if user.department_id is None:
        return tasks.none()
    return tasks.filter(own)


def task_for_user(user, pk):
    """The task `pk` if the user may see its page; otherwise 404."""
    try:
        if (
            user.is_authenticated
            and _role(user) == User.Role.STAFF
            and user.department_id
            and not user.reads_everything
        ):
            # visible_tasks' rule for staff, asked of the one task: its department's role on it
            # (task- or section-level), which department_role keeps for the page's later checks.
            task = Task.objects.select_related("section__battle__plan").get(pk=pk)
            if department_role(task, user.department_id) is None:
                raise Http404
            return task
        return visible_tasks(user).select_related("section__battle__plan").get(pk=pk)
    except (Task.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


# The roles that owe a report every 旬; a cooperating (配合) unit may report but need not.
REPORTING_ROLES = (Responsibility.Role.LEAD, Responsibility.Role.RESPONSIBLE)
ROLE_RANK = {Responsibility.Role.LEAD: 0, Responsibility.Role.RESPONSIBLE: 1, Responsibility.Role.COOPERATING: 2}


def department_role(task, department_id):
    """The department's strongest role on the task (task-level or section-level), or None.

    Kept on the task object, which a view reads afresh for each request: the report form asks it
    for the access check and again for the page (is the department the lead?)."""
    known = task.__dict__.setdefault("_department_roles", {})
    if department_id not in known:
        roles = Responsibility.objects.filter(department_id=department_id, section_id=task.section_id).filter(
            Q(task=task) | Q(task__isnull=True)
        )
        found = sorted(roles.values_list("role", flat=True), key=ROLE_RANK.get)
        known[department_id] = found[0] if found else None
    return known[department_id]


def report_for_department(task, department_id, period, *, create=False):
    """The report of (task, department, period), made on demand; 404 without a responsibility.

    A department may only hold a report on a task it is responsible for (section-level
    responsibilities count for every task of the section), and only for ten-day periods of
    the task's own plan.
    """
    if period.kind != period.Kind.TEN_DAY or period.plan_id != task.section.battle.plan_id:
        raise Http404
    if department_role(task, department_id) is None:
        raise Http404
    lookup = {"task": task, "department_id": department_id, "period": period}
    if create:
        # Asked for when the report was not there a moment ago: insert first, and read the row a
        # colleague made meanwhile only if the insert meets it (get_or_create, without its SELECT).
        try:
            with transaction.atomic():
                report = ProgressReport.objects.create(**lookup)
        except IntegrityError:
            report = ProgressReport.objects.get(**lookup)
    else:
        report = ProgressReport.objects.filter(**lookup).first()
    if report is not None:
        # The caller's task and period are the report's: no second query when the page shows them.
        report.task, report.period = task, period
    return report


# --- plan drafts (documents read by tasks/plan_reader.py, before they are loaded) ---------------


def may_upload_plan_draft(user):
    """Admins read any plan document; a task-force office reads the work plan of its own battle."""
    if not user.is_authenticated:
        return False
    return user.is_plan_admin or (_role(user) == User.Role.OFFICE and user.department_id is not None)


def visible_plan_drafts(user):
    """Admins see every draft; an office sees the drafts of its own department (its battle)."""
    from tasks.models import PlanDraft

    drafts = PlanDraft.objects.all()
    if not user.is_authenticated:
        return drafts.none()
    if user.is_plan_admin:
        return drafts
    if _role(user) == User.Role.OFFICE and user.department_id is not None:
        return drafts.filter(office_id=user.department_id)
    return drafts.none()


def plan_draft_for_user(user, pk):
    """The draft `pk` if the user may review it; otherwise 404."""
    try:
        return visible_plan_drafts(user).select_related("created_by", "office", "loaded_plan").get(pk=pk)
    except (ValueError, TypeError, visible_plan_drafts(user).model.DoesNotExist):
        raise Http404 from None
