"""``pyvb ingest quotes``: the market feed from Kafka into ``vb_api.ingest_quotes``."""

from __future__ import annotations

import sys

import click

from pyvb.cli.common import (
    clean_errors,
    database_url_option,
    fail,
    kafka_bootstrap_option,
)
from pyvb.logs import configure_logging


@click.group()
def ingest() -> None:
    """Consume inbound Kafka topics into the database."""


@ingest.command("quotes")
@database_url_option
@kafka_bootstrap_option
@click.option("--topic", default="market.quotes", show_default=True)
@click.option("--group", "group_id", default="pyvb-ingest", show_default=True, help="Kafka consumer group.")
@click.option("--batch-size", default=500, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--until-idle",
    "until_idle_s",
    type=click.FloatRange(0.1),
    help="Exit after this many seconds without messages (for scripts and tests).",
)
@click.option("-v", "--verbose", is_flag=True)
@clean_errors
def ingest_quotes(database_url, kafka_bootstrap, topic, group_id, batch_size, until_idle_s, verbose):
    """Apply quotes from the stock market engine (vb_api.ingest_quotes); offsets are committed
    after the database commit; malformed messages go to vb.ingest_dead_letters. Runs until
    SIGTERM."""
    from kafka.errors import KafkaError

    from pyvb.ingest import QuoteIngester

    configure_logging(verbose)
    ingester = QuoteIngester(database_url, kafka_bootstrap, topic, group_id, batch_size, until_idle_s)
    ingester.install_signal_handlers()
    try:
        sys.exit(ingester.run())
    except KafkaError as error:
        detail = str(error) or type(error).__name__
        fail(
            f"kafka at {kafka_bootstrap} did not answer ({detail}): is the broker up, and is this its"
            " address (--kafka-bootstrap, VB_KAFKA_BOOTSTRAP)?"
        )
