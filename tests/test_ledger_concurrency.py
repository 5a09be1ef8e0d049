"""Concurrency and faults against a real PostgreSQL: overlapping batches never deadlock, the same
transfer id from two connections applies once, and a killed backend leaves nothing behind."""

from __future__ import annotations

import random
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psycopg
import pytest

from pyvb.testing import wait_until_blocked

REQUEST_TYPE = "vb_api.transfer_request"
ACCOUNTS = [uuid.UUID(int=0xA000 + i) for i in range(8)]
HOUSE = uuid.UUID(int=0xB000)
ISSUER = uuid.UUID(int=0xF000)


@pytest.fixture(scope="module")
def ledger(db_url):
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ISSUER,))
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'house', 0)", (HOUSE,))
        for account_id in ACCOUNTS:
            conn.execute("SELECT vb_api.open_account(%s, 'VBD')", (account_id,))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 100000, 'deposit')",
                (uuid.uuid4(), ISSUER, account_id),
            )
    return db_url


def row(from_id, to_id, amount, transfer_id=None, flags=()):
    return (transfer_id or uuid.uuid4(), from_id, to_id, amount, "test", list(flags), None, None, None)


def create_batch(conn, rows):
    return conn.execute(
        f"SELECT status FROM vb_api.create_transfers(%s::{REQUEST_TYPE}[]) ORDER BY idx", (rows,)
    ).fetchall()


def verify(url):
    with psycopg.connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        return conn.execute("SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok").fetchall()


def total_balance(url):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "SELECT sum(balance) FROM vb_api.get_balances(%s)", ([*ACCOUNTS, HOUSE, ISSUER],)
        ).fetchone()[0]


def test_overlapping_batches_and_singles_never_deadlock(ledger):
    """Six connections hammer the same eight accounts (and one house account) with batches in
    random order, single transfers and folds; every call succeeds and the ledger verifies."""
    errors: list[BaseException] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(ledger, autocommit=True) as conn:
                for _ in range(25):
                    choice = rng.random()
                    if choice < 0.6:
                        rows = []
                        for _ in range(rng.randint(2, 12)):
                            a, b = rng.sample([*ACCOUNTS, HOUSE], 2)
                            rows.append(
                                row(
                                    a, b, rng.randint(1, 500), flags=("linked",) if rng.random() < 0.2 else ()
                                )
                            )
                        got = [r[0] for r in create_batch(conn, rows)]
                    elif choice < 0.95:
                        a, b = rng.sample([*ACCOUNTS, HOUSE], 2)
                        got = [
                            conn.execute(
                                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'test')",
                                (uuid.uuid4(), a, b, rng.randint(1, 500)),
                            ).fetchone()[0]
                        ]
                    else:
                        conn.execute("SELECT vb_ops.fold_deferred_entries()")
                        got = []
                    with lock:
                        statuses.extend(got)
        except BaseException as error:  # collected and asserted below
            with lock:
                errors.append(error)

    before = total_balance(ledger)
    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    assert errors == [], errors
    assert "created" in statuses
    assert set(statuses) <= {
        "created",
        "insufficient_funds",
        "linked_event_failed",
        "linked_event_chain_open",
    }
    assert total_balance(ledger) == before
    assert verify(ledger) == []


def test_same_id_from_two_connections_applies_once(ledger):
    """Connection A creates a transfer and holds its transaction open; B sends the same id, waits,
    and reports 'exists' once A commits."""
    transfer_id = uuid.uuid4()
    args = (transfer_id, ACCOUNTS[0], ACCOUNTS[1], 7)
    with psycopg.connect(ledger) as a, psycopg.connect(ledger, autocommit=True) as b:
        assert (
            a.execute("SELECT vb_api.create_transfer(%s, %s, %s, %s, 'test')", args).fetchone()[0]
            == "created"
        )
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(
                lambda: b.execute("SELECT vb_api.create_transfer(%s, %s, %s, %s, 'test')", args).fetchone()[0]
            )
            wait_until_blocked(ledger, b.info.backend_pid)  # the second caller waits for the first
            assert not pending.done()
            a.commit()
            assert pending.result(timeout=30) == "exists"
        count = b.execute(
            "SELECT count(*) FROM vb.transfers WHERE transfer_id = %s", (transfer_id,)
        ).fetchone()[0]
    assert count == 1


def test_same_id_between_unlocked_accounts_applies_once(ledger):
    """issuer → house locks no account (both deferred, the issuer unlimited): the registry's key
    alone makes the second caller wait, and it reports 'exists' once the first commits, having
    written nothing."""
    transfer_id = uuid.uuid4()
    args = (transfer_id, ISSUER, HOUSE, 3)
    query = "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'test')"
    with psycopg.connect(ledger) as a, psycopg.connect(ledger, autocommit=True) as b:
        assert a.execute(query, args).fetchone()[0] == "created"
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(lambda: b.execute(query, args).fetchone()[0])
            wait_until_blocked(ledger, b.info.backend_pid)
            assert not pending.done()
            a.commit()
            assert pending.result(timeout=30) == "exists"
        queued = b.execute(
            "SELECT count(*) FROM vb.unfolded_entries WHERE transfer_id = %s", (transfer_id,)
        ).fetchone()[0]
    assert queued == 2, "one debit and one credit, once"
    assert verify(ledger) == []


def test_reads_of_a_hot_account_never_write_nor_wait(ledger):
    """account_entries and balance_at on a deferred account: in a READ ONLY transaction (a report,
    a standby) they used to fail with 25006 (they folded first), and behind a writer holding the
    account they waited. Now the movements not yet folded follow the folded entries with a null
    version, and balance_at adds them."""
    with psycopg.connect(ledger, autocommit=True) as conn:
        for amount in (3, 4):
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'fee')",
                (uuid.uuid4(), ACCOUNTS[7], HOUSE, amount),
            )
        balance = conn.execute("SELECT balance FROM vb_api.get_balances(%s)", ([HOUSE],)).fetchone()[0]
    with psycopg.connect(ledger) as reader:
        reader.read_only = True
        rows = reader.execute(
            "SELECT version, amount, balance_after FROM vb_api.account_entries(%s, 0, 1000)", (HOUSE,)
        ).fetchall()
        assert rows[-1][2] == balance, "the last row's running balance is the balance"
        assert [r[1] for r in rows[-2:]] == [3, 4] and rows[-1][0] is None, "unfolded, without a version"
        at = reader.execute("SELECT vb_api.balance_at(%s, clock_timestamp())", (HOUSE,)).fetchone()[0]
        assert at == balance
    with psycopg.connect(ledger) as writer, psycopg.connect(ledger) as reader:
        writer.execute("SELECT 1 FROM vb.accounts WHERE account_id = %s FOR UPDATE", (HOUSE,))
        reader.execute("SET statement_timeout = '5s'")
        rows = reader.execute("SELECT version FROM vb_api.account_entries(%s, 0, 1000)", (HOUSE,)).fetchall()
        assert rows[-1][0] is None, "a held hot account is read without folding, not waited for"
        writer.rollback()
    assert verify(ledger) == []


def test_same_id_in_two_batches_applies_once(ledger):
    """Batches take no per-id lock: the loser waits on the registry key, then fails with 40001
    and nothing of its batch stands; retrying reports the id as 'exists'."""
    transfer_id = uuid.uuid4()
    first = [row(ACCOUNTS[2], ACCOUNTS[3], 5, transfer_id), row(ACCOUNTS[3], ACCOUNTS[4], 1)]
    other = row(ACCOUNTS[5], ACCOUNTS[6], 3)
    second = [other, row(ACCOUNTS[2], ACCOUNTS[3], 5, transfer_id)]
    with psycopg.connect(ledger) as a, psycopg.connect(ledger, autocommit=True) as b:
        assert [r[0] for r in create_batch(a, first)] == ["created", "created"]
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(create_batch, b, second)
            wait_until_blocked(ledger, b.info.backend_pid)
            assert not pending.done()
            a.commit()
            with pytest.raises(psycopg.errors.SerializationFailure):
                pending.result(timeout=30)
        assert (
            b.execute("SELECT count(*) FROM vb.transfer_ids WHERE transfer_id = %s", (other[0],)).fetchone()[
                0
            ]
            == 0
        )
        assert [r[0] for r in create_batch(b, second)] == ["created", "exists"]
    assert verify(ledger) == []


def test_killed_backend_leaves_no_partial_state(ledger):
    """A batch blocked mid-call on a locked account, and a batch done but not committed: killing
    either backend leaves no row of it and a ledger that verifies."""
    before = total_balance(ledger)
    with psycopg.connect(ledger, autocommit=True) as admin, psycopg.connect(ledger) as blocker:
        blocker.execute("SELECT 1 FROM vb.accounts WHERE account_id = %s FOR UPDATE", (ACCOUNTS[7],))
        for blocked in (True, False):
            rows = [row(ACCOUNTS[6], ACCOUNTS[5], 10) for _ in range(20)]
            rows.append(row(ACCOUNTS[6], ACCOUNTS[7] if blocked else ACCOUNTS[4], 10))
            victim = psycopg.connect(ledger)
            pid = victim.info.backend_pid
            with ThreadPoolExecutor(1) as pool:
                pending = pool.submit(create_batch, victim, rows)
                if blocked:
                    wait_until_blocked(ledger, pid)
                else:
                    pending.result(timeout=30)  # done, transaction still open
                assert admin.execute("SELECT pg_terminate_backend(%s)", (pid,)).fetchone()[0]
                if blocked:
                    with pytest.raises(psycopg.OperationalError):
                        pending.result(timeout=30)
            victim.close()
            ids = [r[0] for r in rows]
            leftover = admin.execute(
                "SELECT count(*) FROM vb.transfer_ids WHERE transfer_id = ANY(%s)", (ids,)
            )
            assert leftover.fetchone()[0] == 0
        blocker.rollback()
    assert total_balance(ledger) == before
    assert verify(ledger) == []


def test_post_void_and_expiry_of_one_pending_transfer_race_and_exactly_one_wins(ledger):
    """Rounds of three callers at once on one pending transfer whose timeout falls due around
    the same instant: a post (single path), a void (batch path) and the expiry pass. Exactly one
    of them takes effect every round; the losers report not pending / expired; the reservation
    is released exactly once and the ledger verifies."""
    payer, payee = ACCOUNTS[0], ACCOUNTS[1]
    before = total_balance(ledger)
    wins = {"post": 0, "void": 0, "expire": 0}
    with (
        psycopg.connect(ledger, autocommit=True) as setup,
        psycopg.connect(ledger, autocommit=True) as poster,
        psycopg.connect(ledger, autocommit=True) as voider,
        psycopg.connect(ledger, autocommit=True) as expirer,
        ThreadPoolExecutor(3) as pool,
    ):
        for round_number in range(40):
            pending_id = uuid.uuid4()
            status = setup.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 10, 'hold', ARRAY['pending'], NULL, 3600)",
                (pending_id, payer, payee),
            ).fetchone()[0]
            assert status == "created"
            # due a few milliseconds from now: which caller comes first varies from round to round
            setup.execute(
                "UPDATE vb.pending_transfers SET expires_at = clock_timestamp() + %s * interval '1 ms'"
                " WHERE pending_id = %s",
                (round_number % 8, pending_id),
            )
            start = threading.Barrier(3)

            def post(start=start, pending_id=pending_id):
                start.wait()
                return poster.execute(
                    "SELECT vb_api.create_transfer(%s, NULL, NULL, NULL, NULL, ARRAY['post_pending'], %s)",
                    (uuid.uuid4(), pending_id),
                ).fetchone()[0]

            def void(start=start, pending_id=pending_id):
                start.wait()
                request = (uuid.uuid4(), None, None, None, None, ["void_pending"], pending_id, None, None)
                return create_batch(voider, [request])[0][0]

            def expire(start=start):
                start.wait()
                time.sleep(0.004)
                return expirer.execute("SELECT vb_ops.expire_pending_transfers()").fetchone()[0]

            posted, voided, expired = (
                f.result(timeout=30) for f in [pool.submit(post), pool.submit(void), pool.submit(expire)]
            )
            outcomes = {"post": posted == "created", "void": voided == "created", "expire": expired == 1}
            assert sum(outcomes.values()) <= 1, (posted, voided, expired)
            losers = {posted, voided} - {"created"}
            assert losers <= {"pending_transfer_not_pending", "pending_transfer_expired"}, (posted, voided)
            if not any(outcomes.values()):  # both came after the instant, before the pass
                assert setup.execute("SELECT vb_ops.expire_pending_transfers()").fetchone()[0] == 1
                outcomes["expire"] = True
            for name, won in outcomes.items():
                wins[name] += won
            state = setup.execute(
                "SELECT pending_state FROM vb.pending_transfers WHERE pending_id = %s", (pending_id,)
            ).fetchone()[0]
            assert (
                state
                == {"post": "posted", "void": "voided", "expire": "expired"}[
                    next(name for name, won in outcomes.items() if won)
                ]
            )
        pending_out = setup.execute("SELECT pending_out FROM vb_api.get_balances(%s)", ([payer],)).fetchone()[
            0
        ]
    assert pending_out == 0, "every reservation released exactly once"
    assert total_balance(ledger) == before
    assert verify(ledger) == []
    assert wins["post"] + wins["void"] + wins["expire"] == 40
