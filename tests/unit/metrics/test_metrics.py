"""The angle conventions, property-tested on exact geometry (science.md §1.1, §2.1)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kneecoach.metrics import frame_measures
from kneecoach.metrics import geometry as g
from kneecoach.sample_data.synthetic import (
    body,
    double_leg_squat,
    knee_on_line,
    rear_view,
    single_leg_squat,
)

coord = st.floats(-500, 500)
angle = st.floats(-60, 60)


def leg(hx: float, hy: float, dx: float, length: float, fppa: float, medial: float):
    hip = np.array([[hx, hy]])
    ankle = np.array([[hx + dx, hy + length]])
    knee = knee_on_line(hip, ankle, np.array([fppa]), medial)
    other = np.array([[hx + 140 * medial, hy]])
    return hip, knee, ankle, other


@settings(max_examples=200, deadline=None)
@given(coord, coord, st.floats(-80, 80), st.floats(200, 900), angle, st.sampled_from([-1.0, 1.0]))
def test_fppa_is_exact_and_signed_valgus_positive(hx, hy, dx, length, fppa, medial) -> None:
    hip, knee, ankle, other = leg(hx, hy, dx, length, fppa, medial)
    assert g.fppa_deg(hip, knee, ankle, other)[0] == pytest.approx(fppa, abs=1e-6)


@settings(max_examples=100, deadline=None)
@given(coord, st.floats(-80, 80), st.floats(200, 900), angle, st.floats(0.1, 20), coord)
def test_fppa_is_the_same_from_behind_at_any_scale_and_position(
    hx, dx, length, fppa, scale, shift
) -> None:
    hip, knee, ankle, other = leg(hx, 100, dx, length, fppa, 1.0)
    mirror = np.array([-1.0, 1.0])  # a rear view mirrors the image left-right
    views = [(hip, knee, ankle, other), tuple(p * mirror for p in (hip, knee, ankle, other))]
    views.append(tuple(p * scale + shift for p in (hip, knee, ankle, other)))
    values = [g.fppa_deg(*v)[0] for v in views]
    assert values == pytest.approx([fppa] * 3, abs=1e-6)


def test_fppa_never_wraps_through_straight_and_past_90() -> None:
    fppa = np.linspace(-120, 120, 481)
    hip = np.tile([[0.0, 0.0]], (fppa.size, 1))
    ankle = np.tile([[0.0, 400.0]], (fppa.size, 1))
    knee = knee_on_line(hip, ankle, fppa, 1.0)
    got = g.fppa_deg(hip, knee, ankle, np.tile([[140.0, 0.0]], (fppa.size, 1)))
    assert got == pytest.approx(fppa, abs=1e-6)
    assert np.all(np.diff(got) > 0)  # monotonic: no flip, no wrap


def test_missing_points_give_nan_not_a_number() -> None:
    hip, knee, ankle, other = leg(0, 0, 0, 400, 10, 1)
    knee[0, 0] = np.nan
    assert np.isnan(g.fppa_deg(hip, knee, ankle, other)[0])


@settings(max_examples=100, deadline=None)
@given(st.floats(-30, 30), st.floats(-20, 20), st.sampled_from([-1.0, 1.0]))
def test_hip_adduction_is_femoral_adduction_plus_pelvic_drop(femoral, drop, medial) -> None:
    hip = np.array([[0.0, 0.0]])
    width = 140.0
    other = hip + width * np.array([[medial * np.cos(np.radians(drop)), np.sin(np.radians(drop))]])
    knee = hip + 300 * np.array(
        [[medial * np.sin(np.radians(femoral)), np.cos(np.radians(femoral))]]
    )
    assert g.femoral_adduction_deg(hip, knee, other)[0] == pytest.approx(femoral, abs=1e-9)
    assert g.hip_adduction_deg(hip, knee, other)[0] == pytest.approx(femoral + drop, abs=1e-9)


def test_pelvic_obliquity_and_trunk_lean_signs() -> None:
    left, right = np.array([[600.0, 500.0]]), np.array([[400.0, 520.0]])  # facing, right hip lower
    assert g.pelvic_obliquity_deg(left, right)[0] == pytest.approx(np.degrees(np.arctan(0.1)))
    shoulders_left = (np.array([[620.0, 200.0]]), np.array([[420.0, 200.0]]))  # shifted image +x
    lean = g.trunk_lean_deg(*shoulders_left, left, right)[0]
    assert lean > 0  # towards the subject's left (image right when facing the camera)
    mirrored = [p * [-1, 1] for p in (*shoulders_left, left, right)]
    assert g.trunk_lean_deg(*mirrored)[0] == pytest.approx(lean)  # same from behind


@pytest.mark.parametrize("view", ["frontal", "rear"])
@pytest.mark.parametrize("stance", ["left", "right"])
def test_frame_table_reads_the_subjects_own_sides(view: str, stance: str) -> None:
    ds = single_leg_squat(stance=stance, peak_fppa_deg=14.0, pelvic_drop_deg=4.0)  # type: ignore[arg-type]
    if view == "rear":
        ds = rear_view(ds)
    fm = frame_measures(ds)
    assert fm.view == view
    assert np.nanmax(fm.side("fppa", stance)) == pytest.approx(14.0, abs=1e-6)
    assert np.nanmax(fm.side("pelvic_drop", stance)) == pytest.approx(4.0, abs=1e-6)


def test_fppa_is_withheld_where_the_thigh_points_at_the_camera() -> None:
    fm = frame_measures(double_leg_squat(peak_fppa_deg=(10.0, 4.0), depth_px=300))
    bottom = int(np.argmax(fm.table["depth_pct"]))
    assert np.isnan(fm.table["fppa_left_deg"][bottom])
    assert fm.table["thigh_height_left_ratio"][bottom] < 0.5
    assert np.isfinite(fm.table["kasr"][bottom]) and fm.table["kasr"][bottom] < 1  # knees in


def test_side_view_refuses_frontal_measures() -> None:
    ds = single_leg_squat()
    x = ds["position"].sel(space="x")
    squeezed = ds.copy(deep=True)
    squeezed["position"].loc[{"space": "x"}] = 360 + (x - 360) * 0.05  # everyone edge-on
    fm = frame_measures(squeezed)
    assert fm.view == "sagittal"
    assert fm.table["fppa_left_deg"].isna().all() and fm.table["kasr"].isna().all()
    assert any("frontal-plane measures" in n for n in fm.notes)


def cropped_squat():
    """Double-leg squats filmed with the ankles below the bottom edge of a 1280 px image."""
    t = np.arange(360) / 60
    s = 0.5 * (1 - np.cos(2 * np.pi * t / 3))
    return body(t, hip_y=700 + 150 * s, ankle_y=(1300.0, 1300.0), fppa_deg=(8 * s, 8 * s),
                fps=60, image_size=(720, 1280))  # fmt: skip


def test_a_leg_out_of_the_picture_gets_no_values() -> None:
    fm = frame_measures(cropped_squat())
    t = fm.table
    assert (t["leg_in_frame_left"] == 0).all() and (t["leg_in_frame_right"] == 0).all()
    for col in ("fppa_left_deg", "mkd_right_pct", "knee_shift_left_pct", "kasr", "hip_shift_pct"):
        assert t[col].isna().all(), col
    assert t["depth_pct"].notna().all()  # the reps can still be found
    # the same squat in frame is measured
    inside = frame_measures(double_leg_squat(depth_px=150))
    assert (inside.table["leg_in_frame_left"] == 1).all()
    assert inside.table["fppa_left_deg"].notna().any()
