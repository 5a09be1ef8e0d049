"""``pyvb bench trading``: order placement and matching throughput and latency on a resting book."""

from __future__ import annotations

import re

import psycopg

from pyvb.bench.harness import ISSUER_ID, PgbenchHarness, Run, settle
from pyvb.config import with_database
from pyvb.deploy import Deployer, drop_database

TRADER_CASH_SQL = "('00000000-0000-0000-0003-' || lpad(({n})::text, 12, '0'))::uuid"
TRADER_OWNER_SQL = "('00000000-0000-0000-0004-' || lpad(({n})::text, 12, '0'))::uuid"
MID_PRICE = 10000
TICK = 5

ORDER_SCRIPT = """\\set t random(1, {traders})
\\set s random(1, {symbols})
\\set side random(0, 1)
\\set off random(-{depth}, 2)
SELECT status FROM vb_api.place_order(gen_random_uuid(), {cash}, 'S' || lpad(:s::text, 3, '0'),
    CASE WHEN :side = 0 THEN 'buy' ELSE 'sell' END, 10, 'limit',
    {mid} + (CASE WHEN :side = 0 THEN :off::int ELSE -(:off::int) END) * {tick}, 'gtc');
"""


# the same orders as ORDER_SCRIPT, --batch of them per call of place_orders, each element with its
# own trader, symbol, side and price drawn by the server (or one trader and one symbol per call,
# drawn by pgbench: a market maker's batch on one book)
BATCH_SCRIPT = """{prelude}SELECT count(*) FROM vb_api.place_orders(ARRAY(
    SELECT ROW(gen_random_uuid(), {cash}, 'S' || lpad(r.s::text, 3, '0'),
        CASE WHEN r.side = 0 THEN 'buy' ELSE 'sell' END, 10, 'limit',
        {mid} + (CASE WHEN r.side = 0 THEN r.off ELSE -r.off END) * {tick}, 'gtc')::vb_api.order_request
    FROM (
        SELECT {trader} AS t, {symbol} AS s,
            floor(random() * 2)::int AS side, floor(random() * ({depth} + 3))::int - {depth} AS off
        FROM generate_series(1, {batch})
    ) AS r));
"""

# the yardstick of a single order's cost: a single create_transfer between two traders' cash
# accounts of the same database, in the same round
TRANSFER_SCRIPT = """\\set a random(1, {traders})
\\set b 1 + (:a + random(0, {traders} - 2)) % {traders}
SELECT vb_api.create_transfer(gen_random_uuid(), {payer}, {payee}, 1, 'p2p');
"""


class TradingBench(PgbenchHarness):
    """Orders from many traders on N symbols: a resting book of --depth levels a side around one
    mid price, and orders whose limit lands from --depth ticks behind to 2 ticks through the
    touch, so that 2 in depth + 3 cross on arrival (more trade later while they rest)."""

    def __init__(self, server_url, clients, duration_s, symbols, depth, traders, jobs, console):
        super().__init__(server_url, "trading", clients, duration_s, jobs, console)
        self.symbols = symbols
        self.depth = depth
        self.traders = traders

    def setup(self) -> None:
        shape = f"{self.symbols} symbols, {self.traders} traders, book depth {self.depth}"
        self.console.print(f"deploying {self.scratch_db}: {shape}…")
        drop_database(self.server_url, self.scratch_db)
        url = with_database(self.server_url, self.scratch_db)
        Deployer(url).migrate()
        cash, owner = TRADER_CASH_SQL.format(n="n"), TRADER_OWNER_SQL.format(n="n")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SET ROLE vb_admin")  # the world is built by the back office
            conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER_ID,))
            conn.execute(
                "SELECT count(vb_api.create_security('S' || lpad(s::text, 3, '0'), 'bench', 'VBD', %s, 10,"
                " NULL)) FROM generate_series(1, %s) AS s",
                (TICK, self.symbols),
            )
            conn.execute("SELECT vb_api.set_fees(NULL, 5, 10)")
            conn.execute(
                f"SELECT count(vb_api.create_user({owner}, 'trader' || n)),"
                f" count(vb_api.open_account({cash}, 'VBD', {owner}))"
                " FROM generate_series(1, %s) AS n",
                (self.traders,),
            )
            conn.execute(
                f"""SELECT count(*) FROM vb_api.create_transfers(ARRAY(
                    SELECT ROW(gen_random_uuid(), %s::uuid, {cash}, 100000000000000, 'deposit', '{{}}',
                        NULL, NULL, NULL)::vb_api.transfer_request FROM generate_series(1, %s) AS n))""",
                (ISSUER_ID, self.traders),
            )
            conn.execute(
                "SELECT count(vb_api.issue_shares(gen_random_uuid(), 'S' || lpad(s::text, 3, '0'),"
                f" {owner}, %s))"
                " FROM generate_series(1, %s) AS n CROSS JOIN generate_series(1, %s) AS s",
                # plenty for the runs, within a security's 9·10^9 shares outstanding
                (min(10_000_000, 9_000_000_000 // self.traders), self.traders, self.symbols),
            )
            conn.execute("RESET ROLE")  # what follows reaches into vb's internals: the owner's work
            # the escrow accounts a trader's resting orders reserve into, opened as place_order
            # opens them on a trader's first resting order: the runs measure a market that has been
            # trading, not 4,000 first orders opening accounts
            conn.execute(
                "SELECT count(vb.ensure_account(vb.derived_id('escrow', o::text, a), a, o, 'clearing'))"
                f" FROM (SELECT {owner} AS o FROM generate_series(1, %s) AS n) AS t"
                " CROSS JOIN LATERAL (SELECT 'VBD' UNION ALL SELECT 'S' || lpad(s::text, 3, '0')"
                " FROM generate_series(1, %s) AS s) AS x (a)",
                (self.traders, self.symbols),
            )
            # the resting book: 5 orders per level and side, traders taken in turn
            conn.execute(
                f"""SELECT count(*) FROM generate_series(1, %(symbols)s) AS s
                    CROSS JOIN generate_series(1, %(depth)s) AS lvl
                    CROSS JOIN generate_series(0, 1) AS side
                    CROSS JOIN generate_series(1, 5) AS k
                    CROSS JOIN LATERAL (
                        SELECT ((s * 7 + lvl * 5 + k + side * 3) %% %(traders)s) + 1 AS n) AS pick
                    CROSS JOIN LATERAL vb_api.place_order(
                        gen_random_uuid(), {TRADER_CASH_SQL.format(n="pick.n")}, 'S' || lpad(s::text, 3, '0'),
                        CASE side WHEN 0 THEN 'buy' ELSE 'sell' END, 10, 'limit',
                        %(mid)s + (CASE side WHEN 0 THEN -lvl ELSE lvl END) * %(tick)s, 'gtc') AS o""",
                {
                    "symbols": self.symbols,
                    "depth": self.depth,
                    "traders": self.traders,
                    "mid": MID_PRICE,
                    "tick": TICK,
                },
            )
            settle(conn)

    def orders(self, name: str, symbols: int, rate: int | None = None, clients: int | None = None) -> Run:
        script = self.workdir / (re.sub(r"[^A-Za-z0-9]+", "-", name) + ".sql")
        script.write_text(
            ORDER_SCRIPT.format(
                traders=self.traders,
                symbols=symbols,
                depth=self.depth,
                mid=MID_PRICE,
                tick=TICK,
                cash=TRADER_CASH_SQL.format(n=":t"),
            )
        )
        args = ["-M", "prepared", "-f", str(script)]
        if rate:
            args += ["-R", str(rate)]
        before = self._trades_and_orders()
        run = self._timed_run(name, self.scratch_db, args, clients or self.clients, 1)
        after = self._trades_and_orders()
        traded = (after[0] - before[0]) / max(after[1] - before[1], 1)
        run.ratio = traded  # shown as "traded": the share of orders that traded
        return run

    def batches(self, name: str, symbols: int, batch: int, one_symbol_per_call: bool = False) -> Run:
        """Orders as ``orders`` places them, ``batch`` per call of place_orders: transactions/s are
        calls, transfers_per_s orders/s. A call's orders span the traders and symbols, or with
        ``one_symbol_per_call`` are one trader's on one book (a market maker's batch)."""
        prelude = ""
        if one_symbol_per_call:
            prelude = f"\\set s random(1, {symbols})\n\\set t random(1, {self.traders})\n"
        symbol = ":s" if one_symbol_per_call else f"1 + floor(random() * {symbols})::int"
        trader = ":t" if one_symbol_per_call else f"1 + floor(random() * {self.traders})::int"
        script = self.workdir / (re.sub(r"[^A-Za-z0-9]+", "-", name) + ".sql")
        script.write_text(
            BATCH_SCRIPT.format(
                depth=self.depth, mid=MID_PRICE, tick=TICK, batch=batch, prelude=prelude, symbol=symbol,
                trader=trader, cash=TRADER_CASH_SQL.format(n="r.t"),
            )
        )  # fmt: skip
        before = self._trades_and_orders()
        args = ["-M", "prepared", "-f", str(script)]
        run = self._timed_run(name, self.scratch_db, args, self.clients, batch)
        after = self._trades_and_orders()
        run.ratio = (after[0] - before[0]) / max(after[1] - before[1], 1)
        return run

    def transfers(self, clients: int | None = None) -> Run:
        """Single create_transfer between traders' cash accounts: the yardstick of the round."""
        script = self.workdir / "transfers.sql"
        script.write_text(
            TRANSFER_SCRIPT.format(
                traders=self.traders,
                payer=TRADER_CASH_SQL.format(n=":a"),
                payee=TRADER_CASH_SQL.format(n=":b"),
            )
        )
        run = self._timed_run(
            "create_transfer (yardstick)", self.scratch_db, ["-M", "prepared", "-f", str(script)],
            clients or self.clients, 1,
        )  # fmt: skip
        run.ratio = None
        return run

    def _trades_and_orders(self) -> tuple[int, int]:
        with psycopg.connect(with_database(self.server_url, self.scratch_db)) as conn:
            return conn.execute(
                "SELECT count(*) FILTER (WHERE filled_quantity > 0), count(*) FROM vb_report.order_flow"
            ).fetchone()
