"""Per-side statistics over a leg's events, the same for reps and for steps.

A side's summary is a mean, a sample SD, a peak and the worst events of each measure, over
the events the clip did not cut off (``complete``). Reps and steps name different measures
(:data:`REP_MEANS`, :data:`STEP_MEANS`), not different statistics.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from kneecoach.assessment.model import RepReading, StepReading

Reading = RepReading | StepReading

#: measures averaged over a leg's reps → decimals kept
REP_MEANS = {
    "fppa_deg": 1, "pelvic_drop_deg": 1, "hip_adduction_deg": 1, "femoral_adduction_deg": 1,
    "kasr": 2, "knee_shift_pct": 1, "knee_flexion_deg": 1, "knee_over_toe_pct": 1,
    "trunk_forward_deg": 1,
}  # fmt: skip
#: ... and over a leg's steps
STEP_MEANS = {
    "fppa_deg": 1, "pelvic_drop_deg": 1, "hip_adduction_deg": 1, "trunk_lean_deg": 1,
    "stance_time_s": 3, "step_time_s": 3, "knee_flexion_contact_deg": 1, "overstride_pct": 1,
    "trunk_forward_lean_deg": 1, "glide_s": 3, "step_width": 2, "foot_offset": 2,
}  # fmt: skip
#: measures whose rep-to-rep (step-to-step) spread is reported
REP_SDS = {"fppa_deg": 1}
STEP_SDS = {
    "fppa_deg": 1, "pelvic_drop_deg": 1, "hip_adduction_deg": 1, "step_width": 2,
    "stance_time_s": 3, "knee_flexion_contact_deg": 1,
}  # fmt: skip


def rounded(x: float | None, digits: int = 1) -> float | None:
    """``x`` rounded, or None when it is missing or not finite."""
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def values(items: Sequence[Reading], key: str) -> list[float]:
    """``key`` of every complete event that has it, in order."""
    return [float(v) for r in items if (v := getattr(r, key)) is not None and r.complete]


def mean(items: Sequence[Reading], key: str, digits: int = 1) -> float | None:
    v = values(items, key)
    return rounded(float(np.mean(v)), digits) if v else None


def sd(items: Sequence[Reading], key: str, digits: int = 1) -> float | None:
    """Sample SD (n − 1); None with fewer than two values."""
    v = values(items, key)
    return rounded(float(np.std(v, ddof=1)), digits) if len(v) > 1 else None


def peak(items: Sequence[Reading], key: str, digits: int = 1) -> float | None:
    v = values(items, key)
    return rounded(max(v), digits) if v else None


def worst(items: Sequence[Reading], key: str, n: int) -> list[int]:
    """``index`` of the ``n`` complete events with the largest ``key`` (the earlier first
    among equals)."""
    order = sorted(
        (-float(v), i)
        for i, r in enumerate(items)
        if (v := getattr(r, key)) is not None and r.complete
    )
    return [items[i].index for _, i in order[:n]]


def statistics(
    items: Sequence[Reading], *, means: Mapping[str, int], sds: Mapping[str, int]
) -> dict[str, float | None]:
    """``mean_<key>`` and ``sd_<key>`` of the measures named, with their decimals."""
    out = {f"mean_{k}": mean(items, k, digits) for k, digits in means.items()}
    out |= {f"sd_{k}": sd(items, k, digits) for k, digits in sds.items()}
    return out
