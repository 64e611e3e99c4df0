"""Assurance rules: each rule trips on data that breaks it and stays quiet on data that does not.

Data is built through ``store.create()`` on a real database file, as a user would enter
it. Each expectation is written from the rule's meaning (PRODUCT.md), not from its code.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assure.models import vocab
from assure.models.rules import (
    RULES, SEVERITIES, Finding, names_nearly_match, near_pairs, normalise_title, run_rules,
)
from assure.models.summary import programme_summary

TODAY = date(2021, 4, 20)


@pytest.fixture
def pid(store):
    """A programme with dates, an accountable owner and nothing else wrong."""
    programme_id = store.create("programme", None, {
        "code": "t", "name": "Test programme", "start_date": "01/10/2019", "end_date": "2021-04-01",
        "as_of": "20/04/2021",
    })
    person = store.create("person", programme_id, {"name": "Mike Kirby"})
    store.create("raci", programme_id, {"person_id": person, "role": "Sponsor", "letter": "A"})
    return programme_id


def hits(store, programme_id, rule, **options) -> list[Finding]:
    options.setdefault("today", TODAY)
    return [finding for finding in run_rules(store, programme_id, **options) if finding.rule == rule]


def outcome(store, pid, number=1, status="In Progress"):
    return store.create("outcome", pid, {"number": number, "title": f"Outcome {number}", "status": status})


def deliverable(store, pid, title="A deliverable", **fields):
    return store.create("deliverable", pid, {"title": title, **fields})


def test_clean_programme_has_no_findings(store, pid):
    out = outcome(store, pid, status="Complete")
    deliverable(store, pid, "Plan", outcome_id=out, approved_by="Mike Kirby", status="Signed Off", date="01/03/2021")
    store.create("risk", pid, {"ref": "R1", "description": "Supplier", "likelihood": 2, "impact": 3,
                               "owner": "Mike Kirby", "review_on": "30/04/2021"})
    store.create("action", pid, {"number": 1, "description": "Review", "owner": "Mike Kirby", "due_on": "01/05/2021"})
    assert run_rules(store, pid, today=TODAY) == []


def test_every_finding_is_well_formed_and_sorted(store, pid):
    person = store.create("person", pid, {"name": "Glyn Peach"})
    store.create("raci", pid, {"person_id": person, "role": "Lead", "letter": "A"})
    deliverable(store, pid, "No approver", status="Signed Off")
    store.create("action", pid, {"number": 1, "description": "Do it"})
    store.create("risk", pid, {"ref": "R1", "description": "Risky"})
    findings = run_rules(store, pid, today=TODAY)
    assert {f.severity for f in findings} == set(SEVERITIES)
    keys = [(SEVERITIES.index(f.severity), f.rule) for f in findings]
    assert keys == sorted(keys)
    known = {rule.id: rule.severity for rule in RULES}
    from assure.models.kinds import KINDS

    for finding in findings:
        assert known[finding.rule] == finding.severity
        assert finding.kind in KINDS
        assert "\n" not in finding.message
        json.dumps(finding.as_dict())


def test_rules_list_is_documented():
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert rule.severity in SEVERITIES and rule.description
        # Every finding says why it matters in plain words, without the rule's id.
        assert rule.reason and rule.id not in rule.reason


# -- RACI ----------------------------------------------------------------------------------


def test_raci_without_accountable(store):
    programme_id = store.create("programme", None, {"code": "r", "name": "R"})
    assert [f.severity for f in hits(store, programme_id, "raci-accountable")] == ["high"]  # no RACI at all
    person = store.create("person", programme_id, {"name": "Glyn Peach"})
    store.create("raci", programme_id, {"person_id": person, "role": "Lead", "letter": "R"})
    found = hits(store, programme_id, "raci-accountable")
    assert len(found) == 1 and "no Accountable" in found[0].message and found[0].kind == "raci"


def test_raci_with_two_accountable(store, pid):
    assert hits(store, pid, "raci-accountable") == []
    person = store.create("person", pid, {"name": "Glyn Peach"})
    second = store.create("raci", pid, {"person_id": person, "role": "Deputy", "letter": "A"})
    found = hits(store, pid, "raci-accountable")
    assert len(found) == 1
    assert "2 Accountable" in found[0].message and "Glyn Peach" in found[0].message
    assert (found[0].kind, found[0].record_id) == ("raci", second)


# -- sign-offs -----------------------------------------------------------------------------


def test_signed_off_without_approver(store, pid):
    bad = deliverable(store, pid, "Orphan sign-off", status="Signed Off", date="01/03/2021")
    deliverable(store, pid, "Approved", status="Signed Off", approved_by="Mike Kirby", date="01/03/2021")
    deliverable(store, pid, "Still open", status="In Progress", approved_by="Mike Kirby")
    found = hits(store, pid, "signoff-approver")
    assert [(f.record_id, f.kind, f.severity) for f in found] == [(bad, "deliverable", "high")]
    assert "'Orphan sign-off' is signed off without an approver" in found[0].message


def test_signoff_after_report_date_or_today(store, pid):
    after_report = deliverable(store, pid, "Incident Management", status="Signed Off", approved_by="X Y", date="27/11/2021")
    deliverable(store, pid, "On the day", status="Signed Off", approved_by="X Y", date="20/04/2021")
    deliverable(store, pid, "Planned later, not signed", status="In Progress", approved_by="X Y", date="27/11/2021")
    found = hits(store, pid, "signoff-future")
    assert [f.record_id for f in found] == [after_report]
    assert "27 Nov 2021" in found[0].message and "report date 20 Apr 2021" in found[0].message
    # The same record is not reported twice as outside the programme's dates too.
    assert after_report not in [f.record_id for f in hits(store, pid, "signoff-outside-programme")]


def test_signoff_in_the_future_without_report_date(store):
    programme_id = store.create("programme", None, {"code": "f", "name": "F"})
    future = deliverable(store, programme_id, "Tomorrow", status="Signed Off", approved_by="X Y", date="21/04/2021")
    deliverable(store, programme_id, "Today", status="Signed Off", approved_by="X Y", date="20/04/2021")
    assert [f.record_id for f in hits(store, programme_id, "signoff-future")] == [future]
    assert hits(store, programme_id, "signoff-future", today=date(2021, 4, 21)) == []


def test_signoff_outside_programme_dates(store, pid):
    early = deliverable(store, pid, "Before start", status="Signed Off", approved_by="X Y", date="15/07/2019")
    late = deliverable(store, pid, "After end", status="Signed Off", approved_by="X Y", date="10/04/2021")
    deliverable(store, pid, "First day", status="Signed Off", approved_by="X Y", date="01/10/2019")
    deliverable(store, pid, "Last day", status="Signed Off", approved_by="X Y", date="01/04/2021")
    found = hits(store, pid, "signoff-outside-programme")
    assert [f.record_id for f in found] == [early, late]
    assert "before the programme started" in found[0].message and "after the programme ended" in found[1].message


def test_signoff_dates_not_checked_without_programme_dates(store):
    programme_id = store.create("programme", None, {"code": "n", "name": "No dates"})
    deliverable(store, programme_id, "Old", status="Signed Off", approved_by="X Y", date="01/01/2000")
    assert hits(store, programme_id, "signoff-outside-programme") == []


def test_signoff_without_date(store, pid):
    undated = deliverable(store, pid, "Undated", status="Signed Off", approved_by="X Y")
    deliverable(store, pid, "Open undated", status="Not Started", approved_by="X Y")
    assert [(f.record_id, f.severity) for f in hits(store, pid, "signoff-undated")] == [(undated, "low")]


def test_complete_outcome_with_open_deliverables(store, pid):
    complete = outcome(store, pid, 1, "Complete")
    finished = outcome(store, pid, 2, "Complete")
    in_progress = outcome(store, pid, 3, "In Progress")
    deliverable(store, pid, "Done", outcome_id=complete, status="Signed Off", approved_by="X Y", date="01/03/2021")
    deliverable(store, pid, "Handed over", outcome_id=complete, status="Post Transition")
    deliverable(store, pid, "Delivered", outcome_id=finished, status="Delivered", approved_by="X Y")
    deliverable(store, pid, "Open but outcome open", outcome_id=in_progress, status="In Progress")
    found = hits(store, pid, "outcome-complete-open")
    assert [(f.kind, f.record_id) for f in found] == [("outcome", complete)]
    assert "1 of 2" in found[0].message and "Post Transition" in found[0].message


# -- duplicates ----------------------------------------------------------------------------


def test_normalise_title():
    assert normalise_title("  Service Description  Template (as above) ") == "service description template"
    assert normalise_title("Service description template") == "service description template"
    assert normalise_title("Above (as above) plan") == "above (as above) plan"


def test_duplicate_deliverables(store, pid):
    one, two = outcome(store, pid, 1), outcome(store, pid, 2)
    deliverable(store, pid, "Service Description Template - Services", outcome_id=one)
    later = deliverable(store, pid, "service description  template - services (as above)", outcome_id=two)
    deliverable(store, pid, "Plan in place", outcome_id=one)
    third = deliverable(store, pid, "Plan in place", outcome_id=one)
    deliverable(store, pid, "Plan in place for PCI", outcome_id=one)
    found = hits(store, pid, "deliverable-duplicate")
    assert sorted(f.record_id for f in found) == sorted([later, third])
    by_id = {f.record_id: f for f in found}
    assert "outcome 2" in by_id[later].message and "2 times" in by_id[later].message


def test_duplicates_are_per_programme(store, pid):
    other = store.create("programme", None, {"code": "o", "name": "Other"})
    deliverable(store, pid, "Same title")
    deliverable(store, other, "Same title")
    assert hits(store, pid, "deliverable-duplicate") == []


# -- owners --------------------------------------------------------------------------------


def test_open_items_without_owner(store, pid):
    open_deliverable = deliverable(store, pid, "Handover", status="Post Transition")
    deliverable(store, pid, "Delivered without approver", status="Delivered")
    deliverable(store, pid, "Owned", status="In Progress", approved_by="X Y")
    risk = store.create("risk", pid, {"ref": "R1", "description": "No owner", "likelihood": 1, "impact": 1,
                                      "review_on": "01/05/2021"})
    store.create("risk", pid, {"ref": "R2", "description": "Closed", "status": "Closed"})
    action = store.create("action", pid, {"number": 1, "description": "No owner", "due_on": "01/05/2021"})
    store.create("action", pid, {"number": 2, "description": "Done", "status": "Done"})
    store.create("action", pid, {"number": 3, "description": "Owned", "owner": "X Y", "due_on": "01/05/2021"})
    assert [f.record_id for f in hits(store, pid, "deliverable-owner")] == [open_deliverable]
    assert [(f.record_id, f.kind) for f in hits(store, pid, "risk-owner")] == [(risk, "risk")]
    assert [(f.record_id, f.kind) for f in hits(store, pid, "action-owner")] == [(action, "action")]


# -- dates ---------------------------------------------------------------------------------


def test_actions_past_due(store, pid):
    late = store.create("action", pid, {"number": 1, "description": "Late", "owner": "X Y", "due_on": "19/04/2021"})
    store.create("action", pid, {"number": 2, "description": "Due today", "owner": "X Y", "due_on": "20/04/2021"})
    store.create("action", pid, {"number": 3, "description": "Late but done", "owner": "X Y", "due_on": "01/01/2021",
                                 "status": "Done"})
    found = hits(store, pid, "action-overdue")
    assert [f.record_id for f in found] == [late]
    assert "1 day overdue" in found[0].message


def test_overdue_uses_assure_today_by_default_for_a_live_programme(store, monkeypatch):
    live = store.create("programme", None, {"code": "live", "name": "Live"})
    store.create("action", live, {"number": 1, "description": "Late", "owner": "X Y", "due_on": "19/04/2021"})
    monkeypatch.setenv("ASSURE_TODAY", "2021-04-19")
    assert [f for f in run_rules(store, live) if f.rule == "action-overdue"] == []
    monkeypatch.setenv("ASSURE_TODAY", "2021-04-20")
    assert len([f for f in run_rules(store, live) if f.rule == "action-overdue"]) == 1


def test_overdue_is_judged_on_the_reporting_date_whatever_the_clock(store, pid):
    """pid reports as of 20 Apr 2021: a day later or five years later, the same finding."""
    store.create("action", pid, {"number": 1, "description": "Late", "owner": "X Y", "due_on": "19/04/2021"})
    for today in (date(2021, 4, 19), date(2021, 4, 21), date(2026, 12, 1)):
        found = hits(store, pid, "action-overdue", today=today)
        assert [f.message.endswith("(1 day overdue)") for f in found] == [True], today


def test_actions_without_due_date(store, pid):
    undated = store.create("action", pid, {"number": 1, "description": "Someday", "owner": "X Y"})
    store.create("action", pid, {"number": 2, "description": "Cancelled", "owner": "X Y", "status": "Cancelled"})
    assert [(f.record_id, f.severity) for f in hits(store, pid, "action-undated")] == [(undated, "low")]


def test_risks_not_reviewed(store, pid):
    passed = store.create("risk", pid, {"ref": "R1", "description": "Review passed", "owner": "X Y",
                                        "likelihood": 2, "impact": 2, "review_on": "19/04/2021"})
    store.create("risk", pid, {"ref": "R2", "description": "Review due", "owner": "X Y",
                               "likelihood": 2, "impact": 2, "review_on": "20/04/2021"})
    stale = store.create("risk", pid, {"ref": "R3", "description": "Not touched", "owner": "X Y",
                                       "likelihood": 2, "impact": 2})
    fresh = store.create("risk", pid, {"ref": "R4", "description": "Updated lately", "owner": "X Y",
                                       "likelihood": 2, "impact": 2})
    closed = store.create("risk", pid, {"ref": "R5", "description": "Closed", "owner": "X Y", "status": "Closed",
                                        "review_on": "01/01/2021"})
    # Age two risks' last update (nothing in the store sets updated_at by hand).
    with store.transaction() as conn:
        conn.execute("UPDATE risk SET updated_at = '2021-01-19T09:00:00+00:00' WHERE id IN (?, ?)", (stale, closed))
        conn.execute("UPDATE risk SET updated_at = '2021-01-21T09:00:00+00:00' WHERE id = ?", (fresh,))
    found = hits(store, pid, "risk-review")
    assert [f.record_id for f in found] == [passed, stale]
    assert "91 days" in found[1].message
    assert [f.record_id for f in hits(store, pid, "risk-review", review_days=100)] == [passed]


def test_risks_not_scored(store, pid):
    half = store.create("risk", pid, {"ref": "R1", "description": "Half", "owner": "X Y", "likelihood": 3,
                                      "review_on": "01/05/2021"})
    store.create("risk", pid, {"ref": "R2", "description": "Scored", "owner": "X Y", "likelihood": 3, "impact": 1,
                               "review_on": "01/05/2021"})
    store.create("risk", pid, {"ref": "R3", "description": "Closed", "owner": "X Y", "status": "Closed"})
    assert [(f.record_id, f.severity) for f in hits(store, pid, "risk-unscored")] == [(half, "low")]


# -- people --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "near"),
    [
        ("Rachel Tanner", "Rachael Tanner", True),
        ("Socitm Advisory", "SOCITM Advisory", True),
        ("Glyn Peach", "Glynn Peach", True),
        ("Paul Sutcliffe", "Paul Sutclife", True),
        ("Glyn Peach", "Paul Sutcliffe", False),
        ("LCC", "WLBC", False),
        ("Rob", "Bob", False),
        ("Mark Greenwood", "Mark Green", False),
        ("Glyn Peach", "Glyn Peach", False),
    ],
)
def test_names_nearly_match(a, b, near):
    assert names_nearly_match(a, b) is near
    assert names_nearly_match(b, a) is near


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(alphabet="abAB c", max_size=16), unique=True, max_size=20))
def test_near_pairs_finds_exactly_the_pairs_that_nearly_match(names):
    """The indexed search must agree with comparing every pair (a tiny alphabet makes near misses common)."""
    everything = {
        (a, b) for a, b in itertools.combinations(names, 2) if names_nearly_match(a, b)
    }
    assert set(near_pairs(names)) == everything


def test_near_pairs_on_realistic_names():
    first = ["Rachel", "Rachael", "Glyn", "Glynn", "Paul", "Pauline", "Mark", "Marek", "Sarah", "Sara"]
    last = ["Tanner", "Turner", "Peach", "Sutcliffe", "Sutclife", "Greenwood", "Green", "Porter", "Potter"]
    names = [f"{f} {l}" for f in first for l in last] + ["LCC", "WLBC", "Socitm Advisory", "SOCITM advisory", "HR"]
    everything = {(a, b) for a, b in itertools.combinations(names, 2) if names_nearly_match(a, b)}
    assert set(near_pairs(names)) == everything
    assert ("Rachel Tanner", "Rachael Tanner") in everything and ("LCC", "WLBC") not in everything


def test_near_matching_people_across_tables(store, pid):
    rachael = store.create("person", pid, {"name": "Rachael Tanner"})
    store.create("raci", pid, {"person_id": rachael, "role": "Procurement", "letter": "R"})
    signed = deliverable(store, pid, "Staff in place", status="Signed Off", approved_by="Rachel Tanner",
                         date="01/03/2021")
    deliverable(store, pid, "Catalogue", status="Signed Off", approved_by="Gabby Nelson / Paul Sutcliffe",
                date="01/03/2021")
    store.create("lesson", pid, {"number": 1, "description": "x", "responsible": "Socitm Advisory / LCC"})
    found = hits(store, pid, "person-near-match")
    assert len(found) == 1
    assert "'Rachel Tanner'" in found[0].message and "'Rachael Tanner'" in found[0].message
    # It points at the spelling that differs from the RACI, where it is used.
    assert (found[0].kind, found[0].record_id) == ("deliverable", signed)


def test_names_in_shared_fields_are_split(store, pid):
    store.create("person", pid, {"name": "Paul Sutcliffe"})
    risk = store.create("risk", pid, {"ref": "R1", "description": "x", "owner": "Glyn Peach / Paul Sutclife"})
    found = hits(store, pid, "person-near-match")
    assert [(f.kind, f.record_id) for f in found] == [("risk", risk)]


# -- the demo data -------------------------------------------------------------------------


def _demo(demo_store, code):
    programme = demo_store.programme_by_code(code)
    assert programme is not None, f"demo programme {code} did not load"
    return programme


def test_demo_findings_show_what_the_closure_report_hides(demo_store):
    programme = _demo(demo_store, "lcc-btls")
    findings = run_rules(demo_store, programme.id, today=TODAY)
    by_rule: dict[str, list[Finding]] = {}
    for finding in findings:
        by_rule.setdefault(finding.rule, []).append(finding)
    # "Rachel Tanner" approves a deliverable; the RACI spells her "Rachael Tanner".
    assert any("Rachel Tanner" in f.message and "Rachael Tanner" in f.message for f in by_rule["person-near-match"])
    # Every Complete outcome with a deliverable not signed off or delivered is reported, and only those.
    expected = {
        o.id for o in demo_store.outcomes(programme.id)
        if o.status in vocab.OUTCOME_DONE and o.deliverables_done < o.deliverables_total
    }
    assert expected, "the closure report has Post Transition deliverables under Complete outcomes"
    assert {f.record_id for f in by_rule["outcome-complete-open"]} == expected
    # "Incident Management" is signed off 27/11/2021 in a report dated 20/04/2021.
    assert any("27 Nov 2021" in f.message for f in by_rule["signoff-future"])
    # Exactly one Accountable (Mike Kirby): no RACI finding.
    assert "raci-accountable" not in by_rule


def test_rules_and_summary_import_nothing_heavy(tmp_path):
    """assure status must start fast: the rules never load Textual, pydantic or SQLAlchemy."""
    code = (
        "import sys, json\n"
        "import assure.models.rules, assure.models.summary\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'pydantic', 'sqlalchemy', 'sqlmodel'})\n"
        "print(json.dumps(heavy))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(result.stdout) == []


def test_summary_without_findings_runs_no_rules(store, pid, monkeypatch):
    store.create("action", pid, {"number": 1, "description": "Undated", "owner": "X Y"})
    import assure.models.rules as rules

    monkeypatch.setattr(rules, "run_rules", lambda *args, **kwargs: pytest.fail("rules were run"))
    summary = programme_summary(store, pid, today=TODAY, include_findings=False)
    assert summary["findings"] is None
    assert summary["actions"] == {"total": 1, "open": 1, "overdue": 0}
    json.dumps(summary)


# -- rules an assurance lead expects ----------------------------------------------------------


def test_red_risk_without_a_review_date_or_not_reviewed(store, pid):
    unreviewed = store.create("risk", pid, {"ref": "R1", "description": "No review date", "owner": "X Y",
                                            "likelihood": 4, "impact": 4})
    passed = store.create("risk", pid, {"ref": "R2", "description": "Review passed", "owner": "X Y",
                                        "likelihood": 5, "impact": 3, "review_on": "01/04/2021"})
    stale = store.create("risk", pid, {"ref": "R3", "description": "Not touched", "owner": "X Y",
                                       "likelihood": 5, "impact": 5, "review_on": "30/04/2021"})
    store.create("risk", pid, {"ref": "R4", "description": "Reviewed, due later", "owner": "X Y",
                               "likelihood": 5, "impact": 5, "review_on": "30/04/2021"})
    store.create("risk", pid, {"ref": "R5", "description": "Amber, no review date", "owner": "X Y",
                               "likelihood": 2, "impact": 7 // 2})
    store.create("risk", pid, {"ref": "R6", "description": "Red but closed", "owner": "X Y",
                               "likelihood": 5, "impact": 5, "status": "Closed"})
    with store.transaction() as conn:
        conn.execute("UPDATE risk SET updated_at = '2021-01-01T09:00:00+00:00' WHERE id = ?", (stale,))
    found = hits(store, pid, "risk-red-review")
    assert [f.record_id for f in found] == [unreviewed, passed, stale]
    assert "red (score 16) and has no review date" in found[0].message
    assert "was due for review on 01 Apr 2021" in found[1].message
    assert "not been updated for 109 days" in found[2].message
    assert {f.severity for f in found} == {"medium"}
    # One finding per problem: a red risk is not reported again as an ordinary unreviewed one.
    assert not {passed, stale} & {f.record_id for f in hits(store, pid, "risk-review")}


def test_deliverable_forecast_past_its_baseline(store, pid):
    slipped = deliverable(store, pid, "Slipped", approved_by="X Y", status="Delayed",
                          baseline_date="2022-06-01", date="2023-03-01")
    deliverable(store, pid, "On plan", approved_by="X Y", status="In Progress", baseline_date="2022-06-01",
                date="2022-06-01")
    deliverable(store, pid, "Done late", approved_by="Mike Kirby", status="Signed Off",
                baseline_date="2021-01-01", date="2021-03-01")
    deliverable(store, pid, "No baseline", approved_by="X Y", status="In Progress", date="2023-03-01")
    found = hits(store, pid, "deliverable-slipped")
    assert [f.record_id for f in found] == [slipped]
    assert "forecast for 01 Mar 2023: 273 days after its baseline 01 Jun 2022" in found[0].message


def test_baseline_date_round_trips_through_the_bundle_and_csv(store, pid, tmp_path):
    from assure.models.board_pack import CSV_FIELDS
    from assure.models.bundle import dump_programme

    deliverable(store, pid, "Slipped", status="Delayed", baseline_date="01/06/2022", date="2023-03-01")
    assert str(store.deliverables(pid)[0].baseline_date) == "2022-06-01"
    document = dump_programme(store, pid)
    assert str(document["deliverables"][0]["baseline_date"]) == "2022-06-01"
    assert "baseline_date" in CSV_FIELDS["deliverables"]


def test_sign_off_authority_against_the_raci(store, pid):
    """The source: the Accountable approves; R and C endorse. Mike Kirby is pid's Accountable."""
    endorser = store.create("person", pid, {"name": "Glyn Peach"})
    store.create("raci", pid, {"person_id": endorser, "role": "Lead", "letter": "R"})
    first = deliverable(store, pid, "By an outsider", approved_by="Paul Sutcliffe", status="Signed Off", date="2021-03-01")
    deliverable(store, pid, "Outsider again", approved_by="Glyn Peach / Paul Sutcliffe", status="Signed Off",
                date="2021-03-01")
    deliverable(store, pid, "By the endorser", approved_by="Glyn Peach", status="Signed Off", date="2021-03-01")
    deliverable(store, pid, "By the Accountable", approved_by="Mike Kirby", status="Signed Off", date="2021-03-01")
    deliverable(store, pid, "Still open, outsider named", approved_by="Someone Else", status="In Progress")
    found = hits(store, pid, "signoff-authority")
    assert [(f.record_id, f.severity) for f in found] == [(first, "medium")]
    assert "'Paul Sutcliffe' approves 2 sign-offs but holds no role in the RACI" in found[0].message
    accountable = hits(store, pid, "signoff-accountable")
    assert len(accountable) == 1 and accountable[0].severity == "low"
    assert "1 of 4 sign-offs is approved by the Accountable owner 'Mike Kirby'; 3 are approved by others" in accountable[0].message
    assert "Glyn Peach (R) 2" in accountable[0].message and "Paul Sutcliffe (no role) 2" in accountable[0].message


def test_no_authority_findings_without_a_raci(store):
    """No RACI at all is raci-accountable's finding, not one per approver."""
    bare = store.create("programme", None, {"code": "bare", "name": "Bare"})
    deliverable(store, bare, "Signed", approved_by="Anyone", status="Signed Off", date="2021-03-01")
    found = {f.rule for f in run_rules(store, bare, today=TODAY)}
    assert "raci-accountable" in found and not {"signoff-authority", "signoff-accountable"} & found


def test_findings_of_one_rule_read_as_one_point_naming_every_record(store, pid):
    from assure.models.rules import grouped

    for number in range(1, 12):
        store.create("action", pid, {"number": number, "description": f"Step {number} " + "x" * 80,
                                     "due_on": "2021-05-01"})
    findings = run_rules(store, pid, today=TODAY)
    owners = [f for f in findings if f.rule == "action-owner"]
    assert len(owners) == 11  # f still reaches each record
    (group,) = [g for g in grouped(findings) if g.rule.id == "action-owner"]
    assert group.message.startswith("11 open actions have no owner: Recommendation 1 'Step 1 ")
    for number in range(1, 12):
        assert f"Recommendation {number} 'Step {number} {'x' * 80}'" in group.message  # whole, never cut
    assert "…" not in group.message


def test_demo_findings_after_the_judgement_layer(demo_store):
    lcc = _demo(demo_store, "lcc-btls")
    rules = {f.rule: f for f in run_rules(demo_store, lcc.id, today=date(2026, 12, 1))}
    # Mike Kirby (A) signs none of the 61 sign-offs; five approvers hold no RACI role.
    assert "None of the 61 sign-offs is approved by the Accountable owner 'Mike Kirby'" in rules["signoff-accountable"].message
    outsiders = [f for f in run_rules(demo_store, lcc.id) if f.rule == "signoff-authority"]
    assert any("'Paul Sutcliffe' approves 12 sign-offs" in f.message for f in outsiders)
    bwd = _demo(demo_store, "bwd-digital")
    slipped = [f for f in run_rules(demo_store, bwd.id) if f.rule == "deliverable-slipped"]
    assert len(slipped) == 1 and "New Unified Communications system implemented" in slipped[0].message
    assert "forecast for Mar 2023: 273 days after its baseline Jun 2022" in slipped[0].message


def test_rules_pause_the_collector_while_they_run_and_leave_it_as_it_was(store, pid):
    """Tens of thousands of findings at 100k: each full collection they would start walks
    every object in memory. The collector is off while the rules run, and afterwards as
    it was before (on stays on, off stays off)."""
    import gc

    seen = []

    class Watching:
        """The store, noting whether the collector runs when the rules read the registers
        (on it: with no readers of its own, nothing is read on other connections)."""

        reader = None

        def __getattr__(self, name):
            return getattr(store, name)

        def register_facts(self, programme_id):
            seen.append(gc.isenabled())
            return store.register_facts(programme_id)

    was = gc.isenabled()
    try:
        for enabled in (True, False):
            (gc.enable if enabled else gc.disable)()
            run_rules(Watching(), pid, today=TODAY)
            assert gc.isenabled() is enabled
        assert seen == [False, False]
    finally:
        (gc.enable if was else gc.disable)()


def test_the_collector_stays_paused_until_the_last_pause_ends():
    """The Overview's rules and the Since view's rows are made on two threads at once: the
    first to finish must not start the collector under the other."""
    import gc

    from assure.models.collector import collector_paused

    was = gc.isenabled()
    gc.enable()
    try:
        rules_run, rows_made = collector_paused(), collector_paused()
        rules_run.__enter__()
        rows_made.__enter__()
        rules_run.__exit__(None, None, None)  # the rules end first
        assert not gc.isenabled()
        rows_made.__exit__(None, None, None)
        assert gc.isenabled()
        gc.disable()
        with collector_paused():
            pass
        assert not gc.isenabled()  # off before, off after
    finally:
        (gc.enable if was else gc.disable)()


class _OnOneConnection:
    """The store with no readers of its own: the rules read everything on it, in turn."""

    reader = None

    def __init__(self, store):
        self._store = store

    def __getattr__(self, name):
        return getattr(self._store, name)


class _ReadersThatFail(_OnOneConnection):
    """The store whose other connections fail as they open: the rules read on it instead."""

    def reader(self):
        raise RuntimeError("no other connection")


def test_rules_read_on_other_connections_find_what_one_connection_finds(demo_store):
    """The registers, the lists and the deliverable facts are read on connections of their
    own while the rules run; the findings are those read in turn on one, and a connection
    that fails leaves its part to be read on the rules' own."""
    from assure.models.rules import _Data

    started = []
    original = _Data.start_facts

    def watched(self):
        original(self)
        started.append(len(self._pending))

    for programme in demo_store.programmes():
        one = run_rules(_OnOneConnection(demo_store), programme.id, today=TODAY)
        assert one, programme.code
        _Data.start_facts = watched
        try:
            assert run_rules(demo_store, programme.id, today=TODAY) == one
            assert run_rules(_ReadersThatFail(demo_store), programme.id, today=TODAY) == one
        finally:
            _Data.start_facts = original
    assert started and all(count == 3 for count in started[::2])  # registers, grouped, flagged


def test_the_verdict_reads_the_registers_the_rules_read_on_a_connection_of_their_own(demo_store, monkeypatch):
    """The rules read the registers on another connection while they run; the verdict
    after them (as the Overview judges) reads those, not the registers again."""
    from assure.models.store import Store
    from assure.models.verdict import RememberingReads, assess

    reads = []
    original = Store.register_facts
    monkeypatch.setattr(Store, "register_facts", lambda self, programme_id: (reads.append(programme_id),
                                                                              original(self, programme_id))[1])
    pid = demo_store.last_programme_id() or demo_store.programmes()[0].id
    once = RememberingReads(demo_store)
    findings = run_rules(once, pid, today=TODAY)
    verdicts = assess(once, pid, today=TODAY, findings=findings)
    assert reads == [pid]
    assert verdicts == assess(demo_store, pid, today=TODAY, findings=findings)
