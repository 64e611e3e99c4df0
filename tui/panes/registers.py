"""The register panes: RACI, deliverables, risks and issues, actions, lessons, history."""

from __future__ import annotations

from functools import partial
from typing import Any

from assure.models import history_text, vocab
from assure.models.dates import format_date, format_short_date, today
from assure.models.judgement import (
    default_approver, next_number, next_risk_ref, sign_off_changes, sign_off_date, signed_off_by,
)
from assure.models.kinds import KINDS, FieldSpec
from assure.models.text import display_text
from assure.tui import tones
from assure.tui.panes.base import TablePane, detail_lines, field_lines
from assure.tui.widgets.virtual_table import Column, VirtualTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Static

RACI_LEGEND = (
    "RACI: Responsible and Consulted roles endorse; the Accountable owner approves. "
    + tones.SEPARATOR.join(f"{letter} {tones.RACI_TONES[letter][1]} {vocab.RACI_MEANING[letter].split(' (')[0]}"
                           for letter in ("R", "A", "C", "I"))
)

#: A window this tall shows the Sign-offs burn-up unless the user hides it (B): below it
#: the table keeps the room, and B shows a shorter chart.
BURNUP_ROOM = 40


def status_column(statuses: tuple[str, ...], width: int, **narrow: Any) -> dict[str, Any]:
    """A status column coloured by tone and sorted in workflow order (not alphabetically)."""
    return dict(width=width, format=tones.status_text, tone=lambda record: tones.status_tone(record.status),
                sort_key=partial(vocab.workflow_rank, statuses), **narrow)


class RaciPane(TablePane):
    """Key transition roles; the Accountable stands out."""

    kind = "raci"
    title = "RACI"
    empty_message = "No roles recorded"

    # Listed by ? and the palette: the footer keeps its room at 80 columns.
    BINDINGS = [Binding("P", "app.people", "People: rename, merge spellings", show=False, id="raci.people")]

    def compose(self) -> ComposeResult:
        yield from super().compose()
        yield Static(Text(RACI_LEGEND), classes="raci-legend", markup=False)

    def pane_title(self) -> str:
        return f"RACI · {self.app.programme_words().roles}"

    def load(self, programme_id: int | None) -> None:
        # "Transition role" only where the programme's roles are about a transition.
        transition = "transition" in self.app.programme_words().roles
        self.table.relabel("role", "Transition role" if transition else "Role")
        super().load(programme_id)

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        return {
            "letter": dict(width=6, format=lambda letter: f"{tones.RACI_TONES.get(letter, (None, ''))[1]} {letter}",
                           tone=lambda record: tones.RACI_TONES.get(record.letter, (None, ""))[0]),
            "person": dict(max_width=24),
            "role": dict(flex=True),
            "note": dict(max_width=30),
        }

    def detail(self, record: Any) -> Text:
        return detail_lines(self.kind, record, [
            ("person_id", "Person", record.person_name), ("role", "Role", record.role),
            ("letter", "RACI", f"{record.letter} — {vocab.RACI_MEANING.get(record.letter, '')}"), ("note", "Note", record.note),
        ])


class DeliverablesPane(TablePane):
    """The sign-off register."""

    kind = "deliverable"
    title = "Deliverables"
    empty_message = "No deliverables match"

    BINDINGS = [Binding("S", "sign_off", "Sign off", id="deliverables.sign_off"),
                Binding("B", "toggle_burnup", "Burn-up", id="deliverables.burnup")]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        #: The user's choice (B): shown or hidden; None follows the window (shown when tall).
        self.burnup_chosen: bool | None = None
        self._burn = None  # the series, read when first drawn after a load or an edit

    def compose(self) -> ComposeResult:
        for widget in super().compose():
            if isinstance(widget, VirtualTable):  # the burn-up sits over the table
                yield Static("", id="deliverables-burnup", markup=False)
            yield widget

    @property
    def burnup_shown(self) -> bool:
        """Whether the burn-up is drawn: the user's choice, else whether the window has room."""
        if self.burnup_chosen is not None:
            return self.burnup_chosen
        return self.app.size.height >= BURNUP_ROOM

    def action_toggle_burnup(self) -> None:
        """Show or hide the burn-up of sign-offs over the table."""
        self.burnup_chosen = not self.burnup_shown
        self.draw_burnup()

    def load(self, programme_id: int | None) -> None:
        self._burn = None
        super().load(programme_id)
        self.draw_burnup()

    def after_change(self, key: int | None, *, reload: bool = False) -> None:
        self._burn = None
        super().after_change(key, reload=reload)
        self.draw_burnup()

    def on_resize(self) -> None:
        self.draw_burnup()

    def draw_burnup(self) -> None:
        """Draw the burn-up (block characters: it reads without colour) at the pane's width."""
        from assure.models.burnup import text_chart

        panel = self.query_one("#deliverables-burnup", Static)
        shown = self.burnup_shown and self.programme_id is not None
        panel.display = shown
        if not shown:
            return
        if self._burn is None:
            from assure.models.burnup import burn_up

            total, dates = self.store.signoff_dates(self.programme_id)
            self._burn = burn_up(total, dates, self.on or today())
        height = 6 if self.app.size.height >= BURNUP_ROOM else 3
        chart = text_chart(self._burn, width=max(self.size.width - 2, 20), height=height)
        chart[0] += f" · {self.app.keys_for('deliverables.burnup', 'B')} hides"
        panel.update(Text("\n".join(chart), no_wrap=True, overflow="ellipsis"))

    def pane_title(self) -> str:
        return f"Deliverables · {self.app.programme_words().register}"

    def defaults(self) -> dict[str, Any]:
        return {"status": "Not Started"}

    def action_sign_off(self) -> None:
        """Sign off the deliverable: asks the date (the reporting date by default) and the
        approver (the Accountable by default); an existing sign-off is never overwritten."""
        from assure.tui.editing import RecordForm

        record = self.current_record
        if record is None:
            return
        if (already := signed_off_by(record)) is not None:
            self.notify(display_text(already), title="Not signed off again", severity="warning", timeout=8)
            return
        programme = self.store.get("programme", self.programme_id)
        kind = KINDS["deliverable"]
        fields = [FieldSpec("date", "Sign-off date", "date", required=True), kind.field("approved_by")]
        values = {"date": sign_off_date(programme).isoformat(), "approved_by": default_approver(record, self.store.raci(self.programme_id))}

        def save(typed: dict[str, Any]) -> dict[str, str] | None:
            try:
                changes = sign_off_changes(typed.get("approved_by"), typed.get("date"))
            except ValueError as refused:
                return refused.args[0]
            return self._save_fields(record, changes, as_dict=True)

        self._open_editor(RecordForm(
            f"Sign off: {display_text(kind.describe(record._asdict()))}", fields, values,
            suggestions=self.person_names(), save=save,
        ))

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        # Below 100 cells (an 80-column window) the other columns give the title room: the
        # approver, status and date are drawn shorter (whole in the detail view and filter).
        narrow = 100
        return {
            "outcome": dict(width=4, align="right", narrow_below=narrow, narrow_width=3),
            "title": dict(flex=True),
            "approved_by": dict(max_width=15, narrow_below=narrow, narrow_width=10, narrow_label="Approver"),
            "status": status_column(vocab.DELIVERABLE_STATUSES, width=17, narrow_below=narrow, narrow_width=12,
                                    narrow_format=tones.status_short_text),
            "date": dict(width=11, format=format_date, narrow_below=narrow, narrow_width=9,
                         narrow_format=format_short_date),
            # How stale an open deliverable is: days since it last changed (blank once done).
            "age": dict(width=5, align="right", format=lambda stamp: tones.age_text(stamp, self.on),
                        tone=lambda record: "warn", hide_below=narrow,
                        value=lambda record: None if record.status in vocab.DELIVERABLE_DONE else record.updated_at),
        }

    def detail(self, record: Any) -> Text:
        return detail_lines(self.kind, record, [
            ("title", "Deliverable", record.title),
            ("outcome_id", "Outcome", record.outcome_number),
            ("approved_by", "Approved by", record.approved_by),
            ("status", "Status", tones.status_text(record.status)),
            ("date", "Date", format_date(record.date)),
            ("baseline_date", "Baseline", format_date(record.baseline_date)),
            ("note", "Note", record.note),
        ], tail=[("Last changed", f"{tones.age_text(record.updated_at, self.on)} ago")])


class RisksPane(TablePane):
    """Risks and issues, scored likelihood x impact."""

    kind = "risk"
    title = "Risks & issues"
    empty_message = "No risks or issues recorded"

    def defaults(self) -> dict[str, Any]:
        # While rows are still being read, the records shown are not all of them.
        records = self.store.list(self.kind, self.programme_id) if self.loading_total else self.records.values()
        return {"ref": next_risk_ref([record.ref for record in records]), "kind": "Risk", "status": "Open", "raised_on": today().isoformat()}

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        return {
            "ref": dict(width=5),
            "kind": dict(width=5, hide_below=100),
            "description": dict(flex=True),
            "likelihood": dict(width=1, align="right"),
            "impact": dict(width=1, align="right"),
            "score": dict(width=10, format=tones.band_text, tone=lambda record: tones.band_tone(record.score),
                          sort_key=lambda score: score, descending_first=True),
            "owner": dict(max_width=14),
            "status": status_column(vocab.RISK_STATUSES, width=12),
            "review_on": dict(width=11, format=format_date, hide_below=110),
            "age": dict(width=5, align="right", format=lambda stamp: tones.age_text(stamp, self.on),
                        tone=lambda record: "warn" if record.status in vocab.RISK_OPEN else "muted"),
        }

    def detail(self, record: Any) -> Text:
        return detail_lines(self.kind, record, [
            ("ref", "Ref", f"{record.ref} ({record.kind})"), ("kind", None, None),
            ("description", "Description", record.description),
            ("likelihood", "Score",
             f"{tones.band_text(record.score)} (likelihood {record.likelihood or '?'} x impact {record.impact or '?'})"),
            ("impact", None, None),
            ("owner", "Owner", record.owner), ("status", "Status", tones.status_text(record.status)),
            ("latest_update", "Latest update", record.latest_update),
            ("raised_on", "Raised", format_date(record.raised_on)), ("review_on", "Review", format_date(record.review_on)),
        ], tail=[("Last changed", f"{tones.age_text(record.updated_at, self.on)} ago")])


class ActionsPane(TablePane):
    """Close-out recommendations and next steps."""

    kind = "action"
    title = "Actions · close-out recommendations and next steps"
    empty_message = "No actions recorded"

    def defaults(self) -> dict[str, Any]:
        numbers = [r.number for r in self.records.values() if r.kind == "Close-out recommendation"]
        return {"number": next_number(numbers), "kind": "Close-out recommendation", "status": "Open"}

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        return {
            # "C1" is close-out recommendation 1, "N1" next step 1: the kind survives narrow screens.
            "number": dict(width=3, align="right", value=lambda record: (record.kind, record.number),
                           format=lambda pair: f"{pair[0][0]}{pair[1]}", sort_key=lambda pair: (pair[0], pair[1])),
            "kind": dict(width=9, format=lambda kind: "Close-out" if kind.startswith("Close") else kind, hide_below=100),
            "description": dict(flex=True),
            "owner": dict(max_width=14),
            # The raw value is (due date, status) so the cell can say "overdue" and still sort by date.
            "due_on": dict(width=13, value=lambda record: (record.due_on, record.status),
                           format=lambda due: tones.due_text(*due, self.on),
                           tone=lambda record: tones.due_tone(record.due_on, record.status, self.on),
                           sort_key=lambda due: due[0] or "9999"),
            "status": status_column(vocab.ACTION_STATUSES, width=13),
            "age": dict(width=5, align="right", format=lambda stamp: tones.age_text(stamp, self.on),
                        tone=lambda record: "warn" if record.status in vocab.ACTION_OPEN else "muted"),
        }

    def detail(self, record: Any) -> Text:
        return detail_lines(self.kind, record, [
            ("number", "Action", f"{record.kind} {record.number}"), ("kind", None, None),
            ("description", "Description", record.description),
            ("owner", "Owner", record.owner), ("due_on", "Due", tones.due_text(record.due_on, record.status, self.on)),
            ("status", "Status", tones.status_text(record.status)),
        ], tail=[("Last changed", f"{tones.age_text(record.updated_at, self.on)} ago")])


class LessonsPane(TablePane):
    """Key learning points."""

    kind = "lesson"
    title = "Lessons · key learning points"
    empty_message = "No lessons recorded"

    def defaults(self) -> dict[str, Any]:
        return {"number": next_number(r.number for r in self.records.values())}

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        return {
            "number": dict(width=3, align="right"),
            "description": dict(flex=True),
            "recommendation": dict(max_width=30),
            "responsible": dict(max_width=20),
        }


class HistoryPane(TablePane):
    """The audit trail, newest first."""

    kind = "history"
    title = "History · who changed what"
    empty_message = "No changes recorded"

    BINDINGS = [Binding("A", "show_all", "All changes", id="history.all")]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(store, id=id)
        self.only_record: tuple[str, int, str] | None = None

    def fetch(self, store=None, limit: int | None = None, *, large: bool = False) -> list[Any]:
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
                Text(f"History of {kind} '{display_text(label)}' · {changes_text(self.table.total_count)} · A shows all")
            )

    def columns(self) -> list[Column]:
        return [
            # "21 Apr 2021 10:30" is 17 cells: any less cuts the minutes off.
            Column("at", "When", width=17, format=local_time),
            Column("user", "Who", max_width=12),
            Column("record", "Record", flex=True),
            Column("field", "Change", max_width=18, min_width=11),  # "undo delete" whole at 80 columns
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
        elif record.action == "undo-create":
            change = "Undo of an add: the record removed again"
        elif record.action == "undo-delete":
            change = "Undo of a delete: the record restored"
        return field_lines([
            ("When", local_time(record.at)), ("Who", record.user),
            ("Record", f"{record.kind} #{record.record_id}: {record.record_label}"),
            ("Change", change), ("From", old), ("To", new),
        ])


def changes_text(count: int) -> str:
    """``1 change``, ``3 changes``."""
    return f"{count} change" if count == 1 else f"{count} changes"


#: A stored UTC time shown in the user's time zone: ``21 Apr 2021 10:30`` (as the CLI shows it).
local_time = history_text.when_text
