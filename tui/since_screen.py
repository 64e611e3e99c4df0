"""Since the last board (``b``, or "Since last board" in the palette): what changed in the
programme since its newest board snapshot, or an earlier one, or a date, grouped as the
board asks (RAG moves, risks and issues, sign-offs, dates moved, actions, findings, who
edited what). Enter opens the record an item is about; ``m`` marks a board now.

The report comes from :func:`assure.models.since.since_report` (the history, not files);
this screen only shows it. Every line is stored text: shown as Text, never markup.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from weakref import WeakKeyDictionary

from assure.models.text import display_text
from assure.tui.widgets.virtual_table import Column, VirtualTable
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

#: The choice in the board picker that asks for a date (or a label) instead.
FROM_A_DATE = "date"

#: What each running app last compared each programme with (the screen opens on it again
#: after Enter has shown a record): app -> {programme id: since}.
_CHOSEN: "WeakKeyDictionary[Any, dict[int, str | None]]" = WeakKeyDictionary()


#: Reports worked out ahead, each with the data revision it is of: app -> {(programme id,
#: since, today): (revision, report, problem, rows built)}. The Overview's judgement starts
#: one (:func:`prepare`), and each the screen works out is kept, so that ``b`` shows it at
#: once while nobody has written since (at 100k working one out takes half a second).
_PREPARED: "WeakKeyDictionary[Any, dict[tuple, tuple]]" = WeakKeyDictionary()
#: Seconds a Since view waits for the Overview's judgement before working one out itself.
WAIT_FOR_OVERVIEW = 10.0
#: Reports kept per app at most (the newest board's and one other choice).
_PREPARED_AT_MOST = 2


def _keep_prepared(app, key: tuple, revision: str | None, report, problem: str | None, built) -> None:
    if revision is None:
        return
    kept = _PREPARED.setdefault(app, {})
    kept.pop(key, None)
    kept[key] = (revision, report, problem, built)
    while len(kept) > _PREPARED_AT_MOST:
        kept.pop(next(iter(kept)))


def _prepared(app, store, key: tuple) -> tuple | None:
    """(report, problem, rows built) kept for ``key``, if of the data as it is now."""
    found = _PREPARED.get(app, {}).get(key)
    if found is None:
        return None
    try:
        current = store.revision()
    except Exception:  # cannot tell: work it out
        return None
    return found[1:] if current is not None and current == found[0] else None


def prepare(app, store, programme_id: int, judged: tuple, revision: str) -> None:
    """In a thread: work out the report the screen would open on for a programme (what this
    session last chose, else the newest board) from a judgement of the data at ``revision``,
    and keep it, unless someone writes meanwhile. Failures only mean no report is kept."""
    from assure.models.dates import today

    since = _CHOSEN.get(app, {}).get(programme_id)
    key = (programme_id, since, today())
    found = _PREPARED.get(app, {}).get(key)
    if found is not None and found[0] == revision:
        return  # already kept for this data
    try:
        report, problem, built, worked_at = _worked_out(store, programme_id, since, judged, revision, ahead=True)
    except Exception:
        return
    if worked_at is not None:
        app.call_from_thread(_keep_prepared, app, key, worked_at, report, problem, built)


def _worked_out(store, programme_id: int, since: str | None, judged, judged_at: str | None = None, *,
                ahead: bool = False):
    """(report, problem, rows built, revision) worked out on a connection of its own.

    Args:
        judged: (findings, assessment) to use, or None to judge here.
        judged_at: the data revision ``judged`` is of (None: unknown).
        ahead: nothing is worked out unless the data is still at ``judged_at``.

    The revision is that of the data the report is of, None when that cannot be told (a
    write meanwhile, or a judgement of other data): only then may the report be kept.
    """
    from assure.models.collector import collector_paused

    # The collector stays paused until the report is shown: with 100k records in memory
    # one full collection, started by the 20,000 rows made here, took 0.15 s (measured).
    with collector_paused():
        with store.reader() as reader:
            before = reader.revision()
            current = judged is None or (judged_at is not None and judged_at == before)
            if ahead and not current:
                return None, None, None, None
            report, problem = work_out(reader, programme_id, since, judged)
            built = _rows_of(report)
            revision = before if current and reader.revision() == before else None
    return report, problem, built, revision


def work_out(store, programme_id: int, since: str | None, judged=None) -> tuple[Any, str | None]:
    """(the report, None), or (None, why there is none: no board yet, a refused choice).

    Args:
        judged: (findings, assessment) already worked out for the data as it is, or None.
    """
    from assure.models.dates import today
    from assure.models.db import StoreError
    from assure.models.since import since_report

    from assure.models import kept

    try:
        if judged is None:  # the Overview's is not current: the kept one, else judged (and kept)
            judgement = kept.judge(store, programme_id, today())
            judged = (judgement.findings, judgement.assessment)
        findings, assessment = judged
        return since_report(store, programme_id, since=since, today=today(),
                            findings=findings, assessment=assessment), None
    except (ValueError, StoreError) as error:  # NoBoardYet is a ValueError with its own sentence
        return None, str(error)


class GroupedList(VirtualTable):
    """The report's lines in the board's order: sorting would pull items from under their headings."""

    def sort_by(self, column_key: str, reverse: bool | None = None) -> None:
        self.notify("The list keeps the board's order: each item stays under its heading.", timeout=3)


class SinceScreen(ModalScreen[object]):
    """What changed since a board; dismisses with the item whose record to open, or None."""

    BINDINGS = [
        Binding("escape,q,b", "close", "Close", id="since.close"),
        Binding("o", "choose_since", "Another board or a date", id="since.choose"),
        Binding("m", "mark_board", "Mark a board now", id="since.mark"),
    ]

    def __init__(self, store, programme_id: int, since: str | None = None) -> None:
        """Args:
            since: what to compare with, as :func:`since_report` takes it (None: what this
                session last chose for the programme, else the newest board).
        """
        super().__init__()
        self.store = store
        self.programme_id = programme_id
        self.since = since
        self.report = None
        #: Why there is no report (no board yet, a refused choice), or None.
        self.problem: str | None = None
        #: One entry per table row: None for a heading, else the SinceItem.
        self.entries: list[Any] = []
        self._title = Text()  # the header as last worked out (kept while a new report is on its way)

    def compose(self) -> ComposeResult:
        with Vertical(id="since-box"):
            yield Static("", id="since-title", markup=False)
            yield Static("", id="since-message", markup=False)
            yield GroupedList(
                [
                    Column("what", "Change", flex=True, tone=lambda row: "accent" if row[3] else None),
                    Column("who", "Who", max_width=12, hide_below=70),
                    Column("when", "When", width=9),
                ],
                empty_message="Nothing has changed since.", id="since-table",
            )
            yield Static("", id="since-detail", markup=False)
            yield Static("", id="since-help", markup=False)

    def on_mount(self) -> None:
        if self.since is None:
            self.since = _CHOSEN.get(self.app, {}).get(self.programme_id)
        self.reload_data()
        self.query_one("#since-table").focus()

    def reload_data(self, *, wait: bool = True) -> None:
        """Work the report out again (after a change here or in another session), in a
        thread on a connection of its own: on a large programme judging it takes seconds,
        and the keys must keep working meanwhile. One worked out ahead for the data as it
        is now (:func:`prepare`) is shown at once instead. While the Overview is judging the
        same data (right after a change), its judgement is waited for (``wait``) rather than
        worked out here as well: two at once, each took twice as long."""
        from functools import partial

        from assure.models.dates import today

        self._generation += 1
        self.awaiting_overview = False
        key = (self.programme_id, self.since, today())
        if (ready := _prepared(self.app, self.store, key)) is not None:
            from assure.models.collector import collector_paused

            self.working = False
            with collector_paused():
                self.show_report(*ready)
            return
        self.working = True
        title = self.query_one("#since-title", Static)
        if self.report is None and self.problem is None:  # the first time: nothing to show yet
            title.update(Text("Since the last board: working out what changed…", style="bold"))
            self.query_one("#since-table").display = False
            self.query_one("#since-detail").display = False
        else:  # what is shown stays until the new report replaces it
            title.update(Text.assemble(self._title, (" · working out what changed…", "italic")))
        # The Overview's findings and verdicts when current: at 100k judging is most of the time.
        judged = getattr(self.app, "overview_judgement", lambda: None)()
        if judged is None and wait and getattr(self.app, "overview_judging", lambda _: False)(self.programme_id):
            self.awaiting_overview = True  # the app's overview_judged goes on (or the timer, should it not come)
            generation = self._generation
            self.set_timer(WAIT_FOR_OVERVIEW, lambda: self._stop_waiting(generation))
            return
        judged_at = None  # the revision it is of: a report from it is kept only for that data
        if judged is not None:
            try:
                judged_at = self.app.pane("overview").judged_revision
            except Exception:
                pass
        # Started at once, not after the first frame: its reads are handed over whole, so
        # the screen is drawn while the database works (at 100k the report was shown 60 ms
        # sooner, the first frame no later). A description of our own: Textual's default is
        # the repr of the work, and that of the Overview's 20,000 findings took a quarter of
        # a second on the main thread.
        self.run_worker(partial(self._work_out_in_thread, self.since, self._generation, judged, key, judged_at),
                        name="since", description="since report", thread=True, exclusive=True, group="since")

    _generation = 0
    #: True while a report is being worked out (tests and the benchmark wait for it).
    working = False
    #: True while the Overview's judgement of the same data is waited for.
    awaiting_overview = False

    def _stop_waiting(self, generation: int) -> None:
        if self.awaiting_overview and generation == self._generation and self.is_attached:
            self.reload_data(wait=False)

    def _work_out_in_thread(self, since: str | None, generation: int, judged=None, key: tuple | None = None,
                            judged_at: str | None = None) -> None:
        from assure.models.collector import collector_paused

        with collector_paused():  # until the report is shown (see _worked_out)
            built = revision = None
            try:
                report, problem, built, revision = _worked_out(self.store, self.programme_id, since, judged, judged_at)
            except Exception as error:  # e.g. the database went away: said on screen, never a crash
                report, problem = None, f"Could not read the database: {error}"
            self.app.call_from_thread(self._arrived, since, generation, report, problem, built, key, revision)

    def _arrived(self, since: str | None, generation: int, report, problem: str | None, built=None,
                 key: tuple | None = None, revision: str | None = None) -> None:
        if key is not None:
            _keep_prepared(self.app, key, revision, report, problem, built)  # opened again at once
        if generation != self._generation or since != self.since or not self.is_attached:
            return  # a newer choice or change has superseded this one, or the screen has closed
        self.working = False
        self.show_report(report, problem, built)

    def show_report(self, report, problem: str | None, built: tuple[list, list] | None = None) -> None:
        """Show a report (or why there is none); ``built``: its rows and entries, when the
        thread that worked it out made them (20,000 items' dates take a while)."""
        self.report, self.problem = report, problem
        rows, self.entries = built if built is not None else _rows_of(report)
        table = self.query_one("#since-table", VirtualTable)
        key = table.cursor_key
        table.set_rows(rows, list(range(len(rows))))
        table.display = report is not None
        if key is not None and key < len(rows):
            table.move_to_key(key)
        elif rows:
            table.move_to_key(1 if len(rows) > 1 else 0)  # the first item, under its heading
        self._show_header()
        self._show_detail(table.cursor_key)

    def _show_header(self) -> None:
        programme = self.store.get("programme", self.programme_id)
        name = display_text(programme.name) if programme is not None else ""
        title = Text(style="bold")
        if self.report is not None:
            changes = sum(1 for entry in self.entries if entry is not None)
            title.append(f"Since {display_text(self.report.since_label)}")
            title.append(f" · {changes} change{'s' if changes != 1 else ''} · {name}")
        else:
            title.append(f"Since the last board · {name}")
        self._title = title
        self.query_one("#since-title", Static).update(title)
        message = Text()
        if self.problem is not None:
            message.append(display_text(self.problem, multiline=True), style="bold")
            message.append("\n")
            message.append(self._mark_hint())
        elif self.report is not None:
            message.append("\n".join(display_text(note) for note in self.report.notes), style="italic")
        box = self.query_one("#since-message", Static)
        box.update(message)
        box.display = bool(message.plain)
        keys = ["Enter opens"] if self.report is not None else []
        keys += [f"{self._key('since.choose', 'o')} another board or a date",
                 f"{self._key('since.mark', 'm')} marks a board" if not self.store.read_only else "read-only",
                 f"{self._key('since.close', 'Esc')} closes"]
        self.query_one("#since-help", Static).update(Text(" · ".join(keys), no_wrap=True, overflow="ellipsis"))

    def _key(self, binding_id: str, default: str) -> str:
        keys_for = getattr(self.app, "keys_for", None)
        return keys_for(binding_id, default).split("/")[0] if keys_for is not None else default

    def _mark_hint(self) -> str:
        if self.store.read_only:
            return "This session is read-only: a board is marked from a session that can write."
        return "Press m to mark a board now (it records the verdicts and figures as they stand)."

    def on_virtual_table_row_highlighted(self, event) -> None:
        if event.control.id == "since-table":
            self._show_detail(event.key)

    def _show_detail(self, key: int | None) -> None:
        """The item under the cursor whole (wrapped): the table cuts a long line short."""
        from assure.models.history_text import when_text

        detail = self.query_one("#since-detail", Static)
        entry = self.entries[key] if key is not None and key < len(self.entries) else None
        detail.display = entry is not None
        if entry is None:
            detail.update("")
            return
        text = Text(display_text(entry.text, multiline=True), style="bold")
        who = [display_text(entry.actor)] if entry.actor else []
        if entry.at:
            who.append(when_text(entry.at))
        if who:
            text.append("\n" + " · ".join(who))
        text.append("\n")
        text.append(_open_hint(entry), style="italic")
        detail.update(text)

    def on_virtual_table_row_selected(self, event) -> None:
        if event.control.id != "since-table":
            return
        event.stop()
        entry = self.entries[event.key] if event.key < len(self.entries) else None
        if entry is None:
            return  # a heading
        if entry.record_id is None:
            self.notify(_open_hint(entry), severity="warning")
            return
        self.dismiss(entry)

    # -- choosing what to compare with -----------------------------------------------

    def action_choose_since(self) -> None:
        """Offer the programme's boards, newest first, and "a date"."""
        from assure.models.db import StoreError
        from assure.models.since import snapshot_label

        try:
            snapshots = list(reversed(self.store.board_snapshots(self.programme_id, figures=False)))
        except StoreError as error:
            self.notify(str(error), title="Could not read the boards", severity="error")
            return
        current = self.report.snapshot_id if self.report is not None else None
        choices = [(f"#{snapshot.id}", snapshot_label(snapshot), snapshot.id == current) for snapshot in snapshots]

        def chosen(choice: str | None) -> None:
            if choice == FROM_A_DATE:
                self._ask_for_a_date()
            elif choice is not None:
                # The newest board is "the last board": a board marked later takes its place.
                self._choose(None if snapshots and choice == f"#{snapshots[0].id}" else choice)
                self.reload_data()

        self.app.push_screen(BoardPicker(choices), chosen)

    def _choose(self, since: str | None) -> None:
        self.since = since
        _CHOSEN.setdefault(self.app, {})[self.programme_id] = since

    def _ask_for_a_date(self) -> None:
        from assure.models.since import check_since
        from assure.models.specs import FieldSpec
        from assure.tui.editing import RecordForm

        field = FieldSpec("since", "Since (a date: 01/05/2021 or 2021-05-01; or a board's label)", "text", required=True)

        def save(typed: dict) -> dict | None:
            value = str(typed.get("since") or "").strip()
            if not value:
                return {"since": "Type a date or a board's label."}
            try:  # only the choice is checked here: the report is worked out in a thread
                check_since(self.store, self.programme_id, value)
            except ValueError as error:  # refused beside the field, what was typed kept
                return {"since": str(error)}
            self._choose(value)
            self.reload_data()
            return None

        self.app.push_screen(RecordForm("Since when?", [field], {"since": ""}, save=save))

    # -- marking a board --------------------------------------------------------------

    def action_mark_board(self) -> None:
        """Record a board snapshot now (asks its label); the view then compares with it."""
        from assure.models.dates import today
        from assure.models.db import StoreError
        from assure.models.since import record_board
        from assure.models.specs import FieldSpec
        from assure.tui.editing import RecordForm

        if self.store.read_only:
            self.notify("Opened read-only: marking a board writes a snapshot to the database, so it is not"
                        " offered here. Open the database without --read-only to mark one.", severity="warning",
                        timeout=8)
            return
        field = FieldSpec("label", "Label (e.g. Board 14 May)", "text", required=True)

        def save(typed: dict) -> dict | None:
            label = str(typed.get("label") or "").strip()
            if not label:
                return {"label": "Give the board a label, e.g. Board 14 May."}
            try:
                judged = self.app.overview_judgement() or (None, None)
                snapshot_id = record_board(self.store, self.programme_id, label, today=today(), source="mark",
                                           findings=judged[0], assessment=judged[1])
            except (StoreError, ValueError) as error:
                return {"label": str(error)}
            self._choose(None)  # the newest board: the one just marked
            self.app.mark_stale()
            self.reload_data()
            self.notify(f"Board marked: {label} (#{snapshot_id}). Changes from now on are listed here.")
            return None

        self.app.push_screen(RecordForm("Mark a board now", [field], {"label": ""}, save=save))

    def action_close(self) -> None:
        self.dismiss(None)


class BoardPicker(ModalScreen[str | None]):
    """Choose the board to compare with (newest first), or a date."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="boards.cancel")]

    def __init__(self, choices: list[tuple[str, str, bool]]) -> None:
        """Args:
            choices: (what to pass as ``since``, label, whether it is the one in view).
        """
        super().__init__()
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="boards-box"):
            yield Static(Text("Compare with (Enter chooses, Esc cancels)", style="bold"), markup=False)
            options = [Option(Text(f"{'● ' if current else '  '}{display_text(label)}"), id=value)
                       for value, label, current in self.choices]
            options.append(Option(Text("  A date (or a board's label)…"), id=FROM_A_DATE))
            yield OptionList(*options, id="boards-list")

    def on_mount(self) -> None:
        option_list = self.query_one(OptionList)
        option_list.highlighted = next((n for n, (_, _, current) in enumerate(self.choices) if current), 0)
        option_list.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _rows_of(report) -> tuple[list, list]:
    """The table's rows for a report (a heading row per category, then its items) and the
    entry behind each row (None for a heading)."""
    rows: list = []
    entries: list = []
    days: dict = {None: None}  # stamp -> short day: changes made together share their stamps
    if report is not None:
        for _, heading, items in report.by_category():
            entries.append(None)
            rows.append((f"■ {heading} ({len(items)})", None, None, True))
            for item in items:
                entries.append(item)
                day = days.get(item.at, False)
                if day is False:
                    day = days[item.at] = _short_day(item.at)
                rows.append((f"  {item.text}", item.actor if item.category != "edits" else None, day, False))
    return rows, entries


def _short_day(stamp: str | None) -> str | None:
    """``04 Mar 21`` in the user's time zone (as History shows the time)."""
    if not stamp:
        return None
    # Zone offsets are whole minutes: the local day is that of the stamp's minute (and its
    # offset), so 20,000 changes made over a few hours are converted a few hundred times.
    offset = stamp[-6:] if len(stamp) > 6 and stamp[-6] in "+-" else stamp[-1:] if stamp.endswith("Z") else ""
    return _short_day_of_minute(stamp[:16], offset) or display_text(stamp)[:10]


@lru_cache(maxsize=4096)
def _short_day_of_minute(minute: str, offset: str) -> str | None:
    from datetime import datetime

    from assure.models.dates import format_short_date

    try:
        return format_short_date(datetime.fromisoformat(minute + offset).astimezone().date())
    except (TypeError, ValueError):
        return None


def _open_hint(entry) -> str:
    from assure.models.kinds import KINDS

    if entry.record_id is None:
        if entry.category == "edits":
            return "A count of changes: the History pane (8) lists each one."
        return "No single record to open (it was deleted, or the finding is resolved)."
    kind = KINDS.get(entry.kind)
    noun = kind.label.lower() if kind is not None else entry.kind
    return f"Enter opens the {noun}."
