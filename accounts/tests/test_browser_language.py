"""In a real browser: log in in Chinese, switch the interface to English and back."""

import pytest

pytestmark = [pytest.mark.browser]


def test_staff_switches_the_interface_to_english_and_back(
    transactional_db, live_server, browser, screenshot_dir, plan, staff_commerce
):
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/")
        assert page.inner_text("h1") == "登录"
        page.fill("#id_username", staff_commerce.username)
        page.fill("#id_password", staff_commerce.raw_password)
        page.click("button[type=submit]")
        page.wait_for_url(f"{live_server.url}/")
        page.click("button:has-text('English')")
        page.wait_for_selector("nav >> text=Target readings")
        page.click("nav >> text=Target readings")
        page.wait_for_selector("th:has-text('Reporting frequency')")
        page.screenshot(path=str(screenshot_dir / "language-01-readings-english.png"), full_page=True)
        page.click("button:has-text('中文')")
        page.wait_for_selector("th:has-text('报送频次')")
        page.click("button:has-text('Log out'), button:has-text('退出')")
        page.wait_for_url(f"{live_server.url}/login/")
    finally:
        context.close()
