"""Per-rep readings: the value of every measure at the frame the literature reads it."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kneecoach.assessment.model import RepReading
from kneecoach.core.movement_tests import MOVEMENT_TESTS
from kneecoach.core.schema import Side
from kneecoach.events.reps import Rep

#: measure key in the summary → (frame-table column pattern, sign per side of the stance leg)
PER_SIDE = {
    "mkd_pct": "mkd_{s}_pct",
    "knee_shift_pct": "knee_shift_{s}_pct",
    "knee_over_foot_pct": "knee_over_foot_{s}_pct",
    "pelvic_drop_deg": "pelvic_drop_{s}_deg",
    "hip_adduction_deg": "hip_adduction_{s}_deg",
    "femoral_adduction_deg": "femoral_adduction_{s}_deg",
    "knee_flexion_deg": "knee_flexion_{s}_deg",
    "knee_over_toe_pct": "knee_over_toe_{s}_pct",
}
#: The thigh's frontal-plane measures: foreshortened with FPPA, so read at FPPA's frame
#: (science.md §1.1), the same thigh at the same moment.
WITH_FPPA = ("mkd_pct", "femoral_adduction_deg", "hip_adduction_deg")
WHOLE_BODY = ("kasr", "knee_hip_ratio", "depth_pct", "trunk_forward_deg")
#: whole-body signed measures (+ = towards the subject's left), re-signed per stance leg
TOWARDS_SIDE = ("trunk_lean_deg", "hip_shift_pct")


def _num(x: object, digits: int = 1) -> float | None:
    if isinstance(x, bool) or not isinstance(x, int | float | np.number):
        return None
    v = float(x)
    return round(v, digits) if np.isfinite(v) else None


def fppa_frame(table: pd.DataFrame, rep: Rep, side: Side, test: str) -> int | None:
    """Row where this rep's FPPA is read, or None when no frame of the rep supports it.

    At the reading frame if FPPA is valid there; otherwise (hips near knee
    height) the deepest frame of the rep where it is valid; for sit-to-stand
    the frame of largest valid FPPA (science.md §1.1).
    """
    fppa = table[f"fppa_{side}_deg"].to_numpy(float)
    largest = MOVEMENT_TESTS[test].reading_frame == "largest-fppa"
    if np.isfinite(fppa[rep.reading]) and not largest:
        return rep.reading
    rows = np.arange(rep.start, rep.end + 1)
    valid = rows[np.isfinite(fppa[rows])]
    if not valid.size:
        return None
    if largest:
        return int(valid[np.argmax(fppa[valid])])
    depth = table["depth_pct"].to_numpy(float)
    return int(valid[np.nanargmax(depth[valid])])


def knee_over_foot_row(table: pd.DataFrame, rep: Rep, side: Side) -> int | None:
    """Row where the knee is furthest inside its foot in this rep (science.md §1.5), or None
    when no frame of the rep has the measure."""
    over = table[f"knee_over_foot_{side}_pct"].to_numpy(float)[rep.start : rep.end + 1]
    return rep.start + int(np.nanargmax(over)) if np.isfinite(over).any() else None


def knee_over_foot_worst(table: pd.DataFrame, rep: Rep, side: Side) -> dict[str, Any]:
    """At :func:`knee_over_foot_row`: the value (``knee_over_foot_worst_pct``, % of leg
    length, + inside), frame and time; None where no frame of the rep has the measure."""
    row = knee_over_foot_row(table, rep, side)
    if row is None:
        return dict.fromkeys(("knee_over_foot_worst_pct", "knee_over_foot_worst_frame",
                              "knee_over_foot_worst_time_s"))  # fmt: skip
    return {
        "knee_over_foot_worst_pct": _num(table[f"knee_over_foot_{side}_pct"].iloc[row]),
        "knee_over_foot_worst_frame": int(table["frame"].iloc[row]),
        "knee_over_foot_worst_time_s": _num(table["time_s"].iloc[row], 3),
    }


def read_rep(table: pd.DataFrame, rep: Rep, side: Side, test: str) -> RepReading:
    """Every measure of ``side`` for one rep (None where not valid)."""
    t = table["time_s"].to_numpy(float)
    row = table.iloc[rep.reading]
    values: dict[str, Any] = {
        "index": rep.index,
        "frame": int(row["frame"]),
        "time_s": _num(row["time_s"], 3),
        "start_time_s": _num(t[rep.start], 3),
        "end_time_s": _num(t[rep.end], 3),
        "complete": rep.complete,
    }
    event, frame = MOVEMENT_TESTS[test].event, MOVEMENT_TESTS[test].reading_frame
    f = fppa_frame(table, rep, side, test)
    values["fppa_deg"] = _num(table[f"fppa_{side}_deg"].iloc[f]) if f is not None else None
    values["fppa_frame"] = int(table["frame"].iloc[f]) if f is not None else None
    values["fppa_time_s"] = _num(t[f], 3) if f is not None else None
    for key, pattern in PER_SIDE.items():
        at = table.iloc[f] if f is not None and key in WITH_FPPA else row
        values[key] = _num(at[pattern.format(s=side)])
    sign = 1.0 if side == "left" else -1.0
    for key in TOWARDS_SIDE:
        values[key] = _num(sign * row[key])
    for key in WHOLE_BODY:
        values[key] = _num(row[key], 2 if key in ("kasr", "knee_hip_ratio") else 1)
    if MOVEMENT_TESTS[test].bilateral:  # both feet down: no side stands alone, nothing drops
        values["pelvic_drop_deg"] = None
        values["pelvic_obliquity_deg"] = _num(row["pelvic_obliquity_deg"])
    values.update(knee_over_foot_worst(table, rep, side))
    if rep.contact is not None and event == "landing":
        c = table.iloc[rep.contact]
        values["contact_frame"] = int(c["frame"])
        values["contact_time_s"] = _num(c["time_s"], 3)
        values["fppa_at_contact_deg"] = _num(c[f"fppa_{side}_deg"])
        values["kasr_at_contact"] = _num(c["kasr"], 2)
    if event == "hold":
        values["hold_s"] = _num(t[rep.end] - t[rep.start], 2)
    conf_row = f if f is not None else rep.reading
    values["confidence"] = _num(table[f"confidence_{side}"].iloc[conf_row], 2)
    for key, column in (("pelvis_confidence", "confidence_pelvis"),
                        ("trunk_confidence", "confidence_trunk")):  # fmt: skip
        values[key] = _num(row[column], 2) if column in table else None
    notes = []
    if f is not None and f != rep.reading and frame != "largest-fppa":
        notes.append(
            "FPPA, medial knee displacement and hip adduction read at the deepest frame that "
            "supports them: at the bottom the thigh points at the camera and its angles are not "
            "valid there (science.md §1.1)"
        )
    if f is None:
        notes.append("no frame of this rep supports an FPPA (view or thigh foreshortening)")
    if not rep.complete:
        notes.append("the rep is cut off by the start or end of the clip")
    values["notes"] = notes
    return RepReading(**values)
