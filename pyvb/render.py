"""Rich tables shared by the command line and the demo: the ledger audit, partition health and
a maintenance pass."""

from __future__ import annotations

import psycopg
from rich.console import Console
from rich.table import Table

VERIFY_SQL = "SELECT check_name, ok, detail FROM vb_ops.verify_ledger()"


def verify_table(conn: psycopg.Connection) -> tuple[Table, bool]:
    """Run vb_ops.verify_ledger in one consistent snapshot; return the table and whether all passed."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    rows = conn.execute(VERIFY_SQL).fetchall()
    conn.rollback()
    table = Table(title="verify_ledger")
    for column in ("check", "ok", "detail"):
        table.add_column(column)
    for name, ok, detail in rows:
        table.add_row(name, "[green]ok[/green]" if ok else "[red]FAILED[/red]", detail)
    return table, all(ok for _, ok, _ in rows)


def print_pass(report, console: Console) -> None:
    table = Table(title=f"maintenance pass: {report.outcome} in {report.seconds:.2f} s")
    table.add_column("step")
    table.add_column("result")
    for name, result in report.steps.items():
        table.add_row(name, str(result) if result not in ({}, [], 0) else "-")
    for error in report.errors:
        table.add_row("[red]error[/red]", error)
    console.print(table)


def health_table(health: list[tuple]) -> tuple[Table, bool]:
    """vb_ops.partition_health rows as a table, and whether any needs attention."""
    table = Table(title="partition health")
    for column in ("table", "period", "attached", "ahead", "premake", "default rows", "oldest from"):
        table.add_column(column)
    for column in ("retention", "ok", "detail"):
        table.add_column(column)
    attention = False
    for row in health:
        (
            parent,
            period,
            partitions,
            ahead,
            premake,
            default_rows,
            oldest,
            _newest,
            _due,
            retention,
            ok,
            detail,
        ) = row
        attention |= not ok
        oldest_text = f"{oldest:%F}" if oldest else "-"
        ok_text = "ok" if ok else "[red]no[/red]"
        counts = (str(partitions), str(ahead), str(premake), str(default_rows))
        table.add_row(parent, period, *counts, oldest_text, str(retention or "forever"), ok_text, detail)
    return table, attention
