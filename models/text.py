"""Cleaning text that came from a user, an import or the database.

Rich and Textual strip only a handful of control characters; escape sequences (ESC,
CSI, OSC, C1 controls) and bidi overrides would reach the user's terminal. They are
removed on the way in (validation) and replaced on the way out (display).
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls except tab/newline, DEL, C1 controls, bidi embedding/override/isolate marks,
# and lone surrogates (from JSON "\\ud800" escapes: SQLite and the terminal cannot encode them).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\ud800-\udfff]")


def clean_text(value: str) -> str:
    """Drop control and bidi-override characters, keeping tabs and newlines."""
    return _UNSAFE.sub("", value.replace("\r\n", "\n"))


def display_text(value: object) -> str:
    """Return a single-line, terminal-safe rendering of a stored value.

    Control characters become a visible replacement character so that nothing the
    database holds can drive the terminal, yet the user can see something was there.
    """
    if value is None:
        return ""
    text = str(value).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE_ONE_LINE.sub("\ufffd", text)


def safe_multiline(value: object) -> str:
    """Like :func:`display_text` but keeps newlines, for detail views."""
    if value is None:
        return ""
    return _UNSAFE.sub("\ufffd", str(value).replace("\r\n", "\n").replace("\t", "    "))


#: Characters that draw nothing though Unicode does not call them spaces (fillers, blank braille).
_BLANK_LOOKING = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e\u17b4\u17b5")


def invisible(value: str) -> bool:
    """True when text shows nothing: only spaces, format characters (zero-width space,
    word joiner, BOM), combining marks with nothing to combine with, or fillers."""
    return all(
        char.isspace() or char in _BLANK_LOOKING or unicodedata.category(char) in {"Cf", "Mn", "Me", "Cc", "Zs"}
        for char in value
    )
