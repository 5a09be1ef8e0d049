"""``pyvb backup configure|check|run|list|restore-drill``: pgBackRest for our layout
(``pyvb.backup``). Run as the deploying superuser on the database server's host: pgBackRest reads
the data folder and the server runs its archive command."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from pyvb.cli.common import clean_errors, connect_as, console, database_url_option, fail

repo_option = click.option(
    "--repo",
    envvar="VB_BACKUP_REPO",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the repository, its log and pgbackrest.conf (env VB_BACKUP_REPO).",
)
stanza_option = click.option("--stanza", default="virtualbank", show_default=True, help="pgBackRest stanza.")


def stanza_of(repo: Path, name: str):
    from pyvb.backup import Stanza

    if not name.replace("-", "").replace("_", "").isalnum() or len(name) > 64:
        fail("--stanza: letters, digits, '-' and '_', at most 64")
    return Stanza(repo.resolve(), name)


def backup_errors(command):
    """BackupError and the cluster's errors as one line, exit 1."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from pyvb.backup import BackupError
        from pyvb.services.cluster import ClusterError

        try:
            return command(*args, **kwargs)
        except (BackupError, ClusterError) as error:
            fail(" ".join(str(error).split())[:600])

    return wrapper


@click.group()
def backup() -> None:
    """Backups and point-in-time recovery with pgBackRest."""


@backup.command("configure")
@database_url_option
@repo_option
@stanza_option
@clean_errors
@backup_errors
def backup_configure(database_url, repo, stanza):
    """Write the stanza's configuration (35 days of full backups kept), turn on WAL archiving into
    it (ALTER SYSTEM: archive_mode needs a restart) and create the stanza."""
    from pyvb.backup import configure

    for line in configure(stanza_of(repo, stanza), database_url):
        console.print(line)


@backup.command("status")
@database_url_option
@clean_errors
def backup_status(database_url):
    """WAL archiving as the server sees it (vb_ops.archive_status, acting as vb_ops): segments
    archived and failed, the last of each, how long since the last archived. Exit 1 when archiving
    is off or its latest attempt failed."""
    from pyvb.config import OPS_ROLE

    with connect_as(database_url, OPS_ROLE) as conn:
        mode, archived, last_wal, last_at, failed, failed_wal, failed_at, failing = conn.execute(
            "SELECT * FROM vb_ops.archive_status()"
        ).fetchone()
    console.print(
        f"archive_mode {mode}; {archived:,} segment(s) archived, last {last_wal or '-'} at {last_at or '-'}"
    )
    console.print(f"{failed:,} failed attempt(s), last {failed_wal or '-'} at {failed_at or '-'}")
    if mode == "off":
        fail("WAL archiving is off: no point-in-time recovery (pyvb backup configure)")
    if failing:
        fail(f"WAL archiving is failing since {failed_at}: {failed_wal} did not reach the repository")
    console.print("archiving ok")


@backup.command("check")
@repo_option
@stanza_option
@backup_errors
def backup_check(repo, stanza):
    """pgbackrest check: the configuration holds and a WAL segment reaches the repository."""
    from pyvb.backup import run

    run(stanza_of(repo, stanza), "check")
    console.print("archiving and the repository check out")


@backup.command("run")
@repo_option
@stanza_option
@click.option(
    "--type", "kind", default="incr", show_default=True, type=click.Choice(["full", "diff", "incr"])
)
@backup_errors
def backup_run(repo, stanza, kind):
    """Take a backup (an incremental one needs an earlier full: pgBackRest then takes a full)."""
    from pyvb.backup import backups, run

    run(stanza_of(repo, stanza), "backup", f"--type={kind}")
    latest = backups(stanza_of(repo, stanza))[-1]
    console.print(f"backup {latest['label']} ({latest['type']}) done")


@backup.command("list")
@repo_option
@stanza_option
@backup_errors
def backup_list(repo, stanza):
    """The stanza's backups, oldest first: label, type, start and stop (UTC), size, WAL range."""
    from pyvb.backup import backups

    rows = backups(stanza_of(repo, stanza))
    table = Table(title=f"backups of stanza {stanza}")
    for column in ("label", "type", "started", "stopped", "size", "repository size", "WAL from", "WAL to"):
        table.add_column(column)
    for item in rows:
        started, stopped = (
            datetime.fromtimestamp(t, UTC) for t in (item["timestamp"]["start"], item["timestamp"]["stop"])
        )
        table.add_row(
            item["label"],
            item["type"],
            f"{started:%Y-%m-%d %H:%M:%S}",
            f"{stopped:%Y-%m-%d %H:%M:%S}",
            f"{item['info']['size']:,}",
            f"{item['info']['repository']['delta']:,}",
            item["archive"]["start"],
            item["archive"]["stop"],
        )
    console.print(table)
    console.print(f"{len(rows)} backup(s)")


@backup.command("restore-drill")
@database_url_option
@repo_option
@stanza_option
@click.option(
    "--target-time",
    required=True,
    type=click.DateTime(["%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S%z"]),
    help="The instant to recover to, with its UTC offset (e.g. 2026-12-07T10:00:00+00:00).",
)
@click.option("--keep", is_flag=True, help="Leave the scratch cluster running (its URL is printed).")
@clean_errors
@backup_errors
def backup_restore_drill(database_url, repo, stanza, target_time, keep):
    """Restore to --target-time into a scratch cluster, check it against the live database
    (verify_ledger, verify_audit, every balance at the target, the last change before it), print
    RPO and RTO, remove the cluster. Exit 1 when a check fails."""
    from pyvb.backup import restore_drill

    report = restore_drill(stanza_of(repo, stanza), database_url, target_time, keep=keep)
    table = Table(
        title=f"restore drill to {report.target.isoformat()} from backup {report.restored_to or '?'}"
    )
    for column in ("check", "ok", "detail"):
        table.add_column(column)
    for name, ok, detail in report.checks:
        table.add_row(name, "ok" if ok else "[red]FAILED[/red]", Text(detail))
    console.print(table)
    rpo = "unknown" if report.rpo_s is None else f"{report.rpo_s:.3f} s"
    console.print(
        f"transfers before the target: {report.transfers_before_target:,} live, {report.transfers_restored:,}"
        f" restored ({report.transfers_in_copy:,} in the copy in all); RPO {rpo}; RTO {report.rto_s:.1f} s"
    )
    if report.kept_at:
        console.print(f"the restored copy is kept: {report.kept_at} (stop it with pg_ctl, remove its folder)")
    if not report.ok:
        sys.exit(1)
