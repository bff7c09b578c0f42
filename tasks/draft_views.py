"""Pages to read a plan document into a draft, review what the reader was unsure of, and load it."""

import copy
import io
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from targets.models import Comparator, Department, Frequency, Target
from tasks import plan_drafts
from tasks.access import may_upload_plan_draft, plan_draft_for_user, visible_plan_drafts
from tasks.models import Task
from tasks.plan_file import PlanFileError
from tasks.plan_reader import ReadError

MAX_UPLOAD = 20 * 1024 * 1024


class UploadForm(forms.Form):
    document = forms.FileField(
        label=gettext_lazy("方案文件（.docx 或 .txt）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".docx,.txt"}),
    )
    text = forms.CharField(
        label=gettext_lazy("或粘贴方案全文（从政府网站复制）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    code = forms.SlugField(
        label=gettext_lazy("规划代码（英文字母、数字、-，如 huaihua-2024；留空则为 plan-年度）"),
        required=False,
        max_length=64,
    )

    def clean_document(self):
        document = self.cleaned_data.get("document")
        if document and document.size > MAX_UPLOAD:
            raise forms.ValidationError(_("文件超过 20 MB"))
        if document and not document.name.lower().endswith((".docx", ".txt", ".doc")):
            raise forms.ValidationError(_("只能上传 .docx 或 .txt 文件"))
        return document

    def clean(self):
        data = super().clean()
        if not data.get("document") and not (data.get("text") or "").strip():
            raise forms.ValidationError(_("请上传方案文件，或粘贴方案全文"))
        return data


@login_required
def draft_list(request):
    if not may_upload_plan_draft(request.user):
        raise Http404
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        document = form.cleaned_data["document"]
        try:
            if document:
                draft = plan_drafts.create_draft(request.user, document, document.name, form.cleaned_data["code"])
            else:
                text = io.BytesIO(form.cleaned_data["text"].encode("utf-8"))
                draft = plan_drafts.create_draft(request.user, text, _("粘贴的文本"), form.cleaned_data["code"])
        except ReadError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已读取“%s”，请核对下列存疑之处。") % draft.filename)
            return redirect("tasks:draft_review", pk=draft.pk)
    drafts = visible_plan_drafts(request.user).select_related("created_by", "office", "loaded_plan").defer("data")
    return render(request, "tasks/draft_list.html", {"form": form, "drafts": drafts})


def _battle_numbers(draft):
    return [b["number"] for b in draft.data["battles"]]


@login_required
def draft_review(request, pk, load_errors=None, status=200):
    draft = plan_draft_for_user(request.user, pk)
    groups = {key: items for key, _title, items in plan_drafts.grouped_flags(draft)}
    names = plan_drafts.department_names(draft)
    # One form per written name, however many tasks use it.
    department_items = {}
    for record, flag, _index in groups["departments"]:
        item = department_items.setdefault(
            flag["written"],
            {"written": flag["written"], "flag": flag, "records": [], "candidates": _candidate_names(flag)},
        )
        item["records"].append(record)
    lead_items = []
    for record, flag, _index in groups["leads"]:
        task = plan_drafts.record_object(draft, record["path"])
        choices = list(dict.fromkeys(task["lead"] + task["responsible"] + task["cooperating"]))
        lead_items.append({"record": record, "flag": flag, "task": task, "choices": choices})
    figure_items = []
    for record, flag, index in groups["figures"]:
        obj = plan_drafts.record_object(draft, record["path"])
        if record["kind"] == "target":
            figure_items.append({"record": record, "flag": flag, "index": index, "target": obj})
        else:
            metric_index = next((i for i, m in enumerate(obj["metrics"]) if m["source"] == flag.get("metric")), None)
            figure_items.append(
                {
                    "record": record,
                    "flag": flag,
                    "index": index,
                    "metric": obj["metrics"][metric_index] if metric_index is not None else None,
                    "metric_index": metric_index,
                }
            )
    basis_labels = dict(Task.Basis.choices)
    battles = copy.deepcopy(draft.data["battles"])
    for battle in battles:
        for section in battle["sections"]:
            for task in section["tasks"]:
                task["basis"] = basis_labels.get(task["basis"], task["basis"])
    context = {
        "draft": draft,
        "plan": draft.data["plan"],
        "battles": battles,
        "department_items": list(department_items.values()),
        "lead_items": lead_items,
        "figure_items": figure_items,
        "number_items": groups["numbers"],
        "other_items": groups["other"],
        "open_flags": draft.open_flag_count,
        "department_names": names,
        "department_kinds": Department.Kind.choices,
        "comparators": Comparator.choices,
        "target_kinds": Target.Kind.choices,
        "frequencies": Frequency.choices,
        "target_records": [r for r in draft.records if r["kind"] == "target"],
        "load_errors": load_errors,
        "may_load": _may_load(request.user, draft),
    }
    return render(request, "tasks/draft_review.html", context, status=status)


def _candidate_names(flag):
    # "市发展改革委（发改委）" → 市发展改革委: the reader offers names with the alias that matched.
    return [c.split("（", 1)[0] for c in flag.get("candidates", [])]


def _may_load(user, draft):
    return user.is_plan_admin or draft.office_id is not None


def _back(draft, anchor=""):
    return redirect(reverse("tasks:draft_review", args=[draft.pk]) + (f"#{anchor}" if anchor else ""))


class DepartmentForm(forms.Form):
    written = forms.CharField(max_length=100)
    department = forms.CharField(max_length=100, required=False)
    new_name = forms.CharField(max_length=100, required=False)
    kind = forms.ChoiceField(choices=Department.Kind.choices, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("department") and not data.get("new_name"):
            raise forms.ValidationError(_("请选择已有单位，或填写新单位名称"))
        return data


@login_required
@require_POST
def draft_department(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    form = DepartmentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return _back(draft, "departments")
    data = form.cleaned_data
    if data["new_name"]:
        name, kind = data["new_name"].strip(), data["kind"] or None
    else:
        name, kind = data["department"], None
        if name not in plan_drafts.department_names(draft):
            messages.error(request, _("单位“%s”不在单位名录中") % name)
            return _back(draft, "departments")
    plan_drafts.resolve_department(draft, data["written"], name, kind)
    messages.success(request, _("“%(written)s”已改为“%(name)s”。") % {"written": data["written"], "name": name})
    return _back(draft, "departments")


@login_required
@require_POST
def draft_lead(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    path = request.POST.get("path", "")
    lead = request.POST.get("lead", "")
    if lead not in plan_drafts.department_names(draft):
        messages.error(request, _("请选择牵头单位"))
        return _back(draft, "leads")
    try:
        plan_drafts.set_lead(draft, path, [lead])
    except (KeyError, IndexError, ValueError):
        raise Http404 from None
    messages.success(request, _("已确认牵头单位：%s") % lead)
    return _back(draft, "leads")


def _decimal(text):
    text = (text or "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(_("数值“%s”不是数字") % text) from None
    if not value.is_finite() or abs(value) >= Decimal(10) ** 12:
        raise forms.ValidationError(_("数值“%s”超出范围") % text)
    return int(value) if value == value.to_integral_value() else float(value)


class FigureForm(forms.Form):
    name = forms.CharField(max_length=200)
    comparator = forms.ChoiceField(choices=Comparator.choices)
    value = forms.CharField(max_length=30, required=False)
    unit = forms.CharField(max_length=20, required=False)

    def clean_value(self):
        return _decimal(self.cleaned_data["value"])


class TargetForm(FigureForm):
    kind = forms.ChoiceField(choices=Target.Kind.choices)
    frequency = forms.ChoiceField(choices=Frequency.choices)
    departments = forms.CharField(max_length=1000, required=False)


@login_required
@require_POST
def draft_target(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    path = request.POST.get("path", "")
    try:
        if request.POST.get("delete"):
            plan_drafts.delete_target(draft, path)
            messages.success(request, _("已从草稿中删除该指标。"))
            return _back(draft, "targets")
        form = TargetForm(request.POST)
        if not form.is_valid():
            messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
            return _back(draft, "targets")
        names = [n.strip() for n in form.cleaned_data["departments"].replace(",", "、").split("、") if n.strip()]
        known = set(plan_drafts.department_names(draft))
        unknown = [n for n in names if n not in known]
        if unknown:
            messages.error(request, _("单位不在名录中：%s") % "、".join(unknown))
            return _back(draft, "targets")
        plan_drafts.update_target(draft, path, {**form.cleaned_data, "departments_inferred": False}, names)
    except (KeyError, IndexError):
        raise Http404 from None
    messages.success(request, _("指标已保存。"))
    return _back(draft, "targets")


class TaskForceForm(forms.Form):
    battle = forms.IntegerField(min_value=0)
    name = forms.CharField(max_length=100)
    convener = forms.CharField(max_length=100)
    office = forms.CharField(max_length=100)
    members = forms.CharField(max_length=2000, required=False)


@login_required
@require_POST
def draft_task_force(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    form = TaskForceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("工作专班须填写名称、召集人和专班办公室"))
        return _back(draft, "task-forces")
    data = form.cleaned_data
    if data["battle"] >= len(draft.data["battles"]):
        raise Http404
    known = set(plan_drafts.department_names(draft))
    members = [n.strip() for n in data["members"].replace(",", "、").replace("，", "、").split("、") if n.strip()]
    unknown = [n for n in [data["office"], *members] if n not in known]
    if unknown:
        messages.error(request, _("单位不在名录中：%s") % "、".join(unknown))
        return _back(draft, "task-forces")
    plan_drafts.update_task_force(draft, data["battle"], data, members)
    messages.success(request, _("工作专班已保存。"))
    return _back(draft, "task-forces")


@login_required
@require_POST
def draft_metric(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    form = FigureForm(request.POST)
    if not form.is_valid() or form.cleaned_data["value"] is None:
        messages.error(request, _("量化指标须有名称、比较方式和数值"))
        return _back(draft, "figures")
    try:
        plan_drafts.update_metric(
            draft, request.POST.get("path", ""), int(request.POST.get("index", "")), form.cleaned_data
        )
    except (KeyError, IndexError, ValueError):
        raise Http404 from None
    messages.success(request, _("量化指标已保存。"))
    return _back(draft, "figures")


@login_required
@require_POST
def draft_dismiss(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    try:
        plan_drafts.dismiss_flag(draft, request.POST.get("path", ""), int(request.POST.get("index", "")))
    except (KeyError, IndexError, ValueError):
        raise Http404 from None
    return _back(draft, request.POST.get("anchor", ""))


@login_required
def draft_download(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    response = HttpResponse(plan_drafts.plan_file_text(draft), content_type="application/x-yaml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{draft.code}.yaml"'
    return response


@login_required
@require_POST
def draft_load(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    if not _may_load(request.user, draft):
        raise Http404
    try:
        result = plan_drafts.load_draft(draft, request.user)
    except PlanFileError as exc:
        return draft_review(request, pk, load_errors=exc.errors, status=422)
    messages.success(request, " ".join(result.summary_lines()[:2]))
    return redirect("dash:overview", code=result.plan.code)


@login_required
@require_POST
def draft_delete(request, pk):
    draft = plan_draft_for_user(request.user, pk)
    draft.delete()
    messages.success(request, _("草稿已删除。"))
    return redirect("tasks:draft_list")
