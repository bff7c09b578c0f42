"""Spreadsheet import and export (django-import-export) of departments and targets.

Column headers are fixed Chinese names (not translated: they are the file format). Departments are
referred to by name (or any alias) in cells; several are separated by 、.
An unknown name is a row error in Chinese, and the admin's preview shows it before anything
is confirmed. Every import runs in one transaction (all rows or none).
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, results, widgets

from targets.models import Battle, Department, DepartmentAlias, Target
from targets.spreadsheets import SpreadsheetRefused, is_formula, unescape_cell

SEPARATOR = "、"
# People paste lists with commas or semicolons too; names never contain them.
SPLIT = re.compile(r"[、,，;；\n]+")


def split_names(value):
    return [name.strip() for name in SPLIT.split(str(value or "")) if name.strip()]


def resolve_departments(value):
    """Departments named in a cell, in order, aliases resolved; ValueError naming the unknown ones."""
    names = split_names(value)
    if not names:
        return []
    found = {d.name: d for d in Department.objects.filter(name__in=names)}
    for alias in DepartmentAlias.objects.filter(name__in=names).select_related("department"):
        found.setdefault(alias.name, alias.department)
    unknown = [name for name in names if name not in found]
    if unknown:
        raise ValueError(_("未知单位：%s（请先在“单位”中添加，或改用已有名称）") % SEPARATOR.join(unknown))
    result = []
    for name in names:
        if found[name] not in result:
            result.append(found[name])
    return result


class ChoiceWidget(widgets.Widget):
    """A choice cell: the code or the Chinese label is accepted; the label is exported."""

    def __init__(self, choices, **kwargs):
        self.choices = choices
        super().__init__(**kwargs)

    def clean(self, value, row=None, **kwargs):
        value = str(value or "").strip()
        for code, label in self.choices:
            if value in (code, str(label)):
                return code
        raise ValueError(
            _("“%(value)s”不是可选值（%(options)s）")
            % {"value": value, "options": SEPARATOR.join(str(label) for _code, label in self.choices)}
        )

    def render(self, value, obj=None, **kwargs):
        return str(dict(self.choices).get(value, value or ""))


def _decimal_cell(value, message):
    """A cell's finite Decimal, None when empty; ValueError(`message` % value) otherwise."""
    if value is None or str(value).strip() == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(message % value) from None
    if not number.is_finite():
        raise ValueError(message % value)
    return number


class NumberWidget(widgets.Widget):
    """A decimal cell with a Chinese error; empty means no value."""

    def clean(self, value, row=None, **kwargs):
        return _decimal_cell(value, _("不是数字：“%s”"))

    def render(self, value, obj=None, **kwargs):
        # A number, not its text: Excel sums a number cell and flags a text one (CSV writes either
        # the same way). Whole values as int, so that 780 is not written as 780.00.
        if value is None:
            return ""
        value = Decimal(value)
        return int(value) if value == value.to_integral_value() else value.normalize()


class WholeNumberWidget(widgets.Widget):
    """An integer cell with a Chinese error (the package's widget reports "[<class
    'decimal.ConversionSyntax'>]" for text); empty means no value."""

    def clean(self, value, row=None, **kwargs):
        number = _decimal_cell(value, _("不是整数：“%s”"))
        if number is None:
            return None
        if number != number.to_integral_value():
            raise ValueError(_("不是整数：“%s”") % value)
        return int(number)

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else int(value)  # a number cell (see NumberWidget.render)


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "1", 1, True, "true", "TRUE", "True"]
    FALSE_VALUES = ["否", "0", 0, False, "false", "FALSE", "False", "", None]

    def clean(self, value, row=None, **kwargs):
        # The package reads anything it does not know ("对", "Y") as False, silently.
        if isinstance(value, str):
            value = value.strip()
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ValueError(_("“%s”应填“是”或“否”") % value)

    def render(self, value, obj=None, **kwargs):
        return _("是") if value else _("否")


class BattleWidget(widgets.Widget):
    """The battle number column, looked up within the plan named in the row's 方案 column."""

    def clean(self, value, row=None, **kwargs):
        plan_code = str((row or {}).get("方案") or "").strip()
        try:
            number = int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(_("仗序号应为整数：“%s”") % value) from None
        battle = Battle.objects.filter(plan__code=plan_code, number=number).first()
        if battle is None:
            raise ValueError(_("方案“%(plan)s”中没有第 %(n)s 仗") % {"plan": plan_code, "n": number})
        return battle

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class TextWidget(widgets.Widget):
    """A text cell: an empty cell (None from XLSX) is the empty text the model stores, never NULL."""

    def clean(self, value, row=None, **kwargs):
        return "" if value is None else str(value).strip()

    def render(self, value, obj=None, **kwargs):
        return "" if value is None else str(value)


class ClassDiff(resources.Diff):
    """The import preview's diff with classes (static/css/admin-extra.css) instead of the style=
    attributes diff_match_patch writes, which the CSP blocks. The cell text is already escaped."""

    TAGS = {
        '<ins style="background:#e6ffe6;">': '<ins class="diff-ins">',
        '<del style="background:#ffe6e6;">': '<del class="diff-del">',
    }

    def as_html(self):
        cells = []
        for html in super().as_html():
            for styled, classed in self.TAGS.items():
                html = html.replace(styled, classed)
            cells.append(mark_safe(html))  # noqa: S308 - diff_match_patch escaped the text
        return cells


class RowErrorsMixin:
    """What every spreadsheet resource shares:

    - errors of columns that are not model fields join the row's validation errors, in Chinese;
    - cells that would run as formulas are refused; the apostrophe export puts in front of such
      text (targets.spreadsheets) is removed;
    - a row that changes nothing is skipped (reported as 0 changes), the relation columns compared
      by `extra_changed`; a row the database refuses is an invalid row with a Chinese message;
    - the admin's export queryset (the changelist's) preloads what the columns read.
    """

    def get_diff_class(self):
        return ClassDiff

    def get_result_class(self):
        # The preview labels a row's errors by key: the column's Chinese name, not the attribute
        # ("分县市区", not "by_area"; model validation keys errors by field name too).
        columns = {name: field.column_name for name, field in self.fields.items()}
        columns.update({field.attribute: field.column_name for field in self.fields.values() if field.attribute})

        class ColumnNamedResult(results.Result):
            def append_invalid_row(self, number, row, validation_error):
                if hasattr(validation_error, "error_dict"):
                    validation_error = ValidationError(
                        {columns.get(key, key): errors for key, errors in validation_error.error_dict.items()}
                    )
                super().append_invalid_row(number, row, validation_error)

        return ColumnNamedResult

    def preload(self, queryset):
        return queryset

    def export(self, queryset=None, **kwargs):
        return super().export(
            queryset=self.preload(queryset if queryset is not None else self.get_queryset()), **kwargs
        )

    def before_import(self, dataset, **kwargs):
        # The package's own message for a missing key column is English, with a traceback.
        missing = [
            self.fields[name].column_name
            for name in self.get_import_id_fields()
            if self.fields[name].column_name not in (dataset.headers or [])
        ]
        if missing:
            raise SpreadsheetRefused(
                _("缺少列：%(missing)s。第一行应为列名，与导出的文件相同：%(columns)s。")
                % {
                    "missing": SEPARATOR.join(missing),
                    "columns": SEPARATOR.join(f.column_name for f in self.get_user_visible_fields()),
                }
            )
        super().before_import(dataset, **kwargs)

    def extra_errors(self, instance, row):
        return {}

    def extra_changed(self, instance, original):
        """Whether the row changes what columns outside the model's own fields hold."""
        return False

    def before_import_row(self, row, **kwargs):
        columns = {field.column_name: name for name, field in self.fields.items() if not field.readonly}
        self._formula_errors = {}
        for column, value in row.items():
            if column in columns and is_formula(value):
                self._formula_errors[columns[column]] = _(
                    "“%(column)s”以“%(start)s”开头，会被电子表格软件当作公式执行，已拒绝导入。"
                    "如确为文字，请在开头加英文单引号（'）。"
                ) % {"column": column, "start": value[:1].replace("\t", "Tab").replace("\r", "回车")}
            row[column] = unescape_cell(value)
        super().before_import_row(row, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        errors = dict(self._formula_errors)
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        errors.update(self.extra_errors(instance, row))
        if errors:
            raise ValidationError(errors)

    def skip_row(self, instance, original, row, import_validation_errors=None):
        if not super().skip_row(instance, original, row, import_validation_errors):
            return False
        return original.pk is not None and not self.extra_changed(instance, original)

    def save_instance(self, instance, is_create, row, **kwargs):
        # A savepoint: on PostgreSQL a refused statement would otherwise abort the whole import.
        try:
            with transaction.atomic():
                super().save_instance(instance, is_create, row, **kwargs)
        except IntegrityError:
            raise ValidationError(_("该行与已有记录冲突或缺少必填内容，数据库拒绝保存，请检查本行。")) from None


class DepartmentResource(RowErrorsMixin, resources.ModelResource):
    name = fields.Field(attribute="name", column_name="名称", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="类别", widget=ChoiceWidget(Department.Kind.choices))
    aliases = fields.Field(column_name="别名")
    order = fields.Field(attribute="order", column_name="排序", widget=WholeNumberWidget(), default=0)

    class Meta:
        model = Department
        name = gettext_lazy("单位")  # shown in import-export's messages in place of the class name
        fields = ("name", "kind", "aliases", "order")
        import_id_fields = ("name",)
        use_transactions = True
        skip_unchanged = True
        clean_model_instances = True

    def get_queryset(self):
        return self.preload(Department.objects.all())

    def preload(self, queryset):
        # to_attr: the admin's changelist queryset already prefetches "aliases" (unordered).
        return queryset.prefetch_related(
            Prefetch("aliases", DepartmentAlias.objects.order_by("id"), to_attr="aliases_in_order")
        )

    def _alias_names(self, department):
        aliases = getattr(department, "aliases_in_order", None)
        if aliases is None:
            aliases = department.aliases.order_by("id")
        return [alias.name for alias in aliases]

    def dehydrate_aliases(self, department):
        return SEPARATOR.join(self._alias_names(department))

    def extra_changed(self, instance, original):
        wanted = getattr(instance, "_import_aliases", None)
        return wanted is not None and sorted(wanted) != sorted(self._alias_names(original))

    def extra_errors(self, instance, row):
        errors = {}
        name = str(row.get("名称") or "").strip()
        if not name:
            errors["name"] = _("名称不能为空")
        taken = DepartmentAlias.objects.filter(name=name).exclude(department__name=name).select_related("department")
        for alias in taken:
            errors["name"] = _("“%(name)s”已是单位“%(other)s”的别名") % {"name": name, "other": alias.department.name}
        aliases = split_names(row.get("别名"))
        problems = []
        for alias in aliases:
            if alias == name:
                problems.append(_("别名“%s”与名称相同") % alias)
            elif Department.objects.filter(name=alias).exists():
                problems.append(_("别名“%s”已是另一个单位的名称") % alias)
            else:
                owner = DepartmentAlias.objects.filter(name=alias).exclude(department__name=name).first()
                if owner:
                    problems.append(
                        _("别名“%(alias)s”已属于单位“%(other)s”") % {"alias": alias, "other": owner.department}
                    )
        if problems:
            errors["aliases"] = "；".join(problems)
        instance._import_aliases = aliases if "别名" in row else None
        return errors

    def after_save_instance(self, instance, row, **kwargs):
        if "别名" not in row:
            return
        wanted = instance._import_aliases
        instance.aliases.exclude(name__in=wanted).delete()
        have = set(instance.aliases.values_list("name", flat=True))
        DepartmentAlias.objects.bulk_create(
            DepartmentAlias(department=instance, name=alias) for alias in wanted if alias not in have
        )


class TargetResource(RowErrorsMixin, resources.ModelResource):
    plan = fields.Field(attribute="battle__plan__code", column_name="方案", readonly=True)
    battle = fields.Field(attribute="battle", column_name="仗序号", widget=BattleWidget())
    code = fields.Field(attribute="code", column_name="编号", widget=TextWidget())
    name = fields.Field(attribute="name", column_name="指标", widget=TextWidget())
    comparator = fields.Field(
        attribute="comparator", column_name="比较", widget=ChoiceWidget(Target.Comparator.choices)
    )
    value = fields.Field(attribute="value", column_name="目标值", widget=NumberWidget())
    unit = fields.Field(attribute="unit", column_name="单位", widget=TextWidget())
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceWidget(Target.Kind.choices))
    frequency = fields.Field(
        attribute="frequency", column_name="报送频次", widget=ChoiceWidget(Target.Frequency.choices)
    )
    departments = fields.Field(column_name="责任单位")
    departments_inferred = fields.Field(
        attribute="departments_inferred", column_name="责任单位为推定", widget=YesNoWidget()
    )
    by_area = fields.Field(attribute="by_area", column_name="分县市区", widget=YesNoWidget())
    source = fields.Field(attribute="source", column_name="原文", widget=TextWidget())
    general_plan_source = fields.Field(attribute="general_plan_source", column_name="总体方案原文", widget=TextWidget())
    order = fields.Field(attribute="order", column_name="排序", widget=WholeNumberWidget(), default=0)

    class Meta:
        model = Target
        name = gettext_lazy("指标")  # shown in import-export's messages in place of the class name
        fields = (
            "plan",
            "battle",
            "code",
            "name",
            "comparator",
            "value",
            "unit",
            "kind",
            "frequency",
            "departments",
            "departments_inferred",
            "by_area",
            "source",
            "general_plan_source",
            "order",
        )
        import_id_fields = ("battle", "code")
        use_transactions = True
        skip_unchanged = True
        clean_model_instances = True

    def get_queryset(self):
        return self.preload(Target.objects.all())

    def preload(self, queryset):
        return queryset.select_related("battle__plan").prefetch_related("departments")

    def dehydrate_departments(self, target):
        return SEPARATOR.join(d.name for d in target.departments.all())

    def extra_errors(self, instance, row):
        instance._import_departments = None
        if "责任单位" not in row:
            return {}
        try:
            instance._import_departments = resolve_departments(row["责任单位"])
        except ValueError as exc:
            return {"departments": str(exc)}
        return {}

    def extra_changed(self, instance, original):
        wanted = instance._import_departments
        return wanted is not None and [d.pk for d in wanted] != [d.pk for d in original.departments.all()]

    def after_save_instance(self, instance, row, **kwargs):
        wanted = instance._import_departments
        if wanted is not None and [d.pk for d in instance.departments.all()] != [d.pk for d in wanted]:
            instance.departments.set(wanted)
