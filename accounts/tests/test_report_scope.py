"""Who reads which progress reports, on every page: another department's drafts and returned
reports never appear anywhere (tasks.access.readable_reports decides, README "Who reads which
progress reports").

The pages are read from the URLconfs (accounts/tests/test_access_matrix.app_patterns), so a page
added later is walked too. Every report carries its own markers (text, problems, next steps,
return reason, file name and file content); for each user, the markers of the reports that user
may not read must appear on no page, download included.
"""

import itertools

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from accounts.tests.test_access_matrix import PARAM_OBJECTS, PATTERNS, SEGMENT_OBJECTS, segment_before
from conftest import make_user
from tasks import actions
from tasks.models import Attachment, ProgressReport
from tasks.tests.helpers import task, ten_day

pytestmark = pytest.mark.django_db

SHARED = {ProgressReport.Status.SUBMITTED, ProgressReport.Status.APPROVED}
LEADS = {(1, 1, 1): "commerce", (1, 1, 2): "culture", (2, 1, 1): "science"}

# (task, department key, 旬, what becomes of the report)
REPORTS = [
    ((1, 1, 1), "commerce", 12, "approved"),
    ((1, 1, 1), "commerce", 13, "submitted"),
    ((1, 1, 1), "dev", 12, "returned"),
    ((1, 1, 1), "dev", 13, "draft"),
    ((1, 1, 2), "culture", 12, "approved"),
    ((1, 1, 2), "culture", 13, "returned"),
    ((1, 1, 2), "commerce", 12, "submitted"),
    ((1, 1, 2), "commerce", 13, "draft"),
    ((2, 1, 1), "science", 12, "draft"),
    ((2, 1, 1), "science", 13, "submitted"),
    ((2, 1, 1), "finance", 12, "approved"),
    ((2, 1, 1), "finance", 13, "returned"),
]

# Pages that show report text to someone allowed to read it: the walk must find markers there,
# or it would prove nothing about them.
PAGES_WITH_REPORT_TEXT = {
    "tasks:home",
    "tasks:report_edit",
    "tasks:report_detail",
    "tasks:report_version",
    "tasks:attachment_download",
    "dash:task",
}


def _marker(counter):
    return f"ZQ{next(counter):03d}QZ"


def _content(counter):
    return {
        "progress": "进展" + _marker(counter),
        "task_status": "in_progress",
        "problems": "问题" + _marker(counter),
        "next_steps": "打算" + _marker(counter),
    }


def _markers(content):
    return {value[2:] for key, value in content.items() if key != "task_status"}


def _upload(marker):
    return SimpleUploadedFile(f"{marker}.pdf", b"%PDF-1.4\n" + marker.encode() + b"\n%%EOF\n", "application/pdf")


@pytest.fixture
def world(plan, departments, office_dev, office_science, leader, plan_admin):
    staff = {
        key: make_user(f"staff_{key}", "staff", departments[key])
        for key in ("commerce", "culture", "science", "finance", "dev")
    }
    offices = {1: office_dev, 2: office_science}
    counter = itertools.count(1)
    markers = {}
    for task_key, dept, number, fate in REPORTS:
        t = task(*task_key)
        report = ProgressReport.objects.create(task=t, department=departments[dept], period=ten_day(plan, number))
        author = staff[dept]
        content = _content(counter)
        file_marker = _marker(counter)
        found = _markers(content) | {file_marker}
        write = {"version": report.version, "content": content, "metric_values": {}}
        uploads = [(_upload(file_marker), "application/pdf")]
        if fate == "draft":
            actions.save_draft(report.pk, author, **write, uploads=uploads)
        else:
            actions.submit_report(report.pk, author, **write, uploads=uploads)
            reviewer = offices[task_key[0]]
            if fate == "approved":
                actions.approve_report(report.pk, reviewer)
            elif fate == "returned":
                reason = "理由" + _marker(counter)
                actions.return_report(report.pk, reviewer, reason)
                found.add(reason[2:])
                # The department is revising: its new text is as private as a draft.
                revision = _content(counter)
                report.refresh_from_db()
                actions.save_draft(report.pk, author, version=report.version, content=revision, metric_values={})
                found |= _markers(revision)
        report.refresh_from_db()
        assert report.status == fate
        markers[report.pk] = found
    users = {f"staff_{key}": user for key, user in staff.items()}
    users.update(office_dev=office_dev, office_science=office_science, leader=leader, plan_admin=plan_admin)
    return plan, departments, markers, users


def may_read(user, report, departments):
    """The rule, stated independently of tasks.access."""
    if user.department_id == report.department_id:
        return True
    battle = report.task.section.battle
    if user.role == "office" and report.status == "returned":
        # The reviewing office returned it and keeps it under "已退回" until it comes back.
        return battle.task_force.office_id == user.department_id
    if report.status not in SHARED:
        return False
    if user.role in {"leader", "admin"}:
        return True
    if user.role == "office":
        return battle.task_force.office_id == user.department_id
    key = (battle.number, report.task.section.number, report.task.number)
    return departments[LEADS[key]].pk == user.department_id


def _values(name, route, param, plan, departments):
    """Every value worth trying for a path parameter: each object of the kind it names."""
    base = param.removesuffix("_id").removesuffix("_pk")
    segment = segment_before(route, param)
    if base in {"plan", "code", "plan_code", "slug"}:
        return [plan.code]
    if base in {"fmt", "format"}:
        return ["docx"]
    if base == "number":
        return [1, 2]
    kind = SEGMENT_OBJECTS.get(segment) if base == "pk" else PARAM_OBJECTS.get(base)
    if base == "period":
        kind = "month" if name.startswith("targets:") else "ten_day"
    objects = {
        "task": [task(*key).pk for key in LEADS],
        "report": list(ProgressReport.objects.values_list("pk", flat=True)),
        "attachment": list(Attachment.objects.values_list("pk", flat=True)),
        "target": list(plan.battles.values_list("targets__pk", flat=True)),
        "battle": [1, 2],
        "department": [d.pk for d in departments.values()],
        "ten_day": [ten_day(plan, 12).pk, ten_day(plan, 13).pk],
        "month": list(plan.periods.filter(kind="month", number=5).values_list("pk", flat=True)),
    }
    return objects.get(kind, [1])


QUERIES = {"dash": {"as_of": "ten_day-13"}, "tasks": {"as_of": "2023-05-12"}}


def _body(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_no_page_shows_another_departments_draft_or_returned_report(world):
    plan, departments, markers, users = world
    reports = {r.pk: r for r in ProgressReport.objects.select_related("task__section__battle__task_force")}
    private = {
        name: {m for pk, found in markers.items() if not may_read(user, reports[pk], departments) for m in found}
        for name, user in users.items()
    }
    # Every other department's draft, and every returned report outside an office's own review,
    # is among the forbidden ones.
    for name, user in users.items():
        for pk, report in reports.items():
            reviewing = user.role == "office" and report.status == "returned"
            if report.department_id != user.department_id and report.status not in SHARED and not reviewing:
                assert markers[pk] <= private[name]
    clients = {}
    for name, user in users.items():
        clients[name] = Client()
        clients[name].force_login(user)
    shown_on = set()
    walked = 0
    for url_name, route, params in PATTERNS:
        choices = [_values(url_name, route, p, plan, departments) for p in params]
        for combo in itertools.product(*choices):
            url = reverse(url_name, kwargs=dict(zip(params, combo, strict=True)))
            namespace = url_name.split(":")[0]
            for query in ({}, QUERIES.get(namespace)):
                if query is None:
                    continue
                for name, client in clients.items():
                    response = client.get(url, query)
                    walked += 1
                    assert response.status_code < 500, f"GET {url} {query} as {name}"
                    if response.status_code != 200:
                        continue
                    body = _body(response)
                    leaked = sorted(m for m in private[name] if m in body)
                    assert not leaked, f"GET {url} {query} as {name} shows unreadable report text {leaked}"
                    if any(m in body for found in markers.values() for m in found):
                        shown_on.add(url_name)
    assert PAGES_WITH_REPORT_TEXT <= shown_on, f"walked {walked} pages; report text seen on {sorted(shown_on)}"


def _task_page(client, t, as_of="ten_day-13"):
    return client.get(reverse("dash:task", args=[t.pk]), {"as_of": as_of}).content.decode()


def test_task_dashboard_shows_a_cooperating_department_only_what_it_may_read(world):
    plan, departments, markers, users = world
    t = task(1, 1, 2)
    reports = {
        (r.department.name, r.period.number): r
        for r in ProgressReport.objects.filter(task=t).select_related("department", "period")
    }
    returned = reports[("市文化旅游广电体育局", 13)]
    own_draft = reports[("市商务局", 13)]
    client = Client()
    client.force_login(users["staff_commerce"])
    page = _task_page(client, t)
    assert returned.progress not in page and returned.return_reason not in page
    assert own_draft.progress in page
    leader = Client()
    leader.force_login(users["leader"])
    page = _task_page(leader, t)
    assert reports[("市文化旅游广电体育局", 12)].progress in page  # approved: shared
    assert returned.progress not in page and own_draft.progress not in page


def test_a_reviewer_returning_a_report_can_still_open_it(world):
    plan, departments, markers, users = world
    report = ProgressReport.objects.get(task=task(1, 1, 1), department=departments["commerce"], period__number=13)
    client = Client()
    client.force_login(users["office_dev"])
    response = client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充活动场次的佐证材料。"})
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "请补充活动场次的佐证材料。" in client.get(reverse("tasks:report_detail", args=[report.pk])).content.decode()


def test_the_reviewing_office_lists_the_reports_it_returned_and_no_other_office_reads_them(world):
    plan, departments, markers, users = world
    report = ProgressReport.objects.get(task=task(1, 1, 1), department=departments["commerce"], period__number=13)
    office = Client()
    office.force_login(users["office_dev"])
    office.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充活动场次的佐证材料。"})
    queue = office.get(reverse("tasks:review_queue"), {"status": "returned"}).content.decode()
    assert reverse("tasks:report_detail", args=[report.pk]) in queue
    other_offices = [u for u in users.values() if u.role == "office" and u.pk != users["office_dev"].pk]
    assert other_offices
    for user in other_offices:
        client = Client()
        client.force_login(user)
        assert client.get(reverse("tasks:report_detail", args=[report.pk])).status_code == 404


def test_readable_reports_of_one_department_follow_the_same_rule(world):
    """readable_reports(…, department_id=…) (the report form's previous report) against the rule."""
    from tasks.access import readable_reports

    plan, departments, markers, users = world
    reports = list(ProgressReport.objects.select_related("task__section__battle__task_force", "period"))
    for user in users.values():
        for department in departments.values():
            expected = {r.pk for r in reports if r.department_id == department.pk and may_read(user, r, departments)}
            found = set(readable_reports(user, department_id=department.pk).values_list("pk", flat=True))
            assert found == expected, (user.username, department.name)
            narrowed = readable_reports(
                user, ProgressReport.objects.filter(period__number=13), department_id=department.pk
            )
            assert set(narrowed.values_list("pk", flat=True)) == {
                r.pk for r in reports if r.pk in expected and r.period.number == 13
            }
