"""pyvb: deployment, relay, maintenance and benchmarks for the VirtualBank data store core."""

__version__ = "0.1.0"
