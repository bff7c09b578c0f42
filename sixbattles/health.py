"""The health endpoint for a load balancer, a monitor or an operator: is the database up, is the
broker reachable."""

import os
import time
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

BROKER_TIMEOUT_SECONDS = 1.0


def database_ok():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def broker_state():
    """'ok', 'unreachable' or 'not configured' (the filesystem transport of the embedded default
    counts as reachable when its folders can be written)."""
    url = settings.CELERY_BROKER_URL
    if url.startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folder = Path(options.get("data_folder_in", ""))
        return "ok" if folder.is_dir() and os.access(folder, os.W_OK) else "unreachable"
    if url.startswith(("redis://", "rediss://")):
        import redis

        try:
            client = redis.Redis.from_url(
                url, socket_connect_timeout=BROKER_TIMEOUT_SECONDS, socket_timeout=BROKER_TIMEOUT_SECONDS
            )
            try:
                client.ping()
            finally:
                client.close()
        except Exception:
            return "unreachable"
        return "ok"
    return "not configured"


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. The broker's state is reported but does
    not fail the check: the site works without it (reports are built once it is back)."""
    started = time.perf_counter()
    db = database_ok()
    broker = broker_state()
    body = {
        "status": "ok" if db else "error",
        "database": "ok" if db else "unreachable",
        "broker": broker,
        "ms": int((time.perf_counter() - started) * 1000),
    }
    return JsonResponse(body, status=200 if db else 503)
