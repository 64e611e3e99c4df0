"""Run the benchmark: ``.venv/bin/python -m bench.run [--sizes demo,1k,10k,100k] [--repeat N]``.

For each size it measures, on a copy of the cached database (see :mod:`bench.generate`):

- ``assure status`` wall time (a subprocess, median of N);
- the Overview's findings: every rule over the programme, in-process on a reader
  connection as the Overview's worker runs them (median of N, after one warm-up run);
- the dashboard's first frame showing data, from before the ``python`` process is
  launched to the frame (headless), opening on the Overview and on the Deliverables pane,
  median of N each, and the process's peak memory (maxrss) at that frame;
- key-to-frame latency in the Deliverables pane (in-process, ``run_test`` at 80x24): each
  character of a word typed into the filter, and 40 cursor-down keys;
- the "Since last board" screen (in-process, ``run_test`` at 80x24): push to first frame,
  and to the report shown, since the newest board (worked out ahead, as the Overview's
  judgement starts it, and worked out on open) and since a date before every change;
- one inline edit saved with its history row (``Store.update`` with ``expected=``), 200
  times on a real file;
- bytes written to a real terminal (a pty, ``TERM=xterm-256color``, 80x24) per cursor key,
  mean over 40 keys;

and, once per run, three floors (``python -c "import sqlite3"``, ``python -c "import
psycopg"`` and ``python -c "import textual.app"``) so results compare across machines as
ratios. It prints a table and writes JSON to ``bench/results/``. See ``bench/README.md``.

With ``--backends sqlite,postgresql`` (the default when a throwaway server can be started)
each size is measured on SQLite and again on PostgreSQL: a local server started the way
the tests start theirs (``tests/pg_server.py``), each portfolio loaded into a database of
its own through the store. On PostgreSQL the figures that depend on the database are
taken (status, first frames and completion, memory, save, round trips before the first
frame); the key and terminal figures, which do not touch the database, are SQLite only.
"""

from __future__ import annotations

import argparse
import errno
import importlib.util
import json
import os
import platform
import select
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from bench import generate

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
CHILD = BENCH_DIR / "_child.py"

#: How long the repeated subprocess figures may take in total before fewer samples are taken.
BUDGET_SECONDS = 90.0
#: Give up on a child that has not shown its first frame after this long.
FIRST_FRAME_TIMEOUT = 180.0
CURSOR_KEYS = 40
SAVES = 200
BACKENDS = ("sqlite", "postgresql")
#: The children's cache folder for this run (see :func:`_env`).
CHILD_CACHE: list[Path] = []


@dataclass(frozen=True)
class Target:
    """A bound a figure must stay under, and the sizes it applies to."""

    limit: float
    sizes: tuple[str, ...]
    p95: float | None = None  # a second bound on the 95th percentile


@dataclass(frozen=True)
class Spec:
    """One figure of the table."""

    key: str
    label: str
    unit: str  # "s", "ms", "MiB", "B" or "n" (a count)
    target: dict[str, float] | Target | None = None  # per-size limits, or one limit for some sizes
    floor: str | None = None  # the floor figure this is divided by
    backends: tuple[str, ...] = BACKENDS  # where it is measured (the key figures never touch the database)
    judged_on: tuple[str, ...] = BACKENDS  # where the target applies


ALL_SIZES = tuple(generate.SIZES)

SPECS: dict[str, Spec] = {spec.key: spec for spec in (
    Spec("floor.sqlite3", 'floor: python -c "import sqlite3"', "s"),
    Spec("floor.psycopg", 'floor: python -c "import psycopg"', "s"),
    Spec("floor.textual", 'floor: python -c "import textual.app"', "s"),
    # The data unchanged since a run judged it (status or the dashboard): read back (models/kept.py).
    Spec("status", "assure status (same data printed before: read back)", "s", {"demo": 0.2, "100k": 0.3},
         floor="floor.sqlite3"),
    Spec("status.fresh", "assure status --fresh (rules and verdict worked out again)", "s", floor="floor.sqlite3"),
    Spec("findings.overview", "Overview's findings (every rule, in-process)", "s", {"demo": 0.1, "100k": 0.5}),
    Spec("findings.judged", "Overview's judgement worked out (every rule and the verdicts)", "s"),
    Spec("findings.kept", "Overview's findings read back (same data judged before)", "s"),
    # What `assure diff` costs right after a change (nothing kept): the judgement, then the
    # history. The view's own rows below carry issue 11's half a second.
    Spec("since.report", "since the last board worked out afresh (since_report judging for itself)", "s"),
    Spec("since.given", "since the last board, given the Overview's findings and verdicts", "s",
         {"demo": 0.5, "100k": 0.5}),
    Spec("first_frame.overview", "TUI first frame with data: Overview", "s",
         {"demo": 0.7, "1k": 1.2, "10k": 1.2, "100k": 1.2}, floor="floor.textual"),
    Spec("first_frame.deliverables", "TUI first frame with data: Deliverables", "s",
         {"demo": 0.7, "1k": 1.2, "10k": 1.2, "100k": 1.2}, floor="floor.textual"),
    Spec("complete.overview", "TUI Overview complete (findings shown)", "s", floor="floor.textual"),
    Spec("complete.deliverables", "TUI Deliverables complete (every row)", "s", floor="floor.textual"),
    # A dozen: a server 20 ms away adds at most a quarter of a second. SQLite's are calls in
    # this process, not trips over a network: reported, not judged.
    Spec("round_trips.first_frame", "round trips before the first frame (Overview)", "n", Target(12, ALL_SIZES),
         judged_on=("postgresql",)),
    Spec("filter.key_to_frame", "filter key -> frame (Deliverables)", "ms", Target(50, ALL_SIZES),
         backends=("sqlite",)),
    Spec("cursor.key_to_frame", "cursor key -> frame (Deliverables)", "ms", Target(16, ALL_SIZES),
         backends=("sqlite",)),
    Spec("save.edit", "save one edit incl. history", "ms", Target(5, ALL_SIZES, p95=10)),
    # Issue 11: the view opens in under half a second at 100k with 23,000 history rows.
    Spec("since.screen_up", "Since last board: screen drawn (80x24)", "ms", Target(500, ALL_SIZES)),
    Spec("since.board", "Since last board: report shown, since the board (worked out ahead)", "s",
         Target(0.5, ALL_SIZES)),
    Spec("since.board_open", "Since last board: report shown, since the board (worked out on open)", "s",
         Target(0.5, ALL_SIZES)),
    Spec("since.all", "Since last board: report shown, whole history", "s", Target(0.5, ALL_SIZES)),
    Spec("memory.peak", "peak memory, pane complete (TUI)", "MiB", Target(150, ALL_SIZES)),
    Spec("bytes.per_cursor_key", "bytes to terminal per cursor key, 80x24", "B", Target(3000, ALL_SIZES),
         backends=("sqlite",)),
)}


@dataclass
class Figure:
    """One measured figure at one size."""

    key: str
    size: str
    unit: str
    backend: str = "-"  # "sqlite" or "postgresql"; "-" for a floor
    samples: list[float] = field(default_factory=list)
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def median(self) -> float | None:
        return statistics.median(self.samples) if self.samples else None

    @property
    def p95(self) -> float | None:
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def _env(**extra: str) -> dict[str, str]:
    """The children's environment: a fixed user and day, no default database, no colour override."""
    env = {key: value for key, value in os.environ.items()
           if key not in {"ASSURE_DB", "NO_COLOR", "TEXTUAL", "TEXTUAL_FPS", "COLORTERM"}}
    env.update(ASSURE_USER="bench", ASSURE_TODAY=generate.BENCH_TODAY)
    if CHILD_CACHE:  # kept judgements in the run's own folder, never the user's cache
        env["XDG_CACHE_HOME"] = str(CHILD_CACHE[0])
    # The app ignores those two; the test harness's hook on the path applies them.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(generate.HARNESS), env.get("PYTHONPATH"))))
    env.update(extra)
    return env


def _assure_command() -> list[str]:
    script = Path(sys.executable).parent / "assure"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from assure.tui.cli import main; main()"]


#: Assure's packages, byte-compiled before measuring (see :func:`compile_bytecode`).
PACKAGES = ("assure", "assure.models", "assure.models.migrations", "assure.seed", "assure.tui", "assure.tui.panes",
            "assure.tui.widgets")


def compile_bytecode() -> None:
    """Write Assure's bytecode caches, as installing a package does.

    The floors import libraries whose caches the installer wrote; an editable checkout run
    with ``PYTHONDONTWRITEBYTECODE`` (or never run since a change) would otherwise compile
    every module from source in every child, a cost no installed copy pays.
    """
    import compileall
    import importlib.util

    for name in PACKAGES:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            compileall.compile_dir(folder, maxlevels=0, quiet=1)


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the measurements -----------------------------------------------------------------------


def wall_time(command: list[str], *, cwd: Path, timeout: float = 300, ok: tuple[int, ...] = (0,)) -> float:
    """Seconds from launching a command to its exit.

    Args:
        ok: exit statuses that mean success.

    Raises:
        RuntimeError: it failed (with the last line of its error output).
    """
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          timeout=timeout)
    elapsed = time.perf_counter() - start
    if done.returncode not in ok:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or [f"exit status {done.returncode}"]
        raise RuntimeError(f"{command[-1]}: {lines[-1][:200]}")
    return elapsed


def repeat(figure: Figure, times: int, measure: Callable[[], float], *, budget: float = BUDGET_SECONDS) -> Figure:
    """Take up to ``times`` samples, fewer when the budget is spent (at least one)."""
    started = time.perf_counter()
    for _ in range(times):
        try:
            figure.samples.append(measure())
        except Exception as error:  # a figure that cannot be measured is reported, not fatal
            figure.error = str(error) or type(error).__name__
            break
        if time.perf_counter() - started > budget:
            break
    if len(figure.samples) < times and figure.error is None:
        figure.extra["note"] = f"{len(figure.samples)} of {times} samples (time budget {budget:.0f}s)"
    return figure


def first_frame(db: Path | str, pane: str, *, cwd: Path) -> dict[str, float]:
    """Launch the dashboard headless on a pane; time its first frame with data and its completion.

    Args:
        db: a SQLite file or a PostgreSQL URL.

    Returns:
        first_s, first_mib: seconds to the first frame with data, maxrss then;
        round_trips, reader_round_trips: statements the app's store (and, apart, the panes'
        background readers) had sent by then, a connection counting one;
        complete_s, complete_mib: the same when the pane is complete (Overview: findings shown).
    """
    read_end, write_end = os.pipe()
    marks: dict[str, float] = {}
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, str(CHILD), "first-frame", str(db), pane, str(write_end)],
            cwd=cwd, env=_env(), pass_fds=(write_end,), stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=errors,
        )
        os.close(write_end)
        buffer = b""
        try:
            deadline = start + FIRST_FRAME_TIMEOUT
            while "complete_s" not in marks:
                ready, _, _ = select.select([read_end], [], [], max(0.0, deadline - time.perf_counter()))
                if not ready:
                    raise RuntimeError(f"no {'first frame' if not marks else 'complete pane'} after {FIRST_FRAME_TIMEOUT:.0f}s")
                chunk = os.read(read_end, 256)
                now = time.perf_counter()
                if not chunk:
                    break
                buffer += chunk
                while b"\n" in buffer:
                    line, buffer = buffer.split(b"\n", 1)
                    name, rss_kib, *trips = line.decode().split()
                    stage = {"FIRST_FRAME": "first", "COMPLETE": "complete"}[name]
                    marks[f"{stage}_s"] = now - start
                    marks[f"{stage}_mib"] = int(rss_kib) / 1024
                    if trips:
                        marks["round_trips"], marks["reader_round_trips"] = (int(value) for value in trips)
        finally:
            os.close(read_end)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if "first_s" not in marks or "complete_s" not in marks:
            errors.seek(0)
            text = errors.read().decode(errors="replace").strip().splitlines()
            raise RuntimeError(f"the dashboard exited before its first frame: {(text or ['no output'])[-1][:200]}")
    return marks


def run_child_json(args: list[str], *, cwd: Path, timeout: float = 600) -> dict:
    done = subprocess.run([sys.executable, str(CHILD), *args], cwd=cwd, env=_env(), stdin=subprocess.DEVNULL,
                          capture_output=True, timeout=timeout)
    if done.returncode != 0:
        lines = done.stderr.decode(errors="replace").strip().splitlines() or [f"exit status {done.returncode}"]
        raise RuntimeError(lines[-1][:300])
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


def _drain(fd: int, *, quiet: float, limit: float, until: bytes | None = None) -> int:
    """Read from the pty until nothing came for ``quiet`` seconds, or ``limit`` passed; return bytes read.

    With ``until``, quiet periods do not count before that text has been seen (a large
    database can keep the app silent for seconds before its first frame).
    """
    total = 0
    seen = until is None
    tail = b""
    deadline = time.perf_counter() + limit
    while True:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return total
        ready, _, _ = select.select([fd], [], [], min(quiet, remaining))
        if not ready:
            if seen:
                return total
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError as error:  # EIO: the child closed the terminal
            if error.errno == errno.EIO:
                return total
            raise
        if not chunk:
            return total
        total += len(chunk)
        if not seen:
            tail = (tail + chunk)[-(len(until) + 65536):]
            seen = until in tail


def terminal_bytes(db: Path, *, cwd: Path, keys: int = CURSOR_KEYS, columns: int = 80, rows: int = 24) -> dict:
    """Run ``assure --db DB`` in a real pty; count the bytes it writes per cursor-down key on Deliverables."""
    import fcntl
    import pty
    import struct
    import termios

    command = _assure_command() + ["--db", str(db)]
    env = _env(TERM="xterm-256color", COLUMNS=str(columns), LINES=str(rows))
    pid, fd = pty.fork()
    if pid == 0:  # the child: size the terminal, become the dashboard
        try:
            fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
            os.chdir(cwd)
            os.execve(command[0], command, env)
        finally:
            os._exit(127)
    try:
        fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        started = time.perf_counter()
        # The tab bar is drawn with the first full frame; then wait for a second of quiet.
        startup = _drain(fd, quiet=1.0, limit=FIRST_FRAME_TIMEOUT, until=b"Sign-offs")
        settled = time.perf_counter() - started - 1.0
        os.write(fd, b"4")
        pane = _drain(fd, quiet=0.5, limit=60, until=b"sign-off register")
        per_key = []
        for _ in range(keys):
            os.write(fd, b"\x1b[B")
            per_key.append(_drain(fd, quiet=0.05, limit=2))
        tail = _drain(fd, quiet=0.3, limit=5)
        total = sum(per_key) + tail
        if startup == 0 or total == 0:
            raise RuntimeError("the dashboard wrote nothing to the terminal")
        return {"per_key_mean": total / keys, "per_key": per_key, "tail": tail, "startup_bytes": startup,
                "startup_settled_s": round(settled, 3), "pane_switch_bytes": pane}
    finally:
        try:
            os.write(fd, b"q")
            _drain(fd, quiet=0.5, limit=5)
        except OSError:
            pass
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.perf_counter() + 3
            while time.perf_counter() < deadline:
                try:
                    finished, _ = os.waitpid(pid, os.WNOHANG)
                except ChildProcessError:
                    finished = pid
                if finished:
                    break
                time.sleep(0.05)
            else:
                continue
            break
        os.close(fd)


# -- a PostgreSQL server ----------------------------------------------------------------------


def _pg_server_module():
    """``tests/pg_server.py`` (the tests' throwaway server), imported by path."""
    spec = importlib.util.spec_from_file_location("_bench_pg_server", REPO_DIR / "tests" / "pg_server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class PostgresServer:
    """A PostgreSQL server for one run: the one named (``--pg-url`` or ``ASSURE_TEST_PG``), or a
    throwaway one started on loopback as the tests start theirs, stopped at the end.

    Each portfolio gets a database of its own (:meth:`create`); they are dropped on exit.
    """

    def __init__(self, url: str | None = None):
        self._pg = _pg_server_module()
        self.url = url or os.environ.get("ASSURE_TEST_PG") or None
        self.folder: str | None = None
        self.databases = None
        self.names: list[str] = []

    def unavailable(self) -> str | None:
        """Why no server can be had, or None."""
        return None if self.url else self._pg.unavailable()

    def __enter__(self) -> "PostgresServer":
        if not self.url:
            started = time.perf_counter()
            self.folder, self.url = self._pg.start()
            _log(f"started a throwaway PostgreSQL server in {time.perf_counter() - started:.1f}s")
        try:
            self.databases = self._pg.Databases(self.url)
        except BaseException:
            self.__exit__()
            raise
        return self

    def create(self) -> str:
        """A new, empty database; its URL."""
        name, url = self.databases.create()
        self.names.append(name)
        return url

    def version(self) -> str:
        return self.databases.admin.execute("SHOW server_version").fetchone()[0]

    def __exit__(self, *_exc) -> None:
        if self.databases is not None:
            for name in self.names:
                try:
                    self.databases.drop(name)
                except Exception:
                    pass
            self.databases.close()
            self.databases = None
        if self.folder:
            self._pg.stop(self.folder)
            self.folder = None


# -- running a size -------------------------------------------------------------------------


def _remember_programme(db: Path | str) -> None:
    """Open the database once, as its user has before: the programme the dashboard opens on is
    remembered, so no launch measured pays that one-time write (both backends start alike)."""
    from assure.models.store import Store

    with Store.open(db) as store:
        store.remember_programme(store.last_programme_id())


def measure_size(size: str, *, repeats: int, seed: int, cache_dir: Path, work: Path, backend: str = "sqlite",
                 server: PostgresServer | None = None, built: dict[str, str] | None = None) -> list[Figure]:
    """Every figure for one size on one backend.

    SQLite: on a private copy of the size's cached file. PostgreSQL: on a database of its
    own on ``server``, filled through the store (how long that took goes into ``built``).
    """
    if backend == "sqlite":
        cached = generate.build(size, seed, cache_dir=cache_dir)
        db: Path | str = work / f"{size}.db"
        shutil.copyfile(cached, db)
        _remember_programme(db)
    else:
        assert server is not None
        _log(f"[{size} {backend}] loading the portfolio through the store")
        db = server.create()
        detail = generate.build_postgres(size, db, seed, quiet=True)
        _remember_programme(db)
        _log(f"[{size} {backend}] built in {detail}")
        if built is not None:
            built[size] = detail
    figures: dict[str, Figure] = {key: Figure(key, size, spec.unit, backend) for key, spec in SPECS.items()
                                  if not key.startswith("floor.") and backend in spec.backends}
    size = f"{size} {backend}"  # in the log lines below

    status = _assure_command() + ["--db", str(db), "status"]
    _log(f"[{size}] assure status --fresh x{repeats}")
    # Exit status 2 means "a high finding exists" (the default --fail-on), not an error.
    repeat(figures["status.fresh"], repeats, lambda: wall_time(status + ["--fresh"], cwd=work, ok=(0, 2)))
    _log(f"[{size}] assure status x{repeats}")
    # --fresh kept what it worked out: these runs read it back, as after any earlier run.
    repeat(figures["status"], repeats, lambda: wall_time(status, cwd=work, ok=(0, 2)))

    rss: dict[str, list[float]] = {}
    complete: dict[str, list[tuple[float, float]]] = {}
    trips: dict[str, list[tuple[int, int]]] = {}
    for pane in ("overview", "deliverables"):
        _log(f"[{size}] first frame on {pane} x{repeats}")
        rss[pane], complete[pane], trips[pane] = [], [], []

        def launch(pane: str = pane) -> float:
            marks = first_frame(db, pane, cwd=work)
            rss[pane].append(marks["complete_mib"])  # every row read, findings in: the true peak
            complete[pane].append((marks["complete_s"], marks["complete_mib"]))
            if "round_trips" in marks:
                trips[pane].append((marks["round_trips"], marks["reader_round_trips"]))
            return marks["first_s"]

        repeat(figures[f"first_frame.{pane}"], repeats, launch)
    overview = figures["complete.overview"]
    overview.samples = [seconds for seconds, _ in complete["overview"]]
    if complete["overview"]:
        overview.extra["peak_mib"] = round(max(mib for _, mib in complete["overview"]), 1)
    else:
        overview.error = figures["first_frame.overview"].error or "no first frame"
    registers = figures["complete.deliverables"]
    registers.samples = [seconds for seconds, _ in complete["deliverables"]]
    if not complete["deliverables"]:
        registers.error = figures["first_frame.deliverables"].error or "no first frame"
    memory = figures["memory.peak"]
    by_pane = {pane: max(values) for pane, values in rss.items() if values}
    if by_pane:
        worst = max(by_pane, key=by_pane.get)
        memory.samples = rss[worst]
        memory.extra.update(pane=worst, by_pane={pane: round(value, 1) for pane, value in by_pane.items()},
                            overview_complete_mib=overview.extra.get("peak_mib"))
    else:
        memory.error = figures["first_frame.deliverables"].error or "no first frame"
    round_trips = figures["round_trips.first_frame"]
    round_trips.samples = [float(app) for app, _ in trips["overview"]]
    if trips["overview"]:
        round_trips.extra.update(
            counted="statements the app's store sent before the Overview's first frame with data (a connection counts one)",
            background_readers=[reader for _, reader in trips["overview"]],
            deliverables_first=[app for app, _ in trips["deliverables"]],
            deliverables_background_readers=[reader for _, reader in trips["deliverables"]],
        )
    else:
        round_trips.error = figures["first_frame.overview"].error or "no first frame"

    _findings(figures, db, repeats=repeats, work=work, size=size)
    _since(figures, db, repeats=repeats, work=work, size=size)
    _since_screen(figures, db, repeats=repeats, work=work, size=size)
    if backend != "sqlite":
        _save(figures, db, seed=seed, work=work, size=size)
        return list(figures.values())

    _log(f"[{size}] filter and cursor keys (in-process)")
    passes = max(1, min(repeats, 3))
    try:
        keys = run_child_json(["pilot", str(db), generate.FILTER_WORD, str(passes)], cwd=work)
        figures["cursor.key_to_frame"].samples = keys["cursor_ms"]
        figures["cursor.key_to_frame"].extra.update(keys=CURSOR_KEYS, idle_ms_median=_median(keys["cursor_idle_ms"]))
        figures["filter.key_to_frame"].samples = keys["filter_ms"]
        figures["filter.key_to_frame"].extra.update(
            word=generate.FILTER_WORD, passes=passes, rows=keys["rows"], rows_shown=keys["filter_rows"],
            idle_ms_median=_median(keys["filter_idle_ms"]),
        )
        for key, expected in (("cursor.key_to_frame", CURSOR_KEYS), ("filter.key_to_frame", passes * len(generate.FILTER_WORD))):
            if len(figures[key].samples) < expected:
                figures[key].extra["note"] = f"{expected - len(figures[key].samples)} keys showed no frame within 10s"
    except Exception as error:
        figures["cursor.key_to_frame"].error = figures["filter.key_to_frame"].error = str(error)

    _log(f"[{size}] bytes per cursor key in a pty")
    try:
        result = terminal_bytes(db, cwd=work)
        figures["bytes.per_cursor_key"].samples = result.pop("per_key")
        figures["bytes.per_cursor_key"].extra.update(result)
    except Exception as error:
        figures["bytes.per_cursor_key"].error = str(error)

    _save(figures, db, seed=seed, work=work, size=size)
    return list(figures.values())


def _findings(figures: dict[str, Figure], db: Path | str, *, repeats: int, work: Path, size: str) -> None:
    _log(f"[{size}] the Overview's findings x{repeats}")
    try:
        found = run_child_json(["findings", str(db), str(repeats)], cwd=work)
        figures["findings.overview"].samples = found.pop("run_s")
        figures["findings.kept"].samples = found.pop("kept_s")
        figures["findings.judged"].samples = found.pop("judged_s")
        figures["findings.overview"].extra.update(found)
    except Exception as error:
        figures["findings.overview"].error = figures["findings.kept"].error = str(error)
        figures["findings.judged"].error = str(error)


def _since(figures: dict[str, Figure], db: Path | str, *, repeats: int, work: Path, size: str) -> None:
    _log(f"[{size}] since the last board x{repeats}")
    try:
        found = run_child_json(["since", str(db), str(repeats)], cwd=work)
        figures["since.report"].samples = found.pop("run_s")
        figures["since.given"].samples = found.pop("given_s")
        figures["since.report"].extra.update(found)
    except Exception as error:
        figures["since.report"].error = figures["since.given"].error = str(error)


def _since_screen(figures: dict[str, Figure], db: Path | str, *, repeats: int, work: Path, size: str) -> None:
    """The "Since last board" screen (it marks a board first when there is none)."""
    _log(f"[{size}] the Since last board screen x{repeats}")
    keys = ("since.screen_up", "since.board", "since.board_open", "since.all")
    try:
        found = run_child_json(["since-screen", str(db), str(repeats)], cwd=work)
    except Exception as error:
        for key in keys:
            figures[key].error = str(error)
        return
    figures["since.screen_up"].samples = found["board_up_ms"] + found["board_open_up_ms"] + found["all_up_ms"]
    for name in ("board", "board_open", "all"):
        figure = figures[f"since.{name}"]
        figure.samples = found[f"{name}_s"]
        figure.extra.update(first_s=round(found[f"{name}_first_s"], 3), items=found[f"{name}_rows"],
                            history_rows=found["history_rows"])
        figure.extra["peak_mib"] = found.get("peak_mib")
        if f"{name}_ahead_s" in found:  # the thread's work before b, for the record
            figure.extra["worked_out_ahead_s"] = [round(seconds, 3) for seconds in found[f"{name}_ahead_s"]]


def _save(figures: dict[str, Figure], db: Path | str, *, seed: int, work: Path, size: str) -> None:
    _log(f"[{size}] {SAVES} saves")
    try:
        saved = run_child_json(["save", str(db), str(SAVES), str(seed)], cwd=work)
        figures["save.edit"].samples = saved.pop("save_ms")
        figures["save.edit"].extra.update(saved)
    except Exception as error:
        figures["save.edit"].error = str(error)


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


# -- judging and printing -------------------------------------------------------------------


def _limit(spec: Spec, size: str, backend: str = "sqlite") -> Target | None:
    if spec.target is None or backend not in spec.judged_on:
        return None
    if isinstance(spec.target, Target):
        return spec.target if size in spec.target.sizes else None
    if size in spec.target:
        return Target(spec.target[size], (size,))
    return None


def judge(figure: Figure, floors: dict[str, Figure]) -> dict[str, Any]:
    """The table row of a figure: value, range, target, ratio and verdict."""
    spec = SPECS[figure.key]
    target = _limit(spec, figure.size, figure.backend)
    # The bytes figure is a mean over the keys, not a median.
    value = statistics.fmean(figure.samples) if figure.key == "bytes.per_cursor_key" and figure.samples else figure.median
    ratio = None
    floor_key = spec.floor
    if floor_key == "floor.sqlite3" and figure.backend == "postgresql":
        floor_key = "floor.psycopg"  # what any Python program that talks to PostgreSQL pays
    if floor_key and value is not None:
        floor = floors.get(floor_key)
        if floor is not None and floor.median:
            ratio = value / floor.median
    verdict = "—"
    if figure.error:
        verdict = "error"
    elif target is not None and value is not None:
        ok = value <= target.limit and (target.p95 is None or (figure.p95 or 0) <= target.p95)
        verdict = "pass" if ok else "FAIL"
    return {
        "figure": figure.key, "label": spec.label, "size": figure.size, "backend": figure.backend,
        "unit": figure.unit,
        "value": value, "statistic": "mean" if figure.key == "bytes.per_cursor_key" else "median",
        "min": min(figure.samples) if figure.samples else None,
        "max": max(figure.samples) if figure.samples else None,
        "p95": figure.p95, "n": len(figure.samples),
        "target": None if target is None else target.limit,
        "target_p95": None if target is None else target.p95,
        "ratio_to_floor": ratio, "floor": floor_key, "verdict": verdict,
        "error": figure.error, "extra": figure.extra, "samples": figure.samples,
    }


def _format(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MiB":
        return f"{value:.0f} MiB"
    if unit == "n":
        return f"{value:.0f}"
    return f"{value:,.0f} B"


def table(rows: list[dict[str, Any]]) -> str:
    """The results as a fixed-width text table."""
    header = ("figure", "size", "backend", "median", "min–max", "target", "ratio to floor", "pass/fail")
    lines = []
    for row in rows:
        unit = row["unit"]
        value = _format(row["value"], unit)
        if row["statistic"] == "mean" and row["value"] is not None:
            value += " mean"
        if row["target_p95"] is not None and row["p95"] is not None:
            value += f" (p95 {_format(row['p95'], unit)})"
        spread = "—" if row["min"] is None else f"{_format(row['min'], unit)} – {_format(row['max'], unit)}"
        target = "—"
        if row["target"] is not None:
            target = f"≤ {_format(row['target'], unit)}"
            if row["target_p95"] is not None:
                target += f", p95 ≤ {_format(row['target_p95'], unit)}"
        ratio = "—" if row["ratio_to_floor"] is None else f"{row['ratio_to_floor']:.1f}x {row['floor'].split('.')[1]}"
        verdict = row["verdict"] if not row["error"] else f"error: {row['error']}"
        lines.append((row["label"], row["size"], row["backend"], value, spread, target, ratio, verdict))
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    out = [" | ".join(str(cell).ljust(width) for cell, width in zip(header, widths)).rstrip()]
    out.append("-|-".join("-" * width for width in widths))
    out += [" | ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip() for line in lines]
    return "\n".join(out)


def _machine() -> dict[str, Any]:
    import sqlite3

    info: dict[str, Any] = {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "sqlite": sqlite3.sqlite_version, "machine": platform.machine(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
    }
    try:
        from importlib.metadata import version

        info["textual"] = version("textual")
    except Exception:
        pass
    try:
        info["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_DIR, capture_output=True,
                                        text=True, timeout=10).stdout.strip()
        info["dirty"] = bool(subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_DIR,
                                            capture_output=True, text=True, timeout=10).stdout.strip())
    except Exception:
        pass
    return info


def _order(figure: Figure, sizes: list[str]) -> tuple:
    """Floors first; then by size, figure and backend, so the backends' rows read side by side."""
    keys = list(SPECS)
    if figure.key.startswith("floor."):
        return (-1, keys.index(figure.key), 0)
    return (sizes.index(figure.size), keys.index(figure.key), BACKENDS.index(figure.backend))


def run(sizes: list[str], *, repeats: int, seed: int = 0, cache_dir: Path = generate.CACHE_DIR,
        results_dir: Path = RESULTS_DIR, backends: tuple[str, ...] = ("sqlite",),
        pg_url: str | None = None, notes: list[str] | None = None) -> tuple[str, Path]:
    """Measure every size on every backend; print nothing; return the table and the JSON file written.

    Args:
        backends: "sqlite" and/or "postgresql".
        pg_url: the PostgreSQL server to use (default ``ASSURE_TEST_PG``, else a throwaway one).
        notes: lines to keep in the JSON (e.g. why PostgreSQL was left out).
    """
    from contextlib import ExitStack

    started = datetime.now().astimezone()
    load_at_start = [round(value, 2) for value in os.getloadavg()]
    postgres: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="assure-bench-") as folder, ExitStack() as stack:
        work = Path(folder)
        CHILD_CACHE[:] = [work / "cache"]
        stack.callback(CHILD_CACHE.clear)
        server = None
        if "postgresql" in backends:
            server = stack.enter_context(PostgresServer(pg_url))
            postgres.update(server_version=server.version(), throwaway=server.folder is not None, built={},
                            settings="fsync, synchronous_commit and full_page_writes off (tests/pg_server.py)"
                            if server.folder is not None else "as the server named is configured")
        compile_bytecode()
        _log(f"floors x{repeats}")
        floors = {
            key: repeat(Figure(key, "-", "s"), repeats,
                        lambda module=module: wall_time([sys.executable, "-c", f"import {module}"], cwd=work))
            for key, module in (("floor.sqlite3", "sqlite3"), ("floor.psycopg", "psycopg"),
                                ("floor.textual", "textual.app"))
        }
        figures: list[Figure] = list(floors.values())
        for size in sizes:
            for backend in backends:
                figures += measure_size(size, repeats=repeats, seed=seed, cache_dir=cache_dir, work=work,
                                        backend=backend, server=server, built=postgres.get("built"))
    machine = _machine()
    machine["load_average_at_start"] = load_at_start
    figures.sort(key=lambda figure: _order(figure, sizes))
    rows = [judge(figure, floors) for figure in figures]
    text = table(rows)
    results_dir.mkdir(parents=True, exist_ok=True)
    stamp = started.strftime("%Y%m%d-%H%M%S")
    path = results_dir / f"{stamp}-{'-'.join(sizes)}.json"
    document = {
        "started": started.isoformat(timespec="seconds"),
        "seconds": round((datetime.now().astimezone() - started).total_seconds(), 1),
        "sizes": sizes, "backends": list(backends), "repeat": repeats, "seed": seed,
        "postgresql": postgres or None, "notes": notes or [],
        "generator_version": generate.GENERATOR_VERSION, "machine": machine,
        "figures": rows, "table": text,
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return text, path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description="Assure's performance benchmark.")
    parser.add_argument("--sizes", default="demo,1k,10k,100k", help="comma-separated from: " + ",".join(generate.SIZES))
    parser.add_argument("--repeat", type=int, default=7, help="samples of each subprocess figure (median reported)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the synthetic portfolios")
    parser.add_argument("--cache-dir", type=Path, default=generate.CACHE_DIR)
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR)
    parser.add_argument("--backends", default=None,
                        help="comma-separated from: sqlite,postgresql (default both when a PostgreSQL server can be had)")
    parser.add_argument("--pg-url", default=None,
                        help="a running PostgreSQL server to create the databases on (default ASSURE_TEST_PG, "
                             "else a throwaway one on loopback)")
    args = parser.parse_args(argv)
    sizes = [size.strip() for size in args.sizes.split(",") if size.strip()]
    unknown = [size for size in sizes if size not in generate.SIZES]
    if unknown or not sizes:
        parser.error(f"unknown size(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(generate.SIZES)}")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    notes: list[str] = []
    if args.backends is None:
        reason = PostgresServer(args.pg_url).unavailable()
        backends = BACKENDS if reason is None else ("sqlite",)
        if reason:
            notes.append(f"PostgreSQL left out (no server): {reason}")
            _log(f"note: {notes[-1]}")
    else:
        backends = tuple(dict.fromkeys(name.strip() for name in args.backends.split(",") if name.strip()))
        unknown = [name for name in backends if name not in BACKENDS]
        if unknown or not backends:
            parser.error(f"unknown backend(s) {', '.join(unknown) or '(none)'}; choose from {', '.join(BACKENDS)}")
        if "postgresql" in backends:
            reason = PostgresServer(args.pg_url).unavailable()
            if reason:
                parser.error(f"cannot measure PostgreSQL: {reason}")
    generate.fix_clock()
    text, path = run(sizes, repeats=args.repeat, seed=args.seed, cache_dir=args.cache_dir, results_dir=args.results_dir,
                     backends=backends, pg_url=args.pg_url, notes=notes)
    print(text)
    for note in notes:
        print(f"note: {note}")
    print(f"\nresults: {path}")


if __name__ == "__main__":
    main()
