"""Counts by column, as VisiData's frequency table: each value of a column with how many
rows have it; Enter filters the register to that value.

The counts are over the rows in view (the filter applies), and choosing a value adds a
``column:value`` term to the pane's filter, so the register shows exactly the rows counted.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from assure.models.text import display_text
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

#: Shown for a cell with no value.
BLANK = "(blank)"
#: Widest bar in the counts table, in cells.
BAR_WIDTH = 20
#: A blank value is filtered to by leaving out every other value: past this many, it is not offered.
MAX_EXCLUSIONS = 25


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _texts(table, column_key: str, value: Any) -> list[str]:
    """What the filter compares a cell with: its raw text and its displayed text, casefolded."""
    return [str(value).strip().casefold(), table.cell_text(column_key, value).strip().casefold()]


def _matches(texts: list[str], word: str) -> bool:
    """The filter's ``column:word`` test (see ``VirtualTable._cell_equals``)."""
    if word.isdigit():
        return any(text == word or text.split()[-1:] == [word] for text in texts)
    return any(word in text for text in texts)


def value_counts(table, column_key: str) -> list[tuple[Any, str, int]]:
    """The distinct values of one column over the rows in view, most frequent first.

    Returns:
        (raw value, as shown, how many rows) for each value; a blank is one value.
    """
    counts: Counter = Counter()
    first: dict[Any, Any] = {}
    for value in table.column_values(column_key):
        key = None if _blank(value) else value
        counts[key] += 1
        first.setdefault(key, value)
    rows = [(value, BLANK if value is None else (table.cell_text(column_key, value).strip() or BLANK), count)
            for value, count in counts.items()]
    rows.sort(key=lambda row: row[1].casefold())
    # Equal counts in the column's own order (statuses in workflow order, numbers as numbers).
    from assure.tui.widgets.virtual_table import default_sort_key

    column = next(column for column in table.columns if column.key == column_key)
    order = column.sort_key or default_sort_key

    def tie(value: Any) -> tuple:
        try:
            key = order(value) if value is not None else None
        except Exception:
            key = None
        return (key is None, key)

    try:
        rows.sort(key=lambda row: (-row[2], *tie(row[0])))
    except TypeError:  # keys that do not compare with each other: by count, then as shown
        rows.sort(key=lambda row: (-row[2], row[0] is None))
    return rows


def filter_terms(table, column_key: str, value: Any, others: list[Any]) -> str | None:
    """Filter terms that keep the rows whose cell is ``value`` and no other of ``others``.

    The filter's ``column:word`` matches a word anywhere in the cell, so each word of the
    value is required and each other value that would still match ("Not Started" when
    choosing "Started") is left out by a word of its own. Returns None when that cannot
    be said (a blank among too many values).
    """
    key = column_key
    terms: list[str] = []
    if value is not None:
        words = str(value).casefold().split()
        terms = [f"{key}:{word}" for word in words]
    else:
        words = []
        if len(others) > MAX_EXCLUSIONS:
            return None
    chosen = _texts(table, key, value) if value is not None else []
    for other in others:
        if other is None or other == value:
            continue
        texts = _texts(table, key, other)
        if not all(_matches(texts, word) for word in words):
            continue  # the value's own terms already leave it out
        spare = [word for word in str(other).casefold().split() if not _matches(chosen, word)] if chosen else \
            str(other).casefold().split()[:1]
        if spare:
            terms.append(f"-{key}:{spare[0]}")
    return " ".join(dict.fromkeys(terms)) or None


class CountsScreen(ModalScreen[str | None]):
    """The values of one column with their counts; Enter returns filter terms for one."""

    BINDINGS = [Binding("escape,q,F", "cancel", "Close", id="counts.close")]

    DEFAULT_CSS = """
    CountsScreen { align: center middle; }
    #counts-box { width: 76; max-width: 95%; height: auto; max-height: 90%; padding: 0 1;
                  border: round $primary; background: $surface; }
    #counts-table { height: auto; max-height: 18; }
    .counts-foot { color: $text-muted; }
    """

    def __init__(self, pane_title: str, column_label: str, column_key: str, counts: list[tuple[Any, str, int]],
                 table) -> None:
        super().__init__()
        self.pane_title = pane_title
        self.column_label = column_label
        self.column_key = column_key
        self.counts = counts
        self.source = table

    def compose(self) -> ComposeResult:
        from assure.tui.widgets.virtual_table import Column, VirtualTable

        total = sum(count for _, _, count in self.counts)
        heading = Text(f"{display_text(self.column_label)} · {len(self.counts)} value"
                       f"{'s' if len(self.counts) != 1 else ''} in {total} row{'s' if total != 1 else ''}"
                       f" · {display_text(self.pane_title)}", style="bold")
        with Vertical(id="counts-box"):
            yield Static(heading, markup=False)
            yield VirtualTable(
                [
                    Column("value", display_text(self.column_label), flex=True),
                    Column("count", "Rows", align="right", width=7, descending_first=True),
                    Column("percent", "%", align="right", width=6, descending_first=True,
                           format=lambda share: f"{share:.0f}%" if share >= 1 or share == 0 else "<1%"),
                    Column("bar", "", width=BAR_WIDTH),
                ],
                empty_message="No rows",
                id="counts-table",
            )
            yield Static(Text("Enter filters to the value · s sorts · Esc closes"), markup=False,
                         classes="counts-foot")

    def on_mount(self) -> None:
        from assure.tui.widgets.virtual_table import VirtualTable

        total = sum(count for _, _, count in self.counts) or 1
        top = max((count for _, _, count in self.counts), default=1)
        rows = [(shown, count, 100 * count / total, "█" * max(1, round(BAR_WIDTH * count / top)))
                for _, shown, count in self.counts]
        table = self.query_one(VirtualTable)
        table.set_rows(rows, list(range(len(rows))))
        table.focus()

    def on_virtual_table_row_selected(self, event) -> None:
        event.stop()
        value = self.counts[event.key][0]
        others = [raw for raw, _, _ in self.counts]
        terms = filter_terms(self.source, self.column_key, value, others)
        if terms is None:
            self.notify("Too many values to filter to the blank ones; sort by the column instead.",
                        severity="warning")
            return
        self.dismiss(terms)

    def action_cancel(self) -> None:
        self.dismiss(None)
