"""Hostile stored text: shown as text, never obeyed by the terminal, never a crash.

Old databases, other writers and imports may hold escape sequences and markup that
validation would strip today, so the fixture writes them with raw SQL into every text
field a user can see. Then the dashboard (Pilot and a real pty) and every CLI output are
driven and their output checked: markup visible as literal brackets; no ESC, C1 or bidi
control reaching the terminal; JSON still round-trips the stored data.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from assure.models.store import Store
from assure.models.text import display_text

pytestmark = pytest.mark.reliability

OSC52 = "\x1b]52;c;aGk=\x07"
OSC2 = "\x1b]2;PWNED-TITLE\x07"
CSI = "\x1b[2JCSIMARK"
C1 = "\x9b31mC1MARK"
BIDI = "\u202eBIDIMARK"
#: What a terminal would obey; each ends in a marker so Textual's own escapes never match.
CONTROLS = (OSC52, OSC2, CSI, C1, BIDI)
MARKUP = ("[/bold]", "[/]", "[@click=app.quit]", "[link=file:///etc/passwd]x[/link]", "[red on red]")
PAYLOAD = "".join(CONTROLS)
ALL_MARKUP = " ".join(MARKUP)
NAME = f"Ops review [/bold] 2024 {PAYLOAD}"
CODE = f"lcc[/]{OSC2}{C1}"

# What must never reach a terminal from data: C0 (bar tab/newline/CR), DEL, C1, bidi controls.
UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
UNSAFE_BYTES = re.compile(rb"\x1b|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")


def hostile(seed: str, index: int = 0) -> str:
    """A value: readable start, one markup token (rotating), then every control payload."""
    return f"{seed} {MARKUP[index % len(MARKUP)]} {PAYLOAD}"


def poison(path: Path) -> int:
    """Write hostile text into every visible text field of the LCC programme (raw SQL)."""
    with Store.open(path) as store:
        from assure.seed.loader import load_demo

        load_demo(store)
        pid = store.programme_by_code("lcc-btls").id
        store.remember_programme(pid)
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("UPDATE programme SET name = ?, code = ?, organisation = ?, description = ? WHERE id = ?",
                     (NAME, CODE, hostile("Org", 4), hostile("Description", 2), pid))
        # A scored risk with an owner beside the demo's two unscored issues: every column gets hostile text.
        conn.execute("INSERT INTO risk (programme_id, ref, kind, description, likelihood, impact, owner, status,"
                     " version, updated_at) VALUES (?, 'R1', 'Risk', 'x', 4, 4, 'x', 'Open', 1, ?)",
                     (pid, "2021-04-01T00:00:00+00:00"))
        updates = {
            "person": ("name",),
            "raci": ("role", "note"),
            "outcome": ("title", "vision"),
            "progress": ("text",),
            "deliverable": ("title", "approved_by", "note"),
            "risk": ("description", "owner", "latest_update"),
            "action": ("description", "owner"),
            "lesson": ("description", "recommendation", "responsible"),
        }
        for index, (table, columns) in enumerate(updates.items()):
            ids = [row[0] for row in conn.execute(f"SELECT id FROM {table} WHERE programme_id = ?", (pid,))]
            for row_id in ids:
                values = [f"{hostile(f'{table}{row_id}', index + n)} {ALL_MARKUP}" if column in
                          ("title", "description", "text") else hostile(f"{table}{row_id}", index + n)
                          for n, column in enumerate(columns)]
                sets = ", ".join(f"{column} = ?" for column in columns)
                conn.execute(f"UPDATE {table} SET {sets} WHERE id = ?", (*values, row_id))
        # Short fields that fit a table cell whole: the literal brackets must show there.
        # (Each its own: refs are unique within a programme, and the demo has issues I1 and I2 too.)
        risk_ids = [row[0] for row in conn.execute("SELECT id FROM risk WHERE programme_id = ? ORDER BY id", (pid,))]
        for number, risk_id in enumerate(risk_ids, start=1):
            conn.execute("UPDATE risk SET ref = ? WHERE id = ?", (f"[/]{OSC52}{number}" if number > 1 else "[/]" + OSC52,
                                                                 risk_id))
        conn.execute(
            "INSERT INTO history (programme_id, at, actor, kind, record_id, record_label, action, field, old_value,"
            " new_value) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?)",
            (pid, "2021-04-20T10:00" + OSC2, "[red on red]" + OSC52, "[/bold]" + CSI, hostile("label", 1),
             "update" + C1, "[/]" + BIDI, hostile("old", 2), hostile("new", 3)),
        )
        conn.execute(
            "INSERT INTO history (programme_id, at, actor, kind, record_id, record_label, action, field, old_value,"
            " new_value) VALUES (?, ?, ?, ?, NULL, ?, ?, NULL, NULL, NULL)",
            (pid, "2021-04-20T11:00:00+00:00", "tester", "[@click=app.quit]" + OSC2, "x", "delete" + OSC52),
        )
    conn.close()
    return pid


@pytest.fixture
def hostile_db(db_path):
    """A database whose LCC programme holds hostile text in every field."""
    return db_path, poison(db_path)


# -- the dashboard through Pilot ----------------------------------------------------------


def screen_text(app) -> str:
    """Every character the current screen would draw."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def assert_clean(app, where: str) -> str:
    """The app is alive and nothing on screen could drive a terminal; return the text."""
    assert app.return_code in (None, 0), where
    assert app.is_running, where
    text = screen_text(app)
    bad = sorted({repr(c) for c in UNSAFE.findall(text)})
    assert not bad, f"{where}: {bad}"
    return text


@pytest.fixture
async def hostile_app(hostile_db):
    from assure.tui.app import AssureApp

    path, pid = hostile_db
    with Store.open(path) as store:
        yield AssureApp(store, programme_id=pid, poll_seconds=60)


async def test_every_pane_shows_hostile_text_as_text(hostile_app):
    app = hostile_app
    seen = []
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.pause()
        bar = assert_clean(app, "programme bar")
        assert "Ops review [/bold] 2024" in bar
        for number in range(1, 9):
            await pilot.press(str(number))
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            seen.append(assert_clean(app, f"pane {number}"))
        overview = app.pane("overview")
        changes = str(overview.query_one("#ov-changes").render())
        assert "[/bold]" in changes and "[/]" in changes and "[@click=app.quit]" in changes
        assert not UNSAFE.search(changes)
        await pilot.press("question_mark")
        await pilot.pause()
        assert_clean(app, "help")
        await pilot.press("escape")
        await pilot.press("f")
        await pilot.pause()
        seen.append(assert_clean(app, "findings"))
        await pilot.press("escape")
        await pilot.pause()
    everything = " ".join(" ".join(seen).split())
    for token in MARKUP:
        assert token in everything, token


async def test_programme_picker_and_palette_show_markup_as_text(hostile_app):
    app = hostile_app
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("p")
        await pilot.pause()
        picker = assert_clean(app, "picker")
        assert "Ops review [/bold] 2024" in picker
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Ops review")
        for _ in range(5):
            await pilot.pause(0.1)
        palette = assert_clean(app, "palette")
        assert "Ops review [/bold] 2024" in palette
        await pilot.press("escape")
        await pilot.pause()
        assert_clean(app, "after palette")


async def test_editors_get_clean_values_and_saving_markup_is_shown(hostile_app, hostile_db):
    from textual.widgets import Input

    app = hostile_app
    path, pid = hostile_db
    async with app.run_test(size=(160, 50)) as pilot:
        await pilot.press("5")  # risks: the first column (ref) is typed, so e opens an Input
        await pilot.pause()
        await pilot.press("e")
        await pilot.pause()
        box = app.screen.query_one(Input)
        assert box.value.startswith("[/]") and not UNSAFE.search(box.value)
        assert_clean(app, "cell editor")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        for field in app.screen.query(Input):
            assert not UNSAFE.search(field.value), field.id
        form = assert_clean(app, "record form")
        assert "[/]" in form
        await pilot.press("escape")
        await pilot.pause()
        # The deliverable title: save markup, and the "Saved" toast shows it as text.
        await pilot.press("4")
        await pilot.pause()
        await pilot.press("right")
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one(Input).value = "Runbook [/] signed"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        toast = assert_clean(app, "saved toast")
        assert "Runbook [/] signed" in toast
        await pilot.press("u")
        await pilot.pause()
        assert_clean(app, "undo toast")
        # Confirm: deleting names the record.
        await pilot.press("d")
        await pilot.pause()
        confirm = assert_clean(app, "confirm")
        assert "[/bold]" in confirm or "[link=" in confirm or "[/]" in confirm
        await pilot.press("n")
        await pilot.pause()
        # Conflict: a colleague changes the title while the editor is open.
        await pilot.press("e")
        await pilot.pause()
        record_id = app.pane("deliverables").table.cursor_key
        conn = sqlite3.connect(path)
        with conn:
            conn.execute("UPDATE deliverable SET title = ?, version = version + 1 WHERE id = ?",
                         (f"Theirs [@click=app.quit] {PAYLOAD}", record_id))
        conn.close()
        app.screen.query_one(Input).value = "Mine [red on red]"
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        conflict = assert_clean(app, "conflict")
        assert "Theirs [@click=app.quit]" in conflict and "Mine [red on red]" in conflict
        await pilot.press("t")
        await pilot.pause()
        assert_clean(app, "after conflict")


# -- the real dashboard in a pty -----------------------------------------------------------


def _pty_run(args: list[str], keys: list[bytes], *, env: dict | None = None, cwd: Path | None = None,
             size: tuple[int, int] = (120, 40), timeout: float = 60) -> tuple[bytes, int]:
    """Run a command on a real pseudo-terminal, type keys, return (all output, exit status).

    Each key is sent once the screen has gone quiet (no output for a moment), as a user
    would type after seeing the screen.
    """
    import fcntl
    import struct
    import termios

    master, slave = os.openpty()
    cols, rows = size
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    process = subprocess.Popen(
        args, stdin=slave, stdout=slave, stderr=slave, start_new_session=True, cwd=cwd,
        env={**os.environ, "TERM": "xterm-256color", "COLUMNS": str(cols), "LINES": str(rows), **(env or {})},
    )
    os.close(slave)
    output = bytearray()
    deadline = time.monotonic() + timeout

    def drain(quiet: float) -> None:
        last = time.monotonic()
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                output.extend(chunk)
                last = time.monotonic()
            elif process.poll() is not None:
                return
            elif output and time.monotonic() - last > quiet:
                return

    try:
        drain(1.0)
        for key in keys:
            os.write(master, key)
            drain(0.5)
        process.wait(timeout=max(1, deadline - time.monotonic()))
        drain(0.1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(master)
    return bytes(output), process.returncode


def assert_no_hostile_bytes(output: bytes) -> None:
    """Textual writes its own escapes; none of the stored payloads may reach the terminal."""
    for control in CONTROLS:
        assert control.encode() not in output, control
    assert b"\x1b]52" not in output  # Textual writes OSC 52 only on copy
    assert b"\x1b]2;" not in output and b"\x1b]0;" not in output  # nor any title
    assert b"PWNED-TITLE\x07" not in output
    text = output.decode("utf-8", errors="replace")
    assert "\x9b" not in text and "\u202e" not in text


def test_real_terminal_receives_no_hostile_bytes(hostile_db, tmp_path):
    path, _ = hostile_db
    keys = [b"1", b"2", b"3", b"4", b"5", b"6", b"7", b"8", b"p", b"\x1b", b"\x10", *[bytes([c]) for c in b"Ops"],
            b"\x1b", b"4", b"e", b"\x1b", b"q"]
    output, status = _pty_run([sys.executable, "-m", "assure", "--db", str(path)], keys, cwd=tmp_path)
    assert status == 0, output[-2000:]
    assert b"Ops review [/bold] 2024" in output
    assert_no_hostile_bytes(output)


def test_a_crash_exits_non_zero(db_path, tmp_path):
    """An exception inside the app (here: in the help action) must not end with status 0."""
    with Store.open(db_path) as store:
        from assure.seed.loader import load_demo

        load_demo(store)
    script = (
        "import sys\n"
        "import assure.tui.app as app\n"
        "def boom(self):\n"
        "    raise RuntimeError('boom')\n"
        "app.AssureApp.action_help = boom\n"
        f"sys.argv = ['assure', '--db', {str(db_path)!r}]\n"
        "from assure.tui.cli import main\n"
        "main()\n"
    )
    output, status = _pty_run([sys.executable, "-c", script], [b"?"], cwd=tmp_path, timeout=30)
    assert b"boom" in output
    assert status != 0


# -- the CLI --------------------------------------------------------------------------------


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m assure ARGS`` as a user types it; output kept as bytes."""
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, timeout=60, cwd=cwd)


def assert_safe_bytes(result: subprocess.CompletedProcess, what: str) -> None:
    for stream, data in (("stdout", result.stdout), ("stderr", result.stderr)):
        found = UNSAFE_BYTES.findall(data)
        assert not found, f"{what} {stream}: {found[:5]} in {data[:600]!r}"
        assert b"Traceback" not in data, f"{what}: {data.decode(errors='replace')}"


def test_cli_outputs_are_terminal_safe(hostile_db, tmp_path):
    path, _ = hostile_db
    db = ["--db", str(path)]
    runs = {
        "history": cli(*db, "history"),
        "history --all": cli(*db, "history", "--all-programmes", "-n", "100"),
        "status": cli(*db, "status", "--limit", "0"),
        "status --all": cli(*db, "status", "--all"),
        "export md": cli(*db, "export", "-f", "md"),
        "export html": cli(*db, "export", "-f", "html"),
        "export md file": cli(*db, "export", "-o", str(tmp_path / "pack.md")),
        "export csv": cli(*db, "export", "-f", "csv", "-o", str(tmp_path / "csv")),
        "export json file": cli(*db, "export", "-o", str(tmp_path / "pack.json")),
        "-p hostile": cli(*db, "-p", f"nosuch{OSC52}{BIDI}", "status"),
        "-p missing": cli(*db, "-p", "nosuch", "history"),
        "no such file": cli(*db, "import", f"gone{OSC2}{C1}.json"),
        "backup exists": cli(*db, "backup", str(path)),
        "screenshot": cli(*db, "screenshot", "--out", str(tmp_path / "shot.svg")),
        "seed": cli(*db, "seed"),
    }
    for what, result in runs.items():
        assert_safe_bytes(result, what)
    assert runs["history"].returncode == 0 and b"[/bold]" in runs["history"].stdout
    assert runs["status"].returncode in (0, 2) and b"Ops review [/bold] 2024" in runs["status"].stdout
    assert runs["-p missing"].returncode == 1 and b"lcc[/]" in runs["-p missing"].stderr
    assert runs["export json file"].returncode == 0, runs["export json file"].stderr
    assert json.loads((tmp_path / "pack.json").read_text(encoding="utf-8"))["programme"]["name"] == NAME


def test_json_outputs_escape_controls_and_round_trip(hostile_db):
    path, _ = hostile_db
    db = ["--db", str(path)]
    status = cli(*db, "status", "--json")
    exported = cli(*db, "export", "-f", "json")
    for what, result in (("status --json", status), ("export json", exported)):
        assert_safe_bytes(result, what)
        assert b"\\u009b" in result.stdout.lower() and b"\\u202e" in result.stdout.lower(), what
    assert json.loads(status.stdout)["summary"]["programme"]["name"] == NAME
    document = json.loads(exported.stdout)
    assert document["programme"]["name"] == NAME and document["programme"]["code"] == CODE


def test_import_with_a_hostile_file_name(hostile_db, tmp_path):
    path, _ = hostile_db
    source = tmp_path / "pack.json"
    assert cli("--db", str(path), "export", "-o", str(source)).returncode == 0
    hostile_code = cli("--db", str(path), "import", "--force", str(source))
    assert_safe_bytes(hostile_code, "import refused for its code")  # codes must be safe file names now
    assert hostile_code.returncode != 0 and b"is not a usable code" in hostile_code.stderr
    document = json.loads(source.read_text(encoding="utf-8"))
    document["programme"]["code"] = "lcc-imported"  # the name keeps its hostile text
    target = tmp_path / f"pack{OSC2}{C1}{BIDI}.json"
    target.write_text(json.dumps(document), encoding="utf-8")
    result = cli("--db", str(path), "import", str(target))
    assert_safe_bytes(result, "import")
    assert result.returncode == 0, result.stderr
    assert b"imported programme lcc-imported" in result.stdout
    again = cli("--db", str(path), "import", str(target))  # refused: the code exists
    assert_safe_bytes(again, "import refused")
    assert again.returncode != 0
    conn = sqlite3.connect(path)
    notes = [row[0] for row in conn.execute("SELECT new_value FROM history WHERE action IN ('load', 'replace')")]
    conn.close()
    assert any("imported from pack" in note for note in notes)
    assert not any(UNSAFE.search(note or "") for note in notes)
    listed = cli("--db", str(path), "history", "--all-programmes", "-n", "200")
    assert_safe_bytes(listed, "history after import")


def test_cli_prints_only_through_the_cleaning_echo():
    """One path to the terminal: a new ``click.echo`` of data would bypass the cleaning."""
    root = Path(__file__).parent.parent / "tui"
    calls = {path.name: path.read_text(encoding="utf-8").count("click.echo(") for path in root.rglob("*.py")}
    assert {name: count for name, count in calls.items() if count} == {"cli.py": 1}


@given(st.text() | st.lists(st.sampled_from([" ", "  ", "a", "\u00a0", "\t", "\n", "\u202e", "é"])).map("".join))
@example(" a")
@example("a ")
@example("a  b")
@example("a\u3000b")
@example("")
def test_display_words_is_display_text_with_its_spaces_collapsed(value):
    # The findings' quoted names take the quick path when there is nothing to clean.
    from assure.models.text import display_words

    assert display_words(value) == " ".join(display_text(value).split())
