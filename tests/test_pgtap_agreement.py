"""pytest (through pytest-pgtap) and pg_prove agree on every pgTAP file."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
from pytest_pgtap.pgtap import Runner

from pyvb.config import PROJECT_ROOT

PGTAP_FILES = sorted((PROJECT_ROOT / "pgtap").rglob("test*.sql"))
RESULT_LINE = re.compile(r"^\s*(not ok|ok) (\d+)")


def results(lines) -> list[tuple[str, int]]:
    return [(m[1], int(m[2])) for line in lines if (m := RESULT_LINE.match(line))]


@pytest.mark.parametrize("path", PGTAP_FILES, ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_pg_prove_agrees_with_pytest(path: Path, pgtap_db_url):
    pg_prove = shutil.which("pg_prove")
    assert pg_prove, "pg_prove is installed by ci/install-system.sh"
    url = urlsplit(pgtap_db_url)
    proved = subprocess.run(
        [
            pg_prove,
            "--verbose",
            "-h",
            url.hostname,
            "-p",
            str(url.port or 5432),
            "-U",
            url.username,
            "-d",
            url.path.lstrip("/"),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    with psycopg.connect(pgtap_db_url) as conn:
        ours = Runner(conn).run(path.read_text())
    assert results(ours), "the file produced TAP results"
    assert results(proved.stdout.splitlines()) == results(ours)
    assert (proved.returncode == 0) == all(ok == "ok" for ok, _ in results(ours))


@pytest.mark.parametrize("path", PGTAP_FILES, ids=lambda p: p.relative_to(PROJECT_ROOT).as_posix())
def test_pgtap_file_rolls_back(path: Path):
    lines = [line.strip() for line in path.read_text().splitlines()]
    code = [line for line in lines if line and not line.startswith("--")]
    assert code[0] == "BEGIN;", "each file opens a transaction"
    assert code[-1] == "ROLLBACK;", "each file rolls its transaction back"
