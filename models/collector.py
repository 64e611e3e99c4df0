"""Pausing Python's cyclic garbage collector while a large judgement is made."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic collector while tens of thousands of small, acyclic objects are
    made (findings, the rows a report lists): with a 100k programme's records in memory,
    each full collection those allocations start walks every one of them (a third of the
    time, measured), and none of the new objects needs one. The collector is enabled again
    afterwards only if it was on before (another thread may be in here as well)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
