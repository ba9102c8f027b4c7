"""Progress, hold or regress one exercise from what was logged. Pure.

The rules follow science.md §7.2, "Progression principles found":

1. **Regress** when pain rises: pain during the exercise above 5/10, or a rise
   of 2 or more during it or afterwards (next day) over the pain before the
   session (2/10 when that was not logged): the hip-OA home-programme rule
   "pain ... lasting more than one day after the exercise" (principle 3,
   **not PFP-specific**). The 5/10 ceiling and the 2-point rise come from the
   example "pain ≤ 2-5/10 during exercise, settling within 24 h", which
   science.md marks **⚠ UNVERIFIED** for PFP.
2. **Hold** when the session was not complete, technique was poor, effort was
   already 5/10 or more (principle 3: "do not increase the challenge if ...
   effort is already 5-6/10"), or there was some pain during or after (3-5/10).
3. **Progress** when it was done in full, with good technique, pain-free
   (≤ 2/10, the low end of the same unverified example) and no longer hard:
   marked easy, or effort below 5/10 (principle 1: "progress load when the
   exercise no longer feels hard"; FOHX works at RPE 5-7 on a 0-11 scale).
   Without a pain rating there is no progression: pain-free must be said.
"""

from __future__ import annotations

from collections.abc import Collection

from kneecoach.core.errors import InputError
from kneecoach.program.exercises import load_library
from kneecoach.program.models import Adaptation, Decision, Exercise, ExerciseLog, Library

PAIN_FREE_MAX = 2
PAIN_ACCEPTABLE_MAX = 5
PAIN_RISE = 2
HARD_RPE = 5
SOURCE = (
    "science.md §7.2 progression principles (FOHX RPE target; hip-OA pain rule, not "
    "PFP-specific); pain thresholds ⚠ UNVERIFIED for PFP"
)


def adapt(
    log: ExerciseLog,
    /,
    *,
    library: Library | None = None,
    excluded: Collection[str] = (),
) -> Adaptation:
    """What to do next time with ``log.exercise_id``: progress, hold or regress.

    ``excluded`` lists exercise ids the person must not do (their constraints);
    a progression into one of them becomes "make it harder in place".
    """
    library = library or load_library()
    try:
        exercise = library.get(log.exercise_id)
    except KeyError:
        raise InputError(
            f"exercise_id: {log.exercise_id!r} is not in the library; "
            "`kneecoach exercises` lists them"
        ) from None
    decision, reason = decide(log)
    return _advice(exercise, decision, reason, excluded)


def decide(log: ExerciseLog, /) -> tuple[Decision, str]:
    """The decision and its reason, from the log alone (the rules in the module doc)."""
    before = log.pain_before
    during = log.pain_during
    if during is not None and during > PAIN_ACCEPTABLE_MAX:
        return "regress", f"pain {during}/10 during the exercise (above {PAIN_ACCEPTABLE_MAX}/10)"
    if during is not None and before is not None and during - before >= PAIN_RISE:
        return "regress", f"pain rose from {before}/10 to {during}/10 during the exercise"
    after = log.pain_next_day
    baseline = before if before is not None else PAIN_FREE_MAX
    if after is not None and after - baseline >= PAIN_RISE:
        return "regress", f"pain after ({after}/10) is {after - baseline} above {baseline}/10"
    incomplete = not log.done or (
        log.sets_done is not None and log.sets_planned is not None
        and log.sets_done < log.sets_planned
    )  # fmt: skip
    if incomplete:
        return "hold", "not all sets were done"
    if log.technique_ok is False:
        return "hold", "technique was not yet good"
    if during is not None and during > PAIN_FREE_MAX:
        return "hold", f"some pain ({during}/10): stay at this level until it is pain-free"
    if after is not None and after > PAIN_FREE_MAX:
        return "hold", f"some pain afterwards ({after}/10): stay at this level"
    if log.rpe is not None and log.rpe >= HARD_RPE:
        return "hold", f"effort {log.rpe}/10 is still hard"
    if during is None:
        return "hold", "no pain rating logged: progress only once a session is rated pain-free"
    if log.easy or (log.rpe is not None and log.rpe < HARD_RPE):
        return "progress", "done in full, pain-free and no longer hard"
    return "hold", "log effort (RPE) or mark it easy to progress"


def _advice(
    exercise: Exercise, decision: Decision, reason: str, excluded: Collection[str]
) -> Adaptation:
    target = {"progress": exercise.progression, "regress": exercise.regression}.get(decision)
    if target is not None and target in excluded:
        target = None
    if decision == "hold":
        advice = "Keep the same exercise and dosage next time."
    elif target is not None:
        word = "Move on to" if decision == "progress" else "Step back to"
        advice = f"{word} {target} next time."
    else:
        advice = exercise.harder if decision == "progress" else exercise.easier
    return Adaptation(
        decision=decision,
        exercise_id=exercise.id,
        next_exercise_id=target or exercise.id,
        advice=advice,
        reason=reason,
        source=SOURCE,
    )
