"""Pictures of every pane at 80x24 and 160x48: layout regressions show as a changed SVG.

Run ``pytest tests/test_snapshots.py --snapshot-update`` only after looking at the new
pictures (``snapshot_report.html``).
"""

from __future__ import annotations

import time

import pytest

from assure.tui.app import PANES, AssureApp

#: Pictures are compared by test name: one set, drawn from SQLite (the app's reads are the
#: same named tuples on PostgreSQL, which the Pilot tests cover).
pytestmark = pytest.mark.sqlite_only

SIZES = [(80, 24), (160, 48)]


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch):
    """History times and their local rendering do not change between runs."""
    monkeypatch.setenv("ASSURE_NOW", "2021-04-21T09:30:00+00:00")
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=demo_store.programme_by_code("lcc-btls").id, poll_seconds=3600)


async def _settle(pilot) -> None:
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda size: f"{size[0]}x{size[1]}")
@pytest.mark.parametrize("number,pane_id", [(n, pane) for n, (pane, _, _) in enumerate(PANES, start=1)],
                         ids=[pane for pane, _, _ in PANES])
def test_pane(snap_compare, app, number, pane_id, size):
    assert snap_compare(app, press=[str(number)], terminal_size=size, run_before=_settle)


def test_bwd_programme_overview(snap_compare, demo_store):
    app = AssureApp(demo_store, programme_id=demo_store.programme_by_code("bwd-digital").id, poll_seconds=3600)
    assert snap_compare(app, terminal_size=(120, 40), run_before=_settle)


def test_help_screen(snap_compare, app):
    assert snap_compare(app, press=["4", "question_mark"], terminal_size=(80, 24), run_before=_settle)


def test_findings_screen(snap_compare, app):
    assert snap_compare(app, press=["f"], terminal_size=(100, 30), run_before=_settle)


def test_status_editor_over_its_cell(snap_compare, app):
    assert snap_compare(app, press=["4", "j", "right", "right", "right", "e"], terminal_size=(80, 24),
                        run_before=_settle)


def test_refused_date_message_beside_the_field(snap_compare, app):
    async def type_bad_date(pilot) -> None:
        await _settle(pilot)
        await pilot.press("4", "right", "right", "right", "right", "e")
        await pilot.pause()
        box = pilot.app.screen.query_one("#editor-input")
        box.cursor_blink = False
        box.value = "31/02/2021"
        await pilot.press("enter")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=type_bad_date)


def test_too_small_terminal(snap_compare, app):
    assert snap_compare(app, terminal_size=(70, 20), run_before=_settle)


@pytest.mark.parametrize("press", [["1"], ["4"]], ids=["overview", "deliverables"])
def test_light_theme(snap_compare, app, press):
    async def light(pilot) -> None:
        pilot.app.theme = "textual-light"
        await _settle(pilot)

    assert snap_compare(app, press=press, terminal_size=(100, 30), run_before=light)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=lambda size: f"{size[0]}x{size[1]}")
def test_closure_screen(snap_compare, app, size):
    """The checklist, the burn-up and the handover register after T hands over what stays open."""
    async def hand_over(pilot) -> None:  # each step's checks are worked out in a thread
        await _settle(pilot)
        for key in ("c", "T"):
            await pilot.press(key)
            await _settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=hand_over)


def test_counts_screen(snap_compare, app):
    assert snap_compare(app, press=["4", "right", "right", "right", "F"], terminal_size=(80, 24), run_before=_settle)


@pytest.mark.parametrize("size,press", [((80, 24), ["4", "B"]), ((132, 43), ["4"])],
                         ids=["80x24-shown-by-B", "132x43-shown-by-default"])
def test_signoffs_burn_up(snap_compare, app, size, press):
    """The burn-up over the sign-off register, the report date marked (▼)."""
    assert snap_compare(app, press=press, terminal_size=size, run_before=_settle)


def _board_then_edits(store) -> None:
    """A board marked, then a colleague's scripted edits: a re-score, a sign-off, a date moved."""
    from datetime import date

    from assure.models.since import record_board

    programme = store.programme_by_code("lcc-btls")
    record_board(store, programme.id, "Board 14 May", today=date(2021, 4, 21), source="mark")
    store.user = "alice"
    risk = next(r for r in store.risks(programme.id) if r.status == "Open")
    store.update("risk", risk.id, {"likelihood": 4, "impact": 4})
    open_items = [d for d in store.deliverables(programme.id) if d.status != "Signed Off"]
    store.update("deliverable", open_items[0].id, {"status": "Signed Off", "approved_by": "Glyn Peach",
                                                   "date": "2021-04-19"})
    store.update("deliverable", open_items[1].id, {"date": "2021-06-30"})
    store.user = "tester"


@pytest.mark.parametrize("size", [(80, 24), (132, 43)], ids=lambda size: f"{size[0]}x{size[1]}")
def test_since_last_board(snap_compare, demo_store, size):
    _board_then_edits(demo_store)
    app = AssureApp(demo_store, programme_id=demo_store.programme_by_code("lcc-btls").id, poll_seconds=3600)
    assert snap_compare(app, press=["b"], terminal_size=size, run_before=_settle)


def test_since_last_board_with_no_board_yet(snap_compare, app):
    assert snap_compare(app, press=["b"], terminal_size=(80, 24), run_before=_settle)


def test_outcome_verdict_overridden(snap_compare, app, demo_store):
    """An outcome's override: marked in the Verdict column; the detail gives the reason, who and when."""
    programme_id = demo_store.programme_by_code("lcc-btls").id
    outcome = next(o for o in demo_store.outcomes(programme_id) if o.number == 1)
    demo_store.override_verdict(programme_id, outcome.id, "Amber/Red", "Board held it back: key staff not yet in post")
    assert snap_compare(app, press=["3"], terminal_size=(80, 24), run_before=_settle)
