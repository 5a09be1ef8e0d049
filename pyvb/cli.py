"""The ``pyvb`` command line. Every command fails with one clear line and a non-zero exit,
never a bare traceback."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path

import click
import psycopg
from rich.console import Console
from rich.table import Table

from pyvb import config
from pyvb.deploy import Deployer, DeployError
from pyvb.logs import configure_logging, one_line

console = Console(width=None if sys.stdout.isatty() else 140)
LINT_PATHS = ("migrations", "procedures", "sql", "pgtap")


def fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def clean_errors(command):
    """Turn the errors an operator can cause (bad URL, server down, failed file) into one line."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except DeployError as error:
            fail(str(error))
        except psycopg.Error as error:
            fail(one_line(error))
        except OSError as error:
            fail(f"{error.__class__.__name__}: {error}")

    return wrapper


database_url_option = click.option(
    "--database-url",
    envvar="VB_DATABASE_URL",
    default=config.DEFAULT_DATABASE_URL,
    show_default=True,
    help="PostgreSQL URL (env VB_DATABASE_URL).",
)
kafka_bootstrap_option = click.option(
    "--kafka-bootstrap",
    envvar="VB_KAFKA_BOOTSTRAP",
    default=config.DEFAULT_KAFKA_BOOTSTRAP,
    show_default=True,
    help="Kafka bootstrap servers (env VB_KAFKA_BOOTSTRAP).",
)
bundled_kafka_option = click.option(
    "--kafka-bootstrap",
    envvar="VB_KAFKA_BOOTSTRAP",
    help="Kafka bootstrap servers (env VB_KAFKA_BOOTSTRAP); default: start the bundled tansu broker.",
)
redis_url_option = click.option(
    "--redis-url",
    envvar="VB_REDIS_URL",
    default=config.DEFAULT_REDIS_URL,
    show_default=True,
    help="Redis URL (env VB_REDIS_URL).",
)


@click.group()
@click.version_option(package_name="pyvb")
def main() -> None:
    """VirtualBank data store core: deploy, verify, relay, maintain, benchmark."""


@main.group()
def db() -> None:
    """Deploy and inspect the database schema."""


@db.command()
@database_url_option
@clean_errors
def migrate(database_url: str) -> None:
    """Create the database if needed, apply pending migrations and changed repeatable files."""
    report = Deployer(database_url).migrate()
    for parent, created in report.partitions_premade.items():
        click.echo(f"premade {created} partition(s) of {parent}")
    if report.nothing_applied:
        click.echo("nothing to apply: the database is up to date")
        return
    for path in report.migrations_applied:
        click.echo(f"applied migration {path}")
    for path in report.repeatables_applied:
        click.echo(f"applied {path}")
    click.echo(
        f"deployed {len(report.migrations_applied)} migration(s) and "
        f"{len(report.repeatables_applied)} repeatable file(s)"
    )


@db.command()
@database_url_option
@click.option("--recent", default=10, show_default=True, help="How many deploy records to show.")
@clean_errors
def status(database_url: str, recent: int) -> None:
    """Pending migrations, changed repeatable files and recent deploys."""
    state = Deployer(database_url).status(recent=recent)
    pending = Table(title="pending")
    pending.add_column("kind")
    pending.add_column("path")
    for path in state.pending_migrations:
        pending.add_row("migration", path)
    for path in state.changed_repeatables:
        pending.add_row("repeatable", path)
    if not state.pending_migrations and not state.changed_repeatables:
        pending.add_row("-", "nothing pending: the database is up to date")
    console.print(pending)
    history = Table(title="recent deploys")
    for column in ("deployed at", "action", "path", "sha256"):
        history.add_column(column)
    for deployed_at, action, path, sha in state.recent_deploys:
        history.add_row(f"{deployed_at:%Y-%m-%d %H:%M:%S%z}", action, path, sha)
    console.print(history)


@db.command()
@database_url_option
@click.option("--count", default=1, show_default=True, type=click.IntRange(min=1))
@clean_errors
def rollback(database_url: str, count: int) -> None:
    """Roll back the last COUNT migrations with their rollback files."""
    rolled_back = Deployer(database_url).rollback(count)
    if not rolled_back:
        click.echo("nothing to roll back")
    for path in rolled_back:
        click.echo(f"rolled back {path}")


@db.command()
@database_url_option
@clean_errors
def seed(database_url: str) -> None:
    """Load sql/seed/ (idempotent)."""
    for path in Deployer(database_url).seed():
        click.echo(f"loaded {path}")


@db.command()
@database_url_option
@clean_errors
def unlock(database_url: str) -> None:
    """Remove a yoyo lock left behind by a crashed plain yoyo run."""
    removed = Deployer(database_url).unlock()
    click.echo("removed a stale yoyo lock" if removed else "no yoyo lock was held")


@db.command()
@click.argument("paths", nargs=-1)
def lint(paths: tuple[str, ...]) -> None:
    """Lint SQL with sqlfluff (dialect postgres) over migrations/ procedures/ sql/ pgtap/."""
    executable = shutil.which("sqlfluff", path=str(Path(sys.executable).parent)) or shutil.which("sqlfluff")
    if executable is None:
        fail("sqlfluff is not installed (pip install 'pyvb[test]')")
    targets = list(paths) or [
        str(config.PROJECT_ROOT / p) for p in LINT_PATHS if (config.PROJECT_ROOT / p).exists()
    ]
    result = subprocess.run(
        [executable, "lint", "--dialect", "postgres", "--disable-progress-bar", *targets],
        cwd=config.PROJECT_ROOT,
        check=False,
    )
    sys.exit(result.returncode)


VERIFY_SQL = "SELECT check_name, ok, detail FROM vb_ops.verify_ledger()"


def verify_table(conn: psycopg.Connection) -> tuple[Table, bool]:
    """Run vb_ops.verify_ledger in one consistent snapshot; return the table and whether all passed."""
    conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    rows = conn.execute(VERIFY_SQL).fetchall()
    conn.rollback()
    table = Table(title="verify_ledger")
    for column in ("check", "ok", "detail"):
        table.add_column(column)
    for name, ok, detail in rows:
        table.add_row(name, "[green]ok[/green]" if ok else "[red]FAILED[/red]", detail)
    return table, all(ok for _, ok, _ in rows)


@main.command()
@database_url_option
@clean_errors
def verify(database_url: str) -> None:
    """Audit the ledger (vb_ops.verify_ledger); exits 1 if any check fails."""
    try:
        conn = psycopg.connect(database_url)
    except psycopg.OperationalError as error:
        fail(f"cannot connect to {config.redact(database_url)}: {one_line(error)}")
    with conn:
        table, all_ok = verify_table(conn)
    console.print(table)
    if not all_ok:
        sys.exit(1)


@main.group()
def bench() -> None:
    """Benchmarks, each compared with pgbench's simple-update in the same run."""


def print_bench_outcome(table: Table, problems: list) -> None:
    """Print a benchmark's table and the audit that followed it; exit 1 if the audit failed."""
    console.print(table)
    console.print(
        "verify_ledger after the runs: " + ("all checks pass" if not problems else f"FAILED {problems}")
    )
    if problems:
        sys.exit(1)


def two_places(value) -> str:
    return "-" if value is None else f"{value:,.2f}"


@bench.command("ledger")
@database_url_option
@click.option("--clients", default=20, show_default=True, type=click.IntRange(1, 90))
@click.option(
    "--duration", "duration_s", default=30, show_default=True, type=click.IntRange(1), help="Seconds per run."
)
@click.option(
    "--accounts",
    default=50,
    show_default=True,
    type=click.IntRange(2),
    help="Accounts for the single and hot runs.",
)
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(2, 8000))
@click.option(
    "--batch-accounts",
    default=100000,
    show_default=True,
    type=click.IntRange(2),
    help="Accounts the batch run spreads over (pgbench's own scale 1 has 100,000).",
)
@click.option(
    "--mode",
    "modes",
    multiple=True,
    type=click.Choice(["single", "batch", "hot"]),
    help="Runs to do (repeatable); default all.",
)
@click.option(
    "--repeat", default=1, show_default=True, type=click.IntRange(1), help="Rounds; the table shows medians."
)
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1), help="pgbench threads.")
@click.option("--keep", is_flag=True, help="Keep the scratch databases.")
@clean_errors
def bench_ledger(
    database_url, clients, duration_s, accounts, batch_size, batch_accounts, modes, repeat, jobs, keep
):
    """Ledger transfers/s and p50/p99 latency against pgbench simple-update on scratch databases
    of the server named by --database-url. Each round runs the baseline, then the ledger loads;
    ratios are taken within a round, and the table shows the median of the rounds."""
    from pyvb.bench import BenchError, LedgerBench, machine_size, median_runs

    modes = modes or ("single", "batch", "hot")
    rounds = []
    try:
        runner = LedgerBench(
            database_url, clients, duration_s, accounts, batch_size, batch_accounts, jobs, console
        )
        try:
            runner.setup()
            for number in range(1, repeat + 1):
                console.print(f"round {number}/{repeat}…")
                baseline = runner.baseline()
                runs = [baseline]
                for mode in modes:
                    if mode == "single":
                        runs.extend(runner.single())
                    else:
                        runs.append(getattr(runner, mode)())
                rounds.append(runs)
            problems = runner.verify()
        finally:
            if not keep:
                runner.teardown()
    except BenchError as error:
        fail(str(error))
    title = f"pyvb bench ledger — {machine_size()}, {duration_s} s per run, median of {repeat} round(s)"
    table = Table(title=title)
    for column in ("run", "clients", "tx/s", "transfers/s", "p50 ms", "p99 ms", "× simple-update", "failed"):
        table.add_column(column, justify="right" if column != "run" else "left")

    for row in median_runs(rounds):
        table.add_row(
            row.name,
            str(row.clients),
            f"{row.transactions_per_s:,.0f}",
            f"{row.transfers_per_s:,.0f}",
            two_places(row.p50_ms),
            two_places(row.p99_ms),
            two_places(row.ratio),
            str(row.failed),
        )
    print_bench_outcome(table, problems)


@bench.command("trading")
@database_url_option
@click.option("--clients", default=16, show_default=True, type=click.IntRange(1, 90))
@click.option(
    "--duration", "duration_s", default=30, show_default=True, type=click.IntRange(1), help="Seconds per run."
)
@click.option("--symbols", default=20, show_default=True, type=click.IntRange(1, 999))
@click.option(
    "--depth", default=5, show_default=True, type=click.IntRange(1, 100), help="Resting levels a side."
)
@click.option("--traders", default=200, show_default=True, type=click.IntRange(2))
@click.option(
    "--rate", default=500, show_default=True, type=click.IntRange(1), help="Orders/s of the latency run."
)
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1), help="pgbench threads.")
@click.option("--keep", is_flag=True, help="Keep the scratch database.")
@clean_errors
def bench_trading(database_url, clients, duration_s, symbols, depth, traders, rate, jobs, keep):
    """place_order throughput and latency: over --symbols symbols, on one symbol, and at a fixed
    --rate (p99 under a steady load), on a scratch database of the server of --database-url."""
    from pyvb.bench import WARMUP_S, BenchError, TradingBench, machine_size

    try:
        runner = TradingBench(database_url, clients, duration_s, symbols, depth, traders, jobs, console)
        try:
            runner.setup()
            runs = [
                runner.orders(f"{symbols} symbols", symbols),
                runner.orders("1 symbol", 1),
                runner.orders(f"{symbols} symbols at {rate}/s", symbols, rate=rate),
            ]
            problems = runner.verify()
        finally:
            if not keep:
                runner.teardown()
    except BenchError as error:
        fail(str(error))
    table = Table(title=f"pyvb bench trading — {machine_size()}, {duration_s} s per run")
    for column in ("run", "clients", "orders/s", "p50 ms", "p99 ms", "traded", "failed"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for run in runs:
        table.add_row(
            run.name,
            str(run.clients),
            f"{run.transactions_per_s:,.0f}",
            f"{run.p50_ms:,.2f}",
            f"{run.p99_ms:,.2f}",
            f"{run.ratio:.0%}",
            str(run.failed),
        )
    table.caption = (
        f"each run's first {WARMUP_S} s (new connections compiling the functions) not counted; their p99: "
        + " / ".join(two_places(run.warmup_p99_ms) for run in runs)
        + " ms"
    )
    print_bench_outcome(table, problems)


@bench.command("relay")
@database_url_option
@bundled_kafka_option
@redis_url_option
@click.option("--clients", default=20, show_default=True, type=click.IntRange(1, 90))
@click.option(
    "--duration", "duration_s", default=15, show_default=True, type=click.IntRange(1), help="Seconds per run."
)
@click.option("--accounts", default=1000, show_default=True, type=click.IntRange(2))
@click.option(
    "--rate", default=1000, show_default=True, type=click.IntRange(3), help="Events/s of the latency run."
)
@click.option(
    "--repeat", default=1, show_default=True, type=click.IntRange(1, 10), help="Rounds; medians shown."
)
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1), help="pgbench threads.")
@click.option("--keep", is_flag=True, help="Keep the scratch databases.")
@clean_errors
def bench_relay(
    database_url, kafka_bootstrap, redis_url, clients, duration_s, accounts, rate, repeat, jobs, keep
):
    """Events/s one relay delivers to Kafka and Redis, commit→Kafka latency at --rate events/s,
    and single-transfer throughput with and without the relay running, in one run."""
    import statistics

    from pyvb.bench import BenchError, machine_size
    from pyvb.bench_relay import RelayBench
    from pyvb.testing.tansu import kafka_or_bundled

    try:
        with kafka_or_bundled(kafka_bootstrap, console.print) as bootstrap:
            runner = RelayBench(
                database_url, bootstrap, redis_url, clients, duration_s, accounts, jobs, console
            )
            try:
                runner.setup()
                rounds = []
                for number in range(1, repeat + 1):
                    console.print(f"round {number}/{repeat}…")
                    rounds.append(runner.round())
                console.print(f"latency run at {rate} events/s…")
                latency = runner.latency(rate)
                problems = runner.verify()
            finally:
                if not keep:
                    runner.teardown()
    except BenchError as error:
        fail(str(error))

    def median(values):
        return statistics.median(list(values))

    table = Table(
        title=f"pyvb bench relay — {machine_size()}, {duration_s} s per run, median of {repeat} round(s)"
    )
    for column in ("measure", "value", "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    table.add_row(
        "pgbench simple-update", f"{median(r.baseline.transactions_per_s for r in rounds):,.0f} tx/s", ""
    )
    table.add_row(
        f"create_transfer, no relay ({clients} clients)",
        f"{median(r.without_relay.transactions_per_s for r in rounds):,.0f} tx/s",
        "",
    )
    table.add_row(
        "create_transfer, relay running",
        f"{median(r.with_relay.transactions_per_s for r in rounds):,.0f} tx/s",
        "",
    )
    table.add_row("  ratio with / without relay", f"{median(r.ratio for r in rounds):.2f}×", "≥ 0.90×")
    table.add_row(
        "relay drain to Kafka + Redis",
        f"{median(r.events_per_s for r in rounds):,.0f} events/s "
        f"({median(r.drained_events for r in rounds):,.0f} events)",
        "≥ 20,000",
    )

    def ms(value):
        return "-" if value is None else f"{value:,.1f} ms"

    table.add_row(
        f"commit→Kafka ack p50 at {rate} events/s (relay histogram)", f"≤ {ms(latency.ack_p50_ms)}", ""
    )
    table.add_row(
        f"commit→Kafka ack p99 at {rate} events/s (relay histogram)",
        f"≤ {ms(latency.ack_p99_ms)}",
        "≤ 100 ms",
    )
    table.add_row(
        f"commit→consumer p50 / p99 at {rate} events/s", f"{ms(latency.p50_ms)} / {ms(latency.p99_ms)}", ""
    )
    table.add_row("  events measured by the consumer", f"{latency.delivered:,}", "")
    print_bench_outcome(table, problems)


@bench.command("maintain")
@database_url_option
@click.option("--clients", default=8, show_default=True, type=click.IntRange(1, 90))
@click.option(
    "--rate", default=500, show_default=True, type=click.IntRange(1), help="Transfers/s during the run."
)
@click.option(
    "--history",
    default=80_000,
    show_default=True,
    type=click.IntRange(800),
    help="Dated transfers to retire.",
)
@click.option("--passes", default=2, show_default=True, type=click.IntRange(1, 20))
@click.option("--jobs", default=2, show_default=True, type=click.IntRange(1), help="pgbench threads.")
@click.option("--keep", is_flag=True, help="Keep the scratch databases.")
@clean_errors
def bench_maintain(database_url, clients, rate, history, passes, jobs, keep):
    """Maintenance passes (the first retires four months of ledger history: closing balances,
    detach, archive, drop) while pgbench writes single transfers at --rate; prints each pass's
    duration and transfer latency during the passes against outside them."""
    from pyvb.bench import BenchError, machine_size
    from pyvb.bench_maintain import MaintainBench

    try:
        runner = MaintainBench(database_url, clients, rate, history, passes, jobs, console)
        try:
            runner.setup()
            console.print(f"{passes} pass(es) under {rate} transfers/s…")
            timings, windows = runner.run()
            problems = runner.verify()
        finally:
            if not keep:
                runner.teardown()
    except BenchError as error:
        fail(str(error))
    table = Table(title=f"pyvb bench maintain — {machine_size()}, {clients} clients at {rate} transfers/s")
    for column in ("measure", "value", "target"):
        table.add_column(column, justify="left" if column == "measure" else "right")
    for number, timing in enumerate(timings, 1):
        table.add_row(
            f"pass {number} ({timing.outcome}, {timing.retention} partitions retired)",
            f"{timing.seconds:.2f} s",
            "",
        )

    def ms(value):
        return "-" if value is None else f"{value:,.1f} ms"

    for window in windows:
        target = "≤ 200 ms" if window.name == "during passes" else ""
        table.add_row(f"transfers {window.name}", f"{window.transfers:,}", "")
        table.add_row(f"  p50 / p99 {window.name}", f"{ms(window.p50_ms)} / {ms(window.p99_ms)}", "")
        table.add_row(f"  worst {window.name}", ms(window.max_ms), target)
    print_bench_outcome(table, problems)


@main.group(invoke_without_command=True)
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
@clean_errors
def relay_status(database_url: str) -> None:
    """Each sink's position, lag and dead letters."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT s.*, (SELECT count(*) FROM vb.relay_dead_letters AS d WHERE d.sink = s.sink)"
            " FROM vb_ops.relay_status() AS s"
        ).fetchall()
    table = Table(title="relay progress")
    for column in ("sink", "last event", "lag events", "lag s", "delivered", "dead letters", "updated"):
        table.add_column(column, justify="left" if column in ("sink", "updated") else "right")
    for sink, last, lag_events, lag_s, delivered, updated_at, dead in rows:
        table.add_row(
            sink, str(last), str(lag_events), f"{lag_s:.1f}", str(delivered), str(dead), f"{updated_at:%F %T}"
        )
    console.print(table)


@relay.command("forget-sink")
@database_url_option
@click.argument("sink")
@clean_errors
def relay_forget_sink(database_url: str, sink: str) -> None:
    """Unregister a sink no longer delivered to, so it stops holding back event-log pruning."""
    with psycopg.connect(database_url) as conn:
        known = conn.execute("SELECT vb_ops.relay_forget_sink(%s)", (sink,)).fetchone()[0]
    if not known:
        fail(f"no sink named {sink!r} is registered")
    click.echo(f"sink {sink} forgotten")


@main.group()
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
        fail(f"kafka at {kafka_bootstrap}: {error!r}")


archive_options = [
    click.option("--archive-dir", type=click.Path(file_okay=False), help="Archive to this local directory."),
    click.option("--archive-url", help="Archive to S3-compatible storage: s3://bucket/prefix."),
    click.option(
        "--s3-endpoint-url",
        envvar="VB_S3_ENDPOINT_URL",
        help="S3 endpoint (MinIO, moto; env VB_S3_ENDPOINT_URL).",
    ),
]


def with_archive_options(command):
    for option in reversed(archive_options):
        command = option(command)
    return command


def archive_store(archive_dir, archive_url, s3_endpoint_url, required: bool):
    from pyvb.maintain import open_store

    if archive_dir and archive_url:
        fail("give --archive-dir or --archive-url, not both")
    if not (archive_dir or archive_url):
        if required:
            fail("give --archive-dir or --archive-url")
        return None
    return open_store(archive_dir or archive_url, s3_endpoint_url)


@main.group()
def maintain() -> None:
    """Partition maintenance: premake, default rows, expiries, retention with archival."""


def print_pass(report) -> None:
    table = Table(title=f"maintenance pass: {report.outcome} in {report.seconds:.2f} s")
    table.add_column("step")
    table.add_column("result")
    for name, result in report.steps.items():
        table.add_row(name, str(result) if result not in ({}, [], 0) else "-")
    for error in report.errors:
        table.add_row("[red]error[/red]", error)
    console.print(table)


@maintain.command("run")
@database_url_option
@with_archive_options
@click.option("--lock-timeout-ms", default=100, show_default=True, type=click.IntRange(1, 60_000))
@clean_errors
def maintain_run(database_url, archive_dir, archive_url, s3_endpoint_url, lock_timeout_ms):
    """One pass: premake partitions, move rows out of default partitions, expire pending transfers
    and day orders, fold deferred entries, detach (and archive) per retention, analyze. Safe to
    run twice and from two hosts (an advisory lock; the second is skipped). Exits 1 if a step
    failed."""
    from pyvb.maintain import Maintainer

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=False)
    report = Maintainer(database_url, store, lock_timeout_ms).run_pass()
    print_pass(report)
    if report.outcome == "failed":
        sys.exit(1)


@maintain.command("loop")
@database_url_option
@with_archive_options
@click.option("--interval", "interval_s", default=300.0, show_default=True, type=click.FloatRange(1))
@click.option("--lock-timeout-ms", default=100, show_default=True, type=click.IntRange(1, 60_000))
@clean_errors
def maintain_loop(database_url, archive_dir, archive_url, s3_endpoint_url, interval_s, lock_timeout_ms):
    """A pass every --interval seconds until SIGTERM/SIGINT (a failed pass is logged, the loop goes on)."""
    import logging
    import threading

    from pyvb.logs import stop_on_signals
    from pyvb.maintain import Maintainer

    configure_logging(False)
    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=False)
    stopping = threading.Event()
    stop_on_signals(stopping, logging.getLogger("pyvb.maintain"))
    maintainer = Maintainer(database_url, store, lock_timeout_ms)
    while not stopping.is_set():
        try:
            report = maintainer.run_pass()
            print_pass(report)
        except psycopg.OperationalError as error:
            click.echo(f"maintenance pass impossible: {one_line(error)}", err=True)
        stopping.wait(interval_s)


def health_table(health: list[tuple]) -> tuple[Table, bool]:
    """vb_ops.partition_health rows as a table, and whether any needs attention."""
    table = Table(title="partition health")
    for column in ("table", "period", "attached", "ahead", "premake", "default rows", "oldest from"):
        table.add_column(column)
    for column in ("retention", "ok", "detail"):
        table.add_column(column)
    attention = False
    for row in health:
        (
            parent,
            period,
            partitions,
            ahead,
            premake,
            default_rows,
            oldest,
            _newest,
            _due,
            retention,
            ok,
            detail,
        ) = row
        attention |= not ok
        oldest_text = f"{oldest:%F}" if oldest else "-"
        ok_text = "ok" if ok else "[red]no[/red]"
        counts = (str(partitions), str(ahead), str(premake), str(default_rows))
        table.add_row(parent, period, *counts, oldest_text, str(retention or "forever"), ok_text, detail)
    return table, attention


@maintain.command("status")
@database_url_option
@clean_errors
def maintain_status(database_url):
    """Partition health per table and the last pass; exits 1 when something needs attention."""
    from pyvb.maintain import status

    with psycopg.connect(database_url) as conn:
        health, last = status(conn)
    table, attention = health_table(health)
    console.print(table)
    if last is None:  # a fresh deploy: its partitions were premade; the table says if anything is due
        console.print("last pass: never")
    else:
        run_id, host, started_at, _finished_at, outcome, _detail = last
        console.print(
            f"last pass: #{run_id} on {host}, started {started_at:%F %T}, outcome {outcome or 'running'}"
        )
        attention |= outcome not in ("ok", "skipped")
    sys.exit(1 if attention else 0)


@main.group()
def archive() -> None:
    """Archived partitions: list, verify, restore for an audit."""


@archive.command("list")
@with_archive_options
def archive_list(archive_dir, archive_url, s3_endpoint_url):
    """Every manifest in the store: table, range, rows, sha256."""
    from pyvb.maintain import ArchiveError, read_manifest

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=True)
    table = Table(title=f"archives in {store.location}")
    for column in ("manifest", "parent", "from", "to", "rows", "sha256"):
        table.add_column(column)
    try:
        for name in store.names():
            manifest = read_manifest(store, name)
            table.add_row(name, manifest["parent"], manifest["range_from"], manifest["range_to"],
                          str(manifest["row_count"]), manifest["sha256"][:16])  # fmt: skip
    except (ArchiveError, OSError) as error:
        fail(str(error))
    console.print(table)


@archive.command("verify")
@with_archive_options
@click.argument("manifests", nargs=-1)
def archive_verify(archive_dir, archive_url, s3_endpoint_url, manifests):
    """Read every archive (or the named manifests) back and check sha256 and row count; exits 1
    on any mismatch."""
    from pyvb.maintain import ArchiveError, read_manifest, verify_archive

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=True)
    bad = 0
    for name in manifests or store.names():
        try:
            verify_archive(store, read_manifest(store, name))
            click.echo(f"ok      {name}")
        except (ArchiveError, OSError) as error:
            bad += 1
            click.echo(f"FAILED  {name}: {error}")
    sys.exit(1 if bad else 0)


@archive.command("restore")
@database_url_option
@with_archive_options
@click.argument("manifest")
@click.option("--schema", default="vb_restore", show_default=True, help="Schema to restore into.")
@clean_errors
def archive_restore(database_url, archive_dir, archive_url, s3_endpoint_url, manifest, schema):
    """Verify one archive and load it into <schema>.<partition> for an audit (outside the ledger)."""
    from pyvb.maintain import ArchiveError, read_manifest, restore_archive

    store = archive_store(archive_dir, archive_url, s3_endpoint_url, required=True)
    try:
        with psycopg.connect(database_url) as conn:
            table, rows = restore_archive(conn, store, read_manifest(store, manifest), schema)
    except ArchiveError as error:
        fail(str(error))
    click.echo(f"restored {rows} rows into {table}")


@main.command()
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


@main.group()
def dev() -> None:
    """Checks for developers of this project (not for operators)."""


@dev.command("mutate")
@click.option("--only", "names", multiple=True, help="Run only this mutant (repeatable); default: all.")
@click.option("--profile", default="mutate", show_default=True, help="Hypothesis profile of the model tests.")
@click.option("--timeout-s", default=900.0, show_default=True, type=click.FloatRange(1), help="Per mutant.")
@click.option("--list", "list_only", is_flag=True, help="List the mutants and exit.")
def dev_mutate(names, profile, timeout_s, list_only) -> None:
    """Mutation check of the matching, settlement and transfer-check SQL: each mutant is applied
    to a copy of the project and its tests run there; exits 1 when a mutant survives (or the
    unmutated copy fails its tests)."""
    from pyvb.mutate import BASELINE, MUTANTS, run_mutant

    unknown = set(names) - {m.name for m in MUTANTS}
    if unknown:
        fail(f"unknown mutant(s): {', '.join(sorted(unknown))}; see --list")
    chosen = [m for m in MUTANTS if not names or m.name in names]
    table = Table(title="mutants")
    for column in ("mutant", "file", "what it breaks", "outcome", "seconds"):
        table.add_column(column)
    if list_only:
        for mutant in chosen:
            table.add_row(mutant.name, mutant.path, mutant.what, "", "")
        console.print(table)
        return
    baseline = run_mutant(BASELINE, profile, timeout_s)
    if baseline.exit_code != 0:
        fail(f"the unmutated copy does not pass its tests: {baseline.detail}")
    survivors = 0
    for mutant in chosen:
        result = run_mutant(mutant, profile, timeout_s)
        survivors += not result.killed
        outcome = "killed" if result.killed else "[red]SURVIVED[/red]"
        table.add_row(mutant.name, mutant.path, mutant.what, outcome, f"{result.seconds:.0f}")
        console.print(f"{mutant.name}: {'killed' if result.killed else 'SURVIVED'} ({result.detail})")
        sys.stdout.flush()
    console.print(table)
    console.print(f"{len(chosen) - survivors} killed, {survivors} survived")
    sys.exit(1 if survivors else 0)


if __name__ == "__main__":
    main()
