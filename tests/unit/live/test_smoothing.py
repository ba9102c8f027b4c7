"""The One Euro filter: causal, still where the input is still, quick where it moves."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from kneecoach.live.smoothing import OneEuroFilter

FPS = 30.0


def _run(values: np.ndarray, **options: float) -> np.ndarray:
    f = OneEuroFilter(**options)
    return np.array([f(v, i / FPS) for i, v in enumerate(values)])


def test_a_constant_stays_constant_and_jitter_shrinks() -> None:
    assert np.allclose(_run(np.full(60, 123.4)), 123.4)
    rng = np.random.default_rng(3)
    still = 200 + rng.normal(0, 2.0, 300)  # a still knee, 2 px of keypoint jitter
    out = _run(still)
    assert np.std(out[30:]) < 0.5 * np.std(still[30:])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.floats(-500, 500), min_size=4, max_size=40), st.integers(1, 3))
def test_it_is_causal_the_future_never_changes_the_past(values: list[float], cut: int) -> None:
    """Each output depends only on the frames up to it (unlike the offline filtfilt)."""
    past = np.array(values)
    k = len(past) - cut
    changed = past.copy()
    changed[k:] += 100.0
    assert np.allclose(_run(past)[:k], _run(changed)[:k])


def test_a_fast_move_lags_little_and_gaps_restart() -> None:
    ramp = np.arange(90) * 10.0  # 300 px/s, a squatting knee at 640×480
    out = _run(ramp)
    assert np.all(np.abs(out[15:] - ramp[15:]) < 10.0)  # under one frame's travel behind
    f = OneEuroFilter()
    f(np.array([0.0, 0.0]), 0.0)
    assert np.isnan(f(np.array([np.nan, 5.0]), 1 / FPS)[0])  # unseen stays unseen
    assert f(np.array([50.0, 5.0]), 2.0)[0] == 50.0  # seen again after a long gap: afresh
