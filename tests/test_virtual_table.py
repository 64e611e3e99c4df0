"""Behaviour of VirtualTable, the Line API table that renders only the visible rows.

The Pilot tests drive a tiny app at 80x24 and read the widget's own lines through
`render_line(y).text` (line 0 is the pinned header). The filter and sort logic is also
checked with hypothesis on an unmounted table against a brute-force model.

Run this file as a script to print (not assert) timings for 100k rows:
`.venv/bin/python tests/test_virtual_table.py`.
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from textual import events
from textual.app import App, ComposeResult
from textual.geometry import Region

from assure.models.text import display_text
from assure.tui.widgets.virtual_table import Column, VirtualTable, default_sort_key

COLUMNS = [
    Column("id", "ID", width=4, align="right"),
    Column("title", "Title", flex=True),
    Column("status", "Status", tone=lambda row: "bad" if row[2] == "late" else None),
    Column("owner", "Owner", max_width=12),
]

STATUSES = ["open", "late", "done"]
OWNERS = ["Alice", "Bob", None, "chen"]


def make_rows(count: int) -> tuple[list[tuple], list[int]]:
    """Rows `(id, title, status, owner)` with keys 1000+id."""
    rows = [(i, f"Task {i}", STATUSES[i % 3], OWNERS[i % 4]) for i in range(count)]
    return rows, [1000 + i for i in range(count)]


class TableApp(App):
    """One VirtualTable, focused, collecting the messages it posts."""

    def __init__(self, rows: list[tuple], keys: list[int], columns: list[Column] = COLUMNS, **options: Any) -> None:
        super().__init__()
        self.rows, self.keys, self.columns, self.options = rows, keys, columns, options
        self.selected: list[VirtualTable.RowSelected] = []
        self.highlighted: list[VirtualTable.RowHighlighted] = []

    def compose(self) -> ComposeResult:
        yield VirtualTable(self.columns, id="table", **self.options)

    def on_mount(self) -> None:
        table = self.query_one(VirtualTable)
        table.set_rows(self.rows, self.keys)
        table.focus()

    def on_virtual_table_row_selected(self, message: VirtualTable.RowSelected) -> None:
        self.selected.append(message)

    def on_virtual_table_row_highlighted(self, message: VirtualTable.RowHighlighted) -> None:
        self.highlighted.append(message)


def lines(table: VirtualTable) -> list[str]:
    """The plain text of every line the widget shows."""
    return [table.render_line(y).text for y in range(table.scrollable_content_region.height)]


def first_cell(line: str) -> str:
    return line.split()[0] if line.strip() else ""


# -- rendering ----------------------------------------------------------------------------


async def test_header_and_first_rows_are_shown():
    rows, keys = make_rows(50)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        shown = lines(table)
        assert shown[0].split() == ["ID", "Title", "Status", "Owner"]
        assert shown[1].split() == ["0", "Task", "0", "open", "Alice"]
        assert shown[23].split()[:3] == ["22", "Task", "22"]
        assert table.row_count == table.total_count == 50
        assert table.virtual_size.height == 51


async def test_every_line_is_exactly_the_content_width():
    rows = [(1, "漢字" * 40, "late", "Zoë"), (2, "short", None, "x" * 60)]
    async with TableApp(rows, [1, 2]).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        width = table.scrollable_content_region.width
        for y in range(5):
            assert table.render_line(y).cell_length == width
            assert cell_len(table.render_line(y).text) == width
        # Wide characters are cut on a cell boundary and the Status column stays aligned.
        header, first, second = lines(table)[:3]
        status_x = cell_len(header[: header.index("Status")])
        assert cell_len(first[: first.index("late")]) == status_x
        assert "…" in first and "…" in second  # long title and long owner truncated


async def test_stored_markup_and_escape_sequences_render_literally():
    nasty = "[bold]x[/] [/] [link=https://e.vil]y[/link] \x1b[31mred\x1b]0;title\x07"
    rows = [(1, nasty, "[red]late", "a\nb")]
    columns = [Column("id", "ID", width=3), Column("title", "Title", flex=True),
               Column("status", "[b]St[/b]", width=10), Column("owner", "Owner")]
    async with TableApp(rows, [1], columns).run_test(size=(120, 10)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        header, line = lines(table)[:2]
        assert "[b]St[/b]" in header
        assert "[bold]x[/] [/] [link=https://e.vil]y[/link]" in line
        assert "[red]late" in line
        assert "a b" in line
        assert "\x1b" not in line and "\x07" not in line and "\n" not in line
        assert display_text("\x1b") in line  # shown as a visible replacement character
        for segment in table.render_line(1):
            assert not segment.style or not segment.style.link


async def test_empty_message_when_no_rows_and_when_filter_matches_nothing():
    async with TableApp([], [], empty_message="Nothing recorded").run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        assert "Nothing recorded" in table.render_line(1).text
        assert table.cursor_key is None and table.cursor_row_data is None
        table.set_rows(*make_rows(5))
        await pilot.pause()
        assert "Nothing recorded" not in table.render_line(1).text
        table.set_filter("no such thing")
        await pilot.pause()
        assert table.row_count == 0
        assert "Nothing recorded" in table.render_line(1).text
        muted = table.get_component_rich_style("virtual-table--empty")
        assert any(seg.style == muted and "Nothing" in seg.text for seg in table.render_line(1))


async def test_tone_colours_only_the_cell_of_that_column():
    rows, keys = make_rows(6)
    async with TableApp(rows, keys).run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        bad = table.get_component_rich_style("virtual-table--tone-bad", partial=True).color
        assert bad is not None
        late_line = table.render_line(2)  # row 1 is "late" and not under the cursor
        coloured = [seg.text.strip() for seg in late_line if seg.style and seg.style.color == bad]
        assert coloured == ["late"]
        open_line = table.render_line(3)
        assert not any(seg.style and seg.style.color == bad for seg in open_line)


async def test_cursor_cell_is_emphasised_and_follows_the_column():
    rows, keys = make_rows(5)
    async with TableApp(rows, keys).run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        cell = table.get_component_rich_style("virtual-table--cursor-cell")

        def emphasised() -> list[str]:
            return [seg.text.strip() for seg in table.render_line(1) if seg.style == cell]

        assert emphasised() == ["0"]
        await pilot.press("l", "right")
        assert table.cursor_column == 2 and table.cursor_column_key == "status"
        assert emphasised() == ["open"]
        await pilot.press("h")
        assert table.cursor_column_key == "title"
        await pilot.press("left", "left", "left")
        assert table.cursor_column == 0
        await pilot.press(*["l"] * 10)
        assert table.cursor_column == 3


async def test_columns_fit_the_width_and_flex_takes_the_rest():
    rows, keys = make_rows(10)
    async with TableApp(rows, keys).run_test(size=(60, 10)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        width = table.scrollable_content_region.width
        widths, offsets = table._layout_for(width)
        assert sum(widths) + 2 * len(widths) == width
        assert widths[0] == 4
        # Squeezed: auto columns shrink towards min_width, flex keeps at least 10.
        squeezed, _ = table._layout_for(30)
        assert squeezed[1] >= 10
        assert squeezed[2] < widths[2] or squeezed[3] < widths[3]
        assert all(w >= c.min_width for w, c in zip(squeezed, COLUMNS) if c.width is None)


async def test_zebra_stripes_shade_every_other_row():
    rows, keys = make_rows(6)
    async with TableApp(rows, keys).run_test(size=(80, 10)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        await pilot.pause()
        even = table.get_component_rich_style("virtual-table--even-row").bgcolor
        assert even != table.rich_style.bgcolor
        assert not any(seg.style.bgcolor == even for seg in table.render_line(3))
        table.zebra_stripes = True
        await pilot.pause()
        assert all(seg.style.bgcolor == even for seg in table.render_line(3))  # view row 2
        assert not any(seg.style.bgcolor == even for seg in table.render_line(4))


async def test_resize_keeps_the_cursor_in_view_and_refits_columns():
    rows, keys = make_rows(100)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        await pilot.press(*["j"] * 20)
        await pilot.resize_terminal(50, 10)
        await pilot.pause()
        y = table.cursor_row + 1 - table.scroll_offset.y
        assert 1 <= y < 10
        assert first_cell(table.render_line(y).text) == "20"
        assert table.render_line(y).cell_length == table.scrollable_content_region.width


# -- cursor and keys ----------------------------------------------------------------------


async def test_cursor_keys_move_and_keep_the_cursor_in_view():
    rows, keys = make_rows(100)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        await pilot.pause()
        assert table.cursor_row == 0 and table.cursor_key == 1000
        await pilot.press("j", "down", "j")
        assert table.cursor_row == 3
        await pilot.press("k", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")
        assert table.cursor_row == 1 + 23
        assert table.scroll_offset.y > 0
        await pilot.press("ctrl+b")
        assert table.cursor_row == 1
        await pilot.press("G")
        assert table.cursor_row == 99 and table.cursor_key == 1099
        await pilot.pause()
        assert table.scroll_offset.y == 101 - 24
        assert first_cell(lines(table)[23]) == "99"
        assert lines(table)[0].split()[0] == "ID"  # header stays pinned
        await pilot.press("j")
        assert table.cursor_row == 99  # clamped
        await pilot.press("g")
        assert table.cursor_row == 0 and table.scroll_offset.y == 0
        await pilot.press("end", "up")
        assert table.cursor_row == 98
        await pilot.press("home", "k")
        assert table.cursor_row == 0


async def test_enter_posts_row_selected_with_key_row_and_column():
    rows, keys = make_rows(10)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "l", "enter")
        await pilot.pause()
        assert len(pilot.app.selected) == 1
        message = pilot.app.selected[0]
        assert message.key == 1002
        assert message.row == rows[2]
        assert message.column.key == "title"
        assert message.control is pilot.app.query_one(VirtualTable)


async def test_row_highlighted_follows_the_cursor():
    rows, keys = make_rows(10)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert [m.key for m in pilot.app.highlighted] == [1000]
        await pilot.press("j", "j", "l")  # a column move is not a row change
        await pilot.pause()
        assert [m.key for m in pilot.app.highlighted] == [1000, 1001, 1002]
        assert pilot.app.highlighted[-1].row == rows[2]
        table = pilot.app.query_one(VirtualTable)
        table.set_filter("zzz")
        await pilot.pause()
        assert pilot.app.highlighted[-1].key is None


async def test_cursor_move_repaints_only_the_two_changed_lines():
    rows, keys = make_rows(100)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        await pilot.press("j", "j")
        await pilot.pause()
        before = {y: table.render_line(y) for y in range(24)}
        refreshed: list[tuple[Region, ...]] = []
        original = table.refresh

        def spy(*regions: Region, **kwargs: Any) -> VirtualTable:
            refreshed.append(regions)
            return original(*regions, **kwargs)

        table.refresh = spy
        table.action_cursor_down()
        assert table.cursor_row == 3
        assert all(regions for regions in refreshed), "a cursor move must not repaint everything"
        painted = sorted(region.y for regions in refreshed for region in regions)
        assert painted == [3, 4]
        assert all(region.height == 1 for regions in refreshed for region in regions)
        # Unchanged lines come from the cache; the two cursor lines are new.
        for y in range(24):
            assert (table.render_line(y) is before[y]) == (y not in (3, 4))


async def test_mouse_click_on_row_moves_cursor_and_double_click_selects():
    rows, keys = make_rows(30)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        _, offsets = table._layout_for(table.scrollable_content_region.width)
        await pilot.click("#table", offset=(offsets[2] + 1, 5))
        assert table.cursor_row == 4 and table.cursor_column_key == "status"
        assert pilot.app.selected == []
        await pilot.double_click("#table", offset=(offsets[1] + 1, 7))
        await pilot.pause()
        assert [m.key for m in pilot.app.selected] == [1006]


async def test_mouse_wheel_scrolls():
    rows, keys = make_rows(100)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        for _ in range(2):
            table.post_message(
                events.MouseScrollDown(
                    table, x=10, y=10, delta_x=0, delta_y=1, button=0, shift=False, meta=False, ctrl=False
                )
            )
        await pilot.pause()
        assert table.scroll_offset.y > 0
        assert first_cell(lines(table)[1]) == str(table.scroll_offset.y)


# -- filter -------------------------------------------------------------------------------


async def test_filter_narrows_and_clears():
    rows, keys = make_rows(30)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.set_filter("LATE")
        await pilot.pause()
        assert table.row_count == 10 and table.total_count == 30
        assert table.filter_text == "LATE"
        assert all(rows[k - 1000][2] == "late" for k in table.visible_keys())
        assert all("late" in line for line in lines(table)[1:11])
        assert table.virtual_size.height == 11
        table.set_filter("")
        await pilot.pause()
        assert table.visible_keys() == keys


async def test_filter_terms_must_all_match():
    rows, keys = make_rows(40)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.set_filter("late bob")
        assert table.visible_keys() == [1000 + i for i in range(40) if i % 3 == 1 and i % 4 == 1]
        table.set_filter("bob late")
        assert table.visible_keys() == [1000 + i for i in range(40) if i % 3 == 1 and i % 4 == 1]
        table.set_filter("late bob nobody")
        assert table.row_count == 0


async def test_filter_matches_formatted_text_not_raw_values():
    columns = [Column("id", "ID", width=4), Column("amount", "Amount", format=lambda v: f"£{v:,}")]
    rows = [(1, 1234567), (2, 5)]
    async with TableApp(rows, [1, 2], columns).run_test(size=(80, 10)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.set_filter("£1,234")
        assert table.visible_keys() == [1]
        assert "£1,234,567" in table.render_line(1).text


async def test_filter_keeps_cursor_on_its_row_or_goes_to_first_match():
    rows, keys = make_rows(30)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        assert table.move_to_key(1007)  # row 7 is "late"
        table.set_filter("late")
        assert table.cursor_key == 1007
        table.set_filter("")
        assert table.cursor_key == 1007 and table.cursor_row == 7
        table.set_filter("done")  # row 7 is not done: first match
        assert table.cursor_key == 1002 and table.cursor_row == 0
        assert not table.move_to_key(1007)  # filtered out
        assert not table.move_to_key(424242)  # unknown
        assert table.cursor_key == 1002


def test_column_scoped_terms_match_whole_numbers_and_words_anywhere():
    columns = [Column("outcome", "Out", width=4), Column("title", "Title", flex=True),
               Column("raci", "RACI", format=lambda letter: f"★ {letter}")]
    rows = [(3, "Plan 10:30 call", "A"), (13, "Build", "R"), (30, "Test", "a"), (3, "Ship", None)]
    table = VirtualTable(columns)
    table.set_rows(rows, [1, 2, 3, 4])
    table.set_filter("out:3")  # by label; 13 and 30 contain "3" but are not 3
    assert table.visible_keys() == [1, 4]
    table.set_filter("out:30")  # extends the text but is not a narrower set
    assert table.visible_keys() == [3]
    table.set_filter("outcome:3 ship")  # by key, AND a plain term
    assert table.visible_keys() == [4]
    table.set_filter("ti:build")  # the only column starting with "ti"
    assert table.visible_keys() == [2]
    table.set_filter("raci:a")  # raw value, ignoring case
    assert table.visible_keys() == [1, 3]
    table.set_filter("raci:★")  # text matches anywhere in the displayed cell
    assert table.visible_keys() == [1, 2, 3]
    table.set_filter("ti:uil")  # and anywhere in the raw cell
    assert table.visible_keys() == [2]
    table.set_filter("raci:★ a")  # two terms: "raci:★" and "a"
    assert table.visible_keys() == [1, 3]
    table.set_filter("out:")  # still typing: no constraint yet
    assert table.visible_keys() == [1, 2, 3, 4]
    table.set_filter("10:30")  # not a column name: plain text
    assert table.visible_keys() == [1]


async def test_cursor_cell_region_is_on_screen_over_the_cell():
    rows, keys = make_rows(50)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        await pilot.press("j", "j", "l", "l")
        await pilot.pause()
        region = table.cursor_cell_region()
        assert region is not None and region.y == 3 and region.height == 1
        line = table.render_line(region.y).text
        assert line[region.x : region.right].strip() == "done"  # row 2, column Status
        table.scroll_to(y=20, animate=False)
        await pilot.pause()
        assert table.cursor_cell_region() is None


# -- sort ---------------------------------------------------------------------------------


async def test_sort_toggles_and_none_sorts_last_both_ways():
    rows, keys = make_rows(8)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.sort_by("owner")
        owners = [rows[k - 1000][3] for k in table.visible_keys()]
        assert owners == ["Alice", "Alice", "Bob", "Bob", "chen", "chen", None, None]
        assert table.visible_keys()[:2] == [1000, 1004]  # stable
        assert table.sort_column == "owner" and table.sort_reverse is False
        await pilot.pause()
        assert "Owner ▲" in table.render_line(0).text
        table.sort_by("owner")
        owners = [rows[k - 1000][3] for k in table.visible_keys()]
        assert owners == ["chen", "chen", "Bob", "Bob", "Alice", "Alice", None, None]
        assert table.visible_keys()[:2] == [1003, 1007]  # still stable when descending
        assert table.sort_reverse is True
        await pilot.pause()
        assert "Owner ▼" in table.render_line(0).text
        table.sort_by("id")  # another column starts ascending
        assert table.sort_reverse is False
        table.sort_by("id", reverse=True)
        assert table.visible_keys() == keys[::-1]


async def test_sort_numbers_numerically_and_with_custom_key():
    columns = [Column("n", "N", width=5), Column("band", "Band", sort_key=lambda v: {"low": 0, "high": 2}.get(v))]
    rows = [(10, "high"), (9, "low"), (100, "odd"), (None, "low")]
    async with TableApp(rows, [1, 2, 3, 4], columns).run_test(size=(80, 10)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.sort_by("n")
        assert table.visible_keys() == [2, 1, 3, 4]
        table.sort_by("band")
        assert table.visible_keys() == [2, 4, 1, 3]  # "odd" has no key: last


async def test_sort_key_s_and_header_click():
    rows, keys = make_rows(8)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        await pilot.press("s")  # cursor column 0: id
        assert table.sort_column == "id" and not table.sort_reverse
        await pilot.press("s")
        assert table.sort_reverse and table.visible_keys()[0] == 1007
        _, offsets = table._layout_for(table.scrollable_content_region.width)
        await pilot.click("#table", offset=(offsets[2] + 1, 0))
        assert table.sort_column == "status" and not table.sort_reverse
        assert [rows[k - 1000][2] for k in table.visible_keys()][:3] == ["done", "done", "late"]
        await pilot.click("#table", offset=(offsets[2] + 1, 0))
        assert table.sort_reverse
        await pilot.pause()
        assert "Status ▼" in table.render_line(0).text
        assert table.cursor_row == 0  # a header click does not move the cursor


async def test_sort_keeps_cursor_on_the_same_key():
    rows, keys = make_rows(50)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.move_to_key(1003)
        table.sort_by("id", reverse=True)
        assert table.cursor_key == 1003 and table.cursor_row == 46
        await pilot.pause()
        y = table.cursor_row + 1 - table.scroll_offset.y
        assert 1 <= y < 24 and first_cell(table.render_line(y).text) == "3"


# -- data changes -------------------------------------------------------------------------


async def test_update_row_changes_the_line_and_keeps_the_cursor():
    rows, keys = make_rows(20)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        await pilot.press("j", "j", "j")
        await pilot.pause()
        pilot.app.highlighted.clear()
        table.update_row(1003, (3, "Renamed task", "done", "Zed"))
        await pilot.pause()
        assert table.cursor_key == 1003 and table.cursor_row == 3
        assert "Renamed task" in table.render_line(4).text
        assert table.cursor_row_data == (3, "Renamed task", "done", "Zed")
        assert [m.row for m in pilot.app.highlighted] == [(3, "Renamed task", "done", "Zed")]
        table.set_filter("renamed")
        assert table.visible_keys() == [1003]
        table.update_row(99999, (0, "ghost", None, None))  # unknown key: ignored
        assert table.total_count == 20


async def test_update_row_is_found_by_a_filter_typed_on():
    rows, keys = make_rows(20)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.set_filter("zeb")
        assert table.row_count == 0
        table.update_row(1005, (5, "zebra crossing", "open", None))
        table.set_filter("zebr")  # extends "zeb": must not narrow from the stale matches
        assert table.visible_keys() == [1005]


async def test_set_rows_keeps_cursor_on_same_key_and_reapplies_filter_and_sort():
    rows, keys = make_rows(30)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.sort_by("id", reverse=True)
        table.set_filter("late")
        table.move_to_key(1016)
        shuffled = list(zip(rows, keys))
        random.Random(4).shuffle(shuffled)
        new_rows = [row for row, _ in shuffled] + [(30, "Task 30", "late", None)]
        new_keys = [key for _, key in shuffled] + [1030]
        table.set_rows(new_rows, new_keys)
        assert table.cursor_key == 1016
        assert table.visible_keys()[0] == 1030  # sorted descending, filtered to late
        assert all(new_rows[new_keys.index(k)][2] == "late" for k in table.visible_keys())
        # The cursor row disappears: the cursor stays at the same index (the next row).
        index = table.cursor_row
        remaining = [(r, k) for r, k in zip(new_rows, new_keys) if k != 1016]
        table.set_rows([r for r, _ in remaining], [k for _, k in remaining])
        assert table.cursor_row == index and table.cursor_key == 1013


async def test_remove_row():
    rows, keys = make_rows(10)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        table.move_to_key(1004)
        table.remove_row(1002)
        assert table.cursor_key == 1004 and table.total_count == 9
        table.remove_row(1004)
        assert table.cursor_key == 1005
        assert 1002 not in table.visible_keys() and 1004 not in table.visible_keys()
        table.set_filter("task")
        assert table.row_count == 8
        table.remove_row(1009)
        assert table.visible_keys() == [1000, 1001, 1003, 1005, 1006, 1007, 1008]
        table.update_row(1008, (8, "Task eight", "open", None))
        await pilot.pause()
        assert "Task eight" in table.render_line(7).text


async def test_set_rows_before_mount():
    table = VirtualTable(COLUMNS, id="table")
    table.set_rows(*make_rows(5))

    class Early(App):
        def compose(self) -> ComposeResult:
            yield table

    async with Early().run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        assert table.render_line(1).text.split()[:2] == ["0", "Task"]
        assert table.cursor_key == 1000


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        VirtualTable([])
    with pytest.raises(ValueError):
        VirtualTable([Column("a", "A"), Column("a", "B")])
    table = VirtualTable(COLUMNS)
    with pytest.raises(ValueError):
        table.set_rows([(1,)], [1, 2])
    with pytest.raises(ValueError):
        table.set_rows([(1,), (2,)], [1, 1])
    with pytest.raises(KeyError):
        table.sort_by("nope")


async def test_broken_formatter_and_tone_do_not_crash_the_screen():
    columns = [Column("a", "A", format=lambda v: 1 / 0, tone=lambda row: row[99]), Column("b", "B", sort_key=int)]
    rows = [("x", "not a number"), ("y", "2")]
    async with TableApp(rows, [1, 2], columns).run_test(size=(40, 6)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        assert table.render_line(1).text.split()[:1] == ["x"]
        table.sort_by("b")
        assert table.visible_keys() == [2, 1]
        table.set_filter("y")
        assert table.visible_keys() == [2]


def test_bindings_have_ids():
    assert all(binding.id and binding.id.startswith("table.") for binding in VirtualTable.BINDINGS)
    keys = {key for binding in VirtualTable.BINDINGS for key in binding.key.split(",")}
    assert {"up", "k", "down", "j", "pagedown", "ctrl+f", "home", "g", "end", "G", "enter", "s"} <= keys


async def test_theme_change_rerenders_with_new_colours():
    rows, keys = make_rows(5)
    app = TableApp(rows, keys)
    async with app.run_test(size=(80, 10)) as pilot:
        await pilot.pause()
        table = app.query_one(VirtualTable)
        before = table.render_line(0)
        app.theme = "textual-light" if app.theme != "textual-light" else "textual-dark"
        await pilot.pause()
        after = table.render_line(0)
        assert after is not before
        assert [seg.style.bgcolor for seg in after] != [seg.style.bgcolor for seg in before]


# -- properties against a brute-force model ------------------------------------------------

words = st.sampled_from(["alpha", "Beta", "gamma", "ALPHABET", "", "b", "Zoë", "straße"])
row_strategy = st.tuples(st.one_of(st.none(), st.integers(-5, 5)), words, st.one_of(st.none(), words))
PROPERTY_COLUMNS = [Column("n", "N"), Column("w", "W"), Column("v", "V")]


def model_matches(row: tuple, text: str) -> bool:
    haystack = "\x00".join(display_text(value) for value in row).casefold()
    return all(term in haystack for term in text.casefold().split())


@settings(max_examples=150, deadline=None)
@given(
    rows=st.lists(row_strategy, max_size=30),
    typed=st.lists(st.sampled_from(["a", "l", "p", " ", "b", "e", "t", "ß", "s", "\b"]), max_size=12),
    sort=st.sampled_from([None, ("n", False), ("n", True), ("w", False), ("v", True)]),
)
def test_filter_and_sort_match_a_brute_force_model(rows, typed, sort):
    table = VirtualTable(PROPERTY_COLUMNS)
    table.set_rows(rows, list(range(len(rows))))
    order = list(range(len(rows)))
    if sort is not None:
        column, reverse = sort
        table.sort_by(column, reverse=reverse)
        index = {"n": 0, "w": 1, "v": 2}[column]
        present = [i for i in order if default_sort_key(rows[i][index]) is not None]
        blank = [i for i in order if default_sort_key(rows[i][index]) is None]
        order = sorted(present, key=lambda i: default_sort_key(rows[i][index]), reverse=reverse) + blank
    text = ""
    for key in typed:  # typing, with "\b" as backspace, narrows and widens the filter
        text = text[:-1] if key == "\b" else text + key
        table.set_filter(text)
        assert table.visible_keys() == [i for i in order if model_matches(rows[i], text)]
        assert table.row_count == len(table.visible_keys())


operation = st.one_of(
    st.tuples(st.just("filter"), st.sampled_from(["", "a", "al", "alpha", "b", "beta a", "n:1", "zoë"])),
    st.tuples(st.just("sort"), st.sampled_from(["n", "w", "v"]), st.booleans()),
    st.tuples(st.just("update"), st.integers(0, 40), row_strategy),
    st.tuples(st.just("remove"), st.integers(0, 40)),
)


@settings(max_examples=150, deadline=None)
@given(rows=st.lists(row_strategy, max_size=25), operations=st.lists(operation, max_size=12))
def test_edits_filters_and_sorts_agree_with_a_model(rows, operations):
    """update_row keeps rows where they are until the next filter or sort; remove_row
    drops them; a filter or sort places every row afresh."""
    table = VirtualTable(PROPERTY_COLUMNS)
    table.set_rows(rows, list(range(len(rows))))
    current = dict(enumerate(rows))  # key -> row, in original order
    view = list(current)
    text, sort = "", None

    def place() -> list[int]:
        keys = list(current)
        if sort is not None:
            index = {"n": 0, "w": 1, "v": 2}[sort[0]]
            present = [k for k in keys if default_sort_key(current[k][index]) is not None]
            blank = [k for k in keys if default_sort_key(current[k][index]) is None]
            keys = sorted(present, key=lambda k: default_sort_key(current[k][index]), reverse=sort[1]) + blank
        if text.startswith("n:"):
            return [k for k in keys if current[k][0] is not None and str(current[k][0]) == text[2:]]
        return [k for k in keys if model_matches(current[k], text)]

    for op in operations:
        if op[0] == "filter":
            text = op[1]
            table.set_filter(text)
            view = place()
        elif op[0] == "sort":
            sort = (op[1], op[2])
            table.sort_by(op[1], reverse=op[2])
            view = place()
        elif op[0] == "update":
            if op[1] in current:
                current[op[1]] = op[2]
            table.update_row(op[1], op[2])
        else:
            current.pop(op[1], None)
            view = [k for k in view if k != op[1]]
            table.remove_row(op[1])
        assert table.visible_keys() == view
        assert table.total_count == len(current)
        assert table.cursor_key in view or (table.cursor_key is None and not view)


# -- scale --------------------------------------------------------------------------------


async def test_hundred_thousand_rows_load_filter_and_render():
    count = 100_000
    rows = [(i, f"Deliverable {i}", STATUSES[i % 3], OWNERS[i % 4]) for i in range(count)]
    keys = list(range(count))
    columns = [Column("id", "ID", width=6, align="right"), *COLUMNS[1:]]
    async with TableApp(rows, keys, columns).run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        table = pilot.app.query_one(VirtualTable)
        assert table.total_count == count
        assert first_cell(table.render_line(1).text) == "0"
        table.set_filter("deliverable 9999")
        assert table.visible_keys() == [key for key in keys if "9999" in str(key)]
        table.set_filter("deliverable 99999")  # narrows from the previous matches
        assert table.visible_keys() == [99999]
        table.set_filter("")
        await pilot.press("G")
        assert table.cursor_key == count - 1
        table.sort_by("id", reverse=True)
        assert table.visible_keys()[:3] == [99999, 99998, 99997]
        await pilot.pause()
        assert first_cell(table.render_line(1).text) == "99999"


# -- manual measurement (not a test) -------------------------------------------------------


def _measure(count: int = 100_000) -> None:
    """Print timings for `count` rows: first frame, filter keystrokes, cursor moves, sort."""
    import asyncio
    import time

    rng = random.Random(1)
    rows = [
        (i, f"Deliverable {i} for workstream {rng.choice(['alpha', 'beta', 'gamma'])}", rng.choice(STATUSES),
         rng.choice(OWNERS), f"2025-0{i % 9 + 1}-1{i % 9}", rng.randint(0, 25))
        for i in range(count)
    ]
    columns = COLUMNS + [Column("due", "Due", width=10), Column("score", "Score", align="right")]

    async def run() -> None:
        app = TableApp(rows, list(range(count)), columns)
        frames: list[float] = []
        display = app._display

        def timed_display(screen, renderable):  # noqa: ANN001 - Textual internals
            if app.query(VirtualTable) and app.query_one(VirtualTable).total_count:
                frames.append(time.perf_counter())
            display(screen, renderable)

        app._display = timed_display
        started = time.perf_counter()
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            table = app.query_one(VirtualTable)
            print(f"{count} rows: app start to first frame {1000 * (frames[0] - started):.0f} ms")
            await asyncio.sleep(1.0)  # the background build of the filter's search strings
            for key in ["down", "down", "pagedown", "G"]:
                await asyncio.sleep(0.05)  # keys typed back to back wait for Textual's 60 fps pacing
                frames.clear()
                sent = time.perf_counter()
                app.post_message(events.Key(key, None))
                while not frames:
                    await asyncio.sleep(0.0005)
                print(f"key {key!r}: {1000 * (frames[0] - sent):.1f} ms to the next frame")
            start = time.perf_counter()
            for _ in range(100):
                table.action_cursor_up()
                for y in range(40):
                    table.render_line(y)
            print(f"cursor move + render of the screen's lines: {10 * (time.perf_counter() - start):.2f} ms")
            for text in ["a", "al", "alp", "alpha", "alpha 1", "", "zzz", ""]:
                await asyncio.sleep(0.05)
                frames.clear()
                sent = time.perf_counter()
                table.set_filter(text)
                while not frames:
                    await asyncio.sleep(0.0005)
                elapsed = 1000 * (frames[0] - sent)
                print(f"filter {text!r:10} -> {table.row_count:6} rows, {elapsed:.1f} ms to the frame")
            for column in ["owner", "title"]:
                start = time.perf_counter()
                table.sort_by(column)
                print(f"sort by {column}: {1000 * (time.perf_counter() - start):.0f} ms")

    asyncio.run(run())
    cold = VirtualTable(columns)
    start = time.perf_counter()
    cold.set_rows(rows, list(range(count)))
    print(f"set_rows (unmounted): {1000 * (time.perf_counter() - start):.1f} ms")
    start = time.perf_counter()
    cold.set_filter("alpha")
    print(f"first filter without the background build: {1000 * (time.perf_counter() - start):.0f} ms")


if __name__ == "__main__":
    _measure()


async def test_stepping_past_the_edge_scrolls_by_a_third_of_a_page():
    """Fewer, larger scrolls: each scroll repaints the body, which costs bytes on a slow link."""
    rows, keys = make_rows(100)
    async with TableApp(rows, keys).run_test(size=(80, 24)) as pilot:
        table = pilot.app.query_one(VirtualTable)
        await pilot.pause()
        body = 23  # 24 lines less the header
        for _ in range(body - 1):
            await pilot.press("down")
        await pilot.pause()
        assert table.scroll_offset.y == 0  # the cursor is on the last line shown
        await pilot.press("down")
        await pilot.pause()
        assert table.scroll_offset.y == body - body // 3
        assert table.cursor_row - table.scroll_offset.y == body // 3
        scrolls = set()
        for _ in range(body - body // 3 - 1):
            await pilot.press("down")
            scrolls.add(table.scroll_offset.y)
        assert scrolls == {body - body // 3}  # the next keys move the cursor only
