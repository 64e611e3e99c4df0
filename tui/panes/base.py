"""The shape every table pane shares: a filter, a virtual table and a detail view."""

from __future__ import annotations

from datetime import date

from functools import partial
from typing import Any, ClassVar, Sequence

from assure.models.db import ReadOnlyError, StoreError
from assure.models.judgement import split_names
from assure.models.kinds import KINDS, FieldSpec
from assure.models.text import display_text
from assure.tui import tones
from assure.tui.widgets.virtual_table import Column, VirtualTable
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.widgets import Input, Static

#: What a pane may change of a declared default column: its width (``width``,
#: ``max_width``, ``min_width``, ``flex``, ``align``, ``hide_below``), its format (``value``:
#: record -> the cell's raw value; ``format``, ``sort_key``, ``descending_first``) and its
#: tone (record -> tone). Which columns, in which order and under which label are the
#: declaration's (:mod:`assure.models.declarations`).
OVERRIDABLE = frozenset({"width", "max_width", "min_width", "flex", "align", "hide_below",
                         "value", "format", "sort_key", "descending_first", "tone",
                         # The narrow form of a column in a small window (width, format, heading).
                         "narrow_below", "narrow_width", "narrow_format", "narrow_label"})


def declared_columns(kind_name: str, overrides: dict[str, dict[str, Any]]) -> tuple[list[Column], list]:
    """A record type's default register columns with a pane's overrides, and for each the
    function that reads its raw value from a record.

    Raises:
        ValueError: an override names a column the declaration does not have, or changes
            something other than width, format or tone.
    """
    specs = KINDS[kind_name].pane
    unknown = set(overrides) - {spec.key for spec in specs}
    if unknown:
        raise ValueError(f"{kind_name}: no declared column {', '.join(sorted(unknown))}")
    columns, readers = [], []
    for spec in specs:
        options = dict(overrides.get(spec.key, {}))
        refused = set(options) - OVERRIDABLE
        if refused:
            raise ValueError(f"{kind_name}.{spec.key}: a pane may change width, format and tone only, not {sorted(refused)}")
        reader = options.pop("value", None)
        if reader is None:
            if spec.source is None:
                raise ValueError(f"{kind_name}.{spec.key}: a worked-out column needs a value override")
            reader = _attribute(spec.source)
        tone = options.pop("tone", None)
        if tone is not None:
            # The record rides at the end of each row: tones read it by name, never by position.
            options["tone"] = lambda row, tone=tone: tone(row[-1])
        columns.append(Column(spec.key, spec.label, **options))
        readers.append(reader)
    return columns, readers


def _attribute(name: str):
    return lambda record: getattr(record, name)


#: Actions that change data: disabled when the store is read-only.
EDIT_ACTIONS = frozenset({"edit_cell", "edit_record", "add_record", "delete_record", "sign_off", "edit_progress",
                          "override_verdict"})


class FilterInput(Input):
    """The pane's filter box: Esc clears it and hands the keys back to the table."""

    BINDINGS = [Binding("escape", "clear", "Clear filter", id="filter.clear"),
                Binding("down", "done", "To table", show=False, id="filter.done"),
                Binding("enter", "done", "To table", show=False, id="filter.enter")]

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Cleared(self))

    def action_done(self) -> None:
        self.post_message(self.Finished(self))

    class Cleared(Input.Changed):
        """Esc was pressed: the filter is empty and the box should hide."""

        def __init__(self, input: Input) -> None:
            super().__init__(input, "")

    class Finished(Input.Changed):
        """Enter or Down: keep the filter, go back to the table."""

        def __init__(self, input: Input) -> None:
            super().__init__(input, input.value)


class DetailView(VerticalScroll, can_focus=False):
    """The selected record in full, wrapped and scrollable (used where there is room)."""

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-body", markup=False)

    def show(self, content: Text | str) -> None:
        self.query_one("#detail-body", Static).update(content)


class FixedDetailView(Static, can_focus=False):
    """The selected record, wrapped into a fixed number of lines.

    A fixed height means a cursor move repaints these lines only, not the whole screen
    (a relayout on every key doubled the bytes sent to the terminal). Text that does
    not fit ends with a line saying how to see all of it.
    """

    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__("", markup=False, classes=classes)
        self._content: Text = Text("")

    def show(self, content: Text | str) -> None:
        self._content = content if isinstance(content, Text) else Text(content)
        self._fit()

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width, height = self.content_region.width, self.content_region.height
        text = self._content
        if width > 0 and height > 0:
            lines = text.wrap(self.app.console, width)
            if len(lines) > height:
                text = Text("\n").join(list(lines)[: height - 1])
                text.append("\n… more: E shows the whole record", style="italic")
        self.update(text, layout=False)


def field_lines(pairs: Sequence[tuple[str, Any]]) -> Text:
    """Label: value lines as Text (never markup), for detail views."""
    text = Text()
    for index, (label, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(f"{label}: ", style="bold")
        text.append(display_text(value, multiline=True) if value not in (None, "") else "—")
    return text


def declared_value(kind, spec: FieldSpec, record: Any) -> Any:
    """A field's value as a detail view shows it by default: a reference by the other
    record's key (the outcome's number), a date as ``04 Mar 2025``."""
    from assure.models.dates import format_date

    reference = kind.reference(spec.name)
    value = getattr(record, reference.read) if reference is not None and reference.read else getattr(record, spec.name)
    return format_date(value) if spec.control == "date" else value


def detail_lines(kind_name: str, record: Any, lines: Sequence[tuple[str | None, str | None, Any]],
                 tail: Sequence[tuple[str, Any]] = ()) -> Text:
    """A pane's own detail lines, each (the field it shows, label, value), then every
    declared field none of them shows (so a field added to the declaration is never
    hidden), then ``tail``. A line with no label only says its field is shown elsewhere
    (a risk's kind beside its ref)."""
    kind = KINDS[kind_name]
    covered = {name for name, _, _ in lines}
    rest = [(spec.label, declared_value(kind, spec, record)) for spec in kind.fields if spec.name not in covered]
    own = [(label, value) for _, label, value in lines if label is not None]
    return field_lines([*own, *rest, *tail])


class TablePane(Vertical):
    """A pane over one record type. Subclasses say which columns and how to read."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    empty_message: ClassVar[str] = "Nothing recorded"
    #: Columns whose key is not the name of the field they edit (column key -> field).
    renamed_fields: ClassVar[dict[str, str]] = {}

    BINDINGS = [
        Binding("slash", "start_filter", "Filter", id="pane.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="pane.clear_filter"),
        Binding("e", "edit_cell", "Edit", id="pane.edit"),
        Binding("E", "edit_record", "Edit record", show=False, id="pane.edit_record"),
        Binding("a", "add_record", "Add", id="pane.add"),
        Binding("d", "delete_record", "Delete", id="pane.delete"),
        Binding("H", "record_history", "Its history", show=False, id="pane.history"),
        Binding("F", "count_values", "Counts of the column's values", show=False, id="pane.counts"),
    ]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.store = store
        self.programme_id: int | None = None
        self.records: dict[int, Any] = {}
        self._follow_up = None
        self._load_generation = 0
        self.loading_total: int | None = None
        #: The programme's reporting date: ages and overdue are measured against it.
        self.on: date | None = None

    # -- what subclasses provide ---------------------------------------------------

    def column_overrides(self) -> dict[str, dict[str, Any]]:
        """Per declared column key: the width, format and tone this pane gives it."""
        return {}

    def columns(self) -> list[Column]:
        """The declared default columns of this pane's record type, as overridden."""
        columns, self._readers = declared_columns(self.kind, self.column_overrides())
        return columns

    #: Above this many records the first page is shown at once and the rest read in a thread.
    PAGE_THRESHOLD: ClassVar[int] = 5_000
    FIRST_PAGE: ClassVar[int] = 300

    def fetch(self, store=None, limit: int | None = None, *, large: bool = False) -> list[Any]:
        """This pane's records from a store (the pane's own unless given), the first ``limit``
        only if set; ``large``: thousands of them (read holding the least at once)."""
        return (store or self.store).list(self.kind, self.programme_id, limit=limit, large=large)

    def record_count(self) -> int | None:
        """How many records there are, when that is cheap to know (None: always read them all)."""
        return self.store.count(self.kind, self.programme_id) if self.kind in KINDS else None

    def row(self, record: Any) -> tuple:
        """One table row: each column's raw value, then the record itself (for tones)."""
        readers = getattr(self, "_readers", None)
        if readers is None:
            self.columns()
            readers = self._readers
        return (*(read(record) for read in readers), record)

    def detail_view(self) -> Static | DetailView:
        """Where the selected record is shown; fixed-height unless the pane has room to scroll."""
        return FixedDetailView(classes="pane-detail")

    def detail(self, record: Any) -> Text:
        return detail_lines(self.kind, record, [])

    # -- composition and loading ---------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-title", markup=False)
        yield FilterInput(placeholder="Filter: words all match; column:value (out:3 status:post); -word excludes; score:>=15 date:<01/04/2021; Esc clears", classes="pane-filter -hidden")
        yield VirtualTable(self.columns(), empty_message=self.empty_message, classes="pane-table")
        yield self.detail_view()

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def load(self, programme_id: int | None) -> None:
        """Read this pane's records for a programme and show them, keeping the cursor.

        A large register shows its first page at once and reads the rest in a thread on
        its own connection, so the first frame never waits for 100k rows.
        """
        self.programme_id = programme_id
        self._load_generation += 1
        if programme_id is None:
            self._show_records([], [])
            return
        from assure.models.judgement import reporting_date

        self.on = reporting_date(self.store.get("programme", programme_id))
        total = self.record_count()
        if total is None or total <= self.PAGE_THRESHOLD:
            records = self.fetch()
            self._show_records(records, [self.row(record) for record in records])
            return
        records = self.fetch(limit=self.FIRST_PAGE)
        self.loading_total = total
        self._show_records(records, [self.row(record) for record in records])
        self.run_worker(partial(self._fetch_all, programme_id, self._load_generation), thread=True,
                        exclusive=True, group=f"load-{self.id}")

    def _fetch_all(self, programme_id: int, generation: int) -> None:
        from textual.worker import get_current_worker

        worker = get_current_worker()
        try:
            with self.store.reader() as reader:
                records = self.fetch(reader, large=True)
            rows = [self.row(record) for record in records]
        except Exception as error:  # shown, never a crash; the first page stays
            self.app.call_from_thread(self.notify, f"Could not read every row: {error}", severity="error")
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_all, programme_id, generation, records, rows)

    def _show_all(self, programme_id: int, generation: int, records: list, rows: list) -> None:
        if generation != self._load_generation or programme_id != self.programme_id:
            return  # a newer load (or an edit) has superseded this one
        self.loading_total = None
        self._show_records(records, rows)

    def _show_records(self, records: list, rows: list) -> None:
        self.records = {record.id: record for record in records}
        self.table.set_rows(rows, [record.id for record in records])
        self.update_title()
        self.show_detail()

    def pane_title(self) -> str:
        """The title over the table (a pane may word it from the programme's vocabulary)."""
        return self.title

    def update_title(self) -> None:
        table = self.table
        shown = f" · {table.row_count} shown" if table.filter_text else ""
        total = f"reading {self.loading_total} rows…" if self.loading_total else rows_text(table.total_count)
        self.query_one(".pane-title", Static).update(Text(f"{self.pane_title()} · {total}{shown}"))

    def show_detail(self) -> None:
        key = self.table.cursor_key
        record = self.records.get(key) if key is not None else None
        # A comparison the filter ignores (score:>=high) is said first, whatever matches.
        problem = self.table.filter_problem()
        text = Text(f"⚠ {problem}\n", style="bold") if problem else Text()
        if record is None:
            # Nothing matches: say why (an unknown column, a value no row has).
            text.append(self.table.filter_hint())
        else:
            text.append_text(self.detail(record))
        self.query_one(".pane-detail").show(text)

    def focus_table(self) -> None:
        self.table.focus()

    # -- editing --------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if getattr(self.app, "quitting", False) or getattr(self.app, "too_small", False):
            return False
        if action == "edit_record":
            return True  # read-only (or a record that is not typed): E shows the whole record
        if action in EDIT_ACTIONS and (self.store.read_only or self.kind not in KINDS):
            return False
        if action == "record_history" and self.kind not in KINDS:
            return False  # History's own rows have no history  # hidden, not dimmed: under NO_COLOR a dimmed key reads as enabled
        if action == "clear_filter":
            # Let Esc reach the screen (e.g. to close a modal) when there is nothing to clear.
            box = self.query_one(FilterInput)
            return bool(box.value) or not box.has_class("-hidden")
        return True

    @property
    def current_record(self) -> Any | None:
        key = self.table.cursor_key
        return self.records.get(key) if key is not None else None

    def choices_for(self, spec: FieldSpec) -> list[tuple[str, Any]] | None:
        """The list a field is chosen from, or None for a typed field."""
        if spec.control == "choice":
            return [(tones.status_text(choice) if choice in tones.STATUS_TONES else choice, choice)
                    for choice in spec.choices]
        if spec.control == "outcome":
            outcomes = self.store.outcomes(self.programme_id)
            choices = [] if spec.required else [("(no outcome)", None)]
            return choices + [(f"{o.number}. {display_text(o.title)[:60]}", o.id) for o in outcomes]
        if spec.control == "person":
            return [(display_text(p.name), p.id) for p in self.store.people(self.programme_id)]
        return None

    def person_names(self) -> list[str]:
        return [p.name for p in self.store.people(self.programme_id)] if self.programme_id else []

    def cursor_cell_region(self) -> Region:
        """Where the cell under the cursor is on screen, for the editor to sit over it."""
        region = self.table.cursor_cell_region()
        if region is None:  # no row under the cursor: sit the editor on the table's top line
            content = self.table.content_region
            return Region(content.x, content.y + 1, content.width, 1)
        return region

    def field_for(self, column_key: str) -> str | None:
        """The field a column's cell edits, or None for a worked-out column (score, age)."""
        kind = KINDS.get(self.kind)
        if kind is None:
            return None
        for spec in kind.pane:
            if spec.key == column_key:
                return spec.field if spec.field in kind.field_names else None
        field = self.renamed_fields.get(column_key, column_key)
        return field if field in kind.field_names else None

    def action_edit_cell(self) -> None:
        """Edit the field under the cursor, in place."""
        from assure.tui.editing import CellEditor  # the editors: imported when first used

        record = self.current_record
        if record is None:
            return
        column_key = self.table.cursor_column_key
        field = self.field_for(column_key)
        if field is None:
            label = next((c.label for c in self.table.columns if c.key == column_key), column_key)
            self.notify(f"{label} is worked out, not typed; E edits the whole record.", severity="warning")
            return
        spec = KINDS[self.kind].field(field)
        self._open_editor(CellEditor(
            spec, getattr(record, field), self.cursor_cell_region(),
            choices=self.choices_for(spec),
            suggestions=self.person_names() if spec.control == "people" else None,
            save=lambda value: self._save_fields(record, {field: value}),
        ))

    def action_edit_record(self) -> None:
        """Edit every field of the record in a compact form."""
        from assure.tui.editing import RecordForm, editor_text

        record = self.current_record
        if record is None:
            return
        if self.store.read_only or self.kind not in KINDS:
            from assure.tui.editing import RecordView

            self.app.push_screen(RecordView(self.pane_title(), self.detail(record)))
            return
        kind = KINDS[self.kind]
        values = {spec.name: getattr(record, spec.name) for spec in kind.fields}

        def save(typed: dict[str, Any]) -> dict[str, str] | None:
            # Only what the user changed is written: an untouched field (left as shown, even if
            # the form showed it cleaned or as 31/03/2021) is never saved over a colleague's.
            changed = {name: value for name, value in typed.items()
                       if _as_text(value) not in (_as_text(values[name]), _as_text(editor_text(values[name])))}
            if not changed:
                return None
            return self._save_fields(record, changed, as_dict=True)

        self._open_editor(RecordForm(
            f"Edit {kind.label.lower()}: {display_text(kind.describe(record._asdict()))}", list(kind.fields), values,
            choices=self._form_choices(), suggestions=self.person_names(), save=save,
        ))

    def _form_choices(self) -> dict[str, list[tuple[str, Any]]]:
        choices = {}
        for spec in KINDS[self.kind].fields:
            listed = self.choices_for(spec)
            if listed is not None:
                choices[spec.name] = listed
        return choices

    def defaults(self) -> dict[str, Any]:
        """Values a new record starts with."""
        return {}

    def action_add_record(self) -> None:
        """Add a record to this table through a compact form."""
        from assure.tui.editing import RecordForm

        if self.programme_id is None:
            return
        kind = KINDS[self.kind]

        def save(typed: dict[str, Any]) -> dict[str, str] | None:
            from assure.models.inputs import InvalidInput

            values = {name: value for name, value in typed.items() if value not in ("", None)}
            try:
                record_id = self.store.create(self.kind, self.programme_id, values)
            except InvalidInput as error:
                return error.errors
            except StoreError as error:
                return {"record": str(error)}
            self.after_change(record_id, reload=True)
            self.notify(f"Added {kind.label.lower()}.")
            # As after an edit: a name not yet among the programme's people is offered as one.
            self._follow_up = partial(self._offer_new_people, values)
            return None

        self._open_editor(RecordForm(
            f"Add {kind.label.lower()}", list(kind.fields), self.defaults(),
            choices=self._form_choices(), suggestions=self.person_names(), save=save,
        ))

    def action_delete_record(self) -> None:
        """Delete the record under the cursor after a confirmation that names it."""
        from assure.tui.editing import ConfirmScreen

        record = self.current_record
        if record is None:
            return
        kind = KINDS[self.kind]
        label = display_text(kind.describe(record._asdict()))

        def answer(yes: bool | None) -> None:
            if not yes:
                return
            try:
                self.store.delete(self.kind, record.id)
            except StoreError as error:
                self.notify(str(error), title="Not deleted", severity="error")
                return
            self.after_change(None, reload=True)
            self.notify(f"Deleted {kind.label.lower()} '{label}'. u undoes it.")

        self.app.push_screen(ConfirmScreen(f"Delete {kind.label.lower()} '{label}'?\nu undoes it.", yes="Delete",
                                           no="Keep"), answer)

    async def action_record_history(self) -> None:
        record = self.current_record
        if record is not None:
            await self.app.show_record_history(self.kind, record.id, KINDS[self.kind].describe(record._asdict()))

    def _save_fields(self, record: Any, values: dict[str, Any], *, as_dict: bool = False):
        """Save through the store; return the refusal (str, or dict per field) or None.

        Every field written is checked against the value the user saw in ``record``.
        """
        from assure.models.inputs import InvalidInput
        from assure.models.store import Conflict, RecordGone

        expected = {name: getattr(record, name) for name in values}
        try:
            change = self.store.update(self.kind, record.id, values, expected=expected)
        except InvalidInput as error:
            return error.errors if as_dict else "; ".join(error.errors.values())
        except Conflict as conflict:
            self._follow_up = partial(self._resolve_conflict, record, conflict, values, expected)
            return None
        except RecordGone as error:
            self.notify(str(error), severity="error")
            self.after_change(None, reload=True)
            return None
        except ReadOnlyError as error:
            self.notify(str(error), severity="error")
            return None
        except StoreError as error:  # busy: keep the editor open with the message
            return {"record": str(error)} if as_dict else str(error)
        self.after_change(record.id)
        self._follow_up = partial(self._offer_new_people, values)
        if change.fields:
            self.notify(f"Saved {change.describe()}.", timeout=3)
        return None

    def _open_editor(self, screen) -> None:
        """Push an editor; what its save asked for next (a conflict, new people) runs once it has closed."""
        self._follow_up = None

        def closed(_result: Any) -> None:
            follow_up, self._follow_up = self._follow_up, None
            if follow_up is not None:
                follow_up()

        self.app.push_screen(screen, closed)

    def _offer_new_people(self, values: dict[str, Any]) -> None:
        from assure.tui.editing import ConfirmScreen

        kind = KINDS[self.kind]
        names = set()
        for name, value in values.items():
            if name in kind.field_names and kind.field(name).control == "people" and value:
                names.update(split_names(value))
        unknown = sorted(names - set(self.person_names()))
        if not unknown:
            return

        def answer(yes: bool | None) -> None:
            if yes:
                for name in unknown:
                    try:
                        self.store.create("person", self.programme_id, {"name": name})
                    except Exception as error:  # shown, never raised into the UI loop
                        self.notify(f"{name}: {error}", severity="error")
                self.app.mark_stale()

        listed = ", ".join(f"'{display_text(n)}'" for n in unknown)
        self.app.push_screen(ConfirmScreen(f"{listed} is not yet in this programme's people. Add as a new person?",
                                           yes="Add", no="Not now"), answer)

    def describe_value(self, name: str, value: Any) -> str:
        """A stored or typed value as the user knows it: a person's name, not their id; a date
        as typed. Not cleaned here: the conflict screen cleans it with ``display_text``, which
        shows a control character as a mark rather than hiding that it is there."""
        from assure.tui.editing import editor_text

        kind = KINDS[self.kind]
        if name not in kind.field_names:
            return value
        spec = kind.field(name)
        for label, choice in self.choices_for(spec) or ():
            if choice == value or (choice is not None and str(choice) == str(value)):
                return label
        return editor_text(value) if spec.control == "date" else value

    def _resolve_conflict(self, record: Any, conflict, values: dict[str, Any], expected: dict[str, Any]) -> None:
        """Show every field a colleague changed; save what the user chose, field by field.

        The retry writes the user's value only where they chose to keep it, expecting the
        colleague's value they were just shown (a further change is another conflict), and
        the fields nobody else touched as typed. Fields kept as the colleague's are not written.
        """
        from assure.tui.editing import ConflictScreen, conflict_rows

        from assure.models.store import Conflict

        kind = KINDS[self.kind]

        def choose(choice) -> None:
            if not isinstance(choice, dict):
                self.notify("Not saved: the colleague's values stay.", severity="warning")
                self.after_change(record.id, reload=True)
                return
            retry = {name: value for name, value in values.items()
                     if name not in conflict.fields or choice.get(name) == "mine"}
            seen = {name: conflict.fields[name][1] if name in conflict.fields else expected[name] for name in retry}
            if not retry:
                self.notify("Kept the colleague's values; nothing of yours to save.")
                self.after_change(record.id, reload=True)
                return
            try:
                change = self.store.update(self.kind, record.id, retry, expected=seen)
            except Conflict as again:  # changed once more while the user was choosing: ask again
                self.after_change(record.id, reload=True)
                self._resolve_conflict(record, again, retry, seen)
                return
            except StoreError as error:
                self.notify(str(error), title="Not saved", severity="error", markup=False)
            else:
                mine = [row.label for row in conflict_rows(conflict) if choice.get(row.name) == "mine"]
                kept = f"; yours kept for {', '.join(mine)}" if mine else "; the colleague's values kept"
                if change.fields:
                    self.notify(f"Saved {', '.join(_labels(kind, change.fields))}{kept}.", markup=False)
            self.after_change(record.id, reload=True)

        self.app.push_screen(ConflictScreen(
            f"{kind.label} '{display_text(kind.describe(record._asdict()))}'",
            conflict_rows(conflict, self.store), describe=self.describe_value,
        ), choose)

    def after_change(self, key: int | None, *, reload: bool = False) -> None:
        """Show a saved change: one row in place, or the whole pane; other panes go stale."""
        if reload or key is None or self.loading_total:
            # (While rows are still being read, re-read them all: the rows on their way
            # were read before this change.)
            self.load(self.programme_id)
            if key is not None:
                self.table.move_to_key(key)
        else:
            record = self.store.get(self.kind, key)
            if record is None:
                self.load(self.programme_id)
            else:
                self.records[key] = record
                self.table.update_row(key, self.row(record))
                self.update_title()
                self.show_detail()
        self.app.mark_stale(except_pane=self.id)

    # -- events ---------------------------------------------------------------------

    @on(VirtualTable.RowSelected)
    def _row_selected(self, event: VirtualTable.RowSelected) -> None:
        event.stop()
        if self.check_action("edit_cell", ()):
            self.action_edit_cell()
        elif self.store.read_only or self.kind not in KINDS:
            self.action_edit_record()  # nothing to edit here: Enter shows the whole record

    @on(VirtualTable.RowHighlighted)
    def _row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self.show_detail()

    def action_count_values(self) -> None:
        """Show the values of the column under the cursor with their counts (VisiData's F)."""
        from assure.tui.counts import CountsScreen, value_counts

        table = self.table
        if not table.row_count:
            self.notify("No rows to count.", severity="warning")
            return
        key = table.cursor_column_key
        label = next((column.label for column in table.columns if column.key == key), key)

        def chosen(terms: str | None) -> None:
            if terms:
                self.set_filter(" ".join(part for part in (table.filter_text.strip(), terms) if part))
            self.focus_table()

        self.app.push_screen(CountsScreen(self.title, label, key, value_counts(table, key), table), chosen)

    def action_start_filter(self) -> None:
        box = self.query_one(FilterInput)
        box.remove_class("-hidden")
        box.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one(FilterInput)
        if box.value or not box.has_class("-hidden"):
            box.value = ""
            self._apply_filter("")
            box.add_class("-hidden")
            self.focus_table()

    @on(FilterInput.Cleared)
    def _filter_cleared(self, event: FilterInput.Cleared) -> None:
        event.stop()
        self.action_clear_filter()

    @on(FilterInput.Finished)
    def _filter_finished(self, event: FilterInput.Finished) -> None:
        event.stop()
        if not event.value:
            event.input.add_class("-hidden")
        self.focus_table()

    @on(Input.Changed, ".pane-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if isinstance(event, (FilterInput.Cleared, FilterInput.Finished)):
            return
        self._apply_filter(event.value)

    def set_filter(self, text: str) -> None:
        """Filter from outside (e.g. jumping from an outcome to its deliverables)."""
        box = self.query_one(FilterInput)
        box.value = text
        box.set_class(not text, "-hidden")
        self._apply_filter(text)

    def _apply_filter(self, text: str) -> None:
        self.table.set_filter(text)
        self.update_title()
        self.show_detail()


def rows_text(count: int) -> str:
    """``1 row``, ``72 rows``."""
    return f"{count} row" if count == 1 else f"{count} rows"


def _labels(kind, names) -> list[str]:
    """Field labels for people, in the order given."""
    return [kind.field(name).label if name in kind.field_names else name for name in names]


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()
