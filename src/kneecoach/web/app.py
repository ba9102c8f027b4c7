"""The web app: pages and a JSON API over the journal, for the browser on this machine.

Routes (every one reads :class:`~kneecoach.app.journal.Journal`; none holds logic of its
own):

* ``GET /api/health`` → ``{"status": "ok", "version": …}``
* ``GET /api/people`` → everyone, with counts and last activity
* ``GET /api/people/{key}`` → one person's assessments, logs and adherence
* ``GET /api/people/{key}/assessments/{n}`` → assessment ``n`` as summary.json holds it
  (docs/summary-schema.md)
* ``GET /`` → the people page; ``GET /people/{key}`` → a person's timeline
* ``GET /people/{key}/assessments/{n}/report`` → the stored report of assessment ``n``

People are named in links by their random key, never by their name (no health data in
addresses, browser history or logs, and any name works, slashes included).

Nothing is loaded from outside the package: pages carry their CSS, and every response
sends a Content-Security-Policy that forbids any other origin. With a password (the
server listens beyond this machine) every request needs it (HTTP Basic; any user name).
"""

from __future__ import annotations

import base64
import hmac
import threading
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import date
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from kneecoach import __version__
from kneecoach.app.journal import History, Journal
from kneecoach.core.errors import KneecoachError

#: Sent with every response: nothing from another origin, no framing, no sniffing.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self' 'unsafe-inline'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("kneecoach.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


class _Guard(BaseHTTPMiddleware):
    """Security headers on every response; the password, when one is set."""

    def __init__(self, app: Any, password: str | None) -> None:
        super().__init__(app)
        self.password = password

    async def dispatch(
        self, request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if self.password is not None and not self._allowed(request):
            response: Response = Response(
                "kneecoach: this journal needs its password",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="kneecoach", charset="UTF-8"'},
            )
        else:
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    def _allowed(self, request: Request) -> bool:
        scheme, _, encoded = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            _, _, given = base64.b64decode(encoded).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        assert self.password is not None
        return hmac.compare_digest(given.encode(), self.password.encode())


class _Site:
    """The endpoints over one journal; calls into it take turns (one session at a time)."""

    def __init__(self, journal: Journal) -> None:
        self.journal = journal
        self.lock = threading.Lock()
        self.pages = _templates()

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        html = self.pages.get_template(name).render(version=__version__, **context)
        return HTMLResponse(html, status_code=status)

    def failed(self, request: Request, exc: KneecoachError) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=404)
        return self.page("error.html.j2", status=404, message=str(exc))

    def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    def people_json(self, request: Request) -> Response:
        with self.lock:
            people = self.journal.people()
        return JSONResponse([_jsonable(asdict(p)) for p in people])

    def _history(self, key: str) -> History:
        with self.lock:
            return self.journal.history(self.journal.name_of(key), today=date.today())

    def person_json(self, request: Request) -> Response:
        try:
            h = self._history(request.path_params["key"])
        except KneecoachError as exc:
            return self.failed(request, exc)
        assessments = [
            {"number": i, "measured_at": a.measured_at.isoformat(), "test": a.test,
             "label": a.label, "working": list(a.working)}
            for i, a in enumerate(h.assessments, start=1)
        ]  # fmt: skip
        return JSONResponse({"person": h.person, "assessments": assessments,
                             "sessions_logged": len(h.logs),
                             "adherence": h.adherence.text()})  # fmt: skip

    def assessment_json(self, request: Request) -> Response:
        key, number = request.path_params["key"], request.path_params["number"]
        try:
            with self.lock:
                found = self.journal.stored_assessment(self.journal.name_of(key), number)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return JSONResponse(found.to_json_dict())

    def people_page(self, request: Request) -> Response:
        with self.lock:
            people = self.journal.people()
        return self.page("people.html.j2", people=people)

    def person_page(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            h = self._history(key)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return self.page("person.html.j2", history=h, key=key)

    def report(self, request: Request) -> Response:
        key, number = request.path_params["key"], request.path_params["number"]
        try:
            with self.lock:
                path = self.journal.stored_file(self.journal.name_of(key), number, "report")
        except KneecoachError as exc:
            return self.failed(request, exc)
        return FileResponse(path, media_type="text/html; charset=utf-8")


def create_app(journal: Journal, *, password: str | None = None) -> Starlette:
    """The app over ``journal`` (opened once, for the life of the server)."""
    site = _Site(journal)
    routes = [
        Route("/api/health", site.health),
        Route("/api/people", site.people_json),
        Route("/api/people/{key:str}", site.person_json),
        Route("/api/people/{key:str}/assessments/{number:int}", site.assessment_json),
        Route("/", site.people_page),
        Route("/people/{key:str}", site.person_page),
        Route("/people/{key:str}/assessments/{number:int}/report", site.report),
    ]
    return Starlette(routes=routes, middleware=[Middleware(_Guard, password=password)])


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
