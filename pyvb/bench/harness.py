"""What every benchmark shares: results, medians and percentiles, the machine's size, and the
pgbench harness (a scratch database, pgbench runs with per-transaction logs, the audit after).
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from pyvb.config import APP_ROLE, role_option, with_database
from pyvb.deploy import drop_database

#: The login of the runs through PgBouncer (HarnessPgbench.start_pgbouncer), a member of vb_app.
BENCH_APP_LOGIN = "vb_bench_app"
#: The issuer of the benchmarks' cash (every benchmark deposits from it).
ISSUER_ID = "00000000-0000-0000-0001-000000000000"


class BenchError(Exception):
    """The benchmark could not run (pgbench missing, a run failed)."""


@dataclass
class Run:
    name: str
    clients: int
    transactions_per_s: float
    transfers_per_s: float
    p50_ms: float | None
    p99_ms: float | None
    failed: int
    ratio: float | None = None  # transfers/s over the round's simple-update tx/s
    floor_ratio: float | None = None  # transfers/s over the round's floor tx/s (--baseline floor)
    warmup_p99_ms: float | None = None  # p99 of the transactions of the warm-up, not counted above


#: the name of bench ledger's floor run (the minimum writes of a transfer)
FLOOR_RUN = "floor (minimum writes)"


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_runs(rounds: list[list[Run]]) -> list[Run]:
    """One row per run name: medians over the rounds; ratios are computed within each round
    (against that round's simple-update) before the median is taken."""
    for runs in rounds:
        baseline = runs[0].transactions_per_s
        floor = next((run.transactions_per_s for run in runs if run.name == FLOOR_RUN), None)
        for run in runs:
            run.ratio = None if run.name == "get_balances" else run.transfers_per_s / baseline
            if floor and run.name != "get_balances":
                run.floor_ratio = run.transfers_per_s / floor
    merged = []
    for position, first in enumerate(rounds[0]):
        same = [runs[position] for runs in rounds]
        merged.append(
            Run(
                first.name,
                first.clients,
                _median(r.transactions_per_s for r in same),
                _median(r.transfers_per_s for r in same),
                _median(r.p50_ms for r in same),
                _median(r.p99_ms for r in same),
                sum(r.failed for r in same),
                _median(r.ratio for r in same),
                floor_ratio=_median(r.floor_ratio for r in same),
            )
        )
    return merged


def p50_p99(values: list[float]) -> tuple[float | None, float | None]:
    """Median and 99th percentile, or (None, None) with fewer than two values."""
    if len(values) < 2:
        return None, None
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return cuts[49], cuts[98]


def after_warmup(
    transactions: list[tuple[float, float]], warm_from: float
) -> tuple[float | None, float | None, float | None, float | None]:
    """From (latency ms, completion time) pairs: transactions/s, p50 and p99 of those completed at
    or after ``warm_from`` (over the time from it to the last completion), and the p99 of those
    before it. (None, …) when fewer than two completed after it."""
    counted = [(latency_ms, done) for latency_ms, done in transactions if done >= warm_from]
    warmup_p99 = p50_p99([latency_ms for latency_ms, done in transactions if done < warm_from])[1]
    if len(counted) < 2:
        return None, None, None, warmup_p99
    tps = len(counted) / max(max(done for _, done in counted) - warm_from, 1e-3)
    p50, p99 = p50_p99([latency_ms for latency_ms, _ in counted])
    return tps, p50, p99, warmup_p99


def settle(conn: psycopg.Connection) -> None:
    """After a bulk load: statistics and visibility map up to date (VACUUM ANALYZE) and the dirty
    pages written (CHECKPOINT), so that a measured run neither plans on stale statistics nor pays
    the load's checkpoint and the full-page writes after it."""
    conn.execute("VACUUM ANALYZE")
    conn.execute("CHECKPOINT")


def machine_size() -> str:
    memory_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_kb = int(line.split()[1])
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {memory_kb / 1024 / 1024:.0f} GiB"


WARMUP_S = 2


class PgbenchHarness:
    """What every benchmark shares: a scratch database on the server of ``server_url``, pgbench
    runs against it with per-transaction logs (p50/p99), and the audit afterwards.

    Each run lasts ``WARMUP_S`` seconds longer than ``duration_s`` and only what completes after
    the warm-up counts: pgbench opens new connections, and each compiles the PL/pgSQL functions
    and caches their plans on its first calls (tens of ms with 16 sessions starting at once on two
    cores), which a pooled middleware connection pays once, not in its steady state. The
    warm-up's own p99 is kept beside the run (``Run.warmup_p99_ms``)."""

    def __init__(self, server_url: str, scratch: str, clients: int, duration_s: int, jobs: int, console):
        self.server_url = server_url
        self.clients = clients
        self.duration_s = duration_s
        self.jobs = jobs
        self.console = console
        self.pgbench = shutil.which("pgbench")
        self.pgbench_prefix: list[str] = []  # e.g. taskset's, to pin the load generator
        if self.pgbench is None:
            raise BenchError("pgbench is not installed (Debian: postgresql-client)")
        self.scratch_db = f"vb_bench_{scratch}_{os.getpid()}"
        self.workdir = Path(tempfile.mkdtemp(prefix="vb-bench-"))
        self.bouncer = None  # a PgBouncer started by start_pgbouncer, for runs ``via_pgbouncer``

    def _pg_args(self, dbname: str, via_pgbouncer: bool = False) -> list[str]:
        if via_pgbouncer:
            return ["-h", "127.0.0.1", "-p", str(self.bouncer.port), "-d", dbname, "-U", BENCH_APP_LOGIN]
        url = urlsplit(self.server_url)
        args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-d", dbname]
        if url.username:
            args += ["-U", url.username]
        return args

    def start_pgbouncer(self, pool_size: int) -> None:
        """A PgBouncer in transaction pooling mode in front of the server, and the login the runs
        through it use: ``vb_bench_app``, a member of vb_app (PgBouncer refuses ``-c role=…``, and a
        role SET for a session would leak across its clients)."""
        from pyvb.services.pgbouncer import PgBouncer

        with psycopg.connect(with_database(self.server_url, "postgres"), autocommit=True) as conn:
            conn.execute(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'vb_bench_app') THEN"
                " CREATE ROLE vb_bench_app LOGIN IN ROLE vb_app; END IF; END $$"
            )
        url = urlsplit(self.server_url)
        self.bouncer = PgBouncer(
            url.hostname or "127.0.0.1", url.port or 5432, logins=(BENCH_APP_LOGIN,), pool_size=pool_size
        ).start()

    def _env(self, role: str | None = None) -> dict[str, str]:
        env = dict(os.environ)
        password = urlsplit(self.server_url).password
        if password:
            env["PGPASSWORD"] = password
        if role:
            env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {role_option(role)}".strip()
        return env

    def teardown(self) -> None:
        if self.bouncer is not None:
            self.bouncer.close()
        drop_database(self.server_url, self.scratch_db)
        shutil.rmtree(self.workdir, ignore_errors=True)

    def init_baseline_db(self, dbname: str) -> None:
        """A pgbench database of scale 1, made afresh, for a benchmark's baseline runs."""
        self.console.print(f"initialising pgbench database {dbname}…")
        drop_database(self.server_url, dbname)
        with psycopg.connect(with_database(self.server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{dbname}"')
        self._run_pgbench(["-i", "-q", "-s", "1"], dbname)

    # --- runs ------------------------------------------------------------------------------
    def _run_pgbench(
        self, args: list[str], dbname: str, role: str | None = None, via_pgbouncer: bool = False
    ) -> str:
        """pgbench on ``dbname``, acting as ``role`` when given (the login must be a member), or
        through the PgBouncer as its login."""
        result = subprocess.run(
            [*self.pgbench_prefix, self.pgbench, *self._pg_args(dbname, via_pgbouncer), *args],
            capture_output=True,
            text=True,
            env=self._env(role),
            check=False,
        )
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
            raise BenchError(f"pgbench failed: {(errors or ['(no message)'])[0]}")
        return result.stdout + result.stderr

    def _timed_run(
        self, name: str, dbname: str, args: list[str], clients: int, per_txn: int, via_pgbouncer: bool = False
    ) -> Run:
        """A measured pgbench run; on the scratch database it acts as vb_app, as the middleware
        would (contract identity.md), on a baseline's database as the login; ``via_pgbouncer``:
        through the PgBouncer as its login (a member of vb_app)."""
        slug = re.sub(r"[^A-Za-z0-9]+", "-", name)
        prefix = self.workdir / slug
        started = time.time()
        output = self._run_pgbench(
            [
                "-n",
                "-c",
                str(clients),
                "-j",
                str(min(self.jobs, clients)),
                "-T",
                str(WARMUP_S + self.duration_s),
                "-l",
                f"--log-prefix={prefix}",
                *args,
            ],
            dbname,
            APP_ROLE if dbname == self.scratch_db and not via_pgbouncer else None,
            via_pgbouncer,
        )
        failed_match = re.search(r"number of failed transactions: (\d+)", output)
        tps, p50, p99, warmup_p99 = after_warmup(self.read_pgbench_logs(slug), started + WARMUP_S)
        if tps is None:
            raise BenchError(f"{name}: fewer than two transactions after the {WARMUP_S} s warm-up")
        return Run(
            name,
            clients,
            tps,
            tps * per_txn,
            p50,
            p99,
            int(failed_match.group(1)) if failed_match else 0,
            warmup_p99_ms=warmup_p99,
        )

    def read_pgbench_logs(self, slug: str) -> list[tuple[float, float]]:
        """(latency ms, completion time s since the epoch) of every transaction pgbench logged
        with --log-prefix=<workdir>/<slug>; the logs are removed."""
        transactions = []
        for log in self.workdir.glob(f"{slug}.*"):
            for line in log.read_text().splitlines():
                fields = line.split()  # client, transaction, latency µs, script, epoch s, µs
                if len(fields) >= 6 and fields[2].isdigit():
                    transactions.append((int(fields[2]) / 1000, int(fields[4]) + int(fields[5]) / 1e6))
            log.unlink()
        return transactions

    def verify(self) -> list[tuple]:
        with psycopg.connect(with_database(self.server_url, self.scratch_db)) as conn:
            return conn.execute(
                "SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok"
            ).fetchall()
