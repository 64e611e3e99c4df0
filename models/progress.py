"""Progress of long work (an import, an export, a backup, an upgrade), for whoever shows it.

Plain Python: the work calls :func:`report` now and then; nothing happens unless a
listener is installed with :func:`listening` (the command line draws a bar on a terminal
and installs nothing when its output is piped). A listener's failure never stops the work.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

#: (what is being done, how much is done, out of how much, or None when not known).
Listener = Callable[[str, int, "int | None"], None]

_listener: Listener | None = None


@contextmanager
def listening(listener: Listener | None) -> Iterator[None]:
    """Send every :func:`report` inside the block to ``listener`` (None: to nobody)."""
    global _listener
    previous, _listener = _listener, listener
    try:
        yield
    finally:
        _listener = previous


def active() -> bool:
    """Whether anyone listens (to skip working out a total nobody will see)."""
    return _listener is not None


def report(task: str, done: int, total: int | None = None) -> None:
    """Say how far a piece of work is: ``done`` of ``total`` (None while not known).

    Cheap when nobody listens; call it every few hundred rows, not for every row.
    """
    if _listener is None:
        return
    try:
        _listener(task, done, total)
    except Exception:  # drawing progress must never break an import or a backup
        pass


def steps(task: str, items, total: int | None = None, *, every: int = 500):
    """Yield ``items``, reporting every ``every`` of them (and at the end)."""
    if _listener is None:
        yield from items
        return
    if total is None:
        try:
            total = len(items)
        except TypeError:
            total = None
    done = 0
    report(task, 0, total)
    for item in items:
        yield item
        done += 1
        if done % every == 0:
            report(task, done, total)
    report(task, done, total if total is not None else done)
