"""Eight writers saving at once on one file: every save gets the lock within the deadline.

SQLite's own busy handler sleeps ever longer between tries, so a save that has waited a
while loses to newcomers and can starve for the whole timeout. The store retries with
short random sleeps instead. Nothing here asserts how long a save took: only that none
gave up as busy.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from assure.models.store import Store

WRITERS, SAVES = 8, 80

WORKER = textwrap.dedent("""
    import json, sys
    from assure.models.store import Store, StoreBusy

    path, record_id, saves = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    store = Store.open(path)
    print("ready", flush=True)
    sys.stdin.readline()
    done = busy = 0
    for n in range(saves):
        try:
            store.update("lesson", record_id, {"number": n + 1})
            done += 1
        except StoreBusy:
            busy += 1
    print(json.dumps({"done": done, "busy": busy}), flush=True)
""")


def test_eight_writers_all_save_within_the_deadline(db_path, monkeypatch):
    monkeypatch.delenv("ASSURE_BUSY_TIMEOUT_MS", raising=False)  # the product's deadline (5 s)
    with Store.open(db_path) as store:
        pid = store.create("programme", None, {"code": "W", "name": "Writers"})
        ids = [store.create("lesson", pid, {"number": 0, "description": f"writer {n}"}) for n in range(WRITERS)]
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, str(db_path), str(i), str(SAVES)],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for i in ids]
    for process in processes:
        assert process.stdout.readline().strip() == "ready", process.stderr.read()
    for process in processes:
        process.stdin.write("go\n")
        process.stdin.flush()
    results = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sum(r["busy"] for r in results) == 0, results
    assert sum(r["done"] for r in results) == WRITERS * SAVES
    with Store.open(db_path) as store:
        assert {lesson.number for lesson in store.lessons(pid)} == {SAVES}
