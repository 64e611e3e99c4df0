"""Editing through the dashboard: each change lands in the database with its history."""

from __future__ import annotations

import sqlite3

import pytest
from sessions import open_as

from assure.models.store import Store
from assure.tui.app import AssureApp
from assure.tui.editing import CellEditor, ConfirmScreen, ConflictScreen, RecordForm


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)


async def move_to_column(pilot, table, key: str) -> None:
    keys = [column.key for column in table.columns]
    while table.cursor_column_key != key:
        await pilot.press("right" if keys.index(key) > table.cursor_column else "left")


async def edit_cell(pilot, app, pane_id: str, column: str, typed: str | None = None, *, choose: int | None = None):
    """Open the editor on the first row's cell and type a value (or pick a choice)."""
    await pilot.press(pane_id)
    await pilot.pause()
    pane = app.pane(app.current_pane_id)
    await move_to_column(pilot, pane.table, column)
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, CellEditor)
    if choose is not None:
        for _ in range(choose):
            await pilot.press("down")
    else:
        box = app.screen.query_one("#editor-input")
        box.value = typed
    await pilot.press("enter")
    await pilot.pause()
    return pane


async def test_edit_deliverable_status_from_choice_list(app, demo_store):
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        pane = await edit_cell(pilot, app, "4", "status", choose=1)  # Signed Off (last) -> wraps to Not Started
        assert not isinstance(app.screen, CellEditor)
        saved = demo_store.get("deliverable", first.id)
        assert saved.status == "Not Started"
        assert pane.records[first.id].status == "Not Started"
    history = demo_store.history(programme_id, kind="deliverable", record_id=first.id)
    assert (history[0].field, history[0].old_value, history[0].new_value, history[0].user) == (
        "status", "Signed Off", "Not Started", "tester")


async def test_edit_date_accepts_uk_style(app, demo_store):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "4", "date", "31/03/2021")
    assert demo_store.get("deliverable", first.id).date == "2021-03-31"


async def test_bad_date_is_refused_next_to_field_and_kept(app, demo_store):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    before = demo_store.history(lcc(demo_store).id)
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "4", "date", "31/02/2021")
        assert isinstance(app.screen, CellEditor)
        error = str(app.screen.query_one("#editor-error").render())
        assert "not a real date" in error
        assert app.screen.query_one("#editor-input").value == "31/02/2021"
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, CellEditor)
    assert demo_store.get("deliverable", first.id) == first
    assert demo_store.history(lcc(demo_store).id) == before


async def test_blank_required_text_is_refused(app, demo_store):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "4", "title", "   ")
        assert isinstance(app.screen, CellEditor)
        assert "must not be blank" in str(app.screen.query_one("#editor-error").render())
    assert demo_store.get("deliverable", first.id).title == first.title


async def test_bad_likelihood_is_refused(demo_store):
    programme_id = lcc(demo_store).id
    risk_id = demo_store.risks(programme_id)[0].id  # the first row: issue I1, not yet scored
    app = AssureApp(demo_store, programme_id=programme_id, poll_seconds=60)
    async with app.run_test(size=(120, 30)) as pilot:
        await edit_cell(pilot, app, "5", "likelihood", "7")
        assert "out of range" in str(app.screen.query_one("#editor-error").render())
        app.screen.query_one("#editor-input").value = "4"
        await pilot.press("enter")
        await pilot.pause()
    assert demo_store.get("risk", risk_id).likelihood == 4


async def test_edit_raci_letter_and_lesson_text(app, demo_store):
    programme_id = lcc(demo_store).id
    raci = demo_store.raci(programme_id)[0]
    lesson = demo_store.lessons(programme_id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "2", "letter", choose=1)  # A -> C
        await edit_cell(pilot, app, "7", "recommendation", "Hold kick-offs in person")
    assert demo_store.get("raci", raci.id).letter == "C"
    assert demo_store.get("lesson", lesson.id).recommendation == "Hold kick-offs in person"


async def test_edit_action_owner_offers_new_person(app, demo_store):
    programme_id = lcc(demo_store).id
    action = demo_store.actions(programme_id)[0]
    people_before = len(demo_store.people(programme_id))
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "6", "owner", "Nova Newperson")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
    assert demo_store.get("action", action.id).owner == "Nova Newperson"
    assert len(demo_store.people(programme_id)) == people_before + 1


async def test_add_deliverable_with_form(app, demo_store):
    programme_id = lcc(demo_store).id
    count = len(demo_store.deliverables(programme_id))
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("4", "a")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        form = app.screen
        form.query_one("#field-title").value = "Handover register agreed"
        form.query_one("#field-date").value = "2021-13-01"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)  # refused: the bad date
        assert "not a date" in str(form.query_one("#error-date").render()) or "not a real" in str(
            form.query_one("#error-date").render())
        assert form.query_one("#field-title").value == "Handover register agreed"
        assert len(demo_store.deliverables(programme_id)) == count
        form.query_one("#field-date").value = "01/04/2021"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm)
    added = [d for d in demo_store.deliverables(programme_id) if d.title == "Handover register agreed"]
    assert len(added) == 1 and added[0].date == "2021-04-01" and added[0].status == "Not Started"


async def test_delete_asks_then_undo_restores(app, demo_store):
    programme_id = lcc(demo_store).id
    action = demo_store.actions(programme_id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("6", "d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Carry out a review" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert demo_store.get("action", action.id) is not None
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert demo_store.get("action", action.id) is None
        await pilot.press("u")
        await pilot.pause()
    restored = demo_store.get("action", action.id)
    assert restored is not None and restored.description == action.description
    actions = [h.action for h in demo_store.history(programme_id, kind="action", record_id=action.id)]
    assert actions[:2] == ["undo-delete", "delete"]  # the restore is marked as an undo


async def test_repeated_undo_walks_back(app, demo_store):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "4", "title", "First rename")
        await edit_cell(pilot, app, "4", "title", "Second rename")
        assert demo_store.get("deliverable", first.id).title == "Second rename"
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get("deliverable", first.id).title == "First rename"
        await pilot.press("u")
        await pilot.pause()
        assert demo_store.get("deliverable", first.id).title == first.title
        assert app.pane("deliverables").records[first.id].title == first.title


async def test_sign_off_defaults_to_accountable(app, demo_store):
    programme_id = lcc(demo_store).id
    target = next(d for d in demo_store.deliverables(programme_id) if d.status == "Post Transition")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.pane("deliverables").table.move_to_key(target.id)
        await pilot.press("S")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        assert app.screen.collect() == {"date": "20/04/2021", "approved_by": "Mike Kirby"}
        await pilot.press("ctrl+s")
        await pilot.pause()
    saved = demo_store.get("deliverable", target.id)
    assert (saved.status, str(saved.date), saved.approved_by) == ("Signed Off", "2021-04-20", "Mike Kirby")


async def test_sign_off_is_dated_on_the_reporting_date_and_leaves_no_finding(demo_store, monkeypatch):
    """Years after the LCC report, ``S`` on a post-transition item dates it 20 Apr 2021 (the
    report date), not today: it used to be dated today and raise a high finding nothing cleared."""
    from assure.models.rules import run_rules

    monkeypatch.setenv("ASSURE_TODAY", "2026-12-01")
    programme_id = lcc(demo_store).id
    target = next(d for d in demo_store.deliverables(programme_id) if d.status == "Post Transition")
    high_before = [f.message for f in run_rules(demo_store, programme_id) if f.severity == "high"]
    app = AssureApp(demo_store, programme_id=programme_id, poll_seconds=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.pane("deliverables").table.move_to_key(target.id)
        await pilot.press("S")
        await pilot.pause()
        assert app.screen.collect()["date"] == "20/04/2021"
        await pilot.press("ctrl+s")
        await pilot.pause()
    assert str(demo_store.get("deliverable", target.id).date) == "2021-04-20"
    assert [f.message for f in run_rules(demo_store, programme_id) if f.severity == "high"] == high_before


async def test_sign_off_asks_the_date_and_approver_and_refuses_a_future_date(app, demo_store):
    programme_id = lcc(demo_store).id
    target = next(d for d in demo_store.deliverables(programme_id) if d.status == "Post Transition")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.pane("deliverables").table.move_to_key(target.id)
        await pilot.press("S")
        await pilot.pause()
        form = app.screen
        form.query_one("#field-date").value = "01/05/2021"  # after the tests' today, 20 Apr 2021
        form.query_one("#field-approved_by").value = "Glyn Peach"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "in the future" in str(form.query_one("#error-date").render())
        assert demo_store.get("deliverable", target.id) == target  # nothing written
        form.query_one("#field-date").value = "2021-03-31"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm)
    saved = demo_store.get("deliverable", target.id)
    assert (saved.status, str(saved.date), saved.approved_by) == ("Signed Off", "2021-03-31", "Glyn Peach")


async def test_sign_off_never_overwrites_a_sign_off(app, demo_store):
    """``S`` on a signed-off row used to replace its 2021 date with today's."""
    programme_id = lcc(demo_store).id
    target = next(d for d in demo_store.deliverables(programme_id) if d.status == "Signed Off")
    history = demo_store.history(programme_id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        app.pane("deliverables").table.move_to_key(target.id)
        await pilot.press("S")
        await pilot.pause()
        assert not isinstance(app.screen, (RecordForm, CellEditor))
        notes = [str(n.message) for n in app._notifications]
        assert any(f"Already signed off by {target.approved_by} on" in note and "edit" in note for note in notes)
    assert demo_store.get("deliverable", target.id) == target
    assert demo_store.history(programme_id) == history


async def test_conflicting_save_shows_both_values(app, demo_store, db_url):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        with open_as("colleague", db_url) as other:
            other.update("deliverable", first.id, {"title": "Colleague's title"})
        await edit_cell(pilot, app, "4", "title", "My title")
        assert isinstance(app.screen, ConflictScreen)
        assert [(row.yours, row.theirs) for row in app.screen.rows] == [("My title", "Colleague's title")]
        assert demo_store.get("deliverable", first.id).title == "Colleague's title"
        await pilot.press("m")
        await pilot.pause()
    assert demo_store.get("deliverable", first.id).title == "My title"


async def test_read_only_disables_edit_keys(demo_store, db_url):
    programme_id = lcc(demo_store).id
    before = demo_store.history(programme_id)
    with Store.open(db_url, read_only=True) as read_only:
        app = AssureApp(read_only, programme_id=programme_id, poll_seconds=60)
        async with app.run_test(size=(100, 30)) as pilot:
            assert "READ-ONLY" in str(app.query_one("#programme-bar").render())
            await pilot.press("4", "e", "a", "d", "S", "u")
            await pilot.pause()
            assert not isinstance(app.screen, (CellEditor, RecordForm, ConfirmScreen))
    assert demo_store.history(programme_id) == before


async def test_record_history_from_a_record(app, demo_store):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "4", "title", "Renamed once")
        await pilot.press("H")
        await pilot.pause()
        assert app.current_pane_id == "history"
        pane = app.pane("history")
        assert pane.table.total_count == 1
        row = pane.records[pane.table.cursor_key]
        assert (row.record_id, row.new_value) == (first.id, "Renamed once")


async def test_edit_progress_narrative_from_outcomes(app, demo_store):
    programme_id = lcc(demo_store).id
    outcome = demo_store.outcomes(programme_id)[0]
    item = next(p for p in demo_store.progress(programme_id) if p.outcome_id == outcome.id)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("3", "n")
        await pilot.pause()
        from assure.tui.screens import ProgressScreen

        assert isinstance(app.screen, ProgressScreen)
        pane = app.screen.query_one("#progress")
        assert pane.table.total_count == sum(1 for p in demo_store.progress(programme_id) if p.outcome_id == outcome.id)
        await move_to_column(pilot, pane.table, "text")
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#editor-input").value = "Structure designed and agreed"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, ProgressScreen)
    assert demo_store.get("progress", item.id).text == "Structure designed and agreed"


async def test_edit_outcome_status(app, demo_store):
    outcome = demo_store.outcomes(lcc(demo_store).id)[0]
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "3", "status", choose=2)  # Complete (last) -> wraps -> In Progress
    assert demo_store.get("outcome", outcome.id).status == "In Progress"


def _colleague_process(db_url, record_id: int, title: str) -> None:
    """Another user's session: a separate process saving one change to the same file."""
    import subprocess
    import sys

    script = (
        "import sys; from assure.models.store import Store\n"
        "with Store.open(sys.argv[1]) as store:\n"
        "    store.user = 'colleague'\n"
        "    store.update('deliverable', int(sys.argv[2]), {'title': sys.argv[3]})\n"
    )
    subprocess.run([sys.executable, "-c", script, str(db_url), str(record_id), title], check=True, timeout=60)


async def test_two_processes_change_arrives_and_conflict_is_caught(demo_store, db_url):
    programme_id = lcc(demo_store).id
    first, second = demo_store.deliverables(programme_id)[:2]
    app = AssureApp(demo_store, programme_id=programme_id, poll_seconds=0.2)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("4", "j")
        await pilot.pause()
        pane = app.pane("deliverables")
        _colleague_process(db_url, first.id, "Changed in another process")
        for _ in range(50):
            await pilot.pause(0.1)
            if pane.records[first.id].title == "Changed in another process":
                break
        assert pane.records[first.id].title == "Changed in another process"
        assert pane.table.cursor_key == second.id  # the cursor stayed where it was
        # Now the colleague changes the row we are about to edit, before we save.
        await move_to_column(pilot, pane.table, "title")
        await pilot.press("e")
        await pilot.pause()
        _colleague_process(db_url, second.id, "Their newer title")
        app.screen.query_one("#editor-input").value = "My newer title"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        assert [(row.yours, row.theirs) for row in app.screen.rows] == [("My newer title", "Their newer title")]
        await pilot.press("t")
        await pilot.pause()
    assert demo_store.get("deliverable", second.id).title == "Their newer title"


async def test_busy_database_gives_a_message_and_keeps_the_typed_value(demo_store, db_path, monkeypatch):
    """A colleague mid-write: the save waits briefly, then says so; nothing is lost."""
    import subprocess
    import sys

    monkeypatch.setenv("ASSURE_BUSY_TIMEOUT_MS", "300")
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    with Store.open(db_path) as store:  # opened with the short wait
        app = AssureApp(store, programme_id=programme_id, poll_seconds=3600)
        holder = subprocess.Popen(
            [sys.executable, "-c",
             "import sqlite3, sys; c = sqlite3.connect(sys.argv[1], isolation_level=None);"
             " c.execute('BEGIN IMMEDIATE'); print('held', flush=True); sys.stdin.readline()", str(db_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        try:
            assert holder.stdout.readline().strip() == "held"
            async with app.run_test(size=(100, 30)) as pilot:
                await edit_cell(pilot, app, "4", "title", "Typed while busy")
                assert isinstance(app.screen, CellEditor)
                assert "busy" in str(app.screen.query_one("#editor-error").render())
                assert app.screen.query_one("#editor-input").value == "Typed while busy"
                holder.stdin.write("\n")
                holder.stdin.flush()
                holder.wait(timeout=10)
                await pilot.press("enter")  # try again once the colleague is done
                await pilot.pause()
                assert not isinstance(app.screen, CellEditor)
        finally:
            if holder.poll() is None:
                holder.kill()
    assert demo_store.get("deliverable", first.id).title == "Typed while busy"


async def open_record_form(pilot, app, pane_id: str = "4") -> RecordForm:
    await pilot.press(pane_id)
    await pilot.pause()
    await pilot.press("E")
    await pilot.pause()
    assert isinstance(app.screen, RecordForm)
    return app.screen


def conflict_text(screen: ConflictScreen) -> str:
    return " ".join(str(widget.render()) for widget in screen.query(".conflict-field"))


async def test_record_form_conflict_lists_every_field_and_saves_each_choice(app, demo_store, db_path):
    """Issue 13 defect 3: the conflict showed the title only and "keep mine" wrote the note unseen."""
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_record_form(pilot, app)
        with open_as("colleague", db_path) as other:
            other.update("deliverable", first.id, {"title": "Their title", "note": "Their note"})
        with sqlite3.connect(db_path) as raw:  # as an older import could have stored it: markup and an OSC 52
            raw.execute("UPDATE deliverable SET note = ?, version = version + 1 WHERE id = ?",
                        ("Their [b]note[/b]\x1b]52;c;eA==\x07", first.id))
        form.query_one("#field-title").value = "My title"
        form.query_one("#field-note").value = "My note"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        assert [(row.label, row.yours, row.theirs) for row in screen.rows] == [
            ("Deliverable", "My title", "Their title"), ("Note", "My note", "Their [b]note[/b]\x1b]52;c;eA==\x07")]
        shown = conflict_text(screen)
        assert "Their [b]note[/b]\ufffd]52;c;eA==\ufffd" in shown and "\x1b" not in shown  # literal, cleaned
        assert "My title" in shown and "Their title" in shown and "My note" in shown
        # the whole modal fits at 80x24: every choice and the buttons are on screen
        for widget in [*screen.query(".conflict-choice"), screen.query_one("#conflict-apply")]:
            region = widget.region
            assert region.height and 0 <= region.y and region.bottom <= 24, widget
        # keep mine for the title, theirs for the note
        screen.query_one("#mine-title").focus()
        await pilot.press("space")
        await pilot.press("s")
        await pilot.pause()
        assert not isinstance(app.screen, ConflictScreen)
    now = demo_store.get("deliverable", first.id)
    assert (now.title, now.note) == ("My title", "Their [b]note[/b]\x1b]52;c;eA==\x07")  # theirs, untouched
    assert (now.outcome_id, now.approved_by, now.status, now.date) == (
        first.outcome_id, first.approved_by, first.status, first.date)
    mine = [(r.field, r.old_value, r.new_value) for r in demo_store.history(programme_id, kind="deliverable",
                                                                           record_id=first.id) if r.user == "tester"]
    assert mine == [("title", "Their title", "My title")]


async def test_keep_mine_for_all_then_a_third_change_is_caught_again(app, demo_store, db_path):
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_record_form(pilot, app)
        with open_as("colleague", db_path) as other:
            other.update("deliverable", first.id, {"title": "Their title", "note": "Their note"})
        form.query_one("#field-title").value = "My title"
        form.query_one("#field-note").value = "My note"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        with open_as("colleague", db_path) as other:  # while the user reads the conflict
            other.update("deliverable", first.id, {"note": "Their second note"})
        await pilot.press("m")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)  # asked again, about the note only
        assert [(row.name, row.theirs) for row in screen.rows] == [("note", "Their second note")]
        await pilot.press("t")
        await pilot.pause()
        assert not isinstance(app.screen, ConflictScreen)
    now = demo_store.get("deliverable", first.id)
    assert (now.title, now.note) == ("My title", "Their second note")


async def test_record_form_saves_only_the_fields_the_user_changed(app, demo_store, db_path):
    """A field shown in the form but not touched is not written, so a colleague's change to it stays."""
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    assert first.date  # shown in the form as 31/03/2021, stored as 2021-03-31
    async with app.run_test(size=(100, 30)) as pilot:
        form = await open_record_form(pilot, app)
        with open_as("colleague", db_path) as other:
            other.update("deliverable", first.id, {"date": "2021-01-15", "status": "Delivered"})
        form.query_one("#field-title").value = "My title"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, (RecordForm, ConflictScreen))
    now = demo_store.get("deliverable", first.id)
    assert (now.title, now.date, now.status) == ("My title", "2021-01-15", "Delivered")


async def test_undo_can_skip_a_change_a_colleague_overwrote(app, demo_store, db_path):
    """Issue 12 defect 4: every u repeated the same conflict and older changes could not be undone."""
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await edit_cell(pilot, app, "4", "status", choose=1)  # the older change: Signed Off -> Not Started
        await edit_cell(pilot, app, "4", "title", "My title")  # the newer one
        with open_as("colleague", db_path) as other:
            other.update("deliverable", first.id, {"title": "Their title"})
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        assert [(row.label, row.yours, row.theirs) for row in screen.rows] == [
            ("Deliverable", first.title, "Their title")]
        assert screen.query_one("#conflict-skip").region.bottom <= 24
        await pilot.press("k")  # skip this change
        await pilot.pause()
        assert not isinstance(app.screen, ConflictScreen)
        assert demo_store.get("deliverable", first.id).title == "Their title"  # skipping writes nothing
        await pilot.press("u")  # now the older change
        await pilot.pause()
        assert not isinstance(app.screen, ConflictScreen)
    now = demo_store.get("deliverable", first.id)
    assert (now.title, now.status) == ("Their title", first.status)
    assert demo_store.undo_stack == []


async def test_undo_conflict_restores_the_fields_chosen(app, demo_store, db_path):
    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_record_form(pilot, app)
        form.query_one("#field-title").value = "My title"
        form.query_one("#field-note").value = "My note"
        await pilot.press("ctrl+s")
        await pilot.pause()
        with open_as("colleague", db_path) as other:
            other.update("deliverable", first.id, {"title": "Their title", "note": "Their note"})
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        assert [row.name for row in screen.rows] == ["title", "note"]
        screen.query_one("#mine-note").focus()
        await pilot.press("space", "s")  # undo the note over theirs; keep their title
        await pilot.pause()
        assert not isinstance(app.screen, ConflictScreen)
        assert demo_store.undo_stack == []
    now = demo_store.get("deliverable", first.id)
    assert (now.title, now.note) == ("Their title", first.note)


async def test_undo_of_a_record_a_colleague_edited_since_can_only_be_skipped(app, demo_store, db_path):
    programme_id = lcc(demo_store).id
    mine = demo_store.create("lesson", programme_id, {"number": 99, "description": "Mine"})
    with open_as("colleague", db_path) as other:
        other.update("lesson", mine, {"recommendation": "Keep this"})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("u")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        assert [(row.label, row.theirs) for row in screen.rows] == [("Recommendation", "Keep this")]
        assert not screen.query(".conflict-choice") and not screen.query("#conflict-apply")
        await pilot.press("m", "s")  # no keep-mine for a whole record: these do nothing
        await pilot.pause()
        assert app.screen is screen
        await pilot.press("k")
        await pilot.pause()
        assert not isinstance(app.screen, ConflictScreen)
        assert demo_store.undo_stack == []
    assert demo_store.get("lesson", mine).recommendation == "Keep this"


async def test_conflict_screen_says_who_changed_each_field_and_when(app, demo_store, db_path):
    """Issue 12 defect 14: the conflict did not say who changed the value or when."""
    from datetime import datetime

    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    at = datetime.fromisoformat("2021-04-20T09:00:00+00:00").astimezone().strftime("%H:%M")  # the frozen clock
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_record_form(pilot, app)
        with open_as("colleague", db_path) as other:
            other.update("deliverable", first.id, {"title": "Their title"})
        with open_as("Zoë [b]Brontë\x1b]52;c;eA==\x07", db_path) as other:  # a login as odd as any stored text
            other.update("deliverable", first.id, {"note": "Their note"})
        form.query_one("#field-title").value = "My title"
        form.query_one("#field-note").value = "My note"
        await pilot.press("ctrl+s")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ConflictScreen)
        shown = conflict_text(screen)
        assert f"changed by colleague at {at} (local time)" in shown
        assert f"changed by Zoë [b]Brontë\ufffd]52;c;eA==\ufffd at {at} (local time)" in shown
        assert "\x1b" not in shown and "\x07" not in shown
        for widget in [*screen.query(".conflict-choice"), screen.query_one("#conflict-apply")]:
            region = widget.region
            assert region.height and 0 <= region.y and region.bottom <= 24, widget
        await pilot.press("escape")
        await pilot.pause()


@pytest.mark.sqlite_only  # layout at 80 columns: the database behind it changes nothing
async def test_the_cell_editor_hint_is_one_line_at_80_columns(app):
    """Every editable column of the registers: the hint under the editor never wraps, and the
    editor stays on the screen (moved left, not squeezed, near the right edge)."""
    seen = 0
    async with app.run_test(size=(80, 24)) as pilot:
        for pane_key in ("4", "5", "6"):
            await pilot.press(pane_key)
            await pilot.pause()
            pane = app.pane(app.current_pane_id)
            await pilot.press("home")
            visited = []
            for _ in range(len(pane.table.columns)):  # each column shown at 80, left to right
                if visited:
                    await pilot.press("right")
                column = pane.table.cursor_column_key
                if column in visited:
                    break
                visited.append(column)
                await pilot.press("e")
                await pilot.pause()
                if not isinstance(app.screen, CellEditor):
                    continue  # a worked-out column (e.g. an age): nothing to edit
                seen += 1
                hint = app.screen.query_one("#editor-hint")
                box = app.screen.query_one("#editor-box").region
                assert hint.region.height == 1, (pane.id, column, str(hint.render()))
                assert "Enter saves · Esc cancels" in str(hint.render()), (pane.id, column)
                assert 0 <= box.x and box.right <= 80, (pane.id, column, box)
                await pilot.press("escape")
                await pilot.pause()
    assert seen >= 10
