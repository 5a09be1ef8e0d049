"""Stateful property test: random order flows from several traders on several symbols.

After every step: verify_ledger passes (cash and shares conserved), no book is crossed at rest,
no order filled beyond its quantity, every trade settled exactly price × quantity ± fees, share
holdings equal what issuance and trades imply, and every resting order's reservation is exactly
what it still needs.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

SYMBOLS = ("ACME", "BETA")
TRADERS = 4
FEES = {"ACME": (10, 25), "BETA": (0, 0)}  # maker, taker bps
LOTS = {"ACME": 10, "BETA": 1}
TICKS = {"ACME": 5, "BETA": 1}


class TradingMachine(RuleBasedStateMachine):
    conn: psycopg.Connection

    @initialize()
    def open_market(self):
        self.run = uuid.uuid4().hex[:6].upper()
        self.symbols = [f"{s}{self.run}"[:12] for s in SYMBOLS]
        self.owners = [uuid.uuid4() for _ in range(TRADERS)]
        self.cash = [uuid.uuid4() for _ in range(TRADERS)]
        self.issued = {(o, s): 0 for o in self.owners for s in self.symbols}
        self.orders: list[uuid.UUID] = []
        issuer = uuid.uuid4()
        execute = self.conn.execute
        execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (issuer,))
        for base, symbol in zip(SYMBOLS, self.symbols, strict=True):
            execute(
                "SELECT vb_api.create_security(%s, %s, 'VBD', %s, %s, NULL)",
                (symbol, base, TICKS[base], LOTS[base]),
            )
            execute("SELECT vb_api.set_fees(%s, %s, %s)", (symbol, *FEES[base]))
        for index, (owner, cash) in enumerate(zip(self.owners, self.cash, strict=True)):
            execute("SELECT vb_api.create_user(%s, %s)", (owner, f"t{self.run}{index}"))
            execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (cash, owner))
            execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 5000000, 'deposit')", (uuid.uuid4(), issuer, cash)
            )
            for symbol in self.symbols:
                execute("SELECT vb_api.issue_shares(%s, %s, %s, 500)", (uuid.uuid4(), symbol, owner))
                self.issued[(owner, symbol)] += 500

    def _base(self, symbol: str) -> str:
        return SYMBOLS[self.symbols.index(symbol)]

    @rule(
        trader=st.integers(0, TRADERS - 1),
        which=st.integers(0, len(SYMBOLS) - 1),
        side=st.sampled_from(["buy", "sell"]),
        kind=st.sampled_from(["limit", "limit", "limit", "market"]),
        tif=st.sampled_from(["gtc", "gtc", "ioc", "fok", "day"]),
        lots=st.integers(1, 12),
        ticks=st.integers(-6, 6),
    )
    def place(self, trader, which, side, kind, tif, lots, ticks):
        symbol = self.symbols[which]
        base = self._base(symbol)
        price = None if kind == "market" else 1000 + ticks * TICKS[base] * 2
        if kind == "market" and tif in ("gtc", "day"):
            tif = "ioc"
        order_id = uuid.uuid4()
        status, reason = self.conn.execute(
            "SELECT status, reject_reason FROM vb_api.place_order(%s, %s, %s, %s, %s, %s, %s, %s)",
            (order_id, self.cash[trader], symbol, side, lots * LOTS[base], kind, price, tif),
        ).fetchone()
        assert status in ("new", "partially_filled", "filled", "cancelled", "rejected")
        if status == "rejected":
            assert reason in ("insufficient_funds", "insufficient_position"), reason
        self.orders.append(order_id)

    @precondition(lambda self: getattr(self, "orders", None))
    @rule(pick=st.integers(0, 10_000))
    def cancel(self, pick):
        order_id = self.orders[pick % len(self.orders)]
        before = self.conn.execute("SELECT status FROM vb_api.get_order(%s)", (order_id,)).fetchone()[0]
        after = self.conn.execute(
            "SELECT status, remaining_quantity FROM vb_api.cancel_order(%s)", (order_id,)
        )
        status, remaining = after.fetchone()
        assert remaining == 0
        assert status == ("cancelled" if before in ("new", "partially_filled") else before)

    @invariant()
    def ledger_verifies(self):
        if not hasattr(self, "symbols"):
            return
        failures = self.conn.execute(
            "SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok"
        ).fetchall()
        assert failures == []

    @invariant()
    def books_are_not_crossed_and_orders_not_overfilled(self):
        if not hasattr(self, "symbols"):
            return
        for symbol in self.symbols:
            levels = self.conn.execute(
                "SELECT side, price FROM vb_api.order_book(%s, 1)", (symbol,)
            ).fetchall()
            best = dict(levels)
            if "buy" in best and "sell" in best:
                assert best["buy"] < best["sell"], (symbol, best)
        over = self.conn.execute(
            "SELECT count(*) FROM vb.orders WHERE filled_quantity > quantity OR filled_quantity < 0"
        ).fetchone()[0]
        assert over == 0

    @invariant()
    def trades_settle_exactly(self):
        if not hasattr(self, "symbols"):
            return
        rows = self.conn.execute(
            """
            WITH legs AS (
                SELECT (x.metadata ->> 'trade_id')::bigint AS trade_id, x.code, x.asset_code,
                    sum(x.amount) AS amount
                FROM vb.transfers AS x WHERE x.metadata ? 'trade_id' GROUP BY 1, 2, 3
            )
            SELECT t.trade_id, t.symbol, t.price * t.quantity, t.buyer_fee, t.seller_fee, t.quantity,
                t.taker_side, cash.amount, fee.amount, shares.amount
            FROM vb.trades AS t
            LEFT JOIN legs AS cash
                ON cash.trade_id = t.trade_id AND cash.code = 'trade' AND cash.asset_code = 'VBD'
            LEFT JOIN legs AS fee ON fee.trade_id = t.trade_id AND fee.code = 'fee'
            LEFT JOIN legs AS shares ON shares.trade_id = t.trade_id AND shares.asset_code = t.symbol
            WHERE t.symbol = ANY(%s)
            """,
            (self.symbols,),
        ).fetchall()
        for _, symbol, notional, buyer_fee, seller_fee, quantity, taker_side, proceeds, fees, shares in rows:
            maker_bps, taker_bps = FEES[self._base(symbol)]
            buyer_bps, seller_bps = (taker_bps, maker_bps) if taker_side == "buy" else (maker_bps, taker_bps)
            assert buyer_fee == -(-notional * buyer_bps // 10000)
            assert seller_fee == -(-notional * seller_bps // 10000)
            assert (proceeds or 0) == notional - seller_fee
            assert (fees or 0) == buyer_fee + seller_fee
            assert shares == quantity

    @invariant()
    def holdings_follow_trades_and_reservations_match(self):
        if not hasattr(self, "symbols"):
            return
        for owner, cash in zip(self.owners, self.cash, strict=True):
            for symbol in self.symbols:
                bought, sold = self.conn.execute(
                    """SELECT coalesce(sum(quantity) FILTER (WHERE buyer_id = %(o)s), 0),
                              coalesce(sum(quantity) FILTER (WHERE seller_id = %(o)s), 0)
                       FROM vb.trades WHERE symbol = %(s)s""",
                    {"o": owner, "s": symbol},
                ).fetchone()
                quantity, available = self.conn.execute(
                    "SELECT quantity, available_quantity FROM vb_api.get_positions(%s) WHERE symbol = %s",
                    (owner, symbol),
                ).fetchone()
                assert quantity == self.issued[(owner, symbol)] + bought - sold
                resting_sells = self.conn.execute(
                    """SELECT coalesce(sum(quantity - filled_quantity), 0) FROM vb.orders
                       WHERE owner_id = %s AND symbol = %s AND side = 'sell'
                         AND order_status IN ('new', 'partially_filled')""",
                    (owner, symbol),
                ).fetchone()[0]
                assert quantity - available == resting_sells
            reserved, needed = self.conn.execute(
                """SELECT (SELECT pending_out FROM vb_api.get_balances(ARRAY[%(c)s::uuid])),
                          coalesce(sum(vb.buy_reservation(o.quantity - o.filled_quantity, o.limit_price,
                              o.maker_fee_bps, s.lot_size)), 0)
                   FROM vb.orders AS o JOIN vb.securities AS s USING (symbol)
                   WHERE o.account_id = %(c)s AND o.side = 'buy'
                     AND o.order_status IN ('new', 'partially_filled')""",
                {"c": cash},
            ).fetchone()
            assert reserved == needed


@pytest.fixture
def trading_machine(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SET statement_timeout = '30s'")  # a hang fails the step instead of the run
        TradingMachine.conn = conn
        yield TradingMachine


def test_trading_invariants_hold(trading_machine):
    trading_machine.TestCase.settings = settings(
        max_examples=15,
        stateful_step_count=30,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    trading_machine.TestCase().runTest()
