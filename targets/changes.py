"""The plans' figures tokens, which key the dashboards' cache (reporting/dashboards.py).

Every write that changes what a plan's dashboards show gives the plan a new random token
(`Plan.figures_token`) in the write's own transaction. A dashboard is kept under its plan's token,
so a page computed before a write is never served once the write has committed: the reader who
comes after finds a new token and computes the page afresh.

Saves and deletes of the plan's definitions are watched (`watch`, connected by each app's ready()).
Reports and readings are not: their write paths renew the token themselves (tasks/actions.py,
targets/readings.py, and tasks/summaries.py's refresh and rebuilds, which the admin's corrections
and the bulk loaders go through). A plan's successor gets a new token too: its forecasts read the
plan's figures as last year's.

A change confined to some battles (a report, a task's summaries) renews their battle tokens only
(`battle_figures_changed`), so the dashboards recompute those battles and keep the others.

Lock order: renewing the token updates the plan's row, which the writer then holds until it
commits. The report actions, the readings entry and the summaries renew it *before* locking any
report, reading or task row, so two of them on one plan queue on the plan's row instead of
deadlocking on each other's rows.
"""

import uuid
from functools import partial

from django.db import transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import Signal

# Sent once a transaction that renewed battle tokens commits, with `plan_ids`: the plans of those
# battles. The dashboards judge those battles again in the worker (reporting/apps.py connects it),
# so that the next reader finds them kept. A receiver must not write.
battles_renewed = Signal()


def new_token():
    return uuid.uuid4().hex


def figures_changed(plans=None):
    """New figures tokens for `plans` — a plan id, a queryset of plan ids (``values("plan_id")``)
    or None for every plan — and for the plans that follow them (one UPDATE). Every battle of
    those plans counts as changed (their battle tokens start afresh)."""
    from targets.models import Plan

    token = new_token()
    changed = {"figures_token": token, "battle_tokens": {"*": token}}
    if plans is None:
        Plan.objects.update(**changed)
        return
    ids = [plans] if isinstance(plans, int) else plans
    Plan.objects.filter(Q(pk__in=ids) | Q(predecessor_id__in=ids)).update(**changed)


def battle_figures_changed(battles):
    """A change confined to `battles` (battle ids, or a queryset of them: ``values("pk")``), such as
    a report or summary of one of their tasks: their plans get new figures tokens and those battles
    new battle tokens, while the plans' other battles keep theirs (their judged figures stay kept).
    The plans that follow get new figures tokens only: they read this plan's readings, not its
    reports. Locks the plans' rows first, as figures_changed does (three queries)."""
    from targets.models import Battle, Plan

    plan_of = dict(Battle.objects.filter(pk__in=battles).values_list("pk", "plan_id"))
    plan_ids = sorted(set(plan_of.values()))
    if not plan_ids:
        return
    tokens = dict(
        Plan.objects.select_for_update().filter(pk__in=plan_ids).order_by("pk").values_list("pk", "battle_tokens")
    )
    figures = new_token()
    for plan_id, battle_tokens in tokens.items():
        battle_tokens.update({str(b): new_token() for b, p in plan_of.items() if p == plan_id})
        Plan.objects.filter(pk=plan_id).update(figures_token=figures, battle_tokens=battle_tokens)
    Plan.objects.filter(predecessor_id__in=plan_ids).exclude(pk__in=plan_ids).update(figures_token=figures)
    transaction.on_commit(partial(battles_renewed.send, sender=Plan, plan_ids=plan_ids), robust=True)


def watch(model, plans_of, *, deletes=True, only_fields=None):
    """Give the plan(s) `plans_of(instance)` names a new token whenever `model` is saved (and
    deleted, with `deletes`). `plans_of` returns what `figures_changed` takes. With `only_fields`,
    a save limited to other fields (``save(update_fields=…)``) changes nothing shown."""

    def changed(sender, instance, raw=False, update_fields=None, **kwargs):
        if raw:  # loaddata: no plan rows to touch yet
            return
        if only_fields is not None and update_fields is not None and not set(update_fields) & only_fields:
            return
        figures_changed(plans_of(instance))

    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"figures:{model._meta.label}:save")
    if deletes:
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"figures:{model._meta.label}:delete")


def watch_m2m(through, plans_of):
    """As `watch`, for a many-to-many relation's changes (`plans_of(instance, reverse)`)."""

    def changed(sender, instance, action, reverse, **kwargs):
        if action in ("post_add", "post_remove", "post_clear"):
            figures_changed(plans_of(instance, reverse))

    m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=f"figures:{through._meta.label}:m2m")


def watch_targets_models():
    """The plan's frame: what targets/ holds (connected by TargetsConfig.ready)."""
    from targets.models import Battle, Department, Period, Plan, Target, TargetReading, TaskForce

    def battle_plan(instance):
        return Battle.objects.filter(pk=instance.battle_id).values("plan_id")

    watch(Plan, lambda plan: plan.pk, deletes=False)
    watch(Battle, lambda battle: battle.plan_id)
    watch(Period, lambda period: period.plan_id)
    watch(TaskForce, battle_plan)
    watch(Target, battle_plan)
    watch(TargetReading, lambda reading: Battle.objects.filter(targets=reading.target_id).values("plan_id"))
    # Department names show on every plan's pages; renaming one is rare.
    watch(Department, lambda department: None)
    watch_m2m(
        Target.departments.through,
        lambda instance, reverse: None if reverse else Battle.objects.filter(pk=instance.battle_id).values("plan_id"),
    )
