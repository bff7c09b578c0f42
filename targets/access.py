"""Who may see and enter target readings: the one access helper for targets and readings.

Staff of a department named responsible for a target read and write its readings; a battle's
task-force office reads the targets of its battle; leaders and admins read everything. Anything
else answers 404, so another department's target is indistinguishable from a missing one.
"""

from django.db.models import Q
from django.http import Http404

from accounts.models import User
from targets.models import Target, TargetReading


def _responsible_target_ids(department_id):
    return Target.departments.through.objects.filter(department_id=department_id).values("target_id")


def targets_for_user(user, *, write=False):
    """The targets `user` may read (or, with write=True, enter readings for)."""
    targets = Target.objects.all()
    if not user.is_authenticated or not user.is_active:
        return targets.none()
    if write:
        if user.role != User.Role.STAFF or user.department_id is None:
            return targets.none()
        return targets.filter(pk__in=_responsible_target_ids(user.department_id))
    if user.reads_everything:
        return targets
    scope = Q()
    if user.department_id is not None:
        scope |= Q(pk__in=_responsible_target_ids(user.department_id))
    battle_ids = user.office_battle_ids()
    if battle_ids:
        scope |= Q(battle_id__in=battle_ids)
    if not scope:
        return targets.none()
    return targets.filter(scope)


def target_for_user(user, pk, *, write=False):
    """The target `pk` if `user` may read it (write=True: enter its readings), else 404."""
    try:
        return targets_for_user(user, write=write).select_related("battle__plan").get(pk=pk)
    except (Target.DoesNotExist, ValueError, TypeError):
        raise Http404 from None


def can_write_target(user, target):
    """Whether `user` enters readings for `target` (staff of one of its responsible departments)."""
    return targets_for_user(user, write=True).filter(pk=target.pk).exists()


def reading_for_user(user, pk, *, write=False):
    """The reading `pk` if `user` may read it (write=True: change it), else 404."""
    try:
        return (
            TargetReading.objects.filter(target__in=targets_for_user(user, write=write))
            .select_related("target__battle__plan", "period", "area", "department")
            .get(pk=pk)
        )
    except (TargetReading.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
