"""Closure readiness, the handover register and the sign-off burn-up: the store, the CLI as
typed, and the dashboard through Pilot, on both databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date

import pytest

from assure.models.burnup import burn_up, text_chart
from assure.models.closure import closure_readiness, handover_proposals, unacknowledged_high_findings
from assure.models.store import Conflict
from assure.tui.app import AssureApp
from assure.tui.editing import CellEditor


def lcc(store):
    return store.programme_by_code("lcc-btls")


def failing(readiness) -> dict[str, list]:
    return {check.id: list(check.failing) for check in readiness.checks if not check.passed}


def assure(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "assure", *args], capture_output=True, text=True, timeout=60,
                          env=dict(os.environ))


# -- the gate on the demo data -------------------------------------------------------------


def test_the_demo_fails_for_the_reasons_the_source_shows(demo_store):
    programme = lcc(demo_store)
    readiness = closure_readiness(demo_store, programme.id)
    assert not readiness.ready
    fails = failing(readiness)
    assert set(fails) == {"deliverables", "risks", "actions", "findings"}
    # Eleven post-transition deliverables with no one to carry them on (002:391-470).
    post = {row.id for row in demo_store.deliverables(programme.id) if row.status == "Post Transition"}
    assert len(post) == 11
    assert {item.record_id for item in fails["deliverables"]} == post
    assert all(item.kind == "deliverable" for item in fails["deliverables"])
    # Five close-out recommendations and one next step, none with a due date (002:496-510).
    assert len(fails["actions"]) == 6 and all("no due date" in item.message for item in fails["actions"])
    # The source's sign-off dated 27/11/2021, after the report (002:436): a high finding.
    assert [item.kind for item in fails["findings"]] == ["deliverable"]
    assert "after the report date" in fails["findings"][0].message


def test_a_handover_item_hands_a_deliverable_over_only_with_an_owner_and_a_date(demo_store):
    programme = lcc(demo_store)
    target = next(row for row in demo_store.deliverables(programme.id) if row.status == "Post Transition")
    item_id = demo_store.create("handover", programme.id, {
        "source_kind": "deliverable", "source_id": target.id, "item": target.title, "owner": "Glyn Peach"})
    messages = {item.record_id: item for item in failing(closure_readiness(demo_store, programme.id))["deliverables"]}
    assert target.id not in messages
    assert messages[item_id].kind == "handover" and "without a due date" in messages[item_id].message
    demo_store.update("handover", item_id, {"due_on": "30/06/2021"})
    ids = {item.record_id for item in failing(closure_readiness(demo_store, programme.id))["deliverables"]}
    assert target.id not in ids and item_id not in ids and len(ids) == 10


def test_open_red_or_amber_risks_and_open_issues_need_a_follow_on_owner(store):
    pid = store.create("programme", None, {"code": "p", "name": "P"})
    red = store.create("risk", pid, {"ref": "R1", "description": "Red", "likelihood": 5, "impact": 4})
    store.create("risk", pid, {"ref": "R2", "description": "Green", "likelihood": 1, "impact": 2})
    issue = store.create("risk", pid, {"ref": "I1", "kind": "Issue", "description": "An issue"})
    store.create("risk", pid, {"ref": "R3", "description": "Closed red", "likelihood": 5, "impact": 5,
                               "status": "Closed"})
    fails = failing(closure_readiness(store, pid))
    assert {item.record_id for item in fails["risks"]} == {red, issue}
    for proposal in handover_proposals(store, pid):
        store.create("handover", pid, proposal)
    fails = failing(closure_readiness(store, pid))
    # Transferred, but the risks had no owner to carry over: the new owner is still missing.
    assert {item.kind for item in fails["risks"]} == {"handover"}
    for item in store.handovers(pid):
        store.update("handover", item.id, {"owner": "Ops board"})
    assert "risks" not in failing(closure_readiness(store, pid))


def test_lessons_raci_and_authority_checks(store):
    pid = store.create("programme", None, {"code": "p", "name": "P"})
    assert [i.message for i in failing(closure_readiness(store, pid))["lessons"]] == ["No lessons are recorded"]
    store.create("lesson", pid, {"number": 1, "description": "Talk early"})
    assert "no one responsible" in failing(closure_readiness(store, pid))["lessons"][0].message
    alice = store.create("person", pid, {"name": "Alice"})
    bob = store.create("person", pid, {"name": "Bob"})
    store.create("raci", pid, {"person_id": alice, "role": "Sponsor", "letter": "A"})
    store.create("raci", pid, {"person_id": bob, "role": "SRO", "letter": "A"})
    store.create("deliverable", pid, {"title": "Plan", "status": "Signed Off", "date": "2021-01-01",
                                      "approved_by": "Alice / Mallory"})
    messages = [item.message for item in failing(closure_readiness(store, pid))["authority"]]
    assert any("2 Accountable owners" in message for message in messages)
    assert any("'Mallory'" in message and "not among the programme's people" in message for message in messages)


def test_unacknowledged_high_findings_is_every_high_finding_until_acknowledgements_exist(demo_store):
    from assure.models.rules import run_rules

    findings = run_rules(demo_store, lcc(demo_store).id)
    assert unacknowledged_high_findings(findings) == [f for f in findings if f.severity == "high"] != []


# -- the handover register is a record like any other ---------------------------------------


def test_handover_items_have_history_conflicts_and_undo(demo_store):
    programme = lcc(demo_store)
    proposals = handover_proposals(demo_store, programme.id)
    # 11 deliverables, the open issue the members raised (I1, no owner) and 6 actions.
    assert {p["source_kind"] for p in proposals} == {"deliverable", "risk", "action"} and len(proposals) == 18
    item_id = demo_store.create("handover", programme.id, proposals[0])
    assert handover_proposals(demo_store, programme.id) == proposals[1:]  # never proposed twice
    item = demo_store.get("handover", item_id)
    assert (item.version, item.status, item.owner) == (1, "Proposed", None)
    demo_store.update("handover", item_id, {"owner": "Glyn Peach"}, expected={"owner": None})
    with pytest.raises(Conflict) as caught:
        demo_store.update("handover", item_id, {"owner": "Gabby Nelson"}, expected={"owner": None})
    assert caught.value.fields["owner"][1] == "Glyn Peach"
    rows = demo_store.history(programme.id, kind="handover", record_id=item_id)
    assert [(row.action, row.field, row.new_value) for row in rows][0] == ("update", "owner", "Glyn Peach")
    assert demo_store.get("handover", item_id).version == 2
    demo_store.undo()
    assert demo_store.get("handover", item_id).owner is None
    demo_store.undo()
    assert demo_store.get("handover", item_id) is None


# -- burn-up -------------------------------------------------------------------------------


def test_burn_up_goes_by_week_or_by_month_with_the_report_date_marked():
    weekly = burn_up(10, ["2021-03-01", "2021-03-09", None, "2021-03-20"], date(2021, 4, 20))
    assert weekly.unit == "week" and weekly.periods[0] == date(2021, 3, 1)
    assert weekly.cumulative == (1, 2, 3, 3, 3, 3, 3, 3) and weekly.undated == 1 and weekly.signed_off == 4
    assert weekly.periods[weekly.as_of_index] == date(2021, 4, 19)
    monthly = burn_up(5, ["2020-01-15", "2021-03-02"], date(2021, 4, 20))
    assert monthly.unit == "month" and monthly.periods[0] == date(2020, 1, 1) and monthly.cumulative[-1] == 2
    assert monthly.periods[monthly.as_of_index] == date(2021, 4, 1)


def test_the_demo_burn_up_reads_without_colour(demo_store):
    programme = lcc(demo_store)
    total, dates = demo_store.signoff_dates(programme.id)
    assert (total, len(dates)) == (72, 61)
    chart = text_chart(burn_up(total, dates, date(2021, 4, 20)), width=74)
    assert chart[0].startswith("Burn-up: 61 of 72 signed off, by month")
    assert "▼" in chart[1] and "█" in "\n".join(chart) and "Jul 20" in chart[-1]
    assert all("\x1b" not in line and len(line) <= 80 for line in chart)


# -- the CLI, as typed ---------------------------------------------------------------------


def test_check_closure_exits_1_with_the_failing_records_then_0_when_fixed(demo_store, db_url):
    programme = lcc(demo_store)
    done = assure("--db", str(db_url), "-p", "lcc-btls", "check", "--closure")
    assert done.returncode == 1, done.stderr
    assert "NOT READY to close (2 of 6 checks pass)" in done.stdout
    assert ("'BCP Plan Reviewed Updated and Assured' (Post Transition) is neither signed off nor handed over"
            in done.stdout)
    as_json = assure("--db", str(db_url), "-p", "lcc-btls", "check", "--closure", "--json")
    assert as_json.returncode == 1
    document = json.loads(as_json.stdout)
    assert document["ready"] is False and document["programme"] == "lcc-btls"
    assert [c["id"] for c in document["checks"] if not c["passed"]] == ["deliverables", "risks", "actions", "findings"]
    # Fixed through the store: everything handed over, the odd sign-off date answered.
    for proposal in handover_proposals(demo_store, programme.id):
        demo_store.create("handover", programme.id, {**proposal, "owner": proposal["owner"] or "Glyn Peach",
                                                      "due_on": "2021-07-31"})
    late = next(row for row in demo_store.deliverables(programme.id) if row.date == "2021-11-27")
    demo_store.update("deliverable", late.id, {"date": "2021-01-27"})
    ready = assure("--db", str(db_url), "-p", "lcc-btls", "check", "--closure", "--json")
    assert ready.returncode == 0, ready.stdout
    assert json.loads(ready.stdout)["ready"] is True and len(json.loads(ready.stdout)["handover"]) == 18


def test_check_without_a_gate_is_a_usage_error(demo_store, db_url):
    done = assure("--db", str(db_url), "check")
    assert done.returncode == 2 and "--closure" in done.stderr and "Traceback" not in done.stderr
    assert assure("--db", str(db_url), "check", "--closure", "--bogus").returncode == 2


# -- the dashboard -------------------------------------------------------------------------


async def move_to_column(pilot, table, key: str) -> None:
    keys = [column.key for column in table.columns]
    while table.cursor_column_key != key:
        await pilot.press("right" if keys.index(key) > table.cursor_column else "left")


async def type_into_cell(pilot, app, table, column: str, value: str) -> None:
    await move_to_column(pilot, table, column)
    await pilot.press("e")
    await pilot.pause()
    assert isinstance(app.screen, CellEditor)
    app.screen.query_one("#editor-input").value = value
    await pilot.press("enter")
    await pilot.pause()
    assert not isinstance(app.screen, CellEditor), "the edit was refused"


async def closure_settled(app, pilot) -> None:
    """The checks, worked out in a thread, are on the closure screen."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert not getattr(app.screen, "working", False)


async def hand_over_what_stays_open(pilot, app) -> None:
    """On the closure screen: propose the handover register and give each item an owner and a date."""
    from assure.tui.closure_screen import ClosureScreen

    await pilot.press("c")
    await closure_settled(app, pilot)
    screen = app.screen
    assert isinstance(screen, ClosureScreen) and not screen.readiness.ready
    assert "NOT READY" in str(screen.query_one("#closure-verdict").render())
    assert "Burn-up: 61 of 72" in str(screen.query_one("#closure-burnup").render())
    await pilot.press("T")  # hand over what stays open: 11 deliverables, issue I1, 6 actions
    await closure_settled(app, pilot)
    pane = screen.query_one("#handover")
    assert pane.table.total_count == 18
    await pilot.press("tab")
    assert pane.table.has_focus
    for key in list(pane.records):
        pane.table.move_to_key(key)
        if not pane.records[key].owner:
            await type_into_cell(pilot, app, pane.table, "owner", "Glyn Peach")
        await type_into_cell(pilot, app, pane.table, "due_on", "31/07/2021")
    await closure_settled(app, pilot)
    assert set(failing(screen.readiness)) == {"findings"}


async def test_the_gate_fails_on_the_demo_and_passes_once_fixed_in_the_dashboard(demo_store, db_url):
    """The source's reasons (eleven post-transition deliverables with no owner, follow-on
    actions with no due date, a sign-off dated after the report) fixed with the keys."""
    programme = lcc(demo_store)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(100, 40)) as pilot:
        await hand_over_what_stays_open(pilot, app)
        # The high finding is the source's own date (002:436): one answer is to correct the
        # date (the next test acknowledges it instead, as the source's date stands).
        await pilot.press("escape")
        await pilot.press("4")
        await pilot.pause()
        sign_offs = app.pane("deliverables")
        late = next(row for row in demo_store.deliverables(programme.id) if row.date == "2021-11-27")
        sign_offs.table.move_to_key(late.id)
        await type_into_cell(pilot, app, sign_offs.table, "date", "27/01/2021")
        await pilot.press("c")
        await closure_settled(app, pilot)
        assert app.screen.readiness.ready
        assert "✓ READY to close" in str(app.screen.query_one("#closure-verdict").render())
    assert closure_readiness(demo_store, programme.id).ready
    done = assure("--db", str(db_url), "-p", "lcc-btls", "check", "--closure")
    assert done.returncode == 0, done.stdout
    assert len(demo_store.handovers(programme.id)) == 18
    history = demo_store.history(programme.id, kind="handover")
    assert {row.user for row in history} == {"tester"} and len(history) == 18 + 12 + 18


async def test_the_gate_passes_when_the_high_finding_is_acknowledged_in_the_dashboard(demo_store, db_url):
    """The issue's "after those are fixed in the dashboard, with no other change": the
    sign-off dated after the report is the source's own (002:436), so it is answered from
    the findings list (``a``) rather than by changing the date."""
    from assure.tui.editing import RecordForm
    from assure.tui.screens import FindingsScreen

    programme = lcc(demo_store)
    late = next(row for row in demo_store.deliverables(programme.id) if row.date == "2021-11-27")
    # The handover register as the test above makes it with the keys (thirty cell edits,
    # most of that test's time), written here through the store.
    for proposal in handover_proposals(demo_store, programme.id):
        demo_store.create("handover", programme.id, {**proposal, "owner": proposal.get("owner") or "Glyn Peach",
                                                     "due_on": "31/07/2021"})
    assert set(failing(closure_readiness(demo_store, programme.id))) == {"findings"}
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        findings = app.screen
        assert isinstance(findings, FindingsScreen)
        (high,) = [index for index, finding in enumerate(findings.findings) if finding.severity == "high"]
        assert findings.findings[high].record_id == late.id
        findings.query_one("#findings-table").move_to_key(high)
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        app.screen.query_one("#field-reason").value = "Signed off on 27 Nov 2021 as the closure report records (002:436)"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is findings and findings.findings[high].acknowledged is not None
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("c")
        await closure_settled(app, pilot)
        assert app.screen.readiness.ready
        assert "✓ READY to close" in str(app.screen.query_one("#closure-verdict").render())
    assert demo_store.get("deliverable", late.id).date == "2021-11-27"  # the source's date stands
    (ack,) = demo_store.acknowledgements(programme.id)
    assert (ack.kind, ack.record_id, ack.actor) == ("deliverable", late.id, "tester")
    done = assure("--db", str(db_url), "-p", "lcc-btls", "check", "--closure")
    assert done.returncode == 0, done.stdout


async def test_enter_on_a_failing_record_opens_it(demo_store):
    programme = lcc(demo_store)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c")
        await closure_settled(app, pilot)
        screen = app.screen
        first = next(index for index, (kind, _) in enumerate(screen.entries) if kind == "item")
        target = screen.entries[first][1]
        screen.query_one("#closure-checks").move_to_key(first)
        await pilot.press("enter")
        await pilot.pause()
        assert app.current_pane_id == "deliverables"
        assert app.pane("deliverables").table.cursor_key == target.record_id


async def test_the_closure_screen_is_in_the_help_and_the_palette(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)):
        rows = dict(next(rows for heading, rows in app.help_sections() if heading == "Everywhere"))
        assert "Closure" in rows["c"]
        assert "Closure readiness" in [command.title for command in app.get_system_commands(app.screen)]


async def test_the_closure_screen_is_read_only_when_the_store_is(demo_store, db_url):
    from assure.models.store import Store

    with Store.open(db_url, read_only=True) as reader:
        app = AssureApp(reader, programme_id=lcc(reader).id, poll_seconds=60)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("c")
            await closure_settled(app, pilot)
            await pilot.press("T")
            await pilot.pause()
    assert demo_store.handovers(lcc(demo_store).id) == []


# -- the whole-programme document carries the register -------------------------------------


def test_the_json_document_carries_the_handover_register_and_what_each_item_carries_on(demo_store):
    from assure.models.bundle import InvalidBundle, dump_programme, load_programme

    programme = lcc(demo_store)
    for proposal in handover_proposals(demo_store, programme.id):
        demo_store.create("handover", programme.id, {**proposal, "owner": proposal["owner"] or "Glyn Peach",
                                                      "due_on": "2021-07-31"})
    document = dump_programme(demo_store, programme.id)
    assert len(document["handover"]) == 18 and all("source_id" not in row for row in document["handover"])
    before = {(h.source_kind, h.item, h.owner, h.due_on) for h in demo_store.handovers(programme.id)}
    # Replaced from its own export: every item comes back, linked to the same records.
    load_programme(demo_store, document, replace=True)
    after = demo_store.handovers(programme.id)
    assert {(h.source_kind, h.item, h.owner, h.due_on) for h in after} == before
    titles = {d.id: d.title for d in demo_store.deliverables(programme.id)}
    assert all(titles[h.source_id] == h.item for h in after if h.source_kind == "deliverable")
    assert failing(closure_readiness(demo_store, programme.id)).keys() == {"findings"}
    # A row that points nowhere, or at a database id, is refused whole.
    bad = {**document, "handover": [{"item": "x", "carries": {"section": "risks", "row": 9}},
                                    {"item": "y", "source_id": 3}]}
    with pytest.raises(InvalidBundle) as caught:
        load_programme(demo_store, bad, replace=True)
    assert "risks has no row 9" in str(caught.value) and "source_id" in str(caught.value)
    assert len(demo_store.handovers(programme.id)) == 18


async def test_a_handover_items_history_opens_in_the_history_pane(demo_store):
    programme = lcc(demo_store)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("c", "T")
        await pilot.pause()
        pane = app.screen.query_one("#handover")
        first = next(iter(pane.records))
        await pilot.press("tab")
        await type_into_cell(pilot, app, pane.table, "owner", "Gabby Nelson")
        await pilot.press("H")
        await pilot.pause()
        assert app.current_pane_id == "history" and app.screen is app.screen_stack[0]
        history = app.pane("history")
        assert history.only_record[:2] == ("handover", first)
        assert {record.field for record in history.records.values()} >= {"owner"}


def test_check_closure_never_prints_terminal_controls(store, db_url):
    """Stored text from before validation (an old file, a hand edit) is shown, never obeyed."""
    pid = store.create("programme", None, {"code": "hx", "name": "Hostile"})
    with store.transaction():  # unvalidated, as an older file may hold it
        stamp = {"programme_id": pid, "version": 1, "updated_at": "2021-04-20T09:00:00+00:00"}
        store.insert_record("deliverable", {**stamp, "title": "Plan \x1b]52;c;ZXZpbA==\x07 [/] done",
                                            "status": "In Progress"})
        store.insert_record("handover", {**stamp, "item": "Carry \x9b2J on", "owner": "\u202eEve",
                                         "status": "Proposed"})
    for args in ((), ("--json",)):
        done = assure("--db", str(db_url), "-p", "hx", "check", "--closure", *args)
        assert done.returncode == 1 and "Traceback" not in done.stderr
        assert not any(char in done.stdout for char in ("\x1b", "\x9b", "\x07", "\u202e")), done.stdout
        assert "[/] done" in done.stdout


async def test_the_checks_are_worked_out_in_a_thread_from_the_overview_s_findings(demo_store, monkeypatch):
    """At 100k the gate (every register read, every rule run) held the keys six seconds on
    ``c``: it is worked out in a thread, the screen says so meanwhile and Esc still works,
    and the Overview's findings are used while they are of the data as it is."""
    import threading

    from assure.models import closure, rules
    from assure.tui.closure_screen import ClosureScreen
    from sessions import all_judged

    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        go_on, real = threading.Event(), closure.closure_readiness
        expected = real(demo_store, lcc(demo_store).id)  # with the rules run
        calls = []
        monkeypatch.setattr(rules, "run_rules", lambda *args, **kwargs: calls.append(1))
        monkeypatch.setattr(closure, "closure_readiness",
                            lambda *args, **kwargs: go_on.wait(30) and real(*args, **kwargs))
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ClosureScreen) and screen.working
        assert str(screen.query_one("#closure-verdict").render()).startswith("Closure: working out the checks…")
        await pilot.press("escape")  # the keys work while the gate is worked out
        await pilot.pause()
        assert not isinstance(app.screen, ClosureScreen)
        go_on.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("c")
        await closure_settled(app, pilot)
        assert not app.screen.readiness.ready and calls == []  # the Overview's findings, no rules run
        assert app.screen.readiness == expected
