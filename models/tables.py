"""SQLModel tables: the one definition of the schema.

These classes create the schema (and, later, drive migrations and PostgreSQL). They do
not validate: input goes through :mod:`assure.models.inputs` first. The store reads and
writes through plain SQL over the DB-API so that SQLAlchemy is never on the path to the
first frame; the column names here are the contract that SQL uses.

Every record carries ``version`` (bumped on each write, so a colleague's change is seen)
and ``updated_at`` (UTC, ISO text; staleness is measured from it).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

#: Every constraint gets a name, so a migration in batch mode (SQLite) can find it. Checks
#: are named by hand (a check has no column to name it after).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
# Set before any table is declared: the convention is applied as each constraint is attached.
SQLModel.metadata.naming_convention = NAMING_CONVENTION


def _fk(target: str, *, cascade: bool = True) -> Column:
    return Column(Integer, ForeignKey(target, ondelete="CASCADE" if cascade else "RESTRICT"), nullable=False, index=True)


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, e.g. the schema version."""

    key: str = Field(primary_key=True)
    value: str


class Programme(SQLModel, table=True):
    """A programme: everything else is scoped to one."""

    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="programme_name_not_blank"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(unique=True, index=True)
    name: str
    organisation: str | None = None
    description: str | None = None
    source: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    as_of: dt.date | None = None
    version: int = 1
    updated_at: str = ""


class Person(SQLModel, table=True):
    """Someone (or a team) named as an approver, owner or role holder."""

    __table_args__ = (UniqueConstraint("programme_id", "name", name="person_unique_name"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    name: str
    organisation: str | None = None
    version: int = 1
    updated_at: str = ""


class Raci(SQLModel, table=True):
    """A key transition role: a person, the role and their R/A/C/I letter."""

    __table_args__ = (CheckConstraint("letter IN ('R','A','C','I')", name="raci_letter"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    person_id: int = Field(sa_column=_fk("person.id", cascade=False))
    role: str
    letter: str
    note: str | None = None
    version: int = 1
    updated_at: str = ""


class Outcome(SQLModel, table=True):
    """A programme outcome, matched to its vision statement."""

    __table_args__ = (UniqueConstraint("programme_id", "number", name="outcome_unique_number"), {"sqlite_autoincrement": True})

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    number: int
    title: str
    status: str
    vision: str | None = None
    version: int = 1
    updated_at: str = ""


class Progress(SQLModel, table=True):
    """One item of an outcome's progress narrative, by horizon."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    outcome_id: int = Field(sa_column=_fk("outcome.id"))
    horizon: str
    position: int = 0
    text: str
    version: int = 1
    updated_at: str = ""


class Deliverable(SQLModel, table=True):
    """A row of the sign-off register."""

    # Covering indexes for the counts the overview and status show on every load.
    __table_args__ = (
        Index("deliverable_outcome_status", "outcome_id", "status"),
        Index("deliverable_programme_status", "programme_id", "status"),
        Index("deliverable_programme_outcome_status", "programme_id", "outcome_id", "status"),
        # Duplicates are one grouped query over this index (see judgement.normalise_title).
        Index("deliverable_programme_title_key", "programme_id", "title_key"),
        # Who approves what, grouped without reading the table (sign-off authority, names).
        Index("deliverable_programme_approver", "programme_id", "approved_by", "status"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    outcome_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("outcome.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    title: str
    approved_by: str | None = None
    status: str
    date: dt.date | None = None
    note: str | None = None
    version: int = 1
    updated_at: str = ""
    #: The original target date, where the source gives one: ``date`` is the forecast.
    baseline_date: dt.date | None = None
    #: The title folded for comparison (judgement.normalise_title), kept by the store.
    title_key: str = ""


class Risk(SQLModel, table=True):
    """A risk or an issue; score is likelihood x impact when both are assessed."""

    __table_args__ = (
        CheckConstraint("likelihood IS NULL OR likelihood BETWEEN 1 AND 5", name="risk_likelihood"),
        CheckConstraint("impact IS NULL OR impact BETWEEN 1 AND 5", name="risk_impact"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    ref: str
    kind: str
    description: str
    likelihood: int | None = None
    impact: int | None = None
    owner: str | None = None
    status: str
    latest_update: str | None = None
    raised_on: dt.date | None = None
    review_on: dt.date | None = None
    version: int = 1
    updated_at: str = ""


class Action(SQLModel, table=True):
    """A close-out recommendation or an agreed next step."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    number: int
    kind: str
    description: str
    owner: str | None = None
    due_on: dt.date | None = None
    status: str
    version: int = 1
    updated_at: str = ""


class Lesson(SQLModel, table=True):
    """A key learning point."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    number: int
    description: str
    recommendation: str | None = None
    responsible: str | None = None
    version: int = 1
    updated_at: str = ""


class Handover(SQLModel, table=True):
    """What stays open at closure, carried on by a named new owner (the handover register).

    ``source_kind``/``source_id`` name the deliverable, risk or action it carries on, if
    any: no foreign key, so deleting that record never deletes the handover unseen.
    """

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    source_kind: str | None = None
    source_id: int | None = None
    item: str
    owner: str | None = None
    due_on: dt.date | None = None
    done_means: str | None = None
    status: str
    version: int = 1
    updated_at: str = ""


class VerdictOverride(SQLModel, table=True):
    """A person's override of a derived verdict, with the reason (who and when: the history).

    One per scope: the programme's (``outcome_id`` empty) or one outcome's; the store
    keeps it so inside the write.
    """

    __tablename__ = "verdict_override"
    __table_args__ = (
        CheckConstraint("rating IN ('Green','Amber/Green','Amber','Amber/Red','Red')", name="verdict_override_rating"),
        CheckConstraint("length(trim(reason)) > 0", name="verdict_override_reason_not_blank"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    outcome_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("outcome.id", ondelete="RESTRICT"), nullable=True, index=True),
    )
    rating: str
    reason: str
    version: int = 1
    updated_at: str = ""


class Acknowledgement(SQLModel, table=True):
    """An answer to a finding: the rule and record it is about, why, by whom, until when.

    It holds while the record's ``version`` is still ``record_version`` and ``until`` has
    not passed; a change to the record brings the finding back.
    """

    __table_args__ = (
        CheckConstraint("length(trim(reason)) > 0", name="acknowledgement_reason_not_blank"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(sa_column=_fk("programme.id"))
    rule: str
    kind: str
    record_id: int | None = None
    record_version: int | None = None
    reason: str
    until: dt.date | None = None
    actor: str
    at: str
    version: int = 1
    updated_at: str = ""


class History(SQLModel, table=True):
    """The audit trail: one row per field changed, or per record created/deleted.

    Each row is chained to the one before by ``prev_hash`` and ``hash`` (see
    :mod:`assure.models.history_chain`), so a row changed, deleted or added behind the
    app's back is detected.
    """

    # Ids are never reused: history and undo refer to records by id. The index serves
    # Store.last_change (the newest change of one field of one record) without a scan.
    __table_args__ = (
        Index("history_record_field", "kind", "record_id", "field", "id"),
        {"sqlite_autoincrement": True},
    )

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int | None = Field(default=None, index=True)
    at: str
    actor: str  # who made the change ("user" is a reserved word in PostgreSQL)
    kind: str
    record_id: int | None = None
    record_label: str = ""
    action: str
    field: str | None = None
    old_value: str | None = None
    new_value: str | None = None
    prev_hash: str | None = None
    hash: str | None = None
