"""Building a dispatch report: claim the row, compute the content, write Word and Excel.

`build_report` is idempotent. It runs in two steps:

1. claim — a short transaction that finds the current row for (plan, kind, period, battle) or
   creates it (status "building"), relying on the conditional unique constraints: two workers
   racing to create it collide, and the loser re-reads the winner's row. Regenerating creates
   version N+1 and turns the old version into a kept, non-current one.
2. build — outside any transaction: compute the content and render Word and Excel to temp files
   (.tmp-…) beside their final names;
3. write — a short transaction that locks the row (SELECT … FOR UPDATE): if another worker
   finished it meanwhile, its result stands and ours is discarded; otherwise the temp files are
   renamed into place and the row is marked ready. A worker killed mid-job leaves the row
   "building", no half-written file (stray temp files are removed at worker start), and the next
   run of the job (acks_late redelivery or the catch-up job) builds it.
"""

import datetime as dt
import fcntl
import logging
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Notification, User
from accounts.notify import notify
from reporting import content as content_builders
from reporting import figures
from reporting.models import DispatchReport
from reporting.render import write_docx, write_xlsx
from reporting.status import plan_status, resolve_as_of
from targets.models import Battle, Period, Plan, TaskForce
from targets.periods import first_due_ten_day, next_workday

log = logging.getLogger(__name__)
Kind = DispatchReport.Kind
TEMP_PREFIX = ".tmp-"  # render.atomic_write's temp files share it


def scope_filter(plan_id, kind, period_id, battle_id):
    return {"plan_id": plan_id, "kind": kind, "period_id": period_id, "battle_id": battle_id}


def issue_number_for(period, kind, battle_id):
    """第N期 is the period's number in the year (旬 1–36, month 1–12, quarter 1–4).

    It never depends on the order reports are built in (catch-up after downtime, "generate now"
    for an older period, two workers at once), so the same report always carries the same number.
    A warning slip is issued only in the months with a red item, so numbering it by month would
    leave gaps (第2期, 第5期 …): it is the count of the battle's slips this year up to its month.
    """
    if kind != Kind.WARNING_SLIP:
        return period.number
    earlier = (
        DispatchReport.objects.filter(
            plan_id=period.plan_id,
            kind=kind,
            battle_id=battle_id,
            year=period.start.year,
            period__number__lt=period.number,
        )
        .values("period_id")
        .distinct()
        .count()
    )
    return earlier + 1


def claim(plan_id, kind, period, battle_id, *, regenerate=False, after_version=None, user_id=None):
    """The row to build: the current one, a fresh one, or (regenerate) the next version."""
    scope = scope_filter(plan_id, kind, period.id, battle_id)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                current = (
                    DispatchReport.objects.order_by()
                    .select_for_update(of=("self",))
                    .filter(is_current=True, **scope)
                    .first()
                )
                if current is not None and not regenerate:
                    return current
                if current is not None and after_version is not None and current.version > after_version:
                    return current  # this regeneration was already started (a redelivered job)
                if current is not None:
                    issue_number = current.issue_number
                    version = (DispatchReport.objects.filter(**scope).aggregate(v=Max("version"))["v"] or 0) + 1
                    DispatchReport.objects.filter(pk=current.pk).update(is_current=False)
                else:
                    old = DispatchReport.objects.filter(**scope).order_by("-version").first()
                    issue_number = old.issue_number if old else issue_number_for(period, kind, battle_id)
                    version = old.version + 1 if old else 1
                return DispatchReport.objects.create(
                    **scope,
                    year=period.start.year,
                    issue_number=issue_number,
                    version=version,
                    is_current=True,
                    status=DispatchReport.Status.BUILDING,
                    generated_by_id=user_id,
                )
        except IntegrityError:
            # Another worker created the row between our read and our insert: use theirs.
            continue
    raise RuntimeError("could not claim a dispatch report row")


def facts_of(plan, period, facts_cache):
    """The facts of a period, collected once per close (cached across battles and kinds)."""
    if period.id not in facts_cache:
        facts_cache[period.id] = figures.collect(plan, period)
    return facts_cache[period.id]


def slip_needed(plan, period, battle):
    """Whether a warning slip is issued for `battle` in `period`: some target or task of the battle
    is red as of the period (the battle's dashboard judgement, one battle's worth of queries)."""
    status = plan_status(plan, resolve_as_of(plan, str(period.id)), battles=[battle])
    return bool(status.red_list)


def previous_period(plan, period):
    """The period before `period` in the same year (the last 旬, month or quarter), or None — also
    when it ended before the first 旬 reports were owed for: nothing was reported then, so a
    change "since the last 旬" would count every lagging task and lit indicator as new."""
    if period.number <= 1:
        return None
    before = Period.objects.filter(plan=plan, kind=period.kind, number=period.number - 1).first()
    first_due = Period.objects.filter(plan=plan, kind=Period.Kind.TEN_DAY, number=first_due_ten_day(plan)).first()
    if before is None or (first_due is not None and before.end < first_due.start):
        return None
    return before


def scheduled_issue_date(plan, period):
    """The day a period's reports are issued automatically: the period's end plus the plan's
    report delay (Asia/Shanghai), moved to the next working day. A report built late (after
    downtime, or for a plan loaded late) still carries this date, never the day it was built."""
    closes = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time()) + dt.timedelta(
        hours=plan.report_delay_hours
    )
    day, _certain = next_workday(closes.date())
    return day


def compute_content(report, plan, period, facts_cache):
    """The report's content dict (a draft: undated) from the facts of its period and of the
    period before (for the changes), cached across battles."""

    def facts_for(p):
        return facts_of(plan, p, facts_cache)

    facts = facts_for(period)
    if report.kind == Kind.WARNING_SLIP:
        return content_builders.warning_slips(
            facts,
            report.battle_id,
            report.issue_number,
            scheduled_issue_date(plan, period),
            days=settings.DISPATCH_WARNING_SLIP_DAYS,
        )
    before = previous_period(plan, period)
    if before is None:
        previous = None
    elif report.kind == Kind.QUARTERLY_SUMMARY or before.id in facts_cache:
        previous = facts_for(before)  # the summary compares every indicator's rate too
    else:
        # Only the comparisons: task statuses, lights and the span's reporting (one 旬 or month of
        # reports instead of the year's).
        key = ("summary", before.id)
        if key not in facts_cache:
            facts_cache[key] = figures.collect(plan, before, summary=True)
        previous = facts_cache[key]
    builder = {
        Kind.TEN_DAY_BRIEFING: content_builders.ten_day_briefing,
        Kind.MONTHLY_CIRCULAR: content_builders.monthly_circular,
        Kind.QUARTERLY_SUMMARY: content_builders.quarterly_summary,
    }[report.kind]
    return builder(facts, previous, report.battle_id, report.issue_number)


# Dispatch reports are official documents in the site language (Chinese), whatever language
# the person who pressed "generate now" reads the interface in.
@translation.override(settings.LANGUAGE_CODE)
def build_report(
    plan_id, kind, period_id, battle_id=None, *, regenerate=False, after_version=None, user_id=None, facts_cache=None
):
    """Build (or find ready) the report for (plan, kind, period, battle); returns the row, or None
    for a warning slip of a period with no red item in its battle (none is issued)."""
    if kind not in Kind.values:
        raise ValueError(f"unknown report kind {kind!r}")
    plan = Plan.objects.get(pk=plan_id)
    period = Period.objects.get(pk=period_id, plan=plan)
    if period.kind != DispatchReport.PERIOD_KIND[kind]:
        raise ValueError(f"{kind} is issued for {DispatchReport.PERIOD_KIND[kind]} periods, not {period.kind}")
    if battle_id is not None and not Battle.objects.filter(pk=battle_id, plan=plan).exists():
        raise ValueError(f"battle {battle_id} is not in plan {plan_id}")
    facts_cache = facts_cache if facts_cache is not None else {}
    if kind == Kind.WARNING_SLIP:
        scope = scope_filter(plan_id, kind, period.id, battle_id)
        ready = DispatchReport.objects.filter(is_current=True, status=DispatchReport.Status.READY, **scope).first()
        if ready is not None and not regenerate:
            return ready
        if not content_builders.red_items(facts_of(plan, period, facts_cache), battle_id):
            return None  # nothing is red: no slip, no file
    row = claim(plan_id, kind, period, battle_id, regenerate=regenerate, after_version=after_version, user_id=user_id)
    if row.status == DispatchReport.Status.READY:
        return row
    # The work (content, Word, Excel) happens outside any transaction, so the embedded SQLite
    # default is never write-locked for the seconds a report takes: only the claim above and the
    # short write below hold its lock.
    try:
        with building():
            content = compute_content(row, plan, period, facts_cache)
            staged = stage_files(row, content)
    except Exception as exc:
        log.exception("building dispatch report %s failed", row.pk)
        return mark_failed(row.pk, exc)
    with transaction.atomic():
        report = DispatchReport.objects.order_by().select_for_update(of=("self",)).get(pk=row.pk)
        if report.status == DispatchReport.Status.READY:
            discard(staged)  # another worker finished the same row meanwhile: keep its files
            return report
        for tmp, final in staged:
            os.replace(tmp, final)
        report.content = content
        report.docx_path = report.file_path("docx")
        report.xlsx_path = report.file_path("xlsx")
        report.status = DispatchReport.Status.READY
        report.error = ""
        report.generated_at = timezone.now()
        report.save(update_fields=["content", "docx_path", "xlsx_path", "status", "error", "generated_at"])
        announce(report)
    return report


def stage_files(report, content):
    """Render the Word and Excel files to temp names (.tmp-…) beside their final paths; returns
    [(temp, final)] for the write step to rename. A worker killed here leaves only temp files,
    which `clean_temp_files` removes."""
    root = Path(settings.REPORTS_ROOT)
    staged = []
    try:
        for ext, writer in (("docx", write_docx), ("xlsx", write_xlsx)):
            final = root / report.file_path(ext)
            final.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=final.parent, prefix=TEMP_PREFIX, suffix=f".{ext}")
            os.close(fd)
            staged.append((Path(tmp), final))
            writer(content, Path(tmp))
    except BaseException:
        discard(staged)
        raise
    return staged


def discard(staged):
    for tmp, _final in staged:
        tmp.unlink(missing_ok=True)


def mark_failed(pk, exc):
    with transaction.atomic():
        report = DispatchReport.objects.order_by().select_for_update(of=("self",)).get(pk=pk)
        if report.status != DispatchReport.Status.READY:
            report.status = DispatchReport.Status.FAILED
            report.error = f"{type(exc).__name__}: {exc}"
            report.save(update_fields=["status", "error"])
    return report


@contextmanager
def building():
    """A shared lock (flock) on the REPORTS_ROOT folder while a build writes temp files: a cleaner
    that can take it exclusively knows no build on this machine is writing one."""
    root = Path(settings.REPORTS_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)
        yield
    finally:
        os.close(fd)  # releases the lock; a killed process's lock goes with it


def clean_temp_files(root=None, older_than_seconds=None):
    """Remove the temp files (.tmp-*) that killed builds left under REPORTS_ROOT; returns how many.

    When no build on this machine is running (the build lock can be taken exclusively) every temp
    file goes; otherwise only those older than `older_than_seconds` (default: the task time limit,
    which no live build outlasts), so a worker starting beside a busy one never takes its files.
    """
    root = Path(root or settings.REPORTS_ROOT)
    if not root.is_dir():
        return 0
    if older_than_seconds is None:
        older_than_seconds = settings.CELERY_TASK_TIME_LIMIT
    fd = os.open(root, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            cutoff = float("inf")  # nobody is building: every temp file is a leftover
        except BlockingIOError:
            cutoff = time.time() - older_than_seconds
        removed = 0
        for path in root.rglob(f"{TEMP_PREFIX}*"):
            try:
                if path.is_file() and path.stat().st_mtime <= cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # removed meanwhile by another cleaner
    finally:
        os.close(fd)
    if removed:
        log.info("removed %d temp files left by killed builds under %s", removed, root)
    return removed


def announce(report):
    """Tell the readers who act on a new report: a battle's report goes to its task-force office
    (users and group robot), a whole-plan report to the leaders and every office."""
    users = User.objects.filter(is_active=True)
    offices = TaskForce.objects.filter(battle__plan_id=report.plan_id)
    if report.battle_id:
        offices = offices.filter(battle_id=report.battle_id)
    office_ids = set(offices.values_list("office_id", flat=True))
    if report.battle_id:
        users = users.filter(role=User.Role.OFFICE, department_id__in=office_ids)
    else:
        users = users.filter(Q(role=User.Role.LEADER) | Q(role=User.Role.OFFICE, department_id__in=office_ids))
    version = f"（第{report.version}版）" if report.version > 1 else ""
    notify(
        users,
        Notification.Kind.REPORT_READY,
        f"{report.title}{report.issue_label}（{report.period}）已生成{version}，可在线查看并下载 Word、Excel 文件。",
        link=reverse("reporting:detail", args=[report.pk]),
        subject=f"{report.title}{report.issue_label}",
        departments=office_ids,
    )


def reports_due_for(period, battle_ids):
    """(kind, battle_id) of every report a closed period gets: per battle and for the whole plan."""
    kinds = [k for k, period_kind in DispatchReport.PERIOD_KIND.items() if period_kind == period.kind]
    due = []
    for kind in kinds:
        due.extend((kind, b) for b in battle_ids)
        if kind != Kind.WARNING_SLIP:  # warning slips go to a battle's convener only
            due.append((kind, None))
    return due


def close_period(plan_id, period_id):
    """Build every report a period is due (missing ones only; a warning slip only for a battle
    with a red item), then mark the period closed. Closed last, so a run cut short is redone by
    the catch-up job, which cannot tell "no slip needed" from "slip never built" otherwise."""
    period = Period.objects.select_related("plan").get(pk=period_id, plan_id=plan_id)
    facts_cache = {}
    built = []
    for kind, battle_id in reports_to_build(period):
        report = build_report(plan_id, kind, period_id, battle_id, facts_cache=facts_cache)
        if report is not None:
            built.append(report)
    auto_issue(period)
    mark_closed(period)
    return built


def reports_to_build(period):
    """(kind, battle_id) of the reports `period` is due that are not ready (slips included: whether
    one is needed is decided when it is built)."""
    battle_ids = list(Battle.objects.filter(plan_id=period.plan_id).order_by("number").values_list("id", flat=True))
    ready = set(
        DispatchReport.objects.filter(
            plan_id=period.plan_id, period_id=period.id, is_current=True, status=DispatchReport.Status.READY
        ).values_list("kind", "battle_id")
    )
    return [due for due in reports_due_for(period, battle_ids) if due not in ready]


def auto_issue(period):
    """With DISPATCH_AUTO_ISSUE, issue every ready draft of a closing period, dated the scheduled
    issue day (reporting.build.scheduled_issue_date), once that day has come: a period closing on
    a weekend or a holiday waits, a draft, for the next working day (`drafts_due_for_issue` finds
    it then), so that no report is issued, sent or listed as issued before its date. A draft
    regenerated after its report was issued is left to the office, which issues it again."""
    if not settings.DISPATCH_AUTO_ISSUE:
        return
    on = scheduled_issue_date(period.plan, period)
    if on > timezone.localdate():
        return
    issued = set(
        DispatchReport.objects.filter(plan_id=period.plan_id, period_id=period.id, issued_on__isnull=False).values_list(
            "kind", "battle_id"
        )
    )
    for report_id, kind, battle_id in DispatchReport.objects.filter(
        plan_id=period.plan_id,
        period_id=period.id,
        is_current=True,
        status=DispatchReport.Status.READY,
        issued_on__isnull=True,
    ).values_list("id", "kind", "battle_id"):
        if (kind, battle_id) not in issued:
            issue_report(report_id, on=on)


def drafts_due_for_issue(plan, now=None):
    """Closed periods of `plan` whose drafts wait for their scheduled issue day, which has come
    (the catch-up then issues them through `close_if_complete`)."""
    if not settings.DISPATCH_AUTO_ISSUE:
        return []
    today = timezone.localdate(now or timezone.now())
    drafts = DispatchReport.objects.filter(
        plan=plan,
        is_current=True,
        status=DispatchReport.Status.READY,
        issued_on__isnull=True,
        period__closed_at__isnull=False,
    ).values_list("period_id", "kind", "battle_id")
    issued = set(
        DispatchReport.objects.filter(plan=plan, issued_on__isnull=False).values_list("period_id", "kind", "battle_id")
    )
    waiting = {period_id for period_id, kind, battle_id in drafts if (period_id, kind, battle_id) not in issued}
    periods = Period.objects.filter(pk__in=waiting).order_by("end", "kind")
    return [p for p in periods if scheduled_issue_date(plan, p) <= today]


def mark_closed(period):
    if period.closed_at is None:
        period.closed_at = timezone.now()
        period.save(update_fields=["closed_at"])


def close_if_complete(plan_id, period_id):
    """Mark a period closed once the per-report jobs of a catch-up have built it: every report it
    is due is ready, except warning slips, which exist only for battles with a red item (a slip row
    that failed or is building keeps the period open). True when closed."""
    period = Period.objects.select_related("plan").get(pk=period_id, plan_id=plan_id)
    current = {
        (kind, battle_id): status
        for kind, battle_id, status in DispatchReport.objects.filter(
            plan_id=plan_id, period_id=period_id, is_current=True
        ).values_list("kind", "battle_id", "status")
    }
    battle_ids = list(Battle.objects.filter(plan_id=plan_id).values_list("id", flat=True))
    due = [(k, b) for k, b in reports_due_for(period, battle_ids) if k != Kind.WARNING_SLIP]
    due += [key for key in current if key[0] == Kind.WARNING_SLIP]
    if any(current.get(key) != DispatchReport.Status.READY for key in due):
        return False
    auto_issue(period)
    mark_closed(period)
    return True


def due_periods(plan, now=None):
    """Periods of `plan` whose end (Asia/Shanghai) plus report_delay_hours has passed, from the
    first 旬 reports are owed for (`first_due_ten_day`): a period that ended before the plan was
    published has no report to tell of, and a briefing dated before the plan was signed would be
    issued by an office that did not exist yet."""
    now = now or timezone.now()
    local_now = timezone.localtime(now)
    # A period ending on day D ends at D+1 00:00 local time.
    cutoff = (local_now - dt.timedelta(hours=plan.report_delay_hours)).date() - dt.timedelta(days=1)
    kinds = sorted(set(DispatchReport.PERIOD_KIND.values()))
    first_due = Period.objects.filter(plan=plan, kind=Period.Kind.TEN_DAY, number=first_due_ten_day(plan)).first()
    if first_due is None:
        return Period.objects.none()  # a plan with no periods yet owes nothing
    return Period.objects.filter(plan=plan, kind__in=kinds, end__lte=cutoff, end__gte=first_due.start).order_by(
        "end", "kind"
    )


def missing_reports(plan, now=None):
    """Periods due whose reports are not all ready (never built, failed, or left building).

    A closed period owes the warning slips it decided on when it was closed: one with no red
    item has none and is not missing; a slip row that failed or was left building is.
    """
    periods = list(due_periods(plan, now))
    battle_ids = list(Battle.objects.filter(plan=plan).values_list("id", flat=True))
    current = {
        (period_id, kind, battle_id): status
        for period_id, kind, battle_id, status in DispatchReport.objects.filter(plan=plan, is_current=True).values_list(
            "period_id", "kind", "battle_id", "status"
        )
    }
    out = []
    for period in periods:
        due = [(k, b) for k, b in reports_due_for(period, battle_ids) if k != Kind.WARNING_SLIP]
        due += [key[1:] for key in current if key[0] == period.id and key[1] == Kind.WARNING_SLIP]
        if period.closed_at is None or any(
            current.get((period.id, k, b)) != DispatchReport.Status.READY for k, b in due
        ):
            out.append(period)
    return out


# A report issued automatically for a period this long past (catch-up after downtime, a plan
# loaded late) is issued without a message: nobody needs a notice per 旬 of last year.
NOTIFY_WITHIN_DAYS = 7


def recipients(report):
    """(users, department ids) a report is sent to (主送): a battle's task-force members and
    office, every task force's for a whole-plan report; and the city's leaders."""
    from targets.models import Department

    forces = Battle.objects.filter(plan_id=report.plan_id)
    if report.battle_id:
        forces = forces.filter(pk=report.battle_id)
    departments = set(Department.objects.filter(task_forces__battle__in=forces).values_list("id", flat=True)) | set(
        Department.objects.filter(task_force_offices__battle__in=forces).values_list("id", flat=True)
    )
    users = User.objects.filter(is_active=True).filter(Q(department_id__in=departments) | Q(role=User.Role.LEADER))
    return users, departments


# What the Word file and the 版记 are written from: a version built before reports had annexes
# and a 版记 lacks some of it and must be regenerated before it can be issued.
ISSUE_KEYS = frozenset({"title", "office", "issue_label", "period_label", "blocks", "annexes", "main_to", "cc"})


class NotIssuable(ValueError):
    """The report's stored content is not one this version of the app can date and print."""


@translation.override(settings.LANGUAGE_CODE)
def issue_report(report_id, *, user=None, on=None):
    """签发: date the report (`on`, default today in Asia/Shanghai), re-render its files with the
    date and the 版记, and notify the units it is sent to. Only a ready, current draft can be
    issued; issuing an issued report changes nothing. Returns the report.

    The files are rendered outside any transaction, to temp files, as a build does: a close issues
    every report of the period, and rendering them under the lock kept the embedded SQLite database
    write-locked for seconds at a time (a department's draft save waited for it)."""
    today = timezone.localdate()
    on = on or today
    report = DispatchReport.objects.select_related("period").get(pk=report_id)
    if report.is_issued or report.status != DispatchReport.Status.READY or not report.is_current:
        return report
    if not ISSUE_KEYS <= set(report.content):
        raise NotIssuable(report.pk)
    content = content_builders.issue(report.content, on)
    with building():
        staged = stage_files(report, content)
    with transaction.atomic():
        report = DispatchReport.objects.select_for_update(of=("self",)).select_related("period").get(pk=report_id)
        if report.is_issued or report.status != DispatchReport.Status.READY or not report.is_current:
            discard(staged)  # issued (or replaced) by someone else meanwhile
            return report
        for tmp, final in staged:
            os.replace(tmp, final)
        report.content = content
        report.docx_path = report.file_path("docx")
        report.xlsx_path = report.file_path("xlsx")
        report.issued_on = on
        report.issued_at = timezone.now()
        report.issued_by = user
        report.save(update_fields=["content", "docx_path", "xlsx_path", "issued_on", "issued_at", "issued_by"])
        if (today - on).days <= NOTIFY_WITHIN_DAYS:
            users, departments = recipients(report)
            notify(
                users,
                Notification.Kind.REPORT_ISSUED,
                f"{report.content['title']}（{report.issue_label}，{report.period}）已签发。",
                link=reverse("reporting:detail", args=[report.pk]),
                subject=f"{report.content['title']}{report.issue_label}",
                departments=departments,
            )
    return report
