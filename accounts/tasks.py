"""Celery tasks that deliver notifications: email and group-robot pushes, with retries.

They take ids and look the row up again, so a retry after a deploy sends what is stored now.
Network and SMTP failures are retried with exponential backoff (30 s, 60 s, … up to 15 min,
jittered) MAX_RETRIES times; the robot's last error is kept on the robot for the admin.
"""

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.utils import timezone

from accounts import robots
from accounts.models import GroupRobot, Notification
from accounts.notify import absolute

MAX_RETRIES = 5
RETRY = {"max_retries": MAX_RETRIES, "retry_backoff": 30, "retry_backoff_max": 900, "retry_jitter": True}


@shared_task(name="accounts.send_notification_email", autoretry_for=(smtplib.SMTPException, OSError), **RETRY)
def send_notification_email(notification_id, subject):
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return False
    body = notification.text
    if notification.link:
        body += f"\n\n{absolute(notification.link)}"
    send_mail(f"【六仗调度】{subject}", body, settings.DEFAULT_FROM_EMAIL, [notification.user.email])
    return True


@shared_task(name="accounts.push_to_robot", autoretry_for=(robots.RobotError,), **RETRY)
def push_to_robot(robot_id, title, text, link):
    robot = GroupRobot.objects.filter(pk=robot_id, is_active=True).first()
    if robot is None:
        return False  # deleted or switched off since the message was queued
    try:
        robots.push(robot, title, text, link)
    except robots.RobotError as error:
        stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
        GroupRobot.objects.filter(pk=robot_id).update(last_error=f"{stamp} {error}"[:2000])
        raise
    GroupRobot.objects.filter(pk=robot_id).update(last_sent_at=timezone.now(), last_error="")
    return True
