"""Sending a job to the Celery broker from a web request or an action, never waiting on a broker
that is down or frozen more than once.

A publish gives up after CELERY_BROKER_TIMEOUT (about a second, no retry). One failure then
stops this process from trying again for PAUSE_SECONDS: an action that queues a job per user
notified (an approval emailing ten people) would otherwise wait a second per job, and log a
traceback per job, while Redis is frozen.
"""

import logging
import time

from kombu.exceptions import KombuError

log = logging.getLogger(__name__)

PAUSE_SECONDS = 30.0
_down_until = 0.0  # time.monotonic() before which this process does not try the broker again


def publish(task, args=(), kwargs=None, optional=False):
    """Queue `task`; False when the broker did not take it (logged in one line, no traceback:
    it is the broker's state, not a bug, and /healthz says so too). `optional`: a job whose loss
    costs only time (warming the dashboards), not logged while the broker is paused."""
    global _down_until
    if time.monotonic() < _down_until:
        (log.debug if optional else log.warning)(
            "broker unreachable: %s not queued (not tried for %d s after a failure)", task.name, PAUSE_SECONDS
        )
        return False
    try:
        task.apply_async(args, kwargs or {})
    except (KombuError, OSError) as exc:
        _down_until = time.monotonic() + PAUSE_SECONDS
        log.warning("broker unreachable: %s not queued (%s: %s)", task.name, type(exc).__name__, exc)
        return False
    _down_until = 0.0
    return True


def reset():
    """Forget a failure (the tests, which change the broker under one process)."""
    global _down_until
    _down_until = 0.0
