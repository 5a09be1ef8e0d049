"""``pyvb dev``: checks for developers of this project (``mutate``)."""

from __future__ import annotations

import sys

import click
from rich.table import Table

from pyvb.cli.common import (
    console,
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
