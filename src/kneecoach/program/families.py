"""Exercise families: the slots a session is built from, and why each is there.

A family is one progression chain of the library (clamshell → clamshell with
band); the programme moves along it as the phases get harder, so a progression
never comes before its base. ``causes`` ties a family to the three root causes
that ``kneecoach analyze`` reports (science.md §7.1, §5, §6).
"""

from __future__ import annotations

from dataclasses import dataclass

from kneecoach.program.models import Cause


@dataclass(frozen=True)
class Family:
    name: str
    root: str
    causes: tuple[Cause, ...]
    #: at most one family per group in a session, two when the group's cause is emphasised
    group: str
    why: str


#: In base priority order (first = most important when nothing else is known).
FAMILIES: tuple[Family, ...] = (
    Family("abductors-lying", "clamshell", ("hip",), "abductors",
           "Outer-hip strength keeps the thigh from rolling in (hip + knee work, §7.1)."),
    Family("extensors", "glute-bridge", ("hip",), "extensors",
           "Buttock strength shares the work the front of the thigh does alone (§7.2)."),
    Family("knee-push", "side-lying-ball-press", ("hip",), "knee",
           "The knee exercise of the plan: hip and knee together beat knee alone (§7.1)."),
    Family("single-leg", "hip-hitch", ("control",), "single-leg",
           "Practises hip, knee and foot in line on one leg, where valgus shows (§6)."),
    Family("short-foot", "short-foot", ("foot-ankle",), "foot",
           "An active arch stops the foot collapsing and pulling the knee in (§7.2, §5)."),
    Family("abductors-side", "side-lying-abduction", ("hip",), "abductors",
           "Hip abductors keep the pelvis level on one leg (FOHX, §7.2)."),
    Family("step", "step-up", ("hip", "control"), "knee",
           "Stairs and steps are where knees cave: train control there (§7.2)."),
    Family("dorsiflexion", "ankle-dorsiflexion-mobilisation", ("foot-ankle",), "foot",
           "A stiff ankle makes the knee cave to find range (Lima 2018, §5)."),
    Family("abductors-standing", "side-steps-band-thighs", ("hip",), "abductors",
           "Outer-hip work in standing, knees held out over the feet (§7.2)."),
    Family("adductors", "adductor-squeeze", ("hip",), "adductors",
           "Inner-thigh strength steadies the knee from the other side."),
    Family("hinge", "hip-hinge", ("hip",), "extensors",
           "Hamstrings and buttocks control the thigh from behind (§7.2)."),
    Family("hamstrings", "hamstring-curl", ("hip",), "extensors",
           "Hamstring strength steadies the knee from behind."),
    Family("crossover", "crossover-step-up", ("control",), "knee",
           "Stepping across the body trains control in a sport-like pattern."),
    Family("pallof", "pallof-side-step", ("control",), "abductors",
           "Hips and trunk resist being pulled round, as in cutting and skating."),
)  # fmt: skip

#: Where a single-leg squat tires the person first → the family that trains that part
#: (issue 5, science.md §5: sole of the foot → foot intrinsics; front of the ankle →
#: dorsiflexion; the outer hip is served by the hip core groups already).
FATIGUE_FAMILY: dict[str, str] = {"sole-of-foot": "short-foot", "front-of-ankle": "dorsiflexion"}

#: Warm-up and cool-down mobility, by what the intake reports.
WARM_UP = {"default": "foam-roll-glute-tfl", "front-thigh": "foam-roll-quads"}
#: cool-down candidates in order; the first one the constraints allow is used
COOL_DOWN: dict[str, tuple[str, ...]] = {
    "front-thigh": ("hip-flexor-stretch", "quadruped-rocking", "walking-childs-pose"),
    "outer-hip": ("tfl-stretch",),
    "low-back": ("quadruped-rocking", "walking-childs-pose"),
}
MOBILITY_WHY = {
    "foam-roll-glute-tfl": "Eases an outer hip that works all the time (warm-up only, §7.1).",
    "foam-roll-quads": "You feel squats in the front of the thigh: ease it first (warm-up, §7.1).",
    "hip-flexor-stretch": "Tight hip flexors hold the buttocks long and weak (a trainer's list).",
    "tfl-stretch": "Your outer hip tires first: lengthen it after the work.",
    "quadruped-rocking": "Gentle back and hip movement in a range you control.",
    "walking-childs-pose": "Eases the lower back and the sides of the trunk after the work.",
}

#: what each cause is called in "Your results (or answers) point to …"
EMPHASIS_TAIL: dict[Cause, str] = {
    "hip": "the hip",
    "foot-ankle": "the foot and ankle",
    "control": "knee control",
}
#: the tail when no analysis and no answer pointed anywhere (the default hip emphasis)
DEFAULT_TAIL = "With no specific pattern, hip and knee work comes first (§7.1)."

#: the cause whose emphasis lets a group take two families
GROUP_CAUSE: dict[str, Cause] = {
    "abductors": "hip", "extensors": "hip", "knee": "control", "single-leg": "control",
    "foot": "foot-ankle", "adductors": "hip",
}  # fmt: skip
#: working exercises per session (warm-up and cool-down not counted): one printed page, and
#: already more than the trial programmes used (2-4 a session: FOHX, Crossley, Nakagawa,
#: science.md §7.2); long sessions stop here rather than fill the minutes (a plan note says so)
MAX_WORKING = 6
