"""Progress / hold / regress from a logged exercise (science.md §7.2 principles)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneecoach.core.errors import InputError
from kneecoach.program import ExerciseLog, adapt, build_programme, load_library
from kneecoach.program.adaptation import LoggedDecision, apply_decisions, destination, replan_reason
from kneecoach.program.intake import demo_intake


def log(**kw: object) -> ExerciseLog:
    base: dict[str, object] = {"exercise_id": "clamshell", "done": True, "sets_done": 3,
                               "sets_planned": 3, "pain_before": 1, "pain_during": 1,
                               "pain_next_day": 1, "rpe": 3, "technique_ok": True}  # fmt: skip
    return ExerciseLog.model_validate({**base, **kw})


@pytest.mark.parametrize(
    ("change", "decision", "next_id"),
    [
        ({}, "progress", "clamshell-band"),
        ({"rpe": None, "easy": True}, "progress", "clamshell-band"),
        ({"pain_during": 6}, "regress", "clamshell"),
        ({"pain_before": 0, "pain_during": 3}, "regress", "clamshell"),
        ({"pain_next_day": 3}, "regress", "clamshell"),
        ({"pain_before": None, "pain_next_day": 3}, "hold", "clamshell"),
        ({"pain_before": None, "pain_next_day": 4}, "regress", "clamshell"),
        ({"pain_before": None, "pain_next_day": 1}, "progress", "clamshell-band"),
        ({"pain_during": 2, "pain_before": 2, "rpe": 6}, "hold", "clamshell"),
        ({"pain_before": 3, "pain_during": 4, "pain_next_day": 3}, "hold", "clamshell"),
        ({"sets_done": 2}, "hold", "clamshell"),
        ({"done": False}, "hold", "clamshell"),
        ({"technique_ok": False}, "hold", "clamshell"),
        ({"pain_during": None}, "hold", "clamshell"),
    ],
)
def test_rules(change: dict[str, object], decision: str, next_id: str) -> None:
    a = adapt(log(**change))
    assert (a.decision, a.next_exercise_id) == (decision, next_id)
    assert a.reason and "§7.2" in a.source


def test_regress_and_progress_follow_the_library_links() -> None:
    assert adapt(log(exercise_id="clamshell-band", pain_during=7)).next_exercise_id == "clamshell"
    top = adapt(log(exercise_id="single-leg-squat"))
    assert top.next_exercise_id == "single-leg-squat" and "deeper" in top.advice


def test_an_excluded_progression_becomes_harder_in_place() -> None:
    a = adapt(log(exercise_id="side-lying-ball-press"), excluded={"squat-knees-out"})
    assert a.decision == "progress" and a.next_exercise_id == "side-lying-ball-press"


def test_unknown_exercise_is_named() -> None:
    with pytest.raises(InputError, match="'jumping-jacks'"):
        adapt(log(exercise_id="jumping-jacks"))


@given(before=st.integers(0, 10), during=st.integers(0, 10), rpe=st.integers(0, 10),
       easy=st.booleans())  # fmt: skip
def test_pain_above_five_always_regresses_and_progress_needs_pain_free(
    before: int, during: int, rpe: int, easy: bool
) -> None:
    a = adapt(log(pain_before=before, pain_during=during, pain_next_day=None, rpe=rpe, easy=easy))
    if during > 5:
        assert a.decision == "regress"
    if a.decision == "progress":
        assert during <= 2 and during - before < 2 and (easy or rpe < 5)


# --------------------------------------------------------------------------- re-planning

D1, D2, D3 = (date(2026, 3, d) for d in (2, 4, 6))


def test_destination_follows_the_newest_decisions_only() -> None:
    library = load_library()
    progressed = {"clamshell": LoggedDecision("clamshell", "progress", D1)}
    assert destination("clamshell", progressed, library=library) == "clamshell-band"
    assert destination("clamshell", progressed, library=library, excluded={"clamshell-band"}) == (
        "clamshell"
    )
    # progressed, then regressed on the harder one later: back where it started
    back = {**progressed, "clamshell-band": LoggedDecision("clamshell-band", "regress", D2)}
    assert destination("clamshell", back, library=library) == "clamshell"
    # an older decision on the harder exercise does not count after a newer progression
    stale = {
        "clamshell": LoggedDecision("clamshell", "progress", D3),
        "clamshell-band": LoggedDecision("clamshell-band", "regress", D1),
    }
    assert destination("clamshell", stale, library=library) == "clamshell-band"
    hold = {"clamshell": LoggedDecision("clamshell", "hold", D1)}
    assert destination("clamshell", hold, library=library) == "clamshell"


def test_apply_decisions_swaps_exercises_and_says_why() -> None:
    intake = demo_intake()
    programme = build_programme(intake, start=D1, weeks=2)
    library = load_library()
    ids = [p.exercise_id for p in programme.sessions[0].exercises]
    eid = next(
        i for i in ids
        if (n := library.get(i).progression) and n not in programme.excluded and n not in ids
    )  # fmt: skip
    target = library.get(eid).progression
    assert target is not None
    decisions = {eid: LoggedDecision(eid, "progress", D1)}
    adapted, moved = apply_decisions(programme, decisions, equipment=intake.equipment)
    assert moved == {eid: target}
    first = adapted.sessions[0]
    swapped = next(p for p in first.exercises if p.exercise_id == target)
    old = next(p for p in programme.sessions[0].exercises if p.exercise_id == eid)
    assert swapped.sets == old.sets and swapped.name == library.get(target).name
    assert first.minutes == round(sum(p.minutes for p in first.exercises), 1)
    assert adapted == apply_decisions(programme, decisions, equipment=intake.equipment)[0]
    assert replan_reason(moved, 3) == f"progressed after 3 logged sessions: {eid} → {target}"
    assert replan_reason({target: eid}, 1) == f"regressed after 1 logged session: {target} → {eid}"
    assert replan_reason({}, 0) == "new programme"
    assert "no exercise changed" in replan_reason({}, 2)
    # excluded by the new programme: not applied
    blocked = programme.model_copy(update={"excluded": {**programme.excluded, target: "test"}})
    assert apply_decisions(blocked, decisions, equipment=intake.equipment)[1] == {}


@pytest.mark.parametrize("minutes", [15, 20, 30])
def test_a_replan_never_makes_a_session_longer_than_asked(minutes: int) -> None:
    """Harder variants can take longer (short foot → single-leg short foot: 4 → 7 min): a
    swap that would push a session past the intake's minutes is not made there."""
    intake = demo_intake()
    intake = intake.model_copy(
        update={"schedule": intake.schedule.model_copy(update={"minutes": minutes})}
    )
    programme = build_programme(intake, start=D1, weeks=4)
    every = {p.exercise_id for s in programme.sessions for p in s.exercises}
    decisions = {i: LoggedDecision(i, "progress", D1) for i in every}
    adapted, moved = apply_decisions(programme, decisions, equipment=intake.equipment)
    assert moved  # something did move on
    for old, new in zip(programme.sessions, adapted.sessions, strict=True):
        assert new.minutes <= max(minutes, old.minutes) + 1e-6, (new.title, new.minutes)
    now = {p.exercise_id for s in adapted.sessions for p in s.exercises}
    assert set(moved.values()) <= now  # what the reason will name was really made
