"""The service fixtures reach real services: Redis (a flushed logical database) and the
Kafka-protocol broker (tansu, started on a free port unless VB_KAFKA_BOOTSTRAP is set)."""

from __future__ import annotations

import uuid

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic


def test_redis_fixture_is_a_clean_dedicated_database(redis_client):
    assert redis_client.dbsize() == 0
    redis_client.set("vb:test", "1")
    assert redis_client.get("vb:test") == b"1"
    assert redis_client.connection_pool.connection_kwargs["db"] != 0


@pytest.mark.kafka
def test_kafka_fixture_round_trips_a_message(kafka_bootstrap):
    topic = f"vb.test.{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    admin.close()
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap)
    producer.send(topic, key=b"k", value=b"hello", headers=[("event_id", b"1")]).get(timeout=30)
    producer.close()
    consumer = KafkaConsumer(
        bootstrap_servers=kafka_bootstrap, consumer_timeout_ms=20000, max_poll_interval_ms=10000
    )
    consumer.assign([TopicPartition(topic, 0)])
    consumer.seek_to_beginning()
    messages = [m for _, m in zip(range(1), consumer, strict=False)]
    consumer.close()
    assert [(m.key, m.value, m.headers) for m in messages] == [(b"k", b"hello", [("event_id", b"1")])]
