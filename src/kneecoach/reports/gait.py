"""The gait parts of ``report.html``: steps over time and the step-by-step tables.

Used by :mod:`kneecoach.reports.html` when ``summary["test"]`` is a gait test
(run, walk, skate). Per-step values, not per-frame ones, are plotted, so a
30-minute treadmill run stays a readable picture.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from kneecoach.core.schema import SIDES

GAIT_TESTS = ("run", "walk", "skate")
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
DASH = "—"


def is_gait(summary: Mapping[str, Any]) -> bool:
    """Is this the summary of a gait test?"""
    return summary.get("test") in GAIT_TESTS


def _steps(summary: Mapping[str, Any], side: str) -> list[Mapping[str, Any]]:
    sides = summary.get("sides")
    info = sides.get(side) if isinstance(sides, Mapping) else None
    steps = info.get("steps") if isinstance(info, Mapping) else None
    return [s for s in steps or [] if isinstance(s, Mapping)]


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if np.isfinite(value) else None


def _fmt(value: Any, digits: int) -> str:
    v = _num(value)
    return DASH if v is None else f"{v:.{digits}f}"


def steps_figure(summary: Mapping[str, Any]) -> Figure:
    """Each step's readings against time, one panel per measure that has values."""
    panels = [
        (key, title)
        for key, title in PANELS
        if any(_num(s.get(key)) is not None for side in SIDES for s in _steps(summary, side))
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
                (float(s["time_s"]), v, bool(s.get("complete")))
                for s in _steps(summary, side)
                if (v := _num(s.get(key))) is not None and _num(s.get("time_s")) is not None
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


def step_tables(summary: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per side: headers, one row per step, and the side's averages."""
    out = []
    for side in SIDES:
        steps = _steps(summary, side)
        cols = [c for c in STEP_COLUMNS if any(_num(s.get(c[0])) is not None for s in steps)]
        rows = []
        for s in steps:
            notes = []
            if not s.get("complete"):
                notes.append("incomplete (cut by the clip, a gap, or not a glide): left out")
            if s.get("crossover"):
                notes.append("crossover")
            conf = _num(s.get("confidence"))
            if conf is not None and conf < 0.5:
                notes.append("low keypoint confidence")
            cells = [_fmt(s.get(k), d) for k, _, _, d in cols]
            rows.append({"index": str(s.get("index", DASH)), "cells": cells, "notes": notes})
        info = (
            summary.get("sides", {}).get(side, {})
            if isinstance(summary.get("sides"), Mapping)
            else {}
        )
        stats = [
            ("Complete steps", str(info.get("n_steps", 0))),
            ("Average knee angle (FPPA)", _fmt(info.get("mean_fppa_deg"), 1) + "°"),
            ("Average pelvic drop", _fmt(info.get("mean_pelvic_drop_deg"), 1) + "°"),
            ("Average step width", _fmt(info.get("mean_step_width"), 2) + " pelvis widths"),
            ("Steps crossing the midline", _fmt(100 * v, 0) + "%"
             if (v := _num(info.get("crossover_share"))) is not None else DASH),
            ("Average stance time", _fmt(info.get("mean_stance_time_s"), 3) + " s"),
        ]  # fmt: skip
        out.append({
            "side": side,
            "title": f"{side.capitalize()} foot",
            "headers": [(h, u) for _, h, u, _ in cols],
            "rows": rows,
            "stats": [(k, v) for k, v in stats if not v.startswith(DASH)],
        })  # fmt: skip
    return out


def gait_facts(summary: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Whole-body numbers shown above the tables."""
    g = summary.get("gait")
    if not isinstance(g, Mapping):
        return []
    facts = [("Cadence", _fmt(g.get("cadence_spm"), 0) + " steps/min"),
             ("Complete steps", str(g.get("steps", DASH))),
             ("Duration", _fmt(g.get("duration_s"), 1) + " s")]  # fmt: skip
    return [(k, v) for k, v in facts if not v.startswith(DASH)]
