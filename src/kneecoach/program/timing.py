"""How long an exercise takes, from its dosage: the basis of "sessions fit the minutes"."""

from __future__ import annotations

from kneecoach.program.models import Exercise

#: getting into position, per exercise
SETUP_S = 20.0
#: changing sides, per set of a one-sided exercise
SWITCH_S = 5.0


def exercise_seconds(e: Exercise, /, *, sets: int | None = None) -> float:
    """Estimated seconds for ``e``: every set, both sides when one-sided, and the rests.

    A one-sided exercise rests one side while the other works, so the rest
    between sets is only what is left of ``rest_s`` after one side's work.
    """
    d = e.dosage
    n = d.sets if sets is None else sets
    work = float(d.time_s) if d.time_s is not None else (d.reps or 0) * (d.rep_s + (d.hold_s or 0))
    sides = 2 if e.per_side else 1
    per_set = work * sides + (SWITCH_S if e.per_side else 0.0)
    rest = max(0.0, d.rest_s - work) if e.per_side else float(d.rest_s)
    return SETUP_S + n * per_set + (n - 1) * rest
