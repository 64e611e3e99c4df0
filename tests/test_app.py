"""The dashboard driven through Textual's Pilot on the demo data."""

from __future__ import annotations

import pytest
from sessions import open_as

from assure.tui.app import PANES, AssureApp
from assure.tui.widgets.virtual_table import VirtualTable


def table_lines(table: VirtualTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=0.2)


async def test_opens_on_overview_with_programme_name(app):
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.pause()
        assert app.current_pane_id == "overview"
        bar = app.query_one("#programme-bar").render()
        assert "LCC / BTLS Transition" in str(bar)
        outcomes = str(app.query_one("#ov-outcomes").render())
        assert "Outcomes (10)" in outcomes
        assert "LCC have the management structure" in outcomes


@pytest.mark.parametrize("number,pane_id", [(n, pane_id) for n, (pane_id, _, _) in enumerate(PANES, start=1)])
async def test_number_keys_switch_panes(app, number, pane_id):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press(str(number))
        await pilot.pause()
        assert app.current_pane_id == pane_id
        tab = app.query_one(f"#tab-{pane_id}")
        assert tab.has_class("-active")


async def test_only_the_pane_in_view_is_built_and_each_other_on_its_first_showing(app):
    """The first frame composes the Overview alone; a pane is built once, when first shown."""
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert [pane_id for pane_id, _, _ in PANES if app.pane_built(pane_id)] == ["overview"]
        await pilot.press("4")
        await pilot.pause()
        deliverables = app.pane("deliverables")
        assert deliverables.table.total_count > 0
        await pilot.press("1", "4")
        await pilot.pause()
        assert app.pane("deliverables") is deliverables  # built once, kept
        assert [pane_id for pane_id, _, _ in PANES if app.pane_built(pane_id)] == ["overview", "deliverables"]


async def test_the_palette_opens_a_pane_never_shown(app):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Go to: Lessons")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_pane_id == "lessons"
        assert app.pane("lessons").table.total_count > 0
        assert app.focused is app.pane("lessons").table


async def test_a_dashboard_opened_on_another_pane_never_builds_the_overview(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=3600, pane="deliverables")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert app.current_pane_id == "deliverables" and app.query_one("#tab-deliverables").has_class("-active")
        assert app.pane("deliverables").table.total_count > 0
        assert not app.pane_built("overview")
        await pilot.press("1")
        await pilot.pause()
        assert app.pane("overview").summary is not None


async def test_raci_pane_shows_roles_and_legend(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        pane = app.pane("raci")
        assert pane.table.total_count == 7
        text = "\n".join(table_lines(pane.table))
        assert "★ A" in text and "Mike Kirby" in text and "Sponsor" in text
        legend = str(pane.query_one(".raci-legend").render())
        assert "endorse" in legend and "approves" in legend


async def test_deliverables_filter_narrows_and_escape_clears(app, demo_store):
    total = len(demo_store.deliverables(lcc(demo_store).id))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("deliverables")
        assert pane.table.total_count == total
        await pilot.press("slash", *"swim lane")
        await pilot.pause()
        assert pane.table.row_count == 4
        assert all("Swim Lane" in pane.records[key].title for key in pane.table.visible_keys())
        await pilot.press("escape")
        await pilot.pause()
        assert pane.table.row_count == total
        assert app.focused is pane.table


async def test_outcome_jumps_to_its_deliverables(app, demo_store):
    programme_id = lcc(demo_store).id
    expected = {d.id for d in demo_store.deliverables(programme_id) if d.outcome_number == 3}
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "j", "j", "o")
        await pilot.pause()
        assert app.current_pane_id == "deliverables"
        assert set(app.pane("deliverables").table.visible_keys()) == expected


async def test_outcome_detail_shows_narrative_and_deliverables(app):
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("3")
        await pilot.pause()
        detail = str(app.pane("outcomes").query_one("#detail-body").render())
        assert "Deliverables (" in detail
        assert "Any management team TUPE'd" in detail


async def test_sort_by_column_orders_rows(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.pane("deliverables").table
        table.sort_by("date")
        await pilot.pause()
        dates = [app.pane("deliverables").records[key].date for key in table.visible_keys()]
        present = [d for d in dates if d]
        assert present == sorted(present)
        table.sort_by("date")
        dates = [app.pane("deliverables").records[key].date for key in table.visible_keys()]
        present = [d for d in dates if d]
        assert present == sorted(present, reverse=True)


async def test_help_lists_bindings_of_current_pane(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "question_mark")
        await pilot.pause()
        from assure.tui.screens import HelpScreen

        assert isinstance(app.screen, HelpScreen)
        sections = dict(app.screen.sections)
        assert ("o", "Deliverables") in sections["This pane"]
        assert any(key == "/" for key, _ in sections["This pane"])
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_switch_programme(app, demo_store):
    bwd = demo_store.programme_by_code("bwd-digital")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.programme_id == bwd.id
        assert "Blackburn" in str(app.query_one("#programme-bar").render()) or "BwD" in str(
            app.query_one("#programme-bar").render()
        )
        await pilot.press("4")
        await pilot.pause()
        assert app.pane("deliverables").table.total_count == len(demo_store.deliverables(bwd.id))
    # The choice is remembered for the next start.
    assert demo_store.last_programme_id() == bwd.id


async def test_too_small_terminal_asks_for_more_room(app):
    async with app.run_test(size=(60, 20)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        assert "Enlarge the window" in str(app.query_one("#too-small").render())


async def test_stored_markup_shows_literally(demo_store):
    programme_id = lcc(demo_store).id
    nasty = "[bold]x[/] [/] [link=http://x]y \x1b[31mred"
    demo_store.create("deliverable", programme_id, {"title": nasty, "status": "In Progress"})
    app = AssureApp(demo_store, programme_id=programme_id)
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("4", "G")
        await pilot.pause()
        pane = app.pane("deliverables")
        text = "\n".join(table_lines(pane.table))
        assert "[bold]x[/] [/] [link=http://x]y" in text
        assert "\x1b" not in text
        detail = str(pane.query_one(".pane-detail").render())
        assert "[bold]x[/]" in detail


async def test_colleagues_change_appears_without_restart(app, demo_store, db_url):
    from assure.models.store import Store

    programme_id = lcc(demo_store).id
    first = demo_store.deliverables(programme_id)[0]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "j")
        await pilot.pause()
        cursor_before = app.pane("deliverables").table.cursor_key
        with open_as("colleague", db_url) as other:
            other.update("deliverable", first.id, {"title": "Renamed by a colleague"})
        for _ in range(20):
            await pilot.pause(0.1)
            if app.pane("deliverables").records[first.id].title == "Renamed by a colleague":
                break
        assert app.pane("deliverables").records[first.id].title == "Renamed by a colleague"
        assert app.pane("deliverables").table.cursor_key == cursor_before


async def test_findings_jump_to_record(app, demo_store):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        from assure.tui.screens import FindingsScreen

        assert isinstance(app.screen, FindingsScreen)
        findings = app.screen.findings
        assert findings
        target_index = next(i for i, f in enumerate(findings) if f.kind == "deliverable" and f.record_id)
        for _ in range(target_index):
            await pilot.press("down")
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_pane_id == "deliverables"
        assert app.pane("deliverables").table.cursor_key == findings[target_index].record_id


async def test_deliverables_filter_by_outcome_status_and_approver(app, demo_store):
    records = demo_store.deliverables(lcc(demo_store).id)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "slash", *"status:post")
        await pilot.pause()
        table = app.pane("deliverables").table
        assert table.row_count == sum(1 for d in records if d.status == "Post Transition")
        await pilot.press("escape", "slash", *"approved:glyn out:5")
        await pilot.pause()
        expected = {d.id for d in records if d.approved_by == "Glyn Peach" and d.outcome_number == 5}
        assert set(table.visible_keys()) == expected and expected


async def test_large_register_shows_first_page_then_every_row(app, demo_store, monkeypatch):
    from assure.tui.panes.base import TablePane

    monkeypatch.setattr(TablePane, "PAGE_THRESHOLD", 10)
    monkeypatch.setattr(TablePane, "FIRST_PAGE", 5)
    shown: list[int] = []
    original = TablePane._show_records

    def spy(self, records, rows):
        if self.id == "deliverables":
            shown.append(len(records))
        original(self, records, rows)

    monkeypatch.setattr(TablePane, "_show_records", spy)
    total = len(demo_store.deliverables(lcc(demo_store).id))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await app.workers.wait_for_complete()
        await pilot.pause()
        pane = app.pane("deliverables")
        assert shown == [5, total]  # the first page at once, then every row
        assert pane.table.total_count == total and pane.loading_total is None
        assert f"{total} rows" in str(pane.query_one(".pane-title").render())


async def test_outcome_narrative_scrolls_from_the_keyboard(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3", "j")  # outcome 2: a long narrative and 14 deliverables
        await pilot.pause()
        detail = app.pane("outcomes").query_one(".pane-detail")
        assert detail.scroll_y == 0 and detail.max_scroll_y > 0
        await pilot.press("J")
        await pilot.pause()
        assert detail.scroll_y > 0
        await pilot.press("K")
        await pilot.pause()
        assert detail.scroll_y == 0


async def test_every_finding_jumps_to_its_own_record(app, demo_store):
    """Each finding lands on the pane that lists its kind, with the cursor on that very
    record; a finding about a person (listed by name, not by row) says so instead."""
    from assure.models.rules import run_rules
    from assure.tui.screens import FindingsScreen

    expected_pane = {"raci": "raci", "person": "raci", "outcome": "outcomes", "deliverable": "deliverables",
                     "risk": "risks", "action": "actions", "lesson": "lessons", "programme": "overview"}
    findings = run_rules(demo_store, lcc(demo_store).id)
    assert {finding.kind for finding in findings} >= {"deliverable", "outcome", "action"}
    # The first and last finding of each rule over each kind: every way a jump is made
    # (the other findings of a rule go the same way), in a third of the time.
    first_last: dict[tuple, tuple[int, int]] = {}
    for index, finding in enumerate(findings):
        key = (finding.rule, finding.kind)
        first_last[key] = (first_last.get(key, (index,))[0], index)
    picked = sorted({index for pair in first_last.values() for index in pair})
    assert len(picked) < len(findings)
    async with app.run_test(size=(100, 30)) as pilot:
        for index in picked:
            finding = findings[index]
            await pilot.press("1")
            await pilot.press("f")
            await pilot.pause()
            assert isinstance(app.screen, FindingsScreen)
            app.screen.query_one("#findings-table").move_to_key(index)
            await pilot.press("enter")
            await pilot.pause()
            assert app.current_pane_id == expected_pane[finding.kind], finding
            pane = app.pane(app.current_pane_id)
            if finding.record_id is None:
                continue
            if finding.kind == "person":
                assert any(finding.message in str(n.message) for n in app._notifications), finding
            else:
                assert pane.kind == finding.kind and pane.table.cursor_key == finding.record_id, finding


async def test_overview_findings_follow_an_edit(app, demo_store):
    programme_id = lcc(demo_store).id
    target = next(d for d in demo_store.deliverables(programme_id) if d.status == "Post Transition")
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        overview = app.pane("overview")
        before = {f.rule for f in overview.findings if f.record_id == target.id}
        assert "signoff-approver" not in before
        await pilot.press("4")
        await pilot.pause()
        pane = app.pane("deliverables")
        pane.table.move_to_key(target.id)
        pane._save_fields(target, {"status": "Signed Off", "date": "01/04/2021"})
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = {f.rule for f in overview.findings if f.record_id == target.id}
        assert "signoff-approver" in after  # signed off with no approver
        assert "high" in str(overview.query_one("#ov-findings").render())


async def test_a_wal_file_held_open_elsewhere_opens_read_only_and_says_why(demo_store, db_path):
    import sqlite3

    from assure.models import db
    from assure.models.store import Store

    if db.wal_is_safe():
        pytest.skip("this SQLite has the WAL-reset fix: WAL is allowed")
    programme_id = lcc(demo_store).id
    demo_store.close()
    other = sqlite3.connect(db_path)
    try:
        other.execute("PRAGMA journal_mode = wal")
        other.execute("SELECT count(*) FROM programme").fetchone()
        with Store.open(db_path) as store:
            app = AssureApp(store, programme_id=programme_id)
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                assert "READ-ONLY" in str(app.query_one("#programme-bar").render())
                messages = [notification.message for notification in app._notifications]
                assert any("WAL" in str(message) for message in messages), messages
    finally:
        other.close()
