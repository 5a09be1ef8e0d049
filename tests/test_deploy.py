"""The deploy runner against a real PostgreSQL: idempotence, edits, failures, concurrency."""

from __future__ import annotations

import shutil
import threading

import psycopg
import pytest

from pyvb.config import PROJECT_ROOT
from pyvb.deploy import Deployer, DeployError
from pyvb.layout import CREATES_FUNCTION, repeatable_files
from pyvb.testing import run_pyvb as run_cli


@pytest.fixture
def project_copy(tmp_path):
    """A copy of the deployable tree that a test may edit."""
    for folder in ("migrations", "procedures", "sql"):
        shutil.copytree(PROJECT_ROOT / folder, tmp_path / folder)
    return tmp_path


def history_count(url: str) -> int:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT count(*) FROM vb_deploy.deploy_history").fetchone()[0]


LAYER_SCHEMA = {"internal": "vb", "ops": "vb_ops", "api": "vb_api"}


def test_each_function_file_creates_one_function_named_after_it_in_its_layers_schema():
    checked = 0
    for repeatable in repeatable_files():
        layer, file_name = repeatable.path.split("/")[2:]
        created = CREATES_FUNCTION.findall(repeatable.text)
        if layer in ("views", "triggers", "grants"):
            assert not created, f"{repeatable.path}: functions belong in internal/, ops/ or api/"
            continue
        assert created == [f"{LAYER_SCHEMA[layer]}.{file_name.removesuffix('.sql')}"], repeatable.path
        header = repeatable.text.removeprefix("-- CALL ").removeprefix("-- ")  # CALL: a procedure
        assert header.startswith(f"{created[0]}("), f"{repeatable.path}: its header names the function"
        checked += 1
    assert checked > 90


def test_migrate_twice_applies_nothing_the_second_time(fresh_url):
    first = Deployer(fresh_url).migrate()
    assert first.migrations_applied, "a fresh database gets every migration"
    assert len(first.repeatables_applied) == len(repeatable_files())
    second = Deployer(fresh_url).migrate()
    assert second.nothing_applied


def test_editing_one_procedure_reapplies_exactly_that_file(fresh_url, project_copy):
    probe = project_copy / "procedures" / "99_probe" / "internal" / "probe_value.sql"
    probe.parent.mkdir(parents=True)
    probe.write_text(
        "CREATE OR REPLACE FUNCTION vb.probe_value() RETURNS integer LANGUAGE sql AS 'SELECT 1';\n"
    )
    Deployer(fresh_url, project_copy).migrate()
    probe.write_text(
        "CREATE OR REPLACE FUNCTION vb.probe_value() RETURNS integer LANGUAGE sql AS 'SELECT 2';\n"
    )
    report = Deployer(fresh_url, project_copy).migrate()
    assert report.migrations_applied == []
    assert report.repeatables_applied == ["procedures/99_probe/internal/probe_value.sql"]
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT vb.probe_value()").fetchone()[0] == 2
        owner = conn.execute(
            "SELECT pg_get_userbyid(proowner) FROM pg_proc WHERE proname = 'probe_value'"
        ).fetchone()[0]
    assert owner == "vb_owner", "repeatable files run as the owner role"


def test_broken_procedure_fails_naming_the_file_and_changes_nothing(fresh_url, project_copy):
    Deployer(fresh_url, project_copy).migrate()
    before = history_count(fresh_url)
    good = project_copy / "procedures" / "99_probe" / "internal" / "a_good.sql"
    good.parent.mkdir(parents=True)
    good.write_text("CREATE FUNCTION vb.probe_good() RETURNS integer LANGUAGE sql AS 'SELECT 1';\n")
    broken = project_copy / "procedures" / "99_probe" / "internal" / "b_broken.sql"
    broken.write_text("CREATE FUNCTION vb.probe_broken() RETURNS integer LANGUAGE sql AS 'SELECT nope';\n")
    with pytest.raises(DeployError) as raised:
        Deployer(fresh_url, project_copy).migrate()
    message = str(raised.value)
    assert "procedures/99_probe/internal/b_broken.sql: vb.probe_broken:" in message
    assert "nope" in message and "\n" not in message
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT to_regprocedure('vb.probe_good()')").fetchone()[0] is None
    assert history_count(fresh_url) == before


def test_a_function_may_call_one_of_a_later_file_and_a_file_outside_the_layout_is_refused(
    fresh_url, project_copy
):
    folder = project_copy / "procedures" / "99_probe" / "internal"
    folder.mkdir(parents=True)
    (folder / "a_caller.sql").write_text(
        "CREATE OR REPLACE FUNCTION vb.probe_caller() RETURNS integer LANGUAGE sql"
        " AS 'SELECT vb.probe_callee() + 1';\n"
    )
    (folder / "b_callee.sql").write_text(
        "CREATE OR REPLACE FUNCTION vb.probe_callee() RETURNS integer LANGUAGE sql AS 'SELECT 41';\n"
    )
    Deployer(fresh_url, project_copy).migrate()
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT vb.probe_caller()").fetchone()[0] == 42
    stray = project_copy / "procedures" / "probe" / "stray.sql"
    stray.parent.mkdir()
    stray.write_text("SELECT 1;\n")
    with pytest.raises(DeployError, match=r"^procedures/probe/stray.sql: not in procedures/NN_domain/"):
        Deployer(fresh_url, project_copy).migrate()


def test_broken_migration_leaves_the_database_unchanged(fresh_url, project_copy):
    (project_copy / "migrations" / "9998_ok.sql").write_text("CREATE TABLE vb.probe_ok (id integer);\n")
    (project_copy / "migrations" / "9999_broken.sql").write_text("CREATE TABLE vb.probe_bad (id nonsense);\n")
    with pytest.raises(DeployError, match=r"migrations/9999_broken.sql: \[42704\]"):
        Deployer(fresh_url, project_copy).migrate()
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT to_regnamespace('vb')").fetchone()[0] is None, "nothing applied"


def test_second_database_in_the_same_cluster_deploys(fresh_url, pg_server_url, template_db):
    # template_db already created the cluster-wide roles; this database must deploy beside it
    report = Deployer(fresh_url).migrate()
    assert report.migrations_applied
    with psycopg.connect(fresh_url) as conn:
        owner = conn.execute(
            "SELECT nspowner::regrole::text FROM pg_namespace WHERE nspname = 'vb'"
        ).fetchone()
    assert owner == ("vb_owner",)


def test_concurrent_deploys_serialise(fresh_url):
    Deployer(fresh_url).migrate()  # creates the database; both racers then see it
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("DELETE FROM vb_deploy.repeatable_file")  # everything is pending again
    reports, errors = [], []
    barrier = threading.Barrier(2)

    def deploy():
        barrier.wait()
        try:
            reports.append(Deployer(fresh_url).migrate())
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=deploy) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == []
    applied = sorted(len(r.repeatables_applied) for r in reports)
    assert applied == [0, len(repeatable_files())], "one deploy applies, the other finds nothing"


def test_first_deploys_of_two_databases_on_a_new_server_do_not_race_on_its_roles():
    """Roles belong to the server: two databases deployed at once on a server that has none yet
    (a new machine's first test run, two workers) both end deployed, each role made once."""
    from pyvb.services.cluster import PrivateCluster

    with PrivateCluster() as cluster:
        urls = [cluster.url(f"racer_{n}") for n in range(2)]
        errors: list[BaseException] = []
        barrier = threading.Barrier(2)

        def deploy(url):
            barrier.wait()
            try:
                Deployer(url).migrate()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)

        threads = [threading.Thread(target=deploy, args=(url,)) for url in urls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        for url in urls:
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT count(*) FROM vb_deploy.repeatable_file").fetchone()[0] > 0
                limit = conn.execute("SELECT rolconnlimit FROM pg_roles WHERE rolname = 'vb_app'").fetchone()
                assert limit[0] > 0


def test_rollback_then_migrate_restores(fresh_url, project_copy):
    (project_copy / "migrations" / "9999_probe.sql").write_text("CREATE TABLE vb.probe_t (id integer);\n")
    (project_copy / "migrations" / "9999_probe.rollback.sql").write_text("DROP TABLE vb.probe_t;\n")
    Deployer(fresh_url, project_copy).migrate()
    assert Deployer(fresh_url, project_copy).rollback(1) == ["migrations/9999_probe.sql"]
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT to_regclass('vb.probe_t')").fetchone()[0] is None
    status = Deployer(fresh_url, project_copy).status()
    assert status.pending_migrations == ["migrations/9999_probe.sql"]
    report = Deployer(fresh_url, project_copy).migrate()
    assert report.migrations_applied == ["migrations/9999_probe.sql"]
    assert len(report.repeatables_applied) == len(repeatable_files(project_copy))


def test_rolling_back_every_migration_then_migrating_restores_the_schema(fresh_url):
    applied = Deployer(fresh_url).migrate().migrations_applied
    rolled_back = Deployer(fresh_url).rollback(len(applied))
    assert rolled_back == list(reversed(applied))
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT to_regnamespace('vb')").fetchone()[0] is None
    report = Deployer(fresh_url).migrate()
    assert report.migrations_applied == applied
    assert len(report.repeatables_applied) == len(repeatable_files())
    Deployer(fresh_url).seed()
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT bool_and(ok) FROM vb_ops.verify_ledger()").fetchone()[0]


def test_stale_yoyo_lock_is_reported_and_unlock_clears_it(fresh_url):
    Deployer(fresh_url).migrate()
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 424242)")
    assert Deployer(fresh_url).unlock() is True
    assert Deployer(fresh_url).unlock() is False
    assert Deployer(fresh_url).migrate().nothing_applied


def test_seed_is_idempotent(fresh_url):
    Deployer(fresh_url).migrate()

    def reference_data():
        with psycopg.connect(fresh_url) as conn:
            return (
                conn.execute("SELECT asset_code, scale FROM vb.assets ORDER BY 1").fetchall(),
                conn.execute(
                    "SELECT account_id, asset_code, account_kind, balance, version"
                    " FROM vb.accounts ORDER BY 1"
                ).fetchall(),
                conn.execute("SELECT count(*) FROM vb.transfer_ids").fetchone()[0],
            )

    assert Deployer(fresh_url).seed() == ["sql/seed/0001_reference.sql"]
    first = reference_data()
    assert first[0] and first[1], "the seed created the currency and its accounts"
    assert Deployer(fresh_url).seed() == ["sql/seed/0001_reference.sql"]
    assert reference_data() == first, "a second load changes nothing"


def test_cli_cannot_connect_prints_one_line(monkeypatch):
    result = run_cli("db", "migrate", "--database-url", "postgresql://postgres@127.0.0.1:1/nowhere")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot connect")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_cli_migrate_and_status(fresh_url):
    first = run_cli("db", "migrate", "--database-url", fresh_url)
    assert first.returncode == 0, first.stderr
    assert "applied migration migrations/0001_roles_and_schemas.sql" in first.stdout
    second = run_cli("db", "migrate", "--database-url", fresh_url)
    assert "nothing to apply" in second.stdout
    status = run_cli("db", "status", "--database-url", fresh_url)
    assert status.returncode == 0 and "up to date" in status.stdout
    names = sorted(p.stem for p in (PROJECT_ROOT / "migrations").glob("*.sql") if ".rollback" not in p.name)
    assert f"migrations applied: {len(names)}, the last migrations/{names[-1]}.sql" in status.stdout
    assert f"{len(names)}: {names[0]} … {names[-1]}" in status.stdout, "the first deploy, in one row"


def test_cli_seed_unlock_and_rollback_then_migrate(fresh_url):
    assert run_cli("db", "migrate", "--database-url", fresh_url).returncode == 0
    seeded = run_cli("db", "seed", "--database-url", fresh_url)
    assert seeded.returncode == 0 and "sql/seed/0001_reference.sql" in seeded.stdout
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM vb.accounts").fetchone()[0] == 2
        conn.execute("INSERT INTO yoyo_lock (locked, ctime, pid) VALUES (1, now(), 424242)")
    unlocked = run_cli("db", "unlock", "--database-url", fresh_url)
    assert unlocked.returncode == 0
    with psycopg.connect(fresh_url) as conn:
        assert conn.execute("SELECT count(*) FROM yoyo_lock").fetchone()[0] == 0
    last = sorted(p.name for p in (PROJECT_ROOT / "migrations").glob("*.sql") if "rollback" not in p.name)[-1]
    unasked = run_cli("db", "rollback", "--database-url", fresh_url, "--count", "99")
    assert unasked.returncode == 1 and "pass --yes" in unasked.stderr and last in unasked.stdout
    assert Deployer(fresh_url).status().pending_migrations == [], "refused: nothing rolled back"
    rolled = run_cli("db", "rollback", "--database-url", fresh_url, "--count", "1", "--yes")
    assert rolled.returncode == 0 and last in rolled.stdout, rolled.stdout + rolled.stderr
    assert Deployer(fresh_url).status().pending_migrations == [f"migrations/{last}"]
    again = run_cli("db", "migrate", "--database-url", fresh_url)
    assert again.returncode == 0 and f"applied migration migrations/{last}" in again.stdout
    assert run_cli("verify", "--database-url", fresh_url).returncode == 0

    from pyvb.bench.history import write_history

    write_history(fresh_url, accounts=2, transfers_per_month=1)  # the ledger now holds transfers
    held = run_cli("db", "rollback", "--database-url", fresh_url, "--count", "1", "--yes")
    assert held.returncode == 1 and "holds transfers" in held.stderr and "--force" in held.stderr
    assert Deployer(fresh_url).status().pending_migrations == [], "refused: nothing rolled back"
    forced = run_cli("db", "rollback", "--database-url", fresh_url, "--count", "1", "--yes", "--force")
    assert forced.returncode == 0 and last in forced.stdout


def test_migration_0008_makes_account_scope_keys_canonical_the_row_in_force_winning(fresh_url, project_copy):
    migration = project_copy / "migrations" / "0008_canonical_account_scope_keys.sql"
    rollback = migration.with_suffix(".rollback.sql")
    held = migration.read_text(), rollback.read_text()
    migration.unlink()
    rollback.unlink()
    Deployer(fresh_url, project_copy).migrate()
    account = "a0000000-0000-0000-0000-0000000000a1"
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO vb.trading_states (scope, scope_key, trading_state, updated_at) VALUES"
            " ('account', %s, 'reduce_only', now() - interval '1 hour'),"
            " ('account', upper(%s), 'halted', now())",
            (account, account),
        )
        conn.execute(
            "INSERT INTO vb.exposure_limits (scope, scope_key, metric, hard_limit, updated_at) VALUES"
            " ('account', upper(%s), 'order_notional', 5, now() - interval '1 hour'),"
            " ('account', %s, 'order_notional', 7, now()), ('account', upper(%s), 'open_orders', 3, now())",
            (account, account, account),
        )
    migration.write_text(held[0])
    rollback.write_text(held[1])
    assert Deployer(fresh_url, project_copy).migrate().migrations_applied == [
        "migrations/0008_canonical_account_scope_keys.sql"
    ]
    with psycopg.connect(fresh_url) as conn:
        states = conn.execute("SELECT scope_key, trading_state FROM vb.trading_states").fetchall()
        limits = conn.execute(
            "SELECT scope_key, metric, hard_limit FROM vb.exposure_limits ORDER BY 2"
        ).fetchall()
    # the canonical rows were the ones in force and stay; a row only in another spelling takes effect
    assert states == [(account, "reduce_only")]
    assert limits == [(account, "open_orders", 3), (account, "order_notional", 7)]


#: The last commit of main before the layout step (procedures/NN_domain/<layer>/, migration 0010):
#: a database deployed from it must upgrade to exactly what a fresh deploy makes.
RELEASE_BEFORE_LAYOUT = "b69c654"
RELEASE_FOLDERS = ("migrations", "procedures", "sql", "pyvb")

#: A user holding shares of a security, made through the old release's API.
LEGACY_HOLDINGS_SQL = """
SELECT vb_api.create_asset('VBD', 2::smallint);
SELECT vb_api.create_user('00000000-0000-0000-0000-0000000000a1', 'usera1');
SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, NULL);
SELECT vb_api.issue_shares(gen_random_uuid(), 'ACME', '00000000-0000-0000-0000-0000000000a1', 100);
"""

FUNCTIONS_SQL = """
SELECT n.nspname, p.proname, pg_get_function_identity_arguments(p.oid), pg_get_function_result(p.oid),
    l.lanname, p.prosecdef, p.provolatile, p.proconfig, pg_get_userbyid(p.proowner)
FROM pg_proc AS p
JOIN pg_namespace AS n ON n.oid = p.pronamespace
JOIN pg_language AS l ON l.oid = p.prolang
WHERE n.nspname IN ('vb', 'vb_api', 'vb_ops', 'vb_report')
ORDER BY 1, 2, 3
"""


def catalog_of(url: str) -> dict[str, list]:
    with psycopg.connect(url) as conn:
        return {
            "functions": conn.execute(FUNCTIONS_SQL).fetchall(),
            "triggers": conn.execute(
                "SELECT tgrelid::regclass::text, tgname, tgfoid::regprocedure::text FROM pg_trigger"
                " WHERE NOT tgisinternal ORDER BY 1, 2"
            ).fetchall(),
            "views": conn.execute(
                "SELECT schemaname, viewname, definition FROM pg_views"
                " WHERE schemaname IN ('vb', 'vb_report') ORDER BY 1, 2"
            ).fetchall(),
        }


def test_upgrading_a_database_of_the_release_before_the_layout_gives_a_fresh_deploys_catalog(
    fresh_url, pg_server_url, tmp_path
):
    import os
    import subprocess
    import sys
    import tarfile

    release = tmp_path / "release"
    archive = subprocess.run(
        ["git", "-C", str(PROJECT_ROOT), "archive", RELEASE_BEFORE_LAYOUT, *RELEASE_FOLDERS],
        capture_output=True,
    )
    assert archive.returncode == 0, f"needs the history of main (a full clone): {archive.stderr.decode()}"
    (tmp_path / "release.tar").write_bytes(archive.stdout)
    with tarfile.open(tmp_path / "release.tar") as tar:
        tar.extractall(release, filter="data")
    # that release deploys itself, with its own deploy runner
    env = {**os.environ, "PYTHONPATH": str(release), "VB_PROJECT_ROOT": str(release)}
    deploy_release = [sys.executable, "-m", "pyvb.cli", "db", "migrate", "--database-url", fresh_url]
    old = subprocess.run(deploy_release, cwd=release, env=env, capture_output=True, text=True, timeout=300)
    assert old.returncode == 0, old.stderr
    assert "applied procedures/trading/place_order.sql" in old.stdout, "the old layout was deployed"
    with psycopg.connect(fresh_url, autocommit=True) as conn:  # it trades: derived accounts exist
        conn.execute(LEGACY_HOLDINGS_SQL)

    upgrade = Deployer(fresh_url).migrate()
    assert "migrations/0010_repeatable_layout.sql" in upgrade.migrations_applied
    assert len(upgrade.repeatables_applied) == len(repeatable_files())
    with psycopg.connect(fresh_url) as conn:
        recorded = [r[0] for r in conn.execute("SELECT path FROM vb_deploy.repeatable_file ORDER BY 1")]
    assert recorded == sorted(f.path for f in repeatable_files()), "records of moved files are forgotten"
    with psycopg.connect(fresh_url) as conn:
        keys = dict(conn.execute("SELECT purpose, octet_length(derivation_key) FROM vb.derivation_keys"))
        positions = conn.execute(
            "SELECT symbol, quantity FROM vb_api.get_positions('00000000-0000-0000-0000-0000000000a1')"
        ).fetchall()
    # migration 0014: transfer ids take a key; account ids keep the md5 scheme their accounts have;
    # migration 0019: request context stamps take a key
    assert keys == {"transfer": 32, "account": None, "context": 32}
    assert positions == [("ACME", 100)], "the share account issued before is still found by derivation"

    fresh = fresh_url.rsplit("/", 1)[0] + "/" + fresh_url.rsplit("/", 1)[1] + "_b"
    try:
        Deployer(fresh).migrate()
        assert catalog_of(fresh_url) == catalog_of(fresh)
        # and back: rolling back to before 0010 lets that release deploy itself again
        since_layout = sorted(
            (
                f"migrations/{p.name}"
                for p in (PROJECT_ROOT / "migrations").glob("*.sql")
                if "rollback" not in p.name and p.name >= "0010"
            ),
            reverse=True,
        )
        assert since_layout[-1] == "migrations/0010_repeatable_layout.sql"
        assert Deployer(fresh_url).rollback(len(since_layout)) == since_layout
        again = subprocess.run(
            deploy_release, cwd=release, env=env, capture_output=True, text=True, timeout=300
        )
        assert again.returncode == 0, again.stderr
    finally:
        from pyvb.config import database_name
        from pyvb.deploy import drop_database

        drop_database(pg_server_url, database_name(fresh))
