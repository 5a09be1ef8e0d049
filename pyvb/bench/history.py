"""A ledger history dated in the past, written row by row as the ledger would have written it,
so that retention and archival have old partitions to work on (the ledger functions only ever
write at now()). Its months are counted back from the database server's clock, never from a
calendar year: the same history, and the same retention outcome, on any date."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg

#: the history's first month is this many months before the server's current month
MONTHS_BACK = 10
#: months of history: MONTHS_BACK - HISTORY_MONTHS months before the current one stay empty
HISTORY_MONTHS = 8


@dataclass(frozen=True)
class History:
    accounts: list[uuid.UUID]
    #: the first day (UTC) of each month written, oldest first
    months: list[datetime]


def month_start(at: datetime, months_later: int = 0) -> datetime:
    """The first instant (UTC) of the month ``months_later`` months after ``at``'s month."""
    index = at.astimezone(UTC).year * 12 + at.astimezone(UTC).month - 1 + months_later
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def history_months(server_now: datetime) -> list[datetime]:
    first = month_start(server_now, -MONTHS_BACK)
    return [month_start(first, offset) for offset in range(HISTORY_MONTHS)]


def write_history(url: str, accounts: int = 20, transfers_per_month: int = 50, seed: int = 3) -> History:
    """Customer accounts with transfers in each of HISTORY_MONTHS months starting MONTHS_BACK
    months before the server's current month (their partitions made if missing)."""
    rng = random.Random(seed)
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(accounts)]
    balance = dict.fromkeys(ids, 0)
    version = dict.fromkeys(ids, 0)
    transfers, entries = [], []
    with psycopg.connect(url, autocommit=True) as conn:
        months = history_months(conn.execute("SELECT now()").fetchone()[0])
    for start in months:
        instants = sorted(
            start + timedelta(seconds=rng.randrange(27 * 86400)) for _ in range(transfers_per_month)
        )
        for at in instants:
            payer, payee = rng.sample(ids, 2)
            amount = rng.randrange(1, 5000)
            transfer_id = uuid.UUID(int=rng.getrandbits(128))
            transfers.append((transfer_id, at, "single", payer, payee, "VBD", amount, "p2p"))
            for account, signed in ((payer, -amount), (payee, amount)):
                balance[account] += signed
                version[account] += 1
                entries.append((account, version[account], at, transfer_id, signed, balance[account], "p2p"))
    with psycopg.connect(url, autocommit=True) as conn, conn.transaction():
        for parent in ("vb.transfers", "vb.entries"):
            for start in months:
                conn.execute("SELECT vb.make_partition(%s::regclass, %s)", (parent, start))
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        for account in ids:
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'customer', 10000000)", (account,))
            conn.execute(
                "UPDATE vb.accounts SET created_at = %s, balance = %s, version = %s WHERE account_id = %s",
                (months[0], balance[account], version[account], account),
            )
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO vb.transfers (transfer_id, created_at, transfer_kind, from_account_id,"
                " to_account_id, asset_code, amount, code) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
                transfers,
            )
            cur.executemany(
                "INSERT INTO vb.entries (account_id, version, created_at, transfer_id, amount, balance_after,"
                " code) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                entries,
            )
    return History(ids, months)
