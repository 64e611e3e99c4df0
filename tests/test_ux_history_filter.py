"""Issue 12, defects 6 and 9: a History a reader can follow, and a filter that says why
nothing matched. Driven through Pilot at 80x24 (132x43 where the width is the point)."""

from __future__ import annotations

import pytest

from assure.tui.app import AssureApp
from assure.tui.panes.registers import local_time


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)


def cells(table, index: int) -> dict[str, str]:
    """The display text of one row in view, by column key."""
    row = table._rows[table._view[index]]
    return {column.key: table._cell_text(column, row[i]) for i, column in enumerate(table.columns)}


def line_text(table, y: int) -> str:
    return table.render_line(y).text


# -- 6. history is readable -------------------------------------------------------------

async def test_history_time_is_whole_at_132_columns(app, demo_store):
    deliverable = demo_store.deliverables(lcc(demo_store).id)[0]
    demo_store.update("deliverable", deliverable.id, {"note": "Checked"})
    async with app.run_test(size=(132, 43)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        table = app.pane("history").table
        newest = demo_store.history(lcc(demo_store).id, limit=1)[0]
        assert local_time(newest.at) in line_text(table, 1)


async def test_history_shows_labels_dates_summaries_and_undo(app, demo_store):
    pid = lcc(demo_store).id
    deliverable = demo_store.deliverables(pid)[0]
    lesson = demo_store.lessons(pid)[0]
    demo_store.update("deliverable", deliverable.id, {"date": "2025-03-04"})
    demo_store.update("deliverable", deliverable.id, {"approved_by": "Someone Else"})
    demo_store.undo()  # approved_by back as it was
    demo_store.delete("lesson", lesson.id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        table = app.pane("history").table
        deleted, undone, approved, dated = (cells(table, i) for i in range(4))
        assert deleted["field"] == "deleted"
        assert not deleted["old"].startswith("{") and "Learning point: " in deleted["old"]
        assert undone["field"] == "undo Approved by" and undone["old"] == "Someone Else"
        assert approved["field"] == "Approved by"
        assert dated["field"] == "Date" and dated["new"] == "04 Mar 2025"
        # the detail view says the same in full
        table.cursor_row = 1
        await pilot.pause()
        pane = app.pane("history")
        detail = pane.detail(pane.records[table.cursor_key]).plain
        assert "Undo" in detail and "Approved by" in detail and "approved_by" not in detail


async def test_eight_shows_every_change_after_a_record_history(app, demo_store):
    pid = lcc(demo_store).id
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("H")
        await pilot.pause()
        history = app.pane("history")
        assert history.only_record is not None
        await pilot.press("1", "8")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert history.only_record is None
        assert history.table.total_count == demo_store.history_count(pid)


# -- 9. the filter says why nothing matched, and can exclude ---------------------------

async def filter_deliverables(pilot, app, text: str):
    await pilot.press("4")
    await pilot.pause()
    pane = app.pane("deliverables")
    pane.set_filter(text)
    await pilot.pause()
    return pane


def detail_text(pane) -> str:
    return pane.query_one(".pane-detail")._content.plain


async def test_an_unknown_column_names_the_columns(app):
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await filter_deliverables(pilot, app, "approver:glyn")
        assert pane.table.row_count == 0
        hint = detail_text(pane)
        assert "approver" in hint and "approved_by" in hint and "status" in hint


async def test_a_value_no_row_has_lists_the_values(app):
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await filter_deliverables(pilot, app, "status:open")
        assert pane.table.row_count == 0
        hint = detail_text(pane)
        assert "open" in hint and "Signed Off" in hint


async def test_a_minus_term_excludes(app, demo_store):
    records = demo_store.deliverables(lcc(demo_store).id)
    glyn = [r for r in records if r.approved_by and "glyn" in r.approved_by.casefold()]
    unsigned = [r for r in glyn if "signed" not in r.status.casefold()]
    not_signed = [r for r in records if "signed" not in r.status.casefold()]
    assert glyn and 0 < len(not_signed) < len(records)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await filter_deliverables(pilot, app, "approved:glyn -status:signed")
        assert sorted(pane.table.visible_keys()) == sorted(r.id for r in unsigned)
        pane.set_filter("-status:signed")
        await pilot.pause()
        assert sorted(pane.table.visible_keys()) == sorted(r.id for r in not_signed)
        pane.set_filter("-glyn")
        await pilot.pause()
        shown = set(pane.table.visible_keys())
        assert shown and not shown & {r.id for r in glyn}


async def test_help_gives_the_filter_syntax(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        sections = dict(app.help_sections())
        rows = dict(sections["Filter (/)"])
        assert "-word" in rows and "approved_by" in rows["column:value"]
