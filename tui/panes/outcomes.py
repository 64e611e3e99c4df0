"""Outcomes: the list, and for the one selected its progress narrative and deliverables."""

from __future__ import annotations

from functools import partial
from typing import Any

from assure.models import vocab
from assure.models.judgement import next_number
from assure.models.text import display_text
from assure.tui import tones
from assure.tui.panes.base import TablePane
from rich.text import Text
from textual.binding import Binding
from textual.message import Message


class OutcomesPane(TablePane):
    """Outcomes with sign-off progress; the detail shows narrative and deliverables."""

    kind = "outcome"
    title = "Outcomes"
    empty_message = "No outcomes recorded"

    BINDINGS = [
        Binding("o", "show_deliverables", "Deliverables", id="outcomes.deliverables"),
        Binding("n", "edit_progress", "Narrative", id="outcomes.progress"),
        Binding("J", "scroll_detail(1)", "Scroll narrative down", show=False, id="outcomes.detail_down"),
        Binding("K", "scroll_detail(-1)", "Scroll narrative up", show=False, id="outcomes.detail_up"),
    ]

    def action_scroll_detail(self, direction: int) -> None:
        """Scroll the narrative and deliverables below the list by most of its height."""
        detail = self.query_one(".pane-detail")
        step = max(1, detail.size.height - 2)
        detail.scroll_relative(y=direction * step, animate=False)

    def detail_view(self):
        from assure.tui.panes.base import DetailView

        return DetailView(classes="pane-detail")

    def defaults(self) -> dict[str, Any]:
        return {"number": next_number(r.number for r in self.records.values()), "status": "Not Started"}

    def action_edit_progress(self) -> None:
        """Edit the selected outcome's progress narrative, item by item."""
        from assure.tui.screens import ProgressScreen

        record = self.current_record
        if record is not None:
            self.app.push_screen(ProgressScreen(self.store, record), lambda _: self.after_change(record.id, reload=True))

    class ShowDeliverables(Message):
        """Ask the app to show one outcome's deliverables."""

        def __init__(self, outcome_number: int) -> None:
            super().__init__()
            self.outcome_number = outcome_number

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        return {
            "number": dict(width=3, align="right"),
            "title": dict(flex=True),
            "status": dict(width=13, format=tones.status_text, tone=lambda record: tones.status_tone(record.status),
                           sort_key=partial(vocab.workflow_rank, vocab.OUTCOME_STATUSES)),
            "progress": dict(width=16, value=lambda record: (record.deliverables_done, record.deliverables_total),
                             format=lambda pair: tones.progress_bar(*pair, width=8),
                             tone=lambda record: "good" if record.deliverables_total
                             and record.deliverables_done == record.deliverables_total else "warn",
                             sort_key=lambda pair: pair[0] / pair[1] if pair[1] else -1),
        }

    def load(self, programme_id: int | None) -> None:
        self._progress: dict[int, list] = {}
        self._deliverables: dict[int, list] = {}
        if programme_id is not None:
            for item in self.store.progress(programme_id):
                self._progress.setdefault(item.outcome_id, []).append(item)
            for deliverable in self.store.deliverables(programme_id):
                self._deliverables.setdefault(deliverable.outcome_id, []).append(deliverable)
        # "Signed off" or "Delivered": what the bars count, in the programme's own words.
        self.table.relabel("progress", self.app.programme_words().done_column)
        super().load(programme_id)

    def detail(self, record: Any) -> Text:
        text = Text()
        text.append("(J and K scroll this)\n", style="italic")
        text.append(f"{record.number}. ", style="bold")
        text.append(display_text(record.title, multiline=True), style="bold")
        text.append(f"   {tones.status_text(record.status)}")
        if record.vision:
            text.append("\nVision: ", style="bold")
            text.append(display_text(record.vision, multiline=True))
        items = getattr(self, "_progress", {}).get(record.id, [])
        for horizon in vocab.HORIZONS:
            entries = [item for item in items if item.horizon == horizon]
            if entries:
                text.append(f"\n{horizon}:", style="bold")
                for item in entries:
                    text.append("\n  • ")
                    text.append(display_text(item.text, multiline=True))
        deliverables = getattr(self, "_deliverables", {}).get(record.id, [])
        if not items:
            text.append("\nNo progress narrative yet (n adds it).")
        text.append(f"\nDeliverables ({len(deliverables)}; press o to open them in the register):", style="bold")
        for deliverable in deliverables:
            text.append(f"\n  {tones.status_text(deliverable.status):<18} ")
            text.append(display_text(deliverable.title, multiline=True))
        return text

    def action_show_deliverables(self) -> None:
        key = self.table.cursor_key
        record = self.records.get(key) if key is not None else None
        if record is not None:
            self.post_message(self.ShowDeliverables(record.number))
