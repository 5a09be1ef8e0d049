"""``pyvb bench``: ledger, trading, relay and maintenance benchmarks, each with its baseline in
the same run.

Longer than ~300 lines because each benchmark's options and result table are a screen each and
belong with the command; the benchmarks themselves are ``pyvb.bench.*``.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
from dataclasses import replace

import click
from rich.table import Table

from pyvb.cli.common import (
    bundled_kafka_option,
    clean_errors,
    console,
    database_url_option,
    fail,
    redis_url_option,
)


def clients_option(default: int):
    return click.option("--clients", default=default, show_default=True, type=click.IntRange(1, 90))


def repeat_option(default: int = 1):
    return click.option(
        "--repeat",
        default=default,
        show_default=True,
        type=click.IntRange(1, 20),
        help="Rounds; the table shows medians, ratios taken within each round.",
    )


def duration_option(default: int):
    return click.option(
        "--duration",
        "duration_s",
        default=default,
        show_default=True,
        type=click.IntRange(1),
        help="Seconds per run.",
    )


def pgbench_options(command):
    """--jobs (pgbench threads) and --keep (the scratch databases), shared by every benchmark."""
    command = click.option("--keep", is_flag=True, help="Keep the scratch databases.")(command)
    return click.option(
        "--jobs", default=2, show_default=True, type=click.IntRange(1), help="pgbench threads."
    )(command)


@click.group()
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


def pooler_cost(rounds, pool_size: int) -> str:
    """Single transfers through PgBouncer over direct ones, per round, the median of the rounds."""
    ratios = []
    for runs in rounds:
        by_name = {run.name: run for run in runs}
        if {"create_transfer", "create_transfer via PgBouncer"} <= by_name.keys():
            direct = by_name["create_transfer"].transfers_per_s
            ratios.append(by_name["create_transfer via PgBouncer"].transfers_per_s / direct)
    if not ratios:
        return "PgBouncer: no single-transfer runs to compare"
    return f"through PgBouncer (pool {pool_size}): {statistics.median(ratios):.2f} × direct create_transfer"


@contextlib.contextmanager
def prepared(make_runner, keep: bool):
    """A benchmark's runner made and set up, torn down afterwards unless --keep; a BenchError
    (pgbench missing, a run failed) is one line and exit 1."""
    from pyvb.bench.harness import BenchError

    try:
        runner = make_runner()
        try:
            runner.setup()
            yield runner
        finally:
            if not keep:
                runner.teardown()
    except BenchError as error:
        fail(str(error))


def two_places(value) -> str:
    return "-" if value is None else f"{value:,.2f}"


@bench.command("ledger")
@database_url_option
@clients_option(20)
@duration_option(30)
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
@repeat_option()
@click.option(
    "--via-pgbouncer",
    is_flag=True,
    help="Also run single transfers through a PgBouncer (transaction pooling) and report its cost.",
)
@click.option("--pgbouncer-pool", default=8, show_default=True, type=click.IntRange(1, 1000))
@click.option(
    "--baseline",
    "baselines",
    multiple=True,
    type=click.Choice(["simple-update", "floor"]),
    help="Baselines of each round (repeatable): pgbench's simple-update (always) and floor, the"
    " minimum writes of a transfer in one statement with no checks, on a copy of the ledger database.",
)
@pgbench_options
@clean_errors
def bench_ledger(
    database_url,
    clients,
    duration_s,
    accounts,
    batch_size,
    batch_accounts,
    modes,
    repeat,
    via_pgbouncer,
    pgbouncer_pool,
    baselines,
    jobs,
    keep,
):
    """Ledger transfers/s and p50/p99 latency against pgbench simple-update on scratch databases
    of the server named by --database-url. Each round runs the baseline, then the ledger loads;
    ratios are taken within a round, and the table shows the median of the rounds."""
    from pyvb.bench.harness import BenchError, machine_size, median_runs
    from pyvb.bench.ledger import LedgerBench

    modes = modes or ("single", "batch", "hot")
    rounds = []
    try:
        runner = LedgerBench(
            database_url,
            clients,
            duration_s,
            accounts,
            batch_size,
            batch_accounts,
            jobs,
            console,
            pgbouncer_pool if via_pgbouncer else 0,
            with_floor="floor" in baselines,
        )
        try:
            runner.setup()
            for number in range(1, repeat + 1):
                console.print(f"round {number}/{repeat}…")
                baseline = runner.baseline()
                runs = [baseline]
                if "floor" in baselines:
                    runs.append(runner.floor())
                for mode in modes:
                    if mode == "single":
                        runs.extend(runner.single())
                        if via_pgbouncer:
                            runs.append(runner.via_pgbouncer())
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
    columns = ["run", "clients", "tx/s", "transfers/s", "p50 ms", "p99 ms", "× simple-update", "failed"]
    if "floor" in baselines:
        columns.insert(7, "× floor")
    for column in columns:
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
            *([two_places(row.floor_ratio)] if "floor" in baselines else []),
            str(row.failed),
        )
    if via_pgbouncer:
        table.caption = pooler_cost(rounds, pgbouncer_pool)
    print_bench_outcome(table, problems)


@bench.command("trading")
@database_url_option
@clients_option(16)
@duration_option(30)
@click.option("--symbols", default=20, show_default=True, type=click.IntRange(1, 999))
@click.option(
    "--depth", default=5, show_default=True, type=click.IntRange(1, 100), help="Resting levels a side."
)
@click.option("--traders", default=200, show_default=True, type=click.IntRange(2))
@click.option(
    "--rate", default=500, show_default=True, type=click.IntRange(1), help="Orders/s of the latency run."
)
@click.option(
    "--batch",
    default=100,
    show_default=True,
    type=click.IntRange(0, 1000),
    help="Orders per call of place_orders in the batch run (0: no batch run).",
)
@repeat_option()
@pgbench_options
@clean_errors
def bench_trading(
    database_url, clients, duration_s, symbols, depth, traders, rate, batch, repeat, jobs, keep
):
    """Order entry throughput and latency on a scratch database of the server of --database-url.
    Each round: single create_transfer (the yardstick), single place_order over --symbols symbols
    and on one symbol, place_orders with --batch orders per call over --symbols symbols and with
    one trader's on one book per call; the ratios are taken within a round, the table shows
    medians; then one latency run at --rate."""
    from pyvb.bench.harness import WARMUP_S, BenchError, machine_size, median_runs
    from pyvb.bench.trading import TradingBench

    names = {
        "single": f"place_order, {symbols} symbols",
        "one": "place_order, 1 symbol",
        "batch": f"place_orders ×{batch}, {symbols} symbols",
        "per_book": f"place_orders ×{batch}, one trader and book per call",
    }
    rounds, ratios = [], {"single": [], "one": [], "batch": [], "per_book": []}
    try:
        runner = TradingBench(database_url, clients, duration_s, symbols, depth, traders, jobs, console)
        try:
            runner.setup()
            for number in range(1, repeat + 1):
                console.print(f"round {number}/{repeat}…")
                yardstick = runner.transfers()
                single = runner.orders(names["single"], symbols)
                one = runner.orders(names["one"], 1)
                runs = [yardstick, single, one]
                ratios["single"].append(single.transactions_per_s / yardstick.transactions_per_s)
                ratios["one"].append(one.transactions_per_s / yardstick.transactions_per_s)
                if batch:
                    batched = runner.batches(names["batch"], symbols, batch)
                    per_book = runner.batches(names["per_book"], symbols, batch, one_symbol_per_call=True)
                    runs += [batched, per_book]
                    ratios["batch"].append(batched.transfers_per_s / single.transactions_per_s)
                    ratios["per_book"].append(per_book.transfers_per_s / single.transactions_per_s)
                rounds.append(runs)
            steady = runner.orders(f"place_order, {symbols} symbols at {rate}/s", symbols, rate=rate)
            problems = runner.verify()
        finally:
            if not keep:
                runner.teardown()
    except BenchError as error:
        fail(str(error))
    traded: dict[str, list[float]] = {}  # the share of orders that traded, per run
    for run in (run for runs in rounds for run in runs if run.ratio is not None):
        traded.setdefault(run.name, []).append(run.ratio)
    merged = [*median_runs([[replace(run, ratio=None) for run in runs] for runs in rounds]), steady]
    title = f"pyvb bench trading — {machine_size()}, {duration_s} s per run, median of {repeat} round(s)"
    table = Table(title=title)
    for column in ("run", "clients", "orders/s", "calls/s", "p50 ms", "p99 ms", "traded", "failed"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for run in merged:
        share = (
            steady.ratio
            if run is steady
            else (statistics.median(traded[run.name]) if run.name in traded else None)
        )
        table.add_row(
            run.name,
            str(run.clients),
            f"{run.transfers_per_s:,.0f}",
            f"{run.transactions_per_s:,.0f}",
            f"{run.p50_ms:,.2f}",
            f"{run.p99_ms:,.2f}",
            "-" if share is None else f"{share:.0%}",
            str(run.failed),
        )
    median = statistics.median
    lines = [
        f"place_order, {symbols} symbols ÷ create_transfer: {median(ratios['single']):.2f}",
        f"place_order, 1 symbol ÷ create_transfer: {median(ratios['one']):.2f}",
    ]
    if batch:
        lines.append(f"place_orders ×{batch} ÷ place_order (orders/s): {median(ratios['batch']):.2f}")
        lines.append(f"one trader and book per call: {median(ratios['per_book']):.2f}")
    lines.append(f"each run's first {WARMUP_S} s (new connections compiling the functions) not counted")
    table.caption = "; ".join(lines)
    print_bench_outcome(table, problems)


@bench.command("relay")
@database_url_option
@bundled_kafka_option
@redis_url_option
@clients_option(20)
@duration_option(15)
@click.option("--accounts", default=1000, show_default=True, type=click.IntRange(2))
@click.option(
    "--rate", default=1000, show_default=True, type=click.IntRange(3), help="Events/s of the latency run."
)
@repeat_option()
@click.option(
    "--pin",
    is_flag=True,
    help="Also run the pair with PostgreSQL and pgbench on one core, the relay, broker and Redis on another.",
)
@pgbench_options
@clean_errors
def bench_relay(
    database_url, kafka_bootstrap, redis_url, clients, duration_s, accounts, rate, repeat, pin, jobs, keep
):
    """Events/s one relay delivers to Kafka and Redis, commit→Kafka latency at --rate events/s,
    and single-transfer throughput with and without the relay running, in one run."""
    from pyvb.bench.harness import BenchError, machine_size
    from pyvb.bench.relay import RelayBench
    from pyvb.services.tansu import kafka_or_bundled

    try:
        with kafka_or_bundled(kafka_bootstrap, console.print) as bootstrap:
            runner = RelayBench(
                database_url, bootstrap, redis_url, clients, duration_s, accounts, jobs, console
            )
            try:
                runner.setup()
                # latency first: the bundled broker keeps every message in memory and slows as the
                # rounds fill it (a p99 of 50 ms after one round read 150 ms after three pinned)
                console.print(f"latency run at {rate} events/s…")
                latency = runner.latency(rate)
                rounds = []
                for number in range(1, repeat + 1):
                    console.print(f"round {number}/{repeat}…")
                    rounds.append(runner.round(pin=pin))
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
    table.add_row(
        "  ratio with / without relay (sharing both cores)",
        f"{median(r.ratio for r in rounds):.2f}×",
        "" if pin else "≥ 0.85× pinned",
    )
    if pin:
        table.add_row(
            "create_transfer, pinned (PostgreSQL + pgbench on one core), no relay",
            f"{median(r.pinned_without_relay.transactions_per_s for r in rounds):,.0f} tx/s",
            "",
        )
        table.add_row(
            "create_transfer, pinned, relay + broker + Redis on the other core",
            f"{median(r.pinned_with_relay.transactions_per_s for r in rounds):,.0f} tx/s",
            "",
        )
        table.add_row(
            "  ratio with / without relay, pinned",
            f"{median(r.pinned_ratio for r in rounds):.2f}×",
            "≥ 0.85×",
        )
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
@clients_option(8)
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
@pgbench_options
@clean_errors
def bench_maintain(database_url, clients, rate, history, passes, jobs, keep):
    """Maintenance passes (the first retires four months of ledger history: closing balances,
    detach, archive, drop) while pgbench writes single transfers at --rate; prints each pass's
    duration and transfer latency during the passes against outside them."""
    from pyvb.bench.harness import BenchError, machine_size
    from pyvb.bench.maintain import MaintainBench

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


@bench.command("replica")
@clients_option(16)
@duration_option(10)
@click.option("--accounts", default=1000, show_default=True, type=click.IntRange(2, 1_000_000))
@repeat_option()
@clean_errors
def bench_replica(clients, duration_s, accounts, repeat):
    """Balance reads through pyvb.db.Router from a hot standby against the same reads made critical
    (the primary), in each round, on a primary and a standby this command starts (private clusters
    on this machine, removed afterwards)."""
    from pyvb.bench.harness import BenchError, machine_size
    from pyvb.bench.replica import ReplicaBench

    runner = ReplicaBench(clients, duration_s, accounts, console)
    rounds = []
    try:
        runner.setup()
        for number in range(1, repeat + 1):
            console.print(f"round {number}/{repeat}…")
            rounds.append([runner.run(critical=True), runner.run(critical=False)])
    except BenchError as error:
        fail(str(error))
    finally:
        runner.teardown()
    table = Table(
        title=f"pyvb bench replica — {machine_size()}, {duration_s} s per run, median of {repeat} round(s)"
    )
    for column in ("run", "clients", "reads/s", "p50 ms", "p99 ms", "× primary"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for index in range(2):
        runs = [round_runs[index] for round_runs in rounds]
        ratios = [
            round_runs[index].transactions_per_s / round_runs[0].transactions_per_s for round_runs in rounds
        ]
        table.add_row(
            runs[0].name,
            str(clients),
            f"{statistics.median(r.transactions_per_s for r in runs):,.0f}",
            two_places(statistics.median(r.p50_ms for r in runs)),
            two_places(statistics.median(r.p99_ms for r in runs)),
            two_places(statistics.median(ratios)),
        )
    console.print(table)


@bench.command("sessions")
@database_url_option
@redis_url_option
@clients_option(16)
@duration_option(10)
@click.option("--sessions", default=10_000, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option(
    "--revocations",
    default=200,
    show_default=True,
    type=click.IntRange(2, 100_000),
    help="Sessions ended to measure the revocation bound.",
)
@repeat_option()
@pgbench_options
@clean_errors
def bench_sessions(database_url, redis_url, clients, duration_s, sessions, revocations, repeat, jobs, keep):
    """validate_session straight from PostgreSQL (pgbench as vb_app) against pgbench -S in the
    same round, and through the session cache (Redis hits, --clients processes); then the
    revocation bound: end_session's commit to the cache refusing the token, relay delivering."""
    from pyvb.bench.harness import machine_size, median_runs
    from pyvb.bench.sessions import SessionsBench

    rounds, hit_ratios = [], []
    with prepared(
        lambda: SessionsBench(database_url, redis_url, clients, duration_s, sessions, jobs, console), keep
    ) as runner:
        for number in range(1, repeat + 1):
            console.print(f"round {number}/{repeat}…")
            runs = [runner.baseline(), runner.from_postgres()]
            cached, hit_ratio = runner.through_cache()
            rounds.append([*runs, cached])
            hit_ratios.append(hit_ratio)
        console.print(f"ending {revocations} cached sessions…")
        revocation = runner.revocation(revocations)
        problems = runner.verify()
    title = f"pyvb bench sessions — {machine_size()}, {duration_s} s per run, median of {repeat} round(s)"
    table = Table(title=title)
    for column in ("run", "clients", "validations/s", "p50 ms", "p99 ms", "× pgbench -S"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for row in median_runs(rounds):
        table.add_row(
            row.name,
            str(row.clients),
            f"{row.transactions_per_s:,.0f}",
            two_places(row.p50_ms),
            two_places(row.p99_ms),
            two_places(row.ratio),
        )
    table.caption = (
        f"session cache hit ratio (worst client, worst round): {min(hit_ratios):.1%}\n"
        f"revocation, end_session commit → cache refuses ({revocation.samples} sessions, relay running):"
        f" p50 {two_places(revocation.p50_ms)} ms, p99 {two_places(revocation.p99_ms)} ms,"
        f" worst {revocation.max_ms:,.2f} ms"
    )
    print_bench_outcome(table, problems)


@bench.command("audit")
@database_url_option
@clients_option(16)
@duration_option(15)
@repeat_option(3)
@pgbench_options
@clean_errors
def bench_audit(database_url, clients, duration_s, repeat, jobs, keep):
    """What the audit trail costs: single create_transfer and place_order (20 symbols) with the
    audit record written and with vb.audit switched off in the scratch databases, alternating in
    each round; the ratio on/off is taken within a round. Then log_api_requests in batches of
    1,000 (rows/s)."""
    from pyvb.bench.audit import AuditBench
    from pyvb.bench.harness import machine_size

    rounds = []
    with prepared(lambda: AuditBench(database_url, clients, duration_s, jobs, console), keep) as runner:
        for number in range(1, repeat + 1):
            console.print(f"round {number}/{repeat}…")
            rounds.append(runner.round())
        api_logs = [runner.api_logs() for _ in range(repeat)]
        problems = runner.verify()
    title = f"pyvb bench audit — {machine_size()}, {duration_s} s per run, median of {repeat} round(s)"
    table = Table(title=title)
    for column in ("run", "clients", "tx/s", "p50 ms", "p99 ms", "on ÷ off"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for position, first in enumerate(rounds[0]):
        same = [runs[position] for runs in rounds]
        ratio = ""
        if position % 2 == 0:
            ratio = two_places(
                statistics.median(
                    r[position].transactions_per_s / r[position + 1].transactions_per_s for r in rounds
                )
            )
        table.add_row(
            first.name,
            str(first.clients),
            f"{statistics.median(r.transactions_per_s for r in same):,.0f}",
            two_places(statistics.median(r.p50_ms for r in same)),
            two_places(statistics.median(r.p99_ms for r in same)),
            ratio,
        )
    table.caption = (
        f"log_api_requests, batches of 1,000, {api_logs[0].clients} clients: "
        f"{statistics.median(r.transfers_per_s for r in api_logs):,.0f} rows/s"
    )
    print_bench_outcome(table, problems)
