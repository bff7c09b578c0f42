"""After a report the worker judges its battle again (reporting.tasks.warm_dashboards), so that the
leader, office or department who opens a dashboard next reads it kept instead of judging the
battle in the request, and reads exactly what a page judged from nothing shows."""

import pytest
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from reporting.tests.test_dashboard_cache import AS_OF, MESSAGES, submit, without_csrf
from tasks.tests.helpers import task, ten_day


@pytest.fixture
def warming(settings):
    settings.DASHBOARDS_WARM = True


def shown(response):
    assert response.status_code == 200
    return MESSAGES.sub("", without_csrf(response.content.decode()))


def submitted_and_warmed(client, user, t, period, capture):
    with capture(execute=True) as callbacks:
        report = submit(client, user, t, period)
    return report, callbacks


def test_after_a_report_the_next_leader_and_office_read_the_overview_and_battle_kept(
    client,
    plan,
    leader,
    office_science,
    staff_science,
    warming,
    django_capture_on_commit_callbacks,
):
    urls = [reverse("dash:overview", args=[plan.code]), reverse("dash:battle", args=[plan.code, 2])]
    for user in (leader, office_science):
        client.force_login(user)
        for url in urls:
            client.get(url)

    submitted_and_warmed(client, staff_science, task(2, 1, 1), ten_day(plan, 14), django_capture_on_commit_callbacks)

    kept = {}
    for user in (leader, office_science):
        client.force_login(user)
        for url in urls:
            with CaptureQueriesContext(connection) as first:
                response = client.get(url)
            # Nothing judged or rendered per battle: the leader's pages are kept whole, the office's
            # overview is put together from the kept battles' parts (its battles' list read).
            assert "b" not in response.context
            assert "dashboards/_overview_card.html" not in [t.name for t in response.templates]
            with CaptureQueriesContext(connection) as again:
                client.get(url)
            assert len(first) - len(again) == (1 if (user, url) == (office_science, urls[0]) else 0)
            kept[user, url] = shown(response)
    assert "（1/" in kept[leader, urls[1]]  # battle 2's one task reported
    for (user, url), page in kept.items():
        client.force_login(user)
        assert page == shown(computed(client, url))


def computed(client, url):
    caches["dashboards"].clear()
    return client.get(url)


def test_after_a_report_a_departments_page_is_put_together_from_its_kept_battles(
    client, plan, staff_commerce, warming, django_capture_on_commit_callbacks, django_assert_num_queries
):
    url = reverse("dash:department", args=[plan.code, staff_commerce.department_id])
    client.force_login(staff_commerce)
    with django_assert_num_queries(21):  # its own tasks and targets judged in the request
        client.get(url)

    submitted_and_warmed(client, staff_commerce, task(1, 1, 1), ten_day(plan, 14), django_capture_on_commit_callbacks)

    client.force_login(staff_commerce)
    # Its battles kept by the worker: nothing judged or counted (the session, the user, the plan,
    # its periods, the unread count, the department and its battles).
    with django_assert_num_queries(7):
        kept = client.get(url)
    assert "待审核" in kept.content.decode()
    assert shown(kept) == shown(computed(client, url))


def test_after_a_report_in_another_battle_a_departments_page_is_kept_too(
    client, plan, staff_commerce, staff_science, warming, django_capture_on_commit_callbacks, django_assert_num_queries
):
    """市商务局 answers in battle 1 only: a report in battle 2 renews nothing of its page, yet the
    worker keeps battle 1's rows too, which no department page had needed yet."""
    url = reverse("dash:department", args=[plan.code, staff_commerce.department_id])
    submitted_and_warmed(client, staff_science, task(2, 1, 1), ten_day(plan, 14), django_capture_on_commit_callbacks)
    client.force_login(staff_commerce)
    # As above, and which battles it answers in (its first view: kept with the definitions).
    with django_assert_num_queries(8):
        kept = client.get(url)
    assert "dashboards/_indicator_rows.html" not in [t.name for t in kept.templates]  # no row rendered
    assert shown(kept) == shown(computed(client, url))


def test_without_warming_the_reader_after_a_report_judges_its_battle(
    client, plan, leader, staff_science, django_capture_on_commit_callbacks
):
    url = reverse("dash:overview", args=[plan.code])
    client.force_login(leader)
    client.get(url, AS_OF)
    submitted_and_warmed(client, staff_science, task(2, 1, 1), ten_day(plan, 14), django_capture_on_commit_callbacks)
    client.force_login(leader)
    response = client.get(url, AS_OF)
    assert [t.name for t in response.templates].count("dashboards/_overview_card.html") == 1  # battle 2's
