"""``assure status``: a fast, faithful summary whose exit code a script can rely on.

Exit codes and the no-Textual start are checked by running the command as a user types
it (a subprocess); the wording is checked through click's runner for speed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assure.models.rules import run_rules
from assure.models.store import Store
from assure.models.summary import programme_summary
from assure.tui.cli import cli


def assure(db_url, *args, env=None):
    """Run ``python -m assure --db PATH ...`` as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "assure", "--db", str(db_url), *args],
        capture_output=True, text=True, env={**os.environ, **(env or {})}, timeout=60,
    )


def invoke(db_url, *args):
    return CliRunner().invoke(cli, ["--db", str(db_url), *args], catch_exceptions=False)


@pytest.fixture
def clean_db(db_url):
    """A programme with nothing wrong in it (as of ASSURE_TODAY, 20 Apr 2021)."""
    with Store.open(db_url) as store:
        pid = store.create("programme", None, {"code": "clean", "name": "Clean programme", "as_of": "20/04/2021"})
        person = store.create("person", pid, {"name": "Mike Kirby"})
        store.create("raci", pid, {"person_id": person, "role": "Sponsor", "letter": "A"})
        out = store.create("outcome", pid, {"number": 1, "title": "Service runs", "status": "In Progress"})
        store.create("deliverable", pid, {"outcome_id": out, "title": "Plan", "approved_by": "Mike Kirby",
                                          "status": "Signed Off", "date": "01/03/2021"})
        store.create("deliverable", pid, {"outcome_id": out, "title": "Contracts", "approved_by": "Mike Kirby",
                                          "status": "In Progress"})
        store.create("risk", pid, {"ref": "R1", "description": "Supplier", "likelihood": 4, "impact": 5,
                                   "owner": "Mike Kirby", "review_on": "30/04/2021"})
        store.create("action", pid, {"number": 1, "description": "Review", "owner": "Mike Kirby",
                                     "due_on": "01/05/2021"})
    return db_url


def add_action(db_url, **fields):
    with Store.open(db_url) as store:
        pid = store.programme_by_code("clean").id
        return store.create("action", pid, {"number": 9, "description": "Added", "owner": "Mike Kirby", **fields})


def test_exit_zero_when_nothing_at_or_above_threshold(clean_db):
    result = assure(clean_db, "status")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "Clean programme [clean]" in result.stdout
    assert "Findings:" in result.stdout and "0 (0 high, 0 medium, 0 low)" in result.stdout


def test_exit_two_on_findings_by_threshold(clean_db):
    add_action(clean_db)  # an open action with no due date: one low finding
    assert assure(clean_db, "status").returncode == 0
    assert assure(clean_db, "status", "--fail-on", "medium").returncode == 0
    low = assure(clean_db, "status", "--fail-on", "low")
    assert low.returncode == 2, low.stderr
    assert "action-undated" in low.stdout
    add_action(clean_db, due_on="01/04/2021")  # overdue: medium
    assert assure(clean_db, "status", "--fail-on", "medium").returncode == 2
    assert assure(clean_db, "status").returncode == 0
    assert assure(clean_db, "status", "--fail-on", "none").returncode == 0


def test_demo_data_fails_on_high(demo_store, db_url):
    assert demo_store.programme_by_code("lcc-btls") is not None
    result = assure(db_url, "--programme", "lcc-btls", "status", "--limit", "0")
    assert result.returncode == 2
    assert "HIGH" in result.stdout and "signoff-future" in result.stdout
    assert assure(db_url, "--programme", "lcc-btls", "status", "--fail-on", "none").returncode == 0


def test_status_does_not_load_textual_or_the_orm(clean_db, tmp_path):
    """The status path must not import Textual, pydantic or SQLAlchemy (start-up time)."""
    report = tmp_path / "modules.json"
    code = (
        "import json, sys\n"
        f"sys.argv = ['assure', '--db', {str(clean_db)!r}, 'status', '--all']\n"
        "from assure.tui.cli import main\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exit:\n"
        "    code = exit.code\n"
        "else:\n"
        "    code = 0\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'pydantic', 'sqlalchemy', 'sqlmodel', 'rich'})\n"
        f"open({str(report)!r}, 'w').write(json.dumps({{'code': code, 'heavy': heavy}}))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(report.read_text())
    assert outcome["code"] in (0, None)
    assert "Clean programme" in result.stdout
    assert outcome["heavy"] == []


def test_text_figures_come_from_the_summary(clean_db):
    add_action(clean_db, due_on="01/04/2021")
    result = invoke(clean_db, "status")
    with Store.open(clean_db, read_only=True) as store:
        summary = programme_summary(store, store.programme_by_code("clean").id)
    assert summary["deliverables"] == {"total": 2, "done": 1, "by_status": {"Signed Off": 1, "In Progress": 1}}
    lines = {line.split(":", 1)[0]: line.split(":", 1)[1].strip() for line in result.output.splitlines() if ":" in line and not line.startswith(" ")}
    assert lines["Deliverables"] == "2 (In Progress 1, Signed Off 1)"  # ties in the order of the workflow
    assert lines["Signed off or delivered"] == "1 of 2 (50%)"
    assert lines["Open risks & issues"] == "1 (Risk 1; Red 1)"
    assert lines["Open actions"] == "2 (1 overdue)"
    assert lines["Findings"] == "1 (0 high, 1 medium, 0 low)"
    assert summary["risks"]["heatmap"][3][4] == 1 and sum(map(sum, summary["risks"]["heatmap"])) == 1


def test_json_output(clean_db):
    add_action(clean_db)
    result = invoke(clean_db, "status", "--json")
    document = json.loads(result.output)
    with Store.open(clean_db, read_only=True) as store:
        pid = store.programme_by_code("clean").id
        assert document["summary"] == programme_summary(store, pid)
        assert document["findings"] == [f.as_dict() for f in run_rules(store, pid)]
    assert document["summary"]["programme"]["code"] == "clean"


def test_all_programmes(clean_db):
    with Store.open(clean_db) as store:
        store.create("programme", None, {"code": "second", "name": "Second programme"})
    result = invoke(clean_db, "status", "--all")
    assert "Clean programme [clean]" in result.output and "Second programme [second]" in result.output
    assert result.exit_code == 2  # the second programme has no RACI: no Accountable owner
    assert invoke(clean_db, "--programme", "clean", "status").exit_code == 0
    documents = json.loads(invoke(clean_db, "status", "--all", "--json").output)
    assert [d["summary"]["programme"]["code"] for d in documents] == ["clean", "second"]


def test_findings_are_listed_up_to_the_limit(clean_db):
    for number in range(3):
        with Store.open(clean_db) as store:
            pid = store.programme_by_code("clean").id
            store.create("action", pid, {"number": 10 + number, "description": f"Undated {number}", "owner": "X Y"})
    with Store.open(clean_db) as store:
        store.create("action", pid, {"number": 20, "description": "Nobody's", "due_on": "2021-05-01"})
    # Three undated actions are one point naming all three; the unowned one is another.
    short = invoke(clean_db, "status", "--limit", "1").output
    assert short.count("action-undated") == 0 and short.count("action-owner") == 1 and "1 more" in short
    full = invoke(clean_db, "status", "--limit", "0").output
    assert full.count("action-undated") == 1 and "3 open actions have no due date" in full
    assert all(f"Recommendation {10 + n} 'Undated {n}'" in full for n in range(3))


def test_stored_escape_sequences_never_reach_the_terminal(clean_db):
    # Validation strips control characters, so plant them as an older version or another tool might.
    with Store.open(clean_db) as store:
        with store.transaction() as conn:
            conn.execute("UPDATE deliverable SET title = 'Evil \x1b]0;owned\x07 \x1b[2J title', approved_by = NULL"
                         " WHERE title = 'Plan'")
    result = assure(clean_db, "status", "--limit", "0")
    assert result.returncode == 2  # now signed off without an approver
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "Evil" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("status",), "no such database"),
        (("--programme", "nope", "status"), "no programme 'nope'"),
    ],
)
def test_errors_are_one_line(tmp_path, clean_db, args, message):
    target = tmp_path / "missing.db" if message == "no such database" else clean_db
    result = assure(target, *args)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr
