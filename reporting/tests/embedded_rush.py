"""Run as a script (by test_faults.py): the embedded default — SQLite in a file, real settings — with
dispatch reports building in a thread while department users log in, save drafts and view pages.

Prints one JSON line: requests made, errors (5xx, unexpected status, exceptions), the slowest
request, and how many reports were built meanwhile. Usage: DATA_DIR=… python embedded_rush.py SECONDS
"""

import json
import os
import re
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ["DJANGO_SETTINGS_MODULE"] = "sixbattles.settings"
Path(os.environ["DATA_DIR"]).mkdir(parents=True, exist_ok=True)  # the SQLite file's folder

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402

from reporting.build import build_report  # noqa: E402
from targets.models import Period, Plan  # noqa: E402
from tasks.models import Responsibility  # noqa: E402


def setup():
    quiet = open(os.devnull, "w")  # noqa: SIM115
    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--no-input", verbosity=0)  # DEBUG=0: hashed names from the manifest
    call_command("load_plan", str(ROOT / "fixtures" / "huaihua-2023.yaml"), stdout=quiet)
    call_command("seed_demo", "huaihua-2023", "--until", "2023-02-28", stdout=quiet)
    call_command("create_demo_accounts", "huaihua-2023", stdout=quiet)
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        return cursor.fetchone()[0]


def builder(plan, stop, built, errors):
    """Regenerate month and quarter reports over and over, as a busy worker would."""
    periods = list(Period.objects.filter(plan=plan, kind__in=["month", "quarter"], number__lte=4).order_by("end"))
    kinds = {"month": "monthly_circular", "quarter": "quarterly_summary"}
    try:
        while not stop.is_set():
            for period in periods:
                if stop.is_set():
                    break
                try:
                    report = build_report(plan.id, kinds[period.kind], period.id, None, regenerate=True)
                    if report.status != "ready":
                        errors.append(f"report {report.pk} {report.status}: {report.error}")
                    built.append(report.pk)
                except Exception as exc:
                    errors.append(f"build: {type(exc).__name__}: {exc}")
    finally:
        connections.close_all()


def department_users(plan, seconds, timings, errors):
    """Staff of the departments that lead tasks: log in, home, report form, save a draft, a page."""
    leads = list(
        Responsibility.objects.filter(role="lead", task__isnull=False, section__battle__plan=plan)
        .select_related("department", "task")
        .order_by("id")
    )
    from accounts.models import User

    users = {u.department_id: u.username for u in User.objects.filter(role="staff")}
    pairs = [(users[r.department_id], r.task) for r in leads if r.department_id in users]
    period = Period.objects.get(plan=plan, kind="ten_day", number=14)  # May, not reported by the seed
    deadline = time.monotonic() + seconds
    i = 0
    while time.monotonic() < deadline:
        username, task = pairs[i % len(pairs)]
        i += 1
        client = Client()
        steps = [
            ("login", "post", "/login/", {"username": username, "password": "demo12345"}, {302}),
            ("home", "get", "/", None, {200}),
            ("form", "get", f"/tasks/{task.pk}/report/{period.pk}/", None, {200}),
            (
                "draft",
                "post",
                f"/tasks/{task.pk}/report/{period.pk}/",
                None,  # filled from the form's version below
                {302},
            ),
            ("task", "get", f"/tasks/{task.pk}/", None, {200}),
        ]
        for name, method, url, data, expected in steps:
            if name == "draft":
                try:
                    form = client.get(url)
                except Exception as exc:
                    errors.append(f"draft form {url}: {type(exc).__name__}: {exc}")
                    continue
                match = re.search(r'name="version" value="(\d+)"', form.content.decode())
                if form.status_code != 200 or not match:
                    errors.append(f"draft form {url}: {form.status_code}")
                    continue
                version = match.group(1)
                data = {
                    "version": version,
                    "action": "draft",
                    "progress": f"第{i}次保存：开展调度。",
                    "task_status": "in_progress",
                    "problems": "",
                    "next_steps": "",
                }
            started = time.perf_counter()
            try:
                response = getattr(client, method)(url, data) if data else getattr(client, method)(url)
                status = response.status_code
            except Exception as exc:
                status = f"{type(exc).__name__}: {exc}"
            timings.append((name, time.perf_counter() - started))
            if status not in expected:
                errors.append(f"{name} {url}: {status}")


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 20
    journal = setup()
    plan = Plan.objects.get(code="huaihua-2023")
    stop = threading.Event()
    built, build_errors, timings, errors = [], [], [], []
    thread = threading.Thread(target=builder, args=(plan, stop, built, build_errors))
    thread.start()
    try:
        department_users(plan, seconds, timings, errors)
    finally:
        stop.set()
        thread.join()
    slowest = max(timings, key=lambda t: t[1])
    print(
        json.dumps(
            {
                "journal_mode": journal,
                "requests": len(timings),
                "errors": errors[:20],
                "error_count": len(errors),
                "build_errors": build_errors[:20],
                "reports_built": len(built),
                "slowest": [slowest[0], int(slowest[1] * 1000)],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
