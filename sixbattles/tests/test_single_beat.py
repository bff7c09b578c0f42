"""scripts/serve.sh runs exactly one beat: a second one, started while the first is running, is
refused by the pid file with a message in the operators' language (Chinese by default)."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_second_beat_is_refused_in_chinese_naming_the_running_one(tmp_path):
    pidfile = tmp_path / "celerybeat.pid"
    running = os.getpid()  # a live process stands in for the beat already running
    pidfile.write_text(f"{running}\n")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "sixbattles.settings",
        "SECRET_KEY": "beat-test",
        "DATA_DIR": str(tmp_path),
        "REDIS_URL": "",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    celery = Path(sys.executable).parent / "celery"
    result = subprocess.run(
        [str(celery), "-A", "sixbattles", "beat", f"--pidfile={pidfile}"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 73  # EX_CANTCREAT: nothing was started
    assert f"定时调度进程（celery beat）已在运行（进程号 {running}，pid 文件 {pidfile}）" in result.stderr
    assert "Seems we're already running" not in result.stderr + result.stdout
    assert pidfile.read_text().strip() == str(running)  # the running beat's file is left alone
