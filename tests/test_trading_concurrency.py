"""Several connections trade the same and different symbols while plain transfers move cash
between the same accounts: no deadlock, no error, and the ledger and books stay consistent."""

from __future__ import annotations

import random
import threading
import uuid

import psycopg
import pytest

SYMBOLS = ("CONA", "CONB", "CONC")
TRADERS = 6


@pytest.fixture(scope="module")
def market(db_url):
    owners = [uuid.uuid4() for _ in range(TRADERS)]
    cash = [uuid.uuid4() for _ in range(TRADERS)]
    with psycopg.connect(db_url, autocommit=True) as conn:
        issuer = uuid.uuid4()
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (issuer,))
        for symbol in SYMBOLS:
            conn.execute("SELECT vb_api.create_security(%s, %s, 'VBD', 1, 1, NULL)", (symbol, symbol))
            conn.execute("SELECT vb_api.set_fees(%s, 5, 10)", (symbol,))
        for index, (owner, account) in enumerate(zip(owners, cash, strict=True)):
            conn.execute("SELECT vb_api.create_user(%s, %s)", (owner, f"con{index}"))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (account, owner))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 100000000, 'deposit')",
                (uuid.uuid4(), issuer, account),
            )
            for symbol in SYMBOLS:
                conn.execute("SELECT vb_api.issue_shares(%s, %s, %s, 10000)", (uuid.uuid4(), symbol, owner))
    return db_url, owners, cash


def test_orders_and_transfers_in_parallel_never_deadlock(market):
    url, _, cash = market
    errors: list[BaseException] = []
    statuses: list[str] = []
    lock = threading.Lock()

    def trader(seed: int) -> None:
        rng = random.Random(seed)
        try:
            with psycopg.connect(url, autocommit=True) as conn:
                for _ in range(40):
                    me = rng.randrange(TRADERS)
                    if rng.random() < 0.2:
                        other = rng.choice([i for i in range(TRADERS) if i != me])
                        got = conn.execute(
                            "SELECT vb_api.create_transfer(%s, %s, %s, %s, 'p2p')",
                            (uuid.uuid4(), cash[me], cash[other], rng.randint(1, 1000)),
                        ).fetchone()[0]
                    elif rng.random() < 0.1:
                        resting = conn.execute(
                            "SELECT order_id FROM vb.orders"
                            " WHERE account_id = %s AND order_status = 'new' ORDER BY order_id LIMIT 1",
                            (cash[me],),
                        ).fetchone()
                        got = "nothing to cancel"
                        if resting:
                            got = conn.execute(
                                "SELECT status FROM vb_api.cancel_order(%s)", resting
                            ).fetchone()[0]
                    else:
                        got = conn.execute(
                            "SELECT status FROM vb_api.place_order(%s, %s, %s, %s, %s, 'limit', %s, %s)",
                            (
                                uuid.uuid4(),
                                cash[me],
                                rng.choice(SYMBOLS),
                                rng.choice(["buy", "sell"]),
                                rng.randint(1, 50),
                                rng.randint(95, 105),
                                rng.choice(["gtc", "ioc"]),
                            ),
                        ).fetchone()[0]
                    with lock:
                        statuses.append(got)
        except BaseException as error:  # collected and asserted below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=trader, args=(seed,)) for seed in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(180)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert errors == [], errors
    assert {"filled", "partially_filled", "new"} & set(statuses)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT check_name FROM vb_ops.verify_ledger() WHERE NOT ok").fetchall() == []
        for symbol in SYMBOLS:
            best = dict(
                conn.execute("SELECT side, price FROM vb_api.order_book(%s, 1)", (symbol,)).fetchall()
            )
            if "buy" in best and "sell" in best:
                assert best["buy"] < best["sell"]
