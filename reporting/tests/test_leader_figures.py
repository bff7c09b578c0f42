"""Figures a leader recomputes by hand: the value a sentence quotes is the value the table shows
(targets.numbers: reported values to two places), so that value ÷ target gives the rate printed."""

from decimal import Decimal

from django.urls import reverse

from targets.models import Period
from tasks.models import MetricValue, ProgressReport, Task, TaskMetric
from tasks.summaries import rebuild_plan


def report_metric(task, department, number, metric, value):
    period = Period.objects.get(plan=task.section.battle.plan, kind="ten_day", number=number)
    report = ProgressReport.objects.create(
        task=task, department=department, period=period, status="approved", progress="推进"
    )
    MetricValue.objects.create(report=report, metric=metric, value=Decimal(value))


def test_a_metric_reason_quotes_the_value_as_the_table_shows_it(client, plan, leader, departments):
    # 1.75 of 2万人 is 87.5 %: a reason reading "累计完成 1.8 万人，完成率 87.5%" does not add up.
    task = Task.objects.get(title="促进旅游消费恢复")
    metric = TaskMetric.objects.create(
        section=task.section, task=task, name="新增就业创业高校毕业生", comparator="at_least", value=2, unit="万人"
    )
    report_metric(task, departments["culture"], 33, metric, "1.75")
    rebuild_plan(plan)
    client.force_login(leader)
    for url in (reverse("dash:battle", args=[plan.code, 1]), reverse("dash:task", args=[task.pk])):
        page = client.get(url, {"as_of": "ten_day-33"}).content.decode()
        assert "累计完成 1.75 万人，完成率 87.5%" in page, url
        assert "1.8 万人" not in page
