"""Reps counted from the live hip drop: each once, with its own numbers."""

from __future__ import annotations

import numpy as np
import pytest

from kneecoach.live.feedback import LiveTracker
from kneecoach.live.reps import DOWN_PCT, UP_PCT, RepCounter
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.sample_data.synthetic import double_leg_squat, single_leg_squat


def _feed(depths: list[float | None], over: float = 1.0) -> RepCounter:
    counter = RepCounter()
    for i, d in enumerate(depths):
        counter.update(i / 30, d, {"left": over, "right": None}, {"left": over > 2, "right": False})
    return counter


def test_jitter_at_a_threshold_never_counts_twice() -> None:
    wobble = [0.0, DOWN_PCT + 0.5, DOWN_PCT - 0.5, DOWN_PCT + 0.5, 30.0, UP_PCT + 0.5,
              UP_PCT + 2, 20.0, UP_PCT - 1, UP_PCT + 0.5, UP_PCT - 1, 0.0]  # fmt: skip
    counter = _feed(wobble)
    assert len(counter.reps) == 1 and counter.reps[0].depth_pct == 30.0
    assert not counter.in_rep
    assert _feed([0.0, DOWN_PCT - 0.1, 0.0]).reps == []  # never deep enough: no rep


def test_a_rep_keeps_its_worst_knee_and_time_in_line() -> None:
    counter = _feed([0.0, 15.0, 25.0, 15.0, 3.0], over=4.0)
    (rep,) = counter.reps
    assert rep.worst_knee_over_foot_pct == {"left": 4.0, "right": None}
    assert rep.in_line_share == 0.0  # inside all along
    assert rep.to_json()["worst_knee_over_foot_left_pct"] == 4.0


def test_the_synthetic_sets_are_counted_rep_by_rep() -> None:
    for ds, n in ((single_leg_squat(reps=3), 3), (double_leg_squat(reps=2, depth_px=150), 2)):
        tracker = LiveTracker(FakePoseEstimator(ds))
        blank = np.zeros((4, 4, 3), dtype=np.uint8)
        for t in ds["time"].values:
            tracker.process(blank, float(t))
        assert len(tracker.counter.reps) == n
        assert all(r.depth_pct > 20 for r in tracker.counter.reps)


def test_a_timed_set_counts_only_the_time_held_still() -> None:
    from kneecoach.live.reps import HoldTimer

    timer = HoldTimer(target_s=2.0)
    for i in range(30):  # 1 s still
        timer.update(i / 30, {"left": 40.0, "right": 60.0}, {"left": 1.0, "right": 3.0},
                     {"left": False, "right": True})  # fmt: skip
    for i in range(30, 60):  # 1 s swaying by 10% of leg length: not held
        x = 40.0 + 10 * (i % 2)
        timer.update(i / 30, {"left": x, "right": 60.0}, {"left": 1.0, "right": 1.0},
                     {"left": False, "right": False})  # fmt: skip
    assert 0.9 < timer.held_s < 1.1 and not timer.done
    for i in range(60, 120):  # still again until the target
        timer.update(i / 30, {"left": 40.0, "right": 60.0}, {"left": 1.0, "right": 1.0},
                     {"left": False, "right": False})  # fmt: skip
    assert timer.done and timer.held_s == pytest.approx(2.0, abs=0.05)
    held = timer.to_json()
    assert held["worst_knee_over_foot_right_pct"] == 3.0 and 0 < held["in_line_share"] < 1  # type: ignore[operator]
