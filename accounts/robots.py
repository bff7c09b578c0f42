"""Pushing a message to a WeCom (企业微信) or DingTalk (钉钉) group robot.

Both take a JSON POST to the robot's webhook URL and answer {"errcode": 0, "errmsg": "ok"}.
WeCom identifies the robot by the `key` in its URL. DingTalk robots with the "加签" security
setting also need `timestamp` (milliseconds) and `sign` = Base64(HMAC-SHA256(secret,
"timestamp\\nsecret")), URL-encoded, appended to the URL; a signature older than an hour is
refused by DingTalk, so it is computed at each attempt.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT_SECONDS = 10


class RobotError(Exception):
    """The robot did not take the message (network error, HTTP error or an errcode)."""


def dingtalk_sign(secret, timestamp_ms):
    string_to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), string_to_sign, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def signed_url(robot, now=None):
    """The webhook URL to post to: DingTalk's with timestamp and signature when a secret is set."""
    if robot.kind != robot.Kind.DINGTALK or not robot.secret:
        return robot.webhook_url
    timestamp = str(int((now if now is not None else time.time()) * 1000))
    query = urllib.parse.urlencode({"timestamp": timestamp, "sign": dingtalk_sign(robot.secret, timestamp)})
    separator = "&" if "?" in robot.webhook_url else "?"
    return f"{robot.webhook_url}{separator}{query}"


def payload(robot, title, text, link):
    """A markdown message: both robots render a title line, the text and the link."""
    body = f"**{title}**\n\n{text}"
    if link:
        body += f"\n\n[查看详情]({link})"
    if robot.kind == robot.Kind.DINGTALK:
        return {"msgtype": "markdown", "markdown": {"title": title, "text": body}}
    return {"msgtype": "markdown", "markdown": {"content": body}}


def push(robot, title, text, link):
    """Send one message; raises RobotError when the robot does not confirm it."""
    data = json.dumps(payload(robot, title, text, link), ensure_ascii=False).encode()
    request = urllib.request.Request(
        signed_url(robot), data=data, headers={"Content-Type": "application/json; charset=utf-8"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (admin-set URL)
            answer = response.read(65536)
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise RobotError(f"{type(error).__name__}: {error}") from error
    try:
        result = json.loads(answer or b"{}")
    except ValueError as error:
        raise RobotError(f"not JSON: {answer[:200]!r}") from error
    if result.get("errcode", 0) != 0:
        raise RobotError(f"errcode {result.get('errcode')}: {result.get('errmsg', '')}")
    return result
