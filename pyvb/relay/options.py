"""The relay's settings (``pyvb relay`` flags)."""

from __future__ import annotations

from dataclasses import dataclass

from pyvb.config import OPS_ROLE, acting_as


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
    #: with stop_when_idle: give up (exit 1) once a sink has been unavailable this long
    sink_down_timeout_s: float = 60.0
    #: how often a sink that stays unavailable is reported again (the first failure always is)
    outage_report_every_s: float = 30.0
    #: on SIGTERM, how long the sink workers may take to finish the batch they are delivering
    stop_grace_s: float = 1.0

    @property
    def conninfo(self) -> str:
        """The relay's connections act as ``vb_ops`` (the login must be a member of it)."""
        return acting_as(self.database_url, OPS_ROLE)
