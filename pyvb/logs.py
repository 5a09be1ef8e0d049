"""Logging set-up for the long-running commands, and error messages on one line."""

from __future__ import annotations

import logging
import signal
import threading
import time


def one_line(error: BaseException) -> str:
    """An exception's message with its line breaks folded (psycopg's span several lines)."""
    return " ".join(str(error).split())


class OncePer(logging.Filter):
    """Lets one record through per ``interval_s`` (a client library repeating the same complaint
    every few milliseconds during an outage); the next one that passes says how many were held
    back. Verbose runs (DEBUG) see them all."""

    def __init__(self, interval_s: float = 30.0):
        super().__init__()
        self.interval_s = interval_s
        self._passed_at = float("-inf")
        self._held = 0
        self._lock = threading.Lock()

    def filter(self, record: logging.LogRecord) -> bool:
        if logging.getLogger().isEnabledFor(logging.DEBUG):
            return True
        with self._lock:
            now = time.monotonic()
            if now - self._passed_at < self.interval_s:
                self._held += 1
                return False
            self._passed_at = now
            if self._held:
                held = f"{self._held} more such message(s) in the last {self.interval_s:.0f} s"
                record.msg = f"{record.msg} ({held})"
                self._held = 0
            return True


#: librdkafka's own log (the relay's producer and admin client): one line per 30 s in an outage
LIBRDKAFKA_LOGGER = "pyvb.relay.librdkafka"


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # kafka-python logs every refused connection at ERROR; the relay reports sink failures itself
    logging.getLogger("kafka").setLevel(logging.WARNING if verbose else logging.CRITICAL)
    librdkafka = logging.getLogger(LIBRDKAFKA_LOGGER)
    if not any(isinstance(f, OncePer) for f in librdkafka.filters):
        librdkafka.addFilter(OncePer())


def stop_on_signals(
    stopping: threading.Event, logger: logging.Logger, doing: str = "finishing the batch and stopping"
) -> None:
    """SIGTERM and SIGINT set ``stopping`` (the loop finishes its batch, records, exits 0)."""

    def stop(signum, _frame):
        logger.info("received %s: %s", signal.Signals(signum).name, doing)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
