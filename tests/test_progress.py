"""Issue 12, power users: long work shows progress on a terminal, and nothing extra when piped.

Each command runs as a user types it: once with its output piped (what a script sees:
the same lines as ever, nothing on stderr) and once in a pseudo-terminal (what a person
sees: a Rich progress bar, gone when the work ends, then the usual line).
"""

from __future__ import annotations

import csv
import os
import pty
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from assure.models.store import Store

RELEASE_1 = Path(__file__).parent / "fixtures" / "release-1.db"


def assure_piped(*args):
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=300)


def assure_in_terminal(*args) -> tuple[int, str]:
    """Run in a pseudo-terminal (stdout and stderr both a TTY); return the status and all it wrote."""
    master, slave = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100"}
    process = subprocess.Popen([sys.executable, "-m", "assure", *args], stdin=slave, stdout=slave, stderr=slave,
                               env=env, close_fds=True)
    os.close(slave)
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # the other end closed
                    break
                if not data:
                    break
                chunks.append(data)
            elif process.poll() is not None:
                break
        process.wait(timeout=300)
    finally:
        os.close(master)
    return process.returncode, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def db(db_path):
    with Store.open(db_path) as store:
        pid = store.create("programme", None, {"code": "big", "name": "Big"})
        store.create("outcome", pid, {"number": 1, "title": "Outcome 1"})
    return db_path


def big_csv(path: Path, rows: int = 3000) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["outcome", "title", "status"])
        writer.writerows([1, f"{path.stem} deliverable {n}", "In Progress"] for n in range(rows))
    return path


def test_piped_commands_print_nothing_extra(db, tmp_path):
    result = assure_piped("--db", str(db), "import", str(big_csv(tmp_path / "piped.csv")))
    assert (result.returncode, result.stdout, result.stderr) == (
        0, "imported 3000 deliverables into big from piped.csv\n", "")
    result = assure_piped("--db", str(db), "export", "-f", "csv", "-o", str(tmp_path / "pack"))
    assert (result.returncode, result.stdout, result.stderr) == (0, f"wrote 8 CSV files for big to {tmp_path / 'pack'}, recorded as board #1\n", "")
    result = assure_piped("--db", str(db), "backup", str(tmp_path / "copy.db"))
    assert (result.returncode, result.stderr) == (0, "") and result.stdout.count("\n") == 1
    old = tmp_path / "old.db"
    shutil.copy(RELEASE_1, old)
    result = assure_piped("--db", str(old), "upgrade")
    assert (result.returncode, result.stderr) == (0, "") and result.stdout.count("\n") == 1


def test_a_terminal_sees_a_progress_bar_for_each_long_command(db, tmp_path):
    status, shown = assure_in_terminal("--db", str(db), "import", str(big_csv(tmp_path / "tty.csv")))
    assert status == 0, shown
    assert "Checking rows" in shown and "Adding rows" in shown and "━" in shown and "3000/3000" in shown
    assert shown.rstrip().endswith("imported 3000 deliverables into big from tty.csv")  # after the bar is gone

    status, shown = assure_in_terminal("--db", str(db), "export", "-f", "csv", "-o", str(tmp_path / "pack"))
    assert status == 0 and "Writing deliverables.csv" in shown and "━" in shown, shown

    status, shown = assure_in_terminal("--db", str(db), "backup", str(tmp_path / "copy.db"))
    assert status == 0 and "Backing up" in shown and "Checking the copy" in shown, shown

    old = tmp_path / "old.db"
    shutil.copy(RELEASE_1, old)
    status, shown = assure_in_terminal("--db", str(old), "upgrade")
    assert status == 0 and "Backing up before the upgrade" in shown and "Upgrading" in shown, shown


def test_a_dumb_terminal_gets_no_bar(db, tmp_path):
    env = os.environ.get("TERM")
    os.environ["TERM"] = "dumb"
    try:
        master, slave = pty.openpty()
        process = subprocess.run([sys.executable, "-m", "assure", "--db", str(db), "import",
                                  str(big_csv(tmp_path / "dumb.csv", rows=50))],
                                 stdin=slave, stdout=slave, stderr=slave, timeout=120)
        os.close(slave)
        output = b""
        while select.select([master], [], [], 0.2)[0]:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            output += data
        os.close(master)
    finally:
        if env is None:
            del os.environ["TERM"]
        else:
            os.environ["TERM"] = env
    assert process.returncode == 0
    assert output.decode() == "imported 50 deliverables into big from dumb.csv\r\n"
