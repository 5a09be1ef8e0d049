"""Helpers for tests against real services: database templates, service selection, broker."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg


def run_pyvb(*args: str, env: dict | None = None, timeout_s: float = 300) -> subprocess.CompletedProcess:
    """Run the ``pyvb`` command line in a child process, as an operator would."""
    return subprocess.run(
        [sys.executable, "-m", "pyvb.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout_s,
        check=False,
    )


def wait_until_blocked(url: str, pid: int, timeout_s: float = 10.0) -> None:
    """Wait until backend ``pid`` waits on a lock (pg_stat_activity says so): the database's own
    evidence that a second caller queues behind the first, instead of a sleep."""
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(url, autocommit=True) as admin:
        while True:
            waiting = admin.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", (pid,)
            ).fetchone()
            if waiting and waiting[0] == "Lock":
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"backend {pid} never waited on a lock within {timeout_s}s")
            time.sleep(0.02)
