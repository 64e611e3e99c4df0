"""The shape every table pane shares: a filter, a virtual table and a detail view."""

from __future__ import annotations

from typing import Any, ClassVar, Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, Static

from assure.models.kinds import KINDS
from assure.models.text import safe_multiline
from assure.tui.widgets.virtual_table import Column, VirtualTable


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
    """The selected record in full, wrapped, so long text is never lost to truncation."""

    def compose(self) -> ComposeResult:
        yield Static("", id="detail-body", markup=False)

    def show(self, content: Text | str) -> None:
        self.query_one("#detail-body", Static).update(content)


def field_lines(pairs: Sequence[tuple[str, Any]]) -> Text:
    """Label: value lines as Text (never markup), for detail views."""
    text = Text()
    for index, (label, value) in enumerate(pairs):
        if index:
            text.append("\n")
        text.append(f"{label}: ", style="bold")
        text.append(safe_multiline(value) if value not in (None, "") else "—")
    return text


class TablePane(Vertical):
    """A pane over one record type. Subclasses say which columns and how to read."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    empty_message: ClassVar[str] = "Nothing recorded"

    BINDINGS = [
        Binding("slash", "start_filter", "Filter", id="pane.filter"),
        Binding("escape", "clear_filter", "Clear filter", show=False, id="pane.clear_filter"),
    ]

    def __init__(self, store, *, id: str | None = None) -> None:
        super().__init__(id=id, classes="pane")
        self.store = store
        self.programme_id: int | None = None
        self.records: dict[int, Any] = {}

    # -- what subclasses provide ---------------------------------------------------

    def columns(self) -> list[Column]:
        raise NotImplementedError

    def fetch(self) -> list[Any]:
        return self.store.list(self.kind, self.programme_id)

    def row(self, record: Any) -> tuple:
        raise NotImplementedError

    def detail(self, record: Any) -> Text:
        return field_lines([(spec.label, getattr(record, spec.name, None)) for spec in KINDS[self.kind].fields])

    # -- composition and loading ---------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Static("", classes="pane-title", markup=False)
        yield FilterInput(placeholder="Filter: type to narrow, Esc clears", classes="pane-filter -hidden")
        yield VirtualTable(self.columns(), empty_message=self.empty_message, classes="pane-table")
        yield DetailView(classes="pane-detail")

    @property
    def table(self) -> VirtualTable:
        return self.query_one(VirtualTable)

    def load(self, programme_id: int | None) -> None:
        """Read this pane's records for a programme and show them, keeping the cursor."""
        self.programme_id = programme_id
        records = self.fetch() if programme_id is not None else []
        self.records = {record.id: record for record in records}
        self.table.set_rows([self.row(record) for record in records], [record.id for record in records])
        self.update_title()
        self.show_detail()

    def update_title(self) -> None:
        table = self.table
        shown = f" · {table.row_count} shown" if table.filter_text else ""
        self.query_one(".pane-title", Static).update(Text(f"{self.title} · {table.total_count} rows{shown}"))

    def show_detail(self) -> None:
        key = self.table.cursor_key
        record = self.records.get(key) if key is not None else None
        self.query_one(DetailView).show(self.detail(record) if record else Text(""))

    def focus_table(self) -> None:
        self.table.focus()

    # -- events ---------------------------------------------------------------------

    @on(VirtualTable.RowHighlighted)
    def _row_highlighted(self, event: VirtualTable.RowHighlighted) -> None:
        self.show_detail()

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
