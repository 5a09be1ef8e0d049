"""The API through a PgBouncer in transaction pooling mode (Debian's pgbouncer 1.18), as the
middleware would use it: psycopg without prepared statements, one transaction at a time on any
server connection. The request context and a role set for a transaction never reach the next
transaction on the same server connection; concurrent transfers through a small pool keep the
ledger exact. (The ledger and trading model tests also run through it: their `via` parameter.)"""

from __future__ import annotations

import threading
import time
import uuid
from urllib.parse import urlsplit

import psycopg
import pytest

from pyvb.services.pgbouncer import PgBouncer
from pyvb.testing.fixtures import through

ISSUER = "00000000-0000-4000-8000-000000000001"


@pytest.fixture
def one_server_connection(pg_server_url, db_url):
    """A PgBouncer whose pool holds one server connection: every client shares it in turn."""
    parts = urlsplit(pg_server_url)
    with PgBouncer(parts.hostname or "127.0.0.1", parts.port or 5432, pool_size=1) as bouncer:
        yield through(bouncer, db_url)


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, prepare_threshold=None, **kwargs)


def funded_accounts(conn, count: int, amount: int) -> list[str]:
    accounts = [str(uuid.uuid4()) for _ in range(count)]
    with conn.transaction():
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER,))
        for account in accounts:
            conn.execute("SELECT vb_api.open_account(%s, 'VBD')", (account,))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
                (uuid.uuid4(), ISSUER, account, amount),
            )
    return accounts


def test_a_transactions_context_and_role_stay_in_it(one_server_connection):
    url = one_server_connection
    with connect(url) as first, connect(url, autocommit=True) as second:
        payer, payee = funded_accounts(first, 2, 1_000)
        with first.transaction():
            first.execute("SET LOCAL ROLE vb_app")
            first.execute("SELECT vb_api.set_request_context('req-pooled')")
            first.execute("SELECT vb_api.create_transfer(%s, %s, %s, 1, 'p2p')", (uuid.uuid4(), payer, payee))
        # the same server connection now serves the other client
        assert second.execute("SELECT current_user").fetchone()[0] != "vb_app"
        second.execute("SELECT vb_api.create_transfer(%s, %s, %s, 1, 'p2p')", (uuid.uuid4(), payer, payee))
        records = second.execute(
            "SELECT db_role, request_id FROM vb.event_audit WHERE function_name = 'vb_api.create_transfer'"
            " AND arguments ->> 'amount' = '1' ORDER BY audit_id"
        ).fetchall()
    assert records[0] == ("vb_app", "req-pooled")
    assert records[1][1] is None, "the next transaction on the same server connection has no context"
    assert records[1][0] != "vb_app"


def test_concurrent_transfers_through_a_small_pool_keep_the_ledger_exact(pgbouncer, db_url):
    url = through(pgbouncer, db_url)
    with connect(url) as setup:
        accounts = funded_accounts(setup, 8, 10_000)
    errors: list[BaseException] = []

    def client(seed: int) -> None:
        try:
            with connect(url, autocommit=True) as conn:
                for n in range(40):
                    payer, payee = accounts[(seed + n) % 8], accounts[(seed * 3 + n + 1) % 8]
                    if payer == payee:
                        continue
                    with conn.transaction():
                        conn.execute("SET LOCAL ROLE vb_app")
                        conn.execute("SELECT vb_api.set_request_context(%s)", (f"req-{seed}-{n}",))
                        status = conn.execute(
                            "SELECT vb_api.create_transfer(%s, %s, %s, 7, 'p2p')",
                            (uuid.uuid4(), payer, payee),
                        ).fetchone()[0]
                        assert status == "created", status
        except BaseException as error:  # reported below, with every client's
            errors.append(error)

    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    with psycopg.connect(db_url) as conn:
        total = conn.execute(
            "SELECT sum(balance) FROM vb_api.get_balances(%s::uuid[])", (accounts,)
        ).fetchone()[0]
        failures = conn.execute(
            "SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok"
        ).fetchall()
        contexts = conn.execute(
            "SELECT count(*) FILTER (WHERE request_id LIKE 'req-%%' AND db_role = 'vb_app'), count(*)"
            " FROM vb.event_audit"
            " WHERE function_name = 'vb_api.create_transfer' AND arguments ->> 'amount' = '7'"
        ).fetchone()
    assert total == 8 * 10_000 and failures == []
    assert contexts[0] == contexts[1] > 0, "each transfer recorded with its own transaction's context"


def test_a_pgbouncer_restarted_under_load_gives_clean_retryable_errors_and_nothing_half_done(
    pg_server_url, db_url
):
    """Clients retry a transfer with the same id after a lost connection, as the middleware must: each
    transfer ends created once (`exists` on the retry when the first attempt had committed), the
    ledger verifies, and the only errors the clients saw were lost connections."""
    parts = urlsplit(pg_server_url)
    with PgBouncer(parts.hostname or "127.0.0.1", parts.port or 5432, pool_size=4) as bouncer:
        url = through(bouncer, db_url)
        with connect(url) as setup:
            accounts = funded_accounts(setup, 6, 100_000)
        seen: list[str] = []
        outcomes: dict[uuid.UUID, str] = {}
        stop = threading.Event()

        def client(seed: int) -> None:
            conn = None
            n = 0
            while not stop.is_set() or n < 20:
                transfer_id, n = uuid.uuid4(), n + 1
                payer, payee = accounts[seed % 6], accounts[(seed % 6 + 1 + n % 5) % 6]
                while transfer_id not in outcomes:
                    try:
                        if conn is None or conn.closed:
                            conn = connect(url, autocommit=True)
                        outcomes[transfer_id] = conn.execute(
                            "SELECT vb_api.create_transfer(%s, %s, %s, 3, 'p2p')", (transfer_id, payer, payee)
                        ).fetchone()[0]
                    except psycopg.OperationalError as error:
                        seen.append(type(error).__name__)
                        if conn is not None:
                            conn.close()
                        time.sleep(0.05)
            conn.close()

        threads = [threading.Thread(target=client, args=(seed,)) for seed in range(8)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        bouncer.stop()
        time.sleep(0.5)
        bouncer.start()
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(120)
    assert seen, "the restart cut some connections"
    assert set(seen) == {"OperationalError"}
    assert set(outcomes.values()) <= {"created", "exists"}, outcomes
    with psycopg.connect(db_url) as conn:
        stored = conn.execute(
            "SELECT count(*) FROM vb.transfers WHERE transfer_id = ANY(%s)", (list(outcomes),)
        ).fetchone()[0]
        failures = conn.execute("SELECT check_name FROM vb_ops.verify_ledger() WHERE NOT ok").fetchall()
        total = conn.execute(
            "SELECT sum(balance) FROM vb_api.get_balances(%s::uuid[])", (accounts,)
        ).fetchone()[0]
    assert stored == len(outcomes) and failures == [] and total == 6 * 100_000
