"""Hostile input as normal input (issue "Hardening", item 7): every ``vb_api`` function, found in
the catalog (a new function is covered without touching this file), called with generated hostile
values for each argument, as the least role it is granted to (``vb_app``, else ``vb_admin``, else
``vb_feed``) — nulls, bounds, ±2^63, empty, huge, multi-dimensional and non-1-based arrays, long
and odd unicode strings, odd jsonb shapes, extreme timestamps and intervals. A call may return
anything or raise a SQLSTATE the table of docs/api.md documents (the oracle, parsed here);
never an internal error, an overflow, a constraint violation, a feature-not-supported, VB999 (a
failed invariant) or a statement that runs past its bound.
After each call the ledger verifies, folding works, and a normal transfer and order succeed.

Each example runs in one transaction rolled back at its end, on a small world (an asset, an
issuer, two traders with cash and shares, a resting order). ``make test`` runs 400 calls (the
``ci`` profile's share); ``--hypothesis-profile long`` runs 3,000.
"""

from __future__ import annotations

import contextlib
import re
import uuid

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pyvb.config import PROJECT_ROOT

#: how long one hostile call may run: a size limit missing shows up as a timeout (57014)
CALL_TIMEOUT = "3s"
ISSUER, CASH_A, CASH_B = (uuid.UUID(int=0xF1), uuid.UUID(int=0xA1), uuid.UUID(int=0xB1))
OWNER_A, OWNER_B = uuid.UUID(int=0x0A), uuid.UUID(int=0x0B)
RESTING = uuid.UUID(int=0xD1)
KNOWN_IDS = [ISSUER, CASH_A, CASH_B, OWNER_A, OWNER_B, RESTING]
#: documented, yet never an acceptable answer to one call's input: a failed invariant, an internal
#: error, a call that ran past its bound or waited on a lock
NEVER = {"VB999", "XX000", "57014", "55P03"}


def documented_sqlstates() -> set[str]:
    """The SQLSTATEs of the table in docs/api.md (section "SQLSTATEs")."""
    text = (PROJECT_ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    section = text.split("## SQLSTATEs", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([0-9A-Z]{5})` \|", section, flags=re.MULTILINE)) - NEVER


def vb_api_functions(url: str) -> list[tuple[str, str, list[str]]]:
    """Each vb_api function: its name, the least role granted it, its argument types."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            """SELECT p.proname,
                   (SELECT r FROM unnest(ARRAY['vb_app', 'vb_admin', 'vb_feed']) WITH ORDINALITY AS g (r, o)
                    WHERE has_function_privilege(r, p.oid, 'EXECUTE') ORDER BY o LIMIT 1),
                   array(SELECT format_type(t, NULL) FROM unnest(p.proargtypes) AS t)
               FROM pg_proc AS p WHERE p.pronamespace = 'vb_api'::regnamespace ORDER BY 1, 3"""
        ).fetchall()
    assert all(role for _, role, _ in rows), "every vb_api function is granted to a caller role"
    return [(name, role, list(types)) for name, role, types in rows]


# -- hostile values per type: (sql text, parameter) — the text is a cast of a placeholder, or a
#    literal for shapes a Python value cannot express (multi-dimensional, non-1-based arrays)
ODD_TEXT = [
    "",
    " ",
    "ACME",
    "VBD",
    "customer",
    "issuer",
    "buy",
    "sell",
    "limit",
    "market",
    "gtc",
    "ioc",
    "account",
    "symbol",
    "halted",
    "order_notional",
    "X" * 13,
    "x" * 100_000,
    "A" * 1_000_000,
    "\u202eEMCA",
    "AC\u200bME",
    "\u0410\u0421\u041c\u0415",
    "e\u0301",
    "😀" * 1000,
    "'; DROP TABLE vb.accounts; --",
    "%s%s%n",
    "NaN",
    "infinity",
    str(CASH_A).upper(),
    "{}",
    "null",
]
BIGINTS = [0, 1, -1, 2**63 - 1, -(2**63), 10**9, 10**9 + 1, 10**18, -(10**18), 2**31, 7]
INTEGERS = [0, 1, -1, 2**31 - 1, -(2**31), 10_000, 10_001, 100]
SMALLINTS = [0, 1, -1, 2, 18, 19, 2**15 - 1, -(2**15)]
TIMESTAMPS = [
    "infinity",
    "-infinity",
    "4713-01-01 00:00:00+00 BC",
    "294276-12-31 23:59:59+00",
    "2026-11-26 10:00:00+00",
    "1970-01-01 00:00:00+00",
    "2100-01-01 00:00:00+00",
]
DATES = ["infinity", "-infinity", "4713-01-01 BC", "5874897-12-31", "2026-11-26"]
INTERVALS = ["0", "-1 hour", "1 microsecond", "178000000 years", "1 minute", "1 day", "-178000000 years"]
A_QUOTE = '{"symbol": "ACME", "bid": 990, "ask": 1010, "ts": "2026-11-26T10:00:00Z"}'
JSONS = [
    "{}",
    "[]",
    "null",
    "1e400",
    '"x"',
    '{"a": ' * 200 + "1" + "}" * 200,
    '{"symbol": "ACME", "bid": 1, "ask": 2, "ts": "infinity"}',
    '[{"symbol": "ACME", "bid": 9223372036854775807, "ask": -1, "ts": "2026-11-26T10:00:00Z"}]',
    '[{"symbol": "ACME", "bid": 1.5, "ask": 2e30, "last": "x", "volume": -1, "ts": "2026-11-26T10:00:00Z"}]',
    '{"ACME": 1e300, "VBD": -1}',
    '{"k": "' + "v" * 2_000_000 + '"}',
    "[" + ",".join([A_QUOTE] * 20_000) + "]",
    "[" + A_QUOTE + "]",
]


def uuids() -> st.SearchStrategy:
    return st.one_of(st.none(), st.sampled_from(KNOWN_IDS), st.uuids())


def value_for(type_name: str) -> st.SearchStrategy:
    """A strategy of (sql, params) for one argument of this type."""

    def param(strategy):
        return strategy.map(lambda v: (f"%s::{type_name}", [v]))

    def array_shapes(one: str) -> list[str]:
        """Arrays of a composite element ``one`` (its text form): empty, a null element, two,
        from index 0, two-dimensional."""
        return [
            "{}",
            "{NULL}",
            f'{{"{one}","{one}"}}',
            f'[0:1]={{"{one}","{one}"}}',
            f'{{{{"{one}"}},{{"{one}"}}}}',
        ]

    def literal(texts):
        return st.sampled_from(texts).map(lambda t: (f"%s::text::{type_name}", [t]))

    if type_name == "uuid":
        return param(uuids())
    if type_name == "text":
        return param(st.one_of(st.none(), st.sampled_from(ODD_TEXT), st.text(max_size=30).filter(clean)))
    if type_name == "bigint":
        return param(st.one_of(st.none(), st.sampled_from(BIGINTS), st.integers(-(2**63), 2**63 - 1)))
    if type_name == "integer":
        return param(st.one_of(st.none(), st.sampled_from(INTEGERS), st.integers(-(2**31), 2**31 - 1)))
    if type_name == "smallint":
        return param(st.one_of(st.none(), st.sampled_from(SMALLINTS)))
    if type_name == "boolean":
        return param(st.one_of(st.none(), st.booleans()))
    if type_name == "timestamp with time zone":
        return st.one_of(param(st.none()), literal(TIMESTAMPS))
    if type_name == "date":
        return st.one_of(param(st.none()), literal(DATES))
    if type_name == "interval":
        return st.one_of(param(st.none()), literal(INTERVALS))
    if type_name == "jsonb":
        return st.one_of(param(st.none()), literal(JSONS))
    if type_name in ("text[]", "uuid[]"):
        element = "ACME" if type_name == "text[]" else str(CASH_A)
        return st.one_of(
            param(st.none()),
            literal(
                [
                    "{}",
                    "{NULL}",
                    f"{{{element},{element}}}",
                    f"{{{{{element}}},{{{element}}}}}",
                    f"[0:1]={{{element},{element}}}",
                    f"[5:5]={{{element}}}",
                ]
            ),
            param(st.sampled_from([[element] * 200_000, [None] * 3, list(map(str, KNOWN_IDS))]))
            if type_name == "uuid[]"
            else param(st.sampled_from([["x" * 100_000] * 20, [s for s in ODD_TEXT if len(s) < 200]])),
        )
    if type_name == "vb_api.transfer_request[]":
        one = f"({uuid.uuid4()},{CASH_A},{CASH_B},5,x,{{}},,,)"
        return st.one_of(
            param(st.none()),
            literal(
                [
                    *array_shapes(one),
                    f'{{"({uuid.uuid4()},{CASH_A},{CASH_B},5,x,\\"{{{{a}},{{b}}}}\\",,,)"}}',
                    f'{{"({uuid.uuid4()},{ISSUER},{CASH_B},9223372036854775807,x,{{linked}},,,)",'
                    f'"({uuid.uuid4()},{CASH_B},{CASH_A},1,x,{{pending}},,-5,)"}}',
                ]
            ),
            st.integers(2, 40_000).map(
                lambda n: (
                    "ARRAY(SELECT ROW(gen_random_uuid(), %s::uuid, %s::uuid, 1, 'x', '{}', NULL, NULL, NULL)"
                    "::vb_api.transfer_request FROM generate_series(1, %s))",
                    [CASH_A, CASH_B, n],
                )
            ),
        )
    if type_name == "vb_api.order_request[]":
        one = f"({uuid.uuid4()},{CASH_A},ACME,buy,10,limit,100,gtc)"
        return st.one_of(
            param(st.none()),
            literal(
                [
                    *array_shapes(one),
                    '{"(,,,,,,,)"}',
                    f'{{"({uuid.uuid4()},{CASH_A},{"X" * 5000},sell,-1,market,-5,fok)"}}',
                    f'{{"({uuid.uuid4()},{CASH_A},ACME,buy,9223372036854775807,limit,9223372036854775807,day)"}}',
                ]
            ),
            st.integers(2, 2_000).map(
                lambda n: (
                    "ARRAY(SELECT ROW(gen_random_uuid(), %s::uuid, 'ACME', 'buy', 10, 'limit', 100, 'gtc')"
                    "::vb_api.order_request FROM generate_series(1, %s))",
                    [CASH_A, n],
                )
            ),
        )
    raise AssertionError(f"no hostile values for argument type {type_name}: add them here")


def clean(text: str) -> bool:
    """What a client can send at all: no NUL, no lone surrogate."""
    return "\x00" not in text and not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.fixture(scope="module")
def world(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER,))
        conn.execute("SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, 1000)")
        for owner, cash, handle in ((OWNER_A, CASH_A, "alice"), (OWNER_B, CASH_B, "bob")):
            conn.execute("SELECT vb_api.create_user(%s, %s)", (owner, handle))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (cash, owner))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 10000000, 'deposit')", (uuid.uuid4(), ISSUER, cash)
            )
            conn.execute("SELECT vb_api.issue_shares(%s, 'ACME', %s, 1000)", (uuid.uuid4(), owner))
        conn.execute(
            "SELECT vb_api.place_order(%s, %s, 'ACME', 'sell', 10, 'limit', 1000)", (RESTING, CASH_B)
        )
        conn.execute("SELECT vb_api.ingest_quotes(%s::jsonb)", ("[" + A_QUOTE + "]",))
    return db_url


FUNCTIONS: list[tuple[str, str, list[str]]] = []


def call_strategy():
    return st.sampled_from(FUNCTIONS).flatmap(
        lambda fn: st.tuples(st.just(fn[0]), st.just(fn[1]), st.tuples(*[value_for(t) for t in fn[2]]))
    )


@contextlib.contextmanager
def as_app(conn: psycopg.Connection, role: str = "vb_app"):
    """A savepoint in which the session acts as the role (a released savepoint keeps SET LOCAL, so
    the role is reset before it is released)."""
    with conn.transaction():
        conn.execute(f"SET LOCAL ROLE {role}")
        yield
        conn.execute("RESET ROLE")


def run_call(conn: psycopg.Connection, name: str, role: str, arguments) -> str | None:
    """Call as the role in a savepoint; return the SQLSTATE raised, or None."""
    sql = f"SELECT * FROM vb_api.{name}({', '.join(a[0] for a in arguments)})"
    params = [p for a in arguments for p in a[1]]
    try:
        with as_app(conn, role):
            conn.execute(f"SET LOCAL statement_timeout = '{CALL_TIMEOUT}'")
            conn.execute(sql, params).fetchall()
            conn.execute("SET LOCAL statement_timeout = 0")
        return None
    except psycopg.Error as error:
        return error.sqlstate or f"client: {type(error).__name__}"


NORMAL_ORDER = "SELECT status, reject_reason FROM vb_api.place_order(%s, %s, 'ACME', 'buy', 1, 'limit', 1000)"


def still_healthy(conn: psycopg.Connection) -> None:
    """The ledger verifies, folding works, and a normal transfer and order are still processed
    (their outcome may be a business status: the hostile call may have legitimately halted the
    symbol, closed the market or spent the account's cash)."""
    bad = conn.execute("SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok").fetchall()
    assert bad == [], f"the ledger no longer verifies: {bad}"
    conn.execute("SELECT vb_ops.fold_deferred_entries()")
    with as_app(conn):
        transfer = conn.execute(
            "SELECT vb_api.create_transfer(%s, %s, %s, 1, 'probe')", (uuid.uuid4(), CASH_A, CASH_B)
        ).fetchone()[0]
        assert transfer in ("created", "insufficient_funds"), f"a normal transfer: {transfer}"
        status, reason = conn.execute(NORMAL_ORDER, (uuid.uuid4(), CASH_A)).fetchone()
        assert status in ("filled", "new", "partially_filled") or (status == "rejected" and reason), status


def test_every_vb_api_function_takes_hostile_input(world):
    FUNCTIONS[:] = vb_api_functions(world)
    assert len(FUNCTIONS) >= 30, "the catalog lists the API"
    allowed = documented_sqlstates()
    assert {"VB001", "40001", "42501"} <= allowed, "the table of docs/api.md was read"
    seen: dict[tuple[str, str], int] = {}

    @settings(
        max_examples=max(400, settings.default.max_examples),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(call=call_strategy())
    def one_call(call):
        name, role, arguments = call
        with psycopg.connect(world) as conn:
            conn.execute("SELECT 1")  # the example's transaction: each call below is a savepoint in it
            sqlstate = run_call(conn, name, role, arguments)
            if sqlstate is not None:
                seen[(name, sqlstate)] = seen.get((name, sqlstate), 0) + 1
                assert sqlstate in allowed, (
                    f"vb_api.{name} raised {sqlstate}, which docs/api.md does not document"
                )
            still_healthy(conn)
            conn.rollback()

    one_call()
    assert any(state == "VB001" for _, state in seen), "hostile values did reach the functions' checks"
