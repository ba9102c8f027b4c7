"""Single-leg stance holds from foot motion, not foot height (issue 3, gap 1)."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures.assessments import plain

from kneecoach.assessment.detect import detect_test
from kneecoach.assessment.summary import assess
from kneecoach.events import segment
from kneecoach.metrics import frame_measures
from kneecoach.metrics.feet import feet_off_floor, off_floor
from kneecoach.sample_data.synthetic import body

FPS = 30.0


def ramp(t: np.ndarray, up: float, down: float, s: float = 0.3) -> np.ndarray:
    """0 → 1 from ``up`` over ``s`` seconds, back to 0 from ``down - s`` to ``down``."""
    return np.clip((t - up) / s, 0, 1) * np.clip((down - t) / s, 0, 1)


def stance_from_above(tilt_deg: float = 0.0, spike_deg: float = 0.0):
    """Left-leg stance filmed from slightly above: the free (right) foot stands nearer the
    camera, so it looks 60 px *lower* than the left foot while both are down, and when
    lifted by 80 px it is still level with the left foot in the image.

    The pelvis: a steady ``tilt_deg`` (a tilted camera), a 5° drop mid-hold and a
    ``spike_deg`` jolt right after lift-off (the weight shifting onto the stance leg).
    """
    n = int(10 * FPS)
    t = np.arange(n) / FPS
    lift = ramp(t, 2.0, 8.0)
    drop = 5 * np.sin(np.pi * np.clip((t - 2.3) / 5.4, 0, 1))
    drop = drop + spike_deg * np.exp(-(((t - 2.1) / 0.05) ** 2))
    return body(
        t, hip_y=np.full(n, 640.0), ankle_y=(1160.0, 1220.0 - 80 * lift),
        fppa_deg=(0.0, 0.0), pelvic_drop_deg=tilt_deg + drop, fps=FPS,
    )  # fmt: skip


def test_a_lifted_foot_that_looks_level_is_a_hold_on_the_other_leg() -> None:
    fm = frame_measures(stance_from_above())
    # the height rule sees one foot clearly lower while both stand, none during the hold
    diff = np.abs(fm.table["ankle_height_diff_pct"].to_numpy())
    assert diff[:50].min() > 10 and diff[100:200].max() < 5
    (rep,) = segment(fm.table, "single-leg-stance", fps=FPS)
    assert rep.side == "left"
    assert 1.9 <= rep.start / FPS <= 2.1 and 7.75 <= rep.end / FPS <= 8.05
    assert detect_test(fm.table, fps=FPS)[0] == "single-leg-stance"


def test_the_hold_is_read_away_from_its_edges_against_two_footed_standing() -> None:
    fm = frame_measures(stance_from_above(tilt_deg=2.0, spike_deg=9.0))
    assert fm.obliquity_baseline_deg == pytest.approx(2.0, abs=0.05)  # both feet down
    reps = segment(fm.table, "single-leg-stance", fps=FPS)
    s = plain(assess(fm, reps, test="single-leg-stance", sex=None))
    (rep,) = s["sides"]["left"]["reps"]
    assert rep["pelvic_drop_deg"] == pytest.approx(5.0, abs=0.1)  # not the 9° jolt at lift-off
    assert rep["time_s"] == pytest.approx(5.0, abs=0.1)
    assert rep["hold_s"] == pytest.approx(6.0, abs=0.2)
    assert s["sides"]["right"]["reps"] == []


def test_a_free_foot_held_still_in_the_air_is_not_a_landing() -> None:
    n = int(6 * FPS)
    t = np.arange(n) / FPS
    y = 3.2 - 0.3 * np.clip((t - 1) / 0.3, 0, 1)  # lifted at 1 s, then held still
    foot = np.column_stack([np.full(n, 1.0), y])
    off = off_floor(foot, FPS)
    assert not off[: int(0.9 * FPS)].any() and off[int(1.1 * FPS) :].all()


def test_a_keypoint_that_jumps_for_a_few_frames_is_not_a_lift() -> None:
    n = int(4 * FPS)
    foot = np.column_stack([np.full(n, 1.0), np.full(n, 3.2)])
    foot[60:63, 0] += 0.2  # three frames off the foot (a model glitch)
    assert not off_floor(foot, FPS).any()


def test_foot_columns_are_in_leg_lengths_and_feed_the_contact_rule() -> None:
    fm = frame_measures(stance_from_above())
    foot_y = fm.table["foot_y_left_pct"].to_numpy()
    # mean of ankle (1160), heel (+25) and toe (+55), in % of a 520 px leg
    assert foot_y[0] == pytest.approx(100 * (1160 + 80 / 3) / fm.leg_length, abs=0.01)
    off = feet_off_floor(fm.table, FPS)
    assert not off["left"].any() and off["right"][int(3 * FPS) : int(7 * FPS)].all()
