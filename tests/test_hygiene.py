"""Import hygiene: the data layer never needs Textual, and reading needs nothing heavy.

Each check runs in a fresh interpreter, so what this test process has already imported
cannot hide a stray import.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import assure.models

#: The foundation modules the issue names; any other module in models/ is checked too.
FOUNDATION = ("vocab", "text", "dates", "kinds", "records", "db", "store", "inputs", "bundle", "schema", "tables")


def run(code: str) -> dict:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def loaded(*names: str) -> str:
    return f"print(json.dumps({{name: name in sys.modules for name in {list(names)!r}}}))"


def test_every_model_module_is_listed():
    modules = {module.name for module in pkgutil.iter_modules(assure.models.__path__)}
    assert set(FOUNDATION) <= modules


def test_models_and_the_seed_loader_never_import_textual():
    modules = sorted({*FOUNDATION, *(m.name for m in pkgutil.iter_modules(assure.models.__path__))})
    lines = ["import json, sys", *(f"import assure.models.{name}" for name in modules), "import assure.seed.loader",
             "assure.seed.loader.seed_documents()", loaded("textual")]
    result = run("\n".join(lines))
    assert result == {"textual": False}


def test_the_checker_would_see_textual():
    """The probe itself works: importing textual is noticed."""
    assert run(f"""
        import json, sys
        import textual.app
        {loaded("textual")}
    """) == {"textual": True}


def test_opening_a_store_and_listing_is_light(db_url, backend_name):
    from assure.models.store import Store

    target = str(db_url)
    with Store.open(target) as store:  # creating the schema is allowed to be heavy: do it here
        pid = store.create("programme", None, {"code": "L", "name": "Light"})
        store.create("deliverable", pid, {"title": "D1", "status": "signed off", "date": "31/03/2021"})
    heavy = ("sqlalchemy", "sqlmodel", "pydantic", "textual", "alembic")
    result = run(f"""
        import json, sys
        import assure.tui.cli
        from assure.models.store import Store
        with Store.open({target!r}) as store:
            programme = store.programmes()[0]
            rows = store.deliverables(programme.id)
            assert [row.title for row in rows] == ["D1"], rows
            assert rows[0].date == "2021-03-31", rows
            store.history(programme.id)
            store.last_programme_id()
            store.data_version()
            from assure.models.summary import programme_summary
            programme_summary(store, programme.id, include_findings=False)
        with Store.open({target!r}, read_only=True) as store:
            store.deliverables(programme.id)
        {loaded(*heavy, "psycopg")}
    """)
    # psycopg is imported only when a PostgreSQL URL is used.
    assert result == {**{name: False for name in heavy}, "psycopg": backend_name == "postgresql"}


def test_assure_status_imports_nothing_heavy(db_url, backend_name):
    """``assure status`` reads, sums and prints without SQLAlchemy, SQLModel or pydantic."""
    from assure.models.store import Store
    from assure.seed.loader import load_demo

    target = str(db_url)
    with Store.open(target) as store:
        load_demo(store)
    heavy = ("sqlalchemy", "sqlmodel", "pydantic", "textual")
    result = run(f"""
        import json, sys
        from click.testing import CliRunner
        from assure.tui.cli import cli
        outcome = CliRunner().invoke(cli, ["--db", {target!r}, "status", "--fail-on", "none"])
        assert outcome.exit_code == 0, outcome.output
        assert "Deliverables" in outcome.output, outcome.output
        {loaded(*heavy)}
    """)
    assert result == {name: False for name in heavy}


def test_status_of_an_up_to_date_database_imports_no_migration_machinery(tmp_path):
    """`assure status` (and the opening under it) compares a plain constant, never Alembic's head."""
    from assure.models.store import Store
    from assure.seed.loader import load_demo

    path = tmp_path / "status.db"
    with Store.open(path) as store:
        load_demo(store)
    heavy = ("alembic", "sqlalchemy", "sqlmodel")
    result = run(f"""
        import json, sys
        from click.testing import CliRunner
        from assure.tui.cli import cli
        outcome = CliRunner().invoke(cli, ["--db", {str(path)!r}, "status"])
        assert outcome.exit_code in (0, 2), outcome.output
        assert "lcc" in outcome.output.lower() or "LCC" in outcome.output, outcome.output
        {loaded(*heavy)}
    """)
    assert result == {name: False for name in heavy}


def test_the_light_path_probe_would_see_pydantic(tmp_path):
    """A write validates with pydantic: the same probe notices it, so the test above can fail."""
    from assure.models.store import Store

    path = tmp_path / "light.db"
    Store.open(path).close()
    result = run(f"""
        import json, sys
        from assure.models.store import Store
        with Store.open({str(path)!r}) as store:
            store.create("programme", None, {{"code": "W", "name": "Write"}})
        {loaded("pydantic")}
    """)
    assert result == {"pydantic": True}


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_import_nothing_heavy(args):
    heavy = ("sqlalchemy", "sqlmodel", "pydantic", "textual")
    result = run(f"""
        import json, sys
        from click.testing import CliRunner
        from assure.tui.cli import cli
        outcome = CliRunner().invoke(cli, {args!r})
        assert outcome.exit_code == 0, outcome.output
        {loaded(*heavy)}
    """)
    assert result == {name: False for name in heavy}


def test_models_do_not_import_the_tui():
    """The layering, statically: nothing under models/ or seed/ names assure.tui or textual."""
    root = Path(assure.models.__file__).parent
    offenders = []
    for folder in (root, root.parent / "seed"):
        for source in folder.glob("*.py"):
            for number, line in enumerate(source.read_text().splitlines(), start=1):
                words = line.strip()
                if words.startswith(("import ", "from ")) and ("textual" in words or "assure.tui" in words):
                    offenders.append(f"{source.name}:{number}: {words}")
    assert offenders == []


#: What the first frame of each pane must not have imported: the heavy libraries, and the
#: modules only other panes (or later actions) need.
FIRST_FRAME_UNUSED = {
    "overview": ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "assure.models.rules", "assure.tui.panes.base",
                 "assure.tui.panes.registers", "assure.tui.editing", "assure.tui.widgets.virtual_table",
                 "assure.tui.screens"),
    "deliverables": ("sqlalchemy", "sqlmodel", "pydantic", "alembic", "assure.models.rules",
                     "assure.tui.panes.overview", "assure.tui.editing", "assure.tui.screens"),
}


@pytest.mark.parametrize("pane", sorted(FIRST_FRAME_UNUSED))
def test_the_first_frame_imports_only_what_its_pane_needs(db_path, pane):
    from assure.models.store import Store
    from assure.seed.loader import load_demo

    with Store.open(db_path) as store:
        load_demo(store)
    names = FIRST_FRAME_UNUSED[pane]
    result = run(f"""
        import json, sys
        from pathlib import Path
        from assure.models.store import Store
        from assure.tui.app import AssureApp

        seen = {{}}

        class Probe(AssureApp):
            CSS_PATH = str(Path(sys.modules["assure.tui.app"].__file__).parent / AssureApp.CSS_PATH)

            def _display(self, screen, renderable):
                super()._display(screen, renderable)
                if seen or renderable is None or not self.pane_built({pane!r}):
                    return
                shown = self.pane({pane!r})
                if (shown.summary is not None) if {pane!r} == "overview" else shown.table.row_count:
                    seen.update({{name: name in sys.modules for name in {list(names)!r}}})
                    self.exit()

        store = Store.open({str(db_path)!r})
        Probe(store, pane={pane!r}).run(headless=True, size=(80, 24))
        print(json.dumps(seen))
    """)
    assert result == {name: False for name in names}
