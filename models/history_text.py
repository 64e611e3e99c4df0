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
    return action in ("create", "delete")


def change_text(kind: str, action: str, name: str | None) -> str:
    """What a row did, in words: ``Approved by``, ``undo Approved by``, ``deleted``, ``created``."""
    if name:
        label = field_label(kind, name)
        return f"undo {label}" if action == "undo" else label
    return {"create": "created", "delete": "deleted"}.get(action, display_text(action))


def old_new_text(kind: str, action: str, name: str | None, old: str | None, new: str | None,
                 limit: int = SUMMARY_LIMIT) -> tuple[str, str]:
    """A row's old and new values as shown (a whole record summarised)."""
    if is_record_document(action) and not name:
        return record_summary(kind, old, limit), record_summary(kind, new, limit)
    return value_text(kind, name, old), value_text(kind, name, new)
