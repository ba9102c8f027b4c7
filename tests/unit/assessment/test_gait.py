"""Gait analysis on synthetic treadmill tracks with exactly known steps and values."""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.fixtures.assessments import assessment, plain, side_summary, step_readings
from tests.fixtures.assessments import side as fixture_side
from tests.fixtures.assessments import step as fixture_step

from kneecoach.analyze import run_analyze
from kneecoach.assessment.gait import MIN_STEPS, assess_gait, drift, side_drift
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.events.gait import (
    Step,
    _drop_double_contacts,
    _glides,
    _side_steps,
    alternation,
    find_steps,
    recognise_gait,
    step_rate,
)
from kneecoach.filtering import clean_track
from kneecoach.io import to_netcdf_file
from kneecoach.metrics.frames import frame_measures
from kneecoach.metrics.gait import gait_signals
from kneecoach.quality.view import classify_view
from kneecoach.reports.gait import drift_rows, step_tables
from kneecoach.reports.html import render_report
from kneecoach.sample_data.gait import (
    SyntheticGait,
    overground_walk,
    skating,
    treadmill,
    with_camera_motion,
)
from kneecoach.sample_data.synthetic import (
    double_leg_squat,
    drop_landing,
    single_leg_squat,
    with_dropout,
    with_noise,
    with_swap,
)

#: Running is filtered at 12 Hz in these tests (science.md §8: 10-12 Hz for running).
RUN = Settings(cutoff_hz=12.0)


def analyse_track(ds: xr.Dataset, *, test: str = "run", cleaning: Settings = RUN) -> dict:
    clean = clean_track(ds, settings=cleaning)
    fm = frame_measures(clean)
    sig = gait_signals(clean, view=fm.view)
    steps = find_steps(sig, test=test)
    return plain(assess_gait(fm, sig, steps, test=test))


def events(g: SyntheticGait, test: str = "run") -> tuple[list[Step], np.ndarray]:
    clean = clean_track(g.track, settings=RUN)
    sig = gait_signals(clean, view=classify_view(clean).view)
    return find_steps(sig, test=test), sig.time_s


def nearest_error(found: list[float], truth: list[float]) -> float:
    return max(min(abs(f - t) for t in truth) for f in found)


@pytest.mark.parametrize("view", ["frontal", "rear", "sagittal"])
@pytest.mark.parametrize("fps", [30.0, 60.0, 240.0])
def test_contacts_and_toe_offs_match_the_truth_in_every_view(view: str, fps: float) -> None:
    g = treadmill(view=view, fps=fps, duration_s=5.0)
    steps, t = events(g)
    for side in ("left", "right"):
        mine = [s for s in steps if s.side == side and s.complete]
        truth = g.truth.contacts[side]
        # every full stance is found once, on the right foot (subject's own side in a rear view)
        assert len(mine) >= len([c for c in truth if 0 < c < 5.0 - g.truth.stance_s]) - 1
        assert nearest_error([t[s.contact] for s in mine], truth) <= 2.5 / fps + 0.02
        offs = [t[s.toe_off] for s in mine if s.toe_off is not None]
        assert nearest_error(offs, g.truth.toe_offs[side]) <= 3.5 / fps + 0.03
        mids = [t[s.midstance] for s in mine]
        assert nearest_error(mids, g.truth.midstances[side]) <= 2.5 / fps + 0.02
    assert alternation([s for s in steps if s.complete], fps) == 1.0


@pytest.mark.parametrize("view", ["frontal", "rear"])
def test_per_step_values_are_the_known_ones_and_stay_on_their_side(view: str) -> None:
    g = treadmill(view=view, fppa_deg=(9.0, 2.0), pelvic_drop_deg=(7.0, 2.0),
                  foot_offset=(0.4, 0.2), duration_s=6.0)  # fmt: skip
    s = analyse_track(g.track)
    left, right = s["sides"]["left"], s["sides"]["right"]
    assert left["mean_fppa_deg"] == pytest.approx(9.0, abs=1.0)
    assert right["mean_fppa_deg"] == pytest.approx(2.0, abs=1.0)
    assert left["mean_pelvic_drop_deg"] == pytest.approx(7.0, abs=0.7)
    assert right["mean_pelvic_drop_deg"] == pytest.approx(2.0, abs=0.7)
    assert left["mean_foot_offset"] == pytest.approx(0.4, abs=0.03)
    assert right["mean_foot_offset"] == pytest.approx(0.2, abs=0.03)
    assert left["mean_step_width"] == pytest.approx(0.6, abs=0.05)
    assert s["gait"]["cadence_spm"] == pytest.approx(170, rel=0.03)
    assert s["asymmetry"]["measure"] == "pelvic_drop_deg" and s["asymmetry"]["beyond_noise"]
    assert s["asymmetry"]["larger_side"] == "left"
    assert left["crossover_share"] == 0.0
    step = left["steps"][1]
    assert {"frame", "time_s", "fppa_deg", "pelvic_drop_deg", "step_width"} <= set(step)


def test_a_foot_landing_across_the_midline_is_a_crossover_on_that_side_only() -> None:
    g = treadmill(foot_offset=(-0.1, 0.35), duration_s=6.0)
    s = analyse_track(g.track)
    assert s["sides"]["left"]["crossover_share"] == 1.0
    assert s["sides"]["right"]["crossover_share"] == 0.0
    codes = [(f["code"], f["side"]) for f in s["findings"]]
    assert ("crossover", "left") in codes and ("crossover", "right") not in codes
    assert [x["side"] for x in s["suggestions"]] == ["left"]


@settings(max_examples=8, deadline=None)
@given(st.floats(-0.4, 0.6).filter(lambda v: abs(v) > 0.05),
       st.floats(-0.4, 0.6).filter(lambda v: abs(v) > 0.05))  # fmt: skip
def test_foot_offset_sign_is_the_crossover_sign(left: float, right: float) -> None:
    g = treadmill(foot_offset=(left, right), duration_s=3.0, fps=30.0)
    s = analyse_track(g.track)
    for side, value in (("left", left), ("right", right)):
        info = s["sides"][side]
        assert info["mean_foot_offset"] == pytest.approx(value, abs=0.04)
        assert info["crossover_share"] == (1.0 if value < 0 else 0.0)
    assert s["sides"]["left"]["mean_step_width"] == pytest.approx(left + right, abs=0.08)


def test_fatigue_drift_is_found_when_real_and_not_when_absent() -> None:
    tired = analyse_track(treadmill(duration_s=150, fps=30.0, drift_per_min=4.0).track)
    d = tired["drift"]["left"]["measures"]
    assert d["pelvic_drop_deg"]["slope_per_min"] == pytest.approx(4.0, abs=0.4)
    lo, hi = d["pelvic_drop_deg"]["slope_ci95"]
    assert lo < 4.0 < hi or abs(d["pelvic_drop_deg"]["slope_per_min"] - 4) < 0.2
    assert d["pelvic_drop_deg"]["beyond_noise"] is True
    assert "pelvic_drop_deg" in tired["drift"]["left"]["changed"]
    assert any(f["code"] == "fatigue_drift" for f in tired["findings"])
    fresh = analyse_track(treadmill(duration_s=150, fps=30.0).track)
    assert fresh["drift"]["left"]["changed"] == []
    assert not any(f["code"] == "fatigue_drift" for f in fresh["findings"])


def test_drift_needs_a_long_clip() -> None:
    steps = step_readings([{"time_s": i * 0.35, "fppa_deg": float(i)} for i in range(30)])
    assert drift(steps, "fppa_deg") is None  # 10 s: too short to speak of fatigue


def test_a_change_within_the_noise_is_not_called_a_change() -> None:
    rng = np.random.default_rng(1)
    steps = step_readings([{"time_s": i * 3.0, "fppa_deg": 5 + 4 * (i >= 40) + rng.normal(0, 0.5)}
                           for i in range(50)])  # fmt: skip
    d = plain(drift(steps, "fppa_deg"))
    assert d is not None and d["first_last"] == pytest.approx(4, abs=0.6)
    assert d["first_last_ci95"][0] > 0  # statistically clear, but below the 8.9° SDD
    assert d["beyond_noise"] is False


def test_noise_gaps_and_label_swaps_do_not_change_the_answer() -> None:
    g = treadmill(fppa_deg=(9.0, 2.0), pelvic_drop_deg=(6.0, 2.0), duration_s=6.0)
    raw = with_noise(g.track, sd_px=1.5, seed=3)
    raw = with_swap(raw, start=100, stop=112)
    raw = with_dropout(raw, keypoints=["left_ankle", "left_heel", "left_foot_index"],
                       start=200, stop=260)  # fmt: skip
    s = analyse_track(raw)
    left, right = s["sides"]["left"], s["sides"]["right"]
    assert left["mean_fppa_deg"] == pytest.approx(9.0, abs=1.5)
    assert right["mean_fppa_deg"] == pytest.approx(2.0, abs=1.5)
    assert left["mean_pelvic_drop_deg"] == pytest.approx(6.0, abs=1.0)
    gap = [x for x in left["steps"] if 200 <= x["frame"] <= 260]
    assert all(not x["complete"] for x in gap)  # a step inside the 1 s gap is not averaged


def test_side_view_gives_cadence_knee_flexion_overstride_but_no_valgus() -> None:
    g = treadmill(view="sagittal", knee_flexion_deg=(15.0, 40.0), overstride=0.25)
    s = analyse_track(g.track)
    assert s["view"] == "sagittal" and s["findings"][0]["code"] == "view_refused"
    for side in ("left", "right"):
        info = s["sides"][side]
        assert info["peak_fppa_deg"] is None and info["mean_pelvic_drop_deg"] is None
        assert all(x["fppa_deg"] is None and x["step_width"] is None for x in info["steps"])
        assert info["mean_knee_flexion_contact_deg"] == pytest.approx(15, abs=6)
        assert info["mean_overstride_pct"] == pytest.approx(25, abs=3)
    assert s["gait"]["cadence_spm"] == pytest.approx(170, rel=0.03)


def test_walking_is_found_with_long_stances() -> None:
    g = treadmill(cadence_spm=110, stance_fraction=0.62, lift=0.15, duration_s=10.0)
    s = analyse_track(g.track, test="walk")
    assert s["gait"]["cadence_spm"] == pytest.approx(110, rel=0.03)
    stance = s["sides"]["left"]["mean_stance_time_s"]
    assert stance == pytest.approx(g.truth.stance_s, abs=0.1)


def test_skating_glides_are_single_leg_phases() -> None:
    g = skating(glide_s=0.8, duration_s=10.0)
    s = analyse_track(g.track, test="skate")
    for side in ("left", "right"):
        info = s["sides"][side]
        assert info["n_steps"] >= 4
        assert info["mean_glide_s"] == pytest.approx(0.8, abs=0.12)
    assert s["sides"]["left"]["mean_fppa_deg"] == pytest.approx(10, abs=1.5)


def test_no_steps_gives_a_clear_message_and_keeps_the_files(tmp_path: Path) -> None:
    raw = to_netcdf_file(single_leg_squat(), tmp_path / "squat.nc")
    with pytest.raises(InsufficientDataError, match="no complete step.*Film from behind"):
        run_analyze(raw, out_dir=tmp_path / "out", settings=Settings(), test="walk",
                    video=False)  # fmt: skip
    s = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert s["test"] == "walk" and s["findings"][0]["code"] == "no_reps"
    assert (tmp_path / "out" / "report.html").exists()


def test_person_leaving_the_picture_keeps_the_steps_before_and_after(tmp_path: Path) -> None:
    g = treadmill(duration_s=9.0)
    raw = with_dropout(g.track, keypoints=list(map(str, g.track["keypoints"].values)),
                       start=240, stop=360)  # fmt: skip  # out of the picture 4.0-6.0 s
    s = analyse_track(raw)
    for side in ("left", "right"):
        steps = s["sides"][side]["steps"]
        assert all(not x["complete"] for x in steps if 3.8 <= x["time_s"] <= 6.0)
        before = [x for x in steps if x["complete"] and x["time_s"] < 4.0]
        after = [x for x in steps if x["complete"] and x["time_s"] > 6.0]
        assert len(before) >= 4 and len(after) >= 3  # found again once the person is back
        truth = [c for c in g.truth.contacts[side] if c > 6.2 and c < 9.0 - g.truth.stance_s]
        assert nearest_error([x["time_s"] for x in after], truth) <= 0.05


def test_analyze_run_writes_steps_worst_steps_and_a_step_report(tmp_path: Path) -> None:
    g = treadmill(duration_s=6.0)
    raw = to_netcdf_file(with_noise(g.track, sd_px=1.0), tmp_path / "run.nc")
    result = run_analyze(raw, out_dir=tmp_path / "out", settings=RUN, test="run", video=False)
    text = (tmp_path / "out" / "summary.json").read_text()
    s = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in summary.json"))
    assert s["test"] == "run" and s["test_label"] == "Running"
    assert s["sides"]["left"]["peak_fppa_deg"] == pytest.approx(8.0, abs=1.5)
    assert len(s["sides"]["left"]["steps"]) >= 7 and s["sides"]["left"]["reps"] == []
    assert s["worst_moments"] and s["worst_moments"][0]["side"] == "left"
    assert (tmp_path / "out" / "worst_1.png").exists()
    html = result.files["report"].read_text()
    assert "Step by step" in html and "Rep by rep" not in html
    assert "Cadence" in html and "Left foot" in html


@pytest.mark.parametrize(
    ("track", "expected"),
    [
        (lambda: treadmill(duration_s=6.0).track, "run"),
        (lambda: treadmill(cadence_spm=110, stance_fraction=0.62, lift=0.15).track, "walk"),
        (lambda: treadmill(view="sagittal", duration_s=6.0).track, "run"),
        (single_leg_squat, None),
        (lambda: drop_landing(), None),
        (lambda: double_leg_squat(), None),
    ],
)
def test_auto_recognises_running_and_walking_and_nothing_else(track, expected) -> None:
    clean = clean_track(track(), settings=Settings())
    found = recognise_gait(gait_signals(clean, view=classify_view(clean).view))
    assert (found[0] if found else None) == expected


def test_analyze_auto_names_the_gait_and_the_evidence(tmp_path: Path) -> None:
    raw = to_netcdf_file(treadmill(duration_s=6.0).track, tmp_path / "run.nc")
    result = run_analyze(raw, out_dir=tmp_path / "out", settings=RUN, video=False)
    assert result.assessment is not None and result.assessment.test == "run"
    assert result.assessment.test_detected is not None
    assert "steps/min" in result.assessment.test_detected.evidence


@pytest.mark.parametrize("zoom_per_s", [0.0, 0.03, -0.03])
def test_a_panning_tilting_or_zooming_camera_does_not_change_the_steps(
    zoom_per_s: float,
) -> None:
    # 3% per second over 6 s: the person ends 18% larger (or smaller) in the image
    g = treadmill(foot_offset=(0.4, 0.2), duration_s=6.0)
    still = analyse_track(g.track)
    moving = analyse_track(with_camera_motion(g.track, pan_px_per_s=80.0, tilt_px_per_s=20.0,
                                              zoom_per_s=zoom_per_s))  # fmt: skip
    for side in ("left", "right"):
        a, b = still["sides"][side], moving["sides"][side]
        assert len(a["steps"]) == len(b["steps"])
        for x, y in zip(a["steps"], b["steps"], strict=True):
            assert abs(x["frame"] - y["frame"]) <= 1 and x["complete"] == y["complete"]
        assert b["mean_step_width"] == pytest.approx(a["mean_step_width"], abs=0.02)
        assert b["mean_pelvic_drop_deg"] == pytest.approx(a["mean_pelvic_drop_deg"], abs=0.3)


def test_walking_towards_the_camera_overground_keeps_contacts_and_values() -> None:
    """Planted feet stay still in the image while the walker grows 60% larger."""
    g = overground_walk(start_m=10.0, duration_s=5.0, fppa_deg=(8.0, 3.0),
                        pelvic_drop_deg=(5.0, 2.0))  # fmt: skip
    steps, t = events(g, test="walk")
    for side in ("left", "right"):
        mine = [s for s in steps if s.side == side and s.complete]
        assert len(mine) >= 3
        assert nearest_error([t[s.contact] for s in mine], g.truth.contacts[side]) <= 0.04
        offs = [t[s.toe_off] for s in mine if s.toe_off is not None]
        assert nearest_error(offs, g.truth.toe_offs[side]) <= 0.08
    s = analyse_track(g.track, test="walk", cleaning=Settings())
    assert s["sides"]["left"]["mean_fppa_deg"] == pytest.approx(8.0, abs=1.0)
    assert s["sides"]["right"]["mean_pelvic_drop_deg"] == pytest.approx(2.0, abs=0.7)
    assert s["sides"]["left"]["mean_foot_offset"] == pytest.approx(0.4, abs=0.05)
    assert s["gait"]["cadence_spm"] == pytest.approx(110, rel=0.03)


def test_cli_prints_the_step_table_and_refuses_non_gait_in_one_line(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kneecoach.cli.main import cli

    runner = CliRunner()
    nc = to_netcdf_file(treadmill(duration_s=5.0).track, tmp_path / "run.nc")
    ok = runner.invoke(cli, ["analyze", str(nc), "--test", "run", "--out", str(tmp_path / "a"),
                             "--no-video"])  # fmt: skip
    assert ok.exit_code == 0, ok.output
    assert "cadence 170 steps/min" in ok.output and "pelvic drop" in ok.output
    squat = to_netcdf_file(single_leg_squat(), tmp_path / "squat.nc")
    bad = runner.invoke(cli, ["analyze", str(squat), "--test", "walk", "--out",
                              str(tmp_path / "b"), "--no-video"])  # fmt: skip
    assert bad.exit_code == 1 and "Traceback" not in bad.output
    assert "no complete step" in bad.output and "Walk at least 7 steps" in bad.output


@settings(max_examples=10, deadline=None)
@given(
    st.sampled_from(["run", "walk"]),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.0),
    st.sampled_from(["frontal", "rear", "sagittal"]),
    st.sampled_from([30.0, 60.0]),
)
def test_any_realistic_gait_gives_its_cadence_and_contacts(
    test: str, a: float, b: float, view: str, fps: float
) -> None:
    # running 150-195 steps/min with stance 28-42% of the stride; walking 90-130 with 55-65%
    cadence = 150 + 45 * a if test == "run" else 90 + 40 * a
    stance = 0.28 + 0.14 * b if test == "run" else 0.55 + 0.10 * b
    g = treadmill(cadence_spm=cadence, stance_fraction=stance, view=view, fps=fps,
                  duration_s=5.0, lift=0.25 if test == "run" else 0.15)  # fmt: skip
    steps, t = events(g, test=test)
    expected = len([c for c in g.truth.contacts["left"] if c < 5.0 - g.truth.stance_s])
    for side in ("left", "right"):
        mine = [s for s in steps if s.side == side and s.complete]
        assert len(mine) >= expected - 2
        assert nearest_error([t[s.contact] for s in mine], g.truth.contacts[side]) <= 3 / fps
    assert step_rate(np.array([t[s.contact] for s in steps])) == pytest.approx(cadence, rel=0.03)


def test_cadence_from_strides_resists_one_foot_found_late() -> None:
    # the real side-running clip: contacts at frames 4 (R), 11 (L), 23 (R), 29 (L) at 30 fps,
    # the right one at 23 found ~3 frames late; strides of 19 and 18 frames: about 195/min
    contacts = np.array([4, 11, 23, 29]) / 30
    feet = ["right", "left", "right", "left"]
    assert step_rate(contacts, feet) == pytest.approx(2 * 60 / (18.5 / 30))
    assert step_rate(contacts) == pytest.approx(60 / (6.5 / 30))  # steps alone: 277/min


def _step(side: str, contact: int, toe_off: int) -> Step:
    return Step(side, contact, toe_off, (contact + toe_off) // 2, True)  # type: ignore[arg-type]


def test_a_spurious_contact_just_after_the_other_foots_is_not_a_step() -> None:
    # walking at 30 fps: steps 17 frames apart, stance 20 frames; the right foot "lands" again
    # 3 frames after the left contact at 85 (a heel rocking, as on the real front-walking clip)
    steps = [_step("left", 0, 20), _step("right", 17, 37), _step("left", 34, 54),
             _step("right", 51, 71), _step("left", 68, 88), _step("right", 71, 88),
             _step("left", 85, 105), _step("right", 88, 91), _step("left", 102, 122)]  # fmt: skip
    kept = _drop_double_contacts(steps, 30.0, "walk")
    bad = [(s.side, s.contact) for s in kept if not s.complete]
    assert ("right", 88) in bad  # 3 frames after the left contact, a 0.1 s "stance"
    assert ("right", 71) in bad  # 3 frames after the left contact at 68
    assert ("left", 85) not in bad and ("left", 68) not in bad
    assert alternation(steps, 30.0) < 1.0  # 3 frames apart is not alternating (was >=)


def test_a_spurious_double_contact_in_a_track_is_marked_incomplete() -> None:
    g = treadmill(cadence_spm=110, stance_fraction=0.62, lift=0.15, duration_s=8.0)
    ds = g.track.copy(deep=True)
    # the right foot jumps down the image for 3 frames right after a left contact (a keypoint
    # glitch at the end of its stance): the velocity method sees a descent and a landing
    c = int(round(g.truth.contacts["left"][3] * 60))
    for name in ("right_ankle", "right_heel", "right_foot_index"):
        ds["position"].loc[{"keypoints": name, "space": "y"}][c - 4 : c + 3] += np.array(
            [-40.0, -60.0, -70.0, -60.0, -30.0, -10.0, 0.0]
        )[:, None]
    s = analyse_track(ds, test="walk", cleaning=Settings(cutoff_hz=12.0))
    for side in ("left", "right"):
        for x in s["sides"][side]["steps"]:
            if x["complete"]:
                assert x["stance_time_s"] >= 0.5 * g.truth.stance_s
                assert x["step_time_s"] is None or x["step_time_s"] > 0.25 * 60 / 110


def test_implausibly_short_walking_stances_are_not_averaged() -> None:
    g = treadmill(cadence_spm=110, stance_fraction=0.62, lift=0.15, duration_s=8.0)
    clean = clean_track(g.track, settings=RUN)
    sig = gait_signals(clean, view="frontal")
    steps = find_steps(sig, test="walk")
    short = [_step(s.side, s.contact, s.contact + 9) for s in steps[:4] if s.toe_off]
    kept = _drop_double_contacts(short + [s for s in steps[4:] if s.complete], 60.0, "walk")
    assert not any(s.complete for s in kept[: len(short)])  # 0.15 s: not a walking stance


def test_a_drift_in_step_width_is_called_a_change_in_pelvis_widths() -> None:
    # both feet drift 0.2 hip widths per minute towards the midline: the step width falls by
    # about 0.8 pelvis widths from the first to the last fifth of 2.5 minutes
    narrowing = analyse_track(
        treadmill(duration_s=150, fps=30.0, foot_offset=(0.5, 0.5), offset_drift_per_min=-0.2
                  ).track)  # fmt: skip
    d = narrowing["drift"]["left"]
    width = d["measures"]["step_width"]
    assert width["first_last"] == pytest.approx(-0.8, abs=0.15)
    assert width["beyond_noise"] is True and width["sdd"] is None and width["min_effect"] == 0.25
    assert "step_width" in d["changed"] and "pelvis widths" in d["text"]
    assert "step width fell by 0.8" in d["text"] and "0.8°" not in d["text"]
    steady = analyse_track(treadmill(duration_s=150, fps=30.0).track)
    assert steady["drift"]["left"]["measures"]["step_width"]["beyond_noise"] is False


def test_a_small_clear_step_width_change_is_below_the_minimum_effect() -> None:
    rng = np.random.default_rng(2)
    steps = step_readings([
        {"time_s": i * 3.0, "step_width": 0.6 - 0.1 * (i >= 40) + rng.normal(0, 0.02)}
        for i in range(50)
    ])  # fmt: skip
    d = plain(drift(steps, "step_width"))
    assert d is not None and d["first_last_ci95"][1] < 0  # statistically clear
    assert d["beyond_noise"] is False  # but 0.1 pelvis widths is below the 0.25 minimum
    assert plain(side_drift(steps))["changed"] == []


def test_asymmetry_needs_enough_steps_per_side() -> None:
    few = analyse_track(treadmill(duration_s=2.2, pelvic_drop_deg=(9.0, 2.0)).track)
    n = min(few["sides"][s]["n_steps"] for s in ("left", "right"))
    assert 1 <= n < MIN_STEPS
    asym = few["asymmetry"]
    assert asym["difference"] == pytest.approx(7.0, abs=1.0)  # a big difference, but
    assert asym["beyond_noise"] is None and "cannot be compared" in asym["text"]
    assert not any(f["code"] == "gait_asymmetry" for f in few["findings"])
    enough = analyse_track(treadmill(duration_s=6.0, pelvic_drop_deg=(9.0, 2.0)).track)
    assert enough["asymmetry"]["beyond_noise"] is True


def test_wording_gives_directions_and_walking_cites_no_running_norms() -> None:
    g = treadmill(cadence_spm=110, stance_fraction=0.62, lift=0.15, duration_s=8.0,
                  fppa_deg=(-6.0, 4.0), pelvic_drop_deg=(-2.0, 3.0))  # fmt: skip
    s = analyse_track(g.track, test="walk")
    text = {(f["code"], f["side"]): f for f in s["findings"]}
    drop = text[("gait_pelvic_drop", "left")]["text"]  # standing on the left: right side
    assert "pelvis rises " in drop and "drops -" not in drop
    assert "say nothing about a rise" in drop  # the running studies concern a drop
    drop = text[("gait_pelvic_drop", "right")]["text"]
    assert "evidence is from running, and no normal limit is applied to walking" in drop
    knee = text[("gait_fppa", "left")]["text"]
    assert "6° outward" in knee and ("inward in any stance" in knee or "still" in knee)
    for f in s["findings"]:
        assert "running" not in (f["source"] or "").lower() or f["code"] == "gait_pelvic_drop"
    assert "running" not in s["sides"]["left"]["classification"]["source"].lower()
    assert s["sides"]["left"]["cadence_spm"] == pytest.approx(110, rel=0.03)


def test_glides_match_the_pairwise_definition_and_take_linear_time() -> None:
    g = skating(glide_s=0.8, duration_s=20.0)
    steps, _ = events(g, test="skate")
    plain = [Step(s.side, s.contact, s.toe_off, s.midstance, s.complete) for s in steps]
    for s, o in zip(_glides(plain), plain, strict=True):
        start, end = o.contact, o.toe_off
        if end is None:
            continue
        for x in plain:  # the quadratic definition
            if x.side != o.side and x.toe_off is not None and x.contact < o.contact <= x.toe_off:
                start = max(start, x.toe_off)
            if x.side != o.side and o.contact < x.contact <= o.toe_off:
                end = min(end, x.contact)
        assert s.glide == (start, end)


def test_a_side_view_contact_with_implausible_knee_flexion_is_not_averaged() -> None:
    # 80° of knee flexion at "contact" is a mid-swing frame, not a running contact
    bent = analyse_track(treadmill(view="sagittal", knee_flexion_deg=(80.0, 90.0)).track)
    for side in ("left", "right"):
        steps = bent["sides"][side]["steps"]
        assert steps and not any(x["complete"] for x in steps)
        assert all("knee flexion at contact" in x["problem"] for x in steps)
    fine = analyse_track(treadmill(view="sagittal", knee_flexion_deg=(15.0, 40.0)).track)
    assert fine["sides"]["left"]["n_steps"] >= 7


def test_the_report_shows_drift_with_cis_sds_and_worst_steps() -> None:
    tired = analyse_track(treadmill(duration_s=150, fps=30.0, drift_per_min=4.0,
                                    offset_drift_per_min=-0.2).track)  # fmt: skip
    tired = assessment(**tired)
    rows = {r["measure"]: r for r in drift_rows(tired, "left")}
    drop = rows["pelvic drop"]
    assert drop["verdict"] == "changed: beyond the noise" and drop["tone"] == "attention"
    assert drop["threshold"] == "SDD 2.8" and "Dingenen" in drop["threshold_source"]
    assert drop["unit"] == "°" and float(drop["slope"]) == pytest.approx(4.0, abs=0.4)
    lo, hi = (float(x.replace("−", "-")) for x in drop["slope_ci"].split(" to "))
    assert lo < float(drop["slope"]) < hi
    width = rows["step width"]
    assert width["unit"] == "pelvis widths" and width["threshold"] == "minimum effect 0.25"
    assert width["threshold_source"].startswith("no published SDD")
    assert width["change"].startswith("−0.")  # narrower, with a true minus sign
    assert rows["knee angle (FPPA)"]["threshold"] == "SDD 8.9"
    stats = dict(step_tables(tired)[0]["stats"])
    assert "(SD " in stats["Average pelvic drop"]
    assert stats["Steps with the largest knee angle"].startswith("step ")
    assert not any(k.startswith("Change over the clip") for k in stats)  # a table now
    assert stats["Cadence from this foot's strides"] == "170 steps/min"
    short = assessment(**analyse_track(treadmill(duration_s=6.0).track))
    assert drift_rows(short, "left") == []
    assert "at least 25 complete steps" in step_tables(short)[0]["drift_note"]


def test_a_steady_clear_but_small_change_is_within_the_noise_in_the_table() -> None:
    rng = np.random.default_rng(2)
    steps = step_readings([
        {"time_s": i * 3.0, "step_width": 0.6 - 0.1 * (i >= 40) + rng.normal(0, 0.02)}
        for i in range(50)
    ])  # fmt: skip
    summary = assessment(drift={"left": side_drift(steps), "right": None})
    (row,) = drift_rows(summary, "left")
    assert row["verdict"] == "no real change: clear, but within the noise"
    assert row["tone"] == "ok" and row["change_ci"].endswith(tuple("0123456789"))


class _Tables(HTMLParser):
    """Each table's caption and the text of each body row, cell by cell."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._cell: list[str] | None = None
        self._in_caption = self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"class": dict(attrs).get("class"), "caption": "", "rows": []})
        elif tag == "caption":
            self._in_caption = True
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption":
            self._in_caption = False
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.tables[-1]["rows"][-1].append(" ".join(" ".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self.tables[-1]["caption"] += data
        elif self._cell is not None:
            self._cell.append(data)


def test_report_html_has_a_drift_table_per_side_with_verdicts(tmp_path: Path) -> None:
    tired = analyse_track(treadmill(duration_s=150, fps=30.0, drift_per_min=4.0).track)
    report = render_report(assessment(**tired), pd.DataFrame(), {}, tmp_path / "report.html")
    html = report.read_text("utf-8")
    page = _Tables()
    page.feed(html)
    drift_tables = [t for t in page.tables if t["class"] == "drift"]
    assert [t["caption"].split(":")[0] for t in drift_tables] == ["Left foot", "Right foot"]
    for table in drift_tables:
        rows = {r[0]: r for r in table["rows"]}
        # measure, unit, slope (CI), change (CI), threshold (source), verdict
        assert all(len(r) == 6 for r in rows.values())
        measure, unit, slope, change, threshold, verdict = rows["pelvic drop"]
        assert unit == "°" and verdict == "changed: beyond the noise"
        assert float(slope.split()[0]) == pytest.approx(4.0, abs=0.4) and " to " in slope
        assert threshold.startswith("SDD 2.8") and "Dingenen" in threshold
        width = rows["step width"]
        assert width[1] == "pelvis widths" and width[4].startswith("minimum effect 0.25")
        assert width[5].startswith("no real change")
    assert "<strong>changed: beyond the noise</strong>" in html
    assert "Change over the clip: pelvic drop" not in html  # no longer label/value rows


def test_walking_backwards_swaps_the_side_view_events_and_is_not_averaged() -> None:
    # a side-view walk played backwards while the body travels against the way it faces
    # (facing image right, moving left at 0.5 leg lengths per second): backward walking
    g = treadmill(view="sagittal", cadence_spm=110, stance_fraction=0.62, lift=0.15,
                  duration_s=8.0, image_size=(4000, 1280))  # fmt: skip
    ds = g.track.copy(deep=True)
    t = ds["time"].values
    reverse = ds["position"].values[::-1].copy()
    reverse[:, 0] += (1000.0 - 0.5 * 520.0 * t)[:, None, None]  # leg: 520 px
    ds["position"].values = reverse
    clean = clean_track(ds, settings=Settings())
    sig = gait_signals(clean, view="sagittal")
    events = _side_steps(sig, "left", bridge=10, stride=0.7)
    assert len(events) >= 4 and all(back for *_, back in events[1:-1])
    stances = [(off - on) / 60 for on, off, _ in events if off is not None]
    # the forward method read the swing (0.41 s) as the stance; swapped, it is 0.68 s
    assert np.median(stances) == pytest.approx(g.truth.stance_s, abs=0.08)
    with pytest.raises(InsufficientDataError, match="walks backwards"):
        find_steps(sig, test="walk")


def test_drift_is_found_from_behind_through_noise_gaps_and_swaps() -> None:
    """A rear view with keypoint noise, a label swap and a dropout: the 4°/min drift of
    pelvic drop is still measured, and a steady run still shows none."""

    def messy(g: SyntheticGait) -> xr.Dataset:
        raw = with_noise(g.track, sd_px=1.5, seed=5)
        raw = with_swap(raw, start=900, stop=912)
        return with_dropout(raw, keypoints=["right_ankle", "right_heel", "right_foot_index"],
                            start=2000, stop=2030)  # fmt: skip

    tired = analyse_track(messy(treadmill(view="rear", duration_s=150, fps=30.0,
                                          drift_per_min=4.0)))  # fmt: skip
    for side in ("left", "right"):
        d = tired["drift"][side]["measures"]["pelvic_drop_deg"]
        assert d["slope_per_min"] == pytest.approx(4.0, abs=0.6)
        assert "pelvic_drop_deg" in tired["drift"][side]["changed"]
    steady = analyse_track(messy(treadmill(view="rear", duration_s=150, fps=30.0)))
    assert steady["drift"]["left"]["changed"] == steady["drift"]["right"]["changed"] == []


def test_a_single_complete_step_is_one_step_not_steps() -> None:
    from kneecoach.assessment.gait import side_findings

    info = side_summary(working=True, n_steps=1)
    texts = [f.text for f in side_findings("left", info, label="Running", frontal=False)]
    assert any(t.startswith("Only 1 complete left step:") for t in texts), texts


def test_cli_gives_the_clip_duration_as_the_summary_and_report_do(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from kneecoach.cli.main import cli

    nc = to_netcdf_file(treadmill(duration_s=2.5).track, tmp_path / "run.nc")
    r = CliRunner().invoke(cli, ["analyze", str(nc), "--test", "run", "--out",
                                 str(tmp_path / "a"), "--no-video"])  # fmt: skip
    assert r.exit_code == 0, r.output
    duration = json.loads((tmp_path / "a" / "summary.json").read_text())["gait"]["duration_s"]
    assert duration == pytest.approx(2.48)
    assert "steps/min over 2.5 s" in r.output


def test_stance_glide_and_cadence_use_the_timestamps_of_a_variable_frame_rate_clip() -> None:
    g = treadmill(duration_s=6.0)
    t = g.track["time"].values
    slow = t + 0.3 * np.clip(t - 3.0, 0.0, None)  # after 3 s the frames come 30% further apart
    s = analyse_track(g.track.assign_coords(time=slow))
    contacts, feet = [], []
    for side in ("left", "right"):
        for step in s["sides"][side]["steps"]:
            contacts.append(slow[step["frame"]])
            feet.append(side)
            if step["toe_off_frame"] is not None:
                real = slow[step["toe_off_frame"]] - slow[step["frame"]]
                assert step["stance_time_s"] == pytest.approx(real, abs=0.001)
    order = np.argsort(contacts)
    rate = step_rate(np.array(contacts)[order], [feet[i] for i in order])
    assert s["gait"]["cadence_spm"] == pytest.approx(rate, abs=0.05)


def test_a_value_that_rounds_to_zero_has_no_sign_or_direction() -> None:
    from kneecoach.assessment.gait import _side_view_findings, side_findings

    info = side_summary(working=True, n_steps=9, mean_fppa_deg=-0.2, peak_fppa_deg=-0.4)
    text = side_findings("left", info, label="Walking", frontal=True)[0].text
    assert "0° (in line) on average" in text and "outward" not in text, text
    sides = {
        s: side_summary(mean_trunk_forward_lean_deg=v) for s, v in (("left", 0.4), ("right", -0.3))
    }
    text = _side_view_findings(sides, None)[0].text  # type: ignore[arg-type]
    assert "left 0°, right 0°" in text and "-0" not in text, text


def test_the_step_table_shows_no_negative_zero() -> None:
    from kneecoach.reports.gait import step_tables

    steps = [fixture_step(1, time_s=0.5, trunk_lean_deg=-0.04)]
    summary = assessment(
        test="run", sides={"left": fixture_side(steps=steps), "right": fixture_side()}
    )
    row = step_tables(summary)[0]["rows"][0]
    assert row["cells"] == ["0.50", "0.0"], row


def test_a_run_analysed_as_walking_is_told_its_stances_are_too_short_for_walking() -> None:
    g = treadmill(duration_s=5.0)  # 170 steps/min, stances of about 0.27 s
    clean = clean_track(g.track, settings=RUN)
    sig = gait_signals(clean, view=classify_view(clean).view)
    with pytest.raises(InsufficientDataError, match="too short for walking.*--test run"):
        find_steps(sig, test="walk")
    assert find_steps(sig, test="run")


@pytest.mark.parametrize("test", ["walk", "run"])
def test_a_rising_pelvis_is_not_read_against_the_studies_of_drop(test: str) -> None:
    from kneecoach.assessment.gait import side_findings

    def pelvis(drop: float) -> str:
        info = side_summary(working=True, n_steps=9, mean_pelvic_drop_deg=drop,
                            sd_pelvic_drop_deg=1.0)  # fmt: skip
        found = side_findings("left", info, label="Gait", frontal=True, test=test)
        return next(f.text for f in found if f.code == "gait_pelvic_drop")

    assert "rises 3.0°" in pelvis(-3.0) and "80%" not in pelvis(-3.0)
    assert "drops 3.0°" in pelvis(3.0) and "80%" in pelvis(3.0)
    assert "drops 0.0°" in pelvis(-0.01)  # no direction from rounding noise
