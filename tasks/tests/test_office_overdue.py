"""Office home: its battles' lead reports past the deadline and not submitted, with a link."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tasks.models import ProgressReport, Responsibility, Task
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import task, ten_day

pytestmark = pytest.mark.django_db

AS_OF = {"as_of": "2023-05-15"}  # 5月中旬; 4月中旬 … 5月上旬 are past their deadlines


def overdue_rows(client):
    response = client.get(reverse("tasks:home"), AS_OF)
    assert response.status_code == 200
    return response, response.context["overdue"]


def test_office_home_lists_overdue_lead_reports_of_its_battles_with_department_and_link(
    client, plan, office_dev, departments
):
    may_first = ten_day(plan, 13)
    assert may_first.deadline < dt.date(2023, 5, 15)
    ProgressReport.objects.create(
        task=task(1, 1, 1),
        department=departments["commerce"],
        period=may_first,
        status="submitted",
        submitted_at=timezone.now(),
    )
    rebuild_summaries()
    draft = ProgressReport.objects.create(task=task(1, 1, 2), department=departments["culture"], period=may_first)
    rebuild_summaries()
    client.force_login(office_dev)
    response, rows = overdue_rows(client)
    listed = [(r.period.number, r.task.number, r.department.name) for r in rows]
    assert listed == [
        (13, 2, "市文化旅游广电体育局"),
        (12, 1, "市商务局"),
        (12, 2, "市文化旅游广电体育局"),
        (11, 1, "市商务局"),
        (11, 2, "市文化旅游广电体育局"),
    ]
    assert rows[0].report == draft
    html = response.content.decode()
    assert "逾期未报的牵头任务" in html
    assert reverse("tasks:task_detail", args=[task(1, 1, 2).pk]) in html
    # The draft is 市文化旅游广电体育局's alone: its status is listed, with no link that answers 404.
    assert "草稿" in html and reverse("tasks:report_detail", args=[draft.pk]) not in html
    assert client.get(reverse("tasks:report_detail", args=[draft.pk])).status_code == 404
    # The current period is not yet due, and battle 2 (another office's) is not listed.
    assert all(r.period.number != 14 and r.task.section.battle.number == 1 for r in rows)


def test_office_home_links_a_returned_lead_report_it_reads(client, plan, office_dev, departments):
    returned = ProgressReport.objects.create(
        task=task(1, 1, 1),
        department=departments["commerce"],
        period=ten_day(plan, 13),
        status="returned",
        return_reason="请补充数据",
        submitted_at=timezone.now(),
    )
    rebuild_summaries()
    client.force_login(office_dev)
    response, rows = overdue_rows(client)
    link = reverse("tasks:report_detail", args=[returned.pk])
    assert link in response.content.decode()
    assert client.get(link).status_code == 200


def test_office_home_says_so_when_nothing_is_overdue(client, plan, office_science, departments):
    for number in (11, 12, 13):
        ProgressReport.objects.create(
            task=task(2, 1, 1),
            department=departments["science"],
            period=ten_day(plan, number),
            status="approved",
            submitted_at=timezone.now(),
        )
        rebuild_summaries()
    client.force_login(office_science)
    response, rows = overdue_rows(client)
    assert rows == []
    assert "均已按时提交" in response.content.decode()


def test_staff_and_leaders_do_not_get_the_office_list(client, plan, staff_commerce, leader):
    for user in (staff_commerce, leader):
        client.force_login(user)
        assert "overdue" not in client.get(reverse("tasks:home"), AS_OF, follow=True).context


def test_a_section_level_lead_counts_for_every_task_of_the_section(client, plan, office_dev, departments):
    section = task(1, 1, 1).section
    extra = Task.objects.create(section=section, number=9, title="追加任务")
    Responsibility.objects.create(section=section, task=None, department=departments["stats"], role="lead")
    client.force_login(office_dev)
    _, rows = overdue_rows(client)
    stats_tasks = {r.task.number for r in rows if r.department == departments["stats"]}
    assert stats_tasks == {1, 2, extra.number}


def add_lead_tasks(plan, departments, count):
    section = task(1, 1, 1).section
    first = 50 + Task.objects.count()
    for n in range(first, first + count):
        t = Task.objects.create(section=section, number=n, title=f"追加任务{n}")
        Responsibility.objects.create(section=section, task=t, department=departments["culture"], role="lead")
        ProgressReport.objects.create(task=t, department=departments["culture"], period=ten_day(plan, 13))
        rebuild_summaries()


def test_office_home_overdue_list_runs_a_fixed_number_of_queries(
    client, plan, office_dev, departments, django_assert_num_queries
):
    client.force_login(office_dev)
    url = reverse("tasks:home")
    client.get(url, AS_OF)  # warm caches (content types, sessions)
    add_lead_tasks(plan, departments, 2)
    with CaptureQueriesContext(connection) as captured:
        few_rows = len(client.get(url, AS_OF).context["overdue"])
    few = len(captured.captured_queries)
    add_lead_tasks(plan, departments, 30)
    with django_assert_num_queries(few):
        many_rows = len(client.get(url, AS_OF).context["overdue"])
    assert many_rows == few_rows + 30 * 3
