"""Shared fixtures: real database files in a temporary folder, a fixed user and day."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assure.models import dates
from assure.models.store import Store

#: Puts the test harness's clock and login into every subprocess (see its docstring).
HOOKS = Path(__file__).parent / "hooks"


@pytest.fixture(autouse=True)
def _fixed_environment(monkeypatch, tmp_path):
    """Every test runs as the same user on the same day, away from the real data folder.

    The app ignores these variables; the harness hook reads them, in this process and (via
    ``PYTHONPATH``) in every subprocess a test starts.
    """
    monkeypatch.setenv("ASSURE_USER", "tester")
    monkeypatch.setenv("ASSURE_TODAY", "2021-04-20")
    monkeypatch.setenv("ASSURE_NOW", "2021-04-20T09:00:00+00:00")  # every clock: no second boundary to cross
    monkeypatch.setenv("ASSURE_DB", str(tmp_path / "default.db"))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (str(HOOKS), os.environ.get("PYTHONPATH")))))
    monkeypatch.setattr(dates, "_test_override", lambda name: os.environ.get(f"ASSURE_{name.upper()}") or None)


@pytest.fixture
def db_path(tmp_path):
    """A path for a new database file."""
    return tmp_path / "assure.db"


@pytest.fixture
def store(db_path):
    """An empty store on a real file."""
    with Store.open(db_path) as opened:
        yield opened


@pytest.fixture
def demo_store(db_path):
    """A store holding the demo programmes, loaded from the seed files."""
    from assure.seed.loader import load_demo

    with Store.open(db_path) as opened:
        load_demo(opened)
        yield opened


@pytest.fixture
def figure(record_property):
    """Record a figure a test measured (edits/s, conflicts, kills) for the run's summary."""
    def record(name: str, value: str) -> None:
        record_property(f"figure: {name}", value)
    return record


def pytest_terminal_summary(terminalreporter):
    """Print the figures the reliability tests measured (they travel back from xdist workers)."""
    figures: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if str(name).startswith("figure: "):
                    figures[name[len("figure: "):]] = value
    if figures:
        terminalreporter.section("reliability figures")
        for name, value in sorted(figures.items()):
            terminalreporter.write_line(f"{name}: {value}")
