"""Telling people: one call stores an in-app notification per user and, once the transaction
commits, emails those with an address and pushes the message to the group robots (企业微信 /
钉钉) of the departments concerned, through Celery tasks that retry (accounts.tasks).

Every layer sends through here (tasks' return and approval, reporting's reminders and issued
reports), so nothing below reporting imports it. It is called by the action functions
themselves, never from a signal.
"""

from django.conf import settings
from django.db import transaction

from accounts.models import GroupRobot, Notification
from sixbattles import broker


def absolute(link):
    """A link for an email or a group chat, where a path alone leads nowhere."""
    if not link or link.startswith(("http://", "https://")):
        return link
    return f"{settings.SITE_URL}{link}"


def _queue_after_commit(task, *args):
    """Queue `task` once the surrounding transaction commits (immediately outside one).

    Like Celery's delay_on_commit, but robust: with the broker down the action and its in-app
    notification stay committed and the failure is logged, instead of an error page for an
    action that has in fact been done; a frozen broker costs the action one timeout, not one
    per job (sixbattles.broker).
    """

    transaction.on_commit(lambda: broker.publish(task, args))


def notify(users, kind, text, *, link="", subject="", departments=()):
    """Notify each of `users` (in-app and email) and the robots of `departments`; returns the
    stored notifications. `subject` titles the email and the group message."""
    from accounts import tasks

    unique = list({user.pk: user for user in users}.values())
    rows = Notification.objects.bulk_create([Notification(user=u, kind=kind, text=text, link=link) for u in unique])
    subject = subject or str(Notification.Kind(kind).label)
    for row, user in zip(rows, unique, strict=True):
        if user.email:
            _queue_after_commit(tasks.send_notification_email, row.pk, subject)
    if departments:
        robot_ids = GroupRobot.objects.filter(department_id__in=set(departments), is_active=True).values_list(
            "id", flat=True
        )
        for robot_id in robot_ids:
            _queue_after_commit(tasks.push_to_robot, robot_id, subject, text, absolute(link))
    return rows
