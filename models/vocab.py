"""Controlled vocabularies: statuses, kinds, RACI letters and horizons.

Plain tuples so that reading them costs nothing at start-up; the input models, the
seed loader, the rules and the TUI's choice lists all use these.
"""

from __future__ import annotations

from typing import Iterable, NamedTuple

RACI_LETTERS = ("R", "A", "C", "I")
RACI_MEANING = {
    "R": "Responsible (endorses)",
    "A": "Accountable (approves)",
    "C": "Consulted (endorses)",
    "I": "Informed",
}

OUTCOME_STATUSES = ("Not Started", "In Progress", "At Risk", "Complete")
OUTCOME_DONE = frozenset({"Complete"})

DELIVERABLE_STATUSES = (
    "Not Started",
    "In Progress",
    "Delayed",
    "Post Transition",
    "Delivered",
    "Signed Off",
)
#: Statuses that count towards an outcome's sign-off progress.
DELIVERABLE_DONE = frozenset({"Signed Off", "Delivered"})

RISK_KINDS = ("Risk", "Issue")
RISK_STATUSES = ("Open", "Monitoring", "Closed")
RISK_OPEN = frozenset({"Open", "Monitoring"})

ACTION_KINDS = ("Close-out recommendation", "Next step")
ACTION_STATUSES = ("Open", "In Progress", "Done", "Cancelled")
ACTION_OPEN = frozenset({"Open", "In Progress"})

HORIZONS = ("Achieved", "Next 6 months", "6 months plus")

#: A handover item: proposed at closure, accepted by its new owner, then done.
HANDOVER_STATUSES = ("Proposed", "Accepted", "Done")
HANDOVER_OPEN = frozenset({"Proposed", "Accepted"})
#: What a handover item carries on (the record kinds it may come from).
HANDOVER_SOURCES = ("deliverable", "risk", "action")
#: The five-point Delivery Confidence Assessment of UK government project reviews, best
#: first (what each means and how it is derived: :mod:`assure.models.verdict`).
DCA_RATINGS = ("Green", "Amber/Green", "Amber", "Amber/Red", "Red")


def workflow_rank(statuses: tuple[str, ...], status: str | None) -> int | None:
    """Where a status comes in its workflow (the order of ``statuses``), for sorting.

    Args:
        statuses: One record type's statuses in workflow order, e.g. ``DELIVERABLE_STATUSES``.
        status: A stored status.

    Returns:
        Its position; an unknown status after every known one; None for no status.
    """
    if status is None or not str(status).strip():
        return None
    try:
        return statuses.index(status)
    except ValueError:
        return len(statuses)


def risk_score(likelihood: int | None, impact: int | None) -> int | None:
    """Return likelihood x impact, or None when either is not yet assessed."""
    if likelihood is None or impact is None:
        return None
    return likelihood * impact


def risk_band(score: int | None) -> str:
    """Return the written RAG band for a risk score: 1-4 green, 5-14 amber, 15-25 red."""
    if score is None:
        return "Unscored"
    if score <= 4:
        return "Green"
    if score <= 14:
        return "Amber"
    return "Red"


class ProgrammeWords(NamedTuple):
    """What a programme's records call things, for titles and headings.

    A programme that signs deliverables off (any is "Signed Off") has a sign-off register;
    one that only reports delivery (BwD's work streams) has a delivery register, and its
    count is of delivered items. RACI roles are "key transition roles" only where the
    roles are about a transition.
    """

    roles: str
    """The RACI pane's subject: "key transition roles", "key roles" or "roles (none recorded)"."""
    register: str
    """The deliverables pane's subject: "sign-off register" or "delivery register"."""
    tab: str
    """The deliverables pane's tab: "Sign-offs" or "Delivery"."""
    done: str
    """The heading over the done count ("Sign-offs 21/32") and the outcomes' progress column."""
    done_column: str
    """The outcomes' progress column: "Signed off" or "Delivered"."""


def programme_words(raci_roles: int, transition_roles: int, deliverable_statuses: Iterable[str]) -> ProgrammeWords:
    """The words for a programme, from what its records use.

    Args:
        raci_roles: How many RACI rows the programme has.
        transition_roles: How many of those name a transition in their role.
        deliverable_statuses: The statuses its deliverables have (each at least once).

    Returns:
        Its words; a programme with no deliverables yet is worded as a sign-off register.
    """
    statuses = set(deliverable_statuses)
    if raci_roles == 0:
        roles = "roles (none recorded)"
    else:
        roles = "key transition roles" if transition_roles else "key roles"
    if not statuses or "Signed Off" in statuses:
        return ProgrammeWords(roles, "sign-off register", "Sign-offs", "Sign-offs", "Signed off")
    return ProgrammeWords(roles, "delivery register", "Delivery", "Delivered", "Delivered")
