"""Counts and shares worded the way a board reads them, one definition for every output.

``1 of 15 deliverables is`` and ``2 of 15 deliverables are``; 7 of 9 is 78% (nearest whole
per cent, never 0% when some are done nor 100% when some are not). Plain Python.
"""

from __future__ import annotations

import re
from datetime import date

from .dates import format_date

#: Nouns whose plural is not the noun plus "s".
_PLURALS = {"is": "are", "was": "were", "has": "have", "risk or issue": "risks or issues",
            "risk/issue": "risks/issues", "open risk or issue": "open risks or issues", "person": "people", "activity": "activities"}


def plural(noun: str, count: int) -> str:
    """``noun`` made to agree with ``count``: deliverable/deliverables, is/are."""
    if count == 1:
        return noun
    if noun in _PLURALS:
        return _PLURALS[noun]
    if noun.endswith(("s", "x", "ch", "sh")):
        return noun + "es"
    if noun.endswith("y") and noun[-2:-1] not in "aeiou":
        return noun[:-1] + "ies"
    return noun + "s"


def count(number: int, noun: str) -> str:
    """``1 finding``, ``3 findings``."""
    return f"{number} {plural(noun, number)}"


def of_total(part: int, total: int, noun: str, verb: str | None = None) -> str:
    """``1 of 15 deliverables is`` (the verb agrees with the part, the noun with the total).

    Args:
        part: how many the sentence is about.
        total: out of how many.
        noun: the singular noun ("deliverable").
        verb: "is", "has", "was" (agreeing with ``part``), or None for none.
    """
    text = f"{part} of {total} {plural(noun, total)}"
    if verb:
        text += f" {plural(verb, part)}"
    return text


def share(done: int, total: int) -> int:
    """``done`` as a whole percentage of ``total``, to the nearest (halves up: 7 of 9 is 78).

    Never 0 when some are done, never 100 when some are not: a board reading 100% takes it
    as all. 0 when there is nothing to count.
    """
    if not total or done <= 0:
        return 0
    if done >= total:
        return 100
    nearest = (200 * done + total) // (2 * total)
    return min(max(nearest, 1), 99)


def share_text(done: int, total: int) -> str:
    """``78%``, or ``-`` when there is nothing to count."""
    return f"{share(done, total)}%" if total else "-"


_MONTH_ONLY = re.compile(r"month only:\s*([A-Za-z]+)\s+([0-9]{4})", re.IGNORECASE)


def month_only(value: object, note: object) -> bool:
    """True when a stored date stands for a whole month: the first of a month whose record's
    note says ``Source gives month only: June 2022`` (how the demo data marks a date the
    source gives as a month; a date has no precision of its own in the schema)."""
    from .judgement import due_date

    when = due_date(value)
    if when is None or when.day != 1 or not note:
        return False
    for match in _MONTH_ONLY.finditer(str(note)):
        month, year = match.groups()
        if int(year) == when.year and month[:3].casefold() == when.strftime("%b").casefold():
            return True
    return False


def record_date(value: object, note: object = None) -> str:
    """A record's date as shown: ``Jun 2022`` when it is a month only, else ``04 Mar 2025``."""
    if month_only(value, note):
        from .judgement import due_date

        when = due_date(value)
        assert isinstance(when, date)
        return when.strftime("%b %Y")
    return format_date(value)  # type: ignore[arg-type]
