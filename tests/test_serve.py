"""'assure serve': a real server on loopback refuses anyone without the token.

Each test starts the server as a subprocess on a free port and talks HTTP and WebSocket to
it, the way a browser (or a hostile page, or another local user) would.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from assure.models.store import Store


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    """GET without following redirects: (status, headers, body)."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def children(pid: int) -> list[int]:
    """Direct child processes of pid (one per running browser session)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def wait_until(condition, timeout: float = 20, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def eventually(condition, timeout: float = 20, what: str = "condition"):
    """wait_until for async tests: the event loop keeps reading the app's output meanwhile."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Served:
    """A running 'assure serve' and what it printed."""

    process: subprocess.Popen
    port: int
    url: str
    out: Path
    err: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def token(self) -> str:
        return self.url.split("token=", 1)[1]

    def cookie(self) -> tuple[str, str]:
        """Visit the printed URL once, as a browser does; the cookie it sets."""
        status, headers, _ = fetch(self.url)
        assert status == 303, status
        name, value = headers["Set-Cookie"].split(";", 1)[0].split("=", 1)
        return name, value

    def output(self) -> str:
        return self.out.read_text() + self.err.read_text()

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return self.output()


@pytest.fixture
def start_server(demo_store, db_path, tmp_path):
    """Start 'assure serve' with extra options; every server is stopped at the end."""
    started: list[Served] = []

    def start(*options: str, env: dict | None = None) -> Served:
        port = free_port()
        out, err = tmp_path / f"serve-{port}.out", tmp_path / f"serve-{port}.err"
        with out.open("w") as stdout, err.open("w") as stderr:
            process = subprocess.Popen(
                [sys.executable, "-m", "assure", "--db", str(db_path), "serve", "--port", str(port), *options],
                stdout=stdout, stderr=stderr, text=True, env=env,
            )
        served = Served(process, port, "", out, err)
        started.append(served)

        def printed_url():
            if process.poll() is not None:
                raise AssertionError(f"serve exited: {served.output()}")
            match = re.search(r"^Serving .* at (\S+)$", out.read_text(), re.M)
            return match and match.group(1)

        served.url = wait_until(printed_url, 30, "the Serving line")
        return served

    yield start
    for served in started:
        served.stop()


@pytest.fixture
def server(start_server):
    return start_server()


def test_without_the_token_everything_is_refused(server):
    base = server.base
    assert fetch(f"{base}/")[0] == 403
    assert fetch(f"{base}/?token=wrong")[0] == 403
    assert fetch(f"{base}/static/js/textual.js")[0] == 403
    assert fetch(f"{base}/static/js/textual.js?token={server.token}")[0] == 403  # only the page swaps it
    assert children(server.process.pid) == []


def test_the_token_becomes_a_cookie_bound_to_this_port_and_leaves_the_url(server):
    status, headers, _ = fetch(server.url)
    assert status == 303 and headers["Location"] == "/"  # the token leaves the address bar
    cookie = headers["Set-Cookie"]
    name, value = cookie.split(";", 1)[0].split("=", 1)
    assert name == f"assure_token_{server.port}"
    assert value != server.token and server.token not in cookie
    for attribute in ("HttpOnly", "Path=/", "SameSite=Strict"):
        assert attribute in cookie
    status, _, body = fetch(f"{server.base}/", {"Cookie": f"{name}={value}"})
    assert status == 200 and f"ws://127.0.0.1:{server.port}/ws" in body


def test_a_cookie_for_another_port_or_the_bare_token_is_refused(server):
    name, value = server.cookie()
    other = server.port + 1 if server.port < 65535 else server.port - 1
    for cookie in (f"assure_token_{other}={value}", f"assure_token={server.token}", f"{name}={server.token}",
                   f"assure_token={value}"):
        assert fetch(f"{server.base}/", {"Cookie": cookie})[0] == 403, cookie


def test_a_request_for_another_host_is_misdirected(server):
    """DNS rebinding: a name the attacker controls, pointed at 127.0.0.1, must get nothing."""
    name, value = server.cookie()
    for host in (f"evil.example:{server.port}", f"localhost:{server.port}", "127.0.0.1", f"127.0.0.1:{server.port + 1}"):
        status, _, _ = fetch(f"{server.base}/", {"Cookie": f"{name}={value}", "Host": host})
        assert status == 421, host
        status, _, _ = fetch(f"{server.base}/?token={server.token}", {"Host": host})
        assert status == 421, host


def test_websocket_from_another_origin_is_refused(server):
    name, value = server.cookie()
    upgrade = {"Cookie": f"{name}={value}", "Upgrade": "websocket", "Connection": "Upgrade",
               "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    status, _, _ = fetch(f"{server.base}/ws", {**upgrade, "Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = fetch(f"{server.base}/ws", {**upgrade, "Origin": f"http://127.0.0.1:{server.port + 1}"})
    assert status == 403
    status, _, _ = fetch(f"{server.base}/ws", upgrade)  # no Origin at all
    assert status == 403
    assert children(server.process.pid) == []


def test_serve_refuses_a_non_loopback_host(demo_store, db_path):
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_path), "serve", "--host", "0.0.0.0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "0.0.0.0" in result.stderr


def test_max_sessions_must_be_a_positive_number(demo_store, db_path):
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_path), "serve", "--max-sessions", "0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "--max-sessions" in result.stderr
    assert "Traceback" not in result.stderr


class Terminal:
    """A WebSocket client standing in for the page: sends keys, collects the screen's text."""

    ESCAPES = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78cDEHM])")

    def __init__(self, websocket):
        self.websocket = websocket
        self.received = ""
        self.reader = asyncio.create_task(self._read())

    async def _read(self):
        async for message in self.websocket:
            if isinstance(message.data, bytes):
                self.received += self.ESCAPES.sub(" ", message.data.decode("utf-8", "replace"))

    async def wait_for(self, text: str, timeout: float = 20, *, since: int = 0) -> bool:
        """Wait until text shows (in output after offset since); fail on timeout."""
        if not await self.shows(text, timeout, since=since):
            raise AssertionError(f"{text!r} never appeared; last output: {self.received[-400:]!r}")
        return True

    async def shows(self, text: str, timeout: float, *, since: int = 0) -> bool:
        """Whether text shows (after offset since) within timeout seconds."""
        deadline = time.monotonic() + timeout
        while text not in re.sub(r" +", " ", self.received[since:]):
            if time.monotonic() > deadline or self.reader.done():
                return False
            await asyncio.sleep(0.05)
        return True

    async def keys(self, *keys: str) -> None:
        for key in keys:
            await self.websocket.send_json(["stdin", key])


async def clear_the_input(terminal: Terminal) -> None:
    """Home, then delete to the end, until the editor's input shows empty.

    Focus reaches the editor's input just after its first paint; keys sent in between go
    to the table, so repeat until the placeholder shows (its first letter under the cursor).
    """
    for _ in range(20):
        mark = len(terminal.received)
        await terminal.keys("\x01", "\x0b")
        if await terminal.shows("D eliverable", 1, since=mark):
            return
    raise AssertionError("the editor's input never showed empty")


async def open_terminal(session, served: Served, size=(120, 32)):
    websocket = await session.ws_connect(f"ws://127.0.0.1:{served.port}/ws?width={size[0]}&height={size[1]}",
                                         origin=f"http://127.0.0.1:{served.port}")
    return Terminal(websocket)


async def test_websocket_from_the_page_itself_runs_the_dashboard(server):
    import aiohttp

    async with aiohttp.ClientSession(cookies=dict([server.cookie()])) as session:
        terminal = await open_terminal(session, server)
        await terminal.wait_for("Overview")
        assert len(children(server.process.pid)) == 1
        await terminal.websocket.close()
    await eventually(lambda: children(server.process.pid) == [], 15, "the app process to end")


async def test_sessions_over_the_cap_are_told_so_and_start_no_process(start_server):
    import aiohttp

    served = start_server("--max-sessions", "2")
    async with aiohttp.ClientSession(cookies=dict([served.cookie()])) as session:
        first, second = [await open_terminal(session, served) for _ in range(2)]
        await first.wait_for("Overview")
        await second.wait_for("Overview")
        extra = [await open_terminal(session, served) for _ in range(3)]
        for terminal in extra:
            await terminal.wait_for("2 browser sessions are already open")
        assert len(children(served.process.pid)) == 2
        await first.websocket.close()
        await eventually(lambda: len(children(served.process.pid)) == 1, 15, "the first session to end")
        third = await open_terminal(session, served)  # a freed slot is usable again
        await third.wait_for("Overview")
        assert len(children(served.process.pid)) == 2
    assert "already open" in served.output()


async def test_an_edit_through_serve_is_attributed_to_the_owners_login(start_server, db_path):
    """The owner's OS login, not an override inherited from the environment."""
    import aiohttp

    served = start_server(env={**os.environ, "ASSURE_USER": "someone-else"})
    with Store.open(db_path, read_only=True) as store:
        programme = store.programme_by_code("lcc-btls")
        first = store.deliverables(programme.id)[0]
    async with aiohttp.ClientSession(cookies=dict([served.cookie()])) as session:
        terminal = await open_terminal(session, served)
        await terminal.wait_for("Overview")
        await terminal.keys("4")
        await terminal.wait_for("sign-off register")
        await terminal.keys("\x1b[C", "e")  # the title column
        await terminal.wait_for("Enter saves")
        await clear_the_input(terminal)
        await terminal.keys(*"Renamed in a browser")
        await terminal.wait_for("Renamed in a browser")
        await terminal.keys("\r")

        def saved():
            with Store.open(db_path, read_only=True) as store:
                return store.get("deliverable", first.id).title == "Renamed in a browser"

        await eventually(saved, 20, "the edit to reach the database")
    with Store.open(db_path, read_only=True) as store:
        latest = store.history(programme.id, kind="deliverable", record_id=first.id)[0]
    assert (latest.field, latest.new_value) == ("title", "Renamed in a browser")
    assert latest.user == getpass.getuser()


def descendants(pid: int) -> list[int]:
    """Every process below pid (a session's shell and its Python)."""
    found, queue = [], [pid]
    while queue:
        for child in children(queue.pop()):
            found.append(child)
            queue.append(child)
    return found


async def test_the_database_never_reaches_a_command_line(demo_store, db_url, tmp_path):
    """Every local user can read a process's command line (ps): the database URL, and the
    password in it, reach the session's app in its environment instead (owner-only)."""
    import aiohttp
    from urllib.parse import urlsplit, urlunsplit

    target = str(db_url)
    if not demo_store.location.is_sqlite:
        parts = urlsplit(target)  # the tests' server trusts loopback: a password is carried, not checked
        target = urlunsplit(parts._replace(netloc=f"{parts.username}:pw-s3cret-9@{parts.hostname}:{parts.port}"))
    port = free_port()
    out, err = tmp_path / "serve.out", tmp_path / "serve.err"
    with out.open("w") as stdout, err.open("w") as stderr:
        process = subprocess.Popen([sys.executable, "-m", "assure", "serve", "--port", str(port)],
                                   stdout=stdout, stderr=stderr, env={**os.environ, "ASSURE_DB": target})
    served = Served(process, port, "", out, err)
    try:
        def printed_url():
            assert process.poll() is None, served.output()
            match = re.search(r"^Serving .* at (\S+)$", out.read_text(), re.M)
            return match and match.group(1)

        served.url = wait_until(printed_url, 30, "the Serving line")
        async with aiohttp.ClientSession(cookies=dict([served.cookie()])) as session:
            terminal = await open_terminal(session, served)
            await terminal.wait_for("Overview")  # the session's app opened the database it was given
            sessions = descendants(process.pid)
            assert sessions, "no app process"
            for pid in sessions:
                command_line = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
                assert target not in command_line and "s3cret" not in command_line and "--db" not in command_line
            await terminal.websocket.close()
        assert "s3cret" not in served.output()
    finally:
        served.stop()


async def test_the_token_never_reaches_the_log(start_server):
    import aiohttp

    served = start_server()
    fetch(served.url)
    fetch(f"{served.base}/?token=wrong-{served.token}")
    name, value = served.cookie()
    fetch(f"{served.base}/?fontsize=18", {"Cookie": f"{name}={value}"})
    async with aiohttp.ClientSession(cookies={name: value}) as session:
        terminal = await open_terminal(session, served)
        await terminal.wait_for("Overview")
        await terminal.websocket.close()
    output = served.stop().replace(served.url, "<the printed URL>", 1)  # printed once, to the owner
    assert served.token not in output and value not in output
    assert "token=" not in output and not re.search(r"GET \S*\?", output)
    assert "GET / 303" in output and "GET / 200" in output  # still an access log, path only
