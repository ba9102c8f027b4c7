"""Walk-through findings of ``kneecoach analyze`` on real clips, pinned on synthetic tracks."""

from __future__ import annotations

import numpy as np

from kneecoach.assessment.readings import fppa_frame, read_rep
from kneecoach.events.reps import segment
from kneecoach.metrics.frames import frame_measures
from kneecoach.synthetic import double_leg_squat


def test_thigh_angles_are_withheld_where_the_thigh_is_foreshortened() -> None:
    # front_overhead_squat_04: at the bottom the thigh points at the camera and
    # hip adduction read -65° while FPPA was (rightly) withheld there.
    fm = frame_measures(double_leg_squat())
    t = fm.table
    for side in ("left", "right"):
        foreshortened = t[f"thigh_height_{side}_ratio"] < 0.5
        assert foreshortened.any()
        for measure in ("fppa", "femoral_adduction", "hip_adduction"):
            column = t[f"{measure}_{side}_deg"]
            assert column[foreshortened].isna().all(), measure
            assert column[~foreshortened].notna().any(), measure


def test_a_reps_thigh_angles_are_read_at_the_frame_fppa_is_read() -> None:
    fm = frame_measures(double_leg_squat())
    reps = segment(fm.table, "squat", fps=60.0)
    for rep in reps:
        f = fppa_frame(fm.table, rep, "left", "squat")
        assert f is not None and f != rep.reading  # the bottom does not support FPPA
        values = read_rep(fm.table, rep, "left", "squat")
        row = fm.table.iloc[f]
        assert values["hip_adduction_deg"] == round(float(row["hip_adduction_left_deg"]), 1)
        assert values["femoral_adduction_deg"] == round(float(row["femoral_adduction_left_deg"]), 1)
        assert np.isfinite(values["hip_adduction_deg"])
        assert "hip adduction" in values["notes"][0]
