"""Creating and upgrading SQLite databases with the Alembic migrations shipped in the package.

Only here are Alembic and SQLAlchemy imported on the path of opening a database, and only
when the file is empty or older than :data:`~assure.models.schema.HEAD_REVISION`. The
whole chain runs in one ``BEGIN IMMEDIATE`` transaction: a second process opening the
same old file waits for the lock, re-reads the revision and finds nothing to do; a
failed migration rolls back and leaves the file as it was.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from .db import StoreError, _describe
from .schema import HEAD_REVISION, read_state

MIGRATIONS = Path(__file__).parent / "migrations"
#: An upgrade may wait this long for colleagues' saves to finish.
UPGRADE_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Upgraded:
    """What :func:`upgrade` did: from which revision (None: the file was empty) to which,
    and where the backup of the old file is."""

    path: Path | object  # a file, or a server's Location
    old: str | None
    new: str
    backup: Path | None

    def describe(self) -> str:
        """One line for the user."""
        if self.old is None:
            return f"created {self.path} at revision {int(self.new)}"
        kept = f"; backup at {self.backup}" if self.backup is not None else ""
        return f"upgraded {self.path} from revision {int(self.old)} to {int(self.new)}{kept}"


def alembic_config(connection=None):
    """An Alembic ``Config`` built in code for the shipped migrations (no alembic.ini).

    Args:
        connection: a SQLAlchemy connection the migrations run on (env.py uses it).
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def alembic_head() -> str:
    """The head revision according to the migration scripts (for the test of HEAD_REVISION)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _backup(path: Path, revision: str) -> Path:
    """Copy the database with the online backup API to an owner-only file next to it.

    Called while the caller holds the write lock: no one can change the file meanwhile,
    and readers (this copy's own connection) are still allowed.
    """
    stem = f"{path.name}.pre-upgrade-r{int(revision)}"
    target = path.with_name(f"{stem}.bak")
    number = 1
    while True:
        try:
            descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            break
        except FileExistsError:  # an earlier upgrade's backup: keep it
            number += 1
            target = path.with_name(f"{stem}-{number}.bak")
    os.close(descriptor)
    try:
        # A second connection: the one holding the write transaction cannot be the source.
        source = sqlite3.connect(f"file:{quote(str(path))}?mode=ro", uri=True, timeout=UPGRADE_TIMEOUT_S)
        copy = sqlite3.connect(target)
        try:
            from . import progress
            from .backend import backup_progress

            source.backup(copy, pages=4096 if progress.active() else -1,
                          progress=backup_progress("Backing up before the upgrade"))
        finally:
            copy.close()
            source.close()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


def upgrade(path: Path) -> Upgraded | None:
    """Bring the SQLite file at ``path`` to the head revision.

    An empty file gets the whole chain; a file at an older revision is backed up first.
    Everything happens in one write transaction, re-reading the revision under the lock.

    Returns:
        What was done, or None when the file was already up to date (perhaps because
        another process upgraded it while we waited).

    Raises:
        StoreError: a newer or unknown schema, a busy database or a failed migration;
            the file is left as it was.
    """
    import sqlalchemy as sa
    from alembic import command
    from sqlalchemy.pool import StaticPool

    raw = sqlite3.connect(str(path), timeout=UPGRADE_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    # Batch mode drops and recreates tables: with foreign keys on, a DROP would cascade.
    raw.execute("PRAGMA foreign_keys = OFF")
    engine = sa.create_engine("sqlite://", creator=lambda: raw, poolclass=StaticPool)

    @sa.event.listens_for(engine, "begin")
    def _begin_as_writer(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    backup = None
    try:
        with engine.connect() as connection, connection.begin():
            tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            old = None
            if tables:
                if "meta" not in tables:
                    raise StoreError(f"{path}: not an Assure database (no meta table)")
                state = read_state(lambda sql: raw.execute(sql).fetchall(), tables)
                if state.current:
                    return None
                old = _upgradable(state, path)
                backup = _backup(path, old)
            config = alembic_config(connection)
            if old is not None and "alembic_version" not in tables:
                command.stamp(config, old)  # a file made before migrations: recognise its revision
            from . import progress

            progress.report("Upgrading the schema", 0)
            command.upgrade(config, "head")
            broken = raw.execute("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(f"{path}: the upgrade would break {len(broken)} references; nothing was changed")
    except StoreError:
        _discard(backup)
        raise
    except Exception as error:
        _discard(backup)
        what = _describe(error) if isinstance(error, sqlite3.Error) else f"{type(error).__name__}: {error}"
        raise StoreError(f"{path}: could not upgrade the database ({what}); nothing was changed") from None
    except BaseException:
        _discard(backup)
        raise
    finally:
        engine.dispose()
        raw.close()
    return Upgraded(path, old, HEAD_REVISION, backup)


def _upgradable(state, where) -> str:
    """The revision an out-of-date database is at, or a one-line refusal naming ``where``."""
    if state.newer:
        raise StoreError(f"{where}: made by a newer Assure ({state.describe()}); upgrade Assure")
    if state.revision is None:
        raise StoreError(f"{where}: the schema revision is not recorded, so it cannot be upgraded")
    return state.revision


def _discard(backup: Path | None) -> None:
    if backup is not None:
        backup.unlink(missing_ok=True)


#: pg_advisory_xact_lock key held while a server's schema is created or upgraded ("assu").
_SCHEMA_LOCK = 0x61737375


def upgrade_server(location) -> Upgraded | None:
    """Bring a PostgreSQL database to the head revision with the same migration chain.

    One transaction (PostgreSQL's DDL is transactional) under an advisory lock, so two
    sessions creating or upgrading the same database at once do it once; the revision is
    re-read under the lock. There is no backup copy: a server's database is backed up with
    ``pg_dump`` (an older database is upgraded only when asked, by ``assure upgrade``).

    Returns:
        What was done, or None when it was already up to date.

    Raises:
        StoreError: a newer or unknown schema, or a failed migration; nothing is changed.
    """
    import sqlalchemy as sa
    from alembic import command

    url = location.url
    if url.startswith(("postgresql://", "postgres://")):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool,
                              connect_args={"options": "-c TimeZone=UTC -c DateStyle=ISO"})
    try:
        with engine.connect() as connection, connection.begin():
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_SCHEMA_LOCK})")
            tables = {row[0] for row in connection.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}
            old = None
            if tables:
                if "meta" not in tables:
                    raise StoreError(f"{location}: not an Assure database (no meta table)")
                state = read_state(lambda sql: connection.exec_driver_sql(sql).fetchall(), tables)
                if state.current:
                    return None
                old = _upgradable(state, location)
            config = alembic_config(connection)
            if old is not None and "alembic_version" not in tables:
                command.stamp(config, old)
            from . import progress

            progress.report("Upgrading the schema", 0)
            command.upgrade(config, "head")
    except StoreError:
        raise
    except Exception as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise StoreError(f"{location}: could not create or upgrade the database ({first}); nothing was changed") from None
    finally:
        engine.dispose()
    return Upgraded(location, old, HEAD_REVISION, None)
