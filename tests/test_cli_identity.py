"""pyvb users show and pyvb sessions list|end against a real database, acting as vb_admin; a
player's text is shown as written, never as markup."""

from __future__ import annotations

import uuid

import psycopg

from pyvb.config import APP_ROLE, acting_as
from pyvb.testing import run_pyvb as run_cli


def test_an_operator_finds_a_user_lists_and_ends_their_sessions(test_db_url):
    user_id = uuid.uuid4()
    with psycopg.connect(acting_as(test_db_url, APP_ROLE), autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_user(%s, 'alice', '[bold]Alice[/]')", (user_id,))
        sessions = [
            conn.execute(
                "SELECT session_id FROM vb_api.start_session(%s, 600, %s)",
                (user_id, '{"ip": "10.1.2.3", "ua": "[/]"}'),
            ).fetchone()[0]
            for _ in range(3)
        ]
    url = ["--database-url", test_db_url]
    shown = run_cli("users", "show", "ALICE", *url)
    assert shown.returncode == 0, shown.stderr
    assert str(user_id) in shown.stdout and "[bold]Alice[/]" in shown.stdout and "player" in shown.stdout
    assert run_cli("users", "show", str(user_id), *url).stdout == shown.stdout, "by id as by handle"

    listed = run_cli("sessions", "list", "--user", "alice", *url)
    assert listed.returncode == 0, listed.stderr
    assert all(str(s) in listed.stdout for s in sessions) and "ip=10.1.2.3, ua=[/]" in listed.stdout

    ended = run_cli("sessions", "end", str(sessions[0]), *url)
    assert ended.returncode == 0 and "ended" in ended.stdout
    assert run_cli("sessions", "end", str(sessions[0]), *url).stdout.strip().endswith("already_ended")
    assert run_cli("sessions", "end", str(uuid.uuid4()), *url).returncode == 1, "not_found exits 1"
    all_ended = run_cli("sessions", "end", "--user", str(user_id), *url)
    assert all_ended.returncode == 0 and "2 session(s) ended" in all_ended.stdout
    after = run_cli("sessions", "list", "--user", "alice", "--all", *url)
    assert after.stdout.count("all_ended") == 2 and "1 session(s)" not in after.stdout
    assert "0 session(s)" in run_cli("sessions", "list", "--user", "alice", *url).stdout


def test_unknown_users_and_bad_arguments_are_one_line_errors(test_db_url):
    url = ["--database-url", test_db_url]
    for args in (
        ("users", "show", "nobody"),
        ("users", "show", "x" * 10_000),
        ("sessions", "list", "--user", "nobody"),
    ):
        result = run_cli(*args, *url)
        assert result.returncode == 1 and result.stderr.startswith("error: no user has"), result.stderr
    both = run_cli("sessions", "end", str(uuid.uuid4()), "--user", "alice", *url)
    assert both.returncode == 1 and "either a SESSION_ID or --user" in both.stderr


def test_a_login_that_is_not_vb_admin_is_told_so(test_db_url):
    login = f"vb_test_nobody_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {login} LOGIN")
    try:
        url = test_db_url.replace("postgres@", f"{login}@", 1)
        result = run_cli("users", "show", "alice", "--database-url", url)
        assert result.returncode == 1 and "not a member of vb_admin" in result.stderr, result.stderr
    finally:
        with psycopg.connect(test_db_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {login}")
