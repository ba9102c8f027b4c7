"""The coaching stage's data models: exercise library, intake, programme, logs.

One validated model per boundary (pydantic v2): the library is read from
package data, the intake from the user's TOML file, the programme is written as
``plan.json`` (``Programme.model_dump(mode="json")``), and a logged exercise
(``ExerciseLog``) comes back from the journal to :func:`kneecoach.program.adapt`.
Every model forbids unknown fields, so a misspelt key is an error that names it.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kneecoach.core.schema import Side

Category = Literal["hip", "foot-ankle", "integration", "mobility"]
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Phase = Literal["activation", "strength", "integration", "retest", "maintenance"]
Cause = Literal["hip", "foot-ankle", "control"]
Decision = Literal["progress", "hold", "regress"]
YesNo = Literal["yes", "no", "unsure"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# --------------------------------------------------------------------------- library


class Dosage(_Model):
    """How much of an exercise, per side when the exercise is one-sided.

    Exactly one of ``reps`` or ``time_s``; ``hold_s`` is a hold at the end of
    each rep (e.g. 5 × 5 s holds).
    """

    sets: int = Field(ge=1, le=6)
    reps: int | None = Field(default=None, ge=1, le=30)
    hold_s: int | None = Field(default=None, ge=1, le=120)
    time_s: int | None = Field(default=None, ge=5, le=300)
    rest_s: int = Field(ge=0, le=180)
    #: seconds per rep, e.g. 5 for a 2-1-2 tempo (FOHX, science.md §7.2)
    rep_s: float = Field(default=4.0, ge=1.0, le=10.0)
    source: str = Field(min_length=10)

    @model_validator(mode="after")
    def _one_kind(self) -> Dosage:
        if (self.reps is None) == (self.time_s is None):
            raise ValueError("give exactly one of reps or time_s")
        if self.hold_s is not None and self.reps is None:
            raise ValueError("hold_s needs reps (a hold at the end of each rep)")
        return self

    def text(self) -> str:
        """``3 × 10``, ``5 × 5 s hold``, ``2 × 60 s``."""
        if self.time_s is not None:
            return f"{self.sets} × {self.time_s} s"
        hold = f" ({self.hold_s} s hold)" if self.hold_s else ""
        return f"{self.sets} × {self.reps}{hold}"


class EquipmentNeed(_Model):
    """One piece of equipment, what can replace it, and how to do without it."""

    item: str
    alternatives: list[str] = Field(default_factory=list)
    #: how to do the exercise with none of them (None: it cannot be done without)
    without: str | None = None


class LimbPose(_Model):
    """One side's joint angles in degrees; None leaves the angle as it was (or 0).

    Signs: flexion +, abduction + (away from the midline), external rotation +,
    ankle dorsiflexion + (toes up); shoulder flexion + (arm forward and up).
    """

    hip: float | None = Field(default=None, ge=-60, le=150)
    hip_abd: float | None = Field(default=None, ge=-40, le=90)
    hip_rot: float | None = Field(default=None, ge=-60, le=70)
    knee: float | None = Field(default=None, ge=0, le=160)
    ankle: float | None = Field(default=None, ge=-60, le=45)
    shoulder: float | None = Field(default=None, ge=-60, le=190)
    shoulder_abd: float | None = Field(default=None, ge=-30, le=180)
    elbow: float | None = Field(default=None, ge=0, le=160)


class BodyPose(_Model):
    """A whole-body pose: how the body lies, the spine, and each side's joints.

    ``pitch`` tips the whole body forward (+90 face down, -90 on the back),
    ``roll`` onto its left side (+90 lying on the left side, right leg on top).
    ``both`` applies to either side first, then ``left`` / ``right`` override it.
    """

    pitch: float | None = Field(default=None, ge=-180, le=180)
    roll: float | None = Field(default=None, ge=-90, le=90)
    spine: float | None = Field(default=None, ge=-40, le=90)
    spine_side: float | None = Field(default=None, ge=-45, le=45)
    both: LimbPose = LimbPose()
    left: LimbPose = LimbPose()
    right: LimbPose = LimbPose()


BodyPoint = Literal[
    "pelvis", "shoulders", "head", "hands", "knees", "ankles", "heels", "thighs", "shins", "feet",
    "left_hip", "right_hip", "left_thigh", "right_thigh", "left_knee", "right_knee",
    "left_shin", "right_shin", "left_ankle", "right_ankle", "left_heel", "right_heel",
    "left_toe", "right_toe", "left_foot", "right_foot", "left_hand", "right_hand", "anchor",
]  # fmt: skip
PictureView = Literal["side", "front", "rear", "oblique", "above"]


class Picture(_Model):
    """How an exercise is drawn: a start and an end pose of the body model, the equipment.

    ``end`` is applied on top of ``start``, so it names only what moves. The
    figure stands on the floor (or on the step under ``step``'s foot); ``fixed``
    is the body point that stays put between the two poses.
    """

    view: PictureView
    elevation: float = Field(default=12.0, ge=-10, le=60)
    start: BodyPose
    end: BodyPose = BodyPose()
    fixed: BodyPoint = "feet"
    band: tuple[BodyPoint, BodyPoint] | None = None
    ball: BodyPoint | None = None
    roller: BodyPoint | None = None
    weights: list[BodyPoint] = Field(default_factory=list)
    step: Side | None = None
    #: a ring around the part to watch in a hold (short foot: the foot)
    focus: BodyPoint | None = None
    wall: Literal["front", "behind", "left", "right"] | None = None


class Exercise(_Model):
    """One entry of the exercise library (``program/library/exercises.toml``)."""

    id: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")
    name: str
    category: Category
    #: 1 (easiest, isometric / activation) to 5 (hardest, loaded single-leg)
    difficulty: int = Field(ge=1, le=5)
    purpose: str
    muscles: list[str] = Field(min_length=1)
    steps: list[str] = Field(min_length=2)
    cues: list[str] = Field(min_length=1)
    dosage: Dosage
    per_side: bool
    equipment: list[EquipmentNeed] = Field(default_factory=list)
    progression: str | None = None
    regression: str | None = None
    #: how to make it harder / easier without changing exercise
    harder: str
    easier: str
    contraindications: list[str] = Field(default_factory=list)
    evidence: str = Field(min_length=10)
    #: drawn by reports/exercise_picture.py from the body model
    picture: Picture


class Library(_Model):
    """The whole library with its vocabularies (checked on load)."""

    muscles: dict[str, str]
    equipment: dict[str, str]
    contraindications: dict[str, str]
    exercises: list[Exercise]

    def get(self, exercise_id: str) -> Exercise:
        """The exercise with this id (``KeyError`` if there is none)."""
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        raise KeyError(exercise_id)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.exercises]


# --------------------------------------------------------------------------- intake


class _Strict(_Model):
    """Intake sections: strict types, since TOML has real ones (``minutes = "30"`` and
    ``locking = "no"`` are errors that name the field, never silently converted)."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


Sport = Literal[
    "running", "skating", "dance", "field-sports", "court-sports", "skiing", "cycling",
    "gym", "hiking", "martial-arts", "other", "none",
]  # fmt: skip
PainLocation = Literal["front", "inside", "outside", "back", "whole-knee", "none"]
Constraint = Literal["low-back", "irritable-knees", "hypermobility", "kneeling-pain"]
Fatigue = Literal["sole-of-foot", "front-of-ankle", "outer-hip", "front-of-thigh", "none"]


class Person(_Strict):
    #: one line of text (it titles the worksheet and the calendar's events)
    name: str | None = Field(default=None, max_length=200)
    age: int = Field(ge=8, le=100)
    sex: Literal["female", "male"] | None = None

    @field_validator("name")
    @classmethod
    def _one_line(cls, name: str | None) -> str | None:
        if name is not None and any(ord(c) < 32 or ord(c) == 127 for c in name):
            raise ValueError("must be one line of text, without line breaks, tabs or other "
                             "control characters")  # fmt: skip
        return name


class Goals(_Strict):
    goal: str = ""
    sports: list[Sport] = Field(default_factory=list)


class Pain(_Strict):
    now: int = Field(ge=0, le=10)
    during_activity: int = Field(ge=0, le=10)
    locations: list[PainLocation] = Field(default_factory=list)
    side: Literal["left", "right", "both", "none"] = "none"


class SelfTests(_Strict):
    """The three hip self-tests and the single-leg-squat fatigue question."""

    opposite_hip_drops: YesNo = "unsure"
    knees_cave_sit_to_stand: YesNo = "unsure"
    front_thigh_tension: YesNo = "unsure"
    single_leg_squat_fatigue: list[Fatigue] = Field(default_factory=list)
    weaker_side: Literal["left", "right", "unknown"] = "unknown"


class Schedule(_Strict):
    days: list[Weekday] = Field(min_length=1, max_length=7)
    minutes: int = Field(ge=10, le=120)
    #: preferred time of day, HH:MM in the person's own time zone (None: any time, and the
    #: calendar's events are all-day)
    time: str | None = Field(default=None, pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    #: the calendar reminder, minutes before a timed session
    reminder_minutes: int = Field(default=30, ge=0, le=1440)

    @model_validator(mode="after")
    def _unique(self) -> Schedule:
        if len(set(self.days)) != len(self.days):
            raise ValueError("days: each weekday at most once")
        return self


class RedFlags(_Strict):
    """Screening questions (science.md §7.3, "suggested app rule"); all must be answered,
    "yes", "no" or "unsure" as every yes/no question of the intake ("unsure" stops the plan
    as "yes" does: a screen that cannot rule a warning sign out sends to a clinician).
    ``true`` / ``false``, as intakes before kneecoach 0.x wrote them, read as "yes" / "no"."""

    trauma_with_swelling: YesNo
    locking: YesNo
    giving_way: YesNo
    hot_red_or_fever: YesNo
    night_or_rest_pain: YesNo
    weight_loss: YesNo
    cannot_bear_weight: YesNo
    calf_swelling: YesNo
    numbness: YesNo
    knee_swelling: YesNo
    hip_or_groin_pain: YesNo

    @field_validator("*", mode="before")
    @classmethod
    def _from_bool(cls, value: object) -> object:
        if isinstance(value, bool):  # an earlier intake's true / false
            return "yes" if value else "no"
        return value


class Intake(_Model):
    """What a person tells kneecoach before a plan (``kneecoach intake``, examples/intake.toml)."""

    schema_: Literal["kneecoach.intake/1"] = Field(default="kneecoach.intake/1", alias="schema")
    person: Person
    goals: Goals = Goals()
    pain: Pain
    self_tests: SelfTests = SelfTests()
    constraints: list[Constraint] = Field(default_factory=list)
    equipment: list[str] = Field(default_factory=list)
    schedule: Schedule
    red_flags: RedFlags

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True)


# --------------------------------------------------------------------------- programme


class Emphasis(_Model):
    cause: Cause
    reason: str
    source: str


class Prescription(_Model):
    """One exercise in one session."""

    exercise_id: str
    name: str
    category: Category
    sets: int
    reps: int | None
    hold_s: int | None
    time_s: int | None
    rest_s: int
    dosage: str
    #: one-sided work: both sides, the weaker first, the same dosage each; [] when two-sided
    sides: list[Side]
    equipment: list[str]
    substitution: str | None
    why: str
    cue: str
    minutes: float


class Session(_Model):
    index: int
    date: dt.date
    weekday: Weekday
    week: int
    phase: Phase
    title: str
    exercises: list[Prescription]
    retest: str | None = None
    minutes: float


class PhaseInfo(_Model):
    name: Phase
    weeks: list[int]
    goal: str
    source: str


class CancelledEvent(_Model):
    """A calendar event of an earlier version of a plan that a re-made plan no longer has."""

    uid: str
    date: dt.date
    title: str


class Programme(_Model):
    """A personal plan (``plan.json``): the same inputs always give the same programme."""

    schema_: Literal["kneecoach.plan/1"] = Field(default="kneecoach.plan/1", alias="schema")
    kneecoach_version: str
    person: str | None
    start: dt.date
    weeks: int
    days: list[Weekday]
    minutes: int
    #: the sessions' time of day, HH:MM local (None: all-day events)
    time: str | None = None
    reminder_minutes: int = 30
    weaker_side: Side | None
    weaker_side_reason: str
    emphasis: list[Emphasis]
    constraints: list[str]
    excluded: dict[str, str]
    substitutions: list[str]
    phases: list[PhaseInfo]
    sessions: list[Session]
    retest_command: str
    notes: list[str]
    disclaimer: str
    sources: list[str]
    #: whose calendar events these are when ``person`` is unset (``plan`` sets it from
    #: ``--person`` or the intake file); None: the person's name (or nobody in particular)
    calendar_key: str | None = None
    #: 0 for a first plan; one more each time a re-made plan for the same person changes
    #: (plan.ics SEQUENCE)
    revision: int = Field(default=0, ge=0)
    #: when this revision was made (UTC; plan.ics DTSTAMP, LAST-MODIFIED); None: the start date
    revised: dt.datetime | None = None
    #: earlier versions' calendar events this one dropped (plan.ics STATUS:CANCELLED)
    cancelled: list[CancelledEvent] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    def to_json(self) -> str:
        """``plan.json`` text: stable key order, two-space indent, trailing newline."""
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


# --------------------------------------------------------------------------- journal


class ExerciseLog(_Model):
    """What a person logged for one exercise in one session (from the journal)."""

    exercise_id: str
    done: bool = True
    sets_done: int | None = Field(default=None, ge=0)
    sets_planned: int | None = Field(default=None, ge=1)
    #: pain 0-10 before the session, during the exercise, and the next day
    pain_before: int | None = Field(default=None, ge=0, le=10)
    pain_during: int | None = Field(default=None, ge=0, le=10)
    pain_next_day: int | None = Field(default=None, ge=0, le=10)
    #: effort 0-10 (Borg CR10)
    rpe: int | None = Field(default=None, ge=0, le=10)
    easy: bool = False
    technique_ok: bool | None = None


class Adaptation(_Model):
    """What to do next time with one exercise, and why."""

    decision: Decision
    exercise_id: str
    #: the exercise to do next time (the progression / regression, or the same one)
    next_exercise_id: str
    advice: str
    reason: str
    source: str
