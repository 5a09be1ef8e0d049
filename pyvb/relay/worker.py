"""``pyvb relay``: deliver committed outbox events to Kafka and Redis.

The main connection holds the advisory lock that makes this relay the active one, listens for
wake-ups and numbers events; each sink has a worker thread with its own connection:

1. ``vb_ops.relay_sequence_events`` moves committed outbox rows into the numbered event log
   (event ids increase in commit-visibility order; a late committer is numbered late, never
   skipped).
2. Each sink worker reads the log after its own recorded position, delivers, and records its
   new position. Sinks advance independently; a sink that fails backs off and retries from its
   position (at least once), the others go on.
3. With nothing to number the main loop lingers briefly, then sets the wake-up flag and sleeps
   on LISTEN (writers NOTIFY only while the flag is set) with a bounded fallback poll.

An event that cannot be serialised (or that a sink refuses for good, e.g. too large) is
recorded in ``vb.relay_dead_letters`` for that sink and the stream goes on. The relay only
calls ``vb_ops`` functions, so the ``vb_ops`` role is enough to run it.
"""

from __future__ import annotations

import logging
import threading
import time

import psycopg

from pyvb.config import OPS_ROLE, role_refused
from pyvb.logs import one_line, stop_on_signals
from pyvb.relay.metrics import RelayMetrics
from pyvb.relay.options import RelayOptions
from pyvb.relay.sink_worker import BatchCache, SinkWorker

log = logging.getLogger("pyvb.relay")

#: pg_try_advisory_lock key of the active relay (any constant; 'vbrelay' in ASCII).
RELAY_LOCK_KEY = 0x7662_7265_6C61_79
NOTIFY_CHANNEL = "vb_relay"


class Relay:
    def __init__(self, options: RelayOptions, sinks: list, metrics: RelayMetrics | None = None):
        if not sinks:
            raise ValueError("the relay needs at least one sink")
        self.options = options
        self.sinks = sinks
        self.metrics = metrics or RelayMetrics()
        self.stopping = threading.Event()
        self._last_status = 0.0
        self._last_prune = 0.0
        self.exit_code = 0  # 1 when --until-idle gave up on a sink

    # -- lifecycle ---------------------------------------------------------------------
    def install_signal_handlers(self) -> None:
        stop_on_signals(self.stopping, log)

    def run(self) -> int:
        """Run until stopped (SIGTERM/SIGINT, or everything delivered with stop_when_idle)."""
        backoff = 0.2
        while not self.stopping.is_set():
            try:
                with psycopg.connect(self.options.conninfo, autocommit=True, connect_timeout=5) as conn:
                    backoff = 0.2
                    if self._session(conn):
                        break
            except psycopg.OperationalError as error:
                if refused := role_refused(error, OPS_ROLE):  # no retry makes the login a member
                    log.error("%s", refused)
                    self._close_sinks()
                    return 1
                self.metrics.active.set(0)
                self.metrics.errors.labels("database").inc()
                log.warning("database unavailable (%s); reconnecting in %.1fs", one_line(error), backoff)
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, self.options.max_backoff_s)
        self._close_sinks()
        log.info("relay stopped")
        return self.exit_code

    def _close_sinks(self) -> None:
        self.metrics.active.set(0)
        for sink in self.sinks:
            sink.close()

    def _session(self, conn: psycopg.Connection) -> bool:
        """One connection's life: LISTEN, become active, number events while the sink workers
        deliver them. True when the relay is done, False to reconnect."""
        conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
        if not self._become_active(conn):
            return True
        # the workers stop with the session: a relay that lost its lock delivers nothing more
        session_over = threading.Event()
        batches = BatchCache()
        workers = [SinkWorker(sink, self.options, self.metrics, session_over, batches) for sink in self.sinks]
        for worker in workers:
            worker.thread.start()
        done = False
        try:
            done = self._number_until_done(conn, workers)
            return done
        finally:
            session_over.set()
            for worker in workers:
                worker.new_events.set()
            # done (SIGTERM, or --until-idle finished or given up): a worker finishing a batch
            # records its progress within the grace; one blocked on a sink that does not answer
            # has nothing to record and must not hold the exit back (its batch is delivered again
            # by the next relay). Reconnecting after an error: the workers are waited for,
            # whatever they take — the next session's workers use the same sinks.
            deadline = (
                time.monotonic() + self.options.stop_grace_s if done or self.stopping.is_set() else None
            )
            for worker in workers:
                worker.thread.join(None if deadline is None else max(0.0, deadline - time.monotonic()))
            self.metrics.active.set(0)
            if not conn.closed:
                try:
                    conn.execute("SELECT vb_ops.relay_set_listening(0)")
                except psycopg.Error:
                    log.debug("could not clear the wake-up flag", exc_info=True)

    def _number_until_done(self, conn: psycopg.Connection, workers: list[SinkWorker]) -> bool:
        """Number events while the workers deliver them, until stopped or (--until-idle) done;
        True then (an error propagates)."""
        idle_since = None
        while not self.stopping.is_set():
            numbered = self._number(conn)
            if numbered:
                for worker in workers:
                    worker.new_events.set()
            self._housekeeping(conn)
            if self.options.stop_when_idle and self._a_sink_stays_down(workers):
                return True  # checked whether or not writers keep committing
            if numbered:
                idle_since = None
                continue
            if self.options.stop_when_idle:
                if self._all_delivered(conn, workers):
                    return True
                self.stopping.wait(0.01)
                continue
            now = time.monotonic()
            idle_since = idle_since or now
            if now - idle_since < self.options.linger_s:
                self.stopping.wait(0.005)
                continue
            self._sleep(conn, workers)
            idle_since = None
        return True

    def _become_active(self, conn: psycopg.Connection) -> bool:
        announced = False
        while not self.stopping.is_set():
            if conn.execute("SELECT pg_try_advisory_lock(%s)", (RELAY_LOCK_KEY,)).fetchone()[0]:
                self.metrics.active.set(1)
                log.info("active: this relay holds the relay lock")
                return True
            self.metrics.active.set(0)
            if not announced:
                log.info(
                    "standby: another relay is active; retrying every %.1fs", self.options.standby_retry_s
                )
                announced = True
            self.stopping.wait(self.options.standby_retry_s)
        return False

    def _number(self, conn: psycopg.Connection) -> int:
        return conn.execute("SELECT vb_ops.relay_sequence_events(%s)", (self.options.batch_size,)).fetchone()[
            0
        ]

    def _a_sink_stays_down(self, workers: list[SinkWorker]) -> bool:
        """With --until-idle: a sink unavailable for longer than its timeout ends the run (exit 1)."""
        now = time.monotonic()
        for worker in workers:
            if worker.down_since is not None and now - worker.down_since > self.options.sink_down_timeout_s:
                log.error(
                    "sink %s has been unavailable for %.0f s (%s): giving up with events not delivered",
                    worker.sink.name, now - worker.down_since, worker.last_error,
                )  # fmt: skip
                self.exit_code = 1
                return True
        return False

    def _all_delivered(self, conn: psycopg.Connection, workers: list[SinkWorker]) -> bool:
        lags = dict(conn.execute("SELECT sink, lag_events FROM vb_ops.relay_status()").fetchall())
        return all(lags.get(w.sink.name) == 0 and w.caught_up.is_set() for w in workers)

    def _sleep(self, conn: psycopg.Connection, workers: list[SinkWorker]) -> None:
        """Set the wake-up flag, look once more (a writer that checked the flag just before
        it was set did not notify), then wait for a NOTIFY or the fallback poll."""
        poll_s = self.options.poll_interval_s
        conn.execute("SELECT vb_ops.relay_set_listening(%s)", (poll_s + 5.0,))
        if self._number(conn):
            for worker in workers:
                worker.new_events.set()
            conn.execute("SELECT vb_ops.relay_set_listening(0)")
            return
        woken = False
        deadline = time.monotonic() + poll_s
        while not woken and not self.stopping.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            # short slices so SIGTERM is noticed; a NOTIFY that came while a query ran waits in
            # psycopg's backlog and is yielded at once
            for _ in conn.notifies(timeout=min(remaining, 0.25), stop_after=1):
                woken = True
        conn.execute("SELECT vb_ops.relay_set_listening(0)")

    def _housekeeping(self, conn: psycopg.Connection) -> None:
        now = time.monotonic()
        if now - self._last_status >= self.options.status_every_s:
            self._last_status = now
            for sink, _last, lag_events, lag_s, *_ in conn.execute("SELECT * FROM vb_ops.relay_status()"):
                self.metrics.lag_events.labels(sink).set(lag_events)
                self.metrics.lag_seconds.labels(sink).set(lag_s)
        if now - self._last_prune >= self.options.prune_every_s:
            self._last_prune = now
            pruned = conn.execute(
                "SELECT vb_ops.relay_prune(%s::interval)", (self.options.retention,)
            ).fetchone()[0]
            if pruned:
                log.info("pruned %d delivered event-log rows older than %s", pruned, self.options.retention)
