"""Withdrawing (撤回) a publication from the page where it was published: who may, what the
public pages, their ETag and Last-Modified then say, and the record that stays."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from reporting.models import Publication
from reporting.tests.test_public import PUBLIC, public_pages, publish
from targets.models import Period

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def clear_cache():
    cache.clear()


@pytest.fixture
def published(client, plan, seeded, office_dev, office_science, plan_admin):
    """May's summaries of battle 1 (its office), battle 2 (its office) and the whole plan (an admin)."""
    battles = {b.number: b for b in plan.battles.all()}
    assert publish(client, office_dev, plan, battles[1].pk, seeded["may"], "一仗五月亮点").status_code == 302
    assert publish(client, office_science, plan, battles[2].pk, seeded["may"], "二仗五月亮点").status_code == 302
    assert publish(client, plan_admin, plan, "plan", seeded["may"], "全市五月亮点").status_code == 302
    client.logout()
    # Published an hour ago: a withdrawal now is a later second, as the Last-Modified date shows.
    Publication.objects.update(published_at=F("published_at") - dt.timedelta(hours=1))
    return {
        1: Publication.objects.get(battle=battles[1]),
        2: Publication.objects.get(battle=battles[2]),
        "plan": Publication.objects.get(battle__isnull=True),
    }


def withdraw_url(plan, publication):
    return reverse("reporting:withdraw", args=[plan.code, publication.pk])


def publish_page(client, user, plan):
    client.force_login(user)
    return client.get(reverse("reporting:publish", args=[plan.code])).content.decode()


def test_the_office_withdraws_its_battles_summary_and_the_public_pages_drop_it(client, plan, published, office_dev):
    url = reverse("public:plan", args=[plan.code])
    before = {name: response for name, response in public_pages(client, plan).items()}
    assert all("一仗五月亮点" in r.content.decode() for r in before.values())
    etags = {name: r["ETag"] for name, r in before.items()}

    # The publish page offers 撤回 on its own battle's row only, through a confirmation page.
    page = publish_page(client, office_dev, plan)
    assert f'href="{withdraw_url(plan, published[1])}"' in page
    assert withdraw_url(plan, published[2]) not in page and withdraw_url(plan, published["plan"]) not in page
    confirm = client.get(withdraw_url(plan, published[1]))
    body = confirm.content.decode()
    assert confirm.status_code == 200 and "确认撤回" in body and "打好经济增长主动仗" in body and "2023年5月" in body
    assert 'method="post"' in body
    published[1].refresh_from_db()
    assert published[1].withdrawn_at is None  # the GET changed nothing

    response = client.post(withdraw_url(plan, published[1]))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:publish", args=[plan.code])
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已撤回：打好经济增长主动仗 2023年5月，公开页面不再显示。"
    ]
    published[1].refresh_from_db()
    assert published[1].withdrawn_at is not None and published[1].withdrawn_by == office_dev

    after = public_pages(client, plan)
    for name in PUBLIC:
        text = after[name].content.decode()
        assert after[name].status_code == 200 and "一仗五月亮点" not in text, name
        assert "二仗五月亮点" in text and "全市五月亮点" in text, name
        assert after[name]["ETag"] != etags[name], name
    assert [b["battle"]["number"] for b in after["public:json"].json()["battles"]] == [2]
    assert after["public:feed"].content.decode().count("<entry>") == 2
    # A client holding the old copy gets the new one, by ETag or by date.
    assert client.get(url, HTTP_IF_NONE_MATCH=etags["public:plan"]).status_code == 200
    old_date = before["public:plan"]["Last-Modified"]
    assert after["public:plan"]["Last-Modified"] != old_date
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=old_date).status_code == 200
    assert client.get(url, HTTP_IF_NONE_MATCH=after["public:plan"]["ETag"]).status_code == 304

    # The record stays: listed as withdrawn, by whom, with no 撤回 any more.
    page = publish_page(client, office_dev, plan)
    assert "已撤回" in page and withdraw_url(plan, published[1]) not in page
    again = client.post(withdraw_url(plan, published[1]))
    assert [str(m) for m in get_messages(again.wsgi_request)] == ["打好经济增长主动仗 2023年5月的公开发布已撤回。"]
    stamp = published[1].withdrawn_at
    published[1].refresh_from_db()
    assert published[1].withdrawn_at == stamp


def test_who_may_withdraw_is_who_may_publish_the_scope(
    client, plan, published, office_dev, office_science, staff_commerce, staff_science, leader, plan_admin
):
    refused = {
        office_dev: [published[2], published["plan"]],
        office_science: [published[1], published["plan"]],
        staff_commerce: list(published.values()),
        staff_science: list(published.values()),
        leader: list(published.values()),
    }
    for user, publications in refused.items():
        client.force_login(user)
        for publication in publications:
            url = withdraw_url(plan, publication)
            assert client.get(url).status_code == 404, (user, publication)
            assert client.post(url).status_code == 404, (user, publication)
    client.logout()
    for publication in published.values():
        response = client.post(withdraw_url(plan, publication))
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    # Of another plan's URL, or no such publication: 404 even for an admin.
    client.force_login(plan_admin)
    assert client.post(reverse("reporting:withdraw", args=["other-plan", published[1].pk])).status_code == 404
    assert client.post(reverse("reporting:withdraw", args=[plan.code, 999999])).status_code == 404
    assert not Publication.objects.filter(withdrawn_at__isnull=False).exists()

    # Battle 2's office its own; an admin the whole plan's and any battle's.
    client.force_login(office_science)
    assert client.post(withdraw_url(plan, published[2])).status_code == 302
    page = publish_page(client, plan_admin, plan)
    assert withdraw_url(plan, published[1]) in page and withdraw_url(plan, published["plan"]) in page
    assert client.post(withdraw_url(plan, published["plan"])).status_code == 302
    assert client.post(withdraw_url(plan, published[1])).status_code == 302
    assert dict(Publication.objects.values_list("pk", "withdrawn_by__username")) == {
        published[1].pk: "planadmin",
        published[2].pk: "scioffice",
        published["plan"].pk: "planadmin",
    }
    # Nothing public is left: the public URLs answer 404 as for a plan that never published.
    assert {r.status_code for r in public_pages(client, plan).values()} == {404}


def test_the_scopes_earlier_summary_shows_again_and_publishing_again_makes_a_new_record(
    client, plan, seeded, office_dev
):
    battle1 = plan.battles.get(number=1)
    april = Period.objects.get(plan=plan, kind="month", number=4)
    publish(client, office_dev, plan, battle1.pk, april, "四月亮点")
    publish(client, office_dev, plan, battle1.pk, seeded["may"], "五月亮点")
    may = Publication.objects.get(period=seeded["may"])
    assert "五月亮点" in public_pages(client, plan)["public:plan"].content.decode()

    client.force_login(office_dev)
    confirm = client.get(withdraw_url(plan, may)).content.decode()
    assert "改为显示本范围此前发布的 2023年4月 摘要" in confirm
    client.post(withdraw_url(plan, may))
    html = public_pages(client, plan)["public:plan"].content.decode()
    assert "四月亮点" in html and "五月亮点" not in html

    # Published again: a new row; the withdrawn one stays as the record.
    assert publish(client, office_dev, plan, battle1.pk, seeded["may"], "五月亮点（更正）").status_code == 302
    rows = Publication.objects.filter(period=seeded["may"]).order_by("pk")
    assert [(r.highlights, r.withdrawn_at is None) for r in rows] == [("五月亮点", False), ("五月亮点（更正）", True)]
    html = public_pages(client, plan)["public:plan"].content.decode()
    assert "五月亮点（更正）" in html and "四月亮点" not in html
    # Publishing that live one again replaces it, as before.
    publish(client, office_dev, plan, battle1.pk, seeded["may"], "五月亮点（再更正）")
    assert Publication.objects.filter(period=seeded["may"], withdrawn_at__isnull=True).count() == 1
