"""Bulk approval tells each department once: one notification per staff user, one email per address,
one message per group robot, naming the count and the tasks, in the transaction of the approvals."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import GroupRobot, Notification
from conftest import make_user
from tasks import actions
from tasks.models import ProgressReport, ReportEvent, Responsibility, Section, Task
from tasks.summaries import rebuild as rebuild_summaries
from tasks.tests.helpers import ten_day

pytestmark = pytest.mark.django_db

TEXT = {"progress": "开展消费季活动3场。", "problems": "", "next_steps": "继续推进。", "task_status": "in_progress"}


@pytest.fixture
def thirty(plan, departments):
    """市商务局 leads 30 tasks of battle 1 (the plan's task 1 and 29 more, the plan's task 2 being
    another's); each has an approved report for 2023年5月上旬 and the same text submitted for
    5月中旬: 30 reports the bulk approval may approve."""
    section = Section.objects.get(battle__plan=plan, battle__number=1, number=1)
    tasks = [Task.objects.get(section=section, number=1)]
    for number in range(3, 32):
        extra = Task.objects.create(section=section, number=number, title=f"商务任务第{number}项")
        Responsibility.objects.create(section=section, task=extra, department=departments["commerce"], role="lead")
        tasks.append(extra)
    rows = []
    for t in tasks:
        for number, status in ((13, "approved"), (14, "submitted")):
            rows.append(
                ProgressReport(
                    task=t,
                    department=departments["commerce"],
                    period=ten_day(plan, number),
                    status=status,
                    submitted_at=timezone.now(),
                    **TEXT,
                )
            )
    ProgressReport.objects.bulk_create(rows)
    rebuild_summaries()  # written through the ORM, as a bulk loader: the summaries are recounted
    mine = ProgressReport.objects.filter(department=departments["commerce"], period__number=14, status="submitted")
    return list(mine.order_by("task__number"))


def culture_reports(plan, departments):
    """Two reports of 市文化旅游广电体育局 on one task, of two 旬, each unchanged from the one before."""
    t = Task.objects.get(section__battle__plan=plan, section__battle__number=1, section__number=1, number=2)
    made = [
        ProgressReport.objects.create(
            task=t,
            department=departments["culture"],
            period=ten_day(plan, number),
            status=status,
            submitted_at=timezone.now(),
            **TEXT,
        )
        for number, status in ((12, "approved"), (13, "submitted"), (14, "submitted"))
    ]
    rebuild_summaries()
    return made[1:]


def bulk_approve(client, user, plan, reports):
    client.force_login(user)
    return client.post(
        reverse("tasks:review_approve_unchanged"),
        {"report": [r.pk for r in reports], "queue": f"plan={plan.code}"},
    )


def _items(group):
    return [item for pg in group.period_groups for bg in pg.battle_groups for item in bg.items]


def test_thirty_reports_approved_in_bulk_tell_each_staff_user_once_by_app_email_and_robot(
    client,
    plan,
    departments,
    thirty,
    staff_commerce,
    office_dev,
    fake_robot,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    staff_commerce.email = "commerce@example.gov"
    staff_commerce.save(update_fields=["email"])
    colleague = make_user("commerce2", "staff", departments["commerce"], email="commerce2@example.gov")
    no_address = make_user("commerce3", "staff", departments["commerce"])
    make_user("commerce-gone", "staff", departments["commerce"], is_active=False, email="gone@example.gov")
    GroupRobot.objects.create(
        department=departments["commerce"], kind="wecom", webhook_url=f"{fake_robot.url}/cgi-bin/webhook/send?key=k1"
    )
    assert len(thirty) == 30

    with django_capture_on_commit_callbacks(execute=True):
        response = bulk_approve(client, office_dev, plan, thirty)
    assert response.status_code == 302
    assert set(ProgressReport.objects.filter(pk__in=[r.pk for r in thirty]).values_list("status", flat=True)) == {
        "approved"
    }
    # Each report is approved as its own action: its event, its reviewer.
    assert ReportEvent.objects.filter(report__in=thirty, action="approved", actor=office_dev).count() == 30

    # One notification per staff user of the department, none for anyone else.
    by_user = {}
    for n in Notification.objects.select_related("user"):
        by_user.setdefault(n.user.username, []).append(n)
    assert sorted(by_user) == ["commerce", "commerce2", "commerce3"]
    assert all(len(notes) == 1 for notes in by_user.values())
    [note] = by_user["commerce"]
    assert note.kind == "approved"
    assert note.text.startswith("市商务局 2023年5月中旬的30份进展报告已通过审核：")
    assert "“（一）1.开展系列消费促进活动”" in note.text and "“（一）31.商务任务第31项”" in note.text
    assert note.link == f"/?status=done&plan={plan.code}&period=14#todo-done"
    assert {n.text for notes in by_user.values() for n in notes} == {note.text}

    # Email: one per address (the inactive colleague's none); the robot: one message.
    assert sorted(m.to[0] for m in mail.outbox) == ["commerce2@example.gov", "commerce@example.gov"]
    assert all("30份进展报告已通过" in m.subject and "30份" in m.body for m in mail.outbox)
    [push] = fake_robot.received
    assert push.query == {"key": "k1"} and "30份进展报告已通过审核" in push.body["markdown"]["content"]
    assert f"/?status=done&plan={plan.code}&period=14" in push.body["markdown"]["content"]

    # Following it: read, and the to-do list shows the 30 approved reports of 5月中旬.
    monkeypatch.setattr(timezone, "localdate", lambda *a: dt.date(2023, 5, 25))
    client.force_login(staff_commerce)
    response = client.get(reverse("reporting:notification_open", args=[note.pk]), follow=True)
    note.refresh_from_db()
    assert note.read_at is not None
    todo = response.context["todo"]
    assert todo.filters == {"battle": "", "period": "14", "status": "done"}
    assert todo.shown == 30 and all(i.report.status == "approved" for g in todo.groups for i in _items(g))
    assert colleague.notifications.get().read_at is None and no_address.notifications.count() == 1


def test_each_department_in_one_bulk_approval_hears_once_and_a_lone_report_as_a_single_approval(
    client, plan, departments, thirty, staff_commerce, staff_culture, office_dev, django_capture_on_commit_callbacks
):
    staff_dev = make_user("devstaff", "staff", departments["dev"])
    task1 = Task.objects.get(section__battle__plan=plan, section__battle__number=1, number=1)
    for number, status in ((13, "approved"), (14, "submitted")):
        dev_report = ProgressReport.objects.create(
            task=task1,
            department=departments["dev"],
            period=ten_day(plan, number),
            status=status,
            submitted_at=timezone.now(),
            **TEXT,
        )
    rebuild_summaries()
    culture = culture_reports(plan, departments)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_approve(client, office_dev, plan, [*thirty[:5], *culture, dev_report])
    [commerce_note] = Notification.objects.filter(user=staff_commerce)
    assert "5份进展报告已通过审核" in commerce_note.text
    # Two 旬: each task named with its 旬, the link without a 旬.
    [culture_note] = Notification.objects.filter(user=staff_culture)
    assert culture_note.text == (
        "市文化旅游广电体育局的2份进展报告已通过审核：“（一）2.促进旅游消费恢复”（2023年5月上旬）；"
        "“（一）2.促进旅游消费恢复”（2023年5月中旬）。"
    )
    assert culture_note.link == f"/?status=done&plan={plan.code}#todo-done"
    # One report: the message a single approval sends, linking to the report.
    [dev_note] = Notification.objects.filter(user=staff_dev)
    assert dev_note.text == "市发展改革委的进展报告“（一）1.开展系列消费促进活动”（2023年5月中旬）已通过审核。"
    assert dev_note.link == reverse("tasks:report_detail", args=[dev_report.pk])
    assert Notification.objects.count() == 3


def test_a_report_approved_meanwhile_is_refused_and_not_counted(plan, thirty, staff_commerce, office_dev, plan_admin):
    actions.approve_report(thirty[0].pk, plan_admin)  # someone else was quicker
    Notification.objects.all().delete()
    approved, refused = actions.approve_reports([r.pk for r in thirty], office_dev)
    assert len(approved) == 29 and [pk for pk, _reason in refused] == [thirty[0].pk]
    assert "已通过" in refused[0][1] and "不能执行此操作" in refused[0][1]
    [note] = Notification.objects.filter(user=staff_commerce)
    assert "29份进展报告已通过审核" in note.text and "（一）1.开展系列消费促进活动" not in note.text


def test_the_page_says_how_many_were_approved(client, plan, thirty, staff_commerce, office_dev):
    response = bulk_approve(client, office_dev, plan, thirty)
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("已通过 30 份与上期相同的报告：（一）1.开展系列消费促进活动 市商务局 2023年5月中旬；")
    assert Notification.objects.filter(user=staff_commerce).count() == 1


def test_the_notifications_are_in_the_transaction_of_the_approvals(plan, thirty, office_dev, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("notification store down")

    monkeypatch.setattr(actions, "notify", broken)
    with pytest.raises(RuntimeError):
        actions.approve_reports([r.pk for r in thirty], office_dev)
    # Nothing approved without its notification, and no event left behind.
    assert set(ProgressReport.objects.filter(pk__in=[r.pk for r in thirty]).values_list("status", flat=True)) == {
        "submitted"
    }
    assert not ReportEvent.objects.filter(report__in=thirty).exists()


def test_a_long_list_is_cut_and_the_rest_counted(plan, thirty, staff_commerce, office_dev):
    Task.objects.filter(pk__in=[r.task_id for r in thirty]).update(title="很长的任务名称" * 12)
    actions.approve_reports([r.pk for r in thirty], office_dev)
    [note] = Notification.objects.filter(user=staff_commerce)
    listed = note.text.count("“")
    assert 0 < listed < 30 and f"（另有{30 - listed}份未列出）" in note.text
    assert len(note.text) < actions.SUMMARY_LIST_CHARS + 200


def test_the_summary_in_english(plan, thirty, staff_commerce, office_dev):
    from django.utils import translation

    with translation.override("en"):
        actions.approve_reports([r.pk for r in thirty], office_dev)
    [note] = Notification.objects.filter(user=staff_commerce)
    assert note.text.startswith("30 progress reports of 市商务局 for May 2023, mid were approved: ")
