"""The domain's small judgements (overdue, names, sign-off, next numbers): one definition
each in ``models/judgement.py``, and every place that shows them agrees with it."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st
from click.testing import CliRunner

from assure.models import board_pack
from assure.models.judgement import (
    accountable, days_overdue, default_approver, is_overdue, next_number, next_risk_ref, sign_off_changes,
    sign_off_date, signed_off_by,
    split_names,
)
from assure.models.rules import run_rules
from assure.models.store import Store
from assure.models.summary import programme_summary, summary_lines

TODAY = date(2021, 4, 20)  # the tests' ASSURE_TODAY (conftest)


# -- overdue -------------------------------------------------------------------------------


@pytest.mark.parametrize(("due_on", "status", "days"), [
    ("2021-04-19", "Open", 1),
    ("2021-04-19T23:59:00+00:00", "In Progress", 1),  # a timestamp counts by its day
    (date(2021, 4, 10), "Open", 10),
    ("2021-04-20", "Open", 0),  # due today: not yet overdue
    ("2021-04-21", "Open", 0),
    ("2021-01-01", "Done", 0),  # done (or cancelled) but past due: never overdue
    ("2021-01-01", "Cancelled", 0),
    (None, "Open", 0),  # no due date: undated, not overdue
    ("", "Open", 0),
    ("not a date", "Open", 0),
])
def test_overdue(due_on, status, days):
    assert days_overdue(due_on, status, TODAY) == days
    assert is_overdue(due_on, status, TODAY) is (days > 0)


def test_overdue_defaults_to_assure_today(monkeypatch):
    assert is_overdue("2021-04-19", "Open")
    monkeypatch.setenv("ASSURE_TODAY", "2021-04-19")
    assert not is_overdue("2021-04-19", "Open")


#: (description, status, due on): which of them are overdue on 20 Apr 2021.
CRAFTED = [
    ("Late", "Open", "19/04/2021", True),
    ("Late in progress", "In Progress", "01/03/2021", True),
    ("Due today", "Open", "20/04/2021", False),
    ("Due tomorrow", "In Progress", "21/04/2021", False),
    ("Done but past due", "Done", "01/01/2021", False),
    ("Cancelled but past due", "Cancelled", "01/01/2021", False),
    ("No due date", "Open", None, False),
]


@pytest.fixture
def crafted(db_url):
    """A programme whose actions cover each case of overdue; returns the overdue ids."""
    with Store.open(db_url) as store:
        pid = store.create("programme", None, {"code": "od", "name": "Overdue programme", "as_of": "20/04/2021"})
        overdue = set()
        for number, (description, status, due_on, late) in enumerate(CRAFTED, start=1):
            action = store.create("action", pid, {"number": number, "description": description, "owner": "X Y",
                                                  "status": status, "due_on": due_on})
            if late:
                overdue.add(action)
    return pid, overdue


def test_every_place_agrees_on_overdue(crafted, db_url):
    from assure.tui.cli import cli

    pid, overdue = crafted
    with Store.open(db_url) as store:
        actions = store.actions(pid)
        assert {a.id for a in actions if is_overdue(a.due_on, a.status, TODAY)} == overdue
        # The rules' finding.
        findings = run_rules(store, pid, today=TODAY)
        assert {f.record_id for f in findings if f.rule == "action-overdue"} == overdue
        # The summary's count, behind the Overview, the board pack and `assure status`.
        summary = programme_summary(store, pid, today=TODAY)
        assert summary["actions"]["overdue"] == len(overdue)
        assert dict(summary_lines(summary))["Open actions"] == f"5 ({len(overdue)} overdue)"
        # The board pack's marks, in Markdown and HTML.
        pack = board_pack.build(store, pid, today=TODAY)
        marked = [line for line in board_pack.render_markdown(pack).splitlines() if "(overdue)" in line]
        assert len(marked) == len(overdue)
        assert board_pack.render_html(pack).count("(overdue)") == len(overdue)
    status = CliRunner().invoke(cli, ["--db", str(db_url), "status"], catch_exceptions=False)
    assert f"({len(overdue)} overdue)" in status.output


async def test_actions_pane_and_overview_agree_on_overdue(crafted, db_url):
    from assure.tui.app import AssureApp
    from assure.tui import tones

    pid, overdue = crafted
    with Store.open(db_url) as store:
        app = AssureApp(store, programme_id=pid, poll_seconds=60)
        async with app.run_test(size=(120, 40)) as pilot:
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert app.pane("overview").summary["actions"]["overdue"] == len(overdue)
            await pilot.press("6")
            await app.workers.wait_for_complete()
            await pilot.pause()
            pane = app.pane("actions")
            assert len(pane.records) == len(CRAFTED)
            marked = {record.id for record in pane.records.values()
                      if tones.due_text(record.due_on, record.status).startswith("⚠")
                      and tones.due_tone(record.due_on, record.status) == "bad"}
            assert marked == overdue


# -- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "names"), [
    ("Glyn Peach / Paul Sutcliffe", ["Glyn Peach", "Paul Sutcliffe"]),
    ("A/B", ["A", "B"]),
    ("A / B", ["A", "B"]),
    ("A /B", ["A", "B"]),
    ("A/ B", ["A", "B"]),
    ("A  /  B / C", ["A", "B", "C"]),
    ("Glyn   Peach", ["Glyn Peach"]),  # spacing inside a name is tidied
    ("A//B", ["A", "B"]),  # an empty part is dropped
    ("/A/", ["A"]),
    (" / ", []),
    ("", []),
    (None, []),
    ("Marks & Spencer", ["Marks & Spencer"]),  # "&" and "and" do not separate
    ("Glyn Peach and Paul Sutcliffe", ["Glyn Peach and Paul Sutcliffe"]),
])
def test_split_names(value, names):
    assert split_names(value) == names


_NAME_PIECES = st.lists(st.sampled_from(["A", "b", " ", "  ", "/", "\u00a0", "\t", "é", "&"]), max_size=8).map("".join)


@given(_NAME_PIECES | st.text())
def test_split_names_quick_path_splits_as_the_rule_says(value):
    # Most values are one name already spaced, given back as they are: the same answer.
    assert split_names(value) == [" ".join(part.split()) for part in value.split("/") if part.strip()]


@given(_NAME_PIECES | st.text())
def test_a_name_spaced_for_the_rules_is_its_words_one_space_apart(value):
    from assure.models.text import single_spaced

    assert single_spaced(value) == " ".join(value.split())


async def test_saving_names_offers_each_new_person_split_as_the_rules_split(demo_store):
    """The dashboard offers to add exactly the people the rules see in a field."""
    from assure.tui.app import AssureApp
    from assure.tui.editing import ConfirmScreen

    from test_editing import edit_cell, lcc

    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await edit_cell(pilot, app, "6", "owner", "Ann Newcomer/Bob  Newcomer")
        assert isinstance(app.screen, ConfirmScreen)
        assert app.screen.question.startswith("'Ann Newcomer', 'Bob Newcomer' is not yet")
        await pilot.press("y")  # Add
        await pilot.pause()
    names = {person.name for person in demo_store.people(lcc(demo_store).id)}
    assert {"Ann Newcomer", "Bob Newcomer"} <= names
    assert not any("/" in name for name in names)


# -- signing off ---------------------------------------------------------------------------


def raci(*rows):
    return [SimpleNamespace(person_name=name, letter=letter) for name, letter in rows]


def test_accountable_is_the_one_a():
    assert accountable(raci(("Mike Kirby", "A"), ("Ann", "R"))) == "Mike Kirby"
    assert accountable(raci(("Mike Kirby", "A"), ("Ann", "A"))) is None  # two: nobody is the default
    assert accountable(raci(("Ann", "R"))) is None
    assert accountable([]) is None


def test_default_approver_is_the_accountable():
    """The source: the Accountable approves. Without exactly one, the deliverable's own approver."""
    team = raci(("Mike Kirby", "A"))
    assert default_approver(SimpleNamespace(approved_by="Glyn Peach"), team) == "Mike Kirby"
    assert default_approver(SimpleNamespace(approved_by=None), team) == "Mike Kirby"
    assert default_approver(SimpleNamespace(approved_by="Glyn Peach"), raci()) == "Glyn Peach"
    assert default_approver(SimpleNamespace(approved_by=""), raci()) == ""


def test_sign_off_changes():
    assert sign_off_changes("Mike Kirby", TODAY) == {
        "status": "Signed Off", "date": "2021-04-20", "approved_by": "Mike Kirby"}
    assert sign_off_changes("Ann")["date"] == "2021-04-20"  # the tests' today
    assert sign_off_changes("Ann", "31/03/2021")["date"] == "2021-03-31"
    with pytest.raises(ValueError) as refused:
        sign_off_changes("", "01/05/2021", today=TODAY)
    assert set(refused.value.args[0]) == {"date", "approved_by"}
    assert "in the future" in refused.value.args[0]["date"]
    with pytest.raises(ValueError):
        sign_off_changes("Ann", "31/02/2021")


def test_a_signed_off_deliverable_says_who_and_when():
    signed = SimpleNamespace(status="Signed Off", approved_by="Glyn Peach", date="2021-03-18")
    assert signed_off_by(signed).startswith("Already signed off by Glyn Peach on 18 Mar 2021")
    assert signed_off_by(SimpleNamespace(status="Post Transition", approved_by=None, date=None)) is None


def test_sign_off_date_is_the_reporting_date():
    assert sign_off_date(SimpleNamespace(as_of="2022-12-08"), TODAY) == date(2022, 12, 8)
    assert sign_off_date(SimpleNamespace(as_of=None), TODAY) == TODAY


# -- next numbers --------------------------------------------------------------------------


def test_next_number():
    assert next_number([]) == 1
    assert next_number([1, 2, 3]) == 4
    assert next_number([7, 2]) == 8  # after the highest, not the count
    assert next_number([None, 2]) == 3


@pytest.mark.parametrize(("refs", "ref"), [
    ([], "R1"),
    (["R1", "R2"], "R3"),
    (["R5"], "R6"),  # after the highest, not the count
    (["R9", "R12", "R10"], "R13"),  # numbers, not text: R12 is after R9
    (["r3", " R 4 "], "R5"),
    (["R007"], "R8"),
    (["Issue A", "R2", "RX"], "R3"),  # other refs are ignored
    (["Issue A"], "R1"),
])
def test_next_risk_ref(refs, ref):
    assert next_risk_ref(refs) == ref


async def test_adding_a_risk_proposes_the_next_ref(db_url):
    from assure.tui.app import AssureApp
    from assure.tui.editing import RecordForm

    with Store.open(db_url) as store:
        pid = store.create("programme", None, {"code": "nr", "name": "Next refs"})
        for ref in ("R5", "R12", "R9"):
            store.create("risk", pid, {"ref": ref, "description": f"Risk {ref}"})
        for number in (2, 7):
            store.create("action", pid, {"number": number, "description": f"Action {number}"})
        app = AssureApp(store, programme_id=pid, poll_seconds=60)
        async with app.run_test(size=(120, 40)) as pilot:
            for key, field, expected in (("5", "ref", "R13"), ("6", "number", "8")):
                await pilot.press(key)
                await app.workers.wait_for_complete()
                await pilot.pause()
                await pilot.press("a")
                await pilot.pause()
                assert isinstance(app.screen, RecordForm)
                assert app.screen.query_one(f"#field-{field}").value == expected
                await pilot.press("escape")
                await pilot.pause()
