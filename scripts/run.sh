#!/usr/bin/env bash
# Sets up and runs the app on its embedded default: SQLite in ./data, no Redis needed,
# the 2023 plan loaded, demo progress filled in and demo accounts printed.
#   PORT      runserver's port (default 8000)
#   DATA_DIR  the folder of the database, files, broker messages, worker log (default ./data):
#             a second copy on the same checkout needs its own DATA_DIR and PORT
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements.txt
export DEBUG="${DEBUG:-1}"
py=.venv/bin/python
data_dir="${DATA_DIR:-data}"
mkdir -p "$data_dir"
$py manage.py migrate --no-input
$py manage.py load_plan fixtures/huaihua-2023.yaml
$py manage.py seed_demo huaihua-2023 --if-empty
$py manage.py create_demo_accounts huaihua-2023
$py manage.py setup_report_schedule
# The report worker with embedded beat, over a broker that needs no server (files in ./data).
.venv/bin/celery -A sixbattles worker --beat --pool=solo --loglevel=WARNING \
  --schedule="$data_dir/celerybeat-schedule" >"$data_dir/worker.log" 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT
echo "报告生成进程已在后台运行（日志 $data_dir/worker.log）。打开 http://127.0.0.1:${PORT:-8000}/"
$py manage.py runserver "127.0.0.1:${PORT:-8000}"
