"""How statuses read on screen: a symbol and a word always, colour only as a help.

Tones are names ("good", "warn", "bad", "muted", "accent") that the table and the
stylesheet turn into theme colours, so dark, light and ``NO_COLOR`` all make sense.
"""

from __future__ import annotations

from datetime import date

from assure.models import vocab
from assure.models.dates import format_date, today
from assure.models.judgement import is_overdue
from assure.models.text import display_text

STATUS_TONES = {
    "Signed Off": ("good", "✓"),
    "Delivered": ("good", "✓"),
    "Complete": ("good", "✓"),
    "Done": ("good", "✓"),
    "Closed": ("muted", "✓"),
    "Cancelled": ("muted", "–"),
    "In Progress": ("accent", "▸"),
    "Open": ("warn", "○"),
    "Monitoring": ("accent", "◔"),
    "Post Transition": ("warn", "→"),
    "Not Started": ("muted", "□"),
    "Delayed": ("bad", "!"),
    "At Risk": ("bad", "!"),
    "Proposed": ("warn", "?"),
    "Accepted": ("accent", "▸"),
}

#: Statuses in ten cells or fewer, for a narrow column (the detail view gives the whole word).
STATUS_SHORT = {
    "Not Started": "To start",
    "In Progress": "Underway",
    "Post Transition": "Post-trans",
}

BAND_TONES = {"Red": ("bad", "▲"), "Amber": ("warn", "◆"), "Green": ("good", "●"), "Unscored": ("muted", "?")}

RACI_TONES = {"A": ("accent", "★"), "R": (None, "●"), "C": (None, "◌"), "I": ("muted", "◇")}

#: A finding's severity: the same symbols as the risk bands (high is as bad as red).
SEVERITY_TONES = {"high": ("bad", "▲"), "medium": ("warn", "◆"), "low": ("muted", "▽")}

#: A status none of the vocabularies knows (e.g. from an older release): marked, not hidden.
UNKNOWN_STATUS_SYMBOL = "?"

#: Between items on one line ("✓ Done 3 · ▸ In Progress 2"); no status or level uses it.
SEPARATOR = " · "


def status_text(status: str | None) -> str:
    """``✓ Signed Off``: the symbol goes with the word so colour is never alone."""
    if not status:
        return ""
    return f"{status_symbol(status)} {display_text(status)}"


def status_short_text(status: str | None) -> str:
    """``✓ Signed``: a status with its symbol in at most twelve cells."""
    if not status:
        return ""
    return f"{status_symbol(status)} {display_text(STATUS_SHORT.get(status, status))}"


def status_symbol(status: str | None) -> str:
    return STATUS_TONES.get(status or "", (None, UNKNOWN_STATUS_SYMBOL))[1]


def status_tone(status: str | None) -> str | None:
    return STATUS_TONES.get(status or "", (None, ""))[0]


def band_text(score: int | None) -> str:
    band = vocab.risk_band(score)
    symbol = BAND_TONES[band][1]
    return f"{symbol} {score} {band}" if score is not None else f"{symbol} {band}"


def band_tone(score: int | None) -> str:
    return BAND_TONES[vocab.risk_band(score)][0]


def days_since(stamp: str | None, *, on: date | None = None) -> int | None:
    """Whole days from an ISO date/time to ``on`` (the reporting date; default today): how stale an item is."""
    from assure.models.judgement import days_between

    return days_between(stamp, on or today())


def age_text(stamp: str | None, on: date | None = None) -> str:
    """``12d``: days since the stamp on the reporting date ``on`` (see :func:`days_since`)."""
    days = days_since(stamp, on=on)
    return "" if days is None else f"{days}d"


def due_text(due_on: str | None, status: str, on: date | None = None) -> str:
    """A due date, marked when it has passed on an open action (on the reporting date ``on``)."""
    if not due_on:
        return "—" if status in vocab.ACTION_OPEN else ""
    text = format_date(due_on)
    return f"⚠ {text}" if is_overdue(due_on, status, on) else text


def due_tone(due_on: str | None, status: str, on: date | None = None) -> str | None:
    return "bad" if is_overdue(due_on, status, on) else None


def progress_bar(done: int, total: int, width: int = 10) -> str:
    """A text bar such as ``████░░░░░░ 4/10``: readable without colour."""
    if total <= 0:
        return "░" * width + " 0/0"
    filled = round(width * done / total)
    return "█" * filled + "░" * (width - filled) + f" {done}/{total}"

