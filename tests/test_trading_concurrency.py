"""Several connections trade the same and different symbols while plain transfers move cash
between the same accounts: no deadlock, no error, and the ledger and books stay consistent."""

from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from pyvb.services.cluster import PrivateCluster
from pyvb.testing import wait_until_blocked
from pyvb.testing.databases import create_template
from pyvb.testing.market_model import Market, Security

SYMBOLS = ("CONA", "CONB", "CONC")
TRADERS = 6


@pytest.fixture(scope="module")
def market(db_url):
    owners = [uuid.uuid4() for _ in range(TRADERS)]
    cash = [uuid.uuid4() for _ in range(TRADERS)]
    with psycopg.connect(db_url, autocommit=True) as conn:
        issuer = uuid.uuid4()
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (issuer,))
        for symbol in SYMBOLS:
            conn.execute("SELECT vb_api.create_security(%s, %s, 'VBD', 1, 1, NULL)", (symbol, symbol))
            conn.execute("SELECT vb_api.set_fees(%s, 5, 10)", (symbol,))
        for index, (owner, account) in enumerate(zip(owners, cash, strict=True)):
            conn.execute("SELECT vb_api.create_user(%s, %s)", (owner, f"con{index}"))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (account, owner))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 100000000, 'deposit')",
                (uuid.uuid4(), issuer, account),
            )
            for symbol in SYMBOLS:
                conn.execute("SELECT vb_api.issue_shares(%s, %s, %s, 10000)", (uuid.uuid4(), symbol, owner))
    return db_url, owners, cash


PLACE = "SELECT status, filled_quantity FROM vb_api.place_order(%s, %s, %s, 'buy', 2, 'limit', 7, 'gtc')"


def test_same_order_id_from_two_connections_places_once(market):
    """No lock on the order id: the second caller waits on the book's lock and, once the first
    commits, reports the first's order; the same id on another symbol at the same moment waits on
    the orders' key and fails with 40001, nothing of it standing (a retry reports the replay)."""
    url, _, cash = market
    order_id = uuid.uuid4()
    with psycopg.connect(url) as a, psycopg.connect(url, autocommit=True) as b:
        assert a.execute(PLACE, (order_id, cash[0], "CONA")).fetchone() == ("new", 0)
        with ThreadPoolExecutor(1) as pool:
            same = pool.submit(lambda: b.execute(PLACE, (order_id, cash[0], "CONA")).fetchone())
            wait_until_blocked(url, b.info.backend_pid)
            a.commit()
            assert same.result(timeout=30) == ("new", 0)
    other_id = uuid.uuid4()
    with psycopg.connect(url) as a, psycopg.connect(url) as b:
        assert a.execute(PLACE, (other_id, cash[1], "CONA")).fetchone() == ("new", 0)
        with ThreadPoolExecutor(1) as pool:
            elsewhere = pool.submit(lambda: b.execute(PLACE, (other_id, cash[1], "CONB")).fetchone())
            wait_until_blocked(url, b.info.backend_pid)
            a.commit()
            with pytest.raises(psycopg.errors.SerializationFailure):
                elsewhere.result(timeout=30)
            b.rollback()
        replay = b.execute(PLACE, (other_id, cash[1], "CONB")).fetchone()
        assert replay == ("rejected", 0)
        b.rollback()
    with psycopg.connect(url) as conn:
        placed = conn.execute(
            "SELECT count(*) FROM vb.orders WHERE order_id IN (%s, %s)", (order_id, other_id)
        ).fetchone()[0]
        reservations = conn.execute(
            "SELECT count(*) FROM vb.pending_transfers WHERE pending_state = 'pending'"
            " AND pending_id IN (SELECT reservation_id FROM vb.orders WHERE order_id IN (%s, %s))",
            (order_id, other_id),
        ).fetchone()[0]
    assert (placed, reservations) == (2, 2)


def test_orders_and_transfers_in_parallel_never_deadlock(market):
    url, _, cash = market
    errors: list[BaseException] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def trader(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                for _ in range(40):
                    me = rng.randrange(TRADERS)
                    if rng.random() < 0.2:
                        other = rng.choice([i for i in range(TRADERS) if i != me])
                        got = conn.execute(
                            "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'p2p')",
                            (uuid.uuid4(), cash[me], cash[other], rng.randint(1, 1000)),
                        ).fetchone()[0]
                    elif rng.random() < 0.1:
                        resting = conn.execute(
                            "SELECT order_id FROM vb.orders"
                            " WHERE account_id = %s AND order_status = 'new' ORDER BY order_id LIMIT 1",
                            (cash[me],),
                        ).fetchone()
                        got = "nothing to cancel"
                        if resting:
                            got = conn.execute(
                                "SELECT status FROM vb_api.cancel_order(%s)", resting
                            ).fetchone()[0]
                    else:
                        got = conn.execute(
                            "SELECT status FROM vb_api.place_order(%s, %s, %s, %s, %s, 'limit', %s, %s)",
                            (
                                uuid.uuid4(),
                                cash[me],
                                rng.choice(SYMBOLS),
                                rng.choice(["buy", "sell"]),
                                rng.randint(1, 50),
                                rng.randint(95, 105),
                                rng.choice(["gtc", "ioc"]),
                            ),
                        ).fetchone()[0]
                    with lock:
                        statuses.append(got)
        except BaseException as error:  # collected and asserted below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=trader, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == [], errors
    assert {"filled", "partially_filled", "new"} & set(statuses)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT check_name FROM vb_ops.verify_ledger() WHERE NOT ok").fetchall() == []
        for symbol in SYMBOLS:
            best = dict(
                conn.execute("SELECT side, price FROM vb_api.order_book(%s, 1)", (symbol,)).fetchall()
            )
            if "buy" in best and "sell" in best:
                assert best["buy"] < best["sell"]


@pytest.fixture(scope="module")
def committing_server():
    """A private cluster that records commit timestamps, so the order in which concurrent
    transactions committed can be read back (track_commit_timestamp needs a restart)."""
    with PrivateCluster(settings={"track_commit_timestamp": "on"}) as cluster:
        yield cluster


def test_concurrent_orders_equal_a_serial_replay_in_commit_order(committing_server):
    """Four connections place random orders on two symbols for four traders, some short of
    cash; afterwards the reference engine replays the committed orders one by one in commit
    order: every order must have returned what the replay returns, and the final balances,
    reservations, holdings, book and order states must be the replay's."""
    url = create_template(committing_server.url(), "vb_concurrent")
    model = Market()
    owners = [uuid.uuid4() for _ in range(4)]
    cash_of = {owner: uuid.uuid4() for owner in owners}
    with psycopg.connect(url, autocommit=True) as conn:
        issuer = uuid.uuid4()
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (issuer,))
        for symbol, (maker_bps, taker_bps) in (("CONX", (5, 10)), ("CONY", (0, 0))):
            conn.execute("SELECT vb_api.create_security(%s, %s, 'VBD', 1, 1, NULL)", (symbol, symbol))
            conn.execute("SELECT vb_api.set_fees(%s, %s, %s)", (symbol, maker_bps, taker_bps))
            model.securities[symbol] = Security(symbol, 1, 1, maker_bps, taker_bps)
        for index, (owner, deposit) in enumerate(
            zip(owners, (50, 20_000, 1_000_000, 1_000_000), strict=True)
        ):
            conn.execute("SELECT vb_api.create_user(%s, %s)", (owner, f"conc{index}"))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (cash_of[owner], owner))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
                (uuid.uuid4(), issuer, cash_of[owner], deposit),
            )
            model.cash[owner] = deposit
            for symbol in ("CONX", "CONY"):
                conn.execute("SELECT vb_api.issue_shares(%s, %s, %s, 40)", (uuid.uuid4(), symbol, owner))
                model.shares[(owner, symbol)] = 40
    placed: list[tuple] = []  # (txid, order arguments, returned state)
    errors: list[BaseException] = []
    lock = threading.Lock()

    def trader(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(url) as conn:
                for _ in range(30):
                    owner = rng.choice(owners)
                    kind = rng.choice(["limit", "limit", "limit", "market"])
                    tif = (
                        rng.choice(["ioc", "fok"])
                        if kind == "market"
                        else rng.choice(["gtc", "gtc", "ioc", "fok", "day"])
                    )
                    price = rng.randint(95, 105) if kind == "limit" else None
                    symbol, side = rng.choice(["CONX", "CONY"]), rng.choice(["buy", "sell"])
                    order_id, quantity = uuid.uuid4(), rng.randint(1, 12)
                    arguments = (order_id, owner, symbol, side, quantity, kind, price, tif)
                    with conn.transaction():
                        state = conn.execute(
                            "SELECT status, filled_quantity, remaining_quantity, avg_fill_price,"
                            " reject_reason FROM vb_api.place_order(%s, %s, %s, %s, %s, %s, %s, %s)",
                            (order_id, cash_of[owner], symbol, side, quantity, kind, price, tif),
                        ).fetchone()
                        txid = conn.execute("SELECT txid_current()").fetchone()[0]
                    with lock:
                        placed.append((txid, arguments, state))
        except BaseException as error:  # asserted below
            errors.append(error)

    threads = [threading.Thread(target=trader, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not any(thread.is_alive() for thread in threads) and errors == [], errors
    with psycopg.connect(url) as conn:
        committed_at = dict(
            conn.execute(
                "SELECT t, pg_xact_commit_timestamp(t::text::xid) FROM unnest(%s::bigint[]) AS t",
                ([txid for txid, _, _ in placed],),
            ).fetchall()
        )
        for _, arguments, state in sorted(placed, key=lambda p: (committed_at[p[0]], p[0])):
            expected, _ = model.place(*arguments)
            assert state == expected, (arguments, state, expected)
        balances = conn.execute(
            "SELECT account_id, balance, pending_out FROM vb_api.get_balances(%s)", (list(cash_of.values()),)
        ).fetchall()
        assert {a: (b, p) for a, b, p in balances} == {
            cash_of[o]: (model.cash[o], model.reserved_cash(o)) for o in owners
        }
        for owner in owners:
            positions = conn.execute(
                "SELECT symbol, quantity, available_quantity FROM vb_api.get_positions(%s)", (owner,)
            ).fetchall()
            assert set(positions) == {
                (s, model.shares[(owner, s)], model.shares[(owner, s)] - model.reserved_shares(owner, s))
                for s in ("CONX", "CONY")
            }
        states = conn.execute(
            "SELECT order_id, order_status, filled_quantity, filled_notional FROM vb.orders"
        )
        assert {row[0]: row[1:] for row in states} == {
            o.order_id: (o.status, o.filled, o.filled_notional) for o in model.orders.values()
        }
        assert conn.execute("SELECT count(*) FROM vb_ops.verify_ledger() WHERE NOT ok").fetchone()[0] == 0
    assert any(state[1] > 0 for _, _, state in placed), "orders traded"
    assert any(state[0] == "rejected" for _, _, state in placed), "orders were rejected (trader 0 cannot pay)"
