"""The benchmark runs end to end on the demo data: a table and a JSON file with every figure.

Timings are not judged here (``python -m bench.run`` does that); this only proves the
benchmark still works against the current app, quickly (repeat 1, demo size only), on
each backend: SQLite, and PostgreSQL on this session's server (skipped without one
locally, a failure with ``CI=true``, as every PostgreSQL test).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _specs():
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from bench.run import SPECS

    return SPECS


def test_bench_runs_on_demo_and_reports_every_figure(tmp_path, backend_name, request):
    SPECS = _specs()

    options = ["--backends", backend_name]
    if backend_name == "postgresql":
        request.getfixturevalue("pg_url")  # skips (or in CI fails) without a server
        options += ["--pg-url", request.getfixturevalue("pg_databases").url]
    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "demo", "--repeat", "1", *options,
         "--cache-dir", str(tmp_path / "cache"), "--results-dir", str(results)],
        cwd=REPO, capture_output=True, text=True, timeout=180,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    lines = done.stdout.splitlines()
    assert lines[0].split(" | ")[0].strip() == "figure"
    assert [cell.strip() for cell in lines[0].split("|")] == [
        "figure", "size", "backend", "median", "min–max", "target", "ratio to floor", "pass/fail"]
    measured = {key: spec for key, spec in SPECS.items() if key.startswith("floor.") or backend_name in spec.backends}
    for spec in measured.values():
        assert any(line.startswith(spec.label) for line in lines), f"no row for {spec.label!r}"

    files = list(results.glob("*.json"))
    assert len(files) == 1
    document = json.loads(files[0].read_text())
    assert document["backends"] == [backend_name]
    rows = {(row["figure"], row["size"], row["backend"]): row for row in document["figures"]}
    for key in measured:
        where = ("-", "-") if key.startswith("floor.") else ("demo", backend_name)
        row = rows.get((key, *where))
        assert row is not None, f"{key} missing from the JSON"
        assert row["error"] is None, f"{key}: {row['error']}"
        assert row["value"] is not None and row["n"] >= 1, key
        assert row["verdict"] in {"pass", "FAIL", "—"}, key
    assert not [row for row in document["figures"] if row["backend"] not in {"-", backend_name}]
    assert rows[("round_trips.first_frame", "demo", backend_name)]["value"] >= 1
    assert document["table"] == "\n".join(lines[: len(document["table"].splitlines())])
