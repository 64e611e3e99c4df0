"""Which schema a database has, without importing SQLAlchemy or Alembic.

The schema is built and changed by the Alembic migrations in ``models/migrations``
(:mod:`assure.models.migrate` runs them). Opening a database only compares the revision
it records with :data:`HEAD_REVISION`, a plain constant (a test keeps it equal to
Alembic's head), so an up-to-date database opens without importing either.
"""

from __future__ import annotations

from typing import Callable

#: The newest migration's revision id; every database is brought to it when opened.
HEAD_REVISION = "0006"
#: Every revision this release knows, oldest first.
REVISIONS = ("0001", "0002", "0003", "0004", "0005", "0006")
#: ``meta.schema_version`` written with the head revision (releases before migrations
#: refuse a number above theirs, so an older Assure refuses a newer file).
SCHEMA_VERSION = 6
#: The revision of a file made before migrations existed, by its ``meta.schema_version``.
_BEFORE_ALEMBIC = {"1": "0001"}


class SchemaState:
    """What a database's schema is, read cheaply: ``revision`` (None when unknown) and
    ``schema_version`` (the number in ``meta``, 0 when missing)."""

    __slots__ = ("revision", "schema_version")

    def __init__(self, revision: str | None, schema_version: int):
        self.revision, self.schema_version = revision, schema_version

    @property
    def newer(self) -> bool:
        """Made by a newer Assure than this one."""
        unknown = self.revision is not None and self.revision not in REVISIONS
        return unknown or self.schema_version > SCHEMA_VERSION

    @property
    def current(self) -> bool:
        """At the head revision."""
        return self.revision == HEAD_REVISION and not self.newer

    def describe(self) -> str:
        """The revision for a message, e.g. ``revision 0001`` or ``schema 999``."""
        if self.schema_version > SCHEMA_VERSION or self.revision is None:
            return f"schema {self.schema_version}"
        return f"revision {self.revision}"


def read_state(fetch: Callable[[str], list], tables: set[str]) -> SchemaState:
    """The schema state of an open database with a ``meta`` table, read through ``fetch``
    (a function from a query to its rows, on either backend).

    ``alembic_version`` names the revision; a file made before migrations has none, and
    its ``meta.schema_version`` says which revision it matches.
    """
    rows = fetch("SELECT value FROM meta WHERE key = 'schema_version'")
    recorded = rows[0][0] if rows else None
    revisions = fetch("SELECT version_num FROM alembic_version") if "alembic_version" in tables else None
    return state_of(recorded, revisions)


def state_of(recorded: str | None, revisions: list | None) -> SchemaState:
    """The schema state from ``meta.schema_version`` and the rows of ``alembic_version``
    (None when that table does not exist)."""
    text = "" if recorded is None else str(recorded)
    schema_version = int(text) if text.isascii() and text.isdigit() else 0
    if revisions is not None:
        revision = revisions[0][0] if len(revisions) == 1 else None
    else:
        revision = _BEFORE_ALEMBIC.get(text)
    return SchemaState(revision, schema_version)
