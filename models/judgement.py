"""The domain's small judgements, each defined once: overdue, names, sign-off, next numbers.

The rules, the summary (and so ``assure status`` and the Overview), the board pack and the
dashboard's panes all ask these questions; each used to answer them its own way. Plain
Python with nothing heavy imported, so the dashboard can use it before its first frame.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import Any

from . import vocab
from .dates import today as _today
from .text import single_spaced_already

# -- the reporting date --------------------------------------------------------------------


def reporting_date(programme: Any, today: date | None = None) -> date:
    """The day every judgement about a programme is measured against: its reporting date.

    A programme reports "as of" a date; a live one with none set reports as of today.
    Staleness, overdue, review due, sign-off after the report and every age shown are
    measured from this day, so a closed programme's board pack reads as it did on the day.

    Args:
        programme: a programme record (or dict) with ``as_of``; None for no programme.
        today: the clock's today (default :func:`assure.models.dates.today`).
    """
    as_of = programme.get("as_of") if isinstance(programme, dict) else getattr(programme, "as_of", None)
    return due_date(as_of) or today or _today()


def days_between(stamp: object, on: date) -> int | None:
    """Whole days from a stored date or time to ``on`` (never negative); None when unreadable.

    A record stamped after the reporting date (edited since the report) is 0 days old on it.
    """
    then = due_date(stamp)
    return None if then is None else max((on - then).days, 0)


# -- overdue -------------------------------------------------------------------------------


def due_date(value: object) -> date | None:
    """A stored ISO date (or timestamp) as a date; None when empty or unreadable."""
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def days_overdue(due_on: object, status: str | None, today: date | None = None) -> int:
    """How many whole days an action is overdue; 0 when it is not overdue.

    An action is overdue when it is still open (``Open`` or ``In Progress``) and its due
    date is before today: due today is not yet overdue, a done or cancelled action never
    is, and an action with no (readable) due date is not overdue (the rules report it as
    undated instead).

    Args:
        due_on: the stored due date (ISO text, a timestamp, a date, or empty).
        status: the action's status.
        today: the day to judge by (default :func:`assure.models.dates.today`).
    """
    due = due_date(due_on)
    if status not in vocab.ACTION_OPEN or due is None:
        return 0
    return max(((today or _today()) - due).days, 0)


def is_overdue(due_on: object, status: str | None, today: date | None = None) -> bool:
    """True when an open action's due date has passed (see :func:`days_overdue`)."""
    return days_overdue(due_on, status, today) > 0


def overdue_sql(open_statuses: str, on: str = "?") -> str:
    """The same judgement as :func:`is_overdue` as a SQL condition on the ``action`` table,
    for counting without reading every row.

    Args:
        open_statuses: the SQL list of :data:`vocab.ACTION_OPEN` for ``IN (...)``.
        on: the SQL expression of the day to judge by (default one ``?``: an ISO date).
    """
    return (
        f"status IN ({open_statuses}) AND due_on IS NOT NULL"
        f" AND CAST(due_on AS VARCHAR) <> '' AND due_on < {on}"
    )


# -- names ---------------------------------------------------------------------------------


def split_names(value: object) -> list[str]:
    """The individual names in an approver, owner or responsible field.

    A ``/`` separates names however it is spaced: ``"A / B"``, ``"A/B"`` and ``"A /B"`` are
    all two people. Runs of white space inside a name become one space; empty parts (``"A//B"``,
    a leading or trailing ``/``) are dropped. ``and`` and ``&`` do not separate names: they
    appear inside organisations' names ("Marks & Spencer").
    """
    if single_spaced_already(value) and "/" not in value:
        return [value] if value else []  # one name, spaced as it should be (most are)
    if value is None or not str(value).strip():
        return []
    return [" ".join(part.split()) for part in str(value).split("/") if part.strip()]


# -- signing off ---------------------------------------------------------------------------

#: The status a deliverable has once signed off.
SIGNED_OFF = "Signed Off"


def accountable(raci: Iterable[Any]) -> str | None:
    """The programme's Accountable owner (who approves), when the RACI names exactly one."""
    owners = [row.person_name for row in raci if row.letter == "A"]
    return owners[0] if len(owners) == 1 else None


def default_approver(deliverable: Any, raci: Iterable[Any]) -> str | None:
    """Who signs off a deliverable unless the user chooses someone else: the programme's
    Accountable owner (the source: the Accountable approves), else the approver it names."""
    return accountable(raci) or deliverable.approved_by


def signed_off_by(deliverable: Any) -> str | None:
    """Why a deliverable cannot simply be signed off again: who signed it and when, or None.

    Signing off never overwrites a sign-off: changing who approved it or when is an edit
    of those fields, made on purpose.
    """
    if deliverable.status != SIGNED_OFF:
        return None
    from .dates import format_date

    who = deliverable.approved_by or "nobody named"
    when = format_date(deliverable.date) if deliverable.date else "no date"
    return f"Already signed off by {who} on {when}: to change that, edit its Approved by or Date (e)"


def sign_off_date(programme: Any, today: date | None = None) -> date:
    """The date a sign-off gets unless the user types another: the reporting date (today
    for a live programme), so a closed programme's register is not dated after its report."""
    return reporting_date(programme, today)


def sign_off_changes(approver: str | None, on: date | str | None = None, *, today: date | None = None) -> dict[str, Any]:
    """What signing off a deliverable writes: the status, the date and the approver.

    Args:
        approver: who approved it (see :func:`default_approver` for the usual choice).
        on: the sign-off date as typed (``31/03/2021`` or ISO) or a date; default today.
        today: the clock's today: a sign-off dated after it is refused.

    Raises:
        ValueError: ``{"date": ..., "approved_by": ...}``-style message in ``args[0]`` (a
            dict field -> message): no approver, not a date, or a date in the future.
    """
    from .dates import DateError, format_date, parse_date

    errors: dict[str, str] = {}
    try:
        when = parse_date(on) if on not in (None, "") else (today or _today())
    except DateError as error:
        errors["date"] = str(error)
        when = None
    if when is not None and when > (today or _today()):
        errors["date"] = f"{format_date(when)} is in the future: a sign-off is dated when it was given"
    if approver is None or not str(approver).strip():
        errors["approved_by"] = "who approved it? (the source: the Accountable approves)"
    if errors:
        raise ValueError(errors)
    return {"status": SIGNED_OFF, "date": when.isoformat(), "approved_by": approver}


# -- duplicates ----------------------------------------------------------------------------

_AS_ABOVE = re.compile(r"\s*\(\s*as above\s*\)\s*$", re.IGNORECASE)


def normalise_title(title: object) -> str:
    """A deliverable title folded for comparison: case, spacing and a trailing "(as above)".

    The store keeps it beside each deliverable (``title_key``, indexed), so duplicates are
    found by one grouped query whatever the size of the register.
    """
    folded = " ".join(str(title or "").casefold().split())
    if "above" in folded:
        folded = _AS_ABOVE.sub("", folded).strip()
    return folded


# -- next numbers --------------------------------------------------------------------------

_RISK_REF = re.compile(r"\s*R\s*0*([0-9]+)\s*", re.IGNORECASE)


def next_number(numbers: Iterable[int | None]) -> int:
    """The number after the highest one in use (1 when none is): a new outcome, action or lesson."""
    return max((number for number in numbers if number is not None), default=0) + 1


def next_risk_ref(refs: Iterable[str | None]) -> str:
    """The ref after the highest ``R<n>`` in use, compared as numbers: R5 and R12 give R13.

    Refs not of that form ("Issue A") are ignored; with none in use the first is ``R1``.
    """
    numbers = (int(match.group(1)) for ref in refs if ref and (match := _RISK_REF.fullmatch(ref)))
    return f"R{next_number(numbers)}"
