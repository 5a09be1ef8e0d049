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
#: a cache miss reads what the relay writes from a balance.changed event: the same fields
BALANCE_FIELDS = ("account_id", "asset", "balance", "pending_out", "pending_in", "available", "version")
BALANCE_SQL = f"SELECT {', '.join(BALANCE_FIELDS)} FROM vb_api.get_balances(%s::uuid[])"
POSITIONS_KEY = "vb:positions:{}"
POSITIONS_GENERATION_KEY = "vb:positions:gen:{}"
QUOTE_KEY = "vb:quote:{}"
#: a validated session, by its token's sha256 in hex (contract identity.md; pyvb.sessions)
SESSION_KEY = "vb:session:{}"
#: set by the relay to the event's id whenever that session ends or its user changes (a reader's
#: fill then fails)
SESSION_GENERATION_KEY = "vb:session:gen:{}"
BOOK_KEY = "vb:book:{}"
#: Generation counters outlive any cached value; they only need to outlast one slow read.
GENERATION_TTL_S = 86_400

# Applies a list of cache operations in one round trip: the relay sends a whole batch of
# events in one call, a reader one balance. ARGV[1] balance TTL (ms), ARGV[2] generation TTL (s),
# then six fields per operation: channel, message, op, a, b, c. A non-empty channel is
# PUBLISHed the message first. op 'b': store balance value c at hash a unless the cached
# version is newer than b (compare-and-set); 'd': delete key a; 'o': delete key a, and when b
# is set bump generation c and delete positions b; 'g': set generation b to c (a value never
# used before for that key: an event id; SET, unlike INCR, cannot fail on whatever the key held
# and never repeats a value after the key expired), then delete key a; '' nothing more. Keys
# travel in ARGV (the batch names any number of them), so this suits a single Redis server, not
# Redis Cluster.
# Returns how many balance writes were refused as older than the cached version.
_APPLY_EVENTS = """
local balance_ttl, generation_ttl, refused = ARGV[1], ARGV[2], 0
for i = 3, #ARGV, 6 do
  local channel, message, op = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local a, b, c = ARGV[i + 3], ARGV[i + 4], ARGV[i + 5]
  if channel ~= '' then redis.call('PUBLISH', channel, message) end
  if op == 'b' then
    local current = redis.call('HGET', a, 'version')
    if current and tonumber(current) > tonumber(b) then
      refused = refused + 1
    else
      redis.call('HSET', a, 'version', b, 'value', c)
      redis.call('PEXPIRE', a, balance_ttl)
    end
  elseif op == 'd' then
    redis.call('DEL', a)
  elseif op == 'o' then
    redis.call('DEL', a)
    if b ~= '' then
      redis.call('INCR', c)
      redis.call('EXPIRE', c, generation_ttl)
      redis.call('DEL', b)
    end
  elseif op == 'g' then
    redis.call('SET', b, c, 'EX', generation_ttl)
    redis.call('DEL', a)
  end
end
return refused
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
    """The guarded writes, registered once per Redis client."""

    def __init__(self, client: redis.Redis):
        self.apply_events = client.register_script(_APPLY_EVENTS)
        self.set_if_generation = client.register_script(_SET_IF_GENERATION)

    def apply(self, operations: list[tuple], balance_ttl_s: float) -> int:
        """Run (channel, message, op, a, b, c) operations in one call; returns refused writes."""
        args: list = [int(balance_ttl_s * 1000), GENERATION_TTL_S]
        for operation in operations:
            args.extend(operation)
        return self.apply_events(args=args) if operations else 0

    @staticmethod
    def balance_operation(
        balance: dict, value: bytes | str, channel: str = "", message: bytes = b""
    ) -> tuple:
        """Store ``balance`` (a get_balances row or a balance.changed payload, serialised as
        ``value``) unless a newer version is cached."""
        return (
            channel,
            message,
            "b",
            BALANCE_KEY.format(balance["account_id"]),
            int(balance["version"]),
            value,
        )

    @staticmethod
    def positions_operation(symbol: str, owner_id: str | None, channel: str, message: bytes) -> tuple:
        """Drop the symbol's book and, for a fill, bump the owner's positions generation and
        drop the owner's cached positions."""
        if owner_id is None:
            return (channel, message, "o", BOOK_KEY.format(symbol), "", "")
        return (
            channel,
            message,
            "o",
            BOOK_KEY.format(symbol),
            POSITIONS_KEY.format(owner_id),
            POSITIONS_GENERATION_KEY.format(owner_id),
        )


@dataclass
class HitCounts:
    hits: int = 0
    misses: int = 0

    @property
    def hit_ratio(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0


@dataclass
class CacheStats(HitCounts):
    refused_writes: int = 0


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
        fields of the balance.changed event (docs/events.md): account_id, asset, balance,
        pending_out, pending_in, available, version — the one shape whoever wrote it, the relay
        or a cache miss; ids as strings."""
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
            for row in self._query(BALANCE_SQL, (missing,)):
                value = dumps(row)
                balance = json.loads(value)
                operation = self.scripts.balance_operation(balance, value)
                self.stats.refused_writes += self.scripts.apply([operation], self.ttl_s)
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
