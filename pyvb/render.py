"""Rich tables shared by the command line and the demo: the ledger audit, partition health and
a maintenance pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from rich.console import Console
from rich.table import Table
from rich.text import Text

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


def _counted(number: int, what: str) -> str:
    return f"{number:,} {what}" if number != 1 else f"1 {what.removesuffix('s')}"


def describe_step(name: str, result) -> str:
    """A maintenance step's result in words (the pass records the raw values in
    vb.maintenance_runs)."""
    if name == "premake":
        made = sum(result.values())
        return (
            "nothing to make"
            if not made
            else f"made {_counted(made, 'partitions')}: "
            + ", ".join(f"{parent} {count}" for parent, count in result.items())
        )
    if name == "default_rows":
        if not result:
            return "no rows in default partitions"
        return "; ".join(
            f"{parent}: moved {_counted(r['moved'], 'rows')} to their partitions"
            + (f", {_counted(r['left'], 'rows')} left (no partition for them yet)" if r["left"] else "")
            for parent, r in result.items()
        )
    if name == "retention":
        if not result:
            return "nothing past its retention"
        return "; ".join(
            f"archived {d['partition']} ({_counted(d['rows'], 'rows')}) to {d['to']} and dropped it"
            if d["action"] == "archived" else f"dropped {d['partition']} (empty, nothing to archive)"
            for d in result
        )  # fmt: skip
    if name == "analyze":
        return f"analyzed {_counted(len(result), 'tables')}"
    counts = {
        "chain_audit": "audit records linked into the chain",
        "expire_pending_transfers": "pending transfers expired",
        "expire_day_orders": "day orders cancelled at the close",
        "expire_sessions": "sessions expired or deleted",
        "fold_deferred_entries": "deferred entries folded",
        "system_metrics": "metric samples stored",
    }
    return f"{result:,} {counts[name]}" if name in counts else str(result)


def print_pass(report, console: Console) -> None:
    """One line per step, never wrapped or cut (logs of ``maintain loop`` keep them whole)."""
    console.print(f"maintenance pass: {report.outcome} in {report.seconds:.2f} s", soft_wrap=True)
    width = max((len(name) for name in report.steps), default=0)
    for name, result in report.steps.items():
        console.print(Text(f"  {name.ljust(width)}  {describe_step(name, result)}"), soft_wrap=True)
    for error in report.errors:
        console.print(Text(f"  error: {error}", style="red"), soft_wrap=True)


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


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr for work that takes seconds, gone when it ends (and never drawn
    when stderr is not a terminal: logs and tests see only the result). Yields
    ``advance(amount=1, description=None)``."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=Console(stderr=True), transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task(description, total=total)

        def advance(amount: int = 1, description: str | None = None) -> None:
            progress.update(task, advance=amount, **({"description": description} if description else {}))

        yield advance
