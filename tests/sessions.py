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
