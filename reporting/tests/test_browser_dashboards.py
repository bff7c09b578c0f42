"""In a real browser, as a leader: overview → battle → target on demo data; what the screen shows
is what the engine computed."""

import pytest
from django.core.management import call_command

from reporting.status import plan_status, resolve_as_of
from targets.templatetags.dash import pct1, signed1

pytestmark = [pytest.mark.browser]

AS_OF = "month-6"


def test_leader_follows_overview_to_battle_to_target_and_sees_the_engines_figures(
    transactional_db, live_server, browser, screenshot_dir, plan, leader
):
    call_command("seed_demo", plan.code, "--until", "2023-06-30", "--seed", "11")
    status = plan_status(plan, resolve_as_of(plan, AS_OF))
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", leader.username)
        page.fill("#id_password", leader.raw_password)
        page.click("button[type=submit]")
        # A leader's home is the overview.
        page.wait_for_url(f"{live_server.url}/dashboard/{plan.code}/")

        page.goto(f"{live_server.url}/dashboard/{plan.code}/?as_of={AS_OF}")
        page.screenshot(path=str(screenshot_dir / "dashboard-01-overview.png"), full_page=True)
        b1 = status.battles[0]
        card = page.locator('.battle-card[data-battle="1"]')
        for light, count in b1.light_counts.items():
            assert card.locator(f'[data-count="{light}"]').inner_text() == str(count)
        # The red list, grouped by battle: the engine's red targets in full and red-task counts.
        assert page.locator(".red-group").count() == len(status.red_by_battle)
        for group in status.red_by_battle:
            shown = page.locator(f'.red-group[data-battle="{group.battle.number}"]')
            assert shown.locator("tr[data-target]").count() == len(group.targets)
            if group.task_count:
                assert shown.locator("[data-red-tasks]").inner_text() == str(group.task_count)
                assert shown.locator("li[data-task]").count() == len(group.worst_tasks)

        card.locator("h2 a").click()
        page.wait_for_url("**/battle/1/**")
        page.screenshot(path=str(screenshot_dir / "dashboard-02-battle.png"), full_page=True)
        for t in b1.targets:
            row = page.locator(f'tr[data-target="{t.target.pk}"]')
            assert row.get_attribute("data-light") == t.judgement.light
            assert row.locator('[data-col="gap"]').inner_text() == signed1(t.judgement.gap_points)
            if t.judgement.schedule_pct is not None:
                assert row.locator('[data-col="schedule"]').inner_text() == f"{pct1(t.judgement.schedule_pct)}%"

        retail = next(t for t in b1.targets if t.target.code == "1.02")
        page.locator(f'tr[data-target="{retail.target.pk}"] td:nth-child(2) > a').first.click()
        page.wait_for_url(f"**/target/{retail.target.pk}/**")
        page.screenshot(path=str(screenshot_dir / "dashboard-03-target.png"), full_page=True)
        assert page.locator(".summary").get_attribute("data-light") == retail.judgement.light
        assert page.locator("[data-reason]").inner_text() == retail.judgement.reason
        assert page.locator("svg.chart polyline").count() >= 1
    finally:
        context.close()
