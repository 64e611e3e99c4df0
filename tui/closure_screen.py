"""The closure screen: the closure gate's checklist, the sign-off burn-up and the handover
register, on one screen (``c``, or "Closure readiness" in the palette)."""

from __future__ import annotations

from assure.models.text import display_text
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


def burn_up_for(store, programme) -> "object":
    """The programme's burn-up, as of its reporting date (else today)."""
    from assure.models.burnup import burn_up
    from assure.models.dates import today
    from assure.models.judgement import due_date

    total, dates = store.signoff_dates(programme.id)
    return burn_up(total, dates, due_date(programme.as_of) or today())


class ClosureScreen(ModalScreen[object]):
    """May the programme close? Each check passes or fails with the records that fail it."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="closure.close"),
        Binding("T", "transfer", "Transfer what stays open", id="closure.transfer"),
        Binding("u", "undo", "Undo", show=False, id="closure.undo"),
    ]

    def __init__(self, store, programme_id: int) -> None:
        super().__init__()
        self.store = store
        self.programme_id = programme_id
        #: One entry per checklist row: ("check", Check) or ("item", Failing).
        self.entries: list[tuple[str, object]] = []
        self.readiness = None

    def compose(self) -> ComposeResult:
        from assure.tui.panes.handover import HandoverPane
        from assure.tui.widgets.virtual_table import Column, VirtualTable

        with Vertical(id="closure-box"):
            yield Static("", id="closure-verdict", markup=False)
            yield VirtualTable(
                [Column("mark", "", width=6, tone=lambda row: row[2]), Column("what", "Check · failing records", flex=True)],
                empty_message="", id="closure-checks",
            )
            yield Static("", id="closure-burnup", markup=False)
            yield HandoverPane(self.store, id="handover")
            yield Static(Text("Enter opens a record · Tab: next list · T hands over what stays open · e edits · Esc",
                              no_wrap=True, overflow="ellipsis"), id="closure-help", markup=False)

    def on_mount(self) -> None:
        from assure.tui.panes.handover import HandoverPane

        self.query_one(HandoverPane).load(self.programme_id)
        self.reload_data()
        self.query_one("#closure-checks").focus()

    def on_screen_resume(self) -> None:
        # Back from an editor or a form: an edit may have passed (or failed) a check.
        self.reload_data()

    def reload_data(self) -> None:
        """Run the gate again and redraw the checklist and the burn-up: worked out in a
        thread on a connection of its own (at 100k records the gate reads every register and
        runs every rule: seconds), the keys working meanwhile; what is shown stays until then."""
        from functools import partial

        from assure.tui.panes.handover import HandoverPane

        programme = self.store.get("programme", self.programme_id)
        if programme is None:
            return
        pane = self.query_one(HandoverPane)
        if {r.id: r for r in self.store.handovers(self.programme_id)} != pane.records:
            key = pane.table.cursor_key
            pane.load(self.programme_id)
            if key is not None:
                pane.table.move_to_key(key)
        self._generation += 1
        self.working = True
        title = self.query_one("#closure-verdict", Static)
        if self.readiness is None:
            title.update(Text(f"Closure: working out the checks… · {display_text(programme.name)}", style="bold",
                              no_wrap=True, overflow="ellipsis"))
        else:
            title.update(Text.assemble(self._title, (" · re-checking…", "italic"), no_wrap=True, overflow="ellipsis"))
        # The Overview's findings when of the data as it is: the rules are most of the work.
        judged = getattr(self.app, "overview_judgement", lambda: None)()
        height = 4 if self.app.size.height < 36 else 6
        width = max(self.app.size.width - 6, 20)
        self.run_worker(partial(self._work_out, programme, self._generation, judged[0] if judged else None,
                                width, height), name="closure", description="closure checks", thread=True,
                        exclusive=True, group="closure")

    _generation = 0
    #: True while the checks are being worked out (tests wait for it).
    working = False
    _title = Text()

    def _work_out(self, programme, generation: int, findings, width: int, height: int) -> None:
        from assure.models.burnup import text_chart
        from assure.models.closure import closure_readiness
        from assure.models.collector import collector_paused

        with collector_paused():  # tens of thousands of failing rows at 100k
            try:
                with self.store.reader() as reader:
                    readiness = closure_readiness(reader, self.programme_id, findings=findings)
                    chart = text_chart(burn_up_for(reader, programme), width=width, height=height)
                rows, entries = _rows_of(readiness)
                problem = None
            except Exception as error:  # e.g. the database went away: said on screen, never a crash
                readiness = chart = rows = entries = None
                problem = f"Could not read the database: {error}"
            self.app.call_from_thread(self._arrived, programme, generation, readiness, rows, entries, chart, problem)

    def _arrived(self, programme, generation: int, readiness, rows, entries, chart, problem: str | None) -> None:
        from assure.tui.widgets.virtual_table import VirtualTable

        if generation != self._generation or not self.is_attached:
            return  # a newer reload has superseded this one, or the screen has closed
        self.working = False
        if problem is not None:
            self.query_one("#closure-verdict", Static).update(Text(display_text(problem), style="bold"))
            return
        self.readiness, self.entries = readiness, entries
        verdict = "✓ READY to close" if readiness.ready else "✗ NOT READY to close"
        self._title = Text(f"Closure: {verdict} · {readiness.passed_count} of {len(readiness.checks)} checks pass"
                           f" · {display_text(programme.name)}", style="bold")
        self.query_one("#closure-verdict", Static).update(Text.assemble(self._title, no_wrap=True,
                                                                        overflow="ellipsis"))
        table = self.query_one("#closure-checks", VirtualTable)
        key = table.cursor_key
        table.set_rows(rows, list(range(len(rows))))
        if key is not None and key < len(rows):
            table.move_to_key(key)
        self.query_one("#closure-burnup", Static).update(Text("\n".join(chart)))

    def on_virtual_table_row_selected(self, event) -> None:
        from assure.tui.panes.handover import HandoverPane

        if event.control.id != "closure-checks":
            return
        event.stop()
        if event.key is None or event.key >= len(self.entries):
            return
        kind, entry = self.entries[event.key]
        if kind == "check":
            return
        if entry.kind == "handover":
            pane = self.query_one(HandoverPane)
            pane.set_filter("")
            pane.table.move_to_key(entry.record_id)
            pane.focus_table()
            return
        self.dismiss(entry)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in {"transfer", "undo"} and self.store.read_only:
            return False  # not offered at all: a dimmed key reads as enabled under NO_COLOR
        return True

    def action_transfer(self) -> None:
        """Add a handover item for each deliverable, risk or action that stays open and has none."""
        from assure.models.closure import handover_proposals
        from assure.models.db import StoreError

        if self.store.read_only:
            self.notify("Opened read-only: nothing can be added.", severity="warning")
            return
        added = 0
        try:
            for proposal in handover_proposals(self.store, self.programme_id):
                self.store.create("handover", self.programme_id, proposal)
                added += 1
        except (StoreError, ValueError) as error:
            self.notify(f"Stopped after {added} items: {error}", severity="error")
        self.app.mark_stale()
        self.reload_data()
        self.notify(f"Added {added} handover item{'s' if added != 1 else ''}: give each a new owner and a due date."
                    if added else "Everything that stays open is already in the handover register.")

    def action_undo(self) -> None:
        self.app.action_undo()
        self.reload_data()

    def action_close(self) -> None:
        self.dismiss(None)


def _rows_of(readiness) -> tuple[list, list]:
    """The checklist's rows (a check, then the records failing it) and the entry behind each."""
    rows, entries = [], []
    for check in readiness.checks:
        entries.append(("check", check))
        rows.append(("✓ PASS" if check.passed else "✗ FAIL", check.title, "good" if check.passed else "bad"))
        for item in check.failing:
            entries.append(("item", item))
            rows.append(("", f"  {item.message}", None))
    return rows, entries
