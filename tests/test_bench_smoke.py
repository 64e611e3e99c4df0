"""The benchmark runs end to end on the demo data: a table and a JSON file with every figure.

Timings are not judged here (``python -m bench.run`` does that); this only proves the
benchmark still works against the current app, quickly (repeat 1, demo size only).
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


def test_bench_runs_on_demo_and_reports_every_figure(tmp_path):
    SPECS = _specs()

    results = tmp_path / "results"
    done = subprocess.run(
        [sys.executable, "-m", "bench.run", "--sizes", "demo", "--repeat", "1",
         "--cache-dir", str(tmp_path / "cache"), "--results-dir", str(results)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    lines = done.stdout.splitlines()
    assert lines[0].split(" | ")[0].strip() == "figure"
    assert [cell.strip() for cell in lines[0].split("|")] == [
        "figure", "size", "median", "min–max", "target", "ratio to floor", "pass/fail"]
    for spec in SPECS.values():
        assert any(line.startswith(spec.label) for line in lines), f"no row for {spec.label!r}"

    files = list(results.glob("*.json"))
    assert len(files) == 1
    document = json.loads(files[0].read_text())
    rows = {(row["figure"], row["size"]): row for row in document["figures"]}
    for key in SPECS:
        size = "-" if key.startswith("floor.") else "demo"
        row = rows.get((key, size))
        assert row is not None, f"{key} missing from the JSON"
        assert row["error"] is None, f"{key}: {row['error']}"
        assert row["value"] is not None and row["n"] >= 1, key
        assert row["verdict"] in {"pass", "FAIL", "—"}, key
    assert document["table"] == "\n".join(lines[: len(document["table"].splitlines())])
