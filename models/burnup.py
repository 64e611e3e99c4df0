"""The burn-up of sign-offs: cumulative deliverables signed off per week or month, against
the total, from the sign-off dates, with the reporting date marked.

Plain Python: the store gives the dates (:meth:`Store.signoff_dates`), this module turns
them into periods and draws them as text (block characters, readable without colour);
the board pack draws the same series as SVG.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from .judgement import due_date

#: Above this many weeks from first sign-off to the reporting date, periods are months.
WEEKS_LIMIT = 26


@dataclass(frozen=True)
class BurnUp:
    """Cumulative sign-offs at the end of each period."""

    total: int
    """Every deliverable of the programme (the line to reach)."""
    unit: str
    """``week`` or ``month``."""
    periods: tuple[date, ...]
    """The first day of each period, oldest first."""
    cumulative: tuple[int, ...]
    """Signed off by the end of each period."""
    as_of: date
    """The reporting date (the programme's ``as_of``, else today)."""
    as_of_index: int | None
    """The period holding the reporting date, if shown."""
    undated: int = 0
    """Signed off with no date (counted in no period)."""

    @property
    def signed_off(self) -> int:
        return (self.cumulative[-1] if self.cumulative else 0) + self.undated


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


def burn_up(total: int, dates: list, as_of: date) -> BurnUp:
    """Periods from the first sign-off to the reporting date (or the last sign-off, if later).

    Args:
        total: how many deliverables there are.
        dates: the sign-off date of each signed-off deliverable (ISO text, a date, or None).
        as_of: the reporting date.
    """
    days = sorted(day for day in (due_date(value) for value in dates) if day is not None)
    undated = len(dates) - len(days)
    if not days:
        return BurnUp(total, "week", (), (), as_of, None, undated)
    first, last = days[0], max(days[-1], as_of)
    unit = "week" if (last - first).days <= WEEKS_LIMIT * 7 else "month"
    start, step = (_week_start, lambda d: d + timedelta(days=7)) if unit == "week" else (_month_start, _next_month)
    periods = []
    period = start(first)
    while period <= last:
        periods.append(period)
        period = step(period)
    cumulative, index = [], 0
    for number, period in enumerate(periods):
        end = periods[number + 1] if number + 1 < len(periods) else step(period)
        while index < len(days) and days[index] < end:
            index += 1
        cumulative.append(index)
    as_of_index = next((n for n, p in enumerate(periods) if p <= as_of < (periods[n + 1] if n + 1 < len(periods)
                                                                          else step(p))), None)
    return BurnUp(total, unit, tuple(periods), tuple(cumulative), as_of, as_of_index, undated)


def period_label(burn: BurnUp, period: date) -> str:
    """``Mar 21`` for a month, ``15 Mar`` for a week."""
    return period.strftime("%b %y") if burn.unit == "month" else period.strftime("%d %b")


_BLOCKS = " ▁▂▃▄▅▆▇█"


def text_chart(burn: BurnUp, *, width: int = 60, height: int = 6) -> list[str]:
    """The burn-up as lines of block characters (no colour needed).

    One column per period (the latest ``width`` periods when there are more); the bar is
    signed off so far, the scale is the total; ``▼`` above a column marks the reporting date.
    """
    title = (f"Burn-up: {burn.signed_off} of {burn.total} signed off, by {burn.unit}"
             f" · ▼ report date {burn.as_of.strftime('%d %b %Y')}")
    if not burn.periods or burn.total <= 0:
        return [title, "No dated sign-offs yet."]
    columns = list(zip(burn.periods, burn.cumulative))[-max(width - 6, 1):]
    skipped = len(burn.periods) - len(columns)
    cell = max(1, min(4, (width - 6) // len(columns)))  # wider bars when few periods
    marker = "".join(("▼" if skipped + n == burn.as_of_index else " ").ljust(cell) for n in range(len(columns)))
    lines = [title, "      " + marker]
    for row in range(height, 0, -1):
        cells = []
        for _, count in columns:
            eighths = round(count / burn.total * height * 8) - (row - 1) * 8
            cells.append(_BLOCKS[max(0, min(8, eighths))] * cell)
        label = f"{burn.total:>4} ┤" if row == height else ("   0 ┤" if row == 1 else "     │")
        lines.append(label + "".join(cells))
    first, last = period_label(burn, columns[0][0]), period_label(burn, columns[-1][0])
    span = len(columns) * cell
    axis = first + " " * max(span - len(first) - len(last), 1) + last
    lines.append("      " + axis)
    return lines
