"""The reports entry page (reporting:index): straight to the archive when there is one plan."""

from django.urls import reverse

from targets.models import Plan


def test_reports_index_opens_the_only_plans_archive_and_lists_plans_when_there_are_several(client, plan, leader):
    client.force_login(leader)
    response = client.get(reverse("reporting:index"))
    assert response.status_code == 302 and response["Location"] == reverse("reporting:archive", args=[plan.code])
    Plan.objects.create(code="hh-2024", title="怀化市2024年方案", year=2024)
    response = client.get(reverse("reporting:index"))
    assert response.status_code == 200
    html = response.content.decode()
    assert reverse("reporting:archive", args=[plan.code]) in html
    assert reverse("reporting:archive", args=["hh-2024"]) in html
