"""Spreadsheet import and export (django-import-export) of departments and targets.

Column headers are fixed Chinese names (not translated: they are the file format). Departments are
referred to by name (or any alias) in cells; several are separated by 、.
An unknown name is a row error in Chinese, and the admin's preview shows it before anything
is confirmed. Every import runs in one transaction (all rows or none).
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from import_export import fields, resources, widgets

from targets.models import Battle, Department, DepartmentAlias, Target

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


class NumberWidget(widgets.Widget):
    """A decimal cell with a Chinese error; empty means no value."""

    def clean(self, value, row=None, **kwargs):
        if value is None or str(value).strip() == "":
            return None
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(_("不是数字：“%s”") % value) from None
        if not number.is_finite():
            raise ValueError(_("不是数字：“%s”") % value)
        return number

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        value = Decimal(value)
        return str(value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize())


class YesNoWidget(widgets.BooleanWidget):
    TRUE_VALUES = ["是", "1", 1, True, "true", "TRUE", "True"]
    FALSE_VALUES = ["否", "0", 0, False, "false", "FALSE", "False", "", None]

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


class RowErrorsMixin:
    """Adds errors of columns that are not model fields to the row's validation errors, and lets the
    admin's export queryset (the changelist's) preload what the columns read."""

    def preload(self, queryset):
        return queryset

    def export(self, queryset=None, **kwargs):
        return super().export(
            queryset=self.preload(queryset if queryset is not None else self.get_queryset()), **kwargs
        )

    def extra_errors(self, instance, row):
        return {}

    def import_instance(self, instance, row, **kwargs):
        errors = {}
        try:
            super().import_instance(instance, row, **kwargs)
        except ValidationError as exc:
            errors.update(exc.error_dict)
        errors.update(self.extra_errors(instance, row))
        if errors:
            raise ValidationError(errors)


class DepartmentResource(RowErrorsMixin, resources.ModelResource):
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="类别", widget=ChoiceWidget(Department.Kind.choices))
    aliases = fields.Field(column_name="别名")
    order = fields.Field(attribute="order", column_name="排序", widget=widgets.IntegerWidget(), default=0)

    class Meta:
        model = Department
        fields = ("name", "kind", "aliases", "order")
        import_id_fields = ("name",)
        use_transactions = True

    def get_queryset(self):
        return self.preload(Department.objects.all())

    def preload(self, queryset):
        return queryset.prefetch_related(Prefetch("aliases", DepartmentAlias.objects.order_by("id")))

    def dehydrate_aliases(self, department):
        return SEPARATOR.join(alias.name for alias in department.aliases.all())

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
        instance._import_aliases = aliases
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
    code = fields.Field(attribute="code", column_name="编号")
    name = fields.Field(attribute="name", column_name="指标")
    comparator = fields.Field(
        attribute="comparator", column_name="比较", widget=ChoiceWidget(Target.Comparator.choices)
    )
    value = fields.Field(attribute="value", column_name="目标值", widget=NumberWidget())
    unit = fields.Field(attribute="unit", column_name="单位")
    kind = fields.Field(attribute="kind", column_name="类型", widget=ChoiceWidget(Target.Kind.choices))
    frequency = fields.Field(
        attribute="frequency", column_name="报送频次", widget=ChoiceWidget(Target.Frequency.choices)
    )
    departments = fields.Field(column_name="责任单位")
    departments_inferred = fields.Field(
        attribute="departments_inferred", column_name="责任单位为推定", widget=YesNoWidget()
    )
    by_area = fields.Field(attribute="by_area", column_name="分县市区", widget=YesNoWidget())
    source = fields.Field(attribute="source", column_name="原文")
    general_plan_source = fields.Field(attribute="general_plan_source", column_name="总体方案原文")
    order = fields.Field(attribute="order", column_name="排序", widget=widgets.IntegerWidget(), default=0)

    class Meta:
        model = Target
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

    def after_save_instance(self, instance, row, **kwargs):
        wanted = instance._import_departments
        if wanted is not None and [d.pk for d in instance.departments.all()] != [d.pk for d in wanted]:
            instance.departments.set(wanted)
