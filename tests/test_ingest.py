"""pyvb ingest quotes against the tansu broker and PostgreSQL: good quotes applied, malformed
messages set aside with a reason, offsets committed only after the database commit."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import uuid

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic

from pyvb.services.tansu import free_port
from pyvb.testing import run_pyvb
from pyvb.testing.relay import wait_until

pytestmark = pytest.mark.kafka


def quote(symbol: str, ts: str, last: int, bid: int = 99, ask: int = 101) -> dict:
    return {"symbol": symbol, "bid": bid, "ask": ask, "last": last, "volume": 10, "ts": ts}


def produce(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap)
    for value in values:
        producer.send(topic, key=b"engine", value=value)
    producer.flush(30)
    producer.close()


def committed_offset(bootstrap: str, topic: str, group: str) -> int | None:
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    try:
        return consumer.committed(TopicPartition(topic, 0))
    finally:
        consumer.close()


def new_topic(bootstrap: str) -> str:
    """A topic of this test's own, one partition."""
    topic = f"market.quotes.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    admin.close()
    return topic


def ingest(url: str, bootstrap: str, topic: str, group: str):
    return run_pyvb(
        "ingest", "quotes", "--database-url", url, "--kafka-bootstrap", bootstrap,
        "--topic", topic, "--group", group, "--until-idle", "4", timeout_s=120,
    )  # fmt: skip


def test_ingest_applies_good_quotes_sets_aside_bad_ones_and_commits_offsets(test_db_url, kafka_bootstrap):
    topic, group = new_topic(kafka_bootstrap), f"ingest-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        for symbol in ("ACME", "BOLT"):
            conn.execute("SELECT vb_api.create_security(%s, %s, 'VBD', 1, 1, NULL)", (symbol, symbol))
    messages = [
        json.dumps(quote("ACME", "2026-11-26T10:00:00Z", 100)).encode(),  # offset 0: applied
        b"{not json",  # 1: not JSON
        b"\xff\xfe",  # 2: not UTF-8
        json.dumps(  # 3: an array: element 1 good, element 2 bid above ask, element 3 no symbol
            [
                quote("BOLT", "2026-11-26T10:00:01Z", 50),
                quote("BOLT", "2026-11-26T10:00:02Z", 51, 60, 55),
                {"ts": "x"},
            ]
        ).encode(),
        json.dumps(quote("ACME", "2026-11-26T10:00:05Z", 105)).encode(),  # 4: applied, newest
        json.dumps(quote("ACME", "2026-11-26T09:00:00Z", 90)).encode(),  # 5: older: ignored, not an error
        json.dumps(quote("NOPE", "2026-11-26T10:00:00Z", 7)).encode(),  # 6: a symbol the bank does not list
    ]
    produce(kafka_bootstrap, topic, messages)
    result = ingest(test_db_url, kafka_bootstrap, topic, group)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with psycopg.connect(test_db_url) as conn:
        quotes = conn.execute("SELECT symbol, last FROM vb_api.get_quotes(ARRAY['ACME', 'BOLT'])").fetchall()
        letters = conn.execute(
            "SELECT source, reason FROM vb.ingest_dead_letters ORDER BY dead_letter_id"
        ).fetchall()
        history = conn.execute("SELECT count(*) FROM vb.quote_history").fetchone()[0]
    assert sorted(quotes) == [("ACME", 105), ("BOLT", 50)]
    assert history == 4, "the 09:00 quote was older than none stored when its batch came: history keeps it"
    by_source = dict(letters)
    sources = {f"{topic}/0/{offset}" for offset in ("1", "2", "3#1", "3#2", "6")}
    assert set(by_source) == sources
    assert by_source[f"{topic}/0/6"] == "unknown symbol 'NOPE'"
    assert "not UTF-8 JSON" in by_source[f"{topic}/0/1"] and "not UTF-8 JSON" in by_source[f"{topic}/0/2"]
    assert (
        by_source[f"{topic}/0/3#1"]
        == "rejected by vb_api.ingest_quotes: negative price or volume, a price above 10^9, or bid above ask"
    )
    assert by_source[f"{topic}/0/3#2"].startswith(
        "rejected by vb_api.ingest_quotes: not an object with a symbol"
    )
    assert committed_offset(kafka_bootstrap, topic, group) == len(messages)

    # a second run reads nothing again; a new message continues from the committed offset
    produce(kafka_bootstrap, topic, [json.dumps(quote("BOLT", "2026-11-26T10:01:00Z", 52)).encode()])
    assert ingest(test_db_url, kafka_bootstrap, topic, group).returncode == 0
    with psycopg.connect(test_db_url) as conn:
        assert conn.execute("SELECT count(*) FROM vb.ingest_dead_letters").fetchone()[0] == 5
        assert conn.execute("SELECT last FROM vb_api.get_quotes(ARRAY['BOLT'])").fetchone()[0] == 52
    assert committed_offset(kafka_bootstrap, topic, group) == len(messages) + 1


def test_hostile_quotes_are_set_aside_one_by_one_and_never_stop_the_ingester(test_db_url, kafka_bootstrap):
    """What used to crash ingest on every restart (a DataError before any commit): NUL characters,
    a lone surrogate, NaN, 1e400, a NUL byte in the raw message; and n good then n bad quotes in
    one message, which used to cost n calls of shrinking arrays (quadratic). Each bad element is
    a dead letter of its own, every good one is applied, the offsets are committed."""
    topic, group = new_topic(kafka_bootstrap), f"ingest-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.create_security('HOST', 'Host', 'VBD', 1, 1, NULL)")
    good = [quote("HOST", f"2026-11-26T10:{m:02d}:{s:02d}Z", 100 + s) for m in range(2) for s in range(60)]
    bad = [quote("HOST", "2026-11-26T11:00:00Z", 100, bid=200, ask=100) for _ in range(120)]
    deep: object = 1
    for _ in range(20):
        deep = [deep]
    messages = [
        b'{"symbol": "HO\\u0000ST", "bid": 1, "ask": 2, "ts": "2026-11-26T10:00:00Z"}',  # 0: NUL in a string
        b'{"symbol": "HOST", "bid": 1, "ask": 2, "ts": "2026-11-26T10:00:00\\ud800Z"}',  # 1: lone surrogate
        b'{"symbol": "HOST", "bid": NaN, "ask": 2, "ts": "2026-11-26T10:00:00Z"}',  # 2: NaN
        b'{"symbol": "HOST", "bid": 1e400, "ask": 2, "ts": "2026-11-26T10:00:00Z"}',  # 3: infinite
        b"\x00{not json",  # 4: a NUL byte, not JSON
        json.dumps(good + bad).encode(),  # 5: 120 good, then 120 bad
        b"[" * 200_000,  # 6: too deep for the decoder (RecursionError)
        json.dumps([{"symbol": "HOST", "ts": "2026-11-26T10:00:00Z", "x": deep}]).encode(),  # 7: nested
    ]
    produce(kafka_bootstrap, topic, messages)
    result = ingest(test_db_url, kafka_bootstrap, topic, group)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    with psycopg.connect(test_db_url) as conn:
        letters = dict(conn.execute("SELECT source, reason FROM vb.ingest_dead_letters").fetchall())
        applied = conn.execute("SELECT count(*) FROM vb.quote_history").fetchone()[0]
    assert applied == len(good)
    assert letters[f"{topic}/0/0"] == "a string holds a NUL character"
    assert letters[f"{topic}/0/1"] == "a string holds a lone surrogate"
    assert letters[f"{topic}/0/2"] == letters[f"{topic}/0/3"] == "a number is NaN or beyond a double"
    assert letters[f"{topic}/0/4"].startswith("not UTF-8 JSON")
    assert letters[f"{topic}/0/6"].startswith("not UTF-8 JSON")
    assert letters[f"{topic}/0/7#0"] == "nested too deeply"
    assert {source for source in letters if source.startswith(f"{topic}/0/5#")} == {
        f"{topic}/0/5#{index}" for index in range(len(good), len(good) + len(bad))
    }
    assert committed_offset(kafka_bootstrap, topic, group) == len(messages)


def test_ingest_with_an_unreachable_database_keeps_the_offsets(kafka_bootstrap):
    topic, group = new_topic(kafka_bootstrap), f"ingest-{uuid.uuid4().hex[:8]}"
    produce(kafka_bootstrap, topic, [json.dumps(quote("ACME", "2026-11-26T10:00:00Z", 100)).encode()])
    result = ingest("postgresql://postgres@127.0.0.1:1/none", kafka_bootstrap, topic, group)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "database unavailable" in result.stderr and "offsets left uncommitted" in result.stderr
    assert committed_offset(kafka_bootstrap, topic, group) is None


def test_sigterm_stops_a_running_ingest_cleanly_with_its_offsets_committed(
    test_db_url, kafka_bootstrap, tmp_path
):
    topic, group = new_topic(kafka_bootstrap), f"ingest-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.create_security('ACME', 'Acme', 'VBD', 1, 1, NULL)")
    produce(kafka_bootstrap, topic, [json.dumps(quote("ACME", "2026-11-26T10:00:00Z", 100)).encode()])
    log_path = tmp_path / "ingest.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "pyvb.cli", "ingest", "quotes", "--database-url", test_db_url,
             "--kafka-bootstrap", kafka_bootstrap, "--topic", topic, "--group", group],
            stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            wait_until(
                lambda: committed_offset(kafka_bootstrap, topic, group) == 1, timeout_s=60, message="consumed"
            )
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0
        finally:
            if process.poll() is None:
                process.kill()
    assert "Traceback" not in log_path.read_text()
    with psycopg.connect(test_db_url) as conn:
        assert conn.execute("SELECT last FROM vb_api.get_quotes(ARRAY['ACME'])").fetchone()[0] == 100


def test_ingest_acts_as_vb_feed_a_feed_login_is_enough_and_another_login_is_refused(
    test_db_url, kafka_bootstrap
):
    """A login that is a member of vb_feed only applies quotes and records its dead letters; a
    login that is not is told so, exits 1 and leaves the offsets alone."""
    suffix = uuid.uuid4().hex[:8]
    feed, stranger = f"vb_test_feed_{suffix}", f"vb_test_stranger_{suffix}"
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.create_security('FEED', 'Feed', 'VBD', 1, 1, NULL)")
        conn.execute(f"CREATE ROLE {feed} LOGIN IN ROLE vb_feed")
        conn.execute(f"CREATE ROLE {stranger} LOGIN")
    try:
        topic, group = new_topic(kafka_bootstrap), f"ingest-{uuid.uuid4().hex[:8]}"
        produce(
            kafka_bootstrap, topic, [json.dumps(quote("FEED", "2026-11-26T10:00:00Z", 100)).encode(), b"{"]
        )
        refused = ingest(test_db_url.replace("postgres@", f"{stranger}@", 1), kafka_bootstrap, topic, group)
        assert refused.returncode == 1 and "not a member of vb_feed" in refused.stderr, refused.stderr
        assert committed_offset(kafka_bootstrap, topic, group) is None
        result = ingest(test_db_url.replace("postgres@", f"{feed}@", 1), kafka_bootstrap, topic, group)
        assert result.returncode == 0, result.stderr
        with psycopg.connect(test_db_url) as conn:
            assert conn.execute("SELECT last FROM vb_api.get_quotes(ARRAY['FEED'])").fetchone() == (100,)
            assert conn.execute("SELECT count(*) FROM vb.ingest_dead_letters").fetchone() == (1,)
        assert committed_offset(kafka_bootstrap, topic, group) == 2
    finally:
        with psycopg.connect(test_db_url, autocommit=True) as conn:
            conn.execute(f"DROP ROLE {feed}")
            conn.execute(f"DROP ROLE {stranger}")


def test_with_kafka_down_ingest_says_what_it_waited_for_in_one_line(test_db_url):
    result = run_pyvb(
        "ingest", "quotes", "--database-url", test_db_url, "--kafka-bootstrap", f"127.0.0.1:{free_port()}",
        "--until-idle", "1", timeout_s=120,
    )  # fmt: skip
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "connecting to kafka at" in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: kafka at 127.0.0.1:")
    assert "is the broker up" in result.stderr


def test_a_message_of_more_quotes_than_one_call_takes_is_applied_in_several(test_db_url, kafka_bootstrap):
    """ingest_quotes takes 10,000 quotes a call: a message of 10,001 (the engine batches as it
    likes) is applied in two calls, not refused for ever (a VB001 there aborted the batch, and the
    ingester read the same message again on every restart)."""
    from datetime import UTC, datetime, timedelta

    topic, group = new_topic(kafka_bootstrap), f"ingest-{uuid.uuid4().hex[:8]}"
    with psycopg.connect(test_db_url, autocommit=True) as conn:
        conn.execute("SELECT vb_api.create_asset('VBD', 2::smallint)")
        conn.execute("SELECT vb_api.create_security('H', 'Host', 'VBD', 1, 1, NULL)")
    start = datetime.now(UTC) - timedelta(hours=1)
    # short quotes: the message stays under Kafka's default 1 MB
    quotes = [
        {"symbol": "H", "last": 100, "ts": (start + timedelta(milliseconds=n)).isoformat()}
        for n in range(10_001)
    ]
    produce(kafka_bootstrap, topic, [json.dumps(quotes).encode()])
    result = ingest(test_db_url, kafka_bootstrap, topic, group)
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert "10001 quote(s) applied, 0 set aside" in result.stderr
    assert committed_offset(kafka_bootstrap, topic, group) == 1
