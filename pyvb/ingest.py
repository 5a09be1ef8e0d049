"""``pyvb ingest quotes``: consume ``market.quotes`` into ``vb_api.ingest_quotes``.

A batch of messages is applied in one database transaction (with its dead letters), and only
after that commit are the Kafka offsets committed: a crash re-reads the batch, which is
harmless because ingest_quotes ignores quotes that are not newer and dead letters are keyed
by topic/partition/offset. Malformed input never stops the stream: a message that is not
JSON, a quote PostgreSQL could not even receive as JSON (a NUL character, a lone surrogate,
NaN or a number beyond a double), or a quote that ingest_quotes rejects (VB001 names the
element; any other data error is taken as the element's too) is set aside in
``vb.ingest_dead_letters`` with the reason, and the rest of the batch is applied. The database
stays the authority on what a valid quote is: Python only refuses what could not reach it. In
linear time: after the first rejection of a batch, each quote is tried alone to find the bad
ones, then the good ones are applied together. A quote for a symbol the bank does not list is
set aside too (``vb_api.unknown_symbols``).

Longer than ~300 lines because the consumer loop and the batch it applies share one contract —
what is committed where, and when — which reads best in one file.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from pyvb.config import FEED_ROLE, acting_as, role_refused
from pyvb.logs import one_line, stop_on_signals

log = logging.getLogger("pyvb.ingest")
#: how long --until-idle waits for the consumer group to assign partitions before it counts idle time
JOIN_TIMEOUT_S = 60.0
MALFORMED_ELEMENT = re.compile(r"quote (\d+) is malformed")


@dataclass
class Quote:
    source: str
    key: str | None
    value: object

    @property
    def symbol(self) -> str | None:
        """The quote's symbol when it has one as a string (ingest_quotes refuses the others)."""
        symbol = self.value.get("symbol") if isinstance(self.value, dict) else None
        return symbol if isinstance(symbol, str) else None

    def dead_letter(self, reason: str) -> tuple[str, str | None, str, str]:
        """(source, key, text, reason) for vb_ops.ingest_dead_letter; the text cut at 10,000."""
        return self.source, self.key, json.dumps(self.value)[:10_000], reason


@dataclass
class IngestStats:
    messages: int = 0
    applied: int = 0
    dead_letters: int = 0
    batches: int = 0


def parse_messages(messages) -> tuple[list[Quote], list[tuple[str, str | None, str, str]]]:
    """Split Kafka records into quotes (a message holds one quote object or an array of them)
    and dead letters (source, key, text, reason)."""
    quotes: list[Quote] = []
    rejected = []
    for message in messages:
        source = f"{message.topic}/{message.partition}/{message.offset}"
        key = message.key.decode("utf-8", "replace") if message.key is not None else None
        raw = message.value or b""
        try:
            value = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            rejected.append((source, key, raw.decode("utf-8", "replace"), f"not UTF-8 JSON: {error}"))
            continue
        if isinstance(value, list):
            quotes.extend(Quote(f"{source}#{index}", key, element) for index, element in enumerate(value))
        else:
            quotes.append(Quote(source, key, value))
    return quotes, rejected


class TryOnly(Exception):
    """Rolls back the savepoint of a quote tried on its own."""


#: a quote is a flat object; nesting deeper than this is refused before it reaches the database
MAX_DEPTH = 16


def unsendable(value: object) -> str | None:
    """Why a decoded JSON value could not be sent to PostgreSQL as jsonb, or None: a NUL character
    or a lone surrogate in a string (jsonb refuses both), a float that is NaN or infinite (JSON
    has no such number: Python's decoder accepts NaN and turns 1e400 into inf), or nesting deeper
    than MAX_DEPTH (the server's stack, and ours). Walks the value without recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            return "nested too deeply"
        if isinstance(item, str):
            if "\x00" in item:
                return "a string holds a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holds a lone surrogate"
        elif isinstance(item, float) and not math.isfinite(item):
            return "a number is NaN or beyond a double"
        elif isinstance(item, dict):
            stack.extend((part, depth + 1) for pair in item.items() for part in pair)
        elif isinstance(item, list):
            stack.extend((part, depth + 1) for part in item)
    return None


def printable(text: str, limit: int = 10_000) -> str:
    """Text a dead letter can store: NUL characters (which a text column refuses) escaped, cut
    at ``limit`` characters (vb_ops.ingest_dead_letter's bounds)."""
    return text.replace("\x00", "\\u0000")[:limit]


#: vb_api.unknown_symbols and ingest_quotes take at most this many (vb.size_limit 'ids_per_call',
#: 'quotes_per_call')
SYMBOLS_PER_CALL = QUOTES_PER_CALL = 10_000


def apply_batch(conn: psycopg.Connection, messages) -> tuple[int, int]:
    """Apply one batch in the connection's open transaction. Returns (applied, dead letters).

    The whole batch in one call first. If ingest_quotes rejects it, each quote is tried on its
    own in a savepoint that is always rolled back (to find the bad ones), then the good ones go in
    one call, as the whole batch would have: m + 2 calls for a rejected batch of m, never m².
    The batch's audit records carry a request context naming its first message."""
    first = messages[0]
    conn.execute(
        "SELECT vb_api.set_request_context(%s, NULL, NULL, %s)",
        (
            f"pyvb-ingest:{first.topic}/{first.partition}/{first.offset}"[:128],
            Jsonb({"messages": len(messages)}),
        ),
    )
    parsed, rejected = parse_messages(messages)
    quotes = []
    for quote in parsed:
        reason = unsendable(quote.value)
        if reason is None:
            quotes.append(quote)
        else:
            rejected.append(quote.dead_letter(reason))
    # a quote for a symbol the bank does not list is set aside, not skipped without a word
    symbols = list(dict.fromkeys(symbol for q in quotes if (symbol := q.symbol) is not None))
    unknown: set[str] = set()
    for start in range(0, len(symbols), SYMBOLS_PER_CALL):  # within unknown_symbols' limit
        chunk = symbols[start : start + SYMBOLS_PER_CALL]
        unknown |= set(conn.execute("SELECT vb_api.unknown_symbols(%s)", (chunk,)).fetchone()[0])
    if unknown:
        for q in quotes:
            if q.symbol in unknown:
                rejected.append(q.dead_letter(f"unknown symbol {q.symbol[:64]!r}"))
        quotes = [q for q in quotes if q.symbol not in unknown]
    applied = 0
    try:
        with conn.transaction():  # a savepoint: a rejected call leaves the batch usable
            applied = ingest(conn, quotes)
        quotes = []
    except psycopg.Error as error:
        if not refuses_data(error):
            raise
        # some quote is bad: one by one below
    good = []
    for quote in quotes:
        try:
            with conn.transaction():
                ingest(conn, [quote])
                raise TryOnly
        except TryOnly:
            good.append(quote)
        except psycopg.Error as error:
            if not refuses_data(error):
                raise
            rejected.append(quote.dead_letter(rejection(error)))
    if quotes:
        applied = ingest(conn, good)
    for source, key, text, reason in rejected:
        conn.execute(
            "SELECT vb_ops.ingest_dead_letter(%s, %s, %s, %s)",
            (source, printable(key, 1_000) if key is not None else None, printable(text), printable(reason)),
        )
        log.warning("set aside %s: %s", source, reason)
    return applied, len(rejected)


def ingest(conn: psycopg.Connection, quotes: list[Quote]) -> int:
    """ingest_quotes over ``quotes``, in calls within its limit (one message may hold more)."""
    applied = 0
    for start in range(0, len(quotes), QUOTES_PER_CALL):
        chunk = Jsonb([quote.value for quote in quotes[start : start + QUOTES_PER_CALL]])
        applied += conn.execute("SELECT vb_api.ingest_quotes(%s)", (chunk,)).fetchone()[0]
    return applied


def refuses_data(error: psycopg.Error) -> bool:
    """ingest_quotes' VB001, or any data exception (SQLSTATE class 22) the server raised."""
    return error.sqlstate is not None and (error.sqlstate == "VB001" or error.sqlstate.startswith("22"))


def rejection(error: psycopg.Error) -> str:
    """The reason a lone quote was refused: ingest_quotes' own (VB001, "quote 1 is malformed: …"),
    or any other data error PostgreSQL raised on it."""
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    found = MALFORMED_ELEMENT.search(text)
    if error.sqlstate == "VB001" and found:
        return f"rejected by vb_api.ingest_quotes: {text[found.end() :].lstrip(': ')}"
    return f"refused by PostgreSQL ({error.sqlstate}): {text[:200]}"


class QuoteIngester:
    def __init__(
        self,
        database_url: str,
        bootstrap: str,
        topic: str = "market.quotes",
        group_id: str = "pyvb-ingest",
        batch_size: int = 500,
        stop_when_idle_s: float | None = None,
    ):
        self.database_url = database_url
        self.bootstrap = bootstrap
        self.topic = topic
        self.group_id = group_id
        self.batch_size = batch_size
        self.stop_when_idle_s = stop_when_idle_s
        self.stopping = threading.Event()
        self.stats = IngestStats()

    def install_signal_handlers(self) -> None:
        stop_on_signals(self.stopping, log)

    def _consumer(self):
        from kafka import KafkaConsumer

        return KafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            group_id=self.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=self.batch_size,
            max_poll_interval_ms=10_000,
            session_timeout_ms=6_000,
            heartbeat_interval_ms=1_000,
            client_id="pyvb-ingest",
        )

    def run(self) -> int:
        from kafka.errors import KafkaError

        log.info("connecting to kafka at %s (up to 30 s when it does not answer)", self.bootstrap)
        consumer = self._consumer()
        idle = self.stop_when_idle_s
        until = f"; exits after {idle:g} s without one" if idle is not None else ""
        log.info("waiting for quotes on topic %s (consumer group %s)%s", self.topic, self.group_id, until)
        conn = None
        started = idle_since = time.monotonic()
        backoff = 0.2
        try:
            while not self.stopping.is_set():
                batch = consumer.poll(timeout_ms=500)
                messages = [record for records in batch.values() for record in records]
                if not messages:
                    if not consumer.assignment() and time.monotonic() - started < JOIN_TIMEOUT_S:
                        idle_since = time.monotonic()  # idle counts from the group join
                    if (
                        self.stop_when_idle_s is not None
                        and time.monotonic() - idle_since >= self.stop_when_idle_s
                    ):
                        break
                    continue
                try:
                    if conn is None or conn.closed:
                        conn = psycopg.connect(acting_as(self.database_url, FEED_ROLE), connect_timeout=5)
                    applied, rejected = apply_batch(conn, messages)
                    conn.commit()
                except psycopg.OperationalError as error:
                    if refused := role_refused(error, FEED_ROLE):
                        log.error("%s", refused)
                        return 1
                    log.warning(
                        "database unavailable (%s); re-reading the batch in %.1fs", one_line(error), backoff
                    )
                    self._rewind(consumer, messages)
                    conn = None
                    if (
                        self.stop_when_idle_s is not None
                        and time.monotonic() - idle_since >= self.stop_when_idle_s
                    ):
                        log.error(
                            "giving up: nothing applied for %.1fs; offsets left uncommitted",
                            self.stop_when_idle_s,
                        )
                        return 1
                    self.stopping.wait(backoff)
                    backoff = min(backoff * 2, 5.0)
                    continue
                backoff = 0.2
                try:
                    consumer.commit()
                except KafkaError as error:  # the batch will be read again; applying it again is harmless
                    log.warning("offset commit failed (%s); the batch may be read again", error)
                idle_since = time.monotonic()
                self.stats.messages += len(messages)
                self.stats.applied += applied
                self.stats.dead_letters += rejected
                self.stats.batches += 1
                log.info(
                    "batch of %d message(s): %d quote(s) applied, %d set aside",
                    len(messages),
                    applied,
                    rejected,
                )
        finally:
            consumer.close()
            if conn is not None:
                conn.close()
        log.info(
            "ingest stopped: %d message(s), %d quote(s) applied, %d set aside",
            self.stats.messages,
            self.stats.applied,
            self.stats.dead_letters,
        )
        return 0

    @staticmethod
    def _rewind(consumer, messages) -> None:
        from kafka import TopicPartition

        first: dict[TopicPartition, int] = {}
        for message in messages:
            partition = TopicPartition(message.topic, message.partition)
            first[partition] = min(first.get(partition, message.offset), message.offset)
        for partition, offset in first.items():
            consumer.seek(partition, offset)
