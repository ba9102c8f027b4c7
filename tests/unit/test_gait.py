"""Gait analysis on synthetic treadmill tracks with exactly known steps and values."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from kneecoach.analyze import run_analyze
from kneecoach.assessment.gait import assess_gait, drift
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.events.gait import Step, alternation, find_steps, recognise_gait, step_rate
from kneecoach.filtering import clean_track
from kneecoach.io import to_netcdf_file
from kneecoach.metrics.frames import frame_measures
from kneecoach.metrics.gait import gait_signals
from kneecoach.quality.view import classify_view
from kneecoach.synthetic import (
    double_leg_squat,
    drop_landing,
    single_leg_squat,
    with_dropout,
    with_noise,
    with_swap,
)
from kneecoach.synthetic_gait import (
    SyntheticGait,
    overground_walk,
    skating,
    treadmill,
    with_camera_motion,
)

#: Running is filtered at 12 Hz in these tests (science.md §8: 10-12 Hz for running).
RUN = Settings(cutoff_hz=12.0)


def analyse_track(ds: xr.Dataset, *, test: str = "run", cleaning: Settings = RUN) -> dict:
    clean = clean_track(ds, settings=cleaning)
    fm = frame_measures(clean)
    sig = gait_signals(clean, view=fm.view)
    steps = find_steps(sig, test=test)
    return assess_gait(fm, sig, steps, test=test)


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
    steps = [{"time_s": i * 0.35, "fppa_deg": float(i), "complete": True} for i in range(30)]
    assert drift(steps, "fppa_deg") is None  # 10 s: too short to speak of fatigue


def test_a_change_within_the_noise_is_not_called_a_change() -> None:
    rng = np.random.default_rng(1)
    steps = [{"time_s": i * 3.0, "fppa_deg": 5 + 4 * (i >= 40) + rng.normal(0, 0.5),
              "complete": True} for i in range(50)]  # fmt: skip
    d = drift(steps, "fppa_deg")
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


def test_person_leaving_the_picture_keeps_the_steps_before(tmp_path: Path) -> None:
    g = treadmill(duration_s=6.0)
    raw = with_dropout(g.track, keypoints=list(map(str, g.track["keypoints"].values)),
                       start=240, stop=360)  # fmt: skip
    s = analyse_track(raw)
    assert s["sides"]["left"]["n_steps"] >= 5
    assert all(x["time_s"] < 4.2 or not x["complete"] for x in s["sides"]["left"]["steps"])


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
    assert result.summary["test"] == "run"
    assert "steps/min" in result.summary["test_detected"]["evidence"]


def test_a_panning_or_slowly_tilting_camera_does_not_change_the_steps() -> None:
    g = treadmill(foot_offset=(0.4, 0.2), duration_s=6.0)
    still = analyse_track(g.track)
    moving = analyse_track(with_camera_motion(g.track, pan_px_per_s=80.0, tilt_px_per_s=20.0))
    for side in ("left", "right"):
        a, b = still["sides"][side], moving["sides"][side]
        assert [x["frame"] for x in a["steps"]] == [x["frame"] for x in b["steps"]]
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
