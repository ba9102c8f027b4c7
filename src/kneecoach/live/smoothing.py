"""Causal smoothing for live keypoints: the One Euro filter.

Offline, the track is smoothed with a zero-lag Butterworth run forward and back
(science.md §8), which needs the frames after the one it smooths. Live there are none: each
frame is smoothed from the past only. The One Euro filter (Casiez, Roussel & Vogel 2012,
"1€ Filter: a simple speed-based low-pass filter for noisy input in interactive systems",
CHI '12, https://doi.org/10.1145/2207676.2208639) is a first-order low-pass whose cut-off
rises with the speed of the signal: still, it removes jitter; moving, it lags little.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: The filter's settings for keypoints in pixels (derived: Casiez et al. recommend a
#: min cut-off of about 1 Hz and tuning beta until fast moves do not lag; at 640×480 a
#: squatting knee moves at up to ~300 px/s, and beta 0.05 keeps the lag there under a frame).
MIN_CUTOFF_HZ = 1.0
BETA = 0.05
D_CUTOFF_HZ = 1.0


def _alpha(cutoff_hz: float, dt: float) -> float:
    tau = 1.0 / (2 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt)


@dataclass
class OneEuroFilter:
    """One Euro filter over an array of values (e.g. keypoints × 2), smoothed element-wise.

    A value that is NaN (a keypoint not seen) passes through as NaN and leaves that
    element's state as it was; it restarts from the next seen value after ``reset_s``.
    """

    min_cutoff_hz: float = MIN_CUTOFF_HZ
    beta: float = BETA
    d_cutoff_hz: float = D_CUTOFF_HZ
    #: after a gap this long, an element starts afresh (no smoothing from stale values)
    reset_s: float = 0.5
    _x: FloatArray | None = field(default=None, repr=False)
    _dx: FloatArray | None = field(default=None, repr=False)
    _t: FloatArray | None = field(default=None, repr=False)

    def __call__(self, value: npt.ArrayLike, t: float) -> FloatArray:
        """The smoothed value at time ``t`` (seconds, increasing)."""
        x = np.asarray(value, dtype=np.float64)
        if self._x is None or self._x.shape != x.shape:
            self._x, self._dx = x.copy(), np.zeros_like(x)
            self._t = np.full(x.shape, t)
            return x.copy()
        assert self._dx is not None and self._t is not None
        seen = np.isfinite(x)
        dt = np.where(seen, t - self._t, 0.0)
        fresh = seen & (~np.isfinite(self._x) | (dt > self.reset_s) | (dt <= 0))
        step = seen & ~fresh
        out = np.where(seen, x, np.nan)
        if step.any():
            d = dt[step]
            a_d = np.array([_alpha(self.d_cutoff_hz, v) for v in d])
            dx = (x[step] - self._x[step]) / d
            dx_hat = a_d * dx + (1 - a_d) * self._dx[step]
            cutoff = self.min_cutoff_hz + self.beta * np.abs(dx_hat)
            a = np.array([_alpha(c, v) for c, v in zip(cutoff, d, strict=True)])
            out[step] = a * x[step] + (1 - a) * self._x[step]
            self._dx[step] = dx_hat
        self._dx[fresh] = 0.0
        self._x = np.where(seen, out, self._x)
        self._t = np.where(seen, t, self._t)
        return out
