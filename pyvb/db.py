"""Read routing for the middleware: writes and strict reads to the primary, the rest to a hot
standby when it is fresh enough — over psycopg_pool pools (issue #16, README "Replicas").

Rules, in order, for ``Router.read(caller, critical=False)``:

1. ``critical`` reads, and every read when no replica is configured, go to the primary.
2. A replica serves only while its **staleness** is at most ``max_staleness_s``: 0 when it had
   replayed everything the primary had written when last checked, else the age of the newest
   transaction it replayed (an upper bound on how old what it shows is). Checked at most every
   ``check_interval_s``; a replica that cannot be reached is skipped until the next check.
3. **Read-your-writes**: after ``Router.write(caller)`` commits, the primary's WAL insert position
   is kept for that caller; a replica serves the caller's later reads only once its
   ``pg_last_wal_replay_lsn()`` has passed it (checked on the connection, before the read).
4. Otherwise the primary serves the read.

``Router.routed`` counts where reads went (``primary``, ``replica``, and why the primary:
``critical``, ``stale``, ``behind_caller``, ``unavailable``). A read on a standby can still be
cancelled by a recovery conflict (SQLSTATE 40001): the caller retries, as for a serialisation
failure. LISTEN and session state do not belong on routed connections (they are pooled).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import psycopg
from psycopg_pool import ConnectionPool

log = logging.getLogger("pyvb.db")

PRIMARY_LSN_SQL = "SELECT pg_current_wal_lsn()::text"
REPLICA_STATE_SQL = (
    "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text,"
    " extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8"
)
REPLAYED_SQL = "SELECT pg_last_wal_replay_lsn()::text"


def lsn_value(lsn: str | None) -> int:
    """A WAL position ('16/B374D848') as a number, to compare; none is 0."""
    if not lsn:
        return 0
    high, low = lsn.split("/")
    return (int(high, 16) << 32) + int(low, 16)


Borrowed = tuple[ConnectionPool, psycopg.Connection]


@dataclass
class ReplicaState:
    staleness_s: float = float("inf")
    checked_at: float = float("-inf")
    reachable: bool = True  # until a check or a borrow finds otherwise
    replica: bool = True  # in recovery (a promoted standby is no replica of this primary)
    replayed_lsn: int = 0  # as of the last check
    checking: threading.Lock = field(default_factory=threading.Lock)  # one check at a time


class Router:
    """Pools for one primary and any number of hot standbys, and the routing rules above."""

    def __init__(
        self,
        primary: str,
        replicas: tuple[str, ...] | list[str] = (),
        *,
        max_staleness_s: float = 5.0,
        check_interval_s: float = 0.5,
        min_size: int = 1,
        max_size: int = 8,
        connect_timeout_s: float = 2.0,
    ):
        if max_staleness_s < 0 or check_interval_s < 0:
            raise ValueError("max_staleness_s and check_interval_s must be >= 0")
        kwargs = {"connect_timeout": max(1, round(connect_timeout_s))}
        self.primary = ConnectionPool(primary, min_size=min_size, max_size=max_size, kwargs=kwargs, open=True)
        self._pool_options = {"max_size": max_size, "kwargs": kwargs}
        self.replica_urls = list(replicas)
        self.replicas = [self._replica_pool(url) for url in self.replica_urls]
        self.states = [ReplicaState() for _ in self.replicas]
        self.max_staleness_s = max_staleness_s
        self.check_interval_s = check_interval_s
        self.connect_timeout_s = connect_timeout_s
        self.routed: Counter[str] = Counter()
        self._written: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self._next = 0

    # -- writes ----------------------------------------------------------------------------------
    @contextmanager
    def write(self, caller: Hashable | None = None) -> Iterator[psycopg.Connection]:
        """A primary connection in one transaction, committed on leaving; then the caller's
        position for read-your-writes."""
        with self.primary.connection() as conn:
            with conn.transaction():
                yield conn
            if caller is not None:
                try:
                    lsn = lsn_value(conn.execute("SELECT pg_current_wal_insert_lsn()::text").fetchone()[0])
                except psycopg.OperationalError as error:  # the write committed: never report it failed
                    log.warning("write committed, its position unknown (%s): reads may lag it", error)
                    return
                with self._lock:
                    self._written[caller] = max(self._written.get(caller, 0), lsn)

    # -- reads -----------------------------------------------------------------------------------
    @contextmanager
    def read(self, caller: Hashable | None = None, *, critical: bool = False) -> Iterator[psycopg.Connection]:
        """A connection for a read: a fresh enough replica that has the caller's writes, else the
        primary (see the module's rules)."""
        if critical or not self.replicas:
            self._count("primary:critical" if critical else "primary:no_replica")
            with self.primary.connection() as conn:
                yield conn
            return
        needed = self._written.get(caller, 0) if caller is not None else 0
        chosen, reason = self._choose_replica(needed)
        if chosen is None:
            self._count(reason)
            with self.primary.connection() as conn:
                yield conn
            return
        self._count("replica")
        pool, conn = chosen
        try:
            yield conn
        except BaseException:
            if not conn.closed:
                conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            pool.putconn(conn)

    def _choose_replica(
        self, needed_lsn: int
    ) -> tuple[tuple[ConnectionPool, psycopg.Connection] | None, str]:
        """A connection, borrowed and checked, to the first replica (round robin) that is fresh
        enough and has replayed ``needed_lsn`` — checked in the transaction the read then uses, so
        its snapshot has the caller's writes; else None and why the primary serves. Borrowed before
        the read runs, so an error of the caller's own read is never taken for a replica down."""
        reason = "primary:unavailable"
        for index in self._replica_order():
            if not self._fresh(index):
                state = self.states[index]
                reason = "primary:stale" if state.reachable and state.replica else "primary:unavailable"
                continue
            pool = self.replicas[index]
            try:  # PoolTimeout (all lent: busy, not down) and PoolClosed (replaced meanwhile)
                conn = pool.getconn(timeout=self.connect_timeout_s)
            except psycopg.OperationalError:
                reason = "primary:unavailable"
                continue
            lent = False
            try:
                if not needed_lsn or lsn_value(conn.execute(REPLAYED_SQL).fetchone()[0]) >= needed_lsn:
                    lent = True
                    return (pool, conn), ""
                reason = "primary:behind_caller"
                conn.rollback()
            except psycopg.OperationalError:
                self.states[index].reachable = False
            finally:
                if not lent:
                    pool.putconn(conn)
        return None, reason

    def _count(self, route: str) -> None:
        with self._lock:
            self.routed[route] += 1

    def _replica_order(self) -> list[int]:
        with self._lock:
            start = self._next
            self._next = (self._next + 1) % len(self.replicas)
        return [(start + n) % len(self.replicas) for n in range(len(self.replicas))]

    def _fresh(self, index: int) -> bool:
        state = self.states[index]
        # one thread checks; the others use the state as it stands
        if time.monotonic() - state.checked_at >= self.check_interval_s and state.checking.acquire(
            blocking=False
        ):
            try:
                if time.monotonic() - state.checked_at >= self.check_interval_s:
                    self._check(index)
            finally:
                state.checking.release()
        return state.reachable and state.replica and state.staleness_s <= self.max_staleness_s

    def _replica_pool(self, url: str) -> ConnectionPool:
        # min_size 0: nothing connects in the background to a replica that is down; each lent
        # connection is checked first (a replica restarted leaves broken ones in the pool)
        return ConnectionPool(
            url, min_size=0, check=ConnectionPool.check_connection, open=True, **self._pool_options
        )

    def _check(self, index: int) -> None:
        """Staleness of one replica, against the primary's position read just before. A replica
        found unreachable is probed with a connection of its own, and once it answers its pool is
        made anew (a pool left retrying with a growing back-off would keep it out for minutes). A
        primary too busy to answer in time leaves the replica's state as it was."""
        state = self.states[index]
        state.checked_at = time.monotonic()
        try:
            with self.primary.connection(timeout=self.connect_timeout_s) as conn:
                primary_lsn = lsn_value(conn.execute(PRIMARY_LSN_SQL).fetchone()[0])
        except psycopg.OperationalError:
            return
        try:
            in_recovery, replayed, replay_age_s = self._replica_state(index)
        except psycopg.OperationalError:
            state.reachable = False
            return
        state.reachable = True
        state.replica = bool(in_recovery)
        state.replayed_lsn = lsn_value(replayed)
        caught_up = state.replayed_lsn >= primary_lsn
        self._forget_replayed_writes()
        state.staleness_s = 0.0 if caught_up else (replay_age_s if replay_age_s is not None else float("inf"))

    def _replica_state(self, index: int) -> tuple:
        """(in recovery, replayed LSN, age of the last replayed transaction) of one replica: over
        its pool; when the pool lends nothing in time (busy, or the replica down) or the replica
        was unreachable, over a connection of its own — and the pool is made anew when the replica
        answers again after being unreachable."""
        state = self.states[index]
        if state.reachable:
            try:
                with self.replicas[index].connection(timeout=self.connect_timeout_s) as conn:
                    return conn.execute(REPLICA_STATE_SQL).fetchone()
            except psycopg.OperationalError:
                pass  # busy, down, or a broken connection lent: ask it directly
        with psycopg.connect(self.replica_urls[index], **self._pool_options["kwargs"]) as conn:
            row = conn.execute(REPLICA_STATE_SQL).fetchone()
        if not state.reachable:
            old, self.replicas[index] = self.replicas[index], self._replica_pool(self.replica_urls[index])
            old.close(timeout=1.0)
        return row

    @property
    def writes_in_flight(self) -> int:
        """Callers whose last write some replica has not replayed yet (at the last check)."""
        return len(self._written)

    def _forget_replayed_writes(self) -> None:
        """Drop the callers' write positions that every replica has replayed (they can no longer
        send a read to the primary), so the map stays as small as the writes still in flight."""
        everywhere = min(state.replayed_lsn for state in self.states)  # one down or promoted: kept
        with self._lock:
            for caller in [c for c, lsn in self._written.items() if lsn <= everywhere]:
                del self._written[caller]

    def close(self) -> None:
        for pool in (self.primary, *self.replicas):
            pool.close()

    def __enter__(self) -> Router:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
