"""Cleaning steps against synthetic signals with known answers."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneecoach.core.settings import Settings
from kneecoach.core.track import from_numpy, read_log
from kneecoach.filtering import (
    clean_track,
    detect_lr_swaps,
    filter_butterworth,
    filter_by_confidence,
    fix_lr_swaps,
    interpolate_gaps,
)
from kneecoach.filtering.gaps import fill_short_gaps
from kneecoach.filtering.smoothing import dual_pass_correction, lowpass_1d
from kneecoach.sample_data.synthetic import single_leg_squat, with_dropout, with_noise, with_swap


def _one_keypoint_track(values: np.ndarray, times: np.ndarray, conf=None):
    pos = np.stack([values, values], axis=-1)[:, None, :]
    return from_numpy(
        pos,
        None if conf is None else conf[:, None],
        time_s=times,
        fps=(len(times) - 1) / (times[-1] - times[0]),
        keypoints=["left_knee"],
    )


# --- confidence ---------------------------------------------------------------


def test_low_confidence_is_masked_and_unknown_kept() -> None:
    t = np.arange(4) / 30
    ds = _one_keypoint_track(np.arange(4.0), t, conf=np.array([0.9, 0.1, np.nan, 0.3]))
    out = filter_by_confidence(ds, threshold=0.3)
    x = out["position"].sel(space="x").values.ravel()
    assert np.isnan(x[1]) and x[0] == 0 and x[2] == 2 and x[3] == 3  # 0.3 ≥ 0.3 kept
    assert read_log(out)[-1]["params"]["values_masked"] == 1


# --- gaps ---------------------------------------------------------------------


def test_short_gap_filled_exactly_linear_on_true_timestamps() -> None:
    t = np.array([0.0, 0.1, 0.15, 0.4, 0.5])  # variable frame rate
    x = np.array([0.0, np.nan, np.nan, 40.0, 50.0])
    filled = fill_short_gaps(x, time_s=t, max_gap_s=0.4)
    np.testing.assert_allclose(filled, [0, 10, 15, 40, 50])


def test_long_gap_and_edges_stay_missing_and_are_reported() -> None:
    t = np.arange(40) / 30
    x = np.arange(40.0)
    x[:3] = np.nan  # leading
    x[10:25] = np.nan  # 0.53 s: too long
    x[30:32] = np.nan  # short
    ds = interpolate_gaps(_one_keypoint_track(x, t), max_gap_s=0.33)
    got = ds["position"].sel(space="x").values.ravel()
    assert np.isnan(got[:3]).all() and np.isnan(got[10:25]).all()
    np.testing.assert_allclose(got[30:32], [30, 31])
    assert ds["interpolated"].values.ravel()[30:32].tolist() == [1, 1]
    gaps = read_log(ds)[-1]["params"]["long_gaps"]
    assert {
        "keypoint": "left_knee",
        "start_s": pytest.approx(10 / 30),
        "end_s": pytest.approx(24 / 30),
    } in gaps


# --- Butterworth ----------------------------------------------------------------


def test_dual_pass_correction_matches_winter() -> None:
    assert dual_pass_correction(2) == pytest.approx(0.802, abs=1e-3)


@pytest.mark.parametrize(("freq", "gain"), [(0.5, 1.0), (6.0, 2**-0.5), (20.0, 0.0)])
def test_gain_is_minus_3_db_at_the_cutoff(freq: float, gain: float) -> None:
    fs = 120.0
    t = np.arange(int(20 * fs)) / fs
    x = np.sin(2 * np.pi * freq * t)
    y = lowpass_1d(x, fs_hz=fs, cutoff_hz=6.0, order=4)
    middle = slice(len(t) // 4, 3 * len(t) // 4)
    assert np.std(y[middle]) / np.std(x[middle]) == pytest.approx(gain, abs=0.03)


def test_zero_lag_and_nan_runs_untouched() -> None:
    fs = 60.0
    t = np.arange(600) / fs
    x = np.sin(2 * np.pi * 1.0 * t)
    x[300:305] = np.nan
    y = lowpass_1d(x, fs_hz=fs, cutoff_hz=6.0)
    assert np.isnan(y[300:305]).all() and np.isfinite(y[:300]).all()
    lag = np.argmax(np.correlate(y[:300], x[:300], "full")) - 299
    assert lag == 0


def test_filter_skips_with_reason_when_cutoff_too_high() -> None:
    t = np.arange(100) / 10.0
    ds = filter_butterworth(_one_keypoint_track(np.sin(t), t), cutoff_hz=6.0)
    assert "too close" in read_log(ds)[-1]["params"]["skipped"]


# --- left/right swaps -------------------------------------------------------------


def test_whole_body_swap_detected_exactly(squat) -> None:
    raw = with_swap(with_noise(squat, sd_px=1.5), start=120, stop=180)
    swaps = detect_lr_swaps(raw)
    assert np.flatnonzero(swaps["body"]).tolist() == list(range(120, 180))
    fixed = fix_lr_swaps(raw)
    knees = ["left_knee", "right_knee", "left_ankle", "right_ankle"]
    truth = with_noise(squat, sd_px=1.5)["position"].sel(keypoints=knees)
    np.testing.assert_allclose(fixed["position"].sel(keypoints=knees), truth)
    assert read_log(fixed)[-1]["params"]["swapped_frames"]["body"] == [[120, 179]]


def test_swap_at_the_start_is_corrected_by_majority(squat) -> None:
    raw = with_swap(squat, start=0, stop=100)
    assert np.flatnonzero(detect_lr_swaps(raw)["body"]).tolist() == list(range(100))


def test_leg_only_blip_is_corrected(squat) -> None:
    legs = [
        f"{s}_{j}"
        for s in ("left", "right")
        for j in ("hip", "knee", "ankle", "heel", "foot_index")
    ]
    raw = squat.copy(deep=True)
    sub = with_swap(squat.sel(keypoints=legs), start=200, stop=205)
    raw["position"].loc[{"keypoints": legs}] = sub["position"]
    swaps = detect_lr_swaps(raw)
    assert not swaps["body"].any()
    assert np.flatnonzero(swaps["legs"]).tolist() == list(range(200, 205))


def test_no_swap_reported_on_a_clean_track(squat) -> None:
    swaps = detect_lr_swaps(with_noise(squat, sd_px=2.0))
    assert not swaps["body"].any() and not swaps["legs"].any()


def test_side_view_with_overlapping_sides_never_flips() -> None:
    ds = single_leg_squat()
    side = ds.copy(deep=True)
    x = side["position"].sel(space="x")
    side["position"].loc[{"space": "x"}] = 360 + (x - 360) * 0.05  # turned 87° to the camera
    swaps = detect_lr_swaps(with_noise(side, sd_px=1.0))
    assert not swaps["body"].any()


@settings(max_examples=25, deadline=None)
@given(start=st.integers(20, 400), length=st.integers(3, 120), noise=st.floats(0, 3))
def test_any_swap_window_is_found(start: int, length: int, noise: float) -> None:
    truth = with_noise(single_leg_squat(), sd_px=noise, seed=start)
    raw = with_swap(truth, start=start, stop=start + length)
    fixed = fix_lr_swaps(raw)
    hips = ["left_hip", "right_hip"]
    others = [k for k in truth["keypoints"].values if k not in hips]
    np.testing.assert_allclose(
        fixed["position"].sel(keypoints=others), truth["position"].sel(keypoints=others)
    )
    # the model's hips in whole-body swapped frames are not trusted: missing there only
    gone = np.isnan(fixed["position"].sel(keypoints=hips).values).any(axis=(1, 2, 3))
    assert np.array_equal(np.flatnonzero(gone), np.arange(start, start + length))


# --- the whole stage --------------------------------------------------------------


def test_clean_track_recovers_truth_and_logs_every_step(squat) -> None:
    raw = with_swap(
        with_dropout(with_noise(squat, sd_px=2.0), keypoints=["left_knee"], start=100, stop=110),
        start=200,
        stop=260,
    )
    clean = clean_track(raw, settings=Settings())
    ops = [e["operation"] for e in read_log(clean)]
    assert ops[-4:] == [
        "filter_by_confidence",
        "fix_lr_swaps",
        "interpolate_gaps",
        "filter_butterworth",
    ]
    err = np.abs(clean["position"] - squat["position"]).max(("time", "space", "individuals"))
    assert float(err.max()) < 8.0  # px, on a 1280 px tall image with 2 px noise
    assert float(np.abs(clean["position"] - squat["position"]).median()) < 1.0
