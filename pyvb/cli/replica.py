"""``pyvb replica status``: the streaming replicas of the primary and their lag
(``vb_ops.replica_status``), acting as ``vb_ops``; exit 1 past a threshold."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from pyvb.cli.common import clean_errors, connect_as, console, database_url_option
from pyvb.config import OPS_ROLE

STATUS_SQL = (
    "SELECT replica, client_addr, state, sync_state, replay_lag_bytes, replay_lag_s, reply_age_s"
    " FROM vb_ops.replica_status()"
)


@click.group()
def replica() -> None:
    """Streaming replicas (hot standbys) of the primary."""


@replica.command("status")
@database_url_option
@click.option(
    "--max-lag-s", default=30.0, show_default=True, type=click.FloatRange(0), help="Replay lag allowed."
)
@click.option(
    "--max-lag-bytes",
    default=64 * 1024 * 1024,
    show_default=True,
    type=click.IntRange(0),
    help="WAL not replayed allowed.",
)
@click.option(
    "--expect", default=0, show_default=True, type=click.IntRange(0), help="Replicas that must be streaming."
)
@clean_errors
def replica_status(database_url, max_lag_s, max_lag_bytes, expect):
    """Each replica of the primary at --database-url: state, replay lag in bytes and seconds, age of
    its last reply. Exits 1 when one is past --max-lag-s or --max-lag-bytes, has not replied for
    longer than --max-lag-s, or fewer than --expect are streaming."""
    with connect_as(database_url, OPS_ROLE) as conn:
        rows = conn.execute(STATUS_SQL).fetchall()
    table = Table(title="replicas")
    for column in ("replica", "address", "state", "sync", "lag bytes", "lag s", "last reply s", "ok"):
        table.add_column(column)
    problems = []
    for name, address, state, sync, lag_bytes, lag_s, reply_age_s in rows:
        late = [
            why
            for why, bad in (
                (f"lag {lag_s:.1f} s > {max_lag_s:g}", lag_s > max_lag_s),
                (f"lag {int(lag_bytes or 0):,} bytes > {max_lag_bytes:,}", (lag_bytes or 0) > max_lag_bytes),
                (f"no reply for {reply_age_s:.1f} s", reply_age_s is not None and reply_age_s > max_lag_s),
                (f"state {state}", state != "streaming"),
            )
            if bad
        ]
        problems += [f"{name}: {why}" for why in late]
        table.add_row(
            name, address or "local", state, sync, f"{int(lag_bytes or 0):,}", f"{lag_s:.3f}",
            "-" if reply_age_s is None else f"{reply_age_s:.1f}", "ok" if not late else "[red]LATE[/red]",
        )  # fmt: skip
    streaming = sum(1 for row in rows if row[2] == "streaming")
    if streaming < expect:
        problems.append(f"{streaming} replica(s) streaming, {expect} expected")
    console.print(table)
    for problem in problems:
        console.print(f"[red]{problem}[/red]")
    if problems:
        sys.exit(1)
    console.print(f"{len(rows)} replica(s), all within the thresholds")
