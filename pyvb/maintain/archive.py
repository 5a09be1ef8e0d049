"""Archives of detached partitions: a local directory or an S3-compatible bucket holds two objects
per partition, ``<parent>/<partition>.copy.gz`` (PostgreSQL's COPY text format, gzip) and
``<parent>/<partition>.manifest.json`` (table, range, row count, sha256 of the compressed file,
columns). Written by a maintenance pass, read back and checked before the partition is dropped,
listed, verified and restored by ``pyvb archive``.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import psycopg
from psycopg import sql

from pyvb.maintain.stores import ArchiveError

log = logging.getLogger("pyvb.maintain")


#: a store's namespace: the database's system identifier and name, e.g. 7421…-virtualbank
NAMESPACE = re.compile(r"[0-9]{1,20}-[A-Za-z0-9_.-]{1,63}")
NAMESPACE_SQL = "SELECT system_identifier::text, current_database() FROM pg_catalog.pg_control_system()"


def database_namespace(conn: psycopg.Connection) -> str:
    """Where this database's archives go in a store: ``<system identifier>-<database name>``, so
    that two databases (of one server, or of two servers with the same database name) archiving
    into one store keep apart. A name with characters other than letters, digits and ``_.-``
    has them replaced by ``_`` and a digest of the whole name appended (``a b`` and ``a_b`` stay
    apart). A copy of a database (a restored backup, a clone) has its original's identity:
    ``archive_table`` refuses to overwrite an archive that holds other rows."""
    return namespace_for(*conn.execute(NAMESPACE_SQL).fetchone())


def namespace_for(system_identifier: str, name: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", name)
    if safe != name or len(safe) > 50:
        safe = f"{safe[:40]}.{hashlib.sha256(name.encode()).hexdigest()[:12]}"
    return f"{system_identifier}-{safe}"


def _refuse_overwrite(store, manifest_name: str, sha256: str) -> None:
    """An archive of this name holding other rows is never replaced: it is another database's
    with the same identity (a restored copy or a clone archiving into the same store). The same
    rows again (a pass that crashed after writing them) are written again, harmlessly."""
    try:
        existing = read_manifest(store, manifest_name)
    except ArchiveError:  # none yet (or unreadable: the put below replaces a half-written one)
        return
    if existing.get("sha256") != sha256:
        raise ArchiveError(
            f"{manifest_name} already holds other rows (a copy of this database archiving into the"
            " same store?): refusing to overwrite it"
        )


def _names(parent: str, partition: str, namespace: str | None = None) -> tuple[str, str]:
    """The data file and manifest of a partition's archive (under the database's namespace; an
    archive written before namespaces has none)."""
    folder = parent.split(".")[-1]
    table = partition.split(".")[-1]
    prefix = f"{namespace}/" if namespace else ""
    return f"{prefix}{folder}/{table}.copy.gz", f"{prefix}{folder}/{table}.manifest.json"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _count_rows(path: Path) -> int:
    with gzip.open(path, "rb") as handle:
        return sum(1 for _ in handle)


def read_manifest(store, manifest_name: str) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "manifest.json"
        store.get(manifest_name, path)
        try:
            return json.loads(path.read_text())
        except ValueError as error:
            raise ArchiveError(f"{manifest_name} is not a manifest: {error}") from error


TABLE_NAME = re.compile(r"[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*")


def verify_archive(store, manifest: dict, keep_at: Path | None = None) -> None:
    """Download the data file; its sha256 and row count must match the manifest. The data file
    must be the one archive_table names for the manifest's table (no other path is read)."""
    parent, partition = str(manifest.get("parent", "")), str(manifest.get("partition", ""))
    if not (TABLE_NAME.fullmatch(parent) and TABLE_NAME.fullmatch(partition)):
        raise ArchiveError(
            f"the manifest's parent {parent[:80]!r} or partition {partition[:80]!r} is no table name"
        )
    namespace = manifest.get("namespace")
    if namespace is not None and not (isinstance(namespace, str) and NAMESPACE.fullmatch(namespace)):
        raise ArchiveError(f"the manifest's namespace {str(namespace)[:80]!r} is not a database's")
    if manifest.get("data") != _names(parent, partition, namespace)[0]:
        raise ArchiveError(f"the manifest's data file {str(manifest.get('data'))[:80]!r} is not its table's")
    with tempfile.TemporaryDirectory() as folder:
        path = keep_at or Path(folder) / "data.copy.gz"
        store.get(manifest["data"], path)
        digest = _sha256(path)
        if digest != manifest["sha256"]:
            raise ArchiveError(
                f"{manifest['data']}: sha256 {digest} differs from the manifest's {manifest['sha256']}"
            )
        try:
            rows = _count_rows(path)
        except (OSError, EOFError, gzip.BadGzipFile) as error:
            raise ArchiveError(f"{manifest['data']}: not a readable gzip file: {error}") from error
        if rows != manifest["row_count"]:
            raise ArchiveError(f"{manifest['data']}: {rows} rows, the manifest says {manifest['row_count']}")


def archive_table(
    conn: psycopg.Connection, store, parent_oid: int, parent: str, table: str, range_from, range_to
) -> dict:
    """COPY a detached partition to the store with its manifest, read it back, return the manifest.
    The rows are read through ``vb_ops.read_detached_partition`` (the maintenance role has no
    right on schema vb) and the columns from the catalog, by name: COPY writes the same text as
    copying the table itself."""
    namespace = database_namespace(conn)
    data_name, manifest_name = _names(parent, table, namespace)
    schema_name, table_name = table.split(".", 1)
    columns = conn.execute(
        "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) FROM pg_catalog.pg_attribute AS a"
        " JOIN pg_catalog.pg_class AS c ON c.oid = a.attrelid"
        " JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
        " WHERE n.nspname = %s AND c.relname = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (schema_name, table_name),
    ).fetchall()
    if not columns:
        raise ArchiveError(f"{table}: no such detached table")
    column_list = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(type_)) for name, type_ in columns
    )
    rows_sql = sql.SQL("SELECT * FROM vb_ops.read_detached_partition({}::oid::regclass, {}) AS r ({})")
    rows_sql = rows_sql.format(sql.Literal(parent_oid), sql.Literal(range_from), column_list)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.copy.gz"
        rows = 0
        copy_sql = sql.SQL("COPY ({}) TO STDOUT").format(rows_sql)
        with gzip.open(path, "wb") as out, conn.cursor() as cur, cur.copy(copy_sql) as copy:
            for chunk in copy:
                out.write(chunk)
                rows += bytes(chunk).count(b"\n")
        manifest = {
            "format": "postgresql-copy-text+gzip",
            "namespace": namespace,
            "parent": parent,
            "partition": table,
            "range_from": range_from.isoformat(),
            "range_to": range_to.isoformat(),
            "row_count": rows,
            "sha256": _sha256(path),
            "columns": [{"name": name, "type": type_} for name, type_ in columns],
            "data": data_name,
            "archived_at": datetime.now(UTC).isoformat(),
        }
        _refuse_overwrite(store, manifest_name, manifest["sha256"])
        store.put(data_name, path)
        manifest_path = Path(folder) / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2))
        store.put(manifest_name, manifest_path)
    verify_archive(store, manifest)
    return manifest


def restore_archive(
    conn: psycopg.Connection,
    store,
    manifest: dict,
    schema: str = "vb_restore",
    replace: bool = False,
    on_rows=None,
) -> tuple[str, int]:
    """Verify an archive, then load it into <schema>.<partition> (a plain table shaped like its
    parent, outside the ledger) for an audit. Returns the table and its row count.

    The table's columns come from the live parent table, never from the manifest's text: the
    manifest must name a partitioned table with a policy and list distinct columns of it with
    their types (a column added to the parent since is left out), or the restore is refused
    (ArchiveError) before anything is created. A table an earlier restore left is replaced only
    with ``replace`` (ArchiveError otherwise: someone may be auditing it). ``on_rows(n)`` hears
    of the rows as they load (a progress bar)."""
    if not TABLE_NAME.fullmatch(str(manifest.get("parent", ""))):
        raise ArchiveError(f"the manifest's parent {str(manifest.get('parent'))[:80]!r} is no table name")
    rows = conn.execute(
        "SELECT pp.parent::text, a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)"
        " FROM (SELECT DISTINCT to_regclass(h.parent) AS parent FROM vb_ops.partition_health() AS h) AS pp"
        " JOIN pg_catalog.pg_attribute AS a ON a.attrelid = pp.parent"
        " WHERE pp.parent = to_regclass(%s) AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (str(manifest.get("parent", "")),),
    ).fetchall()
    if not rows:
        raise ArchiveError(
            f"the manifest's parent {str(manifest.get('parent'))[:80]!r} is no partitioned table here"
        )
    # every column the manifest lists must be one of the live parent's, with its type (a column
    # added to the parent since the archive was made is simply absent from the restored table)
    live = {name: type_ for _, name, type_ in rows}
    listed = [(c.get("name"), c.get("type")) for c in manifest.get("columns", []) if isinstance(c, dict)]
    if (
        not listed
        or len(listed) != len(manifest.get("columns", []))
        or len({name for name, _ in listed}) != len(listed)
        or any(live.get(n) != t for n, t in listed)
    ):
        raise ArchiveError(f"the manifest's columns differ from those of {rows[0][0]}")
    table = str(manifest.get("partition", "")).split(".")[-1]
    exists = conn.execute(
        "SELECT to_regclass(%s)", (sql.Identifier(schema, table).as_string(conn),)
    ).fetchone()[0]
    if exists is not None and not replace:
        raise ArchiveError(f"{schema}.{table} exists (an earlier restore): --replace loads it again")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "data.copy.gz"
        verify_archive(store, manifest, keep_at=path)
        with conn.transaction():
            conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
            conn.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(schema, table)))
            columns = sql.SQL(", ").join(  # names quoted, types as the catalog prints them
                sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(live[name])) for name, _ in listed
            )
            conn.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(schema, table), columns))
            copy_sql = sql.SQL("COPY {} FROM STDIN").format(sql.Identifier(schema, table))
            with conn.cursor() as cur, gzip.open(path, "rb") as data, cur.copy(copy_sql) as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
                    if on_rows is not None:
                        on_rows(chunk.count(b"\n"))
            rows = conn.execute(
                sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(schema, table))
            ).fetchone()[0]
    return f"{schema}.{table}", rows
