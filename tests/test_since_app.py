"""The dashboard's palette export records a board; a read-only session says it cannot."""

from __future__ import annotations

from assure.models.store import Store
from assure.tui.app import AssureApp
from assure.tui.screens import ExportScreen


async def export_from_the_palette(store, target) -> list[str]:
    app = AssureApp(store, programme_id=store.programme_by_code("lcc-btls").id, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_export("md")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        app.screen.query_one("#export-path").value = str(target)
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
        return [str(note.message) for note in app._notifications]


async def test_a_palette_export_records_a_board(demo_store, tmp_path):
    pid = demo_store.programme_id_by_code("lcc-btls")
    await export_from_the_palette(demo_store, tmp_path / "pack.md")
    assert (tmp_path / "pack.md").exists()
    assert [row.source for row in demo_store.board_snapshots(pid)] == ["export:md"]
    assert "First board recorded" in (tmp_path / "pack.md").read_text()


async def test_a_read_only_palette_export_writes_and_says_it_is_not_recorded(demo_store, db_url, tmp_path):
    with Store.open(db_url, read_only=True) as reader:
        messages = await export_from_the_palette(reader, tmp_path / "pack.md")
    assert (tmp_path / "pack.md").exists()
    assert "Read-only: the board pack will be written but not recorded as a board." in messages
    assert demo_store.board_snapshots(demo_store.programme_id_by_code("lcc-btls")) == []
