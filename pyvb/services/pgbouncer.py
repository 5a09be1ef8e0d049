"""A PgBouncer of the tests' (and benchmarks') own: Debian's ``pgbouncer`` (1.18) in transaction
pooling mode in front of a PostgreSQL server, on a free port, every database name passed through.

What goes through it is what the middleware would send: one transaction at a time on whichever
server connection is free, so nothing may rely on session state (``SET``, prepared statements —
psycopg needs ``prepare_threshold=None`` —, ``LISTEN``, session advisory locks, ``-c role=…`` in
the startup options, which PgBouncer refuses). Logins are listed in an auth file with
``auth_type = trust`` (the server behind decides; the tests' servers trust 127.0.0.1).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from pyvb.services.cluster import SERVER_USER, as_root, give_to_server_user
from pyvb.services.tansu import free_port, wait_for_port


class PgBouncerError(Exception):
    """PgBouncer is missing or did not start; the message says why."""


class PgBouncer:
    def __init__(
        self,
        server_host: str,
        server_port: int,
        logins: tuple[str, ...] = ("postgres",),
        pool_size: int = 8,
        max_client_conn: int = 200,
    ):
        self.binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(self.binary).exists():
            raise PgBouncerError("pgbouncer is not installed (Debian: apt-get install pgbouncer)")
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="vb-pgbouncer-"))
        (self.root / "userlist.txt").write_text("".join(f'"{login}" ""\n' for login in logins))
        (self.root / "pgbouncer.ini").write_text(
            "[databases]\n"
            f"* = host={server_host} port={server_port}\n"
            "[pgbouncer]\n"
            "listen_addr = 127.0.0.1\n"
            f"listen_port = {self.port}\n"
            "unix_socket_dir =\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'userlist.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\n"
            f"max_client_conn = {max_client_conn}\n"
            "ignore_startup_parameters = extra_float_digits\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
            f"pidfile = {self.root / 'pgbouncer.pid'}\n"
            "admin_users = postgres\n"
        )
        give_to_server_user(self.root, *self.root.iterdir())  # pgbouncer refuses to run as root
        self.process: subprocess.Popen | None = None

    def url(self, database: str, login: str = "postgres") -> str:
        return f"postgresql://{login}@127.0.0.1:{self.port}/{database}"

    def start(self) -> PgBouncer:
        self.process = subprocess.Popen(
            [self.binary, str(self.root / "pgbouncer.ini")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            user=SERVER_USER if as_root() else None,
        )
        try:
            wait_for_port(self.port, timeout_s=15)
        except Exception as error:
            self.stop()
            log = (
                (self.root / "pgbouncer.log").read_text()[-1000:]
                if (self.root / "pgbouncer.log").exists()
                else ""
            )
            raise PgBouncerError(f"pgbouncer did not start: {error} {log}") from None
        return self

    def stop(self) -> None:
        """Stop the process (immediate shutdown: clients lose their connections); ``start`` again
        serves on the same port."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)

    def close(self) -> None:
        """Stop, and remove the configuration folder."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> PgBouncer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()
