"""Answering a finding: acknowledged with a reason (and perhaps an until-date), by whom and
when in the history, undoable, shown as acknowledged (never hidden), and back when the
record changes or the date passes."""

from __future__ import annotations

from datetime import date

import pytest

from assure.models import board_pack
from assure.models.inputs import InvalidInput
from assure.models.rules import at_or_above, count_by_severity, run_rules

TODAY = date(2021, 4, 20)


@pytest.fixture
def pid(store):
    programme_id = store.create("programme", None, {"code": "t", "name": "Test", "as_of": "2021-04-20"})
    person = store.create("person", programme_id, {"name": "Mike Kirby"})
    store.create("raci", programme_id, {"person_id": person, "role": "Sponsor", "letter": "A"})
    return programme_id


def unowned(store, pid):
    action = store.create("action", pid, {"number": 1, "description": "Nobody's", "due_on": "2021-05-01"})
    (finding,) = [f for f in run_rules(store, pid, today=TODAY) if f.rule == "action-owner"]
    return action, finding


def owner_finding(store, pid, today=TODAY):
    return next(f for f in run_rules(store, pid, today=today) if f.rule == "action-owner")


def test_an_acknowledged_finding_is_shown_answered_and_no_longer_fails(store, pid):
    action, finding = unowned(store, pid)
    assert at_or_above([finding], "medium") == [finding]
    store.acknowledge(pid, finding, "Owner to be named at the May board", None)
    answered = owner_finding(store, pid)
    assert answered.acknowledged is not None
    assert (answered.acknowledged.actor, answered.acknowledged.reason) == ("tester", "Owner to be named at the May board")
    assert at_or_above([answered], "low") == []  # answered: no longer fails a check
    assert count_by_severity([answered]) == {"high": 0, "medium": 0, "low": 0, "acknowledged": 1}
    # by whom and when, in the history
    (row,) = [h for h in store.history(pid) if h.kind == "acknowledgement"]
    assert (row.user, row.action, row.at) == ("tester", "create", "2021-04-20T09:00:00+00:00")


def test_it_comes_back_when_the_record_changes(store, pid):
    action, finding = unowned(store, pid)
    store.acknowledge(pid, finding, "Known", None)
    assert owner_finding(store, pid).acknowledged is not None
    store.update("action", action, {"description": "Nobody's, reworded"})
    assert owner_finding(store, pid).acknowledged is None


def test_it_comes_back_when_its_date_passes(store, pid):
    _, finding = unowned(store, pid)
    store.acknowledge(pid, finding, "Until the next report", "2021-04-30")
    assert owner_finding(store, pid).acknowledged is not None
    live = store.create("programme", None, {"code": "live", "name": "Live"})  # judged on today
    store.create("action", live, {"number": 1, "description": "Nobody's"})
    live_finding = next(f for f in run_rules(store, live, today=TODAY) if f.rule == "action-owner")
    store.acknowledge(live, live_finding, "A week", "2021-04-27")
    assert next(f for f in run_rules(store, live, today=date(2021, 4, 27)) if f.rule == "action-owner").acknowledged
    assert next(f for f in run_rules(store, live, today=date(2021, 4, 28)) if f.rule == "action-owner").acknowledged is None


def test_acknowledging_is_undone_like_any_change(store, pid):
    _, finding = unowned(store, pid)
    store.acknowledge(pid, finding, "Known", None)
    store.undo()
    assert owner_finding(store, pid).acknowledged is None
    assert [h.action for h in store.history(pid) if h.kind == "acknowledgement"] == ["undo-create", "create"]


def test_an_acknowledgement_needs_a_reason_and_a_real_date(store, pid):
    _, finding = unowned(store, pid)
    with pytest.raises(InvalidInput) as refused:
        store.acknowledge(pid, finding, "  ", "31/02/2021")
    assert set(refused.value.errors) == {"reason", "until"}
    assert store.acknowledgements(pid) == []


def test_the_board_pack_shows_it_acknowledged(store, pid):
    _, finding = unowned(store, pid)
    store.acknowledge(pid, finding, "Owner to be named at the May board", "2021-05-31")
    text = board_pack.render(store, pid, "md", today=TODAY)
    assert "MEDIUM (acknowledged)" in text and "is open with no owner" in text
    assert "acknowledged by tester on 20 Apr 2021, until 31 May 2021: Owner to be named at the May board" in text
    assert "1 acknowledged" in text  # in the summary's findings line


async def test_acknowledging_from_the_findings_list_and_undoing_it(demo_store):
    from assure.tui.app import AssureApp
    from assure.tui.editing import RecordForm
    from assure.tui.screens import FindingsScreen

    programme = demo_store.programme_by_code("bwd-digital")
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, FindingsScreen)
        first = screen.findings[0]
        # The selected finding reads whole below the list, with why it matters.
        detail = str(screen.query_one("#findings-detail").render())
        assert first.message in " ".join(detail.split()) and "Why it matters" in detail
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        await pilot.press("ctrl+s")  # no reason: refused, nothing written
        await pilot.pause()
        assert isinstance(app.screen, RecordForm) and demo_store.acknowledgements(programme.id) == []
        app.screen.query_one("#field-reason").value = "No RACI in the strategy paper"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen and screen.findings[0].acknowledged is not None
        assert "Acknowledged by tester" in str(screen.query_one("#findings-detail").render())
        await pilot.press("escape")
        await pilot.pause()
        overview = app.pane("overview")
        await pilot.press("1")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "acknowledged" in str(app.query_one("#ov-findings").render())
        await pilot.press("u")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert demo_store.acknowledgements(programme.id) == []
        assert all(f.acknowledged is None for f in overview.findings)


async def test_f_lists_the_overview_s_findings_without_running_the_rules_again(demo_store, monkeypatch):
    """At 100k running every rule on the keys' thread froze the dashboard for half a second
    or more: the findings list takes the Overview's while they are of the data as it is."""
    from assure.models import rules
    from assure.tui.app import AssureApp
    from assure.tui.screens import FindingsScreen
    from sessions import all_judged

    programme = demo_store.programme_by_code("bwd-digital")
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(100, 30)) as pilot:
        await all_judged(app, pilot)
        calls = []
        real = rules.run_rules
        monkeypatch.setattr(rules, "run_rules", lambda *args, **kwargs: calls.append(1) or real(*args, **kwargs))
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FindingsScreen) and calls == []
        assert app.screen.findings == app.pane("overview").findings == real(demo_store, programme.id)
        await pilot.press("escape")
        await pilot.pause()
        app.mark_stale()  # a change not yet judged: the rules are run for the list
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, FindingsScreen) and calls == [1]
