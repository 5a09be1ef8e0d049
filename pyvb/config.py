"""Configuration from flags and environment, with defaults that work on a developer machine."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/virtualbank"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
DEFAULT_KAFKA_BOOTSTRAP = "127.0.0.1:9092"


def _project_root() -> Path:
    """The checkout holding this package, when it has the SQL (migrations/, procedures/, sql/;
    pgtap/ too); else the copy an installed wheel carries (``pyvb/schema``, see setup.py)."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "migrations").is_dir() and (checkout / "procedures").is_dir():
        return checkout
    return Path(__file__).resolve().parent / "schema"


#: Where the SQL is deployed from (VB_PROJECT_ROOT points elsewhere, e.g. at the mutated copies
#: of ``pyvb dev mutate``).
PROJECT_ROOT = Path(os.environ.get("VB_PROJECT_ROOT") or _project_root())


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


#: The database roles by duty (contract identity.md): what each kind of caller acts as.
APP_ROLE = "vb_app"
ADMIN_ROLE = "vb_admin"
FEED_ROLE = "vb_feed"
OPS_ROLE = "vb_ops"
READONLY_ROLE = "vb_readonly"


def role_option(role: str) -> str:
    """The startup option that makes a connection act as ``role`` (``PGOPTIONS`` / ``options``)."""
    return f"-c role={role}"


def acting_as(url: str, role: str) -> str:
    """Connection info for ``url`` that acts as ``role`` from the start (``-c role=…`` in the
    startup options, the same as ``SET ROLE``): the login must be a member of ``role``, or the
    connection is refused (``role_refused``). A convenience, not a confinement: the session may
    still ``SET ROLE`` to anything its login may. Returned as a key=value string: keep ``url`` for
    messages."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    options = conninfo_to_dict(url).get("options") or ""
    return make_conninfo(url, options=f"{options} {role_option(role)}".strip())


def role_refused(error: Exception, role: str) -> str | None:
    """The one-line explanation when ``error`` is a connection refused because the login is not a
    member of ``role`` (PostgreSQL reports it at startup, before any SQLSTATE reaches the client,
    so by its message), else None."""
    if "permission denied to set role" not in str(error):
        return None
    return f"this login is not a member of {role}: connect as one that is (docs/operations.md, Roles)"
