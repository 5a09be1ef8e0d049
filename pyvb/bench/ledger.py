"""``pyvb bench ledger``: ledger throughput and latency against pgbench's simple-update, in one run.

Everything is driven by pgbench itself (same client, same protocol, same machine), so the ratio
to the built-in ``simple-update`` script is apples to apples: the baseline runs on a scratch
pgbench database, the ledger loads on a scratch deployed database, one after the other.
"""

from __future__ import annotations

import os
import threading

import psycopg

from pyvb.bench.harness import FLOOR_RUN, ISSUER_ID, PgbenchHarness, Run, settle
from pyvb.config import with_database
from pyvb.deploy import Deployer, drop_database

HOUSE_ID = "00000000-0000-0000-0002-000000000000"
ACCOUNT_ID_SQL = "('00000000-0000-0000-0000-' || lpad(({n})::text, 12, '0'))::uuid"


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
    # the cost floor of a transfer: its minimum writes (both balances and versions, the transfer
    # row, its two entries) in one statement, with no checks, no idempotency, no events, no
    # audit; on a copy of the ledger database (same tables, indexes and partitions), as its
    # owner. One UPDATE for both accounts: it locks them in index order, so clients cannot
    # deadlock.
    "floor": """\\set a random(1, {accounts})
\\set b 1 + (:a + random(0, {accounts} - 2)) % {accounts}
WITH t AS (SELECT gen_random_uuid() AS id, now() AS at),
moved AS (
    UPDATE vb.accounts SET balance = balance + CASE WHEN account_id = {from_id} THEN -1 ELSE 1 END,
        version = version + 1, updated_at = (SELECT at FROM t)
    WHERE account_id IN ({from_id}, {to_id})
    RETURNING account_id, version, balance
),
transfer AS (
    INSERT INTO vb.transfers (transfer_id, created_at, transfer_kind, from_account_id, to_account_id,
        asset_code, amount, code)
    SELECT id, at, 'single', {from_id}, {to_id}, 'VBD', 1, 'p2p' FROM t
)
INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after, code)
SELECT m.account_id, m.version, t.at, t.id, CASE WHEN m.account_id = {from_id} THEN -1 ELSE 1 END,
    m.balance, 'p2p'
FROM moved AS m, t;
""",
    "reads": """\\set a random(1, {accounts})
\\set b random(1, {accounts})
SELECT * FROM vb_api.get_balances(ARRAY[{from_id}, {to_id}]);
""",
}


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


class LedgerBench(PgbenchHarness):
    """The ledger loads of ``pyvb bench ledger`` and pgbench's simple-update on a second scratch
    database as the baseline."""

    def __init__(
        self,
        server_url,
        clients,
        duration_s,
        accounts,
        batch_size,
        batch_accounts,
        jobs,
        console,
        pgbouncer_pool=0,
        with_floor=False,
    ):
        super().__init__(server_url, "ledger", clients, duration_s, jobs, console)
        self.pgbouncer_pool = pgbouncer_pool  # > 0: single transfers also through a PgBouncer of this pool
        self.accounts = accounts
        self.batch_size = batch_size
        self.batch_accounts = batch_accounts
        self.baseline_db = f"vb_bench_pgbench_{os.getpid()}"
        self.floor_db = f"vb_bench_floor_{os.getpid()}"
        self.with_floor = with_floor

    def setup(self) -> None:
        count = max(self.accounts, self.batch_accounts)
        self.console.print(f"deploying {self.scratch_db} and opening {count} accounts…")
        drop_database(self.server_url, self.scratch_db)
        url = with_database(self.server_url, self.scratch_db)
        Deployer(url).migrate()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET ROLE vb_admin")  # the world is built by the back office
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
            conn.execute("RESET ROLE")  # maintenance and settling are the login's (owner's) work
            conn.execute("SELECT vb_ops.fold_deferred_entries()")
            settle(conn)
        self.init_baseline_db(self.baseline_db)
        if self.with_floor:  # the floor's copy: the same tables, indexes, partitions and accounts
            drop_database(self.server_url, self.floor_db)
            with psycopg.connect(with_database(self.server_url, "postgres"), autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{self.floor_db}" TEMPLATE "{self.scratch_db}"')
        if self.pgbouncer_pool:
            self.start_pgbouncer(self.pgbouncer_pool)

    def teardown(self) -> None:
        super().teardown()
        drop_database(self.server_url, self.baseline_db)
        drop_database(self.server_url, self.floor_db)

    def baseline(self) -> Run:
        return self._timed_run("simple-update", self.baseline_db, ["-b", "simple-update"], self.clients, 1)

    def floor(self) -> Run:
        """The cost floor of a single transfer (SCRIPTS["floor"]) over --accounts accounts."""
        return self._timed_run(
            FLOOR_RUN,
            self.floor_db,
            ["-M", "prepared", "-f", self._script("floor", self.accounts)],
            self.clients,
            1,
        )

    def _script(self, kind: str, accounts: int) -> str:
        path = self.workdir / f"{kind}.sql"
        path.write_text(script_text(kind, accounts, self.batch_size))
        return str(path)

    def via_pgbouncer(self) -> Run:
        """Single transfers through the PgBouncer: the extended protocol without prepared
        statements (PgBouncer 1.18 cannot carry them across transactions), as the middleware
        behind it must send them."""
        return self._timed_run(
            "create_transfer via PgBouncer",
            self.scratch_db,
            ["-M", "extended", "-f", self._script("single", self.accounts)],
            self.clients,
            1,
            via_pgbouncer=True,
        )

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
