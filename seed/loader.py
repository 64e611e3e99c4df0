"""Load the demo programmes from the TOML files beside this module."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

SEED_DIR = Path(__file__).parent
#: The demo programmes, in the order they are loaded (the first is opened first).
SEED_FILES = ("lcc_btls.toml", "bwd_digital.toml")


def read_seed(name: str) -> dict[str, Any]:
    """Parse one seed file into a programme document."""
    with (SEED_DIR / name).open("rb") as handle:
        return tomllib.load(handle)


def seed_documents() -> list[dict[str, Any]]:
    """Every demo programme document that is present."""
    return [read_seed(name) for name in SEED_FILES if (SEED_DIR / name).exists()]


def load_demo(store, *, force: bool = False) -> list[tuple[str, int | None]]:
    """Load every demo programme; return (code, id or None when skipped) for each.

    Without ``force`` an existing programme is left alone; with it, it is replaced in one
    transaction.
    """
    from assure.models.bundle import load_programme

    results = []
    for document in seed_documents():
        code = document["programme"]["code"]
        exists = store.programme_by_code(code) is not None
        if exists and not force:
            results.append((code, None))
            continue
        results.append((code, load_programme(store, document, replace=force, note="demo data loaded")))
    return results
