"""Notifications that reach people: in-app, email and group robots (企业微信 / 钉钉), sent by Celery
tasks after the action commits, tested against a fake robot endpoint on 127.0.0.1."""

import base64
import hashlib
import hmac
import urllib.parse

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import tasks as delivery
from accounts.models import GroupRobot, Notification
from accounts.robots import signed_url
from tasks.models import ProgressReport
from tasks.tests.helpers import task, ten_day

pytestmark = pytest.mark.django_db


def submitted(plan, department, number=1):
    return ProgressReport.objects.create(
        task=task(1, 1, number),
        department=department,
        period=ten_day(plan, 14),
        status="submitted",
        progress="开展消费季活动3场。",
        submitted_at=timezone.now(),
    )


def test_a_return_reaches_the_staff_in_app_by_email_and_in_the_departments_wecom_group(
    client, plan, staff_commerce, office_dev, fake_robot, django_capture_on_commit_callbacks
):
    staff_commerce.email = "commerce@example.gov"
    staff_commerce.save(update_fields=["email"])
    GroupRobot.objects.create(
        department=staff_commerce.department, kind="wecom", webhook_url=f"{fake_robot.url}/cgi-bin/webhook/send?key=k1"
    )
    report = submitted(plan, staff_commerce.department)
    client.force_login(office_dev)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "请补充消费季活动照片"})
    assert response.status_code == 302
    [note] = Notification.objects.filter(user=staff_commerce)
    assert note.kind == "returned" and "请补充消费季活动照片" in note.text and "2023年5月中旬" in note.text
    assert note.link == reverse("tasks:report_detail", args=[report.pk])
    [email] = mail.outbox
    assert email.to == ["commerce@example.gov"] and "请补充消费季活动照片" in email.body
    assert f"http://127.0.0.1:8000/progress/{report.pk}/" in email.body  # an absolute link
    [push] = fake_robot.received
    assert push.query == {"key": "k1"}
    assert push.body["msgtype"] == "markdown" and "请补充消费季活动照片" in push.body["markdown"]["content"]
    # The staff user sees it: unread badge and the notifications page.
    client.force_login(staff_commerce)
    page = client.get(reverse("reporting:notifications")).content.decode()
    assert "请补充消费季活动照片" in page and 'class="badge"' in client.get(reverse("tasks:home")).content.decode()


def test_an_approval_is_pushed_to_a_signed_dingtalk_robot(
    client, plan, staff_commerce, office_dev, fake_robot, django_capture_on_commit_callbacks
):
    secret = "SECtest0123456789"
    GroupRobot.objects.create(
        department=staff_commerce.department,
        kind="dingtalk",
        webhook_url=f"{fake_robot.url}/robot/send?access_token=t1",
        secret=secret,
    )
    report = submitted(plan, staff_commerce.department)
    client.force_login(office_dev)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tasks:report_approve", args=[report.pk]))
    assert Notification.objects.get(user=staff_commerce).kind == "approved"
    [push] = fake_robot.received
    timestamp = push.query["timestamp"]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    assert push.query["access_token"] == "t1" and push.query["sign"] == expected
    assert abs(int(timestamp) - timezone.now().timestamp() * 1000) < 60_000
    assert push.body["msgtype"] == "markdown" and "已通过审核" in push.body["markdown"]["text"]


def test_dingtalk_signature_is_url_encoded_in_the_webhook_url():
    robot = GroupRobot(kind="dingtalk", webhook_url="https://oapi.dingtalk.com/robot/send?access_token=x", secret="S")
    url = signed_url(robot, now=1700000000.123)
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    assert query["timestamp"] == ["1700000000123"]
    sign = hmac.new(b"S", b"1700000000123\nS", hashlib.sha256).digest()
    assert query["sign"] == [base64.b64encode(sign).decode()]
    assert "+" not in url.split("sign=")[1] and "/" not in url.split("sign=")[1]  # quoted


def test_a_failed_push_is_retried_with_backoff_and_the_error_kept_for_the_admin(departments, fake_robot):
    fake_robot.replies = [
        (502, {}),
        (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
        (200, {"errcode": 0}),
    ]
    robot = GroupRobot.objects.create(
        department=departments["dev"], kind="wecom", webhook_url=f"{fake_robot.url}/cgi-bin/webhook/send?key=k"
    )
    assert delivery.push_to_robot.max_retries == 5 and delivery.push_to_robot.retry_backoff == 30
    # Celery's eager mode raises the Retry a worker would schedule (30 s, 60 s, … later).
    with pytest.raises(Retry):
        delivery.push_to_robot.delay(robot.pk, "标题", "内容", "")
    robot.refresh_from_db()
    assert "502" in robot.last_error and robot.last_sent_at is None
    with pytest.raises(Retry):
        delivery.push_to_robot.delay(robot.pk, "标题", "内容", "")
    robot.refresh_from_db()
    assert "45009" in robot.last_error
    assert delivery.push_to_robot.delay(robot.pk, "标题", "内容", "").result is True
    robot.refresh_from_db()
    assert robot.last_error == "" and robot.last_sent_at is not None
    assert len(fake_robot.received) == 3


def test_a_switched_off_robot_gets_nothing(
    client, plan, staff_commerce, office_dev, fake_robot, django_capture_on_commit_callbacks
):
    GroupRobot.objects.create(
        department=staff_commerce.department, kind="wecom", webhook_url=f"{fake_robot.url}/x?key=k", is_active=False
    )
    report = submitted(plan, staff_commerce.department)
    client.force_login(office_dev)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("tasks:report_approve", args=[report.pk]))
    assert fake_robot.received == [] and Notification.objects.filter(user=staff_commerce).exists()


def test_with_the_broker_down_the_return_is_done_and_the_in_app_notification_kept(
    client, plan, staff_commerce, office_dev, monkeypatch, django_capture_on_commit_callbacks
):
    GroupRobot.objects.create(department=staff_commerce.department, kind="wecom", webhook_url="http://127.0.0.1:9/x")

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(delivery.push_to_robot, "apply_async", broker_down)
    report = submitted(plan, staff_commerce.department)
    client.force_login(office_dev)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tasks:report_return", args=[report.pk]), {"reason": "数据有误"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "returned" and Notification.objects.filter(user=staff_commerce, kind="returned").exists()


def test_robot_admin_keeps_the_secret_when_left_blank_and_never_shows_it(admin_client, departments):
    robot = GroupRobot.objects.create(
        department=departments["dev"],
        kind="dingtalk",
        webhook_url="https://oapi.dingtalk.com/robot/send?access_token=a",
        secret="SECkeep",
    )
    url = reverse("admin:accounts_grouprobot_change", args=[robot.pk])
    page = admin_client.get(url).content.decode()
    assert "SECkeep" not in page
    data = {
        "department": departments["dev"].pk,
        "kind": "dingtalk",
        "name": "发改委群",
        "webhook_url": robot.webhook_url,
        "secret": "",
        "is_active": "on",
    }
    assert admin_client.post(url, data).status_code == 302
    robot.refresh_from_db()
    assert robot.secret == "SECkeep" and robot.name == "发改委群"
    bad = {**data, "webhook_url": "ftp://example.org/x"}
    assert admin_client.post(url, bad).status_code == 200
