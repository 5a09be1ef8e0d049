"""A ledger history dated in the past, written row by row as the ledger would have written it,
so that retention and archival have old partitions to work on (the ledger functions only ever
write at now())."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta

import psycopg


def write_history(
    url: str, accounts: int = 20, transfers_per_month: int = 50, seed: int = 3
) -> list[uuid.UUID]:
    """Customer accounts with transfers in January–August 2026; returns the account ids."""
    rng = random.Random(seed)
    ids = [uuid.UUID(int=rng.getrandbits(128)) for _ in range(accounts)]
    balance = dict.fromkeys(ids, 0)
    version = dict.fromkeys(ids, 0)
    transfers, entries = [], []
    for month in range(1, 9):
        start = datetime(2026, month, 1, tzinfo=UTC)
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
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        for account in ids:
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'customer', 10000000)", (account,))
            conn.execute(
                "UPDATE vb.accounts SET created_at = '2026-01-01', balance = %s, version = %s"
                " WHERE account_id = %s",
                (balance[account], version[account], account),
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
    return ids
