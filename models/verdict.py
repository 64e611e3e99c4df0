"""The verdict: a RAG and a Delivery Confidence Assessment for the programme and each outcome.

Derived by the written rules below from the records, each colour with the reasons that
drive it, worded so that a reader can count them in the registers. Plain Python over the
store's read methods (no Textual, no SQL here).

Everything is judged as at the **report date**: the programme's "as of" date when set,
else today.

Each verdict looks at up to four **areas**; each area is Green, Amber or Red:

- **Deliverables** (the programme's, or the outcome's own). A deliverable is *late* when it
  is not signed off or delivered and its date is before the report date, or it has no
  date and the programme ended before the report date, or its status is Delayed.
  Red: more than a quarter of the deliverables are late (and at least 2). Amber: any is
  late; or an open deliverable has no date to be judged by; or (programme only) any
  outcome is Red.
- **Risks and issues** (programme only: risks are not tied to outcomes). Red: an open
  risk or issue scores 15-25. Amber: one scores 5-14, or one is open without a score
  (its exposure is unknown).
- **Actions** (programme only). Red: at least half of the open actions are overdue (and at
  least 2). Amber: any open action is overdue.
- **Findings** (the assurance findings; for an outcome, those about it or its
  deliverables; acknowledged findings do not count). Red: 3 or more high findings.
  Amber: any high or medium finding. Low findings never colour a verdict.

An area with none of these is Green. The **RAG** is the worst area's colour.

The **Delivery Confidence Assessment** (DCA), the five-point scale of UK government project
reviews, comes from the same areas:

- **Green**: every area is Green ("successful delivery appears highly likely");
- **Amber/Green**: exactly one area is Amber, none Red ("probable; constant attention
  needed");
- **Amber**: two or more areas are Amber, none Red ("feasible, but significant issues
  exist");
- **Amber/Red**: exactly one area is Red ("in doubt, with major risks or issues");
- **Red**: two or more areas are Red ("appears to be unachievable").

The DCA gives the RAG: Green is Green; Amber/Green and Amber are Amber; Amber/Red and Red
are Red.

A person may **override** a verdict with a DCA rating and a reason (stored, in the
history, undoable): the verdict then shows the override's rating, marked as overridden,
with the derived rating and its reasons still beside it.
"""

from __future__ import annotations

import heapq
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Collection, Iterable

from . import vocab
from .dates import format_date
from .judgement import days_overdue, due_date
from .wording import count, of_total, plural

RAGS = ("Green", "Amber", "Red")
DCA_RATINGS = ("Green", "Amber/Green", "Amber", "Amber/Red", "Red")
#: The RAG each DCA rating gives (see the module docstring).
DCA_RAG = {"Green": "Green", "Amber/Green": "Amber", "Amber": "Amber", "Amber/Red": "Red", "Red": "Red"}
#: What each DCA rating means, in the words UK project reviews use (shortened).
DCA_MEANING = {
    "Green": "successful delivery appears highly likely",
    "Amber/Green": "successful delivery appears probable; constant attention is needed",
    "Amber": "successful delivery appears feasible, but significant issues exist",
    "Amber/Red": "successful delivery is in doubt, with major risks or issues",
    "Red": "successful delivery appears to be unachievable",
}
#: A symbol per colour, so the verdict reads without colour.
RAG_SYMBOLS = {"Green": "●", "Amber": "◆", "Red": "▲"}
AREAS = ("deliverables", "risks", "actions", "findings")
_RANK = {"Green": 0, "Amber": 1, "Red": 2}


@dataclass(frozen=True)
class Reason:
    """One thing that drives a colour, in plain countable words."""

    area: str
    """One of :data:`AREAS`."""
    level: str
    """``Red`` or ``Amber`` for a driver, ``Green`` for an area found clear."""
    text: str


@dataclass
class Verdict:
    """The verdict on the programme (``outcome_id`` None) or one outcome."""

    label: str
    outcome_id: int | None
    derived_dca: str
    areas: dict[str, str]
    """area -> Green/Amber/Red, for the areas this verdict looks at."""
    reasons: list[Reason]
    """Drivers first (Red, then Amber), then the clear areas (Green)."""
    override: Any = None
    """The :class:`~assure.models.records.VerdictOverrideRecord`, when a person set one."""
    report_date: date | None = None
    number: int | None = None
    """The outcome's number (None for the programme)."""

    @property
    def derived_rag(self) -> str:
        return DCA_RAG[self.derived_dca]

    @property
    def overridden(self) -> bool:
        return self.override is not None

    @property
    def dca(self) -> str:
        """The rating shown: the override's if set, else the derived one."""
        return self.override.rating if self.override is not None else self.derived_dca

    @property
    def rag(self) -> str:
        return DCA_RAG[self.dca]

    @property
    def drivers(self) -> list[Reason]:
        """The reasons that make it other than Green, worst first."""
        return [reason for reason in self.reasons if reason.level != "Green"]

    def headline(self) -> str:
        """``Amber (DCA Amber)`` or ``Green (DCA Green), overridden; derived Amber (DCA Amber)``."""
        text = f"{self.rag} (DCA {self.dca})"
        if self.overridden:
            text += f", overridden; derived {self.derived_rag} (DCA {self.derived_dca})"
        return text

    def as_dict(self) -> dict:
        """JSON-ready."""
        override = None
        if self.override is not None:
            override = {"rating": self.override.rating, "reason": self.override.reason}
        return {
            "label": self.label, "outcome_id": self.outcome_id, "rag": self.rag, "dca": self.dca,
            "derived_rag": self.derived_rag, "derived_dca": self.derived_dca, "areas": dict(self.areas),
            "reasons": [{"area": r.area, "level": r.level, "text": r.text} for r in self.reasons],
            "override": override,
        }


@dataclass
class Assessment:
    """The programme's verdict and each outcome's, in outcome order."""

    programme: Verdict
    outcomes: list[Verdict] = field(default_factory=list)

    def outcome(self, outcome_id: int) -> Verdict | None:
        return next((verdict for verdict in self.outcomes if verdict.outcome_id == outcome_id), None)


def dca_from_areas(areas: Iterable[str]) -> str:
    """The DCA rating of a set of area colours (the table in the module docstring)."""
    levels = Counter(areas)
    if levels["Red"] >= 2:
        return "Red"
    if levels["Red"] == 1:
        return "Amber/Red"
    if levels["Amber"] >= 2:
        return "Amber"
    if levels["Amber"] == 1:
        return "Amber/Green"
    return "Green"


def report_date(programme: Any, today: date) -> date:
    """The day a programme is judged as at: its "as of" date when set, else today."""
    return due_date(getattr(programme, "as_of", None)) or today


# -- the areas -----------------------------------------------------------------------------


#: How many deliverables a reason names before "and N more".
_NAMED = 2


def _titles(rows: list, title_of: Callable[[Any], Any], limit: int = _NAMED) -> str:
    """The first ``limit`` of these open rows named (``title_of``: a deliverable's title by id)."""
    from .text import display_text

    names = []
    for row in rows[:limit]:
        title = " ".join(display_text(title_of(row[0])).split())
        names.append(f"'{title[:47] + '…' if len(title) > 48 else title}'")
    more = f" and {len(rows) - limit} more" if len(rows) > limit else ""
    return ", ".join(names) + more


def _lateness_of_scopes(scopes: dict, programme: Any, as_of: date) -> dict:
    """Each scope's open deliverables that are Delayed, past their date, open after the
    programme ended (undated), and undated, each row judged once: an outcome's open rows
    are the programme's (scope None) under that outcome, in the same order. An open row is
    (id, outcome id, status, date)."""
    end = due_date(getattr(programme, "end_date", None))
    ended = end is not None and end < as_of
    lists = {scope: ([], [], [], []) for scope in scopes}
    programme_lists = lists[None]
    dates: dict[Any, date | None] = {}  # a few thousand distinct dates over 100k rows
    for row in scopes[None][2]:
        _, outcome_id, status, stored = row
        when = dates[stored] if stored in dates else dates.setdefault(stored, due_date(stored))
        if status == "Delayed":
            kind = 0
        elif when is not None and when < as_of:
            kind = 1
        elif when is None:
            kind = 2 if ended else 3
        else:
            continue
        programme_lists[kind].append(row)
        if outcome_id is not None and outcome_id in lists:
            lists[outcome_id][kind].append(row)
    return lists


def _deliverables_reasons(total: int, done: int, open_rows: list, programme: Any, as_of: date,
                          red_outcomes: list | None, lateness: tuple, title_of: Callable[[Any], Any]) -> list[Reason]:
    """The deliverables area from how many there are, how many are done, and the open ones
    (``lateness``: the scope's of :func:`_lateness_of_scopes`; ``title_of``: a deliverable's
    title by id, the open rows having none)."""
    if not total:
        return [Reason("deliverables", "Green", "No deliverables recorded")]
    end = due_date(getattr(programme, "end_date", None))
    delayed, past_date, past_end, undated = lateness
    late = len(delayed) + len(past_date) + len(past_end)
    level = "Red" if late >= 2 and late * 4 > total else "Amber" if late else "Green"
    reasons = []
    if level == "Red" and sum(map(bool, (past_end, past_date, delayed))) > 1:
        reasons.append(Reason("deliverables", "Red", (
            f"{of_total(late, total, 'deliverable', 'is')} late, more than a quarter")))
    if past_end:
        reasons.append(Reason("deliverables", level, (
            f"{of_total(len(past_end), total, 'deliverable', 'is')} open after the programme"
            f" ended ({format_date(end)})")))
    if past_date:
        reasons.append(Reason("deliverables", level, (
            f"{of_total(len(past_date), total, 'deliverable', 'is')} open past the planned date:"
            f" {_titles(past_date, title_of)}")))
    if delayed:
        reasons.append(Reason("deliverables", level, (
            f"{of_total(len(delayed), total, 'deliverable', 'is')} Delayed: {_titles(delayed, title_of)}")))
    if undated:
        level = max(level, "Amber", key=_RANK.__getitem__)
        reasons.append(Reason("deliverables", "Amber", (
            f"{of_total(len(undated), len(open_rows), 'open deliverable', 'has')} no planned date to judge"
            " progress by")))
    if red_outcomes:
        level = max(level, "Amber", key=_RANK.__getitem__)
        numbers = ", ".join(str(verdict.number) for verdict in red_outcomes)
        reasons.append(Reason("deliverables", "Amber", (
            f"{count(len(red_outcomes), 'outcome')} {plural('is', len(red_outcomes))} Red ({numbers})")))
    if level == "Green":
        reasons.append(Reason("deliverables", "Green", (
            f"{of_total(done, total, 'deliverable', 'is')} signed off or delivered; none is late")))
    # Red reasons first, then Amber.
    return sorted(reasons, key=lambda reason: -_RANK[reason.level])


def _risks_area(risks: list) -> list[Reason]:
    open_rows = [row for row in risks if row.status in vocab.RISK_OPEN]
    if not open_rows:
        return [Reason("risks", "Green", "No open risks or issues")]
    bands: dict[str, list] = {"Red": [], "Amber": [], "Green": [], "Unscored": []}
    for row in open_rows:
        bands[vocab.risk_band(vocab.risk_score(row.likelihood, row.impact))].append(row)
    total = len(open_rows)
    noun = "open risk or issue"

    def refs(rows: list) -> str:
        from .text import display_text

        return ", ".join(display_text(row.ref) for row in rows[:5]) + (" …" if len(rows) > 5 else "")

    reasons = []
    if bands["Red"]:
        reasons.append(Reason("risks", "Red", f"{of_total(len(bands['Red']), total, noun, 'is')} red (score 15-25): {refs(bands['Red'])}"))
    if bands["Amber"]:
        reasons.append(Reason("risks", "Amber", f"{of_total(len(bands['Amber']), total, noun, 'is')} amber (score 5-14): {refs(bands['Amber'])}"))
    if bands["Unscored"]:
        reasons.append(Reason("risks", "Amber", (
            f"{of_total(len(bands['Unscored']), total, noun, 'is')} not scored, so the exposure is unknown:"
            f" {refs(bands['Unscored'])}")))
    if not reasons:
        reasons.append(Reason("risks", "Green", f"{count(total, noun)}, all scored green (1-4)"))
    return reasons


def _actions_area(actions: list, as_of: date) -> list[Reason]:
    open_rows = [row for row in actions if row.status in vocab.ACTION_OPEN]
    if not open_rows:
        return [Reason("actions", "Green", "No open actions")]
    overdue = [row for row in open_rows if days_overdue(row.due_on, row.status, as_of)]
    if not overdue:
        return [Reason("actions", "Green", f"{count(len(open_rows), 'open action')}, none overdue")]
    level = "Red" if len(overdue) >= 2 and 2 * len(overdue) >= len(open_rows) else "Amber"
    worst = max(days_overdue(row.due_on, row.status, as_of) for row in overdue)
    return [Reason("actions", level, (
        f"{of_total(len(overdue), len(open_rows), 'open action', 'is')} overdue (the oldest by {count(worst, 'day')})"))]


def _rule_descriptions() -> dict[str, str]:
    from .rules import RULES

    return {rule.id: rule.description for rule in RULES}


def _findings_area(findings: list) -> list[Reason]:
    live = [finding for finding in findings if not getattr(finding, "acknowledged", False)]
    high = [finding for finding in live if finding.severity == "high"]
    medium = [finding for finding in live if finding.severity == "medium"]
    reasons = []
    level = "Red" if len(high) >= 3 else "Amber" if high or medium else "Green"
    from .text import display_text

    if len(high) == 1:
        reasons.append(Reason("findings", level, f"1 high finding: {display_text(high[0].message)}"))
    elif high:
        reasons.append(Reason("findings", level, f"{count(len(high), 'high finding')} ({_most_often(high)})"))
    if medium:
        reasons.append(Reason("findings", "Amber", f"{count(len(medium), 'medium finding')} ({_most_often(medium)})"))
    if not reasons:
        low = len(live) - len(high) - len(medium)
        reasons.append(Reason("findings", "Green", "No high or medium findings" + (f" ({count(low, 'low finding')})" if low else "")))
    return reasons


#: What a finding of each rule is, as a plural noun phrase for a count ("11 open deliverables
#: with no owner"); rules not listed are named by their description.
_FOUND = {
    "raci-accountable": ("RACI without exactly one Accountable", "RACI without exactly one Accountable"),
    "signoff-approver": ("sign-off without an approver", "sign-offs without an approver"),
    "signoff-future": ("sign-off dated after the report date", "sign-offs dated after the report date"),
    "signoff-outside-programme": ("sign-off dated outside the programme", "sign-offs dated outside the programme"),
    "signoff-undated": ("sign-off without a date", "sign-offs without a date"),
    "signoff-authority": ("sign-off approver with no role in the RACI", "sign-off approvers with no role in the RACI"),
    "signoff-accountable": ("sign-off register the Accountable owner has not approved",
                            "sign-off registers the Accountable owner has not approved"),
    "deliverable-slipped": ("deliverable forecast past its baseline", "deliverables forecast past their baseline"),
    "risk-red-review": ("red risk not reviewed in time", "red risks not reviewed in time"),
    "outcome-complete-open": ("outcome called Complete with deliverables open", "outcomes called Complete with deliverables open"),
    "deliverable-duplicate": ("deliverable listed more than once", "deliverables listed more than once"),
    "deliverable-owner": ("open deliverable with no owner", "open deliverables with no owner"),
    "risk-owner": ("open risk with no owner", "open risks with no owner"),
    "action-owner": ("open action with no owner", "open actions with no owner"),
    "action-overdue": ("overdue action", "overdue actions"),
    "action-undated": ("open action with no due date", "open actions with no due date"),
    "risk-review": ("risk not reviewed in time", "risks not reviewed in time"),
    "risk-unscored": ("unscored risk", "unscored risks"),
    "person-near-match": ("name spelt two ways", "names spelt two ways"),
}


def _most_often(findings: list) -> str:
    """``11 open deliverables with no owner, 3 deliverables listed more than once, 2 others``."""
    descriptions = _rule_descriptions()
    ranked = Counter(finding.rule for finding in findings).most_common()
    parts = []
    for rule, number in ranked[:3]:
        phrase = _FOUND.get(rule)
        parts.append(f"{number} {phrase[number != 1]}" if phrase else f"{number} x not met: {descriptions.get(rule, rule)}")
    rest = sum(number for _, number in ranked[3:])
    if rest:
        parts.append(f"{rest} {plural('other', rest)}")
    return ", ".join(parts)


# -- putting it together ---------------------------------------------------------------------


def _verdict(label: str, outcome_id: int | None, reasons: list[Reason], override: Any, as_of: date,
             number: int | None = None) -> Verdict:
    areas: dict[str, str] = {}
    for reason in reasons:
        if _RANK[reason.level] >= _RANK.get(areas.get(reason.area, "Green"), 0):
            areas[reason.area] = reason.level
    for reason in reasons:
        areas.setdefault(reason.area, "Green")
    ordered = sorted(reasons, key=lambda reason: (-_RANK[reason.level], AREAS.index(reason.area)))
    return Verdict(label, outcome_id, dca_from_areas(areas.values()), areas, ordered, override, as_of, number)


def assess_records(
    programme: Any, outcomes: list, deliverables: list, risks: list, actions: list, findings: list,
    *, today: date, overrides: Iterable[Any] = (),
) -> Assessment:
    """The verdicts from records already read (see :func:`assess`); a deliverable needs
    only id, outcome_id, title, status and date, and ``deliverables`` are in the register's order."""
    by_outcome: dict[int, list] = {}
    for row in deliverables:
        if row.outcome_id is not None:
            by_outcome.setdefault(row.outcome_id, []).append(row)
    scopes = {}
    for scope, rows in ((None, deliverables), *by_outcome.items()):
        open_rows = [(row.id, row.outcome_id, row.status, row.date) for row in rows
                     if row.status not in vocab.DELIVERABLE_DONE]
        scopes[scope] = (len(rows), len(rows) - len(open_rows), open_rows)
    outcome_of = {row.id: row.outcome_id for row in deliverables if row.outcome_id is not None}
    title_of = {row.id: row.title for row in deliverables}
    return _assessment(programme, outcomes, scopes, outcome_of, risks, actions, findings,
                       today=today, overrides=overrides, titles=lambda ids: title_of)


def _assessment(
    programme: Any, outcomes: list, scopes: dict, outcome_of: dict, risks: list, actions: list, findings: list,
    *, today: date, overrides: Iterable[Any] = (), titles: Callable[[list], dict],
) -> Assessment:
    """The verdicts, the deliverables given as ``scopes``: outcome id (None: the programme)
    -> (how many, how many done, the open ones in register order, each (id, outcome id,
    status, date)); ``outcome_of``: deliverable id -> outcome id (at least of those the
    findings name); ``titles``: ids -> {id: title} (only those a reason names are asked for)."""
    as_of = report_date(programme, today)
    lateness = _lateness_of_scopes(scopes, programme, as_of)
    named = {row[0] for delayed, past_date, _, _ in lateness.values() for row in (*delayed[:_NAMED], *past_date[:_NAMED])}
    title_of = titles(sorted(named)).get
    by_scope = {override.outcome_id: override for override in overrides}
    # Each finding filed once under the outcome it is about (itself, or one of its deliverables).
    findings_of: dict[int, list] = {}
    for finding in findings:
        if finding.kind == "outcome":
            findings_of.setdefault(finding.record_id, []).append(finding)
        elif finding.kind == "deliverable" and finding.record_id in outcome_of:
            findings_of.setdefault(outcome_of[finding.record_id], []).append(finding)
    outcome_verdicts = []
    for outcome in outcomes:
        total, done, open_rows = scopes.get(outcome.id, (0, 0, []))
        about = findings_of.get(outcome.id, [])
        reasons = (_deliverables_reasons(total, done, open_rows, programme, as_of, None,
                                         lateness.get(outcome.id, ([], [], [], [])), title_of) + _findings_area(about))
        outcome_verdicts.append(_verdict(f"Outcome {outcome.number}", outcome.id, reasons, by_scope.get(outcome.id), as_of,
                                         outcome.number))
    red = [verdict for verdict in outcome_verdicts if verdict.rag == "Red"]
    total, done, open_rows = scopes[None]
    reasons = (_deliverables_reasons(total, done, open_rows, programme, as_of, red, lateness[None], title_of)
               + _risks_area(risks)
               + _actions_area(actions, as_of) + _findings_area(findings))
    return Assessment(_verdict("Programme", None, reasons, by_scope.get(None), as_of), outcome_verdicts)


def _scopes(store, programme_id: int, about: Collection[int]) -> tuple[dict, dict]:
    """:func:`_assessment`'s ``scopes`` and ``outcome_of`` from the store: counts by
    outcome and status, the open deliverables (half of a large register) without their
    titles, and ``outcome_of`` of the open ones and of ``about`` (the deliverables the
    findings name)."""
    facts = store.deliverable_verdict_facts(programme_id, done=vocab.DELIVERABLE_DONE, about=about)
    # The open rows come in id order: each outcome's stay so, and the programme's are put in
    # the register's (outcome number, no outcome last, then id) by joining the outcomes' in
    # number order, not by sorting half of 100k rows.
    by_outcome: dict[int | None, list] = {}
    for row in facts["open"]:
        if row[1] in by_outcome:
            by_outcome[row[1]].append(row)
        else:
            by_outcome[row[1]] = [row]
    numbers = facts["numbers"]
    by_number: dict[Any, list] = {}
    for outcome_id, rows in by_outcome.items():
        by_number.setdefault(numbers.get(outcome_id), []).append(rows)
    in_order: list = []
    for number in sorted(number for number in by_number if number is not None) + (
            [None] if None in by_number else []):
        lists = by_number[number]
        # Outcomes of one number (another programme's, or none known) interleave by id.
        in_order.extend(lists[0] if len(lists) == 1 else heapq.merge(*lists))
    scopes: dict[int | None, list] = {None: [0, 0, in_order]}
    for outcome_id, status, number in facts["counts"]:
        scopes_of = (scopes[None],) if outcome_id is None else (
            scopes[None], scopes.setdefault(outcome_id, [0, 0, []]))
        for scope in scopes_of:
            scope[0] += number
            if status in vocab.DELIVERABLE_DONE:
                scope[1] += number
    for outcome_id, rows in by_outcome.items():
        if outcome_id is not None:
            scopes.setdefault(outcome_id, [0, 0, []])[2] = rows
    return {key: tuple(value) for key, value in scopes.items()}, facts["outcome_of"]


class RememberingReads:
    """A store whose ``list`` and ``register_facts`` read each (kind, programme) once: the
    rules and the verdict read the same registers, and at 100k deliverables a second read
    is not free. Only for one pass of reading; everything else goes to the store."""

    def __init__(self, store):
        self._store = store
        self._lists: dict[tuple, Any] = {}

    def list(self, kind_name: str, programme_id: int | None = None, **options) -> list:
        key = (kind_name, programme_id, tuple(sorted(options.items())))
        if key not in self._lists:
            self._lists[key] = self._store.list(kind_name, programme_id, **options)
        return self._lists[key]

    def outcomes(self, programme_id: int) -> list:
        return self.list("outcome", programme_id)

    def deliverables(self, programme_id: int) -> list:
        return self.list("deliverable", programme_id)

    def verdict_overrides(self, programme_id: int) -> list:
        return self.list("verdict", programme_id)

    def register_facts(self, programme_id: int) -> dict:
        key = ("register_facts", programme_id)
        if key not in self._lists:
            self._lists[key] = self._store.register_facts(programme_id)
        return self._lists[key]

    @property
    def reader(self):
        """The store's readers (None without them), each remembering into the same reads:
        the rules read the registers on a connection of their own, and the verdict reads
        them after."""
        inner = getattr(self._store, "reader", None)
        if inner is None:
            return None

        @contextmanager
        def remembering():
            with inner() as other:
                shared = RememberingReads(other)
                shared._lists = self._lists
                yield shared

        return remembering

    def __getattr__(self, name: str):
        return getattr(self._store, name)


def assess(store, programme_id: int, *, today: date | None = None, findings: list | None = None) -> Assessment:
    """The programme's and each outcome's verdict.

    Args:
        store: an open store (read methods only).
        programme_id: the programme.
        today: the day to judge by when the programme has no report date (default today).
        findings: the programme's findings if already run (else the rules run here).
    """
    from .dates import today as _today

    today = today or _today()
    programme = store.get("programme", programme_id)
    if findings is None:
        from .rules import run_rules

        findings = run_rules(store, programme_id, today=today)  # the clock's: the rules find the report date
    # Which outcome a deliverable is under, only for those the findings name; the open
    # ones read without their titles, and the few a reason names read after.
    about = {finding.record_id for finding in findings if finding.kind == "deliverable" and finding.record_id is not None}
    scopes, outcome_of = _scopes(store, programme_id, about)
    # Only the open risks and actions count, as the rules read them (one batch, shared with
    # the rules through RememberingReads).
    registers = store.register_facts(programme_id)

    def titles(ids: list) -> dict:
        return {record_id: title for record_id, (title,) in store.fields_by_ids("deliverable", ids, ("title",)).items()}

    # The outcomes as the rules read them (number and id are all a verdict names): not the
    # records, which count each outcome's deliverables twice over.
    return _assessment(
        programme, registers["outcomes"], scopes, outcome_of, registers["risks"],
        registers["actions"], findings, today=today, overrides=store.verdict_overrides(programme_id), titles=titles,
    )
