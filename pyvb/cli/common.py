"""What every command group shares: the console, one-line errors, the service options."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import click
import psycopg
from rich.console import Console

from pyvb import config
from pyvb.deploy import DeployError
from pyvb.logs import one_line

console = Console(width=None if sys.stdout.isatty() else 140)


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def not_deployed_hint(error: psycopg.Error) -> str:
    """A hint when the error says the project's schemas or functions are missing: the database
    was never deployed (or is another one)."""
    if error.sqlstate in ("3F000", "42883", "42P01") and "vb" in str(error):
        return " (is this database deployed? pyvb db migrate --database-url …)"
    return ""


def clean_errors(command):
    """Turn the errors an operator can cause (bad URL, server down, failed file) into one line."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DeployError as error:
            fail(str(error))
        except psycopg.Error as error:
            fail(one_line(error) + not_deployed_hint(error))
        except OSError as error:
            fail(f"{error.__class__.__name__}: {error}")

    return wrapper


def connect_as(database_url: str, role: str, autocommit: bool = True) -> psycopg.Connection:
    """A connection acting as ``role`` (autocommit unless told); one line and exit 1 when the
    login may not."""
    from pyvb.config import acting_as, role_refused

    try:
        return psycopg.connect(acting_as(database_url, role), autocommit=autocommit)
    except psycopg.OperationalError as error:
        if refused := role_refused(error, role):
            fail(refused)
        raise


database_url_option = click.option(
    "--database-url",
    envvar="VB_DATABASE_URL",
    default=config.DEFAULT_DATABASE_URL,
    show_default=True,
    help="PostgreSQL URL (env VB_DATABASE_URL).",
)
kafka_bootstrap_option = click.option(
    "--kafka-bootstrap",
    envvar="VB_KAFKA_BOOTSTRAP",
    default=config.DEFAULT_KAFKA_BOOTSTRAP,
    show_default=True,
    help="Kafka bootstrap servers (env VB_KAFKA_BOOTSTRAP).",
)
bundled_kafka_option = click.option(
    "--kafka-bootstrap",
    envvar="VB_KAFKA_BOOTSTRAP",
    help="Kafka bootstrap servers (env VB_KAFKA_BOOTSTRAP); default: start the bundled tansu broker.",
)
redis_url_option = click.option(
    "--redis-url",
    envvar="VB_REDIS_URL",
    default=config.DEFAULT_REDIS_URL,
    show_default=True,
    help="Redis URL (env VB_REDIS_URL).",
)


archive_options = [
    click.option("--archive-dir", type=click.Path(file_okay=False), help="Archive to this local directory."),
    click.option("--archive-url", help="Archive to S3-compatible storage: s3://bucket/prefix."),
    click.option(
        "--s3-endpoint-url",
        envvar="VB_S3_ENDPOINT_URL",
        help="S3 endpoint (MinIO, moto; env VB_S3_ENDPOINT_URL).",
    ),
]


def with_archive_options(command):
    for option in reversed(archive_options):
        command = option(command)
    return command


def archive_store(archive_dir, archive_url, s3_endpoint_url, required: bool):
    from pyvb.maintain import open_store

    if archive_dir and archive_url:
        fail("give --archive-dir or --archive-url, not both")
    if not (archive_dir or archive_url):
        if required:
            fail("give --archive-dir or --archive-url")
        return None
    if archive_url and not str(archive_url).startswith("s3://"):
        fail(f"--archive-url takes s3://BUCKET/PREFIX (a folder: --archive-dir), not {archive_url[:60]!r}")
    if archive_dir and required and not Path(archive_dir).is_dir():
        fail(f"no archive folder at {archive_dir}")
    return open_store(archive_dir or archive_url, s3_endpoint_url)


def group_database_url(ctx: click.Context, database_url: str) -> str:
    """A subcommand's --database-url, or the group's when only the group was given one on the
    command line (`pyvb relay --database-url URL status` acts on URL, not on the default)."""
    from click.core import ParameterSource

    parent = ctx.parent
    if (
        ctx.get_parameter_source("database_url") is not ParameterSource.COMMANDLINE
        and parent is not None
        and parent.get_parameter_source("database_url") is ParameterSource.COMMANDLINE
    ):
        return parent.params["database_url"]
    return database_url
