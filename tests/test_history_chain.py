"""Tamper-evident history: each row is hash-chained to the one before, and the newest
row is recorded in ``meta``; any change made behind the app's back is found, by row."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from assure.models.store import Store

pytestmark = pytest.mark.reliability

FIXTURE = Path(__file__).parent / "fixtures" / "release-1.db"


def tamper(path: Path, sql: str, params: tuple = ()) -> None:
    """Change the file with raw sqlite3, as someone going around the app would."""
    conn = sqlite3.connect(path)
    with conn:
        conn.execute(sql, params)
    conn.close()


def history_ids(path: Path) -> list[int]:
    conn = sqlite3.connect(path)
    ids = [row[0] for row in conn.execute("SELECT id FROM history ORDER BY id")]
    conn.close()
    return ids


@pytest.fixture
def edited(demo_store, db_path) -> Path:
    """The demo with a few edits of every kind (update, create, delete, undo)."""
    store = demo_store
    programme = store.programme_by_code("lcc-btls")
    deliverable = store.deliverables(programme.id)[0]
    store.update("deliverable", deliverable.id, {"note": "first"})
    store.update("deliverable", deliverable.id, {"note": "second"})
    risk = store.create("risk", programme.id, {"ref": "R-T", "kind": "risk", "description": "Chain", "status": "open"})
    store.delete("risk", risk)
    store.undo()  # the delete: a create again
    store.update("deliverable", deliverable.id, {"note": "third"})
    assert len(history_ids(db_path)) >= 8
    return db_path


def verdict(path: Path):
    with Store.open(path, read_only=True, create=False) as store:
        return store.verify_history()


def test_a_new_database_verifies(store):
    assert store.verify_history().ok and store.verify_history().rows == 0


def test_the_demo_and_every_kind_of_edit_verify(edited):
    result = verdict(edited)
    assert result.ok and result.rows == len(history_ids(edited))
    assert result.describe() == f"history verified: {result.rows} rows"


def test_an_upgraded_database_verifies(tmp_path):
    path = tmp_path / "old.db"
    shutil.copyfile(FIXTURE, path)
    with Store.open(path) as store:
        assert store.verify_history().ok
        programme = store.programmes()[0]
        store.update("programme", programme.id, {"description": "After the upgrade"})
        result = store.verify_history()
    assert result.ok and result.rows == len(history_ids(path))


def test_an_edited_history_row_is_found(edited):
    middle = history_ids(edited)[3]
    tamper(edited, "UPDATE history SET actor = 'Chief Executive', at = '2019-01-01T00:00:00+00:00' WHERE id = ?",
           (middle,))
    result = verdict(edited)
    assert not result.ok and result.row_id == middle and "changed" in result.problem


def test_a_deleted_middle_row_is_found(edited):
    middle = history_ids(edited)[4]
    tamper(edited, "DELETE FROM history WHERE id = ?", (middle,))
    result = verdict(edited)
    assert not result.ok and result.row_id == middle and "missing" in result.problem


def test_a_deleted_newest_row_is_found(edited):
    newest = history_ids(edited)[-1]
    tamper(edited, "DELETE FROM history WHERE id = ?", (newest,))
    result = verdict(edited)
    assert not result.ok and result.row_id == newest and "missing" in result.problem


def test_a_row_inserted_behind_the_apps_back_is_found(edited):
    tamper(edited, "INSERT INTO history(programme_id, at, actor, kind, record_id, record_label, action)"
                   " VALUES (1, '2019-01-01T00:00:00+00:00', 'Chief Executive', 'deliverable', 1, 'x', 'update')")
    inserted = history_ids(edited)[-1]
    result = verdict(edited)
    assert not result.ok and result.row_id == inserted


def test_a_forged_row_with_a_valid_link_after_the_head_is_found(edited):
    """Someone who knows the algorithm appends a well-linked row but cannot move the head unseen."""
    from assure.models.history_chain import row_hash

    conn = sqlite3.connect(edited)
    last_id, last_hash = conn.execute("SELECT id, hash FROM history ORDER BY id DESC LIMIT 1").fetchone()
    values = (last_id + 1, 1, "2019-01-01T00:00:00+00:00", "Chief Executive", "deliverable", 1, "x", "update",
              "note", None, "forged")
    with conn:
        conn.execute("INSERT INTO history(id, programme_id, at, actor, kind, record_id, record_label, action, field,"
                      " old_value, new_value, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (*values, last_hash, row_hash(last_hash, values)))
    conn.close()
    result = verdict(edited)
    assert not result.ok and result.row_id == last_id + 1


def test_writes_after_tampering_do_not_hide_it(edited):
    middle = history_ids(edited)[2]
    tamper(edited, "UPDATE history SET new_value = 'rewritten' WHERE id = ?", (middle,))
    with Store.open(edited) as store:
        programme = store.programme_by_code("lcc-btls")
        store.update("programme", programme.id, {"description": "later edit"})
        assert store.verify_history().row_id == middle


def assure(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=60)


def test_history_verify_command(edited):
    done = assure("--db", str(edited), "history", "--verify")
    assert done.returncode == 0 and done.stdout.strip() == f"history verified: {len(history_ids(edited))} rows"
    newest = history_ids(edited)[-1]
    tamper(edited, "DELETE FROM history WHERE id = ?", (newest,))
    broken = assure("--db", str(edited), "history", "--verify")
    assert broken.returncode == 1 and broken.stdout == ""
    message = broken.stderr.strip()
    assert "\n" not in message and f"row {newest}" in message and "missing" in message


async def test_the_overview_warns_when_the_chain_is_broken(edited):
    from assure.tui.app import AssureApp

    middle = history_ids(edited)[3]
    tamper(edited, "UPDATE history SET old_value = 'forged' WHERE id = ?", (middle,))
    with Store.open(edited) as store:
        app = AssureApp(store, programme_id=store.programme_by_code("lcc-btls").id)
        async with app.run_test(size=(120, 40)) as pilot:
            pane = app.query_one("#overview")
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert pane.chain_verdict is not None and pane.chain_verdict.row_id == middle
            box = app.query_one("#ov-chain")
            assert box.display and f"row {middle}" in str(box.render()) and "tampered" in str(box.render())


async def test_the_overview_shows_no_warning_when_the_chain_is_intact(edited):
    from assure.tui.app import AssureApp

    with Store.open(edited) as store:
        app = AssureApp(store, programme_id=store.programme_by_code("lcc-btls").id)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.query_one("#overview").chain_verdict.ok
            assert not app.query_one("#ov-chain").display


def test_the_chain_holds_and_catches_tampering_on_every_backend(demo_store):
    """The same chain on SQLite and PostgreSQL: intact after every kind of edit, broken at
    the very row someone changed behind the app's back."""
    store = demo_store
    programme = store.programme_by_code("lcc-btls")
    deliverable = store.deliverables(programme.id)[0]
    store.update("deliverable", deliverable.id, {"note": "first"})
    risk = store.create("risk", programme.id, {"ref": "R-T", "kind": "risk", "description": "Chain", "status": "open"})
    store.delete("risk", risk)
    store.undo()
    result = store.verify_history()
    ids = [row[0] for row in store.backend.execute("SELECT id FROM history ORDER BY id").fetchall()]
    assert result.ok and result.rows == len(ids) >= 4
    store.backend.execute("UPDATE history SET actor = 'Chief Executive' WHERE id = ?", (ids[-3],))  # autocommit
    result = store.verify_history()
    assert not result.ok and result.row_id == ids[-3] and "changed" in result.problem
