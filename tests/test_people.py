"""People: rename a person, merge two spellings of one name; every reference moves at once.

Store tests run on SQLite and PostgreSQL (the ``store`` and ``demo_store`` fixtures); the
name matching itself is plain Python (:mod:`assure.models.people`).
"""

from __future__ import annotations

import pytest
from sessions import open_as

from assure.models.inputs import InvalidInput
from assure.models.people import describe_uses, holds_name, name_uses, replace_name
from assure.models.store import Conflict, Store

# -- whole names only ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "old", "new", "expected"), [
    ("Rachael Tanner", "Rachael Tanner", "Rachel Tanner", "Rachel Tanner"),
    ("Gabby Nelson / Paul Sutcliffe", "Paul Sutcliffe", "P Sutcliffe", "Gabby Nelson / P Sutcliffe"),
    ("Gabby Nelson/Paul Sutcliffe", "paul  sutcliffe", "P Sutcliffe", "Gabby Nelson/P Sutcliffe"),  # spacing, case
    ("Paul Sutcliffe-Jones", "Paul Sutcliffe", "P Sutcliffe", "Paul Sutcliffe-Jones"),  # a longer name is not it
    ("Sutcliffe Advisory / LCC", "LCC", "Lancashire CC", "Sutcliffe Advisory / Lancashire CC"),
    ("Rachel Tanner / Rachael Tanner", "Rachael Tanner", "Rachel Tanner", "Rachel Tanner"),  # not listed twice
    (None, "A", "B", None),
    ("", "A", "B", ""),
])
def test_replace_name_replaces_whole_names_only(value, old, new, expected):
    assert replace_name(value, old, new) == expected
    assert holds_name(value, old) is (expected != value)


def test_name_uses_counts_raci_roles_and_each_field():
    uses = name_uses(
        ["Ann", "Bob", "Cy"], ["Ann", "Ann"],
        [("deliverable", "approved_by", "Ann / Bob"), ("risk", "owner", "bob"), ("lesson", "responsible", "Dee")],
    )
    assert describe_uses(uses["Ann"]) == "2 RACI roles, approver on 1"
    assert describe_uses(uses["Bob"]) == "approver on 1, owner of 1"
    assert describe_uses(uses["Cy"]) == "not named anywhere"


# -- the store: one transaction, history per record, one undo ---------------------------


def build(store: Store) -> dict:
    """A programme naming "Rachael Tanner" in every kind of field, and one look-alike."""
    pid = store.create("programme", None, {"code": "P", "name": "People"})
    ids = {"programme": pid}
    ids["rachael"] = store.create("person", pid, {"name": "Rachael Tanner", "organisation": "LCC"})
    ids["rachel"] = store.create("person", pid, {"name": "Rachel Tanner"})
    ids["raci"] = store.create("raci", pid, {"person_id": ids["rachael"], "role": "Procurement", "letter": "R"})
    ids["deliverable"] = store.create("deliverable", pid, {"title": "Staff in place", "status": "Signed Off",
                                                           "approved_by": "Gabby Nelson / Rachael Tanner"})
    ids["other"] = store.create("deliverable", pid, {"title": "Look-alike", "status": "Signed Off",
                                                     "approved_by": "Rachael Tanners"})
    ids["risk"] = store.create("risk", pid, {"ref": "R1", "description": "Exit", "owner": "Rachael Tanner"})
    ids["action"] = store.create("action", pid, {"number": 1, "description": "Close", "owner": "rachael  tanner"})
    ids["lesson"] = store.create("lesson", pid, {"number": 1, "description": "Early",
                                                 "responsible": "Rachel Tanner / Rachael Tanner"})
    store.undo_stack.clear()
    return ids


def snapshot(store: Store, ids: dict) -> dict:
    pid = ids["programme"]
    return {
        "people": sorted((p.id, p.name, p.organisation) for p in store.people(pid)),
        "raci": [(r.id, r.person_id) for r in store.raci(pid)],
        "approved_by": [(d.id, d.approved_by) for d in store.deliverables(pid)],
        "risk": [(r.id, r.owner) for r in store.risks(pid)],
        "action": [(a.id, a.owner) for a in store.actions(pid)],
        "lesson": [(l.id, l.responsible) for l in store.lessons(pid)],
    }


def test_merge_moves_every_reference_in_one_undoable_step(store):
    ids = build(store)
    before = snapshot(store, ids)
    history_before = store.history_count(ids["programme"])
    change = store.merge_people(ids["rachael"], ids["rachel"],
                                expected_names={ids["rachael"]: "Rachael Tanner", ids["rachel"]: "Rachel Tanner"})
    pid = ids["programme"]
    assert store.get("person", ids["rachael"]) is None
    assert store.get("person", ids["rachel"]).organisation == "LCC"  # taken over: it had none
    assert store.get("raci", ids["raci"]).person_id == ids["rachel"]
    assert store.get("deliverable", ids["deliverable"]).approved_by == "Gabby Nelson / Rachel Tanner"
    assert store.get("deliverable", ids["other"]).approved_by == "Rachael Tanners"  # not a whole-name match
    assert store.get("risk", ids["risk"]).owner == "Rachel Tanner"
    assert store.get("action", ids["action"]).owner == "Rachel Tanner"
    assert store.get("lesson", ids["lesson"]).responsible == "Rachel Tanner"  # one name, not twice
    # a history row per changed field of each record, and the deleted spelling kept whole
    rows = store.history(pid)[: store.history_count(pid) - history_before]
    changed = sorted((row.kind, row.record_id, row.action, row.field) for row in rows)
    assert changed == sorted([
        ("raci", ids["raci"], "update", "person_id"),
        ("person", ids["rachel"], "update", "organisation"),
        ("deliverable", ids["deliverable"], "update", "approved_by"),
        ("risk", ids["risk"], "update", "owner"),
        ("action", ids["action"], "update", "owner"),
        ("lesson", ids["lesson"], "update", "responsible"),
        ("person", ids["rachael"], "delete", None),
    ])
    assert {row.user for row in rows} == {"tester"} and len({row.at for row in rows}) == 1  # one transaction
    assert change.describe() == "merge person 'Rachael Tanner' into 'Rachel Tanner' (5 records updated)"
    assert store.undo_stack == [change]
    # one undo takes the whole merge back, the deleted spelling with its own id
    assert store.undo() is change
    assert snapshot(store, ids) == before
    assert store.undo_stack == []
    undo_rows = store.history(pid)[:7]
    assert {(row.kind, row.action) for row in undo_rows} >= {("person", "create"), ("raci", "undo")}
    assert store.verify_history().ok


def test_rename_rewrites_every_mention_and_undoes_as_one(store):
    ids = build(store)
    before = snapshot(store, ids)
    change = store.rename_person(ids["rachael"], "  Rachael  Tanner-Smith ", expected_name="Rachael Tanner")
    assert store.get("person", ids["rachael"]).name == "Rachael Tanner-Smith"
    assert store.get("raci", ids["raci"]).person_name == "Rachael Tanner-Smith"  # by id: follows
    assert store.get("deliverable", ids["deliverable"]).approved_by == "Gabby Nelson / Rachael Tanner-Smith"
    assert store.get("action", ids["action"]).owner == "Rachael Tanner-Smith"
    assert store.get("lesson", ids["lesson"]).responsible == "Rachel Tanner / Rachael Tanner-Smith"
    assert store.get("deliverable", ids["other"]).approved_by == "Rachael Tanners"
    assert change.describe() == "rename person 'Rachael Tanner' to 'Rachael Tanner-Smith' (4 records updated)"
    store.undo()
    assert snapshot(store, ids) == before


def test_rename_to_a_name_another_person_has_is_refused(store):
    ids = build(store)
    before, count = snapshot(store, ids), store.history_count(ids["programme"])
    with pytest.raises(InvalidInput, match="merge the two spellings"):
        store.rename_person(ids["rachael"], "rachel tanner")
    with pytest.raises(InvalidInput):
        store.rename_person(ids["rachael"], "   ")
    with pytest.raises(InvalidInput, match="themselves"):
        store.merge_people(ids["rachel"], ids["rachel"])
    assert snapshot(store, ids) == before and store.history_count(ids["programme"]) == count
    assert store.undo_stack == []


def test_a_colleagues_rename_meanwhile_is_a_conflict_and_nothing_moves(store, db_url):
    ids = build(store)
    with open_as("colleague", db_url) as colleague:
        colleague.update("person", ids["rachel"], {"name": "Rachel M Tanner"})
    before = snapshot(store, ids)
    with pytest.raises(Conflict) as caught:
        store.merge_people(ids["rachael"], ids["rachel"], expected_names={ids["rachel"]: "Rachel Tanner"})
    assert caught.value.fields["name"][1:] == ("Rachel M Tanner", "Rachel Tanner")
    assert snapshot(store, ids) == before and store.undo_stack == []


def test_a_colleagues_edit_of_a_named_field_is_kept(store, db_url):
    ids = build(store)
    with open_as("colleague", db_url) as colleague:  # saved after this session last read it
        colleague.update("risk", ids["risk"], {"owner": "Rachael Tanner / Glyn Peach"})
    store.rename_person(ids["rachael"], "R Tanner")
    assert store.get("risk", ids["risk"]).owner == "R Tanner / Glyn Peach"


def test_undo_over_a_colleagues_later_edit_is_refused_whole(store, db_url):
    ids = build(store)
    change = store.merge_people(ids["rachael"], ids["rachel"])
    after = snapshot(store, ids)
    with open_as("colleague", db_url) as colleague:
        colleague.update("action", ids["action"], {"owner": "Someone Else"})
    with pytest.raises(Conflict) as caught:
        store.undo()
    assert caught.value.kind.name == "action" and caught.value.fields["owner"][1] == "Someone Else"
    after["action"] = [(ids["action"], "Someone Else")]
    assert snapshot(store, ids) == after  # nothing of the merge was taken back
    assert store.undo_stack == [change]  # still there: the user may skip it
    assert store.drop_undo(change)


def test_demo_rachel_and_rachael_tanner_merge(demo_store):
    programme = demo_store.programme_by_code("lcc-btls")
    people = {p.name: p.id for p in demo_store.people(programme.id)}
    demo_store.merge_people(people["Rachael Tanner"], people["Rachel Tanner"])
    names = [p.name for p in demo_store.people(programme.id)]
    assert "Rachael Tanner" not in names and names.count("Rachel Tanner") == 1
    procurement = [r for r in demo_store.raci(programme.id) if r.role == "Procurement"]
    assert [(r.person_name, r.letter) for r in procurement] == [("Rachel Tanner", "R")]
    approvers = [d.approved_by for d in demo_store.deliverables(programme.id) if d.approved_by]
    assert "Rachael Tanner" not in approvers and approvers.count("Rachel Tanner") == 1
    from assure.models.rules import run_rules

    assert not [f for f in run_rules(demo_store, programme.id) if "Tanner" in f.message]
