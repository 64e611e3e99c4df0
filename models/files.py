"""Files Assure writes: where they may go, who may read them, and writing them whole.

The database may sit on a shared jump box, so everything we create is owner-only (files
0600, folders 0700) and a copy of the database (backup, export, screenshot) is never
readable by more people than the database itself. An export never lands on a SQLite file
or a journal, even through a symlink: one function decides, and the CLI, the command
palette and the screenshot all ask it. Files are written to a temporary name beside the
target and renamed over it, so a failed write leaves the old file (or none), never half.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import tempfile
from pathlib import Path

from .db import StoreError

#: Every SQLite database file starts with these 16 bytes.
SQLITE_HEADER = b"SQLite format 3\x00"
#: Files SQLite keeps beside a database.
JOURNAL_SUFFIXES = ("-journal", "-wal", "-shm")
#: Mode of a new file and folder: owner only.
FILE_MODE = 0o600
DIR_MODE = 0o700


class UnsafeTarget(StoreError):
    """A file we refuse to write: the message names it and why."""


def is_sqlite_file(path: Path) -> bool:
    """True when the file (symlinks followed) starts with SQLite's header."""
    try:
        with open(path, "rb") as handle:
            return handle.read(len(SQLITE_HEADER)) == SQLITE_HEADER
    except OSError:
        return False


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_target(target: str | os.PathLike, *, database: str | os.PathLike | None = None) -> Path:
    """Refuse a file we must not write over: the open database, a journal, any SQLite file.

    Symlinks are followed: a link onto a database is refused like the database.

    Args:
        target: the file about to be written (created or replaced).
        database: the database open in this session, if any.

    Returns:
        The target as a path.

    Raises:
        UnsafeTarget: one line naming the target and the reason; nothing was written.
    """
    path = Path(target).expanduser()
    real = Path(os.path.realpath(path))
    candidates = [real]
    if database is not None:
        db = Path(database)
        db_real = Path(os.path.realpath(db))
        names = {str(db_real) + suffix for suffix in ("", *JOURNAL_SUFFIXES)}
        if str(real) in names or _same_file(real, db):
            raise UnsafeTarget(f"{path}: is the open database or its journal; choose another file name")
    for suffix in JOURNAL_SUFFIXES:
        if real.name.endswith(suffix):
            # other.db-journal: the journal of a database beside it (even before it exists).
            candidates.append(real.with_name(real.name[: -len(suffix)]))
    for candidate in candidates:
        if is_sqlite_file(candidate):
            what = "a database" if candidate == real else "the journal of a database"
            raise UnsafeTarget(f"{path}: is {what}; an export never replaces one, choose another file name")
    return path


def copy_mode(source: str | os.PathLike | None) -> int:
    """The mode for a copy of ``source``: owner-only, and never wider than the source."""
    if source is None:
        return FILE_MODE
    try:
        source_mode = stat.S_IMODE(os.stat(source).st_mode)
    except OSError:
        return FILE_MODE
    return (source_mode & FILE_MODE) | 0o400  # the owner can always read their own copy


def create_private_file(path: str | os.PathLike) -> bool:
    """Create an empty owner-only file if none is there; True when this call made it.

    Used before SQLite opens a new database: SQLite creates its journal with the
    database's mode, so the journal is owner-only too.
    """
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return False
    os.close(descriptor)
    return True


def make_private_folder(path: str | os.PathLike, *, parents: bool = False) -> None:
    """Create a folder only its owner may enter (existing folders are left as they are)."""
    Path(path).mkdir(mode=DIR_MODE, parents=parents, exist_ok=True)


_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def safe_file_stem(text: str, fallback: str = "programme") -> str:
    """A base name made from a programme code: no folders, no leading dot, portable characters.

    Codes are validated on the way in, but an older database may still hold any text.
    """
    stem = _UNSAFE_NAME.sub("_", text).strip("._-")
    return stem[:80] or fallback


def write_atomic(path: str | os.PathLike, data: str | bytes, *, mode: int = FILE_MODE) -> Path:
    """Write a file whole or not at all: a temporary file beside it, then a rename.

    Raises:
        UnsafeTarget: the folder is missing or the path is a folder.
        OSError: the write failed (nothing is left behind).
    """
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise UnsafeTarget(f"{path}: cannot write: folder {folder} does not exist")
    if path.is_dir():
        raise UnsafeTarget(f"{path}: is a folder; give a file name")
    # mkstemp creates the file 0600: nobody else can open it while it is being written.
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise
    return path


def replace_folder(target: Path, files: dict[str, str], *, mode: int = FILE_MODE, ours: set[str]) -> list[Path]:
    """Write a folder of files all or nothing: fill a temporary folder, then swap it in.

    Args:
        target: the folder; created (0700) if missing, else replaced whole.
        files: file name -> text.
        ours: names an earlier export of ours holds; a folder holding anything else is refused.

    Raises:
        UnsafeTarget: the folder holds files that are not ours (nothing is changed).
        OSError: a write failed (the old folder is left as it was).
    """
    if target.exists():
        foreign = sorted(
            entry.name for entry in target.iterdir()
            if entry.name not in ours or entry.is_symlink() or not entry.is_file()
        )
        if foreign:
            shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
            raise UnsafeTarget(
                f"{target}: the folder holds files this export did not write ({shown}); "
                "choose an empty or new folder"
            )
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    aside = None
    try:
        os.chmod(staging, DIR_MODE)
        written = []
        for name, text in files.items():
            write_atomic(staging / name, text, mode=mode)
            written.append(target / name)
        if target.exists():
            aside = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=target.parent))
            os.replace(target, aside / "old")
        try:
            os.replace(staging, target)
        except OSError:
            if aside is not None:
                os.replace(aside / "old", target)  # put the old folder back
            raise
        return written
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if aside is not None:
            shutil.rmtree(aside, ignore_errors=True)
