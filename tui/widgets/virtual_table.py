"""A table that renders only the rows on screen, for registers of any size.

Textual's `DataTable` measures and renders every cell up front (about 4 s to the first
frame at 10k rows, 39 s at 100k). `VirtualTable` keeps the raw rows as tuples plus one
list of row positions (the filtered, sorted view) and renders through the Line API:
`render_line(y)` formats only the cells of the line asked for, and the rendered lines
sit in a small LRU cache. Moving the cursor repaints just the old and the new cursor
lines, so little goes to the terminal.

Every cell goes through :func:`assure.models.text.display_text` and is drawn as plain
segments, never parsed as markup, so stored text such as ``[/]`` or an escape sequence
shows literally and cannot drive the terminal.
"""

from __future__ import annotations

import asyncio
import operator
import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, ClassVar, Literal, NamedTuple, Sequence

from assure.models.text import display_text
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["Column", "VirtualTable", "default_sort_key"]

TONES: frozenset[str] = frozenset({"good", "warn", "bad", "muted", "accent"})
"""The tone names a column's `tone` callable may return."""

_CELL_PADDING = 1
"""Blank cells either side of every cell's text."""

_MIN_FLEX_WIDTH = 10
"""The narrowest a flexible column is squeezed to before it is cropped."""

_WIDTH_SAMPLE = 500
"""How many leading rows are formatted to size the auto-width columns."""
_HINT_VALUES = 6
"""How many of a column's values a filter hint lists before "…"."""

_ELLIPSIS = "…"

_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


class _Range(NamedTuple):
    """A filter comparison, ``score:>=15``: column index, operator, a number or a date."""

    index: int
    operator: str
    operand: Any


def _range_operand(text: str) -> int | float | date | str:
    """What a comparison compares with: a number, a date (``31/03/2021`` or ``2021-03-31``,
    as the app takes dates everywhere), or else why not (``""`` while nothing is typed)."""
    if not text:
        return ""
    number = _as_number(text)
    if number is not None:
        return number
    from assure.models.dates import DateError, parse_date

    try:
        parsed = parse_date(text)
    except DateError as error:
        if "/" in text or "-" in text[1:]:
            return str(error)
        return f"'{display_text(text)}' is not a number or a date (31/03/2021 or 2021-03-31)"
    return parsed if parsed is not None else ""


def _as_number(text: Any) -> int | float | None:
    """``15`` or ``2.5`` (a cell such as ``30d`` counts as 30), else None."""
    match = _NUMBER.match(str(text))
    if match is None:
        return None
    number = match.group(1)
    return float(number) if "." in number else int(number)


_NUMBER = re.compile(r"^\s*(-?[0-9]+(?:\.[0-9]+)?)d?\s*$")


def _as_date(value: Any) -> date | None:
    """A stored ISO date or time as a date, else None."""
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _comparable(row: tuple, index: int) -> Any:
    """The raw cell a comparison looks at (of a pair such as (due date, status), the first)."""
    value = row[index] if index < len(row) else None
    if isinstance(value, tuple):
        return value[0] if value else None
    return value


@dataclass(frozen=True)
class Column:
    """How one column of a :class:`VirtualTable` is sized, drawn and sorted.

    Column ``i`` shows ``row[i]`` of every row; a row may carry extra trailing values
    (for tones or keys) that no column shows.
    """

    key: str
    """Stable id of the column, e.g. ``"status"``; used by `sort_by` and `cursor_column_key`."""
    label: str
    """Header text (shown literally, never as markup)."""
    width: int | None = None
    """Fixed width in cells; `None` sizes from the header and the first 500 rows, up to `max_width`."""
    max_width: int = 40
    """Upper bound for an auto-sized column."""
    min_width: int = 3
    """Lower bound when auto-sized columns are squeezed to fit the widget."""
    flex: bool = False
    """Take the width left over by the other columns (at least 10 cells); truncates with "…"."""
    align: Literal["left", "right", "center"] = "left"
    """Alignment of the cell text (and header label) inside the column."""
    format: Callable[[Any], str] | None = None
    """Raw value -> display string; the result is made terminal-safe with `display_text` too."""
    tone: Callable[[tuple], str | None] | None = None
    """Whole raw row -> one of "good", "warn", "bad", "muted", "accent" or None; colours this cell."""
    sort_key: Callable[[Any], Any] | None = None
    """Raw value -> sort key; `None` results sort last. Default: `default_sort_key`."""
    descending_first: bool = False
    """The first sort on this column puts the highest first (a score: the worst at the top)."""
    hide_below: int = 0
    """Leave the column out while the table is narrower than this (its value stays in the detail view)."""
    narrow_below: int = 0
    """While the table is narrower than this, draw the column `narrow_width` wide, with
    `narrow_label` and `narrow_format` (filtering and sorting still use the full text)."""
    narrow_width: int | None = None
    """Width in cells while narrow (default: the usual width)."""
    narrow_format: Callable[[Any], str] | None = None
    """Raw value -> a shorter display string while narrow (default: `format`)."""
    narrow_label: str | None = None
    """Header text while narrow (default: `label`)."""


def default_sort_key(value: Any) -> tuple | None:
    """Sort key used when a column has no `sort_key`.

    Numbers sort numerically and before text; text sorts case-insensitively; `None`
    and blank strings return `None`, which the table always places last.

    Args:
        value: A raw cell value.

    Returns:
        A comparable tuple, or `None` for a blank value.
    """
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (0, value, "")
    text = str(value)
    if not text.strip():
        return None
    return (1, 0, text.casefold())


def _fit(text: str, width: int, align: str = "left") -> str:
    """Pad or truncate `text` to exactly `width` cells, ending truncated text with "…"."""
    if width <= 0:
        return ""
    ascii_only = text.isascii()
    length = len(text) if ascii_only else cell_len(text)
    if length > width:
        if width == 1:
            return _ELLIPSIS
        if ascii_only:
            return text[: width - 1] + _ELLIPSIS
        # set_cell_size pads with a space when it has to split a double-width character.
        return set_cell_size(text, width - 1) + _ELLIPSIS
    pad = width - length
    if not pad:
        return text
    if align == "right":
        return " " * pad + text
    if align == "center":
        left = pad // 2
        return " " * left + text + " " * (pad - left)
    return text + " " * pad


class VirtualTable(ScrollView, can_focus=True):
    """A keyboard- and mouse-driven table that renders only the visible rows.

    Rows are raw tuples with an integer key each (the record id). The view is the rows
    that pass the filter, in sort order; the cursor is an index into that view.
    """

    ALLOW_SELECT = False
    ALLOW_MAXIMIZE = True

    PREWARM_FILTER_ROWS: ClassVar[int] = 2_000
    """From this many rows, the filter's search strings are built in the background after
    `set_rows`, so the first filter keystroke does not pay for building them."""

    LINE_CACHE_SIZE: ClassVar[int] = 400
    """Rendered lines kept for reuse (a few screens' worth)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up,k", "cursor_up", "Up", show=False, id="table.cursor_up"),
        Binding("down,j", "cursor_down", "Down", show=False, id="table.cursor_down"),
        Binding("left,h", "cursor_left", "Left", show=False, id="table.cursor_left"),
        Binding("right,l", "cursor_right", "Right", show=False, id="table.cursor_right"),
        Binding("pageup,ctrl+b", "page_up", "Page up", show=False, id="table.page_up"),
        Binding("pagedown,ctrl+f", "page_down", "Page down", show=False, id="table.page_down"),
        Binding("home,g", "first_row", "First row", show=False, id="table.first_row"),
        Binding("end,G", "last_row", "Last row", show=False, id="table.last_row"),
        Binding("enter", "select_row", "Open row", show=False, id="table.select"),
        Binding("s", "sort_column", "Sort by column", show=False, id="table.sort"),
    ]
    """
    | Key(s) | Description |
    | :- | :- |
    | up, k / down, j | Move the cursor one row. |
    | left, h / right, l | Move the cursor one column. |
    | pageup, ctrl+b / pagedown, ctrl+f | Move the cursor one page. |
    | home, g / end, G | First / last row. |
    | enter | Post `RowSelected` for the cursor row. |
    | s | Sort by the cursor column (again: reverse). |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "virtual-table--header",
        "virtual-table--cursor",
        "virtual-table--cursor-cell",
        "virtual-table--even-row",
        "virtual-table--tone-good",
        "virtual-table--tone-warn",
        "virtual-table--tone-bad",
        "virtual-table--tone-muted",
        "virtual-table--tone-accent",
        "virtual-table--empty",
    }
    """
    | Class | Description |
    | :- | :- |
    | `virtual-table--header` | The pinned header line. |
    | `virtual-table--cursor` | The cursor row. |
    | `virtual-table--cursor-cell` | The cell under the cursor (row and column). |
    | `virtual-table--even-row` | Every other row, when `zebra_stripes` is on. |
    | `virtual-table--tone-*` | Cell colours for the tones good, warn, bad, muted, accent. |
    | `virtual-table--empty` | The message shown when no row is in view. |
    """

    DEFAULT_CSS = """
    VirtualTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;
        overflow-x: hidden;
        overflow-y: auto;
        &:focus {
            background-tint: $foreground 5%;
            & > .virtual-table--cursor {
                background: $primary 30%;
            }
            & > .virtual-table--cursor-cell {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
        }
        & > .virtual-table--header {
            background: $panel;
            color: $foreground;
            text-style: bold;
        }
        & > .virtual-table--cursor {
            background: $block-cursor-blurred-background;
        }
        & > .virtual-table--cursor-cell {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: bold;
        }
        & > .virtual-table--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .virtual-table--tone-good { color: $text-success; }
        & > .virtual-table--tone-warn { color: $text-warning; }
        & > .virtual-table--tone-bad { color: $text-error; }
        & > .virtual-table--tone-muted { color: $text-muted; }
        & > .virtual-table--tone-accent { color: $text-accent; }
        & > .virtual-table--empty {
            color: $text-muted;
            text-style: italic;
        }
    }
    """

    cursor_row: reactive[int] = reactive(0, repaint=False, init=False)
    """Index of the cursor row in the view (the filtered, sorted rows)."""

    cursor_column: reactive[int] = reactive(0, repaint=False, init=False)
    """Index of the cursor column (the emphasised cell; `s` sorts by it)."""

    zebra_stripes: reactive[bool] = reactive(False, repaint=False, init=False)
    """Shade every other row."""

    class RowHighlighted(Message):
        """The cursor moved to another row, or the rows under it changed.

        `key` and `row` are `None` when no row is in view.
        """

        def __init__(self, table: VirtualTable, key: int | None, row: tuple | None) -> None:
            super().__init__()
            self.table = table
            """The table that posted the message."""
            self.key = key
            """Key of the highlighted row, or `None` when the view is empty."""
            self.row = row
            """Raw values of the highlighted row, or `None`."""

        @property
        def control(self) -> VirtualTable:
            """The table that posted the message (for `@on(..., "#id")`)."""
            return self.table

    class RowSelected(Message):
        """Enter was pressed (or a row double-clicked) on a row."""

        def __init__(self, table: VirtualTable, key: int, row: tuple, column: Column) -> None:
            super().__init__()
            self.table = table
            """The table that posted the message."""
            self.key = key
            """Key of the selected row."""
            self.row = row
            """Raw values of the selected row."""
            self.column = column
            """The cursor column when the row was selected."""

        @property
        def control(self) -> VirtualTable:
            """The table that posted the message (for `@on(..., "#id")`)."""
            return self.table

    def __init__(
        self,
        columns: Sequence[Column],
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        empty_message: str = "No rows",
    ) -> None:
        """Create an empty table; fill it with `set_rows`.

        Args:
            columns: The columns, in display order; column `i` shows `row[i]`.
            name: The name of the widget.
            id: The ID of the widget in the DOM.
            classes: CSS classes of the widget.
            empty_message: Shown (muted) when no row is in view.

        Raises:
            ValueError: If there are no columns or two share a key.
        """
        super().__init__(name=name, id=id, classes=classes)
        columns = tuple(columns)
        if not columns:
            raise ValueError("VirtualTable needs at least one column")
        self._column_index: dict[str, int] = {column.key: i for i, column in enumerate(columns)}
        if len(self._column_index) != len(columns):
            raise ValueError("VirtualTable column keys must be unique")
        self._columns: tuple[Column, ...] = columns
        self.empty_message = empty_message
        """Text shown when no row is in view."""

        self._rows: list[tuple] = []
        self._keys: list[int] = []
        # key -> position in _rows, built on first need (update_row, move_to_key, ...).
        self._key_positions: dict[int, int] | None = None
        # All row positions in sort order, and the subset that passes the filter.
        # With no filter the two are the same list object.
        self._base: list[int] = []
        self._view: list[int] = []
        # One casefolded search string per row, built lazily (a prefix while warming).
        self._haystacks: list[str] = []
        self._filter_text = ""
        # Plain terms are casefolded strings; scoped terms ("out:3") are (column index, value).
        self._terms: tuple[str | tuple[int, str], ...] = ()
        # The last filter's terms and matches, to narrow from while the user types on.
        self._narrow_from: tuple[tuple[str | tuple[int, str], ...], list[int]] | None = None
        self._sort_column: str | None = None
        self._sort_reverse = False
        # An edited row may be out of sort order until the next filter or sort.
        self._base_stale = False
        self._natural_widths: list[int] = self._measure_widths()
        self._layout: tuple[int, list[int], list[int], frozenset[int]] | None = None
        self._line_cache: LRUCache[tuple, Strip] = LRUCache(self.LINE_CACHE_SIZE)
        # Rich styles by component name ("" is the widget's own), until styles change.
        self._styles: dict[str, Style] = {}
        self._announced: tuple[int | None, tuple | None] | None = None
        self._warm_task: asyncio.Task | None = None
        self._paint_width: int | None = None

    # -- public read-only state -----------------------------------------------------------

    @property
    def columns(self) -> tuple[Column, ...]:
        """The columns, in display order."""
        return self._columns

    @property
    def row_count(self) -> int:
        """Number of rows in view (after the filter)."""
        return len(self._view)

    @property
    def total_count(self) -> int:
        """Number of rows held, filtered out or not."""
        return len(self._rows)

    @property
    def cursor_key(self) -> int | None:
        """Key of the cursor row, or `None` when no row is in view."""
        view = self._view
        if not view:
            return None
        return self._keys[view[min(self.cursor_row, len(view) - 1)]]

    @property
    def cursor_row_data(self) -> tuple | None:
        """Raw values of the cursor row, or `None` when no row is in view."""
        view = self._view
        if not view:
            return None
        return self._rows[view[min(self.cursor_row, len(view) - 1)]]

    @property
    def cursor_column_key(self) -> str:
        """Key of the cursor column."""
        return self._columns[self.cursor_column].key

    @property
    def sort_column(self) -> str | None:
        """Key of the column the rows are sorted by, or `None` for the given order."""
        return self._sort_column

    @property
    def sort_reverse(self) -> bool:
        """Whether the sort is descending."""
        return self._sort_reverse

    @property
    def filter_text(self) -> str:
        """The filter as last given to `set_filter`."""
        return self._filter_text

    def visible_keys(self) -> list[int]:
        """The keys of the rows in view, in view order.

        Returns:
            A new list of keys.
        """
        keys = self._keys
        return [keys[position] for position in self._view]

    def column_values(self, column_key: str) -> list[Any]:
        """The raw values of one column for the rows in view (filtered), in view order.

        Raises:
            KeyError: If no column has that key.
        """
        index = self._column_index[column_key]
        rows = self._rows
        return [rows[position][index] if index < len(rows[position]) else None for position in self._view]

    def cell_text(self, column_key: str, value: Any) -> str:
        """A raw value as the column shows it (formatted, terminal-safe, one line)."""
        return self._cell_text(self._columns[self._column_index[column_key]], value)

    # -- changing the data ----------------------------------------------------------------

    def set_rows(self, rows: Sequence[tuple], keys: Sequence[int]) -> None:
        """Replace all rows, keeping the current filter and sort.

        The cursor stays on the same key if that row is still in view; otherwise it
        keeps its index (clamped), which lands on the next row after a deletion.
        Nothing is formatted here except a sample of rows for column widths.

        Args:
            rows: Raw values per row (str, int, None, ISO date strings...).
            keys: Unique record id per row, same length as `rows`.

        Raises:
            ValueError: If the lengths differ or a key repeats.
        """
        rows = list(rows)
        keys = list(keys)
        if len(rows) != len(keys):
            raise ValueError(f"set_rows got {len(rows)} rows but {len(keys)} keys")
        if len(set(keys)) != len(keys):
            raise ValueError("set_rows keys must be unique")
        old_key, old_index = self.cursor_key, self.cursor_row
        try:
            keep = None if old_key is None else keys.index(old_key)
        except ValueError:
            keep = None
        self._rows = rows
        self._keys = keys
        self._key_positions = None
        self._haystacks = []
        self._natural_widths = self._measure_widths()
        self._layout = None
        self._narrow_from = None
        self._base = self._sorted_positions()
        self._apply_filter()
        self._data_changed(keep, old_index)
        self._schedule_warm()

    def update_row(self, key: int, row: tuple) -> None:
        """Replace one row's values in place (after an edit); the cursor stays.

        The row keeps its place even if it no longer matches the sort or the filter
        (rows do not jump away from under the user); the next `set_rows`, `sort_by`
        or `set_filter` places it afresh. Does nothing if `key` is unknown.

        Args:
            key: Key of the row to replace.
            row: Its new raw values.
        """
        position = self._position_of(key)
        if position is None:
            return
        row = tuple(row)
        self._rows[position] = row
        if position < len(self._haystacks):
            self._haystacks[position] = self._haystack(row)
        # The row may now match filters it did not match before: narrowing is unsafe.
        self._narrow_from = None
        self._base_stale = self._sort_column is not None
        index = self._view_index_of(position)
        if index is not None:
            for cache_key in [k for k in self._line_cache.keys() if k[0] == index]:
                self._line_cache.discard(cache_key)
            self._refresh_view_row(index)
        self._announce()

    def remove_row(self, key: int) -> None:
        """Remove one row. The cursor stays on its row, or moves to the next one if it
        was on the removed row. Does nothing if `key` is unknown.

        Args:
            key: Key of the row to remove.
        """
        position = self._position_of(key)
        if position is None:
            return
        old_index = self.cursor_row
        keep = self._view[old_index] if self._view else None
        if keep == position:
            keep = None
        elif keep is not None and keep > position:
            keep -= 1
        del self._rows[position]
        del self._keys[position]
        if position < len(self._haystacks):
            del self._haystacks[position]
        self._key_positions = None
        view_is_base = self._view is self._base
        self._base = [p - (p > position) for p in self._base if p != position]
        self._view = self._base if view_is_base else [p - (p > position) for p in self._view if p != position]
        self._narrow_from = None
        self._data_changed(keep, old_index)
        self._schedule_warm()

    def set_filter(self, text: str) -> None:
        """Show only rows whose display text contains every space-separated term.

        Matching is case-insensitive over all columns' display strings; "" clears the
        filter. A term `name:value`, where `name` is a column's key or label (or the
        start of just one of them), instead matches rows whose cell in that column is
        exactly `value` (raw or displayed, ignoring case): `out:3` finds outcome 3 but
        not 13. A `name:` with an unknown name is searched for as plain text (and
        `filter_hint` says so). A term starting with ``-`` excludes the rows it would
        match: ``approved:glyn -status:signed``.
        The cursor stays on its row if that row still matches, else goes to the first
        match.

        Args:
            text: The filter as typed.
        """
        text = text or ""
        terms = self._parse_filter(text)
        self._filter_text = text
        if terms == self._terms and not self._base_stale and (not terms or self._narrow_from is not None):
            return  # same terms over unchanged rows (e.g. a trailing space was typed)
        keep = self._cursor_position()
        self._terms = terms
        if self._base_stale:
            self._base = self._sorted_positions()
            self._narrow_from = None
        self._apply_filter()
        self._data_changed(keep, 0)

    def sort_by(self, column_key: str, reverse: bool | None = None) -> None:
        """Sort the rows by one column (stable; blanks always last).

        Args:
            column_key: Key of the column to sort by.
            reverse: `True` for descending; `None` reverses the current direction if
                already sorted by this column, else sorts ascending.

        Raises:
            KeyError: If no column has that key.
        """
        if column_key not in self._column_index:
            raise KeyError(column_key)
        if reverse is None:
            if column_key == self._sort_column:
                reverse = not self._sort_reverse
            else:
                reverse = self._columns[self._column_index[column_key]].descending_first
        keep, old_index = self._cursor_position(), self.cursor_row
        self._sort_column = column_key
        self._sort_reverse = bool(reverse)
        self._base = self._sorted_positions()
        self._narrow_from = None
        self._apply_filter()
        self._data_changed(keep, old_index)

    def relabel(self, column_key: str, label: str) -> None:
        """Give a column a new header (e.g. in the programme's own words).

        Args:
            column_key: Key of the column.
            label: The new header text (shown literally).
        """
        from dataclasses import replace

        index = self._column_index[column_key]
        if self._columns[index].label == label:
            return
        columns = list(self._columns)
        columns[index] = replace(columns[index], label=label)
        self._columns = tuple(columns)
        self._line_cache.clear()
        self.refresh()

    def cursor_cell_region(self) -> Region | None:
        """Where the cell under the cursor is on screen (padding included), e.g. to place
        an editor over it.

        Returns:
            A screen region one line high, or `None` if no row is in view or the cursor
            row is scrolled out of sight.
        """
        if not self._view:
            return None
        y = self.cursor_row + 1 - self.scroll_offset.y
        if not 1 <= y <= self._body_height():
            return None
        widths, offsets = self._layout_for(self._content_width())
        column = self.cursor_column
        content = self.content_region
        return Region(content.x + offsets[column], content.y + y, widths[column] + 2 * _CELL_PADDING, 1)

    def move_to_key(self, key: int) -> bool:
        """Move the cursor to the row with this key (the filter is left alone).

        Args:
            key: Key of the row.

        Returns:
            `True` if the row is in view and the cursor is on it, else `False`.
        """
        position = self._position_of(key)
        if position is None:
            return False
        index = self._view_index_of(position)
        if index is None:
            return False
        self.cursor_row = index
        return True

    # -- view computation -----------------------------------------------------------------

    def _position_of(self, key: int) -> int | None:
        """Position in `_rows` of the row with this key."""
        if self._key_positions is None:
            self._key_positions = {k: i for i, k in enumerate(self._keys)}
        return self._key_positions.get(key)

    def _view_index_of(self, position: int) -> int | None:
        """Index in the view of a row position, or `None` if filtered out."""
        view = self._view
        cursor = self.cursor_row
        if cursor < len(view) and view[cursor] == position:
            return cursor
        try:
            return view.index(position)
        except ValueError:
            return None

    def _sorted_positions(self) -> list[int]:
        """All row positions in the current sort order (blanks last, stable)."""
        self._base_stale = False
        count = len(self._rows)
        if self._sort_column is None:
            return list(range(count))
        index = self._column_index[self._sort_column]
        column = self._columns[index]
        key_function = column.sort_key
        keys: list[Any] = []
        append = keys.append
        for row in self._rows:
            value = row[index] if index < len(row) else None
            if key_function is None:
                # default_sort_key inlined for the common types: this loop runs per row.
                kind = type(value)
                if kind is str:
                    append((1, 0, value.casefold()) if value and not value.isspace() else None)
                elif value is None:
                    append(None)
                elif kind is int or kind is float:
                    append((0, value, ""))
                else:
                    append(default_sort_key(value))
                continue
            try:
                append(key_function(value))
            except Exception:  # a bad value must not crash the screen: sort it as blank
                append(None)
        present = [i for i in range(count) if keys[i] is not None]
        blank = [i for i in range(count) if keys[i] is None]
        try:
            present.sort(key=keys.__getitem__, reverse=self._sort_reverse)
        except TypeError:
            # Keys of different types: order by type name, then by text.
            present.sort(
                key=lambda i: (type(keys[i]).__name__, str(keys[i])),
                reverse=self._sort_reverse,
            )
        return present + blank

    def _haystack(self, row: tuple) -> str:
        """The casefolded search string of one row: its display strings joined by NUL."""
        parts = []
        for index, column in enumerate(self._columns):
            value = row[index] if index < len(row) else None
            if column.format is None:
                # Filter terms hold no whitespace or control characters, so raw str()
                # matches exactly where display_text() would, at a third of the cost.
                parts.append("" if value is None else str(value))
            else:
                parts.append(self._cell_text(column, value))
        return "\x00".join(parts).casefold()

    def _extend_haystacks(self, limit: int | None = None) -> None:
        """Build search strings for the next `limit` rows (all remaining if `None`)."""
        haystacks = self._haystacks
        start = len(haystacks)
        stop = len(self._rows) if limit is None else min(len(self._rows), start + limit)
        if start >= stop:
            return
        chunk = self._rows[start:stop]
        if any(column.format is not None for column in self._columns):
            haystack = self._haystack
            haystacks.extend([haystack(row) for row in chunk])
        else:
            width = len(self._columns)
            haystacks.extend(
                [
                    "\x00".join(["" if value is None else str(value) for value in row[:width]]).casefold()
                    for row in chunk
                ]
            )

    def _parse_filter(self, text: str) -> tuple[Any, ...]:
        """Split filter text into plain terms, column-scoped `(index, value)` terms,
        `_Range` comparisons (``score:>=15``) and, for a term starting with ``-``,
        `("-", term)` exclusions of any of them. A range that is not a number or a date
        constrains nothing (`filter_problem` says why)."""
        terms: list[Any] = []
        for word in text.casefold().split():
            negated = word.startswith("-") and len(word) > 1
            term = word[1:] if negated else word
            name, colon, value = term.partition(":")
            index = self._column_named(name) if colon and name else None
            if index is None:
                parsed: Any = term
            elif value.startswith(("<", ">")):
                op = value[:2] if value[1:2] == "=" else value[:1]
                operand = _range_operand(value[len(op):])
                if not isinstance(operand, (int, float, date)) or (
                        not isinstance(operand, date) and self._holds_dates(index)):
                    continue  # still being typed, or malformed: constrains nothing
                parsed = _Range(index, op, operand)
            elif value:
                parsed = (index, value)
            else:
                continue  # "name:" with nothing after it yet constrains nothing.
            terms.append(("-", parsed) if negated else parsed)
        return tuple(dict.fromkeys(terms))

    def filter_problem(self) -> str:
        """Why a comparison in the filter is ignored, in words (``""`` when none is).

        ``score:>=high`` is not a number or a date; ``date:<31/02/2021`` is not a real
        date; ``date:<2021`` compares a column of dates with a number.
        """
        problems: list[str] = []
        for word in self._filter_text.casefold().split():
            term = word[1:] if word.startswith("-") and len(word) > 1 else word
            name, colon, value = term.partition(":")
            index = self._column_named(name) if colon and name else None
            if index is None or not value.startswith(("<", ">")):
                continue
            op = value[:2] if value[1:2] == "=" else value[:1]
            operand = _range_operand(value[len(op):])
            key = self._columns[index].key
            if isinstance(operand, str) and operand:
                problems.append(f"{key}:{display_text(value)} is ignored: {operand}.")
            elif isinstance(operand, (int, float)) and self._holds_dates(index):
                problems.append(f"{key}:{display_text(value)} is ignored: {key} holds dates; compare with a whole "
                                f"date ({key}:{op}31/03/2021 or {key}:{op}2021-03-31).")
        return " ".join(problems)

    def _holds_dates(self, index: int) -> bool:
        """Whether a column's first filled cell is a date (so a number cannot be compared with it)."""
        column = self._columns[index]
        for position in self._base[:50]:
            row = self._rows[position]
            value = _comparable(row, index)
            if value is not None and value != "":
                if _as_number(self._cell_text(column, row[index])) is not None:
                    return False  # shown as a number (an age, 30d): compared as one
                return isinstance(value, date) or _as_date(value) is not None
        return False

    def _range_matches(self, row: tuple, term: "_Range") -> bool:
        """Whether a row's cell compares as asked (a blank or another kind of value never does)."""
        value = _comparable(row, term.index)
        if value is None or value == "":
            return False
        operand = term.operand
        if isinstance(operand, date):
            value = value if isinstance(value, date) else _as_date(value)
        elif not isinstance(value, (int, float)) or isinstance(value, bool):
            value = _as_number(self._cell_text(self._columns[term.index], row[term.index]))
        if value is None:
            return False
        try:
            return _OPERATORS[term.operator](value, operand)
        except TypeError:
            return False

    def filter_hint(self) -> str:
        """Why the filter matches nothing, in words (``""`` if it matches or is empty).

        Names a ``name:`` that is no column (with the names that are) and, for a column
        term no row has, the values that column does have (the first few, cleaned).
        """
        if self._view or not self._filter_text.strip():
            return ""
        names = ", ".join(column.key for column in self._columns)
        hints: list[str] = []
        for word in self._filter_text.casefold().split():
            term = word[1:] if word.startswith("-") and len(word) > 1 else word
            name, colon, value = term.partition(":")
            if not colon or not name:
                continue
            index = self._column_named(name)
            if index is None:
                hints.append(f"No column is called '{display_text(name)}'; filter by one of: {names}.")
                continue
            if not value or word.startswith("-"):
                continue
            if value.startswith(("<", ">")):
                op = value[:2] if value[1:2] == "=" else value[:1]
                if isinstance(_range_operand(value[len(op):]), (int, float, date)):
                    hints.append(f"No row has {self._columns[index].key} {op} {display_text(value[len(op):])}.")
                continue
            rows = self._rows
            if any(self._cell_equals(rows[p], index, value) for p in self._base):
                continue
            column = self._columns[index]
            seen: dict[str, None] = {}
            for position in self._base:
                raw = rows[position][index] if index < len(rows[position]) else None
                # The stored word is what one types ("Signed Off", not "✓ Signed Off").
                shown = (display_text(raw) if isinstance(raw, str) else self._cell_text(column, raw)).strip()
                if shown:
                    seen.setdefault(shown, None)
                if len(seen) > _HINT_VALUES:
                    break
            values = list(seen)
            listed = ", ".join(values[:_HINT_VALUES]) + (", …" if len(values) > _HINT_VALUES else "")
            hints.append(f"No row has {column.key} '{display_text(value)}'; "
                         f"{column.key} has: {listed or 'nothing'}.")
        return " ".join(hints)

    def _column_named(self, name: str) -> int | None:
        """Index of the column whose key or label is `name` (casefolded) or, failing
        that, the only one starting with it."""
        names = [
            (index, column.key.casefold(), display_text(column.label).casefold())
            for index, column in enumerate(self._columns)
        ]
        for index, key, label in names:
            if name in (key, label):
                return index
        starting = {index for index, key, label in names if key.startswith(name) or label.startswith(name)}
        return starting.pop() if len(starting) == 1 else None

    def _cell_equals(self, row: tuple, index: int, value: str) -> bool:
        """Whether a row's cell, raw or displayed, matches `value` (casefolded).

        A number must match whole (``out:3`` is not 13 or 30); words match anywhere
        (``status:post``, ``approved:glyn``).
        """
        raw = row[index] if index < len(row) else None
        if raw is None:
            return False
        column = self._columns[index]
        texts = [str(raw).strip().casefold()]
        if column.format is not None:
            texts.append(self._cell_text(column, raw).strip().casefold())
        if value.isdigit():
            return any(text == value or text.split()[-1:] == [value] for text in texts)
        return any(value in text for text in texts)

    def _apply_filter(self) -> None:
        """Recompute the view from the sorted positions and the filter terms."""
        terms = self._terms
        if not terms:
            self._view = self._base
            self._narrow_from = None
            return
        excluded = [term[1] for term in terms if isinstance(term, tuple) and term[0] == "-"]
        wanted = [term for term in terms if not (isinstance(term, tuple) and term[0] == "-")]
        plain = sorted((t for t in wanted if isinstance(t, str)), key=len, reverse=True)
        ranges = [t for t in wanted if isinstance(t, _Range)]
        scoped = [t for t in wanted if not isinstance(t, (str, _Range))]
        candidates = self._base
        if self._narrow_from is not None:
            previous_terms, previous_matches = self._narrow_from
            # Every row matching the new terms matches the old ones when each old plain
            # term is part of a new plain term and each old scoped term is still there:
            # then search only the previous matches. An old exclusion must still be there
            # unchanged (a longer excluded word excludes fewer rows).
            if all(
                old in terms if isinstance(old, tuple) and old[0] == "-"
                else old in ranges if isinstance(old, _Range)
                else old in scoped if not isinstance(old, str) else any(old in new for new in plain)
                for old in previous_terms
            ):
                candidates = previous_matches
        if plain or any(isinstance(term, str) for term in excluded):
            self._extend_haystacks()
        haystacks = self._haystacks
        for term in plain:
            candidates = [p for p in candidates if term in haystacks[p]]
        rows = self._rows
        for index, value in scoped:
            candidates = [p for p in candidates if self._cell_equals(rows[p], index, value)]
        for term in ranges:
            candidates = [p for p in candidates if self._range_matches(rows[p], term)]
        for term in excluded:
            if isinstance(term, str):
                candidates = [p for p in candidates if term not in haystacks[p]]
            elif isinstance(term, _Range):
                candidates = [p for p in candidates if not self._range_matches(rows[p], term)]
            else:
                index, value = term
                candidates = [p for p in candidates if not self._cell_equals(rows[p], index, value)]
        self._view = candidates
        self._narrow_from = (terms, candidates)

    def _cursor_position(self) -> int | None:
        """Position in `_rows` of the cursor row, or `None` when the view is empty."""
        view = self._view
        return view[min(self.cursor_row, len(view) - 1)] if view else None

    def _data_changed(self, keep_position: int | None, fallback_index: int) -> None:
        """After the view changed: place the cursor, clear caches, repaint, announce.

        Args:
            keep_position: Row position the cursor should stay on, if still in view.
            fallback_index: View index for the cursor otherwise (clamped).
        """
        index = None if keep_position is None else self._view_index_of(keep_position)
        if index is None:
            index = fallback_index
        self.set_reactive(VirtualTable.cursor_row, self.validate_cursor_row(index))
        self.set_reactive(VirtualTable.cursor_column, self.validate_cursor_column(self.cursor_column))
        self._line_cache.clear()
        self._update_virtual_size()
        self.refresh()
        self._scroll_cursor_into_view()
        self._announce()

    def _update_virtual_size(self) -> None:
        width = sum(width + 2 * _CELL_PADDING for width in self._natural_widths)
        self.virtual_size = Size(width, max(1, len(self._view)) + 1)

    def _announce(self) -> None:
        """Post `RowHighlighted` if the cursor's key or row values changed."""
        key, row = self.cursor_key, self.cursor_row_data
        if self._announced is not None:
            old_key, old_row = self._announced
            if old_key == key and old_row == row:
                return
        self._announced = (key, row)
        self.post_message(self.RowHighlighted(self, key, row))

    # -- background preparation of the filter -----------------------------------------------

    def _schedule_warm(self) -> None:
        """Start building search strings in the background for large tables."""
        if len(self._rows) < self.PREWARM_FILTER_ROWS or not self.is_mounted:
            return
        if self._warm_task is not None and not self._warm_task.done():
            return  # the running task picks up the new data itself
        self._warm_task = asyncio.create_task(self._warm_haystacks())

    async def _warm_haystacks(self) -> None:
        """Build search strings a slice at a time, yielding to the UI between slices."""
        await asyncio.sleep(0.05)  # let the first frame paint
        while self.is_mounted and len(self._haystacks) < len(self._rows):
            self._extend_haystacks(1_000)  # small chunks: a key pressed meanwhile waits < 10 ms
            await asyncio.sleep(0)

    def on_mount(self) -> None:
        self._schedule_warm()

    def on_unmount(self) -> None:
        if self._warm_task is not None:
            self._warm_task.cancel()
            self._warm_task = None

    # -- layout ---------------------------------------------------------------------------

    def _cell_text(self, column: Column, value: Any) -> str:
        """The terminal-safe, single-line display string of a value."""
        if column.format is None:
            return display_text(value)
        try:
            return display_text(column.format(value))
        except Exception:  # a formatter bug must not take the screen down
            return display_text(value)

    def _narrow_text(self, column: Column, value: Any) -> str:
        """The display string of a value in a column drawn narrow."""
        try:
            return display_text(column.narrow_format(value))
        except Exception:  # as _cell_text: never take the screen down
            return self._cell_text(column, value)

    def _measure_widths(self) -> list[int]:
        """Natural width of every column (fixed, or header and a sample of rows)."""
        widths = []
        sample = self._rows[:_WIDTH_SAMPLE]
        for index, column in enumerate(self._columns):
            if column.width is not None:
                widths.append(max(1, column.width))
                continue
            # Room for the label and its sort arrow, so sorting does not change widths.
            natural = cell_len(display_text(column.label)) + 2
            for row in sample:
                value = row[index] if index < len(row) else None
                natural = max(natural, cell_len(self._cell_text(column, value)))
            if column.flex:
                widths.append(max(natural, _MIN_FLEX_WIDTH, column.min_width))
            else:
                widths.append(max(column.min_width, min(natural, column.max_width)))
        return widths

    def _layout_for(self, available: int) -> tuple[list[int], list[int]]:
        """Column widths and x offsets (cells, padding included) for a widget width."""
        if self._layout is not None and self._layout[0] == available:
            return self._layout[1], self._layout[2]
        columns = self._columns
        widths = list(self._natural_widths)
        padding = 2 * _CELL_PADDING
        hidden = {i for i, column in enumerate(columns) if available < column.hide_below}
        narrow = frozenset(i for i, column in enumerate(columns) if available < column.narrow_below)
        for i in narrow:
            if columns[i].narrow_width is not None:
                widths[i] = columns[i].narrow_width
        flexible = [i for i, column in enumerate(columns) if column.flex and i not in hidden]
        fixed_total = sum(widths[i] + padding for i in range(len(columns)) if not columns[i].flex and i not in hidden)
        if flexible:
            share = (available - fixed_total) // len(flexible) - padding
            floor = max(_MIN_FLEX_WIDTH, *(columns[i].min_width for i in flexible))
            for i in flexible:
                widths[i] = max(share, floor)
        for i in hidden:
            widths[i] = 0
        excess = sum(widths) + padding * (len(widths) - len(hidden)) - available
        if excess > 0:
            # Squeeze auto-sized columns, in proportion to their slack, down to min_width.
            auto = [i for i, column in enumerate(columns)
                    if column.width is None and not column.flex and i not in hidden]
            slack = {i: max(0, widths[i] - columns[i].min_width) for i in auto}
            total_slack = sum(slack.values())
            if total_slack:
                cut = min(excess, total_slack)
                for i in auto:
                    widths[i] -= min(slack[i], -(-cut * slack[i] // total_slack))
        offsets = []
        x = 0
        for i, width in enumerate(widths):
            offsets.append(x)
            if i in hidden:
                widths[i] = -1  # drawn nowhere
            else:
                x += width + padding
        self._layout = (available, widths, offsets, narrow)
        return widths, offsets

    def _narrow_columns(self, available: int) -> frozenset[int]:
        """Indexes of the columns drawn narrow at this width."""
        self._layout_for(available)
        return self._layout[3]

    def _column_at(self, x: int) -> int | None:
        """Index of the column under content x, or `None` past the last column."""
        widths, offsets = self._layout_for(self._content_width())
        for index, (offset, width) in enumerate(zip(offsets, widths)):
            if width >= 0 and offset <= x < offset + width + 2 * _CELL_PADDING:
                return index
        return None

    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _body_height(self) -> int:
        """Lines available for rows (the widget minus the header)."""
        return max(0, self.scrollable_content_region.height - 1)

    # -- rendering ------------------------------------------------------------------------

    def _style(self, component: str) -> Style:
        """The Rich style of a component ("" for the widget itself), cached until the
        styles change; tones are partial (colour only) so they sit on any row style."""
        style = self._styles.get(component)
        if style is None:
            if not component:
                style = self.rich_style
            else:
                style = self.get_component_rich_style(component, partial=component.startswith("virtual-table--tone-"))
            self._styles[component] = style
        return style

    def _styles_changed(self) -> None:
        self._styles.clear()
        self._line_cache.clear()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles_changed()

    def on_resize(self, event: events.Resize) -> None:
        self._line_cache.clear()
        self._scroll_cursor_into_view()

    def on_focus(self, event: events.Focus) -> None:
        self._styles_changed()
        self.refresh()

    def on_blur(self, event: events.Blur) -> None:
        self._styles_changed()
        self.refresh()

    def watch_zebra_stripes(self) -> None:
        self._line_cache.clear()
        self.refresh()

    def render_lines(self, crop: Region) -> list[Strip]:
        # Measure the width once per paint rather than once per line.
        self._paint_width = self._content_width()
        try:
            return super().render_lines(crop)
        finally:
            self._paint_width = None

    def render_line(self, y: int) -> Strip:
        """Render one line of the widget: the header at y=0, else a row or blank.

        Args:
            y: Line of the widget's content area (0 is the header).

        Returns:
            The line as a Strip exactly as wide as the content area.
        """
        width = self._paint_width if self._paint_width is not None else self._content_width()
        if width <= 0:
            return Strip.blank(0)
        if y == 0:
            key = ("header", width, self._sort_column, self._sort_reverse)
            strip = self._line_cache.get(key)
            if strip is None:
                strip = self._render_header(width)
                self._line_cache[key] = strip
            return strip
        index = self.scroll_offset.y + y - 1
        view = self._view
        if not view:
            if y == 1:
                return self._render_empty(width)
            return Strip.blank(width, self._style(""))
        if index >= len(view) or index < 0:
            return Strip.blank(width, self._style(""))
        is_cursor = index == self.cursor_row
        key = (index, width, is_cursor, self.cursor_column if is_cursor else -1)
        strip = self._line_cache.get(key)
        if strip is None:
            strip = self._render_row(index, width, is_cursor)
            self._line_cache[key] = strip
        return strip

    def _finish_strip(self, segments: list[Segment], length: int, width: int, style: Style) -> Strip:
        """Pad or crop segments to the width and merge same-style neighbours."""
        if length < width:
            segments.append(Segment(" " * (width - length), style))
            length = width
        strip = Strip(segments, length)
        if length > width:
            strip = strip.crop(0, width)
        return strip.simplify()

    def _render_header(self, width: int) -> Strip:
        style = self._style("virtual-table--header")
        widths, _ = self._layout_for(width)
        narrow = self._narrow_columns(width)
        pad = " " * _CELL_PADDING
        segments = []
        length = 0
        for i, (column, cell_width) in enumerate(zip(self._columns, widths)):
            if cell_width < 0:
                continue
            label = display_text(column.narrow_label if i in narrow and column.narrow_label else column.label)
            if column.key == self._sort_column:
                arrow = "▼" if self._sort_reverse else "▲"
                if cell_len(label) + 2 <= cell_width:
                    text = _fit(f"{label} {arrow}", cell_width, column.align)
                else:
                    text = _fit(label, cell_width - 1) + arrow if cell_width > 1 else arrow
            else:
                text = _fit(label, cell_width, column.align)
            segments.append(Segment(pad + text + pad, style))
            length += cell_width + 2 * _CELL_PADDING
        return self._finish_strip(segments, length, width, style)

    def _render_empty(self, width: int) -> Strip:
        style = self._style("virtual-table--empty")
        text = _fit(display_text(self.empty_message), width, "center")
        return Strip([Segment(text, style)], width)

    def _render_row(self, index: int, width: int, is_cursor: bool) -> Strip:
        row = self._rows[self._view[index]]
        widths, _ = self._layout_for(width)
        get_style = self._style
        if is_cursor:
            row_style = get_style("virtual-table--cursor")
            cell_style = get_style("virtual-table--cursor-cell")
            cursor_column = self.cursor_column
        else:
            row_style = get_style("")
            if self.zebra_stripes and index % 2 == 0:
                row_style = get_style("virtual-table--even-row")
            cell_style = row_style
            cursor_column = -1
        narrow = self._narrow_columns(width)
        pad = " " * _CELL_PADDING
        segments = []
        length = 0
        row_length = len(row)
        for i, (column, cell_width) in enumerate(zip(self._columns, widths)):
            if cell_width < 0:
                continue
            value = row[i] if i < row_length else None
            if i in narrow and column.narrow_format is not None:
                text = _fit(self._narrow_text(column, value), cell_width, column.align)
            else:
                text = _fit(self._cell_text(column, value), cell_width, column.align)
            if i == cursor_column:
                style = cell_style
            else:
                style = row_style
                if column.tone is not None:
                    try:
                        tone = column.tone(row)
                    except Exception:  # a tone bug must not take the screen down
                        tone = None
                    if tone in TONES:
                        style = row_style + get_style(f"virtual-table--tone-{tone}")
            segments.append(Segment(pad + text + pad, style))
            length += cell_width + 2 * _CELL_PADDING
        return self._finish_strip(segments, length, width, row_style)

    def _refresh_view_row(self, index: int) -> None:
        """Repaint the line showing view row `index`, if it is on screen."""
        y = index + 1 - self.scroll_offset.y
        if 1 <= y <= self._body_height():
            self.refresh(Region(0, y, max(self._content_width(), 1), 1))

    # -- cursor ---------------------------------------------------------------------------

    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, len(self._view) - 1))

    def validate_cursor_column(self, value: int) -> int:
        return max(0, min(value, len(self._columns) - 1))

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._refresh_view_row(old)
        self._refresh_view_row(new)
        self._scroll_cursor_into_view()
        self._announce()

    def watch_cursor_column(self, old: int, new: int) -> None:
        self._refresh_view_row(self.cursor_row)

    def _scroll_cursor_into_view(self) -> None:
        if not self.is_mounted or not self._view:
            return
        body = self._body_height()
        if body <= 0:
            return
        top = self.scroll_offset.y
        row = self.cursor_row
        # Scroll by a good part of a page, not a line: each scroll repaints the whole
        # body, so over a slow link fewer, larger jumps send far fewer bytes.
        jump = body // 3 if body >= 6 else 0
        if row < top:  # moving up: leave the cursor two thirds down
            target = max(0, row - body + 1 + jump)
        elif row >= top + body:  # moving down: leave it a third down
            target = row - jump
        else:
            return
        self.scroll_to(y=target, animate=False, force=True)

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_cursor_left(self) -> None:
        self._step_column(-1)

    def action_cursor_right(self) -> None:
        self._step_column(1)

    def _step_column(self, step: int) -> None:
        """Move to the next column that is drawn, skipping those hidden at this width."""
        widths, _ = self._layout_for(self._content_width())
        column = self.cursor_column + step
        while 0 <= column < len(widths) and widths[column] < 0:
            column += step
        if 0 <= column < len(widths):
            self.cursor_column = column

    def action_page_up(self) -> None:
        page = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y - page, animate=False, force=True)
        self.cursor_row -= page

    def action_page_down(self) -> None:
        page = max(1, self._body_height())
        self.scroll_to(y=self.scroll_offset.y + page, animate=False, force=True)
        self.cursor_row += page

    def action_first_row(self) -> None:
        self.cursor_row = 0

    def action_last_row(self) -> None:
        self.cursor_row = len(self._view) - 1

    def action_select_row(self) -> None:
        key, row = self.cursor_key, self.cursor_row_data
        if key is None or row is None:
            return
        self.post_message(self.RowSelected(self, key, row, self._columns[self.cursor_column]))

    def action_sort_column(self) -> None:
        self.sort_by(self.cursor_column_key)

    def on_click(self, event: events.Click) -> None:
        """Header click sorts by that column; row click moves the cursor there;
        a double click on a row selects it."""
        offset = event.get_content_offset(self)
        if offset is None:
            return
        column = self._column_at(offset.x)
        if offset.y == 0:
            if column is not None:
                event.stop()
                self.sort_by(self._columns[column].key)
            return
        index = self.scroll_offset.y + offset.y - 1
        if not 0 <= index < len(self._view):
            return
        event.stop()
        self.cursor_row = index
        if column is not None:
            self.cursor_column = column
        if event.chain >= 2:
            self.action_select_row()
