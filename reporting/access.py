"""Who may see and generate dispatch reports: the one access helper for reports and their files.

- leaders and admins: every report of every plan;
- task-force office staff: the reports of the battles their department's office runs, and the
  whole-plan reports;
- department staff: the whole-plan reports and the reports of the battles whose task force their
  department is a member of (the reports are sent to the member units, 主送 各成员单位), once
  issued: a draft, which may yet name them for criticism, is read by those who issue it.

Generating ("generate now", regenerate): admins for everything; office staff for their battles.
Anything else answers 404, so a forbidden report is indistinguishable from a missing one.
"""

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from reporting.models import DispatchReport
from targets.models import Battle


def reports_for_user(user):
    reports = DispatchReport.objects.all()
    if not user.is_authenticated or not user.is_active:
        return reports.none()
    if user.reads_everything:
        return reports
    scope = Q(battle__isnull=True)
    if user.role == User.Role.OFFICE:
        scope |= Q(battle_id__in=user.office_battle_ids())
    elif user.department_id is not None:
        scope |= Q(battle__task_force__members=user.department_id)
        scope &= Q(issued_on__isnull=False)
    return reports.filter(scope).distinct()


def sees_drafts(user):
    """Leaders, admins and task-force offices read drafts; department staff only issued reports."""
    return user.reads_everything or user.role == User.Role.OFFICE


def dispatch_report_for_user(user, pk):
    """The report `pk` if `user` may read it, else 404."""
    try:
        return reports_for_user(user).select_related("plan", "period", "battle", "generated_by").get(pk=pk)
    except (DispatchReport.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_generate(user, battle_id):
    """Whether `user` may start a build of a report of `battle_id` (None = the whole plan)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_plan_admin:
        return True
    return battle_id is not None and user.role == User.Role.OFFICE and battle_id in user.office_battle_ids()


def generatable_battles(user, plan):
    battles = Battle.objects.filter(plan=plan).order_by("number")
    if user.is_plan_admin:
        return battles
    return battles.filter(id__in=user.office_battle_ids())
