"""Read-through Redis cache of validated sessions for the middleware (contract identity.md).

``SessionCache.validate(token)`` answers from ``vb:session:{sha256 of the token}`` when it can and
from ``vb_api.validate_session`` when it cannot, then stores a valid answer for at most ``ttl_s``
(≤ 300 s) and never past the session's expiry. Only valid sessions are cached: an unknown, ended or
expired token always reaches PostgreSQL (a sprayer of random tokens fills nothing).

Revocation: when a session ends or its user is disabled or changes roles, the relay deletes the
key **and bumps ``vb:session:gen:{hash}``**. A reader notes that generation *before* it queries
PostgreSQL and its fill is refused if the generation moved meanwhile (one Lua script), so a reader
that queried just before ``end_session`` committed cannot put the session back after the relay
delivered its end. Hence the bound the README states: once the relay has delivered
``session.ended`` (its delivery latency, measured by ``pyvb bench sessions``), no validation is
authorised from the cache; with the relay or Redis down, a cached session lives at most ``ttl_s``.

With Redis down, every validation goes to PostgreSQL (the authority): slower, never wrong.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
import redis

from pyvb.cache import SESSION_GENERATION_KEY, SESSION_KEY, CacheScripts, HitCounts

#: a token as start_session returns it: 32 bytes, base64url without padding (the last character
#: carries 4 bits and two zero bits, so only one spelling of each token is accepted)
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
#: the contract's ceiling for a cached session
MAX_TTL_S = 300.0


def token_sha256(token: object) -> str | None:
    """The hex sha256 the store keeps for ``token``, or None when it is not a well-formed token."""
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        return None
    return hashlib.sha256(base64.urlsafe_b64decode(token + "=")).hexdigest()


@dataclass(frozen=True)
class Session:
    """A validation's answer: status 'valid' | 'expired' | 'ended' | 'unknown'; user and roles
    only when valid."""

    status: str
    session_id: str | None = None
    user_id: str | None = None
    roles: tuple[str, ...] = ()
    expires_at: datetime | None = None

    @property
    def valid(self) -> bool:
        return self.status == "valid"


UNKNOWN = Session("unknown")


@dataclass
class SessionCacheStats(HitCounts):
    refused_fills: int = 0
    redis_errors: int = 0


@dataclass
class SessionCache:
    """Sessions validated through Redis.

    ``pool`` is a ``psycopg_pool.ConnectionPool`` (anything with ``.connection()``) whose role may
    call ``vb_api.validate_session`` (vb_app); ``redis_client`` a ``redis.Redis`` with short
    socket timeouts. ``ttl_s`` is capped at ``MAX_TTL_S``."""

    redis_client: redis.Redis
    pool: Any
    ttl_s: float = MAX_TTL_S
    stats: SessionCacheStats = field(default_factory=SessionCacheStats)

    def __post_init__(self) -> None:
        if not 0 < self.ttl_s <= MAX_TTL_S:
            raise ValueError(f"ttl_s must be in (0, {MAX_TTL_S:g}] seconds")
        self.scripts = CacheScripts(self.redis_client)

    def validate(self, token: object) -> Session:
        digest = token_sha256(token)
        if digest is None:
            return UNKNOWN
        key, generation_key = SESSION_KEY.format(digest), SESSION_GENERATION_KEY.format(digest)
        generation: bytes | None = None
        redis_up = True
        try:
            cached, generation = self.redis_client.mget(key, generation_key)
        except redis.RedisError:
            self.stats.redis_errors += 1
            cached, redis_up = None, False
        if cached is not None:
            session = _from_json(cached)
            if session is not None:
                self.stats.hits += 1
                return session
        self.stats.misses += 1
        session, remaining_s = self._query(token)
        if session.valid and redis_up:
            self._fill(key, generation_key, generation or b"0", session, remaining_s)
        return session

    def _fill(
        self, key: str, generation_key: str, generation: bytes, session: Session, remaining_s: float
    ) -> None:
        """Cache ``session`` for ``ttl_s`` and at most ``remaining_s`` — the time left by the
        database's clock, so Redis drops the key at the session's expiry whatever this host's
        clock says — unless the generation moved since it was read."""
        ttl_ms = int(min(self.ttl_s, remaining_s) * 1000)
        if ttl_ms <= 0:
            return
        try:
            stored = self.scripts.set_if_generation(
                keys=[key, generation_key], args=[generation, _to_json(session), ttl_ms]
            )
        except redis.RedisError:
            self.stats.redis_errors += 1
            return
        if not stored:
            self.stats.refused_fills += 1

    def _query(self, token: str) -> tuple[Session, float]:
        """PostgreSQL's answer, with the seconds left before expiry by the database's clock."""
        with self.pool.connection() as conn:
            row = conn.execute(
                "SELECT v.session_id, v.user_id, v.roles, v.expires_at, v.status,"
                " coalesce(extract(epoch FROM v.expires_at - clock_timestamp()), 0)::float8"
                " FROM vb_api.validate_session(%s) AS v",
                (token,),
            ).fetchone()
        session_id, user_id, roles, expires_at, status, remaining_s = row
        session = Session(
            status,
            None if session_id is None else str(session_id),
            None if user_id is None else str(user_id),
            tuple(roles or ()),
            expires_at,
        )
        return session, remaining_s


def _to_json(session: Session) -> bytes:
    """The cached form: expiry as epoch seconds, so a hit compares two floats."""
    return orjson.dumps(
        {
            "session_id": session.session_id,
            "user_id": session.user_id,
            "roles": list(session.roles),
            "expires_at_s": session.expires_at.timestamp(),
        }
    )


def _from_json(value: bytes) -> Session | None:
    """A cached session of the exact shape ``_to_json`` writes and not past its expiry by this
    host's clock (Redis drops it then anyway), or None (then PostgreSQL answers)."""
    try:
        fields = orjson.loads(value)
        session_id, user_id = str(uuid.UUID(fields["session_id"])), str(uuid.UUID(fields["user_id"]))
        roles, expires_at_s = fields["roles"], float(fields["expires_at_s"])
        if not (isinstance(roles, list) and all(isinstance(role, str) for role in roles)):
            return None
        if not expires_at_s > time.time():
            return None
        return Session("valid", session_id, user_id, tuple(roles), datetime.fromtimestamp(expires_at_s, UTC))
    except (orjson.JSONDecodeError, ValueError, KeyError, TypeError, AttributeError, OverflowError, OSError):
        return None
