"""``pyvb audit chain|verify|show``: the audit trail's hash chain and its records (contract
audit.md). ``chain`` and ``verify`` call ``vb_ops`` as the login; ``show`` reads
``vb_api.audit_trail`` acting as ``vb_admin``."""

from __future__ import annotations

import re
import sys

import click
from rich.table import Table
from rich.text import Text

from pyvb.cli.common import clean_errors, connect_as, console, database_url_option, fail
from pyvb.config import ADMIN_ROLE, OPS_ROLE

HEAD_SQL = "SELECT seq, chain_sha256, chained_at FROM vb_ops.audit_chain_head()"


@click.group()
def audit() -> None:
    """The audit trail: who changed what, hash-chained."""


@audit.command("chain")
@database_url_option
@clean_errors
def audit_chain(database_url):
    """Link the records of finished transactions into the hash chain (vb_ops.chain_audit; also a
    step of `pyvb maintain run`) and print the head, which an operator may keep elsewhere."""
    with connect_as(database_url, OPS_ROLE) as conn:
        linked = conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0]
        seq, head, _ = conn.execute(HEAD_SQL).fetchone()
    console.print(f"{linked:,} record(s) linked; head: link {seq:,}, sha256 {head}")


def parse_anchor(_ctx, _param, values) -> list[tuple[int, str]]:
    anchors = []
    for value in values:
        match = re.fullmatch(r"([1-9][0-9]{0,17}):([0-9a-fA-F]{64})", value.strip())
        if match is None:
            raise click.BadParameter(f"{value[:80]!r}: expected LINK:SHA256 (a link number, 64 hex digits)")
        anchors.append((int(match[1]), match[2].lower()))
    return anchors


def anchor_checks(conn, anchors) -> list[tuple[str, bool, str]]:
    """One check per anchor: the chain hash at its link, now, against the one kept outside."""
    checks = []
    for seq, expected in anchors:
        found = conn.execute("SELECT vb_ops.audit_chain_hash_at(%s)", (seq,)).fetchone()[0]
        if found is None:
            detail = f"the chain has no link {seq}: cut off, or not reached"
        elif found != expected:
            detail = f"link {seq} differs from the anchor: the chain was rewritten at or before it"
        else:
            detail = f"link {seq} matches the anchor kept outside"
        checks.append((f"anchor {seq}", found == expected, detail))
    return checks


@audit.command("verify")
@database_url_option
@click.option(
    "--anchor",
    multiple=True,
    callback=parse_anchor,
    metavar="LINK:SHA256",
    help="A head printed earlier by `audit chain`/`audit verify` and kept outside the database; the "
    "chain must still hold that hash at that link (repeatable).",
)
@clean_errors
def audit_verify(database_url, anchor):
    """Check the trail against its chain (vb_ops.verify_audit): an edited, deleted or inserted
    record, or a cut-off tail, fails naming the first broken record; with --anchor, so does a
    chain rewritten whole (links recomputed) before a head kept elsewhere. Exit 1 then."""
    with connect_as(database_url, OPS_ROLE) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")  # the head verified
        rows = conn.execute("SELECT check_name, ok, detail FROM vb_ops.verify_audit()").fetchall()
        rows += anchor_checks(conn, anchor)
        seq, head, chained_at = conn.execute(HEAD_SQL).fetchone()
    table = Table(title="verify_audit")
    for column in ("check", "ok", "detail"):
        table.add_column(column)
    for name, ok, detail in rows:
        table.add_row(name, "ok" if ok else "[red]FAILED[/red]", Text(detail))
    table.caption = f"head: link {seq:,}, sha256 {head}, chained {chained_at:%Y-%m-%d %H:%M:%S %Z}"
    console.print(table)
    if not all(ok for _, ok, _ in rows):
        sys.exit(1)


@audit.command("show")
@database_url_option
@click.option("--request-id", help="The middleware's request id.")
@click.option("--actor", type=click.UUID, help="The player or staff member's user id.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1, 1000))
@clean_errors
def audit_show(database_url, request_id, actor, since, limit):
    """Audit records, newest first (vb_api.audit_trail, acting as vb_admin); the filters given
    all apply. --since is read in the server's time zone."""
    if request_id is not None and len(request_id) > 128:
        fail("--request-id: at most 128 characters")
    with connect_as(database_url, ADMIN_ROLE) as conn:
        rows = conn.execute(
            "SELECT audit_id, recorded_at, db_role, request_id, actor_user_id, function_name, arguments,"
            " outcome, chain_seq FROM vb_api.audit_trail(%s, %s, %s::timestamp, %s)",
            (actor, request_id, since, limit),
        ).fetchall()
    table = Table(title="audit trail (newest first)")
    for column in ("id", "at", "role", "request", "actor", "function", "arguments", "outcome", "link"):
        table.add_column(column)
    for audit_id, at, role, request, actor_id, function, arguments, outcome, seq in rows:
        table.add_row(
            str(audit_id),
            f"{at:%Y-%m-%d %H:%M:%S}",
            Text(role),
            Text(request or "-"),
            str(actor_id or "-"),
            function,
            Text(str(arguments)[:80]),
            Text(str(outcome)[:60]),
            "-" if seq is None else str(seq),
        )
    console.print(table)
    console.print(f"{len(rows):,} record(s)")
