"""Backups and point-in-time recovery with a real pgBackRest (Debian's 2.45) on a cluster of our
own: ``pyvb backup configure`` turns on WAL archiving into a repository folder, ``run`` takes a
full backup, ``list`` shows it; transfers before and after a target time, and
``pyvb backup restore-drill --target-time T`` restores into a scratch cluster exactly the
transfers committed before T (balances equal the live database's at T, RPO 0), and removes it."""

from __future__ import annotations

import re
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import pytest

from pyvb.backup import archive_current_segment
from pyvb.deploy import Deployer
from pyvb.services.cluster import PrivateCluster
from pyvb.testing import run_pyvb

pytestmark = pytest.mark.slow

ISSUER = "00000000-0000-4000-8000-000000000001"


def transfers(url: str, payer: str, payee: str, count: int) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for _ in range(count):
            status = conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 5, 'p2p')", (uuid.uuid4(), payer, payee)
            ).fetchone()[0]
            assert status == "created"


def test_a_restore_drill_recovers_exactly_what_committed_before_the_target():
    repo = Path(tempfile.mkdtemp(prefix="vb-backup-"))
    with PrivateCluster() as primary:
        try:
            with psycopg.connect(primary.url(), autocommit=True) as conn:
                conn.execute("CREATE DATABASE virtualbank")
            url = primary.url("virtualbank")
            Deployer(url).migrate()
            Deployer(url).seed()
            options = ["--database-url", url, "--repo", str(repo)]
            configured = run_pyvb("backup", "configure", *options)
            assert configured.returncode == 0 and "restart PostgreSQL" in configured.stdout, configured.stderr
            primary.restart()
            checked = run_pyvb("backup", "check", "--repo", str(repo))
            assert checked.returncode == 0, checked.stderr
            full = run_pyvb("backup", "run", "--type", "full", "--repo", str(repo))
            assert full.returncode == 0 and "(full) done" in full.stdout, full.stderr
            time.sleep(1.1)  # pgBackRest times a backup's stop in whole seconds: T falls after it

            payer, payee = str(uuid.uuid4()), str(uuid.uuid4())
            with psycopg.connect(url, autocommit=True) as conn:
                for account in (payer, payee):
                    conn.execute("SELECT vb_api.open_account(%s, 'VBD')", (account,))
                conn.execute(
                    "SELECT vb_api.create_transfer(%s, %s, %s, 1000, 'deposit')",
                    (uuid.uuid4(), ISSUER, payer),
                )
            transfers(url, payer, payee, 3)
            time.sleep(0.5)
            with psycopg.connect(url) as conn:
                target = conn.execute("SELECT clock_timestamp()").fetchone()[0]
                before = conn.execute(
                    "SELECT transfers FROM vb_ops.recovery_point(%s)", (target,)
                ).fetchone()[0]
            time.sleep(0.5)
            transfers(url, payer, payee, 2)  # after the target: must not come back
            with psycopg.connect(url, autocommit=True) as conn:
                archive_current_segment(conn)

            listed = run_pyvb("backup", "list", "--repo", str(repo))
            assert listed.returncode == 0 and "full" in listed.stdout and "1 backup(s)" in listed.stdout

            drill = run_pyvb("backup", "restore-drill", "--target-time", target.isoformat(), *options)
            assert drill.returncode == 0, drill.stdout + drill.stderr
            counts = f"{before:,} live, {before:,} restored ({before:,} in the copy in all); RPO 0.000 s"
            assert f"transfers before the target: {counts}" in drill.stdout, drill.stdout
            for check in ("verify_ledger", "verify_audit", "balances", "recovery point"):
                assert re.search(rf"{check}\s+│ ok", drill.stdout), drill.stdout
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT count(*) FROM vb.transfers").fetchone()[0] == before + 2
            early = "2000-01-01T00:00:00+00:00"
            too_early = run_pyvb("backup", "restore-drill", "--target-time", early, *options)
            assert too_early.returncode == 1 and "no backup finished before 2000-01-01" in too_early.stderr

            status = run_pyvb("backup", "status", "--database-url", url)
            assert status.returncode == 0 and "archiving ok" in status.stdout, status.stdout + status.stderr
            (repo / "repository").chmod(0)  # the repository unwritable: archiving fails loudly
            try:
                transfers(url, payer, payee, 1)
                with psycopg.connect(url, autocommit=True) as conn:
                    conn.execute("SELECT pg_switch_wal()")
                    deadline = time.monotonic() + 60
                    while not conn.execute("SELECT failing FROM vb_ops.archive_status()").fetchone()[0]:
                        assert time.monotonic() < deadline, "the failure was not reported"
                        time.sleep(0.2)
                    failing_series = conn.execute(
                        "SELECT metric_value FROM vb_ops.system_metrics()"
                        " WHERE metric = 'vb_db_wal_archive_failing'"
                    ).fetchone()[0]
                assert failing_series == 1
                status = run_pyvb("backup", "status", "--database-url", url)
                assert status.returncode == 1 and "WAL archiving is failing since" in status.stderr
                transfers(url, payer, payee, 1)  # the primary keeps taking writes meanwhile
            finally:
                (repo / "repository").chmod(0o750)
        finally:
            shutil.rmtree(repo, ignore_errors=True)
