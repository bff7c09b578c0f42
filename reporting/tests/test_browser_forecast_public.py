"""In a real browser: the target page's forecast chart at desktop width, and the public progress
page on a phone, as an anonymous visitor."""

import pytest
from django.core.management import call_command

from reporting.publishing import publish
from targets.models import Period, Target

pytestmark = [pytest.mark.browser]


def test_target_chart_draws_the_projection_and_the_public_page_reads_on_a_phone(
    transactional_db, live_server, browser, screenshot_dir, plan, leader, office_dev
):
    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "11")
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", leader.username)
        page.fill("#id_password", leader.raw_password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/dashboard/{plan.code}/")
        page.goto(f"{live_server.url}/dashboard/target/{retail.pk}/?as_of=month-6")
        assert page.locator("svg.chart .projection-band").count() == 1
        assert page.locator("svg.chart line.target-line title").count() == 1  # the line, not its legend
        # The last x label lies inside the chart.
        label = page.locator("svg.chart text.axis").last.bounding_box()
        chart = page.locator("svg.chart").bounding_box()
        assert label["x"] + label["width"] <= chart["x"] + chart["width"] + 0.5
        page.locator("section.forecast").scroll_into_view_if_needed()
        page.screenshot(path=str(screenshot_dir / "forecast-01-target.png"), full_page=True)
        page.goto(f"{live_server.url}/dashboard/{plan.code}/?as_of=month-6")
        page.locator("#at-risk").screenshot(path=str(screenshot_dir / "forecast-02-overview-at-risk.png"))
    finally:
        context.close()

    june = Period.objects.get(plan=plan, kind="month", number=6)
    publish(plan, plan.battles.get(number=1), june, "开展消费季活动12场\n新签约项目8个", office_dev)
    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = phone.new_page()
    try:
        page.goto(f"{live_server.url}/public/{plan.code}/")
        assert page.locator("#battle-1 .highlights li").count() == 2
        # Nothing wider than the phone: no sideways scrolling of the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshot_dir / "public-01-phone.png"), full_page=True)
        page.emulate_media(media="print")
        page.screenshot(path=str(screenshot_dir / "public-02-print.png"), full_page=True)
    finally:
        phone.close()
