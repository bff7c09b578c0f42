"""签发: a report is a draft until the task-force office issues it; issuing dates it, completes its
版记 and tells the units it is sent to. Reports built when a period closes are issued
automatically, dated the scheduled issue day, never the day they happened to be built."""

import datetime as dt

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from docx import Document

from accounts.models import Notification
from conftest import make_user
from reporting.build import build_report, close_period, scheduled_issue_date
from reporting.models import DispatchReport


def word_text(report):
    doc = Document(settings.REPORTS_ROOT / report.docx_path)
    return "\n".join(p.text for p in doc.paragraphs)


def test_a_built_report_is_an_undated_draft_until_its_office_issues_it(
    client, office_dev, staff_commerce, staff_science, leader, seeded, plan
):
    battle = plan.battles.get(number=1)
    report = build_report(plan.id, "monthly_circular", seeded["may"].id, battle.id)
    assert report.issued_on is None and report.content["date"] is None
    assert "（草稿，待签发）" in word_text(report)
    client.force_login(office_dev)
    page = client.get(reverse("reporting:detail", args=[report.pk])).content.decode()
    assert "草稿：尚未签发" in page and reverse("reporting:issue", args=[report.pk]) in page

    response = client.post(reverse("reporting:issue", args=[report.pk]))
    assert response.status_code == 302
    report.refresh_from_db()
    today = timezone.localdate()
    label = f"{today.year}年{today.month}月{today.day}日"
    assert report.issued_on == today and report.issued_by == office_dev
    assert report.content["date_label"] == label and report.issue_label == "2023年第5期"
    text = word_text(report)
    assert "草稿" not in text and label in text
    # 版记: 主送, 抄送, then the issuing office and the printing date.
    assert f"主送：{report.content['main_to']}。" in text
    assert f"{report.content['office']}\t{label}印发" in text
    # The units it is sent to are told: battle 1's members and the leader, not battle 2's staff.
    notified = set(Notification.objects.filter(kind="report_issued").values_list("user__username", flat=True))
    assert {office_dev.username, staff_commerce.username, leader.username} <= notified
    assert staff_science.username not in notified

    # Issuing again changes nothing and sends nothing.
    count = Notification.objects.count()
    client.post(reverse("reporting:issue", args=[report.pk]))
    assert Notification.objects.count() == count


def test_staff_and_other_offices_cannot_issue(client, staff_commerce, office_science, seeded, plan):
    battle = plan.battles.get(number=1)
    report = build_report(plan.id, "monthly_circular", seeded["may"].id, battle.id)
    for user in (staff_commerce, office_science):
        client.force_login(user)
        assert client.post(reverse("reporting:issue", args=[report.pk])).status_code == 404
    report.refresh_from_db()
    assert report.issued_on is None


def test_closing_a_period_issues_its_reports_dated_the_scheduled_day_not_the_build_day(leader, seeded, plan):
    make_user("finance", "staff", plan.battles.get(number=2).task_force.members.get(name="市财政局"))
    close_period(plan.id, seeded["may"].id)
    # May ends with Wednesday 31 May 2023; 48 hours after the end (1 June 0:00) is Saturday
    # 3 June, so the reports are issued on Monday 5 June.
    assert scheduled_issue_date(plan, seeded["may"]) == dt.date(2023, 6, 5)
    reports = list(DispatchReport.objects.filter(period=seeded["may"]))
    assert reports and all(r.issued_on == dt.date(2023, 6, 5) and r.issued_by is None for r in reports)
    assert all(r.content["date_label"] == "2023年6月5日" for r in reports)
    # A period closed long after the fact is issued without a message per report.
    assert not Notification.objects.filter(kind="report_issued").exists()


def test_a_close_falling_on_a_holiday_is_issued_on_the_next_working_day(plan):
    # 2023年9月下旬 ends on Saturday 30 September; 48 hours later is 2 October, in the National
    # Day holiday (29 Sep – 6 Oct); the next working day is Saturday 7 October (a make-up day).
    period = plan.periods.get(kind="ten_day", number=27)
    assert scheduled_issue_date(plan, period) == dt.date(2023, 10, 7)


def test_with_automatic_issue_off_closed_reports_stay_drafts(seeded, plan, settings):
    settings.DISPATCH_AUTO_ISSUE = False
    close_period(plan.id, seeded["may"].id)
    assert not DispatchReport.objects.filter(period=seeded["may"], issued_on__isnull=False).exists()


def test_a_version_built_by_an_older_app_asks_to_be_regenerated_before_issue(client, office_dev, seeded, plan):
    battle = plan.battles.get(number=1)
    report = DispatchReport.objects.create(
        plan=plan,
        kind="monthly_circular",
        period=seeded["may"],
        battle=battle,
        year=2023,
        issue_number=5,
        status="ready",
        content={"title": "旧格式", "blocks": []},
    )
    client.force_login(office_dev)
    response = client.post(reverse("reporting:issue", args=[report.pk]), follow=True)
    assert response.status_code == 200
    assert "请重新生成后再签发" in response.content.decode()
    report.refresh_from_db()
    assert report.issued_on is None


@pytest.mark.django_db(transaction=True)
def test_issuing_renders_the_word_and_excel_files_outside_the_transaction(
    client, office_dev, seeded, plan, monkeypatch
):
    """On the embedded SQLite default a transaction holds the database's write lock from its first
    statement: a department saving a draft waits for as long as the files take to render."""
    from reporting import build

    battle = plan.battles.get(number=1)
    report = build_report(plan.id, "monthly_circular", seeded["may"].id, battle.id)
    in_transaction = []

    def watched(writer):
        def write(content, path):
            in_transaction.append(connection.in_atomic_block)
            return writer(content, path)

        return write

    monkeypatch.setattr(build, "write_docx", watched(build.write_docx))
    monkeypatch.setattr(build, "write_xlsx", watched(build.write_xlsx))
    client.force_login(office_dev)
    assert client.post(reverse("reporting:issue", args=[report.pk])).status_code == 302
    report.refresh_from_db()
    assert report.issued_on == timezone.localdate() and "（草稿，待签发）" not in word_text(report)
    assert in_transaction == [False, False]
    assert not list(settings.REPORTS_ROOT.rglob(".tmp-*"))


def test_a_period_closing_on_a_weekend_is_issued_and_announced_on_its_issue_day_not_before(
    client, leader, seeded, plan, monkeypatch
):
    from reporting.tasks import catch_up_reports

    # May 2023 closes 48 hours after its end: Saturday 3 June. Its reports are dated Monday 5 June,
    # so on Saturday they are built as drafts: not issued, not sent, not listed as issued.
    saturday = dt.datetime(2023, 6, 3, 10, 5, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: saturday)
    catch_up_reports()
    may = DispatchReport.objects.filter(period=seeded["may"], is_current=True)
    assert may.exists() and not may.filter(issued_on__isnull=False).exists()
    assert not Notification.objects.filter(kind="report_issued").exists()
    client.force_login(leader)
    circular = may.get(kind="monthly_circular", battle=None)
    assert "草稿：尚未签发" in client.get(reverse("reporting:detail", args=[circular.pk])).content.decode()

    # Monday's hourly run issues them, dated that day, and tells the units they are sent to.
    monday = dt.datetime(2023, 6, 5, 9, 5, tzinfo=timezone.get_current_timezone())
    monkeypatch.setattr(timezone, "now", lambda: monday)
    catch_up_reports()
    assert not may.filter(issued_on__isnull=True).exists()
    assert set(may.values_list("issued_on", flat=True)) == {dt.date(2023, 6, 5)}
    assert Notification.objects.filter(kind="report_issued", user=leader).exists()
    client.force_login(leader)  # two days on, Saturday's session has expired
    page = client.get(reverse("reporting:detail", args=[circular.pk])).content.decode()
    assert "草稿：尚未签发" not in page and "2023年6月5日" in page
