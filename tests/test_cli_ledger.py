"""The ledger's command line: pyvb demo on a fresh database, pyvb verify passing and failing."""

from __future__ import annotations

import psycopg

from pyvb.testing import run_pyvb as run_cli


def test_demo_runs_on_a_fresh_database_and_again(fresh_url, redis_url):
    first = run_cli("demo", "--database-url", fresh_url, "--seconds", "2", "--redis-url", redis_url)
    assert first.returncode == 0, first.stderr
    assert "post 150.00 of the hold" in first.stdout and "void the hold" in first.stdout
    assert "linked_event_failed" in first.stdout
    assert "ledger verified" in first.stdout
    assert "who halted ACME" in first.stdout and "active → halted" in first.stdout
    assert "audit trail verified" in first.stdout
    assert "was edited" in first.stdout and "the tampering was caught" in first.stdout
    with psycopg.connect(fresh_url) as conn:
        copies = conn.execute(
            "SELECT count(*) FROM pg_database WHERE starts_with(datname, current_database() || '_tamper_')"
        ).fetchone()[0]
    assert copies == 0, "the tampered copy is dropped"
    assert "trading session" in first.stdout and "top movers" in first.stdout
    assert "events delivered by the relay" in first.stdout and "vb.transfers" in first.stdout
    assert "balance cache:" in first.stdout and "hit ratio" in first.stdout
    for figure in ("sessions started", "sessions ended", "session cache hit ratio", "rate-limited requests"):
        assert figure in first.stdout
    assert "maintenance pass: ok" in first.stdout and "partition health" in first.stdout
    with psycopg.connect(fresh_url) as conn:
        undelivered = conn.execute("SELECT max(lag_events) FROM vb_ops.relay_status()").fetchone()[0]
    assert undelivered == 0, "the demo's relay delivered every event before the summary"
    second = run_cli("demo", "--database-url", fresh_url, "--seconds", "1", "--redis-url", redis_url)
    assert second.returncode == 0, second.stderr
    assert "ledger verified" in second.stdout


def test_verify_exits_nonzero_on_a_broken_ledger(fresh_url):
    assert run_cli("demo", "--database-url", fresh_url, "--seconds", "0", "--no-relay").returncode == 0
    clean = run_cli("verify", "--database-url", fresh_url)
    assert clean.returncode == 0 and "FAILED" not in clean.stdout
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("UPDATE vb.accounts SET balance = balance + 1 WHERE account_kind = 'customer'")
    broken = run_cli("verify", "--database-url", fresh_url)
    assert broken.returncode == 1
    assert "assets_sum_to_zero" in broken.stdout and "FAILED" in broken.stdout


def test_verify_cannot_connect_prints_one_line():
    result = run_cli("verify", "--database-url", "postgresql://postgres@127.0.0.1:1/none")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot connect") and "Traceback" not in result.stderr
