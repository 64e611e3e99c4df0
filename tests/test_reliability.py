"""The promises an assurance tool lives on, each tested the way a hostile probe broke them.

Many writers at once lose nothing and every conflict is reported; a writer killed mid-edit
or mid-import leaves a sound database with nothing half-written; a full disk refuses the
write whole; no document a user could hand to ``import`` does anything but import whole or
refuse with a message. Figures (edits per second, conflicts, kills) are printed in the
test summary: they describe a run, they are never asserted as timings.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assure.models.bundle import load_programme
from assure.models.csv_import import import_csv
from assure.models.db import StoreError
from assure.models.store import Store
from test_concurrency import check_integrity as integrity
from test_import import snapshot

pytestmark = pytest.mark.reliability

#: Counts kept across the examples of one test (hypothesis calls a test many times).
COUNTS: dict[str, int] = {}

# -- many writers --------------------------------------------------------------------------

WRITER = textwrap.dedent("""
    import json, sys, time
    from assure.models.store import Conflict, Store, StoreBusy

    path, user, shared, own, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    store = Store.open(path)
    store.user = user
    print("ready", flush=True)
    sys.stdin.readline()
    saved, conflicts, busy, own_saves = [], 0, 0, 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        # A shared counter, saved with the value this session saw: a race is a Conflict.
        seen = store.get("lesson", shared).number
        try:
            store.update("lesson", shared, {"number": seen + 1}, expected={"number": seen})
            saved.append(seen + 1)
        except Conflict:
            conflicts += 1
        except StoreBusy:
            busy += 1
        # A record of its own: every save must land.
        try:
            store.update("lesson", own, {"recommendation": f"{user} {own_saves + 1}"})
            own_saves += 1
        except StoreBusy:
            busy += 1
    print(json.dumps({"saved": saved, "conflicts": conflicts, "busy": busy, "own": own_saves}), flush=True)
""")


def start_writers(path: Path, count: int, shared: int, own: list[int], seconds: float) -> list[subprocess.Popen]:
    processes = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), f"writer{n}", str(shared), str(own[n]), str(seconds)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(count)
    ]
    for process in processes:
        line = process.stdout.readline()
        assert line.strip() == "ready", line + process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    return processes


@pytest.mark.parametrize("writers", [4, 8])
def test_many_writers_lose_nothing_and_every_conflict_is_reported(db_url, writers, figure, backend_name):
    with Store.open(db_url) as store:
        programme = store.create("programme", None, {"code": "W", "name": "Writers"})
        shared = store.create("lesson", programme, {"number": 0, "description": "shared counter"})
        own = [store.create("lesson", programme, {"number": n + 1, "description": f"own {n}"}) for n in range(writers)]
    seconds = 3.0
    started = time.monotonic()
    processes = start_writers(db_url, writers, shared, own, seconds)
    reports = []
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        reports.append(json.loads(out.strip().splitlines()[-1]))
    elapsed = time.monotonic() - started
    if backend_name == "sqlite":
        integrity(db_url)

    with Store.open(db_url, read_only=True) as store:
        def query(sql, params=()):
            return store.backend.execute(sql, params).fetchall()

        counter = query("SELECT number FROM lesson WHERE id = ?", (shared,))[0][0]
        rows = query("SELECT actor, old_value, new_value FROM history WHERE record_id = ? AND kind = 'lesson'"
                     " AND field = 'number' ORDER BY id", (shared,))
        saved = sum(len(report["saved"]) for report in reports)
        # Every save the writers were told succeeded is in the record and in the history,
        # each one building on the last: no update was lost, none was applied twice.
        assert counter == saved == len(rows)
        assert [(int(old), int(new)) for _, old, new in rows] == [(n, n + 1) for n in range(saved)]
        for n, report in enumerate(reports):
            assert sorted(int(new) for user, _, new in rows if user == f"writer{n}") == report["saved"]
            own_value = query("SELECT recommendation FROM lesson WHERE id = ?", (own[n],))[0][0]
            own_history = query("SELECT count(*) FROM history WHERE record_id = ? AND kind = 'lesson'"
                                " AND field = 'recommendation'", (own[n],))[0][0]
            if report["own"]:
                assert own_value == f"writer{n} {report['own']}"
            assert own_history == report["own"]
        assert store.verify_history().ok  # and the history's chain holds under contention
    conflicts = sum(report["conflicts"] for report in reports)
    busy = sum(report["busy"] for report in reports)
    edits = saved + sum(report["own"] for report in reports)
    assert saved > 0 and edits > writers
    figure(f"{writers} writers on {backend_name}", (
        f"{edits} edits in {elapsed:.1f} s ({edits / elapsed:.0f}/s), {conflicts} conflicts reported, "
        f"{busy} busy, 0 lost"
    ))


# -- killed mid-import ---------------------------------------------------------------------

IMPORTER = textwrap.dedent("""
    import sys
    from assure.models.csv_import import import_csv
    from assure.models.store import Store
    store = Store.open(sys.argv[1])
    print("ready", flush=True)
    import_csv(store, int(sys.argv[2]), sys.argv[3], section="deliverables")
    print("done", flush=True)
""")


@pytest.mark.parametrize("round_", range(4))
def test_a_killed_import_leaves_all_or_nothing(db_path, tmp_path, round_, figure):
    with Store.open(db_path) as store:
        programme = store.create("programme", None, {"code": "K", "name": "Killed import"})
    rows = 4000
    csv_path = tmp_path / "deliverables.csv"
    csv_path.write_text("title,status\n" + "".join(f"Deliverable {n},Not started\n" for n in range(rows)))
    before = snapshot(db_path)
    process = subprocess.Popen([sys.executable, "-c", IMPORTER, str(db_path), str(programme), str(csv_path)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready", process.stderr.read()
    if round_ == 3:
        # The last round kills it just after it says it is done: everything must be there.
        assert process.stdout.readline().strip() == "done", process.stderr.read()
    else:
        # The others at a different moment each: validating, writing, or committing.
        time.sleep(random.Random(round_).uniform(0.1, 1.5))
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    process.stdout.close(), process.stderr.close()

    with Store.open(db_path) as store:  # recovers a hot journal the killed importer left
        integrity(db_path)
        deliverables = store.deliverables(programme)
        creates = [row for row in store.history(programme, kind="deliverable") if row.action == "create"]
        assert len(deliverables) in (0, rows)
        if round_ == 3:
            assert len(deliverables) == rows
        assert len(creates) == len(deliverables)
        if not deliverables:
            assert snapshot(db_path) == before
    outcome = "whole" if deliverables else "nothing"
    figure(f"killed import, round {round_}", f"integrity ok, {outcome} imported ({len(deliverables)} rows)")


# -- a full disk ---------------------------------------------------------------------------

FILL = textwrap.dedent("""
    import json, resource, signal, sys
    from assure.models.store import Store, StoreError
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    store = Store.open(sys.argv[1])
    programme = store.programmes()[0].id
    limit = int(sys.argv[2])
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    saved = []
    for number in range(1, 10000):
        try:
            store.create("lesson", programme, {"number": number, "description": "x" * 3000})
        except StoreError as error:
            print(json.dumps({"saved": saved, "error": str(error)}), flush=True)
            break
        saved.append(number)
""")


def test_a_file_size_limit_refuses_the_write_whole(db_path, figure):
    with Store.open(db_path) as store:
        store.create("programme", None, {"code": "F", "name": "Full disk"})
    limit = db_path.stat().st_size + 64 * 1024
    result = subprocess.run([sys.executable, "-c", FILL, str(db_path), str(limit)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["saved"], "the limit was hit before any save: nothing was tested"
    assert "nothing was changed" in report["error"] and "\n" not in report["error"]
    integrity(db_path)
    with Store.open(db_path) as store:
        programme = store.programmes()[0].id
        assert [lesson.number for lesson in store.lessons(programme)] == report["saved"]
        creates = [row for row in store.history(programme, kind="lesson") if row.action == "create"]
        assert len(creates) == len(report["saved"])
    figure("file-size limit", f"{len(report['saved'])} saves, then refused whole: {report['error'][-60:]}")


# -- any document a user could import ------------------------------------------------------

_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-10, 10**12), st.floats(allow_nan=True),
    st.text(max_size=30), st.lists(st.text(max_size=5), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)
_FIELDS = ("code", "name", "title", "status", "number", "outcome", "date", "approved_by", "ref", "kind",
           "description", "likelihood", "impact", "owner", "review_on", "due_on", "person", "letter", "role", "horizon")


def _base_document() -> dict:
    return {
        "programme": {"code": "fuzz", "name": "Fuzz"},
        "people": [{"name": "Ann"}],
        "raci": [{"person": "Ann", "role": "Sponsor", "letter": "A"}],
        "outcomes": [{"number": 1, "title": "One", "status": "In progress"}],
        "deliverables": [{"outcome": 1, "title": "D", "status": "Not started"}],
        "risks": [{"ref": "R1", "description": "Risk", "likelihood": 2, "impact": 3}],
        "actions": [{"number": 1, "description": "Act"}],
        "lessons": [{"number": 1, "description": "Learn"}],
    }


@st.composite
def documents(draw):
    document = _base_document()
    for _ in range(draw(st.integers(1, 4))):
        section = draw(st.sampled_from(list(document)))
        target = document[section] if section == "programme" else draw(st.sampled_from(document[section]))
        target[draw(st.sampled_from(_FIELDS))] = draw(_VALUES)
    if draw(st.booleans()):
        section = draw(st.sampled_from([name for name in document if name != "programme"]))
        document[section] = draw(st.one_of(st.none(), st.text(max_size=3), st.integers()))
    return document


@pytest.fixture(scope="module")
def fuzz_store(tmp_path_factory):
    with Store.open(tmp_path_factory.mktemp("fuzz") / "fuzz.db") as store:
        yield store


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=documents())
def test_any_json_document_imports_whole_or_is_refused_with_a_message(fuzz_store, document, figure):
    path = fuzz_store.location.path
    before = snapshot(path)
    COUNTS["json"] = COUNTS.get("json", 0) + 1
    figure("JSON documents tried", f"{COUNTS['json']} (each imported whole or refused, database unchanged)")
    try:
        programme = load_programme(fuzz_store, json.loads(json.dumps(document)), replace=True)
    except StoreError as error:
        assert str(error).strip()
        assert snapshot(path) == before
        return
    assert fuzz_store.get("programme", programme) is not None


_CELLS = st.one_of(st.text(max_size=12), st.sampled_from(["1", "²", "①", "٣", "-1", "5", "31/02/2021", "2021-03-31",
                                                           "=1+1", "Not started", "Approved", ""]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["deliverables", "risks", "actions"]),
       header=st.lists(st.sampled_from(["title", "status", "date", "outcome", "approved_by", "ref", "description",
                                        "likelihood", "impact", "owner", "number", "kind", "due_on", "bogus"]),
                       min_size=1, max_size=5, unique=True),
       cells=st.lists(st.lists(_CELLS, min_size=0, max_size=6), min_size=0, max_size=4))
def test_any_csv_imports_whole_or_is_refused_with_a_message(fuzz_store, tmp_path_factory, section, header, cells,
                                                              figure):
    import csv
    import io

    path = fuzz_store.location.path
    programme = fuzz_store.programme_by_code("csv") or fuzz_store.get(
        "programme", fuzz_store.create("programme", None, {"code": "csv", "name": "CSV target"}))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(cells)
    target = tmp_path_factory.mktemp("csv") / f"{section}.csv"
    target.write_text(buffer.getvalue())
    before = snapshot(path)
    COUNTS["csv"] = COUNTS.get("csv", 0) + 1
    figure("CSV files tried", f"{COUNTS['csv']} (each imported whole or refused, database unchanged)")
    try:
        import_csv(fuzz_store, programme.id, target, section=section)
    except StoreError as error:
        assert str(error).strip()
        assert snapshot(path) == before
        return
