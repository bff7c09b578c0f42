"""Reminders before and after the deadline, escalation to the office, and no duplicates."""

import datetime as dt

from django.core import mail

from accounts.models import Notification
from reporting.models import ReminderLog
from reporting.reminders import send_reminders
from tasks.models import ProgressReport, Task
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
    today = dt.date(2023, 5, 20)  # plan.remind_days_before = 2
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
