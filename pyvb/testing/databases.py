"""Test databases: one deployed template per run, cheap clones per test module."""

from __future__ import annotations

import psycopg
from psycopg import sql

from pyvb.config import with_database
from pyvb.deploy import Deployer, drop_database

__all__ = ["clone_database", "create_template", "drop_database"]


def create_template(server_url: str, name: str) -> str:
    """Deploy the working tree into a fresh database ``name`` and add pgTAP to it (only test
    databases get pgTAP; ``pyvb db migrate`` never needs it)."""
    drop_database(server_url, name)
    url = with_database(server_url, name)
    Deployer(url).migrate()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pgtap")
    return url


def clone_database(server_url: str, template: str, name: str) -> str:
    drop_database(server_url, name)
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        )
    return with_database(server_url, name)
