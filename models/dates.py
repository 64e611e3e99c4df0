"""Dates as the source and the users write them.

Only ``dd/mm/yyyy`` and ISO ``yyyy-mm-dd`` are accepted: pydantic's own parsing takes
``0`` or ``"86400"`` as Unix timestamps, which is never what a user meant. Dates are shown
unambiguously as ``04 Mar 2025``.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Callable

# [0-9], not \d: \d also matches other scripts' digits and superscripts.
_UK = re.compile(r"^\s*([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})\s*$")
_ISO = re.compile(r"^\s*([0-9]{4})-([0-9]{2})-([0-9]{2})\s*$")


class DateError(ValueError):
    """A date the user typed that is not a real dd/mm/yyyy or yyyy-mm-dd date."""


def parse_date(value: str | date | None) -> date | None:
    """Parse ``31/03/2021`` or ``2021-03-31``; empty means no date.

    Raises:
        DateError: with a message fit to show next to the field.
    """
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise DateError("expected a date like 31/03/2021 or 2021-03-31")
    if not value.strip():
        return None
    if match := _UK.match(value):
        day, month, year = (int(part) for part in match.groups())
    elif match := _ISO.match(value):
        year, month, day = (int(part) for part in match.groups())
    else:
        raise DateError(f"{value.strip()!r} is not a date: use 31/03/2021 or 2021-03-31")
    try:
        return date(year, month, day)
    except ValueError as error:
        raise DateError(f"{value.strip()!r} is not a real date ({error})") from None


def format_date(value: str | date | None) -> str:
    """Show a stored date as ``04 Mar 2025``; empty for no date."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return value.strftime("%d %b %Y")


def format_short_date(value: str | date | None) -> str:
    """A date for a narrow column: ``04 Mar 21`` (day, month name, two-digit year)."""
    text = format_date(value)
    return f"{text[:7]}{text[9:]}" if len(text) == 11 and text[7:9].isdigit() else text


#: The test harness's clock and login (tests/hooks): a function from "now", "today" or
#: "user" to a fixed value or None. Only Python code can install it, so nobody can date or
#: sign a change from the command line or the environment.
_test_override: Callable[[str], str | None] | None = None


def install_test_override(lookup: Callable[[str], str | None] | None) -> None:
    """Fix the clock and the login for a test run (never called by the app itself)."""
    global _test_override
    _test_override = lookup


def test_override(name: str) -> str | None:
    """The test harness's value for ``now``, ``today`` or ``user``, if one is installed."""
    return _test_override(name) if _test_override is not None else None


def utc_now_iso() -> str:
    """The current UTC time as ISO text, second precision, for history rows."""
    frozen = test_override("now")
    if frozen:
        return frozen
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def local_now() -> datetime:
    """The current time in the local time zone, to the second (the test harness can fix it).

    For names and messages a person reads (a backup's file name); history rows keep UTC.
    """
    frozen = test_override("now")
    if frozen:
        moment = datetime.fromisoformat(frozen)
        return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone()
    return datetime.now().astimezone().replace(microsecond=0)


def format_local_time(value: str | datetime | None) -> str:
    """A stored UTC time as a person reads it, in local time: ``09:30`` today, else ``04 Mar 2025 09:30``.

    Returns "" for nothing or for text that is not an ISO time.
    """
    if value is None:
        return ""
    try:
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    if moment.tzinfo is None:  # history is written in UTC
        moment = moment.replace(tzinfo=timezone.utc)
    local = moment.astimezone()
    if local.date() == today():
        return local.strftime("%H:%M")
    return f"{format_date(local.date())} {local.strftime('%H:%M')}"


def today() -> date:
    """Today's date (by the system clock; only the test harness can fix it)."""
    frozen = test_override("today")
    if frozen:
        return date.fromisoformat(frozen)
    return date.today()
