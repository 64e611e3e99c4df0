"""Issue 12, small defects noted after the first round: History's ? offers only what History
does, "1 row", undo of an add or a delete is marked as undo, ``assure history`` in words,
and an undo that cannot be done now (in use, id taken) can be skipped."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assure.models import history_text
from assure.tui.app import AssureApp
from sessions import open_as


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)


async def test_history_help_lists_only_what_history_can_do(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        sections = dict(app.help_sections())
        keys = {key for key, _ in sections["This pane"] + sections["Table"]}
        assert not keys & {"e", "a", "d", "H"}, keys
        described = dict(sections["This pane"])
        assert described.get("E") in (None, "Show the whole record")
        assert "Edit the cell under the cursor (as e)" not in dict(sections["Table"]).values()
        # and the keys do nothing there rather than fail
        await pilot.press("H", "e", "a", "d")
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and app.current_pane_id == "history"


async def test_a_table_of_one_says_1_row(app, demo_store):
    pid = lcc(demo_store).id
    lessons = demo_store.lessons(pid)
    for lesson in lessons[1:]:
        demo_store.delete("lesson", lesson.id)
    demo_store.update("lesson", lessons[0].id, {"recommendation": "Once"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("7")
        await pilot.pause()
        title = str(app.pane("lessons").query_one(".pane-title").render())
        assert title.endswith("· 1 row"), title
        await pilot.press("H")
        await pilot.pause()
        title = str(app.pane("history").query_one(".pane-title").render())
        assert "· 1 change ·" in title, title


def test_undo_of_an_add_or_a_delete_is_marked_as_undo(demo_store):
    pid = lcc(demo_store).id
    added = demo_store.create("lesson", pid, {"number": 99, "description": "Added by mistake"})
    demo_store.undo()
    newest = demo_store.history(pid, limit=1)[0]
    assert newest.action != "delete" and "undo" in newest.action
    assert history_text.change_text(newest.kind, newest.action, newest.field) == "undo add"
    assert "Added by mistake" in history_text.old_new_text(newest.kind, newest.action, None,
                                                          newest.old_value, newest.new_value)[0]
    lesson = demo_store.lessons(pid)[0]
    demo_store.delete("lesson", lesson.id)
    demo_store.undo()
    newest = demo_store.history(pid, limit=1)[0]
    assert newest.action != "create" and "undo" in newest.action
    assert history_text.change_text(newest.kind, newest.action, newest.field) == "undo delete"
    assert demo_store.get("lesson", lesson.id) is not None and demo_store.get("lesson", added) is None
    assert demo_store.verify_history().ok


async def test_the_history_pane_shows_an_undone_add_as_undo(app, demo_store):
    demo_store.create("lesson", lcc(demo_store).id, {"number": 99, "description": "Added by mistake"})
    demo_store.undo()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("8")
        await pilot.pause()
        table = app.pane("history").table
        row = table._rows[table._view[0]]
        assert row[3] == "undo add"


def test_assure_history_prints_labels_and_readable_values(demo_store, db_path):
    pid = lcc(demo_store).id
    deliverable = demo_store.deliverables(pid)[0]
    demo_store.update("deliverable", deliverable.id, {"approved_by": "Someone Else", "date": "2021-03-04"})
    lesson = demo_store.lessons(pid)[0]
    demo_store.delete("lesson", lesson.id)
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_path), "history", "-n", "3"],
                            capture_output=True, text=True, timeout=60, env=dict(os.environ))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "approved_by" not in out and "Approved by: " in out
    assert "04 Mar 2021" in out and "2021-03-04" not in out.replace(out.split("  ")[0], "")
    assert "deleted: " in out and "Learning point: " in out and "{" not in out


async def test_an_undo_of_an_add_now_in_use_can_be_skipped(app, demo_store, db_url):
    pid = lcc(demo_store).id
    lesson = demo_store.lessons(pid)[0]
    demo_store.update("lesson", lesson.id, {"recommendation": "Older change"})
    outcome = demo_store.create("outcome", pid, {"number": 42, "title": "Mine"})
    with open_as("colleague", db_url) as colleague:
        colleague.create("deliverable", pid, {"outcome_id": outcome, "title": "Theirs, under mine"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        from assure.tui.editing import ConfirmScreen

        assert isinstance(app.screen, ConfirmScreen), app.screen
        assert "Skip" in app.screen.yes
        await pilot.press("y")
        await pilot.pause()
        assert demo_store.get("outcome", outcome) is not None  # nothing written
        # The next u undoes the change before it, instead of stopping at the same refusal.
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get("lesson", lesson.id).recommendation == lesson.recommendation
