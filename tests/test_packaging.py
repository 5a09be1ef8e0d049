"""The package carries its SQL: a wheel built from the tree, installed where no checkout is,
deploys the same schema as the checkout; a pyvb with no SQL refuses to deploy."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import psycopg

from pyvb.config import PROJECT_ROOT
from pyvb.testing import run_pyvb

#: what a wheel is built from (the tracked tree's parts that matter; tests and pgtap stay out)
BUILT_FROM = ("pyvb", "migrations", "procedures", "sql", "pyproject.toml", "setup.py", "README.md")

SCHEMA_OBJECTS = """
SELECT p.oid::regprocedure::text FROM pg_proc AS p JOIN pg_namespace AS n ON n.oid = p.pronamespace
WHERE n.nspname IN ('vb', 'vb_api', 'vb_ops', 'vb_report')
UNION ALL
SELECT c.oid::regclass::text FROM pg_class AS c JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE n.nspname IN ('vb', 'vb_api', 'vb_ops', 'vb_report')
ORDER BY 1
"""


def _schema(url: str) -> list[str]:
    with psycopg.connect(url) as conn:
        return [row[0] for row in conn.execute(SCHEMA_OBJECTS)]


def test_a_wheel_deploys_the_same_schema_as_the_checkout(tmp_path, fresh_url, template_db):
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
    for name in BUILT_FROM:
        path = PROJECT_ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=ignore)
        else:
            shutil.copy2(path, source / name)
    wheels, installed = tmp_path / "wheels", tmp_path / "installed"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", wheels, source], check=True)
    (wheel,) = wheels.glob("pyvb-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", installed, wheel], check=True)
    assert (installed / "pyvb" / "schema" / "procedures").is_dir()

    # the wheel's pyvb, run from a folder with no checkout in sight: its SQL is its own copy
    env = {k: v for k, v in os.environ.items() if k != "VB_PROJECT_ROOT"}
    env["PYTHONPATH"] = str(installed)
    where = subprocess.run(
        [sys.executable, "-c", "import pyvb.config as c; print(c.PROJECT_ROOT)"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert Path(where) == installed / "pyvb" / "schema"
    deployed = subprocess.run(
        [sys.executable, "-m", "pyvb.cli", "db", "migrate", "--database-url", fresh_url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert deployed.returncode == 0, deployed.stderr
    assert _schema(fresh_url) == _schema(template_db)


def test_a_pyvb_without_sql_refuses_to_deploy(tmp_path, fresh_url):
    empty = dict(os.environ, VB_PROJECT_ROOT=str(tmp_path))
    result = run_pyvb("db", "migrate", "--database-url", fresh_url, env=empty)
    assert result.returncode == 1
    assert "no SQL to deploy" in result.stderr and "up to date" not in result.stdout
