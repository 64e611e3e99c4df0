"""The store against a real SQLite file: writes, history, conflicts, undo, read-only, schema.

Every write must leave the record and its history rows together (or neither), name the
user from ASSURE_USER, and never overwrite a colleague's change silently.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime
from pathlib import Path

import pytest
from sessions import open_as
from assure.models import db
from assure.models.inputs import InvalidInput
from assure.models.kinds import KINDS
from assure.models.schema import SCHEMA_VERSION
from assure.models.store import (
    Change,
    Conflict,
    InUse,
    ReadOnlyError,
    RecordGone,
    Store,
    StoreBusy,
    StoreError,
)
from unprivileged import run_unprivileged as run_as_user

# -- helpers ---------------------------------------------------------------------------


def build(store: Store) -> dict[str, int]:
    """One record of every type in a fresh programme; returns kind -> id."""
    ids = {"programme": store.create("programme", None, {"code": "P1", "name": "Programme one",
                                                          "start_date": "01/04/2020", "end_date": "2021-03-31"})}
    pid = ids["programme"]
    ids["person"] = store.create("person", pid, {"name": "Ann Smith", "organisation": "LCC"})
    ids["raci"] = store.create("raci", pid, {"person_id": ids["person"], "role": "SRO", "letter": "a"})
    ids["outcome"] = store.create("outcome", pid, {"number": 1, "title": "Services move", "status": "in progress"})
    ids["progress"] = store.create("progress", pid, {"outcome_id": ids["outcome"], "horizon": "achieved", "text": "Moved"})
    ids["deliverable"] = store.create("deliverable", pid, {"outcome_id": ids["outcome"], "title": "Plan",
                                                           "status": "signed off", "date": "31/03/2021",
                                                           "approved_by": "Ann Smith"})
    ids["risk"] = store.create("risk", pid, {"ref": "R1", "description": "Data loss", "likelihood": "3", "impact": 4,
                                             "owner": "Ann Smith", "review_on": "2021-04-30"})
    ids["action"] = store.create("action", pid, {"number": 1, "description": "Close the contract", "due_on": "30/04/2021"})
    ids["lesson"] = store.create("lesson", pid, {"number": 1, "description": "Start early"})
    ids["handover"] = store.create("handover", pid, {"source_kind": "action", "source_id": ids["action"],
                                                     "item": "Close the contract", "owner": "Ann Smith"})
    ids["verdict"] = store.create("verdict", pid, {"rating": "Amber", "reason": "Agreed at the board"})
    ids["acknowledgement"] = store.create("acknowledgement", pid, {
        "rule": "action-owner", "kind": "action", "record_id": ids["action"], "record_version": 1,
        "reason": "Owner named at the May board", "until": "31/05/2021", "actor": "tester",
        "at": "2021-04-20T09:00:00+00:00"})
    store.undo_stack.clear()
    return ids


#: kind -> (a change as a user types it, the field and the value it must store).
EDITS = {
    "programme": ({"name": "Programme renamed"}, "name", "Programme renamed"),
    "person": ({"organisation": "BwD"}, "organisation", "BwD"),
    "raci": ({"letter": "r"}, "letter", "R"),
    "outcome": ({"status": "COMPLETE"}, "status", "Complete"),
    "progress": ({"text": " Moved \x1b[2J all "}, "text", "Moved [2J all"),
    "deliverable": ({"date": "01/04/2021"}, "date", "2021-04-01"),
    "risk": ({"likelihood": 5}, "likelihood", 5),
    "action": ({"status": "done"}, "status", "Done"),
    "lesson": ({"recommendation": "Plan sooner"}, "recommendation", "Plan sooner"),
    "handover": ({"due_on": "31/07/2021"}, "due_on", "2021-07-31"),
    "verdict": ({"rating": "Amber/Red"}, "rating", "Amber/Red"),
    "acknowledgement": ({"until": "30/06/2021"}, "until", "2021-06-30"),
}


def everything(store: Store) -> dict[str, list]:
    """Every record of every type, for whole-database before/after comparisons."""
    result = {"programme": store.programmes()}
    for programme in result["programme"]:
        for kind in KINDS:
            if kind != "programme":
                result.setdefault(kind, []).extend(store.list(kind, programme.id))
    return result


def history_rows(target) -> list[tuple]:
    """Every history row, through a separate connection (any backend)."""
    with Store.open(target, read_only=True) as other:
        return other.backend.execute("SELECT * FROM history ORDER BY id").fetchall()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def without_stamp(record) -> tuple:
    """A record without its version and updated_at (which every write bumps)."""
    return tuple(value for name, value in record._asdict().items() if name not in {"version", "updated_at"})


def parse_at(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    assert at.tzinfo is not None and at.utcoffset().total_seconds() == 0, text
    return at


# -- create, list, get ------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_create_list_get_with_a_history_row(store, kind):
    ids = build(store)
    record = store.get(kind, ids[kind])
    assert record is not None and record.id == ids[kind] and record.version == 1
    listed = store.programmes() if kind == "programme" else store.list(kind, ids["programme"])
    assert record in listed
    [row] = store.history(kind=kind, record_id=ids[kind])
    assert (row.user, row.kind, row.action, row.record_id, row.field) == ("tester", kind, "create", ids[kind], None)
    assert row.programme_id == ids["programme"]
    assert row.at == record.updated_at
    parse_at(row.at)
    created = json.loads(row.new_value)
    for field in KINDS[kind].field_names:
        stored = getattr(record, field)
        assert created.get(field) == stored, field


def test_created_values_are_the_validated_ones(store):
    ids = build(store)
    pid = ids["programme"]
    assert store.get("raci", ids["raci"]).letter == "A"
    assert store.get("raci", ids["raci"]).person_name == "Ann Smith"
    assert store.get("outcome", ids["outcome"]).status == "In Progress"
    outcome = store.get("outcome", ids["outcome"])
    assert (outcome.deliverables_total, outcome.deliverables_done) == (1, 1)
    assert store.get("deliverable", ids["deliverable"]).date == "2021-03-31"
    assert store.get("deliverable", ids["deliverable"]).outcome_number == 1
    risk = store.get("risk", ids["risk"])
    assert (risk.likelihood, risk.impact, risk.score, risk.review_on) == (3, 4, 12, "2021-04-30")
    assert store.get("programme", pid).start_date == "2020-04-01"
    assert store.programme_by_code("p1").id == pid
    assert store.programme_by_code(str(pid)).id == pid
    assert store.programme_by_code("nope") is None


def test_list_is_scoped_to_a_programme(store):
    ids = build(store)
    other = store.create("programme", None, {"code": "P2", "name": "Two"})
    store.create("risk", other, {"ref": "X1", "description": "elsewhere"})
    assert [risk.ref for risk in store.risks(ids["programme"])] == ["R1"]
    assert [risk.ref for risk in store.risks(other)] == ["X1"]
    assert store.get("risk", 999) is None


def test_invalid_create_writes_nothing(store, db_url):
    ids = build(store)
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(InvalidInput) as refused:
        store.create("risk", ids["programme"], {"ref": "R2", "description": " ", "likelihood": 7})
    assert set(refused.value.errors) == {"description", "likelihood"}
    with pytest.raises(StoreError, match="already exists"):
        store.create("person", ids["programme"], {"name": "Ann Smith"})
    with pytest.raises(StoreError):
        store.create("risk", 12345, {"ref": "R9", "description": "no such programme"})
    assert everything(store) == before and history_rows(db_url) == history


def test_references_must_be_in_the_same_programme(store):
    ids = build(store)
    other = store.create("programme", None, {"code": "P2", "name": "Two"})
    with pytest.raises(InvalidInput, match="person_id"):
        store.create("raci", other, {"person_id": ids["person"], "role": "SRO", "letter": "A"})
    with pytest.raises(InvalidInput, match="outcome_id"):
        store.create("deliverable", other, {"outcome_id": ids["outcome"], "title": "Plan"})
    with pytest.raises(InvalidInput, match="outcome_id"):
        store.update("deliverable", ids["deliverable"], {"outcome_id": 999})
    assert store.get("deliverable", ids["deliverable"]).outcome_id == ids["outcome"]


# -- update ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_update_writes_the_change_and_its_history(store, db_url, kind):
    ids = build(store)
    changes, field, value = EDITS[kind]
    before = store.get(kind, ids[kind])
    change = store.update(kind, ids[kind], changes)
    after = store.get(kind, ids[kind])
    assert getattr(after, field) == value
    assert after.version == before.version + 1
    assert change.fields == {field: (getattr(before, field), value)}
    assert {name: v for name, v in after._asdict().items() if name not in {field, "version", "updated_at", "score"}} == {
        name: v for name, v in before._asdict().items() if name not in {field, "version", "updated_at", "score"}
    }
    [row] = store.history(kind=kind, record_id=ids[kind], limit=1)
    assert (row.action, row.user, row.field) == ("update", "tester", field)
    assert row.old_value == (None if getattr(before, field) is None else str(getattr(before, field)))
    assert row.new_value == str(value)
    assert row.at == after.updated_at
    parse_at(row.at)


def test_an_update_that_changes_nothing_writes_nothing(store, db_url):
    ids = build(store)
    before, history = everything(store), history_rows(db_url)
    change = store.update("risk", ids["risk"], {"likelihood": "3", "description": "  Data loss "})
    assert change.fields == {}
    assert everything(store) == before and history_rows(db_url) == history
    assert store.undo_stack == []


def test_one_history_row_per_changed_field(store):
    ids = build(store)
    store.update("risk", ids["risk"], {"likelihood": 1, "impact": "2", "owner": None, "status": "closed"})
    rows = store.history(kind="risk", record_id=ids["risk"])
    updates = {row.field: (row.old_value, row.new_value) for row in rows if row.action == "update"}
    assert updates == {"likelihood": ("3", "1"), "impact": ("4", "2"), "owner": ("Ann Smith", None),
                       "status": ("Open", "Closed")}
    assert len({row.at for row in rows if row.action == "update"}) == 1
    assert store.get("risk", ids["risk"]).version == 2


def test_the_user_comes_from_assure_user(db_url, monkeypatch):
    monkeypatch.setenv("ASSURE_USER", "jo.bloggs")
    with Store.open(db_url) as store:
        pid = store.create("programme", None, {"code": "U", "name": "User"})
        store.update("programme", pid, {"name": "User 2"})
    assert {row[3] for row in history_rows(db_url)} == {"jo.bloggs"}


def test_invalid_update_writes_nothing(store, db_url):
    ids = build(store)
    before, history = everything(store), history_rows(db_url)
    for kind, changes in [("risk", {"likelihood": 6}), ("risk", {"colour": "red"}), ("risk", {"version": 9}),
                          ("action", {"due_on": "86400"}), ("raci", {"letter": "X"}), ("lesson", {"description": ""}),
                          ("risk", {"description": "fine", "impact": 0})]:
        with pytest.raises(InvalidInput):
            store.update(kind, ids[kind], changes)
    assert everything(store) == before and history_rows(db_url) == history


def test_update_with_a_stale_expected_value_is_a_conflict_and_writes_nothing(store, db_url):
    ids = build(store)
    with open_as("colleague", db_url) as colleague:
        colleague.update("risk", ids["risk"], {"likelihood": 4})
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(Conflict) as conflict:
        store.update("risk", ids["risk"], {"likelihood": 5, "impact": 1}, expected={"likelihood": 3, "impact": 4})
    assert (conflict.value.field, conflict.value.yours, conflict.value.theirs) == ("likelihood", 5, 4)
    assert "\n" not in str(conflict.value)
    assert everything(store) == before and history_rows(db_url) == history
    # with the value now stored as expected, the save goes through
    store.update("risk", ids["risk"], {"likelihood": 5}, expected={"likelihood": 4})
    assert store.get("risk", ids["risk"]).likelihood == 5


def _colleague_edits(db_path, kind: str, record_id: int, changes: dict) -> None:
    """A colleague's session on the same file saves one change."""
    with open_as("colleague", db_path) as colleague:
        colleague.update(kind, record_id, changes)


def test_a_conflict_names_every_field_the_save_writes(store, db_path):
    """Issue 13 defect 3: a colleague changed title and note; the conflict names both, not the first only."""
    ids = build(store)
    seen = store.get("deliverable", ids["deliverable"])
    _colleague_edits(db_path, "deliverable", ids["deliverable"], {"title": "Their plan", "note": "their note"})
    before, history = everything(store), history_rows(db_path)
    with pytest.raises(Conflict) as raised:
        store.update("deliverable", ids["deliverable"], {"title": "My plan", "note": "my note", "status": "delivered"},
                     expected={"title": seen.title, "note": seen.note, "status": seen.status})
    conflict = raised.value
    assert conflict.fields == {"title": ("My plan", "Their plan", "Plan"), "note": ("my note", "their note", None)}
    assert (conflict.field, conflict.yours, conflict.theirs) == ("title", "My plan", "Their plan")  # the first
    assert str(conflict).startswith("Deliverable, Note of this deliverable were changed by someone else")
    assert "'Their plan'" in str(conflict) and "\n" not in str(conflict)
    assert everything(store) == before and history_rows(db_path) == history


def test_keeping_mine_for_one_field_and_theirs_for_another_writes_exactly_that(store, db_path):
    ids = build(store)
    seen = store.get("deliverable", ids["deliverable"])
    _colleague_edits(db_path, "deliverable", ids["deliverable"], {"title": "Their plan", "note": "their note"})
    with pytest.raises(Conflict) as raised:
        store.update("deliverable", ids["deliverable"], {"title": "My plan", "note": "my note", "status": "delivered"},
                     expected={"title": seen.title, "note": seen.note, "status": seen.status})
    fields = raised.value.fields
    history = len(history_rows(db_path))
    # mine for the title, theirs for the note; the status nobody else touched is saved as typed
    store.update("deliverable", ids["deliverable"], {"title": "My plan", "status": "delivered"},
                 expected={"title": fields["title"][1], "status": seen.status})
    now = store.get("deliverable", ids["deliverable"])
    assert (now.title, now.note, now.status) == ("My plan", "their note", "Delivered")
    rows = store.history(kind="deliverable", record_id=ids["deliverable"])[:3]
    assert sorted((r.user, r.field, r.old_value, r.new_value) for r in rows[:2]) == [
        ("tester", "status", "Signed Off", "Delivered"), ("tester", "title", "Their plan", "My plan")]
    assert len(history_rows(db_path)) == history + 2


def test_a_third_change_before_the_retry_is_caught_again(store, db_path):
    ids = build(store)
    seen = store.get("deliverable", ids["deliverable"])
    _colleague_edits(db_path, "deliverable", ids["deliverable"], {"title": "Their plan", "note": "their note"})
    with pytest.raises(Conflict) as raised:
        store.update("deliverable", ids["deliverable"], {"title": "My plan", "note": "my note"},
                     expected={"title": seen.title, "note": seen.note})
    theirs = {name: their for name, (_, their, _) in raised.value.fields.items()}
    _colleague_edits(db_path, "deliverable", ids["deliverable"], {"note": "their second note"})
    with pytest.raises(Conflict) as again:
        store.update("deliverable", ids["deliverable"], {"title": "My plan", "note": "my note"}, expected=theirs)
    assert again.value.fields == {"note": ("my note", "their second note", "their note")}
    assert store.get("deliverable", ids["deliverable"]).note == "their second note"


def test_a_colleague_saving_the_same_value_is_still_a_conflict(store, db_path):
    """The same value is not the same intent (two sessions each adding one to a count)."""
    ids = build(store)
    _colleague_edits(db_path, "risk", ids["risk"], {"likelihood": 5, "impact": 1})
    with pytest.raises(Conflict) as raised:
        store.update("risk", ids["risk"], {"likelihood": 5, "impact": 2}, expected={"likelihood": 3, "impact": 4})
    assert raised.value.fields == {"likelihood": (5, 5, 3), "impact": (2, 1, 4)}


def test_a_save_with_expectations_must_name_every_field_it_writes(store):
    ids = build(store)
    before = everything(store)
    with pytest.raises(ValueError, match="note"):
        store.update("deliverable", ids["deliverable"], {"title": "My plan", "note": "mine"}, expected={"title": "Plan"})
    assert everything(store) == before


def test_expected_matches_as_typed_or_as_stored(store):
    ids = build(store)
    store.update("deliverable", ids["deliverable"], {"status": "Delivered"},
                 expected={"date": "2021-03-31", "status": "Signed Off"})
    store.update("risk", ids["risk"], {"impact": 5}, expected={"impact": "4", "owner": "Ann Smith"})
    store.update("risk", ids["risk"], {"owner": "Bob"}, expected={"owner": "Ann Smith", "latest_update": None})
    assert store.get("risk", ids["risk"]).owner == "Bob"


def test_record_gone(store, db_url):
    ids = build(store)
    with open_as("colleague", db_url) as colleague:
        colleague.delete("lesson", ids["lesson"])
    history = history_rows(db_url)
    with pytest.raises(RecordGone):
        store.update("lesson", ids["lesson"], {"description": "too late"})
    with pytest.raises(RecordGone):
        store.delete("lesson", ids["lesson"])
    assert history_rows(db_url) == history


# -- delete ----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["raci", "progress", "deliverable", "risk", "action", "lesson"])
def test_delete_keeps_the_whole_record_in_the_history(store, kind):
    ids = build(store)
    before = store.get(kind, ids[kind])
    change = store.delete(kind, ids[kind])
    assert store.get(kind, ids[kind]) is None
    assert change.action == "delete"
    [row] = store.history(kind=kind, record_id=ids[kind], limit=1)
    assert (row.action, row.user, row.programme_id) == ("delete", "tester", ids["programme"])
    kept = json.loads(row.old_value)
    assert kept["id"] == before.id and kept["version"] == before.version
    for field in KINDS[kind].field_names:
        assert kept[field] == getattr(before, field)


@pytest.mark.parametrize(("kind", "blocker"), [("outcome", "deliverable"), ("outcome", "progress"),
                                               ("person", "raci")])
def test_delete_of_a_record_others_depend_on_is_refused(store, db_url, kind, blocker):
    ids = build(store)
    other = {"deliverable": "progress", "progress": "deliverable"}.get(blocker)
    if other:
        store.delete(other, ids[other])
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(InUse, match=blocker.replace("raci", "RACI role")):
        store.delete(kind, ids[kind])
    assert everything(store) == before and history_rows(db_url) == history
    store.delete(blocker, ids[blocker])
    store.delete(kind, ids[kind])
    assert store.get(kind, ids[kind]) is None


@pytest.mark.parametrize("child", ["person", "raci", "outcome", "progress", "deliverable", "risk", "action", "lesson",
                                   "verdict"])
def test_delete_of_a_programme_with_any_record_is_refused(store, db_url, child):
    """A cascade would remove its records with no history and no undo."""
    pid = store.create("programme", None, {"code": "C", "name": "Cascade"})
    person = store.create("person", pid, {"name": "Ann"})
    outcome = store.create("outcome", pid, {"number": 1, "title": "O"})
    data = {"person": None, "outcome": None,
            "raci": {"person_id": person, "role": "SRO", "letter": "A"},
            "progress": {"outcome_id": outcome, "horizon": "Achieved", "text": "t"},
            "deliverable": {"title": "D"}, "risk": {"ref": "R", "description": "d"},
            "action": {"number": 1, "description": "d"}, "lesson": {"number": 1, "description": "d"},
            "verdict": {"rating": "Amber", "reason": "r"}}
    if data[child] is not None:
        store.create(child, pid, data[child])
    needed = {child, *{"raci": ["person"], "progress": ["outcome"]}.get(child, [])}
    for kind, record in (("person", person), ("outcome", outcome)):
        if kind not in needed:
            store.delete(kind, record)
    assert {kind for kind in KINDS if kind != "programme" and store.list(kind, pid)} == needed
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(InUse):
        store.delete("programme", pid)
    assert everything(store) == before and history_rows(db_url) == history


def test_an_empty_programme_can_be_deleted_and_undeleted(store):
    pid = store.create("programme", None, {"code": "E", "name": "Empty", "as_of": "20/04/2021"})
    before = store.get("programme", pid)
    store.delete("programme", pid)
    assert store.programmes() == []
    [row] = store.history(kind="programme", record_id=pid, limit=1)
    assert row.action == "delete" and row.programme_id is None
    store.undo()
    assert store.get("programme", pid) == before


# -- undo ------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_undo_of_an_update_restores_the_record_and_adds_history(store, db_url, kind):
    ids = build(store)
    before = store.get(kind, ids[kind])
    store.update(kind, ids[kind], EDITS[kind][0])
    history = history_rows(db_url)
    undone = store.undo()
    assert undone.action == "update"
    after = store.get(kind, ids[kind])
    assert without_stamp(after) == without_stamp(before)
    assert after.version == before.version + 2
    now = history_rows(db_url)
    assert now[: len(history)] == history and len(now) == len(history) + 1
    assert now[-1][7:11] == ("undo", EDITS[kind][1], history[-1][10], history[-1][9])
    assert store.undo() is None


@pytest.mark.parametrize("kind", list(KINDS))
def test_undo_of_a_create_removes_it_and_adds_history(store, db_url, kind):
    ids = build(store)
    pid = ids["programme"]
    data = {
        "programme": {"code": "NEW", "name": "New"},
        "person": {"name": "New person"},
        "raci": {"person_id": ids["person"], "role": "Deputy", "letter": "C"},
        "outcome": {"number": 2, "title": "Second"},
        "progress": {"outcome_id": ids["outcome"], "horizon": "Next 6 months", "text": "More"},
        "deliverable": {"title": "Another"},
        "risk": {"ref": "R2", "description": "Another"},
        "action": {"number": 2, "description": "Another"},
        "lesson": {"number": 2, "description": "Another"},
        "handover": {"item": "Another"},
        "verdict": {"outcome_id": ids["outcome"], "rating": "Red", "reason": "Another"},
        "acknowledgement": {"rule": "risk-owner", "kind": "risk", "reason": "Known", "actor": "tester",
                            "at": "2021-04-20T09:00:00+00:00"},
    }[kind]
    before = everything(store)
    history = history_rows(db_url)
    new_id = store.create(kind, None if kind == "programme" else pid, data)
    assert store.get(kind, new_id) is not None
    store.undo()
    assert everything(store) == before
    now = history_rows(db_url)
    assert now[: len(history)] == history
    assert [row[7] for row in now[len(history):]] == ["create", "undo-create"]  # the undo marked as undo


@pytest.mark.parametrize("kind", ["raci", "progress", "deliverable", "risk", "action", "lesson"])
def test_undo_of_a_delete_restores_the_exact_record(store, db_url, kind):
    ids = build(store)
    before = everything(store)
    store.delete(kind, ids[kind])
    store.undo()
    assert everything(store) == before  # same id, same version, same updated_at
    now = history_rows(db_url)
    assert [row[7] for row in now[-2:]] == ["delete", "undo-delete"]


def test_undo_of_deletes_in_order_restores_a_whole_outcome(store):
    ids = build(store)
    before = everything(store)
    store.delete("deliverable", ids["deliverable"])
    store.delete("progress", ids["progress"])
    store.delete("outcome", ids["outcome"])
    store.undo(), store.undo(), store.undo()
    assert everything(store) == before


def test_repeated_undo_walks_back_step_by_step(store, db_url):
    ids = build(store)
    pid = ids["programme"]
    snapshots = [everything(store)]
    risk = store.create("risk", pid, {"ref": "R7", "description": "Walk"})
    snapshots.append(everything(store))
    store.update("risk", risk, {"description": "Walk back"})
    snapshots.append(everything(store))
    store.update("risk", risk, {"likelihood": 2, "impact": 2})
    snapshots.append(everything(store))
    store.update("action", ids["action"], {"status": "In Progress"})
    snapshots.append(everything(store))
    store.delete("risk", risk)
    snapshots.append(everything(store))
    history = len(history_rows(db_url))
    for expected in reversed(snapshots[:-1]):
        store.undo()
        now = everything(store)
        for kind in now:
            assert [without_stamp(r) for r in now[kind]] == [without_stamp(r) for r in expected[kind]], kind
    assert store.undo() is None
    # history only grows: 1 create + 1 + 2 + 1 updates + 1 delete were each answered by an undo row
    assert len(history_rows(db_url)) == history + 1 + 2 + 1 + 1 + 1


def test_undo_over_a_colleagues_change_is_a_conflict(store, db_url):
    ids = build(store)
    store.update("risk", ids["risk"], {"likelihood": 4})
    with open_as("colleague", db_url) as colleague:
        colleague.update("risk", ids["risk"], {"likelihood": 2})
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(Conflict) as conflict:
        store.undo()
    assert (conflict.value.field, conflict.value.theirs) == ("likelihood", 2)
    assert everything(store) == before and history_rows(db_url) == history
    assert len(store.undo_stack) == 1  # still there: the user chooses


def test_undo_after_a_conflict_restores_the_fields_chosen_and_keeps_the_rest(store, db_path):
    ids = build(store)
    store.update("deliverable", ids["deliverable"], {"title": "My plan", "note": "my note", "status": "delivered"})
    _colleague_edits(db_path, "deliverable", ids["deliverable"], {"title": "Their plan", "note": "their note"})
    with pytest.raises(Conflict) as raised:
        store.undo()
    assert raised.value.fields == {"title": ("Plan", "Their plan", "My plan"), "note": (None, "their note", "my note")}
    history = len(history_rows(db_path))
    # a third change to the note, seen by nobody, is caught when the undo would overwrite it
    _colleague_edits(db_path, "deliverable", ids["deliverable"], {"note": "their second note"})
    with pytest.raises(Conflict) as again:
        store.undo(overwrite={"title": "Their plan", "note": "their note"})
    assert list(again.value.fields) == ["note"]
    store.undo(overwrite={"title": "Their plan"}, keep={"note"})
    now = store.get("deliverable", ids["deliverable"])
    assert (now.title, now.note, now.status) == ("Plan", "their second note", "Signed Off")
    assert len(history_rows(db_path)) == history + 1 + 2  # the colleague's note, then title and status undone
    assert store.undo_stack == []


def test_keeping_every_colleague_value_on_undo_writes_nothing_and_moves_on(store, db_path):
    ids = build(store)
    store.update("risk", ids["risk"], {"impact": 1})
    store.update("risk", ids["risk"], {"likelihood": 4})
    _colleague_edits(db_path, "risk", ids["risk"], {"likelihood": 2})
    before, history = everything(store), history_rows(db_path)
    assert store.undo(keep={"likelihood"}).fields == {"likelihood": (3, 4)}
    assert everything(store) == before and history_rows(db_path) == history
    store.undo()  # the older change is next
    assert store.get("risk", ids["risk"]).impact == 4


def test_dropping_a_change_a_colleague_overwrote_lets_undo_reach_older_changes(store, db_path):
    """Issue 12 defect 4: every undo stopped at the same conflict."""
    ids = build(store)
    store.update("risk", ids["risk"], {"impact": 1})
    store.update("risk", ids["risk"], {"likelihood": 4})
    _colleague_edits(db_path, "risk", ids["risk"], {"likelihood": 2})
    with pytest.raises(Conflict):
        store.undo()
    stuck = store.undo_stack[-1]
    before, history = everything(store), history_rows(db_path)
    assert store.drop_undo(stuck) is True
    assert everything(store) == before and history_rows(db_path) == history  # nothing written
    assert store.drop_undo(stuck) is False  # only ever the last change
    store.undo()
    now = store.get("risk", ids["risk"])
    assert (now.likelihood, now.impact) == (2, 4)
    assert store.undo_stack == []


def _take_id(db_url, programme_id: int, record_id: int) -> None:
    """A colleague's risk with a given id (as a database made before ids stopped being reused has)."""
    with open_as("colleague", db_url) as colleague:
        with colleague.transaction() as conn:
            conn.execute(
                "INSERT INTO risk(id, programme_id, ref, kind, description, status, version, updated_at)"
                " VALUES (?, ?, 'C1', 'Risk', 'theirs', 'Open', 1, '2021-01-01T00:00:00+00:00')",
                (record_id, programme_id),
            )


def test_ids_are_never_reused(store):
    ids = build(store)
    first = store.create("risk", ids["programme"], {"ref": "R8", "description": "mine"})
    store.delete("risk", first)
    assert store.create("risk", ids["programme"], {"ref": "R9", "description": "next"}) > first


def test_undo_of_a_create_never_deletes_a_colleagues_record_with_the_same_id(store, db_url):
    """Should an id be taken again, undo must check it is still our record."""
    ids = build(store)
    mine = store.create("risk", ids["programme"], {"ref": "R8", "description": "mine"})
    with open_as("colleague", db_url) as colleague:
        colleague.delete("risk", mine)
    _take_id(db_url, ids["programme"], mine)
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(Conflict):
        store.undo()
    assert everything(store) == before and history_rows(db_url) == history


def test_undo_of_a_create_edited_since_by_a_colleague_is_a_conflict(store, db_url):
    ids = build(store)
    mine = store.create("lesson", ids["programme"], {"number": 5, "description": "mine"})
    with open_as("colleague", db_url) as colleague:
        colleague.update("lesson", mine, {"recommendation": "keep this"})
    with pytest.raises(Conflict):
        store.undo()
    assert store.get("lesson", mine).recommendation == "keep this"


def test_undo_of_a_delete_never_overwrites_a_record_that_took_its_id(store, db_url):
    ids = build(store)
    mine = store.create("risk", ids["programme"], {"ref": "R8", "description": "mine"})
    store.delete("risk", mine)
    _take_id(db_url, ids["programme"], mine)
    before, history = everything(store), history_rows(db_url)
    with pytest.raises(StoreError, match="used by another record"):
        store.undo()
    assert everything(store) == before and history_rows(db_url) == history
    assert store.undo_stack[-1].action == "delete"


def test_undo_of_an_update_to_a_record_deleted_since_moves_on(store, db_url):
    ids = build(store)
    store.update("action", ids["action"], {"status": "Done"})
    store.update("lesson", ids["lesson"], {"recommendation": "Write it down"})
    with open_as("colleague", db_url) as colleague:
        colleague.delete("lesson", ids["lesson"])
    history = history_rows(db_url)
    with pytest.raises(RecordGone):
        store.undo()
    assert history_rows(db_url) == history
    assert store.undo().record_id == ids["action"]  # the older change is not blocked behind it
    assert store.get("action", ids["action"]).status == "Open"


def test_undo_of_a_create_that_others_now_depend_on_is_refused(store):
    ids = build(store)
    outcome = store.create("outcome", ids["programme"], {"number": 3, "title": "Third"})
    store.create("deliverable", ids["programme"], {"outcome_id": outcome, "title": "Under it"})
    store.undo_stack.pop(-1)  # forget the deliverable's create, as if another session made it
    with pytest.raises(InUse):
        store.undo()
    assert store.get("outcome", outcome) is not None


# -- history queries -------------------------------------------------------------------


def test_history_is_newest_first_and_filters(store):
    ids = build(store)
    other = store.create("programme", None, {"code": "P2", "name": "Two"})
    store.create("lesson", other, {"number": 1, "description": "Other"})
    store.update("risk", ids["risk"], {"impact": 1})
    rows = store.history()
    assert [row.id for row in rows] == sorted((row.id for row in rows), reverse=True)
    assert {row.programme_id for row in store.history(ids["programme"])} == {ids["programme"]}
    assert len(store.history(other)) == 2
    assert [row.field for row in store.history(kind="risk", record_id=ids["risk"], limit=1)] == ["impact"]
    assert len(store.history(limit=3)) == 3


def test_last_programme_is_remembered(store):
    assert store.last_programme_id() is None
    first = store.create("programme", None, {"code": "A", "name": "A"})
    second = store.create("programme", None, {"code": "B", "name": "B"})
    assert store.last_programme_id() == first
    store.remember_programme(second)
    assert store.last_programme_id() == second
    store.undo(), store.undo()
    assert store.last_programme_id() is None


def test_data_version_moves_on_when_another_connection_commits(store, db_url):
    ids = build(store)
    seen = store.data_version()
    store.update("risk", ids["risk"], {"impact": 1})
    assert store.data_version() == seen  # our own commit does not count
    with open_as("colleague", db_url) as colleague:
        colleague.update("risk", ids["risk"], {"impact": 2})
    assert store.data_version() != seen


# -- every write is one transaction ----------------------------------------------------


def test_a_change_and_its_history_are_one_transaction(store, db_path):
    """If the history row cannot be written, the change is not written either."""
    ids = build(store)
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TRIGGER refuse BEFORE INSERT ON history BEGIN SELECT RAISE(ABORT, 'history refused'); END")
    before = everything(store)
    for attempt in (lambda: store.update("risk", ids["risk"], {"likelihood": 1}),
                    lambda: store.create("lesson", ids["programme"], {"number": 9, "description": "x"}),
                    lambda: store.delete("action", ids["action"])):
        with pytest.raises(StoreError, match="history refused"):
            attempt()
        assert not store.conn.in_transaction
    assert everything(store) == before


def test_a_full_disk_refuses_the_write_whole(store, db_path):
    ids = build(store)
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")
    written = 0
    with pytest.raises(StoreError, match="disk is full") as refused:
        for number in range(2, 500):
            store.create("lesson", ids["programme"], {"number": number, "description": "x" * 3900})
            written += 1
    assert "\n" not in str(refused.value) and str(db_path) in str(refused.value)
    assert not store.conn.in_transaction
    assert len(store.lessons(ids["programme"])) == 1 + written
    creates = [row for row in store.history(kind="lesson") if row.action == "create"]
    assert len(creates) == 1 + written
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# -- busy ------------------------------------------------------------------------------


def test_a_write_waits_then_reports_busy_naming_the_file(db_path, monkeypatch):
    monkeypatch.setenv("ASSURE_BUSY_TIMEOUT_MS", "100")
    with Store.open(db_path) as store:
        ids = build(store)
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == 100
        holder = sqlite3.connect(db_path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            before = everything(store)  # reads still work beside a writer
            with pytest.raises(StoreBusy) as busy:
                store.update("risk", ids["risk"], {"likelihood": 1})
            assert str(db_path) in str(busy.value) and "busy" in str(busy.value)
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert everything(store) == before
        store.update("risk", ids["risk"], {"likelihood": 1})


def test_busy_timeout_default_and_override(db_path, monkeypatch):
    monkeypatch.delenv("ASSURE_BUSY_TIMEOUT_MS", raising=False)
    with Store.open(db_path) as store:
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS > 0
    monkeypatch.setenv("ASSURE_BUSY_TIMEOUT_MS", "nonsense")
    with Store.open(db_path) as store:
        assert store.conn.execute("PRAGMA busy_timeout").fetchone()[0] == db.BUSY_TIMEOUT_MS


# -- read-only -------------------------------------------------------------------------


def test_a_read_only_store_refuses_every_write_and_leaves_the_file_alone(db_path):
    with Store.open(db_path) as store:
        ids = build(store)
        before = everything(store)
    stamp, mtime = digest(db_path), db_path.stat().st_mtime_ns
    with Store.open(db_path, read_only=True) as store:
        assert store.read_only
        assert everything(store) == before
        for attempt in (lambda: store.create("lesson", ids["programme"], {"number": 2, "description": "x"}),
                        lambda: store.update("risk", ids["risk"], {"likelihood": 1}),
                        lambda: store.delete("lesson", ids["lesson"]),
                        lambda: store.transaction().__enter__()):
            with pytest.raises(ReadOnlyError, match="read-only"):
                attempt()
        store.remember_programme(ids["programme"])  # a preference: silently skipped
        with pytest.raises(sqlite3.Error):
            store.conn.execute("DELETE FROM lesson")
        store.undo_stack.append(Change("update", "risk", ids["risk"], "R1", fields={"likelihood": (1, 3)}))
        with pytest.raises(ReadOnlyError):
            store.undo()
    assert digest(db_path) == stamp and db_path.stat().st_mtime_ns == mtime
    assert not list(db_path.parent.glob("*-journal")) and not list(db_path.parent.glob("*-wal"))


def test_read_only_never_creates(tmp_path):
    missing = tmp_path / "missing.db"
    with pytest.raises(StoreError, match="no such database"):
        Store.open(missing, read_only=True)
    with pytest.raises(StoreError, match="no such database"):
        Store.open(missing, create=False)
    assert not missing.exists()
    empty = tmp_path / "empty.db"
    empty.touch()
    with pytest.raises(StoreError, match="empty"):
        Store.open(empty, read_only=True)
    assert empty.read_bytes() == b""


def test_a_path_with_odd_characters_opens_read_only(tmp_path):
    path = tmp_path / "a folder #1" / "what? 50% & more.db"
    path.parent.mkdir()
    with Store.open(path) as store:
        store.create("programme", None, {"code": "Q", "name": "Odd"})
    with Store.open(path, read_only=True) as store:
        assert [p.code for p in store.programmes()] == ["Q"]
    with Store.open(f"sqlite:///{path}") as store:
        assert [p.code for p in store.programmes()] == ["Q"]


# -- file permissions, tested as an ordinary user would meet them -----------------------

PROBE = textwrap.dedent("""
    import sys
    from assure.models.store import Store, StoreError, ReadOnlyError
    try:
        store = Store.open(sys.argv[1])
    except StoreError as error:
        print("refused:", error)
        raise SystemExit(0)
    print("read_only:", store.read_only, "programmes:", len(store.programmes()))
    try:
        store.create("programme", None, {"code": "W", "name": "Write"})
        print("wrote")
    except ReadOnlyError as error:
        print("write refused:", error)
""")


def run_unprivileged(args: list[str]) -> subprocess.CompletedProcess:
    """Python with ``args``, as someone file permissions bind."""
    return run_as_user([sys.executable, *args])


@pytest.fixture
def seeded_file(db_path):
    with Store.open(db_path) as store:
        store.create("programme", None, {"code": "P", "name": "P"})
    yield db_path
    db_path.parent.chmod(0o755)
    db_path.chmod(0o644)


def test_a_file_you_cannot_write_opens_read_only(seeded_file):
    seeded_file.chmod(0o444)
    stamp = digest(seeded_file)
    result = run_unprivileged(["-c", PROBE, str(seeded_file)])
    assert result.returncode == 0, result.stderr
    assert "read_only: True programmes: 1" in result.stdout
    assert "write refused:" in result.stdout and "wrote" not in result.stdout
    assert digest(seeded_file) == stamp


def test_a_file_in_a_folder_you_cannot_write_opens_read_only(seeded_file):
    """The rollback journal needs the folder: a writable file there is still read-only."""
    seeded_file.parent.chmod(0o555)
    stamp = digest(seeded_file)
    result = run_unprivileged(["-c", PROBE, str(seeded_file)])
    assert result.returncode == 0, result.stderr
    assert "read_only: True programmes: 1" in result.stdout and "wrote" not in result.stdout
    assert digest(seeded_file) == stamp


def test_a_file_you_cannot_read_is_refused(seeded_file):
    seeded_file.chmod(0o000)
    result = run_unprivileged(["-c", PROBE, str(seeded_file)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused:") and "permission denied" in result.stdout
    assert str(seeded_file) in result.stdout


def test_as_root_os_access_is_what_decides(seeded_file):
    """Documents the root case: in-process, root may write a 0444 file, so it opens writable."""
    seeded_file.chmod(0o444)
    with Store.open(seeded_file) as store:
        assert store.read_only is (not os.access(seeded_file, os.W_OK))


KILL_MID_SAVE = textwrap.dedent("""
    import os, signal, sqlite3, sys
    conn = sqlite3.connect(sys.argv[1], isolation_level=None)
    conn.execute("PRAGMA cache_size = 1")  # spill changed pages into the file before commit
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("UPDATE lesson SET description = hex(randomblob(400))")
    os.kill(os.getpid(), signal.SIGKILL)
""")


def leave_a_hot_journal(path: Path) -> None:
    """A writer killed mid-save: the file holds half a transaction, the journal the way back."""
    result = subprocess.run([sys.executable, "-c", KILL_MID_SAVE, str(path)], capture_output=True, timeout=60)
    assert result.returncode == -9, result.stderr
    journal = path.with_name(path.name + "-journal")
    assert journal.exists() and journal.stat().st_size > 0


@pytest.fixture
def many_lessons(db_path):
    with Store.open(db_path) as store:
        pid = store.create("programme", None, {"code": "K", "name": "Killed"})
        with store.transaction() as conn:
            conn.executemany(
                "INSERT INTO lesson(programme_id, number, description, version, updated_at) VALUES (?, ?, ?, 1, '')",
                [(pid, number, f"lesson {number}") for number in range(300)],
            )
        before = everything(store)
    yield db_path, before
    db_path.chmod(0o644)


def test_read_only_recovers_after_a_killed_writer(many_lessons):
    """A read-only open of a file we may write rolls back the dead writer's half-save."""
    path, before = many_lessons
    leave_a_hot_journal(path)
    with Store.open(path, read_only=True) as store:
        assert store.read_only
        assert everything(store) == before
        with pytest.raises(ReadOnlyError):
            store.update("lesson", before["lesson"][0].id, {"description": "x"})
    assert not path.with_name(path.name + "-journal").exists()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()


def test_a_half_saved_file_you_cannot_write_says_why(many_lessons):
    path, _ = many_lessons
    leave_a_hot_journal(path)
    path.chmod(0o444)
    result = run_unprivileged(["-c", PROBE, str(path)])
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("refused:") and "interrupted" in result.stdout and str(path) in result.stdout


def test_a_refused_open_leaves_no_file_handle_behind(tmp_path):
    path = tmp_path / "foreign.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE other(x)")
    conn.close()

    def handles() -> int:
        count = 0
        for fd in os.listdir("/proc/self/fd"):
            try:
                count += os.readlink(f"/proc/self/fd/{fd}") == str(path)
            except OSError:
                pass
        return count

    if not Path("/proc/self/fd").exists():
        pytest.skip("no /proc/self/fd here")
    for _ in range(5):
        with pytest.raises(StoreError):
            Store.open(path)
    assert handles() == 0


def test_network_file_systems_are_recognised(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text(
        "/dev/sda1 / ext4 rw 0 0\n"
        "server:/home /home nfs4 rw 0 0\n"
        "//nas/team /mnt/team\\040share cifs rw 0 0\n"
        "tmpfs /home/local tmpfs rw 0 0\n"
        "server:/data /data nfs rw 0 0\n"
        "tmpfs /data tmpfs rw 0 0\n"  # mounted over the NFS one: the later mount wins
    )
    assert db.network_filesystem(Path("/home/ann/assure.db"), mounts) == "nfs4"
    assert db.network_filesystem(Path("/home2/assure.db"), mounts) is None  # whole components only
    assert db.network_filesystem(Path("/mnt/team share/assure.db"), mounts) == "cifs"
    assert db.network_filesystem(Path("/home/local/assure.db"), mounts) is None  # the deeper mount wins
    assert db.network_filesystem(Path("/data/assure.db"), mounts) is None
    assert db.network_filesystem(Path("/srv/assure.db"), mounts) is None
    assert db.network_filesystem(Path("/srv/assure.db"), tmp_path / "no such file") is None


def test_a_local_store_is_not_on_a_network_file_system(store):
    assert store.network_fs is None


# -- schema and connection settings ----------------------------------------------------


def test_schema_version_is_recorded(store):
    assert store.backend.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    tables = store.backend.tables()
    assert {kind.table for kind in KINDS.values()} | {"meta", "history"} <= tables


@pytest.mark.parametrize("read_only", [False, True])
def test_a_newer_schema_is_refused_clearly(db_path, read_only):
    Store.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    stamp = digest(db_path)
    with pytest.raises(StoreError) as refused:
        Store.open(db_path, read_only=read_only)
    message = str(refused.value)
    assert str(db_path) in message and "newer" in message and str(SCHEMA_VERSION + 1) in message
    assert "\n" not in message
    assert digest(db_path) == stamp


def test_an_older_or_missing_schema_version_is_refused(db_path):
    Store.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        conn.execute("DROP TABLE alembic_version")
        conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    with pytest.raises(StoreError, match="cannot be migrated"):
        Store.open(db_path)


def test_a_newer_schema_is_refused_on_any_backend(db_url):
    with Store.open(db_url) as store:
        store.backend.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
        where = str(store.location)
    with pytest.raises(StoreError) as refused:
        Store.open(db_url, read_only=True)
    message = str(refused.value)
    assert where in message and "newer" in message and "\n" not in message


def test_foreign_keys_are_on_and_enforced(store):
    ids = build(store)
    if store.backend.name == "sqlite":
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    with pytest.raises(store.backend.Error) as refused:
        store.backend.execute(
            "INSERT INTO raci(programme_id, person_id, role, letter, version, updated_at) VALUES (?, 999, 'x', 'A', 1, '')",
            (ids["programme"],),
        )
    assert store.backend.integrity(refused.value) == "it refers to a record that does not exist"
    with pytest.raises(StoreError, match="RACI role not saved: it refers to a record that does not exist"):
        with store.transaction():
            store.insert_record("raci", {"programme_id": ids["programme"], "person_id": 999, "role": "x",
                                         "letter": "A", "version": 1, "updated_at": ""})


def test_journal_mode_matches_wal_safety(store, db_path):
    mode = store.conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == ("wal" if db.wal_is_safe() else "delete")
    if sqlite3.sqlite_version_info < db.WAL_SAFE_VERSION:
        assert not db.wal_is_safe() and mode == "delete"
    with sqlite3.connect(db_path) as other:  # it is the file's mode, not just this connection's
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == mode
    expected_sync = 1 if mode == "wal" else 2  # NORMAL with WAL, FULL with the rollback journal
    assert store.conn.execute("PRAGMA synchronous").fetchone()[0] == expected_sync


@pytest.mark.skipif(db.wal_is_safe(), reason="this SQLite has the WAL-reset fix: WAL is allowed")
def test_a_wal_database_is_switched_back_to_the_rollback_journal(db_path):
    Store.open(db_path).close()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA journal_mode = wal").fetchone()[0] == "wal"
    with Store.open(db_path) as store:
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


@pytest.mark.skipif(db.wal_is_safe(), reason="this SQLite has the WAL-reset fix: WAL is allowed")
def test_a_wal_database_held_open_elsewhere_is_never_written(demo_store, db_path):
    """SQLite cannot leave WAL while another connection has the file open: then refuse
    every write (and say why) rather than write WAL on a library with the WAL-reset bug."""
    demo_store.close()
    other = sqlite3.connect(db_path)
    try:
        assert other.execute("PRAGMA journal_mode = wal").fetchone()[0] == "wal"
        other.execute("SELECT count(*) FROM deliverable").fetchone()  # holds the file open
        before = other.execute("SELECT count(*) FROM history").fetchone()[0]
        for read_only in (False, True):
            with Store.open(db_path, read_only=read_only) as store:
                assert store.read_only
                assert "WAL" in store.read_only_reason and sqlite3.sqlite_version in store.read_only_reason
                programme = store.programmes()[0]  # reading still works
                deliverable = store.deliverables(programme.id)[0]
                with pytest.raises(ReadOnlyError, match="WAL"):
                    store.update("deliverable", deliverable.id, {"title": "written in WAL"})
        assert other.execute("SELECT count(*) FROM history").fetchone()[0] == before
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        other.close()
    with Store.open(db_path) as store:  # alone again: switched back, and writable
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
        assert not store.read_only and store.read_only_reason is None


def test_a_database_missing_tables_is_refused(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE meta(key PRIMARY KEY, value)")
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
    with pytest.raises(StoreError, match="missing tables"):
        Store.open(db_path)


def test_a_foreign_sqlite_file_is_refused_and_left_alone(db_path):
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE invoices(id INTEGER PRIMARY KEY, total REAL)")
    stamp = digest(db_path)
    with pytest.raises(StoreError, match="not an Assure database"):
        Store.open(db_path)
    assert digest(db_path) == stamp


def test_a_corrupt_file_is_refused_and_left_alone(db_path):
    db_path.write_bytes(os.urandom(8192))
    stamp = digest(db_path)
    with pytest.raises(StoreError, match="not a valid database"):
        Store.open(db_path)
    assert digest(db_path) == stamp


@pytest.mark.parametrize(("target", "message"), [
    ("mysql://host/assure", "unknown database URL scheme"),
    ("sqlite:///:memory:", "in-memory"),
    ("sqlite://", "in-memory"),
])
def test_urls_we_cannot_open(target, message):
    with pytest.raises(StoreError, match=message):
        Store.open(target)


@pytest.mark.parametrize(("target", "server"), [
    ("postgresql+psycopg://ann:s3cret@db.example:6543/assure", "db.example:6543/assure"),
    ("postgresql://ann@db.example/assure", "db.example:5432/assure"),
    ("postgres://db.example/assure?sslmode=require", "db.example:5432/assure"),
])
def test_postgresql_urls_name_the_server_never_the_password(target, server):
    location = db.resolve(target)
    assert not location.is_sqlite and location.path is None
    assert str(location) == server and "s3cret" not in repr(location)
    assert location.url.startswith("postgresql://")  # what libpq reads


def test_sqlite_urls_resolve_to_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert db.resolve("sqlite:///rel.db").path == tmp_path / "rel.db"
    assert db.resolve(f"sqlite:///{tmp_path}/abs.db").path == tmp_path / "abs.db"
    assert db.resolve("plain.db").path == tmp_path / "plain.db"
    monkeypatch.setenv("ASSURE_DB", str(tmp_path / "env.db"))
    assert db.resolve(None).path == tmp_path / "env.db"


def test_remembering_the_same_programme_again_writes_nothing(store, db_path):
    programme = store.create("programme", None, {"code": "p", "name": "P"})
    store.remember_programme(programme)
    with open_as("colleague", db_path) as colleague:
        seen = colleague.data_version()
        store.remember_programme(programme)  # opening the same programme again
        assert colleague.data_version() == seen
        store.remember_programme(programme + 1000)
        assert colleague.data_version() != seen


def test_last_change_is_the_newest_history_row_for_one_field(store, db_url):
    """Who last changed a field and when: what the conflict screen tells the user."""
    from sessions import open_as

    programme_id = store.create("programme", None, {"code": "lc", "name": "Last change"})
    record_id = store.create("deliverable", programme_id, {"title": "Plan"})
    assert store.last_change("deliverable", record_id, "note") is None
    store.update("deliverable", record_id, {"note": "first"})
    with open_as("colleague", db_url) as other:
        other.update("deliverable", record_id, {"note": "second", "title": "Plan B"})
    row = store.last_change("deliverable", record_id, "note")
    assert (row.user, row.field, row.old_value, row.new_value) == ("colleague", "note", "first", "second")
    assert row.at == "2021-04-20T09:00:00+00:00"  # the frozen clock
    assert store.last_change("deliverable", record_id + 1000, "note") is None
    assert store.last_change("risk", record_id, "note") is None


# -- reads handed over whole ----------------------------------------------------------------

#: Text a register may hold that JSON must carry exactly: quotes, escapes, controls, bidi,
#: line separators, astral characters and an empty string.
AWKWARD_TITLES = ['He said "no"', "back\\slash", "tab\there", "line\nbreak", "\x1b[31mred\x1b[0m",
                  "\u202eevil", "para\u2028sep", "emoji \U0001f600", "", "caf\u00e9 \u00c5"]


def test_a_read_handed_over_whole_is_the_read_row_by_row(store):
    """The deliverable rules' facts come back in one step on SQLite (a JSON array): the same
    rows, in the same order, with the same text, integers and NULLs as a row-by-row read."""
    from assure.models.backend import Backend
    from assure.models.kinds import kind_of

    pid = store.create("programme", None, {"code": "P1", "name": "Programme one"})
    outcome = store.create("outcome", pid, {"number": 1, "title": "Services move", "status": "in progress"})
    for index, title in enumerate(AWKWARD_TITLES):
        record = store.create("deliverable", pid, {"outcome_id": outcome if index % 2 else None, "title": "Plan"})
        with store.transaction() as backend:  # as another tool could have written it (the store cleans input)
            backend.execute("UPDATE deliverable SET title = ?, note = ?, approved_by = ? WHERE id = ?",
                            (title, title or None, title if index % 3 else None, record))
    kind = kind_of("deliverable")
    statements = [(f"{kind.select} WHERE deliverable.programme_id = ? ORDER BY deliverable.id DESC", (pid,),
                   len(kind.record._fields)),
                  ("SELECT status, count(*), min(id) FROM deliverable WHERE programme_id = ? GROUP BY status", (pid,), 3),
                  ("SELECT id FROM deliverable WHERE programme_id = ? AND id < 0", (pid,), 1)]
    before = store.backend.round_trips
    whole = store.backend.read_many_whole(statements)
    if store.location.is_sqlite:
        assert store.backend.round_trips - before == len(statements)  # each in one step, none read again
    by_row = Backend.read_many_whole(store.backend, statements)
    assert [[tuple(row) for row in rows] for rows in by_row] == whole
    assert len(whole[0]) == len(AWKWARD_TITLES) and whole[0][0][0] > whole[0][-1][0]  # the order kept
    assert {row[4] for row in whole[0]} == set(AWKWARD_TITLES)
    assert whole[2] == []


@pytest.mark.sqlite_only
def test_what_json_cannot_carry_is_read_row_by_row(store):
    """A BLOB written into a text column by some other tool is read as it is, not refused."""
    from assure.models.kinds import kind_of

    pid = store.create("programme", None, {"code": "P1", "name": "Programme one"})
    record = store.create("deliverable", pid, {"title": "Plan"})
    with store.transaction() as backend:
        backend.execute("UPDATE deliverable SET note = ? WHERE id = ?", (b"\x00\xff", record))
    kind = kind_of("deliverable")
    statement = (f"{kind.select} WHERE deliverable.id = ?", (record,), len(kind.record._fields))
    before = store.backend.round_trips
    (rows,) = store.backend.read_many_whole([statement])
    assert store.backend.round_trips - before == 2  # tried whole, then row by row
    assert rows[0][8] == b"\x00\xff" and rows[0][4] == "Plan"


def test_a_large_register_is_read_in_batches_holding_the_least(demo_store):
    """A whole register read as large (the dashboard's full load of thousands of rows) is the
    same records in the same order; on PostgreSQL through a server-side cursor, a batch per
    round trip, after which the connection serves every other read."""
    from assure.models.kinds import kind_of

    pid = demo_store.programme_by_code("lcc-btls").id
    for kind in ("deliverable", "risk", "action"):
        assert demo_store.list(kind, pid, large=True) == demo_store.list(kind, pid)
    kind = kind_of("deliverable")
    sql = f"{kind.select} WHERE deliverable.programme_id = ? ORDER BY deliverable.id"
    every = demo_store.backend.execute(sql, (pid,)).fetchall()
    batches = list(demo_store.backend.batches(sql, (pid,), 7, large=True))
    assert len(batches) == -(-len(every) // 7) and all(len(batch) == 7 for batch in batches[:-1])
    assert [tuple(row) for batch in batches for row in batch] == [tuple(row) for row in every]
    with demo_store.reader() as reader:
        assert reader.list("deliverable", pid, large=True) == demo_store.list("deliverable", pid)
        assert reader.vocabulary_figures(pid) == demo_store.vocabulary_figures(pid)  # several at once
        first = next(reader.backend.batches(sql, (pid,), 5, large=True))  # left part read
        assert len(first) == 5
        assert reader.count("deliverable", pid) == len(every)


# -- what the rules read --------------------------------------------------------------------


def _awkward_registers(store) -> int:
    """A programme whose registers hold awkward text, repeated and blank names, and every status."""
    pid = store.create("programme", None, {"code": "P1", "name": "Programme one"})
    later = store.create("outcome", pid, {"number": 2, "title": "Later", "status": "in progress"})
    first = store.create("outcome", pid, {"number": 1, "title": "First", "status": "in progress"})
    owners = ["Ann Lee", "", None, "Ann Lee / Bo Ray", "Bo Ray", *AWKWARD_TITLES]
    for index, text in enumerate(AWKWARD_TITLES * 2):
        owner = owners[index % len(owners)]
        store.create("deliverable", pid, {"outcome_id": (later, first, None)[index % 3], "title": f"Plan {index}",
                                          "status": ("Not Started", "Signed Off", "In Progress")[index % 3]})
        store.create("risk", pid, {"ref": f"R{index}", "description": "Risk", "status": ("Open", "Monitoring", "Closed")[index % 3],
                                   "likelihood": index % 5 + 1, "impact": (index * 3) % 5 + 1})
        store.create("action", pid, {"number": index % 4, "kind": ("Next step", "Close-out recommendation")[index % 2],
                                     "description": "Do", "status": ("Open", "In Progress", "Done", "Cancelled")[index % 4]})
        store.create("lesson", pid, {"number": index, "description": "Learnt"})
        with store.transaction() as backend:  # as another tool could have written them (the store cleans input)
            backend.execute("UPDATE deliverable SET title = ?, approved_by = ? WHERE programme_id = ? AND title = ?",
                            (text or "x", owner, pid, f"Plan {index}"))
            backend.execute("UPDATE risk SET description = ?, owner = ? WHERE programme_id = ? AND ref = ?",
                            (text, owner, pid, f"R{index}"))
            backend.execute("UPDATE action SET description = ?, owner = ? WHERE programme_id = ? AND id = "
                            "(SELECT max(id) FROM action WHERE programme_id = ?)", (text, owner, pid, pid))
            backend.execute("UPDATE lesson SET responsible = ? WHERE programme_id = ? AND number = ?", (owner, pid, index))
    return pid


def _named(records, column: str) -> list[tuple]:
    """(value, count, first id) per distinct value, by first id: what the store groups."""
    seen: dict = {}
    for record in sorted(records, key=lambda record: record.id):
        count, first = seen.get(getattr(record, column), (0, record.id))
        seen[getattr(record, column)] = (count + 1, first)
    return [(value, count, first) for value, (count, first) in seen.items()]


def test_the_registers_the_rules_read_are_the_open_records_and_who_is_named(store):
    """``register_facts`` gives the open risks and actions (the projection's fields of each
    whole record, in the register's order), every outcome, and every distinct name with its count and first
    record: what the rules read, instead of three whole registers."""
    from assure.models import vocab
    from assure.models.store import OpenAction, OpenRisk, OutcomeHeading

    pid = _awkward_registers(store)
    facts = store.register_facts(pid)
    for name, kind, projection, open_statuses in (("risks", "risk", OpenRisk, vocab.RISK_OPEN),
                                                  ("actions", "action", OpenAction, vocab.ACTION_OPEN)):
        expected = [projection(*(getattr(record, field) for field in projection._fields))
                    for record in store.list(kind, pid) if record.status in open_statuses]
        assert facts[name] == expected and 0 < len(expected) < len(store.list(kind, pid))
    assert facts["outcomes"] == [OutcomeHeading(*(getattr(record, field) for field in OutcomeHeading._fields))
                                 for record in store.list("outcome", pid)] and facts["outcomes"]
    for kind, column in (("risk", "owner"), ("action", "owner"), ("lesson", "responsible")):
        assert [tuple(row) for row in facts["named"][kind]] == _named(store.list(kind, pid), column)
    assert {row[0] for row in facts["named"]["risk"]} >= set(AWKWARD_TITLES) - {""}


def test_deliverable_facts_read_in_parts_are_the_facts_read_at_once(store):
    """Each part of ``deliverable_facts`` read alone (as the rules read them, on connections
    of their own at once) is that part of the whole; the flagged rows are in the register's
    order (outcome number, no outcome last, then id), however the outcomes were made."""
    from assure.models.store import DELIVERABLE_FACTS

    pid = _awkward_registers(store)
    dates = {"on": "2021-04-20", "today": "2021-04-20", "start": None, "end": None}
    whole = store.deliverable_facts(pid, **dates)
    assert set(whole) == {"flagged", "duplicates", "named", "signed_by", "by_outcome"}
    for part in DELIVERABLE_FACTS:
        alone = store.deliverable_facts(pid, **dates, parts=(part,))
        names = ("named", "signed_by") if part == "approvers" else (part,)
        assert set(alone) == set(names) and all(alone[name] == whole[name] for name in names)
    listed = [record.id for record in store.list("deliverable", pid)]
    flagged = [row.id for row in whole["flagged"]]
    assert flagged and flagged == [record_id for record_id in listed if record_id in set(flagged)]
    assert [row.outcome_number for row in whole["flagged"]][:1] == [1]  # outcome 1, made after outcome 2, first
    with pytest.raises(KeyError):
        store.deliverable_facts(pid, **dates, parts=("everything",))
