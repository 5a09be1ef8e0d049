"""The test-service selection rule (kept in one place: pyvb.testing.services)."""

import pytest

from pyvb.testing.services import choose


@pytest.mark.parametrize("service", ["postgres", "redis", "kafka"])
def test_env_url_wins_over_everything(service):
    env = {
        "VB_TEST_DATABASE_URL": "postgresql://x/y",
        "VB_TEST_REDIS_URL": "redis://x/1",
        "VB_KAFKA_BOOTSTRAP": "x:1",
    }
    choice = choose(service, env, docker=True, containers_installed=True)
    assert choice.source == "env" and choice.url


@pytest.mark.parametrize("service", ["postgres", "redis", "kafka"])
def test_docker_with_testcontainers_starts_containers(service):
    assert choose(service, {}, docker=True, containers_installed=True).source == "container"


def test_docker_without_testcontainers_falls_back_to_local():
    assert choose("postgres", {}, docker=True, containers_installed=False).source == "local"


def test_no_docker_uses_local_services_and_tansu():
    assert choose("postgres", {}, docker=False, containers_installed=True).url.startswith("postgresql://")
    assert choose("redis", {}, docker=False, containers_installed=True).url.endswith("/15")
    assert choose("kafka", {}, docker=False, containers_installed=True).source == "tansu"


def test_unknown_service_is_refused():
    with pytest.raises(ValueError):
        choose("mysql", {}, docker=False, containers_installed=False)


def test_each_xdist_worker_gets_its_own_redis_database():
    from pyvb.testing.fixtures import worker_redis_url

    assert worker_redis_url("redis://h:1/15", worker="") == "redis://h:1/15"
    assert worker_redis_url("redis://h:1/15", worker="gw0") == "redis://h:1/15"
    assert worker_redis_url("redis://h:1/15", worker="gw1") == "redis://h:1/14"
    assert worker_redis_url("redis://h:1/0", worker="gw1") == "redis://h:1/15"
