"""The store: one small API over the database for the TUI, the CLI and the tests.

Every query of the application lives here. Reads are portable SQL over the DB-API and
return the named tuples of :mod:`assure.models.records`. Each write is one transaction
that starts as a writer, re-reads (and on PostgreSQL locks) what it changes, applies it
and writes its history rows, so a crash leaves both or neither. What differs between
SQLite and PostgreSQL is in :mod:`assure.models.backend`, nowhere else. Validation
(pydantic) is imported on the first write, not at start-up.
"""

from __future__ import annotations

import json
import os
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Collection, Iterator, NamedTuple

from . import records
from .backend import Backend, open_backend
from .dates import test_override, utc_now_iso
from .db import (
    Location,
    ReadOnlyError,
    StoreBusy,
    StoreError,
    busy_timeout_ms,
    resolve,
)
from .history_chain import FIELDS as CHAIN_FIELDS
from .history_chain import GENESIS, HEAD_KEY, Verdict, format_head, parse_head, row_hash
from .history_chain import verify as verify_chain
from .kinds import DELETE_ORDER, DEPENDANTS, KINDS, Kind, kind_of

_UNSET: Any = object()
#: The ``meta`` key of the database's own id (see :meth:`Store.database_id`).
DATABASE_ID_KEY = "database_id"
#: The ``meta`` key every write transaction sets to a fresh token (see :meth:`Store.revision`).
REVISION_KEY = "revision"


def new_database_id() -> str:
    """A new database id, ``db-`` and 16 hex digits: the prefix keeps it text in a
    spreadsheet (a bare token such as ``12e5`` would turn into a number)."""
    import secrets

    return "db-" + secrets.token_hex(8)


#: Tables a later revision adds: an older file has none until it is upgraded.
_LATER_TABLES = frozenset({"acknowledgement", "verdict_override", "handover", "board_snapshot"})  # revisions 0003-0006
#: Every table an Assure database of any revision must have.
_TABLES = frozenset({"meta", "history", *(kind.table for kind in KINDS.values())}) - _LATER_TABLES
#: History actions of an undone add (the record removed again) and an undone delete
#: (the record restored), told apart from a user's own delete and add.
UNDO_ADD, UNDO_DELETE = "undo-create", "undo-delete"

#: The longest label a board snapshot takes ("Board 14 May").
BOARD_LABEL_LIMIT = 120
#: RACI rows, and those whose role names a transition (the words a programme's panes use).
_RACI_WORDS_SQL = "SELECT count(*), count(*) FILTER (WHERE lower(role) LIKE ?) FROM raci WHERE programme_id = ?"
_TRANSITION = "%transition%"  # a parameter: a literal % would be a placeholder to psycopg


# What the rules read of a record, no more: at 100k records a whole record per row is
# most of a run's reading (a risk's latest update, ids no rule names).


class FlaggedDeliverable(NamedTuple):
    """A deliverable as the sign-off, owner, baseline and duplicate rules read it."""

    id: int
    outcome_number: int | None
    title: str
    approved_by: str | None
    status: str
    date: Any
    note: str | None
    baseline_date: Any
    version: int


class OpenRisk(NamedTuple):
    """An open risk or issue as the risk rules read it."""

    id: int
    ref: str
    kind: str
    description: str
    likelihood: int | None
    impact: int | None
    owner: str | None
    status: str
    review_on: Any
    updated_at: str
    version: int


class OpenAction(NamedTuple):
    """An open action as the action rules read it."""

    id: int
    number: int
    kind: str
    description: str
    owner: str | None
    due_on: Any
    status: str
    version: int


class OutcomeHeading(NamedTuple):
    """An outcome as the outcome rule reads it."""

    id: int
    number: int
    title: str
    status: str
    version: int


def _in_register_order(row: FlaggedDeliverable) -> tuple:
    """The register's order (``outcome.number IS NULL, outcome.number, deliverable.id``),
    as SQLite sorts a number column that holds something else (numbers before text)."""
    number = row.outcome_number
    if number is None:
        return (1, 0, 0, row.id)
    if isinstance(number, int):
        return (0, 0, number, row.id)
    return (0, 1, str(number), row.id)


#: The parts of :meth:`Store.deliverable_facts`.
DELIVERABLE_FACTS = ("flagged", "duplicates", "approvers", "by_outcome")

#: Where each register names people, for the person rule: kind -> column.
_NAMED_BY = {"risk": "owner", "action": "owner", "lesson": "responsible"}


class RecordGone(StoreError):
    """The record was deleted (perhaps by a colleague) before the change was saved."""


class Conflict(StoreError):
    """Someone else changed fields since they were read: the user must choose, field by field.

    Every field a save writes is compared with what the user saw, and every one that a
    colleague changed meanwhile is reported at once, so that no choice is made unseen.

    Attributes:
        fields: field name -> (yours, theirs, seen): the value this session tried to save,
            the value now stored, and the value the user saw before editing. In field order.
            A colleague who saved the very value this session writes is still a conflict:
            the same value is not the same intent (two sessions each adding one to a count).
        field, yours, theirs, seen: the same for the first field in conflict.
    """

    def __init__(self, kind: Kind, record_id: int, fields: dict[str, tuple[Any, Any, Any]]):
        if not fields:
            raise ValueError("a conflict names at least one field")
        self.kind, self.record_id, self.fields = kind, record_id, dict(fields)
        self.field, (self.yours, self.theirs, self.seen) = next(iter(self.fields.items()))
        from .text import display_text

        now = "; ".join(f"{_label(kind, name)} is now '{display_text(theirs) or '(empty)'}'"
                        for name, (_, theirs, _) in self.fields.items())
        several = len(self.fields) > 1
        super().__init__(
            f"{', '.join(_label(kind, name) for name in self.fields)} of this {kind.label.lower()}"
            f" {'were' if several else 'was'} changed by someone else while you edited"
            f" {'them' if several else 'it'} ({now})"
        )


def _label(kind: Kind, name: str) -> str:
    """A field's label for people ("Approved by"), or its name if it has none (``programme_id``)."""
    try:
        return kind.field(name).label
    except KeyError:
        return name


class InUse(StoreError):
    """A record others depend on cannot be deleted."""


@dataclass
class Change:
    """One undoable unit: what a single store call changed."""

    action: str  # "create", "update", "delete", or "batch" (several records, one transaction)
    kind: str
    record_id: int
    label: str
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (old, new)
    row: dict[str, Any] | None = None  # the whole record, for create/delete
    #: A batch's changes in the order they were made (undone in reverse, in one transaction).
    parts: list["Change"] = field(default_factory=list)
    #: How a batch reads in a message ("rename person 'A' to 'B' (3 records)").
    summary: str = ""

    def describe(self) -> str:
        if self.action == "batch":
            return self.summary or self.label
        kind = KINDS[self.kind].label
        if self.action == "update":
            spec = KINDS[self.kind]
            # Labels as the screen shows them ("Approved by"), never the internal names.
            names = ", ".join(spec.field(name).label if name in spec.field_names else name for name in self.fields)
            return f"{kind} '{self.label}': {names}"
        return f"{self.action} {kind.lower()} '{self.label}'"


def _db_value(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _history_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(_db_value(value))


def current_user() -> str:
    """The OS login recorded in history: never taken from the environment or a caller."""
    override = test_override("user")
    if override:
        return override
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


class Store:
    """A database of programmes, opened by path or URL."""

    def __init__(self, backend: Backend, location: Location, *, read_only: bool, user: str):
        #: The database boundary: the only way to the connection.
        self.backend = backend
        self.location = location
        self.read_only = read_only
        self.user = user
        self.undo_stack: list[Change] = []
        self.now = ""
        self.network_fs: str | None = None
        #: The last programme as stored in ``meta`` when last read (saves a query on open).
        self._remembered: Any = _UNSET
        #: What opening did to the file (created or upgraded, with the backup), or None.
        self.upgraded = None
        #: Why this store is read-only when the user did not ask for it, if it is.
        self.read_only_reason: str | None = None
        #: How long a write waits for the lock before the database is called busy.
        self.lock_wait_ms = busy_timeout_ms()
        #: This database's own id once read or made (see :meth:`database_id`).
        self._database_id: str | None = None

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        target: str | os.PathLike | None = None,
        *,
        read_only: bool = False,
        create: bool = True,
        upgrade: bool = False,
    ) -> "Store":
        """Open (and if need be create) a database.

        Args:
            target: a file path, a ``sqlite:///`` URL or a ``postgresql+psycopg://user@host:port/db``
                URL; default ``ASSURE_DB`` or the user data folder.
            read_only: refuse every write from this session.
            create: create the file and schema when missing.
            upgrade: upgrade an older PostgreSQL database too (an older SQLite file is always
                upgraded, after a backup copy beside it).

        Raises:
            StoreError: one line naming the file (or server) and the cause.
        """
        location = resolve(target)
        if target is None and create and not os.environ.get("ASSURE_DB") and location.path is not None:
            folder = location.path.parent  # the user's data folder, made on first run
            try:
                from .files import make_private_folder

                make_private_folder(folder, parents=True)
            except OSError as error:
                raise StoreError(f"{location.path}: cannot create the folder {folder}: {error.strerror}") from None
        backend = open_backend(location, read_only=read_only, create=create)
        store = cls(backend, location, read_only=backend.read_only, user=current_user())
        try:
            store._check_schema(create=create, upgrade=upgrade)
        except BaseException:
            backend.close()
            raise
        #: The network file system the file lives on, if any: SQLite's locking fails there.
        store.network_fs = backend.network_fs
        return store

    def reader(self) -> "Store":
        """A read-only store of its own (its own connection) on the same database, for a
        background thread: it never shares this store's connection or transaction."""
        backend = self.backend.reopen(read_only=True)
        store = type(self)(backend, self.location, read_only=True, user=self.user)
        store.network_fs = backend.network_fs
        return store

    @property
    def conn(self) -> Any:
        """The driver's connection, for diagnostics and SQLite-specific tests only: the
        application goes through the store's methods."""
        return self.backend.conn

    @property
    def round_trips(self) -> int:
        """Statements sent to the database so far (a connection counts one)."""
        return self.backend.round_trips

    def _tables(self) -> set[str]:
        return self.backend.tables()

    def _check_schema(self, *, create: bool, upgrade: bool = False) -> None:
        """Check the schema is one we know; create or upgrade it when need be (after a backup)."""
        from .schema import state_of

        path = self.location
        try:
            tables, recorded, revisions = self.backend.schema_facts()
            if not tables:
                if self.read_only or not create:
                    raise StoreError(f"{path}: the database is empty (run 'assure --db {path} seed')")
                self._migrate()
                tables, recorded, revisions = self.backend.schema_facts()
            if "meta" not in tables:
                raise StoreError(f"{path}: not an Assure database (no meta table)")
            missing = sorted(_TABLES - tables)  # every revision has these tables
            if missing:
                raise StoreError(f"{path}: not a complete Assure database (missing tables: {', '.join(missing)})")
            state = state_of(recorded, revisions)
            if not state.current:
                if state.newer:
                    raise StoreError(f"{path}: made by a newer Assure ({state.describe()}); upgrade Assure")
                if state.revision is None:
                    raise StoreError(f"{path}: the schema revision is not recorded, so it cannot be migrated")
                if self.read_only or (self.backend.name != "sqlite" and not upgrade):
                    # A server's database is upgraded on purpose, after its own backup (pg_dump).
                    raise StoreError(
                        f"{path}: made by an older Assure ({state.describe()})"
                        + (" and opened read-only" if self.read_only else "")
                        + f"; run 'assure --db {path} upgrade' to upgrade it"
                        + (" (a backup is kept)" if self.backend.name == "sqlite" else " (back it up with pg_dump first)")
                    )
                self._migrate()
        except self.backend.Error as error:
            raise StoreError(f"{path}: {self.backend.describe(error)}") from None
        reason = self.backend.after_open()
        if reason:
            self.read_only = True
            self.read_only_reason = reason

    def _migrate(self) -> None:
        """Create or upgrade the schema (Alembic), once, even when several processes race to do it."""
        self.upgraded = self.backend.migrate()

    def close(self) -> None:
        """Close the connection."""
        self.backend.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading ---------------------------------------------------------------------

    def wait_for_locks(self, milliseconds: int) -> None:
        """How long a write waits for a colleague's lock before saying the database is busy."""
        self.lock_wait_ms = int(milliseconds)
        self.backend.set_lock_wait(milliseconds)

    def data_version(self) -> int:
        """A number that changes when another session commits, not for this one's (cheap to poll)."""
        try:
            return self.backend.change_token()
        except self.backend.Error as error:
            raise StoreError(f"{self.location}: {self.backend.describe(error)}") from None

    def _read_many(self, statements: list[tuple[str, tuple]]) -> list[list[tuple]]:
        """Several independent reads at once (one round trip to a server)."""
        try:
            return self.backend.read_many(statements)
        except self.backend.Error as error:
            raise self._read_failed(error) from None

    def _read_failed(self, error: Exception) -> StoreError:
        """The one-line error a failed read is told as (busy: try again)."""
        if self.backend.is_busy(error):
            return StoreBusy(f"{self.location}: the database is busy (another session is saving); try again")
        return StoreError(f"{self.location}: {self.backend.describe_read(error)}")

    def _read_many_whole(self, statements: list[tuple[str, tuple, int]]) -> list[list[tuple]]:
        """:meth:`_read_many` of statements of so many integer and text columns, each result
        handed over whole (see :meth:`Backend.read_many_whole`)."""
        try:
            return self.backend.read_many_whole(statements)
        except self.backend.Error as error:
            raise self._read_failed(error) from None

    def _read(self, sql: str, params: tuple = (), *, make=None, shared: tuple[int, ...] = (), large: bool = False) -> list:
        """Run a query; with ``make``, build each row into a record, sharing one object per
        distinct value in the ``shared`` columns (statuses, names, dates repeat across 100k
        rows: sharing them halves the memory a large register takes). ``large``: a whole
        register, read with the least held at once (:meth:`Backend.batches`)."""
        try:
            if make is None:
                return self.backend.execute(sql, params).fetchall()
            records = []
            caches = [(index, {}) for index in shared]
            for batch in self.backend.batches(sql, params, 5000, large=large):  # raw rows never all held
                if caches:
                    for row in batch:
                        values = list(row)
                        for index, cache in caches:
                            value = values[index]
                            values[index] = cache.setdefault(value, value)
                        records.append(make(values))
                else:
                    records.extend(map(make, batch))
            return records
        except self.backend.Error as error:
            raise self._read_failed(error) from None

    def list(self, kind_name: str, programme_id: int | None = None, *, limit: int | None = None,
             large: bool = False) -> list[Any]:
        """Records of one type in a programme, in their natural order (the first ``limit`` only, if given).

        ``large``: a register known to be large (thousands of rows), read holding the least
        at once at the cost of a few round trips (PostgreSQL: a server-side cursor)."""
        kind = kind_of(kind_name)
        sql = kind.select
        params: tuple = ()
        if kind.name != "programme":
            sql += f" WHERE {kind.table}.programme_id = ?"
            params = (programme_id,)
        sql += f" ORDER BY {self._order(kind)}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        fields = kind.record._fields
        shared = tuple(fields.index(name) for name in kind.shared)
        return self._read(sql, params, make=kind.record._make, shared=shared, large=large)

    def _order(self, kind: Kind) -> str:
        # A kind's order may ignore case ("name COLLATE NOCASE"): each backend spells that its way.
        return ", ".join(
            self.backend.nocase(term.split(" COLLATE NOCASE")[0]) if term.endswith(" COLLATE NOCASE") else term
            for term in (part.strip() for part in kind.order.split(","))
        )

    def count(self, kind_name: str, programme_id: int) -> int:
        """How many records of one type a programme has (cheap: an index count)."""
        kind = kind_of(kind_name)
        return self._read(f"SELECT count(*) FROM {kind.table} WHERE programme_id = ?", (programme_id,))[0][0]

    def history_count(self, programme_id: int) -> int:
        """How many changes a programme's history holds."""
        return self._read("SELECT count(*) FROM history WHERE programme_id = ?", (programme_id,))[0][0]

    def get(self, kind_name: str, record_id: int) -> Any | None:
        """One record by id, or None if it no longer exists."""
        kind = kind_of(kind_name)
        rows = self._read(f"{kind.select} WHERE {kind.table}.id = ?", (record_id,))
        return kind.record._make(rows[0]) if rows else None

    def fields_by_ids(self, kind_name: str, record_ids: Collection[int], columns: tuple[str, ...], *,
                      make: Any = None) -> dict[int, Any]:
        """Some columns of the records of one type with these ids that still exist: id -> the
        values, in ``columns`` order (cheaper than whole records when thousands are named);
        with ``make``, id -> ``make((id, *values))`` instead (one object per record)."""
        kind = kind_of(kind_name)
        known = {"id", *kind.field_names}
        unknown = [name for name in columns if name not in known]
        if unknown:
            raise KeyError(f"{kind.label} has no field {unknown[0]!r}")
        ids = sorted({int(record_id) for record_id in record_ids})
        found: dict[int, Any] = {}
        if not ids:
            return found
        names = ", ".join(columns)
        # All the statements at once: one round trip to a server; each handed over whole.
        for rows in self._read_many_whole([(f"SELECT id, {names} FROM {kind.table} WHERE {condition}", params,
                                            1 + len(columns))
                                           for condition, params in self.backend.among("id", ids)]):
            for row in rows:
                found[row[0]] = tuple(row[1:]) if make is None else make(row)
        return found

    def get_many(self, kind_name: str, record_ids: Collection[int]) -> dict[int, Any]:
        """Records by id (those that still exist), read in batches rather than one by one."""
        kind = kind_of(kind_name)
        wanted = sorted({int(record_id) for record_id in record_ids})
        found: dict[int, Any] = {}
        if not wanted:
            return found
        # All the statements at once: one round trip to a server (one statement there).
        for rows in self._read_many([(f"{kind.select} WHERE {condition}", params)
                                     for condition, params in self.backend.among(f"{kind.table}.id", wanted)]):
            found.update((row[0], kind.record._make(row)) for row in rows)
        return found

    def programmes(self) -> list[records.ProgrammeRecord]:
        return self.list("programme")

    def programme_by_code(self, code: str) -> records.ProgrammeRecord | None:
        """Find a programme by its code (exact first, then ignoring case), or by its id given as text."""
        programmes = self.programmes()
        for match in (
            lambda p: p.code == code,
            lambda p: p.code.casefold() == code.casefold(),
            lambda p: str(p.id) == code,
        ):
            found = [programme for programme in programmes if match(programme)]
            if len(found) == 1:
                return found[0]
        return None

    def people(self, programme_id: int) -> list[records.PersonRecord]:
        return self.list("person", programme_id)

    def raci(self, programme_id: int) -> list[records.RaciRecord]:
        return self.list("raci", programme_id)

    def outcomes(self, programme_id: int) -> list[records.OutcomeRecord]:
        return self.list("outcome", programme_id)

    def progress(self, programme_id: int) -> list[records.ProgressRecord]:
        return self.list("progress", programme_id)

    def deliverables(self, programme_id: int) -> list[records.DeliverableRecord]:
        return self.list("deliverable", programme_id)

    def deliverable_verdict_facts(self, programme_id: int, *, done: Collection[str],
                                  about: Collection[int]) -> dict[str, Any]:
        """What the verdict needs of a register (cheaper than :meth:`deliverables` at 100k):

        - ``counts``: (outcome id, status, n) of every deliverable;
        - ``open``: (id, outcome id, status, date) of each deliverable not ``done``, in id
          order, as plain tuples (half of a large register: no record made of each);
        - ``numbers``: outcome id -> number of every programme's outcomes (a few thousand
          rows at most), by which the verdict puts the open rows in the register's order;
        - ``outcome_of``: deliverable id -> outcome id of the open ones and of those
          ``about`` names (the findings': a few thousand of 100k).
        """
        # One round trip for the three; the open rows in the table's own order (no sort:
        # SQLite's sort over a join costs several times the read).
        counts, numbers, open_rows = self._read_many([
            ("SELECT outcome_id, status, count(*) FROM deliverable WHERE programme_id = ?"
             " GROUP BY outcome_id, status", (programme_id,)),
            ("SELECT id, number FROM outcome", ()),
            ("SELECT id, outcome_id, status, date FROM deliverable WHERE +programme_id = ?"
             f" AND (status IS NULL OR status NOT IN ({_in(done)})) ORDER BY id", (programme_id,)),
        ])
        outcome_of = {row[0]: row[1] for row in open_rows if row[1] is not None}
        others = [record_id for record_id in about if record_id not in outcome_of]
        outcome_of.update((record_id, outcome_id) for record_id, (outcome_id,)
                          in self.fields_by_ids("deliverable", others, ("outcome_id",)).items() if outcome_id is not None)
        return {"counts": counts, "open": open_rows, "numbers": dict(numbers), "outcome_of": outcome_of}

    def outcome_deliverables(self, outcome_id: int) -> list[tuple[str, str]]:
        """(status, title) of an outcome's deliverables in the register's order (by id):
        what its detail lists, without reading the whole register."""
        return [(status, title) for status, title in self._read(
            "SELECT status, title FROM deliverable WHERE outcome_id = ? ORDER BY id", (outcome_id,))]

    def risks(self, programme_id: int) -> list[records.RiskRecord]:
        return self.list("risk", programme_id)

    def actions(self, programme_id: int) -> list[records.ActionRecord]:
        return self.list("action", programme_id)

    def lessons(self, programme_id: int) -> list[records.LessonRecord]:
        return self.list("lesson", programme_id)

    def handovers(self, programme_id: int) -> list[records.HandoverRecord]:
        """The handover register: what stays open at closure, with its new owner."""
        return self.list("handover", programme_id)

    def signoff_dates(self, programme_id: int) -> tuple[int, list[str | None]]:
        """For the burn-up: how many deliverables there are, and the date of each signed off
        (None when one is signed off undated), oldest first."""
        from .judgement import SIGNED_OFF

        total, dated = self._read_many([
            ("SELECT count(*) FROM deliverable WHERE programme_id = ?", (programme_id,)),
            ("SELECT date FROM deliverable WHERE programme_id = ? AND status = ? ORDER BY date",
             (programme_id, SIGNED_OFF)),
        ])
        return total[0][0], [None if row[0] is None else str(row[0])[:10] for row in dated]

    def verdict_overrides(self, programme_id: int) -> list[records.VerdictOverrideRecord]:
        """The programme's verdict overrides: the programme's own first, then by outcome."""
        return self.list("verdict", programme_id)

    def override_verdict(self, programme_id: int, outcome_id: int | None, rating: str, reason: str) -> Change:
        """Set (or change) the override of the programme's verdict (``outcome_id`` None) or an
        outcome's: a DCA rating and the reason, in one transaction with its history, undoable.

        Raises:
            InvalidInput: the rating is not a DCA rating, the reason is blank, or no such outcome.
        """
        existing = next((row for row in self.verdict_overrides(programme_id) if row.outcome_id == outcome_id), None)
        if existing is None:
            self.create("verdict", programme_id, {"outcome_id": outcome_id, "rating": rating, "reason": reason})
            return self.undo_stack[-1]
        return self.update("verdict", existing.id, {"rating": rating, "reason": reason},
                           expected={"rating": existing.rating, "reason": existing.reason})

    def clear_verdict_override(self, programme_id: int, outcome_id: int | None) -> Change | None:
        """Remove an override (the derived verdict shows again), with history; undoable.
        Returns None when there was none."""
        existing = next((row for row in self.verdict_overrides(programme_id) if row.outcome_id == outcome_id), None)
        return None if existing is None else self.delete("verdict", existing.id)

    def acknowledgements(self, programme_id: int) -> list[records.AcknowledgementRecord]:
        """The answers given to a programme's findings, oldest first (one query)."""
        return self.list("acknowledgement", programme_id)

    def acknowledge(self, programme_id: int, finding: Any, reason: str, until: Any = None) -> int:
        """Answer a finding: this login acknowledges it now, with a reason and perhaps an until-date.

        It holds while the finding's record stays at the version it has now (a change to
        the record brings the finding back) and until ``until`` passes. Recorded in the
        history like any record and undone by :meth:`undo`.

        Args:
            finding: a :class:`~assure.models.rules.Finding` (its rule, kind, record id and version).
            reason: why the finding stands answered (required).
            until: the last day it holds (``31/01/2027`` or ISO; empty: until the record changes).

        Raises:
            InvalidInput: no reason, or an until-date that is not a date; nothing is written.
        """
        return self.create("acknowledgement", programme_id, {
            "rule": finding.rule, "kind": finding.kind, "record_id": finding.record_id,
            "record_version": finding.record_version, "reason": reason, "until": until,
            "actor": self.user, "at": utc_now_iso(),
        })

    def history(
        self,
        programme_id: int | None = None,
        *,
        kind: str | None = None,
        record_id: int | None = None,
        limit: int | None = None,
    ) -> list[records.HistoryRecord]:
        """The audit trail, newest first, optionally for one record."""
        # HistoryRecord keeps the name ``user`` for the column ``actor``.
        sql = "SELECT id, programme_id, at, actor, kind, record_id, record_label, action, field, old_value, new_value FROM history"
        clauses, params = [], []
        if programme_id is not None:
            clauses.append("programme_id = ?")
            params.append(programme_id)
        if kind is not None:
            clauses.append("kind = ?")
            params.append(kind)
        if record_id is not None:
            clauses.append("record_id = ?")
            params.append(record_id)
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        fields = records.HistoryRecord._fields
        shared = tuple(fields.index(name) for name in ("at", "user", "kind", "action", "field"))
        return self._read(sql, tuple(params), make=records.HistoryRecord._make, shared=shared)

    def history_after(self, programme_id: int, after_id: int) -> list[records.HistoryRecord]:
        """A programme's history rows newer than ``after_id``, oldest first (what changed since a board)."""
        # Handed over whole (23,000 rows at 100k, read in a thread beside the screen's: row
        # by row, each step would wait for Python's lock), without sharing repeated values:
        # these rows are folded and let go at once.
        (rows,) = self._read_many_whole([(
            "SELECT id, programme_id, at, actor, kind, record_id, record_label, action, field, old_value, new_value"
            " FROM history WHERE programme_id = ? AND id > ? ORDER BY id",
            (programme_id, after_id), len(records.HistoryRecord._fields),
        )])
        return list(map(records.HistoryRecord._make, rows))

    def history_id_before(self, programme_id: int, at: str) -> int:
        """The newest history id of a programme stamped before ``at`` (ISO UTC text), 0 if none:
        where "changes since a date" begin."""
        rows = self._read("SELECT max(id) FROM history WHERE programme_id = ? AND at < ?", (programme_id, at))
        return rows[0][0] or 0

    def board_snapshots(self, programme_id: int, *, figures: bool = True) -> list[records.BoardSnapshotRecord]:
        """A programme's board snapshots, oldest first (one query); ``figures`` False leaves
        each one's figures empty (megabytes each at 100k: :meth:`board_snapshot_figures`
        reads the one wanted)."""
        kept = "figures" if figures else "''"
        return self._read(
            f"SELECT id, programme_id, at, actor, label, reporting_date, source, last_history_id, {kept}"
            " FROM board_snapshot WHERE programme_id = ? ORDER BY id",
            (programme_id,), make=records.BoardSnapshotRecord._make,
        )

    def board_snapshot_figures(self, snapshot_id: int) -> str:
        """The JSON text of one board snapshot's figures ("" when there is no such snapshot)."""
        rows = self._read("SELECT figures FROM board_snapshot WHERE id = ?", (snapshot_id,))
        return (rows[0][0] or "") if rows else ""

    def record_board_snapshot(self, programme_id: int, *, label: str, reporting_date: str, source: str,
                              figures: str) -> int:
        """Record what a board is shown, with a history row "board marked", in one transaction.

        Not undoable: it is a fact about what was shown, not an edit. ``last_history_id``
        is that history row's id, so the changes since are the rows after it.

        Args:
            label: what the board is called ("Board 14 May"), may be empty.
            reporting_date: ISO date the figures were judged on.
            source: "mark", or "export:<format>".
            figures: the JSON text of the verdicts, figures and finding keys.

        Raises:
            StoreError: no such programme, a label too long, read-only, or the database refused
                (nothing written).
        """
        from .text import clean_text

        programme = kind_of("programme")
        label = clean_text(label or "").strip()
        if len(label) > BOARD_LABEL_LIMIT:
            raise StoreError(f"a board's label is at most {BOARD_LABEL_LIMIT} characters (this one has {len(label)});"
                             " nothing was recorded")
        with self.transaction():
            row = self._row(programme, programme_id)
            if row is None:
                raise StoreError(f"no programme with id {programme_id}")
            note = f"board marked: {label}" if label else "board marked"
            self._history(programme, programme_id, programme_id, programme.describe(row), "board",
                          new=f"{note} ({source})")
            head, _ = self._history_head()
            snapshot_id = self.backend.insert(
                "INSERT INTO board_snapshot(programme_id, at, actor, label, reporting_date, source, last_history_id,"
                " figures) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (programme_id, self.now, self.user, label, reporting_date, source, head, figures),
            )
        return snapshot_id

    def last_change(self, kind: str, record_id: int, field: str) -> records.HistoryRecord | None:
        """The newest history row that changed one field of one record, or ``None``.

        Who changed it and when, for the conflict screen (one query).

        Args:
            kind: the record's kind (``"deliverable"``).
            record_id: the record's id.
            field: the field's internal name (``"approved_by"``).
        """
        rows = self._read(
            "SELECT id, programme_id, at, actor, kind, record_id, record_label, action, field, old_value, new_value"
            " FROM history WHERE kind = ? AND record_id = ? AND field = ? ORDER BY id DESC LIMIT 1",
            (kind, record_id, field), make=records.HistoryRecord._make,
        )
        return rows[0] if rows else None

    def last_programme_id(self) -> int | None:
        """The programme this database was last opened on, if any still exists (one query)."""
        (remembered, last, first), = self._read(
            "SELECT (SELECT value FROM meta WHERE key = 'last_programme'),"
            " (SELECT programme.id FROM programme JOIN meta ON meta.key = 'last_programme'"
            "  AND CAST(programme.id AS VARCHAR) = meta.value),"
            " (SELECT min(id) FROM programme)"
        )
        self._remembered = remembered
        return last if last is not None else first

    def database_id(self) -> str | None:
        """This database's own id: a random token in ``meta``, made by its first write
        (never by a read, nor in a read-only open), so a CSV exported from one database is
        not applied by id to another whose ids collide. None until then.

        A copy of the file (a backup) is the same database and has the same id.
        """
        if self._database_id is None:
            rows = self._read("SELECT value FROM meta WHERE key = ?", (DATABASE_ID_KEY,))
            self._database_id = rows[0][0] if rows else None
        return self._database_id

    def revision(self) -> str | None:
        """What names the data as it is now, for work kept between sessions
        (:mod:`assure.models.kept`): the token each write transaction sets, with the history
        chain's head (an older release's writes, which set no token, move it too).

        None until this release has written to the database: nothing may be kept for it.
        """
        rows = dict(self._read("SELECT key, value FROM meta WHERE key IN (?, ?)", (REVISION_KEY, HEAD_KEY)))
        if not rows.get(REVISION_KEY):
            return None
        return f"{rows[REVISION_KEY]}|{rows.get(HEAD_KEY) or ''}"

    def _ensure_database_id(self) -> str:
        """Inside a write: the database's id, made now if it has none (two sessions making
        one at once keep the first)."""
        self.backend.execute("INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING",
                             (DATABASE_ID_KEY, new_database_id()))
        return self.backend.execute("SELECT value FROM meta WHERE key = ?", (DATABASE_ID_KEY,)).fetchone()[0]

    def remember_programme(self, programme_id: int) -> None:
        """Remember the programme last used (a preference, not audited; skipped when read-only)."""
        if self.read_only:
            return
        try:
            if self._remembered is _UNSET:
                stored = self._read("SELECT value FROM meta WHERE key = 'last_programme'")
                self._remembered = stored[0][0] if stored else None
            if self._remembered == str(programme_id):
                return  # unchanged: no write, so colleagues' dashboards are not told to reload
            with self.transaction(revise=False):
                self.backend.execute(
                    "INSERT INTO meta(key, value) VALUES ('last_programme', ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(programme_id),),
                )
            self._remembered = str(programme_id)
        except StoreError:
            pass  # a preference is not worth an error

    def column_rows(self, kind_name: str, programme_id: int, *columns: str) -> list[tuple]:
        """Some columns of every record of one type in a programme (for checks before a bulk write)."""
        kind = kind_of(kind_name)
        names = ", ".join(columns)
        return self._read(f"SELECT {names} FROM {kind.table} WHERE programme_id = ?", (programme_id,))

    def programme_id_by_code(self, code: str) -> int | None:
        """The id of the programme with exactly this code, if any."""
        rows = self._read("SELECT id FROM programme WHERE code = ?", (code,))
        return rows[0][0] if rows else None

    def programme_figures(self, programme_id: int, today: str) -> dict[str, list[tuple]]:
        """The raw counts behind :func:`assure.models.summary.programme_summary`: a few
        aggregate queries, whatever the size of the programme.

        Args:
            today: the clock's ISO date; an open action due before the reporting date
                (the programme's as_of, else today) is overdue.

        Returns:
            ``outcome_status`` (status, n), ``outcome_done`` (outcome id, total, done),
            ``outcomes`` (id, number, title, status), ``deliverable_status`` (status, n),
            ``risk_cells`` (likelihood, impact, n) and ``risk_kinds`` (kind, n) of open risks,
            ``actions`` one (total, open, overdue) row; ``raci`` one (roles, transition roles)
            row; ``programme`` the programme's
            record (none if it does not exist).
        """
        from . import vocab
        from .judgement import overdue_sql

        pid = (programme_id,)
        # The reporting date (see judgement.reporting_date), worked out in the query.
        on = "COALESCE((SELECT p.as_of FROM programme p WHERE p.id = action.programme_id), ?)"
        done, open_risks, open_actions = (_in(vocab.DELIVERABLE_DONE), _in(vocab.RISK_OPEN), _in(vocab.ACTION_OPEN))
        programme = kind_of("programme")
        statements = {
            "programme": (f"{programme.select} WHERE programme.id = ?", pid),
            "outcome_status": ("SELECT status, count(*) FROM outcome WHERE programme_id = ? GROUP BY status", pid),
            "outcome_done": (
                f"SELECT outcome_id, count(*), count(*) FILTER (WHERE status IN ({done})) FROM deliverable"
                " WHERE programme_id = ? AND outcome_id IS NOT NULL GROUP BY outcome_id",
                pid,
            ),
            "outcomes": (
                "SELECT id, number, title, status FROM outcome WHERE programme_id = ? ORDER BY number, id", pid
            ),
            "deliverable_status": (
                "SELECT status, count(*) FROM deliverable WHERE programme_id = ? GROUP BY status", pid
            ),
            "risk_cells": (
                f"SELECT likelihood, impact, count(*) FROM risk WHERE programme_id = ? AND status IN ({open_risks})"
                " GROUP BY likelihood, impact",
                pid,
            ),
            "risk_kinds": (
                f"SELECT kind, count(*) FROM risk WHERE programme_id = ? AND status IN ({open_risks}) GROUP BY kind",
                pid,
            ),
            "raci": (_RACI_WORDS_SQL, (_TRANSITION, programme_id)),
            "actions": (
                f"SELECT count(*), count(*) FILTER (WHERE status IN ({open_actions})),"
                f" count(*) FILTER (WHERE {overdue_sql(open_actions, on)})"
                " FROM action WHERE programme_id = ?",
                (today, programme_id),
            ),
        }
        results = self._read_many(list(statements.values()))
        figures = dict(zip(statements, results))
        figures["programme"] = [programme.record._make(row) for row in figures["programme"]]
        return figures

    def deliverable_facts(self, programme_id: int, *, on: str, today: str, start: str | None,
                          end: str | None, parts: Collection[str] = DELIVERABLE_FACTS) -> dict[str, list]:
        """What the deliverable rules need, without reading every deliverable: one batch of
        queries over the register's indexes (:mod:`assure.models.rules` re-checks each row).

        Args:
            on: the reporting date (ISO); today: the clock's (ISO); start, end: the programme's dates.
            parts: which of :data:`DELIVERABLE_FACTS` to read (``approvers`` gives both
                ``signed_by`` and ``named``), so that parts can be read on connections of
                their own at once.

        Returns:
            ``flagged``: the records that may break a sign-off, owner or baseline rule (a
            superset: blank approver, no date, dated after ``on``/``today`` or outside
            ``start``..``end``, or forecast after a baseline); ``duplicates``: every record
            whose title key another shares; ``signed_by`` (approved_by, n, first id) of
            signed-off ones; ``named`` (approved_by, n, first id) of every one;
            ``by_outcome`` (outcome id, status, n) of every one with an outcome (how many
            each outcome has, and how many of them are open).
        """
        from . import vocab

        # The outcome's number is put in here, and the rows in the register's order (by it),
        # rather than by a join and a sort in the query: a third of the engine's time. (An
        # ORDER BY id would also lead SQLite to read the duplicates by id, not title key.)
        columns = ", ".join(f"deliverable.{name}" if name != "outcome_number" else "deliverable.outcome_id"
                            for name in FlaggedDeliverable._fields)
        select = f"SELECT {columns} FROM deliverable"
        done = _in(vocab.DELIVERABLE_DONE)
        blank = "(deliverable.approved_by IS NULL OR trim(deliverable.approved_by) = '')"
        undated = "(deliverable.date IS NULL OR CAST(deliverable.date AS VARCHAR) = '')"
        # "+programme_id" reads the table in order (a scan) rather than row by row through
        # an index on programme_id: five times faster for a 100k register, the same result.
        flagged = (
            f"{select} WHERE +deliverable.programme_id = ? AND ("
            f" (deliverable.status = 'Signed Off' AND ({blank} OR {undated} OR deliverable.date > ? OR deliverable.date > ?"
            + (" OR deliverable.date < ?" if start else "") + (" OR deliverable.date > ?" if end else "") + "))"
            f" OR (deliverable.status NOT IN ({done}) AND ({blank} OR (deliverable.baseline_date IS NOT NULL"
            " AND deliverable.date > deliverable.baseline_date))))"
        )
        flagged_params = (programme_id, on, today, *((start,) if start else ()), *((end,) if end else ()))
        width = len(FlaggedDeliverable._fields)
        statements = {
            "flagged": (flagged, flagged_params, width),
            "duplicates": (
                f"{select} WHERE deliverable.programme_id = ? AND deliverable.title_key IN"
                " (SELECT title_key FROM deliverable WHERE programme_id = ? GROUP BY title_key HAVING count(*) > 1)",
                (programme_id, programme_id), width,
            ),
            # Every programme's: what a join would find, whatever outcome a row names.
            "numbers": ("SELECT id, number FROM outcome", (), 2),
            # Over the covering index deliverable_programme_approver: every one, then the signed off.
            "approvers": (
                # FILTER rather than CASE: a third less of the engine's time over 100k rows.
                "SELECT approved_by, count(*), min(id), count(*) FILTER (WHERE status = 'Signed Off'),"
                " min(id) FILTER (WHERE status = 'Signed Off') FROM deliverable WHERE programme_id = ?"
                " AND approved_by IS NOT NULL GROUP BY approved_by ORDER BY approved_by",
                (programme_id,), 5,
            ),
            "by_outcome": (
                "SELECT outcome_id, status, count(*) FROM deliverable WHERE programme_id = ?"
                " AND outcome_id IS NOT NULL GROUP BY outcome_id, status",
                (programme_id,), 3,
            ),
        }
        unknown = set(parts) - set(DELIVERABLE_FACTS)
        if unknown:
            raise KeyError(f"no deliverable facts {sorted(unknown)!r}")
        needed = set(parts) | ({"numbers"} if {"flagged", "duplicates"} & set(parts) else set())
        wanted = [name for name in statements if name in needed]
        results = dict(zip(wanted, self._read_many_whole([statements[name] for name in wanted])))
        numbers = dict(results.pop("numbers", ()))
        for name in ("flagged", "duplicates"):
            if name in results:
                rows = [FlaggedDeliverable(row[0], numbers.get(row[1]), *row[2:]) for row in results[name]]
                rows.sort(key=_in_register_order)
                results[name] = rows
        if "approvers" in results:
            approvers = results.pop("approvers")
            results["named"] = [(approved_by, count, first) for approved_by, count, first, _, _ in approvers]
            results["signed_by"] = [(approved_by, signed, first) for approved_by, _, _, signed, first in approvers
                                    if signed]
        return results

    def register_facts(self, programme_id: int) -> dict[str, Any]:
        """What the risk, action and person rules need, without reading every record: one
        batch of queries.

        Returns:
            ``risks``: the open risks and issues (:class:`OpenRisk`) and ``actions`` the open
            actions (:class:`OpenAction`), each in its register's order; ``outcomes`` every
            outcome (:class:`OutcomeHeading`), in the register's order; ``named``: kind ->
            (name as stored, n, first id) per distinct value of the column that names people
            (:data:`_NAMED_BY`), by first id.
        """
        from . import vocab

        pid = (programme_id,)
        statements: dict[str, tuple[str, tuple, int]] = {}
        for name, projection, kind_name, open_statuses in (
            ("risks", OpenRisk, "risk", vocab.RISK_OPEN), ("actions", OpenAction, "action", vocab.ACTION_OPEN),
        ):
            kind = kind_of(kind_name)
            columns = ", ".join(f"{kind.table}.{field}" for field in projection._fields)
            statements[name] = (
                f"SELECT {columns} FROM {kind.table} WHERE {kind.table}.programme_id = ?"
                f" AND {kind.table}.status IN ({_in(open_statuses)}) ORDER BY {self._order(kind)}",
                pid, len(projection._fields),
            )
        # Without the deliverable counts an outcome's record carries: the rules count them apart.
        statements["outcomes"] = (f"SELECT {', '.join(OutcomeHeading._fields)} FROM outcome WHERE programme_id = ?"
                                  f" ORDER BY {self._order(kind_of('outcome'))}", pid, len(OutcomeHeading._fields))
        for kind_name, column in _NAMED_BY.items():
            kind = kind_of(kind_name)
            statements[kind_name] = (
                f"SELECT {column}, count(*), min(id) FROM {kind.table} WHERE programme_id = ?"
                f" GROUP BY {column} ORDER BY min(id)",
                pid, 3,
            )
        results = dict(zip(statements, self._read_many_whole(list(statements.values()))))
        return {
            "risks": [OpenRisk._make(row) for row in results["risks"]],
            "actions": [OpenAction._make(row) for row in results["actions"]],
            "outcomes": [OutcomeHeading._make(row) for row in results["outcomes"]],
            "named": {kind_name: results[kind_name] for kind_name in _NAMED_BY},
        }

    def vocabulary_figures(self, programme_id: int) -> tuple[int, int, list[str]]:
        """What :func:`assure.models.vocab.programme_words` needs: RACI rows, those naming a
        transition, and the distinct deliverable statuses (two small queries, one round trip)."""
        raci, statuses = self._read_many([
            (_RACI_WORDS_SQL, (_TRANSITION, programme_id)),
            ("SELECT DISTINCT status FROM deliverable WHERE programme_id = ?", (programme_id,)),
        ])
        return raci[0][0], raci[0][1], [row[0] for row in statuses]

    def default_backup_path(self) -> Path:
        """Where ``assure backup`` writes when given no file name: beside the database.

        ``assure-backup-2026-12-01T0930.db`` (local time) in the database's folder, with
        ``-2``, ``-3``… added when that name is taken: an existing file is never replaced.
        Only for a SQLite database (a PostgreSQL one is backed up with ``pg_dump``).
        """
        from .dates import local_now

        folder = Path(self.location.path).absolute().parent
        stem = f"assure-backup-{local_now().strftime('%Y-%m-%dT%H%M')}"
        candidate, number = folder / f"{stem}.db", 1
        while candidate.exists() or candidate.is_symlink():
            number += 1
            candidate = folder / f"{stem}-{number}.db"
        return candidate

    def backup(self, destination: str | os.PathLike | None) -> str:
        """Copy the database to a new file while it may be in use; return what was checked.

        SQLite uses the online backup API and checks the copy's integrity; a PostgreSQL
        database is refused with a line saying to use ``pg_dump``.

        Raises:
            StoreError: one line; no partial copy is left behind.
        """
        if not self.location.is_sqlite:
            return self.backend.backup(Path(destination) if destination is not None else None)
        target = Path(destination)
        if target.exists():
            raise StoreError(f"{target}: already exists; choose a new file name")
        if not target.parent.is_dir():
            raise StoreError(f"{target}: folder {target.parent} does not exist")
        return self.backend.backup(target)

    # -- writing ---------------------------------------------------------------------

    @contextmanager
    def transaction(self, *, revise: bool = True) -> Iterator[Backend]:
        """One write transaction that starts as a writer and commits or rolls back whole.

        Yields the backend (its ``execute`` takes portable SQL with ``?`` placeholders) for
        tests and maintenance; the application writes through the store's methods.

        Args:
            revise: False only for a preference nothing is judged by (the programme last
                used): the data keeps its revision (:meth:`revision`).
        """
        if self.read_only:
            if self.read_only_reason:
                raise ReadOnlyError(f"{self.read_only_reason}; nothing was changed")
            raise ReadOnlyError(f"{self.location}: opened read-only; nothing was changed")
        self.backend.begin_write()
        #: When this transaction's changes happened, for every row it stamps.
        self.now = utc_now_iso()
        try:
            # The first write of a database gives it its id (one read per session after that).
            made = self._ensure_database_id() if self._database_id is None else None
            yield self.backend
            if revise:
                # A new token for the data as it is after this write: work kept for the data
                # as it was (the kept judgement) no longer matches.
                self.backend.execute(
                    "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (REVISION_KEY, os.urandom(8).hex()),
                )
            self.backend.commit()
            if made is not None:
                self._database_id = made  # only once committed: a rolled-back write made nothing
        except self.backend.Error as error:
            # A full disk, an I/O error or a lock held too long inside the transaction: say
            # so, never a raw driver error.
            self._rollback()
            if self.backend.is_busy(error):
                raise StoreBusy(
                    f"{self.location}: the database is busy (another session is saving); nothing was changed, try again"
                ) from None
            raise StoreError(f"{self.location}: could not save ({self.backend.describe(error)}); nothing was changed") from None
        except BaseException:
            self._rollback()
            raise

    def _rollback(self) -> None:
        self.backend.rollback()

    def _row(self, kind: Kind, record_id: int, *, lock: bool = False) -> dict[str, Any] | None:
        """A record's stored values; ``lock`` (inside a write) holds it until the commit."""
        cursor = self.backend.execute(
            f"SELECT * FROM {kind.table} WHERE id = ?" + (self.backend.for_update if lock else ""), (record_id,)
        )
        row = cursor.fetchone()
        if row is None:
            return None
        return dict(zip((column[0] for column in cursor.description), row))

    def _history_head(self) -> tuple[int, str]:
        """The chain head (the newest history row's id and hash), inside a write transaction.

        The one place the head is read before a history row is written: on SQLite
        ``BEGIN IMMEDIATE`` already serialises writers; a PostgreSQL backend locks this
        row here (``SELECT ... FOR UPDATE``).
        """
        row = self.backend.execute(
            "SELECT value FROM meta WHERE key = ?" + self.backend.for_update, (HEAD_KEY,)
        ).fetchone()
        head = parse_head(row[0] if row else None)
        return head if head is not None else (0, GENESIS)

    def _history(
        self, kind: Kind, programme_id: int | None, record_id: int, label: str, action: str,
        field: str | None = None, old: Any = None, new: Any = None,
    ) -> None:
        _, prev = self._history_head()
        # The time is this store's own clock, one stamp per transaction: never a caller's.
        values = (programme_id, self.now, self.user, kind.name, record_id, label, action, field,
                  _history_text(old), _history_text(new))
        row_id = self.backend.insert(
            "INSERT INTO history(programme_id, at, actor, kind, record_id, record_label, action, field, old_value,"
            " new_value, prev_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (*values, prev),
        )
        # The hash covers the id, known only once the row is in: same transaction, so never seen half-made.
        hash_ = row_hash(prev, (row_id, *values))
        self.backend.execute("UPDATE history SET hash = ? WHERE id = ?", (hash_, row_id))
        self.backend.execute("UPDATE meta SET value = ? WHERE key = ?", (format_head(row_id, hash_), HEAD_KEY))

    def verify_history(self) -> Verdict:
        """Check the history's hash chain: the first broken, missing or inserted link, if any.

        Reads every history row (hashing is cheap: about a second per million rows).
        """
        try:
            head = self.backend.execute("SELECT value FROM meta WHERE key = ?", (HEAD_KEY,)).fetchone()
            cursor = self.backend.execute(f"SELECT {', '.join(CHAIN_FIELDS)}, prev_hash, hash FROM history ORDER BY id")
            return verify_chain(iter(cursor), head[0] if head else None)
        except self.backend.Error as error:
            raise StoreError(f"{self.location}: {self.backend.describe(error)}") from None

    def _check_references(self, kind: Kind, programme_id: int | None, values: dict[str, Any]) -> None:
        for reference in kind.references:
            value = values.get(reference.field)
            if value is None:
                continue
            target = KINDS[reference.target]
            row = self.backend.execute(f"SELECT programme_id FROM {target.table} WHERE id = ?", (value,)).fetchone()
            if row is None or (programme_id is not None and row[0] != programme_id):
                from .inputs import InvalidInput

                raise InvalidInput({reference.field: f"no such {target.noun} in this programme"})

    def _check_unique(self, kind: Kind, programme_id: int | None, record_id: int | None, values: dict[str, Any]) -> None:
        """Refuse a risk ref another risk of the programme already has (case ignored).

        Checked inside the write transaction, so two sessions cannot both win. A UNIQUE
        index would need a schema migration (and a case-folding one, SQLite's NOCASE is
        ASCII only); until then this check, the CSV and the JSON import all use
        :func:`~assure.models.inputs.risk_ref_key`.
        """
        if kind.name == "verdict":
            # One override per programme or outcome: checked inside the write, so two sessions cannot both add one.
            outcome_id = values.get("outcome_id")
            rows = self.backend.execute(
                "SELECT id, outcome_id FROM verdict_override WHERE programme_id = ?", (programme_id,)).fetchall()
            if any(other != record_id and other_outcome == outcome_id for other, other_outcome in rows):
                from .inputs import DuplicateValue

                raise DuplicateValue({"outcome_id": "this verdict is already overridden: change that override instead"})
            return
        if kind.name != "risk" or values.get("ref") is None:
            return
        from .inputs import DuplicateValue, risk_ref_key

        key = risk_ref_key(values["ref"])
        for other_id, ref in self.backend.execute("SELECT id, ref FROM risk WHERE programme_id = ?", (programme_id,)):
            if other_id != record_id and isinstance(ref, str) and risk_ref_key(ref) == key:
                raise DuplicateValue({"ref": f"{values['ref']!r} is already used by a risk in this programme"})

    def create(self, kind_name: str, programme_id: int | None, data: dict[str, Any]) -> int:
        """Validate and insert a record, with its history row; return its id.

        Raises:
            InvalidInput: a field is bad (nothing written).
            StoreError: the database refused (nothing written).
        """
        from .inputs import validate_record

        kind = kind_of(kind_name)
        values = validate_record(kind.name, data)
        with self.transaction():
            self._check_references(kind, programme_id, values)
            self._check_unique(kind, programme_id, None, values)
            row = {**values, "updated_at": self.now, "version": 1}
            if kind.name != "programme":
                row["programme_id"] = programme_id
            record_id = self._insert(kind, row)
            if kind.name == "programme":
                programme_id = record_id
            label = kind.describe(row)
            self._history(kind, programme_id, record_id, label, "create", new=json.dumps(_jsonable(row)))
        self.undo_stack.append(Change("create", kind.name, record_id, label, row={**row, "id": record_id}))
        return record_id

    def insert_record(self, kind_name: str, row: dict[str, Any]) -> int:
        """Insert already-validated values inside an open :meth:`transaction`; return the id.

        For bulk writers (seed, import) that validate every row first and write their own
        history summary. Dates may be ``date`` objects; they are stored as ISO text.
        """
        return self._insert(kind_of(kind_name), row)

    def write_history(
        self, kind_name: str, programme_id: int | None, record_id: int | None, label: str, action: str, *,
        field: str | None = None, old: Any = None, new: Any = None,
    ) -> None:
        """Add one history row inside an open :meth:`transaction`, as this login, now."""
        self._history(kind_of(kind_name), programme_id, record_id, label, action, field, old, new)

    def overwrite_record(self, kind_name: str, record_id: int, values: dict[str, Any], *, updated_at: str) -> None:
        """Set already-validated fields inside an open :meth:`transaction` (bulk writers: a
        replaced programme keeps its id), bumping the version; the caller writes history."""
        kind = kind_of(kind_name)
        values = {**values, **_derived(kind, values)}
        assignments = ", ".join(f"{name} = ?" for name in values)
        self.backend.execute(
            f"UPDATE {kind.table} SET {assignments}, version = version + 1, updated_at = ? WHERE id = ?",
            (*(_db_value(value) for value in values.values()), updated_at, record_id),
        )

    def update_record(self, kind_name: str, programme_id: int, record_id: int, values: dict[str, Any], *,
                      expected: dict[str, Any] | None) -> Change:
        """Apply already-validated changes to one record inside an open :meth:`transaction`,
        with a history row per changed field (bulk writers: a CSV of corrections).

        ``expected`` is as for :meth:`update`: each stored value that differs from it is a
        :class:`Conflict` and the caller's transaction should roll back. A record that is
        gone, or belongs to another programme, raises :class:`RecordGone`. Fields whose value
        is unchanged are not written and leave no history. Not added to the undo list.
        """
        if expected is not None and any(name not in expected for name in values):
            raise ValueError("expected must name every field the save writes")
        return self._apply_in_transaction(kind_of(kind_name), record_id, values, expected,
                                          programme_id=programme_id)

    def record_history(self, kind_name: str, record_ids: Collection[int]) -> dict[int, list[records.HistoryRecord]]:
        """The history rows of some records of one type, newest first, by record id.

        For working out what a colleague changed since an export (a few records at a time:
        the ids are sent in batches).
        """
        ids = sorted(set(record_ids))
        found: dict[int, list[records.HistoryRecord]] = {record_id: [] for record_id in ids}
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            rows = self._read(
                "SELECT id, programme_id, at, actor, kind, record_id, record_label, action, field, old_value, new_value"
                f" FROM history WHERE kind = ? AND record_id IN ({', '.join('?' for _ in batch)}) ORDER BY id DESC",
                (kind_name, *batch), make=records.HistoryRecord._make,
            )
            for row in rows:
                found[row.record_id].append(row)
        return found

    def programmes_of(self, kind_name: str, record_ids: Collection[int]) -> dict[int, int]:
        """Record id -> its programme's id, for those of ``record_ids`` that exist at all."""
        kind = kind_of(kind_name)
        ids = sorted(set(record_ids))
        owners: dict[int, int] = {}
        for start in range(0, len(ids), 500):
            batch = ids[start:start + 500]
            owners.update(self._read(
                f"SELECT id, programme_id FROM {kind.table} WHERE id IN ({', '.join('?' for _ in batch)})", tuple(batch)))
        return owners

    def delete_programme_records(self, programme_id: int, *, keep_programme: bool = False) -> None:
        """Delete every record of a programme inside an open :meth:`transaction` (a replace or
        a bulk load writes its own history summary)."""
        # Children first: deliverables and progress refer to outcomes with RESTRICT.
        for name in DELETE_ORDER:
            self.backend.execute(f"DELETE FROM {KINDS[name].table} WHERE programme_id = ?", (programme_id,))
        if not keep_programme:
            # A SQLite connection may not enforce the cascade: the snapshots go explicitly.
            self.backend.execute("DELETE FROM board_snapshot WHERE programme_id = ?", (programme_id,))
            self.backend.execute("DELETE FROM programme WHERE id = ?", (programme_id,))

    def _insert(self, kind: Kind, row: dict[str, Any]) -> int:
        row = {**row, **_derived(kind, row)}
        columns = list(row)
        try:
            return self.backend.insert(
                f"INSERT INTO {kind.table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                tuple(_db_value(row[column]) for column in columns),
            )
        except self.backend.Error as error:
            reason = self.backend.integrity(error)
            if reason is None:
                raise
            raise StoreError(f"{self.location}: {kind.label} not saved: {reason}") from None

    def update(self, kind_name: str, record_id: int, changes: dict[str, Any], *, expected: dict[str, Any] | None = None) -> Change:
        """Validate and apply changes to one record in one transaction, with history.

        Args:
            changes: field -> new value (as typed; validated here).
            expected: field -> the value the user saw. When given, it must name every field
                in ``changes``; each stored value that differs from it (and from the new
                value) is a conflict, all of them reported in one :class:`Conflict`, and
                nothing is written. None writes without checking (scripts, the CLI).

        Raises:
            InvalidInput, Conflict, RecordGone, StoreError: nothing is written.
            ValueError: ``expected`` leaves out a field the save writes (a programming error).
        """
        from .inputs import validate_changes

        kind = kind_of(kind_name)
        cleaned = validate_changes(kind.name, changes)
        change = self._apply(kind, record_id, cleaned, expected)
        if change.fields:
            self.undo_stack.append(change)
        return change

    def _apply(self, kind: Kind, record_id: int, values: dict[str, Any], expected: dict[str, Any] | None,
               action: str = "update") -> Change:
        """Write ``values`` with history rows of ``action`` ("update", or "undo" when an undo
        restores them, so the history can say which changes were taken back)."""
        if expected is not None:
            unchecked = [name for name in values if name not in expected]
            if unchecked:
                # A write over a field nobody compared is how a colleague's change is lost unseen.
                raise ValueError(f"expected must name every field the save writes; missing: {', '.join(unchecked)}")
        with self.transaction():
            return self._apply_in_transaction(kind, record_id, values, expected, action)

    def _apply_in_transaction(self, kind: Kind, record_id: int, values: dict[str, Any],
                              expected: dict[str, Any] | None, action: str = "update",
                              programme_id: int | None = None) -> Change:
        """The body of :meth:`_apply`, inside an open transaction (``programme_id``: the
        record must belong to it, else it counts as gone)."""
        current = self._row(kind, record_id, lock=True)
        if current is None or (programme_id is not None and current.get("programme_id") != programme_id):
            raise RecordGone(f"{kind.label} #{record_id} no longer exists (deleted by someone else?)")
        conflicts: dict[str, tuple[Any, Any, Any]] = {}
        for name, seen in (expected or {}).items():
            if name not in current or name in {"id", "programme_id", "version", "updated_at"}:
                from .inputs import InvalidInput

                raise InvalidInput({name: "is not a field of this record"})
            stored = _history_text(current[name])
            if stored == _history_text(seen):
                continue
            conflicts[name] = (_db_value(values.get(name, seen)), current[name], seen)
        if conflicts:
            order = {name: index for index, name in enumerate(kind.field_names)}
            raise Conflict(kind, record_id, dict(sorted(conflicts.items(), key=lambda item: order.get(item[0], 0))))
        programme_id = current["id"] if kind.name == "programme" else current["programme_id"]
        self._check_references(kind, programme_id, values)
        self._check_unique(kind, programme_id, record_id, values)
        return self._write_fields(kind, current, values, action)

    def _write_fields(self, kind: Kind, current: dict[str, Any], values: dict[str, Any], action: str = "update") -> Change:
        """Inside a write: set the fields of ``values`` that differ from ``current`` (the row
        as re-read and locked), bump the version and write a history row per field."""
        record_id = current["id"]
        programme_id = current["id"] if kind.name == "programme" else current["programme_id"]
        changed = {
            name: (current[name], _db_value(value))
            for name, value in values.items()
            if _history_text(current[name]) != _history_text(value)
        }
        label = kind.describe({**current, **{name: new for name, (_, new) in changed.items()}})
        if changed:
            # Derived columns (a deliverable's title_key) follow the fields they come from; no history of their own.
            derived = _derived(kind, {name: new for name, (_, new) in changed.items()})
            assignments = ", ".join(f"{name} = ?" for name in [*changed, *derived])
            try:
                self.backend.execute(
                    f"UPDATE {kind.table} SET {assignments}, version = version + 1, updated_at = ? WHERE id = ?",
                    (*(new for _, new in changed.values()), *derived.values(), self.now, record_id),
                )
            except self.backend.Error as error:
                reason = self.backend.integrity(error)
                if reason is None:
                    raise
                raise StoreError(f"{self.location}: {kind.label} not saved: {reason}") from None
            for name, (old, new) in changed.items():
                self._history(kind, programme_id, record_id, label, action, name, old, new)
        return Change("update", kind.name, record_id, label, fields=changed)

    def delete(self, kind_name: str, record_id: int) -> Change:
        """Delete one record, keeping the whole of it in the history so it can be undone.

        Raises:
            InUse: other records depend on it (nothing deleted).
            RecordGone: it was already deleted.
        """
        kind = kind_of(kind_name)
        with self.transaction():
            current = self._row(kind, record_id, lock=True)
            if current is None:
                raise RecordGone(f"{kind.label} #{record_id} no longer exists")
            self._check_dependants(kind, record_id)
            label = kind.describe(current)
            programme_id = None if kind.name == "programme" else current["programme_id"]
            self.backend.execute(f"DELETE FROM {kind.table} WHERE id = ?", (record_id,))
            self._history(kind, programme_id, record_id, label, "delete", old=json.dumps(_jsonable(current)))
        change = Change("delete", kind.name, record_id, label, row=current)
        self.undo_stack.append(change)
        return change

    def _check_unchanged(self, kind: Kind, change: Change, current: dict[str, Any]) -> None:
        """Refuse to undo a create when the record now differs from what this session made.

        Someone else edited it meanwhile, or deleted it and a new record took its id.
        """
        made = change.row or {}
        differing = {
            name: (made[name], current[name], made[name])
            for name in ("programme_id", *kind.field_names)
            if name in made and name in current and _history_text(current[name]) != _history_text(made[name])
        }
        if differing:
            raise Conflict(kind, change.record_id, differing)

    def _check_dependants(self, kind: Kind, record_id: int) -> None:
        # Every record that refers to it, from the declarations' references: a cascade would
        # delete them without history or undo.
        for other, column in DEPENDANTS[kind.name]:
            dependant = KINDS[other]
            count = self.backend.execute(
                f"SELECT count(*) FROM {dependant.table} WHERE {column} = ?", (record_id,)).fetchone()[0]
            if count:
                noun = dependant.noun + ("s" if count != 1 else "")
                raise InUse(f"{kind.label} is used by {count} {noun}: move or delete those first")

    def undo(self, *, overwrite: dict[str, Any] | None = None, keep: Collection[str] = ()) -> Change | None:
        """Undo this session's last change, as a new change in the history.

        After a :class:`Conflict` the user chooses field by field and undo is called again
        with the choices: for an update, ``overwrite`` names the fields to restore over a
        colleague's value (field -> the value the user was shown as now stored, so a third
        change since is caught again) and ``keep`` the fields to leave as the colleague has
        them. Keeping every field writes nothing. :meth:`drop_undo` skips the change instead.

        Returns:
            The change that was undone, or None when there is nothing left to undo.

        Raises:
            Conflict: someone else changed the field (or the record this session created)
                since; nothing is written and the change stays on the stack.
            StoreError: a deleted record cannot be restored because another record now has
                its id; nothing is written and the change stays on the stack.
            RecordGone: the updated record was deleted since; the change leaves the stack.
        """
        if not self.undo_stack:
            return None
        change = self.undo_stack[-1]
        kind = KINDS[change.kind]
        if change.action == "update":
            restore = {name: old for name, (old, _) in change.fields.items() if name not in keep}
            expected = {name: new for name, (_, new) in change.fields.items() if name in restore}
            expected.update({name: seen for name, seen in (overwrite or {}).items() if name in restore})
            try:
                if restore:
                    self._apply(kind, change.record_id, restore, expected, action="undo")
            except RecordGone:
                self.undo_stack.pop()  # it can never be undone now: do not block older changes
                raise
        elif change.action == "create":
            with self.transaction():
                current = self._row(kind, change.record_id, lock=True)
                if current is not None:
                    self._check_unchanged(kind, change, current)
                    self._check_dependants(kind, change.record_id)
                    programme_id = None if kind.name == "programme" else current["programme_id"]
                    self.backend.execute(f"DELETE FROM {kind.table} WHERE id = ?", (change.record_id,))
                    self._history(kind, programme_id, change.record_id, change.label, UNDO_ADD,
                                  old=json.dumps(_jsonable(current)))
        elif change.action == "batch":
            try:
                with self.transaction():
                    for part in reversed(change.parts):
                        self._undo_part(part)
            except RecordGone:
                self.undo_stack.pop()  # it can never be undone now: do not block older changes
                raise
        elif change.action == "delete":
            row = dict(change.row or {})
            with self.transaction():
                if self._row(kind, change.record_id, lock=True) is not None:
                    raise StoreError(
                        f"cannot restore {kind.label.lower()} '{change.label}': its id #{change.record_id}"
                        " is now used by another record; nothing was changed"
                    )
                self._check_unique(kind, row.get("programme_id"), None, row)
                self._insert(kind, row)
                programme_id = row.get("programme_id", row.get("id"))
                self._history(kind, programme_id, change.record_id, change.label, UNDO_DELETE,
                              new=json.dumps(_jsonable(row)))
        self.undo_stack.pop()
        return change


    def _undo_part(self, part: Change) -> None:
        """Inside the write of a batch's undo: take back one of its changes, refusing (by
        raising, so nothing of the batch is written) where a colleague changed it since."""
        kind = KINDS[part.kind]
        if part.action == "update":
            current = self._row(kind, part.record_id, lock=True)
            if current is None:
                raise RecordGone(f"{kind.label} '{part.label}' was deleted since, so this change cannot be undone")
            differing = {
                name: (old, current[name], new)
                for name, (old, new) in part.fields.items()
                if _history_text(current[name]) != _history_text(new)
            }
            if differing:
                raise Conflict(kind, part.record_id, differing)
            self._write_fields(kind, current, {name: old for name, (old, _) in part.fields.items()}, action="undo")
        elif part.action == "delete":
            row = dict(part.row or {})
            if self._row(kind, part.record_id, lock=True) is not None:
                raise StoreError(
                    f"cannot restore {kind.label.lower()} '{part.label}': its id #{part.record_id}"
                    " is now used by another record; nothing was changed"
                )
            self._insert(kind, row)
            self._history(kind, row.get("programme_id"), part.record_id, part.label, "create",
                          new=json.dumps(_jsonable(row)))
        else:  # a batch holds updates and deletes only
            raise ValueError(f"cannot undo a {part.action!r} inside a batch")

    # -- people ----------------------------------------------------------------------

    def name_field_values(self, programme_id: int) -> list[tuple[str, int, str, Any]]:
        """(kind, record id, field, value) of every field holding people's names that is not
        empty: approvers, owners, who is responsible (see :data:`people.NAME_FIELDS`)."""
        from .people import NAME_FIELDS

        statements = [
            (f"SELECT id, {', '.join(fields)} FROM {KINDS[kind].table} WHERE programme_id = ?", (programme_id,))
            for kind, fields in NAME_FIELDS.items()
        ]
        found = []
        for (kind, fields), rows in zip(NAME_FIELDS.items(), self._read_many(statements)):
            for record_id, *values in rows:
                found.extend((kind, record_id, name, value) for name, value in zip(fields, values) if value)
        return found

    def rename_person(self, person_id: int, new_name: str, *, expected_name: Any = _UNSET) -> Change:
        """Rename a person and every whole mention of their name, in one transaction.

        RACI roles refer to the person by id and follow; each approver, owner and
        responsible field naming them is rewritten (other names in it are kept). Every
        changed record gets its history rows, and one ``u`` undoes the lot.

        Args:
            person_id: the person.
            new_name: the new spelling (validated like any name).
            expected_name: the name the user saw; a colleague's rename since is a
                :class:`Conflict` (omit to rename whatever the name is now).

        Raises:
            InvalidInput: a bad name, or one another person of the programme has (merge them).
            Conflict, RecordGone, StoreError: nothing is written.
        """
        from .inputs import validate_field

        # One space between words: a name typed with two is the same name, not a new spelling.
        name = " ".join(validate_field("person", "name", new_name).split())
        expected = {} if expected_name is _UNSET else {person_id: expected_name}
        return self._move_name(person_id, None, name, expected)

    def merge_people(self, from_id: int, into_id: int, *, expected_names: dict[int, Any] | None = None) -> Change:
        """Merge two spellings of one person: ``from_id``'s RACI roles move to ``into_id``,
        every whole mention of its name becomes ``into_id``'s name, and it is deleted; one
        transaction, with history rows for each changed record, undone by one ``u``.

        Args:
            from_id: the spelling that goes.
            into_id: the spelling that stays (it takes the other's organisation if it has none).
            expected_names: person id -> the name the user saw, for either or both;
                a colleague's rename since is a :class:`Conflict`.

        Raises:
            InvalidInput: the same person twice, or people of different programmes.
            Conflict, RecordGone, StoreError: nothing is written.
        """
        return self._move_name(from_id, into_id, None, dict(expected_names or {}))

    def _move_name(self, source_id: int, into_id: int | None, new_name: str | None, expected: dict[int, Any]) -> Change:
        from . import people
        from .inputs import DuplicateValue, InvalidInput

        person = KINDS["person"]
        if into_id is not None and into_id == source_id:
            raise InvalidInput({"name": "a person cannot be merged with themselves: choose another spelling"})
        parts: list[Change] = []
        with self.transaction():
            source = self._row(person, source_id, lock=True)
            if source is None:
                raise RecordGone(f"Person #{source_id} no longer exists (deleted by someone else?)")
            target = None
            if into_id is not None:
                target = self._row(person, into_id, lock=True)
                if target is None:
                    raise RecordGone(f"Person #{into_id} no longer exists (deleted by someone else?)")
                if target["programme_id"] != source["programme_id"]:
                    raise InvalidInput({"name": "people of different programmes cannot be merged"})
                new_name = target["name"]
            for row in (source, target):
                if row is not None and row["id"] in expected and \
                        _history_text(row["name"]) != _history_text(expected[row["id"]]):
                    raise Conflict(person, row["id"], {"name": (new_name, row["name"], expected[row["id"]])})
            programme_id, old_name = source["programme_id"], source["name"]
            if target is None:
                for other_id, other_name in self.backend.execute(
                    "SELECT id, name FROM person WHERE programme_id = ?", (programme_id,)
                ).fetchall():
                    if other_id != source_id and people.name_key(other_name) == people.name_key(new_name):
                        raise DuplicateValue({"name": f"'{new_name}' is already a person in this programme:"
                                                      " merge the two spellings instead"})
            else:
                for (raci_id,) in self.backend.execute(
                    "SELECT id FROM raci WHERE person_id = ? ORDER BY id", (source_id,)
                ).fetchall():
                    current = self._row(KINDS["raci"], raci_id, lock=True)
                    parts.append(self._write_fields(KINDS["raci"], current, {"person_id": into_id}))
                if not target["organisation"] and source["organisation"]:
                    parts.append(self._write_fields(person, target, {"organisation": source["organisation"]}))
            # Every field naming the old spelling: found by reading, then each re-read locked
            # and rewritten from what it holds now, so a colleague's other edits are kept.
            for kind_name, fields in people.NAME_FIELDS.items():
                kind = KINDS[kind_name]
                rows = self.backend.execute(
                    f"SELECT id, {', '.join(fields)} FROM {kind.table} WHERE programme_id = ? ORDER BY id",
                    (programme_id,),
                ).fetchall()
                for record_id, *values in rows:
                    if not any(people.holds_name(value, old_name) for value in values):
                        continue
                    current = self._row(kind, record_id, lock=True)
                    if current is None:
                        continue
                    changes = {name: people.replace_name(current[name], old_name, new_name) for name in fields}
                    written = self._write_fields(kind, current, changes)
                    if written.fields:
                        parts.append(written)
            if target is None:
                parts.append(self._write_fields(person, source, {"name": new_name}))
            else:
                self._check_dependants(person, source_id)
                label = person.describe(source)
                self.backend.execute("DELETE FROM person WHERE id = ?", (source_id,))
                self._history(person, programme_id, source_id, label, "delete", old=json.dumps(_jsonable(source)))
                parts.append(Change("delete", "person", source_id, label, row=source))
        parts = [part for part in parts if part.action != "update" or part.fields]
        others = sum(1 for part in parts if part.kind != "person")
        records = f" ({others} record{'s' if others != 1 else ''} updated)"
        verb = "merge person" if target is not None else "rename person"
        change = Change("batch", "person", target["id"] if target is not None else source_id, str(new_name),
                        parts=parts, summary=f"{verb} '{old_name}' into '{new_name}'{records}"
                        if target is not None else f"{verb} '{old_name}' to '{new_name}'{records}")
        if parts:
            self.undo_stack.append(change)
        return change

    def drop_undo(self, change: Change) -> bool:
        """Forget a change this session can no longer (or no longer wants to) undo.

        For a change a colleague has since overwritten: otherwise every undo would stop at
        the same conflict and older changes could never be undone. Only this session's undo
        list changes; nothing is written. Returns whether ``change`` was the last change
        (anything else is left alone).
        """
        if self.undo_stack and self.undo_stack[-1] is change:
            self.undo_stack.pop()
            return True
        return False

def _derived(kind: Kind, values: dict[str, Any]) -> dict[str, Any]:
    """Columns the store keeps from others: a deliverable's ``title_key`` from its title."""
    if kind.name == "deliverable" and "title" in values:
        from .judgement import normalise_title

        return {"title_key": normalise_title(values["title"])}
    return {}


def warm_write_path() -> None:
    """Import what a first save needs (the generated input models: pydantic) and validate
    once, so that the first save is no slower than the next. For a background thread after
    the first frame: reading never needs any of it."""
    from .inputs import validate_changes, validate_record

    validate_record("deliverable", {"title": "warm-up"})
    validate_changes("deliverable", {"status": "Not Started"})


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {key: _db_value(value) for key, value in row.items()}


def _in(values) -> str:
    """An SQL IN list of fixed vocabulary values (never user input)."""
    return ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(values))
