"""Plain read models handed out by the store: tuples with names, no session behind them.

They are ``NamedTuple`` s so that reading 100k rows costs little more than the rows
themselves, and a table widget can take them as they are. Dates are ISO text. The record
types' tuples are generated from their declarations (:mod:`assure.models._projections`);
only the history row, which is no record type, is written here.
"""

from __future__ import annotations

from typing import NamedTuple

from ._projections import (  # noqa: F401  (re-exported)
    AcknowledgementRecord,
    ActionRecord,
    DeliverableRecord,
    HandoverRecord,
    LessonRecord,
    OutcomeRecord,
    PersonRecord,
    ProgrammeRecord,
    ProgressRecord,
    RaciRecord,
    RiskRecord,
    VerdictOverrideRecord,
)


class HistoryRecord(NamedTuple):
    id: int
    programme_id: int | None
    at: str
    user: str
    kind: str
    record_id: int | None
    record_label: str
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None


class BoardSnapshotRecord(NamedTuple):
    """What a board was shown (``figures`` is JSON text, read by :mod:`assure.models.since`)."""

    id: int
    programme_id: int
    at: str
    actor: str
    label: str
    reporting_date: str
    source: str
    last_history_id: int
    figures: str
