"""Issue 12, power users: counts by any column (VisiData's frequency table).

`F` on a register lists the distinct values of the column under the cursor with their
counts, most frequent first; Enter filters the register to exactly the rows counted.
Driven through Pilot at 80x24.
"""

from __future__ import annotations

import pytest

from assure.tui.app import AssureApp
from assure.tui.counts import CountsScreen


def lcc(store):
    return store.programme_by_code("lcc-btls")


async def cursor_to(pilot, table, key: str) -> None:
    while table.cursor_column_key != key:
        await pilot.press("right")


def counted(screen) -> list[tuple[str, int]]:
    return [(shown, count) for _, shown, count in screen.counts]


async def test_counts_of_a_column_and_enter_filters_to_one(demo_store):
    deliverables = demo_store.deliverables(lcc(demo_store).id)
    expected = {}
    for d in deliverables:
        expected[d.status] = expected.get(d.status, 0) + 1
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.pane("deliverables").table
        await cursor_to(pilot, table, "status")
        await pilot.press("F")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CountsScreen)
        rows = counted(screen)
        assert [count for _, count in rows] == sorted(expected.values(), reverse=True)
        assert {shown.split(" ", 1)[1]: count for shown, count in rows} == expected  # "✓ Signed Off" -> 60
        shown = screen.query_one("#counts-table").render_line(1).text
        assert rows[0][0] in shown and str(rows[0][1]) in shown and "%" in screen.query_one("#counts-table").render_line(0).text
        await pilot.press("down", "enter")
        await pilot.pause()
        assert not isinstance(app.screen, CountsScreen)
        status = rows[1][0].split(" ", 1)[1]
        assert table.row_count == expected[status]
        assert {table.cursor_row_data[3]} == {status}
        assert all(deliverables_status == status for deliverables_status in table.column_values("status"))
        assert app.pane("deliverables").query_one(".pane-filter").value == "status:post status:transition"


async def test_counts_follow_the_filter_and_esc_closes(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        pane = app.pane("deliverables")
        pane.set_filter("out:2")
        await pilot.pause()
        await cursor_to(pilot, pane.table, "status")
        await pilot.press("F")
        await pilot.pause()
        assert sum(count for _, count in counted(app.screen)) == pane.table.row_count  # of the rows in view
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CountsScreen)
        assert pane.query_one(".pane-filter").value == "out:2"


@pytest.fixture
def people_store(store):
    pid = store.create("programme", None, {"code": "p", "name": "People"})
    for approver in ["Ann Lee", "Ann Lee", "Ann Lee-Smith", None, None, "Bo"]:
        store.create("deliverable", pid, {"title": f"By {approver}", "approved_by": approver})
    return store, pid


async def test_enter_keeps_exactly_the_value_even_when_another_contains_it(people_store):
    store, pid = people_store
    app = AssureApp(store, programme_id=pid, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        pane = app.pane("deliverables")
        await pilot.pause()
        await cursor_to(pilot, pane.table, "approved_by")
        await pilot.press("F")
        await pilot.pause()
        assert counted(app.screen) == [("Ann Lee", 2), ("(blank)", 2), ("Ann Lee-Smith", 1), ("Bo", 1)]
        await pilot.press("enter")  # Ann Lee, not Ann Lee-Smith
        await pilot.pause()
        assert pane.table.column_values("approved_by") == ["Ann Lee", "Ann Lee"]
        pane.set_filter("")
        await pilot.press("F")
        await pilot.pause()
        await pilot.press("down", "enter")  # the blank ones
        await pilot.pause()
        assert pane.table.column_values("approved_by") == [None, None]


async def test_counts_key_is_in_help(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        rows = dict(row for _, section in app.help_sections() for row in section)
        assert rows["F"] == "Counts of the column's values"


async def test_equal_counts_follow_the_columns_order(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("F")  # the outcome numbers, one each: 1, 2, ... 10, not 1, 10, 2
        await pilot.pause()
        assert [shown for shown, _ in counted(app.screen)] == [str(n) for n in range(1, 11)]


async def test_stored_markup_is_counted_as_text(store):
    pid = store.create("programme", None, {"code": "h", "name": "Hostile"})
    for approver in ["[/]", "[bold]Ann[/bold]", "[/]"]:
        store.create("deliverable", pid, {"title": "[link=x]t[/link]", "approved_by": approver})
    app = AssureApp(store, programme_id=pid, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await cursor_to(pilot, app.pane("deliverables").table, "approved_by")
        await pilot.press("F")
        await pilot.pause()
        assert counted(app.screen) == [("[/]", 2), ("[bold]Ann[/bold]", 1)]
        assert "[/]" in app.screen.query_one("#counts-table").render_line(1).text
        await pilot.press("enter")
        await pilot.pause()
        assert app.pane("deliverables").table.column_values("approved_by") == ["[/]", "[/]"]
