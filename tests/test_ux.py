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


# -- 2. the record form ---------------------------------------------------------------

def inside(widget, container) -> bool:
    """Whether a widget is drawn within a container's visible area (not scrolled out)."""
    region, box = widget.region, container.region
    return region.height > 0 and box.y <= region.y and region.bottom <= box.bottom


async def open_form(pilot, app, pane_key: str, key: str = "E"):
    await pilot.press(pane_key)
    await pilot.pause()
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, RecordForm)
    return app.screen


async def test_form_shows_every_deliverable_field_at_43_rows(app):
    async with app.run_test(size=(132, 43)) as pilot:
        form = await open_form(pilot, app, "4")
        fields = form.query_one("#form-fields")
        assert inside(form.query_one("#field-date"), fields)
        assert inside(form.query_one("#field-note"), fields)


async def test_a_refused_date_shows_its_message_in_view(app, demo_store):
    async with app.run_test(size=(132, 43)) as pilot:
        form = await open_form(pilot, app, "5", "a")
        form.query_one("#field-description").value = "Supplier may exit"
        form.query_one("#field-review_on").value = "31/02/2021"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        error = form.query_one("#error-review_on")
        assert error.display and "date" in str(error.render()).lower()
        assert inside(error, form.query_one("#form-fields"))


async def test_a_refused_value_message_is_in_view_at_80x24(app):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "5", "a")
        form.query_one("#field-description").value = "Supplier may exit"
        form.query_one("#field-review_on").value = "31/02/2021"
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert inside(form.query_one("#error-review_on"), form.query_one("#form-fields"))


async def test_the_required_message_goes_once_the_field_is_filled(app):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "4")
        title = form.query_one("#field-title")
        title.value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        error = form.query_one("#error-title")
        assert error.display
        title.focus()
        await pilot.press("x")
        await pilot.pause()
        assert not error.display


async def test_escape_on_a_changed_form_asks_before_discarding(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "4", "a")
        form.query_one("#field-title").value = "A new plan"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # keep editing
        await pilot.pause()
        assert app.screen is form and form.query_one("#field-title").value == "A new plan"
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not isinstance(app.screen, (RecordForm, ConfirmScreen))


async def test_escape_on_an_untouched_form_just_closes(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_form(pilot, app, "4")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, (RecordForm, ConfirmScreen))


async def test_tab_accepts_a_name_suggestion(app):
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "4", "a")
        box = form.query_one("#field-approved_by")
        box.focus()
        await pilot.press(*"Gly")
        await pilot.pause()
        await pilot.press("tab")
        await pilot.pause()
        assert box.value == "Glyn Peach"


# -- 3. read-only at 80 columns ------------------------------------------------------

async def test_read_only_is_plain_at_80_columns_and_a_note_can_be_read(demo_store, db_path):
    from assure.models.store import Store
    from assure.tui.editing import RecordView

    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    demo_store.update("deliverable", first.id, {"note": "Evidence in the board minutes of March"},
                      expected={"note": first.note})
    with Store.open(db_path, read_only=True) as read_only:
        app = AssureApp(read_only, programme_id=programme_id, poll_seconds=60)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("4")
            await pilot.pause()
            bar = str(app.query_one("#programme-bar").render())
            assert "READ-ONLY" in bar[:70]  # on screen, not cut off the right edge
            assert not {"e", "a", "d", "S", "u"} & footer_keys(app)  # not listed, not even dimmed
            await pilot.press("E")
            await pilot.pause()
            assert isinstance(app.screen, RecordView)
            assert "Evidence in the board minutes of March" in str(app.screen.query_one("#view-body").render())
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, RecordView)


# -- 5. a new name in an added record ---------------------------------------------------

async def test_adding_a_record_with_a_new_owner_offers_to_add_the_person(app, demo_store):
    programme_id = lcc(demo_store).id
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "5", "a")
        form.query_one("#field-description").value = "Supplier may exit"
        form.query_one("#field-owner").value = "Zed Newperson"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "Zed Newperson" in str(app.screen.question)
        await pilot.press("y")
        await pilot.pause()
    assert "Zed Newperson" in {p.name for p in demo_store.people(programme_id)}


# -- 10. sorting by meaning ----------------------------------------------------------

async def move_to_column(pilot, table, key: str) -> None:
    keys = [column.key for column in table.columns]
    while table.cursor_column_key != key:
        await pilot.press("right" if keys.index(key) > table.cursor_column else "left")


async def test_statuses_sort_in_workflow_order(app, demo_store):
    from assure.models import vocab

    for record, status in zip(demo_store.deliverables(lcc(demo_store).id), ("Delivered", "Delayed", "Not Started")):
        demo_store.update("deliverable", record.id, {"status": status}, expected={"status": record.status})
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("deliverables")
        await move_to_column(pilot, pane.table, "status")
        await pilot.press("s")
        await pilot.pause()
        statuses = [pane.records[key].status for key in pane.table.visible_keys()]
        order = [status for status in vocab.DELIVERABLE_STATUSES if status in statuses]
        assert list(dict.fromkeys(statuses)) == order


async def test_the_first_sort_on_score_puts_the_highest_first(demo_store):
    from assure.models import vocab

    bwd = next(p for p in demo_store.programmes() if demo_store.risks(p.id))
    for ref, likelihood, impact in (("R7", 2, 2), ("R8", 4, 5), ("R9", 3, 3)):
        demo_store.create("risk", bwd.id, {"ref": ref, "kind": "Risk", "description": f"Risk {ref}",
                                           "status": "Open", "likelihood": likelihood, "impact": impact})
    app = AssureApp(demo_store, programme_id=bwd.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        pane = app.pane("risks")
        await move_to_column(pilot, pane.table, "score")
        await pilot.press("s")
        await pilot.pause()
        scores = [pane.records[key].score for key in pane.table.visible_keys()]
        scored = [score for score in scores if score is not None]
        assert scored == sorted(scored, reverse=True) and scored[0] > scored[-1]
        assert scores[len(scored):] == [None] * (len(scores) - len(scored))  # unscored last


# -- 7. messages in the user's words; the next free ref ----------------------------

def test_a_change_is_described_by_field_labels(demo_store):
    first = demo_store.deliverables(lcc(demo_store).id)[0]
    change = demo_store.update("deliverable", first.id, {"status": "Delivered", "approved_by": "Mike Kirby"},
                               expected={"status": first.status, "approved_by": first.approved_by})
    text = change.describe()
    assert "Approved by" in text and "Status" in text and "approved_by" not in text


async def test_a_new_risk_takes_the_ref_after_the_highest(demo_store):
    bwd = next(p for p in demo_store.programmes() if demo_store.risks(p.id))
    demo_store.create("risk", bwd.id, {"ref": "R5", "kind": "Risk", "description": "Later", "status": "Open"})
    app = AssureApp(demo_store, programme_id=bwd.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        form = await open_form(pilot, app, "5", "a")
        assert form.query_one("#field-ref").value == "R6"


async def test_e_on_a_worked_out_column_says_why(app):
    async with app.run_test(size=(132, 43)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("deliverables")
        await move_to_column(pilot, pane.table, "age")
        await pilot.press("e")
        await pilot.pause()
        assert not isinstance(app.screen, CellEditor)
        assert any("worked out" in str(n.message) for n in app._notifications)


# -- 8. footer and help ------------------------------------------------------------------

@pytest.mark.parametrize("pane_key", ["2", "3", "4", "5", "6", "7", "8"])
async def test_the_footer_offers_quit_and_help_at_80_columns(app, pane_key):
    from textual.widgets import Footer

    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(pane_key)
        await pilot.pause()
        footer = app.query_one(Footer)
        shown = {item.key for item in footer.query("FooterKey") if item.region.width and item.region.right <= 80}
        assert {"q", "question_mark"} <= shown


async def test_help_lists_each_key_once_with_vim_keys_and_says_enter_edits(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        sections = dict(app.help_sections())
        rows = [row for section in sections.values() for row in section]
        keys = [key for key, _ in rows]
        assert sum("Esc" in key.split("/") for key in keys) == 1
        table = dict(sections["Table"])
        assert "↑/k" in table and "↓/j" in table and "Home/g" in table and "End/G" in table
        enter = dict(rows)["Enter"]
        assert "edit" in enter.lower()
