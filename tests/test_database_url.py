"""Every command that touches a database acts on the one its --database-url names: with the
default (VB_DATABASE_URL) pointing at a server that does not exist, each command given another
database's URL still works — a command that fell back on the default would fail to connect.
The list of such commands is read from the CLI itself, so a new one must be added here (run or
skipped with its reason)."""

from __future__ import annotations

import os
import uuid

import click
import psycopg

from pyvb.cli import main
from pyvb.services.tansu import free_port
from pyvb.testing import run_pyvb

#: command → arguments after the URL (the URL goes where the command takes it) and what its
#: output must show (a sign it reached the named database, not merely that it did not crash)
RUN = {
    "db migrate": ([], 0, "nothing to apply"),
    "db status": ([], 0, "migrations applied"),
    "db seed": ([], 0, "loaded"),
    "db unlock": ([], 0, ""),
    "db rollback": (["--count", "1"], 1, "holds transfers"),  # the ledger holds one: refused
    "verify": ([], 0, "verify_ledger"),
    "relay status": ([], 0, "relay progress"),
    "relay forget-sink": (["no-such-sink"], 1, "no sink named 'no-such-sink'"),
    "maintain run": ([], 0, "maintenance pass: ok"),
    "maintain status": ([], 0, "partition health"),
    "users show": (["nobody-here"], 1, "nobody-here"),
    "sessions list": (["--user", "nobody-here"], 1, "nobody-here"),
    "sessions end": ([str(uuid.UUID(int=1))], 1, "not_found"),
    "audit chain": ([], 0, "head: link"),
    "audit verify": ([], 0, "head"),
    "audit show": ([], 0, "audit"),
    "metrics collect": ([], 0, "sample(s) stored"),
    "replica status": ([], 0, "0 replica(s)"),
    "backup status": ([], None, "archiv"),  # WAL archiving is off here: it says so, exit 1
    "dev api-doc": (["--check"], 0, "up to date"),
}
#: commands not run here, each for its reason
SKIPPED = {
    "relay": "runs until SIGTERM; tests/test_roles_cli.py runs it --until-idle on a login's URL",
    "ingest quotes": "reaches the database only once Kafka delivers; tests/test_ingest.py names its URL",
    "maintain loop": "runs until SIGTERM; tests/test_maintain.py runs it on its URL",
    "archive restore": "needs an archive; tests/test_maintain.py restores into the URL it names",
    "metrics serve": "runs until SIGTERM; tests/test_metrics.py scrapes it on its URL",
    "backup configure": "turns WAL archiving on (a restart): tests/test_backup.py on a private cluster",
    "backup restore-drill": "needs a pgBackRest repository: tests/test_backup.py on a private cluster",
    "demo": "deploys, trades and drops copies: tests/test_cli_ledger.py runs it on a fresh URL",
    "bench ledger": "scratch databases on the URL's server: tests/test_bench.py",
    "bench trading": "scratch databases on the URL's server: tests/test_bench.py",
    "bench relay": "scratch databases on the URL's server: tests/test_bench.py",
    "bench maintain": "scratch databases on the URL's server: tests/test_bench.py",
    "bench sessions": "scratch databases on the URL's server: tests/test_bench.py",
    "bench audit": "scratch databases on the URL's server: tests/test_bench.py",
}


def commands_taking_a_database_url(command: click.Command = main, path: tuple[str, ...] = ()) -> set[str]:
    found = set()
    if path and any(p.name == "database_url" for p in command.params):
        found.add(" ".join(path))
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found |= commands_taking_a_database_url(sub, (*path, name))
    return found


def test_every_command_with_a_database_url_is_run_here_or_skipped_for_a_reason():
    assert commands_taking_a_database_url() == set(RUN) | set(SKIPPED)


def test_each_command_acts_on_the_database_it_is_given_never_the_default(test_db_url):
    from pyvb.bench.history import write_history

    write_history(test_db_url, accounts=2, transfers_per_month=1)
    nowhere = f"postgresql://postgres@127.0.0.1:{free_port()}/virtualbank"  # the default: no server
    env = dict(os.environ, VB_DATABASE_URL=nowhere)
    failures = []
    for command, (extra, code, shown) in RUN.items():
        words = command.split()
        result = run_pyvb(*words, "--database-url", test_db_url, *extra, env=env)
        output = result.stdout + result.stderr
        if (code is not None and result.returncode != code) or shown not in output or "Traceback" in output:
            failures.append(f"pyvb {command}: exit {result.returncode}: {output[-400:]}")
        if "127.0.0.1:" + nowhere.split(":")[2].split("/")[0] in output:
            failures.append(f"pyvb {command} tried the default database")
    assert failures == []
    with psycopg.connect(test_db_url) as conn:  # and the commands' traces are in the named one
        assert conn.execute("SELECT count(*) FROM vb_ops.last_maintenance_run()").fetchone()[0] == 1
