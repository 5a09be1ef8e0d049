"""Logging set-up for the long-running commands, and error messages on one line."""

from __future__ import annotations

import logging


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
