"""In a real browser: a department enters a target reading; a colleague's stale save is refused."""

from decimal import Decimal

import pytest

from conftest import log_in_browser, make_user
from targets.models import TargetReading

pytestmark = [pytest.mark.browser]


def test_staff_enters_a_reading_and_a_colleagues_stale_save_keeps_their_input(
    transactional_db, live_server, browser, screenshot_dir, plan, departments, staff_commerce
):
    colleague = make_user("commerce2", "staff", departments["commerce"])
    first_ctx, first = log_in_browser(browser, live_server, staff_commerce)
    second_ctx, second = log_in_browser(browser, live_server, colleague)
    try:
        first.click("text=指标数据")
        first.wait_for_selector("text=社会消费品零售总额")
        first.screenshot(path=str(screenshot_dir / "readings-01-list.png"), full_page=True)
        first.click("a.button.primary")
        entry_url = first.url
        # The colleague opens the same form before the first save.
        second.goto(entry_url)

        first.fill("#id_city-period_value", "62.5")
        first.fill("#id_city-cumulative_value", "710.3")
        first.fill("#id_city-data_source", "市统计局月报")
        first.fill(f"#id_area{departments['hecheng'].pk}-cumulative_value", "180")
        first.click("button:has-text('保存')")
        first.wait_for_selector("text=已保存")
        first.screenshot(path=str(screenshot_dir / "readings-02-saved.png"), full_page=True)

        second.fill("#id_city-cumulative_value", "999")
        second.fill("#id_city-note", "按新口径调整")
        second.click("button:has-text('保存')")
        second.wait_for_selector("text=你的输入尚未保存")
        second.screenshot(path=str(screenshot_dir / "readings-03-stale-refused.png"), full_page=True)
        assert second.input_value("#id_city-cumulative_value") == "999"
        assert second.input_value("#id_city-note") == "按新口径调整"
        assert "710.3" in second.inner_text(".warning-banner")

        reading = TargetReading.objects.get(area__isnull=True)
        assert reading.cumulative_value == Decimal("710.3")
        assert TargetReading.objects.get(area=departments["hecheng"]).cumulative_value == Decimal("180")
    finally:
        first_ctx.close()
        second_ctx.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_readings_grid_totals_the_counties_as_typed_and_keeps_errors_in_their_cells(
    transactional_db, live_server, browser, screenshot_dir, plan, departments, staff_commerce, width
):
    context, page = log_in_browser(browser, live_server, staff_commerce)
    try:
        page.set_viewport_size({"width": width, "height": 900})
        page.click("text=指标数据")
        page.click("a.button.primary")
        hecheng, zhongfang = departments["hecheng"], departments["zhongfang"]
        page.fill("#id_city-cumulative_value", "710.3")
        page.fill(f"#id_area{hecheng.pk}-cumulative_value", "1,200.5")
        page.fill(f"#id_area{zhongfang.pk}-cumulative_value", "９９．５")
        # The total under the column follows the typing, in the same forms the server accepts.
        assert page.inner_text("[data-sum-of=cumulative_value]") == "1300.0"
        page.fill(f"#id_area{zhongfang.pk}-period_value", "abc")
        page.click("button:has-text('保存')")
        page.wait_for_selector(".cell-error")
        page.screenshot(path=str(screenshot_dir / f"readings-grid-error-{width}.png"), full_page=True)
        error_cell = page.locator("td.cell-error")
        assert error_cell.count() == 1
        assert error_cell.locator(f"#id_area{zhongfang.pk}-period_value").count() == 1
        # The error sits under its input, inside the cell, not beside the whole form.
        box_input = page.locator(f"#id_area{zhongfang.pk}-period_value").bounding_box()
        box_msg = error_cell.locator(".cell-msg").bounding_box()
        box_cell = error_cell.bounding_box()
        assert box_msg["y"] >= box_input["y"] + box_input["height"] - 1
        assert box_cell["x"] <= box_msg["x"]
        assert box_msg["x"] + box_msg["width"] <= box_cell["x"] + box_cell["width"] + 1
        assert box_msg["y"] + box_msg["height"] <= box_cell["y"] + box_cell["height"] + 1
        assert page.input_value(f"#id_area{hecheng.pk}-cumulative_value") == "1,200.5"
        page.fill(f"#id_area{zhongfang.pk}-period_value", "")
        page.click("button:has-text('保存')")
        page.wait_for_selector("text=已保存")
        page.screenshot(path=str(screenshot_dir / f"readings-grid-saved-{width}.png"), full_page=True)
        assert TargetReading.objects.get(area=hecheng).cumulative_value == Decimal("1200.5")
        assert TargetReading.objects.get(area=zhongfang).cumulative_value == Decimal("99.5")
    finally:
        context.close()
