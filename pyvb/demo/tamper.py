"""The demo's tampering step (contract audit.md): on a copy of the demo's database, never the demo's
own data, rewrite the audit record of the ACME halt the way an insider with the owner's rights
would (the guards switched off) and show ``vb_ops.verify_audit`` naming it; the copy is dropped."""

from __future__ import annotations

import uuid

import psycopg
from psycopg import sql
from rich.console import Console

from pyvb.config import database_name, with_database
from pyvb.logs import one_line


def tamper_with_a_copy(database_url: str, console: Console, request_id: str) -> bool:
    """Copy the database (CREATE DATABASE … TEMPLATE), turn the halt's record into one that halted
    nothing, verify the copy, drop it. True when verification caught the edit; a copy that could
    not be made (another session on the database) is reported and skipped."""
    copy_name = f"{database_name(database_url)}_tamper_{uuid.uuid4().hex[:8]}"
    server = with_database(database_url, "postgres")
    with psycopg.connect(server, autocommit=True) as admin:
        try:
            admin.execute(
                sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                    sql.Identifier(copy_name), sql.Identifier(database_name(database_url))
                )
            )
        except psycopg.Error as error:
            console.print(f"[yellow]tampering step skipped[/yellow]: no copy made: {one_line(error)}")
            return False
        try:
            with psycopg.connect(with_database(database_url, copy_name)) as copy:
                copy.execute("SET session_replication_role = replica")  # the owner's way around the guards
                edited = copy.execute(
                    "UPDATE vb.event_audit SET arguments = jsonb_set(arguments, '{state,new}', '\"active\"')"
                    " WHERE request_id = %s AND arguments -> 'state' ->> 'new' = 'halted' RETURNING audit_id",
                    (request_id,),
                ).fetchone()
                failed = [
                    (name, detail)
                    for name, ok, detail in copy.execute("SELECT * FROM vb_ops.verify_audit()")
                    if not ok
                ]
                copy.commit()
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(copy_name)))
    console.print(
        f"on a copy ({copy_name}, dropped since): audit record {edited[0]} rewritten to a halt that "
        "halted nothing, guards off"
    )
    for name, detail in failed:
        console.print(f"  verify_audit on the copy: {name} [red]FAILED[/red]: {detail}")
    caught = any(name == "chain" for name, _ in failed)
    console.print("the tampering was caught" if caught else "[red]the tampering was NOT caught[/red]")
    return caught
