"""The intake questions, in the order ``kneecoach intake`` asks them (data, not prompts).

Choices come from the intake model itself, so the questionnaire, the TOML file
and the validation can never disagree. The warning signs come first, right after
name and age (the under-16 flags depend on age), and each is marked
:attr:`Question.stops`: a "yes" ends the questionnaire with the referral message
(:func:`~kneecoach.program.redflags.reported` tells which answers refer this
person). Questions already answered in a file given with ``--from`` are not asked.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Literal, get_args

from kneecoach.program.exercises import load_library
from kneecoach.program.models import (
    Constraint,
    Fatigue,
    PainLocation,
    Sport,
    YesNo,
)
from kneecoach.program.redflags import QUESTIONS as RED_FLAG_QUESTIONS

Kind = Literal["text", "int", "choice", "choices", "days"]


@dataclass(frozen=True)
class Question:
    path: tuple[str, ...]
    text: str
    kind: Kind
    choices: tuple[str, ...] = ()
    bounds: tuple[int, int] = (0, 10)
    default: Any = None
    #: a "yes" ends the questionnaire: a warning sign for a clinician (science.md §7.3)
    stops: bool = False


_YES_NO = get_args(YesNo)


@lru_cache(maxsize=1)
def questions() -> tuple[Question, ...]:
    """Every intake question, in the order asked: name, age, the red flags (each
    :attr:`Question.stops`), then the rest (the equipment choices come from the library)."""
    everything = _QUESTIONS_BEFORE + (
        Question(("equipment",), "Equipment you have", "choices",
                 tuple(load_library().equipment)),
    ) + _QUESTIONS_AFTER  # fmt: skip
    first = tuple(q for q in everything if q.path in (("person", "name"), ("person", "age")))
    flags = tuple(replace(q, stops=True) for q in everything if q.path[0] == "red_flags")
    rest = tuple(q for q in everything if q not in first and q.path[0] != "red_flags")
    return first + flags + rest


_QUESTIONS_BEFORE: tuple[Question, ...] = (
    Question(("person", "name"), "Your name or nickname (optional)", "text"),
    Question(("person", "age"), "Age in years", "int", bounds=(8, 100), default=30),
    Question(("person", "sex"), "Sex, for the typical ranges the findings compare with "
             "(female, male; empty: not said)", "choice", ("female", "male", ""), default=""),
    Question(("goals", "goal"), "Your goal in a sentence", "text"),
    Question(("goals", "sports"), "Your sports", "choices", get_args(Sport)),
    Question(("pain", "now"), "Knee pain now, 0 (none) to 10 (worst)", "int", default=0),
    Question(("pain", "during_activity"), "Knee pain during activity, 0-10", "int", default=0),
    Question(("pain", "locations"), "Where is the pain", "choices", get_args(PainLocation)),
    Question(("pain", "side"), "Which knee hurts", "choice", ("left", "right", "both", "none"),
             default="none"),
    Question(("self_tests", "opposite_hip_drops"),
             "Stand on one leg: does the opposite hip drop?", "choice", _YES_NO, default="unsure"),
    Question(("self_tests", "knees_cave_sit_to_stand"),
             "Sit down and stand up: do your knees cave in?", "choice", _YES_NO, default="unsure"),
    Question(("self_tests", "front_thigh_tension"),
             "Squats and lunges: is all the tension in the front of the thighs?", "choice",
             _YES_NO, default="unsure"),
    Question(("self_tests", "single_leg_squat_fatigue"),
             "A slow single-leg squat: where do you tire or feel blocked first", "choices",
             get_args(Fatigue)),
    Question(("self_tests", "weaker_side"), "Which leg feels weaker", "choice",
             ("left", "right", "unknown"), default="unknown"),
    Question(("constraints",), "Anything to respect (low-back: no loaded bending/twisting; "
             "irritable-knees: no deep loaded knee bends; hypermobility; kneeling-pain)",
             "choices", get_args(Constraint)),
)  # fmt: skip
_QUESTIONS_AFTER: tuple[Question, ...] = (
    Question(("schedule", "days"), "Training days", "days", default="mon,wed,fri"),
    Question(("schedule", "minutes"), "Minutes per session", "int", bounds=(10, 120), default=30),
    Question(("schedule", "time"), "Preferred time of day, HH:MM (empty: any time; the "
             "calendar then reminds you 30 min before)", "text"),
    *(
        Question(("red_flags", key), text, "choice", _YES_NO, default="no")
        for key, (text, _) in RED_FLAG_QUESTIONS.items()
    ),
)  # fmt: skip


def get_path(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    """``data[a][b]…`` or None when any part is missing."""
    node: Any = data
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def set_path(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """Set ``data[a][b]… = value``, creating tables on the way; empty text is left out."""
    if value == "" or value is None:
        value = None
    node = data
    for key in path[:-1]:
        node = node.setdefault(key, {})
    if value is not None:
        node[path[-1]] = value
    else:
        node.setdefault(path[-1], None)
        del node[path[-1]]


def answers_from_form(
    form: Mapping[str, Sequence[str]], /
) -> tuple[dict[str, Any], dict[str, str]]:
    """An intake's data from a web form (fields named by the question's dotted path, e.g.
    ``pain.now``; every value given for a multiple choice), and what could not be read, by
    field. The data is then validated as any intake (:func:`~kneecoach.program.intake.
    intake_problems`)."""
    data: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for q in questions():
        name = ".".join(q.path)
        values = [v.strip() for v in form.get(name, ()) if v.strip()]
        value = values[0] if values else ""
        if q.kind in ("choices", "days"):
            set_path(data, q.path, values)
        elif q.stops and value.lower() not in q.choices:  # a warning sign is never assumed
            problems[name] = "answer yes, no or unsure"
        elif q.kind == "int" and value:
            lo, hi = q.bounds
            if not value.lstrip("-").isdigit() or not lo <= int(value) <= hi:
                problems[name] = f"a whole number from {lo} to {hi}"
            else:
                set_path(data, q.path, int(value))
        else:
            set_path(data, q.path, value)
    return data, problems
