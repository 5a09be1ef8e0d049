"""The audit trail's hash chain against real PostgreSQL (contract audit.md): records of finished
transactions are linked, a transaction still open when the chain runs is linked by the next run,
and each kind of tampering — an edited, deleted or inserted record, a missing link, an altered
link, a cut-off tail — is detected, naming the first broken record; `pyvb audit verify` exits 1."""

from __future__ import annotations

import re
import uuid

import psycopg
import pytest

from pyvb.config import ADMIN_ROLE, APP_ROLE, acting_as, database_name
from pyvb.services.cluster import PrivateCluster
from pyvb.testing import run_pyvb
from pyvb.testing.databases import clone_database, create_template, drop_database


@pytest.fixture(scope="module")
def quiet_server():
    """(server URL, template URL) on a server of this module's own. The chain links the records of
    transactions below the server's oldest running one, whatever its database: on the shared
    server, another test's open transaction would hold back the links these tests count."""
    with PrivateCluster() as cluster:
        yield cluster.url(), create_template(cluster.url(), "vb_template")


@pytest.fixture
def test_db_url(quiet_server, request):
    """A fresh deployed database for this one test, on the quiet server."""
    server, template = quiet_server
    name = f"audit_{uuid.uuid4().hex[:12]}"
    url = clone_database(server, database_name(template), name)
    yield url
    drop_database(server, name)


def audited_calls(url: str, count: int) -> None:
    """``count`` committed audited calls as vb_app, each in its own transaction with a context."""
    with psycopg.connect(acting_as(url, APP_ROLE)) as conn:
        for n in range(count):
            with conn.transaction():
                conn.execute("SELECT vb_api.set_request_context(%s)", (f"req-{n}",))
                conn.execute("SELECT vb_api.create_user(%s, %s)", (uuid.uuid4(), f"user{n}"))


def chain_what_is_there(url: str) -> int:
    """Link the records already there (the deploy's own: partitions made for the server's date)
    and return the head's link number, so a test counts only its own records."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT vb_ops.chain_audit()")
        return conn.execute("SELECT seq FROM vb.audit_chain_head").fetchone()[0]


def verify(conn) -> dict[str, tuple[bool, str]]:
    return {name: (ok, detail) for name, ok, detail in conn.execute("SELECT * FROM vb_ops.verify_audit()")}


@pytest.fixture
def chained(test_db_url):
    """Six linked records; placeholders {seqN} and {idN} name the Nth one's link and record."""
    base = chain_what_is_there(test_db_url)
    audited_calls(test_db_url, 6)
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        assert conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0] == 6
        assert all(ok for ok, _ in verify(conn).values())
        links = conn.execute("SELECT seq, audit_id FROM vb.audit_chain WHERE seq > %s ORDER BY seq", (base,))
        names = {}
        for n, (seq, audit_id) in enumerate(links, start=1):
            names |= {f"seq{n}": seq, f"id{n}": audit_id}
    return test_db_url, names


TAMPERING = {
    "edited": (
        "UPDATE vb.event_audit SET outcome = jsonb_build_object('status', 'handle_taken')"
        " WHERE audit_id = {id3}",
        "chain",
        "audit record {id3} (link {seq3}) was edited",
    ),
    "deleted": (
        "DELETE FROM vb.event_audit WHERE audit_id = {id3}",
        "chain",
        "audit record {id3} (link {seq3}) was deleted",
    ),
    "deleted with its link": (
        "DELETE FROM vb.event_audit WHERE audit_id = {id3}; DELETE FROM vb.audit_chain WHERE seq = {seq3}",
        "chain",
        "links {seq3} to {seq3} are missing",
    ),
    "link altered": (
        "UPDATE vb.audit_chain SET chain_sha256 = sha256(chain_sha256) WHERE seq = {seq4}",
        "chain",
        "link {seq4} (audit record {id4}) was altered",
    ),
    "tail cut off": (
        "DELETE FROM vb.event_audit WHERE audit_id = {id6}; DELETE FROM vb.audit_chain WHERE seq = {seq6}",
        "head",
        "the chain ends at link {seq5} but its head is link {seq6}",
    ),
    "inserted": (
        "INSERT INTO vb.event_audit (audit_id, txid, db_role, application_name, metadata, function_name,"
        " arguments, outcome)"
        " VALUES (999999, '3'::xid8, 'vb_admin', 'psql', '{{}}', 'vb_api.set_fees', '{{}}', '{{}}')",
        "all_chained",
        "audit record 999999 is not in the chain",
    ),
}


@pytest.mark.parametrize("kind", list(TAMPERING))
def test_each_kind_of_tampering_is_detected_naming_the_first_broken_record(chained, kind):
    url, ids = chained
    statement, check, message = TAMPERING[kind]
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")  # the owner's way around the guards
        for part in statement.format(**ids).split("; "):
            conn.execute(part)
        found = verify(conn)
        conn.rollback()
    assert not found[check][0], found
    assert message.format(**ids) in found[check][1]
    assert [name for name, (ok, _) in found.items() if not ok] == [check], "only the check that applies fails"


def test_a_transaction_open_while_the_chain_runs_is_linked_by_the_next_run(test_db_url):
    chain_what_is_there(test_db_url)
    audited_calls(test_db_url, 1)
    with (
        psycopg.connect(acting_as(test_db_url, ADMIN_ROLE)) as writer,
        psycopg.connect(test_db_url, autocommit=True) as conn,
    ):
        writer.execute("SELECT vb_api.set_fees(NULL, 1, 2)")  # open: not finished yet
        assert conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0] == 1
        assert verify(conn)["head"][0]
        writer.commit()
        assert conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0] == 1
        assert conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0] == 0
        assert all(ok for ok, _ in verify(conn).values())
        trail = conn.execute(
            "SELECT function_name FROM vb_api.audit_trail() WHERE function_name LIKE 'vb_api.%'"
        )
    assert [row[0] for row in trail] == ["vb_api.set_fees", "vb_api.create_user"]


def test_pyvb_audit_chain_verify_and_show(test_db_url):
    base = chain_what_is_there(test_db_url)
    audited_calls(test_db_url, 3)
    url = ["--database-url", test_db_url]
    chained = run_pyvb("audit", "chain", *url)
    assert chained.returncode == 0, chained.stderr
    assert f"3 record(s) linked; head: link {base + 3}" in chained.stdout
    verified = run_pyvb("audit", "verify", *url)
    assert verified.returncode == 0 and "FAILED" not in verified.stdout
    shown = run_pyvb("audit", "show", "--request-id", "req-1", *url)
    assert shown.returncode == 0 and "vb_api.create_user" in shown.stdout and "1 record(s)" in shown.stdout
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE vb.event_audit SET db_role = 'vb_admin' WHERE request_id = 'req-1'")
    broken = run_pyvb("audit", "verify", *url)
    assert broken.returncode == 1 and "FAILED" in broken.stdout and "was edited" in broken.stdout


def test_a_context_left_from_an_earlier_transaction_is_no_context(test_db_url):
    """A session-level SET of the context and its stamp, copied from a committed transaction (a
    pooled connection another client used before), does not name the next transaction's calls."""
    with psycopg.connect(acting_as(test_db_url, APP_ROLE)) as conn:
        with conn.transaction():
            conn.execute("SELECT vb_api.set_request_context('r1')")
            stamp = conn.execute("SELECT current_setting('vb.request_stamp')").fetchone()[0]
        conn.execute(
            "SELECT set_config(name, value, false) FROM (VALUES ('vb.request_id', 'r1'),"
            " ('vb.actor_user_id', ''), ('vb.session_id', ''), ('vb.request_metadata', '{}'),"
            " ('vb.request_stamp', %s)) AS s (name, value)",
            (stamp,),
        )
        conn.commit()
        with conn.transaction():
            conn.execute("SELECT vb_api.create_user(%s, 'stale')", (uuid.uuid4(),))
    with psycopg.connect(acting_as(test_db_url, ADMIN_ROLE)) as conn:
        assert conn.execute("SELECT request_id FROM vb_api.audit_trail() LIMIT 1").fetchone() == (None,)


def test_archived_periods_leave_the_chain_verifiable_across_the_cut(test_db_url, tmp_path):
    """Records of three months long past (written as the owner, dated then) chained in between
    today's, so the chain goes back and forth across the cut; with a retention on the trail and its
    chain, a maintenance pass archives those months (records and links together, closing hashes
    kept); verify_audit still passes, resuming from the closing hashes, and still catches a record
    deleted after the cut."""
    chain_what_is_there(test_db_url)
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        month = conn.execute("SELECT date_trunc('month', now(), 'UTC')").fetchone()[0]

        def old_record(months_back: int) -> None:
            conn.execute(
                "INSERT INTO vb.event_audit (recorded_at, db_role, application_name, metadata, function_name,"
                " arguments, outcome) VALUES (%s::timestamptz - %s * interval '1 month' + interval '3 days',"
                " 'vb_admin', 'test', '{}', 'vb_api.set_fees', '{}', '{\"status\": \"set\"}')",
                (month, months_back),
            )

        old_record(6)
        audited_calls(test_db_url, 1)
        old_record(5)
        old_record(4)
        audited_calls(test_db_url, 1)
        old_record(6)
        conn.execute("UPDATE vb.partition_policies SET retention = interval '2 months'"
                     " WHERE parent IN ('vb.event_audit'::regclass, 'vb.audit_chain'::regclass)")  # fmt: skip
    archive = tmp_path / "archive"
    result = run_pyvb("maintain", "run", "--database-url", test_db_url, "--archive-dir", str(archive))
    assert result.returncode == 0, result.stdout + result.stderr
    with psycopg.connect(test_db_url) as conn:
        archived = conn.execute(
            "SELECT parent::text, count(*) FILTER (WHERE row_count > 0), bool_and(dropped_at IS NOT NULL)"
            " FROM vb.archived_periods"
            " WHERE parent IN ('vb.event_audit'::regclass, 'vb.audit_chain'::regclass) GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert archived == [("vb.audit_chain", 3, True), ("vb.event_audit", 3, True)]
        assert conn.execute("SELECT count(*) FROM vb.audit_chain_closings").fetchone()[0] >= 2
        found = verify(conn)
        assert all(ok for ok, _ in found.values()), found
        assert "4 archived, resumed from closing hashes" in found["chain"][1]
        kept = conn.execute(
            "SELECT a.audit_id FROM vb.event_audit AS a WHERE a.function_name = 'vb_api.create_user'"
            " ORDER BY a.audit_id LIMIT 1"
        ).fetchone()[0]
        conn.execute("SET session_replication_role = replica")
        conn.execute("DELETE FROM vb.event_audit WHERE audit_id = %s", (kept,))
        found = verify(conn)
        conn.rollback()
    assert (
        not found["chain"][0]
        and f"audit record {kept} " in found["chain"][1]
        and "deleted" in found["chain"][1]
    )
    from pyvb.maintain.archive import database_namespace

    with psycopg.connect(test_db_url) as conn:
        mine = archive / database_namespace(conn)
    assert (mine / "event_audit").is_dir() and (mine / "audit_chain").is_dir()
    assert run_pyvb("audit", "verify", "--database-url", test_db_url).returncode == 0


def test_a_chain_rewritten_whole_passes_verify_but_not_an_anchor_kept_outside(test_db_url):
    """The owner edits a record and recomputes every later link and the head: verify_audit cannot
    tell, but the head printed before (kept outside) no longer matches — `--anchor` exits 1."""
    base = chain_what_is_there(test_db_url)
    audited_calls(test_db_url, 3)
    chained = run_pyvb("audit", "chain", "--database-url", test_db_url)
    anchor = re.search(r"head: link ([0-9,]+), sha256 ([0-9a-f]{64})", chained.stdout)
    anchor = f"{anchor[1].replace(',', '')}:{anchor[2]}"
    url = ["--database-url", test_db_url]
    assert run_pyvb("audit", "verify", "--anchor", anchor, *url).returncode == 0
    with psycopg.connect(test_db_url) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("UPDATE vb.event_audit SET request_id = 'req-forged' WHERE request_id = 'req-1'")
        conn.execute(
            "UPDATE vb.audit_chain_head SET seq = %(base)s, chain_sha256 = coalesce("
            " (SELECT chain_sha256 FROM vb.audit_chain WHERE seq = %(base)s),"
            " decode(repeat('00', 32), 'hex')),"
            " horizon_txid = (SELECT min(txid) FROM vb.event_audit WHERE request_id LIKE 'req-%%')",
            {"base": base},
        )
        conn.execute("DELETE FROM vb.audit_chain WHERE seq > %s", (base,))
        conn.commit()
        assert conn.execute("SELECT vb_ops.chain_audit()").fetchone()[0] == 3
        conn.commit()
        assert all(ok for ok, _ in verify(conn).values()), "a whole rewrite is invisible from inside"
    rewritten = run_pyvb("audit", "verify", "--anchor", anchor, *url)
    assert rewritten.returncode == 1 and "differs from the anchor" in rewritten.stdout, rewritten.stdout
    malformed = run_pyvb("audit", "verify", "--anchor", "3:xyz", *url)
    assert malformed.returncode == 2 and "expected LINK:SHA256" in malformed.stderr
