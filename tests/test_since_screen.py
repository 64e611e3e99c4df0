"""The "Since last board" screen (``b``), driven through the real app on both databases:
no board yet says how to record one; after marking a board and a scripted edit the item
shows, grouped; Enter opens the record; an earlier board or a date can be chosen; a
read-only session refuses ``m`` and says why; stored text shows literally."""

from __future__ import annotations

from datetime import date

from assure.models.rules import run_rules
from assure.models.store import Store
from assure.tui.app import AssureApp
from sessions import all_judged, open_as

TODAY = date(2021, 4, 20)


def lcc(store):
    return store.programme_by_code("lcc-btls")


def render(screen, selector: str) -> str:
    return str(screen.query_one(selector).render())


def item_rows(screen) -> list[str]:
    return [entry.text for entry in screen.entries if entry is not None]


async def open_since(app, pilot):
    from assure.tui.since_screen import SinceScreen

    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, SinceScreen)
    await settled(app, pilot)
    return app.screen


async def settled(app, pilot) -> None:
    """The report, worked out in a thread, is on screen."""
    await app.workers.wait_for_complete()
    await pilot.pause()
    assert not app.screen.working


async def mark_board(app, pilot, label: str) -> None:
    from assure.tui.editing import RecordForm

    await pilot.press("m")
    await pilot.pause()
    assert isinstance(app.screen, RecordForm)
    app.screen.query_one("#field-label").value = label
    await pilot.press("ctrl+s")
    await pilot.pause()
    await settled(app, pilot)


async def test_with_no_board_yet_it_says_so_and_how_to_record_one(demo_store):
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_since(app, pilot)
        message = render(screen, "#since-message")
        assert "No board has been recorded" in message and "assure board mark" in message
        assert "Press m to mark a board now" in message
        assert not screen.query_one("#since-table").display
        await pilot.press("b")  # b again closes it (never a second one on top)
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_after_marking_a_board_an_edit_shows_grouped_and_enter_opens_it(demo_store, db_url):
    programme = lcc(demo_store)
    risk = next(r for r in demo_store.risks(programme.id) if r.status == "Open")  # the source leaves it unscored
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_since(app, pilot)
        await mark_board(app, pilot, "Board 14 May")
        assert app.screen is screen
        snapshot = demo_store.board_snapshots(programme.id)[-1]
        assert (snapshot.label, snapshot.source, snapshot.actor) == ("Board 14 May", "mark", "tester")
        assert "Since Board 14 May (20 Apr 2021, by tester)" in render(screen, "#since-title")
        assert item_rows(screen) == []
        # A colleague re-scores a risk (another session): the screen reloads on its own.
        with open_as("alice", db_url) as colleague:
            colleague.update("risk", risk.id, {"likelihood": 3, "impact": 4})
        app.check_for_changes()
        await settled(app, pilot)
        rows = item_rows(screen)
        assert any(risk.ref in row and "re-scored" in row for row in rows), rows
        assert screen.entries[0] is None  # the heading over its items
        assert screen.query_one("#since-table")._rows[0][0].startswith("■ Risks and issues (")
        table = screen.query_one("#since-table")
        order = table.visible_keys()
        await pilot.press("s")  # sorting would pull items from under their headings: refused
        await pilot.pause()
        assert table.visible_keys() == order
        index = next(n for n, entry in enumerate(screen.entries)
                     if entry is not None and entry.kind == "risk" and entry.record_id == risk.id)
        screen.query_one("#since-table").move_to_key(index)
        await pilot.pause()
        detail = render(screen, "#since-detail")
        assert "re-scored" in detail and "alice" in detail and "Enter opens the risk" in detail
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]
        assert app.current_pane_id == "risks"
        assert app.pane("risks").table.cursor_key == risk.id


async def test_an_earlier_board_or_a_date_can_be_chosen(demo_store):
    from assure.models.since import record_board
    from assure.tui.editing import RecordForm
    from assure.tui.since_screen import BoardPicker

    programme = lcc(demo_store)
    action = demo_store.actions(programme.id)[0]
    record_board(demo_store, programme.id, "Board March", today=TODAY, source="mark")
    demo_store.update("action", action.id, {"owner": "Someone New", "status": "Done"})
    record_board(demo_store, programme.id, "Board April", today=TODAY, source="mark")
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_since(app, pilot)
        assert "Since Board April" in render(screen, "#since-title")
        assert not any("completed" in row for row in item_rows(screen))
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, BoardPicker)
        await pilot.press("down", "enter")  # newest first: the second is Board March
        await settled(app, pilot)
        assert app.screen is screen
        assert "Since Board March" in render(screen, "#since-title")
        assert any("completed" in row for row in item_rows(screen)), item_rows(screen)
        # Closed and opened again (as after Enter shows a record): still since that board.
        await pilot.press("escape")
        screen = await open_since(app, pilot)
        assert "Since Board March" in render(screen, "#since-title")
        # A date: refused beside the field when it is neither a date nor a board.
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        app.screen.query_one("#field-since").value = "someday"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(app.screen, RecordForm)
        assert "neither a board" in render(app.screen, "#error-since")
        app.screen.query_one("#field-since").value = "01/01/2021"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is screen
        assert "Since 01 Jan 2021" in render(screen, "#since-title")
        assert any("completed" in row for row in item_rows(screen))
        assert "measured against a board snapshot" in render(screen, "#since-message")


async def test_a_read_only_session_refuses_m_and_says_why(demo_store, db_url):
    with Store.open(db_url, read_only=True) as reader:
        app = AssureApp(reader, programme_id=lcc(reader).id, poll_seconds=60)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_since(app, pilot)
            assert "read-only" in render(screen, "#since-message")
            await pilot.press("m")
            await pilot.pause()
            assert app.screen is screen  # no form
            assert any("read-only" in str(n.message) and "snapshot" in str(n.message)
                       for n in app._notifications)
    assert demo_store.board_snapshots(lcc(demo_store).id) == []


async def test_hostile_stored_text_shows_literally(demo_store):
    """A title and a board label holding markup and terminal controls (as an older import
    or another writer could have stored them) show as written, the controls made harmless."""
    from assure.models.since import record_board

    programme = lcc(demo_store)
    deliverable = next(d for d in demo_store.deliverables(programme.id) if d.status != "Signed Off")
    snapshot_id = record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    with demo_store.transaction() as raw:  # past the validation that cleans typed text
        raw.execute("UPDATE deliverable SET title = ? WHERE id = ?", ("[red]x\x1b]52;c;aGk=\x07 done", deliverable.id))
        raw.execute("UPDATE board_snapshot SET label = ? WHERE id = ?", ("[bold]Board[/] \x1b[2J", snapshot_id))
    demo_store.update("deliverable", deliverable.id, {"status": "Signed Off", "approved_by": "Glyn Peach",
                                                      "date": "2021-04-19"})
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_since(app, pilot)
        title = render(screen, "#since-title")
        assert "[bold]Board[/]" in title and "\x1b" not in title
        signed = next(row for row in item_rows(screen) if "signed off" in row)
        assert "[red]x" in signed
        index = next(n for n, entry in enumerate(screen.entries) if entry is not None and entry.text == signed)
        screen.query_one("#since-table").move_to_key(index)
        await pilot.pause()
        detail = render(screen, "#since-detail")
        assert "[red]x" in detail and "\x1b" not in detail and "\x07" not in detail
        drawn = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "[red]x" in drawn and "[bold]Board[/]" in drawn
        assert not any(char in drawn for char in "\x1b\x07\x9b"), "a control reached the screen"


async def test_the_view_is_in_the_help_the_palette_and_the_keymap(demo_store):
    from assure.tui.keymap import binding_ids

    assert {"app.since", "since.mark", "since.choose"} <= set(binding_ids())
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)):
        rows = dict(next(rows for heading, rows in app.help_sections() if heading == "Everywhere"))
        assert "Since last board" in rows["b"]
        assert "Since last board" in [command.title for command in app.get_system_commands(app.screen)]


async def test_closing_before_the_report_arrives_is_harmless(demo_store, monkeypatch):
    """On a large programme the report takes seconds: Esc before it is in must not crash."""
    import threading

    from assure.models import since
    from assure.tui.since_screen import SinceScreen

    release = threading.Event()
    real = since.since_report

    def slow(*args, **kwargs):
        release.wait(10)
        return real(*args, **kwargs)

    monkeypatch.setattr(since, "since_report", slow)
    since.record_board(demo_store, lcc(demo_store).id, "Board", today=TODAY, source="mark")
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("b")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SinceScreen) and screen.working
        assert "working out what changed" in render(screen, "#since-title")
        await pilot.press("escape")
        await pilot.pause()
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen is app.screen_stack[0] and app.is_running
    assert app.return_code in (None, 0)


async def test_the_overviews_current_findings_are_used_and_stale_ones_never(demo_store, db_url, monkeypatch):
    """Judging is most of the time at 100k: the Overview's findings and verdicts are passed
    when they are of the data as it is, and never after a change (the report judges again)."""
    from assure.models import since

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    calls = []
    real = since.since_report

    def recording(*args, **kwargs):
        calls.append(kwargs.get("findings"))
        return real(*args, **kwargs)

    monkeypatch.setattr(since, "since_report", recording)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        screen = await open_since(app, pilot)
        assert calls[-1] is app.pane("overview").findings and calls[-1]
        # The same report as one that judges for itself.
        assert item_rows(screen) == [item.text for item in real(demo_store, programme.id, today=TODAY).items]
        with open_as("alice", db_url) as colleague:
            risk = next(r for r in colleague.risks(programme.id) if r.status == "Open")
            colleague.update("risk", risk.id, {"likelihood": 5, "impact": 5})
        stale = app.pane("overview").findings
        app.check_for_changes()
        await settled(app, pilot)
        # Judged again (kept.judge: nothing is kept for the data as it is now), never the stale ones.
        assert calls[-1] is not stale, "the Overview's findings were of the data before the change"
        fresh = run_rules(demo_store, programme.id, today=TODAY)
        assert [f.as_dict() for f in calls[-1]] == [f.as_dict() for f in fresh]
        assert [f.as_dict() for f in fresh] != [f.as_dict() for f in stale]
        assert any("re-scored" in row for row in item_rows(screen))


class _FindingsThatSayWhenPrinted(list):
    """The Overview's findings, noting each time something prints them whole."""

    printed = 0

    def __repr__(self) -> str:
        type(self).printed += 1
        return super().__repr__()


async def test_opening_the_view_never_prints_the_overviews_findings(demo_store, monkeypatch):
    """Textual describes a worker by the repr of its work unless told otherwise: with the
    Overview's findings among the arguments that printed 20,000 findings (a quarter of a
    second at 100k) on the main thread before the first frame."""
    from assure.models import since

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        findings, assessment = app.overview_judgement()
        watched = _FindingsThatSayWhenPrinted(findings)
        monkeypatch.setattr(app, "overview_judgement", lambda: (watched, assessment))
        screen = await open_since(app, pilot)
        assert screen.report is not None and screen.problem is None
        assert _FindingsThatSayWhenPrinted.printed == 0


async def test_the_collector_is_paused_until_the_report_is_shown(demo_store, monkeypatch):
    """With 100k records in memory a full collection takes a sixth of a second: none may
    start while the report's 20,000 rows are made, and the collector is back on after."""
    import gc

    from assure.models import since
    from assure.tui import since_screen

    since.record_board(demo_store, lcc(demo_store).id, "Board", today=TODAY, source="mark")
    seen = []
    real_rows, real_show = since_screen._rows_of, since_screen.SinceScreen.show_report

    def rows_of(report):
        seen.append(("rows", gc.isenabled()))
        return real_rows(report)

    def show_report(self, *args, **kwargs):
        seen.append(("shown", gc.isenabled()))
        return real_show(self, *args, **kwargs)

    monkeypatch.setattr(since_screen, "_rows_of", rows_of)
    monkeypatch.setattr(since_screen.SinceScreen, "show_report", show_report)
    assert gc.isenabled()
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_since(app, pilot)
        assert screen.report is not None
        assert seen == [("rows", False), ("shown", False)]
        assert gc.isenabled()


async def test_the_view_hides_the_dashboard_under_it_without_drawing_it(demo_store):
    """Its box fills the screen: an opaque screen spares drawing the dimmed dashboard under
    it on every frame (tens of milliseconds each at 100k, while the report is worked out)."""
    app = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_since(app, pilot)
        assert screen.styles.background.a == 1
        box = screen.query_one("#since-box").region
        assert (box.width, box.height) == (80, 24)


async def _counting_reports(monkeypatch) -> list:
    from assure.models import since

    calls: list = []
    real = since.since_report

    def counted(*args, **kwargs):
        calls.append(kwargs.get("since"))
        return real(*args, **kwargs)

    monkeypatch.setattr(since, "since_report", counted)
    return calls


async def test_b_shows_the_report_worked_out_while_the_overview_was_shown(demo_store, monkeypatch):
    """At 100k working the report out takes half a second: the Overview's judgement starts
    it in a thread, so ``b`` shows it at once, as it would have worked it out."""
    from assure.models import since
    from assure.tui.since_screen import SinceScreen

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    risk = next(r for r in demo_store.risks(programme.id) if r.status == "Open")
    demo_store.update("risk", risk.id, {"likelihood": 3, "impact": 4})
    calls = await _counting_reports(monkeypatch)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        assert calls == [None]  # worked out ahead, once, since the newest board
        await pilot.press("b")
        assert isinstance(app.screen, SinceScreen)
        assert app.screen.report is not None and not app.screen.working  # shown with the screen
        assert calls == [None]
        fresh = since.since_report(demo_store, programme.id, today=TODAY)
        assert app.screen.report == fresh
        assert any(f"{risk.ref}" in text and "re-scored" in text for text in item_rows(app.screen))
        # Closed and opened again on unchanged data: shown at once again.
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("b")
        assert app.screen.report == fresh and not app.screen.working


async def test_a_change_after_the_report_was_worked_out_ahead_is_worked_out_again(demo_store, db_url, monkeypatch):
    from assure.models import since

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    calls = await _counting_reports(monkeypatch)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=3600)  # no poll: b must notice itself
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        assert calls == [None]
        risk = next(r for r in demo_store.risks(programme.id) if r.status == "Open")
        with open_as("alice", db_url) as colleague:  # another session, unseen by this one so far
            colleague.update("risk", risk.id, {"likelihood": 3, "impact": 4})
        screen = await open_since(app, pilot)
        assert len(calls) == 2  # the kept one is of the data before alice's change
        assert any(risk.ref in text and "re-scored" in text for text in item_rows(screen))


async def test_a_report_from_a_judgement_of_unknown_data_is_shown_but_not_kept(demo_store, monkeypatch):
    # The Overview's judgement may be of the data a moment ago (someone wrote while it was
    # worked out): a report made from it is shown, never kept as the report of the data now.
    from assure.models import since
    from assure.tui import since_screen

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    calls = await _counting_reports(monkeypatch)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        since_screen._PREPARED.pop(app, None)
        app.pane("overview").judged_revision = None  # as when a write came in while it judged
        calls.clear()
        screen = await open_since(app, pilot)
        assert screen.report is not None and calls == [None]
        await pilot.press("escape")
        await pilot.pause()
        await open_since(app, pilot)
        assert calls == [None, None]  # worked out again, not shown from a keep


async def test_right_after_a_change_the_view_waits_for_the_overviews_judgement(demo_store, db_url, monkeypatch):
    """The Overview judges the new data at once; the view, opened or re-read meanwhile,
    takes that judgement rather than working out the same one beside it (at 100k two at
    once each took twice as long)."""
    import threading

    from assure.models import kept, since
    from assure.tui import since_screen

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        judged, go_on, real = [], threading.Event(), kept.judge

        def judging(*args, **kwargs):
            judged.append(threading.current_thread().name)
            go_on.wait(30)
            return real(*args, **kwargs)

        monkeypatch.setattr(kept, "judge", judging)
        with open_as("alice", db_url) as colleague:
            risk = next(r for r in colleague.risks(programme.id) if r.status == "Open")
            colleague.update("risk", risk.id, {"likelihood": 5, "impact": 5})
        app.check_for_changes()
        await pilot.pause()
        await pilot.press("b")
        for _ in range(20):
            await pilot.pause(0.02)
        screen = app.screen
        assert isinstance(screen, since_screen.SinceScreen) and screen.awaiting_overview and screen.working
        assert len(judged) == 1  # the Overview's only
        go_on.set()
        await settled(app, pilot)
        assert len(judged) == 1 and not screen.awaiting_overview
        assert any("re-scored" in row for row in item_rows(screen))
        assert screen.report is not None


async def test_the_view_stops_waiting_for_an_overview_that_never_answers(demo_store, db_url, monkeypatch):
    from assure.models import since
    from assure.tui import since_screen

    programme = lcc(demo_store)
    since.record_board(demo_store, programme.id, "Board", today=TODAY, source="mark")
    monkeypatch.setattr(since_screen, "WAIT_FOR_OVERVIEW", 1.5)
    app = AssureApp(demo_store, programme_id=programme.id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        overview = app.pane("overview")
        overview._judging += 1  # as if its worker had been lost
        overview.findings_ready = False
        since_screen._PREPARED.pop(app, None)  # nothing worked out ahead
        await pilot.press("b")
        await pilot.pause()
        assert app.screen.awaiting_overview
        for _ in range(100):
            await pilot.pause(0.05)
            if not app.screen.awaiting_overview and not app.screen.working:
                break
        await settled(app, pilot)
        assert app.screen.report is not None and not app.screen.awaiting_overview
