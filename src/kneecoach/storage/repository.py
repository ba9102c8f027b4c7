"""Records in and out of the journal: people, assessments, programmes, logs and check-ins.

Every function takes an open :class:`~sqlalchemy.orm.Session` inside one
transaction (``Journal.transaction()``) and validates its input at this boundary:
a wrong value raises :class:`~kneecoach.core.errors.InputError` naming the field.
Derived files (report, worst frames, summary, frames.csv) are copied into
``<files_dir>/<person key>/<assessment key>/`` with their SHA-256 (staged until
the transaction commits: :mod:`kneecoach.storage.files`); the source video only
when asked.
"""

from __future__ import annotations

import hashlib
import shutil
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kneecoach.core.errors import InputError
from kneecoach.core.schema import SIDES
from kneecoach.storage.files import DELETED, staging_folder, sync_file
from kneecoach.storage.models import (
    Assessment,
    Intake,
    PainCheckin,
    Person,
    Programme,
    RepMeasure,
    ScheduledSession,
    SessionLog,
    SideMeasure,
    StoredFile,
    utcnow,
)

if TYPE_CHECKING:  # the clip's assessment model loads numpy and xarray: only when storing
    from kneecoach.assessment.model import Assessment as ClipAssessment

#: Files of an ``analyze`` folder kept with an assessment (the worst frames are added by name).
KEPT_FILES = {
    "summary": "summary.json",
    "report": "report.html",
    "frames": "frames.csv",
    "quality": "quality.json",
}
MAX_NAME = 200


def new_key() -> str:
    """A random folder key (no personal data in file names)."""
    return uuid.uuid4().hex


def is_key(text: str) -> bool:
    """Whether ``text`` is a key as :func:`new_key` makes them (32 lowercase hex digits):
    the only folder names the journal creates, so a crafted archive cannot name ``..``."""
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# --------------------------------------------------------------------------- people


def clean_name(name: str) -> str:
    """A person's name as stored: trimmed, non-empty, at most 200 characters."""
    cleaned = " ".join(name.split())
    if not cleaned or len(cleaned) > MAX_NAME:
        raise InputError(f"--person: expected a name of 1-{MAX_NAME} characters, got {name!r}")
    return cleaned


def find_person(session: Session, name: str) -> Person:
    """The person called ``name`` (case-insensitive); InputError listing who exists otherwise."""
    cleaned = clean_name(name)
    person = session.scalar(select(Person).where(func.lower(Person.name) == cleaned.lower()))
    if person is None:
        names = session.scalars(select(Person.name).order_by(Person.name)).all()
        known = f"people in the journal: {', '.join(names)}" if names else "the journal is empty"
        raise InputError(
            f"--person: nobody called {cleaned!r} in the journal ({known}). Store an "
            f"assessment first: kneecoach analyze CLIP --person {cleaned!r}"
        )
    return person


def find_person_by_key(session: Session, key: str) -> Person:
    """The person with ``key`` (:class:`InputError` when there is none)."""
    person = session.scalar(select(Person).where(Person.key == key)) if is_key(key) else None
    if person is None:
        raise InputError(f"nobody in the journal has the key {key!r}")
    return person


def get_or_create_person(session: Session, name: str) -> Person:
    """The person called ``name``, created when new."""
    cleaned = clean_name(name)
    person = session.scalar(select(Person).where(func.lower(Person.name) == cleaned.lower()))
    if person is not None:
        return person
    try:
        with session.begin_nested():  # another process may add the same name meanwhile
            person = Person(key=new_key(), name=cleaned, created_at=utcnow())
            session.add(person)
    except IntegrityError:
        return find_person(session, cleaned)
    return person


@dataclass(frozen=True)
class PersonOverview:
    """One line of ``kneecoach people``."""

    name: str
    since: datetime
    assessments: int
    programmes: int
    sessions_logged: int
    last_activity: date | None
    #: the person's random key: names them in links without their name
    key: str = ""
    #: the last day a session log reported warning signs (see a clinician), or None
    warning_signs: date | None = None
    pain_checkins: int = 0


def list_people(session: Session) -> list[PersonOverview]:
    """Everyone in the journal, by name, with counts."""
    rows = []
    for p in session.scalars(select(Person).order_by(Person.name)):
        days = [a.measured_at.date() for a in p.assessments]
        days += [log.day for log in p.session_logs] + [c.day for c in p.pain_checkins]
        rows.append(
            PersonOverview(
                p.name, p.created_at, len(p.assessments), len(p.programmes),
                sum(log.done for log in p.session_logs), max(days, default=None), p.key,
                max((log.day for log in p.session_logs if log.warning_signs), default=None),
                len(p.pain_checkins),
            )
        )  # fmt: skip
    return rows


# --------------------------------------------------------------------------- assessments


def _measured_at(summary: ClipAssessment) -> datetime:
    """Summary ``created`` (ISO 8601) as naive UTC; now when unreadable."""
    try:
        when = datetime.fromisoformat(summary.created)
    except ValueError:
        return utcnow()
    return when.astimezone(UTC).replace(tzinfo=None) if when.tzinfo else when


def add_assessment(
    session: Session,
    person: Person,
    summary: ClipAssessment,
    files: Mapping[str, Path],
    *,
    files_dir: Path,
) -> Assessment:
    """Store one analysis (its typed assessment, kept whole as ``summary.json``'s content)
    and copy its ``files`` beside the database.

    ``files`` maps kinds (``report``, ``worst_1``, ``video`` ...) to existing paths.
    """
    working = [s for s in SIDES if s in summary.sides and summary.sides[s].working]
    a = Assessment(
        key=new_key(), person=person, created_at=utcnow(), measured_at=_measured_at(summary),
        test=summary.test, test_label=summary.test_label or summary.test, view=summary.view,
        working_sides=",".join(working), source=summary.source,
        kneecoach_version=summary.kneecoach_version, summary=summary.to_json_dict(),
    )  # fmt: skip
    for side, info in summary.sides.items():
        level = info.classification.level
        a.sides.append(
            SideMeasure(
                side=side, working=bool(info.working), reps=len(info.reps),
                peak_fppa_deg=info.peak_fppa_deg, mean_fppa_deg=info.mean_fppa_deg,
                sd_fppa_deg=info.sd_fppa_deg, mean_pelvic_drop_deg=info.mean_pelvic_drop_deg,
                classification=level,
            )
        )  # fmt: skip
        for r in info.reps:
            a.reps.append(
                RepMeasure(
                    side=side, index=r.index, time_s=r.time_s, complete=r.complete,
                    fppa_deg=r.fppa_deg, pelvic_drop_deg=r.pelvic_drop_deg,
                    knee_shift_pct=r.knee_shift_pct, confidence=r.confidence,
                )
            )  # fmt: skip
    session.add(a)
    staging = staging_folder(session, files_dir, person.key, a.key)
    a.files.extend(copy_files(files, staging, f"{person.key}/{a.key}"))
    session.flush()
    return a


def copy_files(files: Mapping[str, Path], staging: Path, final: str) -> list[StoredFile]:
    """Copy each file into ``staging`` with its hash; paths recorded as ``final/<name>``."""
    stored = []
    for kind, src in sorted(files.items()):
        target = staging / src.name
        sync_file(shutil.copyfile(src, target))
        stored.append(
            StoredFile(
                kind=kind, path=f"{final}/{target.name}",
                sha256=sha256_file(target), size_bytes=target.stat().st_size,
            )
        )  # fmt: skip
    return stored


def analysis_files(out_dir: Path, summary: ClipAssessment) -> dict[str, Path]:
    """The derived files of an ``analyze`` folder worth keeping (those that exist)."""
    files = {kind: out_dir / name for kind, name in KEPT_FILES.items()}
    for i, moment in enumerate(summary.worst_moments, start=1):
        files[f"worst_{i}"] = out_dir / Path(moment.image).name
    return {k: p for k, p in files.items() if p.is_file()}


def assessments_of(session: Session, person: Person, test: str | None = None) -> list[Assessment]:
    """A person's assessments, oldest first (of one test when given)."""
    query = select(Assessment).where(Assessment.person_id == person.id)
    if test is not None:
        query = query.where(Assessment.test == test)
    return list(session.scalars(query.order_by(Assessment.measured_at, Assessment.id)))


def latest_summary(session: Session, person: Person) -> dict[str, object] | None:
    """The summary of the person's most recent assessment (for ``plan --person``)."""
    found = assessments_of(session, person)
    return dict(found[-1].summary) if found else None


# --------------------------------------------------------------------------- intakes, programmes


def add_intake(session: Session, person: Person, document: Mapping[str, object]) -> Intake:
    """Store an intake document (the coaching stage's JSON form)."""
    intake = Intake(person=person, created_at=utcnow(), document=dict(document))
    session.add(intake)
    session.flush()
    return intake


def latest_intake(session: Session, person: Person) -> dict[str, object] | None:
    return dict(person.intakes[-1].document) if person.intakes else None


@dataclass(frozen=True)
class PlannedDay:
    """One scheduled session of a programme."""

    day: date
    label: str = ""
    planned: tuple[Mapping[str, object], ...] = ()


def add_programme(
    session: Session,
    person: Person,
    document: Mapping[str, object],
    *,
    start: date,
    weeks: int,
    days: Iterable[PlannedDay],
    reason: str = "new programme",
) -> Programme:
    """Store a new programme version (1, 2, ...) with its scheduled sessions."""
    if weeks < 1:
        raise InputError(f"programme weeks: expected at least 1, got {weeks}")
    version = (session.scalar(
        select(func.max(Programme.version)).where(Programme.person_id == person.id)
    ) or 0) + 1  # fmt: skip
    programme = Programme(
        person=person, version=version, created_at=utcnow(), start_date=start, weeks=weeks,
        reason=reason, document=dict(document),
    )  # fmt: skip
    for d in sorted(days, key=lambda d: d.day):
        programme.sessions.append(
            ScheduledSession(day=d.day, label=d.label, planned=[dict(p) for p in d.planned])
        )
    session.add(programme)
    session.flush()
    return programme


def current_programme(session: Session, person: Person) -> Programme | None:
    return person.programmes[-1] if person.programmes else None


# --------------------------------------------------------------------------- logs, pain


def _rating(name: str, value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 10:
        raise InputError(f"--{name}: expected a whole number from 0 to 10, got {value}")
    return value


def _count(name: str, value: int | None) -> int | None:
    if value is not None and value < 0:
        raise InputError(f"--{name}: expected a count of 0 or more, got {value}")
    return value


def scheduled_on(session: Session, person: Person, day: date) -> ScheduledSession | None:
    """The current programme's session planned for ``day`` (None: a rest day or no programme)."""
    programme = current_programme(session, person)
    if programme is None:
        return None
    return next((s for s in programme.sessions if s.day == day), None)


def scheduled_after(session: Session, person: Person, day: date) -> ScheduledSession | None:
    """The current programme's first session after ``day`` (None: none left, or no programme)."""
    programme = current_programme(session, person)
    later = [s for s in programme.sessions if s.day > day] if programme else []
    return min(later, key=lambda s: s.day, default=None)


def log_session(
    session: Session,
    person: Person,
    *,
    day: date,
    done: bool,
    sets_done: int | None = None,
    sets_planned: int | None = None,
    pain_during: int | None = None,
    pain_after: int | None = None,
    rpe: int | None = None,
    notes: str = "",
    exercises: Sequence[Mapping[str, object]] = (),
    pain_before: int | None = None,
    warning_signs: bool = False,
) -> SessionLog:
    """Record one session (done or missed); linked to the session planned for that day.

    ``warning_signs``: warning signs were reported with it (stored as its own column).
    """
    planned = scheduled_on(session, person, day)
    log = SessionLog(
        person=person, scheduled_session_id=planned.id if planned else None, day=day,
        created_at=utcnow(), done=done, sets_done=_count("sets", sets_done),
        sets_planned=_count("sets-planned", sets_planned),
        pain_during=_rating("pain-during", pain_during),
        pain_after=_rating("pain-after", pain_after), rpe=_rating("rpe", rpe),
        pain_before=_rating("pain-before", pain_before),
        notes=notes.strip(), exercises=[dict(e) for e in exercises],
        warning_signs=warning_signs,
    )  # fmt: skip
    session.add(log)
    session.flush()
    return log


def add_checkin(
    session: Session, person: Person, *, day: date, pain: int, notes: str = ""
) -> PainCheckin:
    """Record a pain rating (0-10) for ``day``."""
    checked = _rating("pain", pain)
    assert checked is not None
    checkin = PainCheckin(person=person, day=day, created_at=utcnow(), pain=checked, notes=notes)
    session.add(checkin)
    session.flush()
    return checkin


# --------------------------------------------------------------------------- delete


def delete_person(session: Session, person: Person, *, files_dir: Path) -> Path | None:
    """Delete every record of ``person``; their files folder is moved aside for removal.

    Returns the moved-aside folder: :func:`settle_deletions` removes it once the
    transaction has committed (or puts it back if the transaction failed).
    """
    folder = files_dir / person.key
    aside = None
    if is_key(person.key) and folder.exists():  # a crafted key ("..") names no folder of ours
        aside = files_dir / f"{DELETED}{person.key}"
        folder.replace(aside)
    session.delete(person)
    session.flush()
    return aside


def settle_deletions(session: Session, files_dir: Path) -> None:
    """Finish what interrupted deletions left: remove folders of people who are gone, and
    put back the folder of anyone whose deletion was rolled back."""
    if not files_dir.is_dir():
        return
    for aside in files_dir.glob(f"{DELETED}*"):
        key = aside.name.removeprefix(DELETED)
        if not is_key(key):
            continue
        home = files_dir / key
        if session.scalar(select(Person.id).where(Person.key == key)) is not None:
            if not home.exists():
                aside.replace(home)
        else:
            shutil.rmtree(aside, ignore_errors=True)
