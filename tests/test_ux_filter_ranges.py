"""Issue 12: ranges in the filter (score:>=15, date:<2021-04-01, in the date formats the app
accepts), with negation, a clear message for a malformed range, the syntax in ?, and the
last filter of each pane kept for the session. Driven through Pilot at 80x24."""

from __future__ import annotations

from datetime import date

import pytest

from assure.tui.app import AssureApp


def lcc(store):
    return store.programme_by_code("lcc-btls")


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=lcc(demo_store).id, poll_seconds=60)


async def filtered(pilot, app, pane_key: str, pane_id: str, text: str):
    await pilot.press(pane_key)
    await pilot.pause()
    pane = app.pane(pane_id)
    pane.set_filter(text)
    await pilot.pause()
    return pane


def detail_text(pane) -> str:
    return pane.query_one(".pane-detail")._content.plain


def score_risks(store) -> list:
    """The demo's papers score no risks: add five, scored 20, 2, 9, 16 and 4, and one unscored."""
    pid = lcc(store).id
    for number, scores in enumerate([(5, 4), (1, 2), (3, 3), (4, 4), (2, 2), (None, None)], start=1):
        values = {"ref": f"T{number}", "kind": "Risk", "description": f"Test risk {number}", "status": "Open"}
        if scores[0] is not None:
            values.update(likelihood=scores[0], impact=scores[1])
        store.create("risk", pid, values)
    return store.risks(pid)


async def test_score_ranges(app, demo_store):
    risks = score_risks(demo_store)
    high = {r.id for r in risks if r.score is not None and r.score >= 15}
    low = {r.id for r in risks if r.score is not None and r.score < 5}
    assert high and low and len(high) + len(low) < len(risks)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await filtered(pilot, app, "5", "risks", "score:>=15")
        assert set(pane.table.visible_keys()) == high
        pane.set_filter("score:<5")
        await pilot.pause()
        assert set(pane.table.visible_keys()) == low
        pane.set_filter("score:>4 score:<=12")
        await pilot.pause()
        assert set(pane.table.visible_keys()) == {r.id for r in risks if r.score is not None and 4 < r.score <= 12}


async def test_an_age_compares_as_days(app, demo_store):
    from assure.models import vocab

    records = demo_store.deliverables(lcc(demo_store).id)
    open_ones = {r.id for r in records if r.status not in vocab.DELIVERABLE_DONE}
    assert 0 < len(open_ones) < len(records)
    async with app.run_test(size=(132, 43)) as pilot:
        pane = await filtered(pilot, app, "4", "deliverables", "age:>=0")
        assert set(pane.table.visible_keys()) == open_ones and "ignored" not in detail_text(pane)
        pane.set_filter("age:>100000")
        await pilot.pause()
        assert pane.table.row_count == 0


@pytest.mark.parametrize("text,test", [
    ("date:<2021-04-01", lambda d: d < date(2021, 4, 1)),
    ("date:>=01/03/2021", lambda d: d >= date(2021, 3, 1)),
    ("date:<=1/3/2021", lambda d: d <= date(2021, 3, 1)),
])
async def test_date_ranges_in_either_format(app, demo_store, text, test):
    records = demo_store.deliverables(lcc(demo_store).id)
    expected = {r.id for r in records if r.date and test(date.fromisoformat(r.date[:10]))}
    assert 0 < len(expected) < len(records)
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await filtered(pilot, app, "4", "deliverables", text)
        assert set(pane.table.visible_keys()) == expected


async def test_a_range_combines_with_negation(app, demo_store):
    records = demo_store.deliverables(lcc(demo_store).id)
    expected = {r.id for r in records if r.date and r.date[:10] >= "2021-03-01" and "signed" not in r.status.casefold()}
    everything_dated = {r.id for r in records if r.date and r.date[:10] >= "2021-03-01"}
    assert expected != everything_dated
    async with app.run_test(size=(80, 24)) as pilot:
        pane = await filtered(pilot, app, "4", "deliverables", "date:>=2021-03-01 -status:signed")
        assert set(pane.table.visible_keys()) == expected
        pane.set_filter("-date:<2021-03-01")
        await pilot.pause()
        assert set(pane.table.visible_keys()) == {r.id for r in records if not (r.date and r.date[:10] < "2021-03-01")}


@pytest.mark.parametrize("text,says", [
    ("score:>=high", "'high' is not a number or a date"),
    ("date:<31/02/2021", "not a real date"),
    ("date:<2021", "a whole date"),
])
async def test_a_malformed_range_is_explained_and_filters_nothing_out(app, demo_store, text, says):
    score_risks(demo_store)
    async with app.run_test(size=(80, 24)) as pilot:
        pane_key, pane_id = ("5", "risks") if text.startswith("score") else ("4", "deliverables")
        pane = await filtered(pilot, app, pane_key, pane_id, text)
        assert pane.table.row_count == pane.table.total_count  # nothing changed
        assert says in detail_text(pane)


async def test_help_lists_the_range_syntax(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await pilot.pause()
        rows = dict(dict(app.help_sections())["Filter (/)"])
        assert any("score:>=15" in text for text in rows.values())
        assert any("date:<2021-04-01" in key + text for key, text in rows.items())


async def test_each_pane_keeps_its_last_filter_for_the_session(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4", "slash", *"status:post", "enter")
        await pilot.pause()
        deliverables = app.pane("deliverables")
        shown = deliverables.table.row_count
        assert 0 < shown < deliverables.table.total_count
        await pilot.press("5", "slash", *"score:>=15", "enter")
        await pilot.pause()
        risks = app.pane("risks")
        assert risks.table.filter_text == "score:>=15"
        # Away and back (and a programme switch and back): each pane has its own filter again.
        bwd = demo_store.programme_by_code("bwd-digital")
        app.load_programme(bwd.id)
        await pilot.pause()
        app.load_programme(lcc(demo_store).id)
        await pilot.pause()
        await pilot.press("1", "4")
        await pilot.pause()
        assert deliverables.table.filter_text == "status:post" and deliverables.table.row_count == shown
        assert deliverables.query_one(".pane-filter").value == "status:post"
        assert "shown" in str(deliverables.query_one(".pane-title").render())
        await pilot.press("5")
        await pilot.pause()
        assert risks.table.filter_text == "score:>=15"
        # Esc clears it, and it stays cleared after leaving and returning.
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("1", "5")
        await pilot.pause()
        assert risks.table.filter_text == "" and risks.table.row_count == risks.table.total_count

