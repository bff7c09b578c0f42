"""Dashboard benchmark on PostgreSQL (a script, not a test).

Build the two data sets (bench/build.py: bulk loading, a few minutes for the large one):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench10k .venv/bin/python bench/benchmark.py --build small
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_bench1m .venv/bin/python bench/benchmark.py --build large

(small: the 2023 plan, ~17 thousand reports; large: 14 cities × 5 years = 70 plans, ~1.2 million
reports.) Then measure every dashboard on both in one run:

    .venv/bin/python bench/benchmark.py --runs 40 \\
        10k=postgres://postgres@127.0.0.1:5432/sb_bench10k 1M=postgres://postgres@127.0.0.1:5432/sb_bench1m

Each round requests, in turn and on each database, every dashboard page, the cheapest
authenticated page (/account/) and a raw SQL floor (one SELECT 1 through Django's connection),
in-process with the Django test client as a leader, so that a burst of load from elsewhere on a
shared machine hits every page alike. It prints the median and 95th percentile per page, the
page's p95 ÷ the account page's p95 and, with two databases, the second's p95 ÷ the first's.

Each dashboard is timed four times per round: as served between writes ("kept": its judged body
from the dashboards cache, reporting/dashboards.py page_body); as on the first view after a report
once the worker has judged its battle again ("after a report": one battle's token and one task's
renewed, as a submission or approval on that task renews them, battles 1 to 6 in turn, the task
never the measured task page's (its own report renews that page, which the worker leaves), then
reporting.dashboards.warm run as the worker runs it after the report commits; its own time is the
"worker:" row); as on a view after a report before the worker is done ("after a report, no
worker": the overview and the battle page judge that battle in the request and take the others'
from the cache); and as computed from nothing ("computed": the cache emptied just before the
request, as after a change to the plan itself). The dashboards' cache is the production one: files
in a temporary folder.
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

from django.conf import settings  # noqa: E402
from django.core.cache import caches  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, connections, transaction  # noqa: E402
from django.db.utils import load_backend  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, override_settings  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402
from bench.build import build  # noqa: E402
from reporting import dashboards  # noqa: E402
from sixbattles.settings import database_from_url  # noqa: E402
from targets.changes import battle_figures_changed  # noqa: E402
from targets.models import Battle, Department, Plan, Target  # noqa: E402
from tasks.models import ProgressReport, Task  # noqa: E402
from tasks.summaries import task_figures_changed  # noqa: E402

SIZES = {"small": (1, 1), "large": (14, 5)}
AS_OF = ""  # the period a leader lands on (the latest ended 旬 with reports: the whole year)
DASHBOARDS = ("overview", "battle", "department", "target", "area", "task")
COMPUTED = " (computed)"
AFTER_REPORT = " (after a report)"
BEFORE_WORKER = " (after a report, no worker)"
WARM = "worker: judge again after a report"
FLOOR = "sql floor"
CHEAPEST = "account"
VARIANTS = (AFTER_REPORT, BEFORE_WORKER, COMPUTED)


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, int(round(fraction * len(ordered))) - 1))]


class Database:
    """One benchmark database: its own connection object (swapped in as "default"), client and pages."""

    def __init__(self, label, url):
        settings_dict = connections.configure_settings({"default": database_from_url(url)})["default"]
        self.label = label
        self.wrapper = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
        self.use()
        call_command("migrate", verbosity=0)
        self.reports = ProgressReport.objects.count()
        self.plans = Plan.objects.count()
        leader, _ = User.objects.get_or_create(username="bench-leader", defaults={"role": "leader"})
        self.client = Client()
        self.client.force_login(leader)
        plan = Plan.objects.get(code="huaihua-2023")
        target = Target.objects.filter(battle__plan=plan, by_area=True).order_by("id").first()
        task = Task.objects.filter(section__battle__plan=plan).order_by("id").first()
        dept = Department.objects.get(name="市发展改革委")
        self.urls = {
            "overview": reverse("dash:overview", args=[plan.code]) + AS_OF,
            "battle": reverse("dash:battle", args=[plan.code, 1]) + AS_OF,
            "department": reverse("dash:department", args=[plan.code, dept.pk]) + AS_OF,
            "target": reverse("dash:target", args=[target.pk]) + AS_OF,
            "area": reverse("dash:area", args=[target.pk]) + AS_OF,
            "task": reverse("dash:task", args=[task.pk]) + AS_OF,
            CHEAPEST: reverse("accounts:profile"),
        }
        self.battles = list(Battle.objects.filter(plan=plan).order_by("number").values_list("pk", flat=True))
        # A report's task in each battle: another than the measured task page's.
        self.report_tasks = [
            Task.objects.filter(section__battle_id=pk)
            .exclude(pk=task.pk)
            .order_by("id")
            .values_list("pk", flat=True)[0]
            for pk in self.battles
        ]
        self.reports_made = {}  # per page: each page sees a report in battles 1 to 6 in turn
        self.plan_id = plan.pk
        variants = [d + v for v in VARIANTS for d in DASHBOARDS]
        self.times = {name: [] for name in [*self.urls, *variants, WARM, FLOOR]}
        self.queries = {}

    def use(self):
        connections["default"] = self.wrapper

    def warm_up(self):
        self.use()
        for name, url in self.urls.items():
            self.client.get(url)
            with CaptureQueriesContext(connection) as queries:
                response = self.client.get(url)
            assert response.status_code == 200, (self.label, url, response.status_code)
            self.queries[name] = len(queries.captured_queries)
            if name in DASHBOARDS:
                self.report_made(name)
                dashboards.warm(self.plan_id)
                with CaptureQueriesContext(connection) as queries:
                    self.client.get(url)
                self.queries[name + AFTER_REPORT] = len(queries.captured_queries)
                self.report_made(name)
                with CaptureQueriesContext(connection) as queries:
                    self.client.get(url)
                self.queries[name + BEFORE_WORKER] = len(queries.captured_queries)
                caches["dashboards"].clear()
                with CaptureQueriesContext(connection) as queries:
                    self.client.get(url)
                self.queries[name + COMPUTED] = len(queries.captured_queries)
        self.queries[FLOOR] = 1
        self.queries[WARM] = 0

    def report_made(self, name):
        """What a submission or approval on a task of the next battle does to the tokens."""
        made = self.reports_made.get(name, 0)
        with transaction.atomic():
            battle_figures_changed([self.battles[made % len(self.battles)]])
            task_figures_changed([self.report_tasks[made % len(self.battles)]])
        self.reports_made[name] = made + 1

    def round(self):
        """One request of every page and one floor query, timed."""
        self.use()
        for name, url in self.urls.items():
            if name in DASHBOARDS:
                self.client.get(url)  # every battle kept
                self.report_made(name)
                started = time.perf_counter()
                dashboards.warm(self.plan_id)  # what the worker does once the report commits
                self.times[WARM].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                response = self.client.get(url)
                self.times[name + AFTER_REPORT].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (self.label, url, response.status_code)
                self.report_made(name)  # a reader who comes before the worker is done judges the battle
                started = time.perf_counter()
                response = self.client.get(url)
                self.times[name + BEFORE_WORKER].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (self.label, url, response.status_code)
                caches["dashboards"].clear()  # as after a change to the plan: the page is computed
                started = time.perf_counter()
                response = self.client.get(url)
                self.times[name + COMPUTED].append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200, (self.label, url, response.status_code)
            started = time.perf_counter()
            response = self.client.get(url)
            self.times[name].append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (self.label, url, response.status_code)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        self.times[FLOOR].append((time.perf_counter() - started) * 1000)

    def p95(self, name):
        return percentile(self.times[name], 0.95)


def report(databases, runs):
    names = [*DASHBOARDS, *(d + v for v in VARIANTS for d in DASHBOARDS), CHEAPEST, FLOOR, WARM]
    for db in databases:
        cheapest = db.p95(CHEAPEST)
        print(f"\n{db.label}: {db.plans} plans, {db.reports} reports, {runs} requests per page")
        print(f"{'page':<36}{'median ms':>10}{'p95 ms':>9}{'p95 ÷ account':>15}{'queries':>9}")
        for name in names:
            times = db.times[name]
            print(
                f"{name:<36}{statistics.median(times):>10.1f}{db.p95(name):>9.1f}"
                f"{db.p95(name) / cheapest:>15.2f}{db.queries[name]:>9}"
            )
    if len(databases) == 2:
        small, large = databases
        print(f"\n{'page':<36}{f'p95 {large.label} ÷ {small.label}':>16}{'median ratio':>14}")
        for name in names:
            ratio = large.p95(name) / small.p95(name)
            median = statistics.median(large.times[name]) / statistics.median(small.times[name])
            print(f"{name:<36}{ratio:>16.2f}{median:>14.2f}")


def create_database(settings_dict):
    """Create the benchmark database if it does not exist yet (through the server's "postgres" database)."""
    import psycopg
    from psycopg import sql

    name = settings_dict["NAME"]
    params = {
        "dbname": "postgres",
        "host": settings_dict["HOST"] or None,
        "port": settings_dict["PORT"] or None,
        "user": settings_dict["USER"] or None,
        "password": settings_dict["PASSWORD"] or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "databases", nargs="*", metavar="LABEL=URL", help="databases to measure (default: DATABASE_URL)"
    )
    parser.add_argument("--build", choices=SIZES, help="empty DATABASE_URL's database and build this size, then stop")
    parser.add_argument("--runs", type=int, default=40, help="requests per page and database")
    parser.add_argument(
        "--no-gc-freeze",
        action="store_true",
        help="measure without gc.freeze() (production calls it after start-up, sixbattles/wsgi.py)",
    )
    args = parser.parse_args()
    if (args.build or not args.databases) and connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL=postgres://…: the benchmark runs on PostgreSQL.")
    if args.build:
        create_database(connection.settings_dict)
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        call_command("flush", interactive=False, verbosity=0)
        build(*SIZES[args.build], log=lambda line: print(line, flush=True))
        print(
            f"built {Plan.objects.count()} plans, {ProgressReport.objects.count()} reports "
            f"in {time.perf_counter() - started:.0f}s"
        )
        return
    # The dashboards' cache as in production: files, shared by the web processes and the worker.
    dashboards_cache = {
        **settings.CACHES["dashboards"],
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    }
    dashboards_cache["LOCATION"] = tempfile.mkdtemp(prefix="sb-bench-dashboards-")
    override_settings(CACHES={**settings.CACHES, "dashboards": dashboards_cache}).enable()
    pairs = [item.partition("=") for item in args.databases] or [("db", "=", os.environ["DATABASE_URL"])]
    databases = [Database(label, url) for label, _, url in pairs]
    if any(db.wrapper.vendor != "postgresql" for db in databases):
        sys.exit("Every database must be PostgreSQL (postgres://…).")
    for db in databases:
        db.warm_up()
    if not args.no_gc_freeze:
        gc.collect()
        gc.freeze()
    # Wall-clock figures on a shared machine: the load average says how much else was running.
    load = "/".join(f"{x:.1f}" for x in os.getloadavg())
    started = time.perf_counter()
    for _ in range(args.runs):
        for db in databases:
            db.round()
    after = "/".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"{args.runs} rounds in {time.perf_counter() - started:.0f}s; load average before {load}, after {after} "
        f"({os.cpu_count()} CPUs, shared with other engineers' work)"
    )
    report(databases, args.runs)


if __name__ == "__main__":
    main()
