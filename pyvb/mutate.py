"""``pyvb dev mutate``: a mutation check of the SQL that matters most (matching, settlement,
fees, the transfer checks, idempotency, expiry).

Each mutant is one small change to one repeatable file — a flipped comparison, a dropped fee,
a swapped priority order, a removed guard — applied to a copy of the project, never to the
working tree. The relevant tests then run against the copy (``VB_PROJECT_ROOT`` points the
deploy at it); a mutant the tests do not fail *survives*, which names a hole in the suite.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from pyvb.config import PROJECT_ROOT

TRADING_TESTS = ("tests/test_trading_model.py", "pgtap/50_trading/test_orders.sql")
LEDGER_TESTS = (
    "tests/test_ledger_model.py",
    "pgtap/20_ledger/test_transfer_statuses.sql",
    "pgtap/20_ledger/test_two_phase_and_limits.sql",
    "pgtap/20_ledger/test_idempotency_and_chains.sql",
)
#: what the copy needs to deploy and run the tests
COPIED = ("migrations", "procedures", "sql", "pgtap", "tests", "conftest.py", "pyproject.toml")


@dataclass(frozen=True)
class Mutant:
    name: str
    path: str
    original: str
    mutated: str
    what: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "priority-inversion", "procedures/50_trading/internal/match_order.sql",
        "ORDER BY o.priority_price, o.book_seq;", "ORDER BY o.priority_price, o.book_seq DESC;",
        "time priority reversed: the newest resting order at a price fills first", TRADING_TESTS,
    ),
    Mutant(
        "trade-at-taker-price", "procedures/50_trading/internal/match_order.sql",
        "prices := prices || v_resting.limit_price;",
        "prices := prices || coalesce(p_limit_price, v_resting.limit_price);",
        "a trade at the incoming order's price instead of the resting order's", TRADING_TESTS,
    ),
    Mutant(
        "no-self-trade-prevention", "procedures/50_trading/internal/match_order.sql",
        "IF v_resting.owner_id = p_owner_id THEN", "IF false THEN",
        "an owner's orders trade with each other", TRADING_TESTS,
    ),
    Mutant(
        "fok-fills-partially", "procedures/50_trading/internal/place_order.sql",
        "IF v_reason IS NULL AND v_time_in_force = 'fok' AND v_plan.remaining > 0 THEN", "IF false THEN",
        "fill-or-kill keeps a partial fill", TRADING_TESTS,
    ),
    Mutant(
        "seller-fee-lost", "procedures/50_trading/internal/trade_transfers.sql",
        "p_fee_account, v_buyer_fee + v_seller_fee,", "p_fee_account, v_buyer_fee,",
        "the seller's fee never reaches the fee account", TRADING_TESTS,
    ),
    Mutant(
        "fee-rounded-down", "procedures/50_trading/internal/trade_fee.sql",
        "SELECT ceil(p_notional * p_bps / 10000)::bigint;",
        "SELECT floor(p_notional * p_bps / 10000)::bigint;",
        "fees rounded down instead of up", TRADING_TESTS,
    ),
    Mutant(
        "reservation-without-slack", "procedures/50_trading/internal/buy_reservation.sql",
        "+ CASE WHEN p_fee_bps > 0 THEN p_quantity / p_lot_size ELSE 0 END", "+ 0",
        "a resting buy reserves no minor unit per lot for the fees' rounding", TRADING_TESTS,
    ),
    Mutant(
        "price-priority-inverted", "procedures/50_trading/internal/match_order.sql",
        "ORDER BY o.priority_price, o.book_seq;", "ORDER BY o.priority_price DESC, o.book_seq;",
        "the worst crossing price fills first", TRADING_TESTS,
    ),
    Mutant(
        "buyer-pays-the-other-sides-rate", "procedures/50_trading/internal/trade_transfers.sql",
        "CASE WHEN v_maker_buys THEN p_maker.maker_fee_bps ELSE p_taker_fee_bps END);",
        "CASE WHEN v_maker_buys THEN p_taker_fee_bps ELSE p_maker.maker_fee_bps END);",
        "the buyer's fee at the seller's rate (maker and taker rates swapped)", TRADING_TESTS,
    ),
    Mutant(
        "reservations-ignored", "procedures/20_ledger/internal/check_transfer.sql",
        "p_from_balance::numeric - p_from_pending_out - p_req.amount < -p_from_limit::numeric",
        "p_from_balance::numeric - p_req.amount < -p_from_limit::numeric",
        "funds checked without the pending reservations", LEDGER_TESTS,
    ),
    Mutant(
        "overdraft-off-by-one", "procedures/20_ledger/internal/check_transfer.sql",
        "p_from_balance::numeric - p_from_pending_out - p_req.amount < -p_from_limit::numeric",
        "p_from_balance::numeric - p_from_pending_out - p_req.amount <= -p_from_limit::numeric",
        "a transfer that leaves exactly the overdraft limit is refused", LEDGER_TESTS,
    ),
    Mutant(
        "post-above-pending", "procedures/20_ledger/internal/check_transfer.sql",
        "WHEN p_req.amount > p_pending_amount THEN", "WHEN p_req.amount > p_pending_amount + 1 THEN",
        "a post may exceed its pending amount by one", LEDGER_TESTS,
    ),
    Mutant(
        "post-after-void", "procedures/20_ledger/internal/check_transfer.sql",
        "WHEN p_pending_state <> 'pending' THEN 'pending_transfer_not_pending'",
        "WHEN p_pending_state = 'nothing' THEN 'pending_transfer_not_pending'",
        "a posted, voided or expired pending transfer can be posted or voided again", LEDGER_TESTS,
    ),
    Mutant(
        "registry-key-ignored", "procedures/20_ledger/internal/create_transfer.sql",
        "        IF NOT FOUND THEN\n            SELECT * INTO v_recorded",
        "        IF NOT FOUND AND false THEN\n            SELECT * INTO v_recorded",
        "a caller that lost the race on a transfer id applies it again",
        (*LEDGER_TESTS, "tests/test_ledger_concurrency.py"),
    ),
    Mutant(
        "replay-ignores-fields", "procedures/20_ledger/internal/replayed_status.sql",
        "WHEN p_recorded_digest = p_digest THEN 'exists'",
        "WHEN p_recorded_digest IS NOT NULL THEN 'exists'",
        "a transfer id replayed with other fields reports exists", LEDGER_TESTS,
    ),
    Mutant(
        "expiry-inverted", "procedures/20_ledger/ops/expire_pending_transfers.sql",
        "p.expires_at <= clock_timestamp()", "p.expires_at > clock_timestamp()",
        "expiry releases the pending transfers whose timeout has not passed", LEDGER_TESTS,
    ),
)  # fmt: skip


@dataclass
class MutantResult:
    mutant: Mutant
    killed: bool
    seconds: float
    detail: str
    exit_code: int | None = None  # pytest's; None when it timed out


def copy_project(target: Path, root: Path = PROJECT_ROOT) -> None:
    for name in COPIED:
        source = root / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(source, target / name)


def apply(mutant: Mutant, root: Path) -> None:
    path = root / mutant.path
    text = path.read_text(encoding="utf-8")
    if text.count(mutant.original) != 1:
        raise ValueError(f"{mutant.name}: the text to mutate is not exactly once in {mutant.path}")
    path.write_text(text.replace(mutant.original, mutant.mutated), encoding="utf-8")


#: the unmutated copy: its tests must pass, or no mutant's result means anything
BASELINE = Mutant("baseline", "", "", "", "no change", tuple(dict.fromkeys(TRADING_TESTS + LEDGER_TESTS)))


def run_mutant(mutant: Mutant, profile: str, timeout_s: float) -> MutantResult:
    """Copy the project, apply the mutant, run its tests; killed when they fail."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"vb-mutant-{mutant.name}-") as folder:
        root = Path(folder)
        copy_project(root)
        if mutant is not BASELINE:
            apply(mutant, root)
        env = dict(os.environ, VB_PROJECT_ROOT=str(root))
        command = [sys.executable, "-m", "pytest", "-x", "-q", f"--hypothesis-profile={profile}"]
        try:
            result = subprocess.run(
                [*command, *mutant.tests],
                cwd=root,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout_s,
            )
        except subprocess.TimeoutExpired:  # e.g. a mutant that loops: not a verdict of the tests
            return MutantResult(
                mutant, False, time.monotonic() - started, f"tests timed out after {timeout_s:.0f} s"
            )
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    summary = lines[-1] if lines else result.stderr.strip()[-200:]
    # killed only when tests ran and failed (pytest's exit 1); an error of collection, usage or
    # setup (2-5) says nothing about the tests and is reported as not killed
    return MutantResult(
        mutant, result.returncode == 1, time.monotonic() - started, summary, result.returncode
    )
