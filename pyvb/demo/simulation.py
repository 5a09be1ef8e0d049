"""A simulated trading session for ``make demo``: market makers quote around a drifting mid,
players trade against them (a seeded random generator), all through ``vb_api`` as the
middleware would; then a summary."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field

import psycopg
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

NAMESPACE = uuid.UUID("5b0c6a1e-8d3f-4b7a-9c2e-7f1d3a5b9e20")
ISSUER = uuid.UUID("00000000-0000-4000-8000-000000000001")
SYMBOLS = {"ACME": 12_000, "BETA": 4_500, "GAMMA": 25_000, "DELTA": 800}  # starting mid, minor units
TICK = 5

# The summary reads vb_report's views and vb_api, as a reporting job would.
LAST_TRADE_SQL = "SELECT coalesce(max(trade_id), 0) FROM vb_report.trade_tape"
ORDER_STATUSES_SQL = (
    "SELECT order_status, count(*) FROM vb_report.order_flow WHERE created_at >= %s GROUP BY 1 ORDER BY 1"
)
TRADE_TOTALS_SQL = (
    "SELECT count(*), coalesce(sum(quantity), 0), coalesce(sum(notional), 0) FROM vb_report.trade_tape"
    " WHERE trade_id > %s"
)
MOVERS_SQL = """
    SELECT symbol, (array_agg(price ORDER BY trade_id))[1], (array_agg(price ORDER BY trade_id DESC))[1]
    FROM vb_report.trade_tape WHERE trade_id > %s GROUP BY symbol"""
BREACHES_SQL = "SELECT count(*) FROM vb_report.risk_breaches WHERE created_at >= %s"
ALERTS_SQL = "SELECT count(*) FROM vb_api.list_alerts()"


def stable_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(parts))


@dataclass
class Trader:
    handle: str
    owner_id: uuid.UUID
    cash_id: uuid.UUID
    maker: bool
    quotes: dict[str, list[uuid.UUID]] = field(default_factory=dict)


class Session:
    def __init__(self, conn: psycopg.Connection, seed: int):
        self.conn = conn
        self.rng = random.Random(seed)
        self.mids = dict(SYMBOLS)
        self.first_price: dict[str, int] = {}
        self.orders_placed = 0

    def setup(self, players: int = 8, makers: int = 2) -> list[Trader]:
        execute = self.conn.execute
        for symbol in SYMBOLS:
            execute(
                "SELECT vb_api.create_security(%s, %s, 'VBD', %s, 1, 2000)", (symbol, symbol.title(), TICK)
            )
        execute("SELECT vb_api.set_fees(NULL, 5, 15)")
        traders = []
        for index in range(makers + players):
            maker = index < makers
            handle = f"{'maker' if maker else 'player'}{index}"
            trader = Trader(handle, stable_id("user", handle), stable_id("cash", handle), maker)
            execute("SELECT vb_api.create_user(%s, %s)", (trader.owner_id, handle))
            execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (trader.cash_id, trader.owner_id))
            execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'deposit')",
                (uuid.uuid4(), ISSUER, trader.cash_id, 500_000_000 if maker else 20_000_000),
            )
            for symbol in SYMBOLS:
                execute(
                    "SELECT vb_api.issue_shares(%s, %s, %s, %s)",
                    (uuid.uuid4(), symbol, trader.owner_id, 100_000 if maker else 500),
                )
            if not maker:  # a soft limit per player so that big orders raise alerts
                execute(
                    "SELECT vb_api.set_exposure_limit('account', %s, 'order_notional', NULL, 2000000)",
                    (str(trader.cash_id),),
                )
            traders.append(trader)
        return traders

    def place(self, trader: Trader, symbol: str, side: str, quantity: int, order_type: str, price, tif: str):
        order_id = uuid.uuid4()
        self.conn.execute(
            "SELECT status FROM vb_api.place_order(%s, %s, %s, %s, %s, %s, %s, %s)",
            (order_id, trader.cash_id, symbol, side, quantity, order_type, price, tif),
        )
        self.orders_placed += 1
        return order_id

    def requote(self, maker: Trader, symbol: str) -> None:
        for order_id in maker.quotes.get(symbol, []):
            self.conn.execute("SELECT status FROM vb_api.cancel_order(%s)", (order_id,))
        mid = self.mids[symbol]
        spread = max(TICK, (mid // 400) // TICK * TICK)
        maker.quotes[symbol] = [
            self.place(maker, symbol, "buy", 50, "limit", mid - spread, "gtc"),
            self.place(maker, symbol, "sell", 50, "limit", mid + spread, "gtc"),
        ]

    def step(self, traders: list[Trader]) -> None:
        symbol = self.rng.choice(list(SYMBOLS))
        drift = self.rng.choice((-2, -1, 0, 0, 1, 2)) * TICK
        self.mids[symbol] = max(10 * TICK, self.mids[symbol] + drift)
        makers = [t for t in traders if t.maker]
        players = [t for t in traders if not t.maker]
        self.requote(self.rng.choice(makers), symbol)
        player = self.rng.choice(players)
        side = self.rng.choice(("buy", "sell"))
        quantity = self.rng.choice((1, 2, 5, 10, 20, 200))
        if self.rng.random() < 0.3:
            self.place(player, symbol, side, quantity, "market", None, "ioc")
        else:
            offset = self.rng.randint(-3, 2) * TICK
            price = self.mids[symbol] + (offset if side == "buy" else -offset)
            self.place(player, symbol, side, quantity, "limit", price, self.rng.choice(("gtc", "ioc", "day")))
        if self.rng.random() < 0.05:  # the stock market engine publishes a quote now and then
            mid = self.mids[symbol]
            self.conn.execute(
                """SELECT vb_api.ingest_quotes(jsonb_build_array(jsonb_build_object(
                       'symbol', %s::text, 'bid', %s::bigint, 'ask', %s::bigint, 'last', %s::bigint,
                       'volume', 1, 'ts', clock_timestamp())))""",
                (symbol, mid - TICK, mid + TICK, mid),
            )


def run(conn: psycopg.Connection, console: Console, seconds: float, seed: int = 7) -> dict:
    """Trade for about ``seconds``; print the summary; return its figures."""
    session = Session(conn, seed)
    started_at = conn.execute("SELECT clock_timestamp()").fetchone()[0]
    trades_before = conn.execute(LAST_TRADE_SQL).fetchone()[0]
    traders = session.setup()
    for trader in traders:
        if trader.maker:
            for symbol in SYMBOLS:
                session.requote(trader, symbol)
    deadline = time.monotonic() + seconds
    with Progress(
        TextColumn("trading session"),
        BarColumn(),
        TextColumn("{task.fields[orders]} orders"),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("session", total=seconds, orders=0)
        start = time.monotonic()
        while time.monotonic() < deadline:
            session.step(traders)
            progress.update(
                task, completed=min(seconds, time.monotonic() - start), orders=session.orders_placed
            )
    return summarize(conn, console, started_at, trades_before, session.orders_placed)


def summarize(conn, console: Console, started_at, trades_before: int, orders_placed: int) -> dict:
    statuses = conn.execute(ORDER_STATUSES_SQL, (started_at,)).fetchall()
    trades, volume, notional = conn.execute(TRADE_TOTALS_SQL, (trades_before,)).fetchone()
    movers = conn.execute(MOVERS_SQL, (trades_before,)).fetchall()
    breaches = conn.execute(BREACHES_SQL, (started_at,)).fetchone()[0]
    alerts = conn.execute(ALERTS_SQL).fetchone()[0]

    table = Table(title="trading session")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("orders placed", f"{orders_placed:,}")
    for status, count in statuses:
        table.add_row(f"  {status}", f"{count:,}")
    table.add_row("trades", f"{trades:,}")
    table.add_row("shares traded", f"{volume:,}")
    table.add_row("notional traded (VBD)", f"{notional / 100:,.2f}")
    table.add_row("soft-limit breaches", f"{breaches:,}")
    table.add_row("open alerts", f"{alerts:,}")
    console.print(table)
    moves = Table(title="top movers")
    for column in ("symbol", "first", "last", "change"):
        moves.add_column(column, justify="left" if column == "symbol" else "right")
    ranked = sorted(movers, key=lambda m: abs(m[2] - m[1]) / m[1], reverse=True)
    for symbol, first, last in ranked:
        moves.add_row(symbol, f"{first / 100:,.2f}", f"{last / 100:,.2f}", f"{(last - first) / first:+.2%}")
    console.print(moves)
    return {"orders": orders_placed, "trades": trades, "breaches": breaches}
