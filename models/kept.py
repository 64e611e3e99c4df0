"""The judgement of the data as it is, kept between sessions.

At 100k records the rules and the verdict take over half a second, and ``assure status`` or
the Overview asks for the same answer again and again while nothing changes. What they
work out is kept in the user's cache folder under a name made of the database, the data's
revision (:meth:`~assure.models.store.Store.revision`: every write makes a new one), the
programme, the day judged and the code that judged. The next run for the same data reads
it back instead of judging again.

Only an exact match is used: any write by anyone, another day or another release judges
afresh. A judgement is kept only when the revision was the same before and after it was
worked out (no write in between), so it is the judgement of one state of the data.

It is only a cache: a file that is missing, torn, not the user's own, or open to other
users is ignored (and never unpickled: pickle runs code); one that cannot be written is
skipped. ``ASSURE_NO_KEPT=1`` turns it off.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

#: Files kept at most; the oldest go first.
KEEP_AT_MOST = 6
_MAGIC = b"assure-kept-1\n"
_DIGEST = 32  # sha256 of the payload, after the magic


@dataclass
class Judgement:
    """What the rules and the verdict found for one programme on one day."""

    findings: list
    assessment: Any
    summary: dict | None = None
    """:func:`~assure.models.summary.programme_summary` with the findings, when worked out."""


def judge(store, programme_id: int, today: date, *, cancelled=None, fresh: bool = False,
          summary: bool = False, on_findings=None) -> Judgement:
    """The findings and verdicts of the data as it is now: read back when kept, else
    worked out by the rules and the verdict, and kept.

    Args:
        store: an open store or reader (read methods only).
        cancelled: passed to :func:`~assure.models.rules.run_rules`.
        fresh: work it out even when one is kept.
        summary: the headline figures too (:attr:`Judgement.summary`), kept with the rest.
        on_findings: called with the findings when worked out, before the verdicts are (at
            100k those take as long again): the Overview shows them meanwhile.
    """
    judgement, name = load(store, programme_id, today, fresh=fresh)
    worked_out = judgement is None
    if judgement is None:
        from .rules import run_rules
        from .verdict import RememberingReads, assess

        once = RememberingReads(store)  # the verdict reads what the rules just read
        findings = run_rules(once, programme_id, today=today, cancelled=cancelled)
        if on_findings is not None:
            on_findings(findings)
        judgement = Judgement(findings, assess(once, programme_id, today=today, findings=findings))
    if summary and judgement.summary is None:
        from .summary import programme_summary

        judgement.summary = programme_summary(store, programme_id, today=today, findings=judgement.findings)
        worked_out = True
    if worked_out:
        keep(store, programme_id, today, name, judgement)
    return judgement


def folder() -> Path:
    from platformdirs import user_cache_path

    return user_cache_path("assure", appauthor=False) / "judgement"


_CODE: list[str] = []


def _code() -> str:
    """A digest of the code that judges (every module of this package) and of Python."""
    if not _CODE:
        digest = hashlib.sha256(sys.version.encode())
        for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _CODE.append(digest.hexdigest())
    return _CODE[0]


def _name(store, programme_id: int, today: date) -> str | None:
    """The file name for this data, programme and day; None when nothing may be kept."""
    if os.environ.get("ASSURE_NO_KEPT"):
        return None
    revision = store.revision()
    if revision is None:
        return None
    location = store.location
    where = os.path.realpath(location.path) if location.path is not None else location.url
    parts = (where, store.database_id() or "", revision, str(programme_id), today.isoformat(), _code())
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:40] + ".pickle"


def _mine(path: Path, *, folder: bool = False) -> bool:
    """A file (or folder) of this user's that nobody else may write."""
    info = os.lstat(path)
    right_kind = stat.S_ISDIR(info.st_mode) if folder else stat.S_ISREG(info.st_mode)
    return right_kind and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _private(path: Path) -> bool:
    """The file and its folder are this user's alone (nobody else could have written them)."""
    try:
        return _mine(path.parent, folder=True) and _mine(path)
    except OSError:
        return False


def load(store, programme_id: int, today: date, *, fresh: bool = False) -> tuple[Judgement | None, str | None]:
    """The kept judgement of the data as it is now, if there is one.

    Args:
        fresh: read nothing back (the name to keep a new judgement under is still given).

    Returns:
        (judgement or None, the name to keep one under, None when nothing may be kept).
    """
    try:
        name = _name(store, programme_id, today)
    except Exception:  # an old database, a lost connection: judge afresh
        return None, None
    if name is None or fresh:
        return None, name
    try:
        payload = _read_framed(name)
        if payload is None:
            return None, name
        import pickle

        judgement = pickle.loads(payload)
    except Exception:
        return None, name
    return (judgement if isinstance(judgement, Judgement) else None), name


def keep(store, programme_id: int, today: date, name: str | None, judgement: Judgement) -> bool:
    """Keep a judgement worked out after :func:`load` gave ``name``, unless the data has
    changed since (a write in between may have been half read). True when written."""
    if name is None:
        return False
    try:
        if _name(store, programme_id, today) != name:
            return False
        import pickle

        payload = pickle.dumps(judgement, protocol=pickle.HIGHEST_PROTOCOL)
        where = folder()
    except Exception:  # a lost connection, something that does not pickle: only time is lost
        return False
    return _write(where, name, _framed(payload))


def _framed(payload: bytes) -> bytes:
    """A kept file's bytes: the magic and the payload's digest (a torn file is never read)."""
    return _MAGIC + hashlib.sha256(payload).digest() + payload


def _read_framed(name: str) -> bytes | None:
    """The payload of a kept file that is the user's alone and whole, else None."""
    path = folder() / name
    if not _private(path):
        return None
    data = path.read_bytes()
    payload = data[len(_MAGIC) + _DIGEST:]
    if not data.startswith(_MAGIC) or data[len(_MAGIC):len(_MAGIC) + _DIGEST] != hashlib.sha256(payload).digest():
        return None
    return payload


def _printed_name(judgement_name: str, variant: str) -> str:
    return f"{judgement_name.removesuffix('.pickle')}-{hashlib.sha256(variant.encode()).hexdigest()[:16]}.out"


def printed(store, programme_id: int, today: date, variant: str, make, *, fresh: bool = False) -> tuple[str, int]:
    """What a command prints about one programme, and its exit status: read back when the
    same data was printed so on the same day (a few kilobytes, rather than the whole
    judgement), else ``make()``, kept.

    Args:
        variant: the command and every option that changes what it prints.
        make: ``() -> (text, exit status)``, worked out from the data.
        fresh: read nothing back (what ``make`` gives is still kept).
    """
    import json

    name = None
    try:
        if (judgement := _name(store, programme_id, today)) is not None:
            name = _printed_name(judgement, variant)
    except Exception:  # an old database, a lost connection: print afresh
        pass
    if name is not None and not fresh:
        try:
            if (payload := _read_framed(name)) is not None:
                text, status = json.loads(payload)
                if isinstance(text, str) and type(status) is int:
                    return text, status
        except Exception:
            pass  # printed afresh below
    text, status = make()
    try:
        now = _name(store, programme_id, today) if name is not None else None
        if now is not None and _printed_name(now, variant) == name:  # no write while it was made
            _write(folder(), name, _framed(json.dumps([text, status]).encode()), pattern="*.out")
    except Exception:  # unchanged data could not be confirmed: nothing kept
        pass
    return text, status


def near_pairs(names: tuple[str, ...], compute) -> list[tuple[str, str]]:
    """``compute(names)`` (the near-name pairs of :mod:`~assure.models.rules`), kept by the
    names themselves: the same names give the same pairs, so it is never out of date, and
    the names in use rarely change between two runs. Kept as JSON (indexes), not pickled."""
    import json

    name = None
    try:
        if not os.environ.get("ASSURE_NO_KEPT"):
            digest = hashlib.sha256(_code().encode())
            digest.update("\0".join(names).encode("utf-8", "surrogatepass"))
            name = "near-" + digest.hexdigest()[:40] + ".json"
            path = folder() / name
            if _private(path):
                pairs = json.loads(path.read_text(encoding="utf-8"))
                return [(names[i], names[j]) for i, j in pairs]
    except Exception:
        pass  # worked out below
    found = compute(names)
    if name is not None:
        try:
            index = {value: position for position, value in enumerate(names)}
            _write(folder(), name, json.dumps([[index[a], index[b]] for a, b in found]).encode(), pattern="near-*.json")
        except Exception:
            pass
    return found


def _write(where: Path, name: str, data: bytes, *, pattern: str = "*.pickle") -> bool:
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _mine(where, folder=True):
            return False
        temporary = where / f".{name}.{os.getpid()}.tmp"
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(descriptor, "wb") as out:
                out.write(data)
            os.replace(temporary, where / name)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        _prune(where, pattern)
    except OSError:
        return False
    return True


def _prune(where: Path, pattern: str) -> None:
    """Keep the newest :data:`KEEP_AT_MOST` files of a kind (a kept judgement is worth only its data)."""
    files = []
    for path in where.glob(pattern):
        try:
            files.append((path.stat().st_mtime_ns, path))
        except OSError:
            continue
    for _, path in sorted(files, reverse=True)[KEEP_AT_MOST:]:
        path.unlink(missing_ok=True)
