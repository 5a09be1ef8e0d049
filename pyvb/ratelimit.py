"""Per-user, per-route rate limits for the middleware, counted in Redis by the PyPI ``limits``
library (contract identity.md).

Semantics — a **moving window** (``limits.strategies.MovingWindowRateLimiter``): a route limited
to ``100/minute`` admits a request when fewer than 100 requests of the same caller on that route
were admitted in the 60 seconds before it. Exact, and without the burst of a fixed window (which
admits up to twice the limit across a window's edge); it keeps one Redis list of at most N
timestamps per (route, caller) — the key holds the limit too (``vb:ratelimit:LIMITER/{route}/
{caller}/{amount}/{multiples}/{granularity}``), so changing a route's limit starts its windows
afresh. A refused request is not counted. Counters live only in Redis:
a Redis that keeps nothing on disk forgets them when it restarts.

Redis down (refused connection, timeout): a route **fails closed** (refuses, reason
``redis_down_refused``) or **open** (admits, ``redis_down_admitted``) by its ``fail_closed``,
which defaults to closed for money-moving routes and open for the others. Each call tries Redis
again, so service resumes as soon as Redis is back.
"""

from __future__ import annotations

import ipaddress
import re
import uuid
from collections import Counter
from dataclasses import dataclass, field

import redis
from limits import RateLimitItem, parse
from limits.storage import RedisStorage
from limits.strategies import MovingWindowRateLimiter

#: a caller is a user id, a session id or an address: at most 128 of these characters, so that
#: no caller's key can be spelt as another route's; it is counted in its canonical spelling
#: (``canonical_caller``), so one caller cannot multiply its budget by spelling itself otherwise
CALLER_PATTERN = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
KEY_PREFIX = "vb:ratelimit"


@dataclass(frozen=True)
class Route:
    """A route's limit in ``limits``' notation (``100/minute``, ``5 per second``) and whether it
    moves money; ``fail_closed`` None means: closed exactly when it moves money."""

    limit: str
    money_moving: bool = False
    fail_closed: bool | None = None

    @property
    def closed_when_redis_is_down(self) -> bool:
        return self.money_moving if self.fail_closed is None else self.fail_closed


#: The middleware's routes as the demo uses them; a middleware passes its own.
DEFAULT_ROUTES: dict[str, Route] = {
    "start_session": Route("10/minute"),
    "create_transfer": Route("60/minute", money_moving=True),
    "place_order": Route("120/minute", money_moving=True),
    "cancel_order": Route("120/minute", money_moving=True),
    "read": Route("600/minute"),
}


@dataclass(frozen=True)
class Decision:
    """``allowed``, why (``within_limit`` | ``limited`` | ``redis_down_refused`` |
    ``redis_down_admitted``), and, when Redis answered, how many requests remain in the window and
    when (epoch seconds) the oldest counted one leaves it."""

    allowed: bool
    reason: str
    remaining: int | None = None
    reset_at_s: float | None = None


@dataclass
class RateLimits:
    """Rate limits of ``routes`` counted in the Redis of ``redis_url``. ``timeout_s`` bounds how
    long a call waits for Redis before the route's outage rule decides."""

    redis_url: str
    routes: dict[str, Route] = field(default_factory=lambda: dict(DEFAULT_ROUTES))
    timeout_s: float = 0.25
    decisions: Counter = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._items: dict[str, RateLimitItem] = {}
        for name, route in self.routes.items():
            try:
                self._items[name] = parse(route.limit)
            except ValueError as error:
                raise ValueError(f"route {name}: {error}") from error
        storage = RedisStorage(
            self.redis_url,
            key_prefix=KEY_PREFIX,
            socket_timeout=self.timeout_s,
            socket_connect_timeout=self.timeout_s,
        )
        self._limiter = MovingWindowRateLimiter(storage)

    def hit(self, route: str, caller: str) -> Decision:
        """Count one request of ``caller`` on ``route`` if the limit admits it. Raises ValueError
        for a route not configured or a caller not matching ``CALLER_PATTERN``."""
        item, caller = self._checked(route, caller)
        try:
            allowed = self._limiter.hit(item, route, caller)
        except redis.RedisError:
            closed = self.routes[route].closed_when_redis_is_down
            decision = Decision(not closed, "redis_down_refused" if closed else "redis_down_admitted")
        else:
            try:  # what remains: for the caller's headers only, so a failure here decides nothing
                stats = self._limiter.get_window_stats(item, route, caller)
                remaining, reset_at_s = stats.remaining, stats.reset_time
            except redis.RedisError:
                remaining = reset_at_s = None
            decision = Decision(allowed, "within_limit" if allowed else "limited", remaining, reset_at_s)
        self.decisions[decision.reason] += 1
        return decision

    def reset(self, route: str, caller: str) -> None:
        """Forget ``caller``'s requests on ``route`` (an operator's decision)."""
        item, caller = self._checked(route, caller)
        self._limiter.clear(item, route, caller)

    def _checked(self, route: object, caller: object) -> tuple[RateLimitItem, str]:
        item = self._items.get(route) if isinstance(route, str) else None
        if item is None:
            raise ValueError(f"unknown route: {route!r}"[:200])
        if not isinstance(caller, str) or not CALLER_PATTERN.fullmatch(caller):
            raise ValueError("caller: 1 to 128 characters of A-Z a-z 0-9 _ . : -")
        return item, canonical_caller(caller)


def canonical_caller(caller: str) -> str:
    """One spelling per caller: a UUID in its canonical form (any case, with or without hyphens),
    an IP address compressed (IPv6 has many spellings), anything else lower-cased."""
    try:
        return str(uuid.UUID(caller))
    except ValueError:
        pass
    try:
        return ipaddress.ip_address(caller).compressed
    except ValueError:
        return caller.lower()
