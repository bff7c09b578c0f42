"""In a real browser: submit with a metric and a file, return with a reason, resubmit, approve."""

import pytest

from conftest import log_in_browser
from tasks.models import ProgressReport

pytestmark = [pytest.mark.browser]

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"


def test_staff_submits_office_returns_staff_resubmits_office_approves(
    transactional_db, live_server, browser, screenshot_dir, plan, staff_culture, office_dev, tmp_path
):
    evidence = tmp_path / "现场照片.png"
    evidence.write_bytes(PNG)
    shot = 0

    def snap(page, name):
        nonlocal shot
        shot += 1
        page.screenshot(path=str(screenshot_dir / f"report-flow-{shot:02d}-{name}.png"), full_page=True)

    staff_ctx, staff = log_in_browser(browser, live_server, staff_culture)
    office_ctx, office = log_in_browser(browser, live_server, office_dev)
    try:
        # Staff: my tasks for 2023-05-15, open the report of task 1.2 for 5月中旬.
        staff.goto(f"{live_server.url}/?as_of=2023-05-15")
        snap(staff, "staff-home")
        row = staff.locator("#todo-due .todo-item", has_text="促进旅游消费恢复")
        row.get_by_role("link", name="填报").click()
        staff.fill("#id_progress", "五一期间接待游客大幅增长。")
        staff.get_by_label("接待游客", exact=False).fill("1520")
        staff.set_input_files("#id_files", str(evidence))
        snap(staff, "staff-filled")
        staff.get_by_role("button", name="提交").click()
        staff.wait_for_selector("text=报告已提交")
        assert staff.locator(".report-status").inner_text() == "已提交"
        assert "现场照片.png" in staff.content()
        snap(staff, "staff-submitted")

        # Office: the queue holds it; return it with a reason.
        office.goto(f"{live_server.url}/progress/review/")
        snap(office, "office-queue")
        office.locator(".queue-item", has_text="促进旅游消费恢复").get_by_role("link", name="审核", exact=True).click()
        assert "1520 / 5000 = 30.4%" in office.content()
        office.fill("#id_reason", "请补充游客人数的统计口径。")
        office.get_by_role("button", name="退回", exact=True).click()
        office.wait_for_selector("text=已退回：（一）2.促进旅游消费恢复 市文化旅游广电体育局 2023年5月中旬")
        # The reviewing office still reads what it returned (readable_reports): its reason is on the page.
        assert "/progress/" in office.url
        assert "请补充游客人数的统计口径。" in office.content()
        snap(office, "office-returned")

        # Staff: sees the reason, fixes the text and resubmits.
        staff.goto(f"{live_server.url}/?as_of=2023-05-15")
        assert "请补充游客人数的统计口径" in staff.content()
        row = staff.locator("#todo-returned .todo-item", has_text="促进旅游消费恢复")
        row.get_by_role("link", name="修改后重新提交").click()
        assert "请补充游客人数的统计口径" in staff.locator(".return-reason").inner_text()
        staff.fill("#id_progress", "五一期间接待游客1520万人次（文旅部门口径）。")
        snap(staff, "staff-resubmitting")
        staff.get_by_role("button", name="提交").click()
        staff.wait_for_selector("text=报告已提交")

        # Office: approves.
        office.goto(f"{live_server.url}/progress/review/")
        office.locator(".queue-item", has_text="促进旅游消费恢复").get_by_role("link", name="审核", exact=True).click()
        assert "文旅部门口径" in office.content()
        office.get_by_role("button", name="通过", exact=True).click()
        office.wait_for_selector("text=已通过：（一）2.促进旅游消费恢复")
        assert office.locator(".report-status").inner_text() == "已通过"
        snap(office, "office-approved")

        # Both sides show the final status; both versions are listed.
        staff.reload()
        assert staff.locator(".report-status").inner_text() == "已通过"
        assert "第1版" in staff.content() and "第2版" in staff.content()
        snap(staff, "staff-final")
    finally:
        staff_ctx.close()
        office_ctx.close()

    report = ProgressReport.objects.get()
    assert report.status == ProgressReport.Status.APPROVED
    assert report.times_returned == 1
    assert report.attachments.count() == 1
