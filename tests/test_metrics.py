"""System metrics against a real PostgreSQL (contract audit.md): ``pyvb metrics serve`` serves
every series docs/operations.md documents, and nothing undocumented; the Grafana dashboard's queries name
only series that this endpoint or the relay serve; ``pyvb metrics collect`` stores a snapshot with
rates since the previous one; an unreachable database reads as ``vb_db_up 0`` with no stale
sample."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
import urllib.request

import psycopg
import pytest
from prometheus_client import generate_latest

from pyvb.config import PROJECT_ROOT
from pyvb.relay import RelayMetrics
from pyvb.services.tansu import free_port, wait_for_port
from pyvb.testing import run_pyvb

TYPE_LINE = re.compile(r"^# TYPE (\S+) (\S+)$", re.M)
SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "gauge": ("",)}


def documented_series() -> set[str]:
    """The series of the Metrics table in docs/operations.md."""
    text = (PROJECT_ROOT / "docs" / "operations.md").read_text()
    section = text[text.index("## Metrics") :]
    section = section[: section.index("\n## ", 1)]
    return set(re.findall(r"^\| `(vb_[a-z0-9_]+)` \|", section, re.M))


def sample_names(exposition: str) -> set[str]:
    """The names a query can use: each declared family with its type's sample suffixes."""
    return {
        name + suffix for name, kind in TYPE_LINE.findall(exposition) for suffix in SUFFIXES.get(kind, ("",))
    }


def scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return response.read().decode()


def serving(database_url: str):
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyvb.cli",
            "metrics",
            "serve",
            "--port",
            str(port),
            "--database-url",
            database_url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_for_port(port)
    return process, port


def stop(process: subprocess.Popen) -> str:
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    return err


@pytest.fixture
def served(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_ops.relay_record_progress('kafka', 0, 0)")
    process, port = serving(test_db_url)
    try:
        yield scrape(port)
    finally:
        stop(process)


def test_the_endpoint_serves_every_documented_series_and_no_other(served):
    declared = {name for name, _ in TYPE_LINE.findall(served)}
    assert declared == documented_series()
    assert "vb_db_up 1.0" in served
    assert re.search(r'^vb_db_connections\{state="active"\} [1-9]', served, re.M)
    assert re.search(r'^vb_db_relay_lag_events\{sink="kafka"\} 0\.0$', served, re.M)
    assert re.search(r'^vb_db_table_size_bytes\{table="vb\.entries"\} [1-9]', served, re.M)
    assert re.search(r"^vb_db_commits_total [1-9]", served, re.M)
    assert "# TYPE vb_db_replication_lag_bytes gauge" in served  # declared, no replica: no sample
    assert not re.search(r"^vb_db_replication_lag_bytes\{", served, re.M)


def test_the_dashboard_names_only_series_that_are_served(served):
    relay = generate_latest(RelayMetrics().registry).decode()
    available = sample_names(served) | sample_names(relay)
    dashboard = json.loads((PROJECT_ROOT / "ops" / "grafana" / "virtualbank-core.json").read_text())
    expressions = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    named = {name for expr in expressions for name in re.findall(r"\b(vb_[a-z0-9_]+)\b", expr)}
    assert named, "the dashboard queries no series"
    assert named <= available, f"not served: {sorted(named - available)}"
    scrape_config = (PROJECT_ROOT / "ops" / "prometheus" / "prometheus.yml").read_text()
    assert '"127.0.0.1:9187"' in scrape_config and '"127.0.0.1:9188"' in scrape_config


def test_collect_stores_a_snapshot_with_rates_since_the_previous_one(test_db_url):
    first = run_pyvb("metrics", "collect", "--database-url", test_db_url)
    assert first.returncode == 0, first.stderr
    assert "vb_db_size_bytes" in first.stdout and "vb_db_commits_per_second" not in first.stdout
    time.sleep(0.2)
    second = run_pyvb("metrics", "collect", "--database-url", test_db_url)
    assert second.returncode == 0 and "vb_db_commits_per_second" in second.stdout, second.stderr
    with psycopg.connect(test_db_url) as conn:
        snapshots = conn.execute(
            "SELECT collected_at, count(*) FROM vb.system_metrics GROUP BY 1 ORDER BY 1"
        ).fetchall()
        rate = conn.execute(
            "SELECT metric_value FROM vb.system_metrics WHERE metric = 'vb_db_commits_per_second'"
        ).fetchone()[0]
        recorded = conn.execute(
            "SELECT count(*) FROM vb.event_audit WHERE function_name = 'vb_ops.collect_system_metrics'"
            " AND db_role = 'vb_ops'"
        ).fetchone()[0]
    assert len(snapshots) == 2 and snapshots[1][1] == snapshots[0][1] + 2
    assert rate > 0  # the first collect committed in between
    assert recorded == 2


def test_an_unreachable_database_reads_as_down_with_no_stale_sample():
    process, port = serving(f"postgresql://postgres@127.0.0.1:{free_port()}/nowhere")
    try:
        text = scrape(port)
    finally:
        err = stop(process)
    assert "vb_db_up 0.0" in text
    assert {name for name, _ in TYPE_LINE.findall(text)} == {"vb_db_up"}
    assert "unreachable" in err and "Traceback" not in err
