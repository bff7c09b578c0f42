"""Spreadsheet import and export of tasks with their lead/responsible/cooperating departments.

Column headers are fixed Chinese names (not translated: they are the file format).
Columns 牵头单位、负责单位、配合单位 hold department names separated by 、 (aliases accepted).
Tasks are found by plan, battle, section and task number; an import updates them in place.
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from import_export import fields, resources, widgets

from targets.resources import (
    SEPARATOR,
    ChoiceWidget,
    RowErrorsMixin,
    TextWidget,
    WholeNumberWidget,
    resolve_departments,
)
from tasks import summaries
from tasks.models import Responsibility, Section, Task

ROLE_COLUMNS = {
    Responsibility.Role.LEAD: "牵头单位",
    Responsibility.Role.RESPONSIBLE: "负责单位",
    Responsibility.Role.COOPERATING: "配合单位",
}


class SectionWidget(widgets.Widget):
    """The section number, looked up in the battle named by the row's 方案 and 仗序号 columns."""

    def clean(self, value, row=None, **kwargs):
        row = row or {}
        plan_code = str(row.get("方案") or "").strip()
        try:
            battle, number = int(str(row.get("仗序号")).strip()), int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(_("仗序号和板块序号应为整数")) from None
        section = Section.objects.filter(battle__plan__code=plan_code, battle__number=battle, number=number).first()
        if section is None:
            raise ValueError(
                _("方案“%(plan)s”第 %(battle)s 仗中没有第 %(n)s 个任务板块")
                % {"plan": plan_code, "battle": battle, "n": number}
            )
        return section

    def render(self, value, obj=None, **kwargs):
        return value.number if value else ""


class TaskResource(RowErrorsMixin, resources.ModelResource):
    plan = fields.Field(attribute="section__battle__plan__code", column_name="方案", readonly=True)
    battle = fields.Field(attribute="section__battle__number", column_name="仗序号", readonly=True)
    section = fields.Field(attribute="section", column_name="板块序号", widget=SectionWidget())
    number = fields.Field(attribute="number", column_name="任务序号", widget=WholeNumberWidget())
    title = fields.Field(attribute="title", column_name="任务", widget=TextWidget())
    text = fields.Field(attribute="text", column_name="任务内容", widget=TextWidget())
    responsibility_note = fields.Field(attribute="responsibility_note", column_name="责任分工原文", widget=TextWidget())
    basis = fields.Field(attribute="basis", column_name="责任依据", widget=ChoiceWidget(Task.Basis.choices))
    lead = fields.Field(column_name=ROLE_COLUMNS["lead"])
    responsible = fields.Field(column_name=ROLE_COLUMNS["responsible"])
    cooperating = fields.Field(column_name=ROLE_COLUMNS["cooperating"])

    class Meta:
        model = Task
        name = gettext_lazy("任务")  # shown in import-export's messages in place of the class name
        fields = (
            "plan",
            "battle",
            "section",
            "number",
            "title",
            "text",
            "responsibility_note",
            "basis",
            "lead",
            "responsible",
            "cooperating",
        )
        import_id_fields = ("section", "number")
        use_transactions = True
        skip_unchanged = True
        clean_model_instances = True

    def get_queryset(self):
        return self.preload(Task.objects.all())

    def preload(self, queryset):
        return queryset.select_related("section__battle__plan").prefetch_related("responsibilities__department")

    def _holders(self, task, role):
        return sorted((r for r in task.responsibilities.all() if r.role == role), key=lambda r: (r.order, r.pk))

    def _names(self, task, role):
        return SEPARATOR.join(r.department.name for r in self._holders(task, role))

    def extra_changed(self, instance, original):
        """Whether any role column names other departments, or the same in another order."""
        wanted = instance._import_roles
        return any(
            [d.pk for d in wanted.get(role, [])] != [r.department_id for r in self._holders(original, role)]
            for role in ROLE_COLUMNS
        )

    def dehydrate_lead(self, task):
        return self._names(task, Responsibility.Role.LEAD)

    def dehydrate_responsible(self, task):
        return self._names(task, Responsibility.Role.RESPONSIBLE)

    def dehydrate_cooperating(self, task):
        return self._names(task, Responsibility.Role.COOPERATING)

    def extra_errors(self, instance, row):
        errors = {}
        roles = {}
        for role, column in ROLE_COLUMNS.items():
            try:
                roles[role] = resolve_departments(row.get(column))
            except ValueError as exc:
                errors[role] = str(exc)
        if "lead" not in errors and not roles.get("lead"):
            errors["lead"] = _("每个任务至少要有一个牵头单位")
        seen = set()
        for role in ROLE_COLUMNS:
            for department in roles.get(role, []):
                if department.pk in seen:
                    errors[role] = _("单位“%s”出现在多个角色中，同一单位只能有一个角色") % department.name
                seen.add(department.pk)
        instance._import_roles = roles
        return errors

    def after_save_instance(self, instance, row, **kwargs):
        wanted = [(d.pk, role) for role in ROLE_COLUMNS for d in instance._import_roles[role]]
        current = {(r.department_id, r.role): r for r in instance.responsibilities.all()}
        for order, (department_id, role) in enumerate(wanted):
            existing = current.pop((department_id, role), None)
            if existing is None:
                Responsibility.objects.create(
                    section=instance.section, task=instance, department_id=department_id, role=role, order=order
                )
            elif existing.order != order:
                existing.order = order
                existing.save(update_fields=["order"])
        for stale in current.values():
            stale.delete()
        # The lead units may have changed: the task's summaries' lead columns follow them.
        summaries.rebuild([instance.pk])
