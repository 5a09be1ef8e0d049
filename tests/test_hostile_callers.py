"""One misbehaving session of the middleware's role cannot take the server down (issue
"Hardening"): the transfer and order paths hold no lock per id, so a transaction of thousands of
calls keeps a bounded number of locks and other databases keep accepting connections; and a
session that logs in as vb_app runs under the role's documented bounds."""

from __future__ import annotations

import uuid

import psycopg
import pytest

from pyvb.services.cluster import PrivateCluster
from pyvb.testing.databases import create_template

#: Calls in the misbehaving transaction: the lock table of the private server below has about
#: 64 × (20 + workers) ≈ 2,000 slots, so one lock per call would exhaust it several times over.
CALLS = 6_000


@pytest.fixture(scope="module")
def small_server():
    """A private cluster with a small lock table (few connections), so exhausting it is cheap."""
    with PrivateCluster(settings={"max_connections": "20"}) as cluster:
        yield cluster


def test_thousands_of_calls_in_one_transaction_hold_few_locks(small_server):
    url = create_template(small_server.url(), "vb_hostile")
    issuer, house = uuid.uuid4(), uuid.uuid4()
    customers = [uuid.uuid4() for _ in range(4)]
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD'::text, 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (issuer,))
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'house', 0)", (house,))
        owner = uuid.uuid4()
        conn.execute("SELECT vb_api.create_user(%s, 'hostile')", (owner,))
        for account in customers:
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (account, owner))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 1000000000, 'deposit')",
                (uuid.uuid4(), issuer, account),
            )
        conn.execute("SELECT vb_api.create_security('HOST', 'Hostile', 'VBD', 1, 1, NULL)")
    with psycopg.connect(url) as hostile:
        hostile.execute("SET ROLE vb_app")
        statuses = hostile.execute(
            """SELECT vb_api.create_transfer(gen_random_uuid(), (%(a)s::uuid[])[1 + n %% 4],
                   CASE WHEN n %% 10 = 0 THEN %(house)s ELSE (%(a)s::uuid[])[1 + (n + 1) %% 4] END, 1, 'spam')
               FROM generate_series(1, %(calls)s) AS n""",
            {"a": customers, "house": house, "calls": CALLS},
        ).fetchall()
        assert {s for (s,) in statuses} == {"created"}
        orders = hostile.execute(
            """SELECT o.status || coalesce(':' || o.reject_reason, '') FROM generate_series(1, 500) AS n
               CROSS JOIN LATERAL vb_api.place_order(
                   gen_random_uuid(), %s, 'HOST', 'buy', 1, 'limit', 1, 'gtc') AS o""",
            (customers[0],),
        ).fetchall()
        assert {s for (s,) in orders} == {"new"}
        pid = hostile.info.backend_pid
        with psycopg.connect(url, autocommit=True) as observer:
            held = observer.execute("SELECT count(*) FROM pg_locks WHERE pid = %s", (pid,)).fetchone()[0]
        assert held < 200, f"{held} locks held by one transaction of {CALLS + 500} calls"
        # while it stays open, every database still takes new connections
        for database in ("postgres", "template1", "vb_hostile"):
            with psycopg.connect(small_server.url(database)) as other:
                assert other.execute("SELECT 1").fetchone() == (1,)
        hostile.rollback()


def test_a_vb_app_login_runs_under_the_documented_bounds(small_server):
    url = create_template(small_server.url(), "vb_bounds")
    with psycopg.connect(small_server.url(), autocommit=True) as admin:
        admin.execute("ALTER ROLE vb_app LOGIN")  # this private server's role only
        limit = admin.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'vb_app'").fetchone()[0]
    assert limit == 15, "three quarters of max_connections = 20"
    app_url = url.replace("postgres@", "vb_app@")
    with psycopg.connect(app_url) as app:
        settings = {
            name: app.execute(f"SHOW {name}").fetchone()[0]
            for name in ("statement_timeout", "lock_timeout", "idle_in_transaction_session_timeout")
        }
        assert settings == {
            "statement_timeout": "10s",
            "lock_timeout": "5s",
            "idle_in_transaction_session_timeout": "30s",
        }
        with pytest.raises(psycopg.errors.QueryCanceled):
            app.execute("SELECT pg_sleep(11)")
    with psycopg.connect(url, autocommit=True) as admin:
        public_privileges = admin.execute(
            "SELECT count(*) FROM pg_database AS d, aclexplode(d.datacl) AS a"
            " WHERE d.datname = current_database() AND a.grantee = 0"
        ).fetchone()[0]
        assert public_privileges == 0, "PUBLIC may neither connect nor create temporary objects"
        assert admin.execute(
            "SELECT has_database_privilege('vb_ops', current_database(), 'CONNECT'),"
            " has_database_privilege('vb_readonly', current_database(), 'CONNECT'),"
            " has_database_privilege('vb_app', current_database(), 'TEMPORARY')"
        ).fetchone() == (True, True, False)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), psycopg.connect(app_url) as app:
        app.execute("CREATE TEMP TABLE t (x int)")
    # the bounds are this database's: another database of the server is not touched
    with psycopg.connect(small_server.url("postgres").replace("postgres@", "vb_app@")) as elsewhere:
        assert elsewhere.execute("SHOW statement_timeout").fetchone()[0] == "0"
