"""Writer fairness: how long the slowest save waits when several processes save at once.

    .venv/bin/python -m bench.writers --writers 8 --saves 200

Each writer process updates its own lesson (no conflicts) as fast as it can; every save is
timed from the call to its return. Prints the median, 99th percentile and worst wait and
how many saves waited over a second or gave up as busy. Wall times: measure on a quiet machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

WORKER = textwrap.dedent("""
    import json, sys, time
    from assure.models.store import Store, StoreBusy

    path, record_id, saves = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = Store.open(path)
    print("ready", flush=True)
    sys.stdin.readline()
    waits, busy = [], 0
    for n in range(saves):
        start = time.perf_counter()
        try:
            store.update("lesson", record_id, {"number": n + 1})
        except StoreBusy:
            busy += 1
        waits.append(time.perf_counter() - start)
    print(json.dumps({"waits": waits, "busy": busy}), flush=True)
""")


def run(writers: int, saves: int, folder: Path) -> dict:
    """Start ``writers`` processes of ``saves`` saves each on one new database; return the figures."""
    from assure.models.store import Store

    path = folder / "writers.db"
    with Store.open(path) as store:
        pid = store.create("programme", None, {"code": "W", "name": "Writers"})
        ids = [store.create("lesson", pid, {"number": 0, "description": f"writer {n}"}) for n in range(writers)]
    processes = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(path), str(record_id), str(saves)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for record_id in ids
    ]
    for process in processes:
        assert process.stdout.readline().strip() == "ready"
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    waits, busy = [], 0
    for process in processes:
        out, _ = process.communicate(timeout=600)
        result = json.loads(out.strip().splitlines()[-1])
        waits.extend(result["waits"])
        busy += result["busy"]
    waits.sort()
    return {
        "writers": writers, "saves": len(waits), "busy": busy,
        "median_ms": round(statistics.median(waits) * 1000, 1),
        "p99_ms": round(waits[int(len(waits) * 0.99) - 1] * 1000, 1),
        "max_ms": round(waits[-1] * 1000, 1),
        "over_1s": sum(wait > 1 for wait in waits),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            print(json.dumps(run(args.writers, args.saves, Path(folder))), flush=True)


if __name__ == "__main__":
    main()
