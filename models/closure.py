"""Closure readiness: may this programme close, and what is carried on after it?

The gate follows PRINCE2's *closing a project* (products handed over and accepted,
follow-on actions with owners, lessons recorded, closure authorised by the Executive)
and MSP's *programme closure* (open risks and issues transferred to business-as-usual
owners, the handover confirmed by those with the authority). Each check passes or fails
with the records that fail it. Plain Python over the store's read methods: no SQL here.

What stays open at closure is carried on by the handover register (``handover``
records): an item names its new owner, its due date and what "done" means, and may
name the deliverable, risk or action it carries on, which then counts as handed over.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from . import vocab
from .judgement import SIGNED_OFF, split_names
from .text import display_text


@dataclass(frozen=True)
class Failing:
    """A record that fails a check, and why (one line)."""

    kind: str
    record_id: int | None
    message: str

    def as_dict(self) -> dict:
        return {"kind": self.kind, "record_id": self.record_id, "message": self.message}


@dataclass(frozen=True)
class Check:
    """One item of the closure checklist."""

    id: str
    title: str
    basis: str
    """Where the check comes from (PRINCE2 / MSP), for the reader."""
    failing: tuple[Failing, ...] = ()

    @property
    def passed(self) -> bool:
        return not self.failing

    def as_dict(self) -> dict:
        return {"id": self.id, "title": self.title, "basis": self.basis, "passed": self.passed,
                "failing": [item.as_dict() for item in self.failing]}


@dataclass(frozen=True)
class Readiness:
    """The closure gate's verdict on one programme."""

    programme_id: int
    checks: tuple[Check, ...]
    handover: tuple[Any, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def passed_count(self) -> int:
        return sum(check.passed for check in self.checks)

    def as_dict(self) -> dict:
        return {
            "ready": self.ready, "passed": self.passed_count, "checks": [check.as_dict() for check in self.checks],
            "handover": [handover_as_dict(item) for item in self.handover],
        }


#: The checks in the order a closure report reads them: (id, title, basis).
CHECKS = (
    ("deliverables", "Every deliverable signed off, or handed over with a named owner and a date",
     "PRINCE2 closing a project: products handed over and accepted"),
    ("risks", "No open red or amber risk, or open issue, without a follow-on owner",
     "MSP programme closure: open risks and issues transferred"),
    ("actions", "Every close-out recommendation and next step has an owner and a due date",
     "PRINCE2: follow-on action recommendations"),
    ("lessons", "Lessons recorded, each with someone responsible",
     "PRINCE2: lessons report"),
    ("authority", "A RACI with one Accountable, and sign-offs by those with the authority",
     "PRINCE2: closure authorised by the Executive; MSP: the SRO"),
    ("findings", "No unacknowledged high finding",
     "Assurance: nothing the board would be told that is not so"),
)


def _blank(value: object) -> bool:
    return value is None or not str(value).strip()


def _q(value: object, width: int = 60) -> str:
    text = " ".join(display_text(value).split())
    return f"'{text if len(text) <= width else text[: width - 1] + '…'}'"


def handover_for(handovers: Iterable[Any]) -> dict[tuple[str, int], Any]:
    """The handover item carrying on each record, by (kind, id); the newest wins."""
    found: dict[tuple[str, int], Any] = {}
    for item in handovers:
        if item.source_kind and item.source_id is not None:
            found[(item.source_kind, item.source_id)] = item
    return found


def _missing(owner: object, due: object) -> str:
    gaps = [name for name, value in (("a new owner", owner), ("a due date", due)) if _blank(value)]
    return " and ".join(gaps)


def check_deliverables(deliverables, handed) -> list[Failing]:
    failing = []
    for row in deliverables:
        if row.status == SIGNED_OFF:
            continue
        item = handed.get(("deliverable", row.id))
        if item is None:
            failing.append(Failing("deliverable", row.id,
                                   f"Deliverable {_q(row.title)} ({display_text(row.status)})"
                                   " is neither signed off nor handed over"))
        elif gaps := _missing(item.owner, item.due_on):
            failing.append(Failing("handover", item.id,
                                   f"Deliverable {_q(row.title)} is handed over without {gaps}"))
    return failing


def needs_follow_on(risk) -> bool:
    """An open issue, or an open risk scored red or amber, must pass to a follow-on owner."""
    if risk.status not in vocab.RISK_OPEN:
        return False
    return risk.kind == "Issue" or vocab.risk_band(risk.score) in {"Red", "Amber"}


def check_risks(risks, handed) -> list[Failing]:
    failing = []
    for row in risks:
        if not needs_follow_on(row):
            continue
        item = handed.get(("risk", row.id))
        noun = "Issue" if row.kind == "Issue" else f"{vocab.risk_band(row.score)} risk"
        name = f"{noun} {display_text(row.ref)} {_q(row.description, 45)}"
        if item is None:
            failing.append(Failing("risk", row.id, f"{name} is open and not transferred in the handover register"))
        elif _blank(item.owner):
            failing.append(Failing("handover", item.id, f"{name} is transferred without a follow-on owner"))
    return failing


def check_actions(actions, handed) -> list[Failing]:
    """An open action needs an owner and a due date: its own, or its handover item's."""
    failing = []
    for row in actions:
        if row.status not in vocab.ACTION_OPEN:
            continue
        item = handed.get(("action", row.id))
        owner = item.owner if item is not None and not _blank(item.owner) else row.owner
        due = item.due_on if item is not None and not _blank(item.due_on) else row.due_on
        gaps = [name for name, value in (("no owner", owner), ("no due date", due)) if _blank(value)]
        if gaps:
            noun = "Next step" if row.kind == "Next step" else "Recommendation"
            failing.append(Failing("action", row.id,
                                   f"{noun} {row.number} {_q(row.description, 45)} has {' and '.join(gaps)}"))
    return failing


def check_lessons(lessons) -> list[Failing]:
    if not lessons:
        return [Failing("lesson", None, "No lessons are recorded")]
    return [Failing("lesson", row.id, f"Lesson {row.number} {_q(row.description, 45)} has no one responsible")
            for row in lessons if _blank(row.responsible)]


def check_authority(raci, deliverables, people) -> list[Failing]:
    """One Accountable; every sign-off names its approver, each a person of the programme.

    The source's sign-offs are given by delegated approvers as well as the Accountable
    owner, so the authority asked for is a named, registered person, not the letter A.
    """
    failing = []
    accountable = [row for row in raci if row.letter == "A"]
    if len(accountable) != 1:
        what = "no Accountable owner" if not accountable else f"{len(accountable)} Accountable owners"
        failing.append(Failing("raci", accountable[1].id if len(accountable) > 1 else None,
                               f"The RACI has {what}: exactly one must approve the closure"))
    known = {person.name.casefold() for person in people}
    for row in deliverables:
        if row.status != SIGNED_OFF:
            continue
        names = split_names(row.approved_by)
        if not names:
            failing.append(Failing("deliverable", row.id, f"Deliverable {_q(row.title)} is signed off by no one"))
            continue
        strangers = [name for name in names if name.casefold() not in known]
        if strangers:
            failing.append(Failing(
                "deliverable", row.id,
                f"Deliverable {_q(row.title)} is signed off by {', '.join(_q(n, 30) for n in strangers)},"
                " who is not among the programme's people"))
    return failing


def unacknowledged_high_findings(findings) -> list[Any]:
    """The high findings nobody has answered (an acknowledgement that still holds)."""
    return [finding for finding in findings if finding.severity == "high" and finding.acknowledged is None]


def check_findings(findings) -> list[Failing]:
    return [Failing(finding.kind, finding.record_id, finding.message)
            for finding in unacknowledged_high_findings(findings)]


def closure_readiness(store, programme_id: int, *, today: date | None = None,
                      findings: list | None = None) -> Readiness:
    """Run the closure gate over one programme.

    Args:
        store: an open store (only its read methods are used).
        programme_id: the programme.
        today: the day findings are judged by (default: today).
        findings: the programme's findings when the caller has them for the data as it is
            (the dashboard's Overview), else the rules are run here.
    """
    from .rules import run_rules

    handovers = store.handovers(programme_id)
    handed = handover_for(handovers)
    deliverables = store.deliverables(programme_id)
    results = {
        "deliverables": check_deliverables(deliverables, handed),
        "risks": check_risks(store.risks(programme_id), handed),
        "actions": check_actions(store.actions(programme_id), handed),
        "lessons": check_lessons(store.lessons(programme_id)),
        "authority": check_authority(store.raci(programme_id), deliverables, store.people(programme_id)),
        "findings": check_findings(findings if findings is not None else run_rules(store, programme_id, today=today)),
    }
    checks = tuple(Check(check_id, title, basis, tuple(results[check_id])) for check_id, title, basis in CHECKS)
    return Readiness(programme_id, checks, tuple(handovers))


# -- the handover register -------------------------------------------------------------------

#: What "done" means for an item carried on, unless the user says otherwise.
DONE_MEANS = {
    "deliverable": "Delivered and signed off by the new owner",
    "risk": "Closed, or accepted onto the receiving organisation's register",
    "action": "Completed and reported to the new owner's board",
}


def handover_proposals(store, programme_id: int) -> list[dict[str, Any]]:
    """New handover items for whatever stays open and is not yet in the register.

    Deliverables not signed off, open risks and issues, open actions: each with the owner
    it has now (a proposal the user confirms or changes), its due date where it has one,
    and a default for what "done" means. Ready for ``store.create("handover", ...)``.
    """
    handed = handover_for(store.handovers(programme_id))
    proposals = []

    def propose(kind: str, record_id: int, item: str, owner: object, due: object) -> None:
        if (kind, record_id) in handed:
            return
        proposals.append({
            "source_kind": kind, "source_id": record_id, "item": item[:4000],
            "owner": None if _blank(owner) else str(owner)[:200], "due_on": due or None,
            "done_means": DONE_MEANS[kind], "status": "Proposed",
        })

    for row in store.deliverables(programme_id):
        if row.status != SIGNED_OFF:
            propose("deliverable", row.id, row.title, row.approved_by, None)
    for row in store.risks(programme_id):
        if row.status in vocab.RISK_OPEN:
            propose("risk", row.id, f"{row.kind} {row.ref}: {row.description}", row.owner, row.review_on)
    for row in store.actions(programme_id):
        if row.status in vocab.ACTION_OPEN:
            propose("action", row.id, f"{row.kind} {row.number}: {row.description}", row.owner, row.due_on)
    return proposals


def handover_as_dict(item) -> dict[str, Any]:
    """A handover item as plain JSON-ready data."""
    return {name: getattr(item, name) for name in
            ("id", "source_kind", "source_id", "item", "owner", "due_on", "done_means", "status")}


#: The handover register's columns in exports: (field, heading).
HANDOVER_COLUMNS = (("item", "Handed over"), ("owner", "New owner"), ("due_on", "Due"),
                    ("done_means", "Done means"), ("status", "Status"), ("source_kind", "From"))


def readiness_lines(readiness: Readiness) -> list[str]:
    """The checklist as plain lines (for the CLI and the board pack's text)."""
    verdict = "READY to close" if readiness.ready else "NOT READY to close"
    lines = [f"Closure readiness: {verdict} ({readiness.passed_count} of {len(readiness.checks)} checks pass)"]
    for check in readiness.checks:
        lines.append(f"  {'✓ PASS' if check.passed else '✗ FAIL'}  {check.title}")
        for item in check.failing:
            lines.append(f"           - {item.message}")
    return lines
