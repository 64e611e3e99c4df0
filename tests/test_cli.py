"""The ``assure`` command as a user types it: real processes, real files.

Every error is one line on stderr naming the file and the cause, with a non-zero exit
and no traceback; nothing is written to a file we refuse.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from assure.models.kinds import KINDS
from assure.seed.loader import SEED_DIR, SEED_FILES, seed_documents
from unprivileged import run_unprivileged as run_as_user

from assure import __version__


def test_the_demo_seed_files_are_present():
    assert all((SEED_DIR / name).exists() for name in SEED_FILES)


def needs_seed(test):
    """Marks tests that load the demo data (they fail, not skip, if it is missing)."""
    return test


def assure(*args: str, env: dict | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run ``python -m assure ARGS`` in a fresh process (inheriting the test's environment)."""
    return subprocess.run(
        [sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *needles: str) -> str:
    """The error contract: non-zero, one line on stderr, no traceback, nothing on stdout."""
    assert result.returncode != 0, result
    assert "Traceback" not in result.stderr, result.stderr
    message = result.stderr.rstrip("\n")
    assert message and "\n" not in message, result.stderr
    assert message.startswith("assure: error: "), message
    for needle in needles:
        assert needle in message, (needle, message)
    assert result.stdout == ""
    return message


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def dump(target) -> list:
    """The whole database (as SQL for a SQLite file), for 'nothing changed' checks."""
    if isinstance(target, Path):
        conn = sqlite3.connect(target)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()
    from assure.models.store import Store

    with Store.open(target, read_only=True) as store:
        return [(table, store.backend.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall())
                for table in sorted(store.backend.tables())]


def counts(target) -> dict[str, int]:
    """Records per table, through a separate connection (any backend)."""
    from assure.models.store import Store

    with Store.open(target, read_only=True) as store:
        return {table: store.backend.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in [kind.table for kind in KINDS.values()]}


def expected_counts() -> dict[str, int]:
    """What the seed files hold, counted from the TOML rather than from the database."""
    documents = seed_documents()
    total = {kind.table: 0 for kind in KINDS.values()}
    total["programme"] = len(documents)
    for document in documents:
        for section, table in (("people", "person"), ("raci", "raci"), ("outcomes", "outcome"),
                               ("deliverables", "deliverable"), ("risks", "risk"), ("actions", "action"),
                               ("lessons", "lesson")):
            total[table] += len(document.get(section, []))
        total["progress"] += sum(len(outcome.get("progress", [])) for outcome in document.get("outcomes", []))
    return total


@pytest.fixture(scope="module")
def seeded_template(tmp_path_factory) -> Path:
    """The demo database, loaded once by ``assure seed`` for the tests that start from it."""
    path = tmp_path_factory.mktemp("template") / "demo.db"
    result = assure("--db", str(path), "seed")
    assert result.returncode == 0, result.stderr
    return path


@pytest.fixture
def demo_db(seeded_template, tmp_path) -> Path:
    """A private copy of the seeded demo database (not in use, so a file copy is safe)."""
    path = tmp_path / "demo.db"
    shutil.copyfile(seeded_template, path)
    return path


# -- help and version -------------------------------------------------------------------


def test_help_and_version():
    result = assure("--help")
    assert result.returncode == 0 and "Usage: assure" in result.stdout and "--db" in result.stdout
    for command in ("seed", "history", "backup"):
        assert command in result.stdout
    result = assure("seed", "--help")
    assert result.returncode == 0 and "--force" in result.stdout
    result = assure("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"assure, version {__version__}"
    assert assure("-h").stdout == assure("--help").stdout


def test_an_unknown_command_or_option_is_a_usage_error():
    result = assure("frobnicate")
    assert result.returncode == 2 and "Traceback" not in result.stderr and "No such command" in result.stderr
    result = assure("seed", "--nonsense")
    assert result.returncode == 2 and "Traceback" not in result.stderr


# -- one-line errors --------------------------------------------------------------------


def test_a_missing_folder(tmp_path):
    path = tmp_path / "no such folder" / "assure.db"
    assert_one_line_error(assure("--db", str(path), "seed"), str(path), "does not exist")
    assert_one_line_error(assure("--db", str(path), "history"), str(path), "no such database")
    assert not path.parent.exists()


def test_a_folder_given_as_the_database(tmp_path):
    for command in ("seed", "history"):
        assert_one_line_error(assure("--db", str(tmp_path), command), str(tmp_path), "is a folder")


@pytest.mark.parametrize("command", ["seed", "history"])
def test_a_corrupt_file(tmp_path, command):
    path = tmp_path / "corrupt.db"
    path.write_bytes(os.urandom(16384))
    stamp = digest(path)
    assert_one_line_error(assure("--db", str(path), command), str(path), "not a valid database")
    assert digest(path) == stamp


def test_a_damaged_assure_database(demo_db):
    """A real Assure file whose pages were overwritten: refused, never a traceback."""
    path = demo_db
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page, after the header
    path.write_bytes(bytes(data))
    for command in ("seed", "history"):
        assert_one_line_error(assure("--db", str(path), command), str(path))


@pytest.mark.parametrize("command", ["seed", "history"])
def test_a_sqlite_file_of_another_application(tmp_path, command):
    path = tmp_path / "invoices.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoice(id INTEGER PRIMARY KEY, total REAL)")
        conn.execute("INSERT INTO invoice(total) VALUES (9.99)")
    conn.close()
    stamp = digest(path)
    assert_one_line_error(assure("--db", str(path), command), str(path), "not an Assure database")
    assert digest(path) == stamp


def test_a_newer_assure_database(demo_db):
    path = demo_db
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    conn.close()
    for command in ("seed", "history"):
        assert_one_line_error(assure("--db", str(path), command), str(path), "newer", "upgrade")


@pytest.mark.parametrize("url", ["postgresql://assure:s3cret@127.0.0.1:1/assure",
                                 "postgresql+psycopg://u:s3cret@127.0.0.1:1/db", "postgres://127.0.0.1:1/db"])
def test_a_postgresql_server_that_is_down_is_one_line(url):
    for command in ("seed", "status"):
        message = assert_one_line_error(assure("--db", url, command), "127.0.0.1:1/", "cannot reach the server")
        assert "s3cret" not in message  # never echo a password


def test_an_unknown_url_scheme():
    assert_one_line_error(assure("--db", "mysql://h/db", "seed"), "unknown database URL scheme")


def run_unprivileged(*args: str) -> subprocess.CompletedProcess:
    """``assure ARGS`` as someone file permissions bind."""
    return run_as_user([sys.executable, "-m", "assure", *args])


def test_an_unreadable_file(demo_db):
    path = demo_db
    path.chmod(0o000)
    try:
        for command in ("seed", "history"):
            assert_one_line_error(run_unprivileged("--db", str(path), command), str(path), "permission denied")
    finally:
        path.chmod(0o644)


@needs_seed
def test_a_file_you_cannot_write_is_shown_but_not_changed(demo_db):
    path = demo_db
    path.chmod(0o444)
    stamp = digest(path)
    try:
        result = run_unprivileged("--db", str(path), "history")
        assert result.returncode == 0 and "load" in result.stdout, result.stderr
        result = run_unprivileged("--db", str(path), "seed", "--force")
        assert_one_line_error(result, str(path), "read-only")
    finally:
        path.chmod(0o644)
    assert digest(path) == stamp


HOLD_LOCK = textwrap.dedent("""
    import sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("BEGIN " + sys.argv[2])
    print("locked", flush=True)
    sys.stdin.read()  # hold the lock until the test closes our stdin
    conn.execute("ROLLBACK")
""")


class LockHolder:
    """Another process holding a lock on the database until closed."""

    def __init__(self, path: Path, mode: str):
        self.process = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(path), mode],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.process.stdout.readline().strip() == "locked"

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@needs_seed
@pytest.mark.parametrize(("mode", "args"), [("EXCLUSIVE", ["seed"]), ("EXCLUSIVE", ["history"]),
                                            ("IMMEDIATE", ["seed", "--force"])])
def test_a_locked_database_is_reported_busy(demo_db, mode, args):
    """EXCLUSIVE blocks even reading; IMMEDIATE (a colleague saving) blocks our write."""
    path = demo_db
    before = dump(path)
    holder = LockHolder(path, mode)
    try:
        result = assure("--db", str(path), *args, env={"ASSURE_BUSY_TIMEOUT_MS": "200"})
    finally:
        holder.close()
    assert_one_line_error(result, str(path), "busy")
    assert dump(path) == before


# -- seed -------------------------------------------------------------------------------


@needs_seed
def test_seed_loads_the_demo_programmes(db_url):
    from assure.models.db import resolve
    from assure.models.store import Store

    path = db_url
    result = assure("--db", str(path), "seed", env={"ASSURE_USER": "lead"})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    codes = [document["programme"]["code"] for document in seed_documents()]
    for code in codes:
        assert f"{code}: loaded" in result.stdout
    assert f"database: {resolve(str(path))}" in result.stdout  # a server is named without its password
    assert counts(path) == expected_counts()
    with Store.open(path, read_only=True) as store:
        stored = [row[0] for row in store.backend.execute("SELECT code FROM programme ORDER BY id")]
        loads = store.backend.execute("SELECT actor, action FROM history WHERE kind = 'programme'").fetchall()
    assert stored == codes and codes[0] == "lcc-btls"
    assert loads == [("lead", "load")] * len(codes)
    if isinstance(path, Path):
        with sqlite3.connect(path) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()


@needs_seed
def test_seed_refuses_to_clobber_without_force(demo_db):
    path = demo_db
    edit = "UPDATE deliverable SET status = 'Delayed' WHERE id = (SELECT min(id) FROM deliverable)"
    with sqlite3.connect(path) as conn:
        conn.execute(edit)
    conn.close()
    before = dump(path)
    result = assure("--db", str(path), "seed")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("already present") == len(SEED_FILES) and "--force" in result.stdout
    assert dump(path) == before


@needs_seed
def test_seed_force_replaces_each_programme_whole(demo_db):
    path = demo_db
    loaded = counts(path)
    with sqlite3.connect(path) as conn:
        conn.execute("DELETE FROM lesson")
        conn.execute("UPDATE risk SET likelihood = 1")
        ids = conn.execute("SELECT id, code FROM programme ORDER BY id").fetchall()
    conn.close()
    result = assure("--db", str(path), "seed", "--force")
    assert result.returncode == 0, result.stderr
    assert counts(path) == loaded == expected_counts()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT id, code FROM programme ORDER BY id").fetchall() == ids  # same ids
        replaced = [row[0] for row in conn.execute("SELECT action FROM history WHERE kind = 'programme' ORDER BY id")]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    assert replaced == ["load"] * len(ids) + ["replace"] * len(ids)


@needs_seed
def test_seed_force_that_fails_leaves_that_programme_untouched(demo_db):
    """One transaction per programme: a failure half way deletes nothing."""
    path = demo_db
    with sqlite3.connect(path) as conn:
        last = conn.execute("SELECT max(id) FROM programme").fetchone()[0]
        conn.execute(
            f"CREATE TRIGGER refuse BEFORE INSERT ON deliverable WHEN NEW.programme_id = {last}"
            " BEGIN SELECT RAISE(ABORT, 'refused by test'); END"
        )
    conn.close()

    def last_programme() -> list[tuple]:
        conn = sqlite3.connect(path)
        try:
            return [conn.execute(f"SELECT * FROM {kind.table} WHERE {'id' if kind.name == 'programme' else 'programme_id'} = ?",
                                 (last,)).fetchall() for kind in KINDS.values()]
        finally:
            conn.close()

    before = last_programme()
    assert all(before[:2])
    result = assure("--db", str(path), "seed", "--force")
    assert_one_line_error(result, str(path), "refused by test")
    assert last_programme() == before


@needs_seed
def test_read_only_seed_is_refused(demo_db):
    path = demo_db
    before = dump(path)
    assert_one_line_error(assure("--db", str(path), "--read-only", "seed", "--force"), str(path), "read-only")
    assert dump(path) == before


def test_the_default_data_folder_cannot_be_made(tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env = {key: value for key, value in os.environ.items() if key != "ASSURE_DB"}
    env["XDG_DATA_HOME"] = str(blocker)
    result = subprocess.run([sys.executable, "-m", "assure", "seed"], capture_output=True, text=True, timeout=60, env=env)
    assert_one_line_error(result, str(blocker), "cannot create the folder")


def test_db_is_a_global_option(tmp_path):
    path = tmp_path / "x.db"
    result = assure("seed", "--db", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "--db" in result.stderr
    assert not path.exists()


def test_assure_db_is_honoured_and_db_overrides_it(tmp_path, demo_db):
    result = assure("history", env={"ASSURE_DB": str(demo_db)})
    assert result.returncode == 0 and result.stdout, result.stderr
    missing = tmp_path / "missing.db"
    assert_one_line_error(assure("--db", str(missing), "history", env={"ASSURE_DB": str(demo_db)}), str(missing))
    assert_one_line_error(assure("history", env={"ASSURE_DB": str(missing)}), str(missing), "no such database")


def test_a_sqlite_url_is_a_file(demo_db):
    result = assure("--db", f"sqlite:///{demo_db}", "history", "-n", "1")
    assert result.returncode == 0 and result.stdout, result.stderr
    missing = demo_db.parent / "missing.db"
    assert_one_line_error(assure("--db", f"sqlite:///{missing}", "history"), str(missing), "no such database")


# -- history and backup ------------------------------------------------------------------


@needs_seed
def test_history_shows_who_changed_what(db_url):
    path = db_url
    assert assure("--db", str(path), "seed", env={"ASSURE_USER": "lead"}).returncode == 0
    code = '''
import sys
from assure.models.store import Store
with Store.open(sys.argv[1]) as store:
    store.user = "colleague"
    programme = store.programmes()[0]
    deliverable = store.deliverables(programme.id)[0]
    store.update("deliverable", deliverable.id, {"note": "checked \\x1b]0;pwned\\x07 by the board"})
'''
    subprocess.run([sys.executable, "-c", code, str(path)], check=True, timeout=60)
    before = dump(path)
    result = assure("--db", str(path), "history", "-n", "5")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "colleague" in lines[0] and "Note: " in lines[0] and "checked" in lines[0]  # the field's label
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert any("lead" in line and "load" in line for line in lines)
    every = assure("--db", str(path), "history", "--all-programmes")
    assert every.stdout.count(" load") == len(SEED_FILES)
    assert dump(path) == before  # history only reads


KILL_MID_SAVE = textwrap.dedent("""
    import os, signal, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE deliverable SET note = hex(randomblob(400))")
    os.kill(os.getpid(), signal.SIGKILL)
""")


@needs_seed
def test_history_after_a_writer_was_killed_mid_save(demo_db):
    """'history' opens read-only; the dead writer's journal must not make it fail."""
    before = dump(demo_db)
    killed = subprocess.run([sys.executable, "-c", KILL_MID_SAVE, str(demo_db)], capture_output=True, timeout=60)
    assert killed.returncode == -9
    result = assure("--db", str(demo_db), "history", "-n", "3")
    assert result.returncode == 0 and "load" in result.stdout, result.stderr
    assert dump(demo_db) == before


def test_history_of_an_empty_database(db_url):
    from assure.models.store import Store

    with Store.open(db_url) as store:
        where = str(store.location)
    assert_one_line_error(assure("--db", str(db_url), "history"), where, "no programmes")


def test_backup_of_a_postgresql_database_says_to_use_pg_dump(pg_url, tmp_path):
    from assure.models.store import Store

    Store.open(pg_url).close()
    copy = tmp_path / "copy.db"
    assert_one_line_error(assure("--db", pg_url, "backup", str(copy)), "pg_dump")
    assert not copy.exists()


def test_backup_without_a_file_name_of_a_postgresql_database_says_to_use_pg_dump(pg_url, tmp_path):
    from assure.models.store import Store

    Store.open(pg_url).close()
    assert_one_line_error(assure("--db", pg_url, "backup"), "pg_dump")


def test_backup_without_a_file_name_goes_beside_the_database_and_never_overwrites(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    path = folder / "assure.db"
    assert assure("--db", str(path), "seed").returncode == 0
    first = assure("--db", str(path), "backup", env={"TZ": "UTC"})
    expected = folder / "assure-backup-2021-04-20T0900.db"  # the frozen clock, local time
    assert first.returncode == 0, first.stderr
    assert str(expected) in first.stdout and "integrity ok" in first.stdout
    assert counts(expected) == counts(path)
    second = assure("--db", str(path), "backup", env={"TZ": "UTC"})
    assert second.returncode == 0, second.stderr
    again = folder / "assure-backup-2021-04-20T0900-2.db"
    assert str(again) in second.stdout and again.exists()
    assert counts(again) == counts(path)


def test_assure_db_may_name_a_postgresql_database(pg_url):
    assert assure("seed", env={"ASSURE_DB": pg_url}).returncode == 0
    result = assure("--programme", "lcc-btls", "status", "--fail-on", "none", env={"ASSURE_DB": pg_url})
    assert result.returncode == 0 and "LCC / BTLS Transition" in result.stdout, result.stderr
    assert counts(pg_url) == expected_counts()


@needs_seed
def test_backup_copies_a_database_in_use(tmp_path, demo_db):
    path, copy = demo_db, tmp_path / "copy.db"
    result = assure("--db", str(path), "backup", str(copy))
    assert result.returncode == 0 and "integrity ok" in result.stdout, result.stderr
    assert counts(copy) == counts(path)
    assert_one_line_error(assure("--db", str(path), "backup", str(copy)), str(copy), "already exists")


def test_history_cannot_be_signed_or_dated_from_the_environment(tmp_path):
    """ASSURE_USER and ASSURE_NOW are the test harness's, not the app's: outside the
    harness a change is recorded as the OS login, at the time of the clock."""
    import getpass
    from datetime import datetime, timezone

    path = tmp_path / "forged.db"
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(ASSURE_USER="Chief Executive", ASSURE_NOW="2019-01-01T00:00:00+00:00")
    before = datetime.now(timezone.utc).replace(microsecond=0)
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(path), "seed"],
                            capture_output=True, text=True, timeout=60, env=env)
    after = datetime.now(timezone.utc)
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT actor, at FROM history").fetchall()
    assert rows
    assert {user for user, _ in rows} == {getpass.getuser()}
    assert all(before <= datetime.fromisoformat(at) <= after for _, at in rows), rows


def test_the_store_takes_no_callers_user_or_time():
    import inspect

    from assure.models.store import Store

    assert "user" not in inspect.signature(Store.open).parameters
    assert "at" not in inspect.signature(Store.write_history).parameters
