"""``pyvb bench maintain``: how long a maintenance pass takes and what it does to the write path.

On a scratch ledger database with eight months of dated history (so that retention has ledger
partitions to close, detach, archive and drop), pgbench runs single transfers at a steady rate
while maintenance passes run; every transfer's latency is logged with its completion time, so
the worst latency during a pass can be set against the worst outside it (the same run's
baseline).
"""

from __future__ import annotations

import tempfile
import threading
import time
from dataclasses import dataclass

import psycopg

from pyvb.bench.harness import BenchError, p50_p99, settle
from pyvb.bench.history import write_history
from pyvb.bench.ledger import LedgerBench
from pyvb.config import with_database
from pyvb.maintain import LocalStore, Maintainer


@dataclass
class PassTiming:
    outcome: str
    started_s: float
    finished_s: float
    retention: int

    @property
    def seconds(self) -> float:
        return self.finished_s - self.started_s


@dataclass
class LatencyWindow:
    name: str
    transfers: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float | None


class MaintainBench(LedgerBench):
    def __init__(self, server_url, clients, rate, history_transfers, passes, jobs, console):
        super().__init__(server_url, clients, 1, 1000, 100, 1000, jobs, console)
        self.rate = rate
        self.history_transfers = history_transfers
        self.passes = passes
        self.url = with_database(server_url, self.scratch_db)

    def setup(self) -> None:
        super().setup()
        self.console.print(f"writing {self.history_transfers:,} transfers dated 10 to 3 months back…")
        write_history(self.url, accounts=200, transfers_per_month=self.history_transfers // 8)
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(
                "UPDATE vb.partition_policies SET retention = '6 months'"
                " WHERE parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass)"
            )
            settle(conn)

    def run(self) -> tuple[list[PassTiming], list[LatencyWindow]]:
        """pgbench at --rate for the whole run; passes start 3 s in, 3 s apart."""
        slug = "maintain-load"
        prefix = self.workdir / slug
        estimate_s = 3 + self.passes * 8 + 3
        script = self._script("single", self.accounts)
        args = ["-n", "-c", str(self.clients), "-j", str(min(self.jobs, self.clients)), "-T", str(estimate_s)]
        args += ["-R", str(self.rate), "-l", f"--log-prefix={prefix}", "-M", "prepared", "-f", script]
        load = threading.Thread(target=self._run_pgbench, args=(args, self.scratch_db))
        load.start()
        timings = []
        with tempfile.TemporaryDirectory() as archive:
            maintainer = Maintainer(self.url, LocalStore(archive))
            time.sleep(3)
            for _ in range(self.passes):
                started = time.time()
                report = maintainer.run_pass()
                timings.append(
                    PassTiming(report.outcome, started, time.time(), len(report.steps.get("retention", [])))
                )
                if report.outcome != "ok":
                    raise BenchError(f"maintenance pass {report.outcome}: {report.errors}")
                time.sleep(3)
        load.join()
        return timings, self._windows(slug, timings)

    def _windows(self, slug: str, timings: list[PassTiming]) -> list[LatencyWindow]:
        during: list[float] = []
        outside: list[float] = []
        for latency_ms, finished in self.read_pgbench_logs(slug):
            started = finished - latency_ms / 1000
            in_pass = any(t.started_s <= finished and started <= t.finished_s for t in timings)
            (during if in_pass else outside).append(latency_ms)
        return [self._window("during passes", during), self._window("outside passes", outside)]

    @staticmethod
    def _window(name: str, latencies: list[float]) -> LatencyWindow:
        return LatencyWindow(name, len(latencies), *p50_p99(latencies), max(latencies, default=None))
