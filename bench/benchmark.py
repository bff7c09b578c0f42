"""Dashboard benchmark on PostgreSQL (a script, not a test).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench .venv/bin/python bench/benchmark.py --size small
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench .venv/bin/python bench/benchmark.py --size large

Builds the data set (small: one city plan, ~16 thousand reports; large: 14 city plans × 5 years,
each the full 2023 plan of 170 tasks with lead and responsible departments reporting every 旬 of
the year through seed_demo's bulk inserts: ~1.1 million reports, with readings), then times each
dashboard in-process with the Django test client (30+ requests each) and prints the median and
95th-percentile server time and the query count. The database is emptied first; --keep adds only
what is missing; --reuse measures what is there without building (after a migration, say).
Every request computes its page from the database: there is no cache, so the figures are cold.
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.test_settings")

import django  # noqa: E402

django.setup()

import datetime as dt  # noqa: E402

import yaml  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from targets.models import Department, Plan, Target  # noqa: E402
from tasks.management.commands.seed_demo import seed_plan  # noqa: E402
from tasks.models import ProgressReport, Task  # noqa: E402

SIZES = {"small": (1, 1), "large": (14, 5)}
CITIES = [
    "huaihua",
    "changsha",
    "zhuzhou",
    "xiangtan",
    "hengyang",
    "shaoyang",
    "yueyang",
    "changde",
    "zhangjiajie",
    "yiyang",
    "chenzhou",
    "yongzhou",
    "loudi",
    "xiangxi",
]


def build(cities, years):
    source = yaml.safe_load((ROOT / "fixtures" / "huaihua-2023.yaml").read_text(encoding="utf-8"))
    made = 0
    for c in range(cities):
        for y in range(years):
            year = 2023 - y
            code = f"{CITIES[c]}-{year}"
            if Plan.objects.filter(code=code).exists():
                continue
            data = dict(source)
            data["plan"] = {
                **source["plan"],
                "code": code,
                "year": year,
                "issued_on": f"{year}-01-30",
                "published_on": f"{year}-02-01",
            }
            with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False, encoding="utf-8") as fh:
                yaml.safe_dump(data, fh, allow_unicode=True, sort_keys=False)
            call_command("load_plan", fh.name, verbosity=0)
            os.unlink(fh.name)
            started = time.perf_counter()
            seed_plan(Plan.objects.get(code=code), dt.date(year, 12, 31), seed=c * 100 + y)
            made += 1
            print(f"  {code}: seeded in {time.perf_counter() - started:.1f}s", flush=True)
    return made


def measure(client, url, runs):
    client.get(url)  # warm caches and connections
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * len(times))) - 1)]
    return statistics.median(times), p95, len(queries.captured_queries)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="small")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the data in the database, add what is missing")
    parser.add_argument("--reuse", action="store_true", help="measure the data already in the database, build nothing")
    parser.add_argument(
        "--gc-freeze",
        action="store_true",
        help="gc.freeze() before measuring, as a server can after start-up: no full collections of "
        "start-up objects in the middle of a request (those make the p95 without it)",
    )
    args = parser.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL=postgres://…/sb_bench: the benchmark runs on PostgreSQL.")
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    if not args.reuse:
        if not args.keep:
            call_command("flush", interactive=False, verbosity=0)
        build(*SIZES[args.size])
        with connection.cursor() as cursor:
            # As autovacuum would: statistics, and the visibility map that index-only scans rely on.
            cursor.execute("VACUUM ANALYZE")
    reports = ProgressReport.objects.count()
    print(f"data: {Plan.objects.count()} plans, {reports} reports ({time.perf_counter() - started:.0f}s to build)")

    leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"role": "leader"})
    client = Client()
    client.force_login(leader)
    if args.gc_freeze:
        gc.collect()
        gc.freeze()
    plan = Plan.objects.get(code="huaihua-2023")
    target = Target.objects.filter(battle__plan=plan, by_area=True).order_by("id").first()
    task = Task.objects.filter(section__battle__plan=plan).order_by("id").first()
    dept = Department.objects.get(name="市发展改革委")
    as_of = "?as_of=month-11"
    pages = {
        "overview": reverse("dash:overview", args=[plan.code]),
        "battle": reverse("dash:battle", args=[plan.code, 1]),
        "department": reverse("dash:department", args=[plan.code, dept.pk]),
        "target": reverse("dash:target", args=[target.pk]),
        "area": reverse("dash:area", args=[target.pk]),
        "task": reverse("dash:task", args=[task.pk]),
    }
    # Wall-clock figures on a shared machine: the load average says how much else was running.
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{'page':<12}{'median ms':>10}{'p95 ms':>10}{'queries':>9}   ({reports} reports, {args.runs} requests each)")
    for name, url in pages.items():
        median, p95, queries = measure(client, url + as_of, args.runs)
        print(f"{name:<12}{median:>10.1f}{p95:>10.1f}{queries:>9}")
    print(
        f"load average before: {load}, after: {'/'.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} CPUs)"
    )


if __name__ == "__main__":
    main()
