"""Each outcome's verdict in the Outcomes pane: shown with its reasons, overridden with `v`
(a reason required), removed the same way, in the history, undone by `u`, refused read-only."""

from __future__ import annotations

import pytest

from assure.models.history_text import when_text
from assure.tui.app import AssureApp


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=3600)


async def settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def rows(app) -> list[str]:
    table = app.pane("outcomes").table
    return [table.render_line(y).text for y in range(table.size.height)]


def detail(app) -> str:
    return str(app.pane("outcomes").query_one("#detail-body").render())


def notes(app) -> list[str]:
    return [str(note.message) for note in app._notifications]


async def open_outcomes(app, pilot):
    await pilot.press("3")
    await settle(app, pilot)


async def override(app, pilot, downs: int, reason: str):
    await pilot.press("v")
    await pilot.pause()
    assert type(app.screen).__name__ == "VerdictOverrideScreen"
    await pilot.press(*["down"] * downs, "enter")  # the rating chosen: on to the reason
    await pilot.pause()
    await pilot.press(*reason)
    await pilot.press("enter")
    await settle(app, pilot)


async def test_each_outcome_shows_its_derived_verdict_and_why(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot)
        header, first, second = rows(app)[:3]
        assert header.rstrip().endswith("Verdict")
        assert first.rstrip().endswith("● Green") and second.rstrip().endswith("▲ Red")
        await pilot.press("j")  # outcome 2: 10 of 14 signed off
        await pilot.pause()
        lines = detail(app).splitlines()
        assert "Verdict: ▲ Red (DCA Amber/Red)" in lines
        why = lines.index("Why:")
        assert lines[why + 1].startswith("  ▲ ") and "deliverables" in lines[why + 1]
        assert "(v overrides this verdict)" in lines


async def test_v_overrides_an_outcome_with_a_reason_in_the_history_and_u_undoes_it(app, demo_store):
    programme_id = lcc(demo_store).id
    outcome = next(o for o in demo_store.outcomes(programme_id) if o.number == 1)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot)
        await override(app, pilot, 3, "Board [b]accepted[/b] the gap")  # Green -> Amber/Red
        (saved,) = demo_store.verdict_overrides(programme_id)
        assert (saved.outcome_id, saved.rating, saved.reason) == (outcome.id, "Amber/Red", "Board [b]accepted[/b] the gap")
        latest = demo_store.history(programme_id, kind="verdict")[0]
        assert (latest.action, latest.user, latest.record_id) == ("create", "tester", saved.id)
        assert "Outcome 1: verdict overridden: Amber/Red." in notes(app)
        assert rows(app)[1].rstrip().endswith("▲ Red*")
        lines = detail(app).splitlines()
        assert "Verdict: ▲ Red (DCA Amber/Red), overridden; derived ● Green (DCA Green)" in lines
        # The reason as typed (text, never markup), who set it and when.
        assert f"Override: Board [b]accepted[/b] the gap (by tester, {when_text(latest.at)})" in lines
        assert "Derived by the rules:" in lines
        # The Overview counts it as overridden.
        await pilot.press("1")
        await settle(app, pilot)
        outcome_lines = str(app.query_one("#ov-outcomes").render()).splitlines()
        assert {int(line[2:5]): line[:2] for line in outcome_lines[2:]}[1] == "▲*"
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("u")
        await settle(app, pilot)
        assert demo_store.verdict_overrides(programme_id) == []
        assert rows(app)[1].rstrip().endswith("● Green")
        assert "overridden" not in detail(app)


async def test_v_removes_an_override_the_way_the_overview_does(app, demo_store):
    programme_id = lcc(demo_store).id
    outcome = next(o for o in demo_store.outcomes(programme_id) if o.number == 1)
    demo_store.override_verdict(programme_id, outcome.id, "Red", "Held back by the board")
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot)
        assert rows(app)[1].rstrip().endswith("▲ Red*")
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("end", "enter")  # the last option: remove the override
        await settle(app, pilot)
        assert demo_store.verdict_overrides(programme_id) == []
        assert demo_store.history(programme_id, kind="verdict")[0].action == "delete"
        assert rows(app)[1].rstrip().endswith("● Green")
        assert "Outcome 1: verdict override removed: the derived verdict shows again." in notes(app)
        # The programme's own override is untouched by an outcome's.
        assert demo_store.verdict_overrides(programme_id) == []


async def test_an_outcome_override_without_a_reason_is_refused_and_writes_nothing(app, demo_store):
    programme_id = lcc(demo_store).id
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot)
        before = demo_store.history_count(programme_id)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("down", "enter", "enter")  # a rating, no reason
        await pilot.pause()
        error = app.screen.query_one("#override-error")
        assert error.display and "Give a reason" in str(error.render())
        assert demo_store.verdict_overrides(programme_id) == []
        assert demo_store.history_count(programme_id) == before
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_read_only_refuses_the_override_and_says_why(demo_store):
    demo_store.read_only = True
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot)
        assert rows(app)[1].rstrip().endswith("● Green")  # the verdict is still shown
        assert "v overrides" not in detail(app)
        await pilot.press("v")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert "Opened read-only: an outcome's verdict cannot be overridden." in notes(app)
        pane_keys = [key for title, section in app.help_sections() if title == "This pane" for key, _ in section]
        assert "v" not in pane_keys


async def test_v_is_in_help_and_the_footer_keeps_undo_and_quit_at_80_columns(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await open_outcomes(app, pilot)
        pane_rows = dict(next(section for title, section in app.help_sections() if title == "This pane"))
        assert pane_rows["v"] == "Override the outcome's verdict"
        shown = {item.key: item.region for item in app.screen.query_one("Footer").query("FooterKey")}
        for key in ("u", "q"):  # drawn whole within the 80 columns
            assert shown[key].width and shown[key].right <= 80, key


async def test_the_detail_reads_only_its_own_outcome_s_deliverables(app, demo_store, monkeypatch):
    # Every deliverable was read on the keys' thread when the pane loaded: over a second at 100k.
    from assure.models.store import Store

    read_whole = []
    monkeypatch.setattr(Store, "deliverables", lambda self, *args: read_whole.append(1) or [])
    programme_id = lcc(demo_store).id
    async with app.run_test(size=(100, 40)) as pilot:
        await open_outcomes(app, pilot)
        pane = app.pane("outcomes")
        for outcome in demo_store.outcomes(programme_id)[:3]:
            pane.table.move_to_key(outcome.id)
            await pilot.pause()
            text = " ".join(detail(app).split())
            mine = [row for row in demo_store.list("deliverable", programme_id) if row.outcome_id == outcome.id]
            assert f"Deliverables ({len(mine)};" in text
            for row in mine:
                assert " ".join(row.title.split()) in text
    assert read_whole == []
