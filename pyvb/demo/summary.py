"""The summary of ``make demo``'s trading session: orders by status, trades, volume, breaches,
alerts and top movers read from ``vb_report`` (as a reporting job would, as ``vb_readonly``), and
the sessions and rate limits the middleware saw."""

from __future__ import annotations

import psycopg
from rich.console import Console
from rich.table import Table

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


def print_sessions(console: Console, counts, stats) -> None:
    """``counts``: the simulation's SessionCounts; ``stats``: its session cache's."""
    table = Table(title="sessions and rate limits")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("sessions started", f"{counts.started:,}")
    table.add_row("sessions ended", f"{counts.ended:,}")
    table.add_row("validations through the session cache", f"{stats.hits + stats.misses:,}")
    table.add_row("  session cache hit ratio", f"{stats.hit_ratio:.1%}")
    table.add_row("orders refused: session no longer valid", f"{counts.refused:,}")
    table.add_row("rate-limited requests", f"{counts.rate_limited:,}")
    console.print(table)


def summarize(
    report: psycopg.Connection,
    admin: psycopg.Connection,
    console: Console,
    started_at,
    trades_before,
    orders_placed,
) -> dict:
    statuses = report.execute(ORDER_STATUSES_SQL, (started_at,)).fetchall()
    trades, volume, notional = report.execute(TRADE_TOTALS_SQL, (trades_before,)).fetchone()
    movers = report.execute(MOVERS_SQL, (trades_before,)).fetchall()
    breaches = report.execute(BREACHES_SQL, (started_at,)).fetchone()[0]
    alerts = admin.execute(ALERTS_SQL).fetchone()[0]

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
