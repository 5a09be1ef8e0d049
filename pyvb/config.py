"""Configuration from flags and environment, with defaults that work on a developer machine."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/virtualbank"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"

#: The project root: the folder holding migrations/, procedures/, sql/ and pgtap/ (VB_PROJECT_ROOT
#: points elsewhere, e.g. at the mutated copies of ``pyvb dev mutate``).
PROJECT_ROOT = Path(os.environ.get("VB_PROJECT_ROOT") or Path(__file__).resolve().parent.parent)


def database_url() -> str:
    return os.environ.get("VB_DATABASE_URL", DEFAULT_DATABASE_URL)


def redis_url() -> str:
    return os.environ.get("VB_REDIS_URL", DEFAULT_REDIS_URL)


def kafka_bootstrap() -> str:
    return os.environ.get("VB_KAFKA_BOOTSTRAP", DEFAULT_KAFKA_BOOTSTRAP)


def with_database(url: str, dbname: str) -> str:
    """Return ``url`` pointing at another database of the same server."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + dbname))


def database_name(url: str) -> str:
    name = urlsplit(url).path.lstrip("/")
    if not name:
        raise ValueError(f"database URL names no database: {redact(url)}")
    return name


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + parts.password + "@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))
