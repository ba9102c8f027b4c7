"""The live loop on synthetic squats with known geometry: the same knee-over-foot numbers
as the offline measure, and the cue where the knee really is inside its foot."""

from __future__ import annotations

import numpy as np

from kneecoach.assessment.model import Assessment
from kneecoach.live.feedback import LiveTracker, Thresholds
from kneecoach.metrics.frames import frame_measures
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.sample_data.synthetic import double_leg_squat

#: the synthetic squat stands with both knees 2.4% inside their feet; at the bottom the left
#: reaches 6.8% and the right 3.0% (peak FPPA 14° and 2°)
LINE = Thresholds(inside_pct=3.5)


def _live(ds):  # type: ignore[no-untyped-def]
    tracker = LiveTracker(FakePoseEstimator(ds), LINE)
    blank = np.zeros((8, 8, 3), dtype=np.uint8)
    return [tracker.process(blank, float(t), echo=float(t) * 1000) for t in ds["time"].values]


def test_live_knee_over_foot_follows_the_offline_measure_and_cues_where_it_is_inside() -> None:
    ds = double_leg_squat(peak_fppa_deg=(14.0, 2.0), depth_px=150)
    offline = frame_measures(ds).table
    live = _live(ds)
    for side in ("left", "right"):
        want = offline[f"knee_over_foot_{side}_pct"].to_numpy(float)
        got = np.array([r.knee_over_foot_pct[side] for r in live], dtype=float)
        ok = np.isfinite(want) & np.isfinite(got)
        assert ok.mean() > 0.95
        assert np.median(np.abs(got[ok] - want[ok])) < 0.3  # % of leg length
        inside = want > LINE.inside_pct
        cued = np.array([r.cue[side] == "inside" for r in live])
        agree = (inside == cued)[ok].mean()
        assert agree > 0.95, (side, agree)
    assert any(r.cue["left"] == "inside" for r in live)  # the caving knee is caught
    assert not any(r.cue["right"] == "inside" for r in live)  # the straighter one never


def test_the_message_is_the_worse_knees_with_an_external_focus() -> None:
    live = _live(double_leg_squat(peak_fppa_deg=(14.0, 2.0), depth_px=150))
    worst = next(r for r in live if r.cue["left"] == "inside")
    assert worst.message == "knee toward the line"
    payload = worst.to_json()
    assert payload["cue"] == {"left": "inside", "right": worst.cue["right"]}
    assert payload["t"] == worst.t and set(payload["keypoints"]) >= {"left_knee", "right_ankle"}


def test_nobody_in_the_picture_is_unseen_not_an_error() -> None:
    ds = double_leg_squat()
    ds["position"][:] = np.nan
    reading = _live(ds.isel(time=slice(0, 3)))[-1]
    assert reading.cue == {"left": "unseen", "right": "unseen"} and reading.keypoints == {}
    assert "step back" in reading.message


def test_thresholds_from_an_assessment_use_its_noise() -> None:
    a = Assessment.model_construct(sides={})  # no sides measured: the default floor
    assert Thresholds.of(a) == Thresholds()
    assert Thresholds(inside_pct=5.0).cue(3.0) == "drifting"
    assert Thresholds(inside_pct=5.0).cue(1.0) == "in line"
    assert Thresholds(inside_pct=5.0).cue(6.0) == "inside"
