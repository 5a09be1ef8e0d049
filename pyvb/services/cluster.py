"""A PostgreSQL 15 cluster of our own: initdb (or a base backup, or a restored backup) into a
temporary directory, ``pg_ctl`` on a free port, torn down afterwards; optionally running at
another date under libfaketime. The tests' primaries, standbys and clocks; the restore drill's
scratch cluster (``pyvb backup restore-drill``).

The product never reads a fake clock: the server process itself runs at another instant
(``FAKETIME='@2027-12-31 23:59:50'`` makes ``now()`` start there and advance in real time), and
``restart(at=...)`` moves it to another instant while keeping the data. The same cluster serves
any test that needs a server of its own (a primary, a standby, a restored copy): port, settings
and clock are parameters.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import psycopg

from pyvb.services.tansu import free_port

PG_BIN = Path(os.environ.get("VB_PG_BIN", "/usr/lib/postgresql/15/bin"))
#: Debian's libfaketime (multi-threaded flavour), wherever the architecture puts it
FAKETIME_LIBRARY = next(
    iter(sorted(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1"))), Path("/nonexistent")
)
#: the user that runs the server when the tests run as root (initdb refuses root)
SERVER_USER = "postgres"
DEFAULT_SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "timezone": "'UTC'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "'64MB'",
    "max_connections": "40",
}


def as_root() -> bool:
    """Whether we run as root: then the server's programs run as SERVER_USER (initdb, postgres and
    pgBackRest refuse root)."""
    return os.geteuid() == 0


def give_to_server_user(*paths: Path) -> None:
    """When we are root, make ``paths`` the server's user's, never through a symbolic link."""
    if as_root():
        import pwd

        entry = pwd.getpwnam(SERVER_USER)
        for path in paths:
            os.chown(path, entry.pw_uid, entry.pw_gid, follow_symlinks=False)


def run_as_server_user(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None, timeout_s: float = 120
) -> subprocess.CompletedProcess:
    """``command`` as the server's user when we are root (else as ourselves), output captured."""
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        user=SERVER_USER if as_root() else None,
        cwd=cwd,
        timeout=timeout_s,
        check=False,
    )


def wait_replayed(primary_url: str, standby_url: str, timeout_s: float = 60) -> None:
    """Wait until the standby has replayed everything the primary had written when called;
    ClusterError after ``timeout_s``."""
    with psycopg.connect(primary_url, autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_insert_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout_s
    with psycopg.connect(standby_url, autocommit=True) as standby:
        while not standby.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
            if time.monotonic() > deadline:
                raise ClusterError(f"the standby did not replay the primary's writes in {timeout_s:.0f} s")
            time.sleep(0.1)


class ClusterError(Exception):
    """The cluster could not be created, started or stopped; the message says why."""


def faketime_environment(at: datetime) -> dict[str, str]:
    """Variables that start a process's clock at ``at`` (then real time goes on)."""
    if not FAKETIME_LIBRARY.exists():
        raise ClusterError("libfaketimeMT.so.1 is missing: apt-get install libfaketime")
    instant = at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {
        "LD_PRELOAD": str(FAKETIME_LIBRARY),
        "FAKETIME": f"@{instant}",
        "TZ": "UTC",
        # the clock of every backend continues the postmaster's, not restarts at `at`
        "FAKETIME_DONT_RESET": "1",
        "FAKETIME_NO_CACHE": "1",
    }


class PrivateCluster:
    """One PostgreSQL cluster of this test run's own."""

    def __init__(
        self,
        port: int | None = None,
        settings: dict[str, str] | None = None,
        at: datetime | None = None,
        base_dir: str | Path | None = None,
    ):
        self.port = port or free_port()
        self.settings = {**DEFAULT_SETTINGS, **(settings or {})}
        self.at = at
        self.root = Path(tempfile.mkdtemp(prefix="vb-cluster-", dir=base_dir))
        self.data_dir = self.root / "data"
        self.log_path = self.root / "server.log"
        give_to_server_user(self.root)

    # -- addresses -------------------------------------------------------------------------------
    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def socket_url(self, database: str = "postgres") -> str:
        """The URL over the server's socket in the cluster's own folder (a cluster listening on no
        TCP address)."""
        return f"postgresql://postgres@/{database}?host={self.root}&port={self.port}"

    # -- life cycle ------------------------------------------------------------------------------
    def _run(self, *args: str, env: dict[str, str] | None = None, timeout_s: float = 120) -> str:
        """A PostgreSQL program (``PG_BIN``) with ``args``, as the server's user."""
        return self.run_as_server_user([str(PG_BIN / args[0]), *args[1:]], env=env, timeout_s=timeout_s)

    def run_as_server_user(
        self, command: list[str], env: dict[str, str] | None = None, timeout_s: float = 120
    ) -> str:
        """Run ``command`` in the cluster's folder as the user that owns the server (``postgres``
        when we are root); its stdout, or ClusterError with its stderr and the server log's tail."""
        result = run_as_server_user(command, cwd=self.root, env=env, timeout_s=timeout_s)
        if result.returncode != 0:
            log_tail = self.log_path.read_text()[-2000:] if self.log_path.exists() else ""
            raise ClusterError(
                f"{Path(command[0]).name} failed ({result.returncode}): {result.stderr.strip()} {log_tail}"
            )
        return result.stdout

    def append_conf(self, heading: str, settings: dict[str, str]) -> None:
        """Settings appended to postgresql.conf (later lines win): the cluster's own port and socket
        folder first, then ``settings``."""
        with open(self.data_dir / "postgresql.conf", "a", encoding="utf-8") as conf:
            conf.write(f"\n# pyvb.services.cluster: {heading}\n")
            conf.write(f"port = {self.port}\n")
            conf.write(f"unix_socket_directories = '{self.root}'\n")
            for name, value in settings.items():
                conf.write(f"{name} = {value}\n")

    def init(self) -> PrivateCluster:
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        self.append_conf("initdb", self.settings)
        return self

    def standby(self, apply_delay_s: float | None = None, name: str = "standby") -> PrivateCluster:
        """A hot standby of this (running) cluster: ``pg_basebackup -R`` into a new cluster on a
        free port, streaming from this one under ``application_name`` ``name``; with
        ``apply_delay_s`` it replays each transaction that long after its commit
        (``recovery_min_apply_delay``), a predictable lag. Returned initialised, not started."""
        replica = PrivateCluster(settings=self.settings, at=self.at, base_dir=self.root.parent)
        replica._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-D",
            str(replica.data_dir), "-R", "-X", "stream", "-c", "fast", "--no-sync",
            f"--dbname=application_name={name}",
        )  # fmt: skip
        standby_settings = {"hot_standby": "on", "hot_standby_feedback": "on"}
        if apply_delay_s is not None:
            standby_settings["recovery_min_apply_delay"] = f"'{int(apply_delay_s * 1000)}ms'"
        replica.append_conf("standby", standby_settings)
        return replica

    def start(self, at: datetime | None = None) -> PrivateCluster:
        """Start the server; with ``at`` (or the cluster's own ``at``) its clock starts there."""
        if at is not None:
            self.at = at
        env = faketime_environment(self.at) if self.at is not None else {}
        self._run("pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_path), "-w", "-t", "60", "start",
                  env=env)  # fmt: skip
        return self

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop")

    def restart(self, at: datetime | None = None) -> PrivateCluster:
        """Stop and start again, the clock now starting at ``at`` (data kept)."""
        self.stop()
        return self.start(at)

    def now(self, database: str = "postgres") -> datetime:
        with psycopg.connect(self.url(database)) as conn:
            return conn.execute("SELECT now()").fetchone()[0]

    def destroy(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PrivateCluster:
        return self.init().start()

    def __exit__(self, *exc) -> None:
        self.destroy()
