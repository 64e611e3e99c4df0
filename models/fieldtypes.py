"""The value types a declared field may have, each with its validation (pydantic).

A field's annotation in :mod:`assure.models.declarations` is one of these: the type gives
the database column (through SQLModel) and the rule that cleans and checks input. Text is
cleaned of control and bidi-override characters; dates accept only ``31/03/2021`` or
``2021-03-31``; a choice is matched ignoring case and stored as spelt in the vocabulary.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator

from . import vocab
from .dates import DateError, parse_date
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
        if not ascii_digits(value.strip()):
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
        if not ascii_digits(text):
            raise ValueError(f"{text!r} is not a whole number")
        value = int(text)
    if not isinstance(value, int) or value < 0 or value > 1_000_000_000:
        raise ValueError("must be a whole number of 0 or more")
    return value


def _optional_id(value: Any) -> int | None:
    if value is None or value == "":
        return None
    return _positive_int(value)


class OneOf(BeforeValidator):
    """A choice from a vocabulary; the declaration's choices are read from here."""

    def __init__(self, choices: tuple[str, ...]):
        folded = {choice.casefold(): choice for choice in choices}

        def check(value: Any) -> str:
            if isinstance(value, str) and value.strip().casefold() in folded:
                return folded[value.strip().casefold()]
            raise ValueError(f"{value!r} is not one of: {', '.join(choices)}")

        super().__init__(check)
        object.__setattr__(self, "choices", tuple(choices))


def _source_kind(value: Any) -> str | None:
    """What a handover item carries on: a record type of :data:`vocab.HANDOVER_SOURCES`, or nothing."""
    if value is None or value == "":
        return None
    if value not in vocab.HANDOVER_SOURCES:
        raise ValueError(f"{value!r} is not one of: {', '.join(vocab.HANDOVER_SOURCES)}")
    return value


def _validator(function, **options):
    return BeforeValidator(lambda value: function(value, **options))


def Choice(choices: tuple[str, ...]):  # noqa: N802  (reads as a type in a declaration)
    """``status: Choice(vocab.RISK_STATUSES)``: text that must be one of ``choices``."""
    return Annotated[str, OneOf(choices)]


RequiredShort = Annotated[str, _validator(_text, required=True, limit=SHORT)]
RequiredLong = Annotated[str, _validator(_text, required=True, limit=LONG)]
OptionalShort = Annotated[str | None, _validator(_text, required=False, limit=SHORT)]
OptionalLong = Annotated[str | None, _validator(_text, required=False, limit=LONG)]
Ref = Annotated[str, _validator(_text, required=True, limit=20)]
Code = Annotated[str, BeforeValidator(_code)]
OptionalDate = Annotated[date | None, BeforeValidator(_date)]
Score = Annotated[int | None, BeforeValidator(_score)]
Number = Annotated[int, BeforeValidator(_positive_int)]
RecordId = Annotated[int, BeforeValidator(_positive_int)]
OptionalRecordId = Annotated[int | None, BeforeValidator(_optional_id)]
