"""History rows in words a reader knows: field labels, dates as ``04 Mar 2025``, a short
summary instead of a deleted record's JSON, undo rows named as such.

Plain Python (no Textual): the History pane and anything else that shows history use it.
Every string returned has been through :func:`~assure.models.text.display_text`.
"""

from __future__ import annotations

import json
from typing import Any

from .dates import format_date
from .kinds import KINDS
from .text import display_text

#: Fields holding another record's id: a summary says nothing useful with them.
_ID_CONTROLS = frozenset({"person", "outcome"})
#: How long a whole-record summary may grow before it is cut.
SUMMARY_LIMIT = 120


def _spec(kind: str, name: str | None):
    spec = KINDS.get(kind)
    if spec is None or not name or name not in spec.field_names:
        return None
    return spec.field(name)


def field_label(kind: str, name: str | None) -> str:
    """The label the screens use for a field (``Approved by``), or the cleaned name."""
    spec = _spec(kind, name)
    return display_text(spec.label if spec is not None else name)


def value_text(kind: str, name: str | None, value: Any) -> str:
    """A stored field value as shown: a date control as ``04 Mar 2025``, else cleaned text."""
    spec = _spec(kind, name)
    if spec is not None and spec.control == "date" and value:
        return display_text(format_date(str(value)))
    return display_text(value)


def record_summary(kind: str, document: str | None, limit: int = SUMMARY_LIMIT) -> str:
    """A whole record stored as JSON (a delete's old value), as ``Label: value; …`` of its
    non-empty fields in form order, cleaned and cut to ``limit`` characters.

    Text that is not a JSON object is returned cleaned, as it is.
    """
    if not document:
        return ""
    try:
        row = json.loads(document)
    except ValueError:
        row = None
    spec = KINDS.get(kind)
    if not isinstance(row, dict) or spec is None:
        return display_text(document)
    parts = []
    for field in spec.fields:
        value = row.get(field.name)
        if value in (None, "") or field.control in _ID_CONTROLS:
            continue
        parts.append(f"{display_text(field.label)}: {value_text(kind, field.name, value)}")
    summary = "; ".join(parts)
    return summary if len(summary) <= limit else summary[: limit - 1].rstrip() + "…"


def is_record_document(action: str) -> bool:
    """Whether a row's old or new value holds the whole record (a create or a delete)."""
    return action in ("create", "delete", "undo-create", "undo-delete")


def change_text(kind: str, action: str, name: str | None) -> str:
    """What a row did, in words: ``Approved by``, ``undo Approved by``, ``deleted``, ``created``,
    ``undo add``, ``undo delete``."""
    if name:
        label = field_label(kind, name)
        return f"undo {label}" if action == "undo" else label
    return _ACTION_WORDS.get(action, display_text(action))


_ACTION_WORDS = {"create": "created", "delete": "deleted",
                 "undo-create": "undo add", "undo-delete": "undo delete", "board": "board marked"}


def when_text(stamp: str | None) -> str:
    """A stored UTC time in the user's time zone, whole: ``21 Apr 2021 10:30``."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(stamp).astimezone().strftime("%d %b %Y %H:%M")
    except (TypeError, ValueError):  # e.g. an old row or another writer's odd text
        return display_text(stamp)


def row_text(row: Any) -> str:
    """One history row as a line of words, e.g. for ``assure history``:
    ``Approved by: Glyn Peach -> Paul Sutcliffe``, ``deleted: Learning point: …``."""
    change = change_text(row.kind, row.action, row.field)
    old, new = old_new_text(row.kind, row.action, row.field, row.old_value, row.new_value)
    if row.field:
        return f"{change}: {old or '—'} -> {new or '—'}"
    if row.action in ("load", "replace", "board"):
        # "demo data loaded: 14 people, …", "board marked: Board 14 May (export:md)"
        return display_text(row.new_value or row.action)
    whole = old or new
    return f"{change}: {whole}" if whole else change


def old_new_text(kind: str, action: str, name: str | None, old: str | None, new: str | None,
                 limit: int = SUMMARY_LIMIT) -> tuple[str, str]:
    """A row's old and new values as shown (a whole record summarised)."""
    if is_record_document(action) and not name:
        return record_summary(kind, old, limit), record_summary(kind, new, limit)
    return value_text(kind, name, old), value_text(kind, name, new)
