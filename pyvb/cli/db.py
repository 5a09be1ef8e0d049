"""``pyvb db`` (deploy, status, rollback, seed, unlock, lint) and ``pyvb verify``."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click
import psycopg
from rich.table import Table

from pyvb import config
from pyvb.cli.common import (
    clean_errors,
    connect_as,
    console,
    database_url_option,
    fail,
)
from pyvb.config import database_name, redact
from pyvb.deploy import Deployer
from pyvb.logs import one_line
from pyvb.render import verify_table

LINT_PATHS = ("migrations", "procedures", "sql", "pgtap")


@click.group()
def db() -> None:
    """Deploy and inspect the database schema."""


@db.command()
@database_url_option
@clean_errors
def migrate(database_url: str) -> None:
    """Create the database if needed, apply pending migrations and changed repeatable files."""
    report = Deployer(database_url).migrate()
    for parent, created in report.partitions_premade.items():
        click.echo(f"premade {created} partition(s) of {parent}")
    if report.nothing_applied:
        click.echo("nothing to apply: the database is up to date")
        return
    for path in report.migrations_applied:
        click.echo(f"applied migration {path}")
    for path in report.repeatables_applied:
        click.echo(f"applied {path}")
    click.echo(
        f"deployed {len(report.migrations_applied)} migration(s) and "
        f"{len(report.repeatables_applied)} repeatable file(s)"
    )


@db.command()
@database_url_option
@click.option("--recent", default=10, show_default=True, help="How many deploy records to show.")
@clean_errors
def status(database_url: str, recent: int) -> None:
    """Migrations applied, pending migrations, changed repeatable files and recent deploys."""
    state = Deployer(database_url).status(recent=recent)
    applied = state.applied_migrations
    last = f", the last {applied[-1]}" if applied else ""
    console.print(f"migrations applied: {len(applied)}{last}", soft_wrap=True)
    pending = Table(title="pending")
    pending.add_column("kind")
    pending.add_column("path")
    for path in state.pending_migrations:
        pending.add_row("migration", path)
    for path in state.changed_repeatables:
        pending.add_row("repeatable", path)
    if not state.pending_migrations and not state.changed_repeatables:
        pending.add_row("-", "nothing pending: the database is up to date")
    console.print(pending)
    history = Table(title="recent deploys")
    for column in ("deployed at", "migrations applied", "rolled back", "repeatable files"):
        history.add_column(column)
    for deployed_at, migrations, rolled_back, files in state.recent_deploys:
        when = f"{deployed_at:%Y-%m-%d %H:%M:%S%z}"
        history.add_row(when, _migration_names(migrations), _migration_names(rolled_back), str(files))
    console.print(history)


def _migration_names(paths: list[str]) -> str:
    """Migrations by name; a long run as its count, first and last."""
    names = [path.removeprefix("migrations/").removesuffix(".sql") for path in paths]
    if len(names) > 3:
        return f"{len(names)}: {names[0]} … {names[-1]}"
    return ", ".join(names) or "-"


@db.command()
@database_url_option
@click.option("--count", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--yes", is_flag=True, help="Do not ask: roll back (scripts).")
@click.option("--force", is_flag=True, help="Roll back even though the ledger holds transfers.")
@clean_errors
def rollback(database_url: str, count: int, yes: bool, force: bool) -> None:
    """Roll back the last COUNT migrations with their rollback files: they drop what the
    migrations made, data included. Refused on a ledger that holds transfers unless --force.
    Lists them and asks for the database's name first (without a terminal, --yes is required)."""
    deployer = Deployer(database_url)
    planned = deployer.to_roll_back(count)
    if not planned:
        click.echo("nothing to roll back")
        return
    if not force and deployer.ledger_holds_rows():
        fail(
            f"the ledger of {database_name(database_url)} holds transfers, which a rollback may drop:"
            " refused (--force to roll back all the same; take a backup first)"
        )
    name = database_name(database_url)
    if not yes:
        click.echo(f"rolling back on database {name} ({redact(database_url)}), dropping what they made:")
        for path in planned:
            click.echo(f"  {path}")
        if not sys.stdin.isatty():
            fail("refused without a terminal: pass --yes to roll back from a script")
        if click.prompt("type the database's name to go on", default="", show_default=False) != name:
            fail("not confirmed: nothing rolled back")
    rolled_back = deployer.rollback(count)
    if not rolled_back:
        click.echo("nothing to roll back")
    for path in rolled_back:
        click.echo(f"rolled back {path}")


@db.command()
@database_url_option
@clean_errors
def seed(database_url: str) -> None:
    """Load sql/seed/ (idempotent)."""
    for path in Deployer(database_url).seed():
        click.echo(f"loaded {path}")


@db.command()
@database_url_option
@clean_errors
def unlock(database_url: str) -> None:
    """Remove a yoyo lock left behind by a crashed plain yoyo run."""
    removed = Deployer(database_url).unlock()
    click.echo("removed a stale yoyo lock" if removed else "no yoyo lock was held")


@db.command()
@click.argument("paths", nargs=-1)
def lint(paths: tuple[str, ...]) -> None:
    """Lint SQL with sqlfluff (dialect postgres) over migrations/ procedures/ sql/ pgtap/."""
    executable = shutil.which("sqlfluff", path=str(Path(sys.executable).parent)) or shutil.which("sqlfluff")
    if executable is None:
        fail("sqlfluff is not installed (pip install 'pyvb[test]')")
    targets = list(paths) or [
        str(config.PROJECT_ROOT / p) for p in LINT_PATHS if (config.PROJECT_ROOT / p).exists()
    ]
    result = subprocess.run(
        [executable, "lint", "--dialect", "postgres", "--disable-progress-bar", *targets],
        cwd=config.PROJECT_ROOT,
        check=False,
    )
    sys.exit(result.returncode)


@click.command()
@database_url_option
@clean_errors
def verify(database_url: str) -> None:
    """Audit the ledger (vb_ops.verify_ledger, acting as vb_ops); exits 1 if any check fails."""
    try:
        conn = connect_as(database_url, config.OPS_ROLE, autocommit=False)
    except psycopg.OperationalError as error:
        fail(f"cannot connect to {config.redact(database_url)}: {one_line(error)}")
    with conn:
        table, all_ok = verify_table(conn)
    console.print(table)
    if not all_ok:
        sys.exit(1)
