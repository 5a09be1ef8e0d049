"""pytest fixtures against real services: PostgreSQL, Redis and a Kafka-protocol broker.

Loaded by the root conftest.py so that they serve both tests/ and pgtap/."""

from __future__ import annotations

import os
import re
import uuid

import psycopg
import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from pyvb.config import PROJECT_ROOT, database_name, with_database
from pyvb.testing import services
from pyvb.testing.databases import clone_database, create_template, drop_database
from pyvb.testing.tansu import TansuBroker

RUN_TAG = f"{os.getpid()}"

# Hypothesis profiles (pick one with `pytest --hypothesis-profile NAME`): `ci` is what `make
# test` runs; `long` is a soak. Failing examples are kept in .hypothesis/ (git-ignored), so a
# failure replays first on the next run on the same machine.
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


@pytest.fixture(scope="session")
def template_db(pg_server_url) -> str:
    """The working tree deployed once per run; modules clone it."""
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
    name = f"vb_test_fresh_{uuid.uuid4().hex[:10]}"
    yield with_database(pg_server_url, name)
    drop_database(pg_server_url, name)


@pytest.fixture
def conn(db_url):
    with psycopg.connect(db_url, autocommit=True) as connection:
        yield connection


@pytest.fixture(scope="session")
def pgtap_db_url(pg_server_url, template_db) -> str:
    name, url = _clone(pg_server_url, template_db, "pgtap")
    yield url
    drop_database(pg_server_url, name)


@pytest.fixture(scope="session")
def pgtap_connection(pgtap_db_url):
    """pytest-pgtap runs every pgtap/**/test*.sql file on this connection."""
    with psycopg.connect(pgtap_db_url) as connection:
        yield connection


@pytest.fixture
def redis_client(request, service_choices):
    """A dedicated logical Redis database, flushed before and after the test."""
    url = _service_url(request, service_choices["redis"])
    client = redis.Redis.from_url(url)
    client.flushdb()
    yield client
    client.flushdb()
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
