"""Commands that reach beyond the panes: screenshot, board pack from the palette."""

from __future__ import annotations

import subprocess
import sys

from assure.tui.app import AssureApp
from assure.tui.screens import ExportScreen


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=120)


def test_screenshot_writes_the_overview_as_svg(demo_store, db_path, tmp_path):
    target = tmp_path / "overview.svg"
    result = run_cli("--db", str(db_path), "screenshot", "--out", str(target), "--size", "100x30")
    assert result.returncode == 0, result.stderr
    svg = target.read_text()
    assert svg.lstrip().startswith("<svg") and "Outcomes" in svg and "Assurance" in svg


def test_screenshot_refuses_a_tiny_size_in_one_line(demo_store, db_path, tmp_path):
    result = run_cli("--db", str(db_path), "screenshot", "--out", str(tmp_path / "x.svg"), "--size", "40x10")
    assert result.returncode != 0
    assert result.stderr.strip().count("\n") == 0 and "at least 80x24" in result.stderr
    assert not (tmp_path / "x.svg").exists()


async def test_palette_offers_board_pack_exports_and_writes_one(demo_store, tmp_path):
    app = AssureApp(demo_store, programme_id=demo_store.programme_by_code("lcc-btls").id, poll_seconds=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        for name in ("Markdown", "HTML", "CSV", "JSON"):
            assert f"Export board pack: {name}" in titles
        assert "Go to: Risks & issues" in titles
        app.action_export("md")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        box = app.screen.query_one("#export-path")
        box.value = str(tmp_path / "missing-folder" / "pack.md")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)  # refused, with the reason shown
        assert "does not exist" in str(app.screen.query_one("#export-error").render())
        box.value = str(tmp_path / "pack.md")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
    text = (tmp_path / "pack.md").read_text()
    assert "LCC / BTLS Transition Programme" in text
    assert "sign-off" in text.lower()


async def test_export_from_the_palette_says_the_whole_path(demo_store, tmp_path, monkeypatch):
    """The prompt offers an absolute path and the done message names the file in full."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    app = AssureApp(demo_store, programme_id=demo_store.programme_by_code("lcc-btls").id, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_export("md")
        await pilot.pause()
        assert isinstance(app.screen, ExportScreen)
        box = app.screen.query_one("#export-path")
        assert box.value == str(work / "lcc-btls-board-pack-2021-04-20.md")  # frozen today
        box.value = "pack.md"  # a bare name: still said in full when done
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, ExportScreen)
        messages = [str(note.message) for note in app._notifications]
        assert any(str(work / "pack.md") in message for message in messages), messages
        app.action_export("csv")
        await pilot.pause()
        box = app.screen.query_one("#export-path")
        box.value = str(work / "csv")
        await pilot.press("enter")
        await pilot.pause()
        messages = [str(note.message) for note in app._notifications]
        assert any(f"files in {work / 'csv'}" in message for message in messages), messages
    assert (work / "pack.md").exists()
