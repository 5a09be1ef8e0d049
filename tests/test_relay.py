"""The relay against real PostgreSQL, Redis and the tansu Kafka-protocol broker."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections import defaultdict

import psycopg
import pytest
import redis

from pyvb.config import database_name, with_database
from pyvb.relay import TOPIC_OF_AGGREGATE
from pyvb.services.tansu import TansuBroker, free_port
from pyvb.testing import run_pyvb
from pyvb.testing.relay import (
    RedisServer,
    RelayThread,
    all_events,
    count_events,
    kill,
    progress,
    read_topics,
    relay_process,
    wait_until,
    write_transfers,
)

pytestmark = pytest.mark.kafka

EVERY_TYPE = {
    "account.opened", "balance.changed", "transfer.created", "transfer.pending", "transfer.posted",
    "transfer.voided", "transfer.expired", "order.accepted", "order.filled", "order.partially_filled",
    "order.cancelled", "order.rejected", "trade.executed", "breach.recorded", "alert.raised", "quote.updated",
    "session.started", "session.refreshed", "session.ended", "user.updated",
}  # fmt: skip


@pytest.fixture
def broker(tmp_path):
    """A private broker: every test sees only its own topics and may stop it."""
    with TansuBroker(log_path=tmp_path / "tansu.log") as private:
        yield private


def add_every_kind_of_event(url: str) -> list[str]:
    """Every event type, whatever the random demo session produced: transfers of each two-phase
    outcome, orders resting, partly and wholly filled, cancelled and rejected, a trade, a soft
    limit's breach and alert, a quote, sessions started, refreshed and ended, a role change.
    Returns the token hashes of the sessions that ended or whose user changed."""
    seller, buyer = uuid.uuid4(), uuid.uuid4()
    sell_cash, buy_cash = uuid.uuid4(), uuid.uuid4()
    with psycopg.connect(url, autocommit=True) as conn:
        issuer = conn.execute(
            "SELECT account_id FROM vb.accounts WHERE account_kind = 'issuer' AND asset_code = 'VBD'"
        ).fetchone()[0]
        conn.execute("SELECT vb_api.create_security('EVNT', 'Events', 'VBD', 1, 1, NULL)")
        for owner, cash, handle in ((seller, sell_cash, "ev-seller"), (buyer, buy_cash, "ev-buyer")):
            conn.execute("SELECT vb_api.create_user(%s, %s)", (owner, handle))
            conn.execute("SELECT vb_api.open_account(%s, 'VBD', %s)", (cash, owner))
            conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 100000, 'deposit')", (uuid.uuid4(), issuer, cash)
            )
        conn.execute("SELECT vb_api.issue_shares(%s, 'EVNT', %s, 100)", (uuid.uuid4(), seller))
        conn.execute(
            "SELECT vb_api.set_exposure_limit('account', %s, 'order_notional', NULL, 1)", (str(buy_cash),)
        )

        def place(cash, side, quantity, price="100", order_id=None):
            return conn.execute(
                "SELECT status FROM vb_api.place_order(%s, %s, 'EVNT', %s, %s, 'limit', %s)",
                (order_id or uuid.uuid4(), cash, side, quantity, int(price)),
            ).fetchone()[0]

        assert place(sell_cash, "sell", 10) == "new"
        assert place(buy_cash, "buy", 4) == "filled"  # the maker partially filled; a breach and an alert
        resting = uuid.uuid4()
        assert place(buy_cash, "buy", 5, "90", resting) == "new"
        assert (
            conn.execute("SELECT status FROM vb_api.cancel_order(%s)", (resting,)).fetchone()[0]
            == "cancelled"
        )
        assert (
            conn.execute(
                "SELECT status FROM vb_api.place_order(%s, %s, 'NOPE', 'buy', 1, 'limit', 100)",
                (uuid.uuid4(), buy_cash),
            ).fetchone()[0]
            == "rejected"
        )
        conn.execute(
            """SELECT vb_api.ingest_quotes(jsonb_build_array(jsonb_build_object('symbol', 'EVNT',
                   'bid', 95, 'ask', 105, 'ts', clock_timestamp())))"""
        )
        holds = [uuid.uuid4() for _ in range(3)]
        for hold, timeout_s in zip(holds, (None, None, 1), strict=True):
            status = conn.execute(
                "SELECT vb_api.create_transfer(%s, %s, %s, 5, 'hold', ARRAY['pending'], NULL, %s)",
                (hold, buy_cash, sell_cash, timeout_s),
            ).fetchone()[0]
            assert status == "created"
        for hold, flag in zip(holds, ("post_pending", "void_pending"), strict=False):
            status = conn.execute(
                "SELECT vb_api.create_transfer(%s, NULL, NULL, NULL, NULL, %s, %s)",
                (uuid.uuid4(), [flag], hold),
            ).fetchone()[0]
            assert status == "created"
        conn.execute(
            "UPDATE vb.pending_transfers SET expires_at = clock_timestamp() WHERE pending_id = %s",
            (holds[2],),
        )
        assert conn.execute("SELECT vb_ops.expire_pending_transfers()").fetchone()[0] == 1
        ended, changed = (
            conn.execute("SELECT session_id FROM vb_api.start_session(%s)", (owner,)).fetchone()[0]
            for owner in (seller, buyer)
        )
        assert conn.execute("SELECT vb_api.refresh_session(%s)", (ended,)).fetchone()[0] == "refreshed"
        assert conn.execute("SELECT vb_api.end_session(%s)", (ended,)).fetchone()[0] == "ended"
        assigned = conn.execute("SELECT vb_api.assign_role(%s, 'moderator')", (buyer,)).fetchone()[0]
        assert assigned == "assigned"
        hashes = "SELECT encode(token_sha256, 'hex') FROM vb.sessions WHERE session_id = %s"
        return [conn.execute(hashes, (s,)).fetchone()[0] for s in (ended, changed)]


def test_every_event_reaches_kafka_with_its_topic_key_headers_and_envelope(
    fresh_url, broker, redis_client, redis_url
):
    assert run_pyvb("demo", "--database-url", fresh_url, "--seconds", "2", "--no-relay").returncode == 0
    revoked = add_every_kind_of_event(fresh_url)
    for token_sha256 in revoked:  # as a session cache would hold them
        redis_client.set(f"vb:session:{token_sha256}", "cached", ex=300)
    with RelayThread(fresh_url, broker.bootstrap, redis_url, stop_when_idle=True) as relay:
        relay.finish(120)
    assert [redis_client.exists(f"vb:session:{h}") for h in revoked] == [0, 0], "ended or roles changed"
    events = all_events(fresh_url)
    assert {event_type for _, event_type, *_ in events} == EVERY_TYPE
    delivered = read_topics(broker.bootstrap, expect=len(events))
    assert len(delivered) == len(events)
    by_id = {message.envelope["event_id"]: message for message in delivered}
    assert sorted(by_id) == [event_id for event_id, *_ in events] == list(range(1, len(events) + 1))
    for event_id, event_type, aggregate, key, payload in events:
        message = by_id[event_id]
        assert message.topic == "vb." + TOPIC_OF_AGGREGATE[aggregate]
        assert message.key == key == message.envelope["key"]
        assert message.headers == {"event_id": str(event_id), "type": event_type}
        assert message.envelope["type"] == event_type and message.envelope["aggregate"] == aggregate
        assert message.envelope["payload"] == json.loads(payload)
        assert message.envelope["schema_version"] == 1 and message.envelope["occurred_at"].endswith("Z")
    # order per key: within a partition, each key's event ids only increase
    last_seen: dict[tuple, int] = {}
    for message in delivered:
        slot = (message.topic, message.key)
        assert message.envelope["event_id"] > last_seen.get(slot, 0), slot
        last_seen[slot] = message.envelope["event_id"]
    # balance.changed versions per account increase in delivery order
    versions = defaultdict(list)
    for message in delivered:
        if message.envelope["type"] == "balance.changed":
            versions[message.key].append(message.envelope["payload"]["version"])
    assert all(v == sorted(v) for v in versions.values())
    # Redis: the cache holds each customer account's newest balance (the relay writes what it
    # delivers; deferred accounts have no balance.changed events)
    assert versions, "balance.changed events were delivered"
    for account_id, account_versions in versions.items():
        cached = redis_client.hget(f"vb:balance:{account_id}", "version")
        assert cached is not None and int(cached) == account_versions[-1], account_id
    assert progress(fresh_url, "kafka") == progress(fresh_url, "redis") == len(events)


def test_a_transaction_that_commits_late_is_delivered_after_the_ones_before(test_db_url, broker):
    write_transfers(test_db_url, 1)
    late = psycopg.connect(test_db_url)
    try:
        late_user = uuid.uuid4()
        late.execute("SELECT vb_api.create_user(%s, 'late-committer')", (late_user,))
        late.execute(
            "SELECT vb_api.open_account(%s, 'VBD', %s)", (uuid.uuid4(), late_user)
        )  # takes an outbox id
        write_transfers(test_db_url, 2)  # later outbox ids, committed first
        with RelayThread(test_db_url, broker.bootstrap, None, stop_when_idle=True) as relay:
            relay.finish(60)
        delivered_before = {m.envelope["type"] for m in read_topics(broker.bootstrap)}
        assert "transfer.created" in delivered_before and "account.opened" in delivered_before
        late_outbox_id = late.execute("SELECT max(outbox_id) FROM vb.outbox").fetchone()[0]
        late.commit()
    finally:
        late.close()
    with RelayThread(test_db_url, broker.bootstrap, None, stop_when_idle=True) as relay:
        relay.finish(60)
    events = all_events(test_db_url)
    with psycopg.connect(test_db_url) as conn:
        late_event_id, earlier_max = conn.execute(
            "SELECT max(event_id) FILTER (WHERE outbox_id = %s), max(event_id) FILTER (WHERE outbox_id > %s)"
            " FROM vb.outbox_events",
            (late_outbox_id, late_outbox_id),
        ).fetchone()
    assert late_event_id is not None and late_event_id > earlier_max, "numbered when it became visible"
    delivered = read_topics(broker.bootstrap, expect=len(events))
    assert sorted(m.envelope["event_id"] for m in delivered) == [e[0] for e in events]


def test_sigkill_mid_stream_then_restart_loses_nothing(test_db_url, broker, tmp_path, redis_url):
    write_transfers(test_db_url, 1500)
    first = relay_process(  # batches of 5: 900 of them, so the kill lands mid-stream
        test_db_url, broker.bootstrap, redis_url, tmp_path / "relay.log", "--batch-size", "5"
    )
    wait_until(lambda: progress(test_db_url, "kafka") > 0, message="first batch delivered")
    kill(first, signal.SIGKILL)
    assert progress(test_db_url, "kafka") < 1500 * 3, "killed mid-stream"
    second = relay_process(test_db_url, broker.bootstrap, redis_url, tmp_path / "relay.log", "--until-idle")
    assert second.wait(timeout=120) == 0
    total = count_events(test_db_url)
    assert total >= 1500 * 3
    delivered_ids = {m.envelope["event_id"] for m in read_topics(broker.bootstrap)}
    assert delivered_ids == set(range(1, total + 1))
    assert progress(test_db_url, "kafka") == progress(test_db_url, "redis") == total


def test_sigterm_finishes_the_batch_records_progress_and_exits_zero(test_db_url, broker, tmp_path, redis_url):
    write_transfers(test_db_url, 600)
    process = relay_process(
        test_db_url,
        broker.bootstrap,
        redis_url,
        tmp_path / "relay.log",
        "--batch-size",
        "20",
    )
    wait_until(lambda: progress(test_db_url, "kafka") > 0, message="first batch delivered")
    assert kill(process, signal.SIGTERM) == 0
    recorded = progress(test_db_url, "kafka")
    delivered_ids = {m.envelope["event_id"] for m in read_topics(broker.bootstrap)}
    assert set(range(1, recorded + 1)) <= delivered_ids, "everything recorded as delivered is in Kafka"
    log = (tmp_path / "relay.log").read_text()
    assert "finishing the batch and stopping" in log and "relay stopped" in log and "Traceback" not in log


def test_broker_down_makes_kafka_wait_while_redis_goes_on_then_catches_up(test_db_url, tmp_path):
    broker = TansuBroker(log_path=tmp_path / "tansu.log").start()
    private_redis = RedisServer().start()
    try:
        with RelayThread(test_db_url, broker.bootstrap, private_redis.url, poll_interval_s=0.2):
            write_transfers(test_db_url, 5)
            first = count_events(test_db_url)
            wait_until(lambda: progress(test_db_url, "kafka") == first, message="kafka caught up")
            broker.stop()
            write_transfers(test_db_url, 5)
            total = count_events(test_db_url)
            wait_until(
                lambda: progress(test_db_url, "redis") == total, message="redis delivered while kafka is down"
            )
            time.sleep(1.0)
            assert progress(test_db_url, "kafka") == first, "kafka waits"
            broker.start()  # same port; a memory broker comes back empty
            wait_until(
                lambda: progress(test_db_url, "kafka") == total, timeout_s=60, message="kafka caught up"
            )
        delivered_ids = {m.envelope["event_id"] for m in read_topics(broker.bootstrap)}
        assert set(range(first + 1, total + 1)) <= delivered_ids
    finally:
        broker.stop()
        private_redis.stop()


def test_redis_down_makes_redis_wait_then_catches_up(test_db_url, broker):
    private_redis = RedisServer()
    private_redis.start()
    try:
        with RelayThread(test_db_url, broker.bootstrap, private_redis.url, poll_interval_s=0.2):
            write_transfers(test_db_url, 3)
            first = count_events(test_db_url)
            wait_until(lambda: progress(test_db_url, "redis") == first, message="redis caught up")
            private_redis.stop()
            write_transfers(test_db_url, 3)
            total = count_events(test_db_url)
            wait_until(lambda: progress(test_db_url, "kafka") == total, message="kafka goes on")
            assert progress(test_db_url, "redis") == first
            private_redis.start()
            client = redis.Redis.from_url(private_redis.url)
            subscriber = client.pubsub()
            subscriber.subscribe("vb:events:transfer")
            wait_until(
                lambda: progress(test_db_url, "redis") == total, timeout_s=60, message="redis caught up"
            )
        balances = [k for k in client.scan_iter("vb:balance:*")]
        assert balances, "balances refreshed after the restart"
    finally:
        private_redis.stop()


def test_two_relays_one_active_and_the_standby_takes_over(test_db_url, broker, tmp_path, redis_url):
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    first = relay_process(test_db_url, broker.bootstrap, redis_url, logs[0])
    wait_until(lambda: "active" in logs[0].read_text(), message="first relay active")
    second = relay_process(test_db_url, broker.bootstrap, redis_url, logs[1])
    try:
        wait_until(lambda: "standby" in logs[1].read_text(), message="second relay on standby")
        write_transfers(test_db_url, 3)
        total = count_events(test_db_url)
        wait_until(lambda: progress(test_db_url, "kafka") == total, message="the active relay delivers")
        assert "active: this relay" not in logs[1].read_text()
        kill(first, signal.SIGKILL)
        write_transfers(test_db_url, 3)
        total = count_events(test_db_url)
        wait_until(lambda: "active: this relay" in logs[1].read_text(), message="standby takes over")
        wait_until(lambda: progress(test_db_url, "kafka") == total, message="the new active relay delivers")
    finally:
        kill(second, signal.SIGTERM)
        if first.poll() is None:
            kill(first)
    assert {m.envelope["event_id"] for m in read_topics(broker.bootstrap)} == set(range(1, total + 1))


def test_a_bad_event_is_dead_lettered_and_the_stream_goes_on(test_db_url, broker, redis_url):
    write_transfers(test_db_url, 1)
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute(
            """INSERT INTO vb.outbox (events) VALUES
               ('[{"type": "x.y", "aggregate": "x", "key": "k", "payload": {"bad": "\\ud800"}}]'),
               ('[{"type": "transfer.created"}, 42]'),
               ('[{"type": "mystery.made", "aggregate": "mystery", "key": "m", "payload": {}}]')"""
        )
    write_transfers(test_db_url, 1)
    with RelayThread(test_db_url, broker.bootstrap, redis_url, stop_when_idle=True) as relay:
        relay.finish(60)
    total = count_events(test_db_url)
    assert progress(test_db_url, "kafka") == progress(test_db_url, "redis") == total
    with psycopg.connect(test_db_url) as conn:
        letters = conn.execute(
            "SELECT sink, reason FROM vb.relay_dead_letters ORDER BY event_id, sink"
        ).fetchall()
    reasons = [reason for sink, reason in letters if sink == "kafka"]
    assert len(reasons) == 4
    assert "cannot be serialised" in reasons[0] and "missing or invalid" in reasons[1]
    assert "not a json object" in reasons[2] and "no Kafka topic" in reasons[3]
    assert len([1 for sink, _ in letters if sink == "redis"]) == 3, "redis publishes any aggregate"
    good = [m.envelope["type"] for m in read_topics(broker.bootstrap)]
    assert good.count("transfer.created") == 2


def test_an_operation_redis_refuses_is_dead_lettered_not_retried_for_ever(
    test_db_url, broker, redis_client, redis_url
):
    """A balance key that holds a list (WRONGTYPE for the cache script) used to make the Redis
    sink retry the same batch for ever: now that event's operation is a dead letter of the redis
    sink, every other event is delivered, and Kafka is untouched."""
    write_transfers(test_db_url, 3)
    with psycopg.connect(test_db_url) as conn:
        account = conn.execute(
            "SELECT aggregate_id FROM vb.outbox_events"
            " WHERE event_type = 'balance.changed' ORDER BY 1 LIMIT 1"
        ).fetchone()[0]
    redis_client.delete(f"vb:balance:{account}")
    redis_client.rpush(f"vb:balance:{account}", "not a hash")
    try:
        with RelayThread(test_db_url, broker.bootstrap, redis_url, stop_when_idle=True) as relay:
            relay.finish(60)
        total = count_events(test_db_url)
        assert progress(test_db_url, "redis") == progress(test_db_url, "kafka") == total
        with psycopg.connect(test_db_url) as conn:
            letters = conn.execute("SELECT sink, reason FROM vb.relay_dead_letters").fetchall()
        assert letters and {sink for sink, _ in letters} == {"redis"}
        assert all("refused by redis" in reason and "WRONGTYPE" in reason for _, reason in letters)
        assert len(letters) == 3, "the three balance.changed events of that account, nothing else"
    finally:
        redis_client.delete(f"vb:balance:{account}")


def test_an_idle_relay_wakes_on_notify_long_before_its_fallback_poll(
    test_db_url, broker, redis_client, redis_url
):
    subscriber = redis_client.pubsub()
    subscriber.subscribe("vb:events:transfer")
    with RelayThread(test_db_url, broker.bootstrap, redis_url, poll_interval_s=30.0):
        with psycopg.connect(test_db_url) as conn:
            wait_until(
                lambda: conn.execute("SELECT listening_until > now() FROM vb.relay_wakeup").fetchone()[0],
                message="relay asleep",
            )
        committed = time.monotonic()
        write_transfers(test_db_url, 1)
        message = None
        while message is None and time.monotonic() - committed < 10:
            message = subscriber.get_message(ignore_subscribe_messages=True, timeout=1.0)
        assert message is not None, "woken by NOTIFY, not by the 30 s poll"
    subscriber.close()


def test_writers_notify_only_while_the_relay_sleeps(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as listener:
        listener.execute("LISTEN vb_relay")
        write_transfers(test_db_url, 2)
        assert list(listener.notifies(timeout=0.5)) == [], "no relay asleep: writers stay silent"
        listener.execute("SELECT vb_ops.relay_set_listening(10)")
        write_transfers(test_db_url, 1)
        assert list(listener.notifies(timeout=1.0, stop_after=1)), "a sleeping relay is woken"
        listener.execute("SELECT vb_ops.relay_set_listening(0)")


def test_metrics_show_deliveries_lag_and_the_active_state(test_db_url, broker):
    from prometheus_client import generate_latest

    write_transfers(test_db_url, 2)
    relay = RelayThread(test_db_url, broker.bootstrap, None, poll_interval_s=0.2, status_every_s=0.2)
    with relay:
        total = count_events(test_db_url)
        wait_until(lambda: progress(test_db_url, "kafka") == total, message="delivered")

        def caught_up():
            text = generate_latest(relay.relay.metrics.registry).decode()
            return text if 'vb_relay_lag_events{sink="kafka"} 0.0' in text else None

        text = wait_until(
            caught_up,
            message="the lag metric caught up",
        )
    assert 'vb_relay_events_delivered_total{sink="kafka",topic="vb.transfers"} 2.0' in text
    assert "vb_relay_active 1.0" in text
    assert 'vb_relay_lag_events{sink="kafka"} 0.0' in text
    assert 'vb_relay_batch_seconds_count{sink="kafka"}' in text


def test_relay_cli_reports_an_unreachable_database_in_one_line():
    result = run_pyvb("relay", "status", "--database-url", "postgresql://postgres@127.0.0.1:1/none")
    assert result.returncode == 1 and result.stderr.startswith("error:") and "Traceback" not in result.stderr


def test_relay_cli_status_and_forget_sink(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_ops.relay_record_progress('redis', 0)")
    status = run_pyvb("relay", "status", "--database-url", test_db_url)
    assert status.returncode == 0 and "redis" in status.stdout
    assert run_pyvb("relay", "forget-sink", "redis", "--database-url", test_db_url).returncode == 0
    unknown = run_pyvb("relay", "forget-sink", "redis", "--database-url", test_db_url)
    assert unknown.returncode == 1 and unknown.stderr.startswith("error: no sink named 'redis'")


def test_a_database_never_deployed_gets_a_hint(fresh_url):
    with psycopg.connect(with_database(fresh_url, "postgres"), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{database_name(fresh_url)}"')
    result = run_pyvb("relay", "status", "--database-url", fresh_url)
    assert result.returncode == 1 and "is this database deployed? pyvb db migrate" in result.stderr


def test_relay_subcommands_act_on_the_url_given_to_the_group(test_db_url):
    """`pyvb relay --database-url URL status|forget-sink` acts on URL, never on the default one."""
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_ops.relay_record_progress('kafka', 0)")
    elsewhere = {**os.environ, "VB_DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none"}
    status = run_pyvb("relay", "--database-url", test_db_url, "status", env=elsewhere)
    assert status.returncode == 0 and "kafka" in status.stdout, status.stderr
    forgotten = run_pyvb("relay", "--database-url", test_db_url, "forget-sink", "kafka", env=elsewhere)
    assert forgotten.returncode == 0 and "sink kafka forgotten" in forgotten.stdout, forgotten.stderr


def test_relay_cli_redis_only_serves_metrics_and_stops_on_sigterm(test_db_url, redis_url, tmp_path):
    write_transfers(test_db_url, 3)
    port = free_port()
    log_path = tmp_path / "relay.log"
    command = [
        sys.executable, "-m", "pyvb.cli", "relay", "--database-url", test_db_url, "--no-kafka",
        "--redis-url", redis_url, "--metrics-port", str(port), "--retention", "1 day",
        "--poll-interval", "0.2",
    ]  # fmt: skip
    with open(log_path, "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    try:
        total = count_events(test_db_url)
        wait_until(lambda: progress(test_db_url, "redis") == total, message="delivered to Redis")
        metrics = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
        assert 'vb_relay_events_delivered_total{sink="redis"' in metrics and "vb_relay_active 1.0" in metrics
        with psycopg.connect(test_db_url) as conn:
            sinks = conn.execute("SELECT sink FROM vb.relay_progress ORDER BY 1").fetchall()
        assert sinks == [("redis",)], "--no-kafka: no Kafka sink registered"
        assert kill(process, signal.SIGTERM) == 0
    finally:
        if process.poll() is None:
            kill(process)
    assert "Traceback" not in log_path.read_text()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--no-kafka", "--no-redis"), "leave nothing to deliver to"),
        (("--no-kafka", "--retention", "banana"), 'invalid input syntax for type interval: "banana"'),
    ],
)
def test_relay_cli_refuses_what_cannot_work_in_one_line(test_db_url, redis_url, extra, message):
    result = run_pyvb(
        "relay", "--database-url", test_db_url, "--redis-url", redis_url, "--until-idle", *extra
    )
    assert result.returncode == 1 and message in result.stderr and "Traceback" not in result.stderr


def test_relay_cli_kafka_only_until_idle(test_db_url, broker, tmp_path):
    write_transfers(test_db_url, 2)
    result = run_pyvb(
        "relay",
        "--database-url",
        test_db_url,
        "--kafka-bootstrap",
        broker.bootstrap,
        "--no-redis",
        "--until-idle",
    )
    assert result.returncode == 0, result.stderr
    total = count_events(test_db_url)
    with psycopg.connect(test_db_url) as conn:
        sinks = conn.execute("SELECT sink, last_event_id FROM vb.relay_progress ORDER BY 1").fetchall()
    assert sinks == [("kafka", total)], (
        "--no-redis: only the Kafka sink registered, and it delivered everything"
    )
    assert sorted(m.envelope["event_id"] for m in read_topics(broker.bootstrap, expect=total)) == list(
        range(1, total + 1)
    )


def test_relay_status_before_any_relay_ran_shows_the_events_waiting(test_db_url):
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('XAU', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(gen_random_uuid(), 'XAU')")  # account.opened
        waiting = conn.execute("SELECT waiting_events FROM vb_ops.relay_backlog()").fetchone()[0]
    assert waiting >= 1
    status = run_pyvb("relay", "status", "--database-url", test_db_url)
    assert status.returncode == 0, status.stderr
    assert f"{waiting:,} waiting in the outbox to be numbered" in status.stdout
    assert "no sink registered yet" in status.stdout


def test_with_kafka_down_the_relay_says_so_once_gives_up_until_idle_and_stops_at_once(
    test_db_url, tmp_path, redis_url
):
    """No broker at the address: one warning for the outage (librdkafka's own lines held back),
    --until-idle exits 1 naming the sink once it stayed down past --sink-down-timeout, and a
    running relay stops within about a second of SIGTERM even while Kafka does not answer."""
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('XAU', 2::smallint)")
        conn.execute("SELECT vb_api.open_account(gen_random_uuid(), 'XAU')")
    dead = f"127.0.0.1:{free_port()}"
    gave_up = run_pyvb(
        "relay", "--database-url", test_db_url, "--kafka-bootstrap", dead, "--redis-url", redis_url,
        "--until-idle", "--sink-down-timeout", "2", timeout_s=120,
    )  # fmt: skip
    lines = gave_up.stderr.splitlines()
    assert gave_up.returncode == 1, gave_up.stderr
    assert any("sink kafka has been unavailable" in line and "giving up" in line for line in lines)
    assert sum("sink kafka unavailable" in line for line in lines) == 1, "one warning per outage"
    assert not any(line.startswith("%") for line in lines), "librdkafka's lines go through logging"
    assert len(lines) < 15, gave_up.stderr
    assert progress(test_db_url, "redis") > 0, "the other sink delivered meanwhile"

    log_path = tmp_path / "relay.log"
    running = relay_process(test_db_url, dead, redis_url, log_path)
    try:
        outage_seen = lambda: "sink kafka unavailable" in log_path.read_text()  # noqa: E731
        wait_until(outage_seen, timeout_s=60, message="the outage reported")
        asked = time.monotonic()
        running.send_signal(signal.SIGTERM)
        assert running.wait(timeout=30) == 0
        stopped_s = time.monotonic() - asked
    finally:
        if running.poll() is None:
            running.kill()
    assert stopped_s < 5, f"SIGTERM took {stopped_s:.1f} s"
