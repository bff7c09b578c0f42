"""The plan and what it measures: plans, departments, battles, task forces, targets, periods
and the target readings departments report."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from targets.changes import new_token
from targets.periods import deadline_for, period_label, year_periods


class Plan(models.Model):
    """One annual plan (总体方案). Several live side by side and never mix."""

    code = models.SlugField(_("代码"), max_length=64, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    document_number = models.CharField(_("文号"), max_length=64, blank=True)
    issuer = models.CharField(_("发文机关"), max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(_("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    issued_on = models.DateField(_("成文日期"), null=True, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    # The year before's plan: its readings of the same targets shape this year's forecasts.
    predecessor = models.ForeignKey(
        "self",
        verbose_name=_("上年方案"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="successors",
        help_text=_("上年度的方案：同编号指标的上年各月累计值作为本年预测的年内分布。"),
    )

    # Per-plan rules (domain-notes: "make it a per-plan setting and document it").
    yellow_gap_points = models.DecimalField(
        _("黄灯阈值（落后序时百分点）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("10"),
        help_text=_("落后序时进度不超过该百分点亮黄灯，超过亮红灯。"),
    )
    approx_tolerance_pct = models.DecimalField(
        _("“左右”容差（%）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("5"),
        help_text=_("“左右”类指标与目标值相差不超过该比例视为达标。"),
    )
    growth_yellow_points = models.DecimalField(
        _("增速黄灯阈值（百分点）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("2"),
        help_text=_("增速低于目标不超过该百分点亮黄灯，超过亮红灯；不按序时折算。"),
    )
    share_yellow_points = models.DecimalField(
        _("占比黄灯阈值（百分点）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("2"),
        help_text=_("以%计的占比、比率低于目标不超过该百分点亮黄灯，超过亮红灯。"),
    )
    missed_periods_red = models.PositiveSmallIntegerField(
        _("连续漏报亮红灯期数"), default=2, help_text=_("漏报一期亮黄灯，连续达到该期数亮红灯。")
    )
    deadline_extra_days = models.PositiveSmallIntegerField(
        _("报送截止（期末后天数）"),
        default=0,
        help_text=_("报送截止日为期末后第几天，遇休息日顺延至下一个工作日。"),
    )
    reading_deadline_days = models.PositiveSmallIntegerField(
        _("指标数据报送截止（期末后天数）"),
        default=10,
        help_text=_("月度、季度、年度指标数据在期末之后才有，报送截止日为期末后第几天，遇休息日顺延至下一个工作日。"),
    )
    remind_days_before = models.PositiveSmallIntegerField(_("截止前提醒天数"), default=2)
    escalate_after_days = models.PositiveSmallIntegerField(_("逾期几天后告知专班办公室"), default=3)
    report_delay_hours = models.PositiveSmallIntegerField(
        _("期末后多少小时生成调度报告"),
        default=48,
        help_text=_("旬、月、季结束后经过该时长（北京时间）自动生成简报、通报、总结。"),
    )
    laggard_completion_pct = models.DecimalField(
        _("通报批评线（完成率%）"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("60"),
        help_text=_("任务完成率低于序时进度该比例的单位在月通报中通报批评。"),
    )
    # A new random value with every write that changes what the plan's dashboards show
    # (targets/changes.py): the dashboards' cache key.
    figures_token = models.CharField(max_length=32, default=new_token, editable=False)
    # Battle id (as text) → a token renewed only when that battle's own figures change (a report or
    # summary of one of its tasks); "*" for the battles not named, renewed with every change of the
    # plan as a whole. Keys the judged battles the dashboards keep (reporting/dashboards.py), so a
    # submission recomputes its own battle and not the other five. On the plan's row, which every
    # writer locks first, so it adds no lock of its own.
    battle_tokens = models.JSONField(default=dict, editable=False)

    history = HistoricalRecords(excluded_fields=["figures_token", "battle_tokens"])

    class Meta:
        verbose_name = _("方案")
        verbose_name_plural = _("方案")
        ordering = ["-year", "code"]

    def __str__(self):
        return f"{self.title}{_('（')}{self.year}{_('）')}"  # the reader's brackets

    def battle_token(self, battle_id):
        return self.battle_tokens.get(str(battle_id)) or self.battle_tokens.get("*", "")

    def ensure_periods(self):
        """Create the plan year's missing 旬/月/季/年 periods with their deadlines; returns how many.

        Existing periods keep their deadline (an admin may have moved it); only a period whose dates
        no longer match the plan year (the year was corrected) is recomputed.
        """
        existing = {(p.kind, p.number): p for p in self.periods.all()}
        new = []
        for span in year_periods(self.year):
            period = existing.get((span.kind, span.number))
            if period is not None and (period.start, period.end) == (span.start, span.end):
                continue
            deadline, certain = deadline_for(span.end, self.deadline_extra_days)
            if period is None:
                period = Period(plan=self, kind=span.kind, number=span.number)
                new.append(period)
            period.start, period.end, period.deadline = span.start, span.end, deadline
            period.deadline_is_estimate = not certain
            if period.pk:
                period.save(update_fields=["start", "end", "deadline", "deadline_is_estimate"])
        Period.objects.bulk_create(new)
        return len(new)


class Department(models.Model):
    """A body the plan names: bureau, county, park, provincial unit, company or collective."""

    class Kind(models.TextChoices):
        MUNICIPAL = "municipal", _("市直部门")
        COUNTY = "county", _("县市区")
        PARK = "park", _("园区")
        CENTRAL_PROVINCIAL = "central_provincial", _("中央、省驻怀单位")
        JUDICIAL = "judicial", _("司法机关")
        ENTERPRISE = "enterprise", _("企业")
        COLLECTIVE = "collective", _("集合主体")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    kind = models.CharField(_("类别"), max_length=24, choices=Kind.choices, default=Kind.MUNICIPAL)
    order = models.PositiveIntegerField(_("排序"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["order", "name"]
        permissions = [("import_department", _("可以导入单位"))]

    def __str__(self):
        return self.name

    @property
    def is_collective(self):
        """A collective body (相关成员单位 and the like) has no accounts of its own: it is counted in
        the reporting rates but never reminded, named in a ranking or praised or criticised."""
        return self.kind == self.Kind.COLLECTIVE


class DepartmentAlias(models.Model):
    """Another spelling the plan uses for a department (市交警支队 for 市公安局交警支队)."""

    department = models.ForeignKey(Department, verbose_name=_("单位"), on_delete=models.CASCADE, related_name="aliases")
    name = models.CharField(_("别名"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("单位别名")
        verbose_name_plural = _("单位别名")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Battle(models.Model):
    """One of the six battles (仗), with its work plan (附件)."""

    plan = models.ForeignKey(Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="battles")
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=20)
    work_plan_title = models.CharField(_("工作方案标题"), max_length=200, blank=True)
    general_goal = models.TextField(_("总体方案主要目标"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("仗")
        verbose_name_plural = _("六仗")
        ordering = ["plan", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "number"], name="battle_unique_number")]

    def __str__(self):
        return self.name


class TaskForce(models.Model):
    """A battle's 工作专班: convener, deputies, members and the office that runs it."""

    battle = models.OneToOneField(Battle, verbose_name=_("仗"), on_delete=models.CASCADE, related_name="task_force")
    name = models.CharField(_("名称"), max_length=100)
    convener = models.CharField(_("召集人"), max_length=100)
    deputy_conveners = models.JSONField(_("副召集人"), default=list, blank=True)
    office = models.ForeignKey(
        Department,
        verbose_name=_("专班办公室所在单位"),
        on_delete=models.PROTECT,
        related_name="task_force_offices",
    )
    members = models.ManyToManyField(Department, verbose_name=_("成员单位"), related_name="task_forces", blank=True)
    source = models.TextField(_("原文"), blank=True)

    history = HistoricalRecords(m2m_fields=[members])

    class Meta:
        verbose_name = _("工作专班")
        verbose_name_plural = _("工作专班")

    def __str__(self):
        return self.name


class Comparator(models.TextChoices):
    AT_LEAST = "at_least", _("以上/不低于")
    MORE_THAN = "more_than", _("超过/突破")
    AT_MOST = "at_most", _("以内/控制在")
    ABOUT = "about", _("左右")
    REACH = "reach", _("达到")
    ZERO = "zero", _("杜绝/不发生")
    DECREASE = "decrease", _("下降/减少")


class IndicatorKind(models.TextChoices):
    """How an indicator is judged (targets/schedule.py): shared by targets and task metrics."""

    GROWTH_RATE = "growth_rate", _("增速")
    CUMULATIVE = "cumulative", _("累计量")
    LEVEL = "level", _("水平/占比")
    CEILING = "ceiling", _("上限")
    ZERO_TOLERANCE = "zero_tolerance", _("零容忍")
    DECREASE = "decrease", _("下降")
    APPROXIMATE = "approximate", _("约数")
    QUALITATIVE = "qualitative", _("定性")


class Frequency(models.TextChoices):
    TEN_DAY = "ten_day", _("每旬")
    MONTHLY = "monthly", _("每月")
    QUARTERLY = "quarterly", _("每季")
    YEARLY = "yearly", _("每年")


# Kinds whose target may have no figure: judged from task reports, or "持续下降" (any fall).
FIGURELESS_KINDS = {IndicatorKind.QUALITATIVE, IndicatorKind.DECREASE}
# Kinds whose target figure may be below zero: a growth rate (a planned fall is 增长 -3%). Any other
# figure is an amount, a level or share, a limit, a count of occurrences or the size of a required
# fall (减少30% is 30), which a negative number cannot be.
SIGNED_VALUE_KINDS = {IndicatorKind.GROWTH_RATE}


def target_value_error(kind, value):
    """Why `value` cannot be the target figure of an indicator (target or task metric) of `kind`,
    in Chinese; None when it can. Shared by the admin, the spreadsheet import and the plan file."""
    if not kind or kind not in IndicatorKind.values:
        return None
    label = IndicatorKind(kind).label
    if value is None:
        if kind not in FIGURELESS_KINDS:
            # Judged against a figure: without one the target would stay grey all year unnoticed.
            return _("%(kind)s指标须有目标值（只有定性指标和未写降幅的下降指标可以为空）") % {"kind": label}
        return None
    if value < 0 and kind not in SIGNED_VALUE_KINDS:
        return _("%(kind)s指标的目标值不能为负数（只有增速指标可以为负；下降指标填降幅，如减少30%%填 30）") % {
            "kind": label
        }
    return None


class Target(models.Model):
    """A quantitative or qualitative indicator (指标) of a battle."""

    Kind = IndicatorKind
    Comparator = Comparator
    Frequency = Frequency

    battle = models.ForeignKey(Battle, verbose_name=_("仗"), on_delete=models.CASCADE, related_name="targets")
    code = models.CharField(_("编号"), max_length=16)
    name = models.CharField(_("指标"), max_length=200)
    comparator = models.CharField(_("比较"), max_length=16, choices=Comparator.choices)
    value = models.DecimalField(_("目标值"), max_digits=16, decimal_places=4, null=True, blank=True)
    unit = models.CharField(pgettext_lazy("unit of measure", "单位"), max_length=16, blank=True)
    # A growth rate's unit is "%"; the absolute figure departments enter beside it has its own.
    amount_unit = models.CharField(
        _("累计值单位"), max_length=16, blank=True, help_text=_("增速类指标填报的累计绝对值的单位，如“亿元”。")
    )
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices)
    frequency = models.CharField(_("报送频次"), max_length=16, choices=Frequency.choices)
    # Expected cumulative share of the year's total at the end of each period, e.g. the previous
    # year's quarterly shares of GDP {"quarter": [22.6, 47.3, 72.4, 100]}; used for a cumulative
    # target in place of straight 序时进度 (targets/schedule.py, validate_profile).
    profile = models.JSONField(
        _("序时进度曲线"),
        null=True,
        blank=True,
        help_text=_(
            '累计量指标按此曲线代替均匀序时进度，如上年各季累计占全年比重：{"quarter": [22.6, 47.3, 72.4, 100]}。'
        ),
    )
    departments = models.ManyToManyField(Department, verbose_name=_("责任单位"), related_name="targets", blank=True)
    departments_inferred = models.BooleanField(
        _("责任单位为推定"), default=False, help_text=_("方案未写明责任单位，由系统按职能推定。")
    )
    by_area = models.BooleanField(_("分县市区"), default=False)
    source = models.TextField(_("原文"), blank=True)
    general_plan_source = models.TextField(_("总体方案原文"), blank=True)
    order = models.PositiveIntegerField(_("排序"), default=0)

    history = HistoricalRecords(m2m_fields=[departments])

    class Meta:
        verbose_name = _("指标")
        verbose_name_plural = _("指标")
        ordering = ["battle__number", "order", "code"]
        constraints = [models.UniqueConstraint(fields=["battle", "code"], name="target_unique_code")]
        permissions = [("import_target", _("可以导入指标"))]

    def __str__(self):
        return f"{self.code} {self.name}"

    def clean(self):
        from django.core.exceptions import ValidationError

        from targets.schedule import COMPLETION_KINDS, validate_profile

        errors = {}
        profile_errors = validate_profile(self.profile)
        if self.profile and not profile_errors and self.kind not in COMPLETION_KINDS:
            profile_errors = [_("只有累计量和约数指标可以设序时进度曲线")]
        if profile_errors:
            errors["profile"] = profile_errors
        value_error = target_value_error(self.kind, self.value)
        if value_error:
            errors["value"] = value_error
        if errors:
            raise ValidationError(errors)


class Period(models.Model):
    """A reporting period of a plan year: a 旬, a month, a quarter or the year itself."""

    class Kind(models.TextChoices):
        TEN_DAY = "ten_day", _("旬")
        MONTH = "month", _("月")
        QUARTER = "quarter", _("季")
        YEAR = "year", _("年")

    plan = models.ForeignKey(Plan, verbose_name=_("方案"), on_delete=models.CASCADE, related_name="periods")
    kind = models.CharField(_("类型"), max_length=8, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(_("序号"), help_text=_("旬1–36，月1–12，季1–4，年1"))
    start = models.DateField(_("开始"))
    end = models.DateField(_("结束"))
    deadline = models.DateField(_("报送截止"))
    # True when the Chinese holiday calendar did not know the year and weekends were used.
    deadline_is_estimate = models.BooleanField(_("截止日按周末估算"), default=False)
    closed_at = models.DateTimeField(_("关账时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报送期")
        verbose_name_plural = _("报送期")
        ordering = ["plan", "kind", "number"]
        constraints = [models.UniqueConstraint(fields=["plan", "kind", "number"], name="period_unique_number")]
        indexes = [
            # "Which periods contain this date" for the current-period lookups on every page.
            models.Index(fields=["plan", "kind", "end"], name="period_plan_kind_end"),
        ]

    def __str__(self):
        # A plan's periods all fall in its year, so the start date carries the year.
        return period_label(self.kind, self.start.year, self.number)


class TargetReading(models.Model):
    """A department's figure for a target in a month or quarter, city-wide or for one area."""

    target = models.ForeignKey(Target, verbose_name=_("指标"), on_delete=models.CASCADE, related_name="readings")
    period = models.ForeignKey(Period, verbose_name=_("期"), on_delete=models.PROTECT, related_name="readings")
    area = models.ForeignKey(
        Department,
        verbose_name=_("县市区"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="area_readings",
        help_text=_("留空表示全市数据。"),
    )
    department = models.ForeignKey(
        Department, verbose_name=_("报送单位"), on_delete=models.PROTECT, related_name="readings"
    )
    period_value = models.DecimalField(_("本期值"), max_digits=18, decimal_places=4, null=True, blank=True)
    cumulative_value = models.DecimalField(_("累计值"), max_digits=18, decimal_places=4, null=True, blank=True)
    cumulative_growth = models.DecimalField(
        _("累计同比增速（%）"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    data_source = models.CharField(_("数据来源"), max_length=200, blank=True)
    note = models.TextField(_("说明"), blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("填报人"), on_delete=models.PROTECT, null=True, blank=True
    )
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    # Optimistic lock: a save carrying an older version is refused instead of overwriting.
    version = models.PositiveIntegerField(_("版本"), default=1)
    is_demo = models.BooleanField(_("演示数据"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("指标数据")
        verbose_name_plural = _("指标数据")
        ordering = ["target", "period__kind", "period__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["target", "period"], condition=Q(area__isnull=True), name="reading_unique_citywide"
            ),
            models.UniqueConstraint(
                fields=["target", "period", "area"], condition=Q(area__isnull=False), name="reading_unique_area"
            ),
        ]
        indexes = [
            # Dashboards: "latest readings of these targets up to period end".
            models.Index(fields=["target", "area", "period"], name="reading_target_area_period"),
        ]

    def __str__(self):
        return f"{self.target.name} {self.period}"

    def clean(self):
        """The bounds the department's form keeps (targets.readings.VALUE_BOUNDS), for the admin."""
        from django.core.exceptions import ValidationError

        from targets.numbers import fmt
        from targets.readings import VALUE_BOUNDS, reading_period_kind

        errors = {}
        # Where the entry page puts a reading: a period of the target's own plan and of the kind its
        # frequency is read in, a county only for a target broken down by county. Elsewhere no page
        # would show it, or a dashboard would sum it with the wrong months.
        if self.target_id and self.period_id:
            target, period = self.target, self.period
            if period.plan_id != Battle.objects.filter(pk=target.battle_id).values_list("plan_id", flat=True).first():
                errors["period"] = _("报送期不属于该指标所在的方案。")
            elif period.kind != reading_period_kind(target.frequency):
                errors["period"] = _("该指标按“%(kind)s”报送，报送期应为%(kind)s。") % {
                    "kind": Period.Kind(reading_period_kind(target.frequency)).label
                }
        if self.target_id and self.area_id:
            if not self.target.by_area:
                errors["area"] = _("该指标不分县市区，县市区应留空（全市数据）。")
            elif self.area.kind != Department.Kind.COUNTY:
                errors["area"] = _("“%(area)s”不是县市区。") % {"area": self.area}
        for name, (low, high) in VALUE_BOUNDS.items():
            value = getattr(self, name)
            if value is None:
                continue
            if value < low:
                if low == 0:
                    errors[name] = _(
                        "不能为负数：本期值和累计值是数量、水平或比率；同比下降请填在累计同比增速中（负数）。"
                    )
                else:
                    errors[name] = _("不能小于 %(limit_value)s。") % {"limit_value": fmt(low)}
            elif value > high:
                errors[name] = _("不能大于 %(limit_value)s。") % {"limit_value": fmt(high)}
        if errors:
            raise ValidationError(errors)
