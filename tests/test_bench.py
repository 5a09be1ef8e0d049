"""The benchmark's arithmetic (medians of per-round ratios) and one tiny real run."""

from __future__ import annotations

import time

import pytest

from pyvb.bench.harness import Run, after_warmup, median_runs
from pyvb.bench.ledger import script_text
from pyvb.testing import run_pyvb


def run(name, tps, per=1):
    return Run(name, 20, tps, tps * per, 1.0, 2.0, 0)


def test_ratios_are_taken_within_a_round_then_medianed():
    rounds = [
        [run("simple-update", 1000), run("create_transfer", 600)],
        [run("simple-update", 2000), run("create_transfer", 1400)],
        [run("simple-update", 1000), run("create_transfer", 500)],
    ]
    merged = median_runs(rounds)
    assert [m.name for m in merged] == ["simple-update", "create_transfer"]
    assert merged[1].ratio == 0.6  # rounds give 0.6, 0.7, 0.5
    assert merged[1].transactions_per_s == 600


def test_runs_count_only_what_completes_after_the_warm_up():
    # (latency ms, completion s): a slow cold start in the first 2 s, then 1 ms transactions
    cold = [(300.0, 100.5), (250.0, 101.9)]
    warm = [(1.0, 102.0 + i / 100) for i in range(101)]
    tps, p50, p99, warmup_p99 = after_warmup(cold + warm, 102.0)
    assert tps == pytest.approx(101 / 1.0)
    assert p50 == 1.0 and p99 == 1.0
    assert warmup_p99 is not None and warmup_p99 >= 250.0
    assert after_warmup(cold, 102.0)[0] is None


def test_scripts_name_existing_accounts():
    text = script_text("batch", 1000, 10)
    assert "generate_series(1, 10)" in text and "% 1000" in text


def test_bench_ledger_runs_end_to_end(pg_server_url):
    result = run_pyvb(
        "bench",
        "ledger",
        "--database-url",
        pg_server_url,
        "--duration",
        "1",
        "--clients",
        "2",
        "--accounts",
        "10",
        "--batch-accounts",
        "50",
        "--batch-size",
        "5",
        "--via-pgbouncer",
        "--pgbouncer-pool",
        "2",
        "--baseline",
        "floor",
    )
    assert result.returncode == 0, result.stderr
    for name in (
        "simple-update",
        "create_transfer",
        "get_balances",
        "create_transfers x5",
        "hot house account",
        "create_transfer via PgBouncer",
        "through PgBouncer (pool 2):",
        "floor (minimum writes)",
        "× floor",
    ):
        assert name in result.stdout
    assert "all checks pass" in result.stdout


def test_bench_trading_runs_end_to_end(pg_server_url):
    result = run_pyvb(
        "bench",
        "trading",
        "--database-url",
        pg_server_url,
        "--duration",
        "1",
        "--clients",
        "2",
        "--symbols",
        "2",
        "--traders",
        "6",
        "--depth",
        "2",
        "--rate",
        "50",
        "--batch",
        "5",
    )
    assert result.returncode == 0, result.stderr
    for name in (
        "create_transfer (yardstick)",
        "place_order, 2 symbols",
        "place_order, 1 symbol",
        "place_orders ×5, 2 symbols",
        "place_orders ×5, one trader and book per call",
        "place_order, 2 symbols at 50/s",
        "place_orders ×5 ÷ place_order (orders/s):",
    ):
        assert name in " ".join(result.stdout.split()), name
    assert "all checks pass" in result.stdout


def test_bench_relay_runs_end_to_end(pg_server_url, kafka_bootstrap, redis_url):
    result = run_pyvb(
        "bench", "relay", "--database-url", pg_server_url, "--kafka-bootstrap", kafka_bootstrap,
        "--redis-url", redis_url, "--duration", "1", "--clients", "2", "--accounts", "10",
        "--rate", "30", "--pin",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for measure in (
        "ratio with / without relay",
        "ratio with / without relay, pinned",
        "relay drain to Kafka + Redis",
        "commit→Kafka ack p99",
    ):
        assert measure in result.stdout
    assert "all checks pass" in result.stdout


def test_bench_maintain_runs_end_to_end(pg_server_url):
    result = run_pyvb(
        "bench", "maintain", "--database-url", pg_server_url, "--clients", "2", "--rate", "50",
        "--history", "800", "--passes", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "pass 1 (ok," in result.stdout and "worst during passes" in result.stdout
    assert "all checks pass" in result.stdout


def test_bench_sessions_runs_end_to_end(pg_server_url, redis_url):
    result = run_pyvb(
        "bench", "sessions", "--database-url", pg_server_url, "--redis-url", redis_url,
        "--duration", "1", "--clients", "2", "--sessions", "50", "--revocations", "5",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("pgbench -S", "validate_session, PostgreSQL", "validate_session, Redis cache", "revocation"):
        assert name in result.stdout
    assert "all checks pass" in result.stdout


def test_bench_audit_runs_end_to_end(pg_server_url):
    result = run_pyvb(
        "bench", "audit", "--database-url", pg_server_url,
        "--duration", "1", "--clients", "2", "--repeat", "1",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in (
        "create_transfer, audit on",
        "create_transfer, audit off",
        "place_order, audit off",
        "rows/s",
    ):
        assert name in result.stdout
    assert "all checks pass" in result.stdout


def test_bench_replica_runs_end_to_end():
    result = run_pyvb("bench", "replica", "--duration", "1", "--clients", "2", "--accounts", "10")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "reads from the primary (critical)" in result.stdout and "reads from the standby" in result.stdout


def test_pinning_sets_each_thread_on_its_core_and_restores_it():
    import os
    import subprocess

    from pyvb.bench.pinning import pinned, threads_of, two_cores

    _, second = two_cores()
    child = subprocess.Popen(["sleep", "30"])
    try:
        before = os.sched_getaffinity(child.pid)
        with pinned({second: lambda: [child.pid]}):
            assert all(os.sched_getaffinity(tid) == {second} for tid in threads_of(child.pid))
        assert os.sched_getaffinity(child.pid) == before
    finally:
        child.kill()
        child.wait()


def test_pinning_restores_each_thread_even_when_the_block_fails():
    """A thread that had an affinity of its own gets it back, not its process's; a SIGTERM in the
    block ends it with the affinities restored."""
    import os
    import signal
    import subprocess

    from pyvb.bench.pinning import pinned, threads_of, two_cores

    first, second = two_cores()
    child = subprocess.Popen(["sleep", "30"])
    try:
        os.sched_setaffinity(child.pid, {first})  # an affinity of its own
        with pytest.raises(SystemExit), pinned({second: lambda: [child.pid]}):
            assert all(os.sched_getaffinity(tid) == {second} for tid in threads_of(child.pid))
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the signal ends the block long before this
        assert os.sched_getaffinity(child.pid) == {first}
    finally:
        child.kill()
        child.wait()
