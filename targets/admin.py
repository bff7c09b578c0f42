from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportModelAdmin
from simple_history.admin import SimpleHistoryAdmin

from targets.models import Battle, Department, DepartmentAlias, Period, Plan, Target, TargetReading, TaskForce
from targets.resources import DepartmentResource, TargetResource
from targets.spreadsheets import (
    FORMATS,
    SpreadsheetExportForm,
    SpreadsheetImportForm,
    as_utf8_csv,
    read_failure_message,
)


class HistoryAdmin(SimpleHistoryAdmin):
    """Change history is shown but never reverted from the admin: it is the audit trail."""

    def revert_disabled(self, request, obj=None):
        return True

    def has_change_history_permission(self, request, obj=None):
        return False

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # The page of an old version may be read; posting it back would revert, which is refused.
        if request.method != "GET":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class SpreadsheetAdmin(ImportExportModelAdmin, HistoryAdmin):
    """XLSX/CSV import with preview and confirmation; importing needs the model's import_* permission.
    Formula escaping and size limits: targets/spreadsheets.py."""

    import_formats = FORMATS
    export_formats = FORMATS
    import_form_class = SpreadsheetImportForm
    export_form_class = SpreadsheetExportForm

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error("import_file", read_failure_message(e))

    def write_to_tmp_storage(self, import_file, input_format):
        # Both the preview and the confirmed import read this copy, as UTF-8.
        if not input_format.is_binary():
            import_file = as_utf8_csv(import_file)
        return super().write_to_tmp_storage(import_file, input_format)

    def import_action(self, request, **kwargs):
        # An error of the whole file (not of a row) is shown on the form in Chinese, in place of
        # the package's English message and traceback; nothing was written either way.
        response = super().import_action(request, **kwargs)
        context = getattr(response, "context_data", None) or {}
        result = context.get("result")
        if result is not None and result.base_errors:
            context["form"].add_error("import_file", read_failure_message(result.base_errors[0].error))
            del context["result"]
            context.pop("confirm_form", None)
        return response


class BattleInline(admin.TabularInline):
    model = Battle
    fields = ["number", "name", "short_name"]
    extra = 0
    show_change_link = True


class KeepsRecordedProgressAdmin(HistoryAdmin):
    """A plan or battle with progress reports or readings is not deleted in the admin: that would
    take every report and reading with it (a plan's periods refuse it anyway), and the page that
    lists the tens of thousands of rows first ran past the request timeout (a 500)."""

    progress_lookups = ()

    def has_delete_permission(self, request, obj=None):
        if obj is not None:
            recorded = Q()
            for lookup in self.progress_lookups:
                recorded |= Q(**{f"{lookup}__isnull": False})
            if type(obj).objects.filter(recorded, pk=obj.pk).exists():
                return False
        return super().has_delete_permission(request, obj)

    def get_actions(self, request):
        # The bulk delete would list every row before it checked each object's permission.
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions


@admin.register(Plan)
class PlanAdmin(KeepsRecordedProgressAdmin):
    list_display = ["code", "title", "year", "document_number", "issued_on"]
    list_filter = ["year"]
    search_fields = ["code", "title", "document_number"]
    inlines = [BattleInline]
    progress_lookups = ("periods__reports", "periods__readings")


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    extra = 0


@admin.register(Department)
class DepartmentAdmin(SpreadsheetAdmin):
    resource_classes = [DepartmentResource]
    list_display = ["name", "kind", "alias_list", "order"]
    list_filter = ["kind"]
    search_fields = ["name", "aliases__name"]
    inlines = [DepartmentAliasInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("aliases")

    @admin.display(description=_("别名"))
    def alias_list(self, obj):
        return "、".join(alias.name for alias in obj.aliases.all())


@admin.register(DepartmentAlias)
class DepartmentAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "department"]
    list_select_related = ["department"]
    list_filter = ["department__kind"]
    search_fields = ["name", "department__name"]
    autocomplete_fields = ["department"]


class TargetInline(admin.TabularInline):
    model = Target
    fields = ["code", "name", "comparator", "value", "unit", "kind", "frequency", "order"]
    extra = 0
    show_change_link = True


class TaskForceInline(admin.StackedInline):
    model = TaskForce
    fields = ["name", "convener", "deputy_conveners", "office", "members", "source"]
    autocomplete_fields = ["office", "members"]
    extra = 0
    show_change_link = True


@admin.register(Battle)
class BattleAdmin(KeepsRecordedProgressAdmin):
    progress_lookups = ("sections__tasks__reports", "targets__readings")
    list_display = ["number", "name", "short_name", "plan"]
    list_display_links = ["number", "name"]
    list_select_related = ["plan"]
    list_filter = ["plan"]
    search_fields = ["name", "short_name", "work_plan_title"]
    inlines = [TaskForceInline, TargetInline]


class TaskForceMemberInline(admin.TabularInline):
    model = TaskForce.members.through
    autocomplete_fields = ["department"]
    extra = 0
    verbose_name = _("成员单位")
    verbose_name_plural = _("成员单位")


@admin.register(TaskForce)
class TaskForceAdmin(HistoryAdmin):
    list_display = ["name", "battle", "convener", "office"]
    list_select_related = ["battle__plan", "office"]
    list_filter = ["battle__plan"]
    search_fields = ["name", "convener", "office__name", "members__name"]
    autocomplete_fields = ["office"]
    exclude = ["members"]
    inlines = [TaskForceMemberInline]


@admin.register(Target)
class TargetAdmin(SpreadsheetAdmin):
    resource_classes = [TargetResource]
    list_display = ["code", "name", "battle", "comparator", "value", "unit", "kind", "frequency", "by_area"]
    list_display_links = ["code", "name"]
    list_select_related = ["battle__plan"]
    list_filter = ["battle__plan", "battle", "kind", "frequency", "comparator", "by_area", "departments_inferred"]
    search_fields = ["code", "name", "source", "departments__name"]
    autocomplete_fields = ["departments"]


@admin.register(Period)
class PeriodAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "kind", "start", "end", "deadline", "deadline_is_estimate", "closed_at"]
    list_select_related = ["plan"]
    list_filter = ["plan", "kind", "deadline_is_estimate"]
    date_hierarchy = "start"


@admin.register(TargetReading)
class TargetReadingAdmin(HistoryAdmin):
    list_display = ["target", "period", "area", "department", "cumulative_value", "cumulative_growth", "updated_at"]
    list_select_related = ["target", "period", "area", "department"]
    list_filter = ["target__battle__plan", "period__kind", "is_demo"]
    search_fields = ["target__name", "target__code", "department__name", "area__name"]
    autocomplete_fields = ["target", "area", "department", "entered_by"]
    readonly_fields = ["updated_at"]
