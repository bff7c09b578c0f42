"""In chromium at desktop (1280) and phone (390) widths: the staff to-do list, a return that
reaches the staff user as a notification, and an office clearing its queue with "approve and next"."""

from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import Notification
from conftest import log_in_browser
from tasks import summaries
from tasks.models import MetricValue, ProgressReport
from tasks.tests.helpers import task, ten_day

pytestmark = [pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(browser, live_server, user, viewport):
    # The tests write their reports through the ORM, not tasks.actions: recount the summaries.
    summaries.rebuild()
    return log_in_browser(browser, live_server, user, viewport)


def no_sideways_scroll(page):
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def make(plan, department, number, period, status, **extra):
    return ProgressReport.objects.create(
        task=task(1, 1, number),
        department=department,
        period=ten_day(plan, period),
        status=status,
        progress=extra.pop("progress", "开展消费季活动3场。"),
        submitted_at=timezone.now(),
        **extra,
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_to_do_list_puts_the_returned_report_first(
    transactional_db, live_server, browser, screenshot_dir, plan, staff_commerce, viewport
):
    dept = staff_commerce.department
    make(plan, dept, 1, 13, "approved")
    make(plan, dept, 2, 12, "submitted")
    make(plan, dept, 1, 7, "returned", return_reason="请补充3月消费季活动的佐证材料。")
    context, page = log_in(browser, live_server, staff_commerce, viewport)
    name = "desktop" if viewport is DESKTOP else "phone"
    try:
        page.goto(f"{live_server.url}/?as_of=2023-05-15")
        page.screenshot(path=str(screenshot_dir / f"staff-todo-{name}.png"), full_page=True)
        first = page.locator(".todo-item").first
        assert "请补充3月消费季活动的佐证材料" in first.inner_text()
        # The returned report is on the first screen, not thousands of pixels down.
        assert first.bounding_box()["y"] < viewport["height"]
        assert page.locator("#todo-returned h3").inner_text() == "被退回，待修改（1）"
        # Only items past their deadline carry 已逾期; this 旬's items say how long is left.
        overdue = page.locator(".todo-item .overdue")
        assert overdue.count() == page.locator("#todo-overdue .todo-item").count() > 0
        # Task 1.1, which 市商务局 leads; task 1.2, on which it only cooperates, is owed no report.
        assert page.locator("#todo-due .todo-item").count() == 1
        assert page.locator("#todo-due").get_by_text("还剩").count() == 1
        assert not page.locator("#todo-done").evaluate("d => d.open")  # done is folded away
        assert not page.locator("#todo-optional").evaluate("d => d.open")  # so is what is not owed
        assert no_sideways_scroll(page)
        if viewport is PHONE:
            # Cards: the action button spans the card instead of a table column.
            item = page.locator("#todo-due .todo-item").first.bounding_box()
            button = page.locator("#todo-due .todo-item .todo-action .button").first.bounding_box()
            assert button["width"] > item["width"] * 0.8
        # Filter to the overdue items of 5月上旬 (13): the form keeps the choice.
        page.select_option("#id_status", "overdue")
        page.get_by_role("button", name="筛选").click()
        page.wait_for_url("**status=overdue**")
        assert page.locator(".todo-group").count() == 1 and page.locator("#todo-overdue").count() == 1
        page.screenshot(path=str(screenshot_dir / f"staff-todo-filtered-{name}.png"), full_page=True)
    finally:
        context.close()


def test_a_return_notifies_the_staff_user_who_sees_it_on_the_phone(
    transactional_db, live_server, browser, screenshot_dir, plan, staff_commerce, office_dev
):
    report = make(plan, staff_commerce.department, 1, 14, "submitted")
    office_ctx, office = log_in(browser, live_server, office_dev, DESKTOP)
    staff_ctx, staff = log_in(browser, live_server, staff_commerce, PHONE)
    try:
        office.goto(f"{live_server.url}/progress/{report.pk}/")
        office.fill("#id_reason", "活动场次与台账不符，请核对。")
        office.get_by_role("button", name="退回", exact=True).click()
        office.wait_for_selector("text=已退回：（一）1.开展系列消费促进活动 市商务局 2023年5月中旬")
        office.screenshot(path=str(screenshot_dir / "return-notifies-01-office-desktop.png"), full_page=True)

        staff.goto(f"{live_server.url}/?as_of=2023-05-15")
        badge = staff.locator(".topbar .badge")
        assert badge.inner_text() == "1"
        staff.screenshot(path=str(screenshot_dir / "return-notifies-02-staff-home-phone.png"), full_page=True)
        staff.get_by_role("link", name="通知").click()
        assert "活动场次与台账不符，请核对" in staff.content()
        staff.screenshot(path=str(screenshot_dir / "return-notifies-03-staff-notifications-phone.png"), full_page=True)
        staff.locator(".notifications a").first.click()
        staff.wait_for_url(f"**/progress/{report.pk}/")
        assert "活动场次与台账不符" in staff.locator(".return-reason").inner_text()
        assert no_sideways_scroll(staff)
        staff.screenshot(path=str(screenshot_dir / "return-notifies-04-staff-report-phone.png"), full_page=True)
    finally:
        office_ctx.close()
        staff_ctx.close()
    assert Notification.objects.filter(user=staff_commerce, kind="returned").count() == 1


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_office_clears_its_queue_with_approve_and_next(
    transactional_db, live_server, browser, screenshot_dir, plan, departments, office_dev, viewport
):
    culture, commerce = departments["culture"], departments["commerce"]
    earlier = make(plan, culture, 2, 13, "approved")
    falling = make(plan, culture, 2, 14, "submitted")
    metrics = list(task(1, 1, 2).metrics.all())
    MetricValue.objects.create(report=earlier, metric=metrics[0], value=Decimal("1200"))
    MetricValue.objects.create(report=falling, metric=metrics[0], value=Decimal("1100"))
    second = make(plan, commerce, 1, 14, "submitted")
    name = "desktop" if viewport is DESKTOP else "phone"
    context, page = log_in(browser, live_server, office_dev, viewport)
    try:
        page.goto(f"{live_server.url}/progress/review/")
        assert page.get_by_role("link", name="待审核（2）").count() == 1
        assert "接待游客累计值下降：1200 → 1100" in page.content()
        assert no_sideways_scroll(page)
        page.screenshot(path=str(screenshot_dir / f"review-queue-{name}.png"), full_page=True)
        page.get_by_role("link", name="从第一份开始审核").click()
        page.wait_for_url(f"**/progress/{falling.pk}/**")
        assert page.locator(".falls-warning").inner_text() == "累计值低于上期，请核实：接待游客 1200 → 1100万人次"
        page.screenshot(path=str(screenshot_dir / f"review-compare-{name}.png"), full_page=True)
        page.get_by_role("button", name="通过并审核下一份").click()
        page.wait_for_url(f"**/progress/{second.pk}/**")
        assert "已通过：（一）2.促进旅游消费恢复 市文化旅游广电体育局 2023年5月中旬" in page.content()
        page.screenshot(path=str(screenshot_dir / f"review-approve-and-next-{name}.png"), full_page=True)
        page.get_by_role("button", name="通过并审核下一份").click()
        page.wait_for_url("**/progress/review/**")
        assert "这一队列的报告已全部审核完毕" in page.content() and "没有待审核的报告" in page.content()
        page.screenshot(path=str(screenshot_dir / f"review-cleared-{name}.png"), full_page=True)
    finally:
        context.close()
    assert set(ProgressReport.objects.filter(period__number=14).values_list("status", flat=True)) == {"approved"}
