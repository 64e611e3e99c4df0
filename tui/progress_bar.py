"""A Rich progress bar for long commands, drawn only on a terminal.

``assure import``, ``export``, ``backup`` and ``upgrade`` run inside :func:`shown`: when
both stdout and stderr are terminals the work's :func:`assure.models.progress.report`
calls draw a bar on stderr (removed when the work ends); when either is piped or
redirected nothing extra is printed, so scripts read the same lines as before.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from typing import Iterator


def wanted() -> bool:
    """Whether a person is watching a terminal (not a pipe, a file or a dumb terminal)."""
    import os

    try:
        terminal = sys.stdout.isatty() and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False
    return terminal and os.environ.get("TERM", "") not in ("dumb", "unknown")


@contextmanager
def shown() -> Iterator[None]:
    """Draw the progress of the work inside the block, if a person is watching."""
    from assure.models import progress
    from assure.models.text import display_text

    if not wanted():
        yield
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    bar = Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn(), console=Console(stderr=True), transient=True)
    tasks: dict[str, int] = {}

    def listener(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            for other in tasks.values():  # a new step: the earlier ones are over
                bar.update(other, visible=False)
            tasks[task] = bar.add_task(display_text(task), total=total)  # a file name is data, not markup
        bar.update(tasks[task], completed=done, total=total)

    with bar, progress.listening(listener):
        yield
