"""Shared fixtures: real database files in a temporary folder, a fixed user and day."""

from __future__ import annotations

import pytest

from assure.models.store import Store


@pytest.fixture(autouse=True)
def _fixed_environment(monkeypatch, tmp_path):
    """Every test runs as the same user on the same day, away from the real data folder."""
    monkeypatch.setenv("ASSURE_USER", "tester")
    monkeypatch.setenv("ASSURE_TODAY", "2021-04-20")
    monkeypatch.setenv("ASSURE_DB", str(tmp_path / "default.db"))
    monkeypatch.delenv("NO_COLOR", raising=False)


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
