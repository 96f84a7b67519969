"""The runner behind `make run` / `make test`: python -m blogapi.embedded_postgres [--throwaway] -- CMD."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
CONNECT = (
    "import os, psycopg; "
    "url = os.environ['DATABASE_URL'].replace('postgres://', 'postgresql://', 1); "
    "print(psycopg.connect(url).execute('select 41 + 1').fetchone()[0])"
)


def runner_env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    return {**env, **extra}


def postgres_processes_of(data_dir: str) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["name", "cmdline"]):
        if process.info["name"] == "postgres" and data_dir in " ".join(process.info["cmdline"] or []):
            found.append(process)
    return found


def test_throwaway_database_serves_the_command_and_is_deleted_after(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "blogapi.embedded_postgres", "--throwaway", "--", sys.executable, "-c", CONNECT],
        cwd=ROOT,
        env=runner_env(TMPDIR=str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "42"
    assert list(tmp_path.glob("blogapi-pg-*")) == []  # the data folder is gone


def test_the_command_exit_status_is_passed_on(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "blogapi.embedded_postgres", "--throwaway", "--", "sh", "-c", "exit 3"],
        cwd=ROOT,
        env=runner_env(TMPDIR=str(tmp_path)),
        capture_output=True,
        timeout=120,
    )
    assert result.returncode == 3


def test_a_given_database_url_starts_nothing():
    result = subprocess.run(
        [sys.executable, "-m", "blogapi.embedded_postgres", "--", "sh", "-c", 'echo "$DATABASE_URL"'],
        cwd=ROOT,
        env=runner_env(DATABASE_URL="postgres://example.invalid/db"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "postgres://example.invalid/db"


def test_ctrl_c_stops_the_command_and_then_the_database(tmp_path):
    runner = subprocess.Popen(
        [sys.executable, "-m", "blogapi.embedded_postgres", "--throwaway", "--", "sleep", "60"],
        cwd=ROOT,
        env=runner_env(TMPDIR=str(tmp_path)),
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    try:
        deadline = time.monotonic() + 60
        # Ctrl-C while the command runs: wait for the database and then for the command
        # itself (under load, the runner may still be starting it well after PostgreSQL is up).
        while not (data_dirs := list(tmp_path.glob("blogapi-pg-*"))) or not postgres_processes_of(str(data_dirs[0])):
            assert time.monotonic() < deadline, "the database did not start"
            time.sleep(0.2)
        while not any(child.name() == "sleep" for child in psutil.Process(runner.pid).children(recursive=True)):
            assert time.monotonic() < deadline, "the command did not start"
            time.sleep(0.2)

        os.killpg(runner.pid, signal.SIGINT)  # what Ctrl-C does

        runner.wait(timeout=120)  # stopping PostgreSQL (a checkpoint) is slow on a busy machine
        assert postgres_processes_of(str(data_dirs[0])) == []
        assert not data_dirs[0].exists()
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)
