"""Serving the dashboard to a browser on this machine, behind an access check.

textual-serve has no authentication and does not check the Origin of WebSocket
connections: any page the user visits could connect, and on a shared jump box every local
user can reach a loopback port, while each connection starts the app with the server
owner's rights. So:

- the server listens on loopback only and answers only requests addressed to its own
  ``host:port`` (a rebound DNS name pointing at 127.0.0.1 gets 421);
- the URL printed to the owner carries a secret token once; the server swaps it for a
  cookie bound to this port (its name holds the port, its value is an HMAC of the token
  with this origin) and redirects to ``/`` so the token leaves the address bar;
- WebSocket upgrades must come from the page's own origin;
- at most ``max_sessions`` app processes run at once; a browser over the cap is told so;
- the access log names the path only, never a query string or cookie;
- the database (a URL may hold a password) reaches each app process in its environment,
  readable by the owner alone, never on its command line, which every local user can read.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import secrets
import shlex
import signal
import sys
from typing import Callable

from aiohttp import WSMsgType, web
from aiohttp.abc import AbstractAccessLogger
from textual_serve.app_service import AppService
from textual_serve.server import Server

LOOPBACK = ("127.0.0.1", "localhost", "::1")
DEFAULT_MAX_SESSIONS = 3
# Environment a browser session must not inherit: history records the owner's OS login.
WITHHELD_ENVIRONMENT = ("ASSURE_USER",)

log = logging.getLogger("assure.serve")


class PathOnlyAccessLogger(AbstractAccessLogger):
    """One line per request without the query string (the first visit carries the token)."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Log method, path, status and duration."""
        self.logger.info("%s %s %s %.3fs", request.method, request.path, response.status, time)


class OneLineFormatter(logging.Formatter):
    """Log records on one line each: an error is named, not printed as a stack trace."""

    def formatException(self, ei) -> str:  # noqa: N802 (logging's name)
        kind, error, _ = ei
        return f"  ({kind.__name__}: {error})" if kind else ""

    def format(self, record: logging.LogRecord) -> str:
        record.exc_text = None  # the base class caches the multi-line text otherwise
        return super().format(record).replace("\n", " ")


class RedactingFilter(logging.Filter):
    """Defence in depth: blank any secret that reaches a log line by some other route."""

    def __init__(self, secrets_: Callable[[], tuple[str, ...]]) -> None:
        super().__init__()
        self._secrets = secrets_

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = message
        for secret in self._secrets():
            cleaned = cleaned.replace(secret, "[redacted]")
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


class OwnerAppService(AppService):
    """One app process, run with the owner's environment minus overrides of who is editing,
    plus the database it opens (``ASSURE_DB``)."""

    def __init__(self, *args, database: str | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.database = database

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width=width, height=height)
        for name in WITHHELD_ENVIRONMENT:
            environment.pop(name, None)
        if self.database is not None:
            environment["ASSURE_DB"] = self.database
        return environment

    async def stop(self) -> None:
        """Stop the app and wait until its process is gone, so the session slot is really free."""
        await super().stop()
        process = self._process
        if process is not None and process.returncode is None:
            try:
                await asyncio.wait_for(process.wait(), 5)
            except TimeoutError:
                process.kill()
                await process.wait()


class GuardedServer(Server):
    """A textual-serve server that refuses anyone without the token and caps its sessions."""

    # How long a new session waits for a slot: a reloaded tab's old session is still stopping.
    slot_wait_seconds = 2.0

    def __init__(self, command: str, *, host: str, port: int, token: str,
                 max_sessions: int = DEFAULT_MAX_SESSIONS, on_ready: Callable[[], None] | None = None,
                 database: str | None = None) -> None:
        if host not in LOOPBACK:
            raise ValueError(f"{host} is not a loopback address")
        netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        super().__init__(command, host=host, port=port, title="Assure", public_url=f"http://{netloc}")
        self.netloc = netloc
        self.token = token
        self.max_sessions = max_sessions
        self.sessions = 0
        self.on_ready = on_ready
        #: Handed to each app process as ASSURE_DB (see the module's docstring).
        self.database = database
        self._slots = asyncio.Condition()

    @property
    def origin(self) -> str:
        """Scheme, host and port of this server, as a browser sends it in ``Origin``."""
        return self.public_url.rstrip("/")

    @property
    def private_url(self) -> str:
        """The URL to open: it carries the token once; the browser keeps a cookie instead."""
        return f"{self.origin}/?token={self.token}"

    @property
    def cookie_name(self) -> str:
        """Cookies are scoped by host, not port: the port in the name keeps servers apart."""
        return f"assure_token_{self.port}"

    @property
    def cookie_value(self) -> str:
        """An HMAC of the token with this origin: useless to a service on another port."""
        return hmac.new(self.token.encode(), self.origin.encode(), hashlib.sha256).hexdigest()

    # -- running -------------------------------------------------------------------------

    def initialize_logging(self) -> None:
        """Plain one-line log records on stderr, with the secrets blanked."""
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter("[%(asctime)s] %(message)s", datefmt="%H:%M:%S"))
        handler.addFilter(RedactingFilter(lambda: (self.token, self.cookie_value, *self._database_secrets())))
        logging.basicConfig(level=logging.DEBUG if self.debug else logging.INFO, handlers=[handler], force=True)

    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl+C or SIGTERM; ``on_ready`` is called once the port is listening.

        Raises:
            OSError: the port cannot be listened on.
        """
        self.debug = debug
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        try:
            loop.add_signal_handler(signal.SIGINT, self.request_exit)
            loop.add_signal_handler(signal.SIGTERM, self.request_exit)
        except NotImplementedError:  # Windows
            pass
        web.run_app(
            self._make_app(), host=self.host, port=self.port, handle_signals=False, loop=loop,
            access_log_class=PathOnlyAccessLogger,
            # aiohttp calls ``print`` once every site listens: our "ready" moment.
            print=lambda *_: self.on_ready() if self.on_ready else None,
        )

    def _database_secrets(self) -> tuple[str, ...]:
        """The database URL's password, if it has one (never logged)."""
        from urllib.parse import urlsplit

        try:
            password = urlsplit(self.database or "").password
        except ValueError:
            return ()
        return (password,) if password and len(password) >= 4 else ()  # a short one would blank ordinary words

    async def on_startup(self, app: web.Application) -> None:
        """Quiet start: the command line has already told the owner where to go."""

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._guard)
        return app

    # -- the access check ----------------------------------------------------------------

    def refusal(self, request: web.Request) -> web.Response | None:
        """Why this request is refused, as a response; None when it may pass.

        Args:
            request: The incoming request.

        Returns:
            421 for a Host other than ours, 403 without the cookie (or, on a WebSocket,
            from another origin), else None.
        """
        if (request.headers.get("Host") or "").lower() != self.netloc:
            return web.Response(status=421, text=f"Misdirected request: this server answers only at {self.origin}/\n")
        offered = request.cookies.get(self.cookie_name, "")
        if not hmac.compare_digest(offered.encode(), self.cookie_value.encode()):
            return web.Response(status=403, text="Forbidden: open the URL 'assure serve' printed.\n")
        if request.headers.get("Upgrade", "").lower() == "websocket" and request.headers.get("Origin") != self.origin:
            return web.Response(status=403, text="Forbidden: a connection from another page.\n")
        return None

    def _token_exchange(self, request: web.Request) -> web.Response | None:
        """The first visit: a right token becomes the cookie and leaves the URL."""
        if "token" not in request.query:
            return None
        if request.path != "/" or (request.headers.get("Host") or "").lower() != self.netloc:
            return None  # the ordinary check refuses it
        if not hmac.compare_digest(request.query["token"].encode(), self.token.encode()):
            return web.Response(status=403, text="Forbidden: that is not the URL 'assure serve' printed.\n")
        rest = request.rel_url.with_query([(k, v) for k, v in request.query.items() if k != "token"])
        response = web.Response(status=303, headers={"Location": str(rest)})  # not HTTPSeeOther: returning one is deprecated
        response.set_cookie(self.cookie_name, self.cookie_value, path="/", httponly=True, samesite="Strict")
        return response

    @web.middleware
    async def _guard(self, request: web.Request, handler):
        response = self._token_exchange(request) or self.refusal(request)
        if response is None:
            response = await handler(request)
        if not response.prepared:  # a WebSocket has sent its headers already
            response.headers.setdefault("Cache-Control", "no-store")
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    # -- sessions ------------------------------------------------------------------------

    async def _claim_session(self) -> bool:
        async with self._slots:
            try:
                await asyncio.wait_for(self._slots.wait_for(lambda: self.sessions < self.max_sessions),
                                       self.slot_wait_seconds)
            except TimeoutError:
                return False
            self.sessions += 1
            return True

    async def _release_session(self) -> None:
        async with self._slots:
            self.sessions -= 1
            self._slots.notify()

    def full_message(self) -> str:
        """What a browser over the cap reads in its terminal."""
        sessions = "session is" if self.max_sessions == 1 else "sessions are"
        return (f"\r\n  Assure: {self.max_sessions} browser {sessions} already open, the most this server allows.\r\n"
                "  Close another Assure tab, then reload this page\r\n"
                "  (or restart 'assure serve' with a larger --max-sessions).\r\n")

    async def _refuse_session(self, request: web.Request) -> web.WebSocketResponse:
        log.warning("Refused a browser session: %d already open (--max-sessions %d)", self.sessions, self.max_sessions)
        websocket = web.WebSocketResponse(heartbeat=15)
        await websocket.prepare(request)
        await websocket.send_bytes(self.full_message().encode())
        # Stay open with no app behind it: on close the page covers the terminal with
        # "Session ended", hiding the explanation.
        async for message in websocket:
            if message.type == WSMsgType.TEXT and message.data.startswith('["ping"'):
                await websocket.send_str(message.data.replace('"ping"', '"pong"', 1))
        return websocket

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """Run one app process for this browser, if a session slot is free."""
        if not await self._claim_session():
            return await self._refuse_session(request)
        try:
            return await self._run_session(request)
        finally:
            await self._release_session()

    async def _run_session(self, request: web.Request) -> web.WebSocketResponse:
        # textual-serve's handler, with our AppService (its environment, its clean stop).
        websocket = web.WebSocketResponse(heartbeat=15)
        width = _bounded(request.query.get("width"), 80)
        height = _bounded(request.query.get("height"), 24)
        app_service: AppService | None = None
        try:
            await websocket.prepare(request)
            app_service = OwnerAppService(
                self.command, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
                close=websocket.close, download_manager=self.download_manager, debug=self.debug,
                database=self.database,
            )
            await app_service.start(width, height)
            await self._process_messages(websocket, app_service)
        except asyncio.CancelledError:
            await websocket.close()
        except Exception as error:
            log.error("A browser session failed: %s: %s", type(error).__name__, error)
        finally:
            if app_service is not None:
                await app_service.stop()
        return websocket


def _bounded(value: str | None, default: int) -> int:
    """A terminal size from the browser's query, clamped to something sane."""
    try:
        return min(max(int(value or default), 10), 1000)
    except ValueError:
        return default


def dashboard_command(*, programme: str | None, read_only: bool) -> str:
    """The command each browser connection runs: this Python; the database is in ASSURE_DB."""
    parts = [sys.executable, "-m", "assure"]
    if programme:
        parts += ["--programme", programme]
    if read_only:
        parts.append("--read-only")
    return shlex.join(parts)


def new_token() -> str:
    """A fresh secret for one run of the server."""
    return secrets.token_urlsafe(24)

