"""In a real browser: upload next year's plan as .docx, resolve the flagged names, load it, see it on the dashboard."""

import pytest

from conftest import log_in_browser
from targets.models import Department, Plan
from tasks.models import Task
from tasks.tests.plan_documents import NEXT_YEAR, as_docx

pytestmark = [pytest.mark.browser]


def test_admin_uploads_a_docx_resolves_flagged_names_loads_and_sees_the_dashboard(
    transactional_db, live_server, browser, screenshot_dir, plan_admin, tmp_path
):
    document = tmp_path / "测试市2024年方案.docx"
    document.write_bytes(as_docx(NEXT_YEAR))
    shot = 0

    def snap(page, name):
        nonlocal shot
        shot += 1
        page.screenshot(path=str(screenshot_dir / f"plan-draft-{shot:02d}-{name}.png"), full_page=True)

    context, page = log_in_browser(browser, live_server, plan_admin)
    try:
        page.get_by_role("link", name="读取方案").click()
        page.set_input_files("#id_document", str(document))
        page.fill("#id_code", "ceshi-2024")
        snap(page, "upload")
        page.get_by_role("button", name="读取").click()
        page.wait_for_selector("text=请核对下列存疑之处")
        snap(page, "review")
        # The uncertain records come first: two names, one inferred lead.
        assert page.locator("#departments .flag-item").count() == 2
        assert page.locator("#leads .flag-item").count() == 1

        abbreviated = page.locator("#departments .flag-item", has_text="发改委")
        assert abbreviated.locator("select[name=department]").input_value() == "市发展改革委"
        abbreviated.get_by_role("button", name="确定").click()
        page.wait_for_selector("text=“发改委”已改为“市发展改革委”")

        unknown = page.locator("#departments .flag-item", has_text="市大数据局")
        unknown.get_by_label("新单位名称").fill("市大数据局")
        unknown.get_by_label("单位类别").select_option("municipal")
        unknown.get_by_role("button", name="确定").click()
        page.wait_for_selector("text=所有单位名称都已识别")

        lead = page.locator("#leads .flag-item", has_text="优化提升消费环境")
        assert lead.get_by_label("牵头单位").input_value() == "市商务局"
        lead.get_by_role("button", name="确认牵头单位").click()
        page.wait_for_selector("text=没有推定的牵头单位")
        snap(page, "resolved")

        page.get_by_role("button", name="校验并载入").click()
        page.wait_for_url(f"{live_server.url}/dashboard/ceshi-2024/")
        assert "打好经济增长主动仗" in page.content()
        assert "打好科技创新攻坚仗" in page.content()
        snap(page, "dashboard")
    finally:
        context.close()

    plan = Plan.objects.get(code="ceshi-2024")
    assert Task.objects.filter(section__battle__plan=plan).count() == 4
    assert Department.objects.filter(name="市大数据局").exists()
