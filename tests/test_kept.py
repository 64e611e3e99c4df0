"""The kept judgement: ``assure status`` and the Overview read back what an earlier run
worked out for the same data on the same day, and judge afresh after any write."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
from datetime import date

import pytest

from assure.models import kept, rules
from assure.models.rules import run_rules
from assure.models.store import Store
from assure.models.verdict import assess
from sessions import open_as

TODAY = date(2021, 4, 20)


def assure(db_url, *args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "assure", "--db", str(db_url), *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=120,
    )


def kept_files() -> list:
    where = kept.folder()
    return sorted(where.glob("*.pickle")) if where.is_dir() else []


def printed_files() -> list:
    where = kept.folder()
    return sorted(where.glob("*.out")) if where.is_dir() else []


@pytest.fixture
def judged(demo_store):
    """The demo, written once by this release (so it has a revision), and its judgement."""
    pid = demo_store.last_programme_id()
    findings = run_rules(demo_store, pid, today=TODAY)
    return demo_store, pid, kept.Judgement(findings, assess(demo_store, pid, today=TODAY, findings=findings))


def test_every_write_gives_the_data_a_new_revision(demo_store):
    first = demo_store.revision()
    assert first is not None
    pid = demo_store.last_programme_id()
    risk = demo_store.list("risk", pid)[0]
    demo_store.update("risk", risk.id, {"owner": "Somebody Else"})
    assert demo_store.revision() not in (None, first)


def test_a_kept_judgement_is_read_back_for_the_same_data_and_day(judged):
    store, pid, judgement = judged
    found, name = kept.load(store, pid, TODAY)
    assert found is None and name is not None
    assert kept.keep(store, pid, TODAY, name, judgement)
    back, again = kept.load(store, pid, TODAY)
    assert again == name
    assert [f.as_dict() for f in back.findings] == [f.as_dict() for f in judgement.findings]
    assert back.assessment.programme.as_dict() == judgement.assessment.programme.as_dict()
    # Another day, or asked to judge afresh: nothing read back.
    assert kept.load(store, pid, date(2021, 4, 21))[0] is None
    assert kept.load(store, pid, TODAY, fresh=True)[0] is None


def test_a_colleagues_write_means_judging_afresh(judged, db_url):
    store, pid, judgement = judged
    _, name = kept.load(store, pid, TODAY)
    kept.keep(store, pid, TODAY, name, judgement)
    with open_as("alice", db_url) as colleague:
        risk = colleague.list("risk", pid)[0]
        colleague.update("risk", risk.id, {"owner": "Alice"})
    assert kept.load(store, pid, TODAY)[0] is None


def test_nothing_is_kept_when_the_data_changed_while_judging(judged, db_url):
    store, pid, judgement = judged
    _, name = kept.load(store, pid, TODAY)
    with open_as("alice", db_url) as colleague:
        risk = colleague.list("risk", pid)[0]
        colleague.update("risk", risk.id, {"owner": "Alice"})
    assert not kept.keep(store, pid, TODAY, name, judgement)
    assert kept_files() == []


def test_a_database_never_written_by_this_release_keeps_nothing(tmp_path):
    import shutil
    from pathlib import Path

    old = tmp_path / "release-1.db"
    shutil.copy(Path(__file__).parent / "fixtures" / "release-1.db", old)
    with Store.open(old) as store:  # upgraded on open (a backup beside it), but not written
        pid = store.last_programme_id() or store.programmes()[0].id
        assert store.revision() is None
        assert kept.load(store, pid, TODAY) == (None, None)


@pytest.mark.sqlite_only
def test_a_torn_or_foreign_file_is_never_used(judged, tmp_path):
    store, pid, judgement = judged
    _, name = kept.load(store, pid, TODAY)
    kept.keep(store, pid, TODAY, name, judgement)
    path = kept.folder() / name
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 2])  # torn
    assert kept.load(store, pid, TODAY)[0] is None
    # A pickle that would run code, with a good digest, in a file others may write: never unpickled.
    marker = tmp_path / "ran"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import hashlib

    payload = pickle.dumps(Evil())
    path.write_bytes(kept._MAGIC + hashlib.sha256(payload).digest() + payload)
    path.chmod(0o666)
    assert kept.load(store, pid, TODAY)[0] is None
    assert not marker.exists()
    path.chmod(0o600)
    path.parent.chmod(0o777)
    try:
        assert kept.load(store, pid, TODAY)[0] is None
        assert not marker.exists()
    finally:
        path.parent.chmod(0o700)


@pytest.mark.sqlite_only
def test_an_unwritable_cache_folder_only_costs_time(judged):
    store, pid, judgement = judged
    where = kept.folder()
    where.parent.mkdir(parents=True, exist_ok=True)
    where.write_text("not a folder")
    _, name = kept.load(store, pid, TODAY)
    assert not kept.keep(store, pid, TODAY, name, judgement)


def test_old_files_are_pruned(judged):
    store, pid, judgement = judged
    for day in range(1, kept.KEEP_AT_MOST + 4):
        on = date(2021, 5, day)
        _, name = kept.load(store, pid, on)
        assert kept.keep(store, pid, on, name, judgement)
    assert len(kept_files()) == kept.KEEP_AT_MOST


def test_status_reads_back_what_it_worked_out_and_judges_again_after_a_write(demo_store, db_url):
    pid = demo_store.last_programme_id()
    first = assure(db_url, "status", "--json")
    assert first.returncode == 2, first.stderr
    assert len(kept_files()) == 1
    (out,) = printed_files()  # and what it printed
    # The kept file is what the second run reads: replace its findings and the output shows it.
    path = kept_files()[0]
    judgement = pickle.loads(path.read_bytes()[len(kept._MAGIC) + 32:])
    judgement.findings = [f for f in judgement.findings if f.severity != "high"]
    judgement.summary = None
    payload = pickle.dumps(judgement)
    import hashlib

    path.write_bytes(kept._MAGIC + hashlib.sha256(payload).digest() + payload)
    # Printed another way (a variant not printed before): from the kept judgement.
    second = assure(db_url, "status", "--json", "--limit", "3")
    assert second.returncode == 0, second.stderr  # no high finding in what was kept
    # Printed the same way: what was printed is read back, not even the judgement.
    document = json.dumps(["Printed before\x1b[2J", 0]).encode()
    out.write_bytes(kept._MAGIC + hashlib.sha256(document).digest() + document)
    again = assure(db_url, "status", "--json")
    assert (again.returncode, again.stdout) == (0, "Printed before\ufffd[2J\n")  # still cleaned on the way out
    out.chmod(0o620)  # open to the group: never read (printed again from the kept judgement)
    assert assure(db_url, "status", "--json").stdout == second.stdout
    assert assure(db_url, "status", "--json", "--fresh").stdout == first.stdout
    # A colleague's write: judged afresh, the change is seen.
    with open_as("alice", db_url) as colleague:
        action = colleague.list("action", pid)[0]
        colleague.update("action", action.id, {"owner": None})
    third = assure(db_url, "status", "--json")
    assert third.returncode == 2
    assert third.stdout != first.stdout
    assert third.stdout == assure(db_url, "status", "--json", "--fresh").stdout


def test_status_names_at_most_twelve_records_of_a_group_unless_asked(store, db_url):
    pid = store.create("programme", None, {"code": "many", "name": "Many", "as_of": "20/04/2021"})
    out = store.create("outcome", pid, {"number": 1, "title": "Service runs", "status": "In Progress"})
    for number in range(1, 31):
        store.create("deliverable", pid, {"outcome_id": out, "title": f"Item {number:02}", "status": "In Progress"})
    text = assure(db_url, "status").stdout
    line = next(line for line in text.splitlines() if "deliverable-owner" in line)
    assert "Item 10" in line and "Item 11" not in line and line.endswith("; and 20 more")
    every = assure(db_url, "status", "--limit", "0").stdout
    line = next(line for line in every.splitlines() if "deliverable-owner" in line)
    assert "Item 30" in line and "more" not in line


async def overview_judged(app, pilot):
    """The Overview once its worker has judged (or read back) and shown its findings."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    overview = app.query_one("#overview")
    assert overview.findings_ready
    return overview


async def test_the_overview_reads_back_a_kept_judgement(judged, monkeypatch):
    from assure.tui.app import AssureApp

    store, pid, judgement = judged
    _, name = kept.load(store, pid, TODAY)
    kept.keep(store, pid, TODAY, name, judgement)

    def no_rules(*_args, **_kwargs):
        raise AssertionError("the rules ran although a judgement was kept")

    monkeypatch.setattr(rules, "run_rules", no_rules)
    app = AssureApp(store, programme_id=pid)
    async with app.run_test(size=(100, 40)) as pilot:
        overview = await overview_judged(app, pilot)
        assert len(overview.findings) == len(judgement.findings)
        assert overview.assessment.programme.rag == judgement.assessment.programme.rag


async def test_the_overview_keeps_its_judgement_for_status(demo_store, db_url):
    from assure.tui.app import AssureApp

    app = AssureApp(demo_store, programme_id=demo_store.last_programme_id())
    async with app.run_test(size=(100, 40)) as pilot:
        await overview_judged(app, pilot)
    assert len(kept_files()) == 1
    fresh = assure(db_url, "status", "--json", "--fresh").stdout
    assert assure(db_url, "status", "--json").stdout == fresh


def test_what_cannot_be_kept_is_not_kept_and_nothing_fails(judged):
    store, pid, judgement = judged
    _, name = kept.load(store, pid, TODAY)
    judgement.summary = {"not picklable": lambda: None}
    assert not kept.keep(store, pid, TODAY, name, judgement)
    assert kept_files() == []


def test_near_name_pairs_are_kept_by_the_names_themselves(monkeypatch):
    names = ("Rachel Tanner", "Rachael Tanner", "Glyn Peach", "Mike Kirby")
    monkeypatch.setattr(rules, "_NEAR_PAIRS", {})
    first = rules._near_pairs_remembered(names)
    assert first == [("Rachel Tanner", "Rachael Tanner")]
    assert len(list(kept.folder().glob("near-*.json"))) == 1
    # A new process (nothing remembered in memory) reads them back without comparing.
    monkeypatch.setattr(rules, "_NEAR_PAIRS", {})
    monkeypatch.setattr(rules, "near_pairs", lambda _names: pytest.fail("compared again"))
    assert rules._near_pairs_remembered(names) == first
    # Other names are compared afresh.
    monkeypatch.setattr(rules, "near_pairs", lambda given: [])
    assert rules._near_pairs_remembered(names + ("Someone New",)) == []
