"""The plan's outputs: worksheet.html, worksheet.pdf, plan.ics and plan.json.

Both worksheets are built from one page model (:func:`worksheet_pages`), so the
printed and the on-screen versions say the same thing: a cover page (why this
plan, what was left out, how to progress), **one page per session** with a log
line under each exercise, one page per re-test, one maintenance card with its
dates to tick, and an exercise guide. Same programme in, byte-identical
HTML, PDF, ICS and JSON out (no clock is read: the calendar's DTSTAMP is the
plan's ``revised`` time, which :func:`revise` takes from its caller, else the start
date; the PDF's creation date is the start date).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from icalendar import Alarm, Calendar, Event

from kneecoach.program.models import (
    Exercise,
    Library,
    Prescription,
    Programme,
    Session,
)
from kneecoach.program.revisions import event_uid, made_at
from kneecoach.reports.exercise_picture import exercise_svg
from kneecoach.reports.templating import environment

TEMPLATE = "worksheet.html.j2"
PHASE_NAMES = {"activation": "Activation", "strength": "Strength", "integration": "Integration",
               "retest": "Re-test", "maintenance": "Maintenance"}  # fmt: skip
LOG_LINE = "done ☐   pain during __/10   effort __/10   easy ☐"
#: Room on a re-test page to write the result down.
RESULT_LINES = [
    "Filmed on: ____________   Left knee: ____________   Right knee: ____________",
    "Real change (beyond the noise)?  better ☐   same ☐   worse ☐",
    "Knee-to-wall, cm: left ______  right ______   Self-tests: ______________________",
]


@dataclass
class Item:
    """One exercise on a session page."""

    title: str
    dosage: str
    sides: str
    lines: list[str]
    #: the exercise, for its picture (reports/exercise_picture.py)
    exercise: Exercise | None = None


@dataclass
class Page:
    """One printed page (the guide may run over several)."""

    kind: str
    title: str
    subtitle: str = ""
    paragraphs: list[str] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    #: headed lists (the cover page)
    sections: list[tuple[str, list[str]]] = field(default_factory=list)


def _date(d: dt.date) -> str:
    return f"{d:%a} {d.day} {d:%b %Y}"


def _about(minutes: float) -> str:
    """A duration for people: whole minutes."""
    return f"about {max(1, round(minutes))} min"


#: A reference to the science notes, with what it cites: for the clinician's page, not the
#: client's (issue 20: plain words on the client's pages).
_REFERENCE = re.compile(r"\s*\((?:[^()]|\([^()]*\))*(?:science\.md|§)(?:[^()]|\([^()]*\))*\)"
                        r"|\s*science\.md(?:\s*§[\d.]+(?:\s*(?:and|,)\s*§?[\d.]+)*)?")  # fmt: skip


def plain(text: str) -> str:
    """``text`` without its references to the science notes (they go to the last page)."""
    return _REFERENCE.sub("", text).strip()


def _sides(p: Prescription) -> str:
    if not p.sides:
        return "both legs together"
    return f"{p.sides[0]} first, then {p.sides[1]} (same on each side)"


def _item(n: int, p: Prescription, library: Library) -> Item:
    lines = [f"Cue: {plain(p.cue)}", f"Why: {plain(p.why)}"]
    if p.substitution:
        lines.append(f"Equipment: {plain(p.substitution)}")
    return Item(title=f"{n}. {p.name}", dosage=f"{_dose(p, ' · ')} · {_about(p.minutes)}",
                sides=_sides(p), lines=lines, exercise=library.get(p.exercise_id))  # fmt: skip


def _dose(p: Prescription, sep: str) -> str:
    """The dosage with the rest between sets, where there is more than one set."""
    return p.dosage + (f"{sep}rest {p.rest_s} s between sets" if p.sets > 1 and p.rest_s else "")


def _session_page(plan: Programme, s: Session, library: Library) -> Page:
    goal = next((ph.goal for ph in plan.phases if ph.name == s.phase), "")
    return Page(
        kind="session",
        title=f"Session {s.index} · {_date(s.date)}",
        subtitle=f"{s.title} · {_about(s.minutes)}",
        paragraphs=[plain(goal)],
        items=[_item(i + 1, p, library) for i, p in enumerate(s.exercises)],
        bullets=[
            "Pain up to 2/10 is fine; 3-5/10: stay at this level; above 5/10, or 2 points worse "
            "than before (also the next day): use the easier version.",
            "Easy and pain-free? Next time use the harder version (exercise guide).",
        ],
    )


def _cover(plan: Programme, library: Library) -> Page:
    who = f" for {plan.person}" if plan.person else ""
    last = plan.sessions[-1].date if plan.sessions else plan.start  # maintenance included
    why = [plain(f"{e.cause.capitalize()}: {e.reason}.") for e in plan.emphasis]
    why.append(plain(f"Weaker side first: {plan.weaker_side or 'none known'} "
                     f"({plan.weaker_side_reason})."))  # fmt: skip
    changed = [
        plain(f"{library.get(eid).name}: left out ({reason}).")
        for eid, reason in plan.excluded.items()
    ]
    changed += [plain(s) for s in plan.substitutions]
    phases = [f"{PHASE_NAMES[ph.name]} ({_weeks(ph.weeks)}): {plain(ph.goal)}"
              for ph in plan.phases]  # fmt: skip
    phases += _week_by_week(plan)
    sections = [("Why these exercises", why)]
    if changed:
        sections.append(("Left out or changed for you", changed))
    sections += [
        ("The phases, week by week", phases),
        ("How to use this worksheet", [*map(plain, plan.notes), f"Re-test: {plan.retest_command}"]),
        ("Safety", [plain(plan.disclaimer)]),
    ]
    return Page(
        kind="cover",
        title=f"Your knee plan{who}",
        subtitle=f"{_date(plan.start)} to {_date(last)} · {', '.join(plan.days)} · "
        f"{plan.minutes} min a session",
        sections=sections,
    )  # fmt: skip


def _clinician(plan: Programme, library: Library) -> Page:
    """The last page: what the plan rests on, with its references, for a clinician."""
    used = dict.fromkeys(p.exercise_id for s in plan.sessions for p in s.exercises)
    bullets = [f"{e.cause.capitalize()} emphasis: {e.reason} ({e.source})."
               for e in plan.emphasis]  # fmt: skip
    bullets += [f"{library.get(eid).name}: {library.get(eid).evidence}. Dosage: "
                f"{library.get(eid).dosage.source}." for eid in used]  # fmt: skip
    bullets += plan.sources
    return Page(kind="clinician", title="For your clinician",
                subtitle="What this plan rests on, and where each choice comes from",
                bullets=bullets)  # fmt: skip


def _week_by_week(plan: Programme) -> list[str]:
    """One line per block week: its exercises (the sessions of a week are the same)."""
    lines: dict[int, str] = {}
    for s in plan.sessions:
        if s.phase in ("activation", "strength", "integration") and s.week not in lines:
            names = ", ".join(p.name for p in s.exercises if p.category != "mobility")
            lines[s.week] = f"Week {s.week}: {names}."
    return list(lines.values())


def _weeks(weeks: list[int]) -> str:
    return f"week {weeks[0]}" if len(weeks) == 1 else f"weeks {weeks[0]}-{weeks[-1]}"


def _maintenance_page(plan: Programme, sessions: list[Session], library: Library) -> Page:
    first = sessions[0]
    return Page(
        kind="maintenance",
        title="Maintenance: twice a week",
        subtitle=f"{_date(first.date)} to {_date(sessions[-1].date)} · {_about(first.minutes)}",
        paragraphs=[
            plain(next(ph.goal for ph in plan.phases if ph.name == "maintenance")),
            "Tick a date when it is done: " + "   ".join(f"☐ {s.date:%d %b}" for s in sessions),
        ],
        items=[_item(i + 1, p, library) for i, p in enumerate(first.exercises)],
    )


def _guide(plan: Programme, library: Library) -> Page:
    # each exercise's dosages as this plan prescribes them (the library's full dosage, e.g.
    # 3 × 10, would contradict a session page that says 2 × 10 in the activation phase)
    used: dict[str, list[str]] = {}
    for s in plan.sessions:
        for p in s.exercises:
            doses = used.setdefault(p.exercise_id, [])
            if p.dosage not in doses:
                doses.append(p.dosage)
    items = []
    for eid, doses in used.items():
        e = library.get(eid)
        lines = [plain(e.purpose), *[f"{i + 1}) {plain(step)}" for i, step in enumerate(e.steps)]]
        lines += [f"Cues: {plain(' '.join(e.cues))}", f"Harder: {plain(e.harder)}",
                  f"Easier: {plain(e.easier)}"]  # fmt: skip
        if e.progression:
            lines.append(f"Next step: {library.get(e.progression).name}")
        dosage = f"in this plan: {' or '.join(doses)}"
        items.append(Item(title=e.name, dosage=dosage, sides="", lines=lines,
                          exercise=e))  # fmt: skip
    return Page(kind="guide", title="Exercise guide", items=items)


def worksheet_pages(plan: Programme, library: Library, /) -> list[Page]:
    """Cover, one page per session and re-test, the maintenance card, the guide."""
    pages = [_cover(plan, library)]
    maintenance = [s for s in plan.sessions if s.phase == "maintenance"]
    for s in plan.sessions:
        if s.phase == "retest":
            title = f"{s.title} · {_date(s.date)}"
            pages.append(Page(kind="retest", title=title, subtitle=_about(s.minutes),
                              paragraphs=[plain(s.retest or "")],
                              bullets=list(RESULT_LINES)))  # fmt: skip
        elif s.phase != "maintenance":
            pages.append(_session_page(plan, s, library))
        elif s is maintenance[0]:
            pages.append(_maintenance_page(plan, maintenance, library))
    pages.append(_guide(plan, library))
    pages.append(_clinician(plan, library))
    return pages


def render_html(plan: Programme, library: Library, /) -> str:
    """worksheet.html: one self-contained page, printable (one sheet per page)."""
    env = environment()
    return env.get_template(TEMPLATE).render(
        plan=plan, pages=worksheet_pages(plan, library), log_line=LOG_LINE, picture=exercise_svg
    )


def render_ics(plan: Programme, /) -> bytes:
    """plan.ics: one event per session, its exercises in the description: at the person's
    preferred time of day (floating local time) with a reminder ``reminder_minutes`` before
    (VALARM), or all-day when no time was given.

    Each event's UID comes from whose plan it is (:func:`event_uid`), so a
    re-made plan for the same start updates the same events. SEQUENCE is the
    plan's revision and DTSTAMP (with LAST-MODIFIED once revised) its
    ``revised`` time, else the start date (RFC 5545 requires one; the clock is
    never read): a calendar app takes a re-made plan's events as newer. Events
    an earlier version had and this one dropped come last, STATUS:CANCELLED.
    """
    cal = Calendar()
    cal.add("prodid", "-//kneecoach//knee plan//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"kneecoach plan{' · ' + plan.person if plan.person else ''}")
    for s in plan.sessions:
        ev = _event(plan, event_uid(plan, s.date), s.date,
                    f"Knee plan: {s.title} ({s.minutes:g} min)")  # fmt: skip
        ev.add("description", _description(s))
        cal.add_component(ev)
    for c in plan.cancelled:
        ev = _event(plan, c.uid, c.date, f"Cancelled: knee plan: {c.title}")
        ev.add("status", "CANCELLED")
        cal.add_component(ev)
    return bytes(cal.to_ical())


def _event(plan: Programme, uid: str, day: dt.date, summary: str) -> Event:
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", made_at(plan))
    if plan.revised is not None:
        ev.add("last-modified", made_at(plan))
    ev.add("sequence", plan.revision)
    if plan.time is None:
        ev.add("dtstart", day)
        ev.add("dtend", day + dt.timedelta(days=1))
        ev.add("summary", summary)
        ev.add("transp", "TRANSPARENT")
        return ev
    start = dt.datetime.combine(day, dt.time.fromisoformat(plan.time))  # floating: local time
    ev.add("dtstart", start)
    ev.add("dtend", start + dt.timedelta(minutes=plan.minutes))
    ev.add("summary", summary)
    if plan.reminder_minutes:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", summary)
        alarm.add("trigger", dt.timedelta(minutes=-plan.reminder_minutes))
        ev.add_component(alarm)
    return ev


def _description(s: Session) -> str:
    if s.retest:
        return s.retest
    lines = [f"- {p.name}: {_dose(p, ', ')}"
             + (f", both sides, {p.sides[0]} first" if p.sides else "")
             for p in s.exercises]  # fmt: skip
    return "\n".join([*lines, "", "Log: pain 0-10 during, effort 0-10, easy or not."])
