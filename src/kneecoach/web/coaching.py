"""The coaching pages: the intake as a form, the plan, logging a session, progress.

Each route calls the application layer (:mod:`kneecoach.app.coach`, the
:class:`~kneecoach.app.journal.Journal`) as the commands ``intake``, ``plan --person``,
``log`` and ``progress`` do; the files a plan makes (worksheet, PDF, calendar) are written
to the person's plan folder and served from there.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response

from kneecoach.app import coach
from kneecoach.app.coach import PlanResult
from kneecoach.app.journal import PlannedToday, SessionEntry
from kneecoach.core.errors import InputError, KneecoachError
from kneecoach.program.intake import intake_problems
from kneecoach.program.questions import answers_from_form, get_path, questions
from kneecoach.program.redflags import STOP_AND_SEE_A_CLINICIAN as RED_FLAG_ADVICE
from kneecoach.storage.files import plan_folder
from kneecoach.web.security import first, form_csrf, stale

if TYPE_CHECKING:
    from kneecoach.web.app import _Site

#: The plan files a browser may fetch, and their types.
PLAN_FILES = {
    "worksheet.html": "text/html; charset=utf-8",
    "worksheet.pdf": "application/pdf",
    "plan.ics": "text/calendar; charset=utf-8",
    "plan.json": "application/json",
}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Coaching:
    """The intake, plan, log and progress routes of one site."""

    def __init__(self, site: _Site) -> None:
        self.site = site
        self.journal = site.journal

    def _person(self, request: Request) -> tuple[str, str]:
        key = request.path_params["key"]
        return key, self.journal.name_of(key)

    # the intake ---------------------------------------------------------------------------

    def intake_page(self, request: Request) -> Response:
        try:
            key, name = self._person(request)
            stored, _ = self.journal.plan_inputs(name)
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        values = {".".join(q.path): get_path(stored or {}, q.path) for q in questions()}
        return self._intake_form(request, key, name, values, {})

    def _intake_form(
        self, request: Request, key: str, name: str, values: dict[str, Any],
        problems: dict[str, str], status: int = 200,
    ) -> Response:  # fmt: skip
        return self.site.page(request, "intake.html.j2", status=status, key=key, person=name,
                              questions=questions(), values=values, problems=problems,
                              weekdays=WEEKDAYS)  # fmt: skip

    async def submit_intake(self, request: Request) -> Response:
        fields = await form_csrf(request)
        if fields is None:
            return stale()
        try:
            key, name = self._person(request)
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        data, problems = answers_from_form(fields)
        problems = {**intake_problems(data), **problems}  # the form's own reading first
        if problems:
            values = {".".join(q.path): get_path(data, q.path) for q in questions()}
            values |= {k: first(fields, k) for k in problems}  # show what was typed
            return self._intake_form(request, key, name, values, problems, status=400)
        try:
            result = await run_in_threadpool(coach.plan_from_intake, self.journal, name, data)
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        return self._planned(request, key, name, result)

    def _planned(self, request: Request, key: str, name: str, result: PlanResult) -> Response:
        """The plan page, or the referral when warning signs stopped the plan."""
        if result.status == "stopped":
            return self.site.page(request, "referral.html.j2", key=key, person=name,
                                  message=result.message, advice=RED_FLAG_ADVICE,
                                  referral=result.referral)  # fmt: skip
        return RedirectResponse(f"/people/{key}/plan", status_code=303)

    # the plan ---------------------------------------------------------------------------

    def plan_page(self, request: Request) -> Response:
        try:
            key, name = self._person(request)
            plan = self.journal.current_plan(name)
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        folder = plan_folder(self.journal.files_dir, key)
        files = [f for f in PLAN_FILES if (folder / f).is_file()]
        exercises = {} if plan is None else {
            str(p["exercise_id"]): str(p["name"]) for s in plan["sessions"] for p in s["exercises"]
        }  # fmt: skip
        return self.site.page(request, "plan.html.j2", key=key, person=name, plan=plan,
                              files=files, exercises=exercises)  # fmt: skip

    async def replan(self, request: Request) -> Response:
        if await form_csrf(request) is None:
            return stale()
        try:
            key, name = self._person(request)
            result = await run_in_threadpool(coach.replan, self.journal, name)
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        return self._planned(request, key, name, result)

    def plan_file(self, request: Request) -> Response:
        name = request.path_params["name"]
        try:
            key, _ = self._person(request)
            path = plan_folder(self.journal.files_dir, key) / name
            if name not in PLAN_FILES or not path.is_file():
                raise InputError(f"no {name} has been made for this plan")
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        download = name != "worksheet.html"
        return FileResponse(path, media_type=PLAN_FILES[name],
                            filename=name if download else None)  # fmt: skip

    def plan_json(self, request: Request) -> Response:
        try:
            _, name = self._person(request)
            plan = self.journal.current_plan(name)
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        if plan is None:
            return JSONResponse({"error": "no plan has been made yet"}, status_code=404)
        return JSONResponse(plan)

    # logging a session ------------------------------------------------------------------

    def log_page(self, request: Request) -> Response:
        try:
            key, name = self._person(request)
            day = _day(request.query_params.get("day"))
            planned = self.journal.planned_or_nothing(name, day)
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        return self.site.page(request, "log.html.j2", key=key, person=name, planned=planned,
                              problems={})  # fmt: skip

    async def submit_log(self, request: Request) -> Response:
        fields = await form_csrf(request)
        if fields is None:
            return stale()
        try:
            key, name = self._person(request)
            day = _day(first(fields, "day"))
            planned = self.journal.planned_or_nothing(name, day)
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        entry, problems = _entry(fields, day, planned)
        if entry is None:
            return self.site.page(request, "log.html.j2", status=400, key=key, person=name,
                                  planned=planned, problems=problems)  # fmt: skip
        warned = first(fields, "warning_signs") == "yes"
        try:
            result = await run_in_threadpool(
                lambda: self.journal.log_session(
                    name, entry, warned=warned, again=planned.logged > 0
                )  # fmt: skip
            )
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        replanned = None  # the plan follows the log: an exercise moved on or back
        if result.changes_plan and planned.programme_version is not None:
            replanned = await run_in_threadpool(coach.replan, self.journal, name)
        return self.site.page(request, "logged.html.j2", key=key, person=name, result=result,
                              advice=RED_FLAG_ADVICE, replanned=replanned)  # fmt: skip

    async def check_in(self, request: Request) -> Response:
        """A pain rating on a day without a session (``log --check-in``)."""
        fields = await form_csrf(request)
        if fields is None:
            return stale()
        try:
            key, name = self._person(request)
            day = _day(first(fields, "day"))
            pain = _rating(first(fields, "pain").strip())
            if pain is None:
                planned = self.journal.planned_or_nothing(name, day)
                return self.site.page(request, "log.html.j2", status=400, key=key,
                                      person=name, planned=planned,
                                      problems={"pain": NOT_A_RATING})  # fmt: skip
            self.journal.record_checkin(name, day=day, pain=pain,
                                        notes=first(fields, "notes").strip()[:2000])  # fmt: skip
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        return RedirectResponse(f"/people/{key}/progress", status_code=303)

    async def add_log_json(self, request: Request) -> Response:
        """``POST /api/people/{key}/logs`` with a JSON session (as ``kneecoach log`` takes
        it): ``day``, ``done``, ``sets_done``, ``pain_before``, ``pain_during``,
        ``pain_after``, ``rpe``, ``notes``, ``warning_signs``."""
        try:
            key, name = self._person(request)
            body = await request.json()
            if not isinstance(body, dict):
                raise InputError("send the session as a JSON object")
            fields = {k: [str(v).lower() if isinstance(v, bool) else str(v)]
                      for k, v in body.items() if v is not None}  # fmt: skip
            fields["done"] = ["yes" if body.get("done", True) is True else "no"]
            fields["warning_signs"] = ["yes" if body.get("warning_signs") is True else "no"]
            day = _day(first(fields, "day"))
            planned = self.journal.planned_or_nothing(name, day)
            entry, problems = _entry(fields, day, planned)
            if entry is None:
                said = "; ".join(f"{k}: {v}" for k, v in problems.items())
                return JSONResponse({"error": said}, status_code=400)
            result = await run_in_threadpool(
                lambda: self.journal.log_session(
                    name, entry, warned=first(fields, "warning_signs") == "yes",
                    again=planned.logged > 0,
                )
            )  # fmt: skip
        except ValueError as exc:  # not JSON
            return JSONResponse({"error": f"the body is not JSON ({exc})"}, status_code=400)
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        return JSONResponse({
            "day": entry.day.isoformat(), "done": entry.done, "warning_signs": result.warned,
            "next_time": [{"exercise_id": a.exercise_id, "decision": a.decision,
                           "advice": a.advice} for a in result.decided],
            "adherence": result.logged.adherence.text(),
        }, status_code=201)  # fmt: skip

    async def replan_json(self, request: Request) -> Response:
        """``POST /api/people/{key}/plan``: the next version from the stored intake."""
        try:
            _, name = self._person(request)
            result = await run_in_threadpool(coach.replan, self.journal, name)
        except KneecoachError as exc:
            return self.site.failed(request, exc, status=400)
        if result.status == "stopped":
            return JSONResponse({"error": result.message}, status_code=409)
        return JSONResponse(self.journal.current_plan(name), status_code=201)

    def logs_json(self, request: Request) -> Response:
        try:
            _, name = self._person(request)
            history = self.journal.history(name, today=date.today())
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        return JSONResponse([
            {"day": log.day.isoformat(), "done": log.done, "pain_during": log.pain_during,
             "pain_after": log.pain_after, "rpe": log.rpe}
            for log in history.logs
        ])  # fmt: skip

    # progress ---------------------------------------------------------------------------

    def progress_page(self, request: Request) -> Response:
        return self._progress(request, pdf=False)

    def progress_pdf(self, request: Request) -> Response:
        """``/people/{key}/progress.pdf``: the progress page as a PDF to share."""
        return self._progress(request, pdf=True)

    def _progress(self, request: Request, *, pdf: bool) -> Response:
        """The person's progress page, written fresh; with ``pdf``, its PDF as a download."""
        try:
            _, name = self._person(request)
            folder = coach.person_plan_folder(self.journal, name)
            report = self.journal.write_progress_report(
                name, folder / "progress.html", today=date.today(),
                pdf=folder / "progress.pdf" if pdf else None,
            )  # fmt: skip
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        if report.pdf is None:
            return FileResponse(report.path, media_type="text/html; charset=utf-8")
        return FileResponse(report.pdf, media_type="application/pdf",
                            filename=f"progress-{date.today():%Y-%m-%d}.pdf")  # fmt: skip


def _day(text: str | None) -> date:
    if not text:
        return date.today()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"{text!r} is not a date (YYYY-MM-DD)") from None


RATINGS = ("pain_before", "pain_during", "pain_after", "rpe")
NOT_A_RATING = "a whole number from 0 to 10"


def _rating(text: str) -> int | None:
    """A 0-10 rating as typed (None: empty, or not one)."""
    return int(text) if text.isdigit() and int(text) <= 10 else None


def _entry(
    fields: dict[str, list[str]], day: date, planned: PlannedToday
) -> tuple[SessionEntry | None, dict[str, str]]:
    """The session the log form describes, or None and what is wrong, by field."""
    problems: dict[str, str] = {}
    done = first(fields, "done") == "yes"
    ratings: dict[str, int | None] = {}
    for name in RATINGS:
        text = first(fields, name).strip()
        if text and _rating(text) is None:
            problems[name] = NOT_A_RATING
        ratings[name] = _rating(text)
    exercises = []
    for i, e in enumerate(planned.exercises):
        text = first(fields, f"sets_{i}").strip()
        if text and (not text.isdigit() or int(text) > 1000):
            problems[f"sets_{i}"] = "a whole number of sets"
            continue
        sets = int(text) if text.isdigit() and done else None
        exercises.append({"exercise_id": e.get("exercise_id"), "sets_planned": e.get("sets"),
                          "sets_done": sets})  # fmt: skip
    if problems:
        return None, problems
    done_sets = [int(e["sets_done"]) for e in exercises if e["sets_done"] is not None]
    return SessionEntry(
        day, done, sum(done_sets) if done and done_sets else None, planned.sets,
        ratings["pain_during"], ratings["pain_after"], ratings["rpe"],
        first(fields, "notes").strip()[:2000], tuple(exercises), ratings["pain_before"],
    ), {}  # fmt: skip
