"""Archive, report page, downloads, generate now, notifications: through the client, with access."""

import pytest
from django.urls import reverse
from kombu.exceptions import OperationalError

from accounts.models import Notification
from reporting.build import build_report, close_period
from reporting.models import DispatchReport


def login(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def may_reports(seeded, plan):
    close_period(plan.id, seeded["may"].id)
    return {
        (r.kind, r.battle.number if r.battle else None): r
        for r in DispatchReport.objects.filter(period=seeded["may"]).select_related("battle")
    }


def test_office_sees_its_battle_and_whole_plan_reports_in_the_archive(
    client, office_dev, may_reports, plan, django_assert_num_queries
):
    login(client, office_dev)
    url = reverse("reporting:archive", args=[plan.code])
    client.get(url)  # warm the session and the user's battle cache
    with django_assert_num_queries(10):  # no session write per request
        response = client.get(url)
    assert response.status_code == 200
    shown = {r.pk for r in response.context["reports"]}
    assert may_reports[("monthly_circular", 1)].pk in shown
    assert may_reports[("monthly_circular", None)].pk in shown
    assert may_reports[("monthly_circular", 2)].pk not in shown


def test_archive_query_count_does_not_grow_with_reports(
    client, leader, seeded, plan, django_assert_num_queries, django_assert_max_num_queries
):
    login(client, leader)
    url = reverse("reporting:archive", args=[plan.code])
    build_report(plan.id, "monthly_circular", seeded["may"].id)
    client.get(url)
    with django_assert_max_num_queries(15) as few:
        client.get(url)
    close_period(plan.id, seeded["may"].id)
    close_period(plan.id, seeded["ten_day_15"].id)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    # May: 3 circulars and battle 1's warning slip (battle 2 has nothing red); 旬15: 3 briefings.
    assert len(response.context["reports"]) == 7


def test_archive_filters_by_kind_and_battle(client, leader, may_reports, plan):
    login(client, leader)
    url = reverse("reporting:archive", args=[plan.code])
    response = client.get(url, {"kind": "warning_slip", "battle": str(plan.battles.get(number=1).id)})
    assert [r.pk for r in response.context["reports"]] == [may_reports[("warning_slip", 1)].pk]
    # Battle 2 has nothing red in May: no slip was issued, the archive shows none.
    response = client.get(url, {"kind": "warning_slip", "battle": str(plan.battles.get(number=2).id)})
    assert list(response.context["reports"]) == []
    response = client.get(url, {"battle": "all"})
    assert {r.battle_id for r in response.context["reports"]} == {None}


def test_report_page_prints_header_body_and_footer(client, office_dev, may_reports):
    login(client, office_dev)
    report = may_reports[("monthly_circular", 1)]
    response = client.get(reverse("reporting:detail", args=[report.pk]))
    text = response.content.decode()
    assert "打好经济增长主动仗工作专班办公室" in text
    assert "第5期" in text and "主送：" in text and "抄送：" in text
    assert "社会消费品零售总额" in text and "38.5" in text


def test_downloads_are_word_and_excel_files(client, office_dev, may_reports):
    login(client, office_dev)
    report = may_reports[("monthly_circular", 1)]
    docx = client.get(reverse("reporting:download", args=[report.pk, "docx"]))
    assert docx.status_code == 200 and docx["Content-Type"].endswith("wordprocessingml.document")
    assert b"".join(docx.streaming_content)[:2] == b"PK"
    xlsx = client.get(reverse("reporting:download", args=[report.pk, "xlsx"]))
    assert xlsx.status_code == 200 and "attachment" in xlsx["Content-Disposition"]
    assert client.get(reverse("reporting:download", args=[report.pk, "pdf"])).status_code == 404


def test_another_battles_office_gets_404_on_the_report_and_its_downloads(client, office_science, may_reports):
    login(client, office_science)
    report = may_reports[("monthly_circular", 1)]
    assert client.get(reverse("reporting:detail", args=[report.pk])).status_code == 404
    for fmt in ("docx", "xlsx"):
        assert client.get(reverse("reporting:download", args=[report.pk, fmt])).status_code == 404
    own = may_reports[("monthly_circular", 2)]
    assert client.get(reverse("reporting:detail", args=[own.pk])).status_code == 200


def test_staff_see_whole_plan_and_member_battle_reports_only(client, staff_science, may_reports):
    # 市科技局 is a member of battle 2's task force, not battle 1's.
    login(client, staff_science)
    assert client.get(reverse("reporting:detail", args=[may_reports[("monthly_circular", None)].pk])).status_code == 200
    assert client.get(reverse("reporting:detail", args=[may_reports[("monthly_circular", 2)].pk])).status_code == 200
    assert client.get(reverse("reporting:detail", args=[may_reports[("monthly_circular", 1)].pk])).status_code == 404


def test_office_generates_now_and_watches_progress(
    client, office_dev, seeded, plan, django_capture_on_commit_callbacks
):
    login(client, office_dev)
    battle = plan.battles.get(number=1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("reporting:generate", args=[plan.code]),
            {"kind": "monthly_circular", "period": seeded["may"].id, "battle": battle.id},
        )
    assert response.status_code == 302 and "/status/" in response.url
    report = DispatchReport.objects.get(kind="monthly_circular", battle=battle, period=seeded["may"])
    assert report.status == "ready" and report.generated_by == office_dev
    page = client.get(response.url)
    assert page.context["done"] and "查看报告" in page.content.decode()


def test_status_page_refreshes_while_queued(client, office_dev, seeded, plan):
    login(client, office_dev)
    battle = plan.battles.get(number=1)
    url = reverse("reporting:build_status", args=[plan.code])
    page = client.get(url, {"kind": "monthly_circular", "period": seeded["may"].id, "battle": battle.id})
    assert '<meta http-equiv="refresh" content="3">' in page.content.decode()


def test_office_cannot_generate_another_battle_or_the_whole_plan(client, office_dev, seeded, plan):
    login(client, office_dev)
    url = reverse("reporting:generate", args=[plan.code])
    other = plan.battles.get(number=2)
    response = client.post(url, {"kind": "monthly_circular", "period": seeded["may"].id, "battle": other.id})
    assert response.status_code == 302  # refused as an invalid choice, nothing queued
    response = client.post(url, {"kind": "monthly_circular", "period": seeded["may"].id, "battle": "all"})
    assert response.status_code == 302
    assert not DispatchReport.objects.exists()


def test_staff_cannot_generate(client, staff_commerce, seeded, plan):
    login(client, staff_commerce)
    battle = plan.battles.get(number=1)
    url = reverse("reporting:generate", args=[plan.code])
    client.post(url, {"kind": "monthly_circular", "period": seeded["may"].id, "battle": battle.id})
    assert not DispatchReport.objects.exists()


def test_wrong_period_kind_gets_a_chinese_error(client, plan_admin, seeded, plan):
    login(client, plan_admin)
    response = client.post(
        reverse("reporting:generate", args=[plan.code]),
        {"kind": "monthly_circular", "period": seeded["ten_day_15"].id, "battle": "all"},
        follow=True,
    )
    assert "请选择对应的期" in response.content.decode()


def test_generate_with_the_broker_down_keeps_the_app_working(client, plan_admin, seeded, plan, monkeypatch):
    from reporting.tasks import build_dispatch_report

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(build_dispatch_report, "apply_async", down)
    login(client, plan_admin)
    response = client.post(
        reverse("reporting:generate", args=[plan.code]),
        {"kind": "monthly_circular", "period": seeded["may"].id, "battle": "all"},
        follow=True,
    )
    assert response.status_code == 200
    assert "服务恢复后将自动补生成" in response.content.decode()


def test_notifications_page_and_unread_count(client, staff_commerce, django_assert_num_queries):
    Notification.objects.create(user=staff_commerce, kind="reminder", text="请按时报送", link="/")
    login(client, staff_commerce)
    response = client.get(reverse("reporting:notifications"))
    assert "请按时报送" in response.content.decode()
    assert '<span class="badge">1</span>' in response.content.decode()
    client.post(reverse("reporting:notifications_read"))
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_generating_a_warning_slip_for_a_battle_with_nothing_red_says_so_and_builds_nothing(
    client, office_science, seeded, plan
):
    login(client, office_science)
    battle = plan.battles.get(number=2)
    response = client.post(
        reverse("reporting:generate", args=[plan.code]),
        {"kind": "warning_slip", "period": seeded["may"].id, "battle": battle.id},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("reporting:archive", args=[plan.code])
    assert "没有亮红灯的指标或任务，不出具提示单" in response.content.decode()
    assert not DispatchReport.objects.filter(kind="warning_slip").exists()


def test_staff_read_issued_reports_only_and_keep_the_issued_version_while_a_new_draft_waits(
    client, staff_science, office_dev, leader, may_reports, seeded, plan
):
    url = reverse("reporting:archive", args=[plan.code])
    issued = may_reports[("monthly_circular", None)]
    # A draft of 5月下旬 (built, not issued): staff neither see it listed nor open it.
    draft = build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id)
    assert draft.issued_on is None
    regenerated = build_report(plan.id, "monthly_circular", seeded["may"].id, regenerate=True)
    assert regenerated.version == 2 and regenerated.issued_on is None
    login(client, staff_science)
    shown = {r.pk for r in client.get(url).context["reports"]}
    assert issued.pk in shown and regenerated.pk not in shown and draft.pk not in shown
    for pk in (draft.pk, regenerated.pk):
        assert client.get(reverse("reporting:detail", args=[pk])).status_code == 404
    # Those who issue drafts still read them, in place of the version before.
    for user in (leader, office_dev):
        login(client, user)
        shown = {r.pk for r in client.get(url).context["reports"]}
        assert {draft.pk, regenerated.pk} <= shown and issued.pk not in shown
