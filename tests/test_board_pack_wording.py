"""The board pack reads as a board expects: the verdict first, shares to the nearest per cent,
counts that agree in number, months printed as months, A4 print rules, a clean screenshot."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from assure.models.board_pack import build, render_html, render_markdown
from assure.models.summary import percent
from assure.models.wording import of_total, record_date, share, share_text


@pytest.mark.parametrize(("done", "total", "expected"), [
    (7, 9, 78),  # 77.8: to the nearest, not rounded down
    (61, 72, 85),  # 84.7
    (1, 8, 13),  # 12.5: halves up
    (199, 200, 99),  # 99.5 would round to 100: never 100 while one is open
    (1, 1000, 1),  # never 0 once one is done
    (0, 5, 0), (5, 5, 100), (0, 0, 0),
])
def test_shares_are_to_the_nearest_per_cent(done, total, expected):
    assert share(done, total) == expected == percent(done, total)


def test_a_share_of_nothing_is_a_dash():
    assert share_text(0, 0) == "-" and share_text(7, 9) == "78%"


def test_counts_agree_in_number():
    assert of_total(1, 15, "deliverable", "is") == "1 of 15 deliverables is"
    assert of_total(2, 15, "deliverable", "is") == "2 of 15 deliverables are"
    assert of_total(1, 1, "open risk or issue", "is") == "1 of 1 open risk or issue is"
    assert of_total(3, 4, "open risk or issue", "has") == "3 of 4 open risks or issues have"


def test_a_month_only_date_prints_as_the_month():
    assert record_date("2022-06-01", "Source gives month only: June 2022 (the original target date).") == "Jun 2022"
    assert record_date("2022-06-01", None) == "01 Jun 2022"  # a real first of the month
    assert record_date("2022-06-01", "Source gives month only: July 2022") == "01 Jun 2022"  # another month
    assert record_date("2022-06-15", "Source gives month only: June 2022") == "15 Jun 2022"


@pytest.fixture
def pid(store):
    """Nine deliverables, seven signed off, one open past its date; an owner on the late one."""
    programme_id = store.create("programme", None, {"code": "w", "name": "Wording", "as_of": "20/04/2021"})
    outcome = store.create("outcome", programme_id, {"number": 1, "title": "The outcome", "status": "Complete"})
    for number in range(7):
        store.create("deliverable", programme_id, {"outcome_id": outcome, "title": f"Done {number}",
                                                   "approved_by": "Ann", "status": "Signed Off", "date": "01/03/2021"})
    store.create("deliverable", programme_id, {"outcome_id": outcome, "title": "Late one", "approved_by": "Bob Owner",
                                               "status": "In Progress", "date": "01/02/2021"})
    store.create("deliverable", programme_id, {"outcome_id": outcome, "title": "Monthly one", "approved_by": "Ann",
                                               "status": "In Progress", "date": "2021-06-01",
                                               "note": "Source gives month only: June 2021"})
    return programme_id


def test_the_markdown_pack_leads_with_the_verdict_in_the_agreed_order(store, pid):
    text = render_markdown(build(store, pid))
    headings = [line[3:] for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["Verdict", "Decisions needed", "Since the last board", "Assurance findings", "Outcomes",
                        "Sign-off register",
                        "Open risks and issues", "Open actions", "RACI", "Lessons", "Closure readiness",
                        "Handover register"]
    verdict = text.split("## Verdict")[1].split("## ")[0]
    assert "1 of 9 deliverables is open past the planned date: 'Late one'" in verdict
    assert "7 of 9 (78%)" in text  # the outcome's progress
    assert "7 of 9 (77%)" not in text
    assert "| Monthly one | Ann | In Progress | Jun 2021 |" in text
    assert "01 Jun 2021" not in text
    decisions = text.split("## Decisions needed")[1].split("## ")[0]
    assert decisions.strip().startswith("1. Agree the verdict: Amber (DCA Amber)")


def test_findings_in_the_pack_name_the_owner_and_no_rule_id(store, pid):
    text = render_markdown(build(store, pid))
    findings = text.split("## Assurance findings")[1].split("## ")[0]
    assert "| MEDIUM | Outcome 1 'The outcome' is Complete but 2 of 9 deliverables are not signed off" in findings
    assert "outcome-complete-open" not in text


def test_the_html_pack_prints_on_a4_and_reads_without_colour(store, pid):
    page = render_html(build(store, pid))
    assert "@page { size: A4" in page
    assert re.search(r"tr, td, th[^{]*\{ break-inside: avoid", page)
    assert "thead { display: table-header-group; }" in page
    assert '<p class="verdict rag-Amber">◆ Amber (DCA Amber:' in page  # a symbol and a word, not colour alone
    assert "<td class=\"nowrap\">Jun 2021</td>" in page
    assert page.index("<h2>Verdict</h2>") < page.index("<h2>Decisions needed</h2>") < page.index(
        "<h2>Assurance findings</h2>") < page.index("<h2>Outcomes</h2>") < page.index("<h2>RACI</h2>")


def test_the_demo_bwd_pack_prints_its_months_as_months(demo_store):
    bwd = demo_store.programme_by_code("bwd-digital")
    text = render_markdown(build(demo_store, bwd.id))
    # Its forecast is the month the source's "spring 2023" allows; its baseline, June 2022.
    assert "| New Unified Communications system implemented |  | Delayed | Mar 2023 |" in text
    assert "forecast for Mar 2023: 273 days after its baseline Jun 2022" in text
    assert "01 Jun 2022" not in text
    assert "21 of 33 (64%)" in text  # 63.6%, to the nearest


def test_the_demo_lcc_pack_is_not_green(demo_store):
    lcc = demo_store.programme_by_code("lcc-btls")
    verdict = render_markdown(build(demo_store, lcc.id)).split("## Verdict")[1].split("## ")[0]
    assert "**◆ Amber (DCA Amber:" in verdict
    assert "11 of 72 deliverables are open after the programme ended (01 Apr 2021)" in verdict


def test_the_screenshot_is_a_clean_picture_for_a_slide(demo_store, db_path, tmp_path):
    target = tmp_path / "slide.svg"
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_path), "screenshot", "--out", str(target),
                             "--size", "100x30"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    svg = target.read_text().replace("&#160;", " ")
    assert "Verdict" in svg and "Outcomes" in svg
    # The screenshot opens the database read-only: still no badge, and no key footer.
    assert "READ-ONLY" not in svg
    for word in ("Quit", "Help", "Override"):  # the footer's key descriptions (a dashboard shows them)
        assert word not in svg, word
