"""The verdict: each colour's written rule, the DCA mapping, overrides in the store, the demo data."""

from __future__ import annotations

from datetime import date

import pytest

from assure.models import verdict as v
from assure.models.inputs import InvalidInput
from assure.models.records import (
    ActionRecord, DeliverableRecord, OutcomeRecord, ProgrammeRecord, RiskRecord, VerdictOverrideRecord,
)
from assure.models.rules import Finding
from assure.models.verdict import assess, assess_records, dca_from_areas

TODAY = date(2021, 4, 20)


def programme(end_date=None, as_of="2021-04-20"):
    return ProgrammeRecord(1, "P", "P", None, None, None, None, end_date, as_of, 1, "")


def outcome(id_=1, number=1, status="In Progress"):
    return OutcomeRecord(id_, 1, number, f"Outcome {number}", status, None, 0, 0, 1, "")


def deliverable(id_, status="Signed Off", date_=None, outcome_id=1):
    return DeliverableRecord(id_, 1, outcome_id, 1, f"D{id_}", "Ann", status, date_, None, None, 1, "")


def risk(id_, likelihood=None, impact=None, status="Open"):
    score = likelihood * impact if likelihood and impact else None
    return RiskRecord(id_, 1, f"R{id_}", "Risk", "A risk", likelihood, impact, score, "Ann", status, None, None, None, 1, "")


def action(id_, due_on=None, status="Open"):
    return ActionRecord(id_, 1, id_, "Next step", "Do it", "Ann", due_on, status, 1, "")


def finding(severity, rule="x", kind="deliverable", record_id=1):
    return Finding(rule, severity, f"a {severity} finding", kind, record_id)


def judge(*, deliverables=(), risks=(), actions=(), findings=(), end_date=None, overrides=(), outcomes=None):
    return assess_records(programme(end_date), outcomes if outcomes is not None else [outcome()], list(deliverables),
                          list(risks), list(actions), list(findings), today=TODAY, overrides=overrides)


def test_a_programme_with_nothing_wrong_is_green_with_its_reasons():
    result = judge(deliverables=[deliverable(1), deliverable(2)], risks=[risk(1, 1, 2)], actions=[action(1, "2021-05-01")])
    assert (result.programme.rag, result.programme.dca) == ("Green", "Green")
    assert not result.programme.drivers
    texts = [reason.text for reason in result.programme.reasons]
    assert "2 of 2 deliverables are signed off or delivered; none is late" in texts
    assert "1 open risk or issue, all scored green (1-4)" in texts
    assert "1 open action, none overdue" in texts


# -- deliverables ---------------------------------------------------------------------------


def test_one_late_deliverable_in_many_is_amber_and_says_how_many():
    rows = [deliverable(1, "In Progress", "2021-03-01"), *(deliverable(n) for n in range(2, 12))]
    result = judge(deliverables=rows).programme
    assert result.areas["deliverables"] == "Amber"
    assert result.drivers[0].text == "1 of 11 deliverables is open past the planned date: 'D1'"
    assert (result.rag, result.dca) == ("Amber", "Amber/Green")


def test_more_than_a_quarter_late_is_red():
    rows = [deliverable(n, "In Progress", "2021-03-01") for n in (1, 2)] + [deliverable(n) for n in range(3, 8)]
    assert judge(deliverables=rows).programme.areas["deliverables"] == "Red"  # 2 of 7 > a quarter
    rows = [deliverable(n, "In Progress", "2021-03-01") for n in (1, 2)] + [deliverable(n) for n in range(3, 9)]
    assert judge(deliverables=rows).programme.areas["deliverables"] == "Amber"  # 2 of 8 is a quarter, not more


def test_open_deliverables_after_the_programme_ended_are_late():
    rows = [deliverable(1, "Post Transition"), deliverable(2), deliverable(3), deliverable(4), deliverable(5)]
    result = judge(deliverables=rows, end_date="2021-04-01").programme
    assert result.areas["deliverables"] == "Amber"
    assert result.drivers[0].text == "1 of 5 deliverables is open after the programme ended (01 Apr 2021)"


def test_late_deliverables_of_several_kinds_are_counted_together():
    rows = [deliverable(1, "Delayed", "2022-06-01"), deliverable(2, "In Progress", "2021-01-01"),
            *(deliverable(n) for n in range(3, 8))]
    result = judge(deliverables=rows).programme
    assert result.areas["deliverables"] == "Red"  # 2 of 7 late, though each kind alone is 1 of 7
    assert result.drivers[0].text == "2 of 7 deliverables are late, more than a quarter"


def test_delayed_and_undated_deliverables_are_amber():
    result = judge(deliverables=[deliverable(1, "Delayed", "2022-06-01"), deliverable(2, "In Progress"),
                                 *(deliverable(n) for n in range(3, 10))]).programme
    texts = [reason.text for reason in result.drivers]
    assert "1 of 9 deliverables is Delayed: 'D1'" in texts
    assert "1 of 2 open deliverables has no planned date to judge progress by" in texts
    assert result.areas["deliverables"] == "Amber"


# -- risks, actions, findings --------------------------------------------------------------


def test_risk_colours_follow_the_written_bands():
    assert judge(risks=[risk(1, 3, 5)]).programme.areas["risks"] == "Red"  # 15
    assert judge(risks=[risk(1, 2, 3)]).programme.areas["risks"] == "Amber"  # 6
    assert judge(risks=[risk(1)]).programme.areas["risks"] == "Amber"  # unscored: exposure unknown
    assert judge(risks=[risk(1, 1, 4)]).programme.areas["risks"] == "Green"  # 4
    assert judge(risks=[risk(1, 5, 5, status="Closed")]).programme.areas["risks"] == "Green"
    red = judge(risks=[risk(1, 3, 5), risk(2, 1, 1)]).programme
    assert red.drivers[0].text == "1 of 2 open risks or issues is red (score 15-25): R1"


def test_overdue_actions_are_amber_and_half_of_them_red():
    one = judge(actions=[action(1, "2021-04-10"), action(2, "2021-05-01"), action(3)]).programme
    assert one.areas["actions"] == "Amber"
    assert one.drivers[0].text == "1 of 3 open actions is overdue (the oldest by 10 days)"
    two = judge(actions=[action(1, "2021-04-10"), action(2, "2021-04-19"), action(3), action(4)]).programme
    assert two.areas["actions"] == "Red"
    assert judge(actions=[action(1, "2021-04-10", status="Done")]).programme.areas["actions"] == "Green"


def test_findings_colour_by_severity_and_acknowledged_ones_do_not_count():
    assert judge(findings=[finding("low")]).programme.areas["findings"] == "Green"
    assert judge(findings=[finding("medium")]).programme.areas["findings"] == "Amber"
    assert judge(findings=[finding("high")]).programme.areas["findings"] == "Amber"
    assert judge(findings=[finding("high")] * 3).programme.areas["findings"] == "Red"

    answered = Finding("x", "high", "answered", "deliverable", 1, acknowledged=object())  # any acknowledgement
    assert judge(findings=[answered]).programme.areas["findings"] == "Green"


def test_medium_findings_are_counted_by_kind_in_words():
    findings = [finding("medium", "deliverable-owner")] * 3 + [finding("medium", "action-overdue")]
    text = judge(findings=findings).programme.drivers[0].text
    assert text == "4 medium findings (3 open deliverables with no owner, 1 overdue action)"


def test_every_rule_s_findings_are_counted_in_words():
    """A verdict's reason counts findings by what they are ("2 sign-off approvers with no role
    in the RACI"), never as "2 x not met: <the rule's description>"."""
    from assure.models.rules import RULES

    assert {rule.id for rule in RULES} <= set(v._FOUND)
    findings = [finding("medium", "signoff-authority")] * 2 + [finding("medium", "deliverable-slipped"),
                                                              finding("medium", "risk-red-review")]
    text = judge(findings=findings).programme.drivers[0].text
    assert text == ("4 medium findings (2 sign-off approvers with no role in the RACI, 1 deliverable forecast"
                    " past its baseline, 1 red risk not reviewed in time)")


# -- the DCA -------------------------------------------------------------------------------


@pytest.mark.parametrize(("areas", "dca", "rag"), [
    (["Green", "Green", "Green", "Green"], "Green", "Green"),
    (["Amber", "Green", "Green", "Green"], "Amber/Green", "Amber"),
    (["Amber", "Amber", "Green", "Green"], "Amber", "Amber"),
    (["Red", "Amber", "Amber", "Green"], "Amber/Red", "Red"),
    (["Red", "Red", "Green", "Green"], "Red", "Red"),
])
def test_the_five_point_scale_follows_the_areas(areas, dca, rag):
    assert dca_from_areas(areas) == dca
    assert v.DCA_RAG[dca] == rag
    assert max(areas, key=["Green", "Amber", "Red"].index) == rag  # the RAG is the worst area


def test_each_outcome_is_judged_by_its_own_deliverables_and_findings():
    outcomes = [outcome(1, 1), outcome(2, 2)]
    rows = [deliverable(1, outcome_id=1), deliverable(2, "In Progress", "2021-01-01", outcome_id=2),
            deliverable(3, "In Progress", "2021-01-01", outcome_id=2)]
    result = judge(outcomes=outcomes, deliverables=rows, findings=[finding("medium", record_id=2)])
    first, second = result.outcomes
    assert (first.rag, second.rag) == ("Green", "Red")
    assert second.areas == {"deliverables": "Red", "findings": "Amber"} and second.dca == "Amber/Red"
    assert "1 outcome is Red (2)" in [reason.text for reason in result.programme.drivers]


def test_an_override_shows_its_rating_and_keeps_the_derived_one():
    override = VerdictOverrideRecord(1, 1, None, None, "Green", "Handed over to BAU by agreement", 1, "")
    late = [deliverable(1, "In Progress", "2021-01-01"), deliverable(2, "In Progress", "2021-01-01")]
    result = judge(deliverables=late, overrides=[override]).programme
    assert result.overridden and (result.rag, result.dca) == ("Green", "Green")
    assert (result.derived_rag, result.derived_dca) == ("Red", "Amber/Red")
    assert result.headline() == "Green (DCA Green), overridden; derived Red (DCA Amber/Red)"


# -- the demo data -------------------------------------------------------------------------


def test_the_lcc_programme_is_not_green_while_eleven_deliverables_lack_sign_off(demo_store):
    lcc = demo_store.programme_by_code("lcc-btls")
    result = assess(demo_store, lcc.id, today=TODAY)
    assert result.programme.rag != "Green"
    assert result.programme.drivers[0].text == (
        "11 of 72 deliverables are open after the programme ended (01 Apr 2021)")
    # Every outcome is "Complete" in the source; those with open deliverables are not green.
    for outcome_record, outcome_verdict in zip(demo_store.outcomes(lcc.id), result.outcomes):
        if outcome_record.deliverables_done < outcome_record.deliverables_total:
            assert outcome_verdict.rag != "Green", outcome_record.number


def test_the_bwd_programme_names_its_delayed_project(demo_store):
    bwd = demo_store.programme_by_code("bwd-digital")
    result = assess(demo_store, bwd.id, today=TODAY).programme
    assert result.rag == "Amber"
    assert "1 of 33 deliverables is Delayed: 'New Unified Communications system implemented'" in [
        reason.text for reason in result.drivers]


# -- overrides in the store (both databases) ------------------------------------------------


def test_an_override_needs_a_reason_and_a_rating(demo_store):
    lcc = demo_store.programme_by_code("lcc-btls")
    before = demo_store.history_count(lcc.id)
    with pytest.raises(InvalidInput) as refused:
        demo_store.override_verdict(lcc.id, None, "Green", "   ")
    assert "reason" in refused.value.errors
    with pytest.raises(InvalidInput) as refused:
        demo_store.override_verdict(lcc.id, None, "Purple", "why not")
    assert "rating" in refused.value.errors
    assert demo_store.verdict_overrides(lcc.id) == []
    assert demo_store.history_count(lcc.id) == before


def test_an_override_is_recorded_in_the_history_changed_and_undone(demo_store):
    lcc = demo_store.programme_by_code("lcc-btls")
    demo_store.override_verdict(lcc.id, None, "Amber/Green", "Post-transition items accepted by the board")
    (override,) = demo_store.verdict_overrides(lcc.id)
    assert (override.outcome_id, override.rating) == (None, "Amber/Green")
    created = demo_store.history(lcc.id, kind="verdict")[0]
    assert (created.action, created.user) == ("create", "tester")
    assert "Post-transition items accepted by the board" in created.new_value
    assert assess(demo_store, lcc.id, today=TODAY).programme.headline() == (
        "Amber (DCA Amber/Green), overridden; derived Amber (DCA Amber)")

    demo_store.override_verdict(lcc.id, None, "Green", "Accepted at the April board")
    (changed,) = demo_store.verdict_overrides(lcc.id)
    assert changed.id == override.id and changed.rating == "Green"
    assert {row.field for row in demo_store.history(lcc.id, kind="verdict", limit=2)} == {"rating", "reason"}

    demo_store.undo()
    assert demo_store.verdict_overrides(lcc.id)[0].rating == "Amber/Green"
    demo_store.undo()
    assert demo_store.verdict_overrides(lcc.id) == []
    assert not assess(demo_store, lcc.id, today=TODAY).programme.overridden


def test_an_outcome_override_and_its_removal(demo_store):
    lcc = demo_store.programme_by_code("lcc-btls")
    first = demo_store.outcomes(lcc.id)[0]
    demo_store.override_verdict(lcc.id, first.id, "Red", "Structure not staffed yet")
    assert assess(demo_store, lcc.id, today=TODAY).outcome(first.id).rag == "Red"
    assert not assess(demo_store, lcc.id, today=TODAY).programme.overridden
    demo_store.clear_verdict_override(lcc.id, first.id)
    assert demo_store.verdict_overrides(lcc.id) == []
    assert demo_store.history(lcc.id, kind="verdict")[0].action == "delete"
    demo_store.undo()
    assert demo_store.verdict_overrides(lcc.id)[0].reason == "Structure not staffed yet"
    assert demo_store.clear_verdict_override(lcc.id, None) is None  # none on the programme


def test_a_second_override_of_one_verdict_is_refused(demo_store):
    lcc = demo_store.programme_by_code("lcc-btls")
    demo_store.create("verdict", lcc.id, {"rating": "Amber", "reason": "one"})
    with pytest.raises(InvalidInput):
        demo_store.create("verdict", lcc.id, {"rating": "Red", "reason": "two"})
    assert len(demo_store.verdict_overrides(lcc.id)) == 1


def test_an_outcome_with_an_override_is_not_deleted_unseen(demo_store):
    from assure.models.store import InUse

    lcc = demo_store.programme_by_code("lcc-btls")
    outcome_id = demo_store.create("outcome", lcc.id, {"number": 11, "title": "Spare"})
    demo_store.override_verdict(lcc.id, outcome_id, "Green", "Nothing to do")
    with pytest.raises(InUse, match="verdict override"):
        demo_store.delete("outcome", outcome_id)
    assert demo_store.get("outcome", outcome_id) is not None


def test_status_leads_with_the_verdict_and_its_reasons(demo_store, db_url):
    import json
    import subprocess
    import sys

    def status(*args):
        return subprocess.run([sys.executable, "-m", "assure", "--db", str(db_url), "--programme", "lcc-btls", "status",
                               "--fail-on", "none", *args], capture_output=True, text=True, timeout=120)

    text = status()
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[2].split() == ["Verdict:", "Amber", "(DCA", "Amber)"]
    assert lines[3].strip() == "AMBER  11 of 72 deliverables are open after the programme ended (01 Apr 2021)"
    document = json.loads(status("--json").stdout)
    assert (document["verdict"]["rag"], document["verdict"]["dca"]) == ("Amber", "Amber")


def test_the_verdict_judging_for_itself_runs_the_rules_on_the_clock_s_today(store):
    # A board pack framed ahead (as of next week): a sign-off dated tomorrow is in the
    # future by the clock, a high finding. assess() without findings ran the rules with the
    # report date as the clock's today, so it missed it and gave another verdict.
    from assure.models.rules import run_rules

    pid = store.create("programme", None, {"code": "t", "name": "T", "as_of": "2021-04-27"})
    person = store.create("person", pid, {"name": "Ann"})
    store.create("raci", pid, {"person_id": person, "role": "Sponsor", "letter": "A"})
    out = store.create("outcome", pid, {"number": 1, "title": "O"})
    store.create("deliverable", pid, {"outcome_id": out, "title": "D", "approved_by": "Ann",
                                      "status": "Signed Off", "date": "2021-04-21"})
    findings = run_rules(store, pid, today=TODAY)
    assert [f.rule for f in findings if f.severity == "high"] == ["signoff-future"]
    by_itself, given = assess(store, pid, today=TODAY), assess(store, pid, today=TODAY, findings=findings)
    assert by_itself.programme == given.programme
    assert "1 high finding" in " ".join(reason.text for reason in by_itself.programme.reasons)
