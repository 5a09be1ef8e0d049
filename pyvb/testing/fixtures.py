"""pytest fixtures against real services: PostgreSQL, Redis and a Kafka-protocol broker.

Loaded by the root conftest.py so that they serve both tests/ and pgtap/."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from pyvb.config import PROJECT_ROOT, database_name, with_database
from pyvb.services.pgbouncer import PgBouncer
from pyvb.services.tansu import TansuBroker
from pyvb.testing import services
from pyvb.testing.databases import clone_database, create_template, drop_database

RUN_TAG = f"{os.getpid()}"

# Hypothesis profiles (pick one with `pytest --hypothesis-profile NAME`): `ci` is what `make
# test` runs; `long` is a soak; `dev` a quick look; `mutate` what `pyvb dev mutate` runs.
# Failing examples are kept in .hypothesis/ (git-ignored), so a failure replays first on the
# next run on the same machine.
_COMMON = dict(
    deadline=None,
    stateful_step_count=30,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=DirectoryBasedExampleDatabase(PROJECT_ROOT / ".hypothesis" / "examples"),
    print_blob=True,
)
settings.register_profile("ci", max_examples=150, **_COMMON)
settings.register_profile("long", max_examples=3000, **{**_COMMON, "stateful_step_count": 60})
settings.register_profile("dev", max_examples=20, **_COMMON)
# pyvb dev mutate: a failure is all it needs to know, so no shrinking and no example database
settings.register_profile(
    "mutate", max_examples=150, phases=[Phase.explicit, Phase.generate], **{**_COMMON, "database": None}
)
settings.load_profile("ci")


@pytest.fixture(scope="session")
def service_choices():
    return services.choose_all()


def _service_url(request, choice: services.ServiceChoice) -> str:
    if choice.source == "container":
        container, url = services.start_container(choice.service)
        request.addfinalizer(container.stop)
        return url
    if choice.source == "tansu":
        broker = TansuBroker().start()
        request.addfinalizer(broker.stop)
        return broker.bootstrap
    return choice.url


@pytest.fixture(scope="session")
def pg_server_url(request, service_choices) -> str:
    """URL of the PostgreSQL server's maintenance database."""
    return _service_url(request, service_choices["postgres"])


def drop_leftovers(server_url: str) -> list[str]:
    """Drop the test databases of earlier runs on this machine that were killed before their
    teardown (every test database ends in the pid of its run; a run still alive is left alone).
    Only for a server on this machine, where those pids mean something."""
    if urlsplit(server_url).hostname not in ("127.0.0.1", "localhost", "::1"):
        return []
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        names = [
            row[0]
            for row in conn.execute("SELECT datname FROM pg_database WHERE datname ~ '^vb_test_.*_[0-9]+$'")
        ]
    dropped = []
    for name in names:
        pid = int(name.rsplit("_", 1)[1])
        if pid != os.getpid() and not Path(f"/proc/{pid}").exists():
            drop_database(server_url, name)
            dropped.append(name)
    return dropped


@pytest.fixture(scope="session")
def template_db(pg_server_url) -> str:
    """The working tree deployed once per run; modules clone it."""
    drop_leftovers(pg_server_url)
    name = f"vb_test_template_{RUN_TAG}"
    url = create_template(pg_server_url, name)
    yield url
    drop_database(pg_server_url, name)


def _clone(pg_server_url: str, template_url: str, label: str):
    name = f"vb_test_{re.sub(r'[^a-z0-9]+', '_', label.lower())[-30:]}_{RUN_TAG}"
    url = clone_database(pg_server_url, database_name(template_url), name)
    return name, url


@pytest.fixture(scope="module")
def db_url(request, pg_server_url, template_db) -> str:
    """A fresh deployed database for this test module."""
    name, url = _clone(pg_server_url, template_db, request.module.__name__)
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture
def fresh_url(pg_server_url):
    """A database name that does not exist yet (dropped afterwards)."""
    name = f"vb_test_fresh_{uuid.uuid4().hex[:10]}_{RUN_TAG}"
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def pgtap_db_url(pg_server_url, template_db) -> str:
    """A clone of the template with the pgTAP files' shared fixtures (``pgtap/fixtures.sql``)."""
    name, url = _clone(pg_server_url, template_db, "pgtap")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute((PROJECT_ROOT / "pgtap" / "fixtures.sql").read_text(encoding="utf-8"))
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
def pgtap_connection(pgtap_db_url):
    """pytest-pgtap runs every pgtap/**/test*.sql file on this connection."""
    with psycopg.connect(pgtap_db_url) as connection:
        yield connection


def worker_redis_url(url: str, worker: str | None = None) -> str:
    """``url`` for this pytest-xdist worker: worker ``gwN`` takes the logical database N below the
    chosen one (modulo 16), so workers running at once never flush each other's keys."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "") if worker is None else worker
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    chosen = int(parts.path.strip("/") or 0)
    return parts._replace(path=f"/{(chosen - int(worker[2:])) % 16}").geturl()


@pytest.fixture
def redis_url(request, service_choices) -> str:
    """The URL of a dedicated logical Redis database (the service-selection rule decides which),
    flushed before and after the test, whether it passes or not."""
    url = worker_redis_url(_service_url(request, service_choices["redis"]))
    client = redis.Redis.from_url(url)
    client.flushdb()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()


@pytest.fixture
def redis_client(redis_url):
    """A client of the test's dedicated logical Redis database (see redis_url)."""
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def kafka_bootstrap(request, service_choices) -> str:
    return _service_url(request, service_choices["kafka"])


@pytest.fixture
def test_db_url(request, pg_server_url, template_db) -> str:
    """A fresh deployed database for this one test."""
    name, url = _clone(pg_server_url, template_db, request.node.name)
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
def pgbouncer(pg_server_url):
    """A PgBouncer in transaction pooling mode in front of the test server, for its login."""
    parts = urlsplit(pg_server_url)
    bouncer = PgBouncer(
        parts.hostname or "127.0.0.1", parts.port or 5432, logins=(parts.username or "postgres",)
    )
    bouncer.start()
    yield bouncer
    bouncer.close()


def through(bouncer: PgBouncer, url: str) -> str:
    """``url`` with its host and port replaced by ``bouncer``'s (same login and database)."""
    parts = urlsplit(url)
    login = f"{parts.username}@" if parts.username else ""
    return parts._replace(netloc=f"{login}127.0.0.1:{bouncer.port}").geturl()


def run_model(machine, db_url: str, via: str, request) -> None:
    """Run a model state machine (its ``database_url`` and ``connect_kwargs`` set here) against
    ``db_url`` directly, or ``via`` "pgbouncer": through the session's PgBouncer in transaction
    pooling mode, as the middleware would (psycopg without prepared statements), with a fifth of
    the profile's examples."""
    from hypothesis.stateful import run_state_machine_as_test

    machine.database_url, machine.connect_kwargs = db_url, {}
    examples = settings.default.max_examples
    if via == "pgbouncer":
        machine.database_url = through(request.getfixturevalue("pgbouncer"), db_url)
        machine.connect_kwargs = {"prepare_threshold": None}
        examples = max(10, examples // 5)
    run_state_machine_as_test(machine, settings=settings(max_examples=examples))
