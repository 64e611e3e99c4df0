"""Every record type, declared once: its fields, their validation and what the rest needs.

How to add a field (say ``baseline_date`` to deliverables)
-----------------------------------------------------------
1. Declaration: add one line to ``DeliverableBase`` below::

       baseline_date: OptionalDate = field("Baseline date", "date", default=None)

   The annotation is the type with its validation (:mod:`assure.models.fieldtypes`:
   ``OptionalShort``, ``RequiredLong``, ``OptionalDate``, ``Score``, ``Choice(vocab.X)``...);
   ``field`` gives the label, the control that edits it, ``short`` (a narrower column
   header), ``refers`` (another record type's id) and the default. Add its name to the
   kind's ``pane=`` or ``pack=`` in :data:`DECLARED` at the bottom only if the register or
   the board pack should show it as a column (the detail view always does).
2. Migration: a new ``models/migrations/versions/0003_<what>.py`` (``down_revision`` the
   previous head) that adds the column in batch mode, e.g.
   ``with op.batch_alter_table("deliverable") as batch: batch.add_column(sa.Column(
   "baseline_date", sa.Date(), nullable=True))``; then ``HEAD_REVISION``, ``REVISIONS`` and
   ``SCHEMA_VERSION`` in :mod:`assure.models.schema`. ``tests/test_migrations.py`` fails
   until the migrations and these declarations agree.
3. Regenerate: ``python -m assure.models.codegen`` rewrites ``models/_projections.py`` (the
   read records and SELECTs, the editors' field specs, references and delete checks, the
   JSON/CSV document columns, the default columns) and ``models/_inputs.py`` (the create and
   update models as plain pydantic, so a write never imports SQLModel: annotations and
   defaults are copied from this file's source, so a validator they name lives in
   :mod:`assure.models.fieldtypes`); ``tests/test_declarations.py`` fails while either is
   stale. Commit them with the declaration.

Nothing else is edited by hand: the store, the forms, JSON/CSV export and import, the
panes, their detail views and the board pack all read the projections.

What lives here
---------------
Each record type is a SQLModel family, as SQLModel's own tutorial builds them:
``XBase`` (the fields a user writes, with validation), ``X(XBase, table=True)`` (the
table: ids, programme, version stamp, constraints) and ``XCreate``/``XUpdate`` (the input
models; table models do not validate). :data:`DECLARED` adds what is about the record
type as a whole: its label, order, how one record is named, its document section and its
default columns.

Deleting: a record that others refer to (a ``refers=`` field) cannot be deleted while they
do, whatever the foreign key's ``ondelete`` (a cascade would remove them without history
or undo). The checks are derived from the references, RESTRICT ones first.

This module imports SQLModel and pydantic: it is for migrations and the code generator.
Reading goes through the generated projections, which import neither; writing through the
generated input models, which import pydantic only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator

from sqlalchemy import CheckConstraint, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from . import vocab
from .fieldtypes import (  # noqa: I001
    _source_kind,
    _text,
    _validator,
    Choice,
    Code,
    Number,
    OptionalDate,
    OptionalLong,
    OptionalRecordId,
    OptionalShort,
    RecordId,
    Ref,
    RequiredLong,
    RequiredShort,
    Score,
)

Control = Literal["text", "longtext", "choice", "date", "int", "score", "person", "people", "outcome"]

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

_UNSET: Any = ...


def field(
    label: str,
    control: Control = "text",
    *,
    default: Any = _UNSET,
    short: str | None = None,
    refers: str | None = None,
    ondelete: Literal["CASCADE", "RESTRICT"] = "RESTRICT",
    editable: bool = True,
    **column: Any,
) -> Any:
    """A declared field: SQLModel's ``Field`` with what the screens and documents need.

    Args:
        label: what people call it ("Approved by"): form labels, messages, CSV headers.
        control: how it is edited (a choice's vocabulary comes from its ``Choice`` type).
        default: the value a new record takes when the field is not given.
        short: the register's column header when narrower than the label ("Out").
        refers: the record type this field holds the id of; it becomes a foreign key,
            and a record referred to cannot be deleted.
        ondelete: what the database does to this record when the one it refers to goes.
        editable: shown in the forms (False: kept by the program, e.g. a position).
        column: passed to SQLModel's ``Field`` (``unique``, ``index``...).
    """
    if refers is not None:
        column.update(foreign_key=f"{refers}.id", ondelete=ondelete, index=True)
    extra = {"label": label, "control": control, "short": short, "refers": refers, "editable": editable}
    return Field(default, schema_extra={"json_schema_extra": {"assure": extra}}, **column)


class InputModel(SQLModel):
    """Base of the create and update models: unknown fields are refused."""

    model_config = {"extra": "forbid", "validate_assignment": True}


class Keyed(SQLModel):
    """What every table row carries beside its fields."""

    id: int | None = Field(default=None, primary_key=True)
    #: Bumped on each write, so a colleague's change is seen.
    version: int = 1
    #: UTC, ISO text; staleness is measured from it.
    updated_at: str = ""


class Owned(Keyed):
    """A row that belongs to one programme (deleted with it by the database)."""

    programme_id: int = Field(foreign_key="programme.id", ondelete="CASCADE", index=True)


# -- programme ------------------------------------------------------------------------------


class ProgrammeBase(SQLModel):
    code: Code = field("Code", unique=True, index=True)
    name: RequiredShort = field("Name")
    organisation: OptionalShort = field("Organisation", default=None)
    description: OptionalLong = field("Description", "longtext", default=None)
    source: OptionalShort = field("Source", default=None)
    start_date: OptionalDate = field("Start date", "date", default=None)
    end_date: OptionalDate = field("End date", "date", default=None)
    as_of: OptionalDate = field("As of", "date", default=None)


class Programme(ProgrammeBase, Keyed, table=True):
    """A programme: everything else is scoped to one."""

    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="programme_name_not_blank"),
                      {"sqlite_autoincrement": True})


class ProgrammeCreate(ProgrammeBase, InputModel):
    pass


# -- person ---------------------------------------------------------------------------------


class PersonBase(SQLModel):
    name: RequiredShort = field("Name")
    organisation: OptionalShort = field("Organisation", default=None)


class Person(PersonBase, Owned, table=True):
    """Someone (or a team) named as an approver, owner or role holder."""

    __table_args__ = (UniqueConstraint("programme_id", "name", name="person_unique_name"), {"sqlite_autoincrement": True})


class PersonCreate(PersonBase, InputModel):
    pass


# -- RACI -----------------------------------------------------------------------------------


class RaciBase(SQLModel):
    person_id: RecordId = field("Person", "person", short="Name", refers="person", ondelete="RESTRICT")
    role: RequiredShort = field("Transition role")
    letter: Choice(vocab.RACI_LETTERS) = field("RACI", "choice")
    note: OptionalLong = field("Note", "longtext", default=None)


class Raci(RaciBase, Owned, table=True):
    """A key transition role: a person, the role and their R/A/C/I letter."""

    __table_args__ = (CheckConstraint("letter IN ('R','A','C','I')", name="raci_letter"), {"sqlite_autoincrement": True})


class RaciCreate(RaciBase, InputModel):
    pass


# -- outcome --------------------------------------------------------------------------------


class OutcomeBase(SQLModel):
    number: Number = field("No.", "int", short="No")
    title: RequiredLong = field("Outcome", "longtext")
    status: Choice(vocab.OUTCOME_STATUSES) = field("Status", "choice", default="Not Started")
    vision: OptionalLong = field("Vision statement", "longtext", default=None)


class Outcome(OutcomeBase, Owned, table=True):
    """A programme outcome, matched to its vision statement."""

    __table_args__ = (UniqueConstraint("programme_id", "number", name="outcome_unique_number"), {"sqlite_autoincrement": True})


class OutcomeCreate(OutcomeBase, InputModel):
    pass


# -- progress -------------------------------------------------------------------------------


class ProgressBase(SQLModel):
    outcome_id: RecordId = field("Outcome", "outcome", refers="outcome", ondelete="CASCADE")
    horizon: Choice(vocab.HORIZONS) = field("Horizon", "choice")
    position: Number = field("Position", "int", default=0, editable=False)
    text: RequiredLong = field("Progress", "longtext")


class Progress(ProgressBase, Owned, table=True):
    """One item of an outcome's progress narrative, by horizon."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)


class ProgressCreate(ProgressBase, InputModel):
    pass


# -- deliverable ----------------------------------------------------------------------------


class DeliverableBase(SQLModel):
    outcome_id: OptionalRecordId = field("Outcome", "outcome", short="Out", default=None, refers="outcome",
                                         ondelete="RESTRICT")
    title: RequiredLong = field("Deliverable", "longtext")
    approved_by: OptionalShort = field("Approved by", "people", default=None)
    status: Choice(vocab.DELIVERABLE_STATUSES) = field("Status", "choice", default="Not Started")
    date: OptionalDate = field("Date", "date", default=None)
    note: OptionalLong = field("Note", "longtext", default=None)
    #: The original target date, where the source gives one: ``date`` is the forecast.
    baseline_date: OptionalDate = field("Baseline", "date", default=None)


class Deliverable(DeliverableBase, Owned, table=True):
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

    #: The title folded for comparison (judgement.normalise_title), kept by the store: a
    #: column of the table only, never a field anyone writes (see STORE_KEPT).
    title_key: str = ""


class DeliverableCreate(DeliverableBase, InputModel):
    pass


# -- risk -----------------------------------------------------------------------------------


class RiskBase(SQLModel):
    ref: Ref = field("Ref")
    kind: Choice(vocab.RISK_KINDS) = field("Kind", "choice", default="Risk")
    description: RequiredLong = field("Description", "longtext")
    likelihood: Score = field("Likelihood", "score", short="L", default=None)
    impact: Score = field("Impact", "score", short="I", default=None)
    owner: OptionalShort = field("Owner", "people", default=None)
    status: Choice(vocab.RISK_STATUSES) = field("Status", "choice", default="Open")
    latest_update: OptionalLong = field("Latest update", "longtext", default=None)
    raised_on: OptionalDate = field("Raised", "date", default=None)
    review_on: OptionalDate = field("Review", "date", default=None)


class Risk(RiskBase, Owned, table=True):
    """A risk or an issue; score is likelihood x impact when both are assessed."""

    __table_args__ = (
        CheckConstraint("likelihood IS NULL OR likelihood BETWEEN 1 AND 5", name="risk_likelihood"),
        CheckConstraint("impact IS NULL OR impact BETWEEN 1 AND 5", name="risk_impact"),
        {"sqlite_autoincrement": True},
    )


class RiskCreate(RiskBase, InputModel):
    pass


# -- action ---------------------------------------------------------------------------------


class ActionBase(SQLModel):
    number: Number = field("No.", "int", short="No")
    kind: Choice(vocab.ACTION_KINDS) = field("Kind", "choice", default="Close-out recommendation")
    description: RequiredLong = field("Description", "longtext")
    owner: OptionalShort = field("Owner", "people", default=None)
    due_on: OptionalDate = field("Due", "date", default=None)
    status: Choice(vocab.ACTION_STATUSES) = field("Status", "choice", default="Open")


class Action(ActionBase, Owned, table=True):
    """A close-out recommendation or an agreed next step."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)


class ActionCreate(ActionBase, InputModel):
    pass


# -- lesson ---------------------------------------------------------------------------------


class LessonBase(SQLModel):
    number: Number = field("No.", "int", short="No")
    description: RequiredLong = field("Learning point", "longtext")
    recommendation: OptionalLong = field("Recommendation", "longtext", default=None)
    responsible: OptionalShort = field("Responsible", "people", default=None)


class Lesson(LessonBase, Owned, table=True):
    """A key learning point."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)


class LessonCreate(LessonBase, InputModel):
    pass


# -- acknowledgement ------------------------------------------------------------------------


class AcknowledgementBase(SQLModel):
    rule: Annotated[str, _validator(_text, required=True, limit=60)] = field("Rule", editable=False)
    kind: Annotated[str, _validator(_text, required=True, limit=30)] = field("About", editable=False)
    record_id: OptionalRecordId = field("Record", "int", default=None, editable=False)
    record_version: OptionalRecordId = field("Record version", "int", default=None, editable=False)
    reason: RequiredLong = field("Reason", "longtext")
    until: OptionalDate = field("Until", "date", default=None)
    actor: RequiredShort = field("By", editable=False)
    at: RequiredShort = field("At", editable=False)


class Acknowledgement(AcknowledgementBase, Owned, table=True):
    """An answer to a finding: the rule and record it is about, why, by whom, until when.

    It holds while the record's ``version`` is still ``record_version`` and ``until`` has
    not passed; a change to the record brings the finding back.
    """

    __table_args__ = (
        CheckConstraint("length(trim(reason)) > 0", name="acknowledgement_reason_not_blank"),
        {"sqlite_autoincrement": True},
    )


class AcknowledgementCreate(AcknowledgementBase, InputModel):
    pass


# -- verdict override -----------------------------------------------------------------------


class VerdictOverrideBase(SQLModel):
    outcome_id: OptionalRecordId = field("Outcome", "outcome", short="Out", default=None, refers="outcome",
                                         ondelete="RESTRICT")
    rating: Choice(vocab.DCA_RATINGS) = field("Rating (DCA)", "choice")
    reason: RequiredLong = field("Reason", "longtext")


class VerdictOverride(VerdictOverrideBase, Owned, table=True):
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


class VerdictOverrideCreate(VerdictOverrideBase, InputModel):
    pass


# -- handover -------------------------------------------------------------------------------


class HandoverBase(SQLModel):
    # What it carries on, if anything: no foreign key, so deleting that record never
    # deletes the handover unseen. A document names it by its row (bundle's ``carries``).
    source_kind: Annotated[str | None, BeforeValidator(_source_kind)] = field("From", default=None, editable=False)
    source_id: OptionalRecordId = field("Carries on", "int", default=None, editable=False)
    item: RequiredLong = field("Handed over", "longtext")
    owner: OptionalShort = field("New owner", "people", default=None)
    due_on: OptionalDate = field("Due", "date", default=None)
    done_means: OptionalLong = field("Done means", "longtext", default=None)
    status: Choice(vocab.HANDOVER_STATUSES) = field("Status", "choice", default="Proposed")


class Handover(HandoverBase, Owned, table=True):
    """What stays open at closure, carried on by a named new owner (the handover register)."""

    # Ids are never reused: history and undo refer to records by id.
    __table_args__ = ({"sqlite_autoincrement": True},)


class HandoverCreate(HandoverBase, InputModel):
    pass


# -- the database's own tables (not record types) -------------------------------------------


class Meta(SQLModel, table=True):
    """Key/value facts about the database itself, e.g. the schema version."""

    key: str = Field(primary_key=True)
    value: str


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


class BoardSnapshot(SQLModel, table=True):
    """What a board was shown: recorded when a pack is exported or a board is marked.

    A plain table like :class:`History`, not a record type: it is a fact about the past
    (who showed which verdicts and figures when), so nobody edits it and it needs no
    version stamp, form or undo. ``since`` compares the programme now with one of these.
    """

    __tablename__ = "board_snapshot"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: int | None = Field(default=None, primary_key=True)
    programme_id: int = Field(foreign_key="programme.id", ondelete="CASCADE", index=True)
    at: str  # UTC, ISO text
    actor: str
    label: str = ""
    reporting_date: str  # ISO date every judgement of the snapshot was measured on
    source: str  # "mark", "export:md", "export:html", ...
    #: The newest history row when it was taken: changes since are the rows after it.
    last_history_id: int = 0
    #: JSON: the verdicts, headline figures and finding keys the board saw.
    figures: str = "{}"


#: Columns of a table the store keeps from other fields (never typed, read or exported):
#: a deliverable's folded title, which finds duplicates through an index.
STORE_KEPT: dict[str, tuple[str, ...]] = {"deliverable": ("title_key",)}


# -- the record types as wholes -------------------------------------------------------------


@dataclass(frozen=True)
class Read:
    """A value a read record carries that is worked out by the SELECT, not stored."""

    name: str
    label: str
    sql: str
    #: The field (or read) it follows in the record.
    after: str
    #: Its type in the read record.
    type: str = "int"


@dataclass(frozen=True)
class Shown:
    """A column that is no single field: ``source`` is the record attribute it shows (None:
    the pane or board pack supplies the value)."""

    key: str
    label: str
    source: str | None = None


AGE = Shown("age", "Age", "updated_at")
_DONE = ", ".join(f"'{status}'" for status in sorted(vocab.DELIVERABLE_DONE))


@dataclass(frozen=True)
class Declared:
    """A record type as a whole.

    ``pane`` and ``pack`` name the default columns of its register and its board-pack
    table, in order: a field (a reference shows the other record's key, e.g. the outcome's
    number), a :class:`Read`, or a :class:`Shown`.
    """

    name: str
    label: str
    table: type[SQLModel]
    create: type[InputModel]
    #: The document section its records are listed under ("" for the programme itself).
    section: str
    #: ORDER BY of a list of them.
    order: str
    #: How one record is named in messages and history: a format string over its fields,
    #: where a precision clips (``{title:.50}`` ends in "…" after 50 characters).
    describe: str
    #: The noun for a count of them in a message ("used by 3 deliverables").
    noun: str = ""
    #: The field other records and documents refer to it by (an outcome by its number).
    key: str | None = None
    #: Columns whose values repeat across many records: read into one shared object each.
    shared: tuple[str, ...] = ("updated_at",)
    reads: tuple[Read, ...] = ()
    pane: tuple[str | Shown, ...] = ()
    pack: tuple[str | Shown, ...] = ()
    #: Listed inside the record it refers to in a document (progress inside its outcome),
    #: as (reference field, the parent's key for the list, the field keeping their order).
    nested: tuple[str, str, str] | None = None
    #: Imported from (and exported to) CSV files.
    csv: bool = False


DECLARED: tuple[Declared, ...] = (
    Declared("programme", "Programme", Programme, ProgrammeCreate, section="", order="programme.id",
             describe="{name:.60}", key="code"),
    Declared("person", "Person", Person, PersonCreate, section="people", order="person.name COLLATE NOCASE, person.id",
             describe="{name:.60}", key="name"),
    Declared("raci", "RACI role", Raci, RaciCreate, section="raci", order="raci.id", describe="{role:.60}",
             noun="RACI role", pane=("letter", "person_id", "role", "note")),
    Declared("outcome", "Outcome", Outcome, OutcomeCreate, section="outcomes", order="outcome.number, outcome.id",
             describe="{number}. {title:.50}", key="number",
             reads=(Read("deliverables_total", "Deliverables",
                         "(SELECT count(*) FROM deliverable d WHERE d.outcome_id = outcome.id)", after="vision"),
                    Read("deliverables_done", "Signed off",
                         "(SELECT count(*) FROM deliverable d WHERE d.outcome_id = outcome.id"
                         f" AND d.status IN ({_DONE}))", after="deliverables_total")),
             pane=("number", "title", "status", Shown("progress", "Signed off"), Shown("verdict", "Verdict")),
             pack=("number", "title", "status", Shown("progress", "Signed off"))),
    Declared("progress", "Progress item", Progress, ProgressCreate, section="progress",
             order="progress.outcome_id, progress.position, progress.id", describe="{horizon}: {text:.40}",
             pane=("horizon", "text"), nested=("outcome_id", "progress", "position")),
    Declared("deliverable", "Deliverable", Deliverable, DeliverableCreate, section="deliverables",
             order="outcome.number IS NULL, outcome.number, deliverable.id", describe="{title:.60}",
             shared=("approved_by", "status", "date", "updated_at"),
             pane=("outcome_id", "title", "approved_by", "status", "date", AGE),
             pack=("outcome_id", "title", "approved_by", "status", "date"), csv=True),
    Declared("risk", "Risk/issue", Risk, RiskCreate, section="risks", order="risk.id",
             describe="{ref}: {description:.45}", noun="risk",
             shared=("kind", "owner", "status", "raised_on", "review_on", "updated_at"),
             reads=(Read("score", "Score", "risk.likelihood * risk.impact", after="impact", type="int | None"),),
             pane=("ref", "kind", "description", "likelihood", "impact", "score", "owner", "status", "review_on", AGE),
             pack=("ref", "kind", "description", "likelihood", "impact", "score", "owner", "status", "latest_update",
                   "review_on"), csv=True),
    Declared("action", "Action", Action, ActionCreate, section="actions", order="action.kind, action.number, action.id",
             describe="{kind} {number}: {description:.40}", shared=("kind", "owner", "status", "due_on", "updated_at"),
             pane=("number", "kind", "description", "owner", "due_on", "status", AGE),
             pack=("kind", "number", "description", "owner", "due_on", "status"), csv=True),
    Declared("lesson", "Lesson", Lesson, LessonCreate, section="lessons", order="lesson.number, lesson.id",
             describe="{number}: {description:.45}", pane=("number", "description", "recommendation", "responsible"),
             csv=True),
    # An acknowledgement names its finding's record by its row in the document, never by a
    # database id (models/bundle.py), so it is not one of the generic sections.
    Declared("acknowledgement", "Acknowledgement", Acknowledgement, AcknowledgementCreate, section="",
             order="acknowledgement.id", describe="{kind} #{record_id}: {reason:.40}"),
    Declared("verdict", "Verdict override", VerdictOverride, VerdictOverrideCreate, section="verdict_overrides",
             order="verdict_override.outcome_id IS NOT NULL, verdict_override.outcome_id, verdict_override.id",
             describe="verdict {rating}", noun="verdict override"),
    # A document carries the register in its own section, each item naming what it carries
    # on by its row there (models/bundle.py), so it is not one of the generic sections.
    Declared("handover", "Handover item", Handover, HandoverCreate, section="", order="handover.id",
             describe="{item:.60}", noun="handover item",
             shared=("source_kind", "owner", "status", "due_on", "updated_at"),
             pane=("source_kind", "item", "owner", "due_on", "done_means", "status")),
)


def assure_info(info) -> dict[str, Any]:
    """The declaration's extras on a pydantic ``FieldInfo`` (label, control, ...)."""
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return extra.get("assure", {})


def choices_of(info) -> tuple[str, ...]:
    """The vocabulary of a ``Choice`` field, from its validator."""
    for item in info.metadata:
        if hasattr(item, "choices"):
            return item.choices
    return ()


def _make_update(declared: Declared) -> type[InputModel]:
    """``XUpdate``: every field optional, for a partial update (only the fields given are
    validated and written; ``model_dump(exclude_unset=True)``). The write side uses the
    copy generated into ``_inputs.py``; this one is what the tests check it against."""
    from typing import Annotated

    from pydantic import create_model

    fields = {}
    for name, info in declared.create.model_fields.items():
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        fields[name] = (annotation, None)
    return create_model(f"{declared.table.__name__}Update", __base__=InputModel, **fields)


#: Record type -> its update model (the create models are each ``Declared.create``).
UPDATE: dict[str, type[InputModel]] = {declared.name: _make_update(declared) for declared in DECLARED}
