"""The production mode of the README (scripts/serve.sh) in a real browser: DEBUG=0, gunicorn,
whitenoise's hashed and compressed static files, the worker and beat, the health endpoint."""

import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url):
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, json.loads(response.read())


def wait_until_healthy(url, process, log_path, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("scripts/serve.sh exited:\n" + log_path.read_text())
        try:
            return get_json(url)
        except OSError:
            time.sleep(0.5)
    pytest.fail("scripts/serve.sh did not answer /healthz in time:\n" + log_path.read_text())


@pytest.fixture(scope="module")
def production_server(tmp_path_factory):
    """scripts/serve.sh on a free port over a fresh SQLite database, with the 2023 plan and the demo
    accounts; stopped (with its worker and beat) after this module's tests."""
    tmp_path = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="sixbattles.settings",
        SECRET_KEY=secrets.token_urlsafe(50),
        DATA_DIR=str(tmp_path / "data"),
        PORT=str(port),
        SERVE_SKIP_SETUP="1",
        # Plain HTTP on the machine itself; behind nginx with TLS these stay at their secure defaults.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DISPATCH_CATCH_UP_ON_WORKER_START="0",
        RESTART_DELAY="1",
    )
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            ["scripts/serve.sh"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_healthy(f"{base}/healthz", process, log_path)
        for command in (
            ["load_plan", "fixtures/huaihua-2023.yaml"],
            ["create_demo_accounts", "huaihua-2023"],
        ):
            subprocess.run(
                [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, capture_output=True, timeout=300
            )
        yield base, tmp_path
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def styles(page):
    return page.evaluate(
        """() => {
            const bar = document.querySelector('.topbar');
            return {
                body: getComputedStyle(document.body).backgroundColor,
                font: getComputedStyle(document.body).fontFamily,
                topbar: bar ? getComputedStyle(bar).backgroundColor : null,
                sheets: [...document.styleSheets].map(s => s.href),
            };
        }"""
    )


def test_the_production_mode_serves_styled_pages_and_answers_the_health_check(
    production_server, browser, screenshot_dir
):
    base, tmp_path = production_server
    status, body = get_json(f"{base}/healthz")
    assert status == 200
    assert body["status"] == "ok" and body["database"] == "ok" and body["broker"] == "ok"
    # collectstatic ran: hashed, compressed copies of app.css.
    collected = tmp_path / "data" / "static" / "css"
    hashed = [p.name for p in collected.glob("app.*.css")]
    assert any(re.fullmatch(r"app\.[0-9a-f]{12}\.css", name) for name in hashed), hashed
    assert list(collected.glob("app.*.css.gz"))

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}/login/")
        login = styles(page)
        assert any(re.search(r"/static/css/app\.[0-9a-f]{12}\.css$", href or "") for href in login["sheets"]), login
        # app.css: body on --bg (#f6f8fa), the CJK font stack, the red top bar.
        assert login["body"] == "rgb(246, 248, 250)"
        assert "Noto Sans CJK SC" in login["font"]
        page.screenshot(path=str(screenshot_dir / "production-01-login.png"), full_page=True)

        page.fill("#id_username", "leader")
        page.fill("#id_password", "demo12345")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)  # a leader lands on the overview
        home = styles(page)
        assert home["topbar"] == "rgb(200, 16, 46)"
        page.goto(f"{base}/dashboard/huaihua-2023/")
        assert page.locator("h1").count() >= 1
        dashboard = styles(page)
        assert dashboard["topbar"] == "rgb(200, 16, 46)" and dashboard["body"] == "rgb(246, 248, 250)"
        page.screenshot(path=str(screenshot_dir / "production-02-dashboard.png"), full_page=True)
    finally:
        context.close()

    # The static file itself: far-future cache and a compressed body for a browser that accepts it.
    href = next(h for h in login["sheets"] if h and "app." in h)
    request = urllib.request.Request(href, headers={"Accept-Encoding": "gzip"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        assert "immutable" in response.headers["Cache-Control"]


def test_after_a_report_submitted_in_the_browser_the_worker_judges_its_battle_again(
    production_server, browser, screenshot_dir
):
    """The worker and the web processes share the dashboards' cache (files under DATA_DIR): the
    report's battle is judged again by the worker, with no dashboard requested, for the next reader."""
    base, tmp_path = production_server
    worker_log = tmp_path / "data" / "logs" / "worker.log"
    cache_dir = tmp_path / "data" / "cache" / "dashboards"
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        page.goto(f"{base}/login/")
        page.fill("#id_username", "shangwuju")
        page.fill("#id_password", "demo12345")
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/login/" not in url)
        page.goto(f"{base}/?as_of=2023-05-15")
        page.locator("#todo-due .todo-item").first.get_by_role("link", name="填报").click()
        page.fill("#id_progress", "开展消费季活动3场。")
        before = {p.name for p in cache_dir.glob("*")}
        page.get_by_role("button", name="提交").click()
        page.wait_for_selector("text=报告已提交")
        page.screenshot(path=str(screenshot_dir / "production-03-submitted.png"), full_page=True)
    finally:
        context.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and "reporting.warm_dashboards" not in worker_log.read_text():
        time.sleep(0.5)
    log = worker_log.read_text()
    assert re.search(r"Task reporting\.warm_dashboards\[[^]]+\] succeeded", log), log
    assert {p.name for p in cache_dir.glob("*")} - before  # judged and kept by the worker


def worker_main_pid(port):
    """The oldest process named for this server's worker (its pool's children come after it)."""
    found = subprocess.run(["pgrep", "-o", "-f", f"sixbattles-{port}@"], capture_output=True, text=True)
    return int(found.stdout) if found.returncode == 0 else None


def test_a_killed_worker_is_started_again_while_the_site_keeps_serving(production_server):
    base, tmp_path = production_server
    port = int(base.rsplit(":", 1)[1])
    worker_log = tmp_path / "data" / "logs" / "worker.log"
    first = worker_main_pid(port)
    assert first is not None
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + 60
    restarted = None
    while time.monotonic() < deadline:
        assert get_json(f"{base}/healthz")[0] == 200  # the site never stops answering
        restarted = worker_main_pid(port)
        if restarted not in (None, first):
            break
        time.sleep(0.5)
    assert restarted not in (None, first), worker_log.read_text()
    assert "重新启动" in worker_log.read_text()
    # The new worker comes up: it logs that it is ready, as the first one did.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and worker_log.read_text().count(" ready.") < 2:
        time.sleep(0.5)
    assert worker_log.read_text().count(" ready.") >= 2
