#!/usr/bin/env bash
# Creates .venv with Python 3.12+ and installs the pinned requirements.
# Usage: scripts/setup.sh [requirements file]   (default: requirements.txt)
set -euo pipefail
cd "$(dirname "$0")/.."
requirements="${1:-requirements.txt}"

find_python() {
  local candidates=()
  [ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
  # .python-version selects pyenv's 3.12 where pyenv is installed.
  command -v pyenv >/dev/null 2>&1 && candidates+=("$(pyenv which python 2>/dev/null || true)")
  for v in 3.13 3.12; do
    for root in "${PYENV_ROOT:-$HOME/.pyenv}"; do
      for dir in "$root"/versions/$v*; do [ -x "$dir/bin/python" ] && candidates+=("$dir/bin/python"); done
    done
    command -v "python$v" >/dev/null 2>&1 && candidates+=("$(command -v "python$v")")
  done
  command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")
  for py in "${candidates[@]}"; do
    [ -n "$py" ] && [ -x "$py" ] || continue
    if "$py" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      echo "$py"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  if ! py=$(find_python); then
    echo "错误：需要 Python 3.12 或更新版本（Django 6.0 的要求）。找到的 python3 是：$(python3 --version 2>&1 || echo 无)。" >&2
    echo "Error: Python 3.12+ is required (Django 6.0). Install it (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12." >&2
    exit 1
  fi
  echo "Using $py ($("$py" --version))"
  rm -rf .venv
  "$py" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -r "$requirements"
