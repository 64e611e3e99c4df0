"""The plain shapes the generated projections are made of (no SQLAlchemy, no pydantic).

:mod:`assure.models._projections` is generated from the declarations into these, so the
first frame and ``assure status`` read records without importing the declaration side.
Named tuples, not dataclasses: they are made on every start, and a tuple class costs a
fraction of a dataclass to create.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

Control = Literal["text", "longtext", "choice", "date", "int", "score", "person", "people", "outcome"]


class FieldSpec(NamedTuple):
    """An editable field of a record type, as the forms and messages see it."""

    name: str
    label: str
    control: Control = "text"
    choices: tuple[str, ...] = ()
    required: bool = False


class Reference(NamedTuple):
    """A field holding another record's id: ``outcome_id`` -> the outcome, known in
    documents by its ``key`` (number) and read alongside as ``read`` (``outcome_number``)."""

    field: str
    target: str
    key: str
    read: str | None
    ondelete: str
    required: bool

    @property
    def document_name(self) -> str:
        """The column a document and CSV use for it: the field without ``_id`` (``outcome``)."""
        return self.field.removesuffix("_id")


class DocColumn(NamedTuple):
    """One column of a record type's JSON/CSV document: ``name`` holds ``field``'s value, or
    for a reference the referred record's key."""

    name: str
    field: str
    refers: str | None = None


class ColumnSpec(NamedTuple):
    """A default column of a register or board-pack table.

    ``source`` is the record attribute shown (None: the pane supplies it), ``field`` the
    field the cell edits (None: worked out, not typed).
    """

    key: str
    label: str
    source: str | None
    field: str | None


def clip(text: object, width: int = 60) -> str:
    """Text cut to ``width`` characters, ending in an ellipsis when cut."""
    text = str(text or "")
    return text if len(text) <= width else text[: width - 1] + "…"
