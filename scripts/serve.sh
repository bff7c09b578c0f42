#!/usr/bin/env bash
# Runs the app as in production on one machine: DEBUG=0, migrations and collectstatic on start,
# gunicorn serving the site and its static files (whitenoise: hashed, compressed names), one
# Celery worker and exactly one beat. A worker or beat that ends (killed, or out of broker retries)
# is started again while the site keeps serving; all stop when it is stopped (Ctrl-C or SIGTERM).
#
#   SECRET_KEY=… ALLOWED_HOSTS=host DATABASE_URL=postgres://… REDIS_URL=redis://… scripts/serve.sh
#
# Environment (besides the app's own, see README "Configuration"):
#   PORT            gunicorn listens on BIND (default 127.0.0.1:$PORT, PORT default 8000)
#   WEB_CONCURRENCY gunicorn worker processes (default 2: one per core of a 2-core machine)
#   WEB_THREADS     threads per gunicorn worker (default 1)
#   CELERY_CONCURRENCY report worker processes (default 1)
#   WORKER_NICE     the worker's niceness (default 10: the web workers come first)
#   SERVE_NO_WORKER=1  start no Celery worker and no beat (e.g. they run on another machine)
#   SERVE_NO_BEAT=1    start the worker but no beat (the beat runs on another machine)
#   SERVE_SKIP_SETUP=1 do not run scripts/setup.sh (the virtualenv is already installed)
#   LOG_DIR         where the worker's, beat's and gunicorn's logs go (default $DATA_DIR/logs)
#   STOP_TIMEOUT    seconds given to each process to stop before it is killed (default 30)
#   RESTART_DELAY   seconds before a worker that ended is started again (default 5; a beat 60)
set -euo pipefail
cd "$(dirname "$0")/.."
[ "${SERVE_SKIP_SETUP:-0}" = 1 ] || scripts/setup.sh requirements.txt
export DEBUG=0
if [ -z "${SECRET_KEY:-}" ]; then
  echo "错误：生产模式需要 SECRET_KEY（例如 SECRET_KEY=\$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')）。" >&2
  echo "Error: SECRET_KEY is required in production mode." >&2
  exit 1
fi
data_dir="${DATA_DIR:-data}"
log_dir="${LOG_DIR:-$data_dir/logs}"
mkdir -p "$data_dir" "$log_dir"
py=.venv/bin/python
$py manage.py check
$py manage.py migrate --no-input
$py manage.py collectstatic --no-input --verbosity 0
$py manage.py setup_report_schedule

pids=()
stop_all() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  # A worker wedged on a broker that froze mid-job never acts on TERM: after STOP_TIMEOUT seconds
  # (default 30) what is left is killed, so the service stops (a killed job is built again).
  for _ in $(seq "${STOP_TIMEOUT:-30}"); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 1
  done
  for pid in "${pids[@]}"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "进程 $pid 未在 ${STOP_TIMEOUT:-30} 秒内退出，已强制结束。 Process $pid killed after ${STOP_TIMEOUT:-30} s." >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  wait || true
}
trap stop_all EXIT INT TERM

# Runs a command again whenever it ends, DELAY seconds later, until this loop is stopped: a
# worker killed (or wedged and killed) mid-build comes back and its catch-up rebuilds what was lost,
# without taking the site down. On TERM the loop stops its command, killing it if it will not stop.
keep_running() {
  local delay=$1 log=$2
  shift 2
  (
    child=0
    stop_child() {
      kill -TERM "$child" 2>/dev/null || true
      for _ in $(seq $((${STOP_TIMEOUT:-30} - 2))); do kill -0 "$child" 2>/dev/null || exit 0; sleep 1; done
      kill -KILL "$child" 2>/dev/null || true
      exit 0
    }
    trap stop_child INT TERM
    while true; do
      "$@" >>"$log" 2>&1 &
      child=$!
      status=0
      wait "$child" || status=$?
      echo "$(date '+%F %T') 进程已退出（状态 $status），$delay 秒后重新启动：$* / exited with status $status, restarting" >>"$log"
      sleep "$delay" &
      wait $! || true
    done
  ) &
  pids+=($!)
}

if [ "${SERVE_NO_WORKER:-0}" != 1 ]; then
  # The worker builds the dispatch reports; the beat (one only: two would send every job twice)
  # sends the hourly catch-up and the daily reminders from django-celery-beat's tables.
  # At a lower priority (WORKER_NICE, default 10): what it does — the dispatch reports, judging the
  # dashboards again after a report — can wait while the web workers answer people.
  keep_running "${RESTART_DELAY:-5}" "$log_dir/worker.log" nice -n "${WORKER_NICE:-10}" .venv/bin/celery -A sixbattles worker --loglevel=INFO \
    --concurrency="${CELERY_CONCURRENCY:-1}" -n "sixbattles-${PORT:-8000}@%h"
  # A second beat on the same database (here or on another machine) is refused with a message and
  # tried again: it takes over the schedule when the first one stops.
  if [ "${SERVE_NO_BEAT:-0}" != 1 ]; then
    keep_running 60 "$log_dir/beat.log" .venv/bin/celery -A sixbattles beat --loglevel=INFO
  fi
fi

# --preload loads the app once, then forks: wsgi.py's gc.freeze() then covers every worker.
.venv/bin/gunicorn sixbattles.wsgi:application \
  --bind "${BIND:-127.0.0.1:${PORT:-8000}}" \
  --workers "${WEB_CONCURRENCY:-2}" --threads "${WEB_THREADS:-1}" \
  --preload --timeout 30 --graceful-timeout 20 \
  --max-requests 5000 --max-requests-jitter 500 \
  --no-control-socket --access-logfile "$log_dir/access.log" --error-logfile - \
  --access-logformat '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms' &
pids+=($!)
echo "生产模式已启动：http://${BIND:-127.0.0.1:${PORT:-8000}}/ （健康检查 /healthz，日志 $log_dir/）"
# gunicorn ending (a crash, a signal) stops the others; the worker and beat are restarted instead.
wait -n
