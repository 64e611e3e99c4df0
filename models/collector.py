"""Pausing Python's cyclic garbage collector while a large judgement is made."""

from __future__ import annotations

import gc
import threading
from contextlib import contextmanager
from typing import Iterator

_lock = threading.Lock()
_holders = 0
_was_enabled = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector while tens of thousands of small, acyclic objects are
    made (findings, the rows a report lists): with a 100k programme's records in memory,
    each full collection those allocations start walks every one of them (a third of the
    time, measured), and none of the new objects needs one.

    Threads share the collector: the dashboard judges the Overview on one while the Since
    view makes its rows on another. It stays paused until the last of them is done, and is
    enabled again then only if it was on when the first began."""
    global _holders, _was_enabled
    with _lock:
        if _holders == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0 and _was_enabled:
                gc.enable()
