"""One declaration per record type: every projection agrees with it, and a field added to it
reaches all of them and survives JSON and CSV round trips.

The projections the read side uses are generated (``python -m assure.models.codegen``)
into a committed module; the first test fails when it is stale. The last tests copy the
package, add a field to the deliverable declaration, regenerate, build a database from the
new metadata and round-trip through the real export and import code.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
import types
import typing
from pathlib import Path

import pytest

import assure
from assure.models import board_pack, codegen, csv_import, declarations
from assure.models.kinds import DEPENDANTS, KINDS

PACKAGE = Path(assure.__file__).resolve().parent.parent  # the source tree (editable install)
BOOKKEEPING = {"id", "programme_id", "version", "updated_at"}


def test_the_generated_projections_are_up_to_date():
    committed = codegen.TARGET.read_text(encoding="utf-8")
    assert committed == codegen.generate(), (
        f"models/_projections.py is stale: run '{codegen.COMMAND}' and commit the result")


def test_the_generated_input_models_are_up_to_date():
    committed = codegen.INPUTS_TARGET.read_text(encoding="utf-8")
    assert committed == codegen.generate_inputs(), (
        f"models/_inputs.py is stale: run '{codegen.COMMAND}' and commit the result")


def test_a_write_does_not_import_sqlmodel_or_sqlalchemy():
    code = ("import sys; from assure.models.inputs import validate_record; "
            "validate_record('deliverable', {'title': 'Plan'}); "
            "print(sorted(name for name in ('sqlmodel', 'sqlalchemy', 'assure.models.declarations') if name in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


#: Values every field is tried with: good, blank, hostile, out of range, of the wrong type.
_SAMPLES = (None, "", "   ", "Plan", "  Plan  ", "a\x1b[31mb", "a\u202eb", "[b]x[/b]", "x" * 201, "x" * 4001,
            "31/03/2021", "2021-03-31", "30/02/2021", "2021-3-31", "03/31/2021", 0, 1, 3, 5, 6, -1, "3", "٣",
            2.5, True, "Signed Off", "signed off", "Open", "A", "r", "deliverable", "risk", "outcome", [], {})


def _outcome(model, data):
    from pydantic import ValidationError

    from assure.models.inputs import _errors

    try:
        return "ok", model.model_validate(data).model_dump(exclude_unset=True)
    except ValidationError as error:
        return "refused", _errors(error)


@pytest.mark.parametrize("declared", declarations.DECLARED, ids=lambda declared: declared.name)
def test_the_generated_input_models_validate_as_the_declarations_do(declared):
    from assure.models import _inputs

    pairs = ((declared.create, _inputs.CREATE[declared.name]),
             (declarations.UPDATE[declared.name], _inputs.UPDATE[declared.name]))
    for ours, generated in pairs:
        assert list(generated.model_fields) == list(ours.model_fields)
        for name, info in ours.model_fields.items():
            made = generated.model_fields[name]
            assert (made.is_required(), made.default) == (info.is_required(), info.default), name
        assert _outcome(generated, {}) == _outcome(ours, {})
        assert _outcome(generated, {"no_such_field": 1}) == _outcome(ours, {"no_such_field": 1})
        for name in ours.model_fields:
            for value in _SAMPLES:
                assert _outcome(generated, {name: value}) == _outcome(ours, {name: value}), (name, value)
    # A whole record made of the first value each field accepts, through both create models.
    update = _inputs.UPDATE[declared.name]
    whole = {}
    for name in declared.create.model_fields:
        accepted = [value for value in _SAMPLES if value is not None and _outcome(update, {name: value})[0] == "ok"]
        if accepted:
            whole[name] = accepted[0]
    assert _outcome(_inputs.CREATE[declared.name], whole) == _outcome(declared.create, whole)


def test_the_check_command_says_what_to_run_when_stale(tmp_path):
    stale = tmp_path / "_projections.py"
    stale.write_text("# an old version\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", "import sys; from assure.models import codegen; "
                             f"codegen.TARGET = __import__('pathlib').Path({str(stale)!r}); "
                             "sys.exit(codegen.main(['--check']))"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "python -m assure.models.codegen" in result.stdout


@pytest.mark.parametrize("declared", declarations.DECLARED, ids=lambda declared: declared.name)
def test_table_record_inputs_and_documents_cover_the_same_fields(declared):
    kind = KINDS[declared.name]
    kept = declarations.STORE_KEPT.get(declared.name, ())
    table_columns = [column.name for column in declared.table.__table__.columns
                     if column.name not in BOOKKEEPING and column.name not in kept]
    inputs = list(declared.create.model_fields)
    update = list(declarations.UPDATE[declared.name].model_fields)
    assert sorted(table_columns) == sorted(inputs) == sorted(update) == sorted(kind.inputs)
    # The read record: every stored column, plus what the SELECT works out (joins, counts).
    record = kind.record._fields
    stored = {column.name for column in declared.table.__table__.columns} - set(kept)
    assert stored <= set(record)
    extra = set(record) - stored
    assert extra == {ref.read for ref in kind.references if ref.read} | {read.name for read in declared.reads}
    assert kind.select.count(",") + 1 >= len(record)
    # The editors: every input a person types (the program keeps the rest, e.g. a position).
    typed = [name for name in inputs if declarations.assure_info(declared.create.model_fields[name])["editable"]]
    assert list(kind.field_names) == typed
    # The document: every input, a reference by the other record's key; a nested record's
    # parent and order are where it is listed, not columns.
    implied = set(declared.nested[::2]) if declared.nested else set()
    assert [column.field for column in kind.document] == [name for name in inputs if name not in implied]
    for column in kind.document:
        assert (column.refers is not None) == (kind.reference(column.field) is not None)
    if declared.csv:
        names = tuple(column.name for column in kind.document)
        # ... then which record a row is and the version the export saw (corrections on import).
        keys = (*names, *csv_import.KEY_COLUMNS)
        assert board_pack.CSV_FIELDS[declared.section] == csv_import.fields_of(declared.section) == keys


@pytest.mark.parametrize("declared", declarations.DECLARED, ids=lambda declared: declared.name)
def test_each_control_fits_its_type(declared):
    kind = KINDS[declared.name]
    for spec in kind.fields:
        info = declared.create.model_fields[spec.name]
        base = next((arg for arg in typing.get_args(info.annotation) if arg is not type(None)), info.annotation)
        optional = isinstance(info.annotation, types.UnionType)
        assert spec.required is not optional, spec
        assert bool(spec.choices) == (spec.control == "choice"), spec
        if spec.control == "date":
            assert base is dt.date, spec
        if spec.control in {"int", "score", "person", "outcome"}:
            assert base is int, spec
        if spec.control in {"person", "outcome"}:
            assert kind.reference(spec.name).target == spec.control, spec


def test_delete_checks_follow_every_foreign_key():
    """Each foreign key between record tables is a dependency a delete respects."""
    from sqlmodel import SQLModel

    tables = {kind.table: name for name, kind in KINDS.items()}
    expected = set()
    for table in SQLModel.metadata.tables.values():
        for key in table.foreign_keys:
            if table.name in tables and key.column.table.name in tables:
                expected.add((tables[key.column.table.name], tables[table.name], key.parent.name))
    found = {(name, other, column) for name, items in DEPENDANTS.items() for other, column in items}
    assert found == expected
    # RESTRICT first: the database would refuse those anyway.
    assert DEPENDANTS["outcome"] == (("deliverable", "outcome_id"), ("verdict", "outcome_id"), ("progress", "outcome_id"))


def test_an_outcome_with_deliverables_cannot_be_deleted(store):
    from assure.models.store import InUse

    pid = store.create("programme", None, {"code": "D", "name": "Deps"})
    outcome = store.create("outcome", pid, {"number": 1, "title": "O"})
    store.create("deliverable", pid, {"title": "D1", "outcome_id": outcome})
    with pytest.raises(InUse, match="used by 1 deliverable"):
        store.delete("outcome", outcome)
    assert store.get("outcome", outcome) is not None


def test_pane_overrides_cannot_change_labels_or_add_columns():
    from assure.tui.panes.base import declared_columns

    columns, _ = declared_columns("deliverable", {"title": {"flex": True}})
    assert [(column.key, column.label) for column in columns] == [
        (spec.key, spec.label) for spec in KINDS["deliverable"].pane]
    with pytest.raises(ValueError, match="width, format and tone only"):
        declared_columns("deliverable", {"title": {"label": "Name"}})
    with pytest.raises(ValueError, match="no declared column"):
        declared_columns("deliverable", {"colour": {"width": 3}})


# -- a field added to the declaration ---------------------------------------------------------

#: The one line a developer adds (step 1 of "How to add a field"), and the columns it joins.
NEW_FIELD = '    review_date: OptionalDate = field("Review date", "date", default=None)\n'
ANCHOR = '    date: OptionalDate = field("Date", "date", default=None)\n'


def _copy_with_new_field(root: Path, *, regenerate: bool) -> Path:
    """The package copied to ``root/assure`` with the field added to deliverables."""
    package = root / "assure"
    shutil.copytree(PACKAGE / "assure", package, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("models", "tui", "seed"):
        shutil.copytree(PACKAGE / part, package / part, ignore=shutil.ignore_patterns("__pycache__"))
    source = package / "models" / "declarations.py"
    text = source.read_text(encoding="utf-8")
    before = text.count("review_date")  # none yet: a field the declaration does not have
    assert text.count(ANCHOR) == 1
    text = text.replace(ANCHOR, ANCHOR + NEW_FIELD)
    text = text.replace('pack=("outcome_id", "title", "approved_by", "status", "date")',
                        'pack=("outcome_id", "title", "approved_by", "status", "date", "review_date")')
    text = text.replace('pane=("outcome_id", "title", "approved_by", "status", "date", AGE)',
                        'pane=("outcome_id", "title", "approved_by", "status", "date", "review_date", AGE)')
    assert text.count("review_date") == before + 3
    source.write_text(text, encoding="utf-8")
    if regenerate:
        result = subprocess.run([sys.executable, "-m", "assure.models.codegen"], cwd=root, capture_output=True,
                                text=True, timeout=120, env=_env(root))
        assert result.returncode == 0, result.stderr
    return root


def _env(root: Path) -> dict:
    import os

    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    return env


ROUND_TRIP = r'''
import json, sys
from pathlib import Path
import assure
assert Path(assure.__file__).parent == Path(sys.argv[1]) / "assure", assure.__file__

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata, produce_migrations
from alembic.migration import MigrationContext
from alembic.operations import Operations
from alembic.operations.ops import ModifyTableOps
from sqlmodel import SQLModel

import assure.models.tables  # noqa: F401
from assure.models import board_pack, bundle, csv_import
from assure.models.kinds import KINDS
from assure.models.store import Store

folder = Path(sys.argv[2])


def database(name):
    """A database from the declarations' metadata: the migration chain, then what a new
    migration for the added field does (autogenerated from the same metadata)."""
    path = folder / name
    Store.open(path).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        operations = Operations(context)
        for group in produce_migrations(context, SQLModel.metadata).upgrade_ops.ops:
            for op in (group.ops if isinstance(group, ModifyTableOps) else [group]):
                operations.invoke(op)
        left = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), SQLModel.metadata)
    engine.dispose()
    assert left == [], left
    return Store.open(path)


def baselines(name):
    """What the file holds, read with raw sqlite3 (not through the projections under test)."""
    import sqlite3

    with sqlite3.connect(folder / name) as conn:
        rows = [row[0] for row in conn.execute("SELECT review_date FROM deliverable ORDER BY id")]
    conn.close()
    return rows


report = {}
kind = KINDS["deliverable"]
report["field_spec"] = [spec.label for spec in kind.fields if spec.name == "review_date"]
report["record"] = "review_date" in kind.record._fields
report["select"] = "deliverable.review_date" in kind.select
report["document"] = [column.name for column in kind.document]
report["csv"] = list(board_pack.CSV_FIELDS["deliverables"])
report["pane"] = [spec.label for spec in kind.pane]
report["pack"] = [spec.label for spec in kind.pack]

with database("source.db") as store:
    pid = store.create("programme", None, {"code": "B", "name": "Reviews"})
    outcome = store.create("outcome", pid, {"number": 1, "title": "Outcome one"})
    first = store.create("deliverable", pid, {"title": "With a review date", "outcome_id": outcome,
                                              "review_date": "31/03/2021"})
    store.create("deliverable", pid, {"title": "Without one"})
    store.update("deliverable", first, {"review_date": "2021-04-30"}, expected={"review_date": "2021-03-31"})
    report["read"] = [getattr(row, "review_date", "missing") for row in store.deliverables(pid)]
    from assure.tui.panes.registers import DeliverablesPane

    pane = DeliverablesPane(store)
    record = store.deliverables(pid)[0]
    report["pane_columns"] = [column.label for column in pane.columns()]
    report["pane_row"] = [str(value) for value in pane.row(record)[:-1]]
    report["detail"] = pane.detail(record).plain
    text = board_pack.render(store, pid, "json")
    board_pack.export(store, pid, "csv", folder / "csv")
    report["markdown_header"] = [line for line in board_pack.render(store, pid, "md").splitlines()
                                 if line.startswith("| Outcome |")]

with database("from-json.db") as store:
    pid = bundle.load_programme(store, bundle.loads(text))
    pass
report["json"] = baselines("from-json.db")

with database("from-csv.db") as store:
    pid = store.create("programme", None, {"code": "C", "name": "From CSV"})
    store.create("outcome", pid, {"number": 1, "title": "Outcome one"})
    # Another database: the export's ids and versions mean nothing here, so they go.
    source = (folder / "csv" / "deliverables.csv").read_text(encoding="utf-8").splitlines()
    header = source[0].split(",")
    keep = [index for index, name in enumerate(header) if name not in csv_import.KEY_COLUMNS]
    import csv as csvlib
    rows = list(csvlib.reader(source))
    copy = folder / "copy.csv"
    with copy.open("w", newline="", encoding="utf-8") as handle:
        csvlib.writer(handle).writerows([[row[index] for index in keep] for row in rows])
    csv_import.import_csv(store, pid, copy)
report["csv_rows"] = baselines("from-csv.db")
report["stored"] = baselines("source.db")

print(json.dumps(report))
'''


def _round_trip(root: Path, tmp_path: Path) -> dict:
    work = tmp_path / "work"
    work.mkdir()
    result = subprocess.run([sys.executable, "-c", ROUND_TRIP, str(root), str(work)], capture_output=True, text=True,
                            timeout=300, env=_env(root), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_a_field_added_to_the_deliverable_declaration_reaches_every_projection_and_round_trips(tmp_path):
    root = _copy_with_new_field(tmp_path / "copy", regenerate=True)
    generated = (root / "assure" / "models" / "_projections.py").read_text(encoding="utf-8")
    assert generated != codegen.TARGET.read_text(encoding="utf-8")
    report = _round_trip(root, tmp_path)
    assert report["field_spec"] == ["Review date"]
    assert report["record"] and report["select"]
    assert "review_date" in report["document"] and "review_date" in report["csv"]
    assert "Review date" in report["pane"] and "Review date" in report["pack"]
    assert report["markdown_header"] and "Review date" in report["markdown_header"][0]
    assert "Review date" in report["pane_columns"] and "2021-04-30" in report["pane_row"]
    assert "Review date: 30 Apr 2021" in report["detail"]
    assert report["stored"] == report["read"] == ["2021-04-30", None]
    assert report["json"] == report["stored"]
    assert report["csv_rows"] == report["stored"]


def test_the_round_trip_check_sees_a_field_the_projections_miss(tmp_path):
    """The same check with the declaration changed but the projections not regenerated:
    the field is stored, but the read records, the JSON and the CSV miss it, as a field
    added by hand to the old hand-written lists was lost. (The input models are regenerated:
    stale, they refuse the new field, so nothing is stored to lose.)"""
    root = _copy_with_new_field(tmp_path / "copy", regenerate=False)
    result = subprocess.run([sys.executable, "-c", "from assure.models import codegen; "
                             "codegen.INPUTS_TARGET.write_text(codegen.generate_inputs(), encoding='utf-8')"],
                            cwd=root, capture_output=True, text=True, timeout=120, env=_env(root))
    assert result.returncode == 0, result.stderr
    report = _round_trip(root, tmp_path)
    assert report["stored"] == ["2021-04-30", None]
    assert report["read"] == ["missing", "missing"]
    assert report["json"] == report["csv_rows"] == [None, None]


# -- the write path is warmed after the first frame -------------------------------------------

WARM = r'''
import asyncio, json, sys
from assure.models.store import Store
from assure.tui.app import AssureApp

HEAVY = ("pydantic", "sqlmodel", "sqlalchemy")
seen = {}


original = AssureApp.warm_writes


def probe(self):
    seen["before"] = sorted(name for name in HEAVY if name in sys.modules)
    thread = original(self)
    thread.join(120)
    seen["after"] = sorted(name for name in HEAVY if name in sys.modules)
    return thread


AssureApp.warm_writes = probe  # not a subclass: Textual looks for a subclass's CSS beside it


async def main():
    with Store.open(sys.argv[1]) as store:
        app = AssureApp(store)
        async with app.run_test() as pilot:
            while "after" not in seen:
                await pilot.pause(0.05)


asyncio.run(main())
print(json.dumps(seen))
'''


def test_the_write_path_is_imported_after_the_first_frame_in_the_background(tmp_path):
    from assure.models.store import Store
    from assure.seed.loader import load_demo

    path = tmp_path / "warm.db"
    with Store.open(path) as store:
        load_demo(store)
    result = subprocess.run([sys.executable, "-c", WARM, str(path)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen == {"before": [], "after": ["pydantic"]}  # a write needs neither SQLModel nor SQLAlchemy
