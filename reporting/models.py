"""Dispatch reports (旬简报、月通报、季总结、提示单) and the reminder log.

In-app notifications moved to accounts (accounts.models.Notification, sent through
accounts.notify) so that the tasks layer can send them without importing reporting."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from targets.models import Battle, Department, Period, Plan


class DispatchReport(models.Model):
    """One version of one dispatch report for (plan, kind, period, battle or whole plan).

    `content` holds the computed figures and text blocks; the web page, the Word document and
    the Excel workbook are all rendered from it, so the three never disagree.
    """

    class Kind(models.TextChoices):
        TEN_DAY_BRIEFING = "ten_day_briefing", _("旬简报")
        MONTHLY_CIRCULAR = "monthly_circular", _("月通报")
        QUARTERLY_SUMMARY = "quarterly_summary", _("季总结")
        WARNING_SLIP = "warning_slip", _("提示单")

    class Status(models.TextChoices):
        BUILDING = "building", _("生成中")
        READY = "ready", _("已生成")
        FAILED = "failed", _("生成失败")

    # Which period kind each report kind is issued for.
    PERIOD_KIND = {
        Kind.TEN_DAY_BRIEFING: Period.Kind.TEN_DAY,
        Kind.MONTHLY_CIRCULAR: Period.Kind.MONTH,
        Kind.QUARTERLY_SUMMARY: Period.Kind.QUARTER,
        Kind.WARNING_SLIP: Period.Kind.MONTH,
    }

    plan = models.ForeignKey(Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="dispatch_reports")
    kind = models.CharField(_("类型"), max_length=24, choices=Kind.choices)
    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.PROTECT, related_name="dispatch_reports")
    battle = models.ForeignKey(
        Battle,
        verbose_name=_("仗"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dispatch_reports",
        help_text=_("留空表示全方案。"),
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    issue_number = models.PositiveSmallIntegerField(_("期号"))
    version = models.PositiveSmallIntegerField(_("版本"), default=1)
    is_current = models.BooleanField(_("当前版本"), default=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.BUILDING)
    content = models.JSONField(_("内容"), default=dict, blank=True)
    docx_path = models.CharField(_("Word文件"), max_length=255, blank=True)
    xlsx_path = models.CharField(_("Excel文件"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    generated_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("生成人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    error = models.TextField(_("错误信息"), blank=True)
    # A report is a draft until the task-force office issues it (签发); it is dated the issue day.
    issued_on = models.DateField(_("签发日期"), null=True, blank=True)
    issued_at = models.DateTimeField(_("签发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("签发人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("留空表示期末后按规则自动签发。"),
    )

    class Meta:
        verbose_name = _("调度报告")
        verbose_name_plural = _("调度报告")
        ordering = ["-period__end", "kind", "battle__number", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "kind", "period", "battle", "version"],
                condition=Q(battle__isnull=False),
                name="dispatch_unique_version_battle",
            ),
            models.UniqueConstraint(
                fields=["plan", "kind", "period", "version"],
                condition=Q(battle__isnull=True),
                name="dispatch_unique_version_plan",
            ),
            # At most one current version: two workers racing on a build collide here.
            models.UniqueConstraint(
                fields=["plan", "kind", "period", "battle"],
                condition=Q(is_current=True, battle__isnull=False),
                name="dispatch_one_current_battle",
            ),
            models.UniqueConstraint(
                fields=["plan", "kind", "period"],
                condition=Q(is_current=True, battle__isnull=True),
                name="dispatch_one_current_plan",
            ),
        ]
        indexes = [
            # Archive page: a plan's current reports, newest period first.
            models.Index(fields=["plan", "is_current", "kind"], name="dispatch_archive"),
        ]

    def __str__(self):
        return f"{self.title} {self.issue_label}"

    @property
    def issue_label(self):
        return f"{self.year}年第{self.issue_number}期"

    @property
    def is_issued(self):
        return self.issued_on is not None

    @property
    def title(self):
        scope = self.battle.name if self.battle_id else _("全市打好发展“六仗”")
        return f"{scope}{self.get_kind_display()}"

    def file_path(self, ext):
        """Where this version's file of type `ext` lives, relative to REPORTS_ROOT."""
        battle = self.battle_id or "all"
        return f"{self.plan_id}/{self.kind}/{self.period_id}-{battle}-v{self.version}.{ext}"


class BuildRequest(models.Model):
    """A "generate now" request, recorded before it is sent to the worker: if the broker is down or
    frozen, or the message is lost, the catch-up job finds it here and builds the report."""

    plan = models.ForeignKey(Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类型"), max_length=24, choices=DispatchReport.Kind.choices)
    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.CASCADE, related_name="+")
    battle = models.ForeignKey(
        Battle, verbose_name=_("仗"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    regenerate = models.BooleanField(_("重新生成"), default=False)
    # The current version when the request was made: a regeneration is done once a later one exists.
    after_version = models.PositiveSmallIntegerField(_("原版本"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("申请人"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("生成申请")
        verbose_name_plural = _("生成申请")
        indexes = [models.Index(fields=["done_at"], name="build_request_pending")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.period_id} {self.battle_id or 'all'}"


class ReminderLog(models.Model):
    """One reminder step sent to one department for one period: sending again is skipped."""

    class Step(models.TextChoices):
        BEFORE = "before", _("截止前提醒")
        OVERDUE = "overdue", _("逾期提醒")
        ESCALATED = "escalated", _("告知专班办公室")

    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.CASCADE, related_name="+")
    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="+")
    step = models.CharField(_("步骤"), max_length=16, choices=Step.choices)
    sent_at = models.DateTimeField(_("发送时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("提醒记录")
        verbose_name_plural = _("提醒记录")
        constraints = [
            models.UniqueConstraint(fields=["period", "department", "step"], name="reminder_once_per_step"),
        ]

    def __str__(self):
        return f"{self.department} {self.period} {self.get_step_display()}"


class Publication(models.Model):
    """A period's summary published to the public progress page (/public/<plan>/): by a
    task-force office for its battle, or by an admin for the whole plan (battle empty).

    `content` is a snapshot taken when publishing (targets and lights, figures, tasks completed,
    the latest issued ten-day briefing's 总体情况), so the public page shows exactly what was
    published and changes only when something is published or withdrawn. Publishing the same
    scope and period again replaces its snapshot.

    Withdrawing (撤回, on the publish page) keeps the row with who withdrew it and when, and takes
    it off the public page; the scope's earlier publication, if any, shows again. Publishing the
    scope and period again afterwards makes a new row."""

    plan = models.ForeignKey(Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="publications")
    battle = models.ForeignKey(
        Battle,
        verbose_name=_("仗"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="publications",
        help_text=_("留空表示全市（整个方案）的进展摘要，由管理员发布。"),
    )
    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.PROTECT, related_name="publications")
    highlights = models.TextField(_("工作亮点"), blank=True, help_text=_("每行一条，公开发布。"))
    content = models.JSONField(_("发布内容"), default=dict, blank=True)
    published_at = models.DateTimeField(_("发布时间"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("公开发布")
        verbose_name_plural = _("公开发布")
        ordering = ["-published_at"]
        constraints = [
            # One live publication per scope and period; withdrawn ones stay as the record.
            models.UniqueConstraint(
                fields=["plan", "battle", "period"],
                condition=Q(battle__isnull=False, withdrawn_at__isnull=True),
                name="publication_battle_once",
            ),
            models.UniqueConstraint(
                fields=["plan", "period"],
                condition=Q(battle__isnull=True, withdrawn_at__isnull=True),
                name="publication_plan_once",
            ),
        ]

    def __str__(self):
        return f"{self.battle or self.plan.title} {self.period}"

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @property
    def highlight_lines(self):
        return [line.strip() for line in self.highlights.splitlines() if line.strip()]
