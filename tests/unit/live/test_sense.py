"""The knee position-sense test on synthetic keypoints with known knee positions: three
still holds, each knee a known distance from its toe; the errors are exact."""

from __future__ import annotations

import numpy as np
import pytest
from tests.fixtures.sense import FPS, Scripted

from kneecoach.live.feedback import LiveTracker
from kneecoach.live.sense import HoldDetector, Trial, score


def test_three_holds_give_three_trials_and_exact_errors() -> None:
    pose = Scripted()
    tracker = LiveTracker(pose, sense=HoldDetector("knee_over_toe"))
    blank = np.zeros((4, 4, 3), dtype=np.uint8)
    finished = [r.sense["trial"] for i in range(len(pose.frames))
                if (r := tracker.process(blank, i / FPS)).sense and r.sense["trial"]]  # fmt: skip
    assert [t["index"] for t in finished] == [1, 2, 3]  # type: ignore[index]
    assert tracker.sense is not None
    trials = tracker.sense.trials
    assert [t.value["left"] for t in trials] == pytest.approx([3.0, 4.0, 2.0], abs=0.1)
    assert [t.value["right"] for t in trials] == pytest.approx([-2.0, -1.0, -3.0], abs=0.1)
    result = score("knee_over_toe", trials)
    assert result.absolute_error["left"] == pytest.approx(3.0, abs=0.1)
    assert result.constant_error["left"] == pytest.approx(3.0, abs=0.1)  # aims inside
    assert result.variable_error["left"] == pytest.approx(1.0, abs=0.1)
    assert result.constant_error["right"] == pytest.approx(-2.0, abs=0.1)  # aims outside
    assert "beyond the measure's noise" in result.text() and "screening test" in result.text()


def test_moving_knees_or_standing_make_no_trial() -> None:
    detector = HoldDetector("knee_over_toe")
    for i in range(150):  # squatted, but the knee never still
        assert detector.update(i / FPS, {"left": 5 * np.sin(i / 3), "right": 0.0}, 20.0) is None
    assert detector.update(5.0, {"left": 1.0, "right": 1.0}, 2.0) is None  # standing up
    assert detector.trials == []


def test_angle_reproduction_scores_against_the_target() -> None:
    trials = [Trial(i, 0, 5, {"left": v, "right": None}) for i, v in enumerate((34, 26, 33), 1)]
    result = score("angle_30", trials)
    assert result.absolute_error["left"] == pytest.approx(11 / 3)
    assert result.constant_error["left"] == pytest.approx(1.0)
    assert result.absolute_error["right"] is None and result.unit == "°"
