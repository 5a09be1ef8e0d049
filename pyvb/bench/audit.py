"""``pyvb bench audit``: what the audit trail costs single ``create_transfer`` and ``place_order``,
measured side by side in one run (contract audit.md: at most 10% of single create_transfer).

"Off" is a benchmark-only switch: in the scratch database, ``vb.audit`` is replaced by a function
that records nothing for the length of a run, then its definition is put back. Every other step
of the call (the wrapper, building the arguments) still runs, so the difference is the record
itself. Each round runs on, off, on, off… for each load, so drift over time favours neither.
"""

from __future__ import annotations

import contextlib

import psycopg

from pyvb.bench.harness import Run
from pyvb.bench.ledger import LedgerBench
from pyvb.bench.trading import TradingBench
from pyvb.config import with_database

AUDIT_FUNCTION = "vb.audit(text,jsonb,jsonb)"
NO_AUDIT = """CREATE OR REPLACE FUNCTION vb.audit(p_function text, p_arguments jsonb, p_outcome jsonb)
RETURNS void LANGUAGE plpgsql AS $$ BEGIN END $$"""


@contextlib.contextmanager
def audit_off(url: str):
    """vb.audit records nothing inside the block (scratch databases only); restored after."""
    with psycopg.connect(url, autocommit=True) as conn:
        definition = conn.execute(
            "SELECT pg_get_functiondef(%s::regprocedure)", (AUDIT_FUNCTION,)
        ).fetchone()[0]
        conn.execute(NO_AUDIT)
        try:
            yield
        finally:
            conn.execute(definition)


API_LOGS_SCRIPT = """SELECT vb_api.log_api_requests((SELECT jsonb_agg(jsonb_build_object(
    'request_id', 'req-' || g, 'at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
    'route', '/orders', 'method', 'POST', 'status', 200, 'latency_ms', g % 97, 'user_id', gen_random_uuid()))
    FROM generate_series(1, 1000) AS g));
"""


class AuditBench:
    """A ledger and a trading scratch database; runs with the audit trail on and off."""

    def __init__(self, server_url, clients, duration_s, jobs, console):
        self.ledger = LedgerBench(server_url, clients, duration_s, 50, 100, 1000, jobs, console)
        self.trading = TradingBench(server_url, clients, duration_s, 20, 5, 200, jobs, console)

    def setup(self) -> None:
        self.ledger.setup()
        self.trading.setup()

    def teardown(self) -> None:
        self.ledger.teardown()
        self.trading.teardown()

    def round(self) -> list[Run]:
        runs = []
        ledger_url = with_database(self.ledger.server_url, self.ledger.scratch_db)
        trading_url = with_database(self.trading.server_url, self.trading.scratch_db)
        runs.append(self._renamed(self.ledger.single()[0], "create_transfer, audit on"))
        with audit_off(ledger_url):
            runs.append(self._renamed(self.ledger.single()[0], "create_transfer, audit off"))
        runs.append(self.trading.orders("place_order, audit on", 20))
        with audit_off(trading_url):
            runs.append(self.trading.orders("place_order, audit off", 20))
        return runs

    def api_logs(self, clients: int = 4) -> Run:
        """vb_api.log_api_requests in batches of 1,000 (built by the script itself, so the figure
        includes making the JSON), as vb_app; Run.transfers_per_s is rows/s."""
        script = self.ledger.workdir / "api_logs.sql"
        script.write_text(API_LOGS_SCRIPT)
        return self.ledger._timed_run(
            "log_api_requests x1000", self.ledger.scratch_db, ["-f", str(script)], clients, 1000
        )

    def verify(self) -> list[tuple]:
        return self.ledger.verify() + self.trading.verify()

    @staticmethod
    def _renamed(run: Run, name: str) -> Run:
        run.name = name
        return run
