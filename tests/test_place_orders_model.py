"""Property: a batch through vb_api.place_orders leaves exactly the state that the same orders,
sent one by one through vb_api.place_order in the same order, leave — each element's reply, the
orders and the book's priority, the trades, every balance and reservation, the ledger's transfers
and, per key, the events (contract trading.md 1.1).

Both runs start from the same committed market (resting orders of three traders on two symbols;
one trader nearly broke, so some orders fail for funds) inside transactions that are rolled back,
so each example compares the two paths from the same state. Identifiers drawn from sequences
(trade ids, the book's sequence, event ids, transfers keyed by trade id) and timestamps differ
between two runs by nature; the comparison takes them by their order instead.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

SYMBOLS = ("ACME", "BETA")
MID, TICK, LOT = 1000, 5, 10
ISSUER = uuid.UUID(int=0xF1)
OWNERS = [uuid.UUID(int=0xA0 + n) for n in range(3)]
CASH = {owner: uuid.UUID(int=0xC0 + n) for n, owner in enumerate(OWNERS)}
DEPOSITS = (5_000_000, 400_000, 3_000)  # the third trader can afford little
VOLATILE = ("trade_id", "transfer_id", "pending_id", "event_id", "book_seq")


@pytest.fixture(scope="module")
def market(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        execute = conn.execute
        execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER,))
        for symbol in SYMBOLS:
            execute("SELECT vb_api.create_security(%s, %s, 'VBD', %s, %s, NULL)", (symbol, symbol, TICK, LOT))
        execute("SELECT vb_api.set_fees(NULL, 10, 25)")
        for owner, deposit in zip(OWNERS, DEPOSITS, strict=True):
            execute("SELECT vb_api.create_user(%s, %s)", (owner, f"trader{owner.int:x}"))
            execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (CASH[owner], owner))
            execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
                (uuid.uuid4(), ISSUER, CASH[owner], deposit),
            )
            for symbol in SYMBOLS:
                execute("SELECT vb_api.issue_shares(%s, %s, %s, 1000)", (uuid.uuid4(), symbol, owner))
        for n, (owner, symbol, side, ticks) in enumerate(
            [(OWNERS[0], "ACME", "sell", 2), (OWNERS[1], "ACME", "buy", -1), (OWNERS[1], "BETA", "sell", 1),
             (OWNERS[0], "BETA", "buy", -2), (OWNERS[2], "ACME", "sell", 3)]
        ):  # fmt: skip
            execute(
                "SELECT status FROM vb_api.place_order(%s, %s, %s, %s, 50, 'limit', %s, 'gtc')",
                (uuid.UUID(int=0xB00 + n), CASH[owner], symbol, side, MID + ticks * TICK),
            )
    return db_url


@st.composite
def order_requests(draw):
    """1 to 20 orders: mostly valid limit and market orders around the mid price, some invalid,
    some replaying an earlier element's id (with the same fields or others)."""
    orders = []
    for _ in range(draw(st.integers(1, 20))):
        if orders and draw(st.integers(0, 9)) == 0:  # a replay
            earlier = draw(st.sampled_from(orders))
            orders.append(
                earlier
                if draw(st.booleans())
                else (earlier[0], *earlier[1:4], earlier[4] + LOT, *earlier[5:])
            )
            continue
        order_type = draw(st.sampled_from(["limit"] * 4 + ["market"]))
        orders.append(
            (
                uuid.uuid4(),
                draw(st.sampled_from([*CASH.values(), uuid.UUID(int=0xDEAD)])),
                draw(st.sampled_from([*SYMBOLS, *SYMBOLS, "NOPE"])),
                draw(st.sampled_from(["buy", "sell", "buy", "sell", "hold"])),
                draw(st.sampled_from([LOT, 2 * LOT, 5 * LOT, 30 * LOT, 7, 0])),
                order_type,
                None if order_type == "market" else MID + draw(st.integers(-3, 3)) * TICK,
                draw(st.sampled_from([None, "gtc", "day", "ioc", "fok"])),
            )
        )
    return orders


def strip(value):
    """An event's payload without what differs between two runs by nature (see the module)."""
    if isinstance(value, dict):
        return {k: strip(v) for k, v in value.items() if not k.endswith("_at") and k not in VOLATILE}
    if isinstance(value, list):
        return [strip(v) for v in value]
    return value


def state(conn, replies) -> dict:
    query = lambda sql: conn.execute(sql).fetchall()  # noqa: E731
    events: dict[str, list] = {}
    transfers = []  # keyed by transfer ids, some drawn from trade ids: compared as a multiset
    for aggregate, key, kind, payload in query(
        "SELECT aggregate, aggregate_id, event_type, payload FROM vb.outbox_events"
        " WHERE txid = pg_current_xact_id() ORDER BY outbox_id, position"
    ):
        if aggregate == "transfer":
            transfers.append(json.dumps([kind, strip(payload)], sort_keys=True))
        else:
            events.setdefault(key, []).append((kind, strip(payload)))
    events["transfers"] = sorted(transfers)
    return {
        "replies": replies,
        "orders": query(
            "SELECT order_id, account_id, symbol, side, order_type, time_in_force, quantity, limit_price,"
            " filled_quantity, filled_notional, order_status, reject_reason, reservation_id,"
            " reservation_count, CASE WHEN book_seq IS NOT NULL"
            " THEN rank() OVER (PARTITION BY symbol, book_seq IS NULL ORDER BY book_seq) END"
            " FROM vb.orders ORDER BY order_id"
        ),
        "trades": query(
            "SELECT symbol, price, quantity, buy_order_id, sell_order_id, maker_order_id, taker_side,"
            " buyer_id, seller_id, buyer_fee, seller_fee FROM vb.trades ORDER BY trade_id"
        ),
        "accounts": query(
            "SELECT account_id, balance, pending_out, pending_in, version FROM vb.accounts"
            " ORDER BY account_id"
        ),
        "transfers": sorted(
            query(
                "SELECT transfer_kind, from_account_id::text, to_account_id::text, amount, code,"
                " pending_id IS NULL FROM vb.transfers"
            )
        ),
        "events": events,
    }


def as_batch(conn, orders) -> list:
    conn.execute("SET LOCAL ROLE vb_app")
    rows = conn.execute(
        "SELECT idx, order_id, status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason"
        " FROM vb_api.place_orders(%s::vb_api.order_request[]) ORDER BY idx",
        ([tuple(order) for order in orders],),
    ).fetchall()
    conn.execute("RESET ROLE")
    assert [row[0] for row in rows] == list(range(1, len(orders) + 1))
    return [row[1:] for row in rows]


def one_by_one(conn, orders) -> list:
    conn.execute("SET LOCAL ROLE vb_app")
    replies = []
    for order_id, account, symbol, side, quantity, order_type, price, time_in_force in orders:
        replies.append(
            conn.execute(
                "SELECT * FROM vb_api.place_order(%s, %s, %s, %s, %s, %s, %s, %s)",
                (
                    order_id,
                    account,
                    symbol,
                    side,
                    quantity,
                    order_type or "limit",
                    price,
                    time_in_force or "gtc",
                ),
            ).fetchone()
        )
    conn.execute("RESET ROLE")
    return replies


@settings(max_examples=max(20, settings.default.max_examples // 3))
@given(orders=order_requests())
def test_a_batch_leaves_the_state_the_same_orders_one_by_one_leave(market, orders):
    outcomes = []
    with psycopg.connect(market) as conn:
        for place in (as_batch, one_by_one):
            with conn.transaction(force_rollback=True):
                outcomes.append(state(conn, place(conn, orders)))
                verified = conn.execute("SELECT bool_and(ok) FROM vb_ops.verify_ledger()").fetchone()[0]
                assert verified, place.__name__
    batch, single = outcomes
    for part in ("replies", "orders", "trades", "accounts", "transfers", "events"):
        assert batch[part] == single[part], part
