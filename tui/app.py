"""The Assure dashboard: one programme at a time, a pane per number key.

The app is built from a store (``AssureApp(store)``) by the CLI and the tests alike; it
reads through the store only and never writes SQL itself.
"""

from __future__ import annotations

import sys
import threading
from functools import partial
from importlib import import_module
from typing import Iterable

from assure.models.dates import format_date, today
from assure.models.db import ReadOnlyError, StoreBusy, StoreError
from assure.models.kinds import KINDS
from assure.models.text import display_text
from assure.models.vocab import ProgrammeWords, programme_words
from rich.text import Text
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Horizontal
from textual.content import Content
from textual.events import Click, Resize
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Static

#: (pane id, tab label, palette name), in number-key order.
PANES = (
    ("overview", "Overview", "Overview"),
    ("raci", "RACI", "RACI roles"),
    ("outcomes", "Outcomes", "Outcomes"),
    ("deliverables", "Sign-offs", "Deliverables (sign-off register)"),
    ("risks", "Risks", "Risks & issues"),
    ("actions", "Actions", "Actions"),
    ("lessons", "Lessons", "Lessons"),
    ("history", "History", "History"),
)

#: Where each pane's class lives. Only the pane shown first is imported and built before
#: the first frame; every other one the first time it is shown (``AssureApp.show_pane``).
PANE_CLASSES = {
    "overview": "assure.tui.panes.overview:OverviewPane",
    "raci": "assure.tui.panes.registers:RaciPane",
    "outcomes": "assure.tui.panes.outcomes:OutcomesPane",
    "deliverables": "assure.tui.panes.registers:DeliverablesPane",
    "risks": "assure.tui.panes.registers:RisksPane",
    "actions": "assure.tui.panes.registers:ActionsPane",
    "lessons": "assure.tui.panes.registers:LessonsPane",
    "history": "assure.tui.panes.registers:HistoryPane",
}

#: The pane that shows each kind of record (people are listed by name in the RACI pane;
#: progress items under their outcome).
PANE_OF_KIND = {
    "programme": "overview", "person": "raci", "raci": "raci", "outcome": "outcomes", "progress": "outcomes",
    "deliverable": "deliverables", "risk": "risks", "action": "actions", "lesson": "lessons", "verdict": "overview",
    "acknowledgement": "overview",
}

MIN_WIDTH, MIN_HEIGHT = 80, 24
POLL_SECONDS = 1.0


class PaneTab(Static):
    """One clickable tab: ``4 Sign-offs``."""

    def __init__(self, number: int, pane_id: str, label: str) -> None:
        super().__init__(Text(f"{number} {label}"), id=f"tab-{pane_id}", classes="pane-tab", markup=False)
        self.pane_id = pane_id

    async def on_click(self, event: Click) -> None:
        await self.app.show_pane(self.pane_id)


class ProgrammeCommands(Provider):
    """Palette entries that switch programme, built as Content: a name is never markup.

    (Textual's system commands parse their titles as markup, so programme names are
    kept out of them; help text is always parsed as markup, so it holds no data.)
    """

    HELP = "Show this programme"

    def _entries(self) -> list[tuple[str, object]]:
        app = self.app
        return [
            (f"Switch programme: {display_text(p.name)} ({display_text(p.code)})", partial(app.load_programme, p.id))
            for p in app.store.programmes()
        ]

    async def discover(self) -> Hits:
        for title, callback in self._entries():
            yield DiscoveryHit(Content(title), callback, text=title, help=self.HELP)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, callback in self._entries():
            score, offsets = matcher.fuzzy_search.match(matcher.query, title)
            if score > 0:
                prompt = Content(title)
                for offset in offsets:
                    prompt = prompt.stylize(matcher.match_style, offset, offset + 1)
                yield Hit(score, prompt, callback, text=title, help=self.HELP)


def _quietly(function) -> None:
    try:
        function()
    except Exception:  # a warm-up only: the save itself reports any real problem
        pass


class AssureApp(App):
    """Programme assurance at a glance, over a store."""

    CSS_PATH = "app.tcss"
    TITLE = "Assure"
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {ProgrammeCommands}

    BINDINGS = [
        *(
            Binding(str(number), f"show_pane('{pane_id}')", label, show=False, id=f"go.{pane_id}")
            for number, (pane_id, label, _) in enumerate(PANES, start=1)
        ),
        Binding("question_mark", "help", "Help", id="app.help"),
        # p and f are listed by ? and the palette: at 80 columns the footer keeps room for q.
        Binding("p", "switch_programme", "Programme", show=False, id="app.programme"),
        Binding("f", "findings", "Findings", show=False, id="app.findings"),
        Binding("c", "closure", "Closure", show=False, id="app.closure"),
        Binding("b", "since_board", "Since last board", show=False, id="app.since"),
        Binding("u", "undo", "Undo", id="app.undo"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, store, *, programme_id: int | None = None, poll_seconds: float = POLL_SECONDS,
                 picture: bool = False, keymap=None, pane: str = "overview") -> None:
        """Args:
            picture: drawn for a slide (``assure screenshot``): no key footer, no badge, no toasts.
            keymap: a :class:`~assure.tui.keymap.Keymap` read from the user's file (the
                command line reads it; tests pass their own): its keys replace the defaults
                by binding id, and a refused file's message is shown on start.
            pane: the pane shown first (the others are built when first shown).
        """
        super().__init__()
        self.picture = picture
        self.keymap = keymap
        self._clashes_told: set[str] = set()
        if keymap is not None and keymap.keys:
            self.set_keymap(keymap.keys)
        self.store = store
        #: The pane shown first: the only one built before the first frame.
        self.initial_pane = pane
        self.programme_id = programme_id if programme_id is not None else store.last_programme_id()
        self.poll_seconds = poll_seconds
        self._data_version: int | None = None
        self._stale: set[str] = set()
        self.quitting = False
        #: The window is below the minimum size: only quitting works (nothing else shows).
        self.too_small = False
        #: (programme id, its words), read when first needed and again after any change.
        self._words: tuple[int, ProgrammeWords] | None = None
        #: The thread importing the write path after the first frame (None until started).
        self.warm_thread: threading.Thread | None = None

    def notify(self, message: str, *, title: str = "", severity="information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Show a toast; its text is always plain text, cleaned, whatever ``markup`` says.

        Every notification (the widgets' ``notify`` too) comes through here, and most
        quote stored text: a title holding ``[/]`` must not crash the toast.
        """
        if self.picture:
            return  # a picture for a slide carries no toasts
        super().notify(display_text(message, multiline=True), title=display_text(title), severity=severity,
                       timeout=timeout, markup=False)

    # -- layout ---------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", id="programme-bar", markup=False)
        with Horizontal(id="tabs"):
            for number, (pane_id, label, _) in enumerate(PANES, start=1):
                yield PaneTab(number, pane_id, label)
        with ContentSwitcher(initial=self.initial_pane, id="panes"):
            yield self._new_pane(self.initial_pane)
        yield Static("", id="too-small", markup=False)
        # Compact, and the palette is listed by ? instead: at 80 columns q Quit must fit.
        if not self.picture:
            yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        if self.picture:
            self.screen.add_class("-picture")
        if self.store.read_only:
            self.sub_title = "read-only"
        upgraded = getattr(self.store, "upgraded", None)
        if upgraded is not None and upgraded.old is not None:
            self.notify(display_text(upgraded.describe()), title="Database upgraded", timeout=10, markup=False)
        if self.store.read_only_reason:
            self.notify(display_text(self.store.read_only_reason), title="Read-only", severity="warning",
                        timeout=20, markup=False)
        if self.keymap is not None and self.keymap.message:
            self.notify(self.keymap.message, title="Keymap not used", severity="warning", timeout=30)
        self.load_programme(self.programme_id)
        self._mark_tab(self.current_pane_id)
        _focus_pane(self.pane(self.current_pane_id))  # a table pane's table, not its (hidden) filter
        self._data_version = self._safe_data_version()
        self.set_interval(self.poll_seconds, self.check_for_changes)
        if not self.store.read_only:
            self.call_after_refresh(self.warm_writes)

    def warm_writes(self) -> threading.Thread:
        """Import the write path (pydantic: the input models) in a thread once the first frame is
        up: the first frame never waits for it, and the first save is no slower than the next."""
        from assure.models.store import warm_write_path

        thread = threading.Thread(target=_quietly, args=(warm_write_path,), name="assure-warm-writes", daemon=True)
        thread.start()
        self.warm_thread = thread
        return thread

    @property
    def current_pane_id(self) -> str:
        return self.query_one("#panes", ContentSwitcher).current or self.initial_pane

    def pane(self, pane_id: str):
        """A pane that has been shown (panes are built the first time they are shown)."""
        return self.query_one("#panes", ContentSwitcher).get_child_by_id(pane_id)

    def pane_built(self, pane_id: str) -> bool:
        switcher = self.query_one("#panes", ContentSwitcher)
        return any(child.id == pane_id for child in switcher.children)

    def _new_pane(self, pane_id: str):
        module, _, name = PANE_CLASSES[pane_id].partition(":")
        return getattr(import_module(module), name)(self.store, id=pane_id)

    async def _build_pane(self, pane_id: str):
        """The pane, imported, built and mounted (hidden) if this is its first showing."""
        if not self.pane_built(pane_id):
            pane = self._new_pane(pane_id)
            await self.query_one("#panes", ContentSwitcher).add_content(pane)
            self._stale.add(pane_id)  # never read yet
        return self.pane(pane_id)

    # -- loading --------------------------------------------------------------------

    def programme_words(self) -> ProgrammeWords:
        """What the programme in view calls things ("sign-off register", "key roles")."""
        if self.programme_id is None:
            return programme_words(0, 0, ())
        if self._words is None or self._words[0] != self.programme_id:
            try:
                figures = self.store.vocabulary_figures(self.programme_id)
            except StoreError:
                figures = (0, 0, ())
            self.set_programme_words(self.programme_id, programme_words(*figures))
        return self._words[1]

    def set_programme_words(self, programme_id: int, words: ProgrammeWords) -> None:
        """Remember a programme's words (the Overview reads them with its figures) and
        word the Sign-offs tab by them."""
        self._words = (programme_id, words)
        if programme_id == self.programme_id:
            number = next(n for n, (pane_id, _, _) in enumerate(PANES, start=1) if pane_id == "deliverables")
            self.query_one("#tab-deliverables", PaneTab).update(Text(f"{number} {words.tab}"))

    def load_programme(self, programme_id: int | None) -> None:
        """Show a programme: the current pane now, the others when first shown."""
        self.programme_id = programme_id
        self._words = None
        programme = self.store.get("programme", programme_id) if programme_id is not None else None
        self._show_programme_bar(programme)
        self._stale = {pane_id for pane_id, _, _ in PANES}
        self._refresh_pane(self.current_pane_id)
        if programme is not None:
            # A preference (it may write): after the first frame, which must not wait for it.
            self.call_after_refresh(self.store.remember_programme, programme.id)

    def _show_programme_bar(self, programme) -> None:
        text = Text()
        if self.store.read_only and not self.picture:
            # First, so that no programme name pushes it off an 80-column screen.
            text.append(" READ-ONLY ", style="reverse bold")
            text.append(" ")
        if programme is None:
            text.append("No programme yet: run 'assure seed' to load the demo data", style="bold")
        else:
            text.append(display_text(programme.name), style="bold")
            from assure.models.judgement import reporting_date

            dates = []
            reporting = reporting_date(programme)
            # The reporting date every judgement uses first, and today beside it when they
            # differ: on a narrow screen the programme's own dates are what is cut.
            if programme.as_of:
                dates.append(f"as of {format_date(programme.as_of)}")
                if reporting != today():
                    dates.append(f"today {format_date(today())}")
            else:
                dates.append(f"as of today {format_date(reporting)}")
            if programme.start_date:
                dates.append(f"from {format_date(programme.start_date)}")
            if programme.end_date:
                dates.append(f"to {format_date(programme.end_date)}")
            if dates:
                text.append("  " + " · ".join(dates))
        self.query_one("#programme-bar", Static).update(text)

    def _refresh_pane(self, pane_id: str) -> None:
        if not self.pane_built(pane_id):
            return  # read when first shown
        try:
            self.pane(pane_id).load(self.programme_id)
        except StoreError as error:
            self.notify(str(error), title="Could not read the database", severity="error")
            return
        self._stale.discard(pane_id)

    def check_for_changes(self) -> None:
        """Reload when another session has committed (polled; cheap)."""
        version = self._safe_data_version()
        if version is None or version == self._data_version:
            return
        self._data_version = version
        self.refresh_data()

    def refresh_data(self) -> None:
        """Re-read everything: the pane in view now, the rest when next shown."""
        programme = self.store.get("programme", self.programme_id) if self.programme_id is not None else None
        if programme is None and self.programme_id is not None:
            self.programme_id = self.store.last_programme_id()
            programme = self.store.get("programme", self.programme_id) if self.programme_id else None
        self._show_programme_bar(programme)
        self._stale = {pane_id for pane_id, _, _ in PANES}
        self._words = None
        self._refresh_pane(self.current_pane_id)
        for screen in self.screen_stack:  # e.g. the closure screen over the panes
            if hasattr(screen, "reload_data"):
                screen.reload_data()

    def mark_stale(self, except_pane: str | None = None) -> None:
        """After this session's own write: other panes re-read when next shown."""
        self._stale = {pane_id for pane_id, _, _ in PANES if pane_id != except_pane}
        self._words = None  # e.g. the first sign-off makes a delivery register a sign-off one

    async def action_quit(self) -> None:
        # Keys typed after q (a fast typist, a slow link) must not open screens mid-exit.
        self.quitting = True
        await super().action_quit()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.quitting:
            return False
        if self.too_small and action != "quit":
            return False  # "Enlarge the window" is showing: a key must not act unseen
        if action == "undo" and self.store.read_only:
            return False  # not offered at all: a dimmed key reads as enabled under NO_COLOR
        return True

    def action_undo(self) -> None:
        """Undo this session's last change (recorded as a new change)."""
        from assure.models.store import Conflict

        try:
            change = self.store.undo()
        except Conflict as conflict:  # a colleague changed it since: let the user choose, or skip it
            self._resolve_undo_conflict(self.store.undo_stack[-1], conflict)
            return
        except (StoreBusy, ReadOnlyError) as error:  # passing, or never: nothing to skip
            self.notify(f"Cannot undo: {error}", severity="error")
            return
        except StoreError as error:  # e.g. in use now, or its id taken: it would stick, so offer to skip it
            self._offer_undo_skip(self.store.undo_stack[-1], error)
            return
        if change is None:
            self.notify("Nothing to undo in this session.")
            return
        self.notify(f"Undone: {change.describe()}.")
        self.refresh_data()
        pane = self.pane(self.current_pane_id)
        if _is_table_pane(pane) and pane.kind == change.kind:
            pane.table.move_to_key(change.record_id)

    def _offer_undo_skip(self, change, error: StoreError) -> None:
        """A change that cannot be undone now (its record is in use, its id taken): say why
        and offer to skip it, so the next ``u`` undoes the one before (as for a conflict)."""
        from assure.tui.editing import ConfirmScreen

        def answer(skip: bool | None) -> None:
            if skip and self.store.drop_undo(change):
                self.notify(f"Skipped: {change.describe()}. u undoes the change before it.", markup=False)
            elif not skip:
                self.notify("Nothing undone. u asks again.", markup=False)

        self.push_screen(ConfirmScreen(
            f"Cannot undo {change.describe()}: {error}.\nSkip it, so that u undoes the change before it?",
            yes="Skip it", no="Not now"), answer)

    def _resolve_undo_conflict(self, change, conflict) -> None:
        """Show every field of ``change`` a colleague has changed since, then do what the user chose.

        Restore mine: the undo overwrites the colleague's value it showed (a newer change is
        caught again). Keep theirs: that field is not written. Skip: the change leaves this
        session's undo list, so the next ``u`` undoes the one before. Esc: nothing happens.
        """
        from assure.models.kinds import KINDS
        from assure.models.store import Conflict
        from assure.tui.editing import ConflictScreen, conflict_rows

        kind = KINDS[change.kind]
        pane = next((pane for pane in self.query(".pane") if _is_table_pane(pane) and pane.kind == change.kind), None)

        def choose(choice) -> None:
            if not self.store.undo_stack or self.store.undo_stack[-1] is not change:
                return  # the undo list changed meanwhile; never apply a choice to another change
            if choice == "skip":
                self.store.drop_undo(change)
                self.notify(f"Skipped: {change.describe()} (a colleague changed it). u undoes the change before it.",
                            markup=False)
                return
            if not isinstance(choice, dict):
                self.notify("Nothing undone: the colleague's values stay. u asks again; k there skips it.",
                            markup=False)
                return
            overwrite = {name: theirs for name, (_, theirs, _) in conflict.fields.items() if choice.get(name) == "mine"}
            keep = {name for name in conflict.fields if choice.get(name) != "mine"}
            try:
                self.store.undo(overwrite=overwrite, keep=keep)
            except Conflict as again:  # changed once more while the user was choosing
                self._resolve_undo_conflict(change, again)
                return
            except StoreError as error:
                self.notify(f"Cannot undo: {error}", severity="error", markup=False)
                return
            kept = [row.label for row in conflict_rows(conflict) if row.name in keep]
            also = f"; the colleague's value kept for {', '.join(kept)}" if kept else ""
            self.notify(f"Undone: {change.describe()}{also}.", markup=False)
            self.refresh_data()
            current = self.pane(self.current_pane_id)
            if _is_table_pane(current) and current.kind == change.kind:
                current.table.move_to_key(change.record_id)

        what = f"{kind.label} '{display_text(change.label)}'"
        self.push_screen(ConflictScreen(
            what, conflict_rows(conflict, self.store), undo=True, choices=change.action == "update",
            describe=pane.describe_value if pane is not None else None,
        ), choose)

    async def show_record_history(self, kind: str, record_id: int, label: str) -> None:
        """Open the History pane on one record's changes."""
        history = await self._switch_to_pane("history")
        history.show_record(kind, record_id, label)

    def _safe_data_version(self) -> int | None:
        try:
            return self.store.data_version()
        except Exception:  # a busy or vanished file: try again next tick
            return None

    # -- navigation -----------------------------------------------------------------

    async def action_show_pane(self, pane_id: str) -> None:
        """Switch to a pane, reloading it if data changed since it was last shown.

        The History pane always opens on every change: a record's history is only shown
        from that record (H), never left over from last time to hide newer changes.
        """
        await self.show_pane(pane_id)

    async def show_pane(self, pane_id: str):
        """Show a pane (building it on its first showing) and return it, loaded."""
        if pane_id == "history" and self.pane_built("history"):
            history = self.pane("history")
            if history.only_record is not None:
                history.only_record = None
                self._stale.add("history")
        return await self._switch_to_pane(pane_id)

    async def _switch_to_pane(self, pane_id: str):
        pane = await self._build_pane(pane_id)
        if pane_id in self._stale:
            self._refresh_pane(pane_id)
        self.query_one("#panes", ContentSwitcher).current = pane_id
        self._mark_tab(pane_id)
        _focus_pane(pane)
        return pane

    def _refocus_pane(self) -> None:
        if self.too_small or self.screen is not self.screen_stack[0]:
            return
        _focus_pane(self.pane(self.current_pane_id))

    def _mark_tab(self, pane_id: str) -> None:
        for tab in self.query(PaneTab):
            tab.set_class(tab.pane_id == pane_id, "-active")

    async def on_outcomes_pane_show_deliverables(self, message) -> None:
        """OutcomesPane.ShowDeliverables (by name: the class is imported with its pane)."""
        deliverables = await self.show_pane("deliverables")
        deliverables.set_filter(f"out:{message.outcome_number}")

    def action_switch_programme(self) -> None:
        from assure.tui.screens import ProgrammePicker

        programmes = self.store.programmes()
        if not programmes:
            self.notify("There are no programmes in this database yet.")
            return

        def chosen(programme_id: int | None) -> None:
            if programme_id is not None and programme_id != self.programme_id:
                self.load_programme(programme_id)

        self.push_screen(ProgrammePicker(programmes, self.programme_id), chosen)

    def action_edit_programme(self) -> None:
        """Edit the programme itself (name, dates, reporting date...) like any record."""
        from assure.tui.programme_form import edit_programme

        edit_programme(self)

    def action_people(self) -> None:
        """The People screen: rename a person, merge two spellings of one name."""
        from assure.tui.people import PeopleScreen

        if self.programme_id is None:
            self.notify("There is no programme yet.", severity="warning")
            return
        self.push_screen(PeopleScreen(self.store, self.programme_id))

    def action_findings(self) -> None:
        """List the assurance findings; the one chosen opens on its record."""
        from assure.models.rules import run_rules
        from assure.tui.screens import FindingsScreen

        if self.programme_id is None:
            return
        # The Overview's, when of the data as it is now: at 100k running every rule here
        # held the keys for half a second.
        findings = self.overview_findings()
        if findings is None:
            findings = run_rules(self.store, self.programme_id)

        async def jump(finding) -> None:
            if finding is None:
                return
            target = PANE_OF_KIND.get(finding.kind, "overview")
            pane = await self.show_pane(target)
            if _is_table_pane(pane) and finding.record_id is not None:
                if pane.kind != finding.kind:  # e.g. a person: shown by name, not by row
                    self.notify(display_text(finding.message), title="Finding", timeout=8)
                    return
                pane.set_filter("")
                if not pane.table.move_to_key(finding.record_id):
                    self.notify("That record is no longer there.", severity="warning")

        def acknowledge(finding, reason, until):
            from assure.models.inputs import InvalidInput

            try:
                self.store.acknowledge(self.programme_id, finding, reason, until)
            except InvalidInput as error:
                return error.errors
            except StoreError as error:
                return {"reason": str(error)}
            self.mark_stale()  # the Overview's findings show it acknowledged
            self._refresh_pane(self.current_pane_id)
            self.notify("Acknowledged (u undoes).", timeout=3)
            return run_rules(self.store, self.programme_id)

        self.push_screen(FindingsScreen(findings, acknowledge=None if self.store.read_only else acknowledge), jump)

    def action_closure(self) -> None:
        """The closure gate, the burn-up and the handover register; Enter on a failing record opens it."""
        from assure.tui.closure_screen import ClosureScreen

        if self.programme_id is None:
            return
        self.push_screen(ClosureScreen(self.store, self.programme_id), self._open_failing)

    async def _open_failing(self, failing) -> None:
        """Show the record a closure check failed on, in its pane."""
        if failing is None:
            return
        target = PANE_OF_KIND.get(failing.kind, "overview")
        pane = await self.show_pane(target)
        if _is_table_pane(pane) and failing.record_id is not None and pane.kind == failing.kind:
            pane.set_filter("")
            if not pane.table.move_to_key(failing.record_id):
                self.notify("That record is no longer there.", severity="warning")

    def overview_findings(self) -> list | None:
        """The Overview's findings, when of the data as it is now (its verdict may still be
        being worked out: the findings are shown first)."""
        if not self.pane_built("overview") or "overview" in self._stale:
            return None
        overview = self.pane("overview")
        if overview.programme_id != self.programme_id or not overview.findings_ready:
            return None
        return overview.findings

    def overview_judging(self, programme_id: int) -> bool:
        """True while the Overview works out its judgement of this programme's data as it is
        now (not stale): what a Since view opened meanwhile waits for."""
        if not self.pane_built("overview") or "overview" in self._stale:
            return False
        overview = self.pane("overview")
        return overview.programme_id == programme_id == self.programme_id and overview.judging

    def overview_judged(self, programme_id: int) -> None:
        """The Overview's judgement has arrived (or failed): a Since view waiting for it goes on."""
        from assure.tui.since_screen import SinceScreen

        for screen in self.screen_stack:
            if isinstance(screen, SinceScreen) and screen.awaiting_overview and screen.programme_id == programme_id:
                screen.reload_data(wait=False)

    def overview_judgement(self) -> tuple[list, object] | None:
        """The Overview's findings and verdicts, when they are of the data as it is now
        (shown programme, nothing changed since): the since view need not judge again."""
        if not self.pane_built("overview") or "overview" in self._stale:
            return None
        overview = self.pane("overview")
        if (overview.programme_id != self.programme_id or not overview.findings_ready or overview.updating
                or overview.assessment is None):
            return None  # not yet, or the verdict shown is of the data before a change
        return overview.findings, overview.assessment

    def prepare_since(self, programme_id: int, judged: tuple, revision: str) -> None:
        """Work out, in a thread, the report "Since last board" would open on, from the
        Overview's judgement of the data at ``revision``: ``b`` then shows it at once."""
        from functools import partial

        from assure.tui.since_screen import SinceScreen, prepare

        if programme_id != self.programme_id or any(isinstance(screen, SinceScreen) for screen in self.screen_stack):
            return  # an open Since view works its own report out
        self.run_worker(partial(prepare, self, self.store, programme_id, judged, revision), name="since-prepare",
                        description="since report ahead", thread=True, exclusive=True, group="since-prepare",
                        exit_on_error=False)

    def action_since_board(self) -> None:
        """What changed since the last board (or an earlier one, or a date); Enter opens a record."""
        from assure.tui.since_screen import SinceScreen

        if self.programme_id is None:
            self.notify("There is no programme yet.", severity="warning")
            return
        # An item is a (kind, record_id) like a failing closure check: opened the same way.
        self.push_screen(SinceScreen(self.store, self.programme_id), self._open_failing)

    def action_override_verdict(self) -> None:
        """Override the programme's verdict with a DCA rating and a reason (from the Overview or the palette)."""
        from assure.models.verdict import assess
        from assure.tui.screens import VerdictOverrideScreen

        if self.programme_id is None:
            return
        if self.store.read_only:
            self.notify("Opened read-only: the verdict cannot be overridden.", severity="warning")
            return
        # The Overview's, when of the data as it is now: at 100k judging here held the keys a second.
        judged = self.overview_judgement()
        verdict = (judged[1] if judged is not None else assess(self.store, self.programme_id)).programme

        def done(changed: bool | None) -> None:
            if changed:
                self.refresh_data()

        self.push_screen(VerdictOverrideScreen(self.store, self.programme_id, verdict), done)

    def action_export(self, fmt: str) -> None:
        """Ask where to write the board pack, then write it."""
        from pathlib import Path

        from assure.tui.screens import ExportScreen

        programme = self.store.get("programme", self.programme_id) if self.programme_id is not None else None
        if programme is None:
            self.notify("There is no programme to export.", severity="warning")
            return
        from assure.models.files import safe_file_stem

        suffix = "" if fmt == "csv" else f".{fmt}"
        # An older database may hold a code like '../../x': it must not pick the folder.
        name = f"{safe_file_stem(programme.code)}-board-pack-{today().isoformat()}{suffix}"
        # Offered in full, so the user sees which folder it lands in before writing.
        default = str(Path.cwd() / name)
        # The export itself records the board (board_pack.export); read-only cannot record.
        if self.store.read_only:
            self.notify("Read-only: the board pack will be written but not recorded as a board.", timeout=8)
        self.push_screen(ExportScreen(self.store, programme, fmt, default))

    def action_help(self) -> None:
        from assure.tui.screens import HelpScreen

        pane_id = self.current_pane_id
        label = next(name for pid, _, name in PANES if pid == pane_id)
        self.push_screen(HelpScreen(label, self.help_sections()))

    def help_sections(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """The bindings of the pane in view, its table, and the app's."""
        pane = self.pane(self.current_pane_id)
        sections = []
        pane_rows = _binding_rows(pane)
        if _is_table_pane(pane):
            table_rows = _binding_rows(pane.table)
            # Enter does what e does (the README's "Enter or e edits"); read-only: shows the record.
            shows = pane.store.read_only or pane.kind not in KINDS
            enter = "Show the whole record" if shows else "Edit the cell under the cursor (as e)"
            table_rows = [(key, enter if key == "Enter" else text) for key, text in table_rows]
            sections.append(("This pane", pane_rows))
            sections.append(("Table", table_rows))
            names = " ".join(column.key for column in pane.table.columns)
            sections.append(("Filter (/)", [
                ("words", "Rows holding every word, in any column"),
                ("column:value", f"Only that column; columns: {names}"),
                ("-word", "Leave out rows with it (-status:signed, -glyn)"),
                ("column:>=n", "Compare: score:>=15, score:<5, age:>30"),
                ("column:<date", "date:<2021-04-01, date:>=01/03/2021 (either date form)"),
                ("example", "approved:glyn -status:signed date:>=01/03/2021"),
            ]))
        elif pane_rows:
            sections.append(("This pane", pane_rows))
        global_rows = [(self.keys_for(f"go.{pane_id}", str(n)), f"Go to {name}")
                       for n, (pane_id, _, name) in enumerate(PANES, start=1)]
        global_rows += [(self.keys_for("app.programme", "p"), "Switch programme"),
                        (self.keys_for("app.findings", "f"), "Assurance findings"),
                        (self.keys_for("app.closure", "c"), "Closure readiness, burn-up and handover register"),
                        (self.keys_for("app.since", "b"), "Since last board: what changed, by category"),
                        *([(self.keys_for("overview.override", "v"), "Override the verdict (on the Overview)")] if not self.store.read_only else []),
                        (self.keys_for("app.undo", "u"), "Undo your last change"),
                        ("ctrl+p", "Command palette: every pane and command"),
                        (self.keys_for("app.help", "?"), "This help"), (self.keys_for("app.quit", "q"), "Quit")]
        sections.append(("Everywhere", global_rows))
        return sections

    def handle_bindings_clash(self, clashed_bindings, node) -> None:
        """A key the keymap gives one binding took it from another here: say so, once each."""
        for binding in clashed_bindings:
            name = binding.id or binding.action
            if name in self._clashes_told:
                continue
            self._clashes_told.add(name)
            self.notify(f"Keymap: {binding.key} now does something else here, so "
                        f"'{binding.description or binding.action}' ({name}) has no key; "
                        "give it another in the keymap file", severity="warning", timeout=15)

    def keys_for(self, binding_id: str, default: str) -> str:
        """The key(s) a binding has now, as ``?`` shows them (the keymap's, else ``default``)."""
        keys = (self.keymap.keys.get(binding_id) if self.keymap is not None else None) or default
        return _key_label(keys)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for pane_id, _, name in PANES:
            yield SystemCommand(f"Go to: {name}", f"Show the {name} pane", partial(self.action_show_pane, pane_id))
        # Programmes come from ProgrammeCommands: system command titles are parsed as markup.
        yield SystemCommand("Findings", "List the assurance findings", self.action_findings)
        yield SystemCommand("Closure readiness", "The closure gate, the sign-off burn-up and the handover register",
                            self.action_closure)
        yield SystemCommand("Since last board", "What changed since the last board (or an earlier one, or a date)",
                            self.action_since_board)
        if not self.store.read_only:
            yield SystemCommand("Override the verdict", "Set the programme's RAG/DCA by hand, with a reason",
                                self.action_override_verdict)
        if self.store.read_only:
            yield SystemCommand("Show programme", "The programme's name, dates and description",
                                self.action_edit_programme)
        else:
            yield SystemCommand("Edit programme", "Name, organisation, dates, reporting date (as of), description",
                                self.action_edit_programme)
        yield SystemCommand("People: rename or merge", "Each person and where they are named; rename one, merge two"
                            " spellings", self.action_people)
        for fmt, name in (("md", "Markdown"), ("html", "HTML"), ("csv", "CSV"), ("json", "JSON")):
            yield SystemCommand(f"Export board pack: {name}", f"Write the board pack as {name}",
                                partial(self.action_export, fmt))
        if not self.store.read_only:
            yield SystemCommand("Undo", "Undo this session's last change", self.action_undo)
        yield SystemCommand("Reload data", "Read everything again from the database", self.refresh_data)

    # -- size -----------------------------------------------------------------------

    def on_resize(self, event: Resize) -> None:
        too_small = event.size.width < MIN_WIDTH or event.size.height < MIN_HEIGHT
        was_too_small, self.too_small = self.too_small, too_small
        self.screen.set_class(too_small, "-too-small")
        if was_too_small and not too_small:
            # Hiding the panes took the focus away: give it back to the pane in view, so its
            # keys (and the footer's list of them) work again without pressing its number.
            self.call_after_refresh(self._refocus_pane)
        if too_small:
            self.query_one("#too-small", Static).update(
                Text(f"Enlarge the window: Assure needs at least {MIN_WIDTH}x{MIN_HEIGHT} "
                     f"(now {event.size.width}x{event.size.height}).")
            )


def _binding_rows(widget) -> list[tuple[str, str]]:
    """(key, description) for every binding a widget has, its base classes' included."""
    # One row per action, every key that does it together ("↑/k"), in the order declared.
    keys: dict[tuple[str, str], list[str]] = {}
    bindings_map = widget._bindings
    # As the keys work: Textual applies the (normalised) keymap to each binding chain.
    keymap = getattr(widget.app, "_keymap", None)
    if keymap:
        bindings_map = bindings_map.copy()
        bindings_map.apply_keymap(keymap)
    for key, bindings in bindings_map.key_to_bindings.items():
        for binding in bindings:
            if binding.description:
                keys.setdefault((binding.action, binding.description), []).append(key)
    from assure.tui.panes.base import EDIT_ACTIONS

    # Read-only, or a pane of records nobody edits (History): only what the pane can do.
    read_only = _is_table_pane(widget) and (widget.store.read_only or widget.kind not in KINDS)
    rows = []
    for (action, description), names in keys.items():
        if read_only and action in EDIT_ACTIONS and action != "edit_record":
            continue
        if _is_table_pane(widget) and widget.kind not in KINDS and action == "record_history":
            continue
        if read_only and action == "edit_record":
            description = "Show the whole record"
        labels = dict.fromkeys(_key_label(key) for name in names for key in name.split(","))
        rows.append(("/".join(labels), description))
    return rows


def _is_table_pane(widget) -> bool:
    """A TablePane, known without importing it (the Overview alone needs no table)."""
    base = sys.modules.get("assure.tui.panes.base")
    return base is not None and isinstance(widget, base.TablePane)


def _focus_pane(pane) -> None:
    if _is_table_pane(pane):
        pane.focus_table()
    else:
        pane.focus()


def _key_label(keys: str) -> str:
    names = {"slash": "/", "question_mark": "?", "escape": "Esc", "enter": "Enter", "pageup": "PgUp",
             "pagedown": "PgDn", "home": "Home", "end": "End", "up": "↑", "down": "↓", "left": "←", "right": "→"}
    return "/".join(names.get(key.strip(), key.strip()) for key in keys.split(","))
