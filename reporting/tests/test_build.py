"""Idempotent builds, versions, catch-up, and two builds racing on PostgreSQL."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from docx import Document

from reporting import build
from reporting.models import DispatchReport
from reporting.tasks import build_dispatch_report, catch_up_reports, close_period


def test_building_twice_leaves_one_report(seeded, plan):
    first = build_dispatch_report(plan.id, "monthly_circular", seeded["may"].id)
    second = build_dispatch_report(plan.id, "monthly_circular", seeded["may"].id)
    assert first == second
    assert DispatchReport.objects.filter(kind="monthly_circular", period=seeded["may"]).count() == 1


def test_regenerating_makes_version_two_and_keeps_version_one(seeded, plan):
    v1 = DispatchReport.objects.get(pk=build_dispatch_report(plan.id, "monthly_circular", seeded["may"].id))
    v2 = DispatchReport.objects.get(
        pk=build_dispatch_report(plan.id, "monthly_circular", seeded["may"].id, regenerate=True, after_version=1)
    )
    # A redelivered regenerate job (same after_version) does not make a third version.
    again = build_dispatch_report(plan.id, "monthly_circular", seeded["may"].id, regenerate=True, after_version=1)
    v1.refresh_from_db()
    assert (v1.version, v1.is_current, v2.version, v2.is_current, again) == (1, False, 2, True, v2.pk)
    assert v2.issue_number == v1.issue_number
    assert (settings.REPORTS_ROOT / v1.docx_path).is_file() and (settings.REPORTS_ROOT / v2.docx_path).is_file()
    assert v1.docx_path != v2.docx_path


def test_a_build_left_half_done_is_completed_by_the_next_run(seeded, plan):
    # A worker killed after claiming the row leaves it "building" with no file.
    row = build.claim(plan.id, "monthly_circular", seeded["may"], None)
    assert row.status == "building" and not row.docx_path
    build_dispatch_report(plan.id, "monthly_circular", seeded["may"].id)
    row.refresh_from_db()
    assert row.status == "ready"
    assert Document(settings.REPORTS_ROOT / row.docx_path).paragraphs
    assert DispatchReport.objects.filter(kind="monthly_circular").count() == 1


def test_issue_numbers_follow_the_calendar_whatever_the_build_order(seeded, plan):
    close_period(plan.id, seeded["may"].id)
    close_period(plan.id, plan.periods.get(kind="month", number=4).id)
    battle = plan.battles.get(number=1)
    april, may = (DispatchReport.objects.get(kind="monthly_circular", battle=battle, period__number=n) for n in (4, 5))
    assert (april.issue_label, may.issue_label) == ("2023年第4期", "2023年第5期")
    # May: a circular per battle and for the whole plan, a warning slip for battle 1 only (battle 2
    # has nothing red in May).
    assert DispatchReport.objects.filter(period=seeded["may"]).count() == 2 + 1 + 1


def test_catch_up_builds_every_missing_report_of_closed_periods(plan, settings, monkeypatch):
    from django.utils import timezone

    # "Now" is 3 Feb 2023 10:00 in Shanghai: January's periods ended more than 48 h ago.
    now = dt.datetime(2023, 2, 3, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: now)
    catch_up_reports()
    built = DispatchReport.objects.filter(plan=plan, status="ready")
    kinds = sorted({(r.kind, r.period.kind, r.period.number) for r in built})
    assert kinds == [
        ("monthly_circular", "month", 1),
        ("ten_day_briefing", "ten_day", 1),
        ("ten_day_briefing", "ten_day", 2),
        ("ten_day_briefing", "ten_day", 3),
        ("warning_slip", "month", 1),
    ]
    count = built.count()
    assert plan.periods.get(kind="month", number=1).closed_at is not None
    catch_up_reports()  # nothing is missing now: nothing new
    assert DispatchReport.objects.filter(plan=plan).count() == count


def test_a_period_kind_that_does_not_match_the_report_is_refused(seeded, plan):
    with pytest.raises(ValueError):
        build.build_report(plan.id, "monthly_circular", seeded["ten_day_15"].id)


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_builds_leave_one_report(plan, departments):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers anyway")
    period = plan.periods.get(kind="month", number=5)
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        from django.db import connections

        try:
            barrier.wait()
            results.append(build.build_report(plan.id, "monthly_circular", period.id).pk)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1
    rows = DispatchReport.objects.filter(kind="monthly_circular", period=period)
    assert rows.count() == 1 and rows.get().status == "ready"


def test_no_warning_slip_and_no_file_for_a_battle_with_nothing_red(seeded, plan, settings):
    may = seeded["may"]
    first, second = plan.battles.order_by("number")
    close_period(plan.id, may.id)
    # Battle 1 has GDP and 促进旅游消费恢复 red in May; battle 2 has nothing red.
    slips = DispatchReport.objects.filter(kind="warning_slip", period=may)
    assert [s.battle_id for s in slips] == [first.id]
    assert build.build_report(plan.id, "warning_slip", may.id, second.id) is None
    assert build.build_report(plan.id, "warning_slip", may.id, second.id, regenerate=True) is None
    assert not DispatchReport.objects.filter(kind="warning_slip", battle=second).exists()
    files = {p.relative_to(settings.REPORTS_ROOT).as_posix() for p in settings.REPORTS_ROOT.rglob("*") if p.is_file()}
    ready = DispatchReport.objects.filter(period=may, status="ready")
    assert files >= {r.docx_path for r in ready} and len(files) == 2 * ready.count()


def test_catch_up_does_not_count_a_period_with_nothing_red_as_missing_its_slip(seeded, plan):
    may = seeded["may"]
    now = dt.datetime(2023, 6, 5, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert may in build.missing_reports(plan, now)
    close_period(plan.id, may.id)
    # Battle 2's slip was never built (nothing red): May is complete.
    assert may not in build.missing_reports(plan, now)
    # A slip that was decided on but left half built makes May missing again, and catch-up builds it.
    slip = DispatchReport.objects.get(kind="warning_slip", period=may)
    DispatchReport.objects.filter(pk=slip.pk).update(status="building")
    assert may in build.missing_reports(plan, now)
    close_period(plan.id, may.id)
    slip.refresh_from_db()
    assert slip.status == "ready" and may not in build.missing_reports(plan, now)


def test_an_issued_report_notifies_its_office_and_the_leaders(
    plan, seeded, office_dev, office_science, leader, departments, django_capture_on_commit_callbacks
):
    from accounts.models import GroupRobot, Notification
    from accounts.tests.fake_robot import start_fake_robot

    fake = start_fake_robot()
    try:
        GroupRobot.objects.create(department=departments["dev"], kind="wecom", webhook_url=f"{fake.url}/send?key=dev")
        battle = plan.battles.get(number=1)
        with django_capture_on_commit_callbacks(execute=True):
            report = build.build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id, battle.id)
        notes = Notification.objects.filter(kind="report_ready")
        assert set(notes.values_list("user__username", flat=True)) == {office_dev.username}
        assert notes.get().link == reverse("reporting:detail", args=[report.pk])
        assert [r.query["key"] for r in fake.received] == ["dev"]
        build.build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id)
        whole_plan = Notification.objects.filter(kind="report_ready", text__startswith="全市")
        assert {leader.username, office_dev.username, office_science.username} == set(
            whole_plan.values_list("user__username", flat=True)
        )
    finally:
        fake.server.shutdown()
        fake.server.server_close()


def test_no_report_is_due_for_periods_that_ended_before_the_plan_was_published(plan, monkeypatch):
    from django.utils import timezone

    # Published on 9 February 2023: reports are owed from 2月上旬 (旬 4). On 15 February January's
    # 旬 and month have long closed, but nothing happened in them to report on.
    plan.issued_on, plan.published_on = dt.date(2023, 1, 30), dt.date(2023, 2, 9)
    plan.save()
    now = dt.datetime(2023, 2, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    monkeypatch.setattr(timezone, "now", lambda: now)
    catch_up_reports()
    built = DispatchReport.objects.filter(plan=plan)
    assert sorted({(r.kind, r.period.number) for r in built}) == [("ten_day_briefing", 4)]
    # Its next step names the next 旬 due; a briefing built by hand for January names 2月上旬, the
    # first one owed, not 1月下旬, which nobody reports.
    assert "2023年2月中旬进展报告请于2月20日前报送" in str(built.first().content["blocks"])
    january = build.build_report(plan.id, "ten_day_briefing", plan.periods.get(kind="ten_day", number=2).id)
    assert "2023年2月上旬进展报告请于2月10日前报送" in str(january.content["blocks"])


def test_the_first_briefing_after_publication_reports_no_change_since_the_unreported_ten_day(plan, departments):
    from reporting.tests.conftest import progress_report
    from targets.models import Period
    from tasks.models import Task
    from tasks.summaries import rebuild

    # Published 9 February: 2月上旬 is the first 旬 owed. 1月下旬 owed nothing, so there is no
    # "较上旬" to speak of (it read "欠进度和未按期报送合计较上旬上升23项").
    plan.issued_on, plan.published_on = dt.date(2023, 1, 30), dt.date(2023, 2, 9)
    plan.save()
    first = Period.objects.get(plan=plan, kind="ten_day", number=4)
    progress_report(
        Task.objects.get(section__battle__number=1, number=1),
        departments["commerce"],
        first,
        status="submitted",
        task_status="lagging",
    )
    rebuild()
    text = str(build.build_report(plan.id, "ten_day_briefing", first.id).content["blocks"])
    assert "报送方面，2023年2月上旬应报进展报告" in text
    assert "较上旬" not in text
    # The next 旬 compares with this one again.
    second = Period.objects.get(plan=plan, kind="ten_day", number=5)
    assert "较上旬" in str(build.build_report(plan.id, "ten_day_briefing", second.id).content["blocks"])
