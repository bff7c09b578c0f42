#!/usr/bin/env bash
# Sets up and runs the whole test suite. Uses DATABASE_URL (PostgreSQL in CI) when set,
# SQLite otherwise. Browser tests need /usr/bin/chromium and worker tests need Redis
# (REDIS_URL, default redis://127.0.0.1:6379/15); with REQUIRE_SERVICES=1 (as in CI) their
# absence fails the run instead of skipping those tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh requirements-dev.txt
if { [ ! -x /usr/bin/chromium ] || ! command -v soffice >/dev/null || ! command -v pdftotext >/dev/null; } \
  && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium (browser tests) and LibreOffice + pdftotext (report layout tests)…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk \
    libreoffice-writer-nogui poppler-utils >/dev/null) \
    || echo "chromium or LibreOffice could not be installed; those tests will be skipped" >&2
fi
export TEST_REDIS_URL="${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"
.venv/bin/python -m pytest "$@"
