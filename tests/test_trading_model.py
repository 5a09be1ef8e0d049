"""Stateful property test: random order flows from several traders on two symbols, compared with
a reference matching engine (``pyvb.testing.market_model``) step by step.

Each example runs in a transaction of its own on the deployed database, rolled back at its end,
so every example starts from the same fresh state and a failure shrinks to its own minimal
case. After every call the order's state and its trades (maker, price, quantity, both fees)
must equal the reference's; after every step every cash balance and
reservation, every share holding and reservation, the fee account, the whole book in priority
order and every order's state must equal the reference's, and verify_ledger must pass. Rules:
limit, market, IOC, FOK, day and GTC orders from traders with little or much cash, cancels,
replays of an order id (same and different fields), halts and reduce-only, a hard notional
limit, quotes that move a price band's reference, and the end of a trading day.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from pyvb.testing.fixtures import run_model
from pyvb.testing.market_model import Market, Security

SYMBOLS = ("ACME", "BETA")
TRADERS = 4
FEES = {"ACME": (10, 25), "BETA": (0, 7)}  # maker, taker bps
LOTS = {"ACME": 10, "BETA": 1}
TICKS = {"ACME": 5, "BETA": 1}
BANDS = {"ACME": None, "BETA": 1500}  # price band bps around the reference price
SHARES = 500


class TradingMachine(RuleBasedStateMachine):
    database_url: str  # set by the test: a deployed database that every example leaves unchanged
    connect_kwargs: dict  # set by the test: psycopg.connect's keywords

    @initialize(
        deposits=st.lists(st.sampled_from([3_000, 60_000, 400_000, 5_000_000]), min_size=4, max_size=4)
    )
    def open_market(self, deposits):
        # one transaction per example, rolled back at its end: each example starts from the
        # freshly deployed database, so a failure shrinks to its own minimal case
        self.conn = psycopg.connect(self.database_url, **self.connect_kwargs)
        self.conn.execute("SET LOCAL statement_timeout = '30s'")  # a hang fails the step, not the run
        self.model = Market()
        self.owners = [uuid.uuid4() for _ in range(TRADERS)]
        self.cash_of = {owner: uuid.uuid4() for owner in self.owners}
        self.orders: list[tuple] = []  # (order id, the call's arguments) for replays and cancels
        issuer = uuid.uuid4()
        execute = self.conn.execute
        execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (issuer,))
        for symbol in SYMBOLS:
            execute(
                "SELECT vb_api.create_security(%s, %s, 'VBD', %s, %s, %s)",
                (symbol, symbol.title(), TICKS[symbol], LOTS[symbol], BANDS[symbol]),
            )
            execute("SELECT vb_api.set_fees(%s, %s, %s)", (symbol, *FEES[symbol]))
            self.model.securities[symbol] = Security(
                symbol, LOTS[symbol], TICKS[symbol], *FEES[symbol], BANDS[symbol]
            )
        for index, owner in enumerate(self.owners):
            execute("SELECT vb_api.create_user(%s, %s)", (owner, f"trader{index}"))
            execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (self.cash_of[owner], owner))
            execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
                (uuid.uuid4(), issuer, self.cash_of[owner], deposits[index]),
            )
            self.model.cash[owner] = deposits[index]
            for symbol in SYMBOLS:
                execute("SELECT vb_api.issue_shares(%s, %s, %s, %s)", (uuid.uuid4(), symbol, owner, SHARES))
                self.model.shares[(owner, symbol)] = SHARES

    def teardown(self):
        if hasattr(self, "conn"):
            self.conn.rollback()
            self.conn.close()

    # -- calls compared one by one ---------------------------------------------------------------
    def _place(self, order_id, owner, symbol, side, quantity, order_type, price, tif):
        row = self.conn.execute(
            "SELECT status, filled_quantity, remaining_quantity, avg_fill_price, reject_reason"
            " FROM vb_api.place_order(%s, %s, %s, %s, %s, %s, %s, %s)",
            (order_id, self.cash_of[owner], symbol, side, quantity, order_type, price, tif),
        ).fetchone()
        expected, fills = self.model.place(order_id, owner, symbol, side, quantity, order_type, price, tif)
        assert row == expected, (row, expected)
        trades = self.conn.execute(
            """SELECT CASE WHEN t.buy_order_id = %(o)s THEN t.sell_order_id ELSE t.buy_order_id END,
                      t.price, t.quantity, t.buyer_fee, t.seller_fee
               FROM vb.trades AS t
               WHERE (t.buy_order_id = %(o)s OR t.sell_order_id = %(o)s) AND t.taker_side = %(side)s
               ORDER BY t.trade_id""",
            {"o": order_id, "side": side},
        ).fetchall()
        if row[4] != "exists_with_different_fields" and not any(o == order_id for o, _ in self.orders):
            assert trades == [
                (f.maker_order_id, f.price, f.quantity, f.buyer_fee, f.seller_fee) for f in fills
            ], "trades differ from the reference matching"

    @rule(
        trader=st.integers(0, TRADERS - 1),
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(["buy", "sell"]),
        kind=st.sampled_from(["limit", "limit", "limit", "market"]),
        tif=st.sampled_from(["gtc", "gtc", "ioc", "fok", "day"]),
        lots=st.integers(1, 12),
        ticks=st.integers(-6, 6),
    )
    def place(self, trader, symbol, side, kind, tif, lots, ticks):
        owner = self.owners[trader]
        price = None if kind == "market" else 1000 + ticks * TICKS[symbol] * 2
        order_id = uuid.uuid4()
        arguments = (owner, symbol, side, lots * LOTS[symbol], kind, price, tif)
        self._place(order_id, *arguments)
        self.orders.append((order_id, arguments))

    @rule(
        maker=st.integers(0, TRADERS - 1),
        taker=st.integers(0, TRADERS - 1),
        symbol=st.sampled_from(SYMBOLS),
        side=st.sampled_from(["buy", "sell"]),
        lots=st.integers(1, 4),
        more=st.integers(-1, 2),
        kind=st.sampled_from(["limit", "market"]),
        tif=st.sampled_from(["fok", "ioc"]),
    )
    def against_a_thin_book(self, maker, taker, symbol, side, lots, more, kind, tif):
        """A resting order, then an IOC or FOK for a little less, as much or more than it (the
        paths random flow reaches rarely: a FOK that can fill only in part, an IOC's remainder)."""
        maker_side = "sell" if side == "buy" else "buy"
        resting = (self.owners[maker], symbol, maker_side, lots * LOTS[symbol], "limit", 1000, "gtc")
        order_id = uuid.uuid4()
        self._place(order_id, *resting)
        self.orders.append((order_id, resting))
        incoming = (self.owners[taker], symbol, side, (lots + more) * LOTS[symbol] or LOTS[symbol], kind,
                    1000 if kind == "limit" else None, tif)  # fmt: skip
        order_id = uuid.uuid4()
        self._place(order_id, *incoming)
        self.orders.append((order_id, incoming))

    @rule(trader=st.integers(0, TRADERS - 1), symbol=st.sampled_from(SYMBOLS), lots=st.integers(1, 3))
    def place_odd(self, trader, symbol, lots):
        """Orders the book must refuse: off-lot, off-tick, out of band, a market price, negative
        and out-of-range quantities and prices."""
        owner = self.owners[trader]
        for arguments in (
            (
                owner,
                symbol,
                "buy",
                lots * LOTS[symbol] + (1 if LOTS[symbol] > 1 else 0),
                "limit",
                1000,
                "gtc",
            ),
            (owner, symbol, "sell", lots * LOTS[symbol], "limit", 1001 if TICKS[symbol] > 1 else 0, "gtc"),
            (owner, symbol, "buy", lots * LOTS[symbol], "limit", 2000, "gtc"),
            (owner, symbol, "buy", lots * LOTS[symbol], "market", 1000, "ioc"),
            (owner, symbol, "sell", -lots * LOTS[symbol], "limit", 1000, "gtc"),
            (owner, symbol, "buy", 10**9 + LOTS[symbol], "limit", 1000, "gtc"),
            (owner, symbol, "sell", lots * LOTS[symbol], "limit", 10**9 + TICKS[symbol], "gtc"),
            (owner, symbol, "buy", lots * LOTS[symbol], "limit", -(2**63), "gtc"),
        ):
            self._place(uuid.uuid4(), *arguments)

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 10_000), same=st.booleans())
    def replay(self, pick, same):
        order_id, arguments = self.orders[pick % len(self.orders)]
        if not same:
            owner, symbol, side, quantity, kind, price, tif = arguments
            arguments = (owner, symbol, side, quantity + LOTS[symbol], kind, price, tif)
        self._place(order_id, *arguments)

    @precondition(lambda self: self.orders)
    @rule(pick=st.integers(0, 10_000))
    def cancel(self, pick):
        order_id, _ = self.orders[pick % len(self.orders)]
        row = self.conn.execute(
            "SELECT status, filled_quantity, remaining_quantity FROM vb_api.cancel_order(%s)", (order_id,)
        ).fetchone()
        assert row == self.model.cancel(order_id)[:3]

    @rule(
        scope=st.sampled_from(["security", "account"]),
        which=st.integers(0, TRADERS - 1),
        state=st.sampled_from(["halted", "reduce_only", "active", "active"]),
    )
    def set_trading_state(self, scope, which, state):
        key = SYMBOLS[which % len(SYMBOLS)] if scope == "security" else self.owners[which]
        text_key = key if scope == "security" else str(self.cash_of[key])
        status = self.conn.execute("SELECT vb_api.set_trading_state(%s, %s, %s)", (scope, text_key, state))
        assert status.fetchone()[0] == "set"
        if state == "active":
            self.model.states.pop((scope, key), None)
        else:
            self.model.states[(scope, key)] = state

    @rule(trader=st.integers(0, TRADERS - 1), limit=st.sampled_from([None, 5_000, 50_000]))
    def set_notional_limit(self, trader, limit):
        owner = self.owners[trader]
        status = self.conn.execute(
            "SELECT vb_api.set_exposure_limit('account', %s, 'order_notional', %s, NULL)",
            (str(self.cash_of[owner]), limit),
        ).fetchone()[0]
        assert status in ("set", "removed"), status
        if limit is None:
            self.model.order_notional_limit.pop(owner, None)
        else:
            self.model.order_notional_limit[owner] = limit

    @rule(symbol=st.sampled_from(SYMBOLS), ticks=st.integers(-20, 20))
    def quote(self, symbol, ticks):
        mid = 1000 + ticks * TICKS[symbol] * 2
        applied = self.conn.execute(
            """SELECT vb_api.ingest_quotes(jsonb_build_array(jsonb_build_object('symbol', %s::text,
                   'bid', %s::bigint, 'ask', %s::bigint, 'ts', clock_timestamp())))""",
            (symbol, mid - TICKS[symbol], mid + TICKS[symbol]),
        ).fetchone()[0]
        assert applied == 1
        self.model.securities[symbol].quote_mid = mid

    @rule()
    def the_trading_day_ends(self):
        """The day of every resting day order is over (the calendar is not enforced: a day order
        lives to the end of its UTC day): moved a day back, as time would move it."""
        self.conn.execute(
            "UPDATE vb.orders SET created_at = created_at - interval '1 day'"
            " WHERE time_in_force = 'day' AND order_status IN ('new', 'partially_filled')"
        )
        expired = self.conn.execute("SELECT vb_ops.expire_day_orders()").fetchone()[0]
        assert expired == self.model.expire_day_orders()

    # -- the whole state after every step --------------------------------------------------------
    @invariant()
    def balances_and_reservations_equal_the_reference(self):
        rows = self.conn.execute(
            "SELECT account_id, balance, pending_out FROM vb_api.get_balances(%s)",
            (list(self.cash_of.values()),),
        ).fetchall()
        actual = {account: (balance, pending) for account, balance, pending in rows}
        expected = {self.cash_of[o]: (self.model.cash[o], self.model.reserved_cash(o)) for o in self.owners}
        assert actual == expected
        fees = self.conn.execute(
            "SELECT coalesce(sum(balance), 0) FROM vb_api.get_balances(ARRAY[vb.derived_id('fees', 'VBD')])"
        ).fetchone()[0]
        assert fees == self.model.fees_collected

    @invariant()
    def holdings_equal_the_reference(self):
        for owner in self.owners:
            rows = self.conn.execute(
                "SELECT symbol, quantity, available_quantity FROM vb_api.get_positions(%s)", (owner,)
            ).fetchall()
            expected = {
                (
                    s,
                    self.model.shares[(owner, s)],
                    self.model.shares[(owner, s)] - self.model.reserved_shares(owner, s),
                )
                for s in SYMBOLS
            }
            assert set(rows) == expected

    @invariant()
    def book_and_orders_equal_the_reference(self):
        book = self.conn.execute(
            """SELECT symbol, side, order_id, limit_price, quantity - filled_quantity FROM vb.orders
               WHERE order_status IN ('new', 'partially_filled')
               ORDER BY symbol, side, priority_price, book_seq"""
        ).fetchall()
        expected = [
            (symbol, side, o.order_id, o.limit_price, o.open_quantity)
            for symbol in sorted(SYMBOLS)
            for side in ("buy", "sell")
            for o in self.model.book(symbol, side)
        ]
        assert book == expected
        states = self.conn.execute(
            "SELECT order_id, order_status, filled_quantity, filled_notional, reject_reason FROM vb.orders"
        ).fetchall()
        assert {row[0]: row[1:] for row in states} == {
            o.order_id: (o.status, o.filled, o.filled_notional, o.reject_reason)
            for o in self.model.orders.values()
        }

    @invariant()
    def ledger_verifies(self):
        failures = self.conn.execute("SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok")
        assert failures.fetchall() == []


@pytest.mark.parametrize("via", ["direct", "pgbouncer"])
def test_trading_matches_the_reference_engine(db_url, via, request):
    """Direct, and through a PgBouncer in transaction pooling mode (pyvb.testing.fixtures.run_model)."""
    run_model(TradingMachine, db_url, via, request)
