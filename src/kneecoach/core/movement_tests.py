"""The movement tests kneecoach measures, as data: one frozen record per test.

Code asks a test's fields (``MOVEMENT_TESTS[name].event == "landing"``), never
its name. This module imports nothing heavy, so the command line can list the
tests without loading the measuring stack.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

#: What one measured event of a test is.
#: ``dip``: the hips go down and back up (squats, step-downs, lunges);
#: ``rise``: the hips rise to standing and sit again (sit-to-stand);
#: ``landing``: a fall from a box and the landing (science.md §1.2);
#: ``hold``: one foot off the floor, held (science.md §2.4); ``step``: a gait step.
Event = Literal["dip", "rise", "landing", "hold", "step"]
#: How a one-legged test tells its working leg (``events.reps.working_leg``).
#: ``lifted-foot``: the other foot is off the floor; ``foot-on-step``: the working foot stays
#: still on the step; ``still-knee``: the front knee moves least (lunge).
WorkingLeg = Literal["lifted-foot", "foot-on-step", "still-knee"]
#: The measure a test's verdict is about: FPPA (science.md §1.1), the knee's shift over its
#: foot (squat-type tests, where FPPA is not valid at depth; science.md §1.1, §1.5), or the
#: free side's pelvic drop (single-leg stance, science.md §2.4).
Headline = Literal["fppa", "knee_over_foot", "pelvic_drop"]
#: Which frame of an event the values are read at: the deepest (peak knee flexion), initial
#: contact and the deepest, the frame of largest valid FPPA, through a hold, or each step's
#: stance.
ReadingFrame = Literal["deepest", "contact-and-deepest", "largest-fppa", "hold", "stance"]

#: The filming tip for the front-view tests, and when the test is not known.
FRONT_FILMING = (
    "Film from the front at hip height, 3-4 m away, the whole body in view, 60 fps if possible."
)
GAIT_FILMING = (
    "Film from behind or in front at hip height, 3-5 m away, the whole body in view, 60 fps or "
    "more (treadmill, or a straight path towards or away from the camera); a side view gives "
    "cadence, knee flexion at contact, overstride and trunk lean but no knee valgus."
)


@dataclass(frozen=True)
class MovementTest:
    """One movement test: what is measured, when, on which leg, and how to film it."""

    name: str
    label: str
    event: Event
    bilateral: bool
    headline: Headline
    reading_frame: ReadingFrame
    #: When the values are read, in words for the report (science.md §1.2).
    reading: str
    filming: str
    #: One-legged tests: how the working leg is told, and what to say when it cannot be.
    working_leg: WorkingLeg | None = None
    no_working_leg: str = "neither foot was clearly off the floor, nor one leg clearly still"
    #: The two-legged test to suggest when every rep was done on both feet.
    two_legged: str | None = None
    #: Fast movement: a video of 40 fps or more is filtered at 12 Hz unless the user chose a
    #: cut-off (science.md §8: 10-12 Hz for running).
    fast: bool = False
    #: Gait: the shortest time between two contacts of the same foot, in seconds (derived: a
    #: sprint stride lasts ~0.45 s, a brisk walking stride ~0.9 s, a skating stride longer).
    min_stride_s: float | None = None

    @property
    def is_gait(self) -> bool:
        """Measured step by step (``steps[]`` in summary.json) rather than rep by rep."""
        return self.event == "step"

    @property
    def counts(self) -> str:
        """What the report counts: ``reps``, ``holds`` or ``steps``."""
        return {"hold": "holds", "step": "steps"}.get(self.event, "reps")


_DEEPEST = "at the deepest point of each rep (peak knee flexion; Herrington group protocol, "
_LANDING = "at initial contact and at the deepest point (peak knee flexion) of "

MOVEMENT_TESTS: dict[str, MovementTest] = {
    t.name: t
    for t in (
        MovementTest(
            "single-leg-squat", "Single-leg squat", "dip", False, "fppa", "deepest",
            _DEEPEST + "science.md §1.2)",
            FRONT_FILMING + " Squat to 45-60° of knee flexion over about 5 s, hands on hips, "
            "3+ reps.",
            working_leg="lifted-foot", two_legged="squat",
        ),
        MovementTest(
            "squat", "Squat (double-leg)", "dip", True, "knee_over_foot", "deepest",
            "knee-to-ankle and knee-to-hip separation at the deepest point of each rep; FPPA at "
            "the deepest point where the thigh still supports it (science.md §1.1)",
            FRONT_FILMING + " Feet hip-width apart, 3 or more reps.",
        ),
        MovementTest(
            "step-down", "Step-down", "dip", False, "fppa", "deepest",
            "at the deepest point of each rep (peak knee flexion; science.md §1.2)",
            FRONT_FILMING + " Stand on a 15-20 cm step, lower the other heel to the floor and "
            "back.",
            working_leg="foot-on-step",
            no_working_leg="neither foot stayed clearly still on the step while the other "
            "reached down",
        ),
        MovementTest(
            "lunge", "Lunge", "dip", False, "fppa", "deepest",
            "on the front leg at the deepest point of each rep",
            FRONT_FILMING + " Step or split-squat straight towards the camera.",
            working_leg="still-knee",
            no_working_leg="neither knee moved clearly less up and down than the other, as the "
            "front knee of a lunge does",
        ),
        MovementTest(
            "drop-jump", "Drop vertical jump", "landing", True, "knee_over_foot",
            "contact-and-deepest",
            _LANDING + "the first landing (Munro 2012; Gray 2017; science.md §1.2)",
            FRONT_FILMING + " Drop from a 28-30 cm box, land on both feet, jump up at once.",
        ),
        MovementTest(
            "single-leg-landing", "Single-leg landing", "landing", False, "fppa",
            "contact-and-deepest",
            _LANDING + "the landing (Munro 2012; science.md §1.2)",
            FRONT_FILMING + " Step off a 28-30 cm box and land on one leg.",
            working_leg="lifted-foot", two_legged="drop-jump",
        ),
        MovementTest(
            "single-leg-stance", "Single-leg stance (pelvic drop)", "hold", False, "pelvic_drop",
            "hold",
            "through each hold: the largest drop of the free side of the pelvis and the hold "
            "time (Hardcastle & Nade 1985; science.md §2.4)",
            "Film from behind or the front at hip height. Start on both feet, then stand on one "
            "leg, the other knee bent to 90°, and hold for 30 s on each leg (science.md §2.4).",
        ),
        MovementTest(
            "sit-to-stand", "Sit-to-stand", "rise", True, "knee_over_foot", "largest-fppa",
            "the largest valid FPPA while rising and sitting in each rep (derived: FPPA is not "
            "valid while seated, science.md §1.1)",
            FRONT_FILMING + " Chair at knee height, arms crossed, 5 stands.",
        ),
        MovementTest(
            "run", "Running", "step", False, "fppa", "stance",
            "at midstance of each step: the deepest pelvis position in the middle 60% of stance "
            "(Dingenen 2018; science.md §2.3; docs/gait.md)",
            GAIT_FILMING + " Run at least 7 steps per leg (30 s or more).",
            fast=True, min_stride_s=0.4,
        ),
        MovementTest(
            "walk", "Walking", "step", False, "fppa", "stance",
            "at midstance of each step: the middle of stance (science.md §2.3; docs/gait.md)",
            GAIT_FILMING + " Walk at least 7 steps per leg.",
            min_stride_s=0.7,
        ),
        MovementTest(
            "skate", "Skating", "step", False, "fppa", "stance",
            "at the middle of each stride's glide, the single-leg part of the stance "
            "(docs/gait.md)",
            "Film from behind or in front at hip height, the whole body in view, 60 fps or "
            "more, skating straight towards or away from the camera; at least 7 strides per "
            "leg.",
            fast=True, min_stride_s=0.6,
        ),
    )
}  # fmt: skip

#: Every test's name, in the order the command line lists them.
TEST_NAMES: tuple[str, ...] = tuple(MOVEMENT_TESTS)
#: What ``--test`` takes: a test, or ``auto`` to recognise it from the movement.
TEST_CHOICES: tuple[str, ...] = ("auto", *TEST_NAMES)
#: The tests measured rep by rep (or hold by hold).
REP_TESTS: tuple[str, ...] = tuple(n for n, t in MOVEMENT_TESTS.items() if not t.is_gait)
#: The tests measured step by step.
GAIT_TESTS: tuple[str, ...] = tuple(n for n, t in MOVEMENT_TESTS.items() if t.is_gait)


def movement_test(name: str | None) -> MovementTest | None:
    """The test named ``name`` (as summary.json stores it), or None for an unknown name."""
    return MOVEMENT_TESTS.get(name or "")


def headline(name: str | None) -> Headline | None:
    """The measure test ``name``'s verdict is about, or None for an unknown test."""
    t = movement_test(name)
    return t.headline if t else None


def is_gait(name: str | None) -> bool:
    """Whether test ``name`` is measured step by step."""
    t = movement_test(name)
    return bool(t and t.is_gait)
