"""The ``pyvb`` command line: one module per command group, the shared options in ``common``."""

from __future__ import annotations

import click

from pyvb.cli import audit, backup, bench, db, demo, dev, identity, ingest, maintain, metrics, relay, replica


@click.group()
@click.version_option(package_name="pyvb")
def main() -> None:
    """VirtualBank data store core: deploy, verify, relay, maintain, benchmark."""


for command in (
    db.db,
    db.verify,
    bench.bench,
    relay.relay,
    ingest.ingest,
    maintain.maintain,
    maintain.archive,
    identity.users,
    identity.sessions,
    audit.audit,
    metrics.metrics,
    replica.replica,
    backup.backup,
    demo.demo,
    dev.dev,
):
    main.add_command(command)
