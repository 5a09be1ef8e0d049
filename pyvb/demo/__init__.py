"""``pyvb demo`` (``make demo``): deploy, seed, run a short banking session and a simulated
trading session while the relay delivers events to Kafka and Redis and a reader serves
balances through the cache, then print the summaries and the ledger audit. Every step calls
``vb_api`` as the role it belongs to (contract identity.md): deposits from the issuer as
``vb_admin``, the customers' requests as ``vb_app`` (the middleware), reports as ``vb_readonly``."""

from __future__ import annotations

import contextlib
import itertools
import tempfile
import threading
import time
import uuid

import psycopg
import redis
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool
from rich.console import Console
from rich.table import Table

from pyvb.cache import LedgerCache
from pyvb.config import ADMIN_ROLE, APP_ROLE, DEFAULT_REDIS_URL, OPS_ROLE, READONLY_ROLE, acting_as
from pyvb.demo.tamper import tamper_with_a_copy
from pyvb.deploy import Deployer

ISSUER = uuid.UUID("00000000-0000-4000-8000-000000000001")
FEES = uuid.UUID("00000000-0000-4000-8000-000000000002")
PEOPLE = ("alice", "bob", "carol")
NAMESPACE = uuid.UUID("6f1d7a52-3b1e-4c8e-9a55-1f0c2a7d9e10")


def person_ids(handle: str) -> tuple[uuid.UUID, uuid.UUID]:
    """Stable user and account ids, so the demo can run again against the same database."""
    return uuid.uuid5(NAMESPACE, f"user:{handle}"), uuid.uuid5(NAMESPACE, f"account:{handle}")


def money(minor: int) -> str:
    return f"{minor / 100:,.2f}"


class Session:
    """The banking session's requests: the customers' as vb_app (``conn``), money creation (a
    deposit debits the issuer) as vb_admin (``admin``)."""

    def __init__(self, conn: psycopg.Connection, admin: psycopg.Connection, console: Console):
        self.conn = conn
        self.admin = admin
        self.console = console
        self.log = Table(title="requests")
        for column in ("step", "request", "status"):
            self.log.add_column(column)

    def transfer(
        self, step, from_id, to_id, amount, code, flags=(), pending_id=None, timeout_s=None, label=""
    ):
        transfer_id = uuid.uuid4()
        status = (
            (self.admin if from_id == ISSUER else self.conn)
            .execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, %s, %s, %s, %s)",
                (transfer_id, from_id, to_id, amount, code, list(flags), pending_id, timeout_s),
            )
            .fetchone()[0]
        )
        self.log.add_row(step, label or f"{code} {money(amount or 0)}", status)
        return transfer_id

    def batch(self, step, requests):
        rows = [
            (uuid.uuid4(), f, t, a, c, list(flags), None, None, None) for f, t, a, c, flags, _ in requests
        ]
        statuses = self.conn.execute(
            "SELECT status FROM vb_api.create_transfers(%s::vb_api.transfer_request[]) ORDER BY idx", (rows,)
        ).fetchall()
        for (_, _, _, _, _, label), (status,) in zip(requests, statuses, strict=True):
            self.log.add_row(step, label, status)


def run(
    database_url: str,
    console: Console,
    seconds: float = 30,
    kafka_bootstrap: str | None = None,
    redis_url: str = DEFAULT_REDIS_URL,
    relay: bool = True,
) -> None:
    deployer = Deployer(database_url)
    report = deployer.migrate()
    applied = (
        f"{len(report.migrations_applied)} migration(s), {len(report.repeatables_applied)} repeatable file(s)"
    )
    console.print(f"deployed: {applied}")
    console.print(f"seeded: {', '.join(deployer.seed()) or 'nothing'}")
    with (
        psycopg.connect(acting_as(database_url, APP_ROLE), autocommit=True) as conn,
        psycopg.connect(acting_as(database_url, ADMIN_ROLE), autocommit=True) as admin,
    ):
        session = Session(conn, admin, console)
        accounts = {}
        for handle in PEOPLE:
            user_id, account_id = person_ids(handle)
            conn.execute("SELECT vb_api.create_user(%s, %s)", (user_id, handle))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (account_id, user_id))
            accounts[handle] = account_id
        alice, bob, carol = (accounts[h] for h in PEOPLE)

        for handle, amount in (("alice", 100_000), ("bob", 50_000), ("carol", 25_000)):
            session.transfer(
                "deposit", ISSUER, accounts[handle], amount, "deposit", label=f"deposit to {handle}"
            )
        session.batch(
            "batch",
            [
                (alice, bob, 12_050, "p2p", (), "alice → bob 120.50"),
                (bob, carol, 3_000, "p2p", (), "bob → carol 30.00"),
                (carol, alice, 1_000, "p2p", ("linked",), "carol → alice 10.00 (linked)"),
                (carol, bob, 9_999_999, "p2p", (), "carol → bob 99,999.99 (linked, too much)"),
            ],
        )
        hold = session.transfer(
            "hold",
            alice,
            carol,
            20_000,
            "hold",
            ("pending",),
            timeout_s=3600,
            label="hold alice → carol 200.00",
        )
        session.transfer(
            "post", None, None, 15_000, None, ("post_pending",), hold, label="post 150.00 of the hold"
        )
        hold = session.transfer(
            "hold", bob, alice, 7_500, "hold", ("pending",), label="hold bob → alice 75.00"
        )
        session.transfer("void", None, None, None, None, ("void_pending",), hold, label="void the hold")
        session.transfer("fee", alice, FEES, 100, "fee", label="fee alice → house 1.00")
        console.print(session.log)

        balances = Table(title="balances (VBD)")
        for column in ("account", "balance", "pending out", "available", "version"):
            balances.add_column(column, justify="left" if column == "account" else "right")
        names = {**{accounts[h]: h for h in PEOPLE}, ISSUER: "issuer", FEES: "house fees"}
        rows = conn.execute(
            "SELECT account_id, balance, pending_out, available, version FROM vb_api.get_balances(%s)",
            (list(names),),
        ).fetchall()
        for account_id, balance, pending_out, available, version in sorted(rows, key=lambda r: names[r[0]]):
            balances.add_row(
                names[account_id], money(balance), money(pending_out), money(available), str(version)
            )
        console.print(balances)

    from pyvb.demo import simulation
    from pyvb.render import verify_table

    with contextlib.ExitStack() as stack:
        delivery = None
        if relay:
            delivery = stack.enter_context(Delivery(database_url, kafka_bootstrap, redis_url, console))
        simulation.run(database_url, redis_url, console, seconds)
        halt_request = audit_a_halt(database_url)
        maintenance_pass(database_url, console)  # its events (expiries, folds) are delivered too
        if delivery:
            delivery.report()
    chain_until_linked(database_url, console, halt_request)
    print_audit(database_url, console, halt_request)
    tamper_with_a_copy(database_url, console, halt_request)
    with psycopg.connect(database_url) as conn:
        table, all_ok = verify_table(conn)
    console.print(table)
    console.print("ledger verified" if all_ok else "[red]ledger verification FAILED[/red]")


def audit_a_halt(database_url: str) -> str:
    """The back office halts ACME and resumes it, each under a request context (as vb_admin);
    returns the request id the audit trail finds them by."""
    request_id = f"demo-halt-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(acting_as(database_url, ADMIN_ROLE)) as admin:
        for state in ("halted", "active"):
            with admin.transaction():
                admin.execute(
                    "SELECT vb_api.set_request_context(%s, NULL, NULL, %s)",
                    (request_id, Jsonb({"route": "backoffice/trading-state", "operator": "demo"})),
                )
                admin.execute("SELECT vb_api.set_trading_state('security', 'ACME', %s)", (state,))
    return request_id


def chain_until_linked(database_url: str, console: Console, request_id: str, timeout_s: float = 60) -> None:
    """Link the chain (as vb_ops) until the halt's records are in it. The chain links the records
    of transactions older than the server's oldest running one, whatever its database: while
    another session on the server keeps a transaction open, the halt waits for it (said once)."""
    deadline = time.monotonic() + timeout_s
    said = False
    with (
        psycopg.connect(acting_as(database_url, OPS_ROLE), autocommit=True) as ops,
        psycopg.connect(acting_as(database_url, ADMIN_ROLE), autocommit=True) as admin,
    ):
        while True:
            ops.execute("SELECT vb_ops.chain_audit()")
            unlinked = admin.execute(
                "SELECT count(*) FROM vb_api.audit_trail(NULL, %s) WHERE chain_seq IS NULL", (request_id,)
            ).fetchone()[0]
            if not unlinked or time.monotonic() > deadline:
                return
            if not said:
                console.print("the chain waits for older transactions on the server to end…")
                said = True
            time.sleep(0.2)


def print_audit(database_url: str, console: Console, request_id: str) -> None:
    """The audit trail of the halt (chained by the maintenance pass) and verify_audit."""
    with psycopg.connect(acting_as(database_url, ADMIN_ROLE)) as admin:
        rows = admin.execute(
            "SELECT recorded_at, db_role, arguments -> 'state', outcome ->> 'status', chain_seq"
            " FROM vb_api.audit_trail(NULL, %s) ORDER BY recorded_at",
            (request_id,),
        ).fetchall()
    table = Table(title=f"audit trail of request {request_id}: who halted ACME, and when")
    for column in ("at", "role", "state (old → new)", "status", "chain link"):
        table.add_column(column)
    for at, role, state, status, seq in rows:
        table.add_row(f"{at:%H:%M:%S.%f}", role, f"{state['old']} → {state['new']}", status, str(seq or "-"))
    console.print(table)
    with psycopg.connect(database_url) as conn:
        failed = [detail for _, ok, detail in conn.execute("SELECT * FROM vb_ops.verify_audit()") if not ok]
    console.print(
        "audit trail verified" if not failed else f"[red]audit trail verification FAILED[/red]: {failed}"
    )


def maintenance_pass(database_url: str, console: Console) -> None:
    """What `pyvb maintain run` does, with archives in a temporary directory, then partition health."""
    from pyvb.maintain import LocalStore, Maintainer, status
    from pyvb.render import health_table, print_pass

    with tempfile.TemporaryDirectory(prefix="vb-demo-archive-") as archive:
        print_pass(Maintainer(database_url, LocalStore(archive)).run_pass(), console)
    with psycopg.connect(database_url) as conn:
        health, _last = status(conn)
    console.print(health_table(health)[0])


class Delivery:
    """The relay (and the bundled broker when no Kafka is configured) plus a middleware-like
    reader of balances through pyvb.cache, for the length of the trading session."""

    def __init__(self, database_url: str, kafka_bootstrap: str | None, redis_url: str, console: Console):
        self.database_url = database_url
        self.kafka_bootstrap = kafka_bootstrap
        self.redis_url = redis_url
        self.console = console
        self.stack = contextlib.ExitStack()
        self.stop_reading = threading.Event()

    def __enter__(self) -> Delivery:
        from pyvb.relay import RelayThread
        from pyvb.services.tansu import kafka_or_bundled

        self.kafka_bootstrap = self.stack.enter_context(
            kafka_or_bundled(self.kafka_bootstrap, self.console.print)
        )
        runner = RelayThread(self.database_url, self.kafka_bootstrap, self.redis_url, poll_interval_s=0.5)
        self.relay = self.stack.enter_context(runner)
        self.pool = self.stack.enter_context(
            ConnectionPool(acting_as(self.database_url, APP_ROLE), min_size=1, max_size=2, open=True)
        )
        self.reports = self.stack.enter_context(
            psycopg.connect(acting_as(self.database_url, READONLY_ROLE), autocommit=True)
        )
        self.redis = redis.Redis.from_url(self.redis_url)
        self.cache = LedgerCache(self.redis, self.pool, ttl_s=30)
        self.reader = threading.Thread(target=self._read_balances, name="demo-reader", daemon=True)
        self.reader.start()
        self.console.print(
            f"relay delivering to Kafka at {self.kafka_bootstrap} and Redis at {self.redis_url}"
        )
        return self

    def _read_balances(self) -> None:
        """Every 20 ms, the balances of every player (the list refreshed each second), as a
        websocket layer would poll them."""
        accounts_sql = (
            "SELECT account_id FROM vb_report.accounts WHERE account_kind = 'customer' AND asset_code = 'VBD'"
        )
        accounts: list = []
        for tick in itertools.count():
            if self.stop_reading.wait(0.02):
                return
            if tick % 50 == 0:
                accounts = [row[0] for row in self.reports.execute(accounts_sql)]
            self.cache.balances(accounts)

    def report(self) -> None:
        """Stop reading, let the relay deliver everything, print events per topic and the cache."""
        self.stop_reading.set()
        self.reader.join()
        self.relay.finish()
        delivered = Table(title="events delivered by the relay")
        for column in ("sink", "topic / channel", "events"):
            delivered.add_column(column, justify="right" if column == "events" else "left")
        for metric in self.relay.relay.metrics.delivered.collect():
            for sample in sorted(metric.samples, key=lambda s: (s.labels["sink"], s.labels["topic"])):
                if sample.name.endswith("_total"):
                    delivered.add_row(sample.labels["sink"], sample.labels["topic"], f"{sample.value:,.0f}")
        self.console.print(delivered)
        stats = self.cache.stats
        self.console.print(
            f"balance cache: {stats.hits:,} hits, {stats.misses:,} misses, hit ratio {stats.hit_ratio:.1%}"
            f" ({stats.refused_writes:,} stale writes refused)"
        )

    def __exit__(self, *exc) -> None:
        self.stop_reading.set()
        self.redis.close()
        self.stack.close()
