"""Controlled vocabularies: statuses, kinds, RACI letters and horizons.

Plain tuples so that reading them costs nothing at start-up; the input models, the
seed loader, the rules and the TUI's choice lists all use these.
"""

from __future__ import annotations

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
