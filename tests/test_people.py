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

    assert not [f for f in run_rules(demo_store, programme.id) if f.rule == "person-near-match" and "Tanner" in f.message]


# -- the dashboard: the People screen and the programme's own record ------------------

from assure.tui.app import AssureApp  # noqa: E402
from assure.tui.editing import ConfirmScreen, ConflictScreen, RecordForm, RecordView  # noqa: E402
from assure.tui.people import MergeTargetPicker, PeopleScreen  # noqa: E402


def lcc_app(store, **options) -> AssureApp:
    return AssureApp(store, programme_id=store.programme_by_code("lcc-btls").id, poll_seconds=3600, **options)


async def highlight(pilot, screen: PeopleScreen, name: str) -> None:
    from textual.widgets import OptionList

    index = [person.name for person, _ in screen.rows].index(name)
    screen.query_one(OptionList).highlighted = index
    await pilot.pause()


async def test_people_screen_merges_the_two_tanners_and_u_undoes(demo_store):
    app = lcc_app(demo_store)
    pid = app.programme_id
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2", "P")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        uses = {person.name: used for person, used in screen.rows}
        assert uses["Rachael Tanner"] == {"RACI role": 1} and uses["Rachel Tanner"] == {"Approved by": 1}
        await highlight(pilot, screen, "Rachael Tanner")
        await pilot.press("m")
        await pilot.pause()
        assert isinstance(app.screen, MergeTargetPicker)
        assert app.screen.candidates[0].name == "Rachel Tanner"  # the near match first
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await pilot.pause()
        assert app.screen is screen
        assert [p.name for p, _ in screen.rows].count("Rachael Tanner") == 0
        raci = app.pane("raci")
        assert "Rachel Tanner" in [record.person_name for record in raci.records.values()]  # the pane behind too
        assert "Rachael Tanner" not in [p.name for p in demo_store.people(pid)]
        await pilot.press("u")
        await pilot.pause()
        assert "Rachael Tanner" in [p.name for p, _ in screen.rows]
    assert [r.person_name for r in demo_store.raci(pid) if r.role == "Procurement"] == ["Rachael Tanner"]


async def test_people_screen_renames_every_mention(demo_store):
    app = lcc_app(demo_store)
    pid = app.programme_id
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_people()
        await pilot.pause()
        await highlight(pilot, app.screen, "Paul Sutcliffe")
        await pilot.press("r")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#field-name").value = "Glyn Peach"  # someone else's name: refused beside the field
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "merge the two spellings" in str(form.query_one("#error-name").render())
        form.query_one("#field-name").value = "P Sutcliffe"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, PeopleScreen)
    approvers = [d.approved_by for d in demo_store.deliverables(pid) if d.approved_by and "Sutcliffe" in d.approved_by]
    assert sorted(set(approvers)) == ["Gabby Nelson / P Sutcliffe", "P Sutcliffe"] and len(approvers) == 12


async def test_overview_E_edits_the_programme_and_u_undoes(demo_store):
    app = lcc_app(demo_store)
    pid = app.programme_id
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("E")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, RecordForm)
        form.query_one("#field-as_of").value = "30/04/2021"
        form.query_one("#field-organisation").value = "LCC"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not isinstance(app.screen, RecordForm)
        assert "as of 30 Apr 2021" in str(app.query_one("#programme-bar").render())
        programme = demo_store.get("programme", pid)
        assert (programme.as_of, programme.organisation) == ("2021-04-30", "LCC")
        rows = demo_store.history(pid, kind="programme", record_id=pid)[:2]
        assert {(row.field, row.new_value) for row in rows} == {("as_of", "2021-04-30"), ("organisation", "LCC")}
        await pilot.press("u")
        await pilot.pause()
        assert "as of 20 Apr 2021" in str(app.query_one("#programme-bar").render())
    programme = demo_store.get("programme", pid)
    assert (programme.as_of, programme.organisation) == ("2021-04-20", "Lancashire County Council")


async def test_programme_edit_over_a_colleagues_change_asks(demo_store, db_url):
    app = lcc_app(demo_store)
    pid = app.programme_id
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("E")
        await pilot.pause()
        with open_as("colleague", db_url) as colleague:
            colleague.update("programme", pid, {"name": "LCC / BTLS (closed)"})
        app.screen.query_one("#field-name").value = "LCC / BTLS Transition"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen)
        await pilot.press("t")  # keep theirs
        await pilot.pause()
    assert demo_store.get("programme", pid).name == "LCC / BTLS (closed)"


async def test_bad_programme_date_is_refused_beside_the_field(demo_store):
    app = lcc_app(demo_store)
    pid = app.programme_id
    before = demo_store.history_count(pid)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("E")
        await pilot.pause()
        app.screen.query_one("#field-as_of").value = "31/02/2021"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        assert "not a real date" in str(app.screen.query_one("#error-as_of").render())
    assert demo_store.history_count(pid) == before


async def test_read_only_shows_the_programme_and_people_but_changes_nothing(demo_store, db_url):
    from assure.models.store import Store

    with Store.open(db_url, read_only=True) as reader:
        app = lcc_app(reader)
        async with app.run_test(size=(80, 24)) as pilot:
            titles = [command.title for command in app.get_system_commands(app.screen)]
            assert "Show programme" in titles and "Edit programme" not in titles
            await pilot.press("E")
            await pilot.pause()
            assert isinstance(app.screen, RecordView)
            await pilot.press("escape", "2", "P")
            await pilot.pause()
            assert isinstance(app.screen, PeopleScreen)
            await pilot.press("r", "m")
            await pilot.pause()
            assert isinstance(app.screen, PeopleScreen)  # neither offered


async def test_palette_and_help_offer_programme_and_people(demo_store):
    app = lcc_app(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Edit programme" in titles and "People: rename or merge" in titles
        overview = dict(row for _, rows in app.help_sections() for row in rows)
        assert overview["E"].startswith("Edit the programme")
        await pilot.press("2")
        await pilot.pause()
        raci = dict(row for _, rows in app.help_sections() for row in rows)
        assert raci["P"].startswith("People")


# -- the command line, as a user types it ------------------------------------------------


def run_cli(*args: str):
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=120,
                          env=dict(os.environ))


def test_cli_people_merge_rename_and_list(demo_store, db_url):
    pid = demo_store.programme_by_code("lcc-btls").id
    result = run_cli("--db", db_url, "-p", "lcc-btls", "people", "merge", "Rachael Tanner", "Rachel Tanner")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "merge person 'Rachael Tanner' into 'Rachel Tanner' (1 record updated)"
    assert [p.name for p in demo_store.people(pid)].count("Rachael Tanner") == 0
    history = demo_store.history(pid, limit=2)
    assert {(row.kind, row.action, row.user) for row in history} == {("person", "delete", "tester"),
                                                                     ("raci", "update", "tester")}
    again = run_cli("--db", db_url, "-p", "lcc-btls", "people", "merge", "Rachael Tanner", "Rachel Tanner")
    assert again.returncode == 1 and again.stdout == ""
    assert again.stderr.count("\n") == 1 and "no person 'Rachael Tanner'" in again.stderr
    taken = run_cli("--db", db_url, "-p", "lcc-btls", "people", "rename", "glyn peach", "Paul  Sutcliffe")
    assert taken.returncode == 1 and "merge the two spellings" in taken.stderr and "Traceback" not in taken.stderr
    renamed = run_cli("--db", db_url, "-p", "lcc-btls", "people", "rename", "Paul Sutcliffe", "P Sutcliffe")
    assert renamed.returncode == 0 and "(12 records updated)" in renamed.stdout, renamed.stderr
    listed = run_cli("--db", db_url, "-p", "lcc-btls", "people", "list")
    assert "P Sutcliffe: approver on 12" in listed.stdout.splitlines()
    assert "Rachel Tanner: 1 RACI role, approver on 1" in listed.stdout.splitlines()


def test_cli_people_read_only_changes_nothing(demo_store, db_url):
    pid = demo_store.programme_by_code("lcc-btls").id
    before = demo_store.history_count(pid)
    result = run_cli("--db", db_url, "--read-only", "-p", "lcc-btls", "people", "merge", "Rachael Tanner",
                     "Rachel Tanner")
    assert result.returncode == 1 and "read-only" in result.stderr and "Traceback" not in result.stderr
    assert demo_store.history_count(pid) == before


async def test_people_screen_shows_hostile_names_as_text(store):
    pid = store.create("programme", None, {"code": "H", "name": "Hostile"})
    store.create("person", pid, {"name": "Ops [/bold] lead [link=x]y"})
    store.create("person", pid, {"name": "Ops [bold] lead"})
    app = AssureApp(store, programme_id=pid, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        app.action_people()
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PeopleScreen)
        await highlight(pilot, screen, "Ops [/bold] lead [link=x]y")
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        assert "Ops [bold] lead" in str(app.screen.query_one("Static").render())  # the question, literally
        await pilot.press("y")
        await pilot.pause()
    assert [p.name for p in store.people(pid)] == ["Ops [bold] lead"]


async def test_undo_of_a_merge_a_colleague_has_since_edited_asks_and_can_skip(demo_store, db_url):
    app = lcc_app(demo_store)
    pid = app.programme_id
    people = {p.name: p.id for p in demo_store.people(pid)}
    async with app.run_test(size=(80, 24)) as pilot:
        change = demo_store.merge_people(people["Rachael Tanner"], people["Rachel Tanner"])
        raci = next(r for r in demo_store.raci(pid) if r.role == "Procurement")
        with open_as("colleague", db_url) as colleague:
            colleague.update("raci", raci.id, {"note": "Confirmed by email"})
            colleague.update("raci", raci.id, {"person_id": people["Glyn Peach"]})
        await pilot.press("u")
        await pilot.pause()
        assert isinstance(app.screen, ConflictScreen) and not app.screen.choices  # only skipping is offered
        await pilot.press("k")
        await pilot.pause()
        assert change not in demo_store.undo_stack
    assert "Rachael Tanner" not in [p.name for p in demo_store.people(pid)]  # nothing was half undone
    assert demo_store.get("raci", raci.id).person_id == people["Glyn Peach"]
