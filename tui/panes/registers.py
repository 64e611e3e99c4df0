"""The register panes: RACI, deliverables, risks and issues, actions, lessons, history."""

from __future__ import annotations

from functools import partial
from typing import Any

from assure.models import history_text, vocab
from assure.models.dates import format_date, today
from assure.models.judgement import default_approver, next_number, next_risk_ref, sign_off_changes
from assure.models.kinds import KINDS
from assure.models.text import display_text
from assure.tui import tones
from assure.tui.tones import local_time
from assure.tui.panes.base import TablePane, field_lines
from assure.tui.widgets.virtual_table import Column
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

RACI_LEGEND = (
    "RACI: Responsible and Consulted roles endorse; the Accountable owner approves. "
    "R ● Responsible · A ★ Accountable · C ◌ Consulted · I · Informed"
)


def _status_column(statuses: tuple[str, ...], index: int, width: int = 17, key: str = "status",
                   label: str = "Status") -> Column:
    """A status column, coloured by tone and sorted in workflow order (not alphabetically)."""
    return Column(key, label, width=width, format=tones.status_text, tone=lambda row: tones.status_tone(row[index]),
                  sort_key=partial(vocab.workflow_rank, statuses))


class RaciPane(TablePane):
    """Key transition roles; the Accountable stands out."""

    kind = "raci"
    title = "RACI · key transition roles"
    empty_message = "No roles recorded"
    renamed_fields = {"person": "person_id"}

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static(Text(RACI_LEGEND), classes="raci-legend", markup=False)

    def columns(self) -> list[Column]:
        return [
            Column("letter", "RACI", width=6,
                   format=lambda letter: f"{tones.RACI_TONES.get(letter, (None, ''))[1]} {letter}",
                   tone=lambda row: tones.RACI_TONES.get(row[0], (None, ""))[0]),
            Column("person", "Name", max_width=24),
            Column("role", "Transition role", flex=True),
            Column("note", "Note", max_width=30),
        ]

    def row(self, record: Any) -> tuple:
        return (record.letter, record.person_name, record.role, record.note)

    def detail(self, record: Any) -> Text:
        return field_lines([
            ("Person", record.person_name), ("Role", record.role),
            ("RACI", f"{record.letter} — {vocab.RACI_MEANING.get(record.letter, '')}"), ("Note", record.note),
        ])


class DeliverablesPane(TablePane):
    """The sign-off register."""

    kind = "deliverable"
    title = "Deliverables · sign-off register"
    empty_message = "No deliverables match"
    renamed_fields = {"outcome": "outcome_id"}

    BINDINGS = [Binding("S", "sign_off", "Sign off", id="deliverables.sign_off")]

    def defaults(self) -> dict[str, Any]:
        return {"status": "Not Started"}

    def action_sign_off(self) -> None:
        """Sign off the deliverable: status Signed Off, today's date, the approver chosen."""
        from assure.tui.editing import CellEditor

        record = self.current_record
        if record is None:
            return
        names = self.person_names()
        default = default_approver(record, self.store.raci(self.programme_id))
        choices = [(name, name) for name in names]
        if default and default not in names:
            choices.insert(0, (default, default))
        spec = KINDS["deliverable"].field("approved_by")

        def save(approver: Any) -> str | None:
            return self._save_fields(record, sign_off_changes(approver))

        self._open_editor(CellEditor(spec, default, self.cursor_cell_region(), choices=choices, save=save,
                                        title="Sign off today: choose the approver"))

    def columns(self) -> list[Column]:
        return [
            Column("outcome", "Out", width=4, align="right"),
            Column("title", "Deliverable", flex=True),
            Column("approved_by", "Approved by", max_width=15),
            _status_column(vocab.DELIVERABLE_STATUSES, index=3, width=17),
            Column("date", "Date", width=11, format=format_date),
            # How stale an open deliverable is: days since it last changed (blank once done).
            Column("age", "Age", width=5, align="right", format=tones.age_text,
                   tone=lambda row: "warn", hide_below=100),
        ]

    def row(self, record: Any) -> tuple:
        age = None if record.status in vocab.DELIVERABLE_DONE else record.updated_at
        return (record.outcome_number, record.title, record.approved_by, record.status, record.date, age)

    def detail(self, record: Any) -> Text:
        return field_lines([
            ("Deliverable", record.title),
            ("Outcome", record.outcome_number),
            ("Approved by", record.approved_by),
            ("Status", tones.status_text(record.status)),
            ("Date", format_date(record.date)),
            ("Note", record.note),
            ("Last changed", f"{tones.age_text(record.updated_at)} ago"),
        ])


class RisksPane(TablePane):
    """Risks and issues, scored likelihood x impact."""

    kind = "risk"
    title = "Risks & issues"
    empty_message = "No risks or issues recorded"

    def defaults(self) -> dict[str, Any]:
        # While rows are still being read, the records shown are not all of them.
        records = self.store.list(self.kind, self.programme_id) if self.loading_total else self.records.values()
        return {"ref": next_risk_ref([record.ref for record in records]), "kind": "Risk", "status": "Open", "raised_on": today().isoformat()}

    def columns(self) -> list[Column]:
        return [
            Column("ref", "Ref", width=5),
            Column("kind", "Kind", width=5, hide_below=100),
            Column("description", "Description", flex=True),
            Column("likelihood", "L", width=1, align="right"),
            Column("impact", "I", width=1, align="right"),
            Column("score", "Score", width=10, format=tones.band_text, tone=lambda row: tones.band_tone(row[5]),
                   sort_key=lambda score: score, descending_first=True),
            Column("owner", "Owner", max_width=14),
            _status_column(vocab.RISK_STATUSES, index=7, width=12),
            Column("review_on", "Review", width=11, format=format_date, hide_below=110),
            Column("age", "Age", width=5, align="right",
                   format=lambda stamp: tones.age_text(stamp),
                   tone=lambda row: "warn" if row[7] in vocab.RISK_OPEN else "muted"),
        ]

    def row(self, record: Any) -> tuple:
        return (record.ref, record.kind, record.description, record.likelihood, record.impact, record.score,
                record.owner, record.status, record.review_on, record.updated_at)

    def detail(self, record: Any) -> Text:
        return field_lines([
            ("Ref", f"{record.ref} ({record.kind})"), ("Description", record.description),
            ("Score", f"{tones.band_text(record.score)} (likelihood {record.likelihood or '?'} x impact {record.impact or '?'})"),
            ("Owner", record.owner), ("Status", tones.status_text(record.status)),
            ("Latest update", record.latest_update),
            ("Raised", format_date(record.raised_on)), ("Review", format_date(record.review_on)),
            ("Last changed", f"{tones.age_text(record.updated_at)} ago"),
        ])


class ActionsPane(TablePane):
    """Close-out recommendations and next steps."""

    kind = "action"
    title = "Actions · close-out recommendations and next steps"
    empty_message = "No actions recorded"

    def defaults(self) -> dict[str, Any]:
        numbers = [r.number for r in self.records.values() if r.kind == "Close-out recommendation"]
        return {"number": next_number(numbers), "kind": "Close-out recommendation", "status": "Open"}

    def columns(self) -> list[Column]:
        return [
            # "C1" is close-out recommendation 1, "N1" next step 1: the kind survives narrow screens.
            Column("number", "No", width=3, align="right", format=lambda pair: f"{pair[0][0]}{pair[1]}",
                   sort_key=lambda pair: (pair[0], pair[1])),
            Column("kind", "Kind", width=9, format=lambda kind: "Close-out" if kind.startswith("Close") else kind,
                   hide_below=100),
            Column("description", "Description", flex=True),
            Column("owner", "Owner", max_width=14),
            # The raw value is (due date, status) so the cell can say "overdue" and still sort by date.
            Column("due_on", "Due", width=13, format=lambda due: tones.due_text(*due),
                   tone=lambda row: tones.due_tone(*row[4]), sort_key=lambda due: due[0] or "9999"),
            _status_column(vocab.ACTION_STATUSES, index=5, width=13),
            Column("age", "Age", width=5, align="right", format=tones.age_text,
                   tone=lambda row: "warn" if row[5] in vocab.ACTION_OPEN else "muted"),
        ]

    def row(self, record: Any) -> tuple:
        return ((record.kind, record.number), record.kind, record.description, record.owner,
                (record.due_on, record.status),
                record.status, record.updated_at)

    def detail(self, record: Any) -> Text:
        return field_lines([
            ("Action", f"{record.kind} {record.number}"), ("Description", record.description),
            ("Owner", record.owner), ("Due", tones.due_text(record.due_on, record.status)),
            ("Status", tones.status_text(record.status)), ("Last changed", f"{tones.age_text(record.updated_at)} ago"),
        ])


class LessonsPane(TablePane):
    """Key learning points."""

    kind = "lesson"
    title = "Lessons · key learning points"
    empty_message = "No lessons recorded"

    def defaults(self) -> dict[str, Any]:
        return {"number": next_number(r.number for r in self.records.values())}

    def columns(self) -> list[Column]:
        return [
            Column("number", "No", width=3, align="right"),
            Column("description", "Learning point", flex=True),
            Column("recommendation", "Recommendation", max_width=30),
            Column("responsible", "Responsible", max_width=20),
        ]

    def row(self, record: Any) -> tuple:
        return (record.number, record.description, record.recommendation, record.responsible)


class HistoryPane(TablePane):
    """The audit trail, newest first."""

    kind = "history"
    title = "History · who changed what"
    empty_message = "No changes recorded"

    BINDINGS = [Binding("A", "show_all", "All changes", id="history.all")]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self.only_record: tuple[str, int, str] | None = None

    def fetch(self, store=None, limit: int | None = None) -> list[Any]:
        store = store or self.store
        if self.only_record is not None:
            kind, record_id, _ = self.only_record
            return store.history(self.programme_id, kind=kind, record_id=record_id, limit=limit)
        return store.history(self.programme_id, limit=limit)

    def record_count(self) -> int | None:
        if self.only_record is not None:
            return None
        return self.store.history_count(self.programme_id)

    def show_record(self, kind: str, record_id: int, label: str) -> None:
        """Only this record's changes (A shows all again)."""
        self.only_record = (kind, record_id, label)
        self.load(self.programme_id)

    def action_show_all(self) -> None:
        self.only_record = None
        self.load(self.programme_id)

    def update_title(self) -> None:
        super().update_title()
        if self.only_record is not None:
            kind, _, label = self.only_record
            self.query_one(".pane-title", Static).update(
                Text(f"History of {kind} '{display_text(label)}' · {self.table.total_count} changes · A shows all")
            )

    def columns(self) -> list[Column]:
        return [
            # "21 Apr 2021 10:30" is 17 cells: any less cuts the minutes off.
            Column("at", "When", width=17, format=local_time),
            Column("user", "Who", max_width=12),
            Column("record", "Record", flex=True),
            Column("field", "Change", max_width=18),
            Column("old", "From", max_width=18),
            Column("new", "To", max_width=18),
        ]

    def row(self, record: Any) -> tuple:
        what = f"{record.kind} {record.record_label}"
        change = history_text.change_text(record.kind, record.action, record.field)
        old, new = history_text.old_new_text(record.kind, record.action, record.field,
                                             record.old_value, record.new_value)
        return (record.at, record.user, what, change, old or None, new or None)

    def detail(self, record: Any) -> Text:
        old, new = history_text.old_new_text(record.kind, record.action, record.field,
                                             record.old_value, record.new_value, limit=1000)
        change = history_text.change_text(record.kind, record.action, record.field)
        if record.action == "undo":
            change = f"Undo of a change to {history_text.field_label(record.kind, record.field)}"
        return field_lines([
            ("When", local_time(record.at)), ("Who", record.user),
            ("Record", f"{record.kind} #{record.record_id}: {record.record_label}"),
            ("Change", change), ("From", old), ("To", new),
        ])

