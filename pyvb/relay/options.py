"""The relay's settings (``pyvb relay`` flags)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class RelayOptions:
    database_url: str
    batch_size: int = 500
    poll_interval_s: float = 1.0
    linger_s: float = 0.05
    standby_retry_s: float = 1.0
    retention: str = "7 days"
    prune_every_s: float = 60.0
    #: how often the lag metrics are refreshed (vb_ops.relay_status scans the outbox)
    status_every_s: float = 5.0
    max_backoff_s: float = 5.0
    stop_when_idle: bool = False
