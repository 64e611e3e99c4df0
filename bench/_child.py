"""The processes ``bench/run.py`` measures, run by path (``python bench/_child.py MODE ...``).

Modes:

``first-frame DB PANE FD``
    Start the dashboard exactly as ``assure --db DB`` does (through the CLI), but headless
    and with PANE shown first. When the first frame showing that pane's data reaches the
    (headless) terminal, write ``FIRST_FRAME <maxrss KiB> <round trips> <reader round trips>``
    to file descriptor FD (the round trips are the app's store's count of statements sent
    so far, a connection counting one, and those of the background readers' own
    connections); when the pane is complete (the Overview's findings, run in a thread,
    are shown; at once for other panes) write ``COMPLETE <maxrss KiB>`` and quit. The
    parent times from before it launched this process to reading each line.

``pilot DB WORD PASSES``
    In-process key-to-frame latency on the Deliverables pane (``App.run_test`` at 80x24):
    40 cursor-down keys, then WORD typed into the filter character by character, PASSES
    times. Prints JSON.

``findings DB COUNT``
    Every assurance rule over the programme last used, as the Overview's worker runs them
    (a reader connection), COUNT+1 times, each timed; the first is reported apart. Prints JSON.

``since-screen DB COUNT``
    The "Since last board" screen: time to its first frame and to the report shown, since
    the newest board and since a date before every change. Prints JSON.

``save DB COUNT SEED``
    (DB: a SQLite file or a PostgreSQL URL, as for the other modes.)
    COUNT+1 deliverable status edits through ``Store.update`` with ``expected=``, each
    timed; the first (which imports validation) is reported apart. Prints JSON.

Run by path, so nothing but the standard library and Assure is imported before the
clock's measurement of interest.
"""

from __future__ import annotations

import os
import sys
import time


def _data_shown(app, pane_id: str) -> bool:
    """True when the pane is in view and shows its records (not an empty or loading state)."""
    try:
        switcher = app.query_one("#panes")
        if getattr(switcher, "current", pane_id) != pane_id:
            return False
        pane = app.query_one(f"#{pane_id}")
        if pane_id == "overview":
            if hasattr(pane, "summary"):
                return pane.summary is not None
            return bool(str(app.query_one("#ov-outcomes").render()).strip())
        return pane.table.row_count > 0
    except Exception:
        return False


def _complete(app, pane_id: str) -> bool:
    """True when the pane has everything: the Overview its findings (run in a thread), a
    register every row (a large one shows its first page first and reads the rest in a thread)."""
    try:
        pane = app.query_one(f"#{pane_id}")
    except Exception:
        return True
    if pane_id == "overview":
        return getattr(pane, "findings_ready", True)
    return getattr(pane, "loading_total", None) is None


def _peak_rss_kib() -> int:
    """This process's peak resident memory, in KiB.

    Linux keeps ``ru_maxrss`` across ``execve``, so a child started by a large parent
    reports the parent's peak; ``VmHWM`` belongs to this program's own address space.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _css_paths(app_class):
    import inspect
    from pathlib import Path

    paths = app_class.CSS_PATH
    if paths is None:
        return None
    folder = Path(inspect.getfile(app_class)).parent
    if isinstance(paths, (str, Path)):
        return str(folder / paths)
    return [str(folder / path) for path in paths]


def first_frame(db: str, pane_id: str, fd: int) -> None:

    from assure.models.store import Store
    from assure.tui import app as app_module
    from assure.tui import cli

    base = app_module.AssureApp
    # The panes read in background threads through readers of their own (their own
    # connections): count those apart from the app's store.
    readers: list = []
    make_reader = Store.reader

    def counted_reader(self):
        reader = make_reader(self)
        readers.append(reader)
        return reader

    Store.reader = counted_reader

    class BenchApp(base):
        """The real app, headless, opening on a chosen pane, reporting its first frame with data."""

        # Textual reads a relative CSS_PATH beside the defining class's file: point at the app's.
        CSS_PATH = _css_paths(base)
        _bench_stage = 0  # 0: waiting for data, 1: for the findings (Overview), 2: done

        def __init__(self, *args, **kwargs) -> None:
            # The pane shown first, as if chosen at start: the Overview is never built or read.
            kwargs["pane"] = pane_id
            super().__init__(*args, **kwargs)

        def run(self, *args, **kwargs):
            kwargs["headless"] = True
            return super().run(*args, **kwargs)

        def _display(self, screen, renderable) -> None:
            super()._display(screen, renderable)
            if renderable is None or self._bench_stage == 2:
                return
            if self._bench_stage == 0 and not _data_shown(self, pane_id):
                return
            if self._bench_stage == 1 and not _complete(self, pane_id):
                return
            # Headless skips turning the frame into escape sequences: do it, so it is counted.
            render = getattr(renderable, "render_segments", None)
            if render is not None:
                render(self.console)
            rss = _peak_rss_kib()
            if self._bench_stage == 0:
                trips = self.store.round_trips
                reader_trips = sum(reader.round_trips for reader in readers)
                os.write(fd, f"FIRST_FRAME {rss} {trips} {reader_trips}\n".encode())
                self._bench_stage = 1
                # The Overview's findings and a large register's rows arrive later (from a
                # thread): time that too.
                if not _complete(self, pane_id):
                    return
            os.write(fd, f"COMPLETE {rss}\n".encode())
            os.close(fd)
            self._bench_stage = 2
            self.exit()

    app_module.AssureApp = BenchApp
    sys.argv = ["assure", "--db", db]
    cli.main()


async def _pilot(db: str, word: str, passes: int) -> dict:
    import asyncio

    from assure.models.store import Store
    from assure.tui.app import AssureApp

    store = Store.open(db)
    app = AssureApp(store, programme_id=store.last_programme_id())
    frames: list[tuple[float, str, object]] = []
    display = app._display

    def recording_display(screen, renderable) -> None:
        display(screen, renderable)
        if renderable is None:
            return
        render = getattr(renderable, "render_segments", None)
        if render is not None:
            render(app.console)
        try:
            table = app.query_one("#deliverables").table
            frames.append((time.perf_counter(), table.filter_text, table.cursor_key))
        except Exception:
            pass

    app._display = recording_display

    async def frame_after(start: float, check) -> float | None:
        """Seconds from start to the first frame after it whose state passes check."""
        deadline = time.perf_counter() + 10
        while True:
            for stamp, filter_text, cursor_key in frames:
                if stamp >= start and check(filter_text, cursor_key):
                    return stamp - start
            if time.perf_counter() > deadline:
                return None
            await asyncio.sleep(0.002)

    result: dict = {"cursor_ms": [], "cursor_idle_ms": [], "filter_ms": [], "filter_idle_ms": [], "filter_rows": []}
    async with app.run_test(size=(80, 24)) as pilot:
        from textual import events

        async def press(key: str, char: str | None) -> float:
            """Send one key as the terminal driver would; return the time it was sent."""
            start = time.perf_counter()
            driver = getattr(app, "_driver", None)
            if driver is None or not hasattr(driver, "send_message"):
                await pilot.press(key)  # slower to return, same latency recorded from frames
                return start
            event = events.Key(key, char)
            event.set_sender(app)
            driver.send_message(event)
            return start

        async def settle() -> None:
            """Wait until the screen has processed everything the key caused."""
            await pilot._wait_for_screen()
            await asyncio.sleep(0.02)
            await pilot._wait_for_screen()

        await pilot.press("4")
        await pilot.pause()
        pane = app.query_one("#deliverables")
        deadline = time.perf_counter() + 60
        while getattr(pane, "loading_total", None) and time.perf_counter() < deadline:
            await asyncio.sleep(0.02)  # measure keys on every row, not on the first page
        await pilot.pause()
        table = pane.table
        result["rows"] = table.total_count
        # Steady state: let the table finish preparing its filter in the background.
        warm = getattr(table, "_warm_task", None)
        deadline = time.perf_counter() + 30
        while warm is not None and not warm.done() and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
        await pilot.pause()

        for _ in range(40):
            before = table.cursor_key
            frames.clear()
            start = await press("down", None)
            latency = await frame_after(start, lambda _f, key: key is not None and key != before)
            await settle()
            if latency is not None:
                result["cursor_ms"].append(latency * 1000)
            result["cursor_idle_ms"].append((time.perf_counter() - start) * 1000)

        for _ in range(passes):
            await pilot.press("slash")
            await pilot.pause()
            for index in range(len(word)):
                typed = word[: index + 1]
                frames.clear()
                start = await press(word[index], word[index])
                latency = await frame_after(start, lambda text, _k: text == typed)
                await settle()
                if latency is not None:
                    result["filter_ms"].append(latency * 1000)
                result["filter_idle_ms"].append((time.perf_counter() - start) * 1000)
                result["filter_rows"].append(table.row_count)
            await pilot.press("escape")
            await pilot.pause()
    store.close()
    return result


def pilot(db: str, word: str, passes: int) -> None:
    import asyncio
    import json

    print(json.dumps(asyncio.run(_pilot(db, word, passes))))


def save(db: str, count: int, seed: int) -> None:
    import json
    import random

    from assure.models import vocab
    from assure.models.store import Store

    rng = random.Random(seed)
    store = Store.open(db)  # recorded as "bench" by the harness hook in PYTHONPATH
    programme_id = store.last_programme_id()
    backend = store.backend  # portable SQL (``?``), the same on SQLite and PostgreSQL
    ids = [row[0] for row in backend.execute(
        "SELECT id FROM deliverable WHERE programme_id = ? ORDER BY id", (programme_id,)
    )]
    history_before = backend.execute("SELECT count(*) FROM history").fetchone()[0]
    times = []
    for _ in range(count + 1):
        record_id = rng.choice(ids)
        current = store.get("deliverable", record_id).status
        new = rng.choice([status for status in vocab.DELIVERABLE_STATUSES if status != current])
        start = time.perf_counter()
        store.update("deliverable", record_id, {"status": new}, expected={"status": current})
        times.append((time.perf_counter() - start) * 1000)
    history_rows = backend.execute("SELECT count(*) FROM history").fetchone()[0] - history_before
    if store.location.is_sqlite:
        durability = {"journal_mode": backend.execute("PRAGMA journal_mode").fetchone()[0],
                      "synchronous": backend.execute("PRAGMA synchronous").fetchone()[0]}
    else:
        durability = {setting: backend.execute(f"SHOW {setting}").fetchone()[0]
                      for setting in ("fsync", "synchronous_commit")}
    round_trips = store.round_trips
    store.close()
    print(json.dumps({"first_ms": times[0], "save_ms": times[1:], "history_rows": history_rows,
                      "round_trips": round_trips, **durability}))


def findings(db: str, count: int) -> None:
    """The Overview's findings: every rule over the programme, as its worker runs them, on
    a reader connection of its own; COUNT+1 runs, the first (imports, caches) apart. Then
    the whole judgement (rules and verdicts) worked out COUNT times, and read back COUNT times."""
    import json

    from assure.models.rules import run_rules
    from assure.models.store import Store

    from assure.models import kept
    from assure.models.dates import today

    store = Store.open(db, read_only=True)
    programme_id = store.last_programme_id()
    times, found = [], 0
    for _ in range(count + 1):
        start = time.perf_counter()
        with store.reader() as reader:
            found = len(run_rules(reader, programme_id))
        times.append(time.perf_counter() - start)
    # As the worker works them out after a change: the rules and the verdicts, through
    # the reads they share (models/kept.py), every one kept.
    judged = []
    for _ in range(count):
        start = time.perf_counter()
        with store.reader() as reader:
            kept.judge(reader, programme_id, today(), fresh=True)
        judged.append(time.perf_counter() - start)
    # As the worker finds them when the same data was judged before.
    back = []
    for _ in range(count):
        start = time.perf_counter()
        with store.reader() as reader:
            judgement = kept.judge(reader, programme_id, today())
        back.append(time.perf_counter() - start)
        assert len(judgement.findings) == found
    store.close()
    print(json.dumps({"first_s": times[0], "run_s": times[1:], "judged_s": judged, "kept_s": back, "findings": found}))


def since(db: str, count: int) -> None:
    """"Since the last board" as the view opens it: ``since_report`` against the newest board
    snapshot (every rule run, the history after it read and folded); COUNT+1 runs, the
    first (imports, caches) apart."""
    import json

    from assure.models.dates import today
    from assure.models.since import since_report
    from assure.models.store import Store

    store = Store.open(db, read_only=True)
    programme_id = store.last_programme_id()
    snapshot = store.board_snapshots(programme_id)[-1]
    rows = store.history_count(programme_id)
    after = len(store.history_after(programme_id, snapshot.last_history_id))
    times, items = [], 0
    for _ in range(count + 1):
        start = time.perf_counter()
        report = since_report(store, programme_id, today=today())
        times.append(time.perf_counter() - start)
        items = len(report.items)
    # As the dashboard can open it: with the findings and verdicts its Overview already has.
    from assure.models.rules import run_rules
    from assure.models.verdict import assess

    found = run_rules(store, programme_id, today=today())
    verdicts = assess(store, programme_id, today=today(), findings=found)
    given = []
    for _ in range(count):
        start = time.perf_counter()
        since_report(store, programme_id, today=today(), findings=found, assessment=verdicts)
        given.append(time.perf_counter() - start)
    store.close()
    print(json.dumps({"first_s": times[0], "run_s": times[1:], "given_s": given, "items": items,
                      "history_rows": rows, "history_after_board": after}))


async def _since_screen(db: str, count: int) -> dict:
    import asyncio
    from datetime import date

    from assure.models.since import record_board
    from assure.models.store import Store
    from assure.tui.app import AssureApp
    from assure.tui.since_screen import SinceScreen

    store = Store.open(db)
    programme_id = store.last_programme_id()
    if not store.board_snapshots(programme_id):
        record_board(store, programme_id, "Bench board", today=date.today(), source="mark")
    result: dict = {"history_rows": store.history_count(programme_id)}
    app = AssureApp(store, programme_id=programme_id, poll_seconds=3600)
    async with app.run_test(size=(80, 24)) as pilot:
        # The Overview's findings (its worker starts after the first frame): not this figure's,
        # and the screen uses them, as it does when the user opens it from the dashboard.
        overview = app.query_one("#overview")
        deadline = time.perf_counter() + 300
        while not getattr(overview, "findings_ready", True) and time.perf_counter() < deadline:
            await asyncio.sleep(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        from assure.tui import since_screen as since_module

        # Since the newest board as b opens it once the Overview's judgement has had it worked
        # out ahead ("board"); the same with nothing worked out ahead ("board_open"); and since
        # a date before every change (the whole history folded, as after a long gap between
        # boards), which is never worked out ahead ("all"). Nothing is kept between samples.
        for name, since, ahead in (("board", None, True), ("board_open", None, False), ("all", "2000-01-01", False)):
            up, shown, prepared = [], [], []
            for _ in range(count + 1):
                since_module._PREPARED.pop(app, None)
                if ahead:
                    start = time.perf_counter()
                    app.prepare_since(programme_id, app.overview_judgement(), overview.judged_revision)
                    await app.workers.wait_for_complete()
                    prepared.append(time.perf_counter() - start)
                    await pilot.pause()
                drawn: list[float] = []
                screen = SinceScreen(store, programme_id, since=since)
                start = time.perf_counter()
                await app.push_screen(screen)
                screen.call_after_refresh(lambda: drawn.append(time.perf_counter()))
                deadline = start + 120
                while (screen.working or not drawn) and time.perf_counter() < deadline:
                    await asyncio.sleep(0.005)
                shown.append(time.perf_counter() - start)
                up.append(((drawn[0] if drawn else time.perf_counter()) - start) * 1000)
                result[f"{name}_rows"] = sum(1 for entry in screen.entries if entry is not None)
                screen.dismiss(None)
                await pilot.pause()
            result[f"{name}_first_s"], result[f"{name}_up_ms"], result[f"{name}_s"] = shown[0], up[1:], shown[1:]
            if prepared:
                result[f"{name}_ahead_s"] = prepared[1:]
    # With the reports kept (two at most): the dashboard's peak with the Since view used.
    result["peak_mib"] = round(_peak_rss_kib() / 1024, 1)
    store.close()
    return result


def since_screen(db: str, count: int) -> None:
    """The "Since last board" screen at 80x24 (``App.run_test``): from ``push_screen`` to
    its first frame, and to the report shown, COUNT+1 times each: since the newest board
    (one is marked first if there is none) worked out ahead (as the Overview's judgement
    starts it) and worked out on open (in a thread), and since a date before every change.
    Prints JSON."""
    import asyncio
    import json

    print(json.dumps(asyncio.run(_since_screen(db, count))))


def main() -> None:
    mode, *args = sys.argv[1:]
    if mode == "first-frame":
        first_frame(args[0], args[1], int(args[2]))
    elif mode == "pilot":
        pilot(args[0], args[1], int(args[2]))
    elif mode == "save":
        save(args[0], int(args[1]), int(args[2]))
    elif mode == "findings":
        findings(args[0], int(args[1]))
    elif mode == "since":
        since(args[0], int(args[1]))
    elif mode == "since-screen":
        since_screen(args[0], int(args[1]))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main()
