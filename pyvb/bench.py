"""``pyvb bench ledger``: ledger throughput and latency against pgbench's simple-update, in one run.

Everything is driven by pgbench itself (same client, same protocol, same machine), so the ratio
to the built-in ``simple-update`` script is apples to apples: the baseline runs on a scratch
pgbench database, the ledger loads on a scratch deployed database, one after the other.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from pyvb.config import with_database
from pyvb.deploy import Deployer, drop_database

ISSUER_ID = "00000000-0000-0000-0001-000000000000"
HOUSE_ID = "00000000-0000-0000-0002-000000000000"
ACCOUNT_ID_SQL = "('00000000-0000-0000-0000-' || lpad(({n})::text, 12, '0'))::uuid"


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
    warmup_p99_ms: float | None = None  # p99 of the transactions of the warm-up, not counted above


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def median_runs(rounds: list[list[Run]]) -> list[Run]:
    """One row per run name: medians over the rounds; ratios are computed within each round
    (against that round's simple-update) before the median is taken."""
    for runs in rounds:
        baseline = runs[0].transactions_per_s
        for run in runs:
            run.ratio = None if run.name == "get_balances" else run.transfers_per_s / baseline
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
            )
        )
    return merged


def account_id(n: str) -> str:
    return ACCOUNT_ID_SQL.format(n=n)


SCRIPTS = {
    "single": """\\set a random(1, {accounts})
\\set b 1 + (:a + random(0, {accounts} - 2)) % {accounts}
SELECT vb_api.create_transfer(gen_random_uuid(), {from_id}, {to_id}, 1, 'p2p');
""",
    "batch": """\\set a random(0, {accounts} - 1)
SELECT count(*) FROM vb_api.create_transfers(ARRAY(
    SELECT ROW(gen_random_uuid(), {batch_from}, {batch_to}, 1, 'p2p', '{{}}', NULL, NULL, NULL)
        ::vb_api.transfer_request
    FROM generate_series(1, {batch_size}) AS i));
""",
    "hot": """\\set a random(1, {accounts})
SELECT vb_api.create_transfer(gen_random_uuid(), {from_id}, '{house}'::uuid, 1, 'fee');
""",
    "reads": """\\set a random(1, {accounts})
\\set b random(1, {accounts})
SELECT * FROM vb_api.get_balances(ARRAY[{from_id}, {to_id}]);
""",
}


def p50_p99(values: list[float]) -> tuple[float | None, float | None]:
    """Median and 99th percentile, or (None, None) with fewer than two values."""
    if len(values) < 2:
        return None, None
    cuts = statistics.quantiles(values, n=100)
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


def script_text(kind: str, accounts: int, batch_size: int) -> str:
    return SCRIPTS[kind].format(
        accounts=accounts,
        batch_size=batch_size,
        from_id=account_id(":a"),
        to_id=account_id(":b"),
        house=HOUSE_ID,
        batch_from=account_id(f"1 + (:a + i * 7919) % {accounts}"),
        batch_to=account_id(f"1 + (:a + i * 7919 + {accounts // 2}) % {accounts}"),
    )


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
        if self.pgbench is None:
            raise BenchError("pgbench is not installed (Debian: postgresql-client)")
        self.scratch_db = f"vb_bench_{scratch}_{os.getpid()}"
        self.workdir = Path(tempfile.mkdtemp(prefix="vb-bench-"))

    def _pg_args(self, dbname: str) -> list[str]:
        url = urlsplit(self.server_url)
        args = ["-h", url.hostname or "127.0.0.1", "-p", str(url.port or 5432), "-d", dbname]
        if url.username:
            args += ["-U", url.username]
        return args

    def _env(self) -> dict[str, str]:
        env = dict(os.environ)
        password = urlsplit(self.server_url).password
        if password:
            env["PGPASSWORD"] = password
        return env

    def teardown(self) -> None:
        drop_database(self.server_url, self.scratch_db)
        shutil.rmtree(self.workdir, ignore_errors=True)

    # --- runs ------------------------------------------------------------------------------
    def _run_pgbench(self, args: list[str], dbname: str) -> str:
        result = subprocess.run(
            [self.pgbench, *self._pg_args(dbname), *args],
            capture_output=True,
            text=True,
            env=self._env(),
            check=False,
        )
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
            raise BenchError(f"pgbench failed: {(errors or ['(no message)'])[0]}")
        return result.stdout + result.stderr

    def _timed_run(self, name: str, dbname: str, args: list[str], clients: int, per_txn: int) -> Run:
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


class LedgerBench(PgbenchHarness):
    """The ledger loads of ``pyvb bench ledger`` and pgbench's simple-update on a second scratch
    database as the baseline."""

    def __init__(self, server_url, clients, duration_s, accounts, batch_size, batch_accounts, jobs, console):
        super().__init__(server_url, "ledger", clients, duration_s, jobs, console)
        self.accounts = accounts
        self.batch_size = batch_size
        self.batch_accounts = batch_accounts
        self.baseline_db = f"vb_bench_pgbench_{os.getpid()}"

    def setup(self) -> None:
        count = max(self.accounts, self.batch_accounts)
        self.console.print(f"deploying {self.scratch_db} and opening {count} accounts…")
        drop_database(self.server_url, self.scratch_db)
        url = with_database(self.server_url, self.scratch_db)
        Deployer(url).migrate()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER_ID,))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'house', 0)", (HOUSE_ID,))
            for start in range(1, count + 1, 1000):
                end = min(start + 999, count)
                conn.execute(
                    f"SELECT count(vb_api.open_account({account_id('n')}, 'VBD')) "
                    "FROM generate_series(%s::int, %s::int) AS n",
                    (start, end),
                )
                conn.execute(
                    f"""SELECT count(*) FROM vb_api.create_transfers(ARRAY(
                        SELECT ROW(gen_random_uuid(), %s::uuid, {account_id("n")}, 1000000000000, 'deposit',
                            '{{}}', NULL, NULL, NULL)::vb_api.transfer_request
                        FROM generate_series(%s::int, %s::int) AS n))""",
                    (ISSUER_ID, start, end),
                )
            conn.execute("SELECT vb_ops.fold_deferred_entries()")
            settle(conn)
        self.console.print(f"initialising pgbench database {self.baseline_db}…")
        drop_database(self.server_url, self.baseline_db)
        with psycopg.connect(with_database(self.server_url, "postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.baseline_db}"')
        self._run_pgbench(["-i", "-q", "-s", "1"], self.baseline_db)

    def teardown(self) -> None:
        super().teardown()
        drop_database(self.server_url, self.baseline_db)

    def baseline(self) -> Run:
        return self._timed_run("simple-update", self.baseline_db, ["-b", "simple-update"], self.clients, 1)

    def _script(self, kind: str, accounts: int) -> str:
        path = self.workdir / f"{kind}.sql"
        path.write_text(script_text(kind, accounts, self.batch_size))
        return str(path)

    def single(self) -> tuple[Run, Run]:
        """Single transfers over --accounts accounts, with get_balances sampled alongside."""
        reads: list[Run] = []
        reader = threading.Thread(
            target=lambda: reads.append(
                self._timed_run(
                    "get_balances",
                    self.scratch_db,
                    ["-M", "prepared", "-R", "200", "-f", self._script("reads", self.accounts)],
                    1,
                    1,
                )
            )
        )
        reader.start()
        run = self._timed_run(
            "create_transfer",
            self.scratch_db,
            ["-M", "prepared", "-f", self._script("single", self.accounts)],
            self.clients,
            1,
        )
        reader.join()
        return run, reads[0]

    def batch(self) -> Run:
        return self._timed_run(
            f"create_transfers x{self.batch_size}",
            self.scratch_db,
            ["-M", "prepared", "-f", self._script("batch", self.batch_accounts)],
            self.clients,
            self.batch_size,
        )

    def hot(self) -> Run:
        """Every transfer credits one house account; a folder runs as maintenance would."""
        stop = threading.Event()

        def fold() -> None:
            with psycopg.connect(with_database(self.server_url, self.scratch_db), autocommit=True) as conn:
                while not stop.wait(1.0):
                    conn.execute("SELECT vb_ops.fold_deferred_entries()")

        folder = threading.Thread(target=fold, daemon=True)
        folder.start()
        try:
            return self._timed_run(
                "hot house account",
                self.scratch_db,
                ["-M", "prepared", "-f", self._script("hot", self.accounts)],
                self.clients,
                1,
            )
        finally:
            stop.set()
            folder.join()


TRADER_CASH_SQL = "('00000000-0000-0000-0003-' || lpad(({n})::text, 12, '0'))::uuid"
TRADER_OWNER_SQL = "('00000000-0000-0000-0004-' || lpad(({n})::text, 12, '0'))::uuid"
MID_PRICE = 10000
TICK = 5

ORDER_SCRIPT = """\\set t random(1, {traders})
\\set s random(1, {symbols})
\\set side random(0, 1)
\\set off random(-{depth}, 2)
SELECT status FROM vb_api.place_order(gen_random_uuid(), {cash}, 'S' || lpad(:s::text, 3, '0'),
    CASE WHEN :side = 0 THEN 'buy' ELSE 'sell' END, 10, 'limit',
    {mid} + (CASE WHEN :side = 0 THEN :off::int ELSE -(:off::int) END) * {tick}, 'gtc');
"""


class TradingBench(PgbenchHarness):
    """Orders from many traders on N symbols: a resting book of --depth levels a side around one
    mid price, and orders whose limit lands from --depth ticks behind to 2 ticks through the
    touch, so that 2 in depth + 3 cross on arrival (more trade later while they rest)."""

    def __init__(self, server_url, clients, duration_s, symbols, depth, traders, jobs, console):
        super().__init__(server_url, "trading", clients, duration_s, jobs, console)
        self.symbols = symbols
        self.depth = depth
        self.traders = traders

    def setup(self) -> None:
        shape = f"{self.symbols} symbols, {self.traders} traders, book depth {self.depth}"
        self.console.print(f"deploying {self.scratch_db}: {shape}…")
        drop_database(self.server_url, self.scratch_db)
        url = with_database(self.server_url, self.scratch_db)
        Deployer(url).migrate()
        cash, owner = TRADER_CASH_SQL.format(n="n"), TRADER_OWNER_SQL.format(n="n")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER_ID,))
            conn.execute(
                "SELECT count(vb_api.create_security('S' || lpad(s::text, 3, '0'), 'bench', 'VBD', %s, 10,"
                " NULL)) FROM generate_series(1, %s) AS s",
                (TICK, self.symbols),
            )
            conn.execute("SELECT vb_api.set_fees(NULL, 5, 10)")
            conn.execute(
                f"SELECT count(vb_api.create_user({owner}, 'trader' || n)),"
                f" count(vb_api.open_account({cash}, 'VBD', {owner}))"
                " FROM generate_series(1, %s) AS n",
                (self.traders,),
            )
            conn.execute(
                f"""SELECT count(*) FROM vb_api.create_transfers(ARRAY(
                    SELECT ROW(gen_random_uuid(), %s::uuid, {cash}, 100000000000000, 'deposit', '{{}}',
                        NULL, NULL, NULL)::vb_api.transfer_request FROM generate_series(1, %s) AS n))""",
                (ISSUER_ID, self.traders),
            )
            conn.execute(
                "SELECT count(vb_api.issue_shares(gen_random_uuid(), 'S' || lpad(s::text, 3, '0'),"
                f" {owner}, 1000000000))"
                " FROM generate_series(1, %s) AS n CROSS JOIN generate_series(1, %s) AS s",
                (self.traders, self.symbols),
            )
            # the escrow accounts a trader's resting orders reserve into, opened as place_order
            # opens them on a trader's first resting order: the runs measure a market that has been
            # trading, not 4,000 first orders opening accounts
            conn.execute(
                "SELECT count(vb.ensure_account(vb.derived_id('escrow', o::text, a), a, o, 'clearing'))"
                f" FROM (SELECT {owner} AS o FROM generate_series(1, %s) AS n) AS t"
                " CROSS JOIN LATERAL (SELECT 'VBD' UNION ALL SELECT 'S' || lpad(s::text, 3, '0')"
                " FROM generate_series(1, %s) AS s) AS x (a)",
                (self.traders, self.symbols),
            )
            # the resting book: 5 orders per level and side, traders taken in turn
            conn.execute(
                f"""SELECT count(*) FROM generate_series(1, %(symbols)s) AS s
                    CROSS JOIN generate_series(1, %(depth)s) AS lvl
                    CROSS JOIN generate_series(0, 1) AS side
                    CROSS JOIN generate_series(1, 5) AS k
                    CROSS JOIN LATERAL (
                        SELECT ((s * 7 + lvl * 5 + k + side * 3) %% %(traders)s) + 1 AS n) AS pick
                    CROSS JOIN LATERAL vb_api.place_order(
                        gen_random_uuid(), {TRADER_CASH_SQL.format(n="pick.n")}, 'S' || lpad(s::text, 3, '0'),
                        CASE side WHEN 0 THEN 'buy' ELSE 'sell' END, 10, 'limit',
                        %(mid)s + (CASE side WHEN 0 THEN -lvl ELSE lvl END) * %(tick)s, 'gtc') AS o""",
                {
                    "symbols": self.symbols,
                    "depth": self.depth,
                    "traders": self.traders,
                    "mid": MID_PRICE,
                    "tick": TICK,
                },
            )
            settle(conn)

    def orders(self, name: str, symbols: int, rate: int | None = None, clients: int | None = None) -> Run:
        script = self.workdir / (re.sub(r"[^A-Za-z0-9]+", "-", name) + ".sql")
        script.write_text(
            ORDER_SCRIPT.format(
                traders=self.traders,
                symbols=symbols,
                depth=self.depth,
                mid=MID_PRICE,
                tick=TICK,
                cash=TRADER_CASH_SQL.format(n=":t"),
            )
        )
        args = ["-M", "prepared", "-f", str(script)]
        if rate:
            args += ["-R", str(rate)]
        before = self._trades_and_orders()
        run = self._timed_run(name, self.scratch_db, args, clients or self.clients, 1)
        after = self._trades_and_orders()
        traded = (after[0] - before[0]) / max(after[1] - before[1], 1)
        run.ratio = traded  # shown as "traded": the share of orders that traded
        return run

    def _trades_and_orders(self) -> tuple[int, int]:
        with psycopg.connect(with_database(self.server_url, self.scratch_db)) as conn:
            return conn.execute(
                "SELECT count(*) FILTER (WHERE filled_quantity > 0), count(*) FROM vb.orders"
            ).fetchone()
