"""``pyvb demo`` (``make demo``)."""

from __future__ import annotations

import click

from pyvb.cli.common import (
    bundled_kafka_option,
    clean_errors,
    console,
    database_url_option,
    redis_url_option,
)


@click.command()
@database_url_option
@click.option(
    "--seconds", default=30.0, show_default=True, type=click.FloatRange(0), help="Trading session length."
)
@bundled_kafka_option
@redis_url_option
@click.option("--no-relay", is_flag=True, help="Trade without running the relay.")
@clean_errors
def demo(database_url: str, seconds: float, kafka_bootstrap, redis_url, no_relay) -> None:
    """Deploy and seed the database, run a banking session and a simulated trading session with
    the relay delivering to Kafka and Redis, and print a summary with the ledger audit."""
    import logging

    from pyvb import demo as demo_module

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    demo_module.run(database_url, console, seconds, kafka_bootstrap, redis_url, relay=not no_relay)
