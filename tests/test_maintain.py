"""pyvb maintain and pyvb archive against real PostgreSQL, a directory and an S3-protocol
server (moto in server mode)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest

from pyvb.bench.history import write_history
from pyvb.maintain import MAINTENANCE_LOCK_KEY, LocalStore, Maintainer
from pyvb.maintain.archive import database_namespace
from pyvb.services.tansu import free_port, wait_for_port
from pyvb.testing import run_pyvb
from pyvb.testing.relay import wait_until


def instants_after_boundary(history) -> list[datetime]:
    """Instants from the archived boundary on (the start of the history's fifth month: 6 months of
    retention leave its first four): balance_at must answer the same before and after archival."""
    boundary = history.months[4]
    return [boundary, boundary + timedelta(days=44, hours=12), history.months[-1] + timedelta(days=30)]


def rows_checksum(conn, table: str, order: str) -> tuple[int, str]:
    return conn.execute(
        f"SELECT count(*), md5(string_agg(t::text, '|' ORDER BY {order})) FROM {table} AS t"
    ).fetchone()


def balances_at(conn, history) -> dict:
    return {
        (account, at): conn.execute("SELECT vb_api.balance_at(%s, %s)", (account, at)).fetchone()[0]
        for account in history.accounts
        for at in instants_after_boundary(history)
    }


def namespace(url: str) -> str:
    """The database's folder in an archive store (its system identifier and name)."""
    with psycopg.connect(url) as conn:
        return database_namespace(conn)


def set_ledger_retention(url: str, retention: str = "6 months") -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "UPDATE vb.partition_policies SET retention = %s::interval"
            " WHERE parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass)",
            (retention,),
        )


def test_a_pass_twice_then_status_is_healthy(test_db_url, tmp_path):
    first = run_pyvb("maintain", "run", "--database-url", test_db_url, "--archive-dir", str(tmp_path))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "maintenance pass: ok" in first.stdout
    second = run_pyvb("maintain", "run", "--database-url", test_db_url, "--archive-dir", str(tmp_path))
    assert second.returncode == 0 and "maintenance pass: ok" in second.stdout
    status = run_pyvb("maintain", "status", "--database-url", test_db_url)
    assert status.returncode == 0, status.stdout
    assert "outcome ok" in status.stdout and "vb.quote_history" in status.stdout
    with psycopg.connect(test_db_url) as conn:
        runs = conn.execute(
            "SELECT outcome, detail -> 'steps' -> 'premake' FROM vb.maintenance_runs ORDER BY 1"
        ).fetchall()
    assert [outcome for outcome, _ in runs] == ["ok", "ok"]
    assert runs[1][1] == {}, "the second pass premade nothing"


def test_status_exits_nonzero_on_rows_in_a_default_partition_and_a_pass_fixes_it(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as conn:  # a day three years ahead of the server
        far_day = conn.execute(
            "INSERT INTO vb.quote_history (symbol, quoted_at, last_price)"
            " VALUES ('X', (date_trunc('day', now() AT TIME ZONE 'UTC') + interval '3 years')"
            "         AT TIME ZONE 'UTC', 5)"
            " RETURNING to_char(quoted_at AT TIME ZONE 'UTC', 'YYYYMMDD')"
        ).fetchone()[0]
    status = run_pyvb("maintain", "status", "--database-url", test_db_url)
    assert status.returncode == 1 and "1 rows in the default partition" in status.stdout
    assert run_pyvb("maintain", "run", "--database-url", test_db_url).returncode == 0
    with psycopg.connect(test_db_url) as conn:
        where = conn.execute("SELECT tableoid::regclass::text FROM vb.quote_history").fetchone()[0]
    assert where == f"vb.quote_history_p{far_day}"


def test_a_pass_while_another_holds_the_lock_is_skipped_and_recorded(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as other_pass:
        other_pass.execute("SELECT pg_advisory_lock(%s)", (MAINTENANCE_LOCK_KEY,))
        assert Maintainer(test_db_url).run_pass().outcome == "skipped"
        # released here, not by closing: a closed connection's backend may still hold it a moment
        other_pass.execute("SELECT pg_advisory_unlock(%s)", (MAINTENANCE_LOCK_KEY,))
    assert Maintainer(test_db_url).run_pass().outcome == "ok"
    with psycopg.connect(test_db_url) as conn:
        runs = conn.execute("SELECT outcome FROM vb.maintenance_runs ORDER BY run_id").fetchall()
    assert runs == [("skipped",), ("ok",)]


def test_three_passes_at_once_each_runs_or_is_skipped(test_db_url):
    outcomes, errors = [], []

    def one_pass():
        try:
            outcomes.append(Maintainer(test_db_url).run_pass().outcome)
        except BaseException as error:  # asserted below
            errors.append(error)

    threads = [threading.Thread(target=one_pass) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads) and errors == []
    assert len(outcomes) == 3 and "ok" in outcomes and set(outcomes) <= {"ok", "skipped"}


def test_ledger_archival_keeps_balances_verifies_and_restores_identical_rows(test_db_url, tmp_path):
    history = write_history(test_db_url)
    first = f"entries_p{history.months[0]:%Y%m}"
    with psycopg.connect(test_db_url) as conn:
        before = balances_at(conn, history)
        first_rows = rows_checksum(conn, f"vb.{first}", "t.account_id, t.version")
    set_ledger_retention(test_db_url)
    archive = tmp_path / "archive"
    result = run_pyvb("maintain", "run", "--database-url", test_db_url, "--archive-dir", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    with psycopg.connect(test_db_url) as conn:
        assert balances_at(conn, history) == before
        archived = conn.execute(
            "SELECT parent::text, range_from, range_to, row_count, dropped_at IS NOT NULL"
            " FROM vb.archived_periods"
            " WHERE parent IN ('vb.entries'::regclass, 'vb.transfers'::regclass)"
            " ORDER BY range_from, parent::text"
        ).fetchall()
        # six months of retention: the history's first four months leave with their rows; only
        # empty earlier months (premade by the migrations) leave with them, and all are dropped
        assert [(p, r) for p, r, _, rows, _ in archived if rows] == [
            (parent, month) for month in history.months[:4] for parent in ("vb.entries", "vb.transfers")
        ]
        assert all(dropped for *_, dropped in archived)
        assert max(range_to for _, _, range_to, _, _ in archived) == history.months[4]
        assert conn.execute("SELECT to_regclass(%s)", (f"vb.{first}",)).fetchone()[0] is None
        assert conn.execute("SELECT to_regclass(%s)", (f"vb.entries_p{history.months[4]:%Y%m}",)).fetchone()[
            0
        ]
        with pytest.raises(psycopg.Error) as archived_error:
            conn.execute(
                "SELECT vb_api.balance_at(%s, %s)",
                (history.accounts[0], history.months[0] + timedelta(days=14)),
            )
        assert archived_error.value.sqlstate == "VB003"
    assert run_pyvb("verify", "--database-url", test_db_url).returncode == 0

    manifest = f"{namespace(test_db_url)}/entries/{first}.manifest.json"
    listing = run_pyvb("archive", "list", "--archive-dir", str(archive))
    assert listing.returncode == 0 and manifest in listing.stdout
    verified = run_pyvb("archive", "verify", "--archive-dir", str(archive))
    assert verified.returncode == 0 and "FAILED" not in verified.stdout
    restored = run_pyvb(
        "archive", "restore", "--database-url", test_db_url, "--archive-dir", str(archive), manifest
    )
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(test_db_url) as conn:
        assert rows_checksum(conn, f"vb_restore.{first}", "t.account_id, t.version") == first_rows
    options = ("--database-url", test_db_url, "--archive-dir", str(archive), manifest)
    again = run_pyvb("archive", "restore", *options)
    assert again.returncode == 1 and "exists (an earlier restore): --replace" in again.stderr
    assert run_pyvb("archive", "restore", *options, "--replace").returncode == 0

    data = archive / namespace(test_db_url) / "entries" / f"{first}.copy.gz"
    rows = gzip.decompress(data.read_bytes()).splitlines()
    data.write_bytes(gzip.compress(b"\n".join(rows[:-1]) + b"\n"))
    broken = run_pyvb("archive", "verify", "--archive-dir", str(archive))
    assert broken.returncode == 1 and f"FAILED  {manifest}" in broken.stdout
    assert "differs from the manifest" in broken.stdout


@pytest.fixture
def s3_server(tmp_path):
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_for_port(port)
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    import boto3

    client = boto3.client(
        "s3", endpoint_url=f"http://127.0.0.1:{port}", aws_access_key_id="test", aws_secret_access_key="test",
        region_name="us-east-1",
    )  # fmt: skip
    client.create_bucket(Bucket="vb-archive")
    yield f"http://127.0.0.1:{port}", env, client
    server.terminate()
    server.wait(10)


def test_archive_to_s3_lists_verifies_restores_and_catches_corruption(test_db_url, s3_server):
    endpoint, env, client = s3_server
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO vb.breach_events (source, kind, created_at, detail)"
            " SELECT 'test', 'old', '2019-03-01'::timestamptz + n * interval '1 hour',"
            " jsonb_build_object('n', n)"
            " FROM generate_series(1, 200) AS n"
        )
        before = rows_checksum(conn, "vb.breach_events", "t.breach_id")
    store = ["--archive-url", "s3://vb-archive/prod", "--s3-endpoint-url", endpoint]
    result = run_pyvb("maintain", "run", "--database-url", test_db_url, *store, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    keys = sorted(o["Key"] for o in client.list_objects_v2(Bucket="vb-archive")["Contents"])
    manifest_name = f"{namespace(test_db_url)}/breach_events/breach_events_p201903.manifest.json"
    assert f"prod/{manifest_name}" in keys
    manifest = json.loads(client.get_object(Bucket="vb-archive", Key=f"prod/{manifest_name}")["Body"].read())
    assert manifest["row_count"] == 200 and manifest["parent"] == "vb.breach_events"
    location = f"s3://vb-archive/prod/{namespace(test_db_url)}/breach_events/breach_events_p201903.copy.gz"
    said = f"retention archived vb.breach_events_p201903 (200 rows) to {location} and dropped it"
    assert said in " ".join(result.stdout.split()), result.stdout
    assert run_pyvb("archive", "verify", *store, env=env).returncode == 0
    restored = run_pyvb("archive", "restore", "--database-url", test_db_url, *store, manifest_name, env=env)
    assert restored.returncode == 0 and "restored 200 rows" in restored.stdout
    with psycopg.connect(test_db_url) as conn:
        assert rows_checksum(conn, "vb_restore.breach_events_p201903", "t.breach_id") == before
    client.put_object(
        Bucket="vb-archive",
        Key=f"prod/{namespace(test_db_url)}/breach_events/breach_events_p201903.copy.gz",
        Body=b"not gzip",
    )
    broken = run_pyvb("archive", "verify", *store, env=env)
    assert broken.returncode == 1 and "FAILED" in broken.stdout


def test_writes_during_a_pass_see_no_errors(test_db_url, tmp_path):
    write_history(test_db_url, accounts=10, transfers_per_month=400)
    set_ledger_retention(test_db_url)
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        live = [uuid.uuid4() for _ in range(4)]
        for account in live:
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'customer', 1000000000)", (account,))
    errors: list[str] = []
    done = threading.Event()

    def write() -> None:
        with psycopg.connect(test_db_url, autocommit=True) as conn:
            while not done.is_set():
                try:
                    status = conn.execute(
                        "SELECT vb_api.create_transfer(%s, %s, %s, 1, 'p2p')",
                        (uuid.uuid4(), live[0], live[1]),
                    ).fetchone()[0]
                    if status != "created":
                        errors.append(status)
                except psycopg.Error as error:
                    errors.append(str(error))

    writers = [threading.Thread(target=write) for _ in range(3)]
    for writer in writers:
        writer.start()
    try:
        report = Maintainer(test_db_url, LocalStore(tmp_path)).run_pass()
    finally:
        done.set()
        for writer in writers:
            writer.join(60)
    assert not any(writer.is_alive() for writer in writers)
    assert report.outcome == "ok", report.errors
    assert len(report.steps["retention"]) >= 8
    assert errors == []
    assert run_pyvb("verify", "--database-url", test_db_url).returncode == 0


def test_maintain_loop_runs_passes_until_sigterm(test_db_url):
    import signal
    import time

    loop = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pyvb.cli",
            "maintain",
            "loop",
            "--database-url",
            test_db_url,
            "--interval",
            "1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        runs = 0
        while runs < 2 and time.monotonic() < deadline:
            time.sleep(0.3)
            with psycopg.connect(test_db_url) as conn:
                runs = conn.execute(
                    "SELECT count(*) FROM vb.maintenance_runs WHERE outcome = 'ok'"
                ).fetchone()[0]
        assert runs >= 2
    finally:
        loop.send_signal(signal.SIGTERM)
        stdout, stderr = loop.communicate(timeout=30)
    assert loop.returncode == 0, stderr
    assert "maintenance pass: ok" in stdout and "Traceback" not in stderr


def test_an_unreachable_s3_endpoint_fails_the_pass_in_one_line_and_keeps_the_partition(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO vb.breach_events (source, kind, created_at) VALUES ('test', 'old', '2019-03-01')"
        )
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    store = ["--archive-url", "s3://vb-archive/prod", "--s3-endpoint-url", f"http://127.0.0.1:{free_port()}"]
    result = run_pyvb("maintain", "run", "--database-url", test_db_url, *store, env=env)
    assert result.returncode == 1 and "Traceback" not in result.stderr + result.stdout
    data = f"{namespace(test_db_url)}/breach_events/breach_events_p201903.copy.gz"
    assert f"cannot store {data}" in result.stdout
    with psycopg.connect(test_db_url) as conn:
        kept = conn.execute("SELECT count(*) FROM vb.breach_events_p201903").fetchone()[0]
        waiting = conn.execute(
            "SELECT parent::text, count(*) FROM vb.archived_periods"
            " WHERE dropped_at IS NULL GROUP BY 1 ORDER BY 1"
        ).fetchall()
    assert kept == 1, "detached, not dropped: the next pass archives it"
    assert [parent for parent, _ in waiting] == ["vb.breach_events"], (
        "empty months past retention (event log, outbox) dropped without an archive"
    )


def test_detach_retries_while_the_parent_is_locked_then_raises_55p03(test_db_url):
    history = write_history(test_db_url, accounts=4, transfers_per_month=5)
    set_ledger_retention(test_db_url)
    partition = f"vb.transfers_p{history.months[0]:%Y%m}"
    with psycopg.connect(test_db_url) as holder, psycopg.connect(test_db_url, autocommit=True) as conn:
        holder.execute("LOCK TABLE vb.transfers IN ACCESS SHARE MODE")  # a reader mid-transaction
        with pytest.raises(psycopg.errors.LockNotAvailable):
            conn.execute("CALL vb_ops.detach_partition(%s, 20, 3)", (partition,))
        assert conn.execute("SELECT to_regclass(%s)", (partition,)).fetchone()[0] is not None
        # many attempts: once one has timed out (the procedure sleeps between attempts), the
        # reader finishes, and a later attempt detaches
        detacher = psycopg.connect(test_db_url, autocommit=True)
        with ThreadPoolExecutor(1) as pool:
            done = pool.submit(detacher.execute, "CALL vb_ops.detach_partition(%s, 50, 200)", (partition,))
            wait_until(
                lambda: (
                    conn.execute(
                        "SELECT wait_event FROM pg_stat_activity WHERE pid = %s", (detacher.info.backend_pid,)
                    ).fetchone()[0]
                    == "PgSleep"
                ),
                message="an attempt timed out and the procedure sleeps before the next",
            )
            holder.rollback()
            done.result(timeout=60)
        detacher.close()
        detached = conn.execute(
            "SELECT partition_name FROM vb.archived_periods WHERE parent = 'vb.transfers'::regclass"
        ).fetchall()
        assert detached == [(partition,)]


def test_closing_balances_fold_a_deferred_accounts_queued_movements_first(test_db_url):
    history = write_history(test_db_url, accounts=2, transfers_per_month=2)
    house = uuid.uuid4()
    before, after = history.months[1] + timedelta(days=3), history.months[6]
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        assert (
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'house', 0)", (house,)).fetchone()[0]
            == "created"
        )
        conn.execute(
            "INSERT INTO vb.unfolded_entries (account_id, created_at, transfer_id, amount, code)"
            " VALUES (%s, %s, %s, 40, 'fee'), (%s, %s, %s, 2, 'fee')",
            (house, before, uuid.uuid4(), house, after, uuid.uuid4()),
        )
        conn.execute("SELECT vb_ops.record_closing_balances(%s)", (history.months[4],))
        closing = conn.execute(
            "SELECT balance, version FROM vb.closing_balances WHERE account_id = %s", (house,)
        ).fetchall()
        queued = conn.execute("SELECT count(*) FROM vb.unfolded_entries WHERE account_id = %s", (house,))
        assert closing == [(40, 1)], "the movement queued before the boundary counts in its closing balance"
        assert queued.fetchone()[0] == 0


def archive_an_old_breach(url: str, tmp_path) -> Path:
    """One breach event of March 2019, archived (and dropped) by a pass into tmp_path/archive."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO vb.breach_events (source, kind, created_at) VALUES ('test', 'old', '2019-03-01')"
        )
    archive = tmp_path / "archive"
    result = run_pyvb("maintain", "run", "--database-url", url, "--archive-dir", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    return archive


@pytest.mark.parametrize(
    ("tamper", "refusal"),
    [
        (
            lambda m: m["columns"][0].update(type="int); CREATE TABLE public.injected (y int); --"),
            "columns differ",
        ),
        (lambda m: m.update(parent="public.injected"), "is no partitioned table here"),
        (lambda m: m.update(parent="vb.x; DROP TABLE vb.accounts"), "is no table name"),
        (lambda m: m.update(data="../../../../etc/hostname"), "is not its table's"),
        (lambda m: m["columns"].append(dict(m["columns"][0])), "columns differ"),
    ],
)
def test_restore_takes_columns_from_the_live_parent_and_refuses_a_tampered_manifest(
    test_db_url, tmp_path, tamper, refusal
):
    archive = archive_an_old_breach(test_db_url, tmp_path)
    manifest_path = archive / namespace(test_db_url) / "breach_events" / "breach_events_p201903.manifest.json"
    manifest = json.loads(manifest_path.read_text())
    tamper(manifest)
    manifest_path.write_text(json.dumps(manifest))
    restored = run_pyvb(
        "archive", "restore", "--database-url", test_db_url, "--archive-dir", str(archive),
        f"{namespace(test_db_url)}/breach_events/breach_events_p201903.manifest.json",
    )  # fmt: skip
    assert restored.returncode == 1 and refusal in restored.stderr and "Traceback" not in restored.stderr
    with psycopg.connect(test_db_url) as conn:
        made = conn.execute(
            "SELECT count(*) FROM pg_class WHERE relname IN ('injected', 'breach_events_p201903')"
            " AND relnamespace <> 'vb'::regnamespace"
        ).fetchone()[0]
        assert made == 0, "nothing was created"
        assert conn.execute("SELECT to_regclass('vb.accounts')").fetchone()[0] is not None


def test_restore_of_an_archive_older_than_a_column_the_parent_gained_since(test_db_url, tmp_path):
    archive = archive_an_old_breach(test_db_url, tmp_path)
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE vb.breach_events ADD COLUMN reviewed_by text")
    restored = run_pyvb(
        "archive", "restore", "--database-url", test_db_url, "--archive-dir", str(archive),
        f"{namespace(test_db_url)}/breach_events/breach_events_p201903.manifest.json",
    )  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    with psycopg.connect(test_db_url) as conn:
        row = conn.execute("SELECT source, kind FROM vb_restore.breach_events_p201903").fetchall()
    assert row == [("test", "old")]


def test_two_databases_archiving_into_one_folder_keep_their_own_files(pg_server_url, template_db, tmp_path):
    """Each database archives under its own system identifier and name: the same partition of two
    databases lands in two places, both verify and restore, neither overwrote the other."""
    from pyvb.testing.databases import drop_database
    from pyvb.testing.fixtures import _clone

    archive = tmp_path / "archive"
    names, urls = [], []
    try:
        for label in ("archive_one", "archive_two"):
            name, url = _clone(pg_server_url, template_db, label)
            names.append(name)
            urls.append(url)
        for url, count in zip(urls, (3, 5), strict=True):
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(
                    "INSERT INTO vb.breach_events (source, kind, created_at)"
                    " SELECT 'test', 'old', '2019-03-01'::timestamptz + n * interval '1 hour'"
                    " FROM generate_series(1, %s) AS n",
                    (count,),
                )
            result = run_pyvb("maintain", "run", "--database-url", url, "--archive-dir", str(archive))
            assert result.returncode == 0, result.stdout + result.stderr
        manifests = [f"{namespace(url)}/breach_events/breach_events_p201903.manifest.json" for url in urls]
        assert manifests[0] != manifests[1]
        assert [json.loads((archive / m).read_text())["row_count"] for m in manifests] == [3, 5]
        assert run_pyvb("archive", "verify", "--archive-dir", str(archive)).returncode == 0
        listing = run_pyvb("archive", "list", "--archive-dir", str(archive))
        assert all(m in listing.stdout for m in manifests), listing.stdout
    finally:
        for name in names:
            drop_database(pg_server_url, name)


def test_archive_commands_refuse_a_missing_folder_and_a_url_that_is_not_s3(tmp_path):
    missing = run_pyvb("archive", "list", "--archive-dir", str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "no archive folder at" in missing.stderr
    not_s3 = run_pyvb("archive", "list", "--archive-url", "nc-bucket/x")
    assert not_s3.returncode == 1 and "--archive-url takes s3://" in not_s3.stderr
    assert not (Path.cwd() / "nc-bucket").exists(), "no local folder made instead"


def test_namespaces_keep_apart_names_that_differ_only_in_characters_replaced():
    from pyvb.maintain.archive import NAMESPACE, namespace_for

    spaced, underscored, long = (
        namespace_for("7", "a b"),
        namespace_for("7", "a_b"),
        namespace_for("7", "x" * 63),
    )
    assert underscored == "7-a_b" and spaced != underscored and spaced.startswith("7-a_b.")
    assert all(NAMESPACE.fullmatch(n) for n in (spaced, underscored, long))


def test_an_archive_holding_other_rows_is_never_overwritten(tmp_path):
    """A copy of a database (same system identifier and name) archiving into the same store."""
    from pyvb.maintain.archive import ArchiveError, _refuse_overwrite

    store = LocalStore(tmp_path)
    name = "7-vb/breach_events/breach_events_p201903.manifest.json"
    (tmp_path / name).parent.mkdir(parents=True)
    (tmp_path / name).write_text(json.dumps({"sha256": "aa"}))
    _refuse_overwrite(store, name, "aa")  # the same rows again: written again, harmlessly
    _refuse_overwrite(store, "7-vb/none/none.manifest.json", "bb")  # nothing there yet
    with pytest.raises(ArchiveError, match="already holds other rows"):
        _refuse_overwrite(store, name, "bb")
