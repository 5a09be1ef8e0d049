"""The date-sensitive rules at dates of our choosing, while the boundary happens.

A private PostgreSQL cluster runs under libfaketime (``pyvb.services.cluster``): its ``now()``
starts at the instant a test chooses and advances in real time; ``restart(at=…)`` moves it.
Nothing in the product reads a fake clock. Each test deploys from scratch with ``pyvb db
migrate`` at its own date, then writes through ``vb_api`` across a month end, a year end or a
leap day, or runs maintenance months later, and checks where every row landed and what
retention, expiry and the ledger's reads did.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest

from pyvb.demo.simulation import ISSUER, Connections, Session
from pyvb.services.cluster import PrivateCluster
from pyvb.testing import run_pyvb

pytestmark = pytest.mark.slow

#: how long before a boundary the clock is set for the writes on its near side
LEAD_S = 12
TIME_PARTITIONED = (
    "vb.transfers", "vb.entries", "vb.outbox", "vb.event_log",
    "vb.trades", "vb.quote_history", "vb.breach_events", "vb.event_audit", "vb.audit_chain", "vb.api_logs",
    "vb.system_metrics",
)  # fmt: skip


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def cluster():
    with PrivateCluster(at=at("2027-06-01 12:00:00")) as private:
        yield private


def deploy_at(cluster: PrivateCluster, instant: datetime) -> str:
    """Move the cluster's clock to ``instant``, then deploy a new database from scratch there."""
    cluster.restart(instant)
    url = cluster.url(f"vb_{uuid.uuid4().hex[:12]}")
    for step in (("db", "migrate"), ("db", "seed")):
        result = run_pyvb(*step, "--database-url", url)
        assert result.returncode == 0, result.stdout + result.stderr
    return url


def partition_of(conn, table: str, where: str, params=()) -> set[str]:
    rows = conn.execute(f"SELECT DISTINCT tableoid::regclass::text FROM {table} WHERE {where}", params)
    return {row[0] for row in rows}


def default_rows(conn) -> dict[str, int]:
    return dict(conn.execute("SELECT parent, default_rows FROM vb_ops.partition_health()").fetchall())


def wait_until(conn, instant: datetime) -> None:
    conn.execute("SELECT pg_sleep(greatest(0, extract(epoch FROM %s - clock_timestamp())))", (instant,))


def server_now(conn) -> datetime:
    return conn.execute("SELECT clock_timestamp()").fetchone()[0]


def open_account(conn, deposit: int = 0) -> uuid.UUID:
    account = uuid.uuid4()
    conn.execute("SELECT vb_api.open_account(%s, 'VBD')", (account,))
    if deposit:
        status = conn.execute(
            "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
            (uuid.uuid4(), ISSUER, account, deposit),
        ).fetchone()[0]
        assert status == "created"
    return account


def transfer(conn, from_id, to_id, amount: int, flags=(), timeout_s=None) -> uuid.UUID:
    transfer_id = uuid.uuid4()
    status = conn.execute(
        "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'p2p', %s, NULL, %s)",
        (transfer_id, from_id, to_id, amount, list(flags), timeout_s),
    ).fetchone()[0]
    assert status == "created"
    return transfer_id


def ingest_quote(conn, symbol: str, price: int) -> None:
    conn.execute(
        """SELECT vb_api.ingest_quotes(jsonb_build_array(jsonb_build_object('symbol', %s::text,
               'bid', %s::bigint, 'ask', %s::bigint, 'last', %s::bigint, 'volume', 1,
               'ts', clock_timestamp())))""",
        (symbol, price - 5, price + 5, price),
    )


def trade(session: Session, maker, taker, symbol: str, price: int) -> uuid.UUID:
    """A resting sell of the maker, then the taker's buy that fills against it."""
    session.place(maker, symbol, "sell", 1, "limit", price, "gtc")
    buy = session.place(taker, symbol, "buy", 1, "limit", price, "ioc")
    status = session.conn.execute("SELECT order_status FROM vb.orders WHERE order_id = %s", (buy,)).fetchone()
    assert status == ("filled",)
    return buy


@pytest.mark.parametrize(
    "instant",
    ["2027-12-31 23:59:55", "2028-02-29 12:00:00", "2031-06-15 12:00:00", "2040-01-01 00:00:01"],
)
def test_a_fresh_deploy_at_any_date_has_partitions_around_now_and_is_healthy(cluster, instant, tmp_path):
    url = deploy_at(cluster, at(instant))
    with psycopg.connect(url, autocommit=True) as conn:
        health = conn.execute(
            "SELECT parent, ahead >= premake, default_rows FROM vb_ops.partition_health() ORDER BY 1"
        ).fetchall()
        assert sorted(parent for parent, _, _ in health) == sorted(TIME_PARTITIONED)
        assert all(enough and rows == 0 for _, enough, rows in health), health
        for parent in TIME_PARTITIONED:
            holding_now = conn.execute(
                "SELECT p.partition::text FROM vb.partitions_of(%s::regclass) AS p"
                " WHERE NOT p.is_default AND p.range_from <= now() AND now() < p.range_to",
                (parent,),
            ).fetchone()
            assert holding_now, f"{parent} has no partition for {instant}"
        payer = open_account(conn, deposit=1_000)
        transfer_id = transfer(conn, payer, open_account(conn), 250)
        for table in ("vb.transfers", "vb.entries"):
            landed = conn.execute(
                f"SELECT DISTINCT tableoid::regclass::text, to_char(created_at AT TIME ZONE 'UTC', 'YYYYMM')"
                f" FROM {table} WHERE transfer_id = %s",
                (transfer_id,),
            ).fetchall()
            assert [(partition, f"{table}_p{month}") for partition, month in landed] == [
                (partition, partition) for partition, _ in landed
            ] and landed
    status = run_pyvb("maintain", "status", "--database-url", url)
    assert status.returncode == 0, status.stdout
    archive = str(tmp_path / "archive")
    passes = [run_pyvb("maintain", "run", "--database-url", url, "--archive-dir", archive) for _ in range(2)]
    assert all(p.returncode == 0 and "maintenance pass: ok" in p.stdout for p in passes), passes[-1].stdout
    status = run_pyvb("maintain", "status", "--database-url", url)
    assert status.returncode == 0, status.stdout
    with psycopg.connect(url) as conn:
        # the migrations' fixed-year partitions past retention held nothing: dropped, not archived
        # (more may fall due while the test runs, e.g. across midnight: only those due when the
        # first pass started must be gone)
        left = conn.execute(
            """SELECT count(*) FROM vb_ops.detachable_partitions() AS d
               JOIN vb.partition_policies AS p USING (parent)
               WHERE d.range_to <= (SELECT min(started_at) FROM vb.maintenance_runs) - p.retention"""
        )
        assert left.fetchone()[0] == 0
        assert (
            conn.execute("SELECT count(*) FROM vb.archived_periods WHERE location IS NOT NULL").fetchone()[0]
            == 0
        )
        assert sum(default_rows(conn).values()) == 0
    assert run_pyvb("verify", "--database-url", url).returncode == 0


@pytest.mark.parametrize(
    "boundary",
    [
        pytest.param("2028-01-01 00:00:00", id="year-end"),
        pytest.param("2028-02-29 00:00:00", id="into-leap-day"),
        pytest.param("2028-03-01 00:00:00", id="leap-day-month-end"),
    ],
)
def test_writes_and_expiries_across_a_boundary_while_it_happens(cluster, boundary):
    boundary_at = at(boundary)
    before_at, after_at = boundary_at - timedelta(seconds=1), boundary_at
    url = deploy_at(cluster, boundary_at - timedelta(hours=1))
    with psycopg.connect(url, autocommit=True) as conn:
        session = Session(Connections.on_one(conn), seed=11)
        maker, player = session.setup(players=1, makers=1)
        payer = open_account(conn, deposit=1_000_000)
        payee = open_account(conn)

        cluster.restart(boundary_at - timedelta(seconds=LEAD_S))
    with psycopg.connect(url, autocommit=True) as conn:
        session.conn = conn
        # the near side: a posted transfer, a pending one expiring before the boundary and one
        # after it, a resting day order, a trade and a quote
        before = transfer(conn, payer, payee, 100)
        short = transfer(conn, payer, payee, 1_000, ["pending"], timeout_s=1)
        across = transfer(conn, payer, payee, 2_000, ["pending"], timeout_s=LEAD_S + 2)
        day_order = session.place(player, "ACME", "buy", 1, "limit", 11_000, "day")
        trade_before = trade(session, maker, player, "BETA", 4_500)
        ingest_quote(conn, "ACME", 12_000)
        wait_until(conn, server_now(conn) + timedelta(seconds=1.2))
        assert conn.execute("SELECT vb_ops.expire_pending_transfers()").fetchone()[0] == 1
        assert conn.execute("SELECT vb_ops.expire_day_orders()").fetchone()[0] == 0
        balance_before = conn.execute("SELECT vb_api.balance_at(%s, %s)", (payee, boundary_at)).fetchone()[0]
        assert server_now(conn) < boundary_at, "the near side's writes took longer than LEAD_S"

        wait_until(conn, boundary_at)
        # the far side
        after = transfer(conn, payer, payee, 10)
        trade_after = trade(session, maker, player, "BETA", 4_500)
        ingest_quote(conn, "ACME", 12_005)
        later_day_order = session.place(player, "ACME", "buy", 1, "limit", 11_000, "day")
        assert conn.execute("SELECT vb_ops.expire_day_orders()").fetchone()[0] == 1
        states = dict(
            conn.execute(
                "SELECT order_id, order_status FROM vb.orders WHERE order_id IN (%s, %s)",
                (day_order, later_day_order),
            ).fetchall()
        )
        assert states == {day_order: "cancelled", later_day_order: "new"}
        wait_until(conn, boundary_at + timedelta(seconds=2.2))
        assert conn.execute("SELECT vb_ops.expire_pending_transfers()").fetchone()[0] == 1
        pending = dict(
            conn.execute(
                "SELECT pending_id, pending_state FROM vb.pending_transfers WHERE pending_id IN (%s, %s)",
                (short, across),
            ).fetchall()
        )
        assert pending == {short: "expired", across: "expired"}

        month_of = {side: f"{instant:%Y%m}" for side, instant in (("before", before_at), ("after", after_at))}
        day_of = {side: f"{instant:%Y%m%d}" for side, instant in (("before", before_at), ("after", after_at))}
        for side, transfer_id in (("before", before), ("after", after)):
            expected = {f"vb.transfers_p{month_of[side]}"}
            assert partition_of(conn, "vb.transfers", "transfer_id = %s", (transfer_id,)) == expected
            expected = {f"vb.entries_p{month_of[side]}"}
            assert partition_of(conn, "vb.entries", "transfer_id = %s", (transfer_id,)) == expected
        for side, order_id in (("before", trade_before), ("after", trade_after)):
            assert partition_of(
                conn, "vb.trades", "buy_order_id = %s OR sell_order_id = %s", (order_id, order_id)
            ) == {f"vb.trades_p{month_of[side]}"}
        quote_days = partition_of(conn, "vb.quote_history", "symbol = 'ACME'")
        assert quote_days == {f"vb.quote_history_p{day_of['before']}", f"vb.quote_history_p{day_of['after']}"}
        assert sum(default_rows(conn).values()) == 0
        assert (
            conn.execute("SELECT vb_api.balance_at(%s, %s)", (payee, boundary_at)).fetchone()[0]
            == balance_before
        )
        assert (
            conn.execute("SELECT vb_api.balance_at(%s, now())", (payee,)).fetchone()[0] == balance_before + 10
        )
    assert run_pyvb("verify", "--database-url", url).returncode == 0


def test_a_deploy_then_maintenance_months_later_archives_exactly_what_retention_says(cluster, tmp_path):
    """Deployed on 15 November 2027 (partitions premade through March), written in November,
    December and January, no maintenance until 15 April 2028: writes then land in the default
    partition and status says so; one pass premakes, moves them, and with a one-month ledger
    retention archives exactly the months ending on or before 15 March (November to January with
    rows; February empty, dropped), with closing balances that keep balance_at right."""
    url = deploy_at(cluster, at("2027-11-15 12:00:00"))
    with psycopg.connect(url, autocommit=True) as conn:
        payer = open_account(conn, deposit=1_000_000)
        payee = open_account(conn)
        conn.execute("SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 5, 1, 2000)")
        conn.execute(
            "UPDATE vb.partition_policies SET retention = interval '1 month'"
            " WHERE parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass)"
        )
    for instant, amount in (
        ("2027-11-15 12:00:05", 100),
        ("2027-12-20 08:00:00", 20),
        ("2028-01-31 23:00:00", 3),
    ):
        cluster.restart(at(instant))
        with psycopg.connect(url, autocommit=True) as conn:
            transfer(conn, payer, payee, amount)
            ingest_quote(conn, "ACME", 12_000 + amount)
    cluster.restart(at("2028-04-15 12:00:00"))
    with psycopg.connect(url, autocommit=True) as conn:
        late = transfer(conn, payer, payee, 1)
        assert partition_of(conn, "vb.transfers", "transfer_id = %s", (late,)) == {"vb.transfers_default"}
        balances = {
            instant: conn.execute("SELECT vb_api.balance_at(%s, %s)", (payee, at(instant))).fetchone()[0]
            for instant in ("2028-03-01 00:00:00", "2028-04-01 00:00:00", "2028-04-15 12:30:00")
        }
    assert balances == {"2028-03-01 00:00:00": 123, "2028-04-01 00:00:00": 123, "2028-04-15 12:30:00": 124}
    status = run_pyvb("maintain", "status", "--database-url", url)
    assert status.returncode == 1, status.stdout
    with psycopg.connect(url) as conn:
        detail = conn.execute("SELECT detail FROM vb_ops.partition_health() WHERE parent = 'vb.transfers'")
        # November to January hold rows; 2026-01 to 2027-10 (the migrations') and February are empty
        assert detail.fetchone()[0] == (
            "0 of 3 partitions ahead; 1 rows in the default partition; 3 partitions past retention;"
            " 23 empty partitions past retention (the next pass drops them)"
        )

    archive = tmp_path / "archive"
    result = run_pyvb("maintain", "run", "--database-url", url, "--archive-dir", str(archive))
    assert result.returncode == 0 and "maintenance pass: ok" in result.stdout, result.stdout + result.stderr
    status = run_pyvb("maintain", "status", "--database-url", url)
    assert status.returncode == 0, status.stdout
    with psycopg.connect(url, autocommit=True) as conn:
        assert partition_of(conn, "vb.transfers", "transfer_id = %s", (late,)) == {"vb.transfers_p202804"}
        archived = conn.execute(
            "SELECT partition_name, row_count FROM vb.archived_periods"
            " WHERE row_count > 0 AND parent = 'vb.transfers'::regclass ORDER BY range_from"
        ).fetchall()
        # November: the deposit and the 100; December: the 20; January: the 3 (its last hour)
        assert archived == [
            ("vb.transfers_p202711", 2),
            ("vb.transfers_p202712", 1),
            ("vb.transfers_p202801", 1),
        ]
        attached = conn.execute(
            "SELECT min(range_from) FROM vb.partitions_of('vb.entries'::regclass)"
            " WHERE range_from >= '2027-11-01'"
        ).fetchone()[0]
        assert attached == at("2028-03-01 00:00:00"), "February left (empty), March stays"
        assert all(
            conn.execute("SELECT vb_api.balance_at(%s, %s)", (payee, at(instant))).fetchone()[0] == balance
            for instant, balance in balances.items()
        )
        for inside in ("2028-01-31 23:30:00+00", "2028-02-29 23:59:59+00"):
            with pytest.raises(psycopg.Error) as inside_archive:
                conn.execute("SELECT vb_api.balance_at(%s, %s)", (payee, inside))
            assert inside_archive.value.sqlstate == "VB003"
        # quote history keeps 90 days (to 16 January 12:00): November and December left, January stays
        quotes = conn.execute(
            "SELECT partition_name, row_count FROM vb.archived_periods"
            " WHERE parent = 'vb.quote_history'::regclass AND row_count > 0 ORDER BY range_from"
        ).fetchall()
        assert quotes == [("vb.quote_history_p20271115", 1), ("vb.quote_history_p20271220", 1)]
        assert partition_of(conn, "vb.quote_history", "TRUE") == {"vb.quote_history_p20280131"}
    assert run_pyvb("verify", "--database-url", url).returncode == 0
