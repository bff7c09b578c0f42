"""In a real browser, as a leader: a task's metrics each show the light, reason and rule of their
own kind — a ceiling met is green, never "behind schedule"."""

from decimal import Decimal

import pytest

from targets.models import Period
from tasks import summaries
from tasks.models import MetricValue, ProgressReport, Task, TaskMetric

pytestmark = [pytest.mark.browser]


def test_leader_sees_a_ceiling_metric_met_and_an_amount_behind_schedule_on_the_task_page(
    transactional_db, live_server, browser, screenshot_dir, plan, leader, departments
):
    task = Task.objects.get(title="促进旅游消费恢复")
    visitors = task.metrics.get(name="接待游客")
    ratio = TaskMetric.objects.create(
        section=task.section,
        task=task,
        name="不良贷款率",
        comparator="at_most",
        value=Decimal("1.5"),
        unit="%",
        kind="ceiling",
        order=9,
    )
    report = ProgressReport.objects.create(
        task=task,
        department=departments["culture"],
        period=Period.objects.get(plan=plan, kind="ten_day", number=18),
        status="approved",
        progress="旅游节如期举办",
    )
    # 2000 of 5000 万人次 = 40.0% against 18/36 = 50.0%: 10.0 points behind, yellow.
    MetricValue.objects.create(report=report, metric=visitors, value=2000)
    MetricValue.objects.create(report=report, metric=ratio, value=Decimal("1.09"))
    summaries.rebuild_plan(plan)  # written through the ORM, not tasks.actions

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", leader.username)
        page.fill("#id_password", leader.raw_password)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)  # a leader lands on the overview
        page.goto(f"{live_server.url}/dashboard/task/{task.pk}/?as_of=ten_day-18")
        page.screenshot(path=str(screenshot_dir / "dashboard-04-task-metrics.png"), full_page=True)
        ceiling = page.locator(f'.metric-row[data-metric="{ratio.pk}"]')
        assert ceiling.get_attribute("data-light") == "green"
        assert ceiling.get_attribute("data-gap") == "+0.4"
        assert "1.09 / 1.5%" in ceiling.inner_text()
        assert "控制在上限 1.5%" in ceiling.locator("[data-reason]").inner_text()
        assert "上限" in ceiling.locator("[data-rule]").inner_text()
        amount = page.locator(f'.metric-row[data-metric="{visitors.pk}"]')
        assert amount.get_attribute("data-light") == "yellow"
        assert amount.get_attribute("data-gap") == "−10.0"
        assert "序时进度 50.0%" in amount.locator("[data-reason]").inner_text()
        assert page.locator(".summary").get_attribute("data-light") == "yellow"
    finally:
        context.close()
