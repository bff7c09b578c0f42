#!/usr/bin/env bash
# The ten-day deadline rush: 300 department users (login → home → report form → submit) and 20
# leaders on the dashboards, against the production mode (scripts/serve.sh: gunicorn, DEBUG=0) on a
# PostgreSQL benchmark database. Prints the server time of each page on the idle machine first
# (with profiles), then p50/p95/p99 and errors per endpoint under load (Locust, same machine).
#
#   bench/rush.sh                       # defaults below
#   RUSH_DURATION=180s RUSH_WEB_CONCURRENCY=4 bench/rush.sh
#
# RUSH_DATABASE_URL  benchmark database, created if missing (default postgres://postgres@127.0.0.1:5432/sb_rush)
# RUSH_REDIS_URL     broker for the production mode (default empty: the filesystem broker)
# RUSH_PORT          gunicorn's port (default 8104)
# RUSH_STAFF / RUSH_LEADERS  simulated users (300 / 20); RUSH_SPAWN_RATE users started per second (10)
# RUSH_DURATION      Locust's run time, ramp-up included (default 150s)
# RUSH_WEB_CONCURRENCY / RUSH_WEB_THREADS  gunicorn workers / threads (2 / 1)
# RUSH_PROFILE=0     skip the idle-machine profile
set -euo pipefail
cd "$(dirname "$0")/.."
db="${RUSH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/sb_rush}"
port="${RUSH_PORT:-8104}"
staff="${RUSH_STAFF:-300}"
leaders="${RUSH_LEADERS:-20}"
out="benchmark-results/rush-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
py=.venv/bin/python

export DATABASE_URL="$db" REDIS_URL="${RUSH_REDIS_URL:-}" SECRET_KEY="rush-benchmark-$(date +%s)-not-secret"
export DATA_DIR="$PWD/benchmark-results/rush-data" SECURE_SSL_REDIRECT=0 SESSION_COOKIE_SECURE=0 CSRF_COOKIE_SECURE=0
export LOG_LEVEL=WARNING DB_CONN_MAX_AGE=600
mkdir -p "$DATA_DIR"

$py - "$db" <<'PY'
import sys
from urllib.parse import urlsplit
import psycopg
url = urlsplit(sys.argv[1])
name = url.path.lstrip("/")
admin = url._replace(path="/postgres").geturl().replace("postgres://", "postgresql://", 1)
with psycopg.connect(admin, autocommit=True) as conn:
    if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
        conn.execute(f'CREATE DATABASE "{name}"')
        print(f"created database {name}")
PY
echo "== preparing the benchmark database (plan, demo year, $staff staff + $leaders leader accounts)"
$py bench/rush_setup.py --staff "$staff" --leaders "$leaders"
$py manage.py collectstatic --no-input --verbosity 0

if [ "${RUSH_PROFILE:-1}" = 1 ]; then
  echo "== server time on the idle machine (in-process, with profiles: $out/profile.txt)"
  $py bench/rush_profile.py --runs 30 --profile >"$out/profile.txt"
  sed -n '/^server time/,$p' "$out/profile.txt"
fi

echo "== starting the production mode on 127.0.0.1:$port (web and the worker, no beat)"
# The worker judges the dashboards again after each report (reporting.warm_dashboards). Its start-up
# catch-up and the beat are left out: at the deadline no report is due (they are built 48 h after a
# period ends), and the catch-up would build a year of reports during the measurement.
SERVE_SKIP_SETUP=1 SERVE_NO_BEAT=1 DISPATCH_CATCH_UP_ON_WORKER_START=0 PORT="$port" LOG_DIR="$out" \
  WEB_CONCURRENCY="${RUSH_WEB_CONCURRENCY:-2}" WEB_THREADS="${RUSH_WEB_THREADS:-1}" \
  scripts/serve.sh >"$out/serve.log" 2>&1 &
server=$!
trap 'kill -TERM $server 2>/dev/null || true; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/healthz"; echo

echo "== load: $staff staff + $leaders leaders for ${RUSH_DURATION:-150s} (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
RUSH_REQUESTS="$out/requests.csv" .venv/bin/locust -f bench/rush_locustfile.py --headless --only-summary \
  -u "$((staff + leaders))" -r "${RUSH_SPAWN_RATE:-10}" -t "${RUSH_DURATION:-150s}" \
  --host "http://127.0.0.1:$port" --csv "$out/locust" --stop-timeout 10 >"$out/locust.log" 2>&1 || true
# (RUSH_REQUESTS is read by the locustfile: one line per request, for the steady-state figures below.)
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

$py - "$out/locust_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'endpoint':26} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7} {'req/s':>6}")
for r in rows:
    name = r["Name"] if r["Name"] != "Aggregated" else "all"
    print(f"{name:26} {r['Request Count']:>8} {r['Failure Count']:>6} {r['50%']:>7} {r['95%']:>7} {r['99%']:>7} {float(r['Requests/s']):6.1f}")
PY
$py - "$out/access.log" <<'PY'
# Server time per endpoint under the load (gunicorn's access log, %(M)s = ms in the worker): the
# difference to Locust's figures is the time requests queued for a free worker.
import re, statistics, sys
names = [
    ("GET", r"/login/", "login form"), ("POST", r"/login/", "login"), ("GET", r"/", "home"),
    ("GET", r"/tasks/\d+/report/\d+/", "report form"), ("POST", r"/tasks/\d+/report/\d+/", "submit"),
    ("GET", r"/dashboard/[\w-]+/", "dashboard overview"), ("GET", r"/dashboard/[\w-]+/battle/\d+/", "dashboard battle"),
    ("GET", r"/dashboard/[\w-]+/department/\d+/", "dashboard department"),
]
times = {}
for line in open(sys.argv[1]):
    m = re.search(r'"(\w+) ([^ ?]+)[^"]*" (\d+) \S+ (\d+)ms', line)
    if not m:
        continue
    for method, pattern, name in names:
        if m.group(1) == method and re.fullmatch(pattern, m.group(2)):
            times.setdefault(name, []).append(int(m.group(4)))
print(f"\nserver time under the load (gunicorn access log, ms):\n{'endpoint':26} {'count':>6} {'median':>7} {'p95':>7}")
for name, values in sorted(times.items()):
    values.sort()
    print(f"{name:26} {len(values):>6} {statistics.median(values):7.0f} {values[int(0.95 * (len(values) - 1))]:7d}")
PY
$py - "$out/requests.csv" "$((staff + leaders))" "${RUSH_SPAWN_RATE:-10}" <<'PY'
# The same percentiles once every user has started (ramp-up over: users ÷ spawn rate seconds after
# the first request), when the logins are done and only the round of home → form → submit and the
# leaders' dashboards remain: the deadline itself rather than the morning's logins.
import csv, sys
rows = [(float(t), name, float(ms), int(failed)) for t, name, ms, failed in csv.reader(open(sys.argv[1]))]
start = min(t for t, *_ in rows)
steady_from = start + int(sys.argv[2]) / float(sys.argv[3])
steady = [r for r in rows if r[0] >= steady_from]
def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]
span = max(t for t, *_ in steady) - steady_from
print(f"\nsteady state (after the {steady_from - start:.0f} s ramp-up, {span:.0f} s, {len(steady) / span:.1f} req/s):")
print(f"{'endpoint':26} {'requests':>8} {'errors':>6} {'p50 ms':>7} {'p95 ms':>7} {'p99 ms':>7}")
names = sorted({r[1] for r in steady}) + ["all"]
for name in names:
    chosen = [r for r in steady if name in ("all", r[1])]
    times = [r[2] for r in chosen]
    print(f"{name:26} {len(chosen):>8} {sum(r[3] for r in chosen):>6} {pct(times, .5):7.0f} {pct(times, .95):7.0f} {pct(times, .99):7.0f}")
PY
echo "results: $out (locust_stats.csv, locust_failures.csv, access.log, profile.txt)"
