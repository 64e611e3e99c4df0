"""The hash chain that makes the history tamper-evident (plain Python: hashlib and json).

Each history row stores the hash of the row before it (``prev_hash``) and its own
``hash = sha256(prev_hash + canonical JSON of its fields, id included)``. The newest
row's id and hash are kept in ``meta`` as ``history_head``, so deleting the newest rows
is noticed too. Anyone who can rewrite the file can rewrite the whole chain: this shows
edits made behind the app's back, it does not prevent a determined forger.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Iterable, Sequence

#: The ``prev_hash`` of the first row.
GENESIS = "0" * 64
#: The fields a row's hash covers, in the order the store reads them.
FIELDS = ("id", "programme_id", "at", "actor", "kind", "record_id", "record_label", "action", "field",
          "old_value", "new_value")
#: The ``meta`` key of the chain head: ``"<id> <hash>"`` of the newest row.
HEAD_KEY = "history_head"


_sha256 = None


def row_hash(prev_hash: str, row: Sequence) -> str:
    """The hash of one history row (its values in :data:`FIELDS` order) after ``prev_hash``."""
    global _sha256
    if _sha256 is None:  # loading OpenSSL is paid by the first write or check, not by opening
        from hashlib import sha256 as _sha256
    payload = json.dumps(dict(zip(FIELDS, row, strict=True)), sort_keys=True, separators=(",", ":"))
    return _sha256((prev_hash + payload).encode("ascii")).hexdigest()


def format_head(row_id: int, hash_: str) -> str:
    """The ``meta`` value of the chain head."""
    return f"{row_id} {hash_}"


def parse_head(value: str | None) -> tuple[int, str] | None:
    """The (id, hash) of a stored chain head, or None when there is none or it is unreadable."""
    if not value:
        return None
    parts = value.split()
    if len(parts) != 2 or not parts[0].isascii() or not parts[0].isdigit():
        return None
    return int(parts[0]), parts[1]


@dataclass(frozen=True)
class Verdict:
    """What checking the chain found.

    Attributes:
        ok: the chain is intact.
        rows: how many rows were checked and found linked (all of them when ok).
        row_id: the first row that is wrong (missing, changed or inserted), when not ok.
        problem: what is wrong with it, in words.
    """

    ok: bool
    rows: int
    row_id: int | None = None
    problem: str = ""

    def describe(self) -> str:
        """One line for the user."""
        if self.ok:
            return f"history verified: {self.rows} rows"
        return f"history chain broken at row {self.row_id}: {self.problem}"


def verify(rows: Iterable[Sequence], head: str | None) -> Verdict:
    """Check a history chain.

    Args:
        rows: every history row in id order, as the values of :data:`FIELDS` then
            ``prev_hash`` and ``hash``.
        head: the stored ``history_head`` value (None when absent).

    Returns:
        The first broken, missing or inserted link, or ok with the number of rows.
    """
    prev, prev_id, count = GENESIS, 0, 0
    recorded = parse_head(head)
    for row in rows:
        row_id, stored_prev, stored_hash = row[0], row[-2], row[-1]
        if recorded is not None and row_id > recorded[0] and (prev_id, prev) == recorded:
            return Verdict(False, count, row_id, "it comes after the newest row the app wrote (added behind its back)")
        if not stored_hash or not stored_prev:
            return Verdict(False, count, row_id, "it has no hash (written behind the app's back)")
        if stored_prev != prev:
            if row_id > prev_id + 1:
                missing = prev_id + 1
                return Verdict(False, count, missing, f"it is missing (deleted): row {row_id} no longer follows row {prev_id}")
            return Verdict(False, count, row_id, f"it does not follow row {prev_id} (inserted, or an earlier row was changed)")
        if row_hash(prev, row[: len(FIELDS)]) != stored_hash:
            return Verdict(False, count, row_id, "its contents were changed after it was written")
        prev, prev_id, count = stored_hash, row_id, count + 1
    if recorded is None:
        if count:
            return Verdict(False, count, prev_id, "the record of the newest row (history_head) is missing")
        return Verdict(True, 0)
    head_id, head_hash = recorded
    if head_id > prev_id:
        return Verdict(False, count, head_id, f"it is missing (deleted): the newest rows after row {prev_id} are gone")
    if (head_id, head_hash) != (prev_id, prev):
        return Verdict(False, count, prev_id, "it does not match the record of the newest row (history_head)")
    return Verdict(True, count)
