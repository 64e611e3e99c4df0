"""Serving the dashboard to a browser on this machine, behind an access check.

textual-serve has no authentication and does not check the Origin of WebSocket
connections: any page the user visits could connect, and on a shared jump box every local
user can reach a loopback port, while each connection starts the app with the server
owner's rights. So every request must carry a secret token (from the URL printed to the
owner, then a cookie), WebSocket upgrades must come from the page's own origin, and the
server listens on loopback only.
"""

from __future__ import annotations

import hmac
import secrets
import shlex
import sys

from aiohttp import web
from textual_serve.server import Server

COOKIE = "assure_token"
LOOPBACK = ("127.0.0.1", "localhost", "::1")


class GuardedServer(Server):
    """A textual-serve server that refuses anyone without the token."""

    def __init__(self, command: str, *, host: str, port: int, token: str) -> None:
        super().__init__(command, host=host, port=port, title="Assure")
        self.token = token

    @property
    def origin(self) -> str:
        return self.public_url.rstrip("/")

    @property
    def private_url(self) -> str:
        """The URL to open: it carries the token once; the browser keeps it as a cookie."""
        return f"{self.origin}/?token={self.token}"

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    def allowed(self, request: web.Request) -> bool:
        """The token matches (query or cookie) and a WebSocket comes from our own page."""
        offered = request.query.get("token") or request.cookies.get(COOKIE) or ""
        if not hmac.compare_digest(offered.encode(), self.token.encode()):
            return False
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return request.headers.get("Origin", "") == self.origin
        return True

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        if not self.allowed(request):
            return web.Response(status=403, text="Forbidden: open the URL 'assure serve' printed.\n")
        response = await handler(request)
        if request.query.get("token") and isinstance(response, web.Response):
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict")
        return response


def dashboard_command(db: str, *, programme: str | None, read_only: bool) -> str:
    """The command each browser connection runs: this Python, this database."""
    parts = [sys.executable, "-m", "assure", "--db", db]
    if programme:
        parts += ["--programme", programme]
    if read_only:
        parts.append("--read-only")
    return shlex.join(parts)


def new_token() -> str:
    return secrets.token_urlsafe(24)
