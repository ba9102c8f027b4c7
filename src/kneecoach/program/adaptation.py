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

:func:`apply_decisions` turns the logged decisions into the next programme
version (``plan --person`` re-plans): each planned exercise is replaced by
where the last decisions logged for it lead (progress: its harder variant,
regress: its easier one, never an excluded exercise), and
:func:`replan_reason` says why in words.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from kneecoach.core.errors import InputError
from kneecoach.core.schema import OTHER, Side
from kneecoach.program.exercises import load_library
from kneecoach.program.models import (
    Adaptation,
    Decision,
    Exercise,
    ExerciseLog,
    Library,
    Programme,
)
from kneecoach.program.prescribe import prescription

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


# --------------------------------------------------------------------------- re-planning


@dataclass(frozen=True)
class LoggedDecision:
    """The last decision logged for one exercise, and when (day, then log order)."""

    exercise_id: str
    decision: Decision
    day: date
    order: int = 0


def destination(
    exercise_id: str,
    decisions: Mapping[str, LoggedDecision],
    *,
    library: Library,
    excluded: Collection[str] = (),
) -> str:
    """Where the logged decisions lead from ``exercise_id``.

    Follows progress → the library's progression, regress → its regression, step
    by step, each step only through a decision logged later than the one before
    (so an old "progress" never undoes a newer "regress"); stops at a hold, an
    excluded or unknown exercise, or the end of the chain.
    """
    current = exercise_id
    last: tuple[date, int] | None = None
    while True:  # each step needs a strictly newer decision, so this ends
        d = decisions.get(current)
        if d is None or d.decision == "hold" or (last is not None and (d.day, d.order) <= last):
            return current
        try:
            exercise = library.get(current)
        except KeyError:
            return current
        target = exercise.progression if d.decision == "progress" else exercise.regression
        if target is None or target in excluded or target not in library.ids:
            return current
        current, last = target, (d.day, d.order)


def apply_decisions(
    programme: Programme,
    decisions: Mapping[str, LoggedDecision],
    *,
    equipment: Sequence[str],
    library: Library | None = None,
) -> tuple[Programme, dict[str, str]]:
    """``programme`` with each exercise replaced by its :func:`destination`; and what changed.

    A replacement keeps the prescription's sets (the phase's choice), takes the new
    exercise's dosage, equipment and timing, and is skipped in a session that
    already has the new exercise or that it would make longer than the programme's
    minutes. Pure and deterministic.
    """
    library = library or load_library()
    excluded = set(programme.excluded)
    moved: dict[str, str] = {}
    for s in programme.sessions:
        for p in s.exercises:
            if p.exercise_id not in moved:
                moved[p.exercise_id] = destination(
                    p.exercise_id, decisions, library=library, excluded=excluded
                )
    moved = {old: new for old, new in moved.items() if new != old}
    if not moved:
        return programme, {}
    weaker = programme.weaker_side
    sides: list[Side] = [weaker, OTHER[weaker]] if weaker else ["left", "right"]
    have = list(equipment)
    sessions, applied = [], set()
    for s in programme.sessions:
        ids = {p.exercise_id for p in s.exercises}
        # a harder variant may take longer: never past the minutes asked for (or the
        # session's own length, were it already longer)
        limit = max(float(programme.minutes), s.minutes) + 1e-6
        new = list(s.exercises)
        for i, p in enumerate(s.exercises):
            target = moved.get(p.exercise_id)
            if target is None or target in ids:
                continue
            swapped = prescription(library.get(target), p.sets, have=have,
                                   library=library, sides=p.sides or sides, why=p.why)  # fmt: skip
            if sum(q.minutes for q in new) - p.minutes + swapped.minutes <= limit:
                new[i] = swapped
                applied.add(p.exercise_id)
        total = round(sum(p.minutes for p in new), 1)
        sessions.append(s.model_copy(update={"exercises": new, "minutes": total}))
    substitutions = sorted(
        {f"{p.name}: {p.substitution}" for s in sessions for p in s.exercises if p.substitution}
    )
    update = {"sessions": sessions, "substitutions": substitutions}
    return programme.model_copy(update=update), {k: v for k, v in moved.items() if k in applied}


def replan_reason(
    moved: Mapping[str, str], n_logged: int, *, library: Library | None = None
) -> str:
    """Why a re-planned version differs: ``progressed after 6 logged sessions: a → b`` ..."""
    if n_logged == 0 and not moved:
        return "new programme"
    after = f"after {n_logged} logged session{'' if n_logged == 1 else 's'}"
    if not moved:
        return f"re-planned {after}: no exercise changed (hold)"
    library = library or load_library()
    up = [f"{a} → {b}" for a, b in moved.items() if _level(library, b) >= _level(library, a)]
    down = [f"{a} → {b}" for a, b in moved.items() if _level(library, b) < _level(library, a)]
    parts = []
    if up:
        parts.append(f"progressed {after}: {', '.join(up)}")
    if down:
        parts.append(f"regressed {after}: {', '.join(down)}")
    return "; ".join(parts)


def _level(library: Library, exercise_id: str) -> int:
    return library.get(exercise_id).difficulty
