"""A simulated trading session for ``make demo``: market makers quote around a drifting mid,
players trade against them (a seeded random generator), all through ``vb_api`` as the
middleware would; then a summary.

Each step acts as the role it belongs to (contract identity.md): the world — securities, fees,
money and shares, limits, the makers' role — as ``vb_admin``; players and makers as ``vb_app``,
each order placed under the trader's session (validated through ``pyvb.sessions.SessionCache``)
and within the trader's rate limit (``pyvb.ratelimit``); quotes as ``vb_feed``; the summary from
``vb_report`` as ``vb_readonly``. Players log out now and then and log in again."""

from __future__ import annotations

import random
import time
import uuid
from dataclasses import dataclass, field

import psycopg
import redis
from psycopg_pool import ConnectionPool
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from pyvb.config import ADMIN_ROLE, APP_ROLE, FEED_ROLE, READONLY_ROLE, acting_as
from pyvb.demo.summary import LAST_TRADE_SQL, print_sessions, summarize
from pyvb.ratelimit import DEFAULT_ROUTES, RateLimits, Route
from pyvb.sessions import SessionCache

NAMESPACE = uuid.UUID("5b0c6a1e-8d3f-4b7a-9c2e-7f1d3a5b9e20")
ISSUER = uuid.UUID("00000000-0000-4000-8000-000000000001")
SYMBOLS = {"ACME": 12_000, "BETA": 4_500, "GAMMA": 25_000, "DELTA": 800}  # starting mid, minor units
TICK = 5

#: players may place 6 orders a second (the busiest exceed it now and then); makers quote on a
#: route of their own, far above what the demo sends
ROUTES = {
    **DEFAULT_ROUTES,
    "place_order": Route("6/second", money_moving=True),
    "quote": Route("100000/minute", money_moving=True),
}
LOGOUT_PROBABILITY = 0.02


def stable_id(*parts: str) -> uuid.UUID:
    return uuid.uuid5(NAMESPACE, ":".join(parts))


@dataclass
class Trader:
    handle: str
    owner_id: uuid.UUID
    cash_id: uuid.UUID
    maker: bool
    quotes: dict[str, list[uuid.UUID]] = field(default_factory=dict)
    session_id: uuid.UUID | None = None
    token: str | None = None


@dataclass
class Connections:
    """One connection per role the demo acts as, and the middleware's session cache and rate
    limits (None: orders are placed without either, as a back-office script would)."""

    admin: psycopg.Connection
    app: psycopg.Connection
    feed: psycopg.Connection
    sessions: SessionCache | None = None
    limits: RateLimits | None = None

    @classmethod
    def on_one(cls, conn: psycopg.Connection) -> Connections:
        """Every role on one connection (a superuser's, in tests at other dates)."""
        return cls(conn, conn, conn)


@dataclass
class SessionCounts:
    started: int = 0
    ended: int = 0
    rate_limited: int = 0
    refused: int = 0  # orders whose session did not validate (logged in again)


class Session:
    def __init__(self, roles: Connections, seed: int):
        self.roles = roles
        self.conn = roles.app
        self.rng = random.Random(seed)
        self.mids = dict(SYMBOLS)
        self.first_price: dict[str, int] = {}
        self.orders_placed = 0
        self.counts = SessionCounts()

    def setup(self, players: int = 8, makers: int = 2) -> list[Trader]:
        execute = self.roles.admin.execute
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
            self.conn.execute("SELECT vb_api.create_user(%s, %s)", (trader.owner_id, handle))
            self.conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (trader.cash_id, trader.owner_id))
            if maker:
                execute("SELECT vb_api.assign_role(%s, 'market_maker')", (trader.owner_id,))
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
            self.log_in(trader)
            traders.append(trader)
        return traders

    def log_in(self, trader: Trader) -> None:
        trader.session_id, trader.token = self.conn.execute(
            "SELECT session_id, token FROM vb_api.start_session(%s, 3600, %s)",
            (trader.owner_id, '{"client": "pyvb demo"}'),
        ).fetchone()
        self.counts.started += 1

    def log_out(self, trader: Trader) -> None:
        self.conn.execute("SELECT vb_api.end_session(%s)", (trader.session_id,))
        trader.session_id = trader.token = None
        self.counts.ended += 1

    def admitted(self, trader: Trader) -> bool:
        """What the middleware checks before an order: the trader's session (through the cache)
        and their rate limit (makers quote on a route of their own, by their role)."""
        if self.roles.sessions is None or self.roles.limits is None:
            return True
        if trader.token is None:
            self.log_in(trader)
        session = self.roles.sessions.validate(trader.token)
        if not session.valid:
            self.counts.refused += 1
            self.log_in(trader)
            return False
        route = "quote" if "market_maker" in session.roles else "place_order"
        if not self.roles.limits.hit(route, session.user_id).allowed:
            self.counts.rate_limited += 1
            return False
        return True

    def place(self, trader: Trader, symbol: str, side: str, quantity: int, order_type: str, price, tif: str):
        if not self.admitted(trader):
            return None
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
        maker.quotes[symbol] = []
        if not self.admitted(maker):
            return
        mid = self.mids[symbol]
        spread = max(TICK, (mid // 400) // TICK * TICK)
        # both sides of the quote in one call (vb_api.place_orders, elements in order)
        quotes = [
            (uuid.uuid4(), maker.cash_id, symbol, side, 50, "limit", price, "gtc")
            for side, price in (("buy", mid - spread), ("sell", mid + spread))
        ]
        self.conn.execute("SELECT count(*) FROM vb_api.place_orders(%s::vb_api.order_request[])", (quotes,))
        self.orders_placed += len(quotes)
        maker.quotes[symbol] = [quote[0] for quote in quotes]

    def step(self, traders: list[Trader]) -> None:
        symbol = self.rng.choice(list(SYMBOLS))
        drift = self.rng.choice((-2, -1, 0, 0, 1, 2)) * TICK
        self.mids[symbol] = max(10 * TICK, self.mids[symbol] + drift)
        makers = [t for t in traders if t.maker]
        players = [t for t in traders if not t.maker]
        self.requote(self.rng.choice(makers), symbol)
        player = self.rng.choice(players)
        if player.token is not None and self.rng.random() < LOGOUT_PROBABILITY:
            self.log_out(player)  # logs in again on their next order
            return
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
            self.roles.feed.execute(
                """SELECT vb_api.ingest_quotes(jsonb_build_array(jsonb_build_object(
                       'symbol', %s::text, 'bid', %s::bigint, 'ask', %s::bigint, 'last', %s::bigint,
                       'volume', 1, 'ts', clock_timestamp())))""",
                (symbol, mid - TICK, mid + TICK, mid),
            )


def run(database_url: str, redis_url: str, console: Console, seconds: float, seed: int = 7) -> dict:
    """Trade for about ``seconds``; print the summary; return its figures."""

    def connect(role: str) -> psycopg.Connection:
        return psycopg.connect(acting_as(database_url, role), autocommit=True)

    redis_client = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)
    app_url = acting_as(database_url, APP_ROLE)
    with (
        connect(ADMIN_ROLE) as admin,
        connect(APP_ROLE) as app,
        connect(FEED_ROLE) as feed,
        connect(READONLY_ROLE) as report,
        ConnectionPool(app_url, min_size=1, max_size=2, open=True) as pool,
    ):
        roles = Connections(admin, app, feed, SessionCache(redis_client, pool), RateLimits(redis_url, ROUTES))
        try:
            return trade(roles, report, console, seconds, seed)
        finally:
            redis_client.close()


def trade(
    roles: Connections, report: psycopg.Connection, console: Console, seconds: float, seed: int
) -> dict:
    session = Session(roles, seed)
    started_at = report.execute("SELECT clock_timestamp()").fetchone()[0]
    trades_before = report.execute(LAST_TRADE_SQL).fetchone()[0]
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
    for trader in traders:  # the session is over: everyone logs out
        if trader.token is not None:
            session.log_out(trader)
    summary = summarize(report, roles.admin, console, started_at, trades_before, session.orders_placed)
    print_sessions(console, session.counts, roles.sessions.stats)
    return {
        **summary,
        "sessions_started": session.counts.started,
        "rate_limited": session.counts.rate_limited,
    }
