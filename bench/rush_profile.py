"""Server time of the deadline rush's pages on an idle machine (run by bench/rush.sh before the load,
or alone): the median and p95 of N in-process requests each — the login (staff accounts in turn, a
fresh visitor each), home (the first staff account's, and that of the account with the most reports,
whose to-do list is longest), report form, submit (staff) and the dashboard overview (leader) — their
query counts, one Argon2 check alone (the login's share of it, and the page faults per check), and a
pyinstrument profile of one request of each (`--profile`). Submitted reports are removed again, so
the load starts from the same state.

    DATABASE_URL=postgres://… SECRET_KEY=x SECURE_SSL_REDIRECT=0 .venv/bin/python bench/rush_profile.py --profile
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.settings")

import django  # noqa: E402

django.setup()

import gc  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402

from django.contrib.auth.hashers import get_hasher  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from accounts.models import User  # noqa: E402
from targets.models import Plan  # noqa: E402
from tasks import summaries  # noqa: E402
from tasks.models import ProgressReport  # noqa: E402

VERSION = re.compile(r'name="version" value="(\d+)"')
METRIC = re.compile(r'name="(metric_\d+)"')


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(name, call, runs, profile, results, prepare=None):
    """`prepare()`, untimed, before each `call()` (the login form before each login)."""
    prepare = prepare or (lambda: None)
    prepare()
    call()  # warm-up
    times, cpu, queries = [], [], 0
    for _ in range(runs):
        prepare()
        with CaptureQueriesContext(connection) as ctx:
            started, started_cpu = time.perf_counter(), time.process_time()
            call()
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        queries = len(ctx.captured_queries)
    results.append((name, statistics.median(times), percentile(times, 0.95), statistics.median(cpu), queries))
    if profile:
        from pyinstrument import Profiler

        prepare()
        profiler = Profiler(interval=0.0005)
        profiler.start()
        call()
        profiler.stop()
        print(f"\n===== profile: {name} =====")
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    data = json.loads((ROOT / "benchmark-results" / "rush-users.json").read_text())
    gc.freeze()  # as wsgi.py does in production

    staff_names = sorted(data["staff"])
    staff = Client()
    staff.post("/login/", {"username": staff_names[0], "password": data["password"]})
    task_id, period_id = data["staff"][staff_names[0]][0]
    form_url = f"/tasks/{task_id}/report/{period_id}/"
    # The home page grows with the department's tasks (four 旬 of each): also the largest one's.
    busiest = max(staff_names, key=lambda name: (len(data["staff"][name]), name))
    busy = Client()
    busy.force_login(User.objects.get(username=busiest))
    leader = Client()
    leader.post("/login/", {"username": data["leaders"][0], "password": data["password"]})

    # Submits: each run on a (task, 旬) of another account, so every one is a first submission.
    pairs = [(name, pair) for name in staff_names[1:] for pair in data["staff"][name]]
    clients = {}

    def submit():
        """(wall ms, this process's CPU ms) of one first submission, the form fetch not counted."""
        name, (task, period) = pairs.pop(0)
        client = clients.get(name)
        if client is None:
            client = clients[name] = Client()
            client.force_login(User.objects.get(username=name))
        url = f"/tasks/{task}/report/{period}/"
        text = client.get(url).content.decode()
        body = {
            "version": VERSION.search(text).group(1),
            "action": "submit",
            "progress": "本旬召开专题调度会1次。",
            "task_status": "in_progress",
            "problems": "",
            "next_steps": "",
        }
        body.update({m: "10" for m in set(METRIC.findall(text))})
        started, started_cpu = time.perf_counter(), time.process_time()
        response = client.post(url, body)
        elapsed = ((time.perf_counter() - started) * 1000, (time.process_time() - started_cpu) * 1000)
        assert response.status_code == 302, (url, response.status_code)
        return elapsed

    results = []
    # The login: POST /login/ for the staff accounts in turn, each from a fresh visitor (no cookie;
    # the login form fetched first, not counted), as the morning's first logins are. One Client for
    # all: a new one would load the middleware (whitenoise's file scan) inside the measurement.
    visitor = Client()
    logins = iter(staff_names * 3)

    def login_form():
        visitor.cookies.clear()
        visitor.get("/login/")

    def log_in():
        response = visitor.post("/login/", {"username": next(logins), "password": data["password"]})
        assert response.status_code == 302, response.status_code

    measure("login (staff)", log_in, args.runs, args.profile, results, prepare=login_form)
    measure("home (staff)", lambda: staff.get("/"), args.runs, args.profile, results)
    measure("home (staff, most reports)", lambda: busy.get("/"), args.runs, False, results)
    measure("report form", lambda: staff.get(form_url), args.runs, args.profile, results)
    # The submit's own time, without the form fetch that precedes it in submit().
    submit()
    submits = [submit() for _ in range(args.runs)]
    wall = [w for w, _ in submits]
    results.append(
        ("submit", statistics.median(wall), percentile(wall, 0.95), statistics.median(c for _, c in submits), None)
    )
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        submit()
        profiler.stop()
        print("\n===== profile: submit (form fetch included) =====")
        print(profiler.output_text(unicode=False, color=False, show_all=False)[:6000])
    measure(
        "dashboard overview (leader)",
        lambda: leader.get(f"/dashboard/{data['plan']}/"),
        args.runs,
        args.profile,
        results,
    )
    measure("healthz", lambda: Client().get("/healthz"), args.runs, False, results)

    # One Argon2 check alone, with the stored parameters: the login's share of it, and the minor
    # page faults per check (memory the allocator had to fetch afresh from the kernel).
    hasher = get_hasher()
    encoded = hasher.encode(data["password"], hasher.salt())
    hasher.verify(data["password"], encoded)
    checks, faults = [], resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(args.runs):
        started = time.perf_counter()
        hasher.verify(data["password"], encoded)
        checks.append((time.perf_counter() - started) * 1000)
    faults = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / args.runs

    load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
    print(f"\nserver time on this machine, in-process, {args.runs} requests each (ms; load average {load}):")
    print("(cpu = this process's CPU time: the Python side, which the load on a shared machine inflates least)")
    print(f"{'page':32} {'median':>8} {'p95':>8} {'cpu':>8} {'queries':>8}")
    for name, median, p95, cpu, queries in results:
        print(f"{name:32} {median:8.1f} {p95:8.1f} {cpu:8.1f} {queries if queries is not None else '':>8}")
    params = f"t={hasher.time_cost}, m={hasher.memory_cost // 1024} MiB, p={hasher.parallelism}"
    print(
        f"one Argon2 check ({params}): median {statistics.median(checks):.1f} ms, p95 "
        f"{percentile(checks, 0.95):.1f} ms, {faults:.0f} page faults per check"
    )
    # Leave December as the load expects it: nothing reported yet (and the summaries recounted).
    ProgressReport.objects.filter(
        period__plan__code=data["plan"], period__kind="ten_day", period__number__gte=34
    ).delete()
    summaries.rebuild_plan(Plan.objects.get(code=data["plan"]))


if __name__ == "__main__":
    main()
