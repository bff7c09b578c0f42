"""Every dashboard link a user is shown opens for that user: an office reads the whole plan's
overview but opens only its own battles (the others are named without a link), and staff reading
their task or target are not sent to its battle's page, which answers them 404."""

import re

from django.urls import reverse

from reporting.tests.test_dashboards import AS_OF
from targets.models import Target
from tasks.models import Task


def dashboard_links(response):
    assert response.status_code == 200
    return sorted(set(re.findall(r'href="(/dashboard/[^"#]*)', response.content.decode().replace("&amp;", "&"))))


def broken_links(client, url, data=None):
    return [link for link in dashboard_links(client.get(url, data)) if client.get(link, follow=True).status_code != 200]


def test_an_office_opens_every_link_of_the_overview_and_sees_other_battles_unlinked(
    client, plan, seeded, office_science
):
    client.force_login(office_science)
    overview = reverse("dash:overview", args=[plan.code])
    response = client.get(overview, {"as_of": AS_OF})
    links = dashboard_links(response)
    assert reverse("dash:battle", args=[plan.code, 2]) + f"?as_of={AS_OF}" in links
    assert not [link for link in links if link.startswith(reverse("dash:battle", args=[plan.code, 1]))]
    # Battle 1's red target and red task are still listed, by name.
    text = response.content.decode()
    assert "地区生产总值增长" in text and "促进旅游消费恢复" in text
    assert broken_links(client, overview, {"as_of": AS_OF}) == []


def test_a_leader_sees_every_battle_linked(client, plan, seeded, leader):
    client.force_login(leader)
    links = dashboard_links(client.get(reverse("dash:overview", args=[plan.code]), {"as_of": AS_OF}))
    for number in (1, 2):
        assert reverse("dash:battle", args=[plan.code, number]) + f"?as_of={AS_OF}" in links


def test_staff_open_every_link_of_their_task_and_target_pages(client, plan, seeded, staff_commerce):
    client.force_login(staff_commerce)
    task = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    retail = Target.objects.get(battle__plan=plan, code="1.02")
    for url in (reverse("dash:task", args=[task.pk]), reverse("dash:target", args=[retail.pk])):
        response = client.get(url, {"as_of": AS_OF})
        assert "打好经济增长主动仗" in response.content.decode()  # the battle, named
        assert broken_links(client, url, {"as_of": AS_OF}) == [], url
