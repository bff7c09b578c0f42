"""Forms for entering target readings: one city-wide row plus, for by-area targets, a row per county."""

import re
import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from targets.models import Target
from targets.readings import VALUE_BOUNDS, value_fields_for

NOTE_MAX = 2000


def plain(number):
    """710.3000 → "710.3", 1E+3 → "1000": a stored figure as people write it."""
    if number is None:
        return None
    text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# Commas only as thousands separators: 1,234.5 is read, but 7,5 (a decimal comma) would silently
# become 75, so it is refused rather than guessed.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
TRAILING_ZEROS = re.compile(r"[+-]?\d*\.\d*0")


class FriendlyDecimalField(forms.DecimalField):
    """A number as people type it: full-width digits (７．５), thousands separators (1,234.5) and spaces
    are accepted, and a trailing percent sign (7.5%) where the column is in percent."""

    def __init__(self, *args, accepts_percent=False, **kwargs):
        self.accepts_percent = accepts_percent
        super().__init__(*args, **kwargs)

    def to_python(self, value):
        if isinstance(value, str):
            # NFKC turns full-width digits and the full-width comma and point into ASCII.
            value = unicodedata.normalize("NFKC", value).replace(" ", "").strip()
            if "," in value:
                if not THOUSANDS.fullmatch(value.removesuffix("%")):
                    raise forms.ValidationError(
                        _("逗号只能用作千位分隔符（如 1,234.5），小数请用小数点（如 7.5）。"), code="comma"
                    )
                value = value.replace(",", "")
            if self.accepts_percent and value.endswith("%"):
                value = value[:-1]
            if TRAILING_ZEROS.fullmatch(value):
                # 0.30000 is 0.3: not refused for having more than four decimals.
                value = value.rstrip("0").rstrip(".")
                value = value if value.lstrip("+-") else "0"  # ".0" is zero, not an empty cell
        return super().to_python(value)


def number_field(label, *, decimal_places, max_digits, min_value, max_value, help_text="", accepts_percent=False):
    return FriendlyDecimalField(
        accepts_percent=accepts_percent,
        label=label,
        required=False,
        max_digits=max_digits,
        decimal_places=decimal_places,
        min_value=min_value,
        max_value=max_value,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={
            "invalid": _("请输入数字，例如 123.45。"),
            "max_digits": _("数字位数过多，最多 %(max)s 位。"),
            "max_decimal_places": _("小数最多 %(max)s 位。"),
            "max_whole_digits": _("整数部分位数过多。"),
            "min_value": _("不能小于 %(limit_value)s。"),
            "max_value": _("不能大于 %(limit_value)s。"),
        },
    )


class ReadingForm(forms.Form):
    """One row of readings: city-wide (area None) or for one county or district."""

    data_source = forms.CharField(
        label=_("数据来源"),
        required=False,
        max_length=200,
        error_messages={"max_length": _("数据来源最多 %(limit_value)d 个字（现有 %(show_value)d 个）。")},
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": _("说明最多 %(limit_value)d 个字（现有 %(show_value)d 个）。")},
    )
    version = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)

    def __init__(self, *args, target, area=None, current=None, **kwargs):
        self.target = target
        self.area = area
        self.current = current  # the reading as saved now, or None
        if current is not None and "initial" not in kwargs:
            kwargs["initial"] = {name: plain(getattr(current, name)) for name in value_fields_for(target)}
            kwargs["initial"].update(data_source=current.data_source, note=current.note)
            kwargs["initial"]["version"] = current.version
        super().__init__(*args, **kwargs)
        # A growth rate's figures beside the rate are amounts in their own unit (亿元, not %).
        amount_unit = target.amount_unit if target.kind == Target.Kind.GROWTH_RATE else target.unit
        in_percent = amount_unit in ("%", "％")
        self.units = {"period_value": amount_unit, "cumulative_value": amount_unit, "cumulative_growth": "%"}
        numbers = {
            "period_value": number_field(
                _("本期值"),
                decimal_places=4,
                max_digits=18,
                min_value=VALUE_BOUNDS["period_value"][0],
                max_value=VALUE_BOUNDS["period_value"][1],
                accepts_percent=in_percent,
            ),
            "cumulative_value": number_field(
                _("累计值"),
                decimal_places=4,
                max_digits=18,
                min_value=VALUE_BOUNDS["cumulative_value"][0],
                max_value=VALUE_BOUNDS["cumulative_value"][1],
                accepts_percent=in_percent,
            ),
            "cumulative_growth": number_field(
                _("累计同比增速"),
                accepts_percent=True,
                decimal_places=2,
                max_digits=9,
                min_value=VALUE_BOUNDS["cumulative_growth"][0],
                max_value=VALUE_BOUNDS["cumulative_growth"][1],
                help_text=_("按可比价计算的累计增速，如 7.5 表示增长 7.5%。"),
            ),
        }
        fields = value_fields_for(target)
        for name in fields:
            self.fields[name] = numbers[name]
        # Numbers first, as people read the form left to right.
        self.order_fields([*fields, "data_source", "note", "version"])
        self.value_field_names = fields
        self.skipped = False
        # Inside the grid a cell has no visible label: name the row and the column for screen readers.
        row = area.name if area is not None else _("全市")
        for name in [*fields, "data_source", "note"]:
            self.fields[name].widget.attrs["aria-label"] = f"{row} {self.fields[name].label}"
        self.fields["note"].widget.attrs["rows"] = 1

    @property
    def number_cells(self):
        """The row's number fields with their units, in the grid's column order."""
        return [(self[name], self.units[name]) for name in self.value_field_names]

    @property
    def is_citywide(self):
        return self.area is None

    def clean(self):
        cleaned = super().clean()
        numbers = [cleaned.get(name) for name in self.value_field_names]
        if self.errors:
            return cleaned
        if (
            self.area is not None
            and all(value is None for value in numbers)
            and not (cleaned.get("data_source") or cleaned.get("note"))
        ):
            if self.current is not None and cleaned.get("version") is not None:
                # The user saw this county's figures and emptied them.
                self.add_error(None, _("已报送的数据不能清空；如需更正，请填写正确的数值。"))
            else:
                # An area row left empty: nothing to save (a colleague's figures saved meanwhile stay).
                self.skipped = True
            return cleaned
        if "cumulative_growth" in self.value_field_names and cleaned.get("cumulative_growth") is None:
            self.add_error("cumulative_growth", _("请填写累计同比增速。"))
        elif not self.value_field_names and not cleaned.get("note"):
            self.add_error("note", _("定性指标请在说明中填写完成情况。"))
        elif self.value_field_names and all(value is None for value in numbers):
            self.add_error(None, _("请至少填写本期值或累计值。"))
        return cleaned

    def values(self):
        """The model field values to save from this row."""
        values = {name: self.cleaned_data.get(name) for name in self.value_field_names}
        values["data_source"] = self.cleaned_data.get("data_source", "").strip()
        values["note"] = self.cleaned_data.get("note", "").strip()
        return values


def grid_columns(target):
    """The grid's number columns: (field name, label, unit)."""
    form = ReadingForm(target=target)
    return [(name, form.fields[name].label, form.units[name]) for name in form.value_field_names]


def reading_forms(target, areas, existing, data=None):
    """The city-wide form followed by one form per county (for by-area targets).

    Each area's form is prefixed with the area's id, so a posted row can only ever land on its
    own area; rows for areas the page did not offer are ignored.
    """
    forms_ = [ReadingForm(data, target=target, area=None, current=existing.get(None), prefix="city")]
    for area in areas:
        forms_.append(
            ReadingForm(data, target=target, area=area, current=existing.get(area.pk), prefix=f"area{area.pk}")
        )
    return forms_
