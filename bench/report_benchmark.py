"""Benchmark of the dispatch reports: each kind for one city plan with a full year of data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/sb_report_bench .venv/bin/python bench/report_benchmark.py

Creates the database if needed, loads fixtures/huaihua-2023.yaml and seeds a full year of demo
progress (seed_demo --until 2023-12-31), then builds every kind of report — content, Word and
Excel — and prints, per report, the wall time and the peak memory: Python allocations during
the build (tracemalloc) and the process's peak resident size (getrusage). Goal: the monthly
circular under 5 s and under 300 MB, files included.
"""

import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sixbattles.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/sb_report_bench")
os.environ.setdefault("REPORTS_ROOT", "/tmp/sb-report-bench")


def ensure_database(url):
    if not url.startswith("postgres"):
        return
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin.replace("postgres://", "postgresql://", 1), autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main():
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command

    from reporting.build import build_report
    from reporting.models import DispatchReport
    from targets.models import Period, Plan
    from tasks.models import ProgressReport

    call_command("migrate", verbosity=0)
    if not Plan.objects.filter(code="huaihua-2023").exists():
        call_command("load_plan", str(ROOT / "fixtures" / "huaihua-2023.yaml"), verbosity=0)
    plan = Plan.objects.get(code="huaihua-2023")
    if not ProgressReport.objects.filter(period__plan=plan).exists():
        call_command("seed_demo", plan.code, "--until", "2023-12-31", verbosity=0)
    battle = plan.battles.order_by("number").first()
    reports = ProgressReport.objects.filter(period__plan=plan).count()
    print(f"plan {plan.code}: {reports} progress reports, database {os.environ['DATABASE_URL'].rsplit('/', 1)[1]}")
    cases = [
        ("ten_day_briefing", "ten_day", 36, None),
        ("ten_day_briefing", "ten_day", 36, battle.id),
        ("monthly_circular", "month", 12, None),
        ("monthly_circular", "month", 12, battle.id),
        ("quarterly_summary", "quarter", 4, None),
        ("warning_slip", "month", 12, battle.id),
    ]
    print(f"{'report':<22}{'scope':<10}{'seconds':>9}{'py peak MB':>12}{'max RSS MB':>12}  docx KB / xlsx KB")
    for kind, period_kind, number, battle_id in cases:
        period = Period.objects.get(plan=plan, kind=period_kind, number=number)
        started = time.perf_counter()
        report = build_report(plan.id, kind, period.id, battle_id, regenerate=True)
        elapsed = time.perf_counter() - started
        assert report.status == DispatchReport.Status.READY, report.error
        # Memory in a second build: tracemalloc slows Python down several times over.
        tracemalloc.start()
        build_report(plan.id, kind, period.id, battle_id, regenerate=True)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        root = Path(os.environ["REPORTS_ROOT"])
        docx_kb = (root / report.docx_path).stat().st_size / 1024
        xlsx_kb = (root / report.xlsx_path).stat().st_size / 1024
        sizes = f"{docx_kb:.0f} / {xlsx_kb:.0f}"
        scope = "battle 1" if battle_id else "plan"
        print(f"{kind:<22}{scope:<10}{elapsed:>9.2f}{peak / 2**20:>12.1f}{rss:>12.1f}  {sizes}")


if __name__ == "__main__":
    main()
