"""Bulk builder of the benchmark databases (PostgreSQL only).

One source plan, huaihua-2023, is loaded from the plan file and seeded by seed_demo (the ORM's
batched inserts: ~17 thousand reports in seconds). Every other city × year plan is then copied
from it inside PostgreSQL, table by table, with INSERT … SELECT: each copied table gets a
temporary map of old id → new id drawn from its identity sequence, and every foreign key is
rewritten through the maps. Periods are made by the plan itself (its year's calendar and
deadlines) and matched by (kind, number); timestamps move by the difference in years. The
summaries are recounted per plan in SQL. Nothing goes through the ORM row by row.
"""

import datetime as dt
import io
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction

from targets.models import Battle, Period, Plan, Target, TargetReading, TaskForce
from tasks import summaries
from tasks.management.commands.seed_demo import seed_plan
from tasks.models import MetricValue, ProgressReport, ReportEvent, Responsibility, Section, Task, TaskMetric

ROOT = Path(__file__).resolve().parent.parent
SOURCE_CODE = "huaihua-2023"
SOURCE_YEAR = 2023
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


def _q(name):
    return '"' + name.replace('"', '""') + '"'


class _Copier:
    """Copies rows inside one transaction; `maps` names the temp table of each copied model."""

    def __init__(self, cursor, years):
        self.cursor = cursor
        self.years = years  # timestamps move by this many years
        self.maps = {}

    def map_name(self, model):
        return f"map_{model._meta.db_table}"

    def copy(self, model, where, overrides=None, extra_maps=None):
        """Copy `model`'s rows matching `where` (SQL over alias s; every value in it an int this
        module computed), foreign keys rewritten through the maps of the models already copied."""
        table = model._meta.db_table
        name = self.map_name(model)
        # ORDER BY: the copies' ids follow the source's order (nextval runs after the sort), so
        # "the later report" of a 旬 is the same report in every copy.
        self.cursor.execute(
            f"CREATE TEMP TABLE {name} ON COMMIT DROP AS "
            f"SELECT s.id AS old_id, nextval(pg_get_serial_sequence('{table}', 'id')) AS new_id "
            f"FROM {table} s WHERE {where} ORDER BY s.id"
        )
        self.cursor.execute(f"CREATE UNIQUE INDEX ON {name} (old_id)")
        self.cursor.execute(f"ANALYZE {name}")
        overrides = overrides or {}
        columns, exprs, joins = [], [], []
        fields = [f for f in model._meta.concrete_fields if f.column != "id"]
        for i, f in enumerate(fields):
            columns.append(_q(f.column))
            target = f.related_model if f.is_relation else None
            mapped = (extra_maps or {}).get(f.column) or (target and self.maps.get(target))
            if f.column in overrides:
                exprs.append(overrides[f.column])
            elif mapped:
                joins.append(f"LEFT JOIN {mapped} j{i} ON j{i}.old_id = s.{_q(f.column)}")
                exprs.append(f"j{i}.new_id")
            elif f.get_internal_type() == "DateTimeField":
                exprs.append(f"s.{_q(f.column)} + make_interval(years => {int(self.years)})")
            else:
                exprs.append(f"s.{_q(f.column)}")
        self.cursor.execute(
            f"INSERT INTO {table} (id, {', '.join(columns)}) "
            f"SELECT m.new_id, {', '.join(exprs)} FROM {table} s "
            f"INNER JOIN {name} m ON m.old_id = s.id {' '.join(joins)}"
        )
        self.maps[model] = name
        return self.cursor.rowcount

    def copy_m2m(self, through, owner_column, owner_model):
        """Copy a many-to-many table's rows of the copied owners (the other side stays)."""
        table = through._meta.db_table
        other = [f.column for f in through._meta.concrete_fields if f.column not in ("id", owner_column)]
        self.cursor.execute(
            f"INSERT INTO {table} ({owner_column}, {', '.join(other)}) "
            f"SELECT m.new_id, {', '.join('s.' + c for c in other)} FROM {table} s "
            f"INNER JOIN {self.maps[owner_model]} m ON m.old_id = s.{owner_column}"
        )


@transaction.atomic
def copy_plan(source, code, year):
    """A new plan `code` for `year`, a copy of `source` with its reports, readings and summaries."""
    years = year - source.year
    src = int(source.pk)
    with connection.cursor() as cursor:
        c = _Copier(cursor, years)
        # The plan row by the ORM (one row; its code is user text), then its year's periods.
        plan = Plan.objects.get(pk=src)
        plan.pk = None
        plan.code, plan.year = code, year
        plan.issued_on, plan.published_on = dt.date(year, 1, 30), dt.date(year, 2, 1)
        plan.save()
        plan.ensure_periods()
        cursor.execute(f"CREATE TEMP TABLE map_plan ON COMMIT DROP AS SELECT {src} AS old_id, {int(plan.pk)} AS new_id")
        c.maps[Plan] = "map_plan"
        period = Period._meta.db_table
        cursor.execute(
            f"CREATE TEMP TABLE map_period ON COMMIT DROP AS SELECT s.id AS old_id, d.id AS new_id "
            f"FROM {period} s INNER JOIN {period} d ON d.kind = s.kind AND d.number = s.number "
            f"AND d.plan_id = {int(plan.pk)} WHERE s.plan_id = {src}"
        )
        c.maps[Period] = "map_period"

        # Each table's rows are those of the parents copied before it (their map's old ids): the
        # planner sees the map's true size, not a guess about the grown table.
        def of(model):
            return f"(SELECT old_id FROM {c.maps[model]})"

        c.copy(Battle, f"s.plan_id = {src}")
        c.copy(TaskForce, f"s.battle_id IN {of(Battle)}")
        c.copy_m2m(TaskForce.members.through, "taskforce_id", TaskForce)
        c.copy(Target, f"s.battle_id IN {of(Battle)}")
        c.copy_m2m(Target.departments.through, "target_id", Target)
        c.copy(Section, f"s.battle_id IN {of(Battle)}")
        c.copy(Task, f"s.section_id IN {of(Section)}")
        c.copy(Responsibility, f"s.section_id IN {of(Section)}")
        c.copy(TaskMetric, f"s.section_id IN {of(Section)}")
        reports = c.copy(ProgressReport, f"s.task_id IN {of(Task)}")
        c.copy(MetricValue, f"s.report_id IN {of(ProgressReport)}")
        c.copy(ReportEvent, f"s.report_id IN {of(ProgressReport)}")
        c.copy(TargetReading, f"s.target_id IN {of(Target)}")
    summaries.rebuild_plan(plan)
    return reports


def build(cities, years, log=print):
    """Load and seed the source plan, then copy it for every other city and year. Returns seconds."""
    started = time.perf_counter()
    source = Plan.objects.filter(code=SOURCE_CODE).first()
    if source is None:
        call_command("load_plan", str(ROOT / "fixtures" / "huaihua-2023.yaml"), stdout=io.StringIO())
        source = Plan.objects.get(code=SOURCE_CODE)
        counts = seed_plan(source, dt.date(SOURCE_YEAR, 12, 31), seed=0)
        log(f"  {SOURCE_CODE}: loaded and seeded ({counts['reports']} reports) at {time.perf_counter() - started:.0f}s")
    # Statistics whenever the plans have doubled since the last: autovacuum (off on some servers,
    # and slower than these copies) would take them as the tables grow. Without any, the planner
    # guesses that 0.5% of reports are approved and the summaries' metric query of a plan loops
    # over every approved report per 旬 (20 s a plan at 20 plans, growing); with statistics of
    # tables half as big its guesses stay within 2×.
    plans, analyzed_at = Plan.objects.count(), 0
    for c in range(cities):
        for y in range(years):
            year = SOURCE_YEAR - y
            code = f"{CITIES[c]}-{year}"
            if Plan.objects.filter(code=code).exists():
                continue
            if plans >= 2 * analyzed_at:
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
                analyzed_at = plans
            copy_started = time.perf_counter()
            reports = copy_plan(source, code, year)
            plans += 1
            now = time.perf_counter()
            log(f"  {code}: copied ({reports} reports) in {now - copy_started:.1f}s, at {now - started:.0f}s")
    with connection.cursor() as cursor:
        # As autovacuum would: statistics, and the visibility map that index-only scans rely on.
        cursor.execute("VACUUM ANALYZE")
    return time.perf_counter() - started
