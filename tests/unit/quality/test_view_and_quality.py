"""Camera-view judgement and the quality report, on synthetic geometry."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneecoach.core.settings import Settings
from kneecoach.filtering import clean_track
from kneecoach.quality import assess_quality, classify_view


def turned(ds, degrees: float, mirror: bool = False):
    """The same person turned about the vertical axis (x compressed by cos), or seen from behind."""
    out = ds.copy(deep=True)
    x = out["position"].sel(space="x")
    centre = float(x.mean())
    factor = np.cos(np.radians(degrees)) * (-1 if mirror else 1)
    out["position"].loc[{"space": "x"}] = centre + (x - centre) * factor
    return out


@pytest.mark.parametrize(
    ("degrees", "mirror", "view"),
    [
        (0, False, "frontal"),
        (0, True, "rear"),
        (45, False, "oblique"),
        (60, False, "oblique"),
        (85, False, "sagittal"),
    ],
)
def test_view_from_width_ratio(squat, degrees, mirror, view) -> None:
    assert classify_view(turned(squat, degrees, mirror)).view == view


@settings(max_examples=20, deadline=None)
@given(dx=st.floats(-500, 500), dy=st.floats(-500, 500), scale=st.floats(0.2, 5))
def test_view_is_translation_and_scale_invariant(dx, dy, scale) -> None:
    from kneecoach.sample_data.synthetic import single_leg_squat

    ds = single_leg_squat(duration_s=1.0, reps=1)
    moved = ds.copy(deep=True)
    moved["position"] = ds["position"] * scale + xr_offset(ds, dx, dy)
    a, b = classify_view(ds), classify_view(moved)
    assert a.view == b.view
    assert a.width_ratio == pytest.approx(b.width_ratio, abs=1e-3)


def xr_offset(ds, dx, dy):
    return ds["position"].sel(space=["x", "y"]) * 0 + np.array([dx, dy])[:, None, None]


def test_quality_of_a_good_synthetic_clip(squat) -> None:
    q = assess_quality(squat, clean_track(squat, settings=Settings()), threshold=0.3)
    assert q.view == "frontal" and q.detection_rate == 1.0
    assert q.usable_for_frontal_measures and q.warnings == []
    assert q.mean_confidence["knees"] == pytest.approx(0.95)


def test_quality_warns_on_missing_person_side_view_and_low_fps(squat) -> None:
    slow = squat.isel(time=slice(None, None, 3))
    slow.attrs["fps"] = 20.0
    side = turned(slow, 85)
    side["position"][: len(side["time"]) // 2] = np.nan
    q = assess_quality(side, clean_track(side, settings=Settings()), threshold=0.3)
    assert q.detection_rate == pytest.approx(0.5, abs=0.01)
    assert not q.usable_for_frontal_measures
    text = " ".join(q.warnings)
    assert "50%" in text and "sagittal" in text and "20 fps" in text


def test_out_of_frame_feet_are_reported(squat) -> None:
    cut = squat.copy(deep=True)
    cut.attrs["image_height"] = 1100  # ankles at 1160 px: below the picture
    q = assess_quality(cut, cut, threshold=0.3)
    assert q.lower_limb_in_frame_rate == 0.0 and q.whole_body_in_frame is False
    assert any("in frame" in w for w in q.warnings)


def test_withheld_keypoints_are_not_out_of_frame(squat) -> None:
    """A clean track (a kneecoach track.nc read again) leaves untrusted hips empty.

    Those frames are not out of the picture: the quality verdict must match the video's.
    """
    withheld = squat.copy(deep=True)
    hips = ["left_hip", "right_hip"]
    withheld["position"].loc[{"keypoints": hips, "time": withheld["time"][100:160]}] = np.nan
    q = assess_quality(withheld, withheld, threshold=0.3)
    assert q.lower_limb_in_frame_rate == 1.0 and q.whole_body_in_frame is True
    assert q.usable_for_frontal_measures
