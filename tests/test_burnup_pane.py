"""The burn-up of sign-offs on the Sign-offs pane: hidden at 80x24 (the table keeps the
room) until B shows it, shown in a tall window, redrawn after a sign-off."""

from __future__ import annotations

from assure.tui.app import AssureApp


def lcc(store):
    return store.programme_by_code("lcc-btls")


def chart_text(pane) -> str:
    return str(pane.query_one("#deliverables-burnup").render())


async def test_at_80x24_b_shows_the_burn_up_and_the_table_stays_usable(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await app.show_pane("deliverables")
        await pilot.pause()
        panel = pane.query_one("#deliverables-burnup")
        assert not panel.display, "no room at 80x24: hidden until asked for"
        await pilot.press("B")
        await pilot.pause()
        assert panel.display
        text = chart_text(pane)
        assert "Burn-up: 61 of 72 signed off, by month" in text
        assert "▼ report date 20 Apr 2021" in text and "█" in text
        lines = text.splitlines()
        # Every line whole within the pane (nothing cut), the report date marked over a column.
        assert all(len(line) <= 78 for line in lines), lines
        assert "▼" in lines[1]
        assert panel.region.height >= 6 and pane.table.region.height >= 5  # header + 4 rows at least
        assert pane.table.has_focus
        await pilot.press("j")  # the table's keys still work with the chart shown
        await pilot.pause()
        assert pane.table.cursor_row == 1
        await pilot.press("B")
        await pilot.pause()
        assert not panel.display


async def test_a_tall_window_shows_it_and_a_sign_off_moves_it(demo_store):
    programme_id = lcc(demo_store).id
    target = next(d for d in demo_store.deliverables(programme_id) if d.status == "Post Transition")
    app = AssureApp(demo_store, programme_id=programme_id, poll_seconds=60)
    async with app.run_test(size=(132, 43)) as pilot:
        pane = await app.show_pane("deliverables")
        await pilot.pause()
        assert pane.query_one("#deliverables-burnup").display
        assert "61 of 72" in chart_text(pane)
        pane.table.move_to_key(target.id)
        await pilot.press("S")
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert demo_store.get("deliverable", target.id).status == "Signed Off"
        assert "62 of 72" in chart_text(pane)
        await pilot.press("B")
        await pilot.pause()
        assert not pane.query_one("#deliverables-burnup").display


async def test_a_programme_with_no_dated_sign_off_says_so(store):
    programme_id = store.create("programme", None, {"name": "Empty", "code": "empty"})
    store.create("deliverable", programme_id, {"title": "Plan", "status": "Not Started"})
    app = AssureApp(store, programme_id=programme_id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await app.show_pane("deliverables")
        await pilot.press("B")
        await pilot.pause()
        assert "Burn-up: 0 of 1 signed off" in chart_text(pane)
        assert "No dated sign-offs yet." in chart_text(pane)


async def test_the_burn_up_key_is_listed_and_remappable(demo_store, tmp_path):
    from assure.tui.keymap import binding_ids, load_keymap

    assert "deliverables.burnup" in binding_ids()
    path = tmp_path / "keymap.toml"
    path.write_text('"deliverables.burnup" = "ctrl+u"\n')
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60, keymap=load_keymap(path))
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await app.show_pane("deliverables")
        rows = dict(next(rows for heading, rows in app.help_sections() if heading == "This pane"))
        assert rows.get("ctrl+u") == "Burn-up"
        await pilot.press("ctrl+u")
        await pilot.pause()
        assert pane.query_one("#deliverables-burnup").display
        assert "ctrl+u hides" in chart_text(pane)
