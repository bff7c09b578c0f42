"""Opening a notification marks it read: through the client, as its user and as others."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification

pytestmark = pytest.mark.django_db

NAV_BADGE = re.compile(r'通知 <span class="badge">(\d+)</span>')


def nav_count(client):
    """The unread count in the header of a page, 0 when the header shows none."""
    found = NAV_BADGE.search(client.get(reverse("accounts:profile")).content.decode())
    return int(found.group(1)) if found else 0


def note(user, text, link):
    return Notification.objects.create(user=user, kind="approved", text=text, link=link)


def open_url(notification):
    return reverse("reporting:notification_open", args=[notification.pk])


def test_opening_a_notification_marks_that_one_read_follows_its_link_and_the_count_drops(client, staff_commerce):
    first = note(staff_commerce, "报告一已通过", "/progress/7/")
    second = note(staff_commerce, "报告二已通过", "/?status=done&period=14#todo-done")
    client.force_login(staff_commerce)
    assert nav_count(client) == 2
    page = client.get(reverse("reporting:notifications")).content.decode()
    # The list links through the open view, and marks both as unread.
    assert f'href="{open_url(first)}"' in page and f'href="{open_url(second)}"' in page
    assert 'href="/progress/7/"' not in page
    assert page.count('class="badge badge-unread"') == 2

    response = client.get(open_url(first))
    assert response.status_code == 302 and response["Location"] == "/progress/7/"
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None and second.read_at is None
    assert nav_count(client) == 1
    page = client.get(reverse("reporting:notifications")).content.decode()
    assert page.count('class="badge badge-unread"') == 1
    assert re.search(r'<li class="read">[^\n]*报告一已通过', page)
    assert re.search(r'<li class="unread">[^\n]*报告二已通过', page)

    response = client.get(open_url(second))
    assert response["Location"] == "/?status=done&period=14#todo-done"
    assert nav_count(client) == 0


def test_opening_it_again_keeps_the_first_read_time(client, staff_commerce):
    item = note(staff_commerce, "已读过", "/progress/7/")
    earlier = timezone.now() - timezone.timedelta(days=2)
    Notification.objects.filter(pk=item.pk).update(read_at=earlier)
    client.force_login(staff_commerce)
    assert client.get(open_url(item))["Location"] == "/progress/7/"
    item.refresh_from_db()
    assert item.read_at == earlier


def test_another_users_notification_answers_404_and_stays_unread(client, staff_commerce, staff_culture, office_dev):
    theirs = note(staff_culture, "文旅局的通知", "/progress/8/")
    for user in (staff_commerce, office_dev):
        client.force_login(user)
        assert client.get(open_url(theirs)).status_code == 404
    assert client.get(reverse("reporting:notification_open", args=[theirs.pk + 1000])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    client.logout()
    response = client.get(open_url(theirs))
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize(
    "link",
    [
        "https://evil.example/phish",
        "http://127.0.0.1:8000/progress/7/",  # absolute, even to this site: only paths are followed
        "//evil.example/phish",
        "/\\evil.example/phish",
        "javascript:alert(1)",
        "progress/7/",
        "/progress/7/\r\nSet-Cookie: x=1",
        "",
    ],
)
def test_a_link_that_is_not_a_path_on_this_site_leads_to_the_list(client, staff_commerce, link):
    item = note(staff_commerce, "通知", link)
    client.force_login(staff_commerce)
    response = client.get(open_url(item))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:notifications")
    item.refresh_from_db()
    assert item.read_at is not None


def test_the_list_costs_the_same_queries_for_3_and_60_notifications(
    client, staff_commerce, staff_culture, django_assert_num_queries
):
    client.force_login(staff_commerce)
    note(staff_culture, "别人的通知", "/progress/8/")
    counts = []
    for total in (3, 60):
        Notification.objects.filter(user=staff_commerce).delete()
        Notification.objects.bulk_create(
            [
                Notification(user=staff_commerce, kind="reminder", text=f"提醒{i}", link="/", read_at=None)
                for i in range(total)
            ]
        )
        # session, user, the notifications, the header's unread count and the user's department
        with django_assert_num_queries(5) as queries:
            page = client.get(reverse("reporting:notifications")).content.decode()
        counts.append(len(queries))
        assert page.count('class="badge badge-unread"') == total and "别人的通知" not in page
        assert f'通知 <span class="badge">{total}</span>' in page
    assert counts == [5, 5]
