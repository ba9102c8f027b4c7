"""Landings: a physically impossible depth is never reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from kneecoach.core.errors import InsufficientDataError
from kneecoach.events.reps import MAX_LANDING_DEPTH, landings, segment


def landing_table(drop_legs: float, fps: float = 30) -> pd.DataFrame:
    """Per-frame table of one drop: standing on a box, a fall of ``drop_legs`` leg
    lengths, a crouch of 0.4 leg length, standing up."""
    t = np.arange(int(3 * fps)) / fps
    fall = np.clip((t - 1.0) / 0.3, 0, 1)  # feet fall for 0.3 s from 1 s
    crouch = 0.4 * np.clip(np.sin(np.pi * (t - 1.3) / 0.8), 0, None) * (t > 1.3)
    ankle = 100 * drop_legs * fall
    depth = 100 * (drop_legs * fall + crouch)
    return pd.DataFrame(
        {
            "time_s": t,
            "frame": np.arange(len(t)),
            "ankle_y_left_pct": ankle,
            "ankle_y_right_pct": ankle,
            "depth_pct": depth,
        }
    )


def test_a_landing_from_the_test_box_is_read() -> None:
    table = landing_table(0.35)  # a 28-30 cm box is about a third of a leg length
    found = landings(table, 30)
    assert len(found) == 1
    assert table["depth_pct"][found[0][1]] / 100 <= MAX_LANDING_DEPTH


def test_an_impossibly_deep_landing_is_never_reported() -> None:
    """side_drop_landing_2persons_01 used to report a landing 272% of leg length deep."""
    table = landing_table(2.3)
    implausible: list[float] = []
    assert landings(table, 30, implausible=implausible) == []
    assert implausible and implausible[0] > MAX_LANDING_DEPTH
    with pytest.raises(InsufficientDataError, match=r"dropped 2\d\d% of leg length"):
        segment(table, "drop-jump", fps=30)
