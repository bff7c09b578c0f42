"""The work plans' task tree and the progress departments report against it."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from targets.models import Battle, Comparator, Department, IndicatorKind, Period, target_value_error
from targets.numbers import fmt

CHINESE_NUMERALS = "一二三四五六七八九十"


def section_label(number):
    """(一) … (十) … (二十): the document's section numbering."""
    if number <= 10:
        return f"（{CHINESE_NUMERALS[number - 1]}）"
    tens, units = divmod(number, 10)
    text = ("" if tens == 1 else CHINESE_NUMERALS[tens - 1]) + "十" + (CHINESE_NUMERALS[units - 1] if units else "")
    return f"（{text}）"


class Section(models.Model):
    """A section (一)(二)… of a work plan's 工作任务."""

    battle = models.ForeignKey(Battle, verbose_name=_("仗"), on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("任务分组")
        verbose_name_plural = _("任务分组")
        ordering = ["battle__number", "number"]
        constraints = [models.UniqueConstraint(fields=["battle", "number"], name="section_unique_number")]

    def __str__(self):
        return f"{section_label(self.number)}{self.title}"

    @property
    def label(self):
        return section_label(self.number)


class Task(models.Model):
    """A numbered task (1. 2. …) of a work plan section."""

    class Basis(models.TextChoices):
        TASK = "task", _("任务写明")
        SECTION = "section", _("承接分组")
        FIRST_NAMED = "first_named", _("推定：首个负责单位牵头")
        TASK_FORCE_OFFICE = "task_force_office", _("推定：专班办公室牵头")

    section = models.ForeignKey(Section, verbose_name=_("分组"), on_delete=models.CASCADE, related_name="tasks")
    number = models.PositiveSmallIntegerField(_("序号"))
    title = models.CharField(_("任务"), max_length=200)
    text = models.TextField(_("任务内容"), blank=True)
    responsibility_note = models.TextField(_("责任分工原文"), blank=True)
    basis = models.CharField(_("责任依据"), max_length=20, choices=Basis.choices, default=Basis.TASK)
    # Renewed by every write to the task's reports or summaries (tasks/summaries.py
    # task_figures_changed), in the write's transaction: its dashboard page is kept under it
    # (reporting/dashboards.py), so a report on another task of the battle leaves the page kept.
    figures_token = models.CharField(max_length=32, blank=True, default="", editable=False)

    history = HistoricalRecords(excluded_fields=["figures_token"])

    class Meta:
        verbose_name = _("任务")
        verbose_name_plural = _("任务")
        ordering = ["section__battle__number", "section__number", "number"]
        constraints = [models.UniqueConstraint(fields=["section", "number"], name="task_unique_number")]
        permissions = [("import_task", _("可以导入任务"))]

    def __str__(self):
        return f"{self.number}.{self.title}"

    @property
    def responsibility_inferred(self):
        return self.basis in {self.Basis.FIRST_NAMED, self.Basis.TASK_FORCE_OFFICE}


class Responsibility(models.Model):
    """A department's role on a task (牵头/负责/配合); task empty = stated on the section."""

    class Role(models.TextChoices):
        LEAD = "lead", _("牵头")
        RESPONSIBLE = "responsible", _("负责")
        COOPERATING = "cooperating", _("配合")

    section = models.ForeignKey(
        Section, verbose_name=_("分组"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, null=True, blank=True, related_name="responsibilities"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(_("角色"), max_length=16, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("责任分工")
        verbose_name_plural = _("责任分工")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task", "department", "role"], condition=Q(task__isnull=False), name="resp_unique_task"
            ),
            models.UniqueConstraint(
                fields=["section", "department", "role"], condition=Q(task__isnull=True), name="resp_unique_section"
            ),
        ]
        indexes = [
            # "My tasks": every task a department leads or shares.
            models.Index(fields=["department", "task"], name="resp_department_task"),
        ]

    def __str__(self):
        return f"{self.department}{_('（')}{self.get_role_display()}{_('）')}"  # the reader's brackets


class TaskMetric(models.Model):
    """A quantitative figure inside a task (新建5G基站800个); task empty = in the section text."""

    section = models.ForeignKey(Section, verbose_name=_("分组"), on_delete=models.CASCADE, related_name="metrics")
    task = models.ForeignKey(
        Task, verbose_name=_("任务"), on_delete=models.CASCADE, null=True, blank=True, related_name="metrics"
    )
    name = models.CharField(_("量化指标"), max_length=200)
    comparator = models.CharField(_("比较"), max_length=16, choices=Comparator.choices)
    value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField(pgettext_lazy("unit of measure", "单位"), max_length=16, blank=True)
    # Judged as a target of the same kind is (targets/schedule.py judge_metric): only cumulative
    # amounts are compared with 序时进度; ceilings, rates and shares never are.
    kind = models.CharField(_("类型"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.CUMULATIVE)
    source = models.TextField(_("原文"), blank=True)
    order = models.PositiveSmallIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("任务量化指标")
        verbose_name_plural = _("任务量化指标")
        ordering = ["order", "id"]

    def __str__(self):
        return f"{self.name} {'' if self.value is None else fmt(self.value)}{self.unit}"

    def clean(self):
        # A metric without a figure is the plan file's to refuse; here only the figure's sign.
        if self.value is not None:
            value_error = target_value_error(self.kind, self.value)
            if value_error:
                raise ValidationError({"value": value_error})


class ProgressReport(models.Model):
    """One department's report on one task for one ten-day period."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("已提交")
        RETURNED = "returned", _("被退回")
        APPROVED = "approved", _("已通过")

    class TaskStatus(models.TextChoices):
        NOT_STARTED = "not_started", _("未启动")
        IN_PROGRESS = "in_progress", _("推进中")
        COMPLETED = "completed", _("已完成")
        LAGGING = "lagging", _("滞后")

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="reports")
    department = models.ForeignKey(
        Department, verbose_name=_("填报单位"), on_delete=models.PROTECT, related_name="reports"
    )
    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.PROTECT, related_name="reports")
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    task_status = models.CharField(
        _("推进状态"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.IN_PROGRESS
    )
    progress = models.TextField(_("工作进展"), blank=True)
    problems = models.TextField(_("存在问题"), blank=True)
    next_steps = models.TextField(_("下步打算"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    return_reason = models.TextField(_("退回理由"), blank=True)
    times_returned = models.PositiveSmallIntegerField(_("退回次数"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Optimistic lock: a save carrying an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("进展报告")
        verbose_name_plural = _("进展报告")
        ordering = ["-period__number", "task"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department", "period"], name="report_unique_task_dept_period")
        ]
        indexes = [
            # Review queue: a battle's submitted reports, oldest first.
            models.Index(fields=["status", "submitted_at"], name="report_status_submitted"),
            # Home page and dashboards: a department's reports by period.
            models.Index(fields=["department", "period"], name="report_department_period"),
            # Task page and latest-report lookups.
            models.Index(fields=["task", "period"], name="report_task_period"),
            # Dashboards (reporting/status.py _task_summaries, the review queue, the as-of 旬's
            # statuses): a plan's tasks × its 旬 read from the index alone, without heap visits;
            # id is included so that joins on the report id can stay in the index too.
            models.Index(
                fields=["task", "period", "status"],
                include=["task_status", "department", "id"],
                name="report_task_period_status",
            ),
        ]

    def __str__(self):
        return f"{self.task} · {self.department} · {self.period}"

    @property
    def is_locked(self):
        return self.status in {self.Status.SUBMITTED, self.Status.APPROVED}


class MetricValue(models.Model):
    """A report's value to date for one of its task's metrics (5G基站 312 of 800)."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="metric_values"
    )
    metric = models.ForeignKey(TaskMetric, verbose_name=_("量化指标"), on_delete=models.CASCADE, related_name="values")
    value = models.DecimalField(_("累计完成"), max_digits=18, decimal_places=4, null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("量化指标完成值")
        verbose_name_plural = _("量化指标完成值")
        constraints = [models.UniqueConstraint(fields=["report", "metric"], name="metric_value_unique")]

    def __str__(self):
        return f"{self.metric.name}: {self.value}"


class ReportEvent(models.Model):
    """An entry in a report's life: each submission keeps a full snapshot (a version)."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("提交")
        RETURNED = "returned", _("退回")
        APPROVED = "approved", _("通过")
        REOPENED = "reopened", _("重新打开")
        WITHDRAWN = "withdrawn", _("撤回")

    report = models.ForeignKey(ProgressReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=16, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"))
    reason = models.TextField(_("理由"), blank=True)
    version_number = models.PositiveSmallIntegerField(_("版本号"), null=True, blank=True)
    snapshot = models.JSONField(_("内容快照"), null=True, blank=True)

    class Meta:
        verbose_name = _("报告记录")
        verbose_name_plural = _("报告记录")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.get_action_display()} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    # The stored name is random; the original name is kept in the row, never trusted on disk.
    import uuid

    return f"attachments/{instance.report.period.plan_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """An evidence file of a report, stored outside the web root."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("报告"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("文件"), upload_to=attachment_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    # The content's SHA-256: the same file uploaded twice to one report is kept once.
    sha256 = models.CharField(_("内容摘要"), max_length=64, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    # Removing a file deletes the row; this history keeps who removed which file and when
    # (shown as "已删除附件" in the report's change history), so nothing goes silently.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["uploaded_at", "id"]

    def __str__(self):
        return self.original_name


class PlanDraft(models.Model):
    """A plan read from its issued document (tasks/plan_reader.py), kept while it is reviewed.

    `data` is the reading in the plan-file format (docs/plan-format.md) plus the reader's
    deadlines; `records` lists every record with its source sentence, basis and open flags.
    Nothing of it is in the plan tables until it is loaded through the plan-file loader.
    """

    class Status(models.TextChoices):
        REVIEWING = "reviewing", _("待核对")
        LOADED = "loaded", _("已载入")

    filename = models.CharField(_("来源文件"), max_length=200)
    code = models.SlugField(_("规划代码"), max_length=64)
    data = models.JSONField(_("读取结果"))
    records = models.JSONField(_("读取记录"), default=list)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.REVIEWING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+"
    )
    # The office's department when an office uploaded it: the draft then covers that office's battle.
    office = models.ForeignKey(
        Department, verbose_name=_("专班办公室"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    loaded_at = models.DateTimeField(_("载入时间"), null=True, blank=True)
    loaded_plan = models.ForeignKey(
        "targets.Plan", verbose_name=_("载入的方案"), on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("方案草稿")
        verbose_name_plural = _("方案草稿")
        ordering = ["-updated_at", "-id"]

    def __str__(self):
        return f"{self.filename}（{self.get_status_display()}）"

    @property
    def open_flag_count(self):
        return sum(len(r["flags"]) for r in self.records)


class TaskPeriodSummary(models.Model):
    """Where one task's reports stand for one period, kept by every write that changes them
    (tasks/summaries.py): the dashboards read these rows instead of recounting reports.

    A row exists while at least one report of (task, period) is submitted or approved. The lead
    columns count only the task's lead units (its own responsibilities, else its section's), so a
    change of responsibilities rebuilds the task's rows. `manage.py check_summaries` compares
    every row with a recount."""

    task = models.ForeignKey(Task, verbose_name=_("任务"), on_delete=models.CASCADE, related_name="summaries")
    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.CASCADE, related_name="+")
    submitted = models.PositiveIntegerField(_("待审核"), default=0)
    approved = models.PositiveIntegerField(_("已通过"), default=0)
    lead_submitted = models.PositiveIntegerField(_("牵头单位待审核"), default=0)
    lead_approved = models.PositiveIntegerField(_("牵头单位已通过"), default=0)
    # The task_status of the period's approved reports; with several, the alphabetically last
    # (not_started, lagging, in_progress, then completed), as the dashboards have always taken it.
    approved_task_status = models.CharField(_("已通过推进状态"), max_length=16, blank=True)
    lead_approved_task_status = models.CharField(_("牵头单位已通过推进状态"), max_length=16, blank=True)
    # Metric id → its value in the latest approved report up to and including this period (a
    # decimal string, or None when that report left it empty): the dashboards' metric bars read
    # the task's latest row instead of joining every approved report's values.
    metric_values = models.JSONField(_("量化指标最新完成值"), default=dict, blank=True)

    class Meta:
        verbose_name = _("任务旬汇总")
        verbose_name_plural = _("任务旬汇总")
        constraints = [models.UniqueConstraint(fields=["task", "period"], name="summary_unique_task_period")]
        indexes = [
            # The dashboards: with every column included, PostgreSQL reads a plan's tasks × 旬 from
            # the index alone (a unique constraint with INCLUDE would not exist at all on SQLite).
            models.Index(
                fields=["task", "period"],
                include=[
                    "submitted",
                    "approved",
                    "lead_submitted",
                    "lead_approved",
                    "approved_task_status",
                    "lead_approved_task_status",
                    "metric_values",
                ],
                name="summary_task_period_covering",
            ),
            # The review queue: the few rows with reports awaiting review.
            models.Index(
                fields=["task"], include=["submitted"], condition=Q(submitted__gt=0), name="summary_awaiting_review"
            ),
        ]

    def __str__(self):
        return f"{self.task_id} · {self.period_id}"

    @property
    def reported(self):
        return self.submitted + self.approved

    @property
    def lead_reported(self):
        return self.lead_submitted + self.lead_approved
