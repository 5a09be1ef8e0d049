"""The ``pyvb`` command line. Every command fails with one clear line and a non-zero exit,
never a bare traceback."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys

import click
import psycopg
from rich.console import Console
from rich.table import Table

from pyvb import config
from pyvb.deploy import Deployer, DeployError

console = Console()
LINT_PATHS = ("migrations", "procedures", "sql", "pgtap")


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def clean_errors(command):
    """Turn the errors an operator can cause (bad URL, server down, failed file) into one line."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DeployError as error:
            fail(str(error))
        except psycopg.Error as error:
            fail(str(error).strip().replace("\n", " "))

    return wrapper


database_url_option = click.option(
    "--database-url",
    envvar="VB_DATABASE_URL",
    default=config.DEFAULT_DATABASE_URL,
    show_default=True,
    help="PostgreSQL URL (env VB_DATABASE_URL).",
)


@click.group()
@click.version_option(package_name="pyvb")
def main() -> None:
    """VirtualBank data store core: deploy, verify, relay, maintain, benchmark."""


@main.group()
def db() -> None:
    """Deploy and inspect the database schema."""


@db.command()
@database_url_option
@clean_errors
def migrate(database_url: str) -> None:
    """Create the database if needed, apply pending migrations and changed repeatable files."""
    report = Deployer(database_url).migrate()
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
    """Pending migrations, changed repeatable files and recent deploys."""
    state = Deployer(database_url).status(recent=recent)
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
    for column in ("deployed at", "action", "path", "sha256"):
        history.add_column(column)
    for deployed_at, action, path, sha in state.recent_deploys:
        history.add_row(f"{deployed_at:%Y-%m-%d %H:%M:%S%z}", action, path, sha)
    console.print(history)


@db.command()
@database_url_option
@click.option("--count", default=1, show_default=True, type=click.IntRange(min=1))
@clean_errors
def rollback(database_url: str, count: int) -> None:
    """Roll back the last COUNT migrations with their rollback files."""
    rolled_back = Deployer(database_url).rollback(count)
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
    executable = shutil.which("sqlfluff", path=str(config.Path(sys.executable).parent)) or shutil.which(
        "sqlfluff"
    )
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


@main.command()
@database_url_option
@clean_errors
def demo(database_url: str) -> None:
    """Deploy and seed the database, run the demo session and print a summary."""
    from pyvb import demo as demo_module

    demo_module.run(database_url, console)


if __name__ == "__main__":
    main()
