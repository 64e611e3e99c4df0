"""'assure serve' in a real headless Chromium: what a person at the browser sees and does.

One server (``--max-sessions 1``) and one browser serve every check in this module. The
terminal's text is read from xterm.js's own buffer: textual-serve draws it on a canvas, so
there is no DOM text to read.

Without Chromium these tests skip, except under CI (``CI=true``), where they must run.
"""

from __future__ import annotations

import getpass
import http.server
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assure.models.store import Store

from test_serve import children, free_port, wait_until

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]

# textual.js keeps its xterm.js Terminal in a closure; catch it as it is assigned.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && typeof value.onData === "function") window.__assureTerminal = value;
  },
});
"""
SCREEN_TEXT = """() => {
  const terminal = window.__assureTerminal;
  if (!terminal) return "";
  const buffer = terminal.buffer.active, lines = [];
  for (let y = 0; y < terminal.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
}"""


def unavailable(reason: str):
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}: the browser tests must run in CI", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    if not CHROMIUM.exists():
        unavailable(f"no Chromium at {CHROMIUM}")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A demo database and 'assure serve --max-sessions 1' on it, for the whole module."""
    from assure.seed.loader import load_demo

    folder = tmp_path_factory.mktemp("browser")
    db_path = folder / "assure.db"
    # Module-scoped, so set up before the per-test environment: the harness's fixed day
    # (tests/hooks) by hand; no user override, the owner's login is what is recorded.
    env = {key: value for key, value in os.environ.items() if not key.startswith("ASSURE_")}
    hooks = str(Path(__file__).parent / "hooks")
    env.update(ASSURE_TODAY="2021-04-20", ASSURE_DB=str(folder / "default.db"),
               PYTHONPATH=os.pathsep.join(filter(None, (hooks, env.get("PYTHONPATH")))))
    with Store.open(db_path) as store:
        load_demo(store)
    out = folder / "serve.out"
    with out.open("w") as stdout:
        process = subprocess.Popen(
            [sys.executable, "-m", "assure", "--db", str(db_path), "serve", "--port", str(free_port()),
             "--max-sessions", "1"],
            stdout=stdout, stderr=subprocess.STDOUT, text=True, env=env,
        )
    try:
        def printed_url():
            assert process.poll() is None, out.read_text()
            match = re.search(r"^Serving .* at (\S+)$", out.read_text(), re.M)
            return match and match.group(1)

        url = wait_until(printed_url, 30, "the Serving line")
        yield {"url": url, "origin": url.split("/?", 1)[0], "process": process, "db": db_path, "log": out}
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture
def another_service():
    """Another web service on 127.0.0.1 (another port), serving a page of its own."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(b"<p>another service</p>")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


def local_only(route):
    """Nothing leaves the machine (the page asks for a web font)."""
    if route.request.url.startswith("http://127.0.0.1"):
        route.continue_()
    else:
        route.abort()


@pytest.fixture(scope="module")
def owner(browser, served):
    """The owner's tab: opened from the printed URL, kept open for the module."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    context.route("**/*", local_only)
    context.add_init_script(CATCH_TERMINAL)
    page = context.new_page()
    page.goto(served["url"])
    yield page
    context.close()


def screen(page) -> str:
    return page.evaluate(SCREEN_TEXT)


def wait_for_screen(page, pattern: str, timeout: float = 20) -> str:
    """The terminal's text once it matches the regular expression pattern."""
    deadline = time.monotonic() + timeout
    while not re.search(pattern, text := screen(page), re.M):
        if time.monotonic() > deadline:
            raise AssertionError(f"{pattern!r} never showed; the terminal reads:\n{text}")
        page.wait_for_timeout(50)
    return text


def test_the_overview_renders_and_the_token_leaves_the_address_bar(owner, served):
    text = wait_for_screen(owner, r"1 Overview")
    assert "LCC / BTLS Transition Programme" in text
    assert owner.url == served["origin"] + "/"
    assert len(children(served["process"].pid)) == 1


def test_a_pane_switch_and_an_edit_reach_the_database(owner, served):
    with Store.open(served["db"], read_only=True) as store:
        programme = store.programme_by_code("lcc-btls")
        first = store.deliverables(programme.id)[0]
    wait_for_screen(owner, r"1 Overview")
    owner.locator(".textual-terminal").click()
    owner.keyboard.press("4")
    wait_for_screen(owner, r"Deliverables · sign-off register")
    owner.keyboard.press("ArrowRight")
    owner.keyboard.press("e")
    wait_for_screen(owner, r"Enter saves")
    # Focus reaches the editor's input just after its first paint: clear until it is empty
    # (its placeholder shows in the first row, between the outcome and the approver).
    emptied = rf"^\s*{first.outcome_number}\s+Deliverable\s+{re.escape(first.approved_by)}"
    for _ in range(20):
        owner.keyboard.press("Control+a")
        owner.keyboard.press("Control+k")
        try:
            wait_for_screen(owner, emptied, timeout=1)
            break
        except AssertionError:
            continue
    owner.keyboard.type("Renamed in Chromium")
    wait_for_screen(owner, r"Renamed in Chromium")
    owner.keyboard.press("Enter")

    def saved():
        with Store.open(served["db"], read_only=True) as store:
            return store.get("deliverable", first.id).title == "Renamed in Chromium"

    wait_until(saved, 20, "the edit to reach the database")
    with Store.open(served["db"], read_only=True) as store:
        latest = store.history(programme.id, kind="deliverable", record_id=first.id)[0]
    assert (latest.field, latest.new_value, latest.user) == ("title", "Renamed in Chromium", getpass.getuser())


def test_a_second_tab_over_the_cap_is_told_so(owner, served):
    wait_for_screen(owner, r"1 Overview|sign-off register")
    second = owner.context.new_page()
    second.goto(served["origin"] + "/")  # the cookie is already there
    text = wait_for_screen(second, r"1 browser session is already open")
    assert "Close another Assure tab" in text
    assert len(children(served["process"].pid)) == 1
    second.close()


def test_no_token_or_another_origin_gets_nothing(browser, owner, served, another_service):
    wait_for_screen(owner, r"1 Overview|sign-off register")
    before = children(served["process"].pid)
    stranger = browser.new_context()
    try:
        page = stranger.new_page()
        response = page.goto(served["origin"] + "/")
        assert response.status == 403 and "Forbidden" in page.content()
        assert page.goto(served["origin"] + "/?token=guess").status == 403
    finally:
        stranger.close()
    # A page from another service on 127.0.0.1, in the owner's own browser: same site, so
    # the cookie goes with it; only the Origin check stands in the way. (A real server: a
    # page Playwright fulfils itself is blocked by Chromium before it reaches us.)
    evil = owner.context.new_page()
    evil.goto(another_service)
    outcome = evil.evaluate("""url => new Promise(resolve => {
        const socket = new WebSocket(url);
        socket.onopen = () => resolve("open");
        socket.onerror = () => resolve("refused");
    })""", served["origin"].replace("http:", "ws:") + "/ws")
    evil.close()
    assert outcome == "refused"
    assert children(served["process"].pid) == before
    wait_until(lambda: "GET /ws 403" in served["log"].read_text(), 10, "the server to log the refusal")
