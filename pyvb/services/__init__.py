"""The services pyvb runs for itself: the bundled Kafka-protocol broker (tansu), used by ``pyvb
relay --bundled-kafka``, ``make demo``, the benchmarks and the tests alike."""
