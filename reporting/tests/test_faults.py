"""Faults found from outside: the embedded SQLite default under a building worker, "generate now"
with the broker down or frozen, temp files of killed builds, and a catch-up of one report per job."""

import datetime as dt
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from celery.signals import task_prerun
from django.conf import settings
from django.test import Client
from django.urls import reverse

from reporting import build
from reporting.models import BuildRequest, DispatchReport
from reporting.tasks import catch_up_reports, clean_up_on_start
from sixbattles.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def login(client, user):
    client.force_login(user)


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class FrozenListener:
    """A TCP server that accepts connections and never answers, like a Redis stopped with SIGSTOP."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(16)
        self.port = self.server.getsockname()[1]
        self.accepted = []
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.accepted.append(conn)  # held open, never read from or written to

    def close(self):
        self.server.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def real_broker(monkeypatch):
    """Publish for real (the tests otherwise run jobs eagerly) to the broker URL given."""
    from sixbattles import broker

    broker.reset()

    def use(url):
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setitem(celery_app.conf, "broker_url", url)
        monkeypatch.setitem(celery_app.conf, "broker_write_url", None)
        # A producer pool for this URL, not one cached for an earlier test's.
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)

    return use


def generate(client, plan, period, battle="all", regenerate=False):
    """Press "generate now" and follow to the page it leads to."""
    data = {"kind": "monthly_circular", "period": period.id, "battle": battle}
    if regenerate:
        data["regenerate"] = "on"
    return client.post(reverse("reporting:generate", args=[plan.code]), data, follow=True)


def test_regenerate_with_the_broker_down_is_recorded_and_the_catch_up_builds_it(
    plan_admin, seeded, plan, real_broker, monkeypatch
):
    v1 = build.build_report(plan.id, "monthly_circular", seeded["may"].id)
    client = Client()
    login(client, plan_admin)
    real_broker(f"redis://127.0.0.1:{closed_port()}/0")
    response = generate(client, plan, seeded["may"], regenerate=True)
    assert response.status_code == 200
    assert "已记录请求，服务恢复后将自动补生成" in response.content.decode()
    request = BuildRequest.objects.get()
    assert (request.regenerate, request.after_version, request.done_at) == (True, 1, None)
    assert request.requested_by == plan_admin
    assert DispatchReport.objects.filter(kind="monthly_circular", period=seeded["may"]).count() == 1

    monkeypatch.undo()  # the broker is back (jobs run eagerly again)
    # The hourly catch-up: "now" is 1 June 2023, before May's reports are due, so only the request runs.
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2023, 6, 1, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    catch_up_reports()
    v2 = DispatchReport.objects.get(kind="monthly_circular", period=seeded["may"], is_current=True)
    assert (v2.version, v2.status, v2.generated_by) == (2, "ready", plan_admin)
    v1.refresh_from_db()
    assert not v1.is_current
    request.refresh_from_db()
    assert request.done_at is not None
    catch_up_reports()  # honoured once: no third version
    assert DispatchReport.objects.filter(kind="monthly_circular", period=seeded["may"]).count() == 2


def test_generate_now_with_a_frozen_broker_answers_in_about_a_second_and_records_the_request(
    office_dev, seeded, plan, real_broker
):
    listener = FrozenListener()
    client = Client()
    login(client, office_dev)
    battle = plan.battles.get(number=1)
    real_broker(f"redis://127.0.0.1:{listener.port}/0")
    try:
        started = time.monotonic()
        response = generate(client, plan, seeded["may"], battle.id)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert listener.accepted, "the publisher never reached the frozen broker"
    assert response.status_code == 200 and "已记录请求" in response.content.decode()
    # CELERY_BROKER_TIMEOUT is 1 s and publishing is not retried; without them this blocks for good.
    assert elapsed < 3.5, f"generate now took {elapsed} s against a frozen broker"
    assert BuildRequest.objects.filter(battle=battle, done_at__isnull=True).count() == 1


def test_a_worker_keeps_reconnecting_to_a_broker_that_stays_down_instead_of_exiting(monkeypatch):
    """The worker's consumer (and the beat) reconnect with kombu's ensure_connection and the app's
    retry budget; an exhausted budget ends the process, and scripts/serve.sh the site with it."""
    from kombu.utils import functional

    monkeypatch.setattr(functional, "sleep", lambda _seconds: None)  # kombu's waits (2, 4 … 30 s) skipped

    class Enough(Exception):
        pass

    attempts = []

    def errback(_exc, _interval):
        attempts.append(1)
        if len(attempts) > 150:  # Celery's default budget is 100 attempts (about 47 minutes)
            raise Enough

    connection = celery_app.connection_for_read(f"redis://127.0.0.1:{closed_port()}/0")
    try:
        with pytest.raises(Enough):
            connection.ensure_connection(errback, celery_app.conf.broker_connection_max_retries)
    finally:
        connection.release()


def test_generate_now_with_the_broker_up_marks_its_request_done(client, office_dev, seeded, plan):
    login(client, office_dev)
    battle = plan.battles.get(number=1)
    generate(client, plan, seeded["may"], battle.id)
    assert BuildRequest.objects.get().done_at is not None
    assert DispatchReport.objects.get(kind="monthly_circular", battle=battle).status == "ready"


def test_worker_start_removes_temp_files_of_killed_builds_and_keeps_reports(tmp_path):
    root = Path(settings.REPORTS_ROOT)
    folder = root / "1" / "monthly_circular"
    folder.mkdir(parents=True)
    leftovers = [folder / ".tmp-k3j2h1.docx", folder / ".tmp-a8b7c6.xlsx", root / ".tmp-zz.docx"]
    for path in leftovers:
        path.write_bytes(b"PK\x03\x04 half written")
    report = folder / "7-all-v1.docx"
    report.write_bytes(b"PK\x03\x04 a finished report")
    clean_up_on_start(sender=None)  # the worker_ready hook
    assert [p for p in leftovers if p.exists()] == []
    assert report.read_bytes() == b"PK\x03\x04 a finished report"


def test_a_cleaner_beside_a_running_build_keeps_its_fresh_temp_files(tmp_path):
    root = Path(settings.REPORTS_ROOT)
    root.mkdir(parents=True)
    fresh, old = root / ".tmp-fresh.docx", root / ".tmp-old.docx"
    fresh.write_bytes(b"being written")
    old.write_bytes(b"left by a killed build")
    hour_ago = time.time() - 3600
    os.utime(old, (hour_ago, hour_ago))
    # Another process building holds the shared lock: only files older than the time limit go.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_RDONLY); "
            "fcntl.flock(fd, fcntl.LOCK_SH); print('locked', flush=True); time.sleep(60)",
            str(root),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        assert build.clean_temp_files() == 1
    finally:
        holder.kill()
        holder.wait()
    assert fresh.exists() and not old.exists()
    assert build.clean_temp_files() == 1  # nobody builds now: the rest goes too
    assert not fresh.exists()


def test_catch_up_builds_one_report_per_job_then_closes_the_period(plan, monkeypatch):
    from django.utils import timezone

    # 3 Feb 2023: January's three 旬 and the month are due (briefings, circulars, slips).
    monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2023, 2, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai")))
    jobs = []

    def record(sender=None, task=None, args=None, kwargs=None, **_):
        jobs.append((task.name, tuple(args)))

    task_prerun.connect(record)
    try:
        queued = catch_up_reports()
    finally:
        task_prerun.disconnect(record)
    builds = [args for name, args in jobs if name == "reporting.build_dispatch_report"]
    finishes = [args for name, args in jobs if name == "reporting.finish_period"]
    # Every build job carries exactly one report: (plan, kind, period, battle).
    assert len(builds) == len(set(builds)) and all(len(args) == 4 for args in builds)
    battles = plan.battles.count()
    # 3 旬 × (battles + whole plan) briefings; January: circulars (battles + plan) and a slip per battle.
    assert len(builds) == 3 * (battles + 1) + (battles + 1) + battles
    assert len(finishes) == 4 and queued == len(builds) + len(finishes)
    assert plan.periods.get(kind="month", number=1).closed_at is not None
    assert not build.missing_reports(plan, timezone.now())
    jobs.clear()
    assert catch_up_reports() == 0  # idempotent: nothing missing, nothing queued


@pytest.mark.worker
def test_the_embedded_sqlite_default_serves_departments_while_reports_build(tmp_path):
    """A real SQLite file in WAL mode, reports regenerating in a thread, staff logging in, saving
    drafts and viewing pages at the same time: no error, no request waiting on the write lock."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    env.update(
        DATA_DIR=str(tmp_path / "data"),
        SECRET_KEY="embedded-rush-test",
        SECURE_SSL_REDIRECT="0",
        LOG_LEVEL="ERROR",
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "reporting" / "tests" / "embedded_rush.py"), "20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["journal_mode"] == "wal"
    assert outcome["reports_built"] >= 2, outcome
    assert outcome["requests"] >= 20, outcome
    assert outcome["error_count"] == 0 and outcome["build_errors"] == [], outcome
    # Before the fix a login waited 21 s for the worker's write lock and then failed.
    assert outcome["slowest"][1] < 10_000, outcome


def test_an_approval_telling_many_people_with_a_frozen_broker_waits_one_timeout_not_one_per_message(
    client, plan, departments, office_dev, staff_culture, real_broker, caplog, django_capture_on_commit_callbacks
):
    """Approving emails every staff user of the department and pushes to its robot: six jobs. Each
    publish to a frozen Redis gives up after a second; the first failure stops the rest."""
    from accounts.models import GroupRobot, Notification
    from conftest import make_user
    from tasks.models import ProgressReport, Task
    from tasks.summaries import rebuild as rebuild_summaries
    from tasks.tests.helpers import ten_day

    staff_culture.email = "culture@example.gov"
    staff_culture.save(update_fields=["email"])
    for n in range(4):
        make_user(f"culture{n}", "staff", departments["culture"], email=f"culture{n}@example.gov")
    GroupRobot.objects.create(
        department=departments["culture"], name="文旅局工作群", kind="wecom", webhook_url="http://127.0.0.1:9/hook"
    )
    report = ProgressReport.objects.create(
        task=Task.objects.get(section__battle__plan=plan, section__battle__number=1, section__number=1, number=2),
        department=departments["culture"],
        period=ten_day(plan, 14),
        status=ProgressReport.Status.SUBMITTED,
        progress="旅游消费进展",
        submitted_at=dt.datetime(2023, 5, 18, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
    )
    rebuild_summaries()
    listener = FrozenListener()
    real_broker(f"redis://127.0.0.1:{listener.port}/0")
    login(client, office_dev)
    try:
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):  # the jobs are queued on commit
            response = client.post(reverse("tasks:report_approve", args=[report.pk]))
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == "approved"
    assert Notification.objects.filter(user__department=departments["culture"], kind="approved").count() == 5
    assert elapsed < 3.5, f"the approval took {elapsed:.1f} s against a frozen broker"
    # One line per job not queued, and no traceback: the broker's state is not a bug.
    refused = [r for r in caplog.records if "not queued" in r.getMessage()]
    assert len(refused) == 6 and not any(r.exc_info for r in refused)


def test_with_the_broker_down_a_report_is_taken_and_the_next_reader_judges_its_battle(
    client, plan, leader, staff_science, settings, real_broker, django_capture_on_commit_callbacks, caplog
):
    """The worker's warming of the dashboards is lost with the broker: it costs the report nothing
    and the next reader the judging; after the first failure it is not even logged."""
    from reporting.tests.test_dashboard_cache import AS_OF, submit
    from tasks.tests.helpers import task, ten_day

    settings.DASHBOARDS_WARM = True
    url = reverse("dash:overview", args=[plan.code])
    client.force_login(leader)
    client.get(url, AS_OF)
    real_broker(f"redis://127.0.0.1:{closed_port()}/0")
    for n in (14, 15):
        with django_capture_on_commit_callbacks(execute=True):
            report = submit(client, staff_science, task(2, 1, 1), ten_day(plan, n))
        assert report.status == "submitted"
    warnings = [r for r in caplog.records if "warm_dashboards" in r.getMessage()]
    assert len(warnings) == 1  # the first failure; the second is skipped during the pause, quietly
    client.force_login(leader)
    response = client.get(url, AS_OF)
    assert [t.name for t in response.templates].count("dashboards/_overview_card.html") == 1  # battle 2's
