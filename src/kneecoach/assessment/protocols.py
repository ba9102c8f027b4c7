"""The movement tests: names, labels, and when each clinical value is read."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Protocol:
    """One movement test as the report describes it."""

    name: str
    label: str
    bilateral: bool
    reading: str  # when the values are read, in words (science.md §1.2)
    filming: str  # how to film it


_FRONT = (
    "Film from the front at hip height, 3-4 m away, the whole body in view, 60 fps if possible."
)
#: The filming tip when the test is not known (a movement that was not recognised).
FRONT_FILMING = _FRONT

#: How the camera saw the person, in words ("The camera sees the person ...").
VIEW_WORDS = {
    "frontal": "from the front",
    "rear": "from behind",
    "oblique": "at an angle (oblique), neither from the front nor from the side",
    "sagittal": "from the side",
}


def view_refusal(view: str, filming: str) -> str:
    """Why frontal-plane measures are not reported for ``view``, and how to film instead."""
    seen = VIEW_WORDS.get(view, "from an angle that could not be told")
    return (
        f"The camera sees the person {seen}. Knee valgus (FPPA), pelvic drop and hip adduction "
        f"need the camera in front of or behind the person, so they are not reported. {filming}"
    )


PROTOCOLS: dict[str, Protocol] = {
    p.name: p
    for p in (
        Protocol(
            "single-leg-squat", "Single-leg squat", False,
            "at the deepest point of each rep (peak knee flexion; Herrington group protocol, "
            "science.md §1.2)",
            _FRONT + " Squat to 45-60° of knee flexion over about 5 s, hands on hips, 3+ reps.",
        ),
        Protocol(
            "squat", "Squat (double-leg)", True,
            "knee-to-ankle and knee-to-hip separation at the deepest point of each rep; FPPA at "
            "the deepest point where the thigh still supports it (science.md §1.1)",
            _FRONT + " Feet hip-width apart, 3 or more reps.",
        ),
        Protocol(
            "step-down", "Step-down", False,
            "at the deepest point of each rep (peak knee flexion; science.md §1.2)",
            _FRONT + " Stand on a 15-20 cm step, lower the other heel to the floor and back.",
        ),
        Protocol(
            "lunge", "Lunge", False,
            "on the front leg at the deepest point of each rep",
            _FRONT + " Step or split-squat straight towards the camera.",
        ),
        Protocol(
            "drop-jump", "Drop vertical jump", True,
            "at initial contact and at the deepest point (peak knee flexion) of the first "
            "landing (Munro 2012; Gray 2017; science.md §1.2)",
            _FRONT + " Drop from a 28-30 cm box, land on both feet, jump up at once.",
        ),
        Protocol(
            "single-leg-landing", "Single-leg landing", False,
            "at initial contact and at the deepest point (peak knee flexion) of the landing "
            "(Munro 2012; science.md §1.2)",
            _FRONT + " Step off a 28-30 cm box and land on one leg.",
        ),
        Protocol(
            "single-leg-stance", "Single-leg stance (pelvic drop)", False,
            "through each hold: the largest drop of the free side of the pelvis and the hold "
            "time (Hardcastle & Nade 1985; science.md §2.4)",
            "Film from behind or the front at hip height. Start on both feet, then stand on one "
            "leg, the other knee bent to 90°, and hold for 30 s on each leg (science.md §2.4).",
        ),
        Protocol(
            "sit-to-stand", "Sit-to-stand", True,
            "the largest valid FPPA while rising and sitting in each rep (derived: FPPA is not "
            "valid while seated, science.md §1.1)",
            _FRONT + " Chair at knee height, arms crossed, 5 stands.",
        ),
    )
}  # fmt: skip
