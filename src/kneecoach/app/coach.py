"""The coaching use case: an intake (and findings) become a scheduled, stored, printable plan.

:func:`make_plan` does what ``kneecoach plan`` and the web app's plan page ask for: read the
intake (a file, or the person's stored one), aim it at the findings, stop on red flags
(withdrawing the earlier plan), move each exercise on or back as the logged sessions
decided, revise the calendar, write the files and store the plan, all in one journal
transaction. It returns a :class:`PlanResult` and never prints.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from kneecoach.app.journal import Journal
from kneecoach.core.errors import InputError, RedFlagError
from kneecoach.core.files import write_bytes, write_text
from kneecoach.program import (
    Intake,
    Library,
    Programme,
    build_programme,
    check_red_flags,
    intake_from_dict,
    intake_to_toml,
    load_intake,
    load_library,
    parse_days,
    revisions,
)
from kneecoach.program.adaptation import apply_decisions, replan_reason
from kneecoach.program.intake import demo_intake
from kneecoach.program.redflags import referral_text
from kneecoach.reports import worksheet
from kneecoach.reports.worksheet_pdf import render_pdf
from kneecoach.storage.files import make_private, plan_folder
from kneecoach.storage.progress import long_date
from kneecoach.storage.repository import PlannedDay, find_person

#: What ``kneecoach plan`` writes; removed when red flags stop a new plan in the same folder.
PLAN_FILES = ("plan.json", "worksheet.html", "worksheet.pdf", "plan.ics")
#: The demo's plan starts on a fixed Monday, so it is the same on every machine.
DEMO_START = dt.date(2026, 1, 5)


@dataclass(frozen=True)
class PlanRequest:
    """What a plan is made from: an intake file or a journal person (or both)."""

    intake_file: Path | None = None
    #: the journal person: their stored intake and latest findings when not given, and the
    #: plan is stored for them (``kneecoach log``)
    person: str | None = None
    #: a ``kneecoach analyze`` summary.json to aim the plan at
    findings: Path | None = None
    weeks: int = 4
    days: str | None = None
    #: first day (None: today)
    start: dt.date | None = None
    out_dir: Path = Path("plan")


@dataclass(frozen=True)
class PlanResult:
    """What :func:`make_plan` made.

    ``status``: ``ok`` (a plan was written and, with a person, stored) or ``stopped``
    (warning signs in the intake: no plan; ``message`` says why, ``referral`` is the note
    for the clinician, and ``programme`` is the earlier plan withdrawn, if there was one).
    """

    status: Literal["ok", "stopped"]
    programme: Programme | None
    files: dict[str, Path] = field(default_factory=dict)
    #: why this version exists ("new programme", "progressed after 6 logged sessions: ...")
    reason: str = "new programme"
    #: the calendar revision this plan replaces (None: a first plan)
    previous_revision: int | None = None
    #: the journal's programme version (None: not stored)
    version: int | None = None
    #: warning signs logged since the latest intake: see a clinician (also on the worksheet)
    warning: str | None = None
    message: str = ""
    referral: Path | None = None


#: The start dates a plan accepts: its dates must fit a calendar (9999-12-01 overflowed).
FIRST_START, LAST_START = dt.date(1970, 1, 1), dt.date(9000, 1, 1)


def make_plan(
    request: PlanRequest, journal: Journal | None = None, *, now: dt.datetime | None = None
) -> PlanResult:
    """Make, write and (with ``request.person``) store a plan; see the module docstring.

    ``journal`` is needed when ``request.person`` is given. Raises :class:`InputError`
    for input that cannot make a plan (no intake, a bad findings file).
    """
    if request.person is not None and journal is None:
        raise ValueError("a journal is needed to plan for a person")
    if request.start is not None and not FIRST_START <= request.start <= LAST_START:
        raise InputError(
            f"--start {request.start.isoformat()}: a plan must start between "
            f"{FIRST_START.isoformat()} and {LAST_START.isoformat()} (its calendar and "
            "maintenance phase run months past the start)"
        )
    now = now or dt.datetime.now().astimezone()
    if journal is None or request.person is None:
        return _make_plan(request, None, now)
    with journal.transaction():  # plan --person is all or nothing
        return _make_plan(request, journal, now)


def _make_plan(request: PlanRequest, journal: Journal | None, now: dt.datetime) -> PlanResult:
    person_name, out_dir = request.person, request.out_dir
    intake, summary = plan_inputs(request, journal)
    source = str(request.intake_file) if request.intake_file else f"{person_name}'s stored intake"
    key = None if intake.person.name else calendar_key(person_name, request.intake_file)
    owner = intake.person.name or key or ""  # whose calendar events (see plan_owner)
    previous = previous_plan(out_dir, owner, person_name, journal)
    try:
        check_red_flags(intake, source=source)
    except RedFlagError as e:
        return _stop(request, intake, previous, owner, journal, now, str(e))
    (out_dir / "referral.txt").unlink(missing_ok=True)
    days = parse_days(request.days) if request.days else None
    programme = build_programme(intake, summary, start=request.start or dt.date.today(),
                                weeks=request.weeks, days=days,
                                journal_person=person_name)  # fmt: skip
    reason, warning = "new programme", None
    if journal is not None and person_name is not None:  # a re-plan moves on (or back)
        programme, reason, warning = logged_decisions(journal, person_name, intake, programme)
    if key is not None:  # whose calendar events: the journal person's, else the file's
        programme = programme.model_copy(update={"calendar_key": key})
    programme = revisions.revise(programme, previous, now=now)
    files = write_plan(programme, load_library(), out_dir)
    version = None
    if journal is not None and person_name is not None:
        version = remember_plan(journal, person_name, intake, programme, reason=reason,
                                intake_given=request.intake_file is not None)  # fmt: skip
    return PlanResult(
        "ok", programme, files, reason, previous.revision if previous else None, version,
        warning,
    )  # fmt: skip


def _stop(
    request: PlanRequest,
    intake: Intake,
    previous: Programme | None,
    owner: str,
    journal: Journal | None,
    now: dt.datetime,
    message: str,
) -> PlanResult:
    """Red flags: no plan; the note for a clinician; the earlier plan withdrawn."""
    out_dir = request.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in PLAN_FILES:  # an older plan in the folder no longer applies
        (out_dir / name).unlink(missing_ok=True)
    referral = out_dir / "referral.txt"
    write_text(referral, referral_text(intake))
    message = f"{message} A note to show them: {referral}"
    withdrawn = revisions.withdraw(previous, owner, now=now) if previous else None
    if journal is not None and request.person is not None:
        # re-plans from the stored intake stop too; log plans nothing from the earlier plan
        journal.remember_withdrawal(
            request.person,
            intake=_intake_document(intake) if request.intake_file is not None else None,
            plan=json.loads(withdrawn.to_json()) if withdrawn is not None else None,
        )
    files: dict[str, Path] = {"referral": referral}
    if withdrawn is not None and withdrawn.cancelled:
        files["plan"] = out_dir / "plan.json"
        write_text(files["plan"], withdrawn.to_json())
        files["calendar"] = out_dir / "plan.ics"
        write_bytes(files["calendar"], worksheet.render_ics(withdrawn))
        n = len(withdrawn.cancelled)
        sessions = f"{n} remaining session{'s' * (n != 1)}"
        message = (
            f"{message}. Your calendar: {files['calendar']} cancels the {sessions} of the "
            "earlier plan: import it into your calendar to clear them."
        )
    return PlanResult(
        "stopped", withdrawn, files, message=message, referral=referral,
        previous_revision=previous.revision if previous else None,
    )  # fmt: skip


def plan_inputs(
    request: PlanRequest, journal: Journal | None
) -> tuple[Intake, dict[str, Any] | None]:
    """The intake and findings a plan is made from: the files given, else the person's stored
    intake and latest assessment summary (read from the journal once)."""
    person = request.person
    document: dict[str, Any] | None = None
    stored: dict[str, Any] | None = None
    needed = request.intake_file is None or request.findings is None
    if journal is not None and person is not None and needed:
        with contextlib.suppress(InputError):  # nobody of that name yet
            document, stored = journal.plan_inputs(person)
    if request.intake_file is not None:
        intake = load_intake(request.intake_file)
    elif document is not None:
        intake = intake_from_dict(document, source=f"{person}'s stored intake")
    elif person is not None and journal is not None:
        raise InputError(
            f"--person: no intake stored for {person!r}; give one once with "
            f"kneecoach plan --intake FILE.toml --person {person!r}"
        )
    else:
        raise InputError("give an intake file, or a person with a stored intake")
    findings = load_findings(request.findings) if request.findings is not None else stored
    return intake, findings


def logged_decisions(
    journal: Journal, person: str, intake: Intake, programme: Programme
) -> tuple[Programme, str, str | None]:
    """A re-plan for ``person``: ``programme`` moved on (or back) by their logged decisions.

    Each planned exercise becomes where the last progress / regress decisions logged
    for it lead (never an excluded exercise). Returns the programme, the reason stored
    with the new version ("new programme", "progressed after 6 logged sessions:
    clamshell → clamshell-band" ...), and the see-a-clinician warning when warning signs
    were logged since the latest intake (it heads the plan's notes too, on every re-plan,
    until an intake is given again).
    """
    basis = journal.replan_basis(person)
    warning = None
    if basis.warning_signs is not None:  # on the worksheet too: it is what gets printed
        warning = (
            f"Warning signs were logged on {long_date(basis.warning_signs)}: see a clinician "
            "(GP or physiotherapist) before training again, and follow their advice over "
            "this plan (science.md §7.3)."
        )
        programme = programme.model_copy(update={"notes": [warning, *programme.notes]})
    adapted, moved = apply_decisions(programme, basis.decisions, equipment=intake.equipment)
    if not basis.decisions and not moved:
        return programme, "new programme", warning
    return adapted, replan_reason(moved, basis.n_logged), warning


def remember_plan(
    journal: Journal,
    person: str,
    intake: Intake,
    programme: Programme,
    *,
    reason: str = "new programme",
    intake_given: bool = False,
) -> int:
    """Store the programme (and its intake) in ``person``'s journal; its version number.

    ``intake_given``: the intake came with this plan (``--intake``), not from the journal.
    """
    days = [
        PlannedDay(s.date, s.title, tuple(e.model_dump(mode="json") for e in s.exercises))
        for s in programme.sessions
    ]
    return journal.remember_programme(
        person, json.loads(programme.to_json()), intake=_intake_document(intake),
        start=programme.start, weeks=programme.weeks, days=days, reason=reason,
        intake_given=intake_given,
    )  # fmt: skip


def _intake_document(intake: Intake) -> dict[str, Any]:
    return intake.model_dump(mode="json", by_alias=True)


def calendar_key(person_name: str | None, intake_file: Path | None) -> str:
    """Whose plan an unnamed intake's is, for its calendar UIDs: the journal person's, else
    the intake file's (so two people's plans differ, and a re-made plan keeps its UIDs)."""
    if person_name:
        owner = f"person:{person_name}"
    else:
        owner = f"intake:{Path(intake_file or '').resolve()}"
    return hashlib.sha256(owner.encode()).hexdigest()[:16]


def previous_plan(
    out_dir: Path, owner: str, person_name: str | None = None, journal: Journal | None = None
) -> Programme | None:
    """The plan a new plan for ``owner`` (see :func:`~kneecoach.program.revisions.plan_owner`)
    replaces: the plan.json in ``out_dir`` when it is ``owner``'s, else (a journal person)
    the newest one in the journal, so a re-plan into a new folder, or into one another
    client's plan was written to since, still updates the calendar events (a later
    SEQUENCE, the dropped ones cancelled). None: none, or not readable."""
    try:
        here = Programme.model_validate_json((out_dir / "plan.json").read_bytes())
    except (OSError, ValueError):  # pydantic's ValidationError is a ValueError
        here = None
    if here is not None and (person_name is None or revisions.plan_owner(here) == owner):
        return here  # another's plan in the folder: revise() and withdraw() leave it be
    if person_name is None or journal is None:
        return None
    try:
        document = journal.current_plan(person_name)
        return Programme.model_validate(document) if document else None
    except (InputError, ValueError):  # a new person, or a plan from an older schema
        return None


def load_findings(path: Path) -> dict[str, Any]:
    """A ``kneecoach analyze`` summary.json, checked for its schema."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; give the summary.json of an analyze run") from None
    except json.JSONDecodeError as e:
        raise InputError(f"{path}: not valid JSON (line {e.lineno}): {e.msg}") from None
    if not isinstance(data, dict) or not str(data.get("schema", "")).startswith(
        "kneecoach.summary/"
    ):
        raise InputError(f"{path}: not a kneecoach summary.json (no schema 'kneecoach.summary/1')")
    return data


def demo_plan(summary: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    """``kneecoach demo``'s last step: a plan from the built-in intake and the demo's
    analysis, starting on a fixed Monday (the same on every machine)."""
    programme = build_programme(demo_intake(), summary, start=DEMO_START)
    return write_plan(programme, load_library(), out_dir)


def plan_from_intake(journal: Journal, person: str, data: dict[str, Any]) -> PlanResult:
    """A plan for ``person`` from an intake given as data (the web app's form): the intake
    is validated (:class:`InputError` naming each field), kept as ``intake.toml`` in the
    person's plan folder, and planned as ``plan --person --intake`` would."""
    intake = intake_from_dict(data, source="the intake")
    folder = person_plan_folder(journal, person)
    path = write_text(folder / "intake.toml", intake_to_toml(intake))
    return make_plan(PlanRequest(intake_file=path, person=person, out_dir=folder), journal)


def replan(journal: Journal, person: str) -> PlanResult:
    """The next version of ``person``'s plan from their stored intake and logged sessions
    (``plan --person``), in their plan folder."""
    return make_plan(PlanRequest(person=person, out_dir=person_plan_folder(journal, person)),
                     journal)  # fmt: skip


def person_plan_folder(journal: Journal, person: str) -> Path:
    """Where the web app keeps ``person``'s plan files (made, owner-only, when new)."""
    with journal.transaction() as session:
        key = find_person(session, person).key
    folder = plan_folder(journal.files_dir, key)
    make_private(folder, journal.files_dir)
    return folder


def write_plan(plan: Programme, library: Library, out_dir: Path, /) -> dict[str, Path]:
    """Write plan.json, worksheet.html, worksheet.pdf and plan.ics into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "plan": out_dir / "plan.json",
        "worksheet": out_dir / "worksheet.html",
        "pdf": out_dir / "worksheet.pdf",
        "calendar": out_dir / "plan.ics",
    }
    # every file made before any is written: one that cannot be made leaves the folder as it was
    content = {
        "plan": plan.to_json().encode("utf-8"),
        "worksheet": worksheet.render_html(plan, library).encode("utf-8"),
        "pdf": render_pdf(worksheet.worksheet_pages(plan, library), plan),
        "calendar": worksheet.render_ics(plan),
    }
    for name, data in content.items():
        write_bytes(files[name], data)
    return files
