"""The health endpoint: the database checked (503 when it is down), the broker's state reported."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.test import override_settings

ROOT = Path(settings.BASE_DIR)


def closed_port():
    """A local port nothing listens on (bound, then released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_health_answers_ok_with_the_database_up_without_login(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_health_reports_an_unreachable_redis_broker_but_stays_up(client, db):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {**response.json(), "database": "ok", "broker": "unreachable"}


def test_health_reports_a_reachable_filesystem_broker(client, db, tmp_path):
    folder = tmp_path / "queue"
    folder.mkdir()
    with override_settings(
        CELERY_BROKER_URL="filesystem://", CELERY_BROKER_TRANSPORT_OPTIONS={"data_folder_in": str(folder)}
    ):
        assert client.get("/healthz").json()["broker"] == "ok"
        folder.rmdir()
        assert client.get("/healthz").json()["broker"] == "unreachable"


def test_health_answers_503_when_the_database_is_down(tmp_path):
    """The real settings in production mode, PostgreSQL on a port where nothing listens."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "sixbattles.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "1",  # the probe is exempt from the HTTPS redirect
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{closed_port()}/nothing",
        "REDIS_URL": f"redis://127.0.0.1:{closed_port()}/0",
    }
    code = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(json.dumps([r.status_code, r.json()]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    status, body = json.loads(result.stdout.strip().splitlines()[-1])
    assert status == 503
    assert body["status"] == "error" and body["database"] == "unreachable" and body["broker"] == "unreachable"
