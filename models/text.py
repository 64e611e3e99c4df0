"""Cleaning text that came from a user, an import or the database.

Rich and Textual strip only a handful of control characters; escape sequences (ESC,
CSI, OSC, C1 controls) and bidi overrides would reach the user's terminal. They are
removed on the way in (:func:`clean_text`, used by validation) and replaced on the way
out (:func:`display_text`, the one function every path to a terminal goes through).
:func:`json_dumps` writes JSON whose bytes are terminal-safe yet round-trip the data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

# C0 controls except tab/newline, DEL, C1 controls, bidi embedding/override/isolate marks,
# and lone surrogates (from JSON "\\ud800" escapes: SQLite and the terminal cannot encode them).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop control and bidi-override characters, keeping tabs and newlines.

    This is for text on its way in (validation, and stored values put back into an
    input box): nothing is shown in their place, so nothing strange is saved back.
    """
    return _UNSAFE.sub("", value.replace("\r\n", "\n"))


def display_text(value: object, *, multiline: bool = False) -> str:
    """Return a terminal-safe rendering of a stored value (``None`` shows as nothing).

    Control characters become a visible replacement character so that nothing the
    database holds can drive the terminal, yet the user can see something was there.

    Args:
        value: Anything; shown through ``str()``.
        multiline: Keep newlines (tabs become four spaces), for detail views and
            multi-line CLI output; otherwise the result is one line.

    Returns:
        Text safe to hand to a terminal (still to be drawn as text, never as markup).
    """
    if value is None:
        return ""
    if type(value) is str and value.isprintable():
        # Nothing to replace: every character either pattern matches (controls, bidi and
        # format marks, surrogates) is one isprintable() refuses. A third of the cost, for
        # the 20,000 lines of a large report and every cell drawn.
        return value
    text = str(value).replace("\r\n", "\n")
    if multiline:
        return _UNSAFE.sub("\ufffd", text.replace("\t", "    "))
    return _UNSAFE_ONE_LINE.sub("\ufffd", text.replace("\n", " ").replace("\t", " "))


def single_spaced_already(value: object) -> bool:
    """True for a printable string whose only white space is single spaces inside: nothing
    to clean or collapse (every other white space character is one isprintable() refuses)."""
    return type(value) is str and value.isprintable() and "  " not in value and value[:1] != " " != value[-1:]


def single_spaced(text: str) -> str:
    """The text with each run of white space one space (most already are: given back as is)."""
    return text if single_spaced_already(text) else " ".join(text.split())


def display_words(value: object) -> str:
    """:func:`display_text` on one line with each run of white space made one space."""
    if single_spaced_already(value):
        return value
    text = "" if value is None else str(value)
    if _UNSAFE_ONE_LINE.search(text):  # else display_text would give it back unchanged
        text = display_text(text)
    return " ".join(text.split())


def _escape_unsafe(match: re.Match) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in match.group())


def json_dumps(document: Any, **options: Any) -> str:
    """``json.dumps`` with every control, C1 and bidi character written as a ``\\uXXXX`` escape.

    Readable (non-ASCII letters stay as they are) and safe to print to a terminal (U+009B
    is a one-byte CSI in some), and it loads back to exactly the same data.
    """
    text = json.dumps(document, ensure_ascii=False, **options)
    # json.dumps already escapes C0 controls inside strings; what is left matches only there.
    return _UNSAFE.sub(_escape_unsafe, text)


#: Characters that draw nothing though Unicode does not call them spaces (fillers, blank braille).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")


def invisible(value: str) -> bool:
    """True when text shows nothing: only spaces, format characters (zero-width space,
    word joiner, BOM), combining marks with nothing to combine with, or fillers."""
    return all(
        char.isspace() or char in _BLANK_LOOKING or unicodedata.category(char) in {"Cf", "Mn", "Me", "Cc", "Zs"}
        for char in value
    )
