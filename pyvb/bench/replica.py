"""``pyvb bench replica``: balance reads through ``pyvb.db.Router`` served by a hot standby against
the same reads made critical (the primary), in one round, on a primary and a standby of our own
(private clusters on this machine: both share its cores, so the figure is the router's and the
standby's cost, not the capacity a second host would add).

Each client is a thread reading ``vb_api.get_balances`` of two random accounts as ``vb_app``, one
read per transaction, for the duration after a one-second warm-up.
"""

from __future__ import annotations

import random
import threading
import time

import psycopg

from pyvb.bench.harness import BenchError, Run, p50_p99
from pyvb.config import APP_ROLE, acting_as
from pyvb.db import Router
from pyvb.deploy import Deployer
from pyvb.services.cluster import ClusterError, PrivateCluster, wait_replayed

WARMUP_S = 1.0
READ_SQL = "SELECT * FROM vb_api.get_balances(ARRAY[%s, %s]::uuid[])"


class ReplicaBench:
    def __init__(self, clients: int, duration_s: int, accounts: int, console):
        self.clients = clients
        self.duration_s = duration_s
        self.accounts = accounts
        self.console = console
        self.primary: PrivateCluster | None = None
        self.standby: PrivateCluster | None = None
        self.account_ids: list[str] = []

    def setup(self) -> None:
        self.console.print("starting a primary and a hot standby of our own…")
        settings = {"max_connections": str(self.clients * 2 + 20), "shared_buffers": "'128MB'"}
        self.primary = PrivateCluster(settings=settings).init().start()
        with psycopg.connect(self.primary.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE virtualbank")
        url = self.primary.url("virtualbank")
        Deployer(url).migrate()
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
            self.account_ids = [
                str(row[0])
                for row in conn.execute(
                    "SELECT account_id FROM (SELECT gen_random_uuid() AS account_id"
                    " FROM generate_series(1, %s)) AS a,"
                    " LATERAL vb_api.open_account(a.account_id, 'VBD') AS s",
                    (self.accounts,),
                )
            ]
            conn.execute("CHECKPOINT")
        self.standby = self.primary.standby(name="bench")
        self.standby.start()
        try:
            wait_replayed(self.primary.url("virtualbank"), self.standby.url("virtualbank"))
        except ClusterError as error:
            raise BenchError(str(error)) from None

    def run(self, critical: bool) -> Run:
        """Reads for the duration through the router: from the standby, or critical (primary)."""
        name = "reads from the primary (critical)" if critical else "reads from the standby"
        router = Router(
            acting_as(self.primary.url("virtualbank"), APP_ROLE),
            [acting_as(self.standby.url("virtualbank"), APP_ROLE)],
            max_staleness_s=5,
            min_size=self.clients,
            max_size=self.clients,
        )
        latencies: list[list[float]] = [[] for _ in range(self.clients)]
        errors: list[BaseException] = []
        start_at = time.monotonic() + WARMUP_S
        end_at = start_at + self.duration_s

        def client(index: int) -> None:
            rng = random.Random(index)
            try:
                while (now := time.monotonic()) < end_at:
                    first, second = rng.sample(self.account_ids, 2)
                    with router.read(critical=critical) as conn:
                        conn.execute(READ_SQL, (first, second)).fetchall()
                    if now >= start_at:
                        latencies[index].append((time.monotonic() - now) * 1000)
            except BaseException as error:  # reported once every client stopped
                errors.append(error)

        with router:
            threads = [threading.Thread(target=client, args=(n,)) for n in range(self.clients)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            routed = dict(router.routed)
        if errors:
            raise BenchError(f"{name}: {errors[0]}")
        every = [value for per_client in latencies for value in per_client]
        p50, p99 = p50_p99(every)
        where = "replica" if not critical else "primary:critical"
        if routed.get(where, 0) < 0.99 * sum(routed.values()):
            raise BenchError(f"{name}: reads went elsewhere than expected: {routed}")
        return Run(
            name, self.clients, len(every) / self.duration_s, len(every) / self.duration_s, p50, p99, 0
        )

    def teardown(self) -> None:
        for cluster in (self.standby, self.primary):
            if cluster is not None:
                cluster.destroy()
