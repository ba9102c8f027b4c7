"""How the report speaks of the movement tests: their records, and the camera view in words.

The tests themselves are data in :mod:`kneecoach.core.movement_tests`.
"""

from __future__ import annotations

from kneecoach.core.movement_tests import (
    FRONT_FILMING,
    GAIT_TESTS,
    MOVEMENT_TESTS,
    REP_TESTS,
    MovementTest,
)

#: The tests measured rep by rep (or hold by hold), by name.
PROTOCOLS: dict[str, MovementTest] = {n: MOVEMENT_TESTS[n] for n in REP_TESTS}
#: The gait tests, by name.
GAIT_PROTOCOLS: dict[str, MovementTest] = {n: MOVEMENT_TESTS[n] for n in GAIT_TESTS}

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


__all__ = ["FRONT_FILMING", "GAIT_PROTOCOLS", "PROTOCOLS", "VIEW_WORDS", "view_refusal"]
