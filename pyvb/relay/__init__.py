"""``pyvb relay``: deliver committed outbox events to Kafka and Redis (see ``worker`` for how).

``events`` turns event-log rows into the contract's envelopes, ``sinks`` delivers them, ``metrics``
counts, ``worker`` runs the active relay, its sink threads and the standby loop.
"""

from pyvb.relay.events import TOPIC_OF_AGGREGATE, BadEvent, Event, parse_log_rows
from pyvb.relay.metrics import RelayMetrics, serve_metrics
from pyvb.relay.options import RelayOptions
from pyvb.relay.sinks import KafkaSink, RedisSink, SinkUnavailable
from pyvb.relay.thread import RelayThread, RelayThreadError
from pyvb.relay.worker import Relay

__all__ = [
    "TOPIC_OF_AGGREGATE",
    "BadEvent",
    "Event",
    "KafkaSink",
    "RedisSink",
    "Relay",
    "RelayMetrics",
    "RelayOptions",
    "RelayThread",
    "RelayThreadError",
    "SinkUnavailable",
    "parse_log_rows",
    "serve_metrics",
]
