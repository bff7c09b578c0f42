"""Celery tasks of the dispatch reports. They take ids only and are safe to run again."""

import logging

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.utils import timezone

from reporting import build, reminders
from targets.models import Plan

log = logging.getLogger(__name__)


@shared_task(name="reporting.build_dispatch_report")
def build_dispatch_report(plan_id, kind, period_id, battle_id=None, regenerate=False, after_version=None, user_id=None):
    """Build one report; run twice (or by two workers at once) it leaves one report. None: a
    warning slip for a battle with nothing red, which is not issued."""
    report = build.build_report(
        plan_id, kind, period_id, battle_id, regenerate=regenerate, after_version=after_version, user_id=user_id
    )
    return report.pk if report is not None else None


@shared_task(name="reporting.close_period")
def close_period(plan_id, period_id):
    """Close a 旬/month/quarter and build every report it is due that is not ready yet."""
    return [r.pk for r in build.close_period(plan_id, period_id)]


@shared_task(name="reporting.catch_up_reports")
def catch_up_reports():
    """Close every period whose end plus the plan's delay has passed and build what is missing.

    Covers downtime, a broker that was down, and a plan loaded late. Periods are handled in
    order, so the issue numbers (第N期) follow the calendar.
    """
    count = 0
    now = timezone.now()
    for plan in Plan.objects.all():
        for period in build.missing_reports(plan, now):
            build.close_period(plan.id, period.id)
            count += 1
    if count:
        log.info("catch_up_reports: closed or completed %d periods", count)
    return count


@shared_task(name="reporting.send_reminders")
def send_reminders():
    return reminders.send_reminders()


@worker_ready.connect
def catch_up_on_start(sender, **_kwargs):
    """After downtime, build what was missed without waiting for the next hourly run."""
    if not settings.DISPATCH_CATCH_UP_ON_WORKER_START:
        return
    try:
        sender.app.send_task("reporting.catch_up_reports")
    except Exception:  # the worker keeps running; the hourly job will catch up
        log.exception("could not queue catch_up_reports at worker start")
