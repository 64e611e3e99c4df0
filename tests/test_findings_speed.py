"""The faster paths of the findings and the verdict give exactly what the plain ones give.

Each shortcut (set intersections for the near-name bounds, the verdict's five-column read
of deliverables, batched reads) is checked against the definition written out plainly.
"""

from __future__ import annotations

import itertools
from datetime import date
from difflib import SequenceMatcher

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assure.models.rules import names_nearly_match, near_pairs, run_rules
from assure.models.verdict import assess, assess_records

TODAY = date(2021, 4, 20)


def _levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _nearly_match_as_written(a: str, b: str) -> bool:
    """The rule's definition, with no bound or shortcut: differ only in case, or (both 8
    characters or more) by at most two edits, or difflib's ratio 0.85 or more."""
    if a == b:
        return False
    fa, fb = a.casefold(), b.casefold()
    if fa == fb:
        return True
    if min(len(fa), len(fb)) >= 8 and _levenshtein(fa, fb) <= 2:
        return True
    return SequenceMatcher(None, *sorted((fa, fb)), autojunk=False).ratio() >= 0.85


_NAMES = st.text(alphabet="abAB c", min_size=0, max_size=18)


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck))
@given(_NAMES, _NAMES)
def test_names_nearly_match_is_the_written_definition(a, b):
    assert names_nearly_match(a, b) is _nearly_match_as_written(a, b)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.text(alphabet="abcAB ", min_size=6, max_size=16), unique=True, max_size=30))
def test_near_pairs_is_every_pair_by_the_written_definition(names):
    """Long names over a tiny alphabet: most pairs are near misses of both bounds."""
    expected = [(a, b) for a, b in itertools.combinations(names, 2) if _nearly_match_as_written(a, b)]
    assert sorted(near_pairs(names)) == sorted(expected)


def test_near_pairs_on_names_sharing_first_names_and_surnames():
    """The 100k benchmark's shape: every first name with every surname, some misspelt."""
    first = ["Aisha", "Maria", "Nadia", "Kai", "Rachel", "Rachael", "Glyn", "Glynn", "Sara", "Sarah", "Tom"]
    last = ["Campbell", "Fletcher", "MacDonald", "Kowalski", "Tanner", "Sutcliffe", "Sutclife", "Green", "Greene"]
    names = [f"{f} {l}" for f in first for l in last] + ["LCC", "WLBC", "HR", "Socitm Advisory", "SOCITM advisory"]
    expected = [(a, b) for a, b in itertools.combinations(names, 2) if _nearly_match_as_written(a, b)]
    assert sorted(near_pairs(names)) == sorted(expected)
    assert ("Aisha Campbell", "Maria Campbell") in expected  # the shape has many true pairs


def test_verdict_from_the_open_rows_is_the_verdict_from_records(demo_store):
    """``assess`` counts the deliverables and reads four columns of the open ones; from the
    whole records (as the board pack passes them) every verdict reads the same."""
    for programme in demo_store.programmes():
        pid = programme.id
        fast = assess(demo_store, pid, today=TODAY)
        findings = run_rules(demo_store, pid, today=TODAY)
        plain = assess_records(
            demo_store.get("programme", pid), demo_store.outcomes(pid), demo_store.deliverables(pid),
            demo_store.risks(pid), demo_store.actions(pid), findings, today=TODAY,
            overrides=demo_store.verdict_overrides(pid),
        )
        assert fast == plain


def test_the_verdict_takes_the_open_deliverables_in_the_register_order(store):
    """The store hands the open rows over in id order; the verdict puts the programme's in the
    register's (outcome number, those without an outcome last, then id), each outcome's in
    id order, and names the first late ones so."""
    from assure.models import verdict

    pid = store.create("programme", None, {"code": "o", "name": "Order", "as_of": "2021-04-20"})
    second = store.create("outcome", pid, {"number": 2, "title": "Second"})
    first = store.create("outcome", pid, {"number": 1, "title": "First"})
    for title, outcome, status in (("a", second, "In Progress"), ("b", None, "In Progress"), ("x", first, "Signed Off"),
                                   ("c", first, "In Progress"), ("d", second, "Delivered"), ("e", first, "Not Started"),
                                   ("f", second, "In Progress")):
        store.create("deliverable", pid, {"title": title, "outcome_id": outcome, "status": status, "date": "2021-01-01"})
    scopes, outcome_of = verdict._scopes(store, pid, about=())
    title = {row.id: row.title for row in store.deliverables(pid)}
    register = [row.id for row in store.deliverables(pid) if row.status not in ("Signed Off", "Delivered")]
    assert [title[row[0]] for row in scopes[None][2]] == ["c", "e", "a", "f", "b"]
    assert [row[0] for row in scopes[None][2]] == register
    assert [title[row[0]] for row in scopes[first][2]] == ["c", "e"]
    assert [title[row[0]] for row in scopes[second][2]] == ["a", "f"]
    assert scopes[first][:2] == (3, 1) and scopes[second][:2] == (3, 1) and scopes[None][:2] == (7, 2)
    assert set(outcome_of.values()) == {first, second}
    reasons = [reason.text for reason in assess(store, pid, today=TODAY).programme.reasons]
    assert any("open past the planned date: 'c', 'e' and 3 more" in text for text in reasons), reasons


def test_get_many_is_get_for_each(store):
    pid = store.create("programme", None, {"code": "g", "name": "Get"})
    ids = [store.create("deliverable", pid, {"title": f"D{n}"}) for n in range(3)]
    found = store.get_many("deliverable", [ids[2], ids[0], ids[0], 999_999])
    assert found == {ids[0]: store.get("deliverable", ids[0]), ids[2]: store.get("deliverable", ids[2])}


def test_verdict_from_counts_and_open_deliverables_is_the_verdict_from_records(store):
    """``assess`` counts deliverables by outcome and status and reads only the open ones;
    a register of every kind of row (done, Delayed, past, future, undated, no outcome, an
    outcome with none) gives the verdicts the whole records give."""
    import random

    chance = random.Random(7)
    pid = store.create("programme", None, {"code": "v", "name": "Verdict", "start_date": "2020-01-01",
                                            "end_date": "2021-03-31", "as_of": "2021-04-20"})
    outcomes = [store.create("outcome", pid, {"number": number, "title": f"O{number}"}) for number in (3, 1, 2, 4)]
    statuses = ["Signed Off", "Delivered", "In Progress", "Not Started", "Delayed", "Post Transition"]
    dates = [None, "2021-01-15", "2021-04-19", "2021-04-20", "2021-06-01", "2020-02-01"]
    for number in range(120):
        store.create("deliverable", pid, {
            "title": f"D{number}", "status": chance.choice(statuses), "date": chance.choice(dates),
            "outcome_id": chance.choice(outcomes[:3] + [None]),  # outcomes[3] has no deliverables
        })
    findings = run_rules(store, pid, today=TODAY)
    plain = assess_records(
        store.get("programme", pid), store.outcomes(pid), store.deliverables(pid), store.risks(pid),
        store.actions(pid), findings, today=TODAY, overrides=store.verdict_overrides(pid),
    )
    fast = assess(store, pid, today=TODAY, findings=findings)
    assert fast == plain
    assert {verdict.areas["deliverables"] for verdict in plain.outcomes} >= {"Red", "Green"}  # both kinds met
