"""Plain read models handed out by the store: tuples with names, no session behind them.

They are ``NamedTuple`` s so that reading 100k rows costs little more than the rows
themselves, and a table widget can take them as they are. Dates are ISO text.
"""

from __future__ import annotations

from typing import NamedTuple


class ProgrammeRecord(NamedTuple):
    id: int
    code: str
    name: str
    organisation: str | None
    description: str | None
    source: str | None
    start_date: str | None
    end_date: str | None
    as_of: str | None
    version: int
    updated_at: str


class PersonRecord(NamedTuple):
    id: int
    programme_id: int
    name: str
    organisation: str | None
    version: int
    updated_at: str


class RaciRecord(NamedTuple):
    id: int
    programme_id: int
    person_id: int
    person_name: str
    role: str
    letter: str
    note: str | None
    version: int
    updated_at: str


class OutcomeRecord(NamedTuple):
    id: int
    programme_id: int
    number: int
    title: str
    status: str
    vision: str | None
    deliverables_total: int
    deliverables_done: int
    version: int
    updated_at: str


class ProgressRecord(NamedTuple):
    id: int
    programme_id: int
    outcome_id: int
    horizon: str
    position: int
    text: str
    version: int
    updated_at: str


class DeliverableRecord(NamedTuple):
    id: int
    programme_id: int
    outcome_id: int | None
    outcome_number: int | None
    title: str
    approved_by: str | None
    status: str
    date: str | None
    note: str | None
    version: int
    updated_at: str
    baseline_date: str | None = None


class RiskRecord(NamedTuple):
    id: int
    programme_id: int
    ref: str
    kind: str
    description: str
    likelihood: int | None
    impact: int | None
    score: int | None
    owner: str | None
    status: str
    latest_update: str | None
    raised_on: str | None
    review_on: str | None
    version: int
    updated_at: str


class ActionRecord(NamedTuple):
    id: int
    programme_id: int
    number: int
    kind: str
    description: str
    owner: str | None
    due_on: str | None
    status: str
    version: int
    updated_at: str


class LessonRecord(NamedTuple):
    id: int
    programme_id: int
    number: int
    description: str
    recommendation: str | None
    responsible: str | None
    version: int
    updated_at: str


class HandoverRecord(NamedTuple):
    id: int
    programme_id: int
    source_kind: str | None
    source_id: int | None
    item: str
    owner: str | None
    due_on: str | None
    done_means: str | None
    status: str
    version: int
    updated_at: str


class VerdictOverrideRecord(NamedTuple):
    id: int
    programme_id: int
    outcome_id: int | None
    rating: str
    reason: str
    version: int
    updated_at: str


class AcknowledgementRecord(NamedTuple):
    """An answer to a finding: who acknowledged it, when, why and until when."""

    id: int
    programme_id: int
    rule: str
    kind: str
    record_id: int | None
    record_version: int | None
    reason: str
    until: str | None
    actor: str
    at: str
    version: int
    updated_at: str


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
