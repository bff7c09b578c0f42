from django.contrib import admin

from reporting.models import DispatchReport, Publication, ReminderLog


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


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Publications are made and withdrawn (撤回, keeping the record) from the publish page; here
    they are listed with who withdrew them and, deleted, removed with their record."""

    list_display = ("plan", "battle", "period", "published_at", "published_by", "withdrawn_at", "withdrawn_by")
    list_filter = ("plan", "battle", ("withdrawn_at", admin.EmptyFieldListFilter))
    readonly_fields = (
        "plan",
        "battle",
        "period",
        "content",
        "published_at",
        "published_by",
        "withdrawn_at",
        "withdrawn_by",
    )
    fields = (
        "plan",
        "battle",
        "period",
        "highlights",
        "content",
        "published_at",
        "published_by",
        "withdrawn_at",
        "withdrawn_by",
    )

    def has_add_permission(self, request):
        return False
