"""``pyvb dev``: tools for developers of this project (``mutate``, ``drill``, ``api-doc``)."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from pyvb.cli.common import (
    clean_errors,
    console,
    database_url_option,
    fail,
)


@click.group()
def dev() -> None:
    """Checks for developers of this project (not for operators)."""


@dev.command("mutate")
@click.option("--only", "names", multiple=True, help="Run only this mutant (repeatable); default: all.")
@click.option("--profile", default="mutate", show_default=True, help="Hypothesis profile of the model tests.")
@click.option("--timeout-s", default=900.0, show_default=True, type=click.FloatRange(1), help="Per mutant.")
@click.option("--list", "list_only", is_flag=True, help="List the mutants and exit.")
def dev_mutate(names, profile, timeout_s, list_only) -> None:
    """Mutation check of the matching, settlement and transfer-check SQL: each mutant is applied
    to a copy of the project and its tests run there; exits 1 when a mutant survives (or the
    unmutated copy fails its tests)."""
    from pyvb.mutate import BASELINE, MUTANTS, run_mutant

    unknown = set(names) - {m.name for m in MUTANTS}
    if unknown:
        fail(f"unknown mutant(s): {', '.join(sorted(unknown))}; see --list")
    chosen = [m for m in MUTANTS if not names or m.name in names]
    table = Table(title="mutants")
    for column in ("mutant", "file", "what it breaks", "outcome", "seconds"):
        table.add_column(column)
    if list_only:
        for mutant in chosen:
            table.add_row(mutant.name, mutant.path, mutant.what, "", "")
        console.print(table)
        return
    baseline = run_mutant(BASELINE, profile, timeout_s)
    if baseline.exit_code != 0:
        fail(f"the unmutated copy does not pass its tests: {baseline.detail}")
    survivors = 0
    for mutant in chosen:
        result = run_mutant(mutant, profile, timeout_s)
        survivors += not result.killed
        outcome = "killed" if result.killed else "[red]SURVIVED[/red]"
        table.add_row(mutant.name, mutant.path, mutant.what, outcome, f"{result.seconds:.0f}")
        console.print(f"{mutant.name}: {'killed' if result.killed else 'SURVIVED'} ({result.detail})")
        sys.stdout.flush()
    console.print(table)
    console.print(f"{len(chosen) - survivors} killed, {survivors} survived")
    sys.exit(1 if survivors else 0)


@dev.command("drill")
@click.option(
    "--seconds", default=10, show_default=True, type=click.IntRange(1, 600), help="Trading before T."
)
def dev_drill(seconds) -> None:
    """`make drill`: the operations capabilities end to end on clusters of its own (removed
    afterwards): a primary with WAL archiving into a pgBackRest repository and a full backup, a hot
    standby, the demo's trading session, a target time T, more transfers; then `pyvb replica
    status`, `pyvb backup status` and `pyvb backup restore-drill --target-time T` (RPO, RTO for
    the demo's database). Exit 1 when a step fails."""
    import shutil
    import subprocess
    import tempfile
    import time
    from pathlib import Path

    import psycopg

    from pyvb.backup import BackupError, archive_current_segment
    from pyvb.services.cluster import PrivateCluster

    def pyvb(*args: str, quiet: bool = False) -> None:
        console.print(f"$ pyvb {' '.join(args)}")
        result = subprocess.run([sys.executable, "-m", "pyvb.cli", *args], capture_output=quiet, text=True)
        if result.returncode != 0:
            fail(f"pyvb {args[0]} {args[1]} failed" + (f": {result.stderr.strip()[-300:]}" if quiet else ""))

    repo = Path(tempfile.mkdtemp(prefix="vb-drill-repo-"))
    primary = PrivateCluster(settings={"max_connections": "60"}).init().start()
    standby = None
    try:
        with psycopg.connect(primary.url(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE virtualbank")
        url = primary.url("virtualbank")
        options = ["--database-url", url]
        pyvb("db", "migrate", *options, quiet=True)
        pyvb("backup", "configure", *options, "--repo", str(repo))
        primary.restart()
        pyvb("backup", "run", "--type", "full", "--repo", str(repo))
        standby = primary.standby(name="drill-standby")
        standby.start()
        pyvb("demo", *options, "--seconds", str(seconds), "--no-relay", quiet=True)
        with psycopg.connect(url, autocommit=True) as conn:
            target = conn.execute("SELECT clock_timestamp()").fetchone()[0]
            time.sleep(0.5)
            conn.execute("SELECT vb_api.set_fees(NULL, 1, 2)")  # a change after T: must not come back
            archive_current_segment(conn)
        console.print(f"target time T = {target.isoformat()}")
        pyvb("replica", "status", *options, "--expect", "1")
        pyvb("backup", "status", *options)
        pyvb("backup", "restore-drill", *options, "--repo", str(repo), "--target-time", target.isoformat())
    except BackupError as error:
        fail(str(error))
    finally:
        for cluster in (standby, primary):
            if cluster is not None:
                cluster.destroy()
        shutil.rmtree(repo, ignore_errors=True)


@dev.command("api-doc")
@database_url_option
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when docs/api.md is out of date.")
@clean_errors
def dev_api_doc(database_url, check) -> None:
    """Rewrite the generated reference of docs/api.md (below its marker line) from the catalog of
    DATABASE_URL's deployed schema and the function headers; with --check, only compare."""
    from pyvb.apidoc import API_DOC, api_doc
    from pyvb.config import PROJECT_ROOT

    path = PROJECT_ROOT / API_DOC
    try:
        wanted = api_doc(database_url)
    except ValueError as error:
        fail(str(error))
    if path.read_text(encoding="utf-8") == wanted:
        console.print(f"{API_DOC} is up to date")
        return
    if check:
        fail(f"{API_DOC} is out of date: run 'pyvb dev api-doc' on a database deployed from this tree")
    path.write_text(wanted, encoding="utf-8")
    console.print(f"{API_DOC} rewritten")
