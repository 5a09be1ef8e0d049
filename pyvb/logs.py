"""Logging set-up for the long-running commands, and error messages on one line."""

from __future__ import annotations

import logging
import signal
import threading


def one_line(error: BaseException) -> str:
    """An exception's message with its line breaks folded (psycopg's span several lines)."""
    return " ".join(str(error).split())


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # kafka-python logs every refused connection at ERROR; the relay reports sink failures itself
    logging.getLogger("kafka").setLevel(logging.WARNING if verbose else logging.CRITICAL)


def stop_on_signals(
    stopping: threading.Event, logger: logging.Logger, doing: str = "finishing the batch and stopping"
) -> None:
    """SIGTERM and SIGINT set ``stopping`` (the loop finishes its batch, records, exits 0)."""

    def stop(signum, _frame):
        logger.info("received %s: %s", signal.Signals(signum).name, doing)
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
