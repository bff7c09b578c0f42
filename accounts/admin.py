from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from accounts.models import GroupRobot, Notification, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "last_name", "first_name", "department", "role", "is_active", "is_staff"]
    list_select_related = ["department"]
    list_filter = ["role", "department__kind", "is_active", "is_staff", "is_superuser"]
    search_fields = ["username", "first_name", "last_name", "email", "department__name"]
    autocomplete_fields = ["department"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("单位与角色"), {"fields": ("department", "role", "phone")}),
    )
    add_fieldsets = (
        *BaseUserAdmin.add_fieldsets,
        (_("单位与角色"), {"fields": ("department", "role", "phone")}),
    )


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "text", "created_at", "read_at"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "text"]


class GroupRobotForm(forms.ModelForm):
    """The signing secret is never shown back; an empty field keeps the stored one."""

    secret = forms.CharField(
        label=_("加签密钥"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=GroupRobot._meta.get_field("secret").help_text,
    )
    clear_secret = forms.BooleanField(label=_("清除加签密钥"), required=False)

    class Meta:
        model = GroupRobot
        fields = ["department", "kind", "name", "webhook_url", "secret", "clear_secret", "is_active"]

    def clean_webhook_url(self):
        url = self.cleaned_data["webhook_url"]
        if not url.startswith(("https://", "http://")):
            raise forms.ValidationError(_("Webhook 地址须以 https:// 开头。"))
        return url

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("clear_secret"):
            cleaned["secret"] = ""
        elif not cleaned.get("secret") and self.instance.pk:
            cleaned["secret"] = self.instance.secret
        return cleaned


@admin.register(GroupRobot)
class GroupRobotAdmin(admin.ModelAdmin):
    form = GroupRobotForm
    list_display = ["__str__", "department", "kind", "is_active", "has_secret", "last_sent_at", "last_error"]
    list_filter = ["kind", "is_active"]
    list_select_related = ["department"]
    autocomplete_fields = ["department"]
    readonly_fields = ["last_sent_at", "last_error"]
    actions = ["send_test_message"]

    @admin.display(boolean=True, description=_("已设加签"))
    def has_secret(self, robot):
        return bool(robot.secret)

    @admin.action(description=_("发送测试消息"))
    def send_test_message(self, request, queryset):
        from accounts.tasks import push_to_robot

        count = 0
        for robot in queryset.filter(is_active=True):
            try:
                push_to_robot.delay(robot.pk, str(_("测试消息")), str(_("六仗调度系统群机器人测试消息。")), "")
            except Exception:
                self.message_user(request, _("消息队列不可用，未能发送。"), level="error")
                return
            count += 1
        self.message_user(request, _("已排队发送 %(n)d 条测试消息，结果见“最近发送成功/最近一次错误”。") % {"n": count})
