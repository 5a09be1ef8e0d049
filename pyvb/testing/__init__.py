"""Helpers for tests against real services: database templates, service selection, broker."""

from __future__ import annotations

import subprocess
import sys


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
