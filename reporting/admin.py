from django.contrib import admin

from reporting.models import DispatchReport, ReminderLog


@admin.register(DispatchReport)
class DispatchReportAdmin(admin.ModelAdmin):
    list_display = [
        "plan",
        "kind",
        "period",
        "battle",
        "issue_number",
        "version",
        "is_current",
        "status",
        "generated_at",
    ]
    list_filter = ["kind", "status", "is_current", "plan"]
    list_select_related = ["plan", "period", "battle"]
    readonly_fields = ["content", "docx_path", "xlsx_path", "generated_at", "generated_by", "error", "created_at"]


@admin.register(ReminderLog)
class ReminderLogAdmin(admin.ModelAdmin):
    list_display = ["period", "department", "step", "sent_at"]
    list_select_related = ["period", "department"]
