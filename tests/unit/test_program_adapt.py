"""Progress / hold / regress from a logged exercise (science.md §7.2 principles)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneecoach.core.errors import InputError
from kneecoach.program import ExerciseLog, adapt


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
