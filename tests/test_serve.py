"""'assure serve': a real server on loopback refuses anyone without the token."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def server(demo_store, db_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "assure", "--db", str(db_path), "serve", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        url = None
        deadline = time.monotonic() + 30
        while url is None and time.monotonic() < deadline:
            line = process.stdout.readline()
            if line.startswith("Serving"):
                url = line.split(" at ", 1)[1].strip()
        assert url, process.stderr.read() if process.poll() is not None else "no URL printed"
        while time.monotonic() < deadline:  # until it listens
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        yield port, url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def test_without_the_token_everything_is_refused(server):
    port, url = server
    base = f"http://127.0.0.1:{port}"
    assert fetch(f"{base}/")[0] == 403
    assert fetch(f"{base}/?token=wrong")[0] == 403
    assert fetch(f"{base}/static/js/textual.js")[0] == 403


def test_the_printed_url_opens_the_page_and_sets_a_cookie(server):
    port, url = server
    status, headers, body = fetch(url)
    assert status == 200 and "ws://127.0.0.1" in body
    assert "assure_token=" in headers.get("Set-Cookie", "") and "HttpOnly" in headers["Set-Cookie"]
    token = url.split("token=", 1)[1]
    assert fetch(f"http://127.0.0.1:{port}/", {"Cookie": f"assure_token={token}"})[0] == 200


def test_websocket_from_another_origin_is_refused(server):
    port, url = server
    token = url.split("token=", 1)[1]
    upgrade = {"Cookie": f"assure_token={token}", "Upgrade": "websocket", "Connection": "Upgrade",
               "Sec-WebSocket-Version": "13", "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ=="}
    status, _, _ = fetch(f"http://127.0.0.1:{port}/ws", {**upgrade, "Origin": "http://evil.example"})
    assert status == 403
    status, _, _ = fetch(f"http://127.0.0.1:{port}/ws", upgrade)  # no Origin at all
    assert status == 403


def test_serve_refuses_a_non_loopback_host(demo_store, db_path):
    result = subprocess.run([sys.executable, "-m", "assure", "--db", str(db_path), "serve", "--host", "0.0.0.0"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode != 0 and "0.0.0.0" in result.stderr


async def test_websocket_from_the_page_itself_is_let_through(server):
    import aiohttp

    port, url = server
    token = url.split("token=", 1)[1]
    async with aiohttp.ClientSession(cookies={"assure_token": token}) as session:
        async with session.ws_connect(f"ws://127.0.0.1:{port}/ws", origin=f"http://127.0.0.1:{port}",
                                      timeout=aiohttp.ClientWSTimeout(ws_close=5)) as websocket:
            assert not websocket.closed
            await websocket.close()
