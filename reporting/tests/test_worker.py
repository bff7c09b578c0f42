"""A real Celery worker, over Redis, against the test database: end to end, and killed mid-job.

The worker is a subprocess, so it needs a database it can share: PostgreSQL (SQLite's in-memory
test database lives only in this process). The job is published to Redis at TEST_REDIS_URL.
"""

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from docx import Document

from conftest import require_service
from reporting.models import DispatchReport

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def redis_broker():
    import redis

    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
        client.ping()
    except Exception:
        require_service("redis")
    client.flushdb()  # a clean queue: no job left over from another run
    yield REDIS_URL
    client.flushdb()


@pytest.fixture
def shared_db():
    if connection.vendor != "postgresql":
        pytest.skip("a worker subprocess needs a shared database (run with DATABASE_URL=postgres://…)")
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def start_worker(database_url, broker_url, tmp_path, catch_up="0"):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sixbattles.settings",
        "SECRET_KEY": "worker-test",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": broker_url,
        "REDIS_URL": "",
        "DATA_DIR": str(tmp_path / "data"),
        "REPORTS_ROOT": str(settings.REPORTS_ROOT),
        "DB_CONN_MAX_AGE": "0",
        # Only the job under test: the start-up catch-up would build the whole year first.
        "DISPATCH_CATCH_UP_ON_WORKER_START": catch_up,
    }
    log = (tmp_path / "worker.log").open("w")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "sixbattles",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"test{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def send(broker_url, *args):
    from sixbattles.celery import app

    # The test settings run tasks eagerly; send_task always publishes, which is what we want here.
    with app.connection_for_write(broker_url) as conn, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        app.send_task("reporting.build_dispatch_report", args=list(args), connection=conn)


def wait_for(predicate, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    return None


def stop(worker):
    if worker.poll() is None:
        worker.send_signal(signal.SIGTERM)
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def ready_report(period):
    return DispatchReport.objects.filter(kind="monthly_circular", period=period, battle=None, status="ready").first()


def test_a_real_worker_builds_a_report_end_to_end(seeded, plan, redis_broker, shared_db, tmp_path):
    worker = start_worker(shared_db, redis_broker, tmp_path)
    try:
        send(redis_broker, plan.id, "monthly_circular", seeded["may"].id)
        report = wait_for(lambda: ready_report(seeded["may"]))
        assert report is not None, (tmp_path / "worker.log").read_text()
    finally:
        stop(worker)
    doc = Document(settings.REPORTS_ROOT / report.docx_path)
    assert any("社会消费品零售总额" in c.text for t in doc.tables for row in t.rows for c in row.cells)


def test_a_worker_killed_mid_job_then_a_rerun_leave_one_complete_report(
    seeded, plan, redis_broker, shared_db, tmp_path
):
    import psycopg

    from reporting.build import claim

    # Hold the report's row lock from another connection: the worker claims the row, then waits
    # in the middle of the job, where it is killed.
    row = claim(plan.id, "monthly_circular", seeded["may"], None)
    blocker = psycopg.connect(shared_db.replace("postgres://", "postgresql://"), autocommit=False)
    blocker.execute("SELECT id FROM reporting_dispatchreport WHERE id = %s FOR UPDATE", [row.pk])
    worker = start_worker(shared_db, redis_broker, tmp_path)
    try:
        send(redis_broker, plan.id, "monthly_circular", seeded["may"].id)
        log = tmp_path / "worker.log"
        assert wait_for(lambda: "received" in log.read_text()), log.read_text()
        time.sleep(0.5)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        blocker.rollback()
        blocker.close()
        stop(worker)
    row.refresh_from_db()
    assert row.status == "building"
    assert not list(Path(settings.REPORTS_ROOT).rglob("*.docx"))  # nothing half-written

    worker = start_worker(shared_db, redis_broker, tmp_path)
    try:
        send(redis_broker, plan.id, "monthly_circular", seeded["may"].id)  # the rerun
        report = wait_for(lambda: ready_report(seeded["may"]))
        assert report is not None, (tmp_path / "worker.log").read_text()
    finally:
        stop(worker)
    assert DispatchReport.objects.filter(kind="monthly_circular", period=seeded["may"]).count() == 1
    assert report.pk == row.pk
    assert Document(settings.REPORTS_ROOT / report.docx_path).paragraphs
    assert not [p for p in Path(settings.REPORTS_ROOT).rglob(".tmp-*")]


class CuttableProxy:
    """A TCP relay to Redis that can be cut (connections dropped, port closed) and restored on the
    same port: the broker going down and coming back, without touching the shared Redis."""

    def __init__(self, target_port):
        self.target_port = target_port
        self.conns = []
        self.server = None
        self.port = 0
        self.restore()

    def restore(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port))
        self.port = self.server.getsockname()[1]
        self.server.listen(16)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return  # cut
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def cut(self):
        self.server.close()
        for s in self.conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        self.conns = []


def test_a_generate_now_recorded_while_the_broker_was_down_runs_when_it_is_back(
    seeded, plan, plan_admin, redis_broker, shared_db, tmp_path
):
    from urllib.parse import urlsplit

    from reporting.models import BuildRequest

    # No period is due yet (the worker runs on today's clock): its catch-up has only the request.
    plan.report_delay_hours = 32000
    plan.save(update_fields=["report_delay_hours"])
    redis = urlsplit(redis_broker)
    proxy = CuttableProxy(redis.port or 6379)
    log = tmp_path / "worker.log"
    worker = start_worker(shared_db, f"redis://127.0.0.1:{proxy.port}{redis.path}", tmp_path, catch_up="1")
    try:
        assert wait_for(lambda: "catch_up_reports" in log.read_text() and "succeeded" in log.read_text()), (
            log.read_text()
        )
        proxy.cut()
        assert wait_for(lambda: "Cannot connect" in log.read_text() or "lost" in log.read_text()), log.read_text()
        # "Generate now" meanwhile: the web process recorded it and could not publish it.
        request = BuildRequest.objects.create(
            plan=plan, kind="monthly_circular", period=seeded["may"], requested_by=plan_admin
        )
        proxy.restore()
        # Well before the next hourly catch-up.
        assert wait_for(lambda: ready_report(seeded["may"]), timeout=60), log.read_text()
    finally:
        stop(worker)
        proxy.cut()
    request.refresh_from_db()
    assert request.done_at is not None
    assert DispatchReport.objects.filter(kind="monthly_circular", period=seeded["may"]).count() == 1
