"""The Overview leads with the verdict, fits 80x24 and fills 132x43, and the verdict can be overridden."""

from __future__ import annotations

import pytest

from assure.tui.app import AssureApp
from sessions import all_judged


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=3600)


async def settle(app, pilot):
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def text_of(app, selector: str) -> str:
    return str(app.query_one(selector).render())


async def test_the_verdict_and_its_top_reasons_come_first_at_80x24(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        verdict = app.query_one("#ov-verdict")
        assert verdict.region.y == 2  # straight under the programme bar and the tabs
        lines = text_of(app, "#ov-verdict").splitlines()
        assert lines[0].startswith("◆ Verdict AMBER (DCA Amber)")
        assert lines[1] == "◆ 11 of 72 deliverables are open after the programme ended (01 Apr 2021)"
        assert len(lines) == 4  # the headline and three reasons


async def test_complete_outcomes_with_open_deliverables_do_not_read_as_all_green(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        outcomes = text_of(app, "#ov-outcomes").splitlines()
        assert outcomes[0].startswith("Outcomes (10) ▲2 ◆5 ●3")
        rows = {int(line[2:5]): line[0] for line in outcomes[2:]}
        for outcome in demo_store.outcomes(lcc(demo_store).id):
            if outcome.deliverables_done < outcome.deliverables_total:
                assert rows[outcome.number] in "▲◆", outcome.number


async def test_at_80x24_the_heat_map_and_actions_are_above_the_fold(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        bottom = app.screen.size.height - 1  # the footer's row
        for selector in ("#ov-verdict", "#ov-outcomes", "#ov-risks", "#ov-actions"):
            region = app.query_one(selector).region
            assert region.height and region.bottom <= bottom, selector
        assert "L1" in text_of(app, "#ov-risks") and "open" in text_of(app, "#ov-actions")
        # The findings start on the first screen too.
        assert app.query_one("#ov-findings").region.y < bottom


async def test_at_132x43_no_band_of_the_screen_stays_blank(app):
    async with app.run_test(size=(132, 43)) as pilot:
        await settle(app, pilot)
        overview = app.pane("overview")
        assert not overview.has_class("-compact")
        assert app.query_one("#ov-deliverables").display  # sign-offs have their own column
        # Findings fill what the boxes above leave: the content reaches the last rows.
        content = overview.virtual_size.height
        assert overview.size.height - 3 <= content
        # There is room for every point (one per rule: findings of one kind are one line).
        from assure.models.rules import grouped

        lines = text_of(app, "#ov-findings").splitlines()[1:]
        assert not [line for line in lines if line.startswith("…")]
        assert len(lines) == len(grouped(overview.findings)) >= 8


async def test_v_overrides_the_verdict_with_a_reason_and_u_undoes_it(app, demo_store):
    programme_id = lcc(demo_store).id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        assert type(app.screen).__name__ == "VerdictOverrideScreen"
        await pilot.press("up", "up")  # from Amber to Green
        await pilot.press("enter")  # the rating chosen: on to the reason
        await pilot.pause()
        await pilot.press(*"Handed over to BAU")
        await pilot.press("enter")
        await settle(app, pilot)
        (override,) = demo_store.verdict_overrides(programme_id)
        assert (override.rating, override.reason) == ("Green", "Handed over to BAU")
        assert demo_store.history(programme_id, kind="verdict")[0].action == "create"
        lines = text_of(app, "#ov-verdict").splitlines()
        assert lines[0].startswith("● Verdict GREEN (DCA Green) overridden  derived ◆ Amber (DCA Amber)")
        assert lines[1] == "Override: Handed over to BAU"
        await pilot.press("u")
        await settle(app, pilot)
        assert demo_store.verdict_overrides(programme_id) == []
        assert "overridden" not in text_of(app, "#ov-verdict")


async def test_an_override_without_a_reason_is_refused_next_to_the_field(app, demo_store):
    programme_id = lcc(demo_store).id
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        before = demo_store.history_count(programme_id)
        await pilot.press("v")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # Red
        await pilot.press("enter")  # no reason given
        await pilot.pause()
        error = app.screen.query_one("#override-error")
        assert error.display and "Give a reason" in str(error.render())
        assert demo_store.verdict_overrides(programme_id) == []
        assert demo_store.history_count(programme_id) == before
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.screen_stack[0]


async def test_the_override_is_in_help_and_the_palette_and_absent_when_read_only(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        keys = [key for _, rows in app.help_sections() for key, _ in rows]
        assert "v" in keys
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Override the verdict" in titles
    demo_store.read_only = True
    read_only = AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=3600)
    async with read_only.run_test(size=(80, 24)) as pilot:
        await settle(read_only, pilot)
        await pilot.press("v")
        await pilot.pause()
        assert read_only.screen is read_only.screen_stack[0]
        titles = [command.title for command in read_only.get_system_commands(read_only.screen)]
        assert "Override the verdict" not in titles


async def test_an_override_reason_is_shown_as_text_never_markup(app, demo_store):
    programme_id = lcc(demo_store).id
    demo_store.override_verdict(programme_id, None, "Red", "Board [/] said [bold]no[/bold] \x1b]52;c;aGk=\x07 ok")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        shown = text_of(app, "#ov-verdict").splitlines()[1]
        assert shown.startswith("Override: Board [/] said [bold]no[/bold]")
        assert "\x1b" not in shown and "\x07" not in shown


async def test_many_outcomes_list_the_reddest_and_the_findings_stay_on_the_first_screen(demo_store):
    # A thousand outcome lines pushed the findings a thousand lines down (and took a second
    # to lay out at 100k): the box lists what fits, reddest first, and says how many more.
    programme_id = lcc(demo_store).id
    for number in range(11, 26):
        demo_store.create("outcome", programme_id, {"number": number, "title": f"Added outcome {number}"})
    app = AssureApp(demo_store, programme_id=programme_id, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        overview = app.pane("overview")
        lines = text_of(app, "#ov-outcomes").splitlines()
        assert lines[0].startswith("Outcomes (25)")
        assert lines[-1] == "… and 16 more (reddest shown; 3 lists all)"
        number_of = {outcome.id: outcome.number for outcome in demo_store.outcomes(programme_id)}
        rank = {"Red": 0, "Amber": 1, "Green": 2}
        reddest = sorted(overview.assessment.outcomes, key=lambda v: (rank[v.rag], number_of[v.outcome_id]))[:9]
        listed = [int(line[2:5]) for line in lines[2:-1]]
        assert listed == sorted(number_of[verdict.outcome_id] for verdict in reddest)
        reds = sum(verdict.rag == "Red" for verdict in overview.assessment.outcomes)
        assert reds and [line[0] for line in lines[2:-1]].count("▲") == reds  # every red is listed
        bottom = app.screen.size.height - 1  # the footer's row
        findings = app.query_one("#ov-findings").region
        assert findings.y + 1 < bottom  # its heading and its first point on the first screen


async def test_a_finding_of_many_records_names_a_line_s_worth_on_the_overview(demo_store):
    programme_id = lcc(demo_store).id
    for number in range(50):
        demo_store.create("deliverable", programme_id, {"title": f"Unowned {number:02}", "status": "In Progress"})
    app = AssureApp(demo_store, programme_id=programme_id, poll_seconds=3600)
    async with app.run_test(size=(200, 60)) as pilot:
        await all_judged(app, pilot)
        line = next(line for line in text_of(app, "#ov-findings").splitlines() if "no owner or approver" in line)
        assert line.count("; Deliverable '") == 37  # 38 named of LCC's eleven and the fifty added
        assert line.endswith("; and 23 more")


async def test_v_offers_the_overview_s_verdict_without_judging_again(app, demo_store, monkeypatch):
    # At 100k judging on the keys' thread (every rule and the verdict) held them a second.
    from assure.models import verdict

    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        calls = []
        monkeypatch.setattr(verdict, "assess", lambda *args, **kwargs: calls.append(1))
        await pilot.press("v")
        await pilot.pause()
        assert type(app.screen).__name__ == "VerdictOverrideScreen" and calls == []
        assert app.screen.verdict == app.pane("overview").assessment.programme


async def test_after_a_change_the_verdict_and_findings_stay_marked_until_re_checked(app, demo_store, db_url,
                                                                                    monkeypatch):
    # Re-judged after every change (anyone's, seen within a second): the verdict blanked to
    # "working it out…" and the findings to "checking…" meanwhile, a second at 100k, and the
    # lines below jumped twice.
    import threading

    from assure.models import kept
    from sessions import open_as

    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        before = text_of(app, "#ov-verdict").splitlines()
        findings_at = app.query_one("#ov-findings").region.y
        go_on, real = threading.Event(), kept.judge
        monkeypatch.setattr(kept, "judge", lambda *args, **kwargs: go_on.wait(30) and real(*args, **kwargs))
        risk = next(r for r in demo_store.risks(lcc(demo_store).id) if r.status == "Open")
        with open_as("alice", db_url) as colleague:
            colleague.update("risk", risk.id, {"likelihood": 2, "impact": 2})
        app.refresh_data()  # as the poll does on seeing alice's change
        await pilot.pause()
        overview = app.pane("overview")
        lines = text_of(app, "#ov-verdict").splitlines()
        assert lines[0].startswith(before[0].split("  ")[0]) and lines[0].endswith("re-checking after a change…")
        assert lines[1:] == before[1:]
        assert text_of(app, "#ov-findings").startswith("Assurance findings (re-checking after a change…): ")
        assert app.query_one("#ov-findings").region.y == findings_at
        assert not overview.findings_ready and app.overview_judgement() is None  # never used as current
        go_on.set()
        await settle(app, pilot)
        assert "re-checking" not in text_of(app, "#ov-verdict") + text_of(app, "#ov-findings")
        assert overview.findings_ready and app.overview_judgement() is not None


async def test_the_findings_are_shown_as_soon_as_the_rules_are_done_the_verdict_after(app, demo_store, db_url,
                                                                                      monkeypatch):
    # At 100k the verdicts take as long again as the rules: the findings waited for them.
    import threading

    from assure.models import verdict
    from sessions import open_as

    async with app.run_test(size=(80, 24)) as pilot:
        await all_judged(app, pilot)
        overview = app.pane("overview")
        before = text_of(app, "#ov-verdict").splitlines()
        go_on, real = threading.Event(), verdict.assess
        monkeypatch.setattr(verdict, "assess", lambda *args, **kwargs: go_on.wait(30) and real(*args, **kwargs))
        risk = next(r for r in demo_store.risks(lcc(demo_store).id) if r.status == "Open")
        with open_as("alice", db_url) as colleague:
            colleague.update("risk", risk.id, {"likelihood": None, "impact": None})  # a new finding: unscored
        app.refresh_data()
        for _ in range(200):
            await pilot.pause(0.02)
            if overview.findings_ready:
                break
        findings = text_of(app, "#ov-findings")
        assert overview.findings_ready and "re-checking" not in findings
        assert any(f.rule == "risk-unscored" and f.record_id == risk.id for f in overview.findings)
        assert text_of(app, "#ov-verdict").splitlines()[0].endswith("re-checking after a change…")
        assert text_of(app, "#ov-verdict").splitlines()[1:] == before[1:]  # the verdict before, marked
        assert app.overview_judgement() is None and app.overview_findings() == overview.findings
        go_on.set()
        await settle(app, pilot)
        assert "re-checking" not in text_of(app, "#ov-verdict")
        assert app.overview_judgement() == (overview.findings, overview.assessment)
