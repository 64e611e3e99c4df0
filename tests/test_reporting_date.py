"""One reporting date: every judgement is measured against the programme's "as of" date.

A closed programme (the demo's two) keeps its paper's date whatever the clock says; a
live one (no as_of) reports as of today. The rules, the summary, the board pack and the
panes' ages all ask :func:`assure.models.judgement.reporting_date`.
"""

from __future__ import annotations

from datetime import date

import pytest

from assure.models import board_pack
from assure.models.judgement import days_between, reporting_date
from assure.models.rules import run_rules
from assure.models.summary import programme_summary

#: Long after both demo papers: a clock that must not leak into any judgement.
LATER = date(2026, 12, 1)


def test_reporting_date_is_as_of_else_today():
    class Programme:
        as_of = "2022-12-08"

    assert reporting_date(Programme(), LATER) == date(2022, 12, 8)
    assert reporting_date({"as_of": None}, LATER) == LATER
    assert reporting_date(None, LATER) == LATER
    assert days_between("2022-12-08T00:00:00+00:00", date(2022, 12, 18)) == 10
    assert days_between("2023-01-01", date(2022, 12, 8)) == 0  # changed since the report: not negative


def test_bwd_pack_measures_staleness_from_its_report_date_not_the_clock(demo_store):
    """The pack framed "report date 08 Dec 2022" said a risk was "not updated for 1454 days"."""
    programme = demo_store.programme_by_code("bwd-digital")
    text = board_pack.render(demo_store, programme.id, "md", today=LATER)
    assert "report date 08 Dec 2022" in text and "today 01 Dec 2026" in text
    assert "1454" not in text and "not updated for" not in text
    findings = run_rules(demo_store, programme.id, today=LATER)
    assert [f for f in findings if f.rule in {"risk-review", "risk-red-review"}] == []
    # The same findings whatever the clock: the reporting date decides.
    assert [f.message for f in run_rules(demo_store, programme.id, today=date(2023, 1, 9))] == [
        f.message for f in findings]


def test_lcc_summary_and_findings_do_not_move_with_the_clock(demo_store):
    programme = demo_store.programme_by_code("lcc-btls")
    early = programme_summary(demo_store, programme.id, today=date(2021, 4, 20))
    late = programme_summary(demo_store, programme.id, today=LATER)
    assert early["reporting_date"] == late["reporting_date"] == "2021-04-20"
    assert late["today"] == "2026-12-01"
    for key in ("outcomes", "deliverables", "risks", "actions", "findings"):
        assert early[key] == late[key], key


def test_a_live_programme_reports_as_of_today(store):
    live = store.create("programme", None, {"code": "live", "name": "Live programme"})
    store.create("action", live, {"number": 1, "description": "Late", "owner": "X Y", "due_on": "2026-11-30"})
    assert programme_summary(store, live, today=date(2026, 11, 30))["actions"]["overdue"] == 0
    summary = programme_summary(store, live, today=LATER)
    assert summary["actions"]["overdue"] == 1 and summary["reporting_date"] == "2026-12-01"
    text = board_pack.render(store, live, "md", today=LATER)
    assert "reporting date today, 01 Dec 2026" in text and "(overdue)" in text


def test_overdue_count_in_sql_agrees_with_the_rule_on_the_reporting_date(store):
    closed = store.create("programme", None, {"code": "closed", "name": "Closed", "as_of": "2021-04-20"})
    store.create("action", closed, {"number": 1, "description": "Due after the report", "owner": "X Y",
                                    "due_on": "2021-05-01"})
    store.create("action", closed, {"number": 2, "description": "Due before", "owner": "X Y", "due_on": "2021-04-01"})
    summary = programme_summary(store, closed, today=LATER)
    overdue = [f for f in run_rules(store, closed, today=LATER) if f.rule == "action-overdue"]
    assert summary["actions"]["overdue"] == len(overdue) == 1


@pytest.mark.sqlite_only
def test_status_header_names_the_reporting_date_and_today(demo_store):
    from assure.models.summary import programme_dates

    programme = demo_store.programme_by_code("bwd-digital")._asdict()
    assert programme_dates(programme, LATER).endswith("report date 08 Dec 2022; today 01 Dec 2026")
    assert programme_dates(programme, date(2022, 12, 8)).endswith("report date 08 Dec 2022")
