"""The journal's tables as typed SQLAlchemy 2 models (the schema at the newest migration).

One person has intakes, assessments (with per-side and per-rep measures and the
derived files kept beside the database), programme versions with their
scheduled sessions, session logs and pain check-ins. Deleting a person deletes
all of them (ORM cascade and ``ON DELETE CASCADE``). Times are naive UTC;
days are calendar dates in the user's own time zone. Intakes and programmes are
stored as the coaching stage's validated JSON documents, so this schema does not
depend on their internals; the columns beside them are what the journal queries.

The migrations in ``migrations/versions`` must produce exactly this schema
(``test_migrations_from_empty_reach_the_models_exactly`` in
``tests/integration/journal/test_journal_storage.py`` compares them, on SQLite and PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, MetaData, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


#: How a session log's notes start when warning signs were reported (``kneecoach log``
#: writes it for people to read). The fact itself is :attr:`SessionLog.warning_signs`;
#: migration 0004 set it for the logs written before, whose notes were the only record.
WARNING_NOTE = "warning signs reported (see a clinician)"
#: every start :data:`WARNING_NOTE` has had (``kneecoach log`` wrote the second between
#: d107141 and 2c1b27c): what marks a log from before the column as having warning signs
WARNING_NOTES = (
    WARNING_NOTE,
    "warning signs reported (swelling, locking, giving way or night/rest pain)",
)


def utcnow() -> datetime:
    """Now, as naive UTC (how every timestamp is stored)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, object]: JSON, list[object]: JSON, float: Float}


def _children(back: str, order_by: str) -> Any:
    """A one-to-many relationship whose children are deleted with their parent."""
    return relationship(
        back_populates=back, order_by=order_by, cascade="all, delete-orphan", passive_deletes=True
    )


class Person(Base):
    """Someone whose knees are measured (a coach keeps several)."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, stable across export → import; names the folder of derived files.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    intakes: Mapped[list[Intake]] = _children("person", "Intake.id")
    assessments: Mapped[list[Assessment]] = _children("person", "Assessment.id")
    programmes: Mapped[list[Programme]] = _children("person", "Programme.version")
    session_logs: Mapped[list[SessionLog]] = _children("person", "SessionLog.id")
    pain_checkins: Mapped[list[PainCheckin]] = _children("person", "PainCheckin.id")
    sense_tests: Mapped[list[SenseTest]] = _children("person", "SenseTest.id")


class Intake(Base):
    """One intake questionnaire (the coaching stage's document, as JSON)."""

    __tablename__ = "intakes"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    document: Mapped[dict[str, object]]
    person: Mapped[Person] = relationship(back_populates="intakes")


class Assessment(Base):
    """One analysed clip: the summary.json of ``kneecoach analyze`` plus queryable columns."""

    __tablename__ = "assessments"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random; names the folder of this assessment's derived files.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: When the clip was analysed (summary ``created``), naive UTC.
    measured_at: Mapped[datetime]
    test: Mapped[str] = mapped_column(String(40))
    test_label: Mapped[str] = mapped_column(String(100))
    view: Mapped[str] = mapped_column(String(20))
    #: The working side(s), comma-separated: ``left``, ``right`` or ``left,right`` (or empty).
    working_sides: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    kneecoach_version: Mapped[str] = mapped_column(String(40))
    summary: Mapped[dict[str, object]]
    person: Mapped[Person] = relationship(back_populates="assessments")
    sides: Mapped[list[SideMeasure]] = _children("assessment", "SideMeasure.side")
    reps: Mapped[list[RepMeasure]] = _children("assessment", "RepMeasure.id")
    files: Mapped[list[StoredFile]] = _children("assessment", "StoredFile.kind")


class SideMeasure(Base):
    """One side's summary in one assessment (summary ``sides.<side>``)."""

    __tablename__ = "side_measures"
    __table_args__ = (UniqueConstraint("assessment_id", "side"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(5))
    working: Mapped[bool]
    reps: Mapped[int]
    peak_fppa_deg: Mapped[float | None]
    mean_fppa_deg: Mapped[float | None]
    sd_fppa_deg: Mapped[float | None]
    mean_pelvic_drop_deg: Mapped[float | None]
    classification: Mapped[str | None] = mapped_column(String(40))
    assessment: Mapped[Assessment] = relationship(back_populates="sides")


class RepMeasure(Base):
    """One rep's reading (summary ``sides.<side>.reps[i]``)."""

    __tablename__ = "rep_measures"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    side: Mapped[str] = mapped_column(String(5))
    index: Mapped[int]
    time_s: Mapped[float | None]
    complete: Mapped[bool]
    fppa_deg: Mapped[float | None]
    pelvic_drop_deg: Mapped[float | None]
    knee_shift_pct: Mapped[float | None]
    confidence: Mapped[float | None]
    assessment: Mapped[Assessment] = relationship(back_populates="reps")


class StoredFile(Base):
    """A derived file kept beside the database, with its content hash."""

    __tablename__ = "stored_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    #: ``summary``, ``report``, ``frames``, ``quality``, ``worst_1`` ... or ``video``.
    kind: Mapped[str] = mapped_column(String(40))
    #: Relative to the journal's files folder, with forward slashes.
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int]
    assessment: Mapped[Assessment] = relationship(back_populates="files")


class Programme(Base):
    """One version of a person's programme (the coaching stage's plan.json, as JSON)."""

    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("person_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    start_date: Mapped[date]
    weeks: Mapped[int]
    #: Why this version exists: ``new``, ``progress``, ``hold``, ``regress`` ... in words.
    reason: Mapped[str] = mapped_column(Text, default="")
    document: Mapped[dict[str, object]]
    person: Mapped[Person] = relationship(back_populates="programmes")
    sessions: Mapped[list[ScheduledSession]] = _children("programme", "ScheduledSession.day")


class ScheduledSession(Base):
    """A planned training day of one programme version."""

    __tablename__ = "scheduled_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programmes.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(index=True)
    label: Mapped[str] = mapped_column(Text, default="")
    #: The planned exercises: ``[{"id", "name", "sets", "reps", ...}]`` as the plan gives them.
    planned: Mapped[list[object]]
    programme: Mapped[Programme] = relationship(back_populates="sessions")


class SessionLog(Base):
    """What was done on one day: done or missed, sets, pain during and after, RPE, notes."""

    __tablename__ = "session_logs"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    scheduled_session_id: Mapped[int | None] = mapped_column(
        ForeignKey("scheduled_sessions.id", ondelete="SET NULL"), index=True
    )
    day: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done: Mapped[bool]
    sets_done: Mapped[int | None]
    sets_planned: Mapped[int | None]
    #: Pain 0-10 (numeric rating scale) before the session (migration 0003), during and after it.
    pain_during: Mapped[int | None]
    pain_after: Mapped[int | None]
    pain_before: Mapped[int | None]
    #: Rate of perceived exertion, 0-10 (CR-10).
    rpe: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    #: Warning signs were reported with this log (``log --warning-signs`` or a "yes" to the
    #: question): see a clinician. Added in migration 0004 (set for older logs whose notes
    #: start with :data:`WARNING_NOTE`); the notes still say it too.
    warning_signs: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: The exercises done: ``[{"id", "sets", ...}]``.
    exercises: Mapped[list[object]]
    person: Mapped[Person] = relationship(back_populates="session_logs")
    scheduled_session: Mapped[ScheduledSession | None] = relationship()


class PainCheckin(Base):
    """A pain rating on a day without (or besides) a session. Added in migration 0002."""

    __tablename__ = "pain_checkins"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    pain: Mapped[int]
    notes: Mapped[str] = mapped_column(Text, default="")
    person: Mapped[Person] = relationship(back_populates="pain_checkins")


class SenseTest(Base):
    """A position-sense test with the camera as the ruler (``kneecoach.live.sense``): knee
    over the second toe, or a knee angle reproduced, eyes closed. Added in migration 0006."""

    __tablename__ = "sense_tests"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``knee_over_toe``, ``angle_30`` or ``angle_60``
    kind: Mapped[str] = mapped_column(String(20))
    #: the mean absolute error over the trials, of the worse knee (% of leg length or °)
    absolute_error: Mapped[float | None]
    #: what the measure cannot tell from noise, same unit
    noise: Mapped[float]
    #: the whole scored test: trials, absolute, constant and variable error per knee
    result: Mapped[dict[str, object]]
    person: Mapped[Person] = relationship(back_populates="sense_tests")


class Job(Base):
    """An analysis asked for in the web app: queued, running, done or failed. Added in
    migration 0005.

    The uploaded clip and the analysis's files live in the job's own folder (``.jobs/<key>``
    in the journal's files folder); ``filename`` is the name the browser gave, shown and
    never used as a path. A job that was running when the server stopped is marked failed
    when it starts again (nothing of it is stored: an assessment is stored whole or not).
    """

    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random (32 hex digits): how the web app and the API name the job and its analysis.
    key: Mapped[str] = mapped_column(String(32), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: ``queued``, ``running``, ``done`` or ``failed``.
    status: Mapped[str] = mapped_column(String(16), index=True)
    stage: Mapped[str] = mapped_column(Text, default="")
    #: How far the current stage is, 0-100 (None: its length is not known).
    percent: Mapped[float | None]
    #: Why it failed, or why the analysis was partial or refused.
    message: Mapped[str] = mapped_column(Text, default="")
    filename: Mapped[str] = mapped_column(String(255))
    test: Mapped[str] = mapped_column(String(40))
    #: The person it is stored for (None: analysed only, not stored).
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    #: When done: the analysis's status, ``ok``, ``partial`` or ``refused``.
    outcome: Mapped[str | None] = mapped_column(String(16))
    #: When stored for the person: the assessment's key.
    assessment_key: Mapped[str | None] = mapped_column(String(32))
    person: Mapped[Person | None] = relationship()
