"""Celery tasks of the dispatch reports. They take ids only and are safe to run again.

One report per task: the catch-up job only finds what is missing and queues a job per report
(then one that closes the period), so no run comes near the task time limit however much was
missed; a "generate now" request is recorded (`BuildRequest`) before it is sent, so one the broker
never took is honoured by the next catch-up.
"""

import logging

from celery import chain, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.core.cache import caches
from django.utils import timezone

from reporting import build, dashboards, reminders
from reporting.models import BuildRequest
from sixbattles import broker
from targets.models import Plan

log = logging.getLogger(__name__)


@shared_task(name="reporting.build_dispatch_report")
def build_dispatch_report(
    plan_id, kind, period_id, battle_id=None, regenerate=False, after_version=None, user_id=None, request_id=None
):
    """Build one report; run twice (or by two workers at once) it leaves one report. None: a
    warning slip for a battle with nothing red, which is not issued. `request_id`: the recorded
    "generate now" request this job carries out, marked done once the report is built."""
    report = build.build_report(
        plan_id, kind, period_id, battle_id, regenerate=regenerate, after_version=after_version, user_id=user_id
    )
    if request_id is not None and (report is None or report.status == report.Status.READY):
        BuildRequest.objects.filter(pk=request_id, done_at__isnull=True).update(done_at=timezone.now())
    return report.pk if report is not None else None


@shared_task(name="reporting.close_period")
def close_period(plan_id, period_id):
    """Close a 旬/month/quarter and build every report it is due that is not ready yet (in this one
    job: for `manage.py build_reports` and the tests; the catch-up queues a job per report)."""
    return [r.pk for r in build.close_period(plan_id, period_id)]


@shared_task(name="reporting.finish_period")
def finish_period(plan_id, period_id):
    """The last job of a period's catch-up chain: mark it closed if every report it is due is ready."""
    return build.close_if_complete(plan_id, period_id)


@shared_task(name="reporting.catch_up_reports")
def catch_up_reports():
    """Queue the builds that are missing: recorded "generate now" requests not yet done, and for
    every period whose end plus the plan's delay has passed, one job per report not ready, then a
    job that closes the period. Returns how many jobs were queued.

    Covers downtime, a broker that was down, and a plan loaded late. Each period's jobs run in
    order (a chain); periods are queued in calendar order. Run again before its jobs are done it
    queues them again, which costs nothing: a built report is found ready.
    """
    build.clean_temp_files()
    queued = 0
    for request in BuildRequest.objects.filter(done_at__isnull=True).order_by("created_at"):
        build_dispatch_report.delay(
            request.plan_id,
            request.kind,
            request.period_id,
            request.battle_id,
            regenerate=request.regenerate,
            after_version=request.after_version,
            user_id=request.requested_by_id,
            request_id=request.pk,
        )
        queued += 1
    now = timezone.now()
    for plan in Plan.objects.all():
        for period in build.missing_reports(plan, now):
            jobs = [
                build_dispatch_report.si(plan.id, kind, period.id, battle)
                for kind, battle in build.reports_to_build(period)
            ]
            chain(*jobs, finish_period.si(plan.id, period.id)).apply_async()
            queued += len(jobs) + 1
        for period in build.drafts_due_for_issue(plan, now):
            finish_period.delay(plan.id, period.id)  # its issue day has come: issue the drafts
            queued += 1
    if queued:
        log.info("catch_up_reports: queued %d jobs", queued)
    return queued


def catch_up_inline():
    """The catch-up in this process, without a worker (`manage.py build_reports`): returns how many
    periods it closed or completed."""
    count = 0
    for request in BuildRequest.objects.filter(done_at__isnull=True).order_by("created_at"):
        build_dispatch_report(
            request.plan_id,
            request.kind,
            request.period_id,
            request.battle_id,
            regenerate=request.regenerate,
            after_version=request.after_version,
            user_id=request.requested_by_id,
            request_id=request.pk,
        )
    now = timezone.now()
    for plan in Plan.objects.all():
        for period in build.missing_reports(plan, now):
            build.close_period(plan.id, period.id)
            count += 1
        for period in build.drafts_due_for_issue(plan, now):
            build.close_if_complete(plan.id, period.id)
    return count


@shared_task(name="reporting.send_reminders")
def send_reminders():
    return reminders.send_reminders()


@worker_ready.connect
def clean_up_on_start(sender, **_kwargs):
    """Remove the temp files that builds killed mid-write left behind (older than the time limit,
    so a worker starting beside a busy one never takes a file it is writing)."""
    try:
        build.clean_temp_files()
    except Exception:  # a full or read-only disk must not keep the worker from starting
        log.exception("could not clean temp files at worker start")


@shared_task(name="reporting.warm_dashboards")
def warm_dashboards(plan_id):
    """Judge again what writes renewed of the plan's dashboards (reporting.dashboards.warm); run
    twice, the second run finds everything kept. The writes that commit while it runs queue the
    next one."""
    caches["dashboards"].delete(_warm_queued_key(plan_id))
    dashboards.warm(plan_id)


def _warm_queued_key(plan_id):
    return f"warm-queued:{plan_id}"


def queue_warm_dashboards(sender, plan_ids, **kwargs):
    """targets.changes.battles_renewed → a warming job per plan, unless one is queued and not yet
    started (it will see this write): at the deadline a burst of reports queues a job at a time,
    not one per report. Its loss (the broker down) costs the next reader the judging, nothing else."""
    if not settings.DASHBOARDS_WARM:
        return
    cache = caches["dashboards"]
    for plan_id in plan_ids:
        # Expires in case a worker dies between taking the job and starting it.
        if cache.add(_warm_queued_key(plan_id), True, timeout=60):
            if not broker.publish(warm_dashboards, (plan_id,), optional=True):
                cache.delete(_warm_queued_key(plan_id))
