"""Backups and point-in-time recovery with pgBackRest (Debian's 2.45) for our layout: one stanza
per cluster, a repository folder, continuous WAL archiving, full/differential/incremental backups,
35 days of full backups kept; and the restore drill that proves a backup restores.

The drill (``restore_drill``) restores the latest backup that holds the target time into a scratch
cluster on a free port (``--type=time``, promoted at the target, archiving off so it never writes
into the repository), then checks it: ``verify_ledger`` and ``verify_audit`` pass, every balance
equals the live database's at the target (``vb_ops.balances_digest``), and the last change it holds
is the live database's last before the target (``vb_ops.recovery_point``: RPO). RTO is the time
from the start to a verified copy. The scratch cluster is removed.
"""

from __future__ import annotations

import json
import re
import shlex
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from pyvb.config import database_name
from pyvb.services.cluster import PrivateCluster, give_to_server_user, run_as_server_user

PGBACKREST = "pgbackrest"
RETENTION_FULL_DAYS = 35


class BackupError(Exception):
    """pgBackRest is missing, a command failed, or the drill found a difference; the message says
    which."""


@dataclass
class Stanza:
    """Where a cluster's backups go: ``repo`` holds the repository, its log and lock folders and
    ``pgbackrest.conf``; ``name`` is the stanza."""

    repo: Path
    name: str = "virtualbank"

    @property
    def config(self) -> Path:
        return self.repo / "pgbackrest.conf"

    def command(self, *args: str) -> list[str]:
        binary = shutil.which(PGBACKREST) or f"/usr/bin/{PGBACKREST}"
        if not Path(binary).exists():
            raise BackupError("pgbackrest is not installed (Debian: apt-get install pgbackrest)")
        return [binary, f"--config={self.config}", f"--stanza={self.name}", *args]

    def archive_command(self) -> str:
        """The server's archive_command: the command line, each word quoted for the shell and its
        % doubled (PostgreSQL replaces %p, %f, %r in it)."""
        words = (shlex.quote(word).replace("%", "%%") for word in self.command("archive-push"))
        return " ".join(words) + " %p"


def write_config(stanza: Stanza, pg_data: str, pg_port: int, pg_socket: str) -> None:
    """The repository folder (owned by the server's user when we are root) and its configuration."""
    for folder in (stanza.repo, stanza.repo / "log", stanza.repo / "lock"):
        folder.mkdir(parents=True, exist_ok=True)
    stanza.config.write_text(
        "[global]\n"
        f"repo1-path={stanza.repo / 'repository'}\n"
        "repo1-retention-full-type=time\n"
        f"repo1-retention-full={RETENTION_FULL_DAYS}\n"
        f"log-path={stanza.repo / 'log'}\n"
        f"lock-path={stanza.repo / 'lock'}\n"
        "log-level-console=warn\n"
        "log-level-file=info\n"
        "start-fast=y\n"
        "compress-type=gz\n"
        f"[{stanza.name}]\n"
        f"pg1-path={pg_data}\n"
        f"pg1-port={pg_port}\n"
        f"pg1-socket-path={pg_socket}\n"
        "pg1-user=postgres\n"
    )
    # only what we made, never through a symbolic link planted in the folder
    give_to_server_user(stanza.repo, stanza.repo / "log", stanza.repo / "lock", stanza.config)


def run(stanza: Stanza, *args: str, timeout_s: float = 1800) -> str:
    """A pgBackRest command on the stanza, as the server's user; its stdout."""
    result = run_as_server_user(stanza.command(*args), timeout_s=timeout_s)
    if result.returncode != 0:
        message = " ".join((result.stderr or result.stdout).split())[:500]
        raise BackupError(f"pgbackrest {args[0]} failed ({result.returncode}): {message}")
    return result.stdout


def configure(stanza: Stanza, database_url: str) -> list[str]:
    """Configure the stanza for the server of ``database_url`` (its data folder, port and socket
    read from the server), turn on WAL archiving into it (ALTER SYSTEM), create the stanza, and
    check archiving when it is active. Returns what was done and what is left (archive_mode needs
    a restart)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        settings = dict(
            conn.execute(
                "SELECT name, setting FROM pg_settings"
                " WHERE name IN ('data_directory', 'port', 'unix_socket_directories', 'archive_mode')"
            ).fetchall()
        )
        socket = settings["unix_socket_directories"].split(",")[0].strip()
        write_config(stanza, settings["data_directory"], int(settings["port"]), socket)
        conn.execute("ALTER SYSTEM SET archive_mode = 'on'")
        command = sql.Literal(stanza.archive_command())
        conn.execute(sql.SQL("ALTER SYSTEM SET archive_command = {}").format(command))
        conn.execute("SELECT pg_reload_conf()")
    done = [f"wrote {stanza.config}", "archive_mode on, archive_command pgbackrest archive-push"]
    run(stanza, "stanza-create")
    done.append(f"stanza {stanza.name} created")
    if settings["archive_mode"] == "on":
        run(stanza, "check")
        done.append("archiving checked (pgbackrest check)")
    else:
        done.append("restart PostgreSQL for archive_mode, then `pyvb backup check`")
    return done


def archive_current_segment(conn: psycopg.Connection, timeout_s: float = 60) -> str:
    """Close the current WAL segment (pg_switch_wal) and wait until the archiver has pushed it, so
    everything committed so far is in the repository; its name."""
    segment = conn.execute("SELECT pg_walfile_name(pg_switch_wal())").fetchone()[0]
    deadline = time.monotonic() + timeout_s
    last_archived = "SELECT last_archived_wal FROM pg_stat_archiver"
    while not _archived_through(conn.execute(last_archived).fetchone()[0], segment):
        if time.monotonic() > deadline:
            raise BackupError(f"WAL segment {segment} was not archived within {timeout_s:.0f} s")
        time.sleep(0.2)
    return segment


def _archived_through(last_archived: str | None, segment: str) -> bool:
    """Whether the archiver's last file is ``segment`` or a later WAL segment (a timeline history
    or backup label file, also archived, says nothing about segments)."""
    if not last_archived or re.fullmatch(r"[0-9A-F]{24}", last_archived) is None:
        return False
    return last_archived >= segment


def backups(stanza: Stanza) -> list[dict]:
    """The stanza's backups, oldest first (pgbackrest info --output=json)."""
    info = json.loads(run(stanza, "info", "--output=json"))
    return info[0]["backup"] if info else []


@dataclass
class DrillReport:
    target: datetime
    restored_to: str = ""  # the backup label the restore started from
    checks: list[tuple[str, bool, str]] = field(default_factory=list)
    rpo_s: float | None = None
    rto_s: float | None = None
    transfers_restored: int | None = None
    transfers_before_target: int | None = None
    transfers_in_copy: int | None = None  # every transfer the copy holds, however dated
    kept_at: str | None = None  # with keep: the scratch cluster's URL (over its socket)

    @property
    def ok(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)


def restore_drill(stanza: Stanza, database_url: str, target: datetime, keep: bool = False) -> DrillReport:
    """Restore to ``target`` into a scratch cluster, verify it against the live database, remove
    it (unless ``keep``). See the module's docstring."""
    started = time.monotonic()
    # pgBackRest takes milliseconds: the drill restores to, and compares at, the target cut to them
    target = target.astimezone(UTC).replace(microsecond=target.microsecond // 1000 * 1000)
    report = DrillReport(target)
    # pgBackRest's stop times are whole seconds: a backup counts only if it stopped in an earlier one
    usable = [b["label"] for b in backups(stanza) if b["timestamp"]["stop"] < int(target.timestamp())]
    if not usable:
        raise BackupError(f"no backup finished before {target.isoformat()}: nothing to restore to it")
    report.restored_to = usable[-1]
    scratch = PrivateCluster()
    try:
        scratch.data_dir.mkdir(mode=0o700)
        give_to_server_user(scratch.data_dir)
        scratch.run_as_server_user(
            stanza.command(
                "restore",
                f"--pg1-path={scratch.data_dir}",
                f"--set={report.restored_to}",
                "--type=time",
                f"--target={target:%Y-%m-%d %H:%M:%S}.{target.microsecond // 1000:03d}+00",
                "--target-action=promote",
                "--archive-mode=off",
            ),
            timeout_s=1800,
        )
        _scratch_configuration(scratch)
        scratch.start()
        restored_url = scratch.socket_url(database_name(database_url))
        _wait_promoted(restored_url)
        _check(report, database_url, restored_url, target)
        report.rto_s = time.monotonic() - started
    finally:
        if keep:
            report.kept_at = scratch.socket_url(database_name(database_url))
        else:
            scratch.destroy()
    return report


def _scratch_configuration(scratch: PrivateCluster) -> None:
    """The restored copy keeps the primary's settings (a hot standby needs max_connections and the
    like at least the primary's) but gets its own port, listens on its socket only (in its own
    folder, readable by the server's user alone: no TCP login to a copy of production), archiving
    off, and — where the configuration lives outside the data folder (Debian's /etc/postgresql) —
    a minimal one that trusts the local postgres login only."""
    conf = scratch.data_dir / "postgresql.conf"
    hba = scratch.data_dir / "pg_hba.conf"
    if not hba.exists():
        hba.write_text("local all postgres trust\n")
    if not conf.exists():
        conf.write_text("")
    scratch.append_conf(
        "restore drill",
        {"listen_addresses": "''", "archive_mode": "'off'", "hba_file": f"'{hba}'",
         "ident_file": f"'{scratch.data_dir / 'pg_ident.conf'}'", "data_directory": f"'{scratch.data_dir}'"},
    )  # fmt: skip
    give_to_server_user(conf, hba)


def _wait_promoted(url: str, timeout_s: float = 300) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with psycopg.connect(url, connect_timeout=5) as conn:
                if not conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    return
        except psycopg.OperationalError:
            pass
        if time.monotonic() > deadline:
            raise BackupError(f"the restored copy did not finish recovery within {timeout_s:.0f} s")
        time.sleep(0.2)


def _check(report: DrillReport, live_url: str, restored_url: str, target: datetime) -> None:
    with psycopg.connect(restored_url) as restored, psycopg.connect(live_url) as live:
        for function in ("verify_ledger", "verify_audit"):
            failed = restored.execute(
                f"SELECT check_name, detail FROM vb_ops.{function}() WHERE NOT ok"
            ).fetchall()
            report.checks.append(
                (function, not failed, "all checks pass" if not failed else f"{failed[0][0]}: {failed[0][1]}")
            )
        at_target = live.execute("SELECT * FROM vb_ops.balances_digest(%s)", (target,)).fetchone()
        now = restored.execute("SELECT * FROM vb_ops.balances_digest(now())").fetchone()
        report.checks.append(
            (
                "balances",
                at_target == now,
                f"{now[0]:,} accounts, total {now[1]:,} minor units"
                + (
                    " equal the live database's at the target"
                    if at_target == now
                    else f" ≠ live {at_target[:2]}"
                ),
            )
        )
        live_point = live.execute("SELECT * FROM vb_ops.recovery_point(%s)", (target,)).fetchone()
        restored_point = restored.execute("SELECT * FROM vb_ops.recovery_point(%s)", (target,)).fetchone()
        report.transfers_in_copy = restored.execute(
            "SELECT transfers FROM vb_ops.recovery_point('infinity')"
        ).fetchone()[0]
    report.transfers_before_target, report.transfers_restored = live_point[2], restored_point[2]
    lost = (
        (live_point[0] - restored_point[0]).total_seconds()
        if live_point[0] and restored_point[0]
        else (0.0 if live_point[0] == restored_point[0] else None)
    )
    report.rpo_s = lost
    report.checks.append(
        (
            "recovery point",
            live_point == restored_point and report.transfers_in_copy == restored_point[2],
            f"last change before the target {restored_point[0]} ({restored_point[1]:,} changes, "
            f"{restored_point[2]:,} transfers); live {live_point[0]} ({live_point[1]:,}, {live_point[2]:,})",
        )
    )
