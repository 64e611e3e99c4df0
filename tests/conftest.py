"""Shared fixtures: every store test runs on each backend, a fixed user and day.

``db_url`` (and the ``store`` and ``demo_store`` built on it) is parametrized over the
backends, as harlequin runs its tests over every adapter: a SQLite file in a temporary
folder, and a fresh, empty PostgreSQL database (created from template0, dropped after).
A test that names the SQLite-only ``db_path`` fixture, or is marked ``sqlite_only``, runs
on SQLite alone. Without a server the PostgreSQL tests skip with the reason; with
``CI=true`` they fail instead.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path

import pytest
import pg_server

from assure.models import dates
from assure.models.store import Store

BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: the test is about SQLite itself (files, journals, locks)")


def pytest_generate_tests(metafunc):
    if "backend_name" in metafunc.fixturenames:
        only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") or "db_path" in metafunc.fixturenames
        if not only_sqlite:  # SQLite-only tests keep their plain names (snapshots are named by them)
            metafunc.parametrize("backend_name", list(BACKENDS))


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
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # kept judgements: never the real cache
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, (str(HOOKS), os.environ.get("PYTHONPATH")))))
    monkeypatch.setattr(dates, "_test_override", lambda name: os.environ.get(f"ASSURE_{name.upper()}") or None)


@pytest.fixture(scope="session")
def pg_databases():
    """The PostgreSQL server of this session (``ASSURE_TEST_PG``, or a throwaway one), or the
    reason there is none."""
    url = os.environ.get("ASSURE_TEST_PG")
    folder = None
    if not url:
        reason = pg_server.unavailable()
        if reason:
            yield reason
            return
        try:
            folder, url = pg_server.start()
        except RuntimeError as error:
            yield str(error)
            return
    try:
        databases = pg_server.Databases(url)
    except Exception as error:  # a server named by ASSURE_TEST_PG that does not answer
        yield f"cannot reach the PostgreSQL server {url}: {error}"
        if folder:
            pg_server.stop(folder)
        return
    try:
        yield databases
    finally:
        databases.close()
        if folder:
            pg_server.stop(folder)


def _no_server(reason: str):
    if os.environ.get("CI", "").lower() in {"1", "true", "yes"}:
        pytest.fail(f"PostgreSQL tests must run in CI: {reason}")
    pytest.skip(f"no PostgreSQL server: {reason}")


@pytest.fixture
def pg_url(pg_databases):
    """A fresh, empty PostgreSQL database; dropped after the test."""
    if isinstance(pg_databases, str):
        _no_server(pg_databases)
    name, url = pg_databases.create()
    yield url
    pg_databases.drop(name)


@pytest.fixture
def backend_name():
    """Which database the test runs on (parametrized by ``pytest_generate_tests``)."""
    return "sqlite"


@contextmanager
def _as_the_tests_user():
    """The harness's user and day, for a database made once per session."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSURE_USER", "tester")
        patch.setenv("ASSURE_TODAY", "2021-04-20")
        patch.setenv("ASSURE_NOW", "2021-04-20T09:00:00+00:00")
        patch.setattr(dates, "_test_override", lambda key: os.environ.get(f"ASSURE_{key.upper()}") or None)
        yield


@pytest.fixture(scope="session")
def pg_empty_template(pg_databases):
    """A PostgreSQL database at the head schema with no programme, migrated once per session:
    each ``store`` test gets its own copy (tests of making a database itself use ``pg_url``)."""
    if isinstance(pg_databases, str):
        _no_server(pg_databases)
    name, url = pg_databases.create()
    with _as_the_tests_user(), Store.open(url):
        pass
    yield name
    pg_databases.drop(name)


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory):
    """SQLite files made once per session by the store itself, an empty one at the head
    schema and one holding the demo: each ``store`` and ``demo_store`` test starts from a
    copy (migrating a new file takes a quarter of a second; copying it, a millisecond)."""
    from assure.seed.loader import load_demo

    folder = tmp_path_factory.mktemp("templates")
    made: dict[tuple, Path] = {}

    def template(name: str) -> Path:
        # Made as the test would have made it: its user and clock are in the history rows.
        key = (name, *(os.environ.get(variable) for variable in ("ASSURE_USER", "ASSURE_NOW", "ASSURE_TODAY", "TZ")))
        if key not in made:
            path = folder / f"{name}-{len(made)}.db"
            with Store.open(path) as opened:
                if name == "demo":
                    load_demo(opened)
            made[key] = path
        return made[key]

    return template


def _copy_of(template: Path, target: Path) -> None:
    # The backup API copies a consistent database whatever its journal holds.
    source, copy = sqlite3.connect(template), sqlite3.connect(target)
    try:
        source.backup(copy)
    finally:
        copy.close()
        source.close()


@pytest.fixture(scope="session")
def pg_demo_template(pg_databases):
    """A PostgreSQL database holding the demo programmes, loaded once per session (as the
    tests' user): each ``demo_store`` test gets its own copy of it, which is much faster
    than loading the demo again."""
    from assure.seed.loader import load_demo

    if isinstance(pg_databases, str):
        _no_server(pg_databases)
    name, url = pg_databases.create()
    with _as_the_tests_user(), Store.open(url) as store:
        load_demo(store)
    yield name
    pg_databases.drop(name)


@pytest.fixture
def db_url(backend_name, tmp_path, request):
    """Where a new database is: a SQLite file path, or a PostgreSQL URL (empty, or for a
    ``demo_store`` test a copy of the demo database)."""
    if backend_name != "postgresql":
        return tmp_path / "assure.db"
    if "demo_store" in request.fixturenames:
        template = request.getfixturevalue("pg_demo_template")
    elif "store" in request.fixturenames:
        template = request.getfixturevalue("pg_empty_template")
    else:
        return request.getfixturevalue("pg_url")
    databases = request.getfixturevalue("pg_databases")
    name, url = databases.create(template=template)
    request.addfinalizer(lambda: databases.drop(name))
    return url


@pytest.fixture
def db_path(tmp_path):
    """A path for a new SQLite database file (tests that use it run on SQLite only)."""
    return tmp_path / "assure.db"


@pytest.fixture
def store(db_url, backend_name, sqlite_templates, request):
    """An empty store (a copy of one the store made, see ``sqlite_templates``)."""
    if backend_name != "postgresql" and "demo_store" not in request.fixturenames and not Path(db_url).exists():
        _copy_of(sqlite_templates("empty"), Path(db_url))
    with Store.open(db_url) as opened:
        yield opened


@pytest.fixture
def demo_store(db_url, backend_name, sqlite_templates):
    """A store holding the demo programmes, loaded from the seed files (once per session,
    then copied: a PostgreSQL db_url is already a copy of the demo)."""
    if backend_name != "postgresql" and not Path(db_url).exists():
        _copy_of(sqlite_templates("demo"), Path(db_url))
    with Store.open(db_url) as opened:
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
