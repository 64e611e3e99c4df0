"""Remappable keys: ``keymap.toml`` in the user's config folder feeds Textual's keymap.

Each line gives a binding id and the keys for it (several separated by commas)::

    "pane.counts" = "c"          # quoted id
    [table]                      # or grouped: table.cursor_down
    cursor_down = "down,j,n"

A file that cannot be read, is not TOML, names an id no binding has or gives something
other than keys is refused whole, with a message naming its line, and the dashboard
starts with the default keys. Nothing here imports Textual until the ids are checked
(``assure --help`` names the file without loading it).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "keymap.toml"
MAX_BYTES = 64 * 1024
#: A key as Textual names it: letters, digits, ``+`` between modifiers, ``_`` in long names,
#: or one printable character ("?", "/").
_KEY = re.compile(r"^(?:[A-Za-z0-9_]+(?:\+[A-Za-z0-9_]+)*|[^\sA-Za-z0-9,])$")


def keymap_path() -> Path:
    """Where the keymap file lives: ``~/.config/assure/keymap.toml`` on Linux (honours
    ``XDG_CONFIG_HOME``)."""
    from platformdirs import user_config_path

    return user_config_path("assure", appauthor=False) / FILE_NAME


@dataclass
class Keymap:
    """A checked keymap: binding id -> keys, or why the file was refused."""

    path: Path
    keys: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def message(self) -> str | None:
        """One message for the user when the file was refused, else None."""
        if not self.problems:
            return None
        listed = "; ".join(self.problems[:3]) + (f"; and {len(self.problems) - 3} more" if len(self.problems) > 3 else "")
        return f"{self.path}: {listed}. The default keys are used."


def binding_ids() -> dict[str, tuple[str, str]]:
    """Every remappable binding: id -> (its default keys, what it does)."""
    from textual.binding import Binding

    from assure.tui import app, counts, editing, screens, since_screen
    from assure.tui.panes import base, outcomes, overview, registers
    from assure.tui.widgets import virtual_table

    found: dict[str, tuple[str, str]] = {}
    for module in (app, counts, editing, screens, since_screen, base, outcomes, overview, registers, virtual_table):
        for value in vars(module).values():
            for binding in vars(value).get("BINDINGS", ()) if isinstance(value, type) else ():
                if isinstance(binding, Binding) and binding.id:
                    found.setdefault(binding.id, (binding.key, binding.description))
    return found


def _line_of(text: str, dotted: str) -> int | None:
    """The line that sets ``dotted`` (``pane.counts``), quoted or under a ``[pane]`` table."""
    table = ""
    parts = dotted.split(".")
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] ").replace('"', "").replace("'", "")
            continue
        name = stripped.split("=", 1)[0].strip().replace('"', "").replace("'", "") if "=" in stripped else None
        if name is None:
            continue
        full = f"{table}.{name}" if table else name
        if full == dotted or (name == parts[-1] and table == ".".join(parts[:-1])):
            return number
    return None


def _flatten(document: dict, prefix: str = "") -> dict[str, object]:
    flat: dict[str, object] = {}
    for name, value in document.items():
        dotted = f"{prefix}{name}"
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def load_keymap(path: Path | None = None, *, known: dict[str, tuple[str, str]] | None = None) -> Keymap:
    """Read and check the keymap file; a missing file is an empty keymap.

    Args:
        known: the binding ids (default: :func:`binding_ids`).
    """
    import tomllib

    path = keymap_path() if path is None else path
    keymap = Keymap(path)
    try:
        if not path.exists():
            return keymap
        if path.stat().st_size > MAX_BYTES:
            keymap.problems.append(f"larger than {MAX_BYTES // 1024} KB")
            return keymap
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as error:
        keymap.problems.append(f"not UTF-8 text (byte {error.start})")
        return keymap
    except OSError as error:
        keymap.problems.append(f"cannot read it ({error.strerror or error})")
        return keymap
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        keymap.problems.append(f"not valid TOML: {error}")  # tomllib's message names the line and column
        return keymap
    known = binding_ids() if known is None else known
    keys: dict[str, str] = {}
    for dotted, value in _flatten(document).items():
        line = _line_of(text, dotted)
        where = f"line {line}: " if line else ""
        if dotted not in known:
            close = difflib.get_close_matches(dotted, list(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else " ('assure keys' lists them)"
            keymap.problems.append(f"{where}{dotted!r} is not a binding id{hint}")
            continue
        if isinstance(value, list) and all(isinstance(item, str) for item in value):
            value = ",".join(value)
        if not isinstance(value, str) or not value.strip():
            keymap.problems.append(f"{where}{dotted}: give the keys as text, e.g. \"c\" or \"c,ctrl+k\"")
            continue
        names = [name.strip() for name in value.split(",")]
        bad = [name for name in names if not _KEY.match(name)]
        if bad:
            keymap.problems.append(f"{where}{dotted}: {bad[0]!r} is not a key name (e.g. c, C, ctrl+k, f5, down)")
            continue
        keys[dotted] = ",".join(names)
    if not keymap.problems:
        keymap.keys = keys
    return keymap
