"""The Celery app, configured from Django settings (CELERY_* names)."""

import fcntl
import logging
import os
import sys
from pathlib import Path

from celery import Celery, bootsteps, platforms
from celery.signals import beat_init
from django.utils.translation import gettext_lazy

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.settings")

# What Celery prints when the beat's pid file names a process still running (scripts/serve.sh runs
# exactly one beat): in the operators' language, not Celery's English. Lazy: formatted when printed,
# once Django's settings (LANGUAGE_CODE) are loaded. {0} is the pid file, {1} the running beat's pid.
platforms.PIDLOCKED = gettext_lazy(
    "错误：定时调度进程（celery beat）已在运行（进程号 {1}，pid 文件 {0}），不再启动第二个："
    "两个定时调度会把每项定时任务发送两次。如确需重启，请先停止进程 {1}。"
)

app = Celery("sixbattles")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
log = logging.getLogger(__name__)


def ensure_broker_folders(**_kwargs):
    """kombu's filesystem transport (the embedded default) needs its folders to exist."""
    if not str(app.conf.broker_url or "").startswith("filesystem://"):
        return
    options = app.conf.broker_transport_options or {}
    for key in ("data_folder_in", "data_folder_out", "control_folder"):
        if options.get(key):
            Path(options[key]).mkdir(parents=True, exist_ok=True)


# Before the worker (or a web process publishing a job) first touches the broker.
app.on_after_configure.connect(ensure_broker_folders, weak=False)


class CatchUpOnConnect(bootsteps.StartStopStep):
    """Queues the reports' catch-up each time the worker connects to the broker: at start (reports
    missed during downtime) and when the broker is back after an outage, so that "generate now"
    requests recorded meanwhile, and jobs lost with a restarted Redis, are built then rather than
    at the next hourly run. Extra runs cost nothing: a built report is found ready."""

    requires = {"celery.worker.consumer.tasks:Tasks"}

    def start(self, consumer):
        from django.conf import settings

        if not settings.DISPATCH_CATCH_UP_ON_WORKER_START:
            return
        try:
            consumer.app.send_task("reporting.catch_up_reports")
        except Exception:  # the worker keeps running; the hourly job will catch up
            log.exception("could not queue catch_up_reports on connecting to the broker")


app.steps["consumer"].add(CatchUpOnConnect)


# pg_try_advisory_lock's key: any number no other code of this database locks on.
BEAT_LOCK_KEY = 0x5B_BEA7
BEAT_REFUSED = (
    "错误：已有一个定时调度进程（celery beat）在使用同一数据库运行，本进程不启动："
    "两个定时调度会把每个定时任务各发送一次。请先停止另一个，或只运行一个。\n"
    "Error: another celery beat already runs on this database; this one exits (two would send every job twice)."
)
_beat_lock = None  # held for the life of the process: the lock goes with it, however it ends


def take_beat_lock():
    """True when this process is now the only beat of its database: a PostgreSQL advisory lock on
    a connection of its own (every machine sharing the database sees it), or on the embedded
    SQLite default an flock on a file beside the database. Both are released by the process's
    death, even a SIGKILL, so a stale lock never refuses the next beat."""
    global _beat_lock
    from django.conf import settings
    from django.db import connections

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        holder = connections.create_connection("default")
        with holder.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [BEAT_LOCK_KEY])
            taken = cursor.fetchone()[0]
        if not taken:
            holder.close()
            return False
    else:
        path = Path(settings.DATABASES["default"]["NAME"]).with_suffix(".beat.lock")
        holder = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(holder)
            return False
    _beat_lock = holder
    return True


@beat_init.connect
def refuse_a_second_beat(sender=None, **_kwargs):
    """A beat (standalone or embedded in a worker) starts only if no other beat runs on the same
    database: two would send every scheduled job twice."""
    if not take_beat_lock():
        log.error("another celery beat already runs on this database: this one exits")
        print(BEAT_REFUSED, file=sys.stderr, flush=True)
        raise SystemExit(1)
