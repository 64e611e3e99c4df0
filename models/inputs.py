"""Validated input: what a user, an import or the seed may write.

Table models do not validate, so every write passes through one of these first. The
same model checks a whole new record (``model_validate``) and a single edited field
(assignment is validated), so each rule is written once. Text is cleaned of control and
bidi-override characters; dates accept only ``31/03/2021`` or ``2021-03-31``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from . import vocab
from .dates import DateError, parse_date
from .db import StoreError
from .text import clean_text, invisible

SHORT = 200
LONG = 4000


def _text(value: Any, *, required: bool, limit: int) -> str | None:
    if value is None:
        if required:
            raise ValueError("is required")
        return None
    if not isinstance(value, str):
        raise ValueError("must be text")
    value = clean_text(value).strip()
    if not value or invisible(value):
        if required:
            raise ValueError("must not be blank")
        return None
    if len(value) > limit:
        raise ValueError(f"is too long ({len(value)} characters; at most {limit})")
    return value


def _date(value: Any) -> date | None:
    try:
        return parse_date(value)
    except DateError as error:
        raise ValueError(str(error)) from None


def ascii_digits(text: str) -> bool:
    """True for ``0``-``9`` only: isdigit() alone also takes other scripts' digits and
    superscripts ('٣' would count as 3, '²' crashes int())."""
    return text.isascii() and text.isdigit()


_digits = ascii_digits

#: Letters, digits, '-', '_' and '.', not starting with '.': a code names files.
_CODE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")


def _code(value: Any) -> str:
    text = _text(value, required=True, limit=40)
    if not _CODE.fullmatch(text):
        raise ValueError(
            f"{text!r} is not a usable code: use letters, digits, '-', '_' and '.', not starting with '.'"
        )
    return text


def _score(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("must be a whole number from 1 to 5")
    if isinstance(value, str):
        if not _digits(value.strip()):
            raise ValueError(f"{value.strip()!r} is not a whole number from 1 to 5")
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= 5:
        raise ValueError(f"{value!r} is out of range: use a whole number from 1 to 5")
    return value


def _positive_int(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("must be a whole number")
    if isinstance(value, str):
        text = value.strip()
        if not _digits(text):
            raise ValueError(f"{text!r} is not a whole number")
        value = int(text)
    if not isinstance(value, int) or value < 0 or value > 1_000_000_000:
        raise ValueError("must be a whole number of 0 or more")
    return value


def _optional_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return _positive_int(value)


def _choice(choices: tuple[str, ...]):
    folded = {choice.casefold(): choice for choice in choices}

    def check(value: Any) -> str:
        if isinstance(value, str) and value.strip().casefold() in folded:
            return folded[value.strip().casefold()]
        raise ValueError(f"{value!r} is not one of: {', '.join(choices)}")

    return BeforeValidator(check)


def _validator(function, **options):
    return BeforeValidator(lambda value: function(value, **options))


RequiredShort = Annotated[str, _validator(_text, required=True, limit=SHORT)]
RequiredLong = Annotated[str, _validator(_text, required=True, limit=LONG)]
OptionalShort = Annotated[str | None, _validator(_text, required=False, limit=SHORT)]
OptionalLong = Annotated[str | None, _validator(_text, required=False, limit=LONG)]
OptionalDate = Annotated[date | None, BeforeValidator(_date)]
Score = Annotated[int | None, BeforeValidator(_score)]
Number = Annotated[int, BeforeValidator(_positive_int)]
RecordId = Annotated[int, BeforeValidator(_positive_int)]
OptionalRecordId = Annotated[int | None, BeforeValidator(_optional_id)]


class InputModel(BaseModel):
    """Base: unknown fields are refused, assignment is validated (used for one-field edits)."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=False)


class ProgrammeInput(InputModel):
    code: Annotated[str, BeforeValidator(_code)]
    name: RequiredShort
    organisation: OptionalShort = None
    description: OptionalLong = None
    source: OptionalShort = None
    start_date: OptionalDate = None
    end_date: OptionalDate = None
    as_of: OptionalDate = None


class PersonInput(InputModel):
    name: RequiredShort
    organisation: OptionalShort = None


class RaciInput(InputModel):
    person_id: RecordId
    role: RequiredShort
    letter: Annotated[str, _choice(vocab.RACI_LETTERS)]
    note: OptionalLong = None


class OutcomeInput(InputModel):
    number: Number
    title: RequiredLong
    status: Annotated[str, _choice(vocab.OUTCOME_STATUSES)] = "Not Started"
    vision: OptionalLong = None


class ProgressInput(InputModel):
    outcome_id: RecordId
    horizon: Annotated[str, _choice(vocab.HORIZONS)]
    position: Number = 0
    text: RequiredLong


class DeliverableInput(InputModel):
    outcome_id: OptionalRecordId = None
    title: RequiredLong
    approved_by: OptionalShort = None
    status: Annotated[str, _choice(vocab.DELIVERABLE_STATUSES)] = "Not Started"
    date: OptionalDate = None
    note: OptionalLong = None
    baseline_date: OptionalDate = None


class RiskInput(InputModel):
    ref: Annotated[str, _validator(_text, required=True, limit=20)]
    kind: Annotated[str, _choice(vocab.RISK_KINDS)] = "Risk"
    description: RequiredLong
    likelihood: Score = None
    impact: Score = None
    owner: OptionalShort = None
    status: Annotated[str, _choice(vocab.RISK_STATUSES)] = "Open"
    latest_update: OptionalLong = None
    raised_on: OptionalDate = None
    review_on: OptionalDate = None


class ActionInput(InputModel):
    number: Number
    kind: Annotated[str, _choice(vocab.ACTION_KINDS)] = "Close-out recommendation"
    description: RequiredLong
    owner: OptionalShort = None
    due_on: OptionalDate = None
    status: Annotated[str, _choice(vocab.ACTION_STATUSES)] = "Open"


class LessonInput(InputModel):
    number: Number
    description: RequiredLong
    recommendation: OptionalLong = None
    responsible: OptionalShort = None


def _source_kind(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if value not in vocab.HANDOVER_SOURCES:
        raise ValueError(f"{value!r} is not one of: {', '.join(vocab.HANDOVER_SOURCES)}")
    return value


class HandoverInput(InputModel):
    source_kind: Annotated[str | None, BeforeValidator(_source_kind)] = None
    source_id: OptionalRecordId = None
    item: RequiredLong
    owner: OptionalShort = None
    due_on: OptionalDate = None
    done_means: OptionalLong = None
    status: Annotated[str, _choice(vocab.HANDOVER_STATUSES)] = "Proposed"


class VerdictOverrideInput(InputModel):
    outcome_id: OptionalRecordId = None
    rating: Annotated[str, _choice(vocab.DCA_RATINGS)]
    reason: RequiredLong


class AcknowledgementInput(InputModel):
    rule: Annotated[str, _validator(_text, required=True, limit=60)]
    kind: Annotated[str, _validator(_text, required=True, limit=30)]
    record_id: OptionalRecordId = None
    record_version: Annotated[int | None, BeforeValidator(_optional_id)] = None
    reason: RequiredLong
    until: OptionalDate = None
    actor: RequiredShort
    at: RequiredShort


INPUTS: dict[str, type[InputModel]] = {
    "programme": ProgrammeInput,
    "person": PersonInput,
    "raci": RaciInput,
    "outcome": OutcomeInput,
    "progress": ProgressInput,
    "deliverable": DeliverableInput,
    "risk": RiskInput,
    "action": ActionInput,
    "lesson": LessonInput,
    "handover": HandoverInput,
    "verdict": VerdictOverrideInput,
    "acknowledgement": AcknowledgementInput,
}


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
    model = INPUTS[kind]
    if field not in model.model_fields:
        raise InvalidInput({field: "is not a field of this record"})
    probe = model.model_construct()
    try:
        setattr(probe, field, value)
    except ValidationError as error:
        raise InvalidInput(_errors(error)) from None
    return getattr(probe, field)
