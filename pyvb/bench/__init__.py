"""The benchmarks behind ``pyvb bench``: a shared pgbench harness (``harness``) and one module per
benchmark (``ledger``, ``trading``, ``relay``, ``maintain``); ``history`` writes months of past
ledger history for the maintenance benchmark and the tests."""
