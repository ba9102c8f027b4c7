"""The gait parts of ``report.html``: steps over time and the step-by-step tables.

Used by :mod:`kneecoach.reports.html` when the assessment's ``test`` is a gait test
(run, walk, skate). Per-step values, not per-frame ones, are plotted, so a
30-minute treadmill run stays a readable picture. Each side's summary lists
means with their SDs, the worst steps and, over a long clip, each measure's
drift (:func:`drift_rows`: slope per minute and last vs first fifth of the
steps, each with its 95% CI, and whether it changed beyond the noise).
"""

from __future__ import annotations

from typing import TypedDict

import numpy as np
from matplotlib.figure import Figure

from kneecoach.assessment.gait import MIN_DRIFT_S, MIN_DRIFT_STEPS, UNITS
from kneecoach.assessment.model import Assessment, DriftMeasure, SideSummary, StepReading
from kneecoach.core import movement_tests
from kneecoach.core.schema import SIDES, Side
from kneecoach.reports.templating import DASH

SIDE_COLOURS = {"left": "#0072b2", "right": "#e69f00"}
#: Step-table columns: (key, header, unit, digits); a column shows when any step has a value.
STEP_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("time_s", "Contact", "s", 2),
    ("stance_time_s", "Stance", "s", 3),
    ("glide_s", "Glide", "s", 2),
    ("fppa_deg", "Knee angle at midstance (FPPA)", "°", 1),
    ("peak_fppa_deg", "Largest FPPA in stance", "°", 1),
    ("pelvic_drop_deg", "Pelvic drop", "°", 1),
    ("hip_adduction_deg", "Hip adduction", "°", 1),
    ("trunk_lean_deg", "Trunk lean to stance side", "°", 1),
    ("step_width", "Step width", "pelvis widths", 2),
    ("foot_offset", "Foot from midline", "pelvis widths", 2),
    ("knee_flexion_contact_deg", "Knee flexion at contact", "°", 0),
    ("overstride_pct", "Heel ahead of pelvis", "% leg", 0),
    ("trunk_forward_lean_deg", "Forward trunk lean", "°", 0),
)
#: Panels of the steps-over-time figure: (key, title), the first three with values shown.
PANELS: tuple[tuple[str, str], ...] = (
    ("fppa_deg", "Knee angle at midstance (FPPA, °): + = knee inside the hip–ankle line"),
    ("pelvic_drop_deg", "Pelvic drop at midstance (°): + = the other hip lower"),
    ("step_width", "Step width at contact (pelvis widths); ≤ 0 foot offset = crossover"),
    ("knee_flexion_contact_deg", "Knee flexion at contact (°)"),
    ("overstride_pct", "Heel ahead of the pelvis at contact (% leg length)"),
    ("trunk_forward_lean_deg", "Forward trunk lean at midstance (°)"),
)
#: Drift rows: (key, plain name, digits), in the order of the report; the unit is the
#: summary's own (:data:`kneecoach.assessment.gait.UNITS`).
DRIFT_ROWS: tuple[tuple[str, str, int], ...] = (
    ("fppa_deg", "knee angle (FPPA)", 1),
    ("pelvic_drop_deg", "pelvic drop", 1),
    ("hip_adduction_deg", "hip adduction", 1),
    ("trunk_lean_deg", "sideways trunk lean", 1),
    ("step_width", "step width", 2),
    ("foot_offset", "foot from midline", 2),
    ("knee_flexion_contact_deg", "knee flexion at contact", 1),
    ("overstride_pct", "heel ahead of pelvis", 1),
)


def is_gait(summary: Assessment) -> bool:
    """Is this the assessment of a gait test?"""
    return movement_tests.is_gait(summary.test)


def _steps(summary: Assessment, side: Side) -> list[StepReading]:
    info = summary.sides.get(side)
    return info.steps if info is not None else []


def _get(item: StepReading | SideSummary, key: str) -> float | None:
    return _num(getattr(item, key))


def _num(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if np.isfinite(value) else None


def _fmt(value: object, digits: int) -> str:
    v = _num(value)
    if v is None:
        return DASH
    text = f"{v:.{digits}f}"
    return f"{0.0:.{digits}f}" if float(text) == 0 else text  # no "-0.0"


def _signed(value: float, digits: int) -> str:
    """``+1.20`` / ``−0.35``: a true minus sign, and no ``−0.0``."""
    text = f"{value:+.{digits}f}"
    if float(text) == 0:
        text = f"{0.0:.{digits}f}"
    return text.replace("-", "−")


def _ci(pair: tuple[float | None, float | None], digits: int) -> str:
    lo, hi = pair
    if lo is None or hi is None:
        return DASH
    return f"{_signed(lo, digits)} to {_signed(hi, digits)}"


def _verdict(d: DriftMeasure) -> tuple[str, str]:
    """The verdict in words and its tone (``attention``, ``ok`` or ``none``)."""
    if d.beyond_noise is None:
        return "not judged (no noise threshold)", "none"
    if d.beyond_noise:
        return "changed: beyond the noise", "attention"
    lo, hi = d.first_last_ci95
    if lo is not None and hi is not None and (lo > 0 or hi < 0):
        return "no real change: clear, but within the noise", "ok"
    return "no real change: 95% CI includes 0", "ok"


def drift_rows(summary: Assessment, side: Side) -> list[dict[str, str]]:
    """One side's fatigue drift, one row per measure followed (empty for a short clip).

    Numbers come without their unit (the row's ``unit`` says it); ``threshold`` is the
    noise a change had to exceed: the SDD, or where none is published the minimum
    effect, with ``threshold_source``.
    """
    info = summary.drift.get(side)
    measures = info.measures if info is not None else None
    if not measures:
        return []
    rows = []
    for key, name, digits in DRIFT_ROWS:
        d = measures.get(key)
        if d is None:
            continue
        slope, change, sdd, effect = d.slope_per_min, d.first_last, d.sdd, d.min_effect
        if sdd is not None:
            threshold, source = f"SDD {sdd:.{digits}f}", d.sdd_source
        elif effect is not None:
            threshold, source = f"minimum effect {effect:.{digits}f}", d.min_effect_source
        else:
            threshold, source = DASH, None
        verdict, tone = _verdict(d)
        rows.append({
            "measure": name,
            "unit": d.unit or UNITS[key].strip(),
            "slope": DASH if slope is None else _signed(slope, digits + 1),
            "slope_ci": _ci(d.slope_ci95, digits + 1),
            "change": DASH if change is None else _signed(change, digits),
            "change_ci": _ci(d.first_last_ci95, digits),
            "threshold": threshold,
            "threshold_source": source or "",
            "verdict": verdict,
            "tone": tone,
        })  # fmt: skip
    return rows


def steps_figure(summary: Assessment) -> Figure:
    """Each step's readings against time, one panel per measure that has values."""
    panels = [
        (key, title)
        for key, title in PANELS
        if any(_get(s, key) is not None for side in SIDES for s in _steps(summary, side))
    ]
    n = max(1, len(panels))
    fig = Figure(figsize=(10, 2.3 * n + 0.6), layout="constrained")
    axes = list(fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0])
    if not panels:
        axes[0].text(0.5, 0.5, "No step could be measured", ha="center", va="center")
        axes[0].set_axis_off()
        return fig
    for ax, (key, title) in zip(axes, panels, strict=True):
        for side in SIDES:
            pts = [
                (s.time_s, v, s.complete)
                for s in _steps(summary, side)
                if (v := _get(s, key)) is not None
            ]
            if not pts:
                continue
            when, value, ok = (np.array(x) for x in zip(*pts, strict=True))
            colour = SIDE_COLOURS[side]
            ax.plot(when[ok], value[ok], "o-", ms=3, lw=1, color=colour, label=side)
            if (~ok).any():
                ax.plot(when[~ok], value[~ok], "o", ms=3, mfc="none", color=colour)
        if key == "step_width":
            ax.axhline(0, color="0.3", ls="--", lw=1)
        ax.set_title(title, loc="left", fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axes[-1].set_xlabel("time (s)")
    return fig


def _mean_sd(info: SideSummary, key: str, digits: int, unit: str) -> str:
    mean = _fmt(getattr(info, f"mean_{key}"), digits)
    sd = _num(getattr(info, f"sd_{key}", None))
    return mean + unit + ("" if sd is None else f" (SD {sd:.{digits}f}{unit})")


def _drift_note(summary: Assessment, side: Side) -> str:
    if not summary.drift or summary.drift.get(side) is not None:
        return ""
    return (
        f"Change over the clip: not judged. It needs at least {MIN_DRIFT_STEPS} complete steps "
        f"of this foot over {MIN_DRIFT_S:.0f} s or more."
    )


class StepRow(TypedDict):
    index: str
    cells: list[str]
    notes: list[str]


class StepTable(TypedDict):
    """One foot's steps, averages and drift, formatted for the report."""

    side: str
    title: str
    headers: list[tuple[str, str]]
    rows: list[StepRow]
    stats: list[tuple[str, str]]
    drift: list[dict[str, str]]
    drift_note: str


def step_tables(summary: Assessment) -> list[StepTable]:
    """Per side: headers, one row per step, the side's averages and its drift table.

    ``drift_note`` says why a gait summary has no drift table for this side (a short clip).
    """
    out: list[StepTable] = []
    for side in SIDES:
        steps = _steps(summary, side)
        cols = [c for c in STEP_COLUMNS if any(_get(s, c[0]) is not None for s in steps)]
        rows: list[StepRow] = []
        for s in steps:
            notes = []
            if s.problem is not None:
                notes.append(f"{s.problem}: left out")
            elif not s.complete:
                notes.append(
                    "incomplete (cut by the clip, a gap, a missed or extra contact, or not a "
                    "glide): left out"
                )
            if s.crossover:
                notes.append("crossover")
            if s.confidence is not None and s.confidence < 0.5:
                notes.append("low keypoint confidence")
            cells = [_fmt(getattr(s, k), d) for k, _, _, d in cols]
            rows.append({"index": str(s.index), "cells": cells, "notes": notes})
        info = summary.sides.get(side)
        if info is None:
            continue
        worst = info.worst_steps
        stats = [
            ("Complete steps", str(info.n_steps or 0)),
            ("Cadence from this foot's strides", _fmt(info.cadence_spm, 0) + " steps/min"),
            ("Average knee angle (FPPA)", _mean_sd(info, "fppa_deg", 1, "°")),
            ("Largest knee angle in any stance", _fmt(info.peak_fppa_deg, 1) + "°"),
            ("Steps with the largest knee angle", ", ".join(f"step {i}" for i in worst)
             if worst else DASH),
            ("Average pelvic drop", _mean_sd(info, "pelvic_drop_deg", 1, "°")),
            ("Average hip adduction", _mean_sd(info, "hip_adduction_deg", 1, "°")),
            ("Average step width", _mean_sd(info, "step_width", 2, " pelvis widths")),
            ("Steps crossing the midline", _fmt(100 * v, 0) + "%"
             if (v := info.crossover_share) is not None else DASH),
            ("Average stance time", _mean_sd(info, "stance_time_s", 3, " s")),
            ("Average knee flexion at contact", _mean_sd(info, "knee_flexion_contact_deg", 1, "°")),
        ]  # fmt: skip
        out.append({
            "side": side,
            "title": f"{side.capitalize()} foot",
            "headers": [(h, u) for _, h, u, _ in cols],
            "rows": rows,
            "stats": [(k, v) for k, v in stats if not v.startswith(DASH)],
            "drift": drift_rows(summary, side),
            "drift_note": _drift_note(summary, side),
        })  # fmt: skip
    return out


def gait_facts(summary: Assessment) -> list[tuple[str, str]]:
    """Whole-body numbers shown above the tables."""
    g = summary.gait
    if g is None:
        return []
    facts = [("Cadence", _fmt(g.cadence_spm, 0) + " steps/min"),
             ("Complete steps", str(g.steps)),
             ("Duration", _fmt(g.duration_s, 1) + " s")]  # fmt: skip
    return [(k, v) for k, v in facts if not v.startswith(DASH)]
