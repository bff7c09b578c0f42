from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import Notification
from reporting.access import (
    can_generate,
    dispatch_report_for_user,
    generatable_battles,
    reports_for_user,
    sees_drafts,
)
from reporting.build import NotIssuable, issue_report, slip_needed
from reporting.models import BuildRequest, DispatchReport
from sixbattles import broker, params
from targets.models import Battle, Period, Plan

CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def queue_build(request_row):
    """Send a recorded "generate now" request to the worker; False when the broker is down or frozen
    (publishing gives up after about a second, see CELERY_BROKER_TIMEOUT): the request stays
    recorded and the catch-up builds it.

    Published at once, not on commit: the request row is already committed (the view runs in
    autocommit), and a publish error must be caught here rather than in a commit hook.
    """
    from reporting.tasks import build_dispatch_report

    return broker.publish(
        build_dispatch_report,
        (request_row.plan_id, request_row.kind, request_row.period_id, request_row.battle_id),
        {
            "regenerate": request_row.regenerate,
            "after_version": request_row.after_version,
            "user_id": request_row.requested_by_id,
            "request_id": request_row.pk,
        },
    )


@login_required
def index(request):
    # Usually the city runs one plan: its archive is the page the user came for.
    plans = list(Plan.objects.order_by("-year", "code")[:2])
    if len(plans) == 1:
        return redirect("reporting:archive", plan_code=plans[0].code)
    plans = Plan.objects.order_by("-year", "code")
    return render(request, "reporting/index.html", {"plans": plans})


def newest_versions(reports):
    """One row per report: the newest version among `reports` (ordered newest version first), so
    that department staff, who read issued versions only, see the last issued one while a
    regenerated draft waits to be issued."""
    seen, out = set(), []
    for r in reports:
        key = (r.kind, r.period_id, r.battle_id)
        if key not in seen:
            seen.add(key)
            out.append(r)
    return out


@login_required
def archive(request, plan_code):
    plan = get_object_or_404(Plan, code=plan_code)
    reports = (
        reports_for_user(request.user)
        .filter(plan=plan)
        .select_related("period", "battle")
        .order_by("-period__end", "kind", "battle__number", "-version")
    )
    if sees_drafts(request.user):
        reports = reports.filter(is_current=True)
    kind = params.query_choice(request, "kind", DispatchReport.Kind.values)
    if kind:
        reports = reports.filter(kind=kind)
    battle = params.query_id(request, "battle", allow=("all",))
    if battle == "all":
        reports = reports.filter(battle__isnull=True)
    elif battle is not None:
        reports = reports.filter(battle_id=battle)
    period = params.query_id(request, "period")
    if period is not None:
        reports = reports.filter(period_id=period)
    battles = list(plan.battles.order_by("number"))
    return render(
        request,
        "reporting/archive.html",
        {
            "plan": plan,
            "reports": newest_versions(reports[:500]),
            "kinds": DispatchReport.Kind.choices,
            "battles": battles,
            "selected": {"kind": kind, "battle": str(battle or ""), "period": str(period or "")},
            "form": GenerateForm(plan=plan, user=request.user),
            "may_generate": request.user.is_plan_admin or bool(request.user.office_battle_ids()),
        },
    )


@login_required
def detail(request, pk):
    report = dispatch_report_for_user(request.user, pk)
    versions = reports_for_user(request.user).filter(
        plan_id=report.plan_id, kind=report.kind, period_id=report.period_id, battle_id=report.battle_id
    )
    return render(
        request,
        "reporting/detail.html",
        {
            "report": report,
            "c": report.content,
            "versions": versions.order_by("-version"),
            "may_regenerate": can_generate(request.user, report.battle_id),
            "may_issue": can_generate(request.user, report.battle_id) and report.is_current,
        },
    )


@login_required
@require_POST
def issue(request, pk):
    """签发: the battle's task-force office (or an admin) issues a ready draft, dated today."""
    report = dispatch_report_for_user(request.user, pk)
    if not can_generate(request.user, report.battle_id):
        raise Http404
    if report.is_issued:
        messages.info(request, _("该报告已于%(day)s签发。") % {"day": report.content.get("date_label", "")})
    elif report.status != DispatchReport.Status.READY or not report.is_current:
        messages.error(request, _("只有已生成的当前版本可以签发。"))
    else:
        try:
            report = issue_report(report.pk, user=request.user)
        except NotIssuable:
            messages.error(request, _("该版本由旧版程序生成，内容不完整，请重新生成后再签发。"))
        else:
            messages.success(request, _("已签发，并通知主送单位。"))
    return redirect("reporting:detail", pk=report.pk)


@login_required
def download(request, pk, fmt):
    report = dispatch_report_for_user(request.user, pk)
    if fmt not in CONTENT_TYPES or report.status != DispatchReport.Status.READY:
        raise Http404
    relative = report.docx_path if fmt == "docx" else report.xlsx_path
    path = Path(settings.REPORTS_ROOT) / relative
    if not relative or not path.is_file():
        raise Http404
    name = f"{report.content.get('title', report.title)}{report.issue_label}（{report.period}）v{report.version}.{fmt}"
    return FileResponse(path.open("rb"), as_attachment=True, filename=name, content_type=CONTENT_TYPES[fmt])


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("报告类型"), choices=DispatchReport.Kind.choices)
    period = forms.ModelChoiceField(label=gettext_lazy("期"), queryset=Period.objects.none())
    battle = forms.ChoiceField(label=gettext_lazy("范围"))
    regenerate = forms.BooleanField(label=gettext_lazy("重新生成（保留旧版本）"), required=False)

    def __init__(self, *args, plan, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.user = user
        today = timezone.localdate()
        kinds = set(DispatchReport.PERIOD_KIND.values())
        self.fields["period"].queryset = Period.objects.filter(plan=plan, kind__in=kinds, end__lt=today).order_by(
            "-end", "kind"
        )
        choices = [(str(b.id), b.name) for b in generatable_battles(user, plan)]
        if user.is_plan_admin:
            choices.insert(0, ("all", _("全方案")))
        self.fields["battle"].choices = choices

    def clean(self):
        data = super().clean()
        kind, period = data.get("kind"), data.get("period")
        if kind and period and period.kind != DispatchReport.PERIOD_KIND[kind]:
            self.add_error(
                "period",
                _("%(kind)s按%(period_kind)s生成，请选择对应的期。")
                % {
                    "kind": DispatchReport.Kind(kind).label,
                    "period_kind": Period.Kind(DispatchReport.PERIOD_KIND[kind]).label,
                },
            )
        battle = data.get("battle")
        if kind == DispatchReport.Kind.WARNING_SLIP and battle == "all":
            self.add_error("battle", _("提示单按仗出具，请选择一个仗。"))
        data["battle_id"] = None if battle in (None, "all") else int(battle)
        return data


@login_required
@require_POST
def generate(request, plan_code):
    plan = get_object_or_404(Plan, code=plan_code)
    form = GenerateForm(request.POST, plan=plan, user=request.user)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, _("未能生成：%(errors)s") % {"errors": errors})
        return redirect("reporting:archive", plan_code=plan.code)
    data = form.cleaned_data
    battle_id = data["battle_id"]
    if not can_generate(request.user, battle_id):
        raise Http404
    if data["kind"] == DispatchReport.Kind.WARNING_SLIP and not slip_needed(
        plan, data["period"], get_object_or_404(Battle, pk=battle_id, plan=plan)
    ):
        # No slip is issued without a red item: the status page would wait for one forever.
        messages.info(request, _("该仗本期没有亮红灯的指标或任务，不出具提示单。"))
        return redirect("reporting:archive", plan_code=plan.code)
    current = DispatchReport.objects.filter(
        plan=plan, kind=data["kind"], period=data["period"], battle_id=battle_id, is_current=True
    ).first()
    after = current.version if current else 0
    # Recorded first: if the broker does not take the job, the hourly catch-up still builds it.
    request_row = BuildRequest.objects.create(
        plan=plan,
        kind=data["kind"],
        period=data["period"],
        battle_id=battle_id,
        regenerate=data["regenerate"],
        after_version=after if data["regenerate"] else None,
        requested_by=request.user,
    )
    queued = queue_build(request_row)
    if not queued:
        messages.warning(request, _("报告生成服务暂时不可用，已记录请求，服务恢复后将自动补生成。"))
        return redirect("reporting:archive", plan_code=plan.code)
    query = f"?kind={data['kind']}&period={data['period'].id}&battle={battle_id or 'all'}"
    if data["regenerate"]:
        query += f"&after={after}"
    return redirect(reverse("reporting:build_status", args=[plan.code]) + query)


@login_required
def build_status(request, plan_code):
    """Progress of a requested build; the page refreshes itself until the report is ready."""
    plan = get_object_or_404(Plan, code=plan_code)
    kind = params.query_choice(request, "kind", DispatchReport.Kind.values)
    period_id = params.query_id(request, "period")
    battle = params.query_id(request, "battle", allow=("all",))
    after = params.query_id(request, "after", allow=("0",))
    if not kind or period_id is None or battle is None:
        raise Http404
    battle_id = None if battle == "all" else battle
    if not can_generate(request.user, battle_id):
        raise Http404
    period = get_object_or_404(Period, pk=period_id, plan=plan)
    report = (
        DispatchReport.objects.filter(plan=plan, kind=kind, period=period, battle_id=battle_id, is_current=True)
        .select_related("battle")
        .first()
    )
    if report is not None and after is not None and report.version <= int(after):
        report = None  # the regenerated version has not started yet
    done = report is not None and report.status != DispatchReport.Status.BUILDING
    return render(
        request,
        "reporting/status.html",
        {
            "plan": plan,
            "period": period,
            "kind_label": DispatchReport.Kind(kind).label,
            "report": report,
            "done": done,
        },
    )


@login_required
def notifications(request):
    items = list(Notification.objects.filter(user=request.user)[:200])
    return render(request, "reporting/notifications.html", {"items": items})


@login_required
def open_notification(request, pk):
    """Follow a notification's link, marking that notification read. Only the user's own
    notifications (another's id answers 404), and only a path on this site is followed: any
    other link leads to the notification list."""
    notification = get_object_or_404(Notification, pk=pk, user=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return redirect(notification.local_link or reverse("reporting:notifications"))


@login_required
@require_POST
def mark_notifications_read(request):
    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("reporting:notifications")
