"""Coaching: from an intake (and optionally an analysis) to a scheduled programme.

Layer: above ``assessment``, below ``reports`` and ``storage``. Everything here is
pure: no clock, no files written, no network. The public API is stable:

* :func:`load_library` — the exercise library (package data, validated on load).
* :class:`Intake`, :func:`load_intake`, :func:`intake_from_dict`, :func:`intake_to_toml`.
* :func:`red_flags` (what was reported) and :func:`check_red_flags` (raises
  :class:`~kneecoach.core.errors.RedFlagError`).
* :func:`build_programme` — intake + optional ``summary.json`` dict → :class:`Programme`
  (``programme.to_json()`` is ``plan.json``).
* :func:`session_dates` — chosen weekdays → dated sessions.
* :func:`adapt` — one logged exercise (:class:`ExerciseLog`) → :class:`Adaptation`
  (progress / hold / regress, and the exercise to do next time).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kneecoach.program.adaptation import adapt
    from kneecoach.program.exercises import load_library
    from kneecoach.program.intake import intake_from_dict, intake_to_toml, load_intake
    from kneecoach.program.models import (
        WEEKDAYS,
        Adaptation,
        Exercise,
        ExerciseLog,
        Intake,
        Library,
        Prescription,
        Programme,
        Session,
        Weekday,
    )
    from kneecoach.program.prescribe import build_programme
    from kneecoach.program.redflags import check_red_flags, red_flags
    from kneecoach.program.schedule import parse_days, session_dates

#: Where each public name lives: imported on first use, so that ``kneecoach.program.redflags``
#: (asked by the command line's help) does not load the whole coaching stack.
_HOME = {
    **dict.fromkeys(
        ("WEEKDAYS", "Adaptation", "Exercise", "ExerciseLog", "Intake", "Library",
         "Prescription", "Programme", "Session", "Weekday"),
        "models",
    ),
    "adapt": "adaptation", "build_programme": "prescribe", "check_red_flags": "redflags",
    "red_flags": "redflags", "intake_from_dict": "intake", "intake_to_toml": "intake",
    "load_intake": "intake", "load_library": "exercises", "parse_days": "schedule",
    "session_dates": "schedule",
}  # fmt: skip


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
    globals()[name] = value  # also over the submodule of that name (``adapt``)
    return value


__all__ = [
    "WEEKDAYS",
    "Adaptation",
    "Exercise",
    "ExerciseLog",
    "Intake",
    "Library",
    "Prescription",
    "Programme",
    "Session",
    "Weekday",
    "adapt",
    "build_programme",
    "check_red_flags",
    "intake_from_dict",
    "intake_to_toml",
    "load_intake",
    "load_library",
    "parse_days",
    "red_flags",
    "session_dates",
]
