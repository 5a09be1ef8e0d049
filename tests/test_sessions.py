"""pyvb.sessions.SessionCache against real PostgreSQL and Redis, with the relay revoking: a session
is refused from the cache once the relay has delivered its end, within the TTL with the relay
stopped, and a reader that queried before the end cannot put it back afterwards."""

from __future__ import annotations

import threading
import time
import uuid

import psycopg
import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st
from psycopg_pool import ConnectionPool

from pyvb.cache import SESSION_GENERATION_KEY, SESSION_KEY
from pyvb.config import APP_ROLE, acting_as
from pyvb.services.tansu import free_port
from pyvb.sessions import SessionCache, token_sha256
from pyvb.testing.relay import RelayThread, count_events, progress


@pytest.fixture
def app(test_db_url):
    """A user with a live session; a pool acting as vb_app."""
    user_id = uuid.uuid4()
    with psycopg.connect(acting_as(test_db_url, APP_ROLE), autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_user(%s, 'alice')", (user_id,))
    with ConnectionPool(acting_as(test_db_url, APP_ROLE), min_size=1, max_size=2, open=True) as pool:
        yield test_db_url, user_id, pool


def start_session(pool, user_id, ttl_s: int = 3600) -> tuple[str, str]:
    with pool.connection() as conn:
        session_id, token, _, status = conn.execute(
            "SELECT * FROM vb_api.start_session(%s, %s)", (user_id, ttl_s)
        ).fetchone()
    assert status == "created"
    return str(session_id), token


def call(pool, sql: str, *params):
    with pool.connection() as conn:
        return conn.execute(sql, params).fetchone()[0]


def deliver_everything(url: str, redis_url: str) -> None:
    total = count_events(url)
    with RelayThread(url, None, redis_url, stop_when_idle=True) as relay:
        relay.finish(60)
    assert progress(url, "redis") == total


def test_a_valid_session_is_read_from_postgres_once_then_from_redis(app, redis_client):
    _url, user_id, pool = app
    _, token = start_session(pool, user_id)
    cache = SessionCache(redis_client, pool)
    first, second = cache.validate(token), cache.validate(token)
    assert first == second
    assert (first.status, first.user_id, first.roles) == ("valid", str(user_id), ("player",))
    assert (cache.stats.hits, cache.stats.misses) == (1, 1)
    assert redis_client.exists(SESSION_KEY.format(token_sha256(token)))


def test_the_cached_entry_never_outlives_the_session_nor_300_s(app, redis_client):
    _url, user_id, pool = app
    _, short_token = start_session(pool, user_id, ttl_s=5)
    _, long_token = start_session(pool, user_id, ttl_s=86_400)
    cache = SessionCache(redis_client, pool)
    cache.validate(short_token)
    cache.validate(long_token)
    assert 0 < redis_client.pttl(SESSION_KEY.format(token_sha256(short_token))) <= 5_000
    assert 295_000 < redis_client.pttl(SESSION_KEY.format(token_sha256(long_token))) <= 300_000
    with pytest.raises(ValueError, match="ttl_s"):
        SessionCache(redis_client, pool, ttl_s=301)


def test_unknown_ended_and_malformed_tokens_are_refused_and_never_cached(app, redis_client):
    _url, user_id, pool = app
    session_id, token = start_session(pool, user_id)
    assert call(pool, "SELECT vb_api.end_session(%s)", session_id) == "ended"
    cache = SessionCache(redis_client, pool)
    live = start_session(pool, user_id)[1]
    assert cache.validate(token).status == "ended"
    assert cache.validate(live[:-1] + "B").status == "unknown", "one spelling per token (spare bits)"
    for hostile in ("", "x" * 42, "x" * 44, "=" * 43, "é" * 43, None, 42, b"x" * 43):
        assert cache.validate(hostile).status == "unknown"
    assert redis_client.keys("vb:session:*") == []


@given(token=st.one_of(st.text(max_size=100), st.binary(max_size=60), st.integers()))
def test_any_input_is_answered_with_a_status_never_an_exception(app, redis_client, token):
    _url, _user_id, pool = app
    assert SessionCache(redis_client, pool).validate(token).status in ("unknown", "valid")


def test_the_cache_refuses_an_ended_session_once_the_relay_has_delivered(app, redis_client, redis_url):
    url, user_id, pool = app
    session_id, token = start_session(pool, user_id)
    cache = SessionCache(redis_client, pool)
    assert cache.validate(token).valid and cache.validate(token).valid  # cached
    assert call(pool, "SELECT vb_api.end_session(%s)", session_id) == "ended"
    deliver_everything(url, redis_url)
    assert cache.validate(token).status == "ended"


def test_a_role_change_reaches_a_cached_session_once_delivered(app, redis_client, redis_url):
    url, user_id, pool = app
    _, token = start_session(pool, user_id)
    cache = SessionCache(redis_client, pool)
    assert cache.validate(token).roles == ("player",)
    with psycopg.connect(acting_as(url, "vb_admin"), autocommit=True) as conn:
        assert (
            conn.execute("SELECT vb_api.assign_role(%s, 'moderator')", (user_id,)).fetchone()[0] == "assigned"
        )
    assert cache.validate(token).roles == ("player",), "the cache serves the old roles until delivery"
    deliver_everything(url, redis_url)
    assert cache.validate(token).roles == ("moderator", "player")


def test_with_the_relay_stopped_an_ended_session_is_refused_after_the_ttl(app, redis_client):
    _url, user_id, pool = app
    session_id, token = start_session(pool, user_id)
    cache = SessionCache(redis_client, pool, ttl_s=1)
    assert cache.validate(token).valid
    assert call(pool, "SELECT vb_api.end_session(%s)", session_id) == "ended"
    assert cache.validate(token).valid, "the bound: within the TTL a cached session may still pass"
    time.sleep(1.1)
    assert cache.validate(token).status == "ended"


class SlowReader(SessionCache):
    """A reader that stops between its PostgreSQL query and its fill."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.queried = threading.Event()
        self.may_fill = threading.Event()

    def _query(self, token):
        session = super()._query(token)
        self.queried.set()
        assert self.may_fill.wait(30)
        return session


def test_a_reader_that_queried_before_the_end_cannot_cache_it_after_delivery(app, redis_client, redis_url):
    url, user_id, pool = app
    session_id, token = start_session(pool, user_id)
    generation_key = SESSION_GENERATION_KEY.format(token_sha256(token))
    redis_client.set(generation_key, "not a number")  # whatever it held, the relay's write wins
    slow = SlowReader(redis_client, pool)
    answers = []
    reader = threading.Thread(target=lambda: answers.append(slow.validate(token)))
    reader.start()
    assert slow.queried.wait(30)
    assert call(pool, "SELECT vb_api.end_session(%s)", session_id) == "ended"
    deliver_everything(url, redis_url)
    slow.may_fill.set()
    reader.join(30)
    assert answers[0].valid, "it read before the end committed"
    assert slow.stats.refused_fills == 1
    assert not redis_client.exists(SESSION_KEY.format(token_sha256(token)))
    assert int(redis_client.get(generation_key)) > 0, "the session.ended event's id"
    assert SessionCache(redis_client, pool).validate(token).status == "ended"


def test_with_redis_down_every_validation_is_answered_by_postgres(app):
    _url, user_id, pool = app
    session_id, token = start_session(pool, user_id)
    down = redis.Redis(port=free_port(), socket_connect_timeout=0.2, socket_timeout=0.2)
    cache = SessionCache(down, pool)
    assert cache.validate(token).valid
    assert call(pool, "SELECT vb_api.end_session(%s)", session_id) == "ended"
    assert cache.validate(token).status == "ended"
    assert cache.stats.redis_errors == 2 and cache.stats.hits == 0


def test_a_corrupt_cached_value_is_ignored(app, redis_client):
    _url, user_id, pool = app
    _, token = start_session(pool, user_id)
    key = SESSION_KEY.format(token_sha256(token))
    cache = SessionCache(redis_client, pool)
    past = b'{"session_id":1,"user_id":2,"roles":[],"expires_at_s":1.0}'
    huge = b'{"session_id":1,"user_id":2,"roles":[],"expires_at_s":1e400}'
    for corrupt in (b"not json", b'{"session_id": 1}', past, huge, b'{"expires_at_s":"x"}', b"[]", b'"x"'):
        redis_client.set(key, corrupt)
        assert cache.validate(token).user_id == str(user_id)
    assert cache.stats.hits == 0
