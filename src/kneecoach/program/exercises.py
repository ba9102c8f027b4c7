"""The exercise library: data (``library/exercises.toml``), validated on load.

Each entry has its purpose, target muscles, steps and cues in our own words, a
dosage that cites its source (science.md §7.2), equipment with alternatives or a
way to do without, a progression and a regression, and contraindication tags
that the intake's constraints exclude. :func:`validate_library` checks the
whole library's integrity (links exist and point the right way, vocabularies are
closed, no cycles); the default library is checked once per process.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from kneecoach.core.errors import InputError
from kneecoach.program.models import Exercise, Library


def load_library(path: Path | str | None = None, /) -> Library:
    """The exercise library: the built-in one, or a TOML file of the same shape."""
    if path is None:
        return _builtin()
    return _load(Path(path).read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def _builtin() -> Library:
    text = resources.files("kneecoach.program").joinpath("library/exercises.toml")
    return _load(text.read_text(encoding="utf-8"), "built-in exercise library")


def _load(text: str, source: str) -> Library:
    try:
        raw = tomllib.loads(text)
        raw["exercises"] = raw.pop("exercise", [])
        library = Library.model_validate(raw)
    except tomllib.TOMLDecodeError as e:
        raise InputError(f"{source}: not valid TOML ({e})") from e
    except ValidationError as e:
        raise InputError(f"{source}: {e}") from None
    problems = validate_library(library)
    if problems:
        raise InputError(f"{source}: " + "; ".join(problems))
    return library


def validate_library(library: Library, /) -> list[str]:
    """Everything wrong with ``library`` (empty: it is consistent)."""
    out: list[str] = []
    ids = library.ids
    out += [f"duplicate id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    by_id = {e.id: e for e in library.exercises}
    for e in library.exercises:
        out += _vocabulary_problems(e, library)
        for kind in ("progression", "regression"):
            target = getattr(e, kind)
            if target is None:
                continue
            if target not in by_id:
                out.append(f"{e.id}: {kind} {target!r} is not in the library")
                continue
            other = by_id[target]
            ok = (
                other.difficulty > e.difficulty
                if kind == "progression"
                else other.difficulty < e.difficulty
            )
            if not ok:
                want = "harder" if kind == "progression" else "easier"
                out.append(
                    f"{e.id}: {kind} {target!r} must be {want} "
                    f"(difficulty {other.difficulty} vs {e.difficulty})"
                )
        if e.progression in by_id and by_id[e.progression].regression != e.id:
            out.append(f"{e.id}: its progression {e.progression!r} must regress back to it")
    return out


def _vocabulary_problems(e: Exercise, library: Library) -> list[str]:
    out = [f"{e.id}: unknown muscle {m!r}" for m in e.muscles if m not in library.muscles]
    out += [
        f"{e.id}: unknown contraindication {c!r}"
        for c in e.contraindications
        if c not in library.contraindications
    ]
    for need in e.equipment:
        for item in (need.item, *need.alternatives):
            if item not in library.equipment:
                out.append(f"{e.id}: unknown equipment {item!r}")
        if not need.alternatives and need.without is None and e.regression is None:
            out.append(f"{e.id}: {need.item!r} has no alternative, no way without, no regression")
    return out


def chain(library: Library, exercise_id: str, /) -> list[str]:
    """The progression chain through ``exercise_id``, easiest first.

    Follows ``progression`` forward and the matching ``regression`` back; the
    integrity checks guarantee that this is a simple path (no cycles).
    """
    by_id = {e.id: e for e in library.exercises}
    first = exercise_id
    while True:
        back = by_id[first].regression
        if back is None or by_id[back].progression != first:
            break
        first = back
    out = [first]
    while (nxt := by_id[out[-1]].progression) is not None:
        out.append(nxt)
    return out
