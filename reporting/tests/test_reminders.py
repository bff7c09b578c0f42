"""Reminders before and after the deadline, escalation to the office, and no duplicates."""

import datetime as dt

from django.core import mail

from accounts.models import Notification
from reporting.models import ReminderLog
from reporting.reminders import send_reminders
from targets.models import Department
from tasks.models import ProgressReport, Responsibility, Task
from tasks.summaries import rebuild as rebuild_summaries


def test_departments_with_unsubmitted_reports_are_reminded_once_before_the_deadline(
    plan, staff_commerce, staff_culture, staff_science, django_capture_on_commit_callbacks
):
    staff_commerce.email = "commerce@example.gov"
    staff_commerce.save(update_fields=["email"])
    period = plan.periods.get(kind="ten_day", number=14)  # deadline 2023-05-22
    task = Task.objects.get(section__battle__number=2, number=1)
    ProgressReport.objects.create(
        task=task,
        department=staff_science.department,
        period=period,
        status="submitted",
        first_submitted_at=dt.datetime(2023, 5, 19, 9, tzinfo=dt.UTC),
    )
    rebuild_summaries()
    # The deadline, a Monday (plan.remind_days_before = 2: the 20th and 21st are a weekend).
    today = dt.date(2023, 5, 22)
    with django_capture_on_commit_callbacks(execute=True):  # emails are queued after commit
        send_reminders(today)
    # Earlier periods within the last 30 days are chased as overdue; this one gets its "before" step.
    before = Notification.objects.filter(kind="reminder")
    assert all("2023年5月中旬" in n.text for n in before)
    assert set(before.values_list("user__username", flat=True)) == {"commerce", "culture"}  # 市科技局 submitted
    mails = [m for m in mail.outbox if "5月中旬" in m.body]
    assert len(mails) == 1 and mails[0].to == ["commerce@example.gov"]
    count, sent = Notification.objects.count(), len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        send_reminders(today)  # safe to run twice
    assert Notification.objects.count() == count and len(mail.outbox) == sent


def test_overdue_reminder_then_escalation_to_the_task_force_office(plan, staff_culture, office_dev, office_science):
    period = plan.periods.get(kind="ten_day", number=14)  # deadline 2023-05-22, escalate after 3 days
    send_reminders(dt.date(2023, 5, 23))
    overdue = Notification.objects.filter(user=staff_culture, kind="overdue", text__contains="5月中旬")
    assert overdue.count() == 1
    assert not Notification.objects.filter(user=office_dev, text__contains="5月中旬").exists()
    send_reminders(dt.date(2023, 5, 25))
    escalations = Notification.objects.filter(kind="escalation")
    # 市文化旅游广电体育局's task is in battle 1: its office (市发展改革委) is told, not battle 2's.
    assert escalations.filter(user=office_dev, text__contains="市文化旅游广电体育局2023年5月中旬").exists()
    assert not escalations.filter(user=office_science, text__contains="市文化旅游广电体育局").exists()
    count = Notification.objects.count()
    send_reminders(dt.date(2023, 5, 25))
    assert Notification.objects.count() == count
    assert ReminderLog.objects.filter(period=period, step="escalated").exists()


def test_reminders_name_the_missing_tasks_and_link_to_that_ten_days_to_do_list(client, plan, staff_commerce):
    send_reminders(dt.date(2023, 10, 7))  # 9月下旬 ends on a holiday: deadline 10月7日 (a make-up Saturday)
    note = Notification.objects.get(user=staff_commerce, kind="reminder", text__contains="9月下旬")
    assert note.text == (
        "2023年9月下旬的进展报告将于10月7日截止，贵单位尚有1项任务未提交：“（一）1.开展系列消费促进活动”。请按时报送。"
    )
    client.force_login(staff_commerce)
    page = client.get(note.link, {"as_of": "2023-10-07"}).content.decode()
    assert "开展系列消费促进活动" in page and "2023年9月下旬" in page


def test_escalation_names_the_tasks_of_the_offices_own_battle_and_links_to_its_overdue_list(
    client, plan, departments, office_dev, office_science
):
    # 市商务局 is also responsible for battle 2's task: each office hears only of its own battle's.
    second = Task.objects.get(section__battle__number=2, number=1)
    Responsibility.objects.create(
        section=second.section, task=second, department=departments["commerce"], role="responsible", order=5
    )
    send_reminders(dt.date(2023, 10, 10))
    dev = Notification.objects.get(user=office_dev, kind="escalation", text__startswith="市商务局2023年9月下旬")
    assert dev.text == (
        "市商务局2023年9月下旬的进展报告（10月7日截止）逾期3天仍未提交（1项任务：“（一）1.开展系列消费促进活动”），请督办。"
    )
    science = Notification.objects.get(user=office_science, kind="escalation", text__startswith="市商务局2023年9月下旬")
    assert "实施市十大科技创新项目" in science.text and "消费促进" not in science.text
    client.force_login(office_dev)
    response = client.get(dev.link, {"as_of": "2023-10-10"})
    assert any(row.department.name == "市商务局" and row.period.number == 27 for row in response.context["overdue"])


def test_a_collective_body_is_neither_reminded_nor_escalated(plan, office_dev):
    collective = Department.objects.create(name="相关成员单位", kind=Department.Kind.COLLECTIVE)
    task = Task.objects.get(section__battle__number=1, number=1)
    Responsibility.objects.create(section=task.section, task=task, department=collective, role="responsible", order=5)
    send_reminders(dt.date(2023, 5, 22))
    send_reminders(dt.date(2023, 5, 25))
    assert Notification.objects.filter(user=office_dev, kind="escalation").exists()
    assert not Notification.objects.filter(text__contains="相关成员单位").exists()
    assert not ReminderLog.objects.filter(department=collective).exists()


def test_no_reminder_for_ten_days_before_the_plan_was_published(plan, staff_commerce):
    plan.published_on = dt.date(2023, 5, 15)  # reports are owed from 5月中旬
    plan.save(update_fields=["published_on"])
    send_reminders(dt.date(2023, 5, 22))
    texts = list(Notification.objects.filter(user=staff_commerce).values_list("text", flat=True))
    assert texts and all(text.startswith("2023年5月中旬") for text in texts)


def test_nothing_is_sent_on_a_day_off_and_what_fell_due_goes_out_on_the_next_working_day(plan, staff_commerce):
    # 9月下旬: deadline 10月7日, the make-up Saturday after the National Day holiday (9月29日–10月6日).
    for holiday in (dt.date(2023, 10, 1), dt.date(2023, 10, 5), dt.date(2023, 10, 6)):
        assert send_reminders(holiday) == 0
    assert not Notification.objects.exists()
    assert send_reminders(dt.date(2023, 10, 7)) > 0  # a working day, though a Saturday
    assert Notification.objects.filter(user=staff_commerce, kind="reminder", text__contains="9月下旬").count() == 1
    # An ordinary weekend: 5月中旬's step due on Saturday the 20th goes out on Monday the 22nd.
    assert send_reminders(dt.date(2023, 5, 20)) == 0
