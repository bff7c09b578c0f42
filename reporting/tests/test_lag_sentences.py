"""三、滞后与问题 says why each red task is red and counts the lead units of yellow tasks as units:
a red task named with "量化指标均达到要求", a reason cut inside a figure ("目标10…" for 100%), or
"黄灯任务4项，牵头单位为甲、乙、丙等4项" (units counted as tasks) is what a reader distrusts."""

from decimal import Decimal

from django.urls import reverse

from reporting.build import build_report
from reporting.tests.conftest import at_noon
from reporting.tests.test_english_colons import visible_text
from targets.models import Period
from tasks.models import MetricValue, ProgressReport, Responsibility, Section, Task, TaskMetric
from tasks.summaries import rebuild as rebuild_summaries


def briefing_text(client, leader, plan, period, battle=None):
    report = build_report(plan.id, "ten_day_briefing", period.id, battle.id if battle else None)
    client.force_login(leader)
    return visible_text(client.get(reverse("reporting:detail", args=[report.pk])))


def test_a_red_task_with_every_metric_met_is_named_for_its_missed_reports(client, leader, plan, seeded):
    # 1.2 (市文化旅游广电体育局) reported in 旬13 only: its two metrics are yellow, and the two 旬
    # missed since make it red. The reason's first clause is a yellow metric's.
    text = briefing_text(client, leader, plan, seeded["ten_day_15"])
    assert "红灯任务1项：（一）2.促进旅游消费恢复（市文化旅游广电体育局，连续2期未报送）" in text


def test_a_red_metric_is_cut_at_a_comma_not_inside_its_figures(client, leader, plan, departments, seeded):
    science = plan.battles.get(number=2)
    section = Section.objects.get(battle=science, number=1)
    task = Task.objects.get(section=section, number=1)
    metric = TaskMetric.objects.create(
        section=section,
        task=task,
        name="重大危险源企业对标自查率",
        comparator="reach",
        value=Decimal(100),
        unit="%",
        kind="level",
        order=0,
    )
    period = Period.objects.get(plan=plan, kind="ten_day", number=15)
    report = ProgressReport.objects.get(task=task, department=departments["science"], period=period)
    MetricValue.objects.create(report=report, metric=metric, value=Decimal(80))
    rebuild_summaries()
    text = briefing_text(client, leader, plan, period, science)
    # "5月下旬为80%，未达到目标100%，差20.0个百分点" is over 30 characters: the figures stay whole.
    # The 旬 is named as people name it (5月下旬), not by its number in the year (第15旬).
    assert "（市科技局，重大危险源企业对标自查率：5月下旬为80%…）" in text
    assert "目标10…" not in text


def test_lead_units_of_yellow_tasks_are_counted_as_units(client, leader, plan, departments, seeded):
    # Four tasks of battle 2, each led by another unit, reported up to 旬14 and missing 旬15: yellow.
    science = plan.battles.get(number=2)
    section = Section.objects.create(battle=science, number=2, title="成果转化")
    period = Period.objects.get(plan=plan, kind="ten_day", number=14)
    leads = [departments[key] for key in ("dev", "commerce", "culture", "stats")]
    for number, lead in enumerate(leads, start=1):
        task = Task.objects.create(section=section, number=number, title=f"转化任务{number}")
        Responsibility.objects.create(section=section, task=task, department=lead, role="lead", order=0)
        ProgressReport.objects.create(
            task=task,
            department=lead,
            period=period,
            status="approved",
            task_status="in_progress",
            progress="推进中",
            submitted_at=at_noon(period.end),
            first_submitted_at=at_noon(period.end),
            reviewed_at=at_noon(period.end),
        )
    rebuild_summaries()
    text = briefing_text(client, leader, plan, seeded["ten_day_15"], science)
    assert "黄灯任务4项，牵头单位为市发展改革委、市商务局、市文化旅游广电体育局等4个单位。" in text


def test_a_november_circular_asks_for_measures_now_not_by_the_year_end_deadline(client, leader, plan, seeded):
    # November's next month ends with the year: measures "by 12月31日" and the target "by 12月31日"
    # would be asked for at once.
    november = Period.objects.get(plan=plan, kind="month", number=11)
    report = build_report(plan.id, "monthly_circular", november.id)
    client.force_login(leader)
    text = visible_text(client.get(reverse("reporting:detail", args=[report.pk])))
    assert "请牵头单位对照预警清单所列所需进度，抓紧落实追赶措施，确保12月31日前完成年度目标。" in text
    assert "12月31日前提出" not in text
    assert "年底前完成" in text  # the annex's 时限 column


def test_the_notes_say_how_a_task_metrics_schedule_is_counted(client, leader, plan, seeded):
    # A task metric at 旬14 is judged against 14 ÷ 36 = 38.9%, not a month's 5 ÷ 12: the 说明 says so.
    text = briefing_text(client, leader, plan, Period.objects.get(plan=plan, kind="ten_day", number=14))
    assert "任务量化指标按已过旬数÷36，取最近一次审核通过的报告数" in text


def test_the_december_circular_asks_for_reasons_not_for_a_deadline_already_past(client, leader, plan, seeded):
    december = Period.objects.get(plan=plan, kind="month", number=12)
    report = build_report(plan.id, "monthly_circular", december.id)
    client.force_login(leader)
    text = visible_text(client.get(reverse("reporting:detail", args=[report.pk])))
    assert "截至年末，" in text and "在年度工作总结中作出说明" in text
    assert "12月31日前" not in text and "年底前完成" not in text
    assert "年度总结中说明原因" in text  # the annex's 时限 column


def test_a_brief_drops_which_ten_day_an_older_figure_is_from_to_keep_its_rate():
    from reporting.content import brief

    reason = "截至11月下旬（最近一次报告为9月上旬）累计完成 624 个，完成率 78.0%，序时进度 91.7%，落后 13.7 个百分点"
    task = {
        "reason": f"新建5G基站：{reason}",
        "light": "red",
        "metrics": [{"name": "新建5G基站", "reason": reason, "light": "red", "gap": -13.7}],
    }
    assert brief(task) == "新建5G基站：累计完成624个，完成率78.0%…"
