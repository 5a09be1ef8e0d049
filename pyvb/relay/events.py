"""The relay's view of events: the envelope of the events contract, built from event-log rows;
an event that cannot be serialised becomes a ``BadEvent`` for the dead-letter table."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC
from typing import Any

import orjson

#: Kafka topic (after the prefix) of each aggregate, per the events contract.
TOPIC_OF_AGGREGATE = {
    "transfer": "transfers",
    "balance": "balances",
    "order": "orders",
    "trade": "trades",
    "risk": "risk",
    "account": "accounts",
    "quote": "quotes",
    "session": "sessions",
    "user": "sessions",
}
#: aggregates whose events are not PUBLISHed for the websocket layer (events contract)
NOT_PUBLISHED = frozenset({"session", "user"})
SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Event:
    event_id: int
    outbox_id: int
    type: str
    aggregate: str
    key: str
    payload: dict
    occurred_at: str
    #: the serialised envelope (UTF-8 JSON)
    envelope: bytes
    #: occurred_at as seconds since the epoch (for the commit-to-delivery histogram)
    occurred_s: float = 0.0


@dataclass(frozen=True)
class BadEvent:
    event_id: int
    outbox_id: int
    reason: str
    text: str


def _envelope(
    event_id: int, raw: Any, occurred_at: str, outbox_id: int, occurred_s: float
) -> Event | BadEvent:
    if not isinstance(raw, dict):
        return BadEvent(event_id, outbox_id, "not a json object", json.dumps(raw)[:10_000])
    fields = {name: raw.get(name) for name in ("type", "aggregate", "key")}
    missing = [name for name, value in fields.items() if not isinstance(value, str) or not value]
    if missing or not isinstance(raw.get("payload"), dict):
        reason = f"missing or invalid {', '.join(missing) or 'payload'}"
        return BadEvent(event_id, outbox_id, reason, json.dumps(raw)[:10_000])
    envelope = {
        "event_id": event_id,
        "type": fields["type"],
        "aggregate": fields["aggregate"],
        "key": fields["key"],
        "occurred_at": occurred_at,
        "schema_version": SCHEMA_VERSION,
        "payload": raw["payload"],
    }
    try:
        data = orjson.dumps(envelope)
        fields["key"].encode("utf-8")
    except (orjson.JSONEncodeError, UnicodeEncodeError) as error:
        return BadEvent(event_id, outbox_id, f"cannot be serialised: {error}", json.dumps(raw)[:10_000])
    return Event(
        event_id,
        outbox_id,
        fields["type"],
        fields["aggregate"],
        fields["key"],
        raw["payload"],
        occurred_at,
        data,
        occurred_s,
    )


def parse_log_rows(rows: Iterable[tuple]) -> list[Event | BadEvent]:
    """Explode vb_ops.relay_read_events rows into events, numbering each from its row.

    orjson parses and serialises (several times faster than the standard library, which
    matters at tens of thousands of events a second); a row orjson refuses (a lone surrogate
    escape, say) is parsed by the standard library so that only its bad events are set aside.
    """
    events: list[Event | BadEvent] = []
    for first_event_id, event_count, outbox_id, occurred_at, text in rows:
        try:
            elements = orjson.loads(text)
        except orjson.JSONDecodeError:
            try:
                elements = json.loads(text)
            except ValueError as error:
                elements = f"row is not json: {error}"
        if not isinstance(elements, list) or len(elements) != event_count:
            reason = elements if isinstance(elements, str) else "row is not an array of the expected length"
            events.extend(
                BadEvent(first_event_id + i, outbox_id, reason, text[:10_000]) for i in range(event_count)
            )
            continue
        occurred = occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        occurred_s = occurred_at.timestamp()
        events.extend(
            _envelope(first_event_id + i, element, occurred, outbox_id, occurred_s)
            for i, element in enumerate(elements)
        )
    return events
