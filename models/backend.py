"""The database boundary: what differs between SQLite and PostgreSQL lives here and nowhere else.

The store writes portable SQL with ``?`` placeholders and calls a backend for the rest:

=====================  ===================================  =====================================
                       :class:`SqliteBackend`               :class:`PostgresBackend`
=====================  ===================================  =====================================
connecting             a file, ``sqlite3``                  a server, psycopg 3 (imported only here)
starting a write       ``BEGIN IMMEDIATE``, polled fairly    ``BEGIN`` + ``SET LOCAL lock_timeout``
                       up to the lock wait                  (one round trip)
locking the re-read    not needed (one writer at a time)    ``SELECT ... FOR UPDATE``
another's commits      ``PRAGMA data_version``              a commit counter in ``meta``, bumped by
                                                            every write, minus this session's own
ids                    ``cursor.lastrowid``                 ``INSERT ... RETURNING id``
thousands of ids       ``IN`` lists of 500 ``?``            one ``= ANY(?::integer[])`` (psycopg
                                                            parses a statement of over 50
                                                            parameters anew each time)
placeholders           ``?``                                ``?`` translated to ``%s`` once per query
case-free order        ``x COLLATE NOCASE``                 ``lower(x)``
tables                 ``sqlite_master``                    ``pg_tables`` in the current schema
dates                  ISO text as stored                   ``date`` columns loaded as ISO text
errors                 one line from the sqlite3 message    one line from SQLSTATE / libpq's reason
schema                 Alembic chain, upgrade after a       Alembic chain under an advisory lock;
                       backup copy beside the file          an upgrade only when asked
backup                 the online backup API                refused: says to use ``pg_dump``
=====================  ===================================  =====================================

Driver errors never leave the store: it catches :attr:`Backend.Error` and words them with
:meth:`Backend.describe`, :meth:`Backend.is_busy` and :meth:`Backend.integrity`.
Every statement sent is counted in :attr:`Backend.round_trips` (a connection counts one).
"""

from __future__ import annotations

import os
import re
import sqlite3
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from . import progress
from .db import (
    Location,
    ReadOnlyError,
    StoreBusy,
    StoreError,
    _describe,
    busy_timeout_ms,
    connect,
    journal_mode,
    network_filesystem,
    set_journal,
    unsafe_wal_reason,
    wal_is_safe,
)


class Backend:
    """One open connection to one database, and what its dialect needs."""

    #: "sqlite" or "postgresql".
    name = ""
    #: The driver's base exception class.
    Error: type[BaseException] = Exception
    #: Appended to the re-read of a record a write is about to change.
    for_update = ""

    def __init__(self, location: Location, conn: Any, *, read_only: bool):
        self.location = location
        self.conn = conn
        self.read_only = read_only
        #: Statements (and connections) sent to the database by this backend.
        self.round_trips = 0

    # -- statements ------------------------------------------------------------------

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        """Run one statement (``?`` placeholders); return the driver's cursor."""
        self.round_trips += 1
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: list) -> None:
        """Run one statement for many parameter rows."""
        self.round_trips += 1
        self.conn.executemany(sql, rows)

    def read_many(self, statements: list[tuple[str, tuple]]) -> list[list[tuple]]:
        """Run several independent reads; return each one's rows (PostgreSQL: one round trip)."""
        return [self.execute(sql, params).fetchall() for sql, params in statements]

    def read_many_whole(self, statements: list[tuple[str, tuple, int]]) -> list[list[tuple]]:
        """:meth:`read_many` of statements each giving rows of that many columns of integers
        and text (SQLite: each handed over in one step, see there)."""
        return self.read_many([(sql, params) for sql, params, _ in statements])

    def batches(self, sql: str, params: tuple | list, size: int, *, large: bool = False) -> Iterator[list[tuple]]:
        """A query's rows, ``size`` at a time: never all of them held as raw rows at once.
        ``large``: worth a few more round trips to hold less (PostgreSQL, see there)."""
        cursor = self.execute(sql, params)
        while batch := cursor.fetchmany(size):
            yield batch

    def among(self, column: str, values: list) -> list[tuple[str, tuple]]:
        """``column`` is one of ``values``, as conditions with their parameters, each to be
        run in a statement of its own (their rows together are the answer): here ``IN``
        lists of 500 ``?`` (SQLite parses each in C, and keeps them prepared)."""
        chunks = [tuple(values[start:start + 500]) for start in range(0, len(values), 500)]
        return [(f"{column} IN ({', '.join('?' * len(chunk))})", chunk) for chunk in chunks]

    def schema_facts(self) -> tuple[set[str], str | None, list | None]:
        """The tables, the schema version recorded in ``meta`` (None without one) and the
        rows of ``alembic_version`` (None when it does not exist)."""
        tables = self.tables()
        if "meta" not in tables:
            return tables, None, None
        row = self.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        revisions = self.execute("SELECT version_num FROM alembic_version").fetchall() if "alembic_version" in tables else None
        return tables, (row[0] if row else None), revisions

    def insert(self, sql: str, params: tuple) -> int:
        """Run an ``INSERT`` and return the new row's id."""
        raise NotImplementedError

    def nocase(self, expression: str) -> str:
        """An ORDER BY term that ignores (ASCII) case."""
        raise NotImplementedError

    # -- transactions ----------------------------------------------------------------

    def begin_write(self) -> None:
        """Start a write transaction that holds (or waits a bounded time for) the write lock.

        Raises:
            StoreBusy, ReadOnlyError, StoreError: one line, nothing started.
        """
        raise NotImplementedError

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        """Roll back if a transaction is open; never raises (the real cause matters more)."""
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        raise NotImplementedError

    def set_lock_wait(self, milliseconds: int) -> None:
        """How long a write waits for a colleague's lock before the store says busy."""
        raise NotImplementedError

    # -- the database ----------------------------------------------------------------

    def change_token(self) -> int:
        """A number that changes when another session commits, not for this session's commits."""
        raise NotImplementedError

    def tables(self) -> set[str]:
        raise NotImplementedError

    def migrate(self):
        """Create or upgrade the schema with the Alembic chain, once, even when several
        processes race; return what was done (:class:`~assure.models.migrate.Upgraded`) or None."""
        raise NotImplementedError

    def after_open(self) -> str | None:
        """Settings for a checked database (the SQLite journal); returns why it must be
        read-only although the user did not ask, if it must."""
        return None

    def backup(self, target: Path) -> str:
        """Copy the database to a new file; return what was checked.

        Raises:
            StoreError: one line; no partial copy is left behind.
        """
        raise NotImplementedError

    def reopen(self, *, read_only: bool) -> "Backend":
        """A new connection to the same database (for a background reader)."""
        return open_backend(self.location, read_only=read_only, create=False)

    def close(self) -> None:
        self.conn.close()

    # -- errors ----------------------------------------------------------------------

    def describe(self, error: BaseException) -> str:
        """The cause of a driver error in a few words (no location, no password)."""
        return str(error).splitlines()[0] if str(error) else type(error).__name__

    def describe_read(self, error: BaseException) -> str:
        """The cause of a failed read."""
        return self.describe(error)

    def is_busy(self, error: BaseException) -> bool:
        """True when the error means a colleague's lock was held longer than we wait."""
        return False

    def integrity(self, error: BaseException) -> str | None:
        """What a constraint refused (unique, foreign key, check), or None if not that."""
        return None


def backup_progress(task: str):
    """A progress callback for SQLite's online backup (pages copied of the total), or None
    when nobody shows progress (then the copy goes in one step, as fast as it can)."""
    if not progress.active():
        return None

    def copied(status: int, remaining: int, total: int) -> None:
        progress.report(task, total - remaining, total)

    return copied


def open_backend(location: Location, *, read_only: bool, create: bool) -> Backend:
    """Open the backend a location needs.

    Raises:
        StoreError: one line naming the file or server and the cause.
    """
    if location.is_sqlite:
        return SqliteBackend.open(location, read_only=read_only, create=create)
    return PostgresBackend.open(location, read_only=read_only, create=create)


# -- SQLite ---------------------------------------------------------------------------


class SqliteBackend(Backend):
    """A SQLite file through the standard library."""

    name = "sqlite"
    Error = sqlite3.Error

    @classmethod
    def open(cls, location: Location, *, read_only: bool, create: bool) -> "SqliteBackend":
        conn, read_only = connect(location, read_only=read_only, create=create)
        backend = cls(location, conn, read_only=read_only)
        backend.round_trips = 1
        #: How long a write waits for the lock before the database is called busy.
        backend.lock_wait_ms = busy_timeout_ms()
        #: The network file system the file lives on, if any: SQLite's locking fails there.
        backend.network_fs = network_filesystem(location.path)
        return backend

    def insert(self, sql: str, params: tuple) -> int:
        return self.execute(sql, params).lastrowid

    def read_many_whole(self, statements: list[tuple[str, tuple, int]]) -> list[list[tuple]]:
        # Row by row, each step gives up Python's lock and must win it back: read on one
        # thread while another computes, a row comes every few milliseconds. As one JSON
        # array the engine does all its work (a scan of a 100k register) in one step, without
        # the lock. Exact for integers and text; anything JSON cannot carry (a BLOB) or an
        # older SQLite without JSON is read row by row instead.
        import json

        results = []
        for sql, params, width in statements:
            columns = ", ".join(f"c{index}" for index in range(width))
            whole = f"WITH rows_of({columns}) AS ({sql}) SELECT json_group_array(json_array({columns})) FROM rows_of"
            try:
                (text,), = self.execute(whole, params).fetchall()
                results.append([tuple(row) for row in json.loads(text)])
            except (sqlite3.Error, ValueError):
                results.append(self.execute(sql, params).fetchall())
        return results

    def nocase(self, expression: str) -> str:
        return f"{expression} COLLATE NOCASE"

    def begin_write(self) -> None:
        try:
            self._begin_immediate()
        except sqlite3.OperationalError as error:
            if self.is_busy(error):
                raise StoreBusy(
                    f"{self.location}: the database is busy (another session is saving); nothing was changed, try again"
                ) from None
            if "readonly" in str(error):
                raise ReadOnlyError(f"{self.location}: the file is read-only; nothing was changed") from None
            raise StoreError(f"{self.location}: {error}") from None

    def _begin_immediate(self) -> None:
        """``BEGIN IMMEDIATE``, waiting for the write lock fairly, up to the same deadline.

        SQLite's busy handler sleeps ever longer between tries (up to 100 ms), so with
        several writers a save that has waited a while loses to newcomers polling every
        millisecond and can starve for the whole timeout. Here every waiter polls with
        short random sleeps, a little more often the longer it has waited.
        """
        wait = self.lock_wait_ms / 1000
        start = time.monotonic()
        self.execute("PRAGMA busy_timeout = 0")
        try:
            while True:
                try:
                    self.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    waited = time.monotonic() - start
                    if not self.is_busy(error) or waited >= wait:
                        raise
                    longest = _MAX_POLL_SLEEP if waited < _PATIENT_AFTER else _MAX_POLL_SLEEP / 4
                    from random import uniform  # only when another writer holds the lock

                    time.sleep(min(uniform(_MIN_POLL_SLEEP, longest), max(wait - waited, 0)))
        finally:
            # Other statements (a commit waiting for readers) keep SQLite's own handler.
            self.execute(f"PRAGMA busy_timeout = {int(self.lock_wait_ms)}")

    def rollback(self) -> None:
        # SQLite may already have rolled back on its own (SQLITE_FULL, I/O errors): a second
        # ROLLBACK would raise "no transaction is active" and hide the real cause.
        if self.conn.in_transaction:
            try:
                self.execute("ROLLBACK")
            except sqlite3.Error:
                pass

    @property
    def in_transaction(self) -> bool:
        return self.conn.in_transaction

    def set_lock_wait(self, milliseconds: int) -> None:
        self.lock_wait_ms = int(milliseconds)
        self.execute(f"PRAGMA busy_timeout = {int(milliseconds)}")

    def change_token(self) -> int:
        return self.execute("PRAGMA data_version").fetchone()[0]

    def tables(self) -> set[str]:
        return {row[0] for row in self.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    def migrate(self):
        from .migrate import upgrade

        set_journal(self.conn)  # the journal mode cannot change inside the migration's transaction
        return upgrade(self.location.path)

    def after_open(self) -> str | None:
        mode = journal_mode(self.conn) if self.read_only else set_journal(self.conn)
        if mode in {"wal", "unknown"} and not wal_is_safe():
            # WAL (or a mode we cannot read) on a library with the WAL-reset bug: never write.
            self.read_only = True
            self.execute("PRAGMA query_only = ON")
            return unsafe_wal_reason(self.location.path)
        return None

    def backup(self, target: Path) -> str:
        import tempfile
        from contextlib import closing

        from .files import copy_mode

        target = Path(target)
        if target.exists() or target.is_symlink():
            raise StoreError(f"{target}: already exists; choose a new file name")
        if not target.parent.is_dir():
            raise StoreError(f"{target}: folder {target.parent} does not exist")
        # Copied under a temporary name (created 0600) and linked into place when whole: never
        # half a backup, never readable by more people than the database itself.
        try:
            handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            os.close(handle)
        except OSError as error:
            raise StoreError(f"{target}: backup failed: {error.strerror or error}") from None
        check = None
        try:
            with closing(sqlite3.connect(temporary)) as copy:
                # In steps only when someone watches: a colleague's write restarts a stepped copy.
                self.conn.backup(copy, pages=4096 if progress.active() else -1, progress=backup_progress("Backing up"))
                progress.report("Checking the copy", 0)
                check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            if check == "ok":
                os.chmod(temporary, copy_mode(self.location.path))
                os.link(temporary, target)  # unlike a rename, never replaces a file made meanwhile
        except FileExistsError:
            raise StoreError(f"{target}: already exists; choose a new file name") from None
        except (sqlite3.Error, OSError) as error:
            raise StoreError(f"{target}: backup failed: {getattr(error, 'strerror', None) or error}") from None
        finally:
            Path(temporary).unlink(missing_ok=True)
        if check != "ok":
            raise StoreError(f"{target}: the copy failed its integrity check: {check}")
        return "integrity ok"

    def describe(self, error: BaseException) -> str:
        return _describe(error)

    def describe_read(self, error: BaseException) -> str:
        return str(error)

    def is_busy(self, error: BaseException) -> bool:
        return "locked" in str(error) or "busy" in str(error)

    def integrity(self, error: BaseException) -> str | None:
        if not isinstance(error, sqlite3.IntegrityError):
            return None
        text = str(error)
        if "UNIQUE" in text:
            return "a record with the same " + text.rsplit(".", 1)[-1] + " already exists"
        if "FOREIGN KEY" in text:
            return "it refers to a record that does not exist"
        if "CHECK" in text:
            return "a value is out of range"
        return text


# -- PostgreSQL -----------------------------------------------------------------------

#: The meta row every PostgreSQL write bumps: how sessions notice each other's commits.
CHANGES_KEY = "changes"
_BUMP_CHANGES = (
    f"INSERT INTO meta(key, value) VALUES ('{CHANGES_KEY}', '1') ON CONFLICT (key)"
    " DO UPDATE SET value = CAST(CAST(meta.value AS BIGINT) + 1 AS VARCHAR)"
)
_SCHEMA_LOCK = 0x61737375  # pg_advisory_xact_lock key for creating the schema ("assu")
_QUOTED = re.compile(r"('(?:[^']|'')*'|\"[^\"]*\")")
_NOCASE = re.compile(r"([\w.]+) COLLATE NOCASE")


#: Sleeps between tries for SQLite's write lock (seconds): short and random, so nobody starves.
_MIN_POLL_SLEEP, _MAX_POLL_SLEEP = 0.0005, 0.004
#: After waiting this long (seconds) a writer polls more often, so it wins sooner.
_PATIENT_AFTER = 0.05


def _translate(sql: str, with_params: bool) -> str:
    """SQLite-flavoured portable SQL in the psycopg dialect (string literals left alone)."""
    pieces = _QUOTED.split(sql)
    for index in range(0, len(pieces), 2):  # even pieces are outside quotes
        piece = _NOCASE.sub(r"lower(\1)", pieces[index])
        if with_params:
            piece = piece.replace("%", "%%").replace("?", "%s")
        pieces[index] = piece
    return "".join(pieces)


#: PostgreSQL's integer (the id columns) holds -2**31 up to 2**31 - 1.
_INT_LIMIT = 2**31


def _not_ignored_at_pipeline_end(record) -> bool:
    """Drops psycopg's warning that it ignored a second error while ending a pipeline whose
    block had already failed: that first error is raised to us (and handled) anyway, and
    a logged line would reach the terminal, over the dashboard or into a command's output."""
    return not str(record.msg).startswith("error ignored terminating")


def _quiet_pipeline_ends() -> None:
    import logging

    psycopg_log = logging.getLogger("psycopg")
    if _not_ignored_at_pipeline_end not in psycopg_log.filters:
        psycopg_log.addFilter(_not_ignored_at_pipeline_end)


class PostgresBackend(Backend):
    """A PostgreSQL database through psycopg 3, in autocommit mode with explicit transactions.

    Reads run one statement each, like SQLite's autocommit reads. A write is ``BEGIN``
    (with ``SET LOCAL lock_timeout``) ... ``COMMIT``; the commit also bumps the ``changes``
    counter in ``meta``, which :meth:`change_token` reads, less this session's own commits.

    A connection the server dropped (a restart, ``pg_terminate_backend``, a network cut) is
    made again by the next statement. A read that finds it gone is sent once more on the new
    connection; a write is never resent (its transaction died with the connection): it fails
    as "lost the connection", nothing changed, and the next action reconnects.
    """

    name = "postgresql"
    for_update = " FOR UPDATE"

    def __init__(self, location: Location, conn: Any, *, read_only: bool):
        super().__init__(location, conn, read_only=read_only)
        import psycopg

        self.Error = psycopg.Error
        self._errors = psycopg.errors
        _quiet_pipeline_ends()
        self._lock_wait_ms = busy_timeout_ms()
        self._own_commits = 0
        self._sql: dict[tuple[str, bool], str] = {}
        #: Between BEGIN and COMMIT/ROLLBACK: a statement is never resent on a new connection.
        self._writing = False

    @staticmethod
    def _connect(location: Location, *, read_only: bool):
        """A new connection (raises the driver's error)."""
        import psycopg
        from psycopg.types.string import TextLoader

        options = ["-c TimeZone=UTC", "-c DateStyle=ISO"]
        if read_only:
            options.append("-c default_transaction_read_only=on")
        conn = psycopg.connect(
            location.url, autocommit=True, connect_timeout=10, application_name="assure",
            options=" ".join(options),
        )
        # Dates come back as the ISO text SQLite gives (read records hold text, not date objects).
        for type_name in ("date", "timestamp", "timestamptz"):
            conn.adapters.register_loader(type_name, TextLoader)
        return conn

    @classmethod
    def open(cls, location: Location, *, read_only: bool, create: bool) -> "PostgresBackend":
        try:
            import psycopg
        except ImportError:
            raise StoreError(f"{location}: PostgreSQL needs psycopg 3 (pip install 'psycopg[binary]')") from None
        try:
            conn = cls._connect(location, read_only=read_only)
        except psycopg.Error as error:
            raise StoreError(f"{location}: {_connect_cause(error, location)}") from None
        backend = cls(location, conn, read_only=read_only)
        backend.round_trips = 1
        backend.network_fs = None
        return backend

    # -- a dropped connection --------------------------------------------------------

    @property
    def connection_lost(self) -> bool:
        return self.conn.closed or self.conn.broken

    def _reconnect(self) -> None:
        """Replace a lost connection (raises the driver's error if the server is still away)."""
        try:
            self.conn.close()
        except self.Error:
            pass
        self._writing = False
        self.round_trips += 1
        self.conn = self._connect(self.location, read_only=self.read_only)

    def _send(self, send: Callable[[], Any]) -> Any:
        """Run ``send`` on a live connection; a read that finds it dropped is sent once more."""
        if self.connection_lost and not self._writing:
            self._reconnect()
        try:
            return send()
        except self.Error:
            if self._writing or not self.connection_lost:
                raise
        self._reconnect()
        return send()

    # -- statements ------------------------------------------------------------------

    def _dialect(self, sql: str, with_params: bool) -> str:
        key = (sql, with_params)
        translated = self._sql.get(key)
        if translated is None:
            translated = self._sql[key] = _translate(sql, with_params)
        return translated

    def execute(self, sql: str, params: tuple | list = ()) -> Any:
        self.round_trips += 1
        if params:
            query, values = self._dialect(sql, True), tuple(params)
            return self._send(lambda: self.conn.execute(query, values))
        query = self._dialect(sql, False)
        return self._send(lambda: self.conn.execute(query))

    def batches(self, sql: str, params: tuple | list, size: int, *, large: bool = False) -> Iterator[list[tuple]]:
        if not large:
            yield from super().batches(sql, params, size)
            return
        # A plain cursor holds the whole result in the driver until the last row is made (30 MB
        # for a 100k register, measured); a server-side one sends ``size`` rows per round trip.
        # WITH HOLD: these reads run outside a transaction (autocommit).
        query = self._dialect(sql, bool(params))
        values = tuple(params) if params else None
        self.round_trips += 1
        cursor = self._send(lambda: self._declared(query, values))
        try:
            while True:
                self.round_trips += 1
                batch = cursor.fetchmany(size)
                if not batch:
                    return
                yield batch
        finally:
            try:
                cursor.close()
            except self.Error:
                pass  # the connection went with it

    def _declared(self, query: str, values: tuple | None) -> Any:
        cursor = self.conn.cursor(name="assure_large_read", withhold=True)
        cursor.execute(query, values)
        return cursor

    def executemany(self, sql: str, rows: list) -> None:
        self.round_trips += 1
        query = self._dialect(sql, True)

        def send() -> None:
            with self.conn.cursor() as cursor:
                cursor.executemany(query, rows)

        self._send(send)

    def insert(self, sql: str, params: tuple) -> int:
        return self.execute(sql + " RETURNING id", params).fetchone()[0]

    def among(self, column: str, values: list) -> list[tuple[str, tuple]]:
        # One statement of one parameter: psycopg keeps its parse (40 of 500 each were
        # parsed anew in Python, a tenth of a second for 20,000 ids). The array goes as text,
        # which str.join makes in C (psycopg's array dumpers loop in Python), and as
        # integer[] like the id columns: the server then hashes it (bigint[] made it probe
        # the index 20,000 times). An id beyond an integer names no row.
        ids = [value for value in map(int, values) if -_INT_LIMIT <= value < _INT_LIMIT]
        if not ids:
            return []
        return [(f"{column} = ANY(?::integer[])", ("{" + ",".join(map(str, ids)) + "}",))]

    def read_many(self, statements: list[tuple[str, tuple]]) -> list[list[tuple]]:
        # Pipeline mode: every query is sent before any answer is awaited, so a server
        # 20 ms away costs 20 ms for the lot, not 20 ms each.
        self.round_trips += 1

        def send() -> list:
            cursors = []
            with self.conn.pipeline():
                for sql, params in statements:
                    cursor = self.conn.cursor()
                    if params:
                        cursor.execute(self._dialect(sql, True), tuple(params))
                    else:
                        cursor.execute(self._dialect(sql, False))
                    cursors.append(cursor)
            return [cursor.fetchall() for cursor in cursors]

        return self._send(send)

    def schema_facts(self) -> tuple[set[str], str | None, list | None]:
        tables_sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        meta_sql = "SELECT value FROM meta WHERE key = 'schema_version'"
        try:  # one round trip for a database at any revision since migrations began
            tables, version, revisions = self.read_many(
                [(tables_sql, ()), (meta_sql, ()), ("SELECT version_num FROM alembic_version", ())]
            )
        except self._errors.UndefinedTable:  # an empty, foreign or pre-migration database
            tables = self.tables()
            if "meta" not in tables:
                return tables, None, None
            version = self.execute(meta_sql).fetchall()
            revisions = None
        return {row[0] for row in tables}, (version[0][0] if version else None), revisions

    def nocase(self, expression: str) -> str:
        return f"lower({expression})"

    # -- transactions ----------------------------------------------------------------

    def begin_write(self) -> None:
        if self.read_only:
            raise ReadOnlyError(f"{self.location}: opened read-only; nothing was changed")
        try:
            # Sent again on a new connection if the old one was dropped: nothing had begun.
            self.execute(f"BEGIN; SET LOCAL lock_timeout = '{int(self._lock_wait_ms)}ms'")
        except self.Error as error:
            self.rollback()
            raise StoreError(f"{self.location}: {self.describe(error)}; nothing was changed") from None
        self._writing = True

    def commit(self) -> None:
        # One round trip: the counter colleagues poll, then the commit itself.
        self.execute(f"{_BUMP_CHANGES}; COMMIT")
        self._writing = False
        self._own_commits += 1

    def rollback(self) -> None:
        self._writing = False
        if self.connection_lost:
            return
        if self.in_transaction:
            try:
                self.execute("ROLLBACK")
            except self.Error:
                pass

    @property
    def in_transaction(self) -> bool:
        from psycopg.pq import TransactionStatus

        return self.conn.info.transaction_status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def set_lock_wait(self, milliseconds: int) -> None:
        self._lock_wait_ms = int(milliseconds)  # applied by the next BEGIN: no round trip now

    # -- the database ----------------------------------------------------------------

    def change_token(self) -> int:
        row = self.execute(f"SELECT value FROM meta WHERE key = '{CHANGES_KEY}'").fetchone()
        count = int(row[0]) if row and str(row[0]).isdigit() else 0
        return count - self._own_commits

    def tables(self) -> set[str]:
        return {row[0] for row in self.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}

    def migrate(self):
        from .migrate import upgrade_server

        return upgrade_server(self.location)

    def backup(self, target: Path) -> str:
        raise StoreError(
            f"{self.location}: assure backup copies SQLite files; for a PostgreSQL database use pg_dump"
            " (e.g. pg_dump -Fc -h HOST -p PORT -U USER DBNAME -f FILE)"
        )

    def close(self) -> None:
        try:
            self.conn.close()
        except self.Error:
            pass

    # -- errors ----------------------------------------------------------------------

    def describe(self, error: BaseException) -> str:
        errors = self._errors
        if self.is_busy(error):
            return "the database is busy (another session holds the lock); try again"
        if isinstance(error, errors.ReadOnlySqlTransaction):
            return "opened read-only"
        if isinstance(error, errors.InsufficientPrivilege):
            return "permission denied: " + _first_line(error)
        if isinstance(error, errors.DiskFull):
            return "the server's disk is full"
        if isinstance(error, (errors.AdminShutdown, errors.CannotConnectNow)) or (
            isinstance(error, self.Error) and self.connection_lost
        ):
            return "lost the connection to the server (is it running?)"
        if isinstance(error, errors.UndefinedTable):
            return "not a complete Assure database (" + _first_line(error) + ")"
        reason = self.integrity(error)
        if reason:
            return reason
        return _scrub(_first_line(error), self.location)

    def is_busy(self, error: BaseException) -> bool:
        errors = self._errors
        return isinstance(error, (errors.LockNotAvailable, errors.DeadlockDetected, errors.SerializationFailure,
                                  errors.QueryCanceled))

    def integrity(self, error: BaseException) -> str | None:
        errors = self._errors
        if isinstance(error, errors.UniqueViolation):
            detail = getattr(error.diag, "message_detail", None) or ""
            match = re.search(r"Key \(([^)]*)\)", detail)
            column = match.group(1).split(",")[-1].strip() if match else "value"
            return f"a record with the same {column} already exists"
        if isinstance(error, errors.ForeignKeyViolation):
            return "it refers to a record that does not exist"
        if isinstance(error, errors.CheckViolation):
            return "a value is out of range"
        if isinstance(error, errors.NotNullViolation):
            column = getattr(error.diag, "column_name", None) or "a field"
            return f"{column} is required"
        if isinstance(error, errors.IntegrityError):
            return _first_line(error)
        return None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _scrub(text: str, location: Location) -> str:
    """Never print a password, even one the driver quotes back."""
    from urllib.parse import unquote, urlsplit

    password = urlsplit(location.url).password
    if password:
        text = text.replace(unquote(password), "***").replace(password, "***")
    return text


def _connect_cause(error: BaseException, location: Location) -> str:
    """Why a connection failed, in one line: server down, authentication, no database."""
    from urllib.parse import unquote, urlsplit

    text = str(error)
    lower = text.lower()
    user = unquote(urlsplit(location.url).username or "") or os.environ.get("PGUSER") or "the current user"
    database = location.server.rsplit("/", 1)[-1]
    if "password authentication failed" in lower or "authentication failed" in lower:
        return f"the server refused user {user}: wrong password (or not allowed to log in)"
    if "no password supplied" in lower or "password is required" in lower:
        return f"the server wants a password for user {user} (put it in the URL or ~/.pgpass)"
    if "does not exist" in lower and "database" in lower:
        return f"no database {database} on the server (create it first, e.g. createdb {database})"
    if "role" in lower and "does not exist" in lower:
        return f"the server has no user {user}"
    if "connection refused" in lower or "no such file or directory" in lower:
        return "cannot reach the server (connection refused: is it running and listening there?)"
    if "timeout expired" in lower or "timed out" in lower:
        return "cannot reach the server (no answer within 10 s)"
    if "could not translate host name" in lower or "name or service not known" in lower:
        return "cannot reach the server (unknown host name)"
    if "too many clients" in lower or "remaining connection slots" in lower:
        return "the server has no free connections; try again later"
    if "starting up" in lower or "shutting down" in lower:
        return "the server is starting up or shutting down; try again shortly"
    # libpq's own reason, last line first ("connection to server ... failed: FATAL: ...").
    reason = text.strip().splitlines()[0] if text.strip() else type(error).__name__
    reason = reason.split("failed:", 1)[-1].strip() or reason
    return _scrub(reason, location)


def count_round_trips(backend: Backend) -> Callable[[], int]:
    """A probe for tests and the benchmark: statements sent since this call."""
    start = backend.round_trips
    return lambda: backend.round_trips - start
