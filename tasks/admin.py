from functools import partial

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from targets.admin import HistoryAdmin, SpreadsheetAdmin
from tasks import summaries
from tasks.models import Attachment, MetricValue, ProgressReport, ReportEvent, Responsibility, Section, Task, TaskMetric
from tasks.resources import TaskResource


class TaskInline(admin.TabularInline):
    model = Task
    fields = ["number", "title", "basis"]
    extra = 0
    show_change_link = True


class SectionResponsibilityInline(admin.TabularInline):
    """Departments named on the section heading itself (not on one of its tasks)."""

    model = Responsibility
    fields = ["department", "role", "order"]
    autocomplete_fields = ["department"]
    extra = 0
    verbose_name = _("板块责任单位")
    verbose_name_plural = _("板块责任单位")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(task__isnull=True).select_related("department")


@admin.register(Section)
class SectionAdmin(HistoryAdmin):
    list_display = ["__str__", "battle", "number"]
    list_select_related = ["battle__plan"]
    list_filter = ["battle__plan", "battle"]
    search_fields = ["title", "text"]
    inlines = [SectionResponsibilityInline, TaskInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Section-level units lead the tasks that name none of their own.
        summaries.rebuild(form.instance.tasks.values_list("pk", flat=True))


class ResponsibilityInline(admin.TabularInline):
    model = Responsibility
    fields = ["department", "role", "order"]
    autocomplete_fields = ["department"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("department")


class TaskMetricInline(admin.TabularInline):
    model = TaskMetric
    fields = ["name", "kind", "comparator", "value", "unit", "source", "order"]
    extra = 0


@admin.register(Task)
class TaskAdmin(SpreadsheetAdmin):
    resource_classes = [TaskResource]
    list_display = ["__str__", "section", "battle", "basis"]
    list_select_related = ["section__battle__plan"]
    list_filter = ["section__battle__plan", "section__battle", "basis"]
    search_fields = ["title", "text", "responsibility_note", "responsibilities__department__name"]
    inlines = [ResponsibilityInline, TaskMetricInline]

    @admin.display(description=_("仗"), ordering="section__battle__number")
    def battle(self, obj):
        return obj.section.battle

    def save_formset(self, request, form, formset, change):
        # Responsibilities and metrics of a task belong to the task's section as well.
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        for obj in instances:
            obj.section = form.instance.section
            obj.save()
        formset.save_m2m()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The task's lead units (or its section, hence its section's units) may have changed.
        summaries.rebuild([form.instance.pk])


@admin.register(Responsibility)
class ResponsibilityAdmin(HistoryAdmin):
    list_display = ["department", "role", "task", "section"]
    list_select_related = ["department", "task", "section__battle"]
    list_filter = ["role", "section__battle__plan", "section__battle", "department__kind"]
    search_fields = ["department__name", "task__title", "section__title"]
    autocomplete_fields = ["department", "task", "section"]

    # Who leads a task decides its summaries' lead columns: recount the tasks a row applies to.
    def save_model(self, request, obj, form, change):
        sections = {obj.section_id, form.initial.get("section")} - {None}
        super().save_model(request, obj, form, change)
        summaries.rebuild(Task.objects.filter(section_id__in=sections).values_list("pk", flat=True))

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        summaries.rebuild(Task.objects.filter(section_id=obj.section_id).values_list("pk", flat=True))

    @transaction.atomic  # the bulk delete action runs outside the change views' transaction
    def delete_queryset(self, request, queryset):
        sections = set(queryset.values_list("section_id", flat=True))
        super().delete_queryset(request, queryset)
        summaries.rebuild(Task.objects.filter(section_id__in=sections).values_list("pk", flat=True))


@admin.register(TaskMetric)
class TaskMetricAdmin(HistoryAdmin):
    list_display = ["name", "kind", "comparator", "value", "unit", "task", "section"]
    list_select_related = ["task", "section__battle"]
    list_filter = ["kind", "comparator", "section__battle__plan", "section__battle"]
    search_fields = ["name", "source", "task__title"]
    autocomplete_fields = ["task", "section"]


class MetricValueInline(admin.TabularInline):
    model = MetricValue
    fields = ["metric", "value"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("metric")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        # Only the report's own task's metrics are offered (not every metric of every plan).
        if db_field.name == "metric":
            report = getattr(request, "_admin_report", None)
            kwargs["queryset"] = TaskMetric.objects.filter(task=report.task) if report else TaskMetric.objects.none()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyInline(admin.TabularInline):
    """A report's record (events, files) shown in the admin but changed only by the workflow."""

    extra = 0
    can_delete = False
    select_related = ()

    def get_readonly_fields(self, request, obj=None):
        return self.fields

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.select_related)


class ReportEventInline(ReadOnlyInline):
    model = ReportEvent
    fields = ["action", "actor", "at", "reason", "version_number"]
    select_related = ["actor"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
    select_related = ["uploaded_by"]


@admin.register(ProgressReport)
class ProgressReportAdmin(HistoryAdmin):
    list_display = ["task", "department", "period", "status", "task_status", "submitted_at", "is_demo"]
    list_select_related = ["task", "department", "period"]
    list_filter = ["status", "task_status", "period__plan", "period__kind", "is_demo"]
    search_fields = ["task__title", "department__name", "progress"]
    autocomplete_fields = ["task", "department", "submitted_by", "reviewed_by"]
    readonly_fields = ["updated_at", "version"]
    inlines = [MetricValueInline, ReportEventInline, AttachmentInline]

    def get_object(self, request, object_id, from_field=None):
        report = super().get_object(request, object_id, from_field)
        request._admin_report = report
        return report

    # A correction of a report's status, task, period or task_status changes the summaries of
    # where it was and where it is (the admin's change view runs in one transaction).
    # After the inlines too: an approved report's metric values are in the summaries.
    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        obj = form.instance
        before = (form.initial.get("task"), form.initial.get("period"))
        summaries.refresh(obj.task, [obj.period_id])
        if change and before != (obj.task_id, obj.period_id) and None not in before:
            summaries.refresh(Task.objects.get(pk=before[0]), [before[1]])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        summaries.refresh(obj.task, [obj.period_id])

    @transaction.atomic  # the bulk delete action runs outside the change views' transaction
    def delete_queryset(self, request, queryset):
        places = set(queryset.values_list("task_id", "period_id"))
        super().delete_queryset(request, queryset)
        for task_id, period_id in places:
            summaries.refresh(Task.objects.get(pk=task_id), [period_id])


@admin.register(MetricValue)
class MetricValueAdmin(HistoryAdmin):
    list_display = ["metric", "value", "report"]
    list_select_related = ["metric", "report__task", "report__department", "report__period"]
    list_filter = ["report__period__plan"]
    search_fields = ["metric__name", "report__task__title", "report__department__name"]
    autocomplete_fields = ["report", "metric"]

    # An approved report's values are in its task's summaries (of the report before and after).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for report_id in {obj.report_id, form.initial.get("report")} - {None}:
            report = ProgressReport.objects.select_related("task").get(pk=report_id)
            summaries.refresh(report.task, [report.period_id])

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        summaries.refresh(obj.report.task, [obj.report.period_id])

    @transaction.atomic  # the bulk delete action runs outside the change views' transaction
    def delete_queryset(self, request, queryset):
        places = set(queryset.values_list("report__task_id", "report__period_id"))
        super().delete_queryset(request, queryset)
        for task_id, period_id in places:
            summaries.refresh(Task.objects.get(pk=task_id), [period_id])


@admin.register(ReportEvent)
class ReportEventAdmin(admin.ModelAdmin):
    list_display = ["report", "action", "actor", "at", "version_number"]
    list_select_related = ["report__task", "report__department", "report__period", "actor"]
    list_filter = ["action"]
    search_fields = ["report__task__title", "actor__username", "reason"]
    autocomplete_fields = ["report", "actor"]
    date_hierarchy = "at"


@admin.register(Attachment)
class AttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "report", "content_type", "size", "uploaded_by", "uploaded_at"]
    list_select_related = ["report__task", "report__department", "report__period", "uploaded_by"]
    search_fields = ["original_name", "report__task__title"]
    autocomplete_fields = ["report", "uploaded_by"]
    readonly_fields = ["uploaded_at"]

    # Files come in only through the report form, where their type is checked from the content;
    # the admin may look at them and delete them.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def delete_model(self, request, obj):
        self.delete_queryset(request, Attachment.objects.filter(pk=obj.pk))

    def delete_queryset(self, request, queryset):
        files = [(a.file.storage, a.file.name) for a in queryset]
        with transaction.atomic():
            for attachment in queryset:
                attachment._history_user = request.user
                attachment.delete()  # one by one, so each removal is in the history
            # Only once the rows are surely gone: a rollback must not leave rows without files.
            for storage, name in files:
                transaction.on_commit(partial(storage.delete, name))
