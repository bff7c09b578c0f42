"""My tasks, the progress report form, review and evidence downloads.

Every view starts from an access helper in tasks.access; what the user may not see is a 404.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db.models import Q, prefetch_related_objects
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts.models import User
from sixbattles.history import SKIPPED_FIELDS, HistoryRow, history_rows
from targets.current import EARLIER_OPEN_PERIODS, pick_date, pick_plan, window_periods
from targets.models import Battle, Department, Period, Target
from targets.numbers import fmt, percent
from targets.schedule import COMPLETION_KINDS
from tasks import access, actions, review
from tasks.forms import PROGRESS_MAX, REASON_MAX, ReasonForm, ReportForm
from tasks.models import Attachment, MetricValue, ProgressReport, ReportEvent, Responsibility, Task
from tasks.todo import department_todo

DONE = (ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED)


def optional_url(name, *args):
    """A URL another app will provide; None until it exists, so this page works before it does."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


@dataclass
class MetricRow:
    metric: object
    value: Decimal | None

    @property
    def share(self):
        """Value to date as a percentage of the target, one decimal half up (312 / 800 = 39.0), for
        the kinds judged by completion; a ceiling, rate or share is compared with its target itself
        (targets/schedule.py), so a ratio would mislead (1.09% of a 1.5% ceiling is not "72.7% done")."""
        if self.metric.kind not in COMPLETION_KINDS:
            return None
        return percent(self.value, self.metric.value)


def metric_rows(report):
    """Rows for a report whose task__metrics and metric_values are prefetched."""
    values = {mv.metric_id: mv.value for mv in report.metric_values.all()} if report and report.pk else {}
    metrics = report.task.metrics.all()
    return [MetricRow(metric, values.get(metric.pk)) for metric in metrics]


# ---------------------------------------------------------------- home


def _lead_pairs(battle_ids):
    """Per battle id: the (task id, lead department id) pairs a lead report is due for (two queries)."""
    leads = list(
        Responsibility.objects.filter(section__battle_id__in=battle_ids, role=Responsibility.Role.LEAD).values_list(
            "task_id", "section_id", "department_id", "section__battle_id"
        )
    )
    section_tasks = defaultdict(list)
    for task_id, section_id in Task.objects.filter(section__battle_id__in=battle_ids).values_list("id", "section_id"):
        section_tasks[section_id].append(task_id)
    due = defaultdict(set)
    for task_id, section_id, dept_id, battle_id in leads:
        for tid in [task_id] if task_id else section_tasks[section_id]:
            due[battle_id].add((tid, dept_id))
    return due


def _reporting_rates(battles, period, due):
    """Per battle: lead reports submitted or approved for the period ÷ lead reports due."""
    if period is None or not battles:
        return []
    battle_ids = [b.pk for b in battles]
    done = set(
        ProgressReport.objects.filter(
            period=period, status__in=DONE, task__section__battle_id__in=battle_ids
        ).values_list("task_id", "department_id")
    )
    rates = []
    for battle in battles:
        expected = due[battle.pk]
        count = len(expected & done)
        rates.append(
            {
                "battle": battle,
                "due": len(expected),
                "done": count,
                "pct": percent(count, len(expected)),
            }
        )
    return rates


@dataclass
class OverdueRow:
    period: Period
    task: Task
    department: object
    report: ProgressReport | None
    # Whether the office opens the report: another department's draft is its department's alone
    # (tasks.access.readable_reports), so its status is shown without a link that answers 404.
    readable: bool = False

    @property
    def status_label(self):
        return self.report.get_status_display() if self.report else _("未填报")


def _overdue_leads(battles, periods, today, due, department_id):
    """Lead reports of the office's battles past their deadline and not submitted: the list an
    office (of `department_id`) phones around with. Only the home page's window of periods (older
    gaps belong to the dashboards); three queries whatever the number of tasks."""
    overdue_periods = [p for p in periods if p.deadline < today]
    pairs = set().union(*(due[b.pk] for b in battles)) if battles else set()
    if not overdue_periods or not pairs:
        return []
    reports = {
        (r.task_id, r.department_id, r.period_id): r
        for r in ProgressReport.objects.filter(
            period__in=[p.pk for p in overdue_periods], task__section__battle_id__in=[b.pk for b in battles]
        ).only("id", "task_id", "department_id", "period_id", "status")
    }
    missing = [
        (period, task_id, dept_id, reports.get((task_id, dept_id, period.pk)))
        for period in overdue_periods
        for task_id, dept_id in pairs
        if getattr(reports.get((task_id, dept_id, period.pk)), "status", None) not in DONE
    ]
    if not missing:
        return []
    tasks = Task.objects.select_related("section__battle").in_bulk({m[1] for m in missing})
    departments = Department.objects.in_bulk({m[2] for m in missing})
    rows = [
        OverdueRow(
            period,
            tasks[tid],
            departments[did],
            report,
            readable=report is not None and (report.status != ProgressReport.Status.DRAFT or did == department_id),
        )
        for period, tid, did, report in missing
    ]
    rows.sort(
        key=lambda r: (
            -r.period.number,
            r.task.section.battle.number,
            r.task.section.number,
            r.task.number,
            r.department.name,
        )
    )
    return rows


@login_required
def home(request):
    user = request.user
    plan, plans = pick_plan(request)
    today = pick_date(request)
    context = {"plan": plan, "plans": plans, "today": today, "earlier_open_periods": EARLIER_OPEN_PERIODS}
    if plan is None:
        return render(request, "tasks/home.html", context)
    if user.role == User.Role.LEADER:
        # A leader's work is the plan's overview: the home page is it.
        return redirect("dash:overview", code=plan.code)
    periods = window_periods(plan, today.date, today.notes)
    current = periods[0] if periods else None
    context.update(current=current, periods=periods)
    if user.role == User.Role.STAFF and user.department_id:
        todo = department_todo(user.department_id, plan, periods, today.date, request.GET)
        targets = list(
            Target.objects.filter(departments=user.department_id, battle__plan=plan).select_related("battle")
        )
        context.update(
            todo=todo,
            targets=targets,
            reading_url=optional_url("targets:reading_list"),
            estimate=any(p.deadline_is_estimate for p in periods),
        )
    if user.role == User.Role.OFFICE or user.reads_everything:
        if user.reads_everything:
            battles = list(Battle.objects.filter(plan=plan).order_by("number"))
        else:
            battles = list(Battle.objects.filter(plan=plan, pk__in=user.office_battle_ids()).order_by("number"))
        due = _lead_pairs([b.pk for b in battles])
        context["rates"] = _reporting_rates(battles, current, due)
        if user.role == User.Role.OFFICE:
            context["overdue"] = _overdue_leads(battles, periods, today.date, due, user.department_id)
        if user.role == User.Role.OFFICE or user.is_plan_admin:
            context["queue_count"] = access.reviewable_reports(user).filter(task__section__battle__plan=plan).count()
    if user.reads_everything:
        context["overview_url"] = reverse("dash:overview", args=[plan.code])
    return render(request, "tasks/home.html", context)


# ---------------------------------------------------------------- report form


def _report_context(report):
    """Prefetch what the report pages show, on an existing report or an unsaved one."""
    return {
        "metric_rows": metric_rows(report),
        "attachments": list(report.attachments.all()) if report.pk else [],
        "events": list(report.events.select_related("actor")) if report.pk else [],
    }


def _previous_report(user, task, department_id, period):
    """The department's latest earlier report on the task that `user` may read (readable_reports),
    carrying `task` itself, whose metrics are read once for both reports."""
    prefetch_related_objects([task], "metrics")
    previous = (
        access.readable_reports(
            user,
            ProgressReport.objects.filter(
                task=task,
                period__plan_id=period.plan_id,
                period__kind=period.kind,
                period__number__lt=period.number,
            ),
            department_id=department_id,
        )
        .select_related("period")
        .prefetch_related("metric_values")
        .order_by("-period__number")
        .first()
    )
    if previous is not None:
        previous.task = task
    return previous


def _contributions(user, task, period, lead_department_id):
    """Co-responsible departments' submitted reports for the same task and period that `user` may read."""
    reports = (
        access.readable_reports(user, ProgressReport.objects.filter(task=task, period=period, status__in=DONE))
        .exclude(department_id=lead_department_id)
        .select_related("department", "task")
        .prefetch_related("task__metrics", "metric_values", "attachments")
        .order_by("department__order", "department__name")
    )
    return [{"report": r, "metric_rows": metric_rows(r)} for r in reports]


def _is_lead(task, department_id):
    return access.department_role(task, department_id) == Responsibility.Role.LEAD


def _repeated_post(report, user, form, submitting):
    """The post repeats the write this user has just made (tasks.actions.repeats_last_write)."""
    return (
        report is not None
        and form.is_valid()
        and actions.repeats_last_write(
            report,
            user,
            submitting=submitting,
            version=form.cleaned_data["version"],
            content={name: form.cleaned_data[name] for name in actions.CONTENT_FIELDS},
            metric_values=form.metric_values(),
            uploads=form.cleaned_data["files"],
        )
    )


def _report_written(request, report, submitting):
    """Where a save or submit lands, with its message."""
    if submitting:
        messages.success(request, _("报告已提交，等待专班办公室审核。"))
        return redirect("tasks:report_detail", pk=report.pk)
    messages.success(request, _("草稿已保存。"))
    return redirect("tasks:report_edit", task_pk=report.task_id, period_pk=report.period_id)


KEPT_REPORT_KEY = "kept_report_post"


def _keep_report_and_log_in(request):
    """A report posted after the session expired (8 hours idle, typing a long text) would be lost
    with the redirect to the login page: its fields are kept in the new anonymous session, which
    login keeps, and offered again unsaved on this page (tasks.views.report_edit). Only the form's
    own fields, each no longer than the longest field may be, so the session stays small."""
    if request.method == "POST":
        names = ("version", *actions.CONTENT_FIELDS)
        metric_names = [name for name in request.POST if name.startswith("metric_")][:100]
        request.session[KEPT_REPORT_KEY] = {
            "path": request.path,
            "data": {name: request.POST.get(name, "")[: PROGRESS_MAX * 2] for name in (*names, *metric_names)},
        }
        messages.warning(request, _("登录已过期，请重新登录。您填写的内容已保留，登录后回到填报页面。"))
    return redirect_to_login(request.get_full_path())


def _kept_report(request):
    """The fields of a report posted from this page when the session had expired, once."""
    kept = request.session.get(KEPT_REPORT_KEY)
    if not kept or kept.get("path") != request.path:
        return None
    del request.session[KEPT_REPORT_KEY]
    return kept.get("data") or None


def report_edit(request, task_pk, period_pk):
    if not request.user.is_authenticated:
        return _keep_report_and_log_in(request)
    user = request.user
    if user.role != User.Role.STAFF or user.department_id is None:
        raise Http404
    task = access.task_for_user(user, task_pk)
    period = get_object_or_404(Period, pk=period_pk)
    report = access.report_for_department(task, user.department_id, period)
    locked = report is not None and not access.may_write(user, report)
    kept = _kept_report(request) if request.method != "POST" else None
    if locked and request.method != "POST" and kept is None:
        messages.info(request, _("此报告%(status)s，不能修改。") % {"status": report.get_status_display()})
        return redirect("tasks:report_detail", pk=report.pk)
    # Read once for the form, this report's and the previous report's tables.
    prefetch_related_objects([task], "metrics")
    if report is not None:
        prefetch_related_objects([report], "metric_values")
    shown = report or ProgressReport(task=task, department_id=user.department_id, period=period)
    metrics = list(task.metrics.all())
    submitting = request.POST.get("action") == "submit"
    stored = None
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, metrics=metrics, submitting=submitting)
        if locked and _repeated_post(report, user, form, submitting):
            # The same submit sent twice: the first one went through.
            return _report_written(request, report, submitting)
        if locked:
            # A colleague submitted it meanwhile: keep the user's words on screen, save nothing.
            form.is_valid()
            messages.error(
                request,
                _("此报告状态为“%(status)s”，不能再修改，本次内容未保存。您填写的内容仍在下方，可复制留存。")
                % {"status": report.get_status_display()},
            )
            stored = report
        elif form.is_valid():
            content = {name: form.cleaned_data[name] for name in actions.CONTENT_FIELDS}
            action = actions.submit_report if submitting else actions.save_draft
            try:
                # A first save makes the report inside the action's transaction (one commit).
                saved = action(
                    report.pk if report is not None else None,
                    user,
                    version=form.cleaned_data["version"],
                    content=content,
                    metric_values=form.metric_values(),
                    uploads=form.cleaned_data["files"],
                    create=lambda: access.report_for_department(task, user.department_id, period, create=True),
                )
            except actions.StaleVersion as refused:
                if _repeated_post(refused.report, user, form, submitting):
                    return _report_written(request, refused.report, submitting)
                messages.error(request, str(refused))
                stored = refused.report
                # Redisplay the user's text, now carrying the stored version: saving again is a
                # deliberate choice made after seeing the other person's text beside it.
                data = request.POST.copy()
                data["version"] = str(stored.version)
                form = ReportForm(data, metrics=metrics, submitting=submitting)
                form.is_valid()
                shown = stored
            except actions.ReportActionError as refused:
                # As stored now (a colleague may have made and submitted it meanwhile).
                stored = access.report_for_department(task, user.department_id, period)
                if _repeated_post(stored, user, form, submitting):
                    return _report_written(request, stored, submitting)
                messages.error(request, str(refused))
                shown = stored or shown
                form.is_valid()
            else:
                for name in saved.duplicate_uploads:
                    messages.info(request, _("文件“%(name)s”与已有附件内容相同，未重复保存。") % {"name": name})
                return _report_written(request, saved, submitting)
        elif "version" in form.errors:
            # The page's hidden version is missing or garbled (a truncated post, an edited page): no
            # field shows the error, so say what happened and redisplay the user's text carrying the
            # stored version, with the stored text beside it as after a refused stale save.
            messages.error(
                request,
                _("页面不完整或已过期，本次内容未保存。您填写的内容仍在下方，请对照当前已保存的内容后再保存。"),
            )
            data = request.POST.copy()
            data["version"] = str(report.version if report is not None else 0)
            form = ReportForm(data, metrics=metrics, submitting=submitting)
            form.is_valid()
            stored = report
        else:
            messages.error(request, _("填写有误，请按提示修改后再保存。"))
    elif kept is not None:
        # Shown as typed, carrying the version the page had: if a colleague saved meanwhile, saving
        # is refused as a stale save, with both texts on the page.
        messages.warning(
            request,
            _("登录已过期，您刚才填写的内容尚未保存，已恢复在下方，请核对后重新保存或提交（附件需重新选择）。"),
        )
        form = ReportForm(kept, metrics=metrics)
        form.is_valid()
        stored = report
    else:
        initial = {"version": shown.version, "task_status": shown.task_status}
        if report is not None:
            initial.update(progress=report.progress, problems=report.problems, next_steps=report.next_steps)
            # As entered: 16, not the column's 16.0000.
            initial.update(
                {
                    f"metric_{mv.metric_id}": None if mv.value is None else fmt(mv.value)
                    for mv in report.metric_values.all()
                }
            )
        form = ReportForm(initial=initial, metrics=metrics)
    previous = _previous_report(user, task, user.department_id, period)
    if report is None and not form.is_bound and previous is not None:
        # A new report starts from the last one's 推进状态: a task reported 已完成 or 滞后 is not
        # reset to the model's 推进中, which a submit without touching the choice would record.
        form.initial["task_status"] = previous.task_status
    chosen = [upload.name for upload in request.FILES.getlist("files")]
    if chosen:
        # Every save that went through has redirected: the files chosen for this one were not kept,
        # and the browser shows an empty file field, so the page says which to choose again.
        messages.warning(
            request,
            _("本次选择的文件未保存：%(names)s。保存时请重新选择。") % {"names": _("、").join(chosen)},
        )
    if shown.department_id == user.department_id:
        shown.department = user.department  # the page's header shows it too: one query for both
    is_lead = _is_lead(task, user.department_id)
    context = {
        "task": task,
        "period": period,
        "report": shown,
        "form": form,
        "stored": stored,
        "previous": previous,
        "contributions": _contributions(user, task, period, user.department_id) if is_lead else [],
        "is_lead": is_lead,
        "may_remove_files": shown.pk is not None and access.may_write(user, shown),
        **_report_context(shown),
    }
    if context["previous"]:
        context["previous_rows"] = metric_rows(context["previous"])
    return render(request, "tasks/report_form.html", context)


# ---------------------------------------------------------------- report page and review


def removed_attachment_rows(report):
    """History rows "已删除附件" for the report's removed evidence files (one query).

    Deletion leaves only the historical record of the row; generic history_rows skips a record
    that changes no field, so the removals are listed here, one row each.
    """
    records = Attachment.history.filter(report_id=report.pk, history_type="-").select_related("history_user")
    return [
        HistoryRow(
            when=record.history_date,
            who=record.history_user,
            change=_("删除"),
            object_label=_("已删除附件"),
            field=_("文件名"),
            before=record.original_name,
            after="—",
        )
        for record in records
    ]


def _typed_reason_key(report):
    return f"typed_reason:{report.pk}"


def _keep_typed_reason(request, report):
    """A reason the form refused (empty, too long) goes back to the report page's reason field
    through the session, so nothing typed is lost."""
    typed = request.POST.get("reason", "")
    if typed.strip():
        request.session[_typed_reason_key(report)] = typed[: REASON_MAX * 2]


@login_required
def report_detail(request, pk):
    user = request.user
    report = access.report_for_user(user, pk)
    is_lead = _is_lead(report.task, report.department_id)
    history = history_rows(report.history.all())
    history += history_rows(
        MetricValue.history.filter(report_id=report.pk).select_related("metric"),
        # The label names the metric and the page is the report: the two keys would repeat them.
        skip=SKIPPED_FIELDS | {"report", "metric"},
        label=lambda record: _("量化指标“%(name)s”") % {"name": record.metric.name},
    )
    history += removed_attachment_rows(report)
    history.sort(key=lambda row: row.when, reverse=True)
    prefetch_related_objects([report], "task__metrics", "metric_values")
    previous = _previous_report(user, report.task, report.department_id, report.period)
    queue = review.clean_queue(request.GET.get("queue"))
    context = {
        "report": report,
        "task": report.task,
        "period": report.period,
        "previous": previous,
        "comparison": review.compare(report, previous),
        "queue": queue,
        "may_write": access.may_write(user, report),
        "may_withdraw": access.may_withdraw(user, report),
        "may_review": report.status == ProgressReport.Status.SUBMITTED and access.may_review(user, report),
        "may_reopen": report.status == ProgressReport.Status.APPROVED and user.is_plan_admin,
        "reason_form": ReasonForm(initial={"reason": request.session.pop(_typed_reason_key(report), "")}),
        "contributions": _contributions(user, report.task, report.period, report.department_id) if is_lead else [],
        "history": history,
        **_report_context(report),
    }
    return render(request, "tasks/report_detail.html", context)


@login_required
def report_version(request, pk, number):
    report = access.report_for_user(request.user, pk)
    event = get_object_or_404(
        ReportEvent.objects.select_related("actor"),
        report=report,
        action=ReportEvent.Action.SUBMITTED,
        version_number=number,
    )
    return render(
        request, "tasks/report_version.html", {"report": report, "event": event, "snapshot": event.snapshot or {}}
    )


DONE_MESSAGES = {
    "approve": _lazy("已通过：%(what)s"),
    "return": _lazy("已退回：%(what)s（理由：%(reason)s）"),
    "reopen": _lazy("已重新打开：%(what)s（理由：%(reason)s）"),
}


def report_label(report):
    """<任务> <部门> <旬>: how a confirmation names the report it acted on."""
    return f"{report.task.section.label}{report.task} {report.department} {report.period}"


def _review_action(request, pk, action, kind):
    user = request.user
    report = access.report_for_user(user, pk)
    if not (user.is_plan_admin or user.role == User.Role.OFFICE):
        raise Http404
    needs_reason = kind in ("return", "reopen")
    queue = review.clean_queue(request.POST.get("queue"))
    back = reverse("tasks:report_detail", args=[report.pk]) + (f"?{urlencode({'queue': queue})}" if queue else "")
    reason = ""
    if needs_reason:
        form = ReasonForm(request.POST)
        if not form.is_valid():
            for error in form.errors.get("reason", []):
                messages.error(request, error)
            _keep_typed_reason(request, report)
            return redirect(back)
        reason = form.cleaned_data["reason"]
    try:
        if needs_reason:
            action(report.pk, user, reason)
        else:
            action(report.pk, user)
    except actions.ReportActionError as refused:
        messages.error(request, str(refused))
        if needs_reason:
            # The report has moved on (approved or returned by someone else): no field takes the
            # text now, so the message gives it back.
            messages.info(request, _("您填写的理由未保存，原文如下：%(reason)s") % {"reason": reason})
        return redirect(back)
    messages.success(request, DONE_MESSAGES[kind] % {"what": report_label(report), "reason": reason})
    if request.POST.get("next") and kind != "reopen":
        following = review.next_in_queue(user, report.task.section.battle.plan, queue, report.pk)
        if following is None:
            messages.info(request, _("这一队列的报告已全部审核完毕。"))
            return redirect(f"{reverse('tasks:review_queue')}?{queue}" if queue else reverse("tasks:review_queue"))
        url = reverse("tasks:report_detail", args=[following.pk])
        return redirect(f"{url}?{urlencode({'queue': queue})}" if queue else url)
    if not access.readable_reports(user).filter(pk=report.pk).exists():
        # Returned: the text goes back to its department, out of the reviewer's sight.
        return redirect(f"{reverse('tasks:review_queue')}?{queue}" if queue else reverse("tasks:review_queue"))
    return redirect(back)


@login_required
@require_POST
def report_approve(request, pk):
    return _review_action(request, pk, actions.approve_report, "approve")


@login_required
@require_POST
def report_return(request, pk):
    return _review_action(request, pk, actions.return_report, "return")


@login_required
@require_POST
def report_reopen(request, pk):
    if not request.user.is_plan_admin:
        raise Http404
    return _review_action(request, pk, actions.reopen_report, "reopen")


@login_required
def review_queue(request):
    user = request.user
    if not (user.role == User.Role.OFFICE or user.is_plan_admin):
        raise Http404
    plan, plans = pick_plan(request)
    queue = review.review_queue(user, plan, request.GET) if plan else None
    context = {"plan": plan, "plans": plans, "queue": queue}
    if queue is not None:
        context["queue_qs"] = queue.querystring(plan.code)
    return render(request, "tasks/review_queue.html", context)


@login_required
@require_POST
def review_approve_unchanged(request):
    """Approve the ticked reports that repeat the previous 旬's report unchanged: each re-checked
    here and approved as its own action, all in one transaction (tasks.actions.approve_reports),
    each department told once."""
    user = request.user
    if not (user.role == User.Role.OFFICE or user.is_plan_admin):
        raise Http404
    queue = review.clean_queue(request.POST.get("queue"))
    ids = {int(v) for v in request.POST.getlist("report") if v.isascii() and v.isdigit() and len(v) <= 18}
    candidates = list(
        access.reviewable_reports(user)
        .filter(pk__in=ids)
        .select_related("task__section", "department", "period")
        .prefetch_related("task__metrics", "metric_values")
    )
    previous = review.previous_reports(candidates, user)
    unchanged = [report for report in candidates if review.compare(report, previous[report.pk]).unchanged]
    # One transaction; each department is told once, with the count and the tasks.
    done, _refused = actions.approve_reports([report.pk for report in unchanged], user)
    done_ids = {report.pk for report in done}
    approved = [report for report in unchanged if report.pk in done_ids]
    skipped = [report for report in candidates if report.pk not in done_ids]
    if approved:
        messages.success(
            request,
            _("已通过 %(n)d 份与上期相同的报告：%(list)s")
            % {"n": len(approved), "list": "；".join(report_label(r) for r in approved)},
        )
    if skipped:
        messages.warning(
            request,
            _("以下报告与上期不同或已被他人处理，未批量通过，请逐份审核：%(list)s")
            % {"list": "；".join(report_label(r) for r in skipped)},
        )
    if not approved and not skipped:
        messages.info(request, _("没有选择报告。"))
    return redirect(f"{reverse('tasks:review_queue')}?{queue}" if queue else reverse("tasks:review_queue"))


@login_required
@require_POST
def report_withdraw(request, pk):
    """The department takes back its submitted report before review, to correct and submit again."""
    report = access.report_for_user(request.user, pk)
    if request.user.role != User.Role.STAFF or report.department_id != request.user.department_id:
        raise Http404  # another department's or the office's: the action is not theirs to see
    try:
        actions.withdraw_report(report.pk, request.user)
    except actions.ReportActionError as refused:
        messages.error(request, str(refused))
        return redirect("tasks:report_detail", pk=report.pk)
    messages.success(request, _("已撤回：%(what)s。修改后请重新提交。") % {"what": report_label(report)})
    return redirect("tasks:report_edit", task_pk=report.task_id, period_pk=report.period_id)


@login_required
@require_POST
def attachment_remove(request, pk):
    """The owning department removes an evidence file while the report is a draft or returned."""
    attachment = access.attachment_for_user(request.user, pk, write=True)
    report = attachment.report
    try:
        actions.remove_attachment(report.pk, attachment.pk, request.user)
    except actions.ReportActionError as refused:
        messages.error(request, str(refused))
    else:
        messages.success(request, _("已删除附件“%(name)s”。") % {"name": attachment.original_name})
    return redirect("tasks:report_edit", task_pk=report.task_id, period_pk=report.period_id)


@login_required
def attachment_download(request, pk):
    attachment = access.attachment_for_user(request.user, pk)
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type
    )


# ---------------------------------------------------------------- task page


@login_required
def task_detail(request, pk):
    user = request.user
    task = access.task_for_user(user, pk)
    responsibilities = list(
        Responsibility.objects.filter(Q(task=task) | Q(task__isnull=True, section_id=task.section_id)).select_related(
            "department"
        )
    )
    reports = list(
        access.readable_reports(user, ProgressReport.objects.filter(task=task))
        .select_related("department", "period")
        .order_by("-period__number", "department__order")
    )
    history = history_rows(task.history.all(), label=lambda r: _("任务"))
    history += history_rows(
        Responsibility.history.filter(Q(task_id=task.pk) | Q(task_id__isnull=True, section_id=task.section_id)),
        label=lambda r: _("责任分工"),
    )
    history.sort(key=lambda row: row.when, reverse=True)
    own_role = access.department_role(task, user.department_id) if user.department_id else None
    return render(
        request,
        "tasks/task_detail.html",
        {
            "task": task,
            "responsibilities": responsibilities,
            "metrics": list(task.metrics.all()),
            "reports": reports,
            "history": history,
            "own_role": own_role,
        },
    )
