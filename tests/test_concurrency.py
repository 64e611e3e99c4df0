"""Several processes on one database file: no lost update, no silent overwrite, no damage.

Processes start together on a line written to their stdin and report on stdout, so the
tests wait on events, never on sleeps. Nothing here asserts how long anything took.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assure.models.schema import SCHEMA_VERSION
from assure.models.store import Store

pytestmark = pytest.mark.reliability

WORKER = textwrap.dedent("""
    import json, sys
    from assure.models.store import Conflict, Store, StoreBusy

    path, user, record_id, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = Store.open(path)
    store.user = user
    store.get("lesson", record_id)
    print("ready", flush=True)
    sys.stdin.readline()  # wait for "go"
    done = conflicts = busy = 0
    while wanted < 0 or done < wanted:
        current = store.get("lesson", record_id).number
        try:
            store.update("lesson", record_id, {"number": current + 1}, expected={"number": current})
        except Conflict:
            conflicts += 1
            continue
        except StoreBusy:
            busy += 1
            continue
        done += 1
        print(done, flush=True)
    print(json.dumps({"done": done, "conflicts": conflicts, "busy": busy}), flush=True)
""")


def start(path: Path, user: str, record_id: int, wanted: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path), user, str(record_id), str(wanted)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    line = process.stdout.readline()
    assert line.strip() == "ready", line + process.stderr.read()
    return process


def go(*processes: subprocess.Popen) -> None:
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()


def finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def counter(db_path) -> int:
    """A lesson whose number is used as a counter; returns its id."""
    with Store.open(db_path) as store:
        pid = store.create("programme", None, {"code": "C", "name": "Counter"})
        return store.create("lesson", pid, {"number": 0, "description": "counter"})


def update_rows(path: Path, record_id: int) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT actor, old_value, new_value FROM history WHERE kind = 'lesson' AND record_id = ?"
            " AND action = 'update' AND field = 'number' ORDER BY id", (record_id,),
        ).fetchall()
    finally:
        conn.close()


def lesson(path: Path, record_id: int) -> tuple[int, int]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT number, version FROM lesson WHERE id = ?", (record_id,)).fetchone()
    finally:
        conn.close()


def check_integrity(path: Path) -> None:
    conn = sqlite3.connect(path)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


SAVE_AFTER_READING = textwrap.dedent("""
    import sys
    from assure.models.store import Conflict, Store
    store = Store.open(sys.argv[1])
    store.user = "b"
    seen = store.get("risk", int(sys.argv[2])).likelihood
    print("read", seen, flush=True)
    sys.stdin.readline()  # meanwhile, A saves
    try:
        store.update("risk", int(sys.argv[2]), {"likelihood": 5}, expected={"likelihood": seen})
        print("saved", flush=True)
    except Conflict as conflict:
        print("conflict", conflict.field, conflict.yours, conflict.theirs, flush=True)
""")

SAVE = textwrap.dedent("""
    import sys
    from assure.models.store import Store
    store = Store.open(sys.argv[1])
    store.user = "a"
    store.update("risk", int(sys.argv[2]), {"likelihood": int(sys.argv[3])})
""")


def test_a_save_over_another_process_change_is_a_conflict(db_path):
    with Store.open(db_path) as store:
        pid = store.create("programme", None, {"code": "R", "name": "Risks"})
        risk = store.create("risk", pid, {"ref": "R1", "description": "d", "likelihood": 2})
    b = subprocess.Popen([sys.executable, "-c", SAVE_AFTER_READING, str(db_path), str(risk)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert b.stdout.readline().split() == ["read", "2"]
    subprocess.run([sys.executable, "-c", SAVE, str(db_path), str(risk), "4"], check=True, timeout=60)
    out, err = b.communicate("go\n", timeout=60)
    assert b.returncode == 0, err
    assert out.split() == ["conflict", "likelihood", "5", "4"]
    with Store.open(db_path, read_only=True) as store:
        assert store.get("risk", risk).likelihood == 4
        updates = [(row.user, row.old_value, row.new_value) for row in store.history(kind="risk") if row.action == "update"]
    assert updates == [("a", "2", "4")]


def test_no_update_is_lost_between_two_processes(db_path, counter):
    each = 50
    workers = [start(db_path, user, counter, each) for user in ("one", "two")]
    go(*workers)
    reports = [finish(worker) for worker in workers]
    assert [report["done"] for report in reports] == [each, each]
    number, version = lesson(db_path, counter)
    assert number == 2 * each
    assert version == 1 + 2 * each
    rows = update_rows(db_path, counter)
    assert len(rows) == 2 * each
    assert [(int(old), int(new)) for _, old, new in rows] == [(n, n + 1) for n in range(2 * each)]
    assert {user for user, _, _ in rows} == {"one", "two"}
    assert sum(user == "one" for user, _, _ in rows) == each
    check_integrity(db_path)


@pytest.mark.parametrize("round_", range(3))
def test_a_killed_writer_leaves_a_sound_database_with_every_change_recorded(db_path, counter, round_):
    writer = start(db_path, "killed", counter, -1)  # writes until killed
    bystander = start(db_path, "bystander", counter, 20 + round_ * 7)
    go(writer, bystander)
    target = 15 + round_ * 11
    deadline = time.monotonic() + 60  # a safety net against a hung writer, not a timing check
    while int(writer.stdout.readline() or 0) < target:
        assert time.monotonic() < deadline and writer.poll() is None, writer.stderr.read()
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=30)
    report = finish(bystander)
    writer.stdout.close(), writer.stdin.close(), writer.stderr.close()

    with Store.open(db_path) as store:  # rolls back a hot journal the killed writer left
        check_integrity(db_path)
        number, version = lesson(db_path, counter)
        rows = update_rows(db_path, counter)
        assert number == len(rows) == version - 1
        assert [(int(old), int(new)) for _, old, new in rows] == [(n, n + 1) for n in range(number)]
        assert sum(user == "bystander" for user, _, _ in rows) == report["done"]
        assert sum(user == "killed" for user, _, _ in rows) >= target
        store.update("lesson", counter, {"number": number + 1}, expected={"number": number})  # still writable
    assert lesson(db_path, counter) == (number + 1, version + 1)


FIRST_OPEN = textwrap.dedent("""
    import sys
    from assure.models.store import Store, StoreError
    print("ready", flush=True)
    sys.stdin.readline()
    try:
        with Store.open(sys.argv[1]) as store:
            print("ok", len(store.programmes()), flush=True)
    except StoreError as error:
        print("refused", error, flush=True)
""")


@pytest.mark.parametrize("round_", range(3))
def test_processes_creating_a_new_database_at_once_all_succeed(tmp_path, round_):
    path = tmp_path / "fresh.db"
    processes = [subprocess.Popen([sys.executable, "-c", FIRST_OPEN, str(path)], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    outcomes = [process.communicate("go\n", timeout=60) for process in processes]
    for (out, err), process in zip(outcomes, processes):
        assert process.returncode == 0 and "Traceback" not in err, err
        assert out.strip() == "ok 0", out
    check_integrity(path)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchall() == [(str(SCHEMA_VERSION),)]
    conn.close()
