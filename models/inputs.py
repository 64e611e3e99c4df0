"""Validated input: what a user, an import or the seed may write.

Table models do not validate, so every write passes through a record type's create model
(a whole new record) or its update model (some fields), both declared with the record in
:mod:`assure.models.declarations`, so each rule is written once, and generated from there
as plain pydantic models (:mod:`assure.models._inputs`: a write need not import SQLModel).
Text is cleaned of control and bidi-override characters; dates accept only ``31/03/2021``
or ``2021-03-31``.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from .db import StoreError
from ._inputs import CREATE, UPDATE, InputModel
from .fieldtypes import LONG, SHORT, ascii_digits  # noqa: F401  (re-exported)

#: Record type -> its create model (the whole record) and its update model (any fields).
INPUTS: dict[str, type[InputModel]] = CREATE


def risk_ref_key(ref: str) -> str:
    """What makes two risk refs the same within a programme: case is ignored ('R1' = 'r1')."""
    return ref.strip().casefold()


class InvalidInput(ValueError):
    """Input refused by validation; ``errors`` maps each field to a message for the user."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))


class DuplicateValue(InvalidInput, StoreError):
    """A value another record of the programme already has (e.g. a risk ref).

    Both kinds of error: forms show it next to the field, and callers that expect only
    database errors (undo) still get a one-line message.
    """


def _errors(error: ValidationError) -> dict[str, str]:
    messages: dict[str, str] = {}
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"]) or "record"
        message = item["msg"].removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is required"
        elif item["type"] == "extra_forbidden":
            message = "is not a field of this record"
        messages.setdefault(field, message)
    return messages


def validate_record(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """Validate a whole new record; return the cleaned values.

    Raises:
        InvalidInput: naming each bad field.
    """
    try:
        return INPUTS[kind].model_validate(data).model_dump()
    except ValidationError as error:
        raise InvalidInput(_errors(error)) from None


def validate_field(kind: str, field: str, value: Any) -> Any:
    """Validate one field's new value; return it cleaned.

    Raises:
        InvalidInput: with the message for that field.
    """
    return validate_changes(kind, {field: value})[field]


def validate_changes(kind: str, changes: dict[str, Any]) -> dict[str, Any]:
    """Validate some fields' new values (the update model); return them cleaned.

    Raises:
        InvalidInput: naming each bad field.
    """
    try:
        return UPDATE[kind].model_validate(changes).model_dump(exclude_unset=True)
    except ValidationError as error:
        raise InvalidInput(_errors(error)) from None
