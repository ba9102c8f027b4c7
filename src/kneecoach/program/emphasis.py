"""Which root cause to emphasise, and which side is weaker, from findings and intake. Pure.

The analysis (``summary.json``) speaks first: its "what this suggests" causes
(``suggestions[].cause``: ``hip``, ``foot-ankle``, ``control``, derived in
``assessment/findings.py`` from science.md §2, §5, §6) and pelvic-drop findings.
The intake's self-tests (a trainer's hip checks) and where a single-leg squat
tires (sole of the foot → foot intrinsics; front of the ankle → dorsiflexion;
outer hip → gluteus medius) add to it. With nothing specific, hip + knee work
is the consensus first line (science.md §7.1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kneecoach.core.schema import SIDES, Side
from kneecoach.program.models import Cause, Emphasis, Intake

_SOURCES: dict[Cause, str] = {
    "hip": "science.md §2.1-2.2 and §7.1 (pelvic drop and thigh adduction; hip + knee exercise)",
    "foot-ankle": "science.md §5 (Lima 2018) and §7.2 (Mølgaard 2018 foot exercises)",
    "control": "science.md §6 (Mizuno 2021: valgus and knee-position sense)",
}


def find_emphasis(intake: Intake, findings: Mapping[str, Any] | None = None, /) -> list[Emphasis]:
    """Causes to emphasise, strongest evidence first, each with its reason and source."""
    reasons: dict[Cause, list[str]] = {}
    for cause, why, _ in _evidence(intake, findings):
        reasons.setdefault(cause, []).append(why)
    if not reasons:
        reasons["hip"] = ["no specific pattern reported: hip and knee work is the first line "
                          "for knee pain and valgus"]  # fmt: skip
    return [
        Emphasis(cause=c, reason="; ".join(dict.fromkeys(r)), source=_SOURCES[c])
        for c, r in reasons.items()
    ]


def emphasis_basis(
    intake: Intake, findings: Mapping[str, Any] | None = None, /
) -> dict[Cause, str]:
    """What points to each emphasised cause: ``"results"`` (the analysis) or ``"answers"``
    (only the intake). A cause in neither is the default hip emphasis (no pattern)."""
    basis: dict[Cause, str] = {}
    for cause, _, by in _evidence(intake, findings):
        basis.setdefault(cause, by)
    return basis


def _evidence(intake: Intake, findings: Mapping[str, Any] | None) -> list[tuple[Cause, str, str]]:
    """Each pointer to a cause: (cause, why, ``"results"`` or ``"answers"``), analysis first."""
    out: list[tuple[Cause, str, str]] = []
    for s in (findings or {}).get("suggestions", []) or []:
        cause = s.get("cause")
        if cause in _SOURCES:
            why = f"the analysis suggests it for the {s.get('side', '?')} leg"
            out.append((cause, why, "results"))
    for f in (findings or {}).get("findings", []) or []:
        if f.get("code") == "pelvic_drop":
            why = f"the analysis measured pelvic drop standing on the {f.get('side')} leg"
            out.append(("hip", why, "results"))
    out += [(cause, why, "answers") for cause, why in _intake_reasons(intake)]
    return out


def _intake_reasons(intake: Intake) -> list[tuple[Cause, str]]:
    t = intake.self_tests
    fatigue = set(t.single_leg_squat_fatigue)
    checks: list[tuple[bool, Cause, str]] = [
        (t.opposite_hip_drops == "yes", "hip", "the opposite hip drops when you stand on one leg"),
        (t.knees_cave_sit_to_stand == "yes", "hip", "your knees cave in from sit to stand"),
        (t.front_thigh_tension == "yes", "hip",
         "you feel squats and lunges only in the front of the thighs"),
        ("outer-hip" in fatigue, "hip", "your outer hip tires first in a single-leg squat"),
        ("sole-of-foot" in fatigue, "foot-ankle",
         "the sole of your foot tires first in a single-leg squat"),
        ("front-of-ankle" in fatigue, "foot-ankle",
         "the front of your ankle blocks a single-leg squat"),
    ]  # fmt: skip
    return [(cause, why) for hit, cause, why in checks if hit]


def weaker_side(
    intake: Intake, findings: Mapping[str, Any] | None = None, /
) -> tuple[Side | None, str]:
    """The side to train first, and why (``None``: no evidence either way)."""
    f = findings or {}
    asym = f.get("asymmetry") or {}
    if asym.get("beyond_noise") and asym.get("larger_side") in SIDES:
        side: Side = asym["larger_side"]
        return side, f"the analysis found more knee valgus on the {side} (beyond the noise)"
    flagged = {
        x.get("side")
        for x in f.get("findings", []) or []
        if x.get("severity") == "attention" and x.get("side") in SIDES
    }
    if len(flagged) == 1:
        side = flagged.pop()
        return side, f"the analysis flagged only the {side} leg"
    if intake.self_tests.weaker_side in SIDES:
        side = intake.self_tests.weaker_side
        return side, f"you reported the {side} side as weaker"
    if intake.pain.side in SIDES:
        side = intake.pain.side
        return side, f"your {side} knee is the painful one"
    return None, "no side is known to be weaker: start with the left, equal work on both"
