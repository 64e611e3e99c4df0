"""Issue 12, defects 1-10: what a new user tripped over at 80x24, each driven through Pilot."""

from __future__ import annotations

import pytest

from assure.tui.app import AssureApp
from assure.tui.editing import CellEditor, ConfirmScreen, RecordForm


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)


def footer_keys(app) -> set[str]:
    """The keys the footer offers now (shown, enabled)."""
    return {active.binding.key for active in app.screen.active_bindings.values()
            if active.binding.show and active.enabled}


# -- 1. shrinking and growing the window -------------------------------------------

async def test_table_keeps_working_after_the_window_shrinks_and_grows(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("deliverables")
        assert app.focused is pane.table
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        await pilot.press("5", "d", "question_mark")  # unseen keys while "Enlarge the window" shows do nothing
        await pilot.pause()
        assert app.current_pane_id == "deliverables"
        assert not isinstance(app.screen, ConfirmScreen) and app.screen is app.screen_stack[0]
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.focused is pane.table
        assert {"e", "a", "d", "S"} <= footer_keys(app)
        await pilot.press("j")
        await pilot.pause()
        assert pane.table.cursor_row == 1
