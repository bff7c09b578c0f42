"""The public progress page: publishing, what the public may read (and never), caching."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.urls import reverse

from reporting.build import build_report, issue_report
from reporting.models import DispatchReport, Publication
from targets.models import Period, Target, TargetReading
from tasks.models import ProgressReport, Task
from tasks.summaries import rebuild_plan

PUBLIC = ["public:plan", "public:json", "public:feed"]


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


def public_pages(client, plan):
    client.logout()
    pages = {}
    for name in PUBLIC:
        response = client.get(reverse(name, args=[plan.code]))
        pages[name] = response
    return pages


def publish(client, user, plan, scope, period, highlights=""):
    client.force_login(user)
    return client.post(
        reverse("reporting:publish", args=[plan.code]),
        {"scope": scope, "period": period.pk, "highlights": highlights},
    )


@pytest.fixture
def secrets(seeded, plan, departments, staff_commerce, office_dev, office_science, plan_admin, leader):
    """Unpublished data of every role, each carrying a marker that must never reach a public URL."""
    d = departments
    periods = {p.number: p for p in Period.objects.filter(plan=plan, kind="ten_day")}
    t1 = Task.objects.get(section__battle__number=1, number=1)
    t2 = Task.objects.get(section__battle__number=1, number=2)
    # Staff: a draft (never submitted) with its text.
    ProgressReport.objects.create(
        task=t2,
        department=d["commerce"],
        period=periods[15],
        status="draft",
        progress="草稿秘密甲",
        problems="草稿问题乙",
    )
    # Office: a report it returned, with the return reason.
    ProgressReport.objects.create(
        task=t1,
        department=d["dev"],
        period=periods[15],
        status="returned",
        progress="退回报告丙",
        return_reason="退回理由丁",
        times_returned=1,
    )
    # An unpublished period: June, approved, the task completed in it.
    ProgressReport.objects.create(
        task=t1,
        department=d["commerce"],
        period=periods[17],
        status="approved",
        task_status="completed",
        progress="六月未发布戊",
    )
    rebuild_plan(plan)  # the reports above were written through the ORM, not tasks.actions
    # Admin: a June reading (the unpublished period) entered through the admin.
    june = Period.objects.get(plan=plan, kind="month", number=6)
    TargetReading.objects.create(
        target=Target.objects.get(battle__plan=plan, code="1.02"),
        period=june,
        department=d["commerce"],
        cumulative_value=4321,
        entered_by=plan_admin,
        note="六月数据说明己",
    )
    # Personal data of every role.
    for user in (staff_commerce, office_dev, office_science, plan_admin, leader):
        user.first_name, user.email = f"姓名{user.username}", f"{user.username}@example.gov.cn"
        user.save(update_fields=["first_name", "email"])
    return [
        "草稿秘密甲",
        "草稿问题乙",
        "退回报告丙",
        "退回理由丁",
        "六月未发布戊",
        "4321",
        "六月数据说明己",
        # Approved report texts are not published either: only figures and counts.
        "推进情况",
        "促销资金不足",
        # Battle 2 has published nothing.
        "打好科技创新攻坚仗",
        "新认定高新技术企业",
        Task.objects.get(section__battle__number=2, number=1).title,
        # People.
        "姓名",
        "@example.gov.cn",
        "devoffice",
        "planadmin",
        'commerce"',
    ]


def test_nothing_published_no_public_page(client, plan):
    for response in public_pages(client, plan).values():
        assert response.status_code == 404


def test_the_publish_page_links_to_the_public_page_only_once_it_shows_something(client, plan, seeded, office_dev):
    url = reverse("reporting:publish", args=[plan.code])
    public = reverse("public:plan", args=[plan.code])
    client.force_login(office_dev)
    before = client.get(url).content.decode()
    assert f'href="{public}"' not in before and "公开页面在首次发布后开放" in before
    assert publish(client, office_dev, plan, plan.battles.get(number=1).pk, seeded["may"]).status_code == 302
    assert f'href="{public}"' in client.get(url).content.decode()
    client.logout()
    assert client.get(public).status_code == 200


def test_drafts_returned_reports_unpublished_periods_and_battles_never_reach_a_public_url(
    client, plan, seeded, secrets, office_dev, plan_admin
):
    # Issued ten-day briefings of the plan and of battle 1 (their 工作进展 quotes approved reports).
    battle1 = plan.battles.get(number=1).pk
    ten_day_14 = Period.objects.get(plan=plan, kind="ten_day", number=14)
    briefings = [
        build_report(plan.id, "ten_day_briefing", ten_day_14.id),
        build_report(plan.id, "ten_day_briefing", ten_day_14.id, battle_id=battle1),
    ]
    for briefing in briefings:
        issue_report(briefing.pk)
    # The later 旬's briefings are built but not issued (签发): drafts stay off the public page.
    drafts = [
        build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id),
        build_report(plan.id, "ten_day_briefing", seeded["ten_day_15"].id, battle_id=battle1),
    ]
    assert publish(client, office_dev, plan, battle1, seeded["may"], "消费季活动开展10场").status_code == 302
    assert publish(client, plan_admin, plan, "plan", seeded["may"], "五月全市指标总体平稳").status_code == 302
    pages = public_pages(client, plan)
    for name, response in pages.items():
        assert response.status_code == 200, name
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, (name, secret)
    html = pages["public:plan"].content.decode()
    assert "打好经济增长主动仗" in html and "社会消费品零售总额" in html and "消费季活动开展10场" in html
    assert "五月全市指标总体平稳" in html and 'data-light="yellow"' in html
    assert html.count("最新旬简报") == 2
    briefing = DispatchReport.objects.get(pk=briefings[0].pk)
    overall = next(b["text"] for b in briefing.content["blocks"] if b["t"] == "p")
    assert overall in html and str(briefing.period) in html
    assert all(str(d.period) not in html for d in drafts)
    data = pages["public:json"].json()
    assert [b["battle"]["number"] for b in data["battles"]] == [1]
    retail = next(t for t in data["battles"][0]["targets"] if t["code"] == "1.02")
    assert (retail["latest_value"], retail["completion_pct"], retail["light"]) == (300.0, 38.5, "yellow")
    # The task completed in unpublished June is not completed on the page of May.
    assert data["battles"][0]["tasks"]["counts"]["completed"] == 0
    feed = pages["public:feed"].content.decode()
    assert feed.startswith("<?xml") and "<feed" in feed and feed.count("<entry>") == 2


def test_a_later_publication_shows_only_what_it_publishes(client, plan, seeded, secrets, office_dev):
    june = Period.objects.get(plan=plan, kind="month", number=6)
    publish(client, office_dev, plan, plan.battles.get(number=1).pk, june)
    data = public_pages(client, plan)["public:json"].json()
    (battle,) = data["battles"]
    # June is published now: the task completed in June shows by its title, never its report's text.
    assert battle["tasks"]["completed"] == [{"battle": 1, "label": "（一）1.开展系列消费促进活动"}]
    assert "六月未发布戊" not in public_pages(client, plan)["public:plan"].content.decode()


def test_only_offices_for_their_battle_and_admins_publish(
    client, plan, seeded, office_dev, staff_commerce, leader, plan_admin
):
    battle2 = plan.battles.get(number=2)
    response = publish(client, office_dev, plan, battle2.pk, seeded["may"])
    assert response.status_code == 200 and "不在可用的选项中" in response.content.decode()
    assert publish(client, office_dev, plan, "plan", seeded["may"]).status_code == 200  # not offered
    for user in (staff_commerce, leader):
        assert publish(client, user, plan, plan.battles.get(number=1).pk, seeded["may"]).status_code == 404
    client.logout()
    assert client.get(reverse("reporting:publish", args=[plan.code])).status_code == 302  # to the login
    assert not Publication.objects.exists()
    assert publish(client, plan_admin, plan, battle2.pk, seeded["may"]).status_code == 302


def test_an_unended_period_cannot_be_published(client, plan, seeded, office_dev, monkeypatch):
    from django.utils import timezone

    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2023, 5, 20))
    june = Period.objects.get(plan=plan, kind="month", number=6)
    response = publish(client, office_dev, plan, plan.battles.get(number=1).pk, june)
    assert response.status_code == 200 and not Publication.objects.exists()


def test_public_pages_are_cached_until_something_is_published(
    client, plan, seeded, office_dev, plan_admin, django_assert_num_queries
):
    publish(client, office_dev, plan, plan.battles.get(number=1).pk, seeded["may"], "第一条")
    client.logout()
    url = reverse("public:plan", args=[plan.code])
    first = client.get(url)
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, max-age=300" and first["Last-Modified"]
    with django_assert_num_queries(2):  # the plan, the publication version; the page from the cache
        again = client.get(url)
    assert again.content == first.content
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    publish(client, plan_admin, plan, "plan", seeded["may"], "全市第二条")
    client.logout()
    changed = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and "全市第二条" in changed.content.decode()
    # Withdrawn (deleted in the admin): gone from the page at once.
    Publication.objects.filter(battle__isnull=True).delete()
    assert "全市第二条" not in client.get(url).content.decode()


def test_the_public_page_reads_on_a_phone_and_prints(client, plan, seeded, office_dev):
    publish(client, office_dev, plan, plan.battles.get(number=1).pk, seeded["may"])
    client.logout()
    html = client.get(reverse("public:plan", args=[plan.code])).content.decode()
    assert 'name="viewport"' in html and "public.css" in html
    assert "style=" not in html and "<script" not in html  # nothing the CSP would block
    css = open("static/css/public.css", encoding="utf-8").read()
    assert "@media (max-width:600px)" in css and "@media print" in css
