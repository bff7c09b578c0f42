"""Write actions on progress reports. Each is one transaction that locks the report row,
checks the state it expects, records a ReportEvent where the life of the report changes,
saves with update_fields and bumps the version (the optimistic lock the forms carry).

Evidence files are written to storage only after every check has passed, and an action that
still fails afterwards deletes what it wrote: a refused save never leaves an orphan file."""

import hashlib
from contextlib import contextmanager
from urllib.parse import urlencode

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Notification, User
from accounts.notify import notify
from targets.changes import battle_figures_changed
from targets.models import Battle
from tasks import access, summaries
from tasks.models import Attachment, MetricValue, ProgressReport, ReportEvent, Task

CONTENT_FIELDS = ("progress", "task_status", "problems", "next_steps")


class ReportActionError(Exception):
    """A refused action; the message is shown to the user as is."""


def _last_editor(report):
    record = report.history.select_related("history_user").first()
    user = record.history_user if record else None
    return str(user) if user else _("他人")


class StaleVersion(ReportActionError):
    def __init__(self, report):
        self.report = report
        super().__init__(
            _(
                "保存被拒绝：此报告已被 %(who)s 于 %(when)s 修改（当前第 %(version)s 版），"
                "为避免覆盖他人内容，本次修改未保存。您填写的内容仍在下方表单中，请对照当前内容后再保存。"
            )
            % {
                "who": _last_editor(report),
                "when": timezone.localtime(report.updated_at).strftime("%Y-%m-%d %H:%M:%S"),
                "version": report.version,
            }
        )


def _locked(report_id):
    """The report row, locked, and with it its task's row (FOR UPDATE locks every joined row), which
    serialises the task's summary refresh (tasks.summaries.refresh). Its plan's figures token is
    renewed first, so that every writer takes the plan's row before any report or task row
    (targets/changes.py: lock order)."""
    battle_figures_changed(Battle.objects.filter(sections__tasks__reports=report_id).values("pk"))
    summaries.task_figures_changed(Task.objects.filter(reports=report_id).values("pk"))
    return ProgressReport.objects.select_for_update().select_related("task__section").get(pk=report_id)


def _opened(report_id, create):
    """The report locked for writing; with report_id None, `create()` makes it first, inside the
    action's transaction: a first save commits the new row and its content at once (one commit,
    not two), and a refused first save leaves no empty draft behind."""
    if report_id is None:
        report_id = create().pk
    return _locked(report_id)


def _save(report, user, fields):
    report._history_user = user
    # The row is locked (select_for_update), so a plain increment cannot race.
    report.version += 1
    report.save(update_fields=[*fields, "version", "updated_at"])


def _write_content(report, user, *, version, content, metric_values):
    """Check the report may be written at this version and apply the text and metric values."""
    if not access.may_write(user, report):
        raise ReportActionError(_("此报告已提交或已通过，不能修改。"))
    if version != report.version:
        raise StaleVersion(report)
    for name in CONTENT_FIELDS:
        setattr(report, name, content[name])
    existing = {mv.metric_id: mv for mv in report.metric_values.all()}
    for metric_id, value in metric_values.items():
        current = existing.get(metric_id)
        if current is None:
            if value is not None:
                MetricValue.objects.create(report=report, metric_id=metric_id, value=value)
        elif current.value != value:
            current.value = value
            current._history_user = user
            current.save(update_fields=["value"])


def _file_storage():
    return Attachment._meta.get_field("file").storage


@contextmanager
def _atomic_with_files():
    """A transaction whose files (names appended to the yielded list) are deleted if it fails.

    Storage is not transactional, so a failure after a file was written (a later file, the
    event, the commit itself) deletes it here. Actions run in their own transaction; there is
    no ATOMIC_REQUESTS, so no outer block can roll back after this one has committed.
    """
    written = []
    try:
        with transaction.atomic():
            yield written
    except BaseException:
        storage = _file_storage()
        for name in written:
            storage.delete(name)
        raise


def content_hash(upload):
    """SHA-256 of an uploaded file, read in chunks; the file is rewound for storing."""
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _store_uploads(report, user, uploads, written):
    """Store the files; a file whose content the report already has (under any name) is skipped
    and its name listed in report.duplicate_uploads, so the page can say so."""
    report.duplicate_uploads = []
    if not uploads:
        return
    known = set(report.attachments.exclude(sha256="").values_list("sha256", flat=True))
    for upload, content_type in uploads:
        digest = content_hash(upload)
        if digest in known:
            report.duplicate_uploads.append(upload.name[-200:])
            continue
        known.add(digest)
        attachment = Attachment(
            report=report,
            original_name=upload.name[-200:],
            content_type=content_type,
            size=upload.size,
            sha256=digest,
            uploaded_by=user,
        )
        attachment.file.save(upload.name, upload, save=False)
        written.append(attachment.file.name)
        attachment._history_user = user
        attachment.save()


def save_draft(report_id, user, *, version, content, metric_values, uploads=(), create=None):
    """Save the content as a draft. A report that does not exist yet: report_id None and `create`
    a callable making it (access.report_for_department(…, create=True)); so for submit_report."""
    with _atomic_with_files() as written:
        report = _opened(report_id, create)
        _write_content(report, user, version=version, content=content, metric_values=metric_values)
        _save(report, user, CONTENT_FIELDS)
        _store_uploads(report, user, uploads, written)
    return report


def repeats_last_write(report, user, *, submitting, version, content, metric_values, uploads=()):
    """Whether a post is the write `user` has just made on `report`, sent again by the browser (a
    double click, a slow network): made on the version just before the stored one, by the same
    user, as a submit if the report is now submitted, with the same text, figures and files. The
    page then answers as it did the first time, instead of refusing it as another person's edit."""
    if version != report.version - 1 or (report.status == ProgressReport.Status.SUBMITTED) != submitting:
        return False
    last = report.history.only("history_user_id").first()
    if last is None or last.history_user_id != user.pk:
        return False
    if any(getattr(report, name) != content[name] for name in CONTENT_FIELDS):
        return False
    stored = {mv.metric_id: mv.value for mv in report.metric_values.all() if mv.value is not None}
    if stored != {metric_id: value for metric_id, value in metric_values.items() if value is not None}:
        return False
    known = set(report.attachments.values_list("original_name", "sha256"))
    return all((upload.name[-200:], content_hash(upload)) in known for upload, _content_type in uploads)


def snapshot(report):
    """Everything a reviewer saw in this version, so later edits never change it."""
    values = {mv.metric_id: mv.value for mv in report.metric_values.all()}
    return {
        "progress": report.progress,
        "task_status": report.task_status,
        "task_status_label": str(report.get_task_status_display()),
        "problems": report.problems,
        "next_steps": report.next_steps,
        "metrics": [
            {
                "name": metric.name,
                "unit": metric.unit,
                "target": None if metric.value is None else str(metric.value),
                "value": None if values.get(metric.pk) is None else str(values[metric.pk]),
            }
            for metric in report.task.metrics.all()
        ],
        "attachments": [{"id": a.pk, "name": a.original_name, "size": a.size} for a in report.attachments.all()],
    }


def submit_report(report_id, user, *, version, content, metric_values, uploads=(), create=None):
    """Save the content and submit it for review, keeping the submitted text as a new version."""
    with _atomic_with_files() as written:
        report = _opened(report_id, create)
        _write_content(report, user, version=version, content=content, metric_values=metric_values)
        if report.period.start > timezone.localdate():
            # A 旬 not yet begun has no progress to report, and its report would count as on time.
            raise ReportActionError(_("%(period)s尚未开始，不能提前提交；可以先保存草稿。") % {"period": report.period})
        # The files go in after the checks but before the snapshot, which lists them.
        _store_uploads(report, user, uploads, written)
        now = timezone.now()
        report.status = ProgressReport.Status.SUBMITTED
        report.submitted_at = now
        report.submitted_by = user
        fields = [*CONTENT_FIELDS, "status", "submitted_at", "submitted_by"]
        if report.first_submitted_at is None:
            report.first_submitted_at = now
            fields.append("first_submitted_at")
        number = report.events.filter(action=ReportEvent.Action.SUBMITTED).count() + 1
        ReportEvent.objects.create(
            report=report,
            action=ReportEvent.Action.SUBMITTED,
            actor=user,
            at=now,
            version_number=number,
            snapshot=snapshot(report),
        )
        _save(report, user, fields)
        summaries.refresh(report.task, [report.period_id], task_locked=True)
    return report


@transaction.atomic
def withdraw_report(report_id, user):
    """撤回: a submitted report not yet reviewed goes back to its department to be corrected.

    It returns to the state it was submitted from (a draft, or returned with the office's reason
    still shown). Withdrawing a first submission also withdraws its date: reports not submitted
    are 漏报 and reminded, and a later submission after the deadline is 迟报, whatever was sent and
    taken back before (reporting.figures, reporting.reminders read first_submitted_at)."""
    report = _locked(report_id)
    if not access.may_withdraw(user, report):
        raise ReportActionError(
            _("报告当前状态为“%(status)s”，不能撤回（可能已被审核）。") % {"status": report.get_status_display()}
        )
    reviews = [
        action
        for action in report.events.values_list("action", flat=True)
        if action not in (ReportEvent.Action.SUBMITTED, ReportEvent.Action.WITHDRAWN)
    ]
    # The office's last word before this submission: returned (or reopened) means it is waiting
    # for the corrected report, as before.
    returned = bool(reviews) and reviews[-1] in (ReportEvent.Action.RETURNED, ReportEvent.Action.REOPENED)
    report.status = ProgressReport.Status.RETURNED if returned else ProgressReport.Status.DRAFT
    fields = ["status"]
    if not reviews:
        # Never reviewed: every submission so far has been taken back.
        report.first_submitted_at = report.submitted_at = report.submitted_by = None
        fields += ["first_submitted_at", "submitted_at", "submitted_by"]
    ReportEvent.objects.create(report=report, action=ReportEvent.Action.WITHDRAWN, actor=user, at=timezone.now())
    _save(report, user, fields)
    summaries.refresh(report.task, [report.period_id], task_locked=True)
    return report


@transaction.atomic
def remove_attachment(report_id, attachment_id, user):
    """Remove an evidence file from a draft or returned report; the file leaves storage on commit.

    The row's history (Attachment.history) keeps who removed which file and when, and the next
    submission's snapshot no longer lists it. The version is not bumped: removing a file does
    not conflict with text a colleague is editing.
    """
    report = _locked(report_id)
    if not access.may_write(user, report):
        raise ReportActionError(_("此报告已提交或已通过，不能删除附件。"))
    attachment = Attachment.objects.filter(pk=attachment_id, report=report).first()
    if attachment is None:
        raise ReportActionError(_("该附件已被删除。"))
    name, storage = attachment.file.name, attachment.file.storage
    attachment._history_user = user
    attachment.delete()
    # Only once the row is surely gone: a rollback must not leave a row without its file.
    transaction.on_commit(lambda: storage.delete(name))
    return attachment


def _review(report_id, user, *, expected, action, status, reason="", tell=True):
    """One review action on one report; `tell=False` leaves telling the department to the caller
    (bulk approval tells each department once)."""
    report = _locked(report_id)
    if action == ReportEvent.Action.REOPENED:
        allowed = user.is_plan_admin
    else:
        allowed = access.may_review(user, report)
    if not allowed:
        raise ReportActionError(_("您无权执行此操作。"))
    if report.status != expected:
        raise ReportActionError(
            _("报告当前状态为“%(status)s”，不能执行此操作（可能已被他人处理）。")
            % {"status": report.get_status_display()}
        )
    now = timezone.now()
    report.status = status
    report.reviewed_at = now
    report.reviewed_by = user
    fields = ["status", "reviewed_at", "reviewed_by"]
    if reason:
        report.return_reason = reason
        fields.append("return_reason")
    if action == ReportEvent.Action.RETURNED:
        report.times_returned += 1
        fields.append("times_returned")
    ReportEvent.objects.create(report=report, action=action, actor=user, at=now, reason=reason)
    _save(report, user, fields)
    summaries.refresh(report.task, [report.period_id], task_locked=True)
    if tell:
        _tell_department(report, action, reason)
    return report


def _tell_department(report, action, reason):
    """The department's staff (in-app, email) and its group robots hear what the office decided."""
    report = ProgressReport.objects.select_related("task__section", "period", "department").get(pk=report.pk)
    what = _("“%(task)s”（%(period)s）") % {
        "task": f"{report.task.section.label}{report.task}",
        "period": report.period,
    }
    if action == ReportEvent.Action.APPROVED:
        kind, subject = Notification.Kind.APPROVED, _("进展报告已通过")
        text = _("%(dept)s的进展报告%(what)s已通过审核。") % {"dept": report.department, "what": what}
    elif action == ReportEvent.Action.RETURNED:
        kind, subject = Notification.Kind.RETURNED, _("进展报告被退回")
        text = _("%(dept)s的进展报告%(what)s被退回，请修改后重新提交。退回理由：%(reason)s") % {
            "dept": report.department,
            "what": what,
            "reason": reason,
        }
    else:
        kind, subject = Notification.Kind.REOPENED, _("进展报告被重新打开")
        text = _("%(dept)s的进展报告%(what)s已由管理员重新打开，请修改后重新提交。理由：%(reason)s") % {
            "dept": report.department,
            "what": what,
            "reason": reason,
        }
    staff = User.objects.filter(department_id=report.department_id, role=User.Role.STAFF, is_active=True)
    notify(
        staff,
        kind,
        text,
        link=reverse("tasks:report_detail", args=[report.pk]),
        subject=subject,
        departments=[report.department_id],
    )


@transaction.atomic
def return_report(report_id, user, reason):
    if not reason.strip():
        raise ReportActionError(_("退回必须填写理由。"))
    return _review(
        report_id,
        user,
        expected=ProgressReport.Status.SUBMITTED,
        action=ReportEvent.Action.RETURNED,
        status=ProgressReport.Status.RETURNED,
        reason=reason,
    )


@transaction.atomic
def approve_report(report_id, user, *, tell=True):
    return _review(
        report_id,
        user,
        expected=ProgressReport.Status.SUBMITTED,
        action=ReportEvent.Action.APPROVED,
        status=ProgressReport.Status.APPROVED,
        tell=tell,
    )


@transaction.atomic
def approve_reports(report_ids, user):
    """Bulk approval (the review queue's reports unchanged from the previous 旬): one transaction
    in which each report is approved exactly as approve_report does it (locked, checked, its
    event, its summaries), then each department hears once — its staff one notification each
    (and email), its robots one message — naming the count and the tasks, instead of one per
    report. Returns (approved reports, refused report ids with the reason).

    The plans' figures tokens are renewed first (their rows locked), then every report row is
    locked, in id order, and the reports are then approved in task
    order (each locks its task as a single action does): a bulk approval never holds a task while
    it waits for a report, so a single action on one of its reports or tasks waits for it (or it
    for that action) instead of the two waiting on each other."""
    ids = sorted(set(report_ids))
    # The plans' rows before any report row (the lock order of targets/changes.py).
    battle_figures_changed(Battle.objects.filter(sections__tasks__reports__in=ids).values("pk"))
    summaries.task_figures_changed(Task.objects.filter(reports__in=ids).values("pk"))
    # No join in this query: FOR UPDATE locks the report rows only, not their tasks.
    task_of = dict(
        ProgressReport.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", "task_id")
    )
    approved, refused = [], []
    for report_id in sorted(ids, key=lambda pk: (task_of.get(pk, 0), pk)):
        if report_id not in task_of:
            refused.append((report_id, _("该报告已不存在。")))
            continue
        try:
            # Its own savepoint (approve_report is atomic): a refused report leaves the others be.
            approved.append(approve_report(report_id, user, tell=False))
        except ReportActionError as error:
            refused.append((report_id, str(error)))
    _tell_departments_approved([report.pk for report in approved])
    return approved, refused


# A summary lists tasks up to about this many characters and counts the rest: a WeCom markdown
# message takes 4,096 bytes, and a notification is read at a glance.
SUMMARY_LIST_CHARS = 1000


def _tell_departments_approved(report_ids):
    """After a bulk approval: per department, its staff and robots hear once. A department with
    one approved report gets the very message a single approval sends."""
    reports = list(
        ProgressReport.objects.filter(pk__in=report_ids)
        .select_related("task__section__battle__plan", "period", "department")
        .order_by(
            "department_id", "period__end", "task__section__battle__number", "task__section__number", "task__number"
        )
    )
    by_department = {}
    for report in reports:
        by_department.setdefault(report.department_id, []).append(report)
    staff = {}
    for member in User.objects.filter(department_id__in=by_department, role=User.Role.STAFF, is_active=True):
        staff.setdefault(member.department_id, []).append(member)
    for department_id, group in by_department.items():
        if len(group) == 1:
            _tell_department(group[0], ReportEvent.Action.APPROVED, "")
            continue
        text, link = _approved_summary(group)
        notify(
            staff.get(department_id, []),
            Notification.Kind.APPROVED,
            text,
            link=link,
            subject=_("%(n)d份进展报告已通过") % {"n": len(group)},
            departments=[department_id],
        )


def listed_within(names, left_out):
    """`names` joined with "；" while they fit in about SUMMARY_LIST_CHARS (at least one), then
    `left_out(n)` for the n not listed: a message names tasks without running on for pages."""
    listed, length = [], 0
    for name in names:
        if listed and length + len(name) > SUMMARY_LIST_CHARS:
            break
        listed.append(name)
        length += len(name) + 1
    text = "；".join(listed)
    if len(listed) < len(names):
        text += left_out(len(names) - len(listed))
    return text


def _approved_summary(reports):
    """(text, link) telling one department that `reports` (several, its own) were approved: the
    count, the 旬 when they share one, the tasks; the link opens its to-do list's done reports."""
    periods = {report.period_id for report in reports}
    names = [
        f"“{report.task.section.label}{report.task}”" + ("" if len(periods) == 1 else f"（{report.period}）")
        for report in reports
    ]
    tasks = listed_within(names, lambda more: _("……（另有%(more)d份未列出）") % {"more": more})
    first = reports[0]
    values = {"dept": first.department, "n": len(reports), "period": first.period, "tasks": tasks}
    if len(periods) == 1:
        text = _("%(dept)s %(period)s的%(n)d份进展报告已通过审核：%(tasks)s。") % values
    else:
        text = _("%(dept)s的%(n)d份进展报告已通过审核：%(tasks)s。") % values
    query = {"status": "done"}
    plans = {report.task.section.battle.plan.code for report in reports}
    if len(plans) == 1:
        query["plan"] = plans.pop()
    if len(periods) == 1:
        query["period"] = first.period.number
    return text, f"{reverse('tasks:home')}?{urlencode(query)}#todo-done"


@transaction.atomic
def reopen_report(report_id, user, reason):
    """An admin unlocks an approved report; the department sees the reason like a return."""
    if not reason.strip():
        raise ReportActionError(_("重新打开必须填写理由。"))
    return _review(
        report_id,
        user,
        expected=ProgressReport.Status.APPROVED,
        action=ReportEvent.Action.REOPENED,
        status=ProgressReport.Status.RETURNED,
        reason=reason,
    )
