"""Security settings that must hold on every page: CSRF, login throttling, session expiry, CSP, deploy checks."""

import logging
import re
import secrets
import subprocess
import sys
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from targets.models import Period, Target

BASE_DIR = Path(settings.BASE_DIR)
LOCKED_TEXT = "登录已暂时锁定"


def attempt(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def logged_in(client):
    return "_auth_user_id" in client.session


def test_five_failures_lock_only_that_username_from_that_address(staff_commerce, staff_culture):
    for _ in range(5):
        response = attempt(Client(), "commerce", "wrong-password", "10.1.1.1")
    locked = Client()
    response = attempt(locked, "commerce", staff_commerce.raw_password, "10.1.1.1")
    assert LOCKED_TEXT in response.content.decode()
    assert "连续登录失败 5 次，请 15 分钟后再试" in response.content.decode()
    assert not logged_in(locked)
    # A colleague behind the same NAT address is not locked out …
    colleague = Client()
    assert attempt(colleague, "culture", staff_culture.raw_password, "10.1.1.1").status_code == 302
    assert logged_in(colleague)
    # … and nor is the same user from another address.
    elsewhere = Client()
    assert attempt(elsewhere, "commerce", staff_commerce.raw_password, "10.2.2.2").status_code == 302


def test_four_failures_do_not_lock_and_a_success_resets_the_count(staff_commerce):
    for _ in range(4):
        attempt(Client(), "commerce", "wrong-password", "10.1.1.1")
    assert attempt(Client(), "commerce", staff_commerce.raw_password, "10.1.1.1").status_code == 302
    for _ in range(4):
        attempt(Client(), "commerce", "wrong-password", "10.1.1.1")
    assert attempt(Client(), "commerce", staff_commerce.raw_password, "10.1.1.1").status_code == 302


def test_wrong_password_gets_a_chinese_message(staff_commerce):
    response = attempt(Client(), "commerce", "wrong-password", "10.1.1.1")
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


def test_session_lasts_a_working_day_and_ends_with_the_browser(client, staff_commerce):
    response = attempt(client, "commerce", staff_commerce.raw_password, "10.1.1.1")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"]
    # No max-age or expiry on the cookie: it is dropped when the browser closes.
    assert not cookie["max-age"] and not cookie["expires"]
    assert client.session.get_expiry_age() == 8 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_an_expired_session_is_sent_back_to_login(client, plan, staff_commerce):
    attempt(client, "commerce", staff_commerce.raw_password, "10.1.1.1")
    assert client.get(reverse("targets:reading_list")).status_code == 200
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("targets:reading_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_form_posts_without_csrf_token_are_refused_with_a_chinese_page(plan, staff_commerce):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "commerce", "password": staff_commerce.raw_password})
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    client.force_login(staff_commerce)
    retail = Target.objects.get(code="1.02")
    april = Period.objects.get(plan=plan, kind="month", number=4)
    response = client.post(reverse("targets:reading_entry", args=[retail.pk, april.pk]), {"city-cumulative_value": "1"})
    assert response.status_code == 403
    assert not retail.readings.exists()


def project_python_files():
    for path in BASE_DIR.rglob("*.py"):
        parts = set(path.relative_to(BASE_DIR).parts)
        if parts & {".venv", "node_modules", "data", "migrations"} or path.name.startswith("test"):
            continue
        yield path


def test_no_view_is_exempt_from_csrf():
    offenders = [str(path) for path in project_python_files() if "csrf_exempt" in path.read_text(encoding="utf-8")]
    assert offenders == []


def project_templates():
    for path in BASE_DIR.rglob("*.html"):
        parts = path.relative_to(BASE_DIR).parts
        if parts[0] in {".venv", "data", "test-artifacts", "node_modules"}:
            continue
        yield path


TAG = re.compile(r"<(script|style)\b([^>]*)>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[^>]+\sstyle\s*=", re.IGNORECASE)


def test_templates_have_no_inline_code_the_csp_would_block():
    problems = []
    for path in project_templates():
        text = path.read_text(encoding="utf-8")
        for match in TAG.finditer(text):
            attributes = match.group(2)
            if "src=" not in attributes and 'nonce="{{ csp_nonce }}"' not in attributes:
                problems.append(f"{path}: <{match.group(1)}> without nonce")
        if INLINE_HANDLER.search(text):
            problems.append(f"{path}: inline event handler (on…=) is blocked by the CSP")
        if STYLE_ATTRIBUTE.search(text):
            problems.append(f"{path}: style= attribute is blocked by the CSP (use a class)")
    assert problems == []


def assert_page_obeys_csp(response):
    header = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in header and "style-src 'self'" in header and "object-src 'none'" in header
    assert "unsafe-inline" not in header and "unsafe-eval" not in header
    # Django adds the nonce to the header only when a template used it.
    nonce = re.search(r"'nonce-([^']+)'", header)
    for match in TAG.finditer(response.content.decode()):
        attributes = match.group(2)
        if "src=" not in attributes:
            assert nonce and f'nonce="{nonce.group(1)}"' in attributes, match.group(0)


def test_login_page_carries_the_csp_header(client):
    assert_page_obeys_csp(client.get(reverse("login")))


@pytest.mark.parametrize("name", ["tasks:home", "targets:reading_list"])
def test_key_pages_carry_the_csp_header_and_nonce_every_inline_tag(client, plan, staff_commerce, name):
    client.force_login(staff_commerce)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_page_obeys_csp(response)


def test_reading_form_carries_the_csp_header(client, plan, staff_commerce):
    client.force_login(staff_commerce)
    retail = Target.objects.get(code="1.02")
    april = Period.objects.get(plan=plan, kind="month", number=4)
    assert_page_obeys_csp(client.get(reverse("targets:reading_entry", args=[retail.pk, april.pk])))


def test_missing_pages_answer_a_chinese_404(client, staff_commerce):
    client.force_login(staff_commerce)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_500_page_renders_without_a_request_context(rf):
    from django.views.defaults import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "系统暂时出现问题" in response.content.decode()


PRODUCTION = {
    "DEBUG": False,
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": ["sixbattles.huaihua.gov.cn"],
    "SECURE_SSL_REDIRECT": True,
    "SESSION_COOKIE_SECURE": True,
    "CSRF_COOKIE_SECURE": True,
    "SECURE_HSTS_SECONDS": 31536000,
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
}


def test_deploy_checks_pass_with_production_values(monkeypatch):
    # The Playwright fixture sets this for the test process only; a deployment never has it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    out = StringIO()
    with override_settings(**PRODUCTION):
        call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
    assert "no issues" in out.getvalue()


def test_deploy_checks_pass_for_the_real_settings_module_in_production_mode(tmp_path):
    """The settings module itself, read from a production-like environment, not test overrides."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "sixbattles.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "sixbattles.huaihua.gov.cn",
        "DATA_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_page_check_catches_an_inline_script_without_the_nonce():
    from django.http import HttpResponse

    response = HttpResponse("<script>alert(1)</script>")
    response.headers["Content-Security-Policy"] = "script-src 'self' 'nonce-abc'; style-src 'self'; object-src 'none'"
    with pytest.raises(AssertionError):
        assert_page_obeys_csp(response)
    response = HttpResponse('<script nonce="abc">alert(1)</script>')
    response.headers["Content-Security-Policy"] = "script-src 'self' 'nonce-abc'; style-src 'self'; object-src 'none'"
    assert_page_obeys_csp(response)


def test_an_overlong_username_is_refused_like_any_wrong_login(db):
    from axes.models import AccessAttempt

    response = attempt(Client(), "名" * 300, "whatever", "10.3.3.3")
    assert response.status_code == 200
    assert len(AccessAttempt.objects.get().username) == 150


POST_FORM = re.compile(r"<form\b[^>]*method=[\"']?post[\"']?[^>]*>(.*?)</form>", re.IGNORECASE | re.DOTALL)


def test_every_post_form_in_the_templates_carries_the_csrf_token():
    missing = []
    for path in project_templates():
        for match in POST_FORM.finditer(path.read_text(encoding="utf-8")):
            if "{% csrf_token %}" not in match.group(1):
                missing.append(f"{path}: {match.group(0)[:80]}")
    assert missing == []


def test_pages_send_the_protective_headers(client, staff_commerce):
    client.force_login(staff_commerce)
    response = client.get(reverse("tasks:home"))
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]


def test_the_403_page_is_chinese(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/"), PermissionDenied())
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_a_missing_page_and_a_request_for_another_host_leave_no_line_in_the_log(client, db, capsys):
    """Answered 404 and 400 and recorded in the access log; the app's log keeps to what needs a look
    (a 5xx and its traceback), not a line or a traceback per scanner request."""

    class Collect(logging.Handler):
        records = []

        def emit(self, record):
            self.records.append(record)

    root = logging.getLogger()
    collect = Collect(logging.INFO)
    root.addHandler(collect)  # beside the console handler, as the production log sees them
    try:
        assert client.get("/no-such-page/").status_code == 404
        assert client.get("/login/", HTTP_HOST="scanner.example").status_code == 400
    finally:
        root.removeHandler(collect)
    assert [(r.name, r.getMessage()) for r in Collect.records if r.levelno >= logging.WARNING] == []
    assert "DisallowedHost" not in capsys.readouterr().err  # nor printed by Python's last-resort handler
