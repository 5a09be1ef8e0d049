"""Deploy runner: yoyo migrations, then changed repeatable files, in one transaction.

yoyo tracks versioned migrations but does not notice edited files, applies each migration
on a connection of its own and skips post-apply hooks when nothing is pending. The runner
therefore uses yoyo for reading migrations and for its bookkeeping, and drives the
transaction itself:

1. ``pg_advisory_xact_lock`` serialises deploys of one database (a second deploy waits,
   then finds nothing to do). The lock is released by the server when the session dies,
   so a crashed deploy never leaves it behind.
2. yoyo's own lock row is inserted *inside* that transaction: a crash rolls it back too.
3. Pending migrations, then the repeatable files of ``procedures/`` whose sha256 differs from
   the recorded one (all of them after a migration: a migration may drop or change what a file
   made) are applied in the explicit order of :func:`repeatable_files` and recorded in
   ``vb_deploy``; records of files that no longer exist are removed. Any failure rolls the whole
   deploy back.
4. Function bodies are created with ``check_function_bodies = off`` (as ``pg_dump`` restores
   do), so no function depends on the order of the files it calls; once every file is in, each
   sql and plpgsql function of the project's schemas is validated by its language's validator,
   naming the file of a function that fails: a sql body is checked in full (a missing table,
   column or function fails the deploy), a plpgsql body for its syntax (its statements are
   planned when they first run, as PostgreSQL always does).
5. The partitions of the current period and those ahead are made (``vb_ops.premake_partitions``
   on the server's clock), so a deploy at any date can take writes before its first
   maintenance pass.

Every file but those whose first line is ``-- pyvb: run-as-deployer`` runs under
``SET ROLE vb_owner``, so the objects it creates are owned by ``vb_owner``.

Longer than ~300 lines because every operation on the deployed schema (migrate, rollback, seed,
status, unlock) shares the one locked transaction and its bookkeeping, which this file keeps in
one place; what the tree holds and in which order is ``pyvb.layout``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import yoyo
from psycopg import sql

from pyvb.config import PROJECT_ROOT, database_name, redact, with_database
from pyvb.layout import CREATES_FUNCTION, LayoutError, RepeatableFile, repeatable_files, seed_files

OWNER_ROLE = "vb_owner"
#: The role seed files act as: reference data is the back office's (contract identity.md).
SEED_ROLE = "vb_admin"
RUN_AS_DEPLOYER_MARK = "-- pyvb: run-as-deployer"
#: Key of the advisory lock that serialises deploys of one database.
DEPLOY_LOCK_KEY = 0x5642_4445  # "VBDE"
#: The schemas whose sql and plpgsql functions are validated after the repeatable files.
PROJECT_SCHEMAS = ("vb", "vb_api", "vb_ops")
META_SCHEMA_SQL = """
CREATE SCHEMA IF NOT EXISTS vb_deploy;
REVOKE ALL ON SCHEMA vb_deploy FROM PUBLIC;
CREATE TABLE IF NOT EXISTS vb_deploy.repeatable_file (
    path text PRIMARY KEY,
    sha256 text NOT NULL,
    deployed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE TABLE IF NOT EXISTS vb_deploy.deploy_history (
    deploy_history_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action text NOT NULL,
    path text NOT NULL,
    sha256 text,
    deployed_at timestamptz NOT NULL DEFAULT pg_catalog.now()
);
"""


class DeployError(Exception):
    """A deploy step failed; the message is one line naming the file and the cause."""


@dataclass
class DeployReport:
    migrations_applied: list[str] = field(default_factory=list)
    repeatables_applied: list[str] = field(default_factory=list)
    #: partitions created around the database's "now" (table → count), see ``premake``
    partitions_premade: dict[str, int] = field(default_factory=dict)

    @property
    def nothing_applied(self) -> bool:
        return not self.migrations_applied and not self.repeatables_applied


@dataclass
class DeployStatus:
    pending_migrations: list[str]
    changed_repeatables: list[str]
    recent_deploys: list[tuple]  # (deployed_at, migrations applied, rolled back, repeatable files)
    applied_migrations: list[str] = field(default_factory=list)  # oldest first


def pg_error_line(error: psycopg.Error) -> str:
    """PostgreSQL's message for ``error`` on one line, with its SQLSTATE."""
    diag = error.diag
    message = diag.message_primary or str(error).strip().splitlines()[0]
    state = f"[{diag.sqlstate}] " if diag.sqlstate else ""
    return f"{state}{message}".replace("\n", " ")


def yoyo_url(url: str) -> str:
    """yoyo needs the psycopg 3 driver named in the scheme."""
    scheme, rest = url.split("://", 1)
    if scheme in ("postgresql", "postgres"):
        scheme = "postgresql+psycopg"
    return f"{scheme}://{rest}"


def ensure_database(url: str) -> bool:
    """Create the database named by ``url`` if it does not exist; True if it was created."""
    name = database_name(url)
    try:
        with psycopg.connect(with_database(url, "postgres"), autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return False
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except psycopg.errors.DuplicateDatabase:
                return False
            return True
    except psycopg.OperationalError as error:
        raise DeployError(f"cannot connect to {redact(url)}: {error}".replace("\n", " ")) from None


def drop_database(server_url: str, name: str) -> None:
    """Drop database ``name`` of the server of ``server_url`` if it exists (sessions are ended)."""
    with psycopg.connect(with_database(server_url, "postgres"), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _runs_as_deployer(path: str) -> bool:
    with open(path, encoding="utf-8") as handle:
        return handle.readline().strip() == RUN_AS_DEPLOYER_MARK


class Deployer:
    """One deploy session against one database."""

    def __init__(self, url: str, root: Path = PROJECT_ROOT):
        self.url = url
        self.root = root

    @contextmanager
    def _backend(self) -> Iterator[yoyo.backends.DatabaseBackend]:
        try:
            backend = yoyo.get_backend(yoyo_url(self.url))
        except psycopg.OperationalError as error:
            raise DeployError(f"cannot connect to {redact(self.url)}: {error}".replace("\n", " ")) from None
        try:
            backend.ensure_internal_schema_updated()
            yield backend
        finally:
            backend.connection.close()

    def _migrations(self):
        """The tree's migrations; none at all means this pyvb has no SQL to deploy (a deploy that
        found nothing must never report "up to date")."""
        folder = self.root / "migrations"
        migrations = yoyo.read_migrations(str(folder)) if folder.is_dir() else []
        if not migrations or not (self.root / "procedures").is_dir():
            raise DeployError(
                f"no SQL to deploy in {self.root} (migrations/ and procedures/):"
                " install pyvb from a checkout or a wheel built from one"
            )
        return migrations

    @staticmethod
    def _execute(backend, query, params=None):
        return backend.connection.execute(query, params)

    def _record(self, backend, action: str, path: str, sha256: str | None) -> None:
        self._execute(
            backend,
            "INSERT INTO vb_deploy.deploy_history (action, path, sha256) VALUES (%s, %s, %s)",
            (action, path, sha256),
        )

    def _recorded_shas(self, backend) -> dict[str, str]:
        exists = self._execute(backend, "SELECT to_regclass('vb_deploy.repeatable_file')").fetchone()[0]
        if exists is None:
            return {}
        rows = self._execute(backend, "SELECT path, sha256 FROM vb_deploy.repeatable_file").fetchall()
        return dict(rows)

    def _files(self) -> list[RepeatableFile]:
        try:
            return repeatable_files(self.root)
        except LayoutError as error:
            raise DeployError(str(error)) from None

    def _changed(self, backend, files: list[RepeatableFile] | None = None) -> list[RepeatableFile]:
        recorded = self._recorded_shas(backend)
        files = self._files() if files is None else files
        return [f for f in files if recorded.get(f.path) != f.sha256]

    def _forget_removed(self, backend, files: list[RepeatableFile]) -> None:
        """Drop the records of files that were moved or deleted (what they made stays until a
        migration drops it)."""
        removed = self._execute(
            backend,
            "DELETE FROM vb_deploy.repeatable_file WHERE NOT path = ANY(%s) RETURNING path",
            ([f.path for f in files],),
        ).fetchall()
        for (path,) in removed:
            self._record(backend, "repeatable_removed", path, None)

    def _validate_functions(self, backend, files: list[RepeatableFile]) -> None:
        """Check every sql and plpgsql function body of the project's schemas now that all of
        them exist (they were created with check_function_bodies off); the error names the file
        that creates the function."""
        file_of = {name.lower(): f.path for f in files for name in CREATES_FUNCTION.findall(f.text)}
        functions = self._execute(
            backend,
            """
            SELECT p.oid, n.nspname || '.' || p.proname, l.lanname
            FROM pg_catalog.pg_proc AS p
            JOIN pg_catalog.pg_namespace AS n ON n.oid = p.pronamespace
            JOIN pg_catalog.pg_language AS l ON l.oid = p.prolang
            WHERE n.nspname = ANY(%s) AND l.lanname IN ('sql', 'plpgsql')
            ORDER BY 2, 1
            """,
            (list(PROJECT_SCHEMAS),),
        ).fetchall()
        for oid, name, language in functions:
            validator = "fmgr_sql_validator" if language == "sql" else "plpgsql_validator"
            try:
                with backend.transaction():
                    self._execute(backend, f"SELECT pg_catalog.{validator}(%s)", (oid,))
            except psycopg.Error as error:
                where = file_of.get(name, "a migration")
                raise DeployError(f"{where}: {name}: {pg_error_line(error)}") from None

    @contextmanager
    def _locked_transaction(self, backend):
        with backend.transaction():
            self._execute(backend, "SET LOCAL client_min_messages = warning")
            self._execute(backend, "SELECT pg_advisory_xact_lock(%s)", (DEPLOY_LOCK_KEY,))
            self._execute(backend, META_SCHEMA_SQL)
            with backend.lock():
                yield

    def _serialise_role_changes(self, backend, migrating: bool) -> None:
        """Migrations create and alter roles, which belong to the whole server: two databases of
        one server migrated at once would race on them (``tuple concurrently updated``, a role
        created twice). The advisory lock above is per database, so a deploying superuser also
        takes ``pg_authid`` (a shared catalog: its lock holds across databases) in a mode that
        lets logins through but makes every other role change wait for this commit."""
        if not migrating:
            return
        superuser = self._execute(backend, "SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if superuser.fetchone()[0]:
            self._execute(backend, "LOCK TABLE pg_catalog.pg_authid IN SHARE ROW EXCLUSIVE MODE")

    @contextmanager
    def _acting_as(self, backend, enabled: bool = True, role: str = OWNER_ROLE):
        if enabled:
            self._execute(backend, sql.SQL("SET ROLE {}").format(sql.Identifier(role)))
        try:
            yield
        finally:
            if enabled and backend.connection.info.transaction_status != psycopg.pq.TransactionStatus.INERROR:
                self._execute(backend, "RESET ROLE")

    def _migration_path(self, migration) -> str:
        return Path(migration.path).resolve().relative_to(self.root.resolve()).as_posix()

    def migrate(self) -> DeployReport:
        ensure_database(self.url)
        report = DeployReport()
        with self._backend() as backend, self._locked_transaction(backend):
            to_apply = backend.to_apply(self._migrations())
            self._serialise_role_changes(backend, bool(to_apply))
            for migration in to_apply:
                path = self._migration_path(migration)
                try:
                    with self._acting_as(backend, not _runs_as_deployer(migration.path)):
                        migration.process_steps(backend, "apply")
                except psycopg.Error as error:
                    raise DeployError(f"{path}: {pg_error_line(error)}") from None
                backend.mark_one(migration)
                self._record(backend, "migration_applied", path, None)
                report.migrations_applied.append(path)
            files = self._files()
            pending = files if report.migrations_applied else self._changed(backend, files)
            self._execute(backend, "SET LOCAL check_function_bodies = off")
            for repeatable in pending:
                self._apply_repeatable(backend, repeatable)
                report.repeatables_applied.append(repeatable.path)
            self._execute(backend, "SET LOCAL check_function_bodies = on")
            self._forget_removed(backend, files)
            if report.repeatables_applied:
                self._validate_functions(backend, files)
            report.partitions_premade = self._premake(backend)
        return report

    def _premake(self, backend) -> dict[str, int]:
        """Partitions from the current period through the policies' ``premake`` ahead, on the
        database server's clock: a deploy on any date is ready for writes at once, before the
        first maintenance pass (the migrations' own partitions cover fixed years only)."""
        exists = "SELECT to_regprocedure('vb_ops.premake_partitions(regclass)')"
        if self._execute(backend, exists).fetchone()[0] is None:  # rolled back below 0007
            return {}
        try:
            with self._acting_as(backend), backend.transaction():
                rows = self._execute(backend, "SELECT parent::text, created FROM vb_ops.premake_partitions()")
                rows = rows.fetchall()
        except psycopg.Error as error:
            raise DeployError(f"premaking partitions: {pg_error_line(error)}") from None
        return {parent: created for parent, created in rows if created}

    def _apply_repeatable(self, backend, repeatable: RepeatableFile) -> None:
        try:
            with self._acting_as(backend), backend.transaction():
                self._execute(backend, repeatable.text)
        except psycopg.Error as error:
            raise DeployError(f"{repeatable.path}: {pg_error_line(error)}") from None
        self._execute(
            backend,
            """
            INSERT INTO vb_deploy.repeatable_file (path, sha256) VALUES (%s, %s)
            ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, deployed_at = now()
            """,
            (repeatable.path, repeatable.sha256),
        )
        self._record(backend, "repeatable_applied", repeatable.path, repeatable.sha256)

    def to_roll_back(self, count: int = 1) -> list[str]:
        """The migrations ``rollback(count)`` would roll back, newest first (nothing changed)."""
        with self._backend() as backend:
            return [self._migration_path(m) for m in list(backend.to_rollback(self._migrations()))[:count]]

    def ledger_holds_rows(self) -> bool:
        """Whether the ledger holds transfers or entries (``vb_ops.ledger_holds_rows``); True too
        when that cannot be told (the function gone or failing on a half rolled-back schema)."""
        with psycopg.connect(self.url, autocommit=True) as conn:
            if conn.execute("SELECT to_regprocedure('vb_ops.ledger_holds_rows()')").fetchone()[0] is None:
                return conn.execute("SELECT to_regnamespace('vb') IS NOT NULL").fetchone()[0]
            try:
                return conn.execute("SELECT vb_ops.ledger_holds_rows()").fetchone()[0]
            except psycopg.Error:
                return True

    def rollback(self, count: int = 1) -> list[str]:
        """Roll back the last ``count`` migrations; repeatable files are then redeployed by the
        next migrate (a rollback may have dropped what they created)."""
        rolled_back: list[str] = []
        with self._backend() as backend, self._locked_transaction(backend):
            to_roll_back = list(backend.to_rollback(self._migrations()))[:count]
            self._serialise_role_changes(backend, bool(to_roll_back))
            for migration in to_roll_back:
                path = self._migration_path(migration)
                try:
                    with self._acting_as(backend, not _runs_as_deployer(migration.path)):
                        migration.process_steps(backend, "rollback")
                except psycopg.Error as error:
                    raise DeployError(f"{path}: {pg_error_line(error)}") from None
                backend.unmark_one(migration)
                self._record(backend, "migration_rolled_back", path, None)
                rolled_back.append(path)
            if rolled_back:
                self._execute(backend, "DELETE FROM vb_deploy.repeatable_file")
        return rolled_back

    def seed(self) -> list[str]:
        """Load ``sql/seed/`` in path order, in one transaction, as ``vb_admin`` (the back office:
        opening the issuer is not the middleware's to do). Seed files call the idempotent
        ``vb_api`` functions, so loading twice changes nothing."""
        loaded = []
        with self._backend() as backend, self._locked_transaction(backend):
            for path in seed_files(self.root):
                relative = path.relative_to(self.root).as_posix()
                try:
                    with self._acting_as(backend, role=SEED_ROLE), backend.transaction():
                        self._execute(backend, path.read_text(encoding="utf-8"))
                except psycopg.Error as error:
                    raise DeployError(f"{relative}: {pg_error_line(error)}") from None
                self._record(backend, "seed_applied", relative, None)
                loaded.append(relative)
        return loaded

    def status(self, recent: int = 10) -> DeployStatus:
        with self._backend() as backend:
            pending = [self._migration_path(m) for m in backend.to_apply(self._migrations())]
            changed = [f.path for f in self._changed(backend)]
            hashes = set(backend.get_applied_migration_hashes())
            applied = [self._migration_path(m) for m in self._migrations() if m.hash in hashes]
            history = []
            if self._execute(backend, "SELECT to_regclass('vb_deploy.deploy_history')").fetchone()[0]:
                # one row per deploy (its records share the transaction's now()), newest first
                history = self._execute(
                    backend,
                    """
                    SELECT deployed_at,
                        coalesce(array_agg(path ORDER BY deploy_history_id)
                            FILTER (WHERE action = 'migration_applied'), '{}'),
                        coalesce(array_agg(path ORDER BY deploy_history_id)
                            FILTER (WHERE action = 'migration_rolled_back'), '{}'),
                        count(*) FILTER (WHERE action = 'repeatable_applied')
                    FROM vb_deploy.deploy_history
                    GROUP BY deployed_at ORDER BY deployed_at DESC LIMIT %s
                    """,
                    (recent,),
                ).fetchall()
        return DeployStatus(pending, changed, history, applied)

    def unlock(self) -> bool:
        """Remove a yoyo lock row left by a crashed plain ``yoyo`` run. pyvb's own runs cannot
        leave one (the row lives inside the deploy transaction). Refuses while a pyvb deploy
        holds the advisory lock. Returns whether a row was removed."""
        with self._backend() as backend, backend.transaction():
            got = self._execute(
                backend, "SELECT pg_try_advisory_xact_lock(%s)", (DEPLOY_LOCK_KEY,)
            ).fetchone()[0]
            if not got:
                raise DeployError("a pyvb deploy is running on this database; nothing was unlocked")
            deleted = self._execute(backend, "DELETE FROM yoyo_lock").rowcount
        return deleted > 0
