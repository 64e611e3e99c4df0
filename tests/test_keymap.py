"""Issue 12, power users: remappable keys from ``keymap.toml`` in the user's config folder.

The file feeds Textual's keymap by binding id; a bad file is refused whole with a message
naming its line, and the dashboard starts with the default keys. The config folder is a
temporary ``XDG_CONFIG_HOME``, never the real one.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from assure.tui.app import AssureApp
from assure.tui.counts import CountsScreen
from assure.tui.keymap import binding_ids, keymap_path, load_keymap


@pytest.fixture
def config(tmp_path, monkeypatch):
    folder = tmp_path / "config"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    (folder / "assure").mkdir(parents=True)
    return folder / "assure" / "keymap.toml"


def assure(*args, env=None):
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


def lcc(store):
    return store.programme_by_code("lcc-btls")


def test_the_file_lives_in_the_config_folder(config):
    assert keymap_path() == config


def test_every_binding_has_an_id():
    from textual.binding import Binding

    from assure.tui import app, counts, editing, screens
    from assure.tui.panes import base, outcomes, overview, registers
    from assure.tui.widgets import virtual_table

    missing = [f"{value.__name__}: {binding.key}"
               for module in (app, counts, editing, screens, base, outcomes, overview, registers, virtual_table)
               for value in vars(module).values() if isinstance(value, type)
               for binding in vars(value).get("BINDINGS", ()) if isinstance(binding, Binding) and not binding.id
               and value.__module__.startswith("assure")]
    assert missing == []
    assert {"pane.counts", "table.cursor_down", "app.quit", "go.risks"} <= set(binding_ids())


async def test_keys_are_remapped_by_binding_id(demo_store, config):
    config.write_text('# my keys\n"pane.counts" = "z"\n\n[table]\ncursor_down = ["down", "n"]\n')
    keymap = load_keymap()
    assert keymap.problems == [] and keymap.keys == {"pane.counts": "z", "table.cursor_down": "down,n"}
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60, keymap=keymap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.pane("deliverables").table
        await pilot.press("n")
        assert table.cursor_row == 1
        await pilot.press("j")  # no longer bound: j was replaced by n
        assert table.cursor_row == 1
        await pilot.press("F")
        await pilot.pause()
        assert not isinstance(app.screen, CountsScreen)
        await pilot.press("z")
        await pilot.pause()
        assert isinstance(app.screen, CountsScreen)
        await pilot.press("escape")
        await pilot.pause()
        rows = dict(row for _, section in app.help_sections() for row in section)
        assert rows["z"] == "Counts of the column's values" and "F" not in rows
        assert rows["↓/n"] == "Down"


@pytest.mark.parametrize(("text", "message"), [
    ('"pane.counts" = "c"\n\n"pane.count = "x"\n', "not valid TOML: "),
    ('"pane.counts" = "c"\n[pane]\ncount = "x"\n', "line 3: 'pane.count' is not a binding id (did you mean pane.counts?)"),
    ('"app.quit" = 3\n', 'line 1: app.quit: give the keys as text, e.g. "c" or "c,ctrl+k"'),
    ('"app.quit" = "ctrl q"\n', "line 1: app.quit: 'ctrl q' is not a key name"),
])
async def test_a_bad_file_names_its_line_and_the_defaults_are_used(demo_store, config, text, message):
    config.write_text(text)
    keymap = load_keymap()
    assert keymap.keys == {}
    assert message in keymap.message and keymap.message.endswith("The default keys are used.")
    if message.startswith("not valid"):
        assert "line 3" in keymap.message  # tomllib's own words name the line and column
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60, keymap=keymap)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert any(message in n.message for n in app._notifications)
        await pilot.press("4", "right", "right", "right", "F")  # the defaults work
        await pilot.pause()
        assert isinstance(app.screen, CountsScreen)


def test_help_names_the_file_and_keys_lists_the_ids(tmp_path):
    folder = tmp_path / "cfg"
    env = {"XDG_CONFIG_HOME": str(folder)}
    result = assure("--help", env=env)
    assert result.returncode == 0
    assert str(folder / "assure" / "keymap.toml") in " ".join(result.stdout.split())
    (folder / "assure").mkdir(parents=True)
    (folder / "assure" / "keymap.toml").write_text('"pane.counts" = "c"\n')
    listed = assure("keys", env=env)
    assert listed.returncode == 0, listed.stderr
    assert any(line.split()[:2] == ["pane.counts", "c"] and line.endswith("(default F)")
               for line in listed.stdout.splitlines())
    (folder / "assure" / "keymap.toml").write_text('"pane.counts" = "c"\n"pane.nope" = "x"\n')
    warned = assure("keys", env=env)
    assert "line 2: 'pane.nope' is not a binding id" in warned.stderr
