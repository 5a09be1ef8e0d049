"""pyvb.ratelimit against real Redis: the moving window, callers and routes apart, and a private
Redis stopped and started again (money-moving routes fail closed, the others open, by default)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time

import pytest
import redis
from hypothesis import given
from hypothesis import strategies as st

from pyvb.ratelimit import DEFAULT_ROUTES, RateLimits, Route
from pyvb.services.tansu import free_port


class PrivateRedis:
    """A redis-server of this test's own on a free port, keeping nothing on disk."""

    def __init__(self):
        self.port = free_port()
        self.workdir = tempfile.mkdtemp(prefix="vb-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        options = {"port": str(self.port), "bind": "127.0.0.1", "save": "", "appendonly": "no"}
        arguments = [part for name, value in options.items() for part in (f"--{name}", value)]
        self.process = subprocess.Popen(
            [shutil.which("redis-server"), *arguments, "--dir", self.workdir], stdout=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    server.start()
    yield server
    server.stop()
    shutil.rmtree(server.workdir, ignore_errors=True)


def test_a_caller_is_admitted_up_to_the_limit_then_refused_apart_from_others(redis_url):
    limits = RateLimits(
        redis_url, {"place_order": Route("3/minute", money_moving=True), "read": Route("1/minute")}
    )
    decisions = [limits.hit("place_order", "alice") for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].reason == "limited" and decisions[-1].reset_at_s > time.time()
    assert limits.hit("place_order", "bob").allowed, "another caller has a window of their own"
    assert limits.hit("read", "alice").allowed, "another route has a window of its own"
    assert limits.decisions == {"within_limit": 5, "limited": 1}
    limits.reset("place_order", "alice")
    assert limits.hit("place_order", "alice").allowed


def test_one_caller_spelt_otherwise_shares_its_window(redis_url):
    limits = RateLimits(redis_url, {"read": Route("3/minute")})
    user = "6f1d7a52-3b1e-4c8e-9a55-1f0c2a7d9e10"
    spellings = [user, user.upper(), user.replace("-", "")]
    assert [limits.hit("read", caller).allowed for caller in spellings] == [True, True, True]
    assert not limits.hit("read", user).allowed
    assert [limits.hit("read", a).allowed for a in ("2001:db8::1", "2001:0DB8:0:0:0:0:0:1")] == [True, True]
    assert limits.hit("read", "2001:db8:0::1").allowed and not limits.hit("read", "2001:db8::0:1").allowed
    assert limits.hit("read", "Bob").allowed and limits.hit("read", "bob").allowed
    assert limits.hit("read", "BOB").allowed and not limits.hit("read", "boB").allowed


def test_the_window_moves_a_refused_request_is_not_counted(redis_url):
    limits = RateLimits(redis_url, {"read": Route("2/second")})
    assert [limits.hit("read", "u").allowed for _ in range(2)] == [True, True]
    time.sleep(0.5)
    assert not limits.hit("read", "u").allowed
    time.sleep(0.6)  # the first two left the window; the refused one was never in it
    assert [limits.hit("read", "u").allowed for _ in range(3)] == [True, True, False]


def test_with_redis_down_money_routes_fail_closed_the_others_open_until_it_is_back(private_redis):
    routes = {**DEFAULT_ROUTES, "quotes": Route("1000/minute", fail_closed=True)}
    limits = RateLimits(private_redis.url, routes)
    assert limits.hit("place_order", "alice").reason == "within_limit"
    private_redis.stop()
    assert limits.hit("place_order", "alice").reason == "redis_down_refused"
    assert limits.hit("create_transfer", "alice").reason == "redis_down_refused"
    assert limits.hit("read", "alice").reason == "redis_down_admitted"
    assert limits.hit("quotes", "alice").reason == "redis_down_refused", "fail_closed chosen"
    private_redis.start()
    decision = limits.hit("place_order", "alice")
    assert decision.reason == "within_limit"
    assert decision.remaining == 119, "a restarted Redis that keeps nothing forgot the window"


def test_a_route_can_be_set_to_fail_open():
    route = Route("5/second", money_moving=True, fail_closed=False)
    assert not route.closed_when_redis_is_down
    assert Route("5/second", money_moving=True).closed_when_redis_is_down


def test_a_bad_limit_names_its_route(redis_url):
    with pytest.raises(ValueError, match="route place_order"):
        RateLimits(redis_url, {"place_order": Route("lots")})


@given(caller=st.one_of(st.text(max_size=200), st.none(), st.integers()), route=st.text(max_size=20))
def test_hostile_callers_and_routes_get_a_decision_or_a_value_error(redis_url, caller, route):
    limits = RateLimits(redis_url)
    for name in (route, "read"):
        try:
            decision = limits.hit(name, caller)
        except ValueError:
            continue
        assert decision.reason in ("within_limit", "limited")
