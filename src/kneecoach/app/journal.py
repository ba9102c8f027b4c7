"""The journal use cases: remember analyses, plans and sessions; compare; report; delete.

:class:`Journal` is opened once per command (or web request) from the ``database_url``
setting and returns typed results for the command line or the web app to show; it never
prints. ``today`` is passed in (no hidden clock reads below this module).
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kneecoach import __version__
from kneecoach.assessment.norms import FPPA_SDD_DEG, FPPA_SDD_SOURCE, PELVIC_DROP_SOURCE
from kneecoach.core.errors import InputError
from kneecoach.core.files import write_bytes
from kneecoach.core.lazy import lazy_module
from kneecoach.core.schema import SIDES
from kneecoach.storage.archive import (
    DEFAULT_LIMITS,
    Limits,
    export_person,
    import_person,
    missing_in_archive,
)
from kneecoach.storage.db import Database, open_database
from kneecoach.storage.files import plan_folder
from kneecoach.storage.jobs import job_folder, job_keys
from kneecoach.storage.models import WARNING_NOTE as WARNING_NOTE
from kneecoach.storage.models import Assessment, Person, SenseTest, SessionLog
from kneecoach.storage.progress import (
    ASYMMETRY_SDC_SOURCE,
    LABEL,
    Adherence,
    AssessmentPoint,
    Change,
    SidePoint,
    compare,
    compute_adherence,
    long_date,
    short_date,
    summary_sentence,
)
from kneecoach.storage.repository import (
    PersonOverview,
    PlannedDay,
    add_assessment,
    add_checkin,
    add_intake,
    add_programme,
    analysis_files,
    assessments_of,
    current_programme,
    delete_person,
    find_person,
    find_person_by_key,
    get_or_create_person,
    latest_intake,
    latest_summary,
    list_people,
    log_session,
    scheduled_after,
    scheduled_on,
    settle_deletions,
)

if TYPE_CHECKING:  # the progress page's charts (Matplotlib) load only when a page is written;
    # the coaching rules only when a session is logged or a plan re-made; the clip's
    # assessment model (numpy, xarray) only when an analysis is stored
    from kneecoach.assessment.model import Assessment as ClipAssessment
    from kneecoach.live.reps import LiveRep
    from kneecoach.live.sense import SenseResult
    from kneecoach.program.adaptation import LoggedDecision
    from kneecoach.program.models import Adaptation
    from kneecoach.reports import progress as progress_page
    from kneecoach.reports.progress import Trend
else:
    progress_page = lazy_module("kneecoach.reports.progress")


@dataclass(frozen=True)
class Imported:
    """Whom :meth:`Journal.import_archive` brought back, and what came with them."""

    person: str
    assessments: int
    session_logs: int
    #: stored files that were missing or damaged when the archive was made (not in it)
    missing: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class StoredAssessment:
    """What :func:`remember_analysis` stored, and how it compares with the one before."""

    person: str
    number: int  # this person's n-th assessment of this test
    test_label: str
    folder: Path
    previous: AssessmentPoint | None
    changes: list[Change]
    #: the working leg when one (``left``); the number counts that test on that leg
    leg: str | None = None


def point(a: Assessment) -> AssessmentPoint:
    """A stored assessment as the comparison maths needs it (the knee over the foot from its
    stored summary: an assessment stored before that measure existed has none)."""
    summary_sides = a.summary.get("sides") if isinstance(a.summary, dict) else None
    sides = {}
    for s in a.sides:
        reps = [r for r in a.reps if r.side == s.side and r.complete]
        over = _over_foot(summary_sides, s.side)
        sides[s.side] = SidePoint(
            working=s.working, peak_fppa_deg=s.peak_fppa_deg, mean_fppa_deg=s.mean_fppa_deg,
            mean_pelvic_drop_deg=s.mean_pelvic_drop_deg,
            rep_fppa_deg=tuple(r.fppa_deg for r in reps if r.fppa_deg is not None),
            rep_pelvic_drop_deg=tuple(
                r.pelvic_drop_deg for r in reps if r.pelvic_drop_deg is not None
            ),
            **over,
        )  # fmt: skip
    worst = sorted((f for f in a.files if f.kind.startswith("worst_")), key=lambda f: f.kind)
    return AssessmentPoint(
        a.id, a.measured_at, a.test, a.test_label, sides, tuple(f.path for f in worst)
    )


def _over_foot(sides: object, side: str) -> dict[str, Any]:
    """One side's knee over its foot from a stored summary: the furthest inside, the clip's
    noise, and each complete rep's furthest inside (% of leg length)."""
    s = sides.get(side) if isinstance(sides, dict) else None
    if not isinstance(s, dict):
        return {}
    reps = [r for r in s.get("reps") or [] if isinstance(r, dict) and r.get("complete")]
    return {
        "peak_knee_over_foot_pct": s.get("peak_knee_over_foot_pct"),
        "knee_over_foot_noise_pct": s.get("knee_over_foot_noise_pct"),
        "rep_knee_over_foot_pct": tuple(float(r["knee_over_foot_worst_pct"]) for r in reps
                                        if r.get("knee_over_foot_worst_pct") is not None),
    }  # fmt: skip


# --------------------------------------------------------------------------- people


# --------------------------------------------------------------------------- plans


#: why a programme version was stored without sessions (see :func:`remember_withdrawal`)
WITHDRAWN = "withdrawn: warning signs in the intake, see a clinician"


# --------------------------------------------------------------------------- logging


@dataclass(frozen=True)
class PlannedToday:
    """The session planned for a day (None fields: no programme or a rest day)."""

    day: date
    label: str | None
    exercises: list[dict[str, Any]]
    programme_version: int | None
    #: exercise id → what the coaching rules said after it was last logged (before ``day``)
    last_decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: exercises the current programme leaves out (its constraints): never advised
    excluded: tuple[str, ...] = ()
    #: sessions already logged for ``day``
    logged: int = 0
    #: the current programme is a plan withdrawn for red flags (see :func:`remember_withdrawal`)
    withdrawn: bool = False

    @property
    def sets(self) -> int | None:
        """All the sets planned for the day (None: none planned)."""
        return sum(int(e.get("sets") or 0) for e in self.exercises) or None


def last_decisions(logs: Sequence[SessionLog], before: date) -> dict[str, dict[str, Any]]:
    """The latest ``decision`` / ``next_exercise_id`` logged for each exercise before a day."""
    found: dict[str, dict[str, Any]] = {}
    for log in sorted(logs, key=lambda log: (log.day, log.id)):
        if log.day >= before or not log.done:
            continue
        for e in log.exercises:
            if isinstance(e, dict) and e.get("exercise_id") and e.get("decision"):
                found[str(e["exercise_id"])] = {**e, "day": log.day}
    return found


@dataclass(frozen=True)
class ReplanBasis:
    """What a re-plan of a person takes from the journal (``plan --person``)."""

    decisions: dict[str, LoggedDecision]
    #: sessions logged as done since the current programme started (all, without a programme)
    n_logged: int
    #: the last day warning signs were logged since the latest intake was given, if any
    warning_signs: date | None = None


def _warned_since_intake(p: Person) -> date | None:
    """The last day warning signs were logged for ``p`` since their latest intake was given.

    Every re-plan is a new programme, so "since the current programme started" forgot the
    warning signs at the second re-plan. The reminder stays until an intake, which screens
    the warning signs first, is given again (``plan --intake``); a log recorded in the same
    second as the intake still counts.
    """
    given = p.intakes[-1].created_at if p.intakes else None
    warned = [log.day for log in p.session_logs
              if log.warning_signs and (given is None or log.created_at >= given)]  # fmt: skip
    return max(warned, default=None)


@dataclass(frozen=True)
class SessionEntry:
    """One session as the user reports it (``kneecoach log``)."""

    day: date
    done: bool
    sets_done: int | None = None
    sets_planned: int | None = None
    pain_during: int | None = None
    pain_after: int | None = None
    rpe: int | None = None
    notes: str = ""
    exercises: tuple[Mapping[str, Any], ...] = ()
    pain_before: int | None = None
    #: warning signs were reported (stored as the log's ``warning_signs``; ``plan --person``
    #: then says to see a clinician). The notes should say so too: start them with
    #: :data:`WARNING_NOTE`, as ``kneecoach log`` does.
    warning_signs: bool = False


def decide_next(
    entry: SessionEntry, *, excluded: tuple[str, ...] = ()
) -> tuple[SessionEntry, list[Adaptation]]:
    """Each logged exercise's next step by the coaching rules (progress / hold / regress).

    ``excluded``: the programme's left-out exercises, never advised as the next step.
    The decision is stored with the exercise in the returned entry. A missed session
    decides nothing (nothing was tried), so it never overrides the decisions of the
    sessions that were done.
    """
    if not entry.done:
        return entry, []
    # `--sets N` below the planned total: which exercise fell short is not known, so none
    # of them counts as done in full (none progresses)
    short = (
        entry.sets_done is not None and entry.sets_planned is not None
        and entry.sets_done < entry.sets_planned
    )  # fmt: skip
    from kneecoach.program.adaptation import adapt
    from kneecoach.program.models import ExerciseLog

    exercises: list[Mapping[str, Any]] = []
    decided: list[Adaptation] = []
    for e in entry.exercises:
        if not e.get("exercise_id"):
            exercises.append(dict(e))
            continue
        log = ExerciseLog(
            exercise_id=str(e["exercise_id"]),
            done=entry.done and not (short and e.get("sets_done") is None),
            sets_done=e.get("sets_done"), sets_planned=e.get("sets_planned") or None,
            pain_before=entry.pain_before, pain_during=entry.pain_during,
            pain_next_day=entry.pain_after, rpe=entry.rpe,
        )  # fmt: skip
        try:
            a = adapt(log, excluded=excluded)
        except InputError:  # an exercise the library no longer has
            exercises.append(dict(e))
            continue
        exercises.append({**e, "decision": a.decision, "next_exercise_id": a.next_exercise_id})
        decided.append(a)
    return replace(entry, exercises=tuple(exercises)), decided


def hold_for_warning_signs(entry: SessionEntry) -> SessionEntry:
    """A session after which warning signs were reported: nothing moves on (hold), noted.

    The coaching rules would otherwise advise (and a re-plan apply) a harder exercise
    right after the advice to stop and see a clinician. The entry is marked
    (``warning_signs``, what ``plan --person`` reads) and its notes start with
    :data:`WARNING_NOTE` for people to read.
    """
    exercises = tuple(
        {**e, "decision": "hold", "next_exercise_id": e["exercise_id"]}
        if e.get("exercise_id") else dict(e)
        for e in entry.exercises
    )  # fmt: skip
    notes = "; ".join(n for n in (WARNING_NOTE, entry.notes) if n)
    return replace(entry, exercises=exercises, notes=notes, warning_signs=True)


@dataclass(frozen=True)
class Logged:
    """What :func:`record_session` stored, and the adherence it gives."""

    person: str
    log_id: int
    planned: bool
    adherence: Adherence
    new_person: bool = False


@dataclass(frozen=True)
class SessionLogged:
    """What :meth:`Journal.log_session` stored and what the coaching rules decided."""

    logged: Logged
    #: the entry as stored (the decisions with each exercise; the warning noted)
    entry: SessionEntry
    #: each exercise's next step (empty after warning signs: everything holds)
    decided: list[Adaptation]
    #: warning signs were reported: nothing moves on; see a clinician
    warned: bool
    #: the person's plan was withdrawn (warning signs in the intake)
    withdrawn: bool

    @property
    def changes_plan(self) -> bool:
        """An exercise moves on or back: the plan's next sessions should change with it."""
        return any(a.next_exercise_id != a.exercise_id for a in self.decided)


def _headcount(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Person)) or 0)


def adherence_of(p: Person, *, today: date) -> Adherence:
    """Sessions done against the current programme's plan, up to ``today``."""
    programme = p.programmes[-1] if p.programmes else None
    planned = [s.day for s in programme.sessions] if programme else []
    since = programme.start_date if programme else date.min
    done = [log.day for log in p.session_logs if log.done and log.day >= since]
    return compute_adherence(planned, done, today=today)


# --------------------------------------------------------------------------- history


@dataclass
class History:
    """Everything the progress report shows about one person."""

    person: str
    assessments: list[AssessmentPoint]
    logs: list[SessionLogPoint]
    checkins: list[tuple[date, int]]
    adherence: Adherence
    programme_version: int | None
    files_dir: Path
    #: comparable series: (test, working sides) → its assessments, oldest first
    tests: dict[tuple[str, tuple[str, ...]], list[AssessmentPoint]] = field(default_factory=dict)
    planned_days: list[date] = field(default_factory=list)
    programme_reason: str = ""
    #: every programme version: (version, when it was made, why)
    programmes: list[tuple[int, datetime, str]] = field(default_factory=list)
    #: position-sense tests, oldest first: (day, kind, the scored result as stored)
    sense_tests: list[tuple[date, str, Mapping[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class Event:
    """One line of a person's timeline."""

    day: date
    #: ``assessment``, ``plan``, ``session``, ``pain`` or ``warning``
    kind: str
    text: str
    #: for an assessment: its number (1 = the oldest)
    number: int | None = None


def timeline(h: History) -> list[Event]:
    """What happened, newest first: assessments, plan versions, sessions (with their pain),
    pain check-ins, and warning signs reported."""
    events = [Event(a.measured_at.date(), "assessment", a.label, i)
              for i, a in enumerate(h.assessments, start=1)]  # fmt: skip
    events += [Event(made.date(), "plan", f"plan version {v}: {why or 'new programme'}")
               for v, made, why in h.programmes]  # fmt: skip
    for log in h.logs:
        ratings = (("before", log.pain_before), ("during", log.pain_during),
                   ("after", log.pain_after))  # fmt: skip
        pain = ", ".join(f"{when} {value}/10" for when, value in ratings if value is not None)
        what = "session done" if log.done else "session missed"
        events.append(Event(log.day, "session", f"{what}; pain {pain}" if pain else what))
        if log.warning_signs:
            events.append(Event(log.day, "warning", "warning signs reported: see a clinician"))
    events += [Event(day, "pain", f"pain {pain}/10 (check-in)") for day, pain in h.checkins]
    order = {"warning": 0, "assessment": 1, "plan": 2, "session": 3, "pain": 4}
    return sorted(events, key=lambda e: (e.day, -order[e.kind]), reverse=True)


@dataclass(frozen=True)
class SessionLogPoint:
    day: date
    done: bool
    pain_during: int | None
    pain_after: int | None
    rpe: int | None
    pain_before: int | None = None
    warning_signs: bool = False
    #: sets trained with live feedback: (exercise id, its reps' numbers, a timed set's hold)
    trained: tuple[
        tuple[str | None, tuple[Mapping[str, Any], ...], Mapping[str, Any] | None], ...
    ] = ()


def _log_point(log: SessionLog) -> SessionLogPoint:
    trained = tuple(
        (e.get("exercise_id"), tuple(r for r in e["live_reps"] if isinstance(r, dict)),
         e["live_hold"] if isinstance(e.get("live_hold"), dict) else None)
        for e in log.exercises
        if isinstance(e, dict) and isinstance(e.get("live_reps"), list)
    )  # fmt: skip
    return SessionLogPoint(
        log.day, log.done, log.pain_during, log.pain_after, log.rpe, log.pain_before,
        log.warning_signs, trained,
    )  # fmt: skip


def _median(reps: Sequence[Mapping[str, Any]], key: str) -> float | None:
    values = sorted(float(v) for r in reps if isinstance(v := r.get(key), int | float))
    return values[len(values) // 2] if values else None


def trained_sets(h: History) -> list[dict[str, str]]:
    """One row per set trained with live feedback, oldest first: its day, exercise, reps,
    each knee's median furthest-inside over the reps, and the median time in line."""
    rows = []
    for log in h.logs:
        for exercise, reps, hold in log.trained:
            numbers = [hold] if hold else reps  # a timed set: its hold's numbers
            knees = {s: _median(numbers, f"worst_knee_over_foot_{s}_pct") for s in SIDES}
            line = _median(numbers, "in_line_share")
            held = f"held {float(hold.get('held_s') or 0):.0f} s" if hold else str(len(reps))
            rows.append({
                "day": short_date(log.day), "exercise": exercise or "—", "reps": held,
                **{f"inside_{s}": "—" if v is None else f"{v:.1f}%" for s, v in knees.items()},
                "in_line": "—" if line is None else f"{100 * line:.0f}%",
            })  # fmt: skip
    return rows


def _numbered(session: Session, person: str, number: int) -> Assessment:
    """``person``'s stored assessment no. ``number`` (1 = the oldest, as ``progress`` lists
    them); :class:`InputError` when there is none."""
    found = assessments_of(session, find_person(session, person))
    if not 1 <= number <= len(found):
        raise InputError(f"{person} has no assessment no. {number} ({len(found)} stored)")
    return found[number - 1]


def choose(h: History, first: int, second: int) -> tuple[AssessmentPoint, AssessmentPoint]:
    """Assessments number ``first`` and ``second`` (1-based, as ``progress`` lists them).

    Refused (InputError) unless both exist and are of the same test and working side(s).
    """
    n = len(h.assessments)
    for k in (first, second):
        if not 1 <= k <= n:
            listed = f"1 to {n}" if n else "none stored yet"
            raise InputError(
                f"--compare: no assessment number {k} for {h.person} ({listed}; "
                f"kneecoach progress --person {h.person!r} lists them)"
            )
    if first == second:
        raise InputError("--compare: give two different assessment numbers")
    a, b = h.assessments[first - 1], h.assessments[second - 1]
    if a.group != b.group:
        raise InputError(
            f"--compare: assessment {first} is a {a.label.lower()} and {second} a "
            f"{b.label.lower()}; only the same test with the same working leg(s) can be compared"
        )
    return a, b


@dataclass(frozen=True)
class Comparison:
    """Two assessments of the same test and working leg(s), measure by measure."""

    first: int
    second: int
    before: AssessmentPoint
    after: AssessmentPoint
    #: each measure, with whether its change is beyond the measure's noise (the verdict)
    changes: list[Change]
    #: the change in one sentence for the person
    sentence: str

    @property
    def title(self) -> str:
        return (
            f"{self.before.label}: no. {self.first} ({short_date(self.before.measured_at)}) → "
            f"no. {self.second} ({short_date(self.after.measured_at)})"
        )


def comparison_of(h: History, first: int, second: int) -> Comparison:
    """Assessments no. ``first`` and ``second`` of ``h`` compared (InputError unless both
    exist and are of the same test and working leg(s))."""
    before, after = choose(h, first, second)
    changes = compare(before, after)
    return Comparison(first, second, before, after, changes,
                      summary_sentence(before, after, changes))  # fmt: skip


def listing(h: History) -> list[str]:
    """One line per assessment, numbered as ``progress --compare`` takes them."""
    lines = []
    for i, a in enumerate(h.assessments, start=1):
        peaks = ", ".join(
            f"{side} {a.sides[side].peak_fppa_deg:.1f}°"
            for side in a.working
            if a.sides[side].peak_fppa_deg is not None
        )
        head = f"{i:>3}. {short_date(a.measured_at)}  {a.label}"
        lines.append(f"{head}  ({peaks})" if peaks else head)
    return lines


def comparisons(points: Sequence[AssessmentPoint]) -> dict[str, list[Change]]:
    """First → latest and, with three or more, previous → latest."""
    if len(points) < 2:
        return {}
    out = {"first": compare(points[0], points[-1])}
    if len(points) > 2:
        out["previous"] = compare(points[-2], points[-1])
    return out


# --------------------------------------------------------------------------- progress report


@dataclass(frozen=True)
class ProgressReport:
    """What :func:`write_progress_report` wrote and found."""

    path: Path
    sentence: str
    changes: dict[str, list[Change]]  # series label → first → latest changes
    adherence: Adherence
    listing: list[str] = field(default_factory=list)
    #: ``--compare N M``: (title, changes, sentence)
    chosen: tuple[str, list[Change], str] | None = None
    programme: str = ""
    #: the PDF to share, where one was asked for
    pdf: Path | None = None


PROGRESS_DISCLAIMER = (
    "The knee angle is the frontal-plane projection angle (FPPA) measured on 2D video: a "
    "screen of how the knee lines up, not a 3D joint angle and not a diagnosis. Filming the "
    "same movement on another day changes it by up to 8.9° without any real change, so "
    "kneecoach says improved or worse only beyond that (or beyond the spread of your own "
    "reps when it is larger). If pain is getting worse, the knee swells, locks or gives way, "
    "or pain comes at night or at rest, stop and see a clinician."
)


def progress_sentence(
    h: History, compared: Mapping[tuple[str, tuple[str, ...]], dict[str, list[Change]]]
) -> str:
    """One or two sentences a client understands: the knee line, then the training.

    ``compared``: each series' :func:`comparisons` (keyed as ``h.tests``).
    """
    series = [(pts, compared[key]["first"]) for key, pts in h.tests.items() if len(pts) > 1]
    if series:  # the latest test, each working leg (or both legs) its own series
        test = max(series, key=lambda s: s[0][-1].measured_at)[0][0].test
        knee = " ".join(
            summary_sentence(pts[0], pts[-1], first) for pts, first in series if pts[0].test == test
        )
    elif h.assessments:
        a = h.assessments[-1]
        knee = (
            f"One {a.label.lower()} assessment so far ({long_date(a.measured_at)}); "
            "film the same test again in a few weeks to see what changed."
        )
    else:
        knee = "No assessment stored yet."
    ad = h.adherence
    if ad.planned:
        return f"{knee} You did {ad.done} of {ad.planned} planned sessions."
    return knee


def _period(h: History, today: date) -> str:
    days = [a.measured_at.date() for a in h.assessments] + [log.day for log in h.logs]
    days += [d for d, _ in h.checkins]
    if not days:
        return "nothing recorded yet"
    return f"{short_date(min(days))} to {short_date(max(days))}"


def _test_context(
    h: History, points: list[AssessmentPoint], compared: dict[str, list[Change]]
) -> dict[str, Any]:
    """One series' chart and tables; ``compared``: its :func:`comparisons`."""
    label = points[-1].label
    trends: dict[str, Trend] = {
        side: [(p.measured_at, p.sides[side].peak_fppa_deg, p.sides[side].rep_fppa_deg)
               for p in points if side in p.sides and p.sides[side].working
               and p.sides[side].peak_fppa_deg is not None]
        for side in SIDES
    }  # fmt: skip
    trends = {side: t for side, t in trends.items() if t}
    # the band of each side: the detectable change its first → latest comparison used
    sdc = {side: FPPA_SDD_DEG for side in trends}
    sdc |= {c.side: c.sdc for c in compared.get("first", [])
            if c.measure == "peak_fppa" and c.side in sdc}  # fmt: skip
    chart = (  # squat-type tests read no FPPA (science.md §1.1): no knee-angle chart
        progress_page.figure_uri(progress_page.fppa_trend_figure(label, trends, sdc_deg=sdc))
        if trends
        else None
    )
    tables = []
    for key, changes in compared.items():
        before = points[0] if key == "first" else points[-2]
        title = f"{short_date(before.measured_at)} → {short_date(points[-1].measured_at)}"
        tables.append({"title": title, "rows": [_row(c) for c in changes]})
    return {
        "label": label, "chart": chart,
        "sdc": " / ".join(f"{v:.1f}° ({side})" if len(sdc) > 1 else f"{v:.1f}°"
                          for side, v in sdc.items()),
        "comparisons": tables, "worst": _worst_pair(h, points),
    }  # fmt: skip


def _num(value: float | None, unit: str, sign: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:+.1f}{unit}" if sign else f"{value:.1f}{unit}"


def _row(c: Change) -> dict[str, str]:
    side = f"{c.side} " if c.side else ""
    return {
        "what": f"{side}{LABEL[c.measure]}", "before": _num(c.before, c.unit),
        "after": _num(c.after, c.unit), "change": _num(c.change, c.unit, sign=True),
        "sdc": f"± {c.sdc:.1f}{c.unit}",
        "verdict": c.verdict,
    }  # fmt: skip


def _worst_pair(h: History, points: list[AssessmentPoint]) -> list[dict[str, str]]:
    """The worst moment of the first and of the latest assessment, side by side."""
    chosen = [points[0], points[-1]] if len(points) > 1 else [points[0]]
    pair = []
    for which, p in zip(("before", "latest"), chosen, strict=False):
        uri = progress_page.image_uri(h.files_dir / p.images[0]) if p.images else None
        if uri:
            caption = f"{which}: {short_date(p.measured_at)}"
            pair.append({"uri": uri, "caption": caption})
    return pair


def _pain_chart(h: History) -> str | None:
    series = {
        "before": [(log.day, log.pain_before) for log in h.logs if log.pain_before is not None],
        "during": [(log.day, log.pain_during) for log in h.logs if log.pain_during is not None],
        "after": [(log.day, log.pain_after) for log in h.logs if log.pain_after is not None],
        "check-in": list(h.checkins),
    }
    if not any(series.values()):
        return None
    return progress_page.figure_uri(progress_page.pain_figure(series))


def _adherence_chart(h: History, today: date) -> str | None:
    planned = [d for d in h.planned_days if d <= today]
    if not planned:
        return None
    done = set(h.adherence.done_days)
    first = min(planned) - timedelta(days=min(planned).weekday())
    weeks = []
    monday = first
    while monday <= today:
        week = [monday + timedelta(days=i) for i in range(7)]
        weeks.append((monday, sum(d in week for d in planned), sum(d in done for d in week)))
        monday += timedelta(days=7)
    return progress_page.figure_uri(progress_page.adherence_figure(weeks))


class Journal:
    """The journal, opened once per command: people, analyses, plans, logs and progress.

    sqlite-utils' ``Database`` is the model: ``with Journal.open(url) as journal:`` opens
    (and migrates) the database once; each method runs in one transaction, and methods
    called inside ``with journal.transaction():`` share that one (all or nothing).
    """

    def __init__(self, database: Database) -> None:
        self._db = database
        self._local = threading.local()  # each thread's open transaction (the web app's
        # requests and its queue of analyses share one Journal)

    @classmethod
    def open(cls, url: str = "") -> Journal:
        """The journal at ``url`` (the ``database_url`` setting; empty: SQLite in the data
        folder), created and migrated to the newest schema when needed."""
        return cls(open_database(url))

    @property
    def url(self) -> str:
        return self._db.url

    @property
    def files_dir(self) -> Path:
        """Where stored files (reports, pictures, kept videos) live."""
        return self._db.files_dir

    @property
    def quarantined(self) -> list[Path]:
        """Folders of stored files that no record names (a restored or replaced database),
        moved aside to ``.quarantine`` in :attr:`files_dir` when the journal opened."""
        return list(self._db.quarantined)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One transaction; a method called inside it joins it instead of starting its own."""
        current: Session | None = getattr(self._local, "session", None)
        if current is not None:
            yield current
            return
        with self._db.transaction() as session:
            self._local.session = session
            try:
                yield session
            finally:
                self._local.session = None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def remember_analysis(
        self,
        out_dir: Path,
        person: str,
        *,
        assessment: ClipAssessment | None = None,
        video: Path | None = None,
    ) -> StoredAssessment | None:
        """Store the analysis in ``out_dir`` (its summary and derived files) for ``person``.

        ``assessment``: the analysis as made (default: read ``out_dir``'s summary.json, for
        an analysis made earlier). Returns None when no rep or step was measured (nothing
        worth keeping). ``video``: also copy this clip (not kept unless asked).
        """
        if assessment is None:  # imported here: it pulls in numpy and xarray
            from kneecoach.assessment.model import Assessment as ClipAssessment

            assessment = ClipAssessment.read(out_dir / "summary.json")
        if not assessment.measured:
            return None
        files = analysis_files(out_dir, assessment)
        if video is not None:
            if not video.is_file():
                raise InputError(f"--keep-video: {video} is not a video file that can be copied")
            files["video"] = video
        with self.transaction() as session:
            p = get_or_create_person(session, person)
            stored = add_assessment(session, p, assessment, files, files_dir=self.files_dir)
            latest = point(stored)
            # the previous assessment of the same test *and* working side(s)
            same = [a for a in map(point, assessments_of(session, p, stored.test))
                    if a.group == latest.group]  # fmt: skip
            n = [a.id for a in same].index(latest.id)
            previous = same[n - 1] if n else None
            return StoredAssessment(
                p.name, n + 1, latest.test_label, self.files_dir / p.key / stored.key,
                previous, compare(previous, latest) if previous else [],
                latest.working[0] if len(latest.working) == 1 else None,
            )  # fmt: skip

    def people(self) -> list[PersonOverview]:
        """Everyone in the journal."""
        with self.transaction() as session:
            return list_people(session)

    def add_person(self, name: str) -> PersonOverview:
        """Add someone (nothing changes when they are already in the journal)."""
        with self.transaction() as session:
            key = get_or_create_person(session, name).key
            return next(p for p in list_people(session) if p.key == key)

    def overview(self, key: str) -> PersonOverview:
        """What the journal holds about the person with ``key``: what a delete removes."""
        with self.transaction() as session:
            key = find_person_by_key(session, key).key
            return next(p for p in list_people(session) if p.key == key)

    def name_of(self, key: str) -> str:
        """The name of the person with ``key`` (:class:`InputError` when there is none)."""
        with self.transaction() as session:
            return find_person_by_key(session, key).name

    def stored_assessment(self, person: str, number: int) -> ClipAssessment:
        """``person``'s assessment no. ``number`` (1 = the oldest) as its typed model."""
        from kneecoach.assessment.model import Assessment as ClipAssessment

        with self.transaction() as session:
            return ClipAssessment.model_validate(_numbered(session, person, number).summary)

    def latest_assessment(self, person: str) -> ClipAssessment | None:
        """``person``'s most recent assessment (None: none stored yet)."""
        from kneecoach.assessment.model import Assessment as ClipAssessment

        with self.transaction() as session:
            summary = latest_summary(session, find_person(session, person))
        return None if summary is None else ClipAssessment.model_validate(summary)

    def assessment_key(self, person: str, number: int) -> str:
        """The key of ``person``'s assessment no. ``number`` (1 = the oldest)."""
        with self.transaction() as session:
            return _numbered(session, person, number).key

    def stored_file(self, person: str, number: int, kind: str) -> Path:
        """The stored file of ``kind`` (``report``, ``summary``, ``worst_1`` ...) of
        ``person``'s assessment no. ``number`` (1 = the oldest, as ``progress`` numbers
        them); :class:`InputError` when there is no such assessment or file."""
        with self.transaction() as session:
            stored = {f.kind: f.path for f in _numbered(session, person, number).files}
        if kind not in stored or not (self.files_dir / stored[kind]).is_file():
            raise InputError(f"assessment no. {number} of {person} has no stored {kind}")
        return self.files_dir / stored[kind]

    def delete(self, person: str) -> int:
        """Delete every record and derived file of ``person``; returns how many files went.

        Three transactions of its own (the files are moved aside, then removed or put back),
        so never inside :meth:`transaction`.
        """
        if getattr(self._local, "session", None) is not None:
            raise RuntimeError("Journal.delete cannot run inside another transaction")
        with self._db.transaction() as session:  # what an interrupted earlier delete left
            settle_deletions(session, self.files_dir)
        try:
            with self._db.transaction() as session:
                p = find_person(session, person)
                n_files = sum(len(a.files) for a in p.assessments)
                uploads = job_keys(session, p)  # clips sent from the web app, and their analyses
                plans = plan_folder(self.files_dir, p.key)  # plans made in the web app
                delete_person(session, p, files_dir=self.files_dir)
        finally:  # committed: remove the files; rolled back: put them back
            with self._db.transaction() as session:
                settle_deletions(session, self.files_dir)
        for folder in [plans, *(job_folder(self.files_dir, key) for key in uploads)]:
            shutil.rmtree(folder, ignore_errors=True)
        return n_files + len(uploads)

    def export(
        self, person: str, archive: Callable[[str], Path], *, skip_bad_files: bool = False
    ) -> tuple[str, Path, list[str]]:
        """Write everything stored about ``person`` to a zip archive, checked before it is put
        in place. ``archive``: the archive's path from the person's name. Returns the name,
        the path and the stored files left out (missing or damaged; only with
        ``skip_bad_files``, else such a file stops the export)."""
        with self.transaction() as session:
            p = find_person(session, person)
            path = archive(p.name)
            skipped = export_person(p, self.files_dir, path, skip_bad_files=skip_bad_files)
            return p.name, path, skipped

    def import_archive(
        self, archive: Path, *, name: str | None = None, limits: Limits = DEFAULT_LIMITS
    ) -> Imported:
        """Bring back a person from an archive made by :meth:`export` (as ``name``), within
        ``limits`` (sizes; an archive over them is refused with nothing stored)."""
        with self.transaction() as session:
            p = import_person(session, archive, self.files_dir, name=name, limits=limits)
            imported = Imported(p.name, len(p.assessments), len(p.session_logs))
        return replace(imported, missing=missing_in_archive(archive))

    def plan_inputs(self, person: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        """``person``'s latest stored intake document and latest assessment summary."""
        with self.transaction() as session:
            p = find_person(session, person)
            return latest_intake(session, p), latest_summary(session, p)

    def current_plan(self, person: str) -> dict[str, Any] | None:
        """``person``'s newest stored programme (its ``plan.json`` content); None: none stored."""
        with self.transaction() as session:
            p = find_person(session, person)
            programme = current_programme(session, p)
            return dict(programme.document) if programme is not None else None

    def remember_programme(
        self,
        person: str,
        plan: Mapping[str, Any],
        *,
        intake: Mapping[str, Any] | None,
        start: date,
        weeks: int,
        days: Sequence[PlannedDay],
        reason: str = "new programme",
        intake_given: bool = False,
    ) -> int:
        """Store a programme (``plan.json`` content) and, when new, the intake it came from.

        ``intake_given``: the intake was given for this plan (``plan --intake``), not read from
        the journal; after warning signs were logged it is stored again even when unchanged,
        as the new screen that ends the re-plans' reminder to see a clinician.
        Returns the programme's version number for ``person`` (1, 2, ...).
        """
        with self.transaction() as session:
            p = get_or_create_person(session, person)
            rescreen = intake_given and _warned_since_intake(p) is not None
            if intake is not None and (rescreen or latest_intake(session, p) != dict(intake)):
                add_intake(session, p, intake)
            programme = add_programme(
                session, p, plan, start=start, weeks=weeks, days=days, reason=reason
            )
            return programme.version

    def remember_withdrawal(
        self,
        person: str,
        *,
        intake: Mapping[str, Any] | None,
        plan: Mapping[str, Any] | None,
    ) -> int | None:
        """Red flags stopped a new plan for ``person``: store ``intake`` (the one reporting them,
        when given and new) and ``plan``, the withdrawn revision of their plan with no sessions.

        Returns the withdrawn plan's programme version (None: no plan to withdraw).
        """
        with self.transaction() as session:
            p = get_or_create_person(session, person)
            if intake is not None and latest_intake(session, p) != dict(intake):
                add_intake(session, p, intake)
            if plan is None:
                return None
            withdrawn = add_programme(
                session, p, plan, start=date.fromisoformat(str(plan["start"])),
                weeks=int(plan["weeks"]), days=(), reason=WITHDRAWN,
            )  # fmt: skip
            return withdrawn.version

    def planned_for(self, person: str, day: date) -> PlannedToday:
        """What ``person``'s current programme plans for ``day`` (for the log prompts)."""
        with self.transaction() as session:
            p = find_person(session, person)
            programme = current_programme(session, p)
            planned = scheduled_on(session, p, day)
            excluded = programme.document.get("excluded") if programme else None
            return PlannedToday(
                day, planned.label if planned else None,
                [dict(e) for e in planned.planned if isinstance(e, dict)] if planned else [],
                programme.version if programme else None, last_decisions(p.session_logs, day),
                tuple(sorted(excluded)) if isinstance(excluded, dict) else (),
                sum(log.day == day for log in p.session_logs),
                programme is not None and programme.reason == WITHDRAWN,
            )  # fmt: skip

    def replan_basis(self, person: str) -> ReplanBasis:
        """``person``'s last logged decision per exercise (empty for someone new)."""
        with self.transaction() as session:
            try:
                p = find_person(session, person)
            except InputError:
                return ReplanBasis({}, 0)
            from kneecoach.program.adaptation import LoggedDecision

            decisions: dict[str, LoggedDecision] = {}
            for log in sorted(p.session_logs, key=lambda log: (log.day, log.id)):
                if not log.done:  # a missed session decided nothing (older logs may say "hold")
                    continue
                for e in log.exercises:
                    if isinstance(e, dict) and e.get("exercise_id") and e.get("decision") in (
                        "progress", "hold", "regress"
                    ):  # fmt: skip
                        eid = str(e["exercise_id"])
                        decisions[eid] = LoggedDecision(eid, e["decision"], log.day, log.id)
            programme = current_programme(session, p)
            since = programme.start_date if programme else date.min
            n = sum(log.done and log.day >= since for log in p.session_logs)
            return ReplanBasis(decisions, n, _warned_since_intake(p))

    def record_session(self, person: str, entry: SessionEntry, *, again: bool = False) -> Logged:
        """Store one session log for ``person`` (created if new).

        A second log for the same day is refused unless ``again`` (a second session that day).
        """
        with self.transaction() as session:
            known = _headcount(session)
            p = get_or_create_person(session, person)
            if not again and any(log.day == entry.day for log in p.session_logs):
                raise InputError(
                    f"a session is already logged for {p.name} on {entry.day:%Y-%m-%d}; to log a "
                    "second session that day add --again"
                )
            log = log_session(
                session, p, day=entry.day, done=entry.done, sets_done=entry.sets_done,
                sets_planned=entry.sets_planned, pain_during=entry.pain_during,
                pain_after=entry.pain_after, rpe=entry.rpe, notes=entry.notes,
                exercises=entry.exercises, pain_before=entry.pain_before,
                warning_signs=entry.warning_signs,
            )  # fmt: skip
            return Logged(
                p.name, log.id, log.scheduled_session_id is not None,
                adherence_of(p, today=entry.day), new_person=_headcount(session) > known,
            )  # fmt: skip

    def next_planned(self, person: str, day: date) -> PlannedToday | None:
        """The first session ``person``'s programme plans after ``day`` (None: none)."""
        with self.transaction() as session:
            planned = scheduled_after(session, find_person(session, person), day)
        if planned is None:
            return None
        return self.planned_for(person, planned.day)

    def planned_or_nothing(self, person: str, day: date) -> PlannedToday:
        """:meth:`planned_for`, or nothing planned for someone new (no programme yet)."""
        try:
            return self.planned_for(person, day)
        except InputError:
            return PlannedToday(day, None, [], None)

    def log_session(
        self, person: str, entry: SessionEntry, *, warned: bool = False, again: bool = False
    ) -> SessionLogged:
        """Store one session once the coaching rules have decided each exercise's next step
        (science.md §7.2); after warning signs (``warned``) nothing moves on and the log
        says so. One transaction."""
        with self.transaction():
            plan = self.planned_or_nothing(person, entry.day)
            decided: list[Adaptation] = []
            if warned:
                entry = hold_for_warning_signs(entry)
            else:
                entry, decided = decide_next(entry, excluded=plan.excluded)
            logged = self.record_session(person, entry, again=again)
            return SessionLogged(logged, entry, decided, warned, plan.withdrawn)

    def log_trained_set(
        self,
        person: str,
        day: date,
        reps: Sequence[LiveRep],
        *,
        exercise_id: str | None = None,
        hold: Mapping[str, object] | None = None,
    ) -> SessionLogged:
        """A set trained with live feedback, logged as a session done with its per-rep
        numbers (``live_reps`` with the exercise: depth, each knee's furthest inside its
        foot, time in line), or a timed set's (``live_hold``: the time held and the knee line
        over it). One transaction."""
        if not reps and not hold:
            raise InputError("no rep was counted in this set, so there is nothing to log")
        with self.transaction():
            plan = self.planned_or_nothing(person, day)
            planned = next((e for e in plan.exercises if e.get("exercise_id") == exercise_id), {})
            exercise: dict[str, object] = {"exercise_id": exercise_id, "sets_done": 1,
                                           "sets_planned": planned.get("sets"),
                                           "live_reps": [r.to_json() for r in reps]}  # fmt: skip
            what = f"{len(reps)} reps"
            if hold:
                exercise["live_hold"] = dict(hold)
                what = f"held {hold.get('held_s')} s"
            entry = SessionEntry(day, True, 1, None, notes=f"trained with live feedback: {what}",
                                 exercises=(exercise,))  # fmt: skip
            return self.log_session(person, entry, again=plan.logged > 0)

    def record_sense_test(self, person: str, day: date, result: SenseResult) -> int:
        """Store a scored position-sense test for ``person``; how many they now have."""
        errors = [e for e in result.absolute_error.values() if e is not None]
        with self.transaction() as session:
            p = get_or_create_person(session, person)
            p.sense_tests.append(SenseTest(
                day=day, kind=result.kind, absolute_error=max(errors) if errors else None,
                noise=result.noise, result=result.to_json(),
            ))  # fmt: skip
            session.flush()
            return len(p.sense_tests)

    def record_checkin(self, person: str, *, day: date, pain: int, notes: str = "") -> bool:
        """Store a pain check-in (0-10) for ``person``; True when ``person`` was new."""
        with self.transaction() as session:
            known = _headcount(session)
            add_checkin(
                session, get_or_create_person(session, person), day=day, pain=pain, notes=notes
            )
            return _headcount(session) > known

    def history(self, person: str, *, today: date) -> History:
        """``person``'s assessments (grouped by test), logs, pain and adherence."""
        with self.transaction() as session:
            p = find_person(session, person)
            points = [point(a) for a in assessments_of(session, p)]
            tests: dict[tuple[str, tuple[str, ...]], list[AssessmentPoint]] = {}
            for a in points:
                tests.setdefault(a.group, []).append(a)
            return History(
                p.name, points, [_log_point(log) for log in p.session_logs],
                [(c.day, c.pain) for c in p.pain_checkins], adherence_of(p, today=today),
                p.programmes[-1].version if p.programmes else None, self.files_dir, tests,
                [s.day for s in p.programmes[-1].sessions] if p.programmes else [],
                p.programmes[-1].reason if p.programmes else "",
                [(pr.version, pr.created_at, pr.reason) for pr in p.programmes],
                [(t.day, t.kind, t.result) for t in p.sense_tests],
            )  # fmt: skip

    def write_progress_report(
        self,
        person: str,
        out: Path,
        *,
        today: date,
        compare_pair: tuple[int, int] | None = None,
        pdf: Path | None = None,
    ) -> ProgressReport:
        """Write ``person``'s progress page to ``out`` (with ``compare_pair``: those two, too;
        with ``pdf``: also as a PDF to share there, a one-page summary first)."""
        h = self.history(person, today=today)
        chosen = None
        if compare_pair is not None:
            c = comparison_of(h, *compare_pair)
            chosen = (c.title, c.changes, c.sentence)
        # each series' comparisons (first → latest, previous → latest), made once
        compared = {key: comparisons(points) for key, points in h.tests.items()}
        tests = [_test_context(h, points, compared[key]) for key, points in h.tests.items()]
        sentence = progress_sentence(h, compared)
        programme = (
            f"Programme version {h.programme_version}: {h.programme_reason or 'new programme'}."
            if h.programme_version is not None
            else ""
        )
        context = {
            "person": h.person,
            "version": __version__,
            "generated": long_date(today),
            "period": _period(h, today),
            "n_assessments": len(h.assessments),
            "n_sessions": sum(log.done for log in h.logs),
            "sentence": sentence,
            "chosen": (
                {"title": chosen[0], "sentence": chosen[2], "rows": [_row(c) for c in chosen[1]]}
                if chosen
                else None
            ),
            "programme": programme,
            "tests": tests,
            "pain_chart": _pain_chart(h),
            "trained": trained_sets(h),
            "sense_tests": [{"day": short_date(day), "label": str(r.get("label", kind)),
                             "text": str(r.get("text", ""))} for day, kind, r in h.sense_tests],
            "adherence": {
                "text": h.adherence.text(),
                "chart": _adherence_chart(h, today),
                "missed": [f"{d:%a} {d.day} {d:%b}" for d in h.adherence.missed],
            },
            "disclaimer": PROGRESS_DISCLAIMER,
            "sources": [FPPA_SDD_SOURCE + " (science.md §1.3)",
                        PELVIC_DROP_SOURCE + " (science.md §2.3; measured in running)",
                        "left-right difference: " + ASYMMETRY_SDC_SOURCE],
        }  # fmt: skip
        path = progress_page.render_progress(context, out)
        if pdf is not None:
            from kneecoach.reports.progress_pdf import progress_pdf

            write_bytes(pdf, progress_pdf(context, today))
        changes = {h.tests[key][-1].label: c["first"] for key, c in compared.items() if c}
        return ProgressReport(path, sentence, changes, h.adherence, listing(h), chosen,
                              programme, pdf)  # fmt: skip
