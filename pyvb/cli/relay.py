"""``pyvb relay``: run the relay; ``status`` and ``forget-sink``."""

from __future__ import annotations

import sys

import click
import psycopg
from rich.table import Table

from pyvb.cli.common import (
    clean_errors,
    connect_as,
    console,
    database_url_option,
    fail,
    group_database_url,
    kafka_bootstrap_option,
    redis_url_option,
)
from pyvb.config import OPS_ROLE
from pyvb.logs import configure_logging, one_line


@click.group(invoke_without_command=True)
@database_url_option
@kafka_bootstrap_option
@redis_url_option
@click.option("--no-kafka", is_flag=True, help="Deliver to Redis only.")
@click.option("--no-redis", is_flag=True, help="Deliver to Kafka only.")
@click.option("--topic-prefix", default="vb.", show_default=True)
@click.option("--topic-partitions", default=3, show_default=True, type=click.IntRange(1, 1000))
@click.option("--replication-factor", default=1, show_default=True, type=click.IntRange(1, 10))
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Outbox rows per batch.",
)
@click.option(
    "--poll-interval",
    "poll_interval_s",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.01, 60),
    help="Fallback poll while asleep (s); NOTIFY wakes it sooner.",
)
@click.option(
    "--retention", default="7 days", show_default=True, help="How long delivered events stay logged."
)
@click.option("--metrics-port", type=click.IntRange(1, 65535), help="Serve Prometheus metrics on this port.")
@click.option(
    "--until-idle", is_flag=True, help="Exit once every event is delivered (for scripts and tests)."
)
@click.option(
    "--sink-down-timeout",
    "sink_down_timeout_s",
    default=60.0,
    show_default=True,
    type=click.FloatRange(1, 86400),
    help="With --until-idle: exit 1 once a sink has been unavailable this long (s).",
)
@click.option("-v", "--verbose", is_flag=True)
@click.pass_context
def relay(
    ctx,
    database_url,
    kafka_bootstrap,
    redis_url,
    no_kafka,
    no_redis,
    topic_prefix,
    topic_partitions,
    replication_factor,
    batch_size,
    poll_interval_s,
    retention,
    metrics_port,
    until_idle,
    sink_down_timeout_s,
    verbose,
):
    """Deliver committed outbox events to Kafka and Redis (runs until SIGTERM). Several may run:
    one is active, the others stand by. `pyvb relay status` shows each sink's progress."""
    if ctx.invoked_subcommand is not None:
        return
    from pyvb.relay import KafkaSink, RedisSink, Relay, RelayMetrics, RelayOptions, serve_metrics

    configure_logging(verbose)
    if no_kafka and no_redis:
        fail("--no-kafka and --no-redis leave nothing to deliver to")
    sinks = []
    if not no_kafka:
        sinks.append(KafkaSink(kafka_bootstrap, topic_prefix, topic_partitions, replication_factor))
    if not no_redis:
        sinks.append(RedisSink(redis_url))
    options = RelayOptions(
        database_url,
        batch_size=batch_size,
        poll_interval_s=poll_interval_s,
        retention=retention,
        stop_when_idle=until_idle,
        sink_down_timeout_s=sink_down_timeout_s,
    )
    metrics = RelayMetrics()
    if metrics_port:
        try:
            serve_metrics(metrics, metrics_port)
        except OSError as error:
            fail(f"cannot serve metrics on port {metrics_port}: {error}")
    runner = Relay(options, sinks, metrics)
    runner.install_signal_handlers()
    try:
        code = runner.run()
    except psycopg.Error as error:  # not a lost connection (those are retried): a bad URL, privileges
        fail(one_line(error))
    sys.exit(code)


@relay.command("status")
@database_url_option
@click.pass_context
@clean_errors
def relay_status(ctx, database_url: str) -> None:
    """Each sink's position, lag and dead letters."""
    with connect_as(group_database_url(ctx, database_url), OPS_ROLE) as conn:
        rows = conn.execute(
            "SELECT sink, last_event_id, lag_events, lag_s, delivered_events, updated_at, dead_letters"
            " FROM vb_ops.relay_status()"
        ).fetchall()
        waiting, oldest_s, numbered = conn.execute("SELECT * FROM vb_ops.relay_backlog()").fetchone()
    table = Table(title="relay progress")
    for column in ("sink", "last event", "lag events", "lag s", "delivered", "dead letters", "updated"):
        table.add_column(column, justify="left" if column in ("sink", "updated") else "right")
    for sink, last, lag_events, lag_s, delivered, updated_at, dead in rows:
        table.add_row(
            sink, str(last), str(lag_events), f"{lag_s:.1f}", str(delivered), str(dead), f"{updated_at:%F %T}"
        )
    console.print(table)
    console.print(
        f"{numbered:,} event(s) numbered; {waiting:,} waiting in the outbox to be numbered"
        + (f" (the oldest {oldest_s:.1f} s old)" if waiting else ""),
        soft_wrap=True,
    )
    if not rows:
        console.print("no sink registered yet: no relay has run against this database (pyvb relay)")


@relay.command("forget-sink")
@database_url_option
@click.argument("sink")
@click.pass_context
@clean_errors
def relay_forget_sink(ctx, database_url: str, sink: str) -> None:
    """Unregister a sink no longer delivered to, so it stops holding back event-log pruning."""
    with connect_as(group_database_url(ctx, database_url), OPS_ROLE) as conn:
        known = conn.execute("SELECT vb_ops.relay_forget_sink(%s)", (sink,)).fetchone()[0]
    if not known:
        fail(f"no sink named {sink!r} is registered")
    click.echo(f"sink {sink} forgotten")
