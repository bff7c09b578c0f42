from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from targets.forms import FriendlyDecimalField
from tasks.models import ProgressReport
from tasks.uploads import check_upload

PROGRESS_MAX = 5000
TEXT_MAX = 2000
REASON_MAX = 1000
MAX_FILES_PER_SAVE = 10
# MetricValue.value is DecimalField(max_digits=18, decimal_places=4).
METRIC_MAX = Decimal("99999999999999.9999")
# What to enter for a metric of each kind (targets/schedule.py metric_reading reads it so).
METRIC_HINTS = {
    "cumulative": _("填写年初至今累计完成数。"),
    "approximate": _("填写年初至今累计完成数。"),
    "growth_rate": _("填写年初至今累计同比增速（%），下降填负数。"),
    "decrease": _("填写同比减少的百分比，上升填负数。"),
    "level": _("填写最新值。"),
    "ceiling": _("填写最新值（不得超过上限）。"),
    "zero_tolerance": _("填写年初至今发生起数，未发生填0。"),
}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class PastedTextField(forms.CharField):
    """Text that may come from a PDF or another program, whose invisible NUL characters the
    database cannot store: they are dropped, where Django's own check refused the whole text with
    a message no reader could act on (the character cannot be seen to be deleted)."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\x00", "") if isinstance(value, str) else value


def text_field(label, max_length, rows=5):
    return PastedTextField(
        label=label,
        required=False,
        max_length=max_length,
        strip=True,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"max_length": _("不能超过 %(limit_value)d 个字（现有 %(show_value)d 个）。")},
    )


class ReportForm(forms.Form):
    """The ten-day progress report; metric fields are added per task metric."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, max_value=2**31 - 1)
    progress = text_field(_("工作进展"), PROGRESS_MAX, rows=8)
    task_status = forms.ChoiceField(
        label=_("推进状态"),
        choices=ProgressReport.TaskStatus.choices,
        error_messages={"invalid_choice": _("请选择有效的推进状态。"), "required": _("请选择推进状态。")},
    )
    problems = text_field(_("存在问题"), TEXT_MAX)
    next_steps = text_field(_("下步打算"), TEXT_MAX)
    files = MultipleFileField(
        label=_("佐证材料"),
        required=False,
        # A hint for the file picker only; the server checks the content (tasks.uploads).
        widget=MultipleFileInput(attrs={"accept": ".pdf,.doc,.docx,.xls,.xlsx,.jpg,.jpeg,.png"}),
        help_text=_("可多选；PDF、Word、Excel、JPEG、PNG，单个文件不超过 %(mb)s MB。"),
    )

    def __init__(self, *args, metrics=(), submitting=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.submitting = submitting
        self.metrics = list(metrics)
        self.fields["files"].help_text = self.fields["files"].help_text % {
            "mb": round(settings.ATTACHMENT_MAX_BYTES / 1024 / 1024, 1)
        }
        for metric in self.metrics:
            # A growth rate or a decrease may be negative (a fall, or a rise against a decrease).
            signed = metric.kind in ("growth_rate", "decrease")
            # Typed as on the readings page: full-width digits, 1,234.5, and 7.5% where the unit is %.
            self.fields[f"metric_{metric.pk}"] = FriendlyDecimalField(
                accepts_percent=metric.unit in ("%", "％"),
                label=metric.name,
                help_text=METRIC_HINTS.get(metric.kind, ""),
                required=False,
                min_value=None if signed else 0,
                max_value=METRIC_MAX,
                decimal_places=4,
                max_digits=18,
                localize=False,
                error_messages={
                    "invalid": _("请输入数字。"),
                    "min_value": _("不能为负数。"),
                    "max_value": _("数值过大。"),
                    "max_digits": _("数值位数过多（最多18位）。"),
                    "max_decimal_places": _("最多保留4位小数。"),
                    "max_whole_digits": _("整数部分位数过多。"),
                },
            )

    def metric_fields(self):
        return [(metric, self[f"metric_{metric.pk}"]) for metric in self.metrics]

    def clean_files(self):
        accepted = []
        uploads = self.cleaned_data.get("files") or []
        if len(uploads) > MAX_FILES_PER_SAVE:
            raise forms.ValidationError(_("一次最多上传 %(n)d 个文件。") % {"n": MAX_FILES_PER_SAVE})
        errors = []
        for upload in uploads:
            content_type, error = check_upload(upload, settings.ATTACHMENT_MAX_BYTES)
            if error:
                errors.append(error)
            else:
                accepted.append((upload, content_type))
        if errors:
            raise forms.ValidationError(errors)
        return accepted

    def clean(self):
        cleaned = super().clean()
        if self.submitting and not cleaned.get("progress") and "progress" not in self.errors:
            self.add_error("progress", _("提交前请填写工作进展。"))
        return cleaned

    def metric_values(self):
        return {metric.pk: self.cleaned_data.get(f"metric_{metric.pk}") for metric in self.metrics}


class ReasonForm(forms.Form):
    reason = PastedTextField(
        label=_("理由"),
        max_length=REASON_MAX,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("请填写理由。"),
            "max_length": _("理由不能超过 %(limit_value)d 个字（现有 %(show_value)d 个）。"),
        },
    )
