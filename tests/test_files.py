"""Files Assure writes: never over a database, owner-only, whole or not at all, safe names.

Commands run as a user types them (``python -m assure ...`` under umask 022, as on a shared
jump box); the store runs against a real SQLite file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from assure.models.store import Store

UMASK = 0o022


def assure(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """``python -m assure ARGS`` in a fresh process under umask 022."""
    return subprocess.run(
        [sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=120,
        env={**os.environ, **(env or {})}, cwd=cwd, umask=UMASK,
    )


def one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.rstrip("\n")
    assert message.startswith("assure: error: ") and "\n" not in message, result.stderr
    for needle in needles:
        assert needle in message, (needle, message)
    return message


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(folder: Path) -> dict[str, str]:
    """Every file under a folder and a digest of it."""
    return {str(p.relative_to(folder)): digest(p) for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def umask_022():
    old = os.umask(UMASK)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def small_db(tmp_path) -> Path:
    """A small programme in a database file created by the store (so with the store's mode)."""
    path = tmp_path / "small.db"
    with Store.open(path) as store:
        pid = store.create("programme", None, {"code": "sm", "name": "Small programme"})
        out = store.create("outcome", pid, {"number": 1, "title": "Outcome one"})
        store.create("deliverable", pid, {"outcome_id": out, "title": "Plan", "status": "In Progress"})
        store.create("risk", pid, {"ref": "R1", "description": "A risk", "likelihood": 2, "impact": 3})
        store.create("action", pid, {"number": 1, "description": "Do it"})
    return path


# -- 4. an export never lands on a database --------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "md", "html"])
@pytest.mark.parametrize("suffix", ["", "-journal", "-wal", "-shm"])
def test_export_onto_the_database_or_its_journal_is_refused(small_db, tmp_path, fmt, suffix):
    target = Path(f"{small_db}{suffix}")
    before = digest(small_db)
    one_line_error(assure("--db", str(small_db), "export", "--format", fmt, "--out", str(target)), str(target))
    assert digest(small_db) == before
    assert suffix == "" or not target.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["small.db"]


def test_export_onto_another_sqlite_file_or_through_a_symlink_is_refused(small_db, tmp_path):
    other = tmp_path / "invoices.json"  # a database whatever its name says
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE invoice(id INTEGER PRIMARY KEY)")
    conn.close()
    link = tmp_path / "pack.json"
    link.symlink_to(small_db)
    stamps = (digest(other), digest(small_db))
    one_line_error(assure("--db", str(small_db), "export", "--out", str(other)), str(other), "database")
    one_line_error(assure("--db", str(small_db), "export", "--out", str(link)), str(link), "database")
    assert (digest(other), digest(small_db)) == stamps and link.is_symlink()
    # The same for one file of a CSV folder, and for a screenshot.
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "summary.csv").symlink_to(small_db)
    one_line_error(assure("--db", str(small_db), "export", "-f", "csv", "--out", str(folder)), "database")
    one_line_error(assure("--db", str(small_db), "screenshot", "--out", str(small_db)), str(small_db), "database")
    assert digest(small_db) == stamps[1] and (folder / "summary.csv").is_symlink()


async def test_the_palette_export_refuses_the_database(small_db):
    from assure.tui.app import AssureApp
    from assure.tui.screens import ExportScreen

    def contents() -> list[str]:  # (the dashboard itself may note the programme last used in meta)
        conn = sqlite3.connect(small_db)
        try:
            return [line for line in conn.iterdump() if "meta" not in line]
        finally:
            conn.close()

    before = contents()
    with Store.open(small_db) as store:
        app = AssureApp(store, programme_id=store.programme_by_code("sm").id, poll_seconds=3600)
        async with app.run_test(size=(100, 30)) as pilot:
            app.action_export("json")
            await pilot.pause()
            app.screen.query_one("#export-path").value = str(small_db)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, ExportScreen)
            assert "database" in str(app.screen.query_one("#export-error").render())
    assert contents() == before


# -- 6. owner-only files ---------------------------------------------------------------------


def test_a_new_database_and_its_journal_are_owner_only(tmp_path, umask_022):
    path = tmp_path / "new.db"
    result = assure("--db", str(path), "seed")
    assert result.returncode == 0, result.stderr
    assert mode(path) == 0o600
    with Store.open(path) as store:
        with store.transaction() as conn:
            conn.execute("UPDATE lesson SET number = number + 1")
            journal = Path(f"{path}-journal")
            assert journal.exists() and mode(journal) == 0o600


def test_the_default_data_folder_is_owner_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "ASSURE_DB"}
    env["XDG_DATA_HOME"] = str(tmp_path / "data")
    result = subprocess.run([sys.executable, "-m", "assure", "seed"], capture_output=True, text=True,
                            timeout=120, env=env, umask=UMASK)
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "data" / "assure") == 0o700
    assert mode(tmp_path / "data" / "assure" / "assure.db") == 0o600


@pytest.mark.parametrize(("source", "copy"), [(0o600, 0o600), (0o644, 0o600), (0o640, 0o600), (0o400, 0o400)])
def test_backups_and_exports_are_never_wider_than_the_database(small_db, tmp_path, source, copy):
    small_db.chmod(source)
    result = assure("--db", str(small_db), "backup", str(tmp_path / "copy.db"))
    assert result.returncode == 0, result.stderr
    assert mode(tmp_path / "copy.db") == copy
    for fmt in ("md", "html", "json"):
        out = tmp_path / f"pack.{fmt}"
        assert assure("--db", str(small_db), "export", "--out", str(out)).returncode == 0
        assert mode(out) == copy, fmt
    assert assure("--db", str(small_db), "export", "-f", "csv", "--out", str(tmp_path / "csv")).returncode == 0
    assert mode(tmp_path / "csv") == 0o700
    files = list((tmp_path / "csv").iterdir())
    assert len(files) == 8 and {mode(p) for p in files} == {copy}


def test_a_screenshot_is_owner_only(small_db, tmp_path):
    out = tmp_path / "shot.svg"
    result = assure("--db", str(small_db), "screenshot", "--out", str(out), "--size", "80x24")
    assert result.returncode == 0, result.stderr
    assert mode(out) == 0o600


# -- 9. smaller ones ---------------------------------------------------------------------------


@pytest.mark.parametrize("number", ["²", "①", "٣"])
def test_csv_import_takes_ascii_digits_only(small_db, tmp_path, number):
    path = tmp_path / "d.csv"
    path.write_text(f"title,outcome\nNew one,{number}\n", encoding="utf-8")
    result = assure("--db", str(small_db), "import", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert "line 2: outcome:" in result.stderr and "not an outcome number" in result.stderr
    with Store.open(small_db) as store:
        assert len(store.deliverables(store.programme_by_code("sm").id)) == 1


def test_a_failed_csv_export_leaves_the_old_folder_whole(small_db, tmp_path):
    folder = tmp_path / "csv"
    assert assure("--db", str(small_db), "export", "-f", "csv", "--out", str(folder)).returncode == 0
    with Store.open(small_db) as store:
        store.create("risk", store.programme_by_code("sm").id, {"ref": "R2", "description": "New"})
    (folder / "risks.csv").unlink()
    (folder / "risks.csv").mkdir()  # in the way: the export cannot complete
    before = tree(folder)
    result = assure("--db", str(small_db), "export", "-f", "csv", "--out", str(folder))
    one_line_error(result, str(folder))
    assert tree(folder) == before and (folder / "risks.csv").is_dir()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
    # A folder holding other people's files is refused, not mixed into.
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    one_line_error(assure("--db", str(small_db), "export", "-f", "csv", "--out", str(mine)), str(mine))
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    # Our own earlier export is replaced whole.
    shutil_folder = tmp_path / "again"
    assert assure("--db", str(small_db), "export", "-f", "csv", "--out", str(shutil_folder)).returncode == 0
    assert assure("--db", str(small_db), "export", "-f", "csv", "--out", str(shutil_folder)).returncode == 0
    assert "R2" in (shutil_folder / "risks.csv").read_text()


def test_programme_codes_are_safe_names(tmp_path, small_db):
    document = tmp_path / "p.json"
    document.write_text(json.dumps({"programme": {"code": "../../x", "name": "Escape"}}))
    result = assure("--db", str(small_db), "import", str(document))
    assert result.returncode == 1 and "code" in result.stderr and "Traceback" not in result.stderr
    with Store.open(small_db) as store:
        assert [p.code for p in store.programmes()] == ["sm"]
        for bad in ("../x", ".hidden", "a/b", "a b"):
            with pytest.raises(ValueError):
                store.create("programme", None, {"code": bad, "name": "Bad"})


def test_an_old_bad_code_never_decides_where_files_go(tmp_path, small_db):
    conn = sqlite3.connect(small_db)
    with conn:
        conn.execute("UPDATE programme SET code = '../../x'")
    conn.close()
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    result = assure("--db", str(small_db), "screenshot", "--size", "80x24", cwd=work)
    assert result.returncode == 0, result.stderr
    written = [p for p in tmp_path.rglob("*.svg")]
    assert len(written) == 1 and written[0].parent == work, written
    from assure.models.files import safe_file_stem

    assert "/" not in safe_file_stem("../../x") and not safe_file_stem("../../x").startswith(".")
    assert safe_file_stem("lcc-btls") == "lcc-btls"


async def test_the_palette_export_name_is_safe_for_an_old_bad_code(small_db):
    from assure.tui.app import AssureApp

    conn = sqlite3.connect(small_db)
    with conn:
        conn.execute("UPDATE programme SET code = '../../x'")
    conn.close()
    with Store.open(small_db) as store:
        app = AssureApp(store, programme_id=store.programmes()[0].id, poll_seconds=3600)
        async with app.run_test(size=(100, 30)) as pilot:
            app.action_export("md")
            await pilot.pause()
            default = Path(app.screen.default_path)
            # The whole path is offered (issue 12), in the working folder, under a safe name.
            assert default.parent == Path.cwd() and not default.name.startswith("."), default
            assert ".." not in default.parts and default.name.startswith("x-board-pack"), default


@pytest.mark.parametrize("value", ["\t=1+1", "\n=1+1", "＝1+1", "＋1", "－1", "＠x", "﹦1", " =1+1", "\u3000=1"])
def test_csv_defuses_tab_and_fullwidth_formula_starts(value):
    from assure.models.board_pack import csv_cell, csv_value

    cell = csv_cell(value)
    assert cell.startswith("'"), cell
    original = csv_value(cell)
    assert original.strip() == value.replace("\t", "    ").replace("\r", "").strip() or original == value


def test_defused_cells_import_back_as_they_were(small_db, tmp_path):
    with Store.open(small_db) as store:
        pid = store.programme_by_code("sm").id
        store.create("risk", pid, {"ref": "R9", "description": "＝HYPERLINK(\"x\")", "owner": "＠owner"})
    folder = tmp_path / "csv"
    assert assure("--db", str(small_db), "export", "-f", "csv", "--out", str(folder)).returncode == 0
    text = (folder / "risks.csv").read_text(encoding="utf-8")
    assert "'＝HYPERLINK" in text and "'＠owner" in text
    other = tmp_path / "other.db"
    with Store.open(other) as store:
        store.create("programme", None, {"code": "o", "name": "Other"})
    # Ids, versions and the database id are the first database's: rows copied elsewhere go without them.
    lines = text.splitlines(keepends=True)
    (folder / "risks.csv").write_text("".join(line.rsplit(",", 3)[0] + "\r\n" for line in lines), encoding="utf-8")
    result = assure("--db", str(other), "import", str(folder / "risks.csv"))
    assert result.returncode == 0, result.stderr
    with Store.open(other) as store:
        risk = next(r for r in store.risks(store.programmes()[0].id) if r.ref == "R9")
        assert (risk.description, risk.owner) == ("＝HYPERLINK(\"x\")", "＠owner")


@pytest.mark.parametrize("title", ["\u200b", "\u2060\ufeff", "\u0301", " \u200b\u200c\u200d ", "\u3164", "\u034f"])
def test_an_invisible_title_is_blank(small_db, title):
    from assure.models.inputs import InvalidInput

    with Store.open(small_db) as store:
        pid = store.programme_by_code("sm").id
        with pytest.raises(InvalidInput, match="blank"):
            store.create("deliverable", pid, {"title": title})
        record = store.deliverables(pid)[0]
        with pytest.raises(InvalidInput, match="blank"):
            store.update("deliverable", record.id, {"title": title})
        assert store.create("deliverable", pid, {"title": "e\u0301t\u200be"})  # visible text with marks is fine


def test_duplicate_risk_refs_are_refused_everywhere(small_db, tmp_path):
    from assure.models.inputs import InvalidInput

    with Store.open(small_db) as store:
        pid = store.programme_by_code("sm").id
        for ref in ("R1", "r1", " R1 "):
            with pytest.raises(InvalidInput, match="already"):
                store.create("risk", pid, {"ref": ref, "description": "Again"})
        second = store.create("risk", pid, {"ref": "R2", "description": "Second"})
        with pytest.raises(InvalidInput, match="already"):
            store.update("risk", second, {"ref": "r1"})
        store.update("risk", second, {"ref": "R2", "description": "own ref again is fine"})
        # Undo of a delete whose ref was taken meanwhile.
        store.delete("risk", second)
        with Store.open(small_db) as colleague:
            colleague.create("risk", pid, {"ref": "r2", "description": "Taken"})
        with pytest.raises(InvalidInput, match="already"):
            store.undo()
        other = store.create("programme", None, {"code": "other", "name": "Other"})
        store.create("risk", other, {"ref": "R1", "description": "another programme may"})
    document = tmp_path / "p.json"
    document.write_text(json.dumps({"programme": {"code": "dup", "name": "Dup"},
                                    "risks": [{"ref": "R1", "description": "a"}, {"ref": "r1", "description": "b"}]}))
    result = assure("--db", str(small_db), "import", str(document))
    assert result.returncode == 1 and 'risk 2 ("r1: b"): ref' in result.stderr and "Traceback" not in result.stderr


def test_json_duplicate_keys_are_refused(small_db, tmp_path):
    document = tmp_path / "p.json"
    document.write_text('{"programme": {"code": "a", "name": "First", "name": "Second"}}')
    one_line_error(assure("--db", str(small_db), "import", str(document)), str(document), "'name'", "twice")
    with Store.open(small_db) as store:
        assert [p.code for p in store.programmes()] == ["sm"]


def test_raci_names_are_trimmed_like_everywhere_else(small_db, tmp_path):
    document = tmp_path / "p.json"
    document.write_text(json.dumps({"programme": {"code": "raci", "name": "RACI"}, "people": [{"name": "Ann"}],
                                    "raci": [{"person": "Ann ", "role": "Sponsor", "letter": "A"}]}))
    result = assure("--db", str(small_db), "import", str(document))
    assert result.returncode == 0, result.stderr
    with Store.open(small_db) as store:
        [role] = store.raci(store.programme_by_code("raci").id)
        assert role.person_name == "Ann"


def test_many_bad_csv_rows_list_the_first_twenty(small_db, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("ref,description,likelihood\n" + "".join(f"X{n},d,9\n" for n in range(5000)))
    result = assure("--db", str(small_db), "import", str(path))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert "5000 bad rows" in lines[0] and len(lines) <= 23, lines[:3]
    assert "line 2: likelihood:" in result.stderr and "and 4980 more" in lines[-1]
