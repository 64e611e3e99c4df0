"""One description per record type: its table, its fields and how to read it.

The store, the TUI's editors and the import/export code all work from these, so a field
is described once: its label, the control that edits it, its choices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Literal

from . import records, vocab

Control = Literal["text", "longtext", "choice", "date", "int", "score", "person", "people", "outcome"]

_DONE = ", ".join(f"'{status}'" for status in sorted(vocab.DELIVERABLE_DONE))


@dataclass(frozen=True)
class FieldSpec:
    """An editable field of a record type."""

    name: str
    label: str
    control: Control = "text"
    choices: tuple[str, ...] = ()
    required: bool = False


@dataclass(frozen=True)
class Kind:
    """A record type: where it lives and how it is read and described."""

    name: str
    label: str
    table: str
    fields: tuple[FieldSpec, ...]
    record: type
    select: str
    order: str
    describe: Callable[[dict], str] = field(default=lambda row: f"#{row.get('id')}")
    #: Columns whose values repeat across many records: read into one shared object each.
    shared: tuple[str, ...] = ("updated_at",)

    def field(self, name: str) -> FieldSpec:
        """Return the spec of one editable field, or raise KeyError."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.label} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)


def _clip(text: object, width: int = 60) -> str:
    text = str(text or "")
    return text if len(text) <= width else text[: width - 1] + "…"


PROGRAMME = Kind(
    name="programme",
    label="Programme",
    table="programme",
    fields=(
        FieldSpec("code", "Code", required=True),
        FieldSpec("name", "Name", required=True),
        FieldSpec("organisation", "Organisation"),
        FieldSpec("description", "Description", "longtext"),
        FieldSpec("source", "Source"),
        FieldSpec("start_date", "Start date", "date"),
        FieldSpec("end_date", "End date", "date"),
        FieldSpec("as_of", "As of", "date"),
    ),
    record=records.ProgrammeRecord,
    select="SELECT id, code, name, organisation, description, source, start_date, end_date, as_of, version, updated_at FROM programme",
    order="id",
    describe=lambda row: _clip(row.get("name")),
)

PERSON = Kind(
    name="person",
    label="Person",
    table="person",
    fields=(FieldSpec("name", "Name", required=True), FieldSpec("organisation", "Organisation")),
    record=records.PersonRecord,
    select="SELECT id, programme_id, name, organisation, version, updated_at FROM person",
    order="name COLLATE NOCASE, id",
    describe=lambda row: _clip(row.get("name")),
)

RACI = Kind(
    name="raci",
    label="RACI role",
    table="raci",
    fields=(
        FieldSpec("person_id", "Person", "person", required=True),
        FieldSpec("role", "Transition role", required=True),
        FieldSpec("letter", "RACI", "choice", vocab.RACI_LETTERS, required=True),
        FieldSpec("note", "Note", "longtext"),
    ),
    record=records.RaciRecord,
    select=(
        "SELECT raci.id, raci.programme_id, raci.person_id, person.name, raci.role, raci.letter, raci.note,"
        " raci.version, raci.updated_at FROM raci JOIN person ON person.id = raci.person_id"
    ),
    order="raci.id",
    describe=lambda row: _clip(row.get("role")),
)

OUTCOME = Kind(
    name="outcome",
    label="Outcome",
    table="outcome",
    fields=(
        FieldSpec("number", "No.", "int", required=True),
        FieldSpec("title", "Outcome", "longtext", required=True),
        FieldSpec("status", "Status", "choice", vocab.OUTCOME_STATUSES, required=True),
        FieldSpec("vision", "Vision statement", "longtext"),
    ),
    record=records.OutcomeRecord,
    select=(
        "SELECT outcome.id, outcome.programme_id, outcome.number, outcome.title, outcome.status, outcome.vision,"
        " (SELECT count(*) FROM deliverable d WHERE d.outcome_id = outcome.id),"
        f" (SELECT count(*) FROM deliverable d WHERE d.outcome_id = outcome.id AND d.status IN ({_DONE})),"
        " outcome.version, outcome.updated_at FROM outcome"
    ),
    order="outcome.number, outcome.id",
    describe=lambda row: f"{row.get('number')}. {_clip(row.get('title'), 50)}",
)

PROGRESS = Kind(
    name="progress",
    label="Progress item",
    table="progress",
    fields=(
        FieldSpec("outcome_id", "Outcome", "outcome", required=True),
        FieldSpec("horizon", "Horizon", "choice", vocab.HORIZONS, required=True),
        FieldSpec("text", "Progress", "longtext", required=True),
    ),
    record=records.ProgressRecord,
    select="SELECT id, programme_id, outcome_id, horizon, position, text, version, updated_at FROM progress",
    order="outcome_id, position, id",
    describe=lambda row: f"{row.get('horizon')}: {_clip(row.get('text'), 40)}",
)

DELIVERABLE = Kind(
    name="deliverable",
    label="Deliverable",
    table="deliverable",
    fields=(
        FieldSpec("outcome_id", "Outcome", "outcome"),
        FieldSpec("title", "Deliverable", "longtext", required=True),
        FieldSpec("approved_by", "Approved by", "people"),
        FieldSpec("status", "Status", "choice", vocab.DELIVERABLE_STATUSES, required=True),
        FieldSpec("date", "Date", "date"),
        FieldSpec("note", "Note", "longtext"),
        FieldSpec("baseline_date", "Baseline", "date"),
    ),
    record=records.DeliverableRecord,
    select=(
        "SELECT deliverable.id, deliverable.programme_id, deliverable.outcome_id, outcome.number, deliverable.title,"
        " deliverable.approved_by, deliverable.status, deliverable.date, deliverable.note, deliverable.version,"
        " deliverable.updated_at, deliverable.baseline_date FROM deliverable"
        " LEFT JOIN outcome ON outcome.id = deliverable.outcome_id"
    ),
    order="outcome.number IS NULL, outcome.number, deliverable.id",
    shared=("approved_by", "status", "date", "updated_at"),
    describe=lambda row: _clip(row.get("title")),
)

RISK = Kind(
    name="risk",
    label="Risk/issue",
    table="risk",
    fields=(
        FieldSpec("ref", "Ref", required=True),
        FieldSpec("kind", "Kind", "choice", vocab.RISK_KINDS, required=True),
        FieldSpec("description", "Description", "longtext", required=True),
        FieldSpec("likelihood", "Likelihood", "score"),
        FieldSpec("impact", "Impact", "score"),
        FieldSpec("owner", "Owner", "people"),
        FieldSpec("status", "Status", "choice", vocab.RISK_STATUSES, required=True),
        FieldSpec("latest_update", "Latest update", "longtext"),
        FieldSpec("raised_on", "Raised", "date"),
        FieldSpec("review_on", "Review", "date"),
    ),
    record=records.RiskRecord,
    select=(
        "SELECT id, programme_id, ref, kind, description, likelihood, impact, likelihood * impact, owner, status,"
        " latest_update, raised_on, review_on, version, updated_at FROM risk"
    ),
    order="id",
    shared=("kind", "owner", "status", "raised_on", "review_on", "updated_at"),
    describe=lambda row: f"{row.get('ref')}: {_clip(row.get('description'), 45)}",
)

ACTION = Kind(
    name="action",
    label="Action",
    table="action",
    fields=(
        FieldSpec("number", "No.", "int", required=True),
        FieldSpec("kind", "Kind", "choice", vocab.ACTION_KINDS, required=True),
        FieldSpec("description", "Description", "longtext", required=True),
        FieldSpec("owner", "Owner", "people"),
        FieldSpec("due_on", "Due", "date"),
        FieldSpec("status", "Status", "choice", vocab.ACTION_STATUSES, required=True),
    ),
    record=records.ActionRecord,
    select="SELECT id, programme_id, number, kind, description, owner, due_on, status, version, updated_at FROM action",
    order="kind, number, id",
    shared=("kind", "owner", "status", "due_on", "updated_at"),
    describe=lambda row: f"{row.get('kind')} {row.get('number')}: {_clip(row.get('description'), 40)}",
)

LESSON = Kind(
    name="lesson",
    label="Lesson",
    table="lesson",
    fields=(
        FieldSpec("number", "No.", "int", required=True),
        FieldSpec("description", "Learning point", "longtext", required=True),
        FieldSpec("recommendation", "Recommendation", "longtext"),
        FieldSpec("responsible", "Responsible", "people"),
    ),
    record=records.LessonRecord,
    select="SELECT id, programme_id, number, description, recommendation, responsible, version, updated_at FROM lesson",
    order="number, id",
    describe=lambda row: f"{row.get('number')}: {_clip(row.get('description'), 45)}",
)

HANDOVER = Kind(
    name="handover",
    label="Handover item",
    table="handover",
    fields=(
        FieldSpec("item", "Handed over", "longtext", required=True),
        FieldSpec("owner", "New owner", "people"),
        FieldSpec("due_on", "Due", "date"),
        FieldSpec("done_means", "Done means", "longtext"),
        FieldSpec("status", "Status", "choice", vocab.HANDOVER_STATUSES, required=True),
    ),
    record=records.HandoverRecord,
    select=(
        "SELECT id, programme_id, source_kind, source_id, item, owner, due_on, done_means, status, version,"
        " updated_at FROM handover"
    ),
    order="id",
    shared=("source_kind", "owner", "status", "due_on", "updated_at"),
    describe=lambda row: _clip(row.get("item")),
)

# A person's override of a derived verdict (programme when outcome_id is empty, else that
# outcome's); who set it and when is in the history.
VERDICT = Kind(
    name="verdict",
    label="Verdict override",
    table="verdict_override",
    fields=(
        FieldSpec("outcome_id", "Outcome", "outcome"),
        FieldSpec("rating", "Rating (DCA)", "choice", vocab.DCA_RATINGS, required=True),
        FieldSpec("reason", "Reason", "longtext", required=True),
    ),
    record=records.VerdictOverrideRecord,
    select="SELECT id, programme_id, outcome_id, rating, reason, version, updated_at FROM verdict_override",
    order="outcome_id IS NOT NULL, outcome_id, id",
    describe=lambda row: f"{'outcome' if row.get('outcome_id') is not None else 'programme'} verdict {row.get('rating')}",
)

ACKNOWLEDGEMENT = Kind(
    name="acknowledgement",
    label="Acknowledgement",
    table="acknowledgement",
    fields=(
        FieldSpec("rule", "Rule", required=True),
        FieldSpec("kind", "About", required=True),
        FieldSpec("record_id", "Record", "int"),
        FieldSpec("record_version", "Record version", "int"),
        FieldSpec("reason", "Reason", "longtext", required=True),
        FieldSpec("until", "Until", "date"),
        FieldSpec("actor", "By", required=True),
        FieldSpec("at", "At", required=True),
    ),
    record=records.AcknowledgementRecord,
    select=(
        "SELECT id, programme_id, rule, kind, record_id, record_version, reason, until, actor, at, version,"
        " updated_at FROM acknowledgement"
    ),
    order="id",
    describe=lambda row: f"{row.get('kind')} #{row.get('record_id') or '-'}: {_clip(row.get('reason'), 40)}",
)

KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (PROGRAMME, PERSON, RACI, OUTCOME, PROGRESS, DELIVERABLE, RISK, ACTION, LESSON, HANDOVER, VERDICT,
                 ACKNOWLEDGEMENT)
}


def kind_of(name: str) -> Kind:
    """Look up a record type by name, with a clear error for a wrong one."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown record type {name!r}; expected one of {', '.join(KINDS)}") from None
