"""What every request to the web app passes: security headers, the login, the CSRF check.

* **Headers** on every response: nothing from another origin (Content-Security-Policy), no
  framing, no sniffing, no referrer.
* **Login** (only with a password, i.e. when other computers can reach the server): a page
  or API call without a valid session is sent to ``/login`` (pages) or answered 401 (API).
  The session is a random token in an HttpOnly, SameSite=Strict cookie, kept in the
  server's memory (a restart logs everyone out). Scripts may send the password with HTTP
  Basic instead (any user name). Failed logins are limited per client address
  (:class:`LoginLimiter`).
* **CSRF**: every request that changes something (POST, PUT, PATCH, DELETE) from a browser
  must carry the page's token (header ``X-CSRF-Token``, or form field ``csrf``) equal to the
  browser's ``kneecoach_csrf`` cookie (SameSite=Strict; a page on another site can neither
  read nor send it). A client that is plainly not a browser (no cookie, no ``Origin`` and no
  ``Sec-Fetch-Site`` header: curl, a script) is not asked for it, because a browser always
  sends ``Origin`` with a cross-site POST.
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, RedirectResponse, Response

#: Sent with every response: nothing from another origin, no framing, no sniffing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'self'; "
    "form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "SAMEORIGIN",  # the analysis page frames its own report
}
SESSION_COOKIE = "kneecoach_session"
CSRF_COOKIE = "kneecoach_csrf"
CSRF_HEADER = "x-csrf-token"
#: How long a login lasts.
SESSION_S = 12 * 3600
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Reachable without a login: the login page itself and what it needs.
OPEN_PATHS = ("/login", "/static/")


@dataclass
class LoginLimiter:
    """At most ``attempts`` failed logins per client address in ``window_s`` seconds; then
    that address is refused until the oldest failure leaves the window (OWASP's
    authentication cheat sheet: limit failed attempts)."""

    attempts: int = 5
    window_s: float = 300.0
    _failures: dict[str, deque[float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait_s(self, client: str, now: float | None = None) -> float:
        """Seconds ``client`` must wait before trying again (0: it may try now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            failures = self._failures.get(client, deque())
            while failures and now - failures[0] > self.window_s:
                failures.popleft()
            if len(failures) < self.attempts:
                return 0.0
            return self.window_s - (now - failures[0])

    def failed(self, client: str, now: float | None = None) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(
                time.monotonic() if now is None else now
            )

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


class Sessions:
    """Logged-in browsers: random tokens and when they expire (in memory only)."""

    def __init__(self, password: str | None) -> None:
        self.password = password
        self.limiter = LoginLimiter()
        self._tokens: dict[str, float] = {}
        self._lock = threading.Lock()

    def check_password(self, given: str) -> bool:
        assert self.password is not None
        return hmac.compare_digest(given.encode(), self.password.encode())

    def open(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._tokens[token] = time.monotonic() + SESSION_S
        return token

    def close(self, token: str | None) -> None:
        with self._lock:
            self._tokens.pop(token or "", None)

    def valid(self, token: str | None) -> bool:
        with self._lock:
            expires = self._tokens.get(token or "")
        return expires is not None and expires > time.monotonic()

    def allowed(self, request: HTTPConnection) -> bool:
        """No password, a live session cookie, or the password by HTTP Basic."""
        if self.password is None or self.valid(request.cookies.get(SESSION_COOKIE)):
            return True
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _, _, given = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return self.check_password(given)


def csrf_token(request: Request) -> str:
    """This browser's CSRF token (made on its first page; the cookie is set by the guard)."""
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf", None)
    if not token:
        token = secrets.token_urlsafe(32)
        request.state.new_csrf = token
    return str(token)


def csrf_ok(request: Request, given: str | None) -> bool:
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and given) and hmac.compare_digest(str(cookie), str(given))


def is_browser(request: Request) -> bool:
    h = request.headers
    return bool(h.get("cookie") or h.get("origin") or h.get("sec-fetch-site"))


def same_origin(connection: HTTPConnection) -> bool:
    """A WebSocket opened by a page of this server (browsers send ``Origin``; a page on
    another site must not reach the camera stream: cross-site WebSocket hijacking)."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True  # not a browser
    return urlsplit(origin).netloc == connection.headers.get("host", "")


def safe_next(path: str | None) -> str:
    """Where to go after logging in: a path on this server, never another site."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return "/"
    return path


class Guard(BaseHTTPMiddleware):
    """Headers, login and CSRF for every request (see the module's docstring)."""

    def __init__(self, app: Any, sessions: Sessions) -> None:
        super().__init__(app)
        self.sessions = sessions

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = self._refusal(request) or await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        new = getattr(request.state, "new_csrf", None)
        if new and not request.cookies.get(CSRF_COOKIE):
            response.set_cookie(CSRF_COOKIE, new, httponly=True, samesite="strict", path="/")
        return response

    def _refusal(self, request: Request) -> Response | None:
        path = request.url.path
        api = path.startswith("/api/")
        if not path.startswith(OPEN_PATHS) and not self.sessions.allowed(request):
            if api:
                return JSONResponse(
                    {"error": "this journal needs its password (log in, or HTTP Basic)"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Basic realm="kneecoach", charset="UTF-8"'},
                )
            return RedirectResponse(f"/login?next={path}", status_code=303)
        if request.method in UNSAFE and is_browser(request):
            given = request.headers.get(CSRF_HEADER)
            # forms send the token as a field: their endpoints check it (form_csrf)
            form = request.headers.get("content-type", "").startswith(
                "application/x-www-form-urlencoded"
            )
            if not form and not csrf_ok(request, given):
                return _forbidden(api)
        return None


STALE = "the page's security token is missing or old: reload the page and try again"


def stale() -> Response:
    """A form whose CSRF token is wrong: refused (403)."""
    return Response(f"kneecoach: {STALE}", status_code=403, media_type="text/plain")


def _forbidden(api: bool) -> Response:
    return JSONResponse({"error": STALE}, status_code=403) if api else stale()


async def form_csrf(request: Request) -> dict[str, list[str]] | None:
    """A url-encoded form's fields (every value of each), or None when its CSRF token is
    wrong (browsers)."""
    form = await request.form(max_files=0, max_fields=200)
    fields: dict[str, list[str]] = {}
    for key, value in form.multi_items():
        if isinstance(value, str):
            fields.setdefault(key, []).append(value)
    if is_browser(request) and not csrf_ok(request, first(fields, "csrf")):
        return None
    return fields


def first(fields: Mapping[str, Sequence[str]], name: str, default: str = "") -> str:
    """A form field's (first) value."""
    values = fields.get(name)
    return values[0] if values else default
