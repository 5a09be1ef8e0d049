"""``pyvb metrics collect|serve``: the database's health as snapshots in ``vb.system_metrics`` and
live for Prometheus (contract audit.md), acting as ``vb_ops``."""

from __future__ import annotations

import json

import click
from rich.table import Table

from pyvb.cli.common import clean_errors, connect_as, console, database_url_option
from pyvb.config import OPS_ROLE
from pyvb.logs import configure_logging
from pyvb.metrics import COLLECT_SQL, DEFAULT_PORT, serve


@click.group()
def metrics() -> None:
    """System metrics: snapshots and a Prometheus endpoint."""


@metrics.command("collect")
@database_url_option
@clean_errors
def metrics_collect(database_url):
    """Store a snapshot (vb_ops.collect_system_metrics; also a step of `pyvb maintain run`) and
    print it."""
    with connect_as(database_url, OPS_ROLE) as conn:
        rows = conn.execute(COLLECT_SQL).fetchall()
    table = Table(title="system metrics snapshot")
    for column in ("series", "labels", "value"):
        table.add_column(column)
    for name, labels, value in rows:
        shown = f"{int(value):,}" if float(value).is_integer() else f"{value:,.4f}"
        table.add_row(name, json.dumps(labels) if labels else "", shown)
    console.print(table)
    console.print(f"{len(rows):,} sample(s) stored")


@metrics.command("serve")
@database_url_option
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=click.IntRange(1, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("-v", "--verbose", is_flag=True)
def metrics_serve(database_url, port, host, verbose):
    """Serve the vb_db_* series on http://HOST:PORT/metrics (Prometheus text format), read from the
    database on each scrape, until SIGTERM."""
    configure_logging(verbose)
    serve(database_url, port, host)
