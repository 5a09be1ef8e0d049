"""A primary and a hot standby of our own (pg_basebackup -R, recovery_min_apply_delay for a lag
that is certain): ``pyvb replica status`` and its thresholds; the read router (``pyvb.db.Router``)
never shows a caller an old balance after its own transfer, bypasses a lagging replica, serves
reports from the primary while the replica is down; every ``vb_api`` read function and every
``vb_report`` view works on the standby (read-only transactions)."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from pyvb.db import Router
from pyvb.deploy import Deployer
from pyvb.services.cluster import PrivateCluster, wait_replayed
from pyvb.testing import run_pyvb

pytestmark = pytest.mark.slow

ISSUER = "00000000-0000-4000-8000-000000000001"
APPLY_DELAY_S = 2.0


@pytest.fixture(scope="module")
def pair():
    """(primary url, standby url, standby cluster, primary cluster): the schema deployed and seeded
    on the primary before the standby was cloned from it; the standby replays APPLY_DELAY_S late."""
    with PrivateCluster() as primary:
        with psycopg.connect(primary.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE virtualbank")
        url = primary.url("virtualbank")
        deployer = Deployer(url)
        deployer.migrate()
        deployer.seed()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, 1000)")
        standby = primary.standby(apply_delay_s=APPLY_DELAY_S, name="standby1")
        try:
            standby.start()
            yield url, standby.url("virtualbank"), standby, primary
        finally:
            standby.destroy()


def open_funded_account(url: str, amount: int = 10_000) -> str:
    account = str(uuid.uuid4())
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.open_account(%s, 'VBD')", (account,))
        status = conn.execute(
            "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
            (uuid.uuid4(), ISSUER, account, amount),
        ).fetchone()[0]
    assert status == "created"
    return account


def caught_up(primary_url: str, standby_url: str) -> None:
    wait_replayed(primary_url, standby_url, timeout_s=30)


def balance(conn, account: str) -> int:
    return conn.execute("SELECT balance FROM vb_api.get_balances(ARRAY[%s]::uuid[])", (account,)).fetchone()[
        0
    ]


def test_replica_status_shows_the_lag_and_exits_1_past_a_threshold(pair):
    primary_url, standby_url, *_ = pair
    caught_up(primary_url, standby_url)
    quiet = run_pyvb("replica", "status", "--expect", "1", "--database-url", primary_url)
    assert quiet.returncode == 0 and "standby1" in quiet.stdout and "streaming" in quiet.stdout, quiet.stdout
    open_funded_account(primary_url)  # replayed APPLY_DELAY_S late
    lagging = run_pyvb("replica", "status", "--max-lag-bytes", "0", "--database-url", primary_url)
    assert lagging.returncode == 1 and "standby1: lag" in lagging.stdout, lagging.stdout
    missing = run_pyvb("replica", "status", "--expect", "2", "--database-url", primary_url)
    assert missing.returncode == 1 and "1 replica(s) streaming, 2 expected" in missing.stdout
    with psycopg.connect(primary_url) as conn:
        series = conn.execute(
            "SELECT labels ->> 'replica' FROM vb_ops.system_metrics()"
            " WHERE metric = 'vb_db_replication_lag_bytes'"
        ).fetchall()
    assert series == [("standby1",)], "the metrics name the replica"


def test_a_caller_never_reads_its_balance_from_before_its_own_transfer(pair):
    primary_url, standby_url, *_ = pair
    payer, payee = open_funded_account(primary_url), open_funded_account(primary_url)
    caught_up(primary_url, standby_url)
    with Router(primary_url, [standby_url], max_staleness_s=60, check_interval_s=0) as router:
        with router.read("payer") as conn:
            assert balance(conn, payer) == 10_000
        assert router.routed["replica"] == 1, "a caught-up replica serves"
        expected = 10_000
        for _ in range(3):
            with router.write("payer") as conn:
                conn.execute(
                    "SELECT vb_api.create_transfer(%s, %s, %s, 100, 'p2p')", (uuid.uuid4(), payer, payee)
                )
            expected -= 100
            with router.read("payer") as conn:
                assert balance(conn, payer) == expected
        assert router.routed["primary:behind_caller"] == 3, router.routed
        caught_up(primary_url, standby_url)
        with router.read("payer") as conn:
            assert balance(conn, payer) == expected
        assert router.routed["replica"] == 2, "once replayed, the replica serves the caller again"
        assert router.writes_in_flight == 0, "a position every replica has replayed is forgotten"


def test_a_lagging_replica_is_bypassed_for_every_caller(pair):
    primary_url, standby_url, *_ = pair
    caught_up(primary_url, standby_url)
    with Router(primary_url, [standby_url], max_staleness_s=0.5, check_interval_s=0) as router:
        account = open_funded_account(primary_url)  # another client's write: the replica lags
        with router.read() as conn:
            assert balance(conn, account) == 10_000
        assert router.routed == {"primary:stale": 1}


def test_reports_keep_working_with_the_replica_down_and_return_to_it(pair):
    primary_url, standby_url, standby, _ = pair
    caught_up(primary_url, standby_url)
    with Router(primary_url, [standby_url], max_staleness_s=60, check_interval_s=0) as router:
        with router.read() as conn:
            conn.execute("SELECT count(*) FROM vb_report.accounts").fetchone()
        standby.stop()
        try:
            for _ in range(2):
                with router.read() as conn:
                    conn.execute("SELECT count(*) FROM vb_report.accounts").fetchone()
        finally:
            standby.start()
        assert router.routed["primary:unavailable"] == 2, router.routed
        caught_up(primary_url, standby_url)
        with router.read() as conn:
            conn.execute("SELECT count(*) FROM vb_report.accounts").fetchone()
        assert router.routed["replica"] == 2, router.routed


#: every vb_api function that reads (not volatile, and the two volatile readers that fold on a
#: primary and read unfolded movements where they cannot write), called with harmless arguments
READS = {
    "account_entries": "vb_api.account_entries(%(fees)s, 0, 100)",
    "audit_trail": "vb_api.audit_trail()",
    "balance_at": "vb_api.balance_at(%(fees)s, now())",
    "candles": "vb_api.candles('ACME', '1 minute', now() - interval '1 day', now())",
    "find_user": "vb_api.find_user('nobody')",
    "get_balances": "vb_api.get_balances(ARRAY[%(fees)s]::uuid[])",
    "get_order": "vb_api.get_order(gen_random_uuid())",
    "get_positions": "vb_api.get_positions(gen_random_uuid())",
    "get_quotes": "vb_api.get_quotes(ARRAY['ACME'])",
    "get_security": "vb_api.get_security('ACME')",
    "get_user": "vb_api.get_user(gen_random_uuid())",
    "index_levels": "vb_api.index_levels()",
    "list_alerts": "vb_api.list_alerts(NULL, TRUE)",
    "list_sessions": "vb_api.list_sessions(gen_random_uuid(), TRUE, 10)",
    "order_book": "vb_api.order_book('ACME', 10)",
    "share_account_id": "vb_api.share_account_id(gen_random_uuid(), 'ACME')",
    "unknown_symbols": "vb_api.unknown_symbols(ARRAY['ACME', 'NOPE'])",
    "validate_session": "vb_api.validate_session('not-a-token')",
}
FEES = "00000000-0000-4000-8000-000000000002"


def test_every_read_function_and_report_view_works_on_the_standby(pair):
    primary_url, standby_url, *_ = pair
    account = open_funded_account(primary_url)
    with psycopg.connect(primary_url, autocommit=True) as conn:  # movements into the deferred fee account
        conn.execute("SELECT vb_api.create_transfer(%s, %s, %s, 7, 'fee')", (uuid.uuid4(), account, FEES))
    caught_up(primary_url, standby_url)
    with psycopg.connect(standby_url) as conn:
        listed = {
            row[0]
            for row in conn.execute(
                "SELECT proname FROM pg_proc WHERE pronamespace = 'vb_api'::regnamespace"
                " AND (provolatile <> 'v' OR proname IN ('account_entries', 'balance_at'))"
            )
        }
        assert listed == set(READS), "a read function is missing from READS (or gone)"
        for call in READS.values():
            conn.execute(f"SELECT * FROM {call}", {"fees": FEES}).fetchall()
            conn.rollback()
        entries = conn.execute("SELECT count(*) FROM vb_api.account_entries(%s, 0, 100)", (FEES,)).fetchone()[
            0
        ]
        assert entries >= 1, "the fee account's unfolded movement is shown on the standby"
        views = [
            row[0]
            for row in conn.execute(
                "SELECT format('%I.%I', schemaname, viewname) FROM pg_views WHERE schemaname = 'vb_report'"
            )
        ]
        assert len(views) >= 8
        for view in views:
            conn.execute(f"SELECT * FROM {view} LIMIT 5").fetchall()
        assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]


def test_a_promoted_replica_is_no_longer_read_from(pair):
    """A standby promoted (a failover elsewhere, by mistake) no longer follows this primary: the
    router stops reading from it at its next check."""
    primary_url, *_, primary = pair
    promoted = primary.standby(name="standby2")
    try:
        promoted.start()
        promoted_url = promoted.url("virtualbank")
        caught_up(primary_url, promoted_url)
        with Router(primary_url, [promoted_url], max_staleness_s=60, check_interval_s=0) as router:
            with router.read() as conn:
                conn.execute("SELECT count(*) FROM vb_report.accounts").fetchone()
            assert router.routed["replica"] == 1
            with psycopg.connect(promoted_url, autocommit=True) as conn:
                conn.execute("SELECT pg_promote()")
            with router.read() as conn:
                conn.execute("SELECT count(*) FROM vb_report.accounts").fetchone()
            assert router.routed == {"replica": 1, "primary:unavailable": 1}, router.routed
    finally:
        promoted.destroy()
