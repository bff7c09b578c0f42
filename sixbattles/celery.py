"""The Celery app, configured from Django settings (CELERY_* names)."""

import logging
import os
from pathlib import Path

from celery import Celery, bootsteps, platforms
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
