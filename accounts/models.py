import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A civil servant's account. Every account but an admin's belongs to one department."""

    class Role(models.TextChoices):
        STAFF = "staff", _("部门填报员")
        OFFICE = "office", _("专班办公室")
        LEADER = "leader", _("市领导")
        ADMIN = "admin", _("管理员")

    department = models.ForeignKey(
        "targets.Department",
        verbose_name=_("所属单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices, default=Role.STAFF)
    phone = models.CharField(_("联系电话"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def clean(self):
        super().clean()
        # Staff and offices see only their department's work: without one the account sees nothing.
        if not self.is_superuser and self.role in (self.Role.STAFF, self.Role.OFFICE) and self.department_id is None:
            raise ValidationError({"department": _("部门填报员和专班办公室账号须选择所属单位。")})
        if self.role == self.Role.OFFICE and self.department_id is not None:
            # An office reads and reviews the battles whose task force its department hosts: any
            # other department gives an account that sees nothing and reviews nothing.
            from targets.models import Department

            hosts = Department.objects.filter(task_force_offices__isnull=False).distinct().order_by("order", "name")
            if not hosts.filter(pk=self.department_id).exists():
                raise ValidationError(
                    {
                        "department": _(
                            "“%(department)s”不是任何工作专班的办公室所在单位，专班办公室账号将看不到任何一仗。"
                            "请选择专班办公室所在单位：%(hosts)s。"
                        )
                        % {
                            "department": self.department,
                            "hosts": _("、").join(d.name for d in hosts) or _("（尚未载入方案）"),
                        }
                    }
                )

    def __str__(self):
        full = self.get_full_name()
        # Brackets of the reader's language.
        return f"{full}{_('（')}{self.username}{_('）')}" if full else self.username

    @property
    def is_plan_admin(self):
        return self.is_superuser or self.role == self.Role.ADMIN

    @property
    def reads_everything(self):
        """Leaders and admins see the whole plan; others see their department or battles."""
        return self.is_plan_admin or self.role == self.Role.LEADER

    def office_battle_ids(self):
        """Battles whose task-force office this user's department hosts (cached per request)."""
        if not hasattr(self, "_office_battle_ids"):
            from targets.models import Battle

            if self.role != self.Role.OFFICE or self.department_id is None:
                self._office_battle_ids = frozenset()
            else:
                self._office_battle_ids = frozenset(
                    Battle.objects.filter(task_force__office_id=self.department_id).values_list("id", flat=True)
                )
        return self._office_battle_ids


class Notification(models.Model):
    """An in-app message to one user: returns, approvals, reminders, escalations, issued reports.

    It lives here, below targets/tasks/reporting, so that every layer can send one through
    accounts.notify without importing the layer above it. The table is the one reporting created
    (reporting_notification): moving the model moved no data.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", _("催报提醒")
        OVERDUE = "overdue", _("逾期提醒")
        ESCALATION = "escalation", _("逾期告知专班")
        REPORT_READY = "report_ready", _("报告已生成")
        RETURNED = "returned", _("报告被退回")
        APPROVED = "approved", _("报告已通过")
        REOPENED = "reopened", _("报告被重新打开")
        REPORT_ISSUED = "report_issued", _("报告已签发")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    text = models.TextField(_("内容"))
    link = models.CharField(_("链接"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        db_table = "reporting_notification"
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Unread count in the navigation bar on every page.
            models.Index(fields=["user", "read_at"], name="notification_unread"),
        ]

    def __str__(self):
        return self.text[:40]

    @property
    def local_link(self):
        """The link if it is a path on this site ("/progress/12/"), else "": opening a notification
        follows nothing else (no scheme, no host, no "//" or "/\\" that a browser reads as a host,
        no control character that could split a header)."""
        link = self.link
        if not link.startswith("/") or link.startswith("//"):
            return ""
        if any(ch == "\\" or unicodedata.category(ch)[0] == "C" for ch in link):
            return ""
        return link if url_has_allowed_host_and_scheme(link, allowed_hosts=None) else ""


class GroupRobot(models.Model):
    """A WeCom (企业微信) or DingTalk (钉钉) group robot that a department's or office's
    notifications are pushed to, besides the in-app message and email."""

    class Kind(models.TextChoices):
        WECOM = "wecom", _("企业微信群机器人")
        DINGTALK = "dingtalk", _("钉钉群机器人")

    department = models.ForeignKey(
        "targets.Department", verbose_name=_("单位"), on_delete=models.CASCADE, related_name="robots"
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("名称"), max_length=100, blank=True, help_text=_("例如：市商务局调度工作群。"))
    webhook_url = models.URLField(
        _("Webhook 地址"),
        max_length=500,
        help_text=_(
            "企业微信：https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…；"
            "钉钉：https://oapi.dingtalk.com/robot/send?access_token=…"
        ),
    )
    secret = models.CharField(
        _("加签密钥"),
        max_length=200,
        blank=True,
        help_text=_("钉钉机器人安全设置选“加签”时填写（SEC 开头）；企业微信不需要。留空表示不修改。"),
    )
    is_active = models.BooleanField(_("启用"), default=True)
    last_sent_at = models.DateTimeField(_("最近发送成功"), null=True, blank=True)
    last_error = models.TextField(_("最近一次错误"), blank=True)

    class Meta:
        verbose_name = _("群机器人")
        verbose_name_plural = _("群机器人")
        ordering = ["department__name", "id"]

    def __str__(self):
        return self.name or f"{self.department} · {self.get_kind_display()}"
