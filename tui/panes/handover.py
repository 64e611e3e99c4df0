"""The handover register as an editable table (shown on the closure screen)."""

from __future__ import annotations

from functools import partial
from typing import Any

from assure.models import vocab
from assure.models.dates import format_date
from assure.models.kinds import KINDS
from assure.tui import tones
from assure.tui.panes.base import TablePane, field_lines
from assure.tui.widgets.virtual_table import Column

#: How the register names where an item came from.
SOURCE_NAMES = {"deliverable": "Deliverable", "risk": "Risk/issue", "action": "Action"}
SHORT_NAMES = {"deliverable": "Deliv", "risk": "Risk", "action": "Action"}


class HandoverPane(TablePane):
    """What stays open at closure: each item with its new owner, due date and what "done" means."""

    kind = "handover"
    title = "Handover register"
    empty_message = "Nothing handed over yet: T transfers what stays open, a adds an item"

    def defaults(self) -> dict[str, Any]:
        return {"status": "Proposed"}

    def columns(self) -> list[Column]:
        wide = self.app.size.width >= 100
        return [
            Column("source_kind", "From", width=11 if wide else 6,
                   format=lambda kind: SOURCE_NAMES.get(kind, "—") if wide else SHORT_NAMES.get(kind, "—")),
            Column("item", "Handed over", flex=True),
            Column("owner", "New owner", max_width=16, format=lambda owner: owner or "— none"),
            Column("due_on", "Due", width=11, format=lambda due: format_date(due) if due else "— none",
                   tone=lambda row: "bad" if not row[3] else None),
            Column("done_means", "Done means", max_width=24, hide_below=120),
            Column("status", "Status", width=11, format=tones.status_text,
                   tone=lambda row: tones.status_tone(row[5]), sort_key=partial(vocab.workflow_rank, vocab.HANDOVER_STATUSES)),
        ]

    def row(self, record: Any) -> tuple:
        return (record.source_kind, record.item, record.owner, record.due_on, record.done_means, record.status)

    async def action_record_history(self) -> None:
        """The item's history is a pane of the dashboard: close the closure screen to show it."""
        from textual.screen import ModalScreen

        record = self.current_record
        if record is None:
            return
        label = KINDS[self.kind].describe(record._asdict())
        if isinstance(self.screen, ModalScreen):
            self.screen.dismiss(None)
        await self.app.show_record_history(self.kind, record.id, label)

    def detail(self, record: Any) -> Any:
        return field_lines([
            ("Handed over", record.item), ("From", SOURCE_NAMES.get(record.source_kind or "", "—")),
            ("New owner", record.owner), ("Due", format_date(record.due_on)), ("Done means", record.done_means),
            ("Status", tones.status_text(record.status)),
        ])
