"""``RelayThread``: a relay in a thread of this process (``make demo``, tests), with its failures
raised where it is joined."""

from __future__ import annotations

import logging
import threading

from pyvb.relay.sinks import KafkaSink, RedisSink
from pyvb.relay.worker import Relay, RelayOptions

log = logging.getLogger("pyvb.relay")


class RelayThread:
    """A relay in a thread of the calling process (demo, tests; no signal handlers):
    ``stop`` takes SIGTERM's path, ``finish`` lets it deliver everything first. Both raise
    RelayThreadError when the relay is still running after the timeout, raised an exception or
    exited non-zero: a caller never mistakes a dead or hung relay for a finished one."""

    def __init__(self, database_url: str, kafka: str | None, redis_url: str | None, **options):
        sinks: list = []
        if kafka:
            sinks.append(KafkaSink(kafka, timeout_s=options.pop("kafka_timeout_s", 5.0)))
        if redis_url:
            sinks.append(RedisSink(redis_url))
        self.relay = Relay(RelayOptions(database_url, **options), sinks)
        self.exit_code: int | None = None
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="relay", daemon=True)

    def _run(self) -> None:
        try:
            self.exit_code = self.relay.run()
        except BaseException as error:  # reported by finish / stop in the caller's thread
            self.error = error
            log.exception("the relay thread failed")

    def __enter__(self) -> RelayThread:
        self.thread.start()
        return self

    def __exit__(self, exc_type, *exc) -> None:
        self.relay.stopping.set()
        self.thread.join(timeout=30)
        if exc_type is None:
            self._check("stop", 30)

    def finish(self, timeout_s: float = 120) -> None:
        """Deliver everything, then stop."""
        self.relay.options.stop_when_idle = True
        self.thread.join(timeout=timeout_s)
        self._check("finish", timeout_s)

    def stop(self) -> None:
        self.relay.stopping.set()
        self.thread.join(timeout=30)
        self._check("stop", 30)

    def _check(self, what: str, timeout_s: float) -> None:
        if self.thread.is_alive():
            raise RelayThreadError(f"the relay did not {what} within {timeout_s:.0f} s")
        if self.error is not None:
            raise RelayThreadError(f"the relay failed: {self.error!r}") from self.error
        if self.thread.ident is not None and self.exit_code != 0:
            raise RelayThreadError(f"the relay exited with {self.exit_code}")


class RelayThreadError(RuntimeError):
    """A relay thread that hung, failed or exited non-zero."""
