"""The operator commands work with the least role the docs name (docs/operations.md, Roles),
through login roles that are members of that role and of nothing else — never a superuser:
the relay, relay status, maintenance with archival, maintenance status, verify and the audit
chain as `vb_ops`; a login that is not a member is told so in one line."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import psycopg
import pytest

from pyvb.bench.history import write_history
from pyvb.testing import run_pyvb


def login_url(url: str, login: str) -> str:
    return urlsplit(url)._replace(netloc=f"{login}@{urlsplit(url).hostname}:{urlsplit(url).port}").geturl()


def pyvb_at(url: str, *command: str, timeout_s: float = 300):
    """``pyvb COMMAND --database-url URL`` (the relay group's options come before its subcommand)."""
    where = ["--database-url", url]
    args = [command[0], *where, *command[1:]] if command[0] == "relay" else [*command, *where]
    return run_pyvb(*args, timeout_s=timeout_s)


@pytest.fixture
def logins(test_db_url):
    """{'vb_ops': URL, 'stranger': URL}: fresh login roles (dropped afterwards)."""
    suffix = uuid.uuid4().hex[:8]
    made = {"vb_ops": f"vb_test_ops_{suffix}", "stranger": f"vb_test_stranger_{suffix}"}
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {made['vb_ops']} LOGIN IN ROLE vb_ops")
        conn.execute(f"CREATE ROLE {made['stranger']} LOGIN")
    try:
        yield {role: login_url(test_db_url, login) for role, login in made.items()}
    finally:
        with psycopg.connect(test_db_url, autocommit=True) as conn:
            for login in made.values():
                conn.execute(f"DROP ROLE {login}")


def test_the_operator_commands_run_as_a_login_that_is_only_a_member_of_vb_ops(
    test_db_url, logins, tmp_path, redis_url
):
    write_history(test_db_url, accounts=4, transfers_per_month=20)
    with psycopg.connect(test_db_url, autocommit=True) as conn:  # a short retention: months leave
        conn.execute(
            "UPDATE vb.partition_policies SET retention = '6 months'"
            " WHERE parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass)"
        )
        conn.execute("SELECT vb_api.create_asset('XAU', 2::smallint)")  # an event for the relay
    for command in (
        ["relay", "--no-kafka", "--redis-url", redis_url, "--until-idle"],
        ["relay", "status"],
        ["maintain", "run", "--archive-dir", str(tmp_path)],
        ["maintain", "status"],
        ["verify"],
        ["audit", "chain"],
        ["audit", "verify"],
        ["metrics", "collect"],
    ):
        result = pyvb_at(logins["vb_ops"], *command)
        assert result.returncode == 0, f"{command}: {result.stdout[-800:]}{result.stderr[-800:]}"
    manifests = list(tmp_path.rglob("*.manifest.json"))
    assert manifests, "the pass archived the months past retention as vb_ops"
    with psycopg.connect(test_db_url) as conn:
        delivered = conn.execute(
            "SELECT delivered_events FROM vb_ops.relay_status() WHERE sink = 'redis'"
        ).fetchone()
    assert delivered and delivered[0] > 0


def test_a_login_that_is_not_a_member_of_vb_ops_is_told_so_in_one_line(test_db_url, logins):
    for command in (["relay", "status"], ["maintain", "status"], ["verify"], ["audit", "verify"]):
        result = pyvb_at(logins["stranger"], *command)
        assert result.returncode == 1, command
        assert "not a member of vb_ops" in result.stderr and "Traceback" not in result.stderr, command
    relay = pyvb_at(logins["stranger"], "relay", "--no-kafka", "--until-idle", timeout_s=60)
    assert relay.returncode == 1 and "not a member of vb_ops" in relay.stderr
