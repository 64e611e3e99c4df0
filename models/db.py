"""Opening a database: where it is, how SQLite is set up, and one-line errors.

SQLite is opened through the standard library's DB-API: no SQLAlchemy on the path to the
first frame. Every write starts as a writer (``BEGIN IMMEDIATE``) so it waits for the
lock rather than failing; the journal is WAL only on a SQLite library that has the
WAL-reset fix (3.51.3+), the rollback journal otherwise. A ``postgresql://`` URL resolves
to a server location; :mod:`assure.models.backend` opens both kinds.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

BUSY_TIMEOUT_MS = 5000
WAL_SAFE_VERSION = (3, 51, 3)


def busy_timeout_ms() -> int:
    """How long to wait for another session's lock: ``ASSURE_BUSY_TIMEOUT_MS`` or the default."""
    override = os.environ.get("ASSURE_BUSY_TIMEOUT_MS", "").strip()
    if override.isascii() and override.isdigit():
        return int(override)
    return BUSY_TIMEOUT_MS


class StoreError(Exception):
    """A problem with the database, worded for the user in one line."""


class StoreBusy(StoreError):
    """Another session holds the write lock for longer than we wait."""


class ReadOnlyError(StoreError):
    """A write was asked of a store opened read-only."""


@dataclass(frozen=True)
class Location:
    """Where a database is: a SQLite file path, or a PostgreSQL server and database.

    ``str()`` names it for messages: the file path, or ``host:port/db`` for a server (never
    the password, which only ``url`` carries).
    """

    path: Path | None
    url: str = field(repr=False)
    #: "sqlite" or "postgresql".
    scheme: str = "sqlite"
    #: For a server: ``host:port/db``.
    server: str = ""

    def __str__(self) -> str:
        return str(self.path) if self.path is not None else self.server

    @property
    def is_sqlite(self) -> bool:
        return self.scheme == "sqlite"

    @property
    def argument(self) -> str:
        """What to pass as ``--db`` to open this location again (a server URL may carry a password)."""
        return str(self.path) if self.path is not None else self.url


def _server_location(text: str) -> Location:
    """A ``postgresql[+psycopg]://user[:password]@host[:port]/db`` URL as a location."""
    parts = urlsplit(text)
    if parts.scheme.split("+", 1)[-1] not in {"postgresql", "postgres", "psycopg"}:
        raise StoreError(f"cannot open {parts.scheme}:// URLs: use postgresql+psycopg://user@host:port/db")
    try:
        port = parts.port or 5432
    except ValueError:
        raise StoreError(f"{parts.hostname or 'localhost'}: the port in the database URL is not a number") from None
    database = unquote(parts.path.lstrip("/")) or unquote(parts.username or "") or "postgres"
    host = parts.hostname or "localhost"
    server = f"{host}:{port}/{database}"
    # libpq reads postgresql://; the "+psycopg" names the driver (as SQLAlchemy URLs do).
    url = "postgresql://" + text.split("://", 1)[1]
    return Location(None, url, "postgresql", server)


def default_path() -> Path:
    """The default database: ``ASSURE_DB`` if set, else a file in the user's data folder."""
    from platformdirs import user_data_path

    return user_data_path("assure", appauthor=False) / "assure.db"


def resolve(target: str | os.PathLike | None) -> Location:
    """Turn ``--db`` (a path or a URL), ``ASSURE_DB`` or nothing into a location.

    Raises:
        StoreError: for a URL scheme we cannot open.
    """
    if target is None:
        target = os.environ.get("ASSURE_DB") or default_path()
    text = os.fspath(target)
    if "://" in text:
        parts = urlsplit(text)
        scheme = parts.scheme.split("+")[0]
        if scheme == "sqlite":
            raw = unquote(text.split("://", 1)[1])
            raw = raw[1:] if raw.startswith("/") else raw  # sqlite:///rel.db, sqlite:////abs.db
            if not raw or raw == ":memory:":
                raise StoreError("an in-memory database cannot be shared: give a file path")
            path = Path(raw).expanduser()
            return Location(path.absolute(), text)
        if scheme in {"postgresql", "postgres"}:
            return _server_location(text)
        raise StoreError(f"cannot open {text!r}: unknown database URL scheme {parts.scheme!r}")
    path = Path(text).expanduser().absolute()
    return Location(path, f"sqlite:///{path}")


def wal_is_safe() -> bool:
    """True when this SQLite library has the WAL-reset fix."""
    return sqlite3.sqlite_version_info >= WAL_SAFE_VERSION


def network_filesystem(path: Path, mounts_file: Path = Path("/proc/mounts")) -> str | None:
    """Name the network file system a path lives on, if it does (SQLite locking fails there)."""
    try:
        mounts = mounts_file.read_text().splitlines()
    except OSError:
        return None
    best, kind = None, None
    folder = path.resolve().parent
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        # /proc/mounts writes a space in a mount point as \040.
        mount_point = Path(parts[1].replace("\\040", " ").replace("\\011", "\t"))
        # Whole path components: /home must not claim /home2.
        if (folder == mount_point or mount_point in folder.parents) and (
            best is None or len(mount_point.parts) >= len(best.parts)
        ):
            best, kind = mount_point, parts[2]
    if kind and (kind.startswith(("nfs", "cifs", "smb", "9p", "afs")) or kind in {"fuse.sshfs", "ceph", "glusterfs"}):
        return kind
    return None


def _describe(error: BaseException) -> str:
    text = str(error)
    if getattr(error, "sqlite_errorcode", None) == _READONLY_ROLLBACK:
        return "a save was interrupted and must be recovered by someone who may write the file"
    if "file is not a database" in text or "malformed" in text:
        return "the file is not a valid database or is damaged"
    if "locked" in text or "busy" in text:
        return "the database is busy (locked by another process); try again"
    if "unable to open" in text:
        return "cannot open the file (missing folder or no permission)"
    if "readonly" in text or "read-only" in text:
        return "the file is read-only"
    if "disk" in text and "full" in text:
        return "the disk is full"
    return text


_READONLY_ROLLBACK = 776  # SQLITE_READONLY_ROLLBACK: a hot journal, and no write access to recover it


def _open(path: Path, *, read_only: bool, uri_read_only: bool) -> sqlite3.Connection:
    timeout_ms = busy_timeout_ms()
    conn = None
    try:
        if uri_read_only:
            conn = sqlite3.connect(
                f"file:{quote(str(path))}?mode=ro", uri=True, timeout=timeout_ms / 1000,
                isolation_level=None, check_same_thread=False,
            )
        else:
            conn = sqlite3.connect(
                str(path), timeout=timeout_ms / 1000, isolation_level=None, check_same_thread=False
            )
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {timeout_ms}")
        if read_only:
            conn.execute("PRAGMA query_only = ON")
        # Touch the schema: a corrupt or foreign file fails here, not mid-screen.
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error:
        if conn is not None:
            conn.close()
        raise
    return conn


def connect(location: Location, *, read_only: bool, create: bool) -> tuple[sqlite3.Connection, bool]:
    """Open the SQLite file; return the connection and whether it is read-only.

    A file we may not write is opened read-only rather than refused, so the dashboard can
    still show it; a missing file is created only when ``create`` is set.

    Raises:
        StoreError: one line naming the file and the cause.
    """
    path = location.path
    if path.is_dir():
        raise StoreError(f"{path}: is a folder, not a database file")
    exists = path.exists()
    if not exists:
        if read_only or not create:
            raise StoreError(f"{path}: no such database")
        if not path.parent.exists():
            raise StoreError(f"{path}: cannot create the database: folder {path.parent} does not exist")
        from .files import create_private_file

        try:
            # Owner-only from the start (SQLite would use 0644 under umask 022, and gives
            # its journal the database's mode).
            create_private_file(path)
        except OSError as error:
            raise StoreError(f"{path}: cannot create the database: {error.strerror or error}") from None
    elif not os.access(path, os.R_OK):
        raise StoreError(f"{path}: cannot read the database: permission denied")
    if exists and not read_only and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)):
        read_only = True
    try:
        try:
            conn = _open(path, read_only=read_only, uri_read_only=read_only)
        except sqlite3.OperationalError as error:
            writable = os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)
            if not (read_only and writable and getattr(error, "sqlite_errorcode", None) == _READONLY_ROLLBACK):
                raise
            # A writer was killed mid-save and left a hot journal, which must be rolled back
            # before anyone may read. We may write the file, so let SQLite recover it; the
            # connection stays query-only and the store refuses every write.
            conn = _open(path, read_only=True, uri_read_only=False)
    except sqlite3.Error as error:
        raise StoreError(f"{path}: {_describe(error)}") from None
    return conn, read_only


def set_journal(conn: sqlite3.Connection) -> str:
    """Use WAL where the library is safe, else the rollback journal with full sync.

    Returns:
        The journal mode now in force. It can stay ``wal`` on an unsafe library when
        another connection holds the file open (SQLite cannot leave WAL then): the caller
        must not write in that case.
    """
    mode = "wal" if wal_is_safe() else "delete"
    try:
        current = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if current != mode:
            conn.execute(f"PRAGMA journal_mode = {mode}").fetchone()
    except sqlite3.OperationalError:
        pass  # e.g. locked by another session: read back what is really in force below
    current = journal_mode(conn)
    try:
        conn.execute("PRAGMA synchronous = " + ("NORMAL" if current == "wal" else "FULL"))
    except sqlite3.OperationalError:
        pass
    return current


def journal_mode(conn: sqlite3.Connection) -> str:
    """The file's journal mode, or ``unknown`` when it cannot be read."""
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()
    except sqlite3.Error:
        return "unknown"


def unsafe_wal_reason(path: Path) -> str:
    """Why a WAL file must not be written with this SQLite library, in one line."""
    return (
        f"{path}: the file uses the WAL journal, which this SQLite library ({sqlite3.sqlite_version}) can corrupt"
        " when several processes write at once, and another session holds it open so it cannot be switched back;"
        " opened read-only: close the other sessions and open it again to make changes"
    )
