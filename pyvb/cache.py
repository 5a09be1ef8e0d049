"""Read-through cache of balances and positions in Redis for the middleware.

Reads come from Redis (with a TTL) and fall back to ``vb_api``. Nothing authorises from this
cache: it serves displays. The one promise it keeps is that a value never goes backwards:

* a balance is stored with the ledger ``version`` it was read at, and written only by a Lua
  compare-and-set that refuses an older version, so a slow reader cannot put back a balance
  older than one the relay (or another reader) already stored;
* positions have no single version, so they use a generation counter: the relay bumps
  ``vb:positions:gen:{owner}`` and deletes the value after every fill; a reader notes the
  generation before it queries and its write is refused if the generation moved meanwhile.
  Market values in cached positions follow prices only as fresh as the TTL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import redis

BALANCE_KEY = "vb:balance:{}"
POSITIONS_KEY = "vb:positions:{}"
POSITIONS_GENERATION_KEY = "vb:positions:gen:{}"
QUOTE_KEY = "vb:quote:{}"
BOOK_KEY = "vb:book:{}"
#: Generation counters outlive any cached value; they only need to outlast one slow read.
GENERATION_TTL_S = 86_400

# KEYS[1] the balance hash; ARGV: version, value json, ttl ms. Equal versions refresh the TTL.
_SET_IF_NEWER = """
local current = redis.call('HGET', KEYS[1], 'version')
if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'version', ARGV[1], 'value', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
"""

# KEYS[1] the positions value, KEYS[2] its generation; ARGV: generation read, value json, ttl ms.
_SET_IF_GENERATION = """
local generation = redis.call('GET', KEYS[2]) or '0'
if generation ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
"""


def _json_default(value: Any) -> str:
    return str(value)


def dumps(value: Any) -> str:
    return json.dumps(value, default=_json_default, separators=(",", ":"))


class CacheScripts:
    """The two guarded writes, registered once per Redis client (usable in pipelines)."""

    def __init__(self, client: redis.Redis):
        self.set_if_newer = client.register_script(_SET_IF_NEWER)
        self.set_if_generation = client.register_script(_SET_IF_GENERATION)

    def store_balance(self, client, balance: dict, ttl_s: float):
        """Store ``balance`` (a get_balances row or a balance.changed payload) unless a newer
        version is cached. On a pipeline the result comes with its execute()."""
        key = BALANCE_KEY.format(balance["account_id"])
        return self.set_if_newer(
            keys=[key], args=[int(balance["version"]), dumps(balance), int(ttl_s * 1000)], client=client
        )

    @staticmethod
    def invalidate_positions(client, owner_id: str) -> None:
        """Bump the owner's positions generation and drop the cached value (the relay's part)."""
        generation_key = POSITIONS_GENERATION_KEY.format(owner_id)
        client.incr(generation_key)
        client.expire(generation_key, GENERATION_TTL_S)
        client.delete(POSITIONS_KEY.format(owner_id))


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    refused_writes: int = 0

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass
class LedgerCache:
    """Balances and positions read through Redis.

    ``pool`` is a ``psycopg_pool.ConnectionPool`` (anything with ``.connection()``) whose
    role may call ``vb_api``; ``redis_client`` a ``redis.Redis``.
    """

    redis_client: redis.Redis
    pool: Any
    ttl_s: float = 60.0
    stats: CacheStats = field(default_factory=CacheStats)

    def __post_init__(self) -> None:
        self.scripts = CacheScripts(self.redis_client)

    def balances(self, account_ids: Iterable[str]) -> dict[str, dict]:
        """The balances of ``account_ids`` (unknown ids are absent), as dicts with the
        fields of vb_api.get_balances; ids and timestamps as strings."""
        ids = [str(account_id) for account_id in account_ids]
        cached = self.redis_client.pipeline(transaction=False)
        for account_id in ids:
            cached.hget(BALANCE_KEY.format(account_id), "value")
        found: dict[str, dict] = {}
        missing = []
        for account_id, value in zip(ids, cached.execute(), strict=True):
            if value is None:
                missing.append(account_id)
            else:
                found[account_id] = json.loads(value)
        self.stats.hits += len(found)
        self.stats.misses += len(missing)
        if missing:
            for row in self._query("SELECT * FROM vb_api.get_balances(%s::uuid[])", (missing,)):
                balance = json.loads(dumps(row))
                if not self.scripts.store_balance(self.redis_client, balance, self.ttl_s):
                    self.stats.refused_writes += 1
                found[balance["account_id"]] = balance
        return found

    def balance(self, account_id: str) -> dict | None:
        return self.balances([account_id]).get(str(account_id))

    def positions(self, owner_id: str) -> list[dict]:
        """The owner's positions (vb_api.get_positions rows as dicts)."""
        owner_id = str(owner_id)
        value = self.redis_client.get(POSITIONS_KEY.format(owner_id))
        if value is not None:
            self.stats.hits += 1
            return json.loads(value)
        self.stats.misses += 1
        generation = self.redis_client.get(POSITIONS_GENERATION_KEY.format(owner_id)) or b"0"
        rows = json.loads(dumps(self._query("SELECT * FROM vb_api.get_positions(%s::uuid)", (owner_id,))))
        stored = self.scripts.set_if_generation(
            keys=[POSITIONS_KEY.format(owner_id), POSITIONS_GENERATION_KEY.format(owner_id)],
            args=[generation, dumps(rows), int(self.ttl_s * 1000)],
        )
        if not stored:
            self.stats.refused_writes += 1
        return rows

    def _query(self, sql: str, params: tuple) -> list[dict]:
        from psycopg.rows import dict_row

        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, params)
            return cur.fetchall()
