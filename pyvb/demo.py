"""``pyvb demo``: deploy the database, seed it, and show what is there."""

from __future__ import annotations

import psycopg
from rich.console import Console
from rich.table import Table

from pyvb.deploy import Deployer

SUMMARY_SQL = """
SELECT n.nspname, count(p.oid)
FROM pg_namespace AS n LEFT JOIN pg_proc AS p ON p.pronamespace = n.oid
WHERE n.nspname IN ('vb', 'vb_api', 'vb_ops', 'vb_report')
GROUP BY n.nspname ORDER BY n.nspname
"""


def run(database_url: str, console: Console) -> None:
    deployer = Deployer(database_url)
    report = deployer.migrate()
    console.print(
        f"deployed: {len(report.migrations_applied)} migration(s), "
        f"{len(report.repeatables_applied)} repeatable file(s)"
    )
    seeded = deployer.seed()
    console.print(f"seeded: {len(seeded)} file(s)")
    table = Table(title="schemas")
    table.add_column("schema")
    table.add_column("functions", justify="right")
    with psycopg.connect(database_url) as conn:
        for schema, count in conn.execute(SUMMARY_SQL):
            table.add_row(schema, str(count))
    console.print(table)
