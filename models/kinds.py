"""The record types as the read side sees them: built from the generated projections.

Each record type is declared once, in :mod:`assure.models.declarations`; what is needed
before the first frame (its table, fields, labels, controls, choices, SELECT, read record,
references, document and default columns) is generated from there into
:mod:`assure.models._projections`, so reading imports neither SQLModel nor pydantic.
"""

from __future__ import annotations

from typing import Callable, NamedTuple

from . import _projections
from .specs import ColumnSpec, Control, DocColumn, FieldSpec, Reference  # noqa: F401  (re-exported)


class Kind(NamedTuple):
    """A record type: where it lives and how it is read and described (a named tuple:
    cheap to make at every start)."""

    name: str
    label: str
    table: str
    fields: tuple[FieldSpec, ...]
    record: type
    select: str
    order: str
    describe: Callable[[dict], str] = lambda row: f"#{row.get('id')}"
    #: Columns whose values repeat across many records: read into one shared object each.
    shared: tuple[str, ...] = ("updated_at",)
    #: The noun for a count of them ("used by 3 deliverables").
    noun: str = ""
    #: The document section its records are listed under ("" for a programme).
    section: str = ""
    #: The field others refer to it by in documents (an outcome by its number).
    key: str | None = None
    #: Every field an input may set (the editable ones and those the program keeps).
    inputs: tuple[str, ...] = ()
    #: The inputs a new record must be given (the rest have defaults).
    needed: tuple[str, ...] = ()
    references: tuple[Reference, ...] = ()
    #: Its columns in a JSON or CSV document.
    document: tuple[DocColumn, ...] = ()
    #: Default columns of its register and of its board-pack table.
    pane: tuple[ColumnSpec, ...] = ()
    pack: tuple[ColumnSpec, ...] = ()
    #: (reference, list name, order field) when listed inside the record it refers to.
    nested: tuple[str, str, str] | None = None
    #: Imported from and exported to CSV.
    csv: bool = False

    def field(self, name: str) -> FieldSpec:
        """Return the spec of one editable field, or raise KeyError."""
        for spec in self.fields:
            if spec.name == name:
                return spec
        raise KeyError(f"{self.label} has no field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(spec.name for spec in self.fields)

    def reference(self, name: str) -> Reference | None:
        """The reference held in field ``name``, if it is one."""
        return next((ref for ref in self.references if ref.field == name), None)


KINDS: dict[str, Kind] = {name: Kind(name=name, **data) for name, data in _projections.KINDS.items()}
#: Record type -> (record type, field) of the records that refer to one of it.
DEPENDANTS: dict[str, tuple[tuple[str, str], ...]] = _projections.DEPENDANTS
#: The tables a programme's records are deleted from, children first.
DELETE_ORDER: tuple[str, ...] = _projections.DELETE_ORDER

PROGRAMME, PERSON, RACI, OUTCOME, PROGRESS, DELIVERABLE, RISK, ACTION, LESSON = (
    KINDS[name] for name in ("programme", "person", "raci", "outcome", "progress", "deliverable", "risk", "action", "lesson")
)
ACKNOWLEDGEMENT, VERDICT, HANDOVER = (KINDS[name] for name in ("acknowledgement", "verdict", "handover"))


def kind_of(name: str) -> Kind:
    """Look up a record type by name, with a clear error for a wrong one."""
    try:
        return KINDS[name]
    except KeyError:
        raise KeyError(f"unknown record type {name!r}; expected one of {', '.join(KINDS)}") from None
