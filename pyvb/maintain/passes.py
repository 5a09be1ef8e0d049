"""One maintenance pass (``pyvb maintain run`` / ``loop``): partitions ahead, rows out of default
partitions, expiries, folding, retention with archival, statistics. The rules live in ``vb_ops``
functions (what is due, what may be dropped and when); this module orders the steps under the
maintenance lock and copies detached partitions to the archive store, acting as ``vb_ops``
(the login must be a member of it).
"""

from __future__ import annotations

import json
import logging
import socket
import time
from dataclasses import dataclass, field

import psycopg

from pyvb.config import OPS_ROLE, acting_as
from pyvb.maintain.archive import ArchiveError, archive_table
from pyvb.metrics import COLLECT_SQL

log = logging.getLogger("pyvb.maintain")

#: pg_try_advisory_lock key of a maintenance pass ('vbmaint' in ASCII)
MAINTENANCE_LOCK_KEY = 0x7662_6D61_696E_74


@dataclass
class PassReport:
    outcome: str = "ok"
    steps: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


class Maintainer:
    def __init__(self, database_url: str, store=None, lock_timeout_ms: int = 100):
        self.database_url = database_url
        self.store = store
        self.lock_timeout_ms = lock_timeout_ms

    def run_pass(self, on_step=None) -> PassReport:
        """One pass; skipped (outcome 'skipped') when another pass holds the maintenance lock.
        ``on_step(name)`` hears of each step as it starts (a progress bar)."""
        started = time.monotonic()
        report = PassReport()
        with psycopg.connect(acting_as(self.database_url, OPS_ROLE), autocommit=True) as conn:
            if not conn.execute("SELECT pg_try_advisory_lock(%s)", (MAINTENANCE_LOCK_KEY,)).fetchone()[0]:
                report.outcome = "skipped"
                report.errors.append("another maintenance pass holds the lock")
                self._record(conn, report)
                return report
            try:
                run_id = conn.execute(
                    "SELECT vb_ops.start_maintenance_run(%s)", (socket.gethostname()[:255],)
                ).fetchone()[0]
                for name, step in (
                    # the chain first: links land in their records' periods, so the partitions
                    # made and the rows moved next include them, and retention finds them there
                    ("chain_audit", self._chain_audit),
                    ("premake", self._premake),
                    ("default_rows", self._default_rows),
                    ("expire_pending_transfers", self._expire_transfers),
                    ("expire_day_orders", self._expire_orders),
                    ("expire_sessions", self._expire_sessions),
                    ("fold_deferred_entries", self._fold),
                    ("retention", self._retention),
                    ("analyze", self._analyze),
                    ("system_metrics", self._system_metrics),
                ):
                    if on_step is not None:
                        on_step(name)
                    try:
                        report.steps[name] = step(conn)
                    except (psycopg.Error, ArchiveError, OSError) as error:
                        report.outcome = "failed"
                        report.errors.append(f"{name}: {' '.join(str(error).split())}")
                        log.error("maintenance step %s failed: %s", name, error)
                report.seconds = time.monotonic() - started
                conn.execute(
                    "SELECT vb_ops.finish_maintenance_run(%s, %s, %s)",
                    (
                        run_id,
                        report.outcome,
                        json.dumps({"steps": report.steps, "errors": report.errors}, default=str),
                    ),
                )
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (MAINTENANCE_LOCK_KEY,))
        return report

    @staticmethod
    def _record(conn: psycopg.Connection, report: PassReport) -> None:
        run_id = conn.execute(
            "SELECT vb_ops.start_maintenance_run(%s)", (socket.gethostname()[:255],)
        ).fetchone()[0]
        conn.execute(
            "SELECT vb_ops.finish_maintenance_run(%s, %s, %s)",
            (run_id, report.outcome, json.dumps({"errors": report.errors})),
        )

    @staticmethod
    def _premake(conn) -> dict:
        rows = conn.execute(
            "SELECT parent::text, created, rows_moved FROM vb_ops.premake_partitions()"
        ).fetchall()
        return {parent: created for parent, created, _ in rows if created}

    @staticmethod
    def _default_rows(conn) -> dict:
        rows = conn.execute(
            "SELECT parent::text, rows_moved, rows_left FROM vb_ops.move_default_rows()"
        ).fetchall()
        return {parent: {"moved": moved, "left": left} for parent, moved, left in rows if moved or left}

    @staticmethod
    def _expire_transfers(conn) -> int:
        return conn.execute("SELECT vb_ops.expire_pending_transfers(100000)").fetchone()[0]

    @staticmethod
    def _expire_orders(conn) -> int:
        return conn.execute("SELECT vb_ops.expire_day_orders()").fetchone()[0]

    @staticmethod
    def _expire_sessions(conn) -> int:
        return conn.execute("SELECT vb_ops.expire_sessions(100000)").fetchone()[0]

    @staticmethod
    def _chain_audit(conn) -> int:
        return conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0]

    @staticmethod
    def _system_metrics(conn) -> int:
        """A snapshot in vb.system_metrics (the samples stored)."""
        return len(conn.execute(COLLECT_SQL).fetchall())

    @staticmethod
    def _fold(conn) -> int:
        folded = 0
        while True:
            step = conn.execute("SELECT vb_ops.fold_deferred_entries(1000)").fetchone()[0]
            folded += step
            if step == 0:
                return folded

    def _retention(self, conn) -> list[dict]:
        """Detach what retention says (oldest first), archive when the policy says so, drop; one
        ``{"partition", "action": "archived" | "dropped", "rows", "to"}`` per partition dropped."""
        done = []
        # relations are passed by oid: naming them would need rights on schema vb, which the
        # maintenance role (vb_ops) does not have
        due = conn.execute(
            "SELECT partition::oid, partition::text, needs_archive FROM vb_ops.detachable_partitions()"
        ).fetchall()
        for partition_oid, partition, needs_archive in due:
            if needs_archive and self.store is None:  # stays attached (flagged by the health check)
                log.warning("%s is due for archival but no archive store was given; left attached", partition)
                continue
            conn.execute(
                "CALL vb_ops.detach_partition(%s::oid::regclass, %s)", (partition_oid, self.lock_timeout_ms)
            )
        # every detached partition not yet dropped, including one a crashed pass left behind; an
        # empty one has nothing to archive and is dropped with or without a store
        pending = conn.execute(
            "SELECT parent::oid, parent::text, partition_name, range_from, range_to, needs_archive, archived"
            " FROM vb_ops.detached_partitions()"
        ).fetchall()
        failures = []
        for parent_oid, parent, table, range_from, range_to, archive, archived in pending:
            if archive and not archived:
                if self.store is None:
                    log.warning("%s waits for an archive store before it can be dropped", table)
                    continue
                try:
                    manifest = archive_table(
                        conn, self.store, parent_oid, parent, table, range_from, range_to
                    )
                except ArchiveError as error:  # the others go on; the next pass tries this one again
                    failures.append(str(error))
                    continue
                location = f"{self.store.location}/{manifest['data']}"
                conn.execute(
                    "SELECT vb_ops.record_partition_archived(%s::oid::regclass, %s, %s, %s, %s)",
                    (parent_oid, range_from, location, manifest["sha256"], manifest["row_count"]),
                )
                rows = manifest["row_count"]
                done.append({"partition": table, "action": "archived", "rows": rows, "to": location})
            else:
                done.append({"partition": table, "action": "dropped", "rows": 0, "to": None})
            conn.execute(
                "SELECT vb_ops.drop_detached_partition(%s::oid::regclass, %s)", (parent_oid, range_from)
            )
            log.info("%s %s and dropped it", "archived" if archive else "detached", table)
        if failures:
            raise ArchiveError(f"{len(failures)} partition(s) not archived, first: {failures[0]}")
        return done

    @staticmethod
    def _analyze(conn) -> list[str]:
        return [row[0] for row in conn.execute("SELECT vb_ops.analyze_partitioned_tables()")]


def status(conn: psycopg.Connection) -> tuple[list[tuple], tuple | None]:
    """Partition health rows and the last maintenance run."""
    health = conn.execute(
        "SELECT parent, period, partitions, ahead, premake, default_rows, oldest_from, newest_to, detachable,"
        " retention::text, ok, detail FROM vb_ops.partition_health()"
    ).fetchall()
    last = conn.execute(
        "SELECT run_id, host, started_at, finished_at, outcome, detail FROM vb_ops.last_maintenance_run()"
    ).fetchone()
    return health, last
