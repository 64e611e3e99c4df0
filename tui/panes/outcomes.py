"""Outcomes: the list with each outcome's verdict, and for the one selected its verdict with
the reasons that drive it, its progress narrative and deliverables.

The verdicts are worked out (every rule over the programme) in a thread on a reader of
their own after the rows are shown; until then the column reads "…".
"""

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

    #: Each outcome's verdict by its id, once worked out (replaced whole, never changed).
    _verdicts: dict = {}
    _deliverables: dict | None = None  # set per load (the cache is filled, so never shared)

    kind = "outcome"
    title = "Outcomes"
    empty_message = "No outcomes recorded"

    BINDINGS = [
        Binding("o", "show_deliverables", "Deliverables", id="outcomes.deliverables"),
        Binding("n", "edit_progress", "Narrative", id="outcomes.progress"),
        Binding("J", "scroll_detail(1)", "Scroll narrative down", show=False, id="outcomes.detail_down"),
        Binding("K", "scroll_detail(-1)", "Scroll narrative up", show=False, id="outcomes.detail_up"),
        # Out of the footer (it is full at 80 columns): the detail says "v overrides", ? lists it.
        Binding("v", "override_verdict", "Override the outcome's verdict", show=False, id="outcomes.override"),
        # Read-only: the same key says why nothing can be written (no description: not listed).
        Binding("v", "override_verdict_refused", show=False, id="outcomes.override"),
    ]

    #: The verdicts (:class:`~assure.models.verdict.Assessment`) once worked out, else None.
    assessment = None
    #: Override id -> the history row of its last change (who and when).
    _override_changes: dict = {}

    def check_action(self, action: str, parameters) -> bool | None:
        if action == "override_verdict_refused":
            return self.store.read_only
        return super().check_action(action, parameters)

    def action_override_verdict_refused(self) -> None:
        self.notify("Opened read-only: an outcome's verdict cannot be overridden.", severity="warning")

    def action_override_verdict(self) -> None:
        """Override the selected outcome's verdict with a DCA rating and a reason, or remove the override."""
        from assure.tui.screens import VerdictOverrideScreen

        record = self.current_record
        if record is None:
            return
        verdict = self._verdicts.get(record.id)
        if verdict is None:
            self.notify("The verdicts are still being worked out: try again in a moment.")
            return

        def done(changed: bool | None) -> None:
            if changed:
                self.after_change(record.id, reload=True)

        self.app.push_screen(VerdictOverrideScreen(self.store, self.programme_id, verdict), done)

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
            "verdict": dict(width=9, value=self._verdict_cell, format=_verdict_text,
                            tone=self._verdict_tone,
                            sort_key=lambda cell: _RAG_RANK[cell[0]] if cell else None, descending_first=True),
        }

    def _verdict_tone(self, record: Any) -> str | None:
        cell = self._verdict_cell(record)
        return tones.BAND_TONES[cell[0]][0] if cell else "muted"

    def _verdict_cell(self, record: Any) -> tuple[str, bool] | None:
        """(RAG, overridden) of an outcome, None until worked out."""
        verdict = self._verdicts.get(record.id)
        return None if verdict is None else (verdict.rag, verdict.overridden)

    def load(self, programme_id: int | None) -> None:
        self._progress: dict[int, list] = {}
        # Each outcome's deliverables, read when its detail is first shown: reading every
        # deliverable here held the keys for more than a second at 100k.
        self._deliverables: dict[int, list] = {}
        if programme_id is not None:
            for item in self.store.progress(programme_id):
                self._progress.setdefault(item.outcome_id, []).append(item)
        # "Signed off" or "Delivered": what the bars count, in the programme's own words.
        self.table.relabel("progress", self.app.programme_words().done_column)
        self.assessment, self._override_changes, self._verdicts = None, {}, {}
        super().load(programme_id)
        if programme_id is not None:
            # After the rows are drawn: the rules read every record, so they run in a thread.
            self.call_after_refresh(self.run_worker, partial(self._work_out_verdicts, programme_id, self._load_generation),
                                    thread=True, exclusive=True, group="outcome-verdicts")

    def _work_out_verdicts(self, programme_id: int, generation: int) -> None:
        from assure.models import kept
        from assure.models.dates import today as get_today
        from assure.models.rules import RulesCancelled
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            with self.store.reader() as reader:
                # The Overview's judgement of the same data, when it kept one, is read back.
                judgement = kept.judge(reader, programme_id, get_today(), cancelled=lambda: worker.is_cancelled)
                assessment = judgement.assessment
                changes: dict = {}
                for row in reader.history(programme_id, kind="verdict"):  # newest first
                    changes.setdefault(row.record_id, row)
        except RulesCancelled:
            return
        except Exception as error:  # shown, never a crash; the rows stay
            self.app.call_from_thread(self.notify, f"Could not work out the verdicts: {error}", severity="error")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_verdicts, programme_id, generation, assessment, changes)

    def _show_verdicts(self, programme_id: int, generation: int, assessment, changes: dict) -> None:
        if generation != self._load_generation or programme_id != self.programme_id:
            return  # a newer load has superseded this one
        self.assessment, self._override_changes = assessment, changes
        self._verdicts = {verdict.outcome_id: verdict for verdict in assessment.outcomes}  # by id: a thousand at 100k
        for key, record in self.records.items():
            self.table.update_row(key, self.row(record))
        self.show_detail()

    def detail(self, record: Any) -> Text:
        text = Text()
        text.append("(J and K scroll this)\n", style="italic")
        text.append(f"{record.number}. ", style="bold")
        text.append(display_text(record.title, multiline=True), style="bold")
        text.append(f"   {tones.status_text(record.status)}")
        text.append_text(self._verdict_detail(record))
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
        deliverables = self._deliverables_of(record.id)
        if not items:
            text.append("\nNo progress narrative yet (n adds it).")
        text.append(f"\nDeliverables ({len(deliverables)}; press o to open them in the register):", style="bold")
        for status, title in deliverables:
            text.append(f"\n  {tones.status_text(status):<18} ")
            text.append(display_text(title, multiline=True))
        return text

    def _deliverables_of(self, outcome_id: int) -> list[tuple[str, str]]:
        """(status, title) of an outcome's deliverables, read once per load."""
        if self._deliverables is None:
            self._deliverables = {}
        cache = self._deliverables
        if outcome_id not in cache:
            cache[outcome_id] = self.store.outcome_deliverables(outcome_id)
        return cache[outcome_id]

    def _verdict_detail(self, record: Any) -> Text:
        """The outcome's verdict, an override's reason and who set it when, and the derived reasons."""
        from assure.models.verdict import RAG_SYMBOLS

        text = Text("\n")
        verdict = self._verdicts.get(record.id)
        if verdict is None:
            text.append("Verdict: working it out…", style="bold")
            return text
        text.append(f"Verdict: {RAG_SYMBOLS[verdict.rag]} {verdict.rag} (DCA {verdict.dca})", style="bold")
        if verdict.overridden:
            override = verdict.override
            text.append(f", overridden; derived {RAG_SYMBOLS[verdict.derived_rag]} {verdict.derived_rag}"
                        f" (DCA {verdict.derived_dca})")
            text.append("\nOverride: ", style="bold")
            text.append(display_text(" ".join(str(override.reason).split())))
            change = self._override_changes.get(override.id)
            if change is not None:
                from assure.models.history_text import when_text

                text.append(f" (by {display_text(change.user)}, {when_text(change.at)})")
        text.append("\nDerived by the rules:" if verdict.overridden else "\nWhy:", style="bold")
        for reason in verdict.reasons:
            text.append("\n  ")
            text.append(f"{RAG_SYMBOLS[reason.level]} ")
            text.append(display_text(reason.text))
        if not self.store.read_only:
            text.append("\n(v overrides this verdict" + (" or removes the override)" if verdict.overridden else ")"),
                        style="italic")
        return text

    def action_show_deliverables(self) -> None:
        key = self.table.cursor_key
        record = self.records.get(key) if key is not None else None
        if record is not None:
            self.post_message(self.ShowDeliverables(record.number))


_RAG_RANK = {"Green": 0, "Amber": 1, "Red": 2}


def _verdict_text(cell: tuple[str, bool] | None) -> str:
    """``◆ Amber*`` (the * marks an override), ``…`` until worked out."""
    if cell is None:
        return "…"
    from assure.models.verdict import RAG_SYMBOLS

    rag, overridden = cell
    return f"{RAG_SYMBOLS[rag]} {rag}{'*' if overridden else ''}"
