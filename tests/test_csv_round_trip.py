"""CSV round trip: export a register, correct cells in a spreadsheet, import it back.

Rows name their record by id (or a risk's ref, an action's kind and number, a lesson's
number, a deliverable's outcome and title); only the cells that differ are written, each
with its history row; a cell a colleague changed since the export is a conflict, never
written over; unchanged rows leave no trace; a re-import never duplicates. Through the
command line as a user types it, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from assure.models.board_pack import export
from assure.models.csv_import import ImportRefused, import_csv
from assure.models.store import Store
from sessions import open_as

TABLES = ("programme", "person", "raci", "outcome", "progress", "deliverable", "risk", "action", "lesson", "history")


def assure(db_url, *args):
    return subprocess.run([sys.executable, "-m", "assure", "--db", str(db_url), *args],
                          capture_output=True, text=True, timeout=120)


def snapshot(db_url) -> dict[str, list[tuple]]:
    """Every row of every table, through a separate connection."""
    with Store.open(db_url, read_only=True) as other:
        return {table: other.backend.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TABLES}


def read(path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def write(path, rows: list[dict[str, str]], header=None) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header or list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture
def pid(store):
    programme_id = store.create("programme", None, {"code": "rt", "name": "Round trip"})
    for number in (1, 2):
        store.create("outcome", programme_id, {"number": number, "title": f"Outcome {number}"})
    outcomes = {o.number: o.id for o in store.outcomes(programme_id)}
    for n in range(1, 5):
        store.create("deliverable", programme_id, {"outcome_id": outcomes[1 + n % 2], "title": f"Deliverable {n}",
                                                   "approved_by": "Glyn Peach", "status": "In Progress"})
    for n in range(1, 4):
        store.create("risk", programme_id, {"ref": f"R{n}", "description": f"Risk {n}", "likelihood": 2,
                                            "impact": 3, "owner": "Ann Lee"})
    store.create("action", programme_id, {"number": 1, "description": "Close the contract", "owner": "Ann Lee"})
    store.create("lesson", programme_id, {"number": 1, "description": "Start early"})
    store.undo_stack.clear()
    return programme_id


def exported(store, pid, tmp_path, name):
    export(store, pid, "csv", tmp_path / "pack")
    return tmp_path / "pack" / f"{name}.csv"


def test_reimporting_the_exported_demo_deliverables_changes_nothing(demo_store, db_url, tmp_path):
    """Before: all 72 were added again (104 deliverables became 176)."""
    assert assure(db_url, "export", "-f", "csv", "-o", str(tmp_path / "pack")).returncode == 0
    before = snapshot(db_url)
    for _ in range(2):
        result = assure(db_url, "import", str(tmp_path / "pack" / "deliverables.csv"))
        assert result.returncode == 0, result.stderr
        assert result.stdout == "deliverables.csv: nothing to change in lcc-btls (72 deliverables already match the database)\n"
    assert snapshot(db_url) == before  # not a row added, not a history row written


@pytest.mark.parametrize("name", ["deliverables", "risks", "actions", "lessons"])
def test_reimporting_any_exported_register_changes_nothing(store, pid, db_url, tmp_path, name):
    """Before: an exported risks CSV was refused ("ref 'R1' is already used")."""
    path = exported(store, pid, tmp_path, name)
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "nothing to change in rt" in result.stdout
    assert snapshot(db_url) == before


def test_corrections_write_only_the_changed_cells_each_with_history(store, pid, db_url, tmp_path):
    path = exported(store, pid, tmp_path, "deliverables")
    rows = read(path)
    rows[0]["status"] = "Signed Off"
    rows[0]["date"] = "31/03/2021"  # as a spreadsheet user types it
    third_title = rows[2]["title"]
    rows[2]["title"] = "Deliverable 3, renamed"
    rows.append({"outcome": "2", "title": "Added in the spreadsheet", "approved_by": "", "status": "", "date": "",
                 "note": "", "id": "", "version": ""})
    write(path, rows)
    before = {d.id: d for d in store.deliverables(pid)}
    history_before = len(store.history(pid))

    result = assure(db_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "imported deliverables.csv into rt: 2 deliverables corrected (3 cells), 1 added, 2 unchanged\n"

    after = {d.id: d for d in store.deliverables(pid)}
    first, third = int(rows[0]["id"]), int(rows[2]["id"])
    assert (after[first].status, after[first].date, after[first].version) == ("Signed Off", "2021-03-31", 2)
    assert (after[third].title, after[third].version) == ("Deliverable 3, renamed", 2)
    untouched = [i for i in before if i not in (first, third)]
    assert all(after[i] == before[i] for i in untouched)  # same version, same updated_at: no write at all
    added = [d for i, d in after.items() if i not in before]
    assert [(d.title, d.outcome_number, d.status) for d in added] == [("Added in the spreadsheet", 2, "Not Started")]

    history = store.history(pid)[: len(store.history(pid)) - history_before]
    assert sorted((h.record_id, h.action, h.field, h.old_value, h.new_value) for h in history
                  if h.kind == "deliverable" and h.action == "update") == sorted([
        (first, "update", "status", "In Progress", "Signed Off"),
        (first, "update", "date", None, "2021-03-31"),
        (third, "update", "title", third_title, "Deliverable 3, renamed"),
    ])
    assert [(h.record_id, h.action) for h in history if h.kind == "deliverable" and h.action != "update"] == [
        (added[0].id, "create")]
    assert {h.user for h in history} == {"tester"}
    assert [h.new_value for h in history if h.action == "import"] == [
        "imported deliverables from deliverables.csv: added 1, corrected 2"]

    again = assure(db_url, "import", str(path))  # the same file again: the new row is found, not added twice
    assert again.returncode == 0 and "nothing to change" in again.stdout
    assert len(store.deliverables(pid)) == len(after)


def test_a_cell_a_colleague_changed_since_the_export_is_a_conflict(store, pid, db_url, tmp_path):
    path = exported(store, pid, tmp_path, "risks")
    rows = read(path)
    rows[0]["status"] = "Closed"        # the user closes R1 ...
    rows[1]["owner"] = "Bo Diaz"        # ... and moves R2 to Bo
    write(path, rows)
    with open_as("glyn", db_url) as colleague:   # meanwhile Glyn reviews R1
        r1 = next(r for r in colleague.risks(pid) if r.ref == "R1")
        colleague.update("risk", r1.id, {"status": "Monitoring"})
    before = snapshot(db_url)

    result = assure(db_url, "import", str(path))
    assert result.returncode == 1
    assert snapshot(db_url) == before  # nothing written, not even R2
    assert result.stderr.splitlines() == [
        f"assure: error: {path}: 1 cell changed by someone else since the export, nothing was imported",
        "  line 2: status: the file has 'Closed' but glyn changed it to 'Monitoring' (09:00), it was 'Open' when exported",
        "  export again and redo these cells, or give --keep-theirs to import the rest and keep their values",
    ]

    kept = assure(db_url, "import", "--keep-theirs", str(path))
    assert kept.returncode == 0, kept.stderr
    assert kept.stdout.splitlines() == [
        "imported risks.csv into rt: 1 risks corrected (1 cell), 0 added, 2 unchanged",
        "  kept colleagues' values in 1 cell the file also changed:",
        "    line 2: status: the file has 'Closed' but glyn changed it to 'Monitoring' (09:00), it was 'Open' when exported",
    ]
    risks = {r.ref: r for r in store.risks(pid)}
    assert (risks["R1"].status, risks["R2"].owner) == ("Monitoring", "Bo Diaz")


def test_a_colleagues_change_the_file_does_not_touch_stands(store, pid, db_url, tmp_path):
    path = exported(store, pid, tmp_path, "deliverables")
    rows = read(path)
    rows[0]["title"] = "Deliverable 1 (corrected)"
    write(path, rows)
    record_id = int(rows[0]["id"])
    with open_as("glyn", db_url) as colleague:   # two saves by Glyn since the export
        colleague.update("deliverable", record_id, {"approved_by": "Ann Lee"})
        colleague.update("deliverable", record_id, {"status": "Delayed", "note": "Supplier late"})

    result = assure(db_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "1 deliverables corrected (1 cell)" in result.stdout
    assert "3 cells left as changed in the database since the export (the file still had the exported value)" in result.stdout
    record = store.get("deliverable", record_id)
    assert (record.title, record.approved_by, record.status, record.note) == (
        "Deliverable 1 (corrected)", "Ann Lee", "Delayed", "Supplier late")


def test_a_bad_row_refuses_the_whole_file_naming_each_row(store, pid, db_url, tmp_path):
    path = exported(store, pid, tmp_path, "risks")
    rows = read(path)
    rows[0]["likelihood"] = "9"
    rows[1]["ref"] = "R3"                       # R3 is another risk's
    rows[2]["description"] = "Fine correction"
    rows.append({**rows[2], "id": "9999", "ref": "R9"})
    rows.append({**rows[2], "id": rows[2]["id"], "ref": "R3"})
    write(path, rows)
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1
    assert snapshot(db_url) == before
    assert result.stderr.splitlines() == [
        f"assure: error: {path}: 4 bad rows, nothing was imported",
        "  line 2: likelihood: 9 is out of range: use a whole number from 1 to 5",
        f"  line 3: ref: 'R3' is already used by another risk/issue (id {rows[2]['id']})",
        "  line 5: id: no risk/issue has id 9999 any more (deleted since the export?): empty the id to add the row again",
        f"  line 6: id: corrects the same risk/issue as line 4 (id {rows[2]['id']})",
    ]


def test_ids_of_another_programme_are_refused_and_copied_without_them(store, pid, db_url, tmp_path):
    path = exported(store, pid, tmp_path, "risks")
    other = store.create("programme", None, {"code": "copy", "name": "Copy"})
    result = assure(db_url, "--programme", "copy", "import", str(path))
    assert result.returncode == 1
    assert "line 2: id: " in result.stderr and "of another programme, not this one: to copy the row here, empty its id" in result.stderr
    assert store.risks(other) == []
    rows = [{**row, "id": "", "version": ""} for row in read(path)]
    write(path, rows)
    for _ in range(2):  # copied once, then matched by ref: never twice
        assert assure(db_url, "--programme", "copy", "import", str(path)).returncode == 0
    fields = ("ref", "kind", "description", "likelihood", "impact", "owner", "status")
    pick = lambda programme: [tuple(getattr(r, f) for f in fields) for r in store.risks(programme)]  # noqa: E731
    assert pick(other) == pick(pid)


def test_rows_without_ids_match_by_ref_number_or_title(store, pid, db_url, tmp_path):
    folder = tmp_path
    (folder / "risks.csv").write_text("ref,description,status\nr2,Risk 2 reworded,Closed\nR7,A new risk,Open\n")
    (folder / "actions.csv").write_text("number,kind,description,status\n1,Close-out recommendation,Close the contract,Done\n")
    (folder / "lessons.csv").write_text("number,description,recommendation\n1,Start early,Plan the exit from day one\n")
    (folder / "deliverables.csv").write_text("outcome,title,status\n2,deliverable  1,Delayed\n")
    for name in ("risks", "actions", "lessons", "deliverables"):
        result = assure(db_url, "import", str(folder / f"{name}.csv"))
        assert result.returncode == 0, result.stderr
    risks = {r.ref: r for r in store.risks(pid)}
    assert sorted(risks) == ["R1", "R2", "R3", "R7"]  # r2 is R2: case is ignored, and the ref is left as it was
    assert (risks["R2"].description, risks["R2"].status, risks["R2"].owner) == ("Risk 2 reworded", "Closed", "Ann Lee")
    assert [(a.number, a.status, a.owner) for a in store.actions(pid)] == [(1, "Done", "Ann Lee")]
    assert [(lesson.number, lesson.recommendation) for lesson in store.lessons(pid)] == [(1, "Plan the exit from day one")]
    assert [d.status for d in store.deliverables(pid) if d.title == "Deliverable 1"] == ["Delayed"]
    assert len(store.deliverables(pid)) == 4


def test_a_file_of_a_few_columns_corrects_just_those(store, pid, db_url, tmp_path):
    ids = [d.id for d in sorted(store.deliverables(pid), key=lambda d: d.title)]
    path = tmp_path / "fixes.csv"
    path.write_text(f"id,status\n{ids[0]},Signed Off\n{ids[1]},Delayed\n")
    result = assure(db_url, "import", "--kind", "deliverables", str(path))
    assert result.returncode == 0, result.stderr
    rows = {d.id: d for d in store.deliverables(pid)}
    assert (rows[ids[0]].status, rows[ids[0]].title, rows[ids[0]].approved_by) == ("Signed Off", "Deliverable 1", "Glyn Peach")
    assert rows[ids[1]].status == "Delayed"


def test_a_colleagues_change_while_importing_is_caught_in_the_transaction(store, pid, db_url, tmp_path, monkeypatch):
    from assure.models import csv_import

    path = exported(store, pid, tmp_path, "lessons")
    rows = read(path)
    rows[0]["recommendation"] = "Mine"
    write(path, rows)
    planned = csv_import.plan_import

    def plan_then_colleague_saves(*args, **kwargs):
        plan = planned(*args, **kwargs)
        with open_as("glyn", db_url) as colleague:
            colleague.update("lesson", int(rows[0]["id"]), {"recommendation": "Glyn's"})
        return plan

    monkeypatch.setattr(csv_import, "plan_import", plan_then_colleague_saves)
    with pytest.raises(ImportRefused) as refused:
        import_csv(store, pid, path)
    assert "changed by someone else while importing" in str(refused.value)
    assert store.lessons(pid)[0].recommendation == "Glyn's"


# -- ids belong to one database ------------------------------------------------------------


@pytest.fixture
def other_url(backend_name, tmp_path, request):
    """A second, empty database on the same kind of server."""
    if backend_name != "postgresql":
        return tmp_path / "other.db"
    databases = request.getfixturevalue("pg_databases")
    name, url = databases.create()
    request.addfinalizer(lambda: databases.drop(name))
    return url


def same_ids_elsewhere(other_url):
    """Another database whose programme and risks have the ids of ``pid``'s, other content."""
    with Store.open(other_url) as other:
        programme_id = other.create("programme", None, {"code": "rt", "name": "Elsewhere"})
        for n in range(1, 4):
            other.create("risk", programme_id, {"ref": f"X{n}", "description": f"Another risk {n}", "owner": "Bo"})
        return programme_id


def test_a_csv_from_another_database_is_refused_and_changes_nothing(store, pid, db_url, other_url, tmp_path):
    elsewhere = same_ids_elsewhere(other_url)
    path = exported(store, pid, tmp_path, "risks")
    rows = read(path)
    assert list(rows[0])[-1] == "database" and rows[0]["database"] == store.database_id()
    assert store.database_id().startswith("db-") and {row["database"] for row in rows} == {store.database_id()}
    with Store.open(other_url) as other:
        assert {r.id for r in other.risks(elsewhere)} == {int(row["id"]) for row in rows}  # the ids collide
        assert other.database_id() != store.database_id()
    before = snapshot(other_url)
    rows[0]["status"] = "Closed"
    write(path, rows)
    result = assure(other_url, "import", str(path))
    assert result.returncode == 1 and result.stdout == ""
    message = result.stderr.strip()
    assert "\n" not in message and "Traceback" not in message
    assert "line 2: exported from another database" in message and "nothing was imported" in message
    assert "delete the id, version and database columns (rows are then matched by ref, or added)" in message
    assert snapshot(other_url) == before
    # As the message says: without those columns the rows are added (matched by ref: none is X)
    for row in rows:
        del row["id"], row["version"], row["database"]
    write(path, rows)
    added = assure(other_url, "import", str(path))
    assert added.returncode == 0, added.stderr
    with Store.open(other_url) as other:
        assert sorted(r.ref for r in other.risks(elsewhere)) == ["R1", "R2", "R3", "X1", "X2", "X3"]


def test_a_csv_without_the_database_column_imports_as_before(store, pid, db_url, tmp_path):
    path = exported(store, pid, tmp_path, "risks")
    rows = read(path)
    for row in rows:
        del row["database"]
    rows[1]["status"] = "Closed"
    write(path, rows)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 0, result.stderr
    assert "1 risks corrected (1 cell)" in result.stdout
    assert [r.status for r in store.risks(pid) if r.ref == "R2"] == ["Closed"]


def test_the_database_id_is_made_by_the_first_write_never_by_a_read(db_url, tmp_path):
    from assure.models.store import DATABASE_ID_KEY

    def stored(url):
        with Store.open(url, read_only=True) as reader:
            return reader.backend.execute("SELECT value FROM meta WHERE key = ?", (DATABASE_ID_KEY,)).fetchall()

    with Store.open(db_url) as store:
        pid = store.create("programme", None, {"code": "rt", "name": "Round trip"})
        ((made,),) = stored(db_url)
        assert store.database_id() == made
        store.create("risk", pid, {"ref": "R1", "description": "One"})
        assert stored(db_url) == [(made,)]  # made once, kept
        with store.transaction() as backend:  # as an older release left it: no id
            backend.execute("DELETE FROM meta WHERE key = ?", (DATABASE_ID_KEY,))
    with Store.open(db_url, read_only=True) as reader:
        assert reader.database_id() is None
        export(reader, pid, "csv", tmp_path / "pack")
    assert stored(db_url) == []  # a read-only open and an export made none
    assert {row["database"] for row in read(tmp_path / "pack" / "risks.csv")} == {""}
    result = assure(db_url, "import", str(tmp_path / "pack" / "risks.csv"))
    assert result.returncode == 0 and "nothing to change" in result.stdout, result.stderr
    with Store.open(db_url) as writer:
        writer.create("risk", pid, {"ref": "R2", "description": "Two"})
    assert len(stored(db_url)) == 1 and stored(db_url)[0][0].startswith("db-")


# -- closed items are in the registers too -------------------------------------------------


def test_closed_risks_and_actions_can_be_corrected_through_the_csv(store, pid, db_url, tmp_path):
    """Before: risks.csv and actions.csv held open items only, so a closed one could not be corrected."""
    closed = next(r for r in store.risks(pid) if r.ref == "R3")
    store.update("risk", closed.id, {"status": "Closed"})
    done = store.create("action", pid, {"number": 2, "description": "Archive the files", "status": "Done"})
    assert assure(db_url, "export", "-f", "csv", "-o", str(tmp_path / "pack")).returncode == 0
    risks, actions = read(tmp_path / "pack" / "risks.csv"), read(tmp_path / "pack" / "actions.csv")
    assert [(row["ref"], row["status"]) for row in risks] == [("R1", "Open"), ("R2", "Open"), ("R3", "Closed")]
    assert [(row["number"], row["status"]) for row in actions] == [("1", "Open"), ("2", "Done")]
    before = snapshot(db_url)
    for name in ("risks", "actions"):  # as exported: nothing to change, closed rows included
        result = assure(db_url, "import", str(tmp_path / "pack" / f"{name}.csv"))
        assert result.returncode == 0 and "nothing to change" in result.stdout, result.stderr
    assert snapshot(db_url) == before
    risks[2]["latest_update"] = "Closed at the April board"
    actions[1]["owner"] = "Ann Lee"
    write(tmp_path / "pack" / "risks.csv", risks)
    write(tmp_path / "pack" / "actions.csv", actions)
    for name in ("risks", "actions"):
        result = assure(db_url, "import", str(tmp_path / "pack" / f"{name}.csv"))
        assert result.returncode == 0, result.stderr
        assert "corrected (1 cell)" in result.stdout and "0 added" in result.stdout
    assert store.get("risk", closed.id).latest_update == "Closed at the April board"
    assert (store.get("action", done).owner, store.get("action", done).status) == ("Ann Lee", "Done")
    # The board pack itself still lists the open ones.
    from assure.models import board_pack

    text = board_pack.render(store, pid, "md")
    assert "Close the contract" in text and "Archive the files" not in text
