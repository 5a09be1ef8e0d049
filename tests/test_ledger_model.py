"""Stateful property test: random ledger operations against an in-memory model.

After every step the balances, pending totals and entry chains in PostgreSQL match the model —
for deferred accounts without folding them: their folded entries and their queue of unfolded
movements separately — and vb_ops.verify_ledger passes. Both transfer paths are exercised:
single requests go through vb_api.create_transfer, batches (with linked chains and partial
posts) through vb_api.create_transfers. Rules also generate two-phase timeouts (time moved past
them, then vb_ops.expire_pending_transfers), folding as a step of its own, a second asset,
overflow, invalid requests and replays. Each example runs in one transaction rolled back at its
end, so every example starts from the freshly deployed database.
"""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field

import psycopg
import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from pyvb.testing.fixtures import run_model

REQUEST_TYPE = "vb_api.transfer_request"
BIGINT_MAX = 2**63 - 1
BIGINT_MIN = -(2**63)
#: vb.max_issuer_supply(): how much an issuer opened "unlimited" may have outstanding
ISSUER_SUPPLY = 10**18
IDEMPOTENCY_STATUSES = ("exists", "exists_with_different_fields", "id_already_failed")


@dataclass
class Account:
    limit: int | None  # None = unlimited
    deferred: bool = False
    asset: str = "VBD"
    balance: int = 0
    pending_out: int = 0
    pending_in: int = 0
    moves: list[int] = field(default_factory=list)  # signed amounts, in order
    folded: int = 0  # how many of moves a deferred account has folded into entries


@dataclass
class Pending:
    from_id: uuid.UUID
    to_id: uuid.UUID
    amount: int
    state: str = "pending"
    timeout: bool = False  # has a timeout
    timed_out: bool = False  # its timeout has passed (not yet expired by expire_pending_transfers)


@dataclass
class Model:
    accounts: dict[uuid.UUID, Account] = field(default_factory=dict)
    pendings: dict[uuid.UUID, Pending] = field(default_factory=dict)
    registry: dict[uuid.UUID, tuple[tuple, str]] = field(default_factory=dict)  # id -> (fields, status)
    _in_batch: bool = False

    def evaluate(self, req: dict) -> str:
        """The status the ledger must report, applying the request if it is created."""
        replayed = self._replay_status(req)
        if replayed:
            return replayed
        fields = (req["from"], req["to"], req["amount"], req["flags"], req["pending_id"], req["timeout_s"])
        if "linked" in req["flags"] and not self._in_batch:
            return "linked_event_chain_open"  # a lone linked request: nothing recorded
        status = self._check(req)
        self.registry[req["id"]] = (fields, status)
        if status == "created":
            self._apply(req)
        return status

    def _check(self, req: dict) -> str:
        kind = next((f for f in ("pending", "post_pending", "void_pending") if f in req["flags"]), "single")
        if self._invalid(req, kind):
            return "invalid_request"
        if req["amount"] is not None and req["amount"] <= 0:
            return "amount_must_be_positive"
        if kind in ("post_pending", "void_pending"):
            pending = self.pendings.get(req["pending_id"])
            if pending is None:
                return "pending_transfer_not_found"
            if pending.state != "pending":
                return "pending_transfer_not_pending"
            if pending.timed_out:
                return "pending_transfer_expired"
            if req["amount"] is not None and req["amount"] > pending.amount:
                return "exceeds_pending_amount"
            if kind == "post_pending" and self._overflows(
                pending.from_id, pending.to_id, req["amount"] or pending.amount
            ):
                return "overflow"
            return "created"
        if req["from"] == req["to"]:
            return "accounts_must_be_different"
        source, target = self.accounts[req["from"]], self.accounts[req["to"]]
        if source.asset != target.asset:
            return "asset_mismatch"
        if source.limit is not None and source.balance - source.pending_out - req["amount"] < -source.limit:
            return "insufficient_funds"
        if kind == "pending" and (
            source.pending_out + req["amount"] > BIGINT_MAX or target.pending_in + req["amount"] > BIGINT_MAX
        ):
            return "overflow"
        if kind == "single" and self._overflows(req["from"], req["to"], req["amount"]):
            return "overflow"
        return "created"

    @staticmethod
    def _invalid(req: dict, kind: str) -> bool:
        timeout_s = req["timeout_s"]
        if timeout_s is not None and (timeout_s < 0 or (timeout_s > 0 and kind != "pending")):
            return True
        if kind in ("single", "pending"):
            return (
                req["from"] is None
                or req["to"] is None
                or req["amount"] is None
                or req["pending_id"] is not None
            )
        return req["pending_id"] is None or (kind == "void_pending" and req["amount"] is not None)

    def _overflows(self, from_id, to_id, amount) -> bool:
        """A balance the ledger reads would leave the bigint range (every debited account is read;
        a deferred account's credit is not, and the credit capacity keeps it inside bigint)."""
        source, target = self.accounts[from_id], self.accounts[to_id]
        return source.balance - amount < BIGINT_MIN or (
            not target.deferred and target.balance + amount > BIGINT_MAX
        )

    def pass_timeouts(self) -> None:
        for pending in self.pendings.values():
            if pending.state == "pending" and pending.timeout:
                pending.timed_out = True

    def expire(self) -> int:
        expired = [p for p in self.pendings.values() if p.state == "pending" and p.timed_out]
        for pending in expired:
            pending.state = "expired"
            self.accounts[pending.from_id].pending_out -= pending.amount
            self.accounts[pending.to_id].pending_in -= pending.amount
        return len(expired)

    def fold(self, max_accounts: int) -> int:
        """vb_ops.fold_deferred_entries: the first max_accounts deferred accounts (by id) with
        unfolded movements fold them all."""
        waiting = sorted(
            a for a, acc in self.accounts.items() if acc.deferred and acc.folded < len(acc.moves)
        )
        folded = 0
        for account_id in waiting[:max_accounts]:
            account = self.accounts[account_id]
            folded += len(account.moves) - account.folded
            account.folded = len(account.moves)
        return folded

    def _apply(self, req: dict) -> None:
        flags = req["flags"]
        if "pending" in flags:
            self.pendings[req["id"]] = Pending(
                req["from"], req["to"], req["amount"], timeout=bool(req["timeout_s"])
            )
            self.accounts[req["from"]].pending_out += req["amount"]
            self.accounts[req["to"]].pending_in += req["amount"]
            return
        if "post_pending" in flags or "void_pending" in flags:
            pending = self.pendings[req["pending_id"]]
            self.accounts[pending.from_id].pending_out -= pending.amount
            self.accounts[pending.to_id].pending_in -= pending.amount
            if "void_pending" in flags:
                pending.state = "voided"
                return
            pending.state = "posted"
            self._move(pending.from_id, pending.to_id, req["amount"] or pending.amount)
            return
        self._move(req["from"], req["to"], req["amount"])

    def _move(self, from_id, to_id, amount) -> None:
        for account_id, signed in ((from_id, -amount), (to_id, amount)):
            account = self.accounts[account_id]
            account.balance += signed
            account.moves.append(signed)

    def evaluate_batch(self, reqs: list[dict]) -> list[str]:
        """Sequential semantics with linked chains: a failing member voids its chain."""
        self._in_batch = True
        try:
            return self._evaluate_chains(reqs)
        finally:
            self._in_batch = False

    def _evaluate_chains(self, reqs: list[dict]) -> list[str]:
        statuses: list[str] = []
        start = 0
        while start < len(reqs):
            end = start
            while end < len(reqs) and "linked" in reqs[end]["flags"]:
                end += 1
            chain = reqs[start : end + 1]
            if end == len(reqs):  # open chain: idempotency statuses win, nothing is recorded
                statuses += [self._replay_status(r) or "linked_event_chain_open" for r in chain]
                break
            snapshot = copy.deepcopy((self.accounts, self.pendings, self.registry))
            chain_statuses = [self.evaluate(r) for r in chain]
            failed = [i for i, s in enumerate(chain_statuses) if s not in ("created", "exists")]
            if failed and len(chain) > 1:
                self.accounts, self.pendings, self.registry = snapshot
                culprit = failed[0]
                chain_statuses = [
                    s if s in IDEMPOTENCY_STATUSES else "linked_event_failed" for s in chain_statuses
                ]
                chain_statuses[culprit] = self._status_in_chain(chain, culprit)
            statuses += chain_statuses
            start = end + 1
        return statuses

    def _replay_status(self, req: dict) -> str | None:
        if req["id"] not in self.registry:
            return None
        recorded, status = self.registry[req["id"]]
        if status != "created":
            return "id_already_failed"
        fields = (req["from"], req["to"], req["amount"], req["flags"], req["pending_id"], req["timeout_s"])
        return "exists" if recorded == fields else "exists_with_different_fields"

    def _status_in_chain(self, chain: list[dict], culprit: int) -> str:
        """Replay the chain up to its first failing member to learn that member's status and
        record it (only the culprit is recorded as a rejection)."""
        scratch = copy.deepcopy(self)
        for req in chain[:culprit]:
            scratch.evaluate(req)
        status = scratch.evaluate(chain[culprit])
        bad = chain[culprit]
        if status in IDEMPOTENCY_STATUSES:
            return status  # describes an earlier record; nothing new is recorded
        self.registry[bad["id"]] = (
            (bad["from"], bad["to"], bad["amount"], bad["flags"], bad["pending_id"], bad["timeout_s"]),
            status,
        )
        return status


def request(
    from_id=None, to_id=None, amount=None, flags=(), pending_id=None, transfer_id=None, timeout_s=None
) -> dict:
    return {
        "id": transfer_id or uuid.uuid4(),
        "from": from_id,
        "to": to_id,
        "amount": amount,
        "flags": tuple(flags),
        "pending_id": pending_id,
        "timeout_s": timeout_s,
    }


def as_row(req: dict) -> tuple:
    code = None if ("post_pending" in req["flags"] or "void_pending" in req["flags"]) else "test"
    return (
        req["id"],
        req["from"],
        req["to"],
        req["amount"],
        code,
        list(req["flags"]),
        req["pending_id"],
        req["timeout_s"],
        None,
    )


amounts = st.integers(min_value=-5, max_value=400)


class LedgerMachine(RuleBasedStateMachine):
    database_url: str  # set by the test: a deployed database that every example leaves unchanged
    connect_kwargs: dict  # set by the test: psycopg.connect's keywords

    @initialize()
    def open_accounts(self):
        # one transaction per example, rolled back at its end (see the module's docstring)
        self.conn = psycopg.connect(self.database_url, **self.connect_kwargs)
        self.conn.execute("SET LOCAL statement_timeout = '30s'")
        self.model = Model()
        self.issuer = uuid.uuid4()
        self.customers = [uuid.uuid4() for _ in range(3)]
        self.house = uuid.uuid4()
        self.other_issuer, self.other_customer = uuid.uuid4(), uuid.uuid4()  # a second asset
        execute = self.conn.execute
        for asset, issuer in (("VBD", self.issuer), ("VBX", self.other_issuer)):
            execute("SELECT vb_api.create_asset(%s, 2::smallint)", (asset,))
            execute("SELECT vb_api.open_account(%s, %s, NULL, 'issuer', NULL)", (issuer, asset))
            # "unlimited": up to vb.max_issuer_supply() outstanding
            self.model.accounts[issuer] = Account(limit=ISSUER_SUPPLY, deferred=True, asset=asset)
        for account_id, limit in zip(self.customers, (0, 0, 100), strict=True):
            execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'customer', %s)", (account_id, limit))
            self.model.accounts[account_id] = Account(limit=limit)
        execute("SELECT vb_api.open_account(%s, 'VBX', NULL, 'customer', 0)", (self.other_customer,))
        self.model.accounts[self.other_customer] = Account(limit=0, asset="VBX")
        execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'house', 0)", (self.house,))
        self.model.accounts[self.house] = Account(limit=0, deferred=True)
        for account_id in self.customers:
            self._single(request(self.issuer, account_id, 500))
        self._single(request(self.other_issuer, self.other_customer, 500))

    def teardown(self):
        if hasattr(self, "conn"):
            self.conn.rollback()
            self.conn.close()

    # --- helpers -----------------------------------------------------------------------------
    def _single(self, req: dict) -> None:
        expected = self.model.evaluate(req)
        got = self.conn.execute(
            "SELECT vb_api.create_transfer(%s, %s, %s, %s, %s, %s, %s, %s, %s)", as_row(req)
        ).fetchone()[0]
        assert got == expected, (req, got, expected)

    def _batch(self, reqs: list[dict]) -> None:
        expected = self.model.evaluate_batch(reqs)
        rows = self.conn.execute(
            f"SELECT status FROM vb_api.create_transfers(%s::{REQUEST_TYPE}[]) ORDER BY idx",
            ([as_row(r) for r in reqs],),
        ).fetchall()
        assert [r[0] for r in rows] == expected, (reqs, rows, expected)

    def _party(self, index: int) -> uuid.UUID:
        return ([*self.customers, self.house])[index % 4]

    def _open_pendings(self) -> list[uuid.UUID]:
        return [pid for pid, p in self.model.pendings.items() if p.state == "pending"]

    # --- rules -------------------------------------------------------------------------------
    @rule(a=st.integers(0, 3), b=st.integers(0, 3), amount=amounts)
    def transfer(self, a, b, amount):
        self._single(request(self._party(a), self._party(b), amount))

    @rule(a=st.integers(0, 2), amount=st.integers(1, 300))
    def deposit(self, a, amount):
        self._single(request(self.issuer, self.customers[a], amount))

    @rule(
        a=st.integers(0, 3),
        b=st.integers(0, 3),
        amount=st.integers(1, 300),
        timeout_s=st.sampled_from([None, 0, 3600, 3600, -1]),
    )
    def reserve(self, a, b, amount, timeout_s):
        self._single(request(self._party(a), self._party(b), amount, flags=("pending",), timeout_s=timeout_s))

    @rule()
    def timeouts_pass(self):
        """Time moves past every pending transfer's timeout: posting or voiding one now reports
        pending_transfer_expired until vb_ops.expire_pending_transfers releases it."""
        self.conn.execute(
            "UPDATE vb.pending_transfers SET expires_at = clock_timestamp() - interval '1 second'"
            " WHERE pending_state = 'pending' AND expires_at IS NOT NULL"
        )
        self.model.pass_timeouts()

    @rule(limit=st.integers(1, 3))
    def expire(self, limit):
        expired = 0
        while step := self.conn.execute("SELECT vb_ops.expire_pending_transfers(%s)", (limit,)).fetchone()[0]:
            assert step <= limit
            expired += step
        assert expired == self.model.expire()

    @rule(max_accounts=st.integers(1, 3))
    def fold(self, max_accounts):
        folded = self.conn.execute("SELECT vb_ops.fold_deferred_entries(%s)", (max_accounts,)).fetchone()[0]
        assert folded == self.model.fold(max_accounts)

    @rule(a=st.integers(0, 3), to_other_asset=st.booleans(), amount=st.integers(1, 300))
    def across_assets(self, a, to_other_asset, amount):
        if to_other_asset:
            self._single(request(self._party(a), self.other_customer, amount))
        else:
            self._single(request(self.other_customer, self._party(a), amount))

    @rule(
        amount=st.sampled_from([BIGINT_MAX, 2**62, ISSUER_SUPPLY - 1500, ISSUER_SUPPLY // 2, ISSUER_SUPPLY])
    )
    def huge_deposit(self, amount):
        """Deposits towards the top of the bigint range: the issuer issues at most its supply
        (10^18 outstanding), so no balance, folded or not, can leave bigint."""
        self._single(request(self.issuer, self.customers[0], amount))

    @rule(
        kind=st.sampled_from(["negative_timeout", "timeout_on_single", "void_with_amount", "no_pending_id"]),
        a=st.integers(0, 3),
    )
    def invalid(self, kind, a):
        open_ids = self._open_pendings()
        req = {
            "negative_timeout": lambda: request(
                self._party(a), self.customers[0], 5, ("pending",), timeout_s=-5
            ),
            "timeout_on_single": lambda: request(self._party(a), self.customers[0], 5, timeout_s=60),
            "void_with_amount": lambda: request(
                amount=5, flags=("void_pending",), pending_id=open_ids[0] if open_ids else uuid.uuid4()
            ),
            "no_pending_id": lambda: request(amount=5, flags=("post_pending",)),
        }[kind]()
        self._single(req)

    @precondition(lambda self: self._open_pendings())
    @rule(pick=st.integers(0, 100), amount=st.one_of(st.none(), st.integers(1, 300)), void=st.booleans())
    def resolve(self, pick, amount, void):
        pending_id = self._open_pendings()[pick % len(self._open_pendings())]
        flags = ("void_pending",) if void else ("post_pending",)
        self._single(request(amount=None if void else amount, flags=flags, pending_id=pending_id))

    @precondition(lambda self: self.model.registry)
    @rule(pick=st.integers(0, 1000), change=st.booleans())
    def replay(self, pick, change):
        ids = list(self.model.registry)
        transfer_id = ids[pick % len(ids)]
        fields, _ = self.model.registry[transfer_id]
        from_id, to_id, amount, flags, pending_id, timeout_s = fields
        if change and amount is not None:
            amount = amount + 1 if amount < BIGINT_MAX else amount - 1
        self._single(request(from_id, to_id, amount, flags, pending_id, transfer_id, timeout_s))

    @rule(
        parts=st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 3), amounts, st.booleans()), min_size=2, max_size=5
        )
    )
    def batch(self, parts):
        reqs = [
            request(self._party(a), self._party(b), amount, flags=("linked",) if linked else ())
            for a, b, amount, linked in parts
        ]
        self._batch(reqs)

    @rule(
        parts=st.lists(
            st.tuples(
                st.sampled_from(["move", "reserve", "post", "void"]),
                st.integers(0, 3),
                st.integers(0, 3),
                st.integers(1, 300),
                st.booleans(),
            ),
            min_size=2,
            max_size=6,
        )
    )
    def two_phase_batch(self, parts):
        """Batches mixing transfers, reservations and resolutions of pending transfers, including
        ones reserved earlier in the same batch (the batch engine's two-phase paths)."""
        reqs: list[dict] = []
        open_ids = self._open_pendings()
        for op, a, b, amount, linked in parts:
            flags = ("linked",) if linked else ()
            if op in ("post", "void") and (open_ids or reqs):
                candidates = open_ids + [r["id"] for r in reqs if "pending" in r["flags"]]
                if candidates:
                    target = candidates[(a * 4 + b) % len(candidates)]
                    kind = "post_pending" if op == "post" else "void_pending"
                    reqs.append(  # posts are partial or whole, in chains and outside them
                        request(
                            amount=amount if op == "post" and (a + b) % 2 else None,
                            flags=(kind, *flags),
                            pending_id=target,
                        )
                    )
                    continue
            extra = ("pending",) if op == "reserve" else ()
            reqs.append(request(self._party(a), self._party(b), amount, flags=(*extra, *flags)))
        self._batch(reqs)

    @precondition(lambda self: self.model.registry)
    @rule(pick=st.integers(0, 1000), linked=st.booleans(), amount=amounts)
    def batch_with_replay(self, pick, linked, amount):
        """A batch whose first request replays an earlier id, optionally chained to a new one."""
        ids = list(self.model.registry)
        transfer_id = ids[pick % len(ids)]
        from_id, to_id, old_amount, flags, pending_id, timeout_s = self.model.registry[transfer_id][0]
        flags = tuple(f for f in flags if f != "linked") + (("linked",) if linked else ())
        replay = request(from_id, to_id, old_amount, flags, pending_id, transfer_id, timeout_s)
        self._batch([replay, request(self.customers[0], self.customers[1], amount)])

    # --- invariants --------------------------------------------------------------------------
    @invariant()
    def balances_match(self):
        ids = list(self.model.accounts)
        rows = self.conn.execute(
            "SELECT account_id, balance, pending_out, pending_in FROM vb_api.get_balances(%s)", (ids,)
        ).fetchall()
        got = {r[0]: r[1:] for r in rows}
        for account_id, account in self.model.accounts.items():
            assert got[account_id] == (account.balance, account.pending_out, account.pending_in)

    @invariant()
    def entries_match(self):
        """Customers through account_entries; deferred accounts read without folding them (as
        account_entries would): their folded entries, then their queue of unfolded movements."""
        for account_id, account in self.model.accounts.items():
            if account.deferred:
                rows = self.conn.execute(
                    "SELECT version, amount, balance_after FROM vb.entries"
                    " WHERE account_id = %s ORDER BY version",
                    (account_id,),
                ).fetchall()
                unfolded = self.conn.execute(
                    "SELECT amount FROM vb.unfolded_entries WHERE account_id = %s ORDER BY unfolded_entry_id",
                    (account_id,),
                ).fetchall()
                assert [r[1] for r in rows] == account.moves[: account.folded]
                assert [r[0] for r in unfolded] == account.moves[account.folded :]
            else:
                rows = self.conn.execute(
                    "SELECT version, amount, balance_after FROM vb_api.account_entries(%s, 0, 1000)",
                    (account_id,),
                ).fetchall()
                assert [r[1] for r in rows] == account.moves
            running = 0
            for position, (version, amount, balance_after) in enumerate(rows, start=1):
                running += amount
                assert (version, balance_after) == (position, running)

    @invariant()
    def ledger_verifies(self):
        failures = self.conn.execute(
            "SELECT check_name, detail FROM vb_ops.verify_ledger() WHERE NOT ok"
        ).fetchall()
        assert failures == []


@pytest.mark.parametrize("via", ["direct", "pgbouncer"])
def test_ledger_matches_model(db_url, via, request):
    """Direct, and through a PgBouncer in transaction pooling mode (pyvb.testing.fixtures.run_model)."""
    run_model(LedgerMachine, db_url, via, request)
