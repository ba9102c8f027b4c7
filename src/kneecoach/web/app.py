"""The web app: pages and a JSON API over the journal, for the browser on this machine.

Every route calls the application layer (:class:`~kneecoach.app.journal.Journal`,
:class:`~kneecoach.app.jobs.Jobs`) and holds no logic of its own; docs/web-api.md lists the
API. People and analyses are named in links by random keys, never by a person's name (no
health data in addresses, browser history or logs, and any name works, slashes included).

Nothing is loaded from outside the package: the pages' script and styles are in
``web/static``, and every response sends a Content-Security-Policy that forbids any other
origin. :mod:`kneecoach.web.security` guards every request (login with a password, CSRF).
Analyses run in a worker process (:mod:`kneecoach.app.jobs`), never in the web server.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from kneecoach import __version__
from kneecoach.app.jobs import Jobs
from kneecoach.app.journal import History, Journal, comparison_of, timeline
from kneecoach.core.errors import InputError, KneecoachError
from kneecoach.core.movement_tests import MOVEMENT_TESTS
from kneecoach.core.settings import Settings
from kneecoach.pose.base import PoseEstimator
from kneecoach.web import overlay
from kneecoach.web.coaching import Coaching
from kneecoach.web.live import Live

if TYPE_CHECKING:
    from kneecoach.assessment.model import Assessment
from kneecoach.web.security import (
    SESSION_COOKIE,
    Guard,
    Sessions,
    csrf_token,
    first,
    form_csrf,
    safe_next,
    stale,
)

STATIC = Path(__file__).parent / "static"
MB = 1024 * 1024


def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("kneecoach.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


class _Site:
    """The endpoints over one journal and its queue of analyses."""

    def __init__(self, journal: Journal, jobs: Jobs, sessions: Sessions) -> None:
        self.journal = journal
        self.jobs = jobs
        self.sessions = sessions
        self.pages = _templates()

    # helpers ------------------------------------------------------------------------------

    def page(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        html = self.pages.get_template(template).render(
            version=__version__, csrf=csrf_token(request),
            logged_in=self.sessions.password is not None, **context,
        )  # fmt: skip
        return HTMLResponse(html, status_code=status)

    def failed(self, request: Request, exc: KneecoachError, status: int = 404) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        title = "Not found" if status == 404 else "That did not work"
        return self.page(request, "error.html.j2", status=status, message=str(exc), title=title)

    def _history(self, key: str) -> History:
        return self.journal.history(self.journal.name_of(key), today=date.today())

    # login --------------------------------------------------------------------------------

    def login_page(self, request: Request) -> Response:
        if self.sessions.password is None:
            return RedirectResponse("/", status_code=303)
        return self.page(request, "login.html.j2", next=safe_next(request.query_params.get("next")),
                         error="")  # fmt: skip

    async def login(self, request: Request) -> Response:
        if self.sessions.password is None:
            return RedirectResponse("/", status_code=303)
        client = request.client.host if request.client else "?"
        wait = self.sessions.limiter.wait_s(client)
        if wait > 0:
            return Response(
                f"kneecoach: too many wrong passwords; try again in {wait / 60:.0f} minutes",
                status_code=429, headers={"Retry-After": str(int(wait) + 1)},
                media_type="text/plain",
            )  # fmt: skip
        fields = await form_csrf(request)
        if fields is None:
            return stale()
        target = safe_next(first(fields, "next"))
        if not self.sessions.check_password(first(fields, "password")):
            self.sessions.limiter.failed(client)
            return self.page(request, "login.html.j2", status=401, next=target,
                             error="That is not the password.")  # fmt: skip
        self.sessions.limiter.succeeded(client)
        response = RedirectResponse(target, status_code=303)
        response.set_cookie(SESSION_COOKIE, self.sessions.open(), httponly=True,
                            samesite="strict", path="/")  # fmt: skip
        return response

    async def logout(self, request: Request) -> Response:
        if await form_csrf(request) is None:
            return stale()
        self.sessions.close(request.cookies.get(SESSION_COOKIE))
        response = RedirectResponse("/login" if self.sessions.password else "/", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    # people -------------------------------------------------------------------------------

    def health(self, request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": __version__})

    def exercise_picture(self, request: Request) -> Response:
        """``/exercises/{id}.svg``: an exercise's picture, drawn from the library."""
        from kneecoach.program import load_library
        from kneecoach.reports.exercise_picture import exercise_svg

        library = load_library()
        eid = request.path_params["eid"]
        if eid not in library.ids:
            return PlainTextResponse(f"no exercise {eid!r} in the library", status_code=404)
        return Response(exercise_svg(library.get(eid)), media_type="image/svg+xml",
                        headers={"Cache-Control": "max-age=3600"})  # fmt: skip

    def people_json(self, request: Request) -> Response:
        people = self.journal.people()
        return JSONResponse([_jsonable(asdict(p)) for p in people])

    async def add_person_json(self, request: Request) -> Response:
        """``POST /api/people`` with ``{"name": …}``: the person (201), added if new."""
        try:
            body = await request.json()
            name = body.get("name") if isinstance(body, dict) else None
            if not isinstance(name, str):
                raise InputError('send {"name": "..."}')
            person = await run_in_threadpool(self.journal.add_person, name)
        except ValueError as exc:
            return JSONResponse({"error": f"the body is not JSON ({exc})"}, status_code=400)
        except KneecoachError as exc:
            return self.failed(request, exc, status=400)
        return JSONResponse(_jsonable(asdict(person)), status_code=201)

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
            found = self.journal.stored_assessment(self.journal.name_of(key), number)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return JSONResponse(found.to_json_dict())

    def people_page(self, request: Request) -> Response:
        people = self.journal.people()
        return self.page(request, "people.html.j2", people=people, error="", name="")

    async def add_person(self, request: Request) -> Response:
        fields = await form_csrf(request)
        if fields is None:
            return stale()
        try:
            person = await run_in_threadpool(self.journal.add_person, first(fields, "name"))
        except KneecoachError as exc:
            people = self.journal.people()
            return self.page(request, "people.html.j2", status=400, people=people,
                             error=str(exc), name=first(fields, "name"))  # fmt: skip
        return RedirectResponse(f"/people/{person.key}", status_code=303)

    def delete_page(self, request: Request) -> Response:
        try:
            person = self.journal.overview(request.path_params["key"])
        except KneecoachError as exc:
            return self.failed(request, exc)
        uploads = len(self.jobs.recent(person.key))
        return self.page(request, "delete.html.j2", person=person, uploads=uploads)

    async def delete_person(self, request: Request) -> Response:
        fields = await form_csrf(request)
        if fields is None:
            return stale()
        try:
            name = self.journal.name_of(request.path_params["key"])
            await run_in_threadpool(self.journal.delete, name)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return RedirectResponse("/", status_code=303)

    def person_page(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            h = self._history(key)
            jobs = self.jobs.recent(key)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return self.page(request, "person.html.j2", history=h, key=key, jobs=jobs,
                         events=timeline(h))  # fmt: skip

    def report(self, request: Request) -> Response:
        key, number = request.path_params["key"], request.path_params["number"]
        try:
            path = self.journal.stored_file(self.journal.name_of(key), number, "report")
        except KneecoachError as exc:
            return self.failed(request, exc)
        return FileResponse(path, media_type="text/html; charset=utf-8")

    def compare_page(self, request: Request) -> Response:
        """Two assessments side by side: numbers, verdicts, videos synced at each rep."""
        key = request.path_params["key"]
        try:
            name = self.journal.name_of(key)
            numbers = [int(request.query_params.get(k, "0") or 0) for k in ("first", "second")]
            history = self.journal.history(name, today=date.today())
            if not all(numbers):  # default: the latest two of the latest test
                latest = history.assessments[-1] if history.assessments else None
                same = [i for i, a in enumerate(history.assessments, start=1)
                        if latest is not None and a.group == latest.group]  # fmt: skip
                numbers = same[-2:] if len(same) >= 2 else [1, 2]
            c = comparison_of(history, numbers[0], numbers[1])
            views = [self._compared(key, name, n) for n in numbers]
        except (KneecoachError, ValueError) as exc:
            error = exc if isinstance(exc, KneecoachError) else InputError(str(exc))
            return self.failed(request, error, status=400)
        reps = sorted(set(views[0]["reps"]) & set(views[1]["reps"]))
        return self.page(request, "compare.html.j2", key=key, person=name, c=c, views=views,
                         reps=reps, history=history)  # fmt: skip

    def _compared(self, key: str, name: str, number: int) -> dict[str, Any]:
        """One side of the comparison: its video's address and each rep's reading time."""
        summary = self.journal.stored_assessment(name, number)
        job = self.jobs.of_assessment(self.journal.assessment_key(name, number))
        playable = job is not None and self.jobs.clip(job).suffix.lower() in VIDEO_TYPES
        video = f"/api/analyses/{job}/clip" if playable else None
        if video is None:
            with contextlib.suppress(KneecoachError):
                self.journal.stored_file(name, number, "video")
                video = f"/people/{key}/assessments/{number}/video"
        reps = {r.index: r.time_s for s in summary.sides.values() if s.working for r in s.reps
                if r.time_s is not None}  # fmt: skip
        return {"number": number, "summary": summary, "video": video, "reps": reps}

    def stored_video(self, request: Request) -> Response:
        key, number = request.path_params["key"], request.path_params["number"]
        try:
            path = self.journal.stored_file(self.journal.name_of(key), number, "video")
        except KneecoachError as exc:
            return self.failed(request, exc)
        return FileResponse(path, media_type=VIDEO_TYPES.get(path.suffix.lower(), "video/mp4"))

    # analyses -----------------------------------------------------------------------------

    def new_analysis_page(self, request: Request) -> Response:
        people = self.journal.people()
        chosen = request.query_params.get("person", "")
        tests = [("auto", "recognise the test")] + [(k, t.label) for k, t in MOVEMENT_TESTS.items()]
        return self.page(request, "new_analysis.html.j2", people=people, chosen=chosen,
                         tests=tests, max_mb=self.jobs.settings.web_max_upload_mb)  # fmt: skip

    async def submit(self, request: Request) -> Response:
        """``POST /api/analyses`` (multipart: ``file``, ``test``, optional ``person``)."""
        limit = self.jobs.settings.web_max_upload_mb * MB
        size = request.headers.get("content-length")
        if size is None or not size.isdigit():
            return JSONResponse({"error": "send the clip with its length (Content-Length)"},
                                status_code=411)  # fmt: skip
        if int(size) > limit + MB:  # the form's other fields and boundaries: well under 1 MB
            return JSONResponse({"error": _too_big(int(size), limit)}, status_code=413)
        form = await request.form(max_files=1, max_fields=5)
        upload = form.get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            return JSONResponse({"error": "no file: send the clip as the form field 'file'"},
                                status_code=400)  # fmt: skip
        test = str(form.get("test") or "auto")
        person = str(form.get("person") or "") or None
        incoming = self.jobs.incoming()
        written = 0
        try:
            with incoming.open("wb") as fh:
                while chunk := await upload.read(MB):
                    written += len(chunk)
                    if written > limit:
                        raise InputError(_too_big(written, limit))
                    fh.write(chunk)
            state = await run_in_threadpool(self.jobs.submit, incoming, filename=upload.filename,
                                            test=test, person=person)  # fmt: skip
        except InputError as exc:
            incoming.unlink(missing_ok=True)
            status = 413 if written > limit else 400
            return JSONResponse({"error": str(exc)}, status_code=status)
        finally:
            await upload.close()
        return JSONResponse(state.to_json(), status_code=202,
                            headers={"Location": f"/api/jobs/{state.key}"})  # fmt: skip

    def jobs_json(self, request: Request) -> Response:
        person = request.query_params.get("person") or None
        try:
            states = self.jobs.recent(person)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return JSONResponse([s.to_json() for s in states])

    def job_json(self, request: Request) -> Response:
        try:
            return JSONResponse(self.jobs.state(request.path_params["key"]).to_json())
        except KneecoachError as exc:
            return self.failed(request, exc)

    def jobs_page(self, request: Request) -> Response:
        return self.page(request, "jobs.html.j2", jobs=self.jobs.recent())

    def analysis_file(self, request: Request) -> Response:
        """summary.json, report.html, frames.csv … of an analysis made here."""
        key, name = request.path_params["key"], request.path_params["name"]
        if name not in ANALYSIS_FILES:
            return self.failed(request, InputError(f"an analysis has no file {name!r}"))
        try:
            path = self.jobs.analysis_file(key, name)
        except KneecoachError as exc:
            return self.failed(request, exc)
        return FileResponse(path, media_type=ANALYSIS_FILES[name])

    def analysis_pdf(self, request: Request) -> Response:
        """The analysis as a PDF to share (a one-page summary, then method and sources)."""
        key = request.path_params["key"]
        try:
            from kneecoach.assessment.model import Assessment

            summary = Assessment.read(self.jobs.analysis_file(key, "summary.json"))
            folder = self.jobs.folder(key) / "analysis"
            pictures = [folder / m.image for m in summary.worst_moments
                        if (folder / m.image).is_file()]  # fmt: skip
        except KneecoachError as exc:
            return self.failed(request, exc)
        return _pdf(summary, pictures)

    def stored_pdf(self, request: Request) -> Response:
        """A stored assessment (the CLI's ``analyze --person`` too) as the PDF to share."""
        key, number = request.path_params["key"], request.path_params["number"]
        try:
            name = self.journal.name_of(key)
            summary = self.journal.stored_assessment(name, number)
            try:
                pictures = [self.journal.stored_file(name, number, "worst_1")]
            except InputError:  # stored without pictures
                pictures = []
        except KneecoachError as exc:
            return self.failed(request, exc)
        return _pdf(summary, pictures)

    def clip(self, request: Request) -> Response:
        try:
            path = self.jobs.clip(request.path_params["key"])
        except KneecoachError as exc:
            return self.failed(request, exc)
        return FileResponse(path, media_type=VIDEO_TYPES.get(path.suffix, "video/mp4"))

    def track_json(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            path = self.jobs.analysis_file(key, "track.nc")
            return JSONResponse(overlay.track_for_browser(path))
        except KneecoachError as exc:
            return self.failed(request, exc)

    def analysis_page(self, request: Request) -> Response:
        key = request.path_params["key"]
        try:
            state = self.jobs.state(key)
            summary = None
            if state.has_report:
                from kneecoach.assessment.model import Assessment

                summary = Assessment.read(self.jobs.analysis_file(key, "summary.json"))
            video = state.has_report and self.jobs.clip(key).suffix in VIDEO_TYPES
        except KneecoachError as exc:
            return self.failed(request, exc)
        return self.page(request, "analysis.html.j2", job=state, summary=summary, video=video,
                         view=overlay.view_model(summary) if summary else None)  # fmt: skip


#: What each analysis file is served as.
ANALYSIS_FILES = {
    "summary.json": "application/json",
    "report.html": "text/html; charset=utf-8",
    "frames.csv": "text/csv; charset=utf-8",
    "quality.json": "application/json",
}
#: The uploads a browser can play, and their types.
VIDEO_TYPES = {".mp4": "video/mp4", ".m4v": "video/mp4", ".mov": "video/quicktime",
               ".webm": "video/webm"}  # fmt: skip


def _too_big(size: int, limit: int) -> str:
    return (
        f"the clip is larger than the limit of {limit // MB} MB (setting web_max_upload_mb); "
        "trim it to the test, or raise the limit"
    )


def _pdf(summary: Assessment, pictures: list[Path]) -> Response:
    """An assessment as the PDF download (reports/summary_pdf.py)."""
    from kneecoach.reports.summary_pdf import analysis_pdf

    attachment = {"Content-Disposition": 'attachment; filename="analysis.pdf"'}
    return Response(analysis_pdf(summary, pictures), media_type="application/pdf",
                    headers=attachment)  # fmt: skip


def create_app(
    journal: Journal,
    *,
    password: str | None = None,
    settings: Settings | None = None,
    jobs: Jobs | None = None,
    live_pose: Callable[[], PoseEstimator] | None = None,
) -> Starlette:
    """The app over ``journal`` (opened once, for the life of the server). Its queue of
    analyses starts with the app and stops with it."""
    jobs = jobs or Jobs(journal, settings or Settings())
    sessions = Sessions(password)
    site = _Site(journal, jobs, sessions)
    coaching = Coaching(site)
    live = Live(site, live_pose) if live_pose else Live(site)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        jobs.start()
        try:
            yield
        finally:
            jobs.stop()

    routes = [
        Route("/api/health", site.health),
        Route("/api/people", site.people_json),
        Route("/api/people", site.add_person_json, methods=["POST"]),
        Route("/api/people/{key:str}", site.person_json),
        Route("/api/people/{key:str}/assessments/{number:int}", site.assessment_json),
        Route("/api/analyses", site.submit, methods=["POST"]),
        Route("/api/analyses/{key:str}/track.json", site.track_json),
        Route("/api/analyses/{key:str}/clip", site.clip),
        Route("/api/analyses/{key:str}/analysis.pdf", site.analysis_pdf),
        Route("/api/analyses/{key:str}/{name:str}", site.analysis_file),
        Route("/api/people/{key:str}/plan", coaching.plan_json),
        Route("/api/people/{key:str}/plan", coaching.replan_json, methods=["POST"]),
        Route("/api/people/{key:str}/logs", coaching.logs_json),
        Route("/api/people/{key:str}/logs", coaching.add_log_json, methods=["POST"]),
        WebSocketRoute("/api/live", live.socket),
        Route("/api/jobs", site.jobs_json),
        Route("/api/jobs/{key:str}", site.job_json),
        Route("/", site.people_page),
        Route("/login", site.login_page),
        Route("/login", site.login, methods=["POST"]),
        Route("/logout", site.logout, methods=["POST"]),
        Route("/people", site.add_person, methods=["POST"]),
        Route("/people/{key:str}", site.person_page),
        Route("/people/{key:str}/delete", site.delete_page),
        Route("/people/{key:str}/delete", site.delete_person, methods=["POST"]),
        Route("/people/{key:str}/assessments/{number:int}/report", site.report),
        Route("/people/{key:str}/assessments/{number:int}/analysis.pdf", site.stored_pdf),
        Route("/people/{key:str}/assessments/{number:int}/video", site.stored_video),
        Route("/people/{key:str}/compare", site.compare_page),
        Route("/people/{key:str}/intake", coaching.intake_page),
        Route("/people/{key:str}/intake", coaching.submit_intake, methods=["POST"]),
        Route("/people/{key:str}/plan", coaching.plan_page),
        Route("/people/{key:str}/plan", coaching.replan, methods=["POST"]),
        Route("/people/{key:str}/plan/{name:str}", coaching.plan_file),
        Route("/people/{key:str}/log", coaching.log_page),
        Route("/people/{key:str}/log", coaching.submit_log, methods=["POST"]),
        Route("/people/{key:str}/check-in", coaching.check_in, methods=["POST"]),
        Route("/people/{key:str}/progress", coaching.progress_page),
        Route("/people/{key:str}/progress.pdf", coaching.progress_pdf),
        Route("/train", live.train_page),
        Route("/exercises/{eid:str}.svg", site.exercise_picture),
        Route("/analyses/new", site.new_analysis_page),
        Route("/analyses", site.jobs_page),
        Route("/analyses/{key:str}", site.analysis_page),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(Guard, sessions=sessions)],
                     lifespan=lifespan)  # fmt: skip


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in row.items()}
