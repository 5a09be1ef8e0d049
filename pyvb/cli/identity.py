"""``pyvb users show`` and ``pyvb sessions list|end``: the operator's view of identity, through
``vb_api`` acting as ``vb_admin`` (the login must be a member of it; README "Roles")."""

from __future__ import annotations

import uuid

import click
import psycopg
from rich.table import Table
from rich.text import Text

from pyvb.cli.common import clean_errors, connect_as, console, database_url_option, fail
from pyvb.config import ADMIN_ROLE

USER_COLUMNS = "user_id, handle, display_name, status, roles, created_at"


def connect_as_admin(database_url: str) -> psycopg.Connection:
    return connect_as(database_url, ADMIN_ROLE)


def plain(value: object) -> Text:
    """A player's text (handle, display name, client metadata) shown as is, never as markup."""
    return Text(str(value))


def find_user(conn: psycopg.Connection, who: str) -> tuple:
    """The get_user row of a user id or handle; exits 1 naming ``who`` when nobody is found."""
    try:
        row = conn.execute(f"SELECT {USER_COLUMNS} FROM vb_api.get_user(%s)", (uuid.UUID(who),)).fetchone()
    except ValueError:
        row = conn.execute(f"SELECT {USER_COLUMNS} FROM vb_api.find_user(%s)", (who,)).fetchone()
    if row is None:
        fail(f"no user has the id or handle {who!r}")
    return row


@click.group()
def users() -> None:
    """Players as the store knows them."""


@users.command("show")
@database_url_option
@click.argument("who")
@clean_errors
def users_show(database_url, who):
    """A user by id or handle (compared as handles are: case-insensitive, NFKC): status, roles,
    live sessions."""
    with connect_as_admin(database_url) as conn:
        user_id, handle, display_name, status, roles, created_at = find_user(conn, who)
        live = conn.execute(
            "SELECT count(*) FILTER (WHERE status = 'valid') FROM vb_api.list_sessions(%s, FALSE, 1000)",
            (user_id,),
        ).fetchone()[0]
    table = Table(show_header=False, title=Text(f"user {handle}"))
    for name, value in (
        ("user id", str(user_id)),
        ("handle", handle),
        ("display name", display_name or "-"),
        ("status", status),
        ("roles", ", ".join(roles)),
        ("created", f"{created_at:%Y-%m-%d %H:%M:%S %Z}"),
        ("live sessions", f"{live:,}" if live < 1000 else "1,000 or more"),
    ):
        table.add_row(name, plain(value))
    console.print(table)


@click.group()
def sessions() -> None:
    """Players' sessions: list them, end them."""


@sessions.command("list")
@database_url_option
@click.option("--user", "who", required=True, help="User id or handle.")
@click.option("--all", "include_ended", is_flag=True, help="Include ended sessions (kept 90 days).")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000))
@clean_errors
def sessions_list(database_url, who, include_ended, limit):
    """A user's sessions, newest first (vb_api.list_sessions); tokens are never shown (the store
    does not keep them)."""
    with connect_as_admin(database_url) as conn:
        user_id, handle, *_ = find_user(conn, who)
        rows = conn.execute(
            "SELECT session_id, status, created_at, expires_at, ended_at, end_reason, client "
            "FROM vb_api.list_sessions(%s, %s, %s)",
            (user_id, include_ended, limit),
        ).fetchall()
    table = Table(
        title=Text(f"sessions of {handle} ({'all' if include_ended else 'not ended'}, newest first)")
    )
    for column in ("session id", "status", "started", "expires", "ended", "reason", "client"):
        table.add_column(column)
    for session_id, status, created_at, expires_at, ended_at, end_reason, client in rows:
        table.add_row(
            str(session_id),
            status,
            f"{created_at:%Y-%m-%d %H:%M:%S}",
            f"{expires_at:%Y-%m-%d %H:%M:%S}",
            "-" if ended_at is None else f"{ended_at:%Y-%m-%d %H:%M:%S}",
            end_reason or "-",
            plain(", ".join(f"{k}={v}" for k, v in sorted(client.items()))[:60] or "-"),
        )
    console.print(table)
    console.print(f"{len(rows):,} session(s)")


@sessions.command("end")
@database_url_option
@click.argument("session_id", required=False, type=click.UUID)
@click.option("--user", "who", help="End every live session of this user (id or handle).")
@clean_errors
def sessions_end(database_url, session_id, who):
    """End one session (vb_api.end_session) or every live session of a user
    (vb_api.end_user_sessions). The relay then drops them from the session cache."""
    if (session_id is None) == (who is None):
        fail("name either a SESSION_ID or --user")
    with connect_as_admin(database_url) as conn, conn.transaction():
        conn.execute("SELECT vb_api.set_request_context('pyvb sessions end')")  # for the audit trail
        if session_id is not None:
            status = conn.execute("SELECT vb_api.end_session(%s)", (session_id,)).fetchone()[0]
            console.print(f"session {session_id}: {status}")
            if status == "not_found":
                raise SystemExit(1)
            return
        user_id, handle, *_ = find_user(conn, who)
        ended = conn.execute("SELECT vb_api.end_user_sessions(%s)", (user_id,)).fetchone()[0]
    console.print(f"{handle}: {ended:,} session(s) ended")
