"""Every role against every progress-report view: what each may see and do, and the 404s."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tasks.models import Attachment, ProgressReport, ReportEvent
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import PNG_BYTES, report_data, task, ten_day

pytestmark = pytest.mark.django_db

ROLES = ["staff_culture", "staff_commerce", "staff_science", "office_dev", "office_science", "leader", "plan_admin"]


@pytest.fixture
def users(request, plan):
    return {name: request.getfixturevalue(name) for name in ROLES}


@pytest.fixture
def submitted(plan, users):
    """市文化旅游广电体育局's submitted report on task 1.2 (battle 1), with a file and version 1."""
    report = ProgressReport.objects.create(
        task=task(1, 1, 2),
        department=users["staff_culture"].department,
        period=ten_day(plan, 14),
        status=ProgressReport.Status.SUBMITTED,
        progress="旅游消费进展",
        submitted_at=timezone.now(),
    )
    rebuild_summaries()
    ReportEvent.objects.create(
        report=report,
        action="submitted",
        actor=users["staff_culture"],
        at=timezone.now(),
        version_number=1,
        snapshot={"progress": "旅游消费进展"},
    )
    attachment = Attachment(
        report=report,
        original_name="a.png",
        content_type="image/png",
        size=len(PNG_BYTES),
        uploaded_by=users["staff_culture"],
    )
    attachment.file.save("a.png", ContentFile(PNG_BYTES), save=False)
    attachment.save()
    return report


READ = {
    "staff_culture": 200,
    "staff_commerce": 404,
    "staff_science": 404,
    "office_dev": 200,
    "office_science": 404,
    "leader": 200,
    "plan_admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_report_page_version_and_download_answer_by_role(client, users, submitted, role):
    client.force_login(users[role])
    attachment = submitted.attachments.get()
    assert client.get(reverse("tasks:report_detail", args=[submitted.pk])).status_code == READ[role]
    assert client.get(reverse("tasks:report_version", args=[submitted.pk, 1])).status_code == READ[role]
    assert client.get(reverse("tasks:attachment_download", args=[attachment.pk])).status_code == READ[role]


APPROVE = {
    "staff_culture": 404,
    "staff_commerce": 404,
    "staff_science": 404,
    "office_dev": 302,
    "office_science": 404,
    "leader": 404,
    "plan_admin": 302,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_the_battles_office_or_an_admin_approves(client, users, submitted, role):
    client.force_login(users[role])
    response = client.post(reverse("tasks:report_approve", args=[submitted.pk]))
    assert response.status_code == APPROVE[role]
    submitted.refresh_from_db()
    expected = ProgressReport.Status.APPROVED if APPROVE[role] == 302 else ProgressReport.Status.SUBMITTED
    assert submitted.status == expected


@pytest.mark.parametrize("role", ROLES)
def test_only_the_battles_office_or_an_admin_returns(client, users, submitted, role):
    client.force_login(users[role])
    response = client.post(reverse("tasks:report_return", args=[submitted.pk]), {"reason": "请补充"})
    assert response.status_code == APPROVE[role]
    submitted.refresh_from_db()
    assert (submitted.status == ProgressReport.Status.RETURNED) == (APPROVE[role] == 302)


@pytest.mark.parametrize("role", ROLES)
def test_leader_and_others_see_no_review_buttons_but_office_does(client, users, submitted, role):
    client.force_login(users[role])
    response = client.get(reverse("tasks:report_detail", args=[submitted.pk]))
    if response.status_code == 200:
        shows_buttons = reverse("tasks:report_approve", args=[submitted.pk]) in response.content.decode()
        assert shows_buttons == (role in {"office_dev", "plan_admin"})


EDIT = {
    "staff_culture": 200,  # lead of task 1.2
    "staff_commerce": 200,  # cooperates on task 1.2
    "staff_science": 404,
    "office_dev": 404,
    "office_science": 404,
    "leader": 404,
    "plan_admin": 404,
}


@pytest.mark.parametrize("role", ROLES)
def test_only_responsible_departments_staff_open_the_form(client, plan, users, role):
    client.force_login(users[role])
    url = reverse("tasks:report_edit", args=[task(1, 1, 2).pk, ten_day(plan, 14).pk])
    assert client.get(url).status_code == EDIT[role]
    response = client.post(url, report_data())
    assert response.status_code == (302 if EDIT[role] == 200 else 404)
    assert ProgressReport.objects.count() == (1 if EDIT[role] == 200 else 0)


def test_form_for_a_period_of_another_kind_or_plan_is_404(client, plan, staff_culture):
    from targets.models import Period

    month = Period.objects.get(plan=plan, kind="month", number=5)
    client.force_login(staff_culture)
    assert client.get(reverse("tasks:report_edit", args=[task(1, 1, 2).pk, month.pk])).status_code == 404
    assert client.get(reverse("tasks:report_edit", args=[task(1, 1, 2).pk, 999999])).status_code == 404


def test_staff_cannot_overwrite_another_departments_report_by_forging_the_post(client, plan, users, submitted):
    submitted.status = ProgressReport.Status.RETURNED
    submitted.save()
    rebuild_summaries()
    client.force_login(users["staff_science"])
    url = reverse("tasks:report_edit", args=[submitted.task_id, submitted.period_id])
    assert client.post(url, report_data(version=submitted.version, progress="篡改")).status_code == 404
    submitted.refresh_from_db()
    assert submitted.progress == "旅游消费进展"


QUEUE = {
    "staff_culture": 404,
    "staff_commerce": 404,
    "staff_science": 404,
    "office_dev": 200,
    "office_science": 200,
    "leader": 404,
    "plan_admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_review_queue_holds_only_the_offices_battles(client, users, submitted, role):
    client.force_login(users[role])
    response = client.get(reverse("tasks:review_queue"))
    assert response.status_code == QUEUE[role]
    if response.status_code == 200:
        listed = "旅游消费" in response.content.decode() or "促进旅游消费恢复" in response.content.decode()
        assert listed == (role in {"office_dev", "plan_admin"})


TASK_PAGE = {
    "staff_culture": 200,
    "staff_commerce": 200,
    "staff_science": 404,
    "office_dev": 200,
    "office_science": 404,
    "leader": 200,
    "plan_admin": 200,
}


@pytest.mark.parametrize("role", ROLES)
def test_task_page_by_role(client, users, submitted, role):
    client.force_login(users[role])
    response = client.get(reverse("tasks:task_detail", args=[submitted.task_id]))
    assert response.status_code == TASK_PAGE[role]
    if response.status_code == 200:
        shows_report = reverse("tasks:report_detail", args=[submitted.pk]) in response.content.decode()
        assert shows_report == (READ[role] == 200)


@pytest.mark.parametrize("role", ROLES)
def test_home_page_answers_every_role(client, users, role):
    client.force_login(users[role])
    # A leader's home is the overview (a redirect to it).
    response = client.get(reverse("tasks:home"), {"as_of": "2023-05-15"}, follow=True)
    assert response.status_code == 200


def test_section_level_responsibility_gives_access_to_every_task_of_the_section(client, plan, departments):
    from conftest import make_user
    from tasks.models import Responsibility, Task

    t = task(2, 1, 1)
    extra = Task.objects.create(section=t.section, number=2, title="分组新增任务")
    Responsibility.objects.create(section=t.section, task=None, department=departments["stats"], role="lead")
    staff_stats = make_user("stats", "staff", departments["stats"])
    client.force_login(staff_stats)
    url = reverse("tasks:report_edit", args=[extra.pk, ten_day(plan, 14).pk])
    assert client.get(url).status_code == 200
    home = client.get(reverse("tasks:home"), {"as_of": "2023-05-15"}).content.decode()
    assert "分组新增任务" in home and "牵头" in home


def test_anonymous_users_are_sent_to_login(client, submitted):
    for url in [
        reverse("tasks:home"),
        reverse("tasks:report_detail", args=[submitted.pk]),
        reverse("tasks:review_queue"),
        reverse("tasks:attachment_download", args=[submitted.attachments.get().pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_task_held_twice_over_is_listed_once(plan, departments):
    """A department named on the task and on its section sees the task once (no join, no DISTINCT)."""
    from conftest import make_user
    from targets.current import window_periods
    from tasks import access
    from tasks.models import Responsibility
    from tasks.todo import department_todo

    t = task(2, 1, 1)
    Responsibility.objects.create(section=t.section, task=t, department=departments["stats"], role="responsible")
    Responsibility.objects.create(section=t.section, task=None, department=departments["stats"], role="lead")
    staff_stats = make_user("stats", "staff", departments["stats"])
    assert list(access.visible_tasks(staff_stats).filter(section=t.section)) == list(t.section.tasks.all())
    assert access.task_for_user(staff_stats, t.pk) == t
    periods = window_periods(plan, ten_day(plan, 14).start, [])
    todo = department_todo(departments["stats"].pk, plan, periods, ten_day(plan, 14).start, {})
    listed = [
        item.task
        for group in todo.groups
        for pg in group.period_groups
        for bg in pg.battle_groups
        for item in bg.items
        if item.task.section_id == t.section_id
    ]
    assert len(listed) == len(periods) * t.section.tasks.count()
    assert access.department_role(t, departments["stats"].pk) == "lead"


def test_task_for_user_agrees_with_visible_tasks_for_every_role(users, departments):
    """Staff are answered from their department's role on the one task; the rule is the same."""
    from django.http import Http404

    from conftest import make_user
    from tasks import access
    from tasks.models import Responsibility, Task

    t = task(2, 1, 1)
    extra = Task.objects.create(section=t.section, number=9, title="分组新增任务")
    Responsibility.objects.create(section=t.section, task=None, department=departments["stats"], role="cooperating")
    everyone = {**users, "staff_stats": make_user("stats", "staff", departments["stats"])}
    superuser_staff = make_user("root_staff", "staff", departments["stats"])
    superuser_staff.is_superuser = True
    everyone["superuser_staff"] = superuser_staff
    tasks = list(Task.objects.all())
    assert extra in tasks
    for name, user in everyone.items():
        visible = set(access.visible_tasks(user).values_list("pk", flat=True))
        for candidate in tasks:
            try:
                found = access.task_for_user(user, candidate.pk) == candidate
            except Http404:
                found = False
            assert found == (candidate.pk in visible), (name, candidate.pk)
        assert visible, name
