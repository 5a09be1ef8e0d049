"""The relay's sinks: Kafka (one topic per aggregate, keyed, event id in a header) and Redis
(cache keys refreshed or deleted, PUBLISH for websockets)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import orjson
import redis

from pyvb.cache import QUOTE_KEY, SESSION_GENERATION_KEY, SESSION_KEY, CacheScripts
from pyvb.logs import LIBRDKAFKA_LOGGER
from pyvb.relay.events import NOT_PUBLISHED, TOPIC_OF_AGGREGATE, BadEvent, Event

log = logging.getLogger("pyvb.relay")


class SinkUnavailable(Exception):
    """The sink cannot take events now (connection refused, broker down, timeout)."""


class KafkaSink:
    """Kafka: key = aggregate id, headers event_id and type, topics created when missing.

    The producer is librdkafka's (confluent-kafka): kafka-python's pure-Python producer tops out
    near 10,000 messages/s on this class of machine, half the relay's target. It is idempotent
    with acks=all, so its own retries neither duplicate nor reorder a partition; a batch that
    fails is redelivered whole from the recorded position (at least once).
    """

    name = "kafka"

    def __init__(
        self,
        bootstrap: str,
        topic_prefix: str = "vb.",
        partitions: int = 3,
        replication_factor: int = 1,
        timeout_s: float = 10.0,
    ):
        self.bootstrap = bootstrap
        self.topic_prefix = topic_prefix
        self.partitions = partitions
        self.replication_factor = replication_factor
        self.timeout_s = timeout_s
        self.producer = None

    def topic_for(self, aggregate: str) -> str | None:
        topic = TOPIC_OF_AGGREGATE.get(aggregate)
        return self.topic_prefix + topic if topic else None

    def open(self) -> None:
        """Create missing topics and the producer (and its producer id) once."""
        if self.producer is not None:
            return
        from confluent_kafka import KafkaException, Producer

        try:
            self.ensure_topics()
        except KafkaException as error:
            raise SinkUnavailable(f"kafka at {self.bootstrap}: {error}") from error
        self.producer = Producer(
            {
                "bootstrap.servers": self.bootstrap,
                "client.id": "pyvb-relay",
                "enable.idempotence": True,
                "acks": "all",
                "linger.ms": 2,
                "message.timeout.ms": int(self.timeout_s * 1000),
                "socket.timeout.ms": int(self.timeout_s * 1000),
                "logger": logging.getLogger(LIBRDKAFKA_LOGGER),
            }
        )
        # connect now: the first delivery would otherwise pay for the connection
        try:
            self.producer.list_topics(timeout=self.timeout_s)
        except KafkaException as error:
            self.producer = None
            raise SinkUnavailable(f"kafka at {self.bootstrap}: {error}") from error

    def ensure_topics(self) -> None:
        from confluent_kafka import KafkaError
        from confluent_kafka.admin import AdminClient, NewTopic

        admin = AdminClient(
            {
                "bootstrap.servers": self.bootstrap,
                "socket.timeout.ms": int(self.timeout_s * 1000),
                "logger": logging.getLogger(LIBRDKAFKA_LOGGER),
            }
        )
        existing = set(admin.list_topics(timeout=self.timeout_s).topics)
        missing = [
            NewTopic(self.topic_prefix + topic, self.partitions, self.replication_factor)
            for topic in sorted(set(TOPIC_OF_AGGREGATE.values()))
            if self.topic_prefix + topic not in existing
        ]
        if not missing:
            return
        for topic, future in admin.create_topics(missing, request_timeout=self.timeout_s).items():
            try:
                future.result(timeout=self.timeout_s)
            except Exception as error:  # a KafkaException wrapping the broker's answer
                if (
                    error.args
                    and getattr(error.args[0], "code", lambda: None)() == KafkaError.TOPIC_ALREADY_EXISTS
                ):
                    continue
                raise
            log.info("kafka: created topic %s", topic)

    def deliver(
        self, events: list[Event], dead_letter: Callable[[Event | BadEvent, str], None]
    ) -> dict[str, int]:
        from confluent_kafka import KafkaError, KafkaException

        self.open()
        failures: list[tuple[Event, KafkaError]] = []
        delivered: dict[str, int] = {}

        def on_delivery(event: Event, topic: str):
            def report(error, _message):
                if error is None:
                    delivered[topic] = delivered.get(topic, 0) + 1
                else:
                    failures.append((event, error))

            return report

        try:
            for event in events:
                topic = self.topic_for(event.aggregate)
                if topic is None:
                    dead_letter(event, f"no Kafka topic for aggregate {event.aggregate!r}")
                    continue
                headers = [("event_id", str(event.event_id).encode()), ("type", event.type.encode())]
                while True:
                    try:
                        self.producer.produce(
                            topic,
                            event.envelope,
                            event.key.encode(),
                            headers=headers,
                            on_delivery=on_delivery(event, topic),
                        )
                        break
                    except BufferError:  # the local queue is full: let it drain
                        self.producer.poll(0.05)
                    except KafkaException as error:
                        if error.args[0].code() != KafkaError.MSG_SIZE_TOO_LARGE:
                            raise
                        dead_letter(event, f"kafka refused it: {error.args[0].str()}")
                        break
                self.producer.poll(0)
            remaining = self.producer.flush(self.timeout_s + 5)
        except KafkaException as error:
            self.close()
            raise SinkUnavailable(f"kafka: {error}") from error
        if remaining:
            self.close()
            raise SinkUnavailable(f"kafka: {remaining} message(s) not acknowledged in time")
        for event, error in failures:
            if error.code() == KafkaError.MSG_SIZE_TOO_LARGE:
                dead_letter(event, f"kafka refused it: {error.str()}")
            else:
                self.close()
                raise SinkUnavailable(f"kafka: {error.str()}")
        return delivered

    def close(self) -> None:
        # librdkafka frees the producer with the object; undelivered messages are simply dropped,
        # the batch is redelivered from the recorded position
        self.producer = None


#: error replies that say Redis cannot work now, not that an operation is wrong: wait and retry
#: (redis-py strips the OOM / READONLY / NOSCRIPT prefixes into these types; the rest by message)
TRANSIENT_REDIS_REPLIES = (
    redis.exceptions.OutOfMemoryError,
    redis.exceptions.ReadOnlyError,
    redis.exceptions.NoScriptError,
    redis.exceptions.TryAgainError,
    redis.exceptions.ClusterDownError,
)
TRANSIENT_REDIS_ERROR = re.compile(
    r"\b(OOM|BUSY|LOADING|READONLY|MASTERDOWN|TRYAGAIN|MISCONF|NOREPLICAS|CLUSTERDOWN|NOSCRIPT)\b"
)


#: what the Redis sink counts session and user events under (they are not PUBLISHed)
SESSIONS_LABEL = "cache:sessions"


class RedisSink:
    """Redis: PUBLISH every event on vb:events:{aggregate} (session and user events excepted: not
    for players' screens); keep the caches honest — balances refreshed by version
    (compare-and-set), positions invalidated by generation, quote and book keys deleted, a
    session's key deleted when it ends or its user's status or roles change."""

    name = "redis"
    #: events per script call: bounds how long one call keeps Redis busy (about a millisecond)
    OPERATIONS_PER_CALL = 500
    #: and bytes per script call (a call's arguments are held in Redis's memory at once)
    BYTES_PER_CALL = 1 << 20

    def __init__(self, url: str, cache_ttl_s: float = 300.0):
        self.url = url
        self.cache_ttl_s = cache_ttl_s
        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.scripts = CacheScripts(self.client)

    def open(self) -> None:
        try:
            self.client.ping()
        except redis.RedisError as error:
            raise SinkUnavailable(f"redis: {error!r}") from error

    def deliver(
        self, events: list[Event], dead_letter: Callable[[Event | BadEvent, str], None]
    ) -> dict[str, int]:
        operations: list[tuple[Event, tuple]] = []
        delivered: dict[str, int] = {}
        for event in events:
            channel = f"vb:events:{event.aggregate}"
            payload = event.payload
            if event.aggregate in NOT_PUBLISHED:
                try:
                    session_operations = self._session_operations(event)
                except (KeyError, TypeError, ValueError) as error:
                    dead_letter(event, f"cache update impossible: {error!r}")
                    continue
                operations.extend((event, operation) for operation in session_operations)
                delivered[SESSIONS_LABEL] = delivered.get(SESSIONS_LABEL, 0) + 1
                continue
            try:
                if event.type == "balance.changed":
                    operation = self.scripts.balance_operation(
                        payload, orjson.dumps(payload), channel, event.envelope
                    )
                elif event.aggregate in ("order", "trade"):
                    fill = event.type in ("order.filled", "order.partially_filled")
                    owner = str(payload["owner_id"]) if fill and payload.get("owner_id") else None
                    operation = self.scripts.positions_operation(
                        str(payload.get("symbol", event.key)), owner, channel, event.envelope
                    )
                elif event.type == "quote.updated":
                    operation = (channel, event.envelope, "d", QUOTE_KEY.format(event.key), "", "")
                else:
                    operation = (channel, event.envelope, "", "", "", "")
            except (KeyError, TypeError, ValueError) as error:
                dead_letter(event, f"cache update impossible: {error!r}")
                operation = (channel, event.envelope, "", "", "", "")
            operations.append((event, operation))
            delivered[channel] = delivered.get(channel, 0) + 1
        for chunk in self._chunks(operations):
            try:
                self._apply(chunk)
            except redis.ResponseError:
                # Redis refused an operation (a key of the wrong type, say): retrying the chunk
                # would fail for ever, so each operation alone; the refused ones are dead letters
                refused: set[int] = set()  # an event of several operations is set aside once
                for event, operation in chunk:
                    try:
                        self._apply([(event, operation)])
                    except redis.ResponseError as error:
                        if event.event_id not in refused:
                            refused.add(event.event_id)
                            dead_letter(event, f"refused by redis: {error}")
                            delivered[operation[0] or SESSIONS_LABEL] -= 1
        return {channel: count for channel, count in delivered.items() if count}

    @staticmethod
    def _session_operations(event: Event) -> list[tuple]:
        """Delete the cached session of a session.ended, and every live session of a
        user.updated (its roles or status changed), first setting each one's generation to the
        event's id so that a reader who queried before the change cannot put it back
        (pyvb.sessions); nothing is PUBLISHed (empty channel)."""
        if event.type == "session.ended":
            hashes = [str(event.payload["token_sha256"])]
        elif event.type == "user.updated":
            hashes = [str(h) for h in event.payload["live_token_sha256s"]]
        else:
            hashes = []
        generation = str(event.event_id)
        return [
            ("", "", "g", SESSION_KEY.format(h), SESSION_GENERATION_KEY.format(h), generation) for h in hashes
        ] or [("", "", "", "", "", "")]

    def _chunks(self, operations: list[tuple[Event, tuple]]):
        """Runs of at most OPERATIONS_PER_CALL operations and BYTES_PER_CALL bytes (one operation
        larger than that goes alone)."""
        chunk: list[tuple[Event, tuple]] = []
        size = 0
        for item in operations:
            item_size = sum(len(field) for field in item[1] if isinstance(field, (str, bytes)))
            if chunk and (len(chunk) == self.OPERATIONS_PER_CALL or size + item_size > self.BYTES_PER_CALL):
                yield chunk
                chunk, size = [], 0
            chunk.append(item)
            size += item_size
        if chunk:
            yield chunk

    def _apply(self, chunk: list[tuple[Event, tuple]]) -> None:
        """Raises ResponseError when Redis refused an operation for what it is (WRONGTYPE…), and
        SinkUnavailable when Redis cannot work now (connection, timeout, OOM, BUSY, LOADING…)."""
        try:
            self.scripts.apply([operation for _, operation in chunk], self.cache_ttl_s)
        except redis.ResponseError as error:
            if isinstance(error, TRANSIENT_REDIS_REPLIES) or TRANSIENT_REDIS_ERROR.search(str(error)):
                raise SinkUnavailable(f"redis: {error!r}") from error
            raise
        except redis.RedisError as error:
            raise SinkUnavailable(f"redis: {error!r}") from error

    def close(self) -> None:
        self.client.close()
