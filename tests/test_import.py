"""``assure import``: JSON round trips exactly; a file with any bad row changes nothing.

The database is compared before and after a refused import table by table, history
included, so "nothing was written" is checked, not assumed. CSV errors name the line in
the file (the header is line 1, a quoted cell may span lines).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assure.models.board_pack import export
from assure.models.csv_import import ImportRefused, import_csv
from assure.models.store import Store
from assure.tui.cli import cli

TABLES = ("programme", "person", "raci", "outcome", "progress", "deliverable", "risk", "action", "lesson", "history")


def assure(db_url, *args):
    return subprocess.run([sys.executable, "-m", "assure", "--db", str(db_url), *args],
                          capture_output=True, text=True, timeout=120)


def run(db_url, *args):
    return CliRunner().invoke(cli, ["--db", str(db_url), *args], catch_exceptions=False)


def snapshot(db_url) -> dict[str, list[tuple]]:
    """Every row of every table, through a separate connection."""
    with Store.open(db_url, read_only=True) as other:
        return {table: other.backend.execute(f"SELECT * FROM {table} ORDER BY id").fetchall() for table in TABLES}


@pytest.fixture
def pid(store):
    programme_id = store.create("programme", None, {"code": "imp", "name": "Import target"})
    for number in (1, 2):
        store.create("outcome", programme_id, {"number": number, "title": f"Outcome {number}"})
    store.create("risk", programme_id, {"ref": "R1", "description": "Existing"})
    store.create("action", programme_id, {"number": 1, "description": "Existing"})
    return programme_id


def write(tmp_path, name: str, text: str, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# -- JSON ----------------------------------------------------------------------------------


def strip_stamp(text: str) -> dict:
    document = json.loads(text)
    assert document.pop("exported_at")
    return document


def test_json_round_trip_is_identical(demo_store, db_url, tmp_path):
    assert demo_store.programmes(), "the demo data did not load"
    code = demo_store.programmes()[0].code
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    empty = tmp_path / "empty.db"
    assert assure(db_url, "--programme", code, "export", "--out", str(first)).returncode == 0
    result = assure(empty, "import", str(first))
    assert result.returncode == 0, result.stderr
    assert assure(empty, "--programme", code, "export", "--out", str(second)).returncode == 0
    one, two = first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")
    assert strip_stamp(one) == strip_stamp(two)
    drop = lambda text: [line for line in text.splitlines() if '"exported_at"' not in line]  # noqa: E731
    assert drop(one) == drop(two)  # byte for byte, bar the time stamp


def test_json_round_trip_with_hostile_text(store, pid, db_url, tmp_path):
    store.create("deliverable", pid, {"outcome_id": None, "title": "<script>alert(1)</script> [bold]x[/] | a\nb",
                                      "approved_by": "Zoë / Bob", "status": "Signed Off", "date": "29/02/2024"})
    store.create("lesson", pid, {"number": 1, "description": "Tabs\tand \"quotes\"", "responsible": "=cmd"})
    first = export(store, pid, "json", tmp_path / "a.json")[0]
    other = tmp_path / "other.db"
    assert run(other, "import", str(first)).exit_code == 0
    with Store.open(other) as copy:
        second = export(copy, copy.programme_by_code("imp").id, "json", tmp_path / "b.json")[0]
    assert strip_stamp(first.read_text(encoding="utf-8")) == strip_stamp(second.read_text(encoding="utf-8"))


def test_json_existing_programme_needs_force(store, pid, db_url, tmp_path):
    path = export(store, pid, "json", tmp_path / "p.json")[0]
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1 and "already exists" in result.stderr and "--force" in result.stderr
    assert snapshot(db_url) == before
    forced = assure(db_url, "import", str(path), "--force")
    assert forced.returncode == 0, forced.stderr
    with Store.open(db_url) as reopened:
        assert [p.code for p in reopened.programmes()] == ["imp"]
        assert len(reopened.risks(reopened.programme_by_code("imp").id)) == 1


def test_json_with_bad_rows_is_refused_whole(store, pid, db_url, tmp_path):
    document = {
        "format": "assure-programme/1",
        "programme": {"code": "new", "name": "New"},
        "outcomes": [{"number": 1, "title": "One", "status": "Complete"}],
        "deliverables": [
            {"outcome": 1, "title": "Fine", "status": "Signed Off"},
            {"outcome": 1, "title": "Bad date", "date": "31/02/2021"},
            {"outcome": 7, "title": "No such outcome"},
        ],
        "risks": [{"ref": "R1", "description": "Bad score", "likelihood": 6}],
    }
    path = write(tmp_path, "bad.json", json.dumps(document))
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1
    assert 'deliverable 2 ("Bad date"): date' in result.stderr
    assert 'deliverable 3 ("No such outcome"): outcome' in result.stderr
    assert 'risk 1 ("R1: Bad score"): likelihood' in result.stderr
    assert "deliverables[" not in result.stderr and "risks[" not in result.stderr
    assert "Traceback" not in result.stderr
    assert snapshot(db_url) == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"programme": {"code": "x"', "not valid JSON (line 1"),
        ("[1, 2]", "not a programme document"),
        ('{"programme": {"code": "z", "name": "Z"}, "outcomes": [{"number": 1, "title": "t", "progress": [1]}]}',
         'outcome 1 ("t"), progress item 1: item: must be a table'),
        ('{"format": "other/9", "programme": {"code": "z", "name": "Z"}}', "is not 'assure-programme/1'"),
        ('{"programme": {"code": "z", "name": "Z"}, "extra": []}', "extra: is not a known section"),
    ],
)
def test_json_errors_are_reported_not_raised(store, pid, db_url, tmp_path, content, message):
    path = write(tmp_path, "doc.json", content)
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1
    assert message in result.stderr
    assert result.stderr.startswith("assure: error: ") and "Traceback" not in result.stderr
    assert snapshot(db_url) == before


def test_missing_file(store, db_url, tmp_path):
    result = assure(db_url, "import", str(tmp_path / "nope.csv"))
    assert result.returncode == 1 and "no such file" in result.stderr and result.stderr.count("\n") == 1


# -- CSV -----------------------------------------------------------------------------------


def test_csv_rows_are_appended_with_history(store, pid, db_url, tmp_path):
    path = write(tmp_path, "d.csv", (
        "outcome,title,approved_by,status,date\n"
        "1,Plan agreed,Glyn Peach,Signed Off,31/03/2021\n"
        "2,Contracts novated,,Post Transition,\n"
        ",Unassigned,,,\n"
    ))
    result = run(db_url, "import", str(path))
    assert result.exit_code == 0, result.output
    assert "imported 3 deliverables into imp" in result.output
    rows = store.deliverables(pid)
    assert [(r.outcome_number, r.title, r.approved_by, r.status, r.date) for r in rows] == [
        (1, "Plan agreed", "Glyn Peach", "Signed Off", "2021-03-31"),
        (2, "Contracts novated", None, "Post Transition", None),
        (None, "Unassigned", None, "Not Started", None),
    ]
    history = store.history(pid, kind="deliverable")
    assert sorted(h.record_id for h in history) == sorted(r.id for r in rows)
    assert {h.user for h in history} == {"tester"} and {h.action for h in history} == {"create"}
    assert any(h.action == "import" and "3 deliverables from d.csv" in (h.new_value or "") for h in store.history(pid))


def test_csv_line_numbers_in_errors(store, pid, db_url, tmp_path):
    path = write(tmp_path, "r.csv", (
        "ref,description,likelihood,impact,status\n"   # line 1
        'R2,"A description\n'                          # line 2 (the cell runs on)
        'over two lines",2,3,Open\n'                   # line 3
        "\n"                                           # line 4, blank
        "R3,Too likely,9,1,Open\n"                     # line 5
        "R4,Fine,1,1,Open\n"                           # line 6
        "R5,Bad status,1,1,Shut\n"                     # line 7
        "R1,Corrects the stored R1,1,1,Open\n"        # line 8 (matched by ref: a correction)
        ",No ref,1,1,Open\n"                           # line 9
        "R4,Repeats line 6,1,1,Open\n"                 # line 10
    ))
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1
    assert snapshot(db_url) == before
    lines = result.stderr.splitlines()
    assert lines[0] == f"assure: error: {path}: 4 bad rows, nothing was imported"
    problems = [line.strip() for line in lines[1:]]
    assert problems == [
        "line 5: likelihood: 9 is out of range: use a whole number from 1 to 5",
        "line 7: status: 'Shut' is not one of: Open, Monitoring, Closed",
        "line 9: ref: is required",
        "line 10: ref: 'R4' appears earlier in the file (line 6)",
    ]


def test_csv_refused_rows_write_nothing(store, pid, db_url, tmp_path):
    good = "".join(f"{n},Action {n},Owner,01/05/2021,Open\n" for n in range(2, 200))
    path = write(tmp_path, "a.csv", "number,description,owner,due_on,status\n" + good + "200,Bad date,Owner,2021-02-30,Open\n")
    before = snapshot(db_url)
    with pytest.raises(ImportRefused) as refused:
        import_csv(store, pid, path)
    assert [(p.line, p.field) for p in refused.value.problems] == [(200, "due_on")]
    assert snapshot(db_url) == before


def test_csv_unknown_outcome_number(store, pid, db_url, tmp_path):
    path = write(tmp_path, "d.csv", "outcome,title\n1,Fine\n3,No outcome three\nx,Not a number\n")
    before = snapshot(db_url)
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1
    assert "line 3: outcome: no outcome numbered 3 in this programme (outcomes: 1, 2)" in result.stderr
    assert "line 4: outcome: 'x' is not an outcome number" in result.stderr
    assert snapshot(db_url) == before


def test_csv_kind_is_inferred_or_given(store, pid, db_url, tmp_path):
    actions = write(tmp_path, "x.csv", "Number,Kind,Description,Owner,Due\n2,Next step,Hold lessons session,Glyn Peach,2021-05-01\n")
    assert run(db_url, "import", str(actions)).exit_code == 0  # labels as shown in the dashboard work too
    assert [a.number for a in store.actions(pid)] == [1, 2]
    ambiguous = write(tmp_path, "y.csv", "description\nWhat is this\n")
    result = assure(db_url, "import", str(ambiguous))
    assert result.returncode == 1 and "--kind" in result.stderr
    wrong = assure(db_url, "import", str(actions), "--kind", "risks")
    assert wrong.returncode == 1 and "line 1: Number: is not a field of risks" in wrong.stderr


def test_csv_from_excel_with_bom_and_crlf(store, pid, db_url, tmp_path):
    path = write(tmp_path, "r.csv", "\ufeffref,description,owner\r\nR9,Café risk,Zoë\r\n", encoding="utf-8")
    assert run(db_url, "import", str(path)).exit_code == 0
    assert [(r.ref, r.description, r.owner) for r in store.risks(pid)][-1] == ("R9", "Café risk", "Zoë")


def test_csv_not_utf8(store, pid, db_url, tmp_path):
    path = write(tmp_path, "r.csv", "ref,description\nR9,Caf\xe9\n", encoding="latin-1")
    result = assure(db_url, "import", str(path))
    assert result.returncode == 1 and "not UTF-8" in result.stderr and result.stderr.count("\n") == 1


def test_csv_export_imports_back(store, pid, db_url, tmp_path):
    store.create("risk", pid, {"ref": "R2", "description": "=SUM(A1:A9) looks like a formula", "likelihood": 3,
                               "impact": 4, "owner": "-", "review_on": "01/06/2021"})
    export(store, pid, "csv", tmp_path / "pack")
    target = store.create("programme", None, {"code": "copy", "name": "Copy"})
    path = tmp_path / "pack" / "risks.csv"
    refused = run(db_url, "--programme", "copy", "import", str(path))  # its ids are the other programme's
    assert refused.exit_code == 1 and "to copy the row here, empty its id" in refused.output
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(line.rsplit(",", 3)[0] + "\r\n" for line in lines), encoding="utf-8")  # no id, version, database
    result = run(db_url, "--programme", "copy", "import", str(path))
    assert result.exit_code == 0, result.output
    fields = ("ref", "kind", "description", "likelihood", "impact", "owner", "status", "review_on")
    pick = lambda rows: [tuple(getattr(r, f) for f in fields) for r in rows]  # noqa: E731
    assert pick(store.risks(target)) == pick(store.risks(pid))


def test_read_only_database_refuses_import(store, pid, db_url, tmp_path):
    path = write(tmp_path, "r.csv", "ref,description\nR9,New\n")
    before = snapshot(db_url)
    result = assure(db_url, "--read-only", "import", str(path))
    assert result.returncode == 1 and "read-only" in result.stderr and "Traceback" not in result.stderr
    assert snapshot(db_url) == before


def test_malformed_nested_rows_are_listed_not_crashed(tmp_path):
    from assure.models.bundle import InvalidBundle, validate_bundle

    document = {
        "programme": {"code": "x", "name": "X"},
        "people": [{"name": "Ann"}],
        "raci": [{"person": ["Ann"], "role": "Sponsor", "letter": "A"}],
        "outcomes": [{"number": 1, "title": "One", "progress": ["not a table"]},
                     {"number": 2, "title": "Two", "progress": "nor a list"}],
        "deliverables": [{"title": "D", "outcome": [1]}],
    }
    with pytest.raises(InvalidBundle) as refused:
        validate_bundle(document)
    where = {(place, field) for place, field, _ in refused.value.problems}
    assert {("RACI row 1", "person"), ('outcome 1 ("One"), progress item 1', "item"),
            ('outcome 2 ("Two")', "progress"), ('deliverable 1 ("D")', "outcome")} <= where


def test_json_errors_name_rows_by_number_and_clean_clipped_title():
    from assure.models.bundle import InvalidBundle, validate_bundle

    long_title = "Key staff gaps filled \x1b]52;c;aGk=\x07 [/bold] " + "x" * 200
    document = {
        "programme": {"code": "x", "name": "X"},
        "people": [{"name": "Ann"}, {"name": "Ann"}],
        "deliverables": [{"title": "Fine"}, {"title": long_title, "date": "31/02/2021"}],
        "risks": [{"ref": "R1", "description": "One"}, {"ref": "r1", "description": "Two"}],
    }
    with pytest.raises(InvalidBundle) as refused:
        validate_bundle(document)
    message = str(refused.value)
    where = [place for place, _, _ in refused.value.problems]
    assert any(place.startswith('deliverable 2 ("Key staff gaps filled') for place in where)
    assert all(len(place) < 100 for place in where)
    assert "\x1b" not in message and "\x07" not in message
    assert 'person 2 ("Ann"): name' in message
    assert "is already used by risk 1" in message
    assert not any(f"{section}[" in message for section in ("people", "deliverables", "risks"))


# -- acknowledgements and verdict overrides travel with the document -----------------------


def answers(store, programme_id):
    """What a user sees of the answers: each acknowledgement (about which finding, whether it
    still holds) and each verdict override, with no database id in it."""
    from datetime import date

    from assure.models.rules import run_rules

    findings = run_rules(store, programme_id, today=date(2021, 4, 20))
    holding = sorted((f.rule, f.message, f.acknowledged.reason, f.acknowledged.until, f.acknowledged.actor,
                      f.acknowledged.at) for f in findings if f.acknowledged is not None)
    stored = sorted((a.rule, a.kind, a.record_id is None, a.record_version is None, a.reason, a.until, a.actor, a.at)
                    for a in store.acknowledgements(programme_id))
    overrides = [(o.outcome_number, o.rating, o.reason) for o in store.verdict_overrides(programme_id)]
    return holding, stored, overrides


def answer_some(store, programme_id):
    """Acknowledge three findings (one of them then made stale by an edit) and override two verdicts."""
    from datetime import date

    from assure.models.rules import run_rules

    findings = [f for f in run_rules(store, programme_id, today=date(2021, 4, 20)) if f.record_id is not None]
    high = next(f for f in findings if f.severity == "high")
    store.acknowledge(programme_id, high, "Signed at the board; paper to follow", None)
    others = [f for f in findings if f.kind in ("deliverable", "risk", "action") and f.record_id != high.record_id]
    store.acknowledge(programme_id, others[0], "Until the May board", "2021-05-31")
    stale = next(f for f in others if f.record_id != others[0].record_id)
    store.acknowledge(programme_id, stale, "Answered, then the record changed", None)
    record = store.get(stale.kind, stale.record_id)
    field = "description" if stale.kind != "deliverable" else "title"
    store.update(stale.kind, stale.record_id, {field: getattr(record, field) + " (reworded)"})
    outcome = store.list("outcome", programme_id)[1]
    store.override_verdict(programme_id, None, "Amber/Green", "The board accepted the closure report")
    store.override_verdict(programme_id, outcome.id, "Red", "Contracts not novated")
    return answers(store, programme_id)


def test_json_round_trip_keeps_acknowledgements_and_overrides(demo_store, db_url, tmp_path):
    programme = demo_store.programme_by_code("lcc-btls")
    before = answer_some(demo_store, programme.id)
    assert len(before[0]) == 2 and len(before[1]) == 3 and len(before[2]) == 2
    path = tmp_path / "lcc.json"
    assert assure(db_url, "--programme", "lcc-btls", "export", "--format", "json", "--out", str(path)).returncode == 0
    document = json.loads(path.read_text(encoding="utf-8"))
    assert len(document["acknowledgements"]) == 3 and len(document["verdict_overrides"]) == 2
    forced = assure(db_url, "import", "--force", str(path))
    assert forced.returncode == 0, forced.stderr
    assert "3 acknowledgements" in forced.stdout and "2 verdict_overrides" in forced.stdout
    with Store.open(db_url) as reopened:
        assert answers(reopened, reopened.programme_by_code("lcc-btls").id) == before
    # ... and into another database, where every record has a new id
    other = tmp_path / "other.db"
    assert assure(other, "import", str(path)).returncode == 0
    with Store.open(other) as copy:
        assert answers(copy, copy.programme_by_code("lcc-btls").id) == before
    # a second export of the import is the same document
    again = tmp_path / "again.json"
    assert assure(other, "--programme", "lcc-btls", "export", "--format", "json", "--out", str(again)).returncode == 0
    assert strip_stamp(again.read_text(encoding="utf-8")) == strip_stamp(path.read_text(encoding="utf-8"))


def test_a_document_without_answers_still_imports(demo_store, db_url, tmp_path):
    programme = demo_store.programme_by_code("lcc-btls")
    answer_some(demo_store, programme.id)
    path = export(demo_store, programme.id, "json", tmp_path / "lcc.json")[0]
    document = json.loads(path.read_text(encoding="utf-8"))
    document.pop("acknowledgements", None)
    document.pop("verdict_overrides", None)
    path.write_text(json.dumps(document), encoding="utf-8")
    forced = assure(db_url, "import", "--force", str(path))
    assert forced.returncode == 0, forced.stderr
    with Store.open(db_url) as reopened:
        assert answers(reopened, reopened.programme_by_code("lcc-btls").id) == ([], [], [])


def test_answers_that_do_not_fit_the_document_are_refused_by_row():
    from assure.models.bundle import InvalidBundle, validate_bundle

    document = {
        "programme": {"code": "x", "name": "X"},
        "outcomes": [{"number": 1, "title": "One"}],
        "risks": [{"ref": "R1", "description": "A risk"}],
        "verdict_overrides": [{"rating": "Red", "reason": "Late"}, {"rating": "Amber", "reason": "Later"},
                              {"outcome": 7, "rating": "Red", "reason": "No such outcome"}],
        "acknowledgements": [
            {"rule": "risk-owner", "about": {"section": "risks", "row": 2}, "reason": "Known", "actor": "a", "at": "t"},
            {"rule": "risk-owner", "kind": "action", "about": {"section": "risks", "row": 1}, "reason": "Known",
             "actor": "a", "at": "t"},
            {"rule": "risk-owner", "about": {"section": "risks", "row": 1}, "record_id": 5, "reason": "Known",
             "actor": "a", "at": "t"},
            {"rule": "raci-accountable", "kind": "wizard", "reason": "Known", "actor": "a", "at": "t"},
        ],
    }
    with pytest.raises(InvalidBundle) as refused:
        validate_bundle(document)
    text = str(refused.value)
    assert "the programme's verdict is already overridden by verdict override 1" in text
    assert "no outcome numbered 7" in text
    assert 'acknowledgement 1 ("risk-owner"): about: risks has no row 2 (it has 1)' in text
    assert "'action' is not what risks holds" in text
    assert "record_id: is not a field of a document's acknowledgement (use about)" in text
    assert "kind: 'wizard' is not a kind of record" in text
