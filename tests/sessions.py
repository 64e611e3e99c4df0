"""A second session as a named colleague, for tests of what several users do at once.

The app records the OS login; tests stand in for colleagues by naming the session's user
directly, which only Python code inside the test suite can do.
"""

from __future__ import annotations

from assure.models.store import Store


def open_as(user: str, target, **options) -> Store:
    """Open a store whose changes are recorded as ``user``."""
    store = Store.open(target, **options)
    store.user = user
    return store


async def all_judged(app, pilot) -> None:
    """The Overview's findings and verdict are in and no worker is left running: its worker
    starts after the first frame, and the report worked out ahead when it is done, so
    ``workers.wait_for_complete()`` alone can return before either has begun."""
    quiet = 0
    for _ in range(300):
        await app.workers.wait_for_complete()
        await pilot.pause()
        done = app.overview_judgement() is not None and len(app.workers) == 0
        quiet = quiet + 1 if done else 0
        if quiet == 2:
            return
    raise AssertionError("the Overview's judgement never settled")
