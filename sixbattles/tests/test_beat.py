"""Exactly one beat: a second one on the same database is refused with a message in Chinese, and a
beat killed with SIGKILL leaves no lock behind."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection

from sixbattles import celery as celery_module

ROOT = Path(__file__).resolve().parents[2]


def beat(env, log_path):
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "sixbattles", "beat", "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_for(log_path, text, process, timeout=90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if text in log_path.read_text():
            return
        if process.poll() is not None:
            pytest.fail(f"the beat exited:\n{log_path.read_text()}")
        time.sleep(0.3)
    pytest.fail(f"no {text!r} in the beat's log:\n{log_path.read_text()}")


def test_a_second_beat_on_the_same_database_is_refused_and_a_killed_one_leaves_no_lock(tmp_path):
    """The embedded default (SQLite file, filesystem broker): the real settings, real processes."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "CELERY_"))
    }
    env.update(DJANGO_SETTINGS_MODULE="sixbattles.settings", SECRET_KEY=secrets.token_urlsafe(50))
    env.update(DATA_DIR=str(tmp_path / "data"), DEBUG="0")
    (tmp_path / "data").mkdir()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT, env=env, check=True, capture_output=True
    )
    first = beat(env, tmp_path / "first.log")
    try:
        wait_for(tmp_path / "first.log", "beat: Starting", first)
        second = subprocess.run(
            [sys.executable, "-m", "celery", "-A", "sixbattles", "beat", "--loglevel=INFO"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert second.returncode == 1
        assert "已有一个定时调度进程（celery beat）在使用同一数据库运行，本进程不启动" in second.stderr
        assert first.poll() is None  # the first one runs on
    finally:
        first.kill()  # SIGKILL: no clean-up runs
        first.wait()
    third = beat(env, tmp_path / "third.log")
    try:
        wait_for(tmp_path / "third.log", "beat: Starting", third)
        time.sleep(2)
        assert third.poll() is None, (tmp_path / "third.log").read_text()
    finally:
        third.terminate()
        third.wait()


def test_on_postgresql_the_beat_lock_is_held_by_one_connection_at_a_time(db, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's (run with DATABASE_URL=postgres://…)")
    monkeypatch.setattr(celery_module, "_beat_lock", None)
    assert celery_module.take_beat_lock()
    holder = celery_module._beat_lock
    try:
        assert not celery_module.take_beat_lock()  # another session: refused
    finally:
        holder.close()  # the holder's session ends, as with a killed beat
    assert celery_module.take_beat_lock()
    celery_module._beat_lock.close()
