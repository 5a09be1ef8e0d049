"""``pyvb maintain`` (run, loop, status) and ``pyvb archive`` (list, verify, restore)."""

from __future__ import annotations

import sys

import click
import psycopg

from pyvb.cli.common import (
    archive_store,
    clean_errors,
    connect_as,
    console,
    database_url_option,
    fail,
    with_archive_options,
)
from pyvb.config import OPS_ROLE
from pyvb.logs import configure_logging, one_line
from pyvb.render import health_table, print_pass, progress_bar


@click.group()
def maintain() -> None:
    """Partition maintenance: premake, default rows, expiries, retention with archival."""


@maintain.command("run")
@database_url_option
@with_archive_options
@click.option("--lock-timeout-ms", default=100, show_default=True, type=click.IntRange(1, 60_000))
@clean_errors
def maintain_run(database_url, archive_dir, archive_url, s3_endpoint_url, lock_timeout_ms):
    """One pass: premake partitions, move rows out of default partitions, expire pending transfers
    and day orders, fold deferred entries, detach (and archive) per retention, analyze. Safe to
    run twice and from two hosts (an advisory lock; the second is skipped). Exits 1 if a step
    failed."""
    from pyvb.maintain import Maintainer

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=False)
    with progress_bar("maintenance pass", total=None) as advance:
        report = Maintainer(database_url, store, lock_timeout_ms).run_pass(
            on_step=lambda name: advance(description=f"maintenance pass: {name}")
        )
    print_pass(report, console)
    if report.outcome == "failed":
        sys.exit(1)


@maintain.command("loop")
@database_url_option
@with_archive_options
@click.option("--interval", "interval_s", default=300.0, show_default=True, type=click.FloatRange(1))
@click.option("--lock-timeout-ms", default=100, show_default=True, type=click.IntRange(1, 60_000))
@clean_errors
def maintain_loop(database_url, archive_dir, archive_url, s3_endpoint_url, interval_s, lock_timeout_ms):
    """A pass every --interval seconds until SIGTERM/SIGINT (a failed pass is logged, the loop goes on)."""
    import logging
    import threading

    from pyvb.logs import stop_on_signals
    from pyvb.maintain import Maintainer

    configure_logging(False)
    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=False)
    stopping = threading.Event()
    stop_on_signals(stopping, logging.getLogger("pyvb.maintain"))
    maintainer = Maintainer(database_url, store, lock_timeout_ms)
    while not stopping.is_set():
        try:
            report = maintainer.run_pass()
            print_pass(report, console)
        except psycopg.OperationalError as error:
            click.echo(f"maintenance pass impossible: {one_line(error)}", err=True)
        stopping.wait(interval_s)


@maintain.command("status")
@database_url_option
@clean_errors
def maintain_status(database_url):
    """Partition health per table and the last pass; exits 1 when something needs attention."""
    from pyvb.maintain import status

    with connect_as(database_url, OPS_ROLE) as conn:
        health, last = status(conn)
    table, attention = health_table(health)
    console.print(table)
    if last is None:  # a fresh deploy: its partitions were premade; the table says if anything is due
        console.print("last pass: never")
    else:
        run_id, host, started_at, _finished_at, outcome, _detail = last
        console.print(
            f"last pass: #{run_id} on {host}, started {started_at:%F %T}, outcome {outcome or 'running'}"
        )
        attention |= outcome not in ("ok", "skipped")
    sys.exit(1 if attention else 0)


@click.group()
def archive() -> None:
    """Archived partitions: list, verify, restore for an audit."""


@archive.command("list")
@with_archive_options
def archive_list(archive_dir, archive_url, s3_endpoint_url):
    """Every manifest in the store, one per line, never cut (restore takes the name as printed):
    manifest (under the database's namespace), table, range, rows, sha256."""
    from pyvb.maintain import ArchiveError, read_manifest

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=True)
    lines = [("manifest", "parent", "from", "to", "rows", "sha256")]
    try:
        for name in store.names():
            manifest = read_manifest(store, name)
            lines.append((name, manifest["parent"], manifest["range_from"], manifest["range_to"],
                          str(manifest["row_count"]), manifest["sha256"][:16]))  # fmt: skip
    except (ArchiveError, OSError) as error:
        fail(str(error))
    widths = [max(len(str(line[i])) for line in lines) for i in range(len(lines[0]))]
    click.echo(f"archives in {store.location}: {len(lines) - 1}")
    for line in lines:
        cells = (str(cell).ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@archive.command("verify")
@with_archive_options
@click.argument("manifests", nargs=-1)
def archive_verify(archive_dir, archive_url, s3_endpoint_url, manifests):
    """Read every archive (or the named manifests) back and check sha256 and row count; exits 1
    on any mismatch."""
    from pyvb.maintain import ArchiveError, read_manifest, verify_archive

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=True)
    bad = 0
    for name in manifests or store.names():
        try:
            verify_archive(store, read_manifest(store, name))
            click.echo(f"ok      {name}")
        except (ArchiveError, OSError) as error:
            bad += 1
            click.echo(f"FAILED  {name}: {error}")
    sys.exit(1 if bad else 0)


@archive.command("restore")
@database_url_option
@with_archive_options
@click.argument("manifest")
@click.option("--schema", default="vb_restore", show_default=True, help="Schema to restore into.")
@click.option("--replace", is_flag=True, help="Replace the table an earlier restore of it left.")
@clean_errors
def archive_restore(database_url, archive_dir, archive_url, s3_endpoint_url, manifest, schema, replace):
    """Verify one archive and load it into <schema>.<partition> for an audit (outside the ledger)."""
    from pyvb.maintain import ArchiveError, read_manifest, restore_archive

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=True)
    try:
        read = read_manifest(store, manifest)
        with (
            psycopg.connect(database_url) as conn,
            progress_bar("restoring rows", read.get("row_count")) as advance,
        ):
            table, rows = restore_archive(conn, store, read, schema, replace, on_rows=advance)
    except ArchiveError as error:
        fail(str(error))
    click.echo(f"restored {rows} rows into {table}")
