"""Walk-through findings of ``kneecoach analyze`` on real clips, pinned on synthetic tracks."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.fixtures.assessments import assessment, plain, rep_readings
from tests.fixtures.assessments import rep as fixture_rep
from tests.fixtures.assessments import side_summary as fixture_side_summary

from kneecoach.analyze import no_working_leg, run_analyze
from kneecoach.assessment.findings import side_findings, side_summary
from kneecoach.assessment.model import Assessment, SideSummary
from kneecoach.assessment.readings import fppa_frame, read_rep
from kneecoach.assessment.summary import assess
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.events.reps import segment
from kneecoach.io import to_trc_file
from kneecoach.metrics.frames import frame_measures
from kneecoach.reports.html import report_context
from kneecoach.reports.plots import timeseries_caption, timeseries_figure
from kneecoach.sample_data.synthetic import double_leg_squat, single_leg_squat


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
        values = plain(read_rep(fm.table, rep, "left", "squat"))
        row = fm.table.iloc[f]
        assert values["hip_adduction_deg"] == round(float(row["hip_adduction_left_deg"]), 1)
        assert values["femoral_adduction_deg"] == round(float(row["femoral_adduction_left_deg"]), 1)
        assert np.isfinite(values["hip_adduction_deg"])
        assert "hip adduction" in values["notes"][0]


def test_a_two_legged_squat_named_single_leg_squat_says_so(tmp_path: Path) -> None:
    # front_overhead_squat_04 --test single-leg-squat: exit 0, both legs "not working",
    # and "Your left leg was not the working leg" and the same for the right.
    trc = to_trc_file(double_leg_squat(), tmp_path / "squat.trc")
    out = tmp_path / "out"
    with pytest.raises(InsufficientDataError) as err:
        run_analyze(trc, out_dir=out, settings=Settings(), test="single-leg-squat", video=False)
    message = str(err.value)
    assert "could not tell which leg was working in any of the 2 single-leg squat reps" in message
    assert "--test squat" in message
    summary = json.loads((out / "summary.json").read_text())
    assert all(summary["sides"][s]["working"] is None for s in ("left", "right"))
    report = (out / "report.html").read_text()
    assert "not the working leg" not in report
    assert "--test squat" in report


def test_reps_whose_working_leg_is_unclear_are_listed_in_words() -> None:
    fm = frame_measures(double_leg_squat())
    reps = segment(fm.table, "single-leg-squat", fps=60.0)
    reps = [replace(reps[0], side="left"), replace(reps[1], side=None)]
    texts = [f.text for f in assess(fm, reps, test="single-leg-squat", sex=None)["findings"]]  # type: ignore[attr-defined]
    assert "Rep 2: could not tell which leg was working, so it was left out." in " ".join(texts)
    assert not any("[" in t for t in texts)


def test_two_feet_that_both_stay_still_tell_no_working_leg() -> None:
    # both ankles perfectly still (ranges 0 and 0) read as "the right leg works"
    fm = frame_measures(double_leg_squat())
    reps = segment(fm.table, "single-leg-squat", fps=60.0)
    assert reps and all(r.side is None for r in reps)


def _squat_summary() -> tuple[Assessment, pd.DataFrame]:
    fm = frame_measures(double_leg_squat())
    reps = segment(fm.table, "squat", fps=60.0)
    return assessment(**assess(fm, reps, test="squat", sex=None)), fm.table


def test_a_squats_plot_shows_the_knee_over_the_foot_it_reports_not_fppa() -> None:
    # front_overhead_squat_04: the report's measure is the knee over the foot,
    # but "Over time" plotted FPPA diving to -58° and promised a green band it lacked.
    summary, frames = _squat_summary()
    fig = timeseries_figure(frames, summary)
    top = fig.axes[0]
    assert top.get_title(loc="left").startswith("Knee over the foot")
    assert top.get_ylabel() == "knee over foot (% leg)"
    alt, caption = timeseries_caption(summary)
    assert alt.startswith("Knee over the foot") and "green band" not in caption
    page = report_context(summary, frames, {})
    assert page["timeseries_caption"] == caption and page["timeseries_alt"] == alt


def test_a_single_leg_squats_plot_keeps_fppa_and_its_typical_range() -> None:
    fm = frame_measures(single_leg_squat(duration_s=4, reps=2))
    reps = segment(fm.table, "single-leg-squat", fps=60.0)
    summary = assessment(**assess(fm, reps, test="single-leg-squat", sex=None))
    assert timeseries_figure(fm.table, summary).axes[0].get_ylabel() == "FPPA (°)"
    assert "green band: the typical range" in timeseries_caption(summary)[1]


def _stance_side(drop: float, hold: float) -> SideSummary:
    reps = rep_readings([{"fppa_deg": 3.0, "pelvic_drop_deg": drop, "hold_s": hold}])
    return side_summary(reps, test="single-leg-stance", sex=None, working=True)


def test_single_leg_stance_says_what_the_pelvis_did_and_how_long_the_hold_was() -> None:
    # front_single_leg_balance_reach_cam02: "pelvic drop -17.8°" and a 1.2 s hold in the
    # table, and not a word on either (the free side held up is the normal response).
    found = side_findings("left", _stance_side(-17.8, 1.2), test_label="x",
                          test="single-leg-stance")  # fmt: skip
    text = " ".join(f.text for f in found)
    assert "the right side of your pelvis rises by 18° instead of dropping" in text
    assert "normal response" in text
    assert "lasts 1.2 s; the test is a 30 s hold" in text
    assert "(worst hold 3°)" in text and "worst rep" not in text  # a stance test has holds
    assert "measurement noise" not in text and "repeated measurements can differ" in text
    assert all(f.source for f in found if f.code in ("pelvis_held_up", "stance_hold"))
    level = side_findings("right", _stance_side(1.0, 31.0), test_label="x",
                          test="single-leg-stance")  # fmt: skip
    text = " ".join(f.text for f in level)
    assert "the left side of your pelvis stays level" in text
    assert "for 31 s, the test's 30 s" in text
    dropped = side_findings("left", _stance_side(6.0, 31.0), test_label="x",
                            test="single-leg-stance")  # fmt: skip
    assert [f.code for f in dropped].count("pelvic_drop") == 1
    assert not any(f.code in ("pelvis_level", "pelvis_held_up") for f in dropped)


def test_a_sit_to_stand_that_finds_no_rise_says_so() -> None:
    # front_overhead_squat_03 --test sit-to-stand: a squat from standing has no stand
    # between two sits; the error read "the hips never moved down and back up".
    fm = frame_measures(double_leg_squat(reps=1, duration_s=3.0))
    with pytest.raises(InsufficientDataError) as err:
        segment(fm.table, "sit-to-stand", fps=60.0, name="sit-to-stand")
    message = str(err.value)
    assert "never rose to standing and went back down" in message
    assert "start and end the clip seated" in message and "down and back up" not in message


def test_the_squat_sentence_judges_the_knee_against_its_foot() -> None:
    # front_overhead_squat_04 (trainers: knees unstable, caving at the bottom) read "both
    # knees move outward relative to your ankle": with the toes turned out a caving knee
    # can stay outside its ankle. The knee is judged against its foot (science.md §1.5).
    rep = fixture_rep(2, knee_over_foot_worst_pct=6.2, knee_over_foot_worst_time_s=1.64)
    fields = {"working": True, "mean_knee_shift_pct": -10.4, "reps": [rep],
              "peak_knee_over_foot_pct": 6.2, "knee_over_foot_noise_pct": 2.4,
              "knee_inward": True}  # fmt: skip
    side = fixture_side_summary(**fields)
    (out,) = side_findings("left", side, test_label="Squat (double-leg)", test="squat")
    assert out.code == "knee_inside_foot" and out.severity == "attention"
    assert "went inside its foot: at its worst (rep 2, 1.6 s) it was 6%" in out.text
    assert "more than the 2% this clip cannot tell from noise" in out.text
    assert "outward" not in out.text and "ankle" not in out.text
    over = fixture_side_summary(**fields | {"peak_knee_over_foot_pct": 1.8, "knee_inward": False})
    (ok,) = side_findings("left", over, test_label="Squat (double-leg)", test="squat")
    assert ok.severity == "ok" and "within the 2% this clip cannot tell" in ok.text


def test_the_rep_table_says_every_value_read_at_fppas_frame() -> None:
    # the row's note read "FPPA read at 0.68 s", but hip adduction and MKD are read there too
    summary, frames = _squat_summary()
    (row, *_) = report_context(summary, frames, {})["rep_tables"][0]["rows"]
    assert any(
        n.startswith("read at ") and n.endswith(": FPPA, medial knee displacement, hip adduction")
        for n in row["notes"]
    )


def test_one_rep_without_a_working_leg_is_not_called_any_of_1() -> None:
    assert no_working_leg("single-leg-squat", 1).startswith(
        "could not tell which leg was working in the single-leg squat rep found"
    )
    assert "in any of the 3 step-down reps found" in no_working_leg("step-down", 3)


def test_a_lunge_without_a_front_leg_is_not_told_about_feet_off_the_floor() -> None:
    # front_overhead_squat_05 --test lunge: "neither foot was clearly off the floor", but
    # both feet stay down in a lunge; its front leg is the knee that moves least.
    text = no_working_leg("lunge", 1)
    assert "off the floor" not in text and "front knee of a lunge" in text
    assert "reached down" in no_working_leg("step-down", 2)
    assert "clearly off the floor" in no_working_leg("single-leg-squat", 2)


@pytest.mark.parametrize("up", ["left", "right"])
def test_a_foot_that_looks_higher_all_along_is_not_a_lifted_foot(up: str) -> None:
    # front_overhead_squat_03 --test single-leg-squat: the left ankle sits 5-8% of leg
    # length higher in the picture all along (perspective, a staggered stance), and the
    # two-legged squat was read as a right single-leg squat.
    ds = double_leg_squat()
    y = ds["position"].loc[{"space": "y"}]
    for k in (f"{up}_ankle", f"{up}_heel", f"{up}_foot_index"):
        ds["position"].loc[{"space": "y", "keypoints": k}] = y.sel(keypoints=k) - 40.0
    # keypoint jitter, larger on one ankle (10 px, 2% of leg length): not a moving foot
    other = "left" if up == "right" else "right"
    jitter = 5.0 * np.sin(np.arange(ds.sizes["time"]) * 0.7)
    ankle = ds["position"].loc[{"space": "y", "keypoints": f"{other}_ankle"}]
    ds["position"].loc[{"space": "y", "keypoints": f"{other}_ankle"}] = ankle + jitter.reshape(
        (-1,) + (1,) * (ankle.ndim - 1)
    )
    fm = frame_measures(ds)
    assert (fm.table["ankle_height_diff_pct"].abs() > 5).all()  # above FOOT_LIFT
    reps = segment(fm.table, "single-leg-squat", fps=60.0)
    assert reps and all(r.side is None for r in reps)
    # a foot really lifted from both feet on the floor is still found
    ds = single_leg_squat(stance=up)  # type: ignore[arg-type]
    assert {r.side for r in segment(frame_measures(ds).table, "single-leg-squat", fps=60.0)} == {up}
