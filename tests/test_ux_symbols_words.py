"""Issue 12, defects 11, 12 (Sign-offs) and 15: one symbol per meaning, a banded heat map,
a Sign-offs pane laid out for its width, and words that follow the programme's records.
Driven through Pilot at 80x24 and 132x43."""

from __future__ import annotations

import pytest

from assure.models import vocab
from assure.tui import tones
from assure.tui.app import AssureApp
from assure.tui.panes.overview import SEVERITY_SYMBOLS


def programme(store, code: str):
    return store.programme_by_code(code)


@pytest.fixture
def app(demo_store):
    return AssureApp(demo_store, programme_id=programme(demo_store, "lcc-btls").id, poll_seconds=60)


# -- 11. one symbol, one meaning ----------------------------------------------------------

def test_each_meaning_has_its_own_symbol():
    from assure.tui.panes.overview import heatmap_cell

    meanings = {
        "low severity": SEVERITY_SYMBOLS["low"],
        "Not Started": tones.status_symbol("Not Started"),
        "Informed": tones.RACI_TONES["I"][1],
        "empty heat-map cell": heatmap_cell(0, 1).strip(),
        "separator": tones.SEPARATOR.strip(),
    }
    assert len(set(meanings.values())) == len(meanings), meanings
    # and none of them is taken by another status, level or letter
    others = {symbol for _, symbol in tones.STATUS_TONES.values()} | {s for _, s in tones.BAND_TONES.values()}
    others |= {symbol for letter, (_, symbol) in tones.RACI_TONES.items() if letter != "I"}
    assert meanings["Not Started"] not in others - {tones.status_symbol("Not Started")}
    assert meanings["Informed"] not in others and meanings["low severity"] not in others
    assert meanings["separator"] not in others | {meanings["low severity"]}


async def test_the_whole_heat_map_is_banded_and_reads_without_colour(app, demo_store):
    async with app.run_test(size=(132, 43)) as pilot:
        await pilot.pause()
        pane = app.pane("overview")
        text = pane._risks()
        lines = text.plain.split("\n")
        grid = [line for line in lines if line.startswith("L") and line[1:2].isdigit()]
        assert len(grid) == 5
        heatmap = pane.summary["risks"]["heatmap"]
        for row, line in zip(range(5, 0, -1), grid):
            for impact in range(1, 6):
                cell = line[4 + 4 * (impact - 1): 4 + 4 * (impact - 1) + 3]
                band_symbol = tones.BAND_TONES[vocab.risk_band(row * impact)][1]
                assert cell.endswith(band_symbol), (row, impact, cell)  # the band without colour
                count = heatmap[row - 1][impact - 1]
                assert cell[:2].strip() == (str(count) if count else "")
        # Every cell has its band's background, occupied or not (as the HTML pack colours them).
        backgrounds = {}
        start = 0
        for line_number, line in enumerate(lines):
            if line in grid:
                row = int(line[1])
                for impact in range(1, 6):
                    offset = start + 4 + 4 * (impact - 1)
                    styles = [span.style for span in text.spans if span.start <= offset < span.end]
                    bgcolor = next((s.bgcolor for s in styles if getattr(s, "bgcolor", None)), None)
                    assert bgcolor is not None, (row, impact)
                    backgrounds.setdefault(vocab.risk_band(row * impact), set()).add(bgcolor)
            start += len(line) + 1
        assert set(backgrounds) == {"Green", "Amber", "Red"}
        assert all(len(colours) == 1 for colours in backgrounds.values())
        assert len(set.union(*backgrounds.values())) == 3


async def test_informed_and_not_started_read_apart_on_screen(app, demo_store):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.pause()
        legend = app.pane("raci").query_one(".raci-legend").render()
        assert "I ◇ Informed" in str(legend)


# -- 12. the Sign-offs pane is laid out for the width it has -------------------------------

def column_widths(table) -> dict[str, int]:
    widths, _ = table._layout_for(table._content_width())
    return {column.key: width for column, width in zip(table.columns, widths)}


async def test_sign_offs_give_the_title_room_at_80_columns(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.pane("deliverables").table
        widths = column_widths(table)
        assert widths["title"] >= 30, widths  # was about 20
        header = table.render_line(0).text
        assert "Approver" in header and "Status" in header and "Date" in header
        # Shortened for the screen, whole for the filter and in the detail view.
        post = next(i for i in range(table.row_count)
                    if table._rows[table._view[i]][3] == "Post Transition")
        assert "→ Post-trans" in table.render_line(post + 1).text
        dated = next(i for i in range(table.row_count) if table._rows[table._view[i]][4])
        assert table.render_line(dated + 1).text.rstrip().endswith(" 21")  # 01 Mar 21
        app.pane("deliverables").set_filter("status:transition")
        await pilot.pause()
        assert 0 < table.row_count < table.total_count


async def test_sign_offs_show_every_column_whole_at_132_columns(app):
    async with app.run_test(size=(132, 43)) as pilot:
        await pilot.press("4")
        await pilot.pause()
        table = app.pane("deliverables").table
        widths = column_widths(table)
        assert widths["age"] > 0 and widths["status"] >= 17 and widths["title"] >= 40, widths
        header = table.render_line(0).text
        assert "Approved by" in header and "Age" in header
        assert "Post Transition" in "".join(table.render_line(y).text for y in range(1, 30))


# -- 15. words follow the programme's vocabulary --------------------------------------------

def test_words_come_from_what_the_records_use():
    lcc = vocab.programme_words(6, 1, ["Signed Off", "Post Transition"])
    assert (lcc.roles, lcc.register, lcc.done) == ("key transition roles", "sign-off register", "Sign-offs")
    bwd = vocab.programme_words(0, 0, ["Delivered", "In Progress"])
    assert "transition" not in bwd.roles and bwd.register == "delivery register" and bwd.done == "Delivered"
    assert vocab.programme_words(3, 0, []).roles == "key roles"
    assert vocab.programme_words(0, 0, []).register == "sign-off register"  # nothing yet: the product's default


@pytest.mark.parametrize("code,roles,register,done,tab", [
    ("lcc-btls", "key transition roles", "sign-off register", "Sign-offs", "Sign-offs"),
    ("bwd-digital", "roles (none recorded)", "delivery register", "Delivered", "Delivery"),
])
async def test_each_programme_is_worded_by_its_records(demo_store, code, roles, register, done, tab):
    app = AssureApp(demo_store, programme_id=programme(demo_store, code).id, poll_seconds=60)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        overview = app.pane("overview")
        summary = overview.summary["deliverables"]
        heading = overview._deliverables().plain.split("\n")[0]
        assert heading.startswith(f"{done} {summary['done']}/{summary['total']} (")
        assert str(app.query_one("#tab-deliverables").render()) == f"4 {tab}"
        await pilot.press("2")
        await pilot.pause()
        assert str(app.pane("raci").query_one(".pane-title").render()).startswith(f"RACI · {roles} · ")
        assert ("Transition role" in app.pane("raci").table.render_line(0).text) == (code == "lcc-btls")
        await pilot.press("4")
        await pilot.pause()
        assert f"Deliverables · {register} · " in str(app.pane("deliverables").query_one(".pane-title").render())
        await pilot.press("3")
        await pilot.pause()
        header = app.pane("outcomes").table.render_line(0).text
        assert ("Signed off" in header) == (code == "lcc-btls") and ("Delivered" in header) == (code != "lcc-btls")


def test_the_board_pack_names_the_register_by_the_programme(demo_store):
    from assure.models.board_pack import render

    bwd = programme(demo_store, "bwd-digital")
    text = render(demo_store, bwd.id, "md")
    assert "## Delivery register" in text and "Sign-off register" not in text
