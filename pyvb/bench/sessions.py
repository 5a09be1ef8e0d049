"""``pyvb bench sessions``: ``validate_session`` straight from PostgreSQL (pgbench, as vb_app)
against pgbench's select-only (``-S``) in the same round, through the session cache (a Redis hit,
client processes), and the revocation bound: from ``end_session``'s commit to the cache refusing
the token, with the relay delivering.

The scratch database's sessions get tokens a bench can compute (``bench_token(n)``: the hash of
a counter, rewritten into ``vb.sessions`` after ``start_session``), so pgbench's script needs no
lookup of its own to find a token: a bench-only shortcut, never done outside a scratch database.
"""

from __future__ import annotations

import base64
import hashlib
import multiprocessing
import os
import random
import time
import uuid
from dataclasses import dataclass

import psycopg
import redis

from pyvb.bench.harness import BenchError, PgbenchHarness, Run, p50_p99, settle
from pyvb.cache import SESSION_KEY
from pyvb.config import ADMIN_ROLE, APP_ROLE, acting_as, with_database
from pyvb.deploy import Deployer, drop_database
from pyvb.sessions import token_sha256

#: the user of bench session n
USER_SQL = "md5('vb-bench-user:' || n)::uuid"
#: the token of bench session n, computed in SQL by the pgbench script the same way
TOKEN_SQL = "rtrim(translate(encode(sha256(('vb-bench:' || {n})::bytea), 'base64'), '+/', '-_'), '=')"


def bench_token(n: int) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(f"vb-bench:{n}".encode()).digest()).rstrip(b"=").decode()


def _cache_client(url: str, redis_url: str, sessions: int, seconds: float, start_at: float, queue) -> None:
    """One client process: validations through the cache until ``start_at + seconds``; puts
    (validations, latencies ms of those after the warm-up) on ``queue``."""
    from psycopg_pool import ConnectionPool

    from pyvb.sessions import SessionCache

    rng = random.Random(os.getpid())
    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    with ConnectionPool(acting_as(url, APP_ROLE), min_size=1, max_size=1, open=True) as pool:
        cache = SessionCache(client, pool)
        tokens = [bench_token(n) for n in range(1, sessions + 1)]
        while time.time() < start_at:  # connections open, code warm
            cache.validate(rng.choice(tokens))
        latencies, count, end = [], 0, start_at + seconds
        while time.time() < end:
            began = time.perf_counter()
            if not cache.validate(rng.choice(tokens)).valid:
                raise RuntimeError("a bench session did not validate")
            latencies.append((time.perf_counter() - began) * 1000)
            count += 1
    queue.put((count, latencies[:: max(1, len(latencies) // 20_000)], cache.stats.hit_ratio))


@dataclass
class RevocationFigures:
    samples: int
    p50_ms: float | None
    p99_ms: float | None
    max_ms: float


class SessionsBench(PgbenchHarness):
    """validate_session from PostgreSQL and through Redis, pgbench -S as the baseline."""

    def __init__(self, server_url, redis_url, clients, duration_s, sessions, jobs, console):
        super().__init__(server_url, "sessions", clients, duration_s, jobs, console)
        self.redis_url = redis_url
        self.sessions = sessions
        self.url = with_database(server_url, self.scratch_db)
        self.baseline_db = f"vb_bench_pgbench_{os.getpid()}"

    def setup(self) -> None:
        self.console.print(f"deploying {self.scratch_db} with {self.sessions:,} live sessions…")
        drop_database(self.server_url, self.scratch_db)
        Deployer(self.url).migrate()
        with psycopg.connect(acting_as(self.url, APP_ROLE), autocommit=True) as conn:
            conn.execute(
                f"SELECT count(vb_api.create_user({USER_SQL}, 'bench' || n))"
                " FROM generate_series(1, %s) AS n",
                (self.sessions,),
            )
            conn.execute(
                f"SELECT count(s.*) FROM generate_series(1, %s) AS n,"
                f" LATERAL vb_api.start_session({USER_SQL}, 86400) AS s",
                (self.sessions,),
            )
        with psycopg.connect(self.url, autocommit=True) as conn:  # the bench-only shortcut
            conn.execute(
                # the token's bytes are sha256('vb-bench:' || n); the store keeps their sha256
                "UPDATE vb.sessions AS s"
                " SET token_sha256 = sha256(sha256(('vb-bench:' || substr(u.handle, 6))::bytea))"
                " FROM vb.users AS u WHERE s.user_id = u.user_id"
            )
            settle(conn)
        self.init_baseline_db(self.baseline_db)

    def teardown(self) -> None:
        super().teardown()
        drop_database(self.server_url, self.baseline_db)
        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        keys = [SESSION_KEY.format(token_sha256(bench_token(n))) for n in range(1, self.sessions + 1)]
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()

    def baseline(self) -> Run:
        return self._timed_run(
            "pgbench -S (select-only)", self.baseline_db, ["-S", "-M", "prepared"], self.clients, 1
        )

    def from_postgres(self) -> Run:
        script = self.workdir / "validate.sql"
        script.write_text(
            f"\\set n random(1, {self.sessions})\n"
            f"SELECT status FROM vb_api.validate_session({TOKEN_SQL.format(n=':n')});\n"
        )
        return self._timed_run(
            "validate_session, PostgreSQL",
            self.scratch_db,
            ["-M", "prepared", "-f", str(script)],
            self.clients,
            1,
        )

    def through_cache(self) -> tuple[Run, float]:
        """``clients`` processes validating through Redis; (run, hit ratio)."""
        self._fill_cache()
        context = multiprocessing.get_context("spawn")
        queue = context.Queue()
        start_at = time.time() + 2 + self.clients * 0.2  # every process started and warm
        processes = [
            context.Process(
                target=_cache_client,
                args=(self.url, self.redis_url, self.sessions, self.duration_s, start_at, queue),
            )
            for _ in range(self.clients)
        ]
        for process in processes:
            process.start()
        results = [queue.get(timeout=120 + self.duration_s) for _ in processes]
        for process in processes:
            process.join(30)
        total = sum(count for count, _, _ in results)
        p50, p99 = p50_p99([ms for _, latencies, _ in results for ms in latencies])
        ratio = min(hit for _, _, hit in results)
        return Run(
            "validate_session, Redis cache",
            self.clients,
            total / self.duration_s,
            total / self.duration_s,
            p50,
            p99,
            0,
        ), ratio

    def _fill_cache(self) -> None:
        """Every bench session validated once through the cache: the run measures hits."""
        from psycopg_pool import ConnectionPool

        from pyvb.sessions import SessionCache

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        with ConnectionPool(acting_as(self.url, APP_ROLE), min_size=1, max_size=1, open=True) as pool:
            cache = SessionCache(client, pool)
            for n in range(1, self.sessions + 1):
                cache.validate(bench_token(n))
        client.close()

    def revocation(self, samples: int) -> RevocationFigures:
        """``samples`` times: a session cached, ended, then how long until the cache refuses it,
        with the relay (Redis sink) delivering."""
        from psycopg_pool import ConnectionPool

        from pyvb.relay import RelayThread
        from pyvb.sessions import SessionCache

        client = redis.Redis.from_url(self.redis_url, socket_timeout=2)
        latencies = []
        with (
            ConnectionPool(acting_as(self.url, APP_ROLE), min_size=1, max_size=2, open=True) as pool,
            psycopg.connect(acting_as(self.url, ADMIN_ROLE), autocommit=True) as conn,
            RelayThread(self.url, None, self.redis_url, poll_interval_s=1.0),
        ):
            cache = SessionCache(client, pool)
            self._wait_for_relay()  # the setup's session.started events first
            user_id = uuid.UUID(hashlib.md5(b"vb-bench-user:1").hexdigest())
            for _ in range(samples):
                session_id, token = conn.execute(
                    "SELECT session_id, token FROM vb_api.start_session(%s)", (user_id,)
                ).fetchone()
                cache.validate(token)
                if not cache.validate(token).valid:
                    raise RuntimeError("a fresh session was not cached")
                conn.execute("SELECT vb_api.end_session(%s)", (session_id,))
                ended = time.perf_counter()
                deadline = ended + 30
                while cache.validate(token).valid:
                    time.sleep(0.0005)
                    if time.perf_counter() > deadline:
                        raise RuntimeError("the cache still accepted an ended session after 30 s")
                latencies.append((time.perf_counter() - ended) * 1000)
        client.close()
        p50, p99 = p50_p99(latencies)
        return RevocationFigures(len(latencies), p50, p99, max(latencies))

    def _wait_for_relay(self, timeout_s: float = 300) -> None:
        deadline = time.monotonic() + timeout_s
        with psycopg.connect(self.url, autocommit=True) as conn:
            while conn.execute(
                "SELECT coalesce(max(lag_events), 1) FROM vb_ops.relay_status() WHERE sink = 'redis'"
            ).fetchone()[0]:
                if time.monotonic() > deadline:
                    raise BenchError(f"the relay did not deliver the setup's events within {timeout_s:.0f} s")
                time.sleep(0.05)
