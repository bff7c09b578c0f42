"""In chromium: a department's staff user opens a notification from the list (it turns read and
the page is the report it names), and a task-force office withdraws (撤回) a published summary
(the public page falls back to the battle's earlier one)."""

import pytest

from accounts.models import Notification
from conftest import log_in_browser
from reporting.models import Publication
from reporting.publishing import publish
from targets.models import Period
from tasks import summaries
from tasks.actions import approve_report, return_report
from tasks.models import ProgressReport
from tasks.tests.helpers import task, ten_day

pytestmark = [pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def log_in(browser, live_server, user, viewport, lands_on="/"):
    return log_in_browser(browser, live_server, user, viewport, lands_on)


def submitted(plan, department, number, period):
    return ProgressReport.objects.create(
        task=task(1, 1, number),
        department=department,
        period=ten_day(plan, period),
        status="submitted",
        progress="开展消费季活动3场。",
    )


def test_staff_opens_a_notification_from_the_list_and_it_turns_read(
    transactional_db, live_server, browser, screenshot_dir, plan, staff_commerce, office_dev
):
    dept = staff_commerce.department
    approved = submitted(plan, dept, 1, 13)
    returned = submitted(plan, dept, 1, 14)
    summaries.rebuild()  # the reports above were written through the ORM
    # The office's decisions, through the actions that tell the department.
    approve_report(approved.pk, office_dev)
    return_report(returned.pk, office_dev, "请补充活动照片。")
    opened = Notification.objects.get(user=staff_commerce, kind="approved")
    other = Notification.objects.get(user=staff_commerce, kind="returned")

    context, page = log_in(browser, live_server, staff_commerce, PHONE)
    try:
        assert page.locator(".topbar .badge").inner_text() == "2"
        page.get_by_role("link", name="通知").click()
        page.wait_for_url("**/reports/notifications/")
        items = page.locator(".notifications li")
        assert items.count() == 2 and page.locator(".notifications .badge-unread").count() == 2
        page.screenshot(path=str(screenshot_dir / "notification-open-01-list-phone.png"), full_page=True)

        page.get_by_role("link", name="已通过审核").click()
        page.wait_for_url(f"**/progress/{approved.pk}/")
        assert page.inner_text("h1") == "进展报告：（一）1.开展系列消费促进活动"
        assert page.locator(".report-status").inner_text() == "已通过"
        assert "2023年5月上旬" in page.locator("main").inner_text()
        assert page.locator(".topbar .badge").inner_text() == "1"  # one left unread
        page.screenshot(path=str(screenshot_dir / "notification-open-02-report-phone.png"), full_page=True)

        page.get_by_role("link", name="通知").click()
        page.wait_for_url("**/reports/notifications/")
        read = page.locator(".notifications li.read")
        unread = page.locator(".notifications li.unread")
        assert read.count() == 1 and "已通过审核" in read.inner_text() and "未读" not in read.inner_text()
        assert unread.count() == 1 and "请补充活动照片" in unread.inner_text() and "未读" in unread.inner_text()
        page.screenshot(path=str(screenshot_dir / "notification-open-03-list-after-phone.png"), full_page=True)
    finally:
        context.close()
    opened.refresh_from_db()
    other.refresh_from_db()
    assert opened.read_at is not None and other.read_at is None


def test_office_withdraws_a_publication_and_the_public_page_drops_it(
    transactional_db, live_server, browser, screenshot_dir, plan, seeded, office_dev, office_science
):
    battles = {b.number: b for b in plan.battles.all()}
    april = Period.objects.get(plan=plan, kind="month", number=4)
    publish(plan, battles[1], april, "一仗四月亮点", office_dev)
    may = publish(plan, battles[1], seeded["may"], "一仗五月亮点", office_dev)
    publish(plan, battles[2], seeded["may"], "二仗五月亮点", office_science)
    public_url = f"{live_server.url}/public/{plan.code}/"

    def public_page(name):
        # A fresh context each time: the public page may be kept by a browser for five minutes.
        visitor = browser.new_context(locale="zh-CN", viewport=DESKTOP)
        page = visitor.new_page()
        try:
            page.goto(public_url)
            page.screenshot(path=str(screenshot_dir / name), full_page=True)
            return page.locator("#battle-1").inner_text(), page.locator("#battle-2").inner_text()
        finally:
            visitor.close()

    first, second = public_page("withdraw-01-public-before.png")
    assert "一仗五月亮点" in first and "2023年5月" in first and "二仗五月亮点" in second

    context, page = log_in(browser, live_server, office_dev, DESKTOP)
    try:
        page.goto(f"{live_server.url}/reports/plan/{plan.code}/publish/")
        rows = page.locator("tbody tr")
        may_row = rows.filter(has_text="2023年5月").filter(has_text="打好经济增长主动仗")
        assert may_row.count() == 1 and "公开中" in may_row.inner_text()
        # Battle 2's summary is its own office's: no 撤回 on its row.
        assert rows.filter(has_text="打好科技创新攻坚仗").get_by_role("link", name="撤回").count() == 0
        page.screenshot(path=str(screenshot_dir / "withdraw-02-publish-page.png"), full_page=True)

        may_row.get_by_role("link", name="撤回").click()
        page.wait_for_url(f"**/publications/{may.pk}/withdraw/")
        card = page.locator("main .card").inner_text()
        assert "确定撤回 打好经济增长主动仗 2023年5月 的进展摘要" in card
        assert "改为显示本范围此前发布的 2023年4月 摘要" in card
        page.screenshot(path=str(screenshot_dir / "withdraw-03-confirm.png"), full_page=True)

        page.get_by_role("button", name="确认撤回").click()
        page.wait_for_url(f"**/reports/plan/{plan.code}/publish/")
        assert page.locator(".messages").inner_text() == "已撤回：打好经济增长主动仗 2023年5月，公开页面不再显示。"
        assert "已撤回" in may_row.inner_text() and may_row.get_by_role("link", name="撤回").count() == 0
        page.screenshot(path=str(screenshot_dir / "withdraw-04-withdrawn.png"), full_page=True)
    finally:
        context.close()

    first, second = public_page("withdraw-05-public-after.png")
    assert "一仗五月亮点" not in first and "2023年5月" not in first
    assert "一仗四月亮点" in first and "2023年4月" in first  # the battle's earlier summary again
    assert "二仗五月亮点" in second
    may.refresh_from_db()
    assert may.withdrawn_at is not None and may.withdrawn_by == office_dev
    assert Publication.objects.filter(withdrawn_at__isnull=True).count() == 2
