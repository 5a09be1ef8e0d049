"""pyvb.cache against real PostgreSQL and Redis, with the relay keeping it fresh: a slow reader
never puts back a balance or positions older than what the relay already stored."""

from __future__ import annotations

import threading
import uuid

import psycopg
import pytest
from psycopg_pool import ConnectionPool

from pyvb.cache import BALANCE_FIELDS, LedgerCache
from pyvb.testing.relay import RelayThread, count_events, progress, wait_until


@pytest.fixture
def market(test_db_url):
    """Two traders with cash and shares of one symbol."""
    ids = {name: uuid.uuid4() for name in ("issuer", "alice", "bob", "alice_cash", "bob_cash")}
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(%s, 'VBD', NULL, 'issuer', NULL)", (ids["issuer"],))
        conn.execute("SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, NULL)")
        for name in ("alice", "bob"):
            conn.execute("SELECT vb_api.create_user(%s, %s)", (ids[name], name))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (ids[f"{name}_cash"], ids[name]))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 1000000, 'deposit')",
                (uuid.uuid4(), ids["issuer"], ids[f"{name}_cash"]),
            )
            conn.execute("SELECT vb_api.issue_shares(%s, 'ACME', %s, 100)", (uuid.uuid4(), ids[name]))
    with ConnectionPool(test_db_url, min_size=1, max_size=2, open=True) as pool:
        yield test_db_url, ids, pool


class SlowCache(LedgerCache):
    """A reader that stops between its database read and its cache write."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read_done = threading.Event()
        self.may_write = threading.Event()

    def _query(self, sql, params):
        rows = super()._query(sql, params)
        self.read_done.set()
        assert self.may_write.wait(30)
        return rows


def deliver_everything(url: str, redis_url: str) -> None:
    total = count_events(url)
    with RelayThread(url, None, redis_url, stop_when_idle=True) as relay:
        relay.finish(60)
    assert progress(url, "redis") == total


def test_a_slow_balance_reader_cannot_overwrite_the_newer_version_the_relay_stored(
    market, redis_client, redis_url
):
    url, ids, pool = market
    account = str(ids["alice_cash"])
    slow = SlowCache(redis_client, pool, ttl_s=60)
    reader = threading.Thread(target=lambda: slow.balance(account))
    reader.start()
    assert slow.read_done.wait(30)  # it holds the balance at version 1
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT vb_api.create_transfer(%s, %s, %s, 250, 'p2p')",
            (uuid.uuid4(), ids["alice_cash"], ids["bob_cash"]),
        )
    deliver_everything(url, redis_url)  # balance.changed version 2 reaches the cache
    slow.may_write.set()
    reader.join(30)
    assert not reader.is_alive()
    assert slow.stats.refused_writes == 1
    fresh = LedgerCache(redis_client, pool)
    cached = fresh.balance(account)
    assert fresh.stats.hits == 1
    assert (cached["version"], cached["balance"]) == (2, 1000000 - 250)
    assert tuple(cached) == BALANCE_FIELDS, "the relay writes the shape a cache miss writes"


def test_balances_read_through_then_hit(market, redis_client):
    _, ids, pool = market
    cache = LedgerCache(redis_client, pool)
    first = cache.balances([ids["alice_cash"], ids["bob_cash"], uuid.uuid4()])
    assert sorted(b["balance"] for b in first.values()) == [1000000, 1000000] and len(first) == 2
    assert all(tuple(b) == BALANCE_FIELDS for b in first.values()), "one shape, whoever wrote it"
    second = cache.balances([ids["alice_cash"], ids["bob_cash"]])
    assert second == first
    assert (cache.stats.hits, cache.stats.misses) == (2, 3)
    assert cache.stats.hit_ratio == pytest.approx(0.4)
    assert 0 < redis_client.pttl(f"vb:balance:{ids['alice_cash']}") <= 60_000


def test_a_fill_invalidates_positions_and_a_slow_reader_cannot_put_them_back(market, redis_client, redis_url):
    url, ids, pool = market
    cache = LedgerCache(redis_client, pool)
    assert [p["quantity"] for p in cache.positions(ids["alice"])] == [100]
    assert [p["quantity"] for p in cache.positions(ids["alice"])] == [100] and cache.stats.hits == 1
    slow = SlowCache(redis_client, pool)
    redis_client.delete(f"vb:positions:{ids['alice']}")
    reader = threading.Thread(target=lambda: slow.positions(ids["alice"]))
    reader.start()
    assert slow.read_done.wait(30)  # it holds 100 shares
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "SELECT status FROM vb_api.place_order(%s, %s, 'ACME', 'sell', 40, 'limit', 100)",
            (uuid.uuid4(), ids["alice_cash"]),
        )
        conn.execute(
            "SELECT status FROM vb_api.place_order(%s, %s, 'ACME', 'buy', 40, 'limit', 100)",
            (uuid.uuid4(), ids["bob_cash"]),
        )
    deliver_everything(url, redis_url)
    slow.may_write.set()
    reader.join(30)
    assert not reader.is_alive()
    assert slow.stats.refused_writes == 1
    assert redis_client.get(f"vb:positions:{ids['alice']}") is None, "the stale read was not stored"
    assert [p["quantity"] for p in cache.positions(ids["alice"])] == [60]
    wait_until(lambda: redis_client.get(f"vb:positions:{ids['alice']}") is not None, message="stored again")
