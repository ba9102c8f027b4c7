"""Zero-lag low-pass Butterworth filtering of keypoint positions."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import xarray as xr
from scipy.signal import butter, sosfiltfilt

from kneecoach.core.runs import true_runs
from kneecoach.core.track import log_step

#: Winter (2009) correction for a filter run twice (science.md §8): a design of
#: order p run forward and back is -3 dB at fc only if designed at fc / C.
PASSES = 2


def dual_pass_correction(order_per_pass: int) -> float:
    """``C = (2**(1/passes) - 1) ** (1/(2 p))``; 0.802 for a 2nd-order design run twice."""
    return float((2 ** (1 / PASSES) - 1) ** (1 / (2 * order_per_pass)))


def lowpass_1d(
    x: npt.NDArray[np.float64],
    /,
    *,
    fs_hz: float,
    cutoff_hz: float,
    order: int = 4,
    breaks: Sequence[int] = (),
) -> npt.NDArray[np.float64]:
    """Zero-lag Butterworth of effective ``order`` on each NaN-free run of ``x``.

    Notes
    -----
    NaNs are never filled: each contiguous run of finite samples is filtered
    on its own, and runs too short for the filter's edge padding (fewer than
    ``3 × (2 × order/2 + 1)`` samples) are left as they are. A run is also cut
    at ``breaks`` (rows where the track jumps to another body), so that the
    filter never blends two bodies.
    """
    p = max(order // PASSES, 1)
    wn = cutoff_hz / dual_pass_correction(p) / (fs_hz / 2)
    sos = butter(p, wn, btype="low", output="sos")
    padlen = 3 * (2 * len(sos) + 1)
    out = x.copy()
    for start, stop in true_runs(np.isfinite(x)):
        cuts = [start, *sorted(r for r in breaks if start < r < stop), stop]
        for a, b in zip(cuts[:-1], cuts[1:], strict=True):
            if b - a > padlen:
                out[a:b] = sosfiltfilt(sos, x[a:b], padlen=padlen)
    return out


def filter_butterworth(
    ds: xr.Dataset, /, *, cutoff_hz: float, order: int = 4, breaks: Sequence[int] = ()
) -> xr.Dataset:
    """Low-pass every keypoint coordinate with a zero-lag Butterworth.

    The sampling rate is the track's effective ``fps``. A cut-off of 0, or one
    at or above 0.4 × fps (where it would barely filter; science.md §8), leaves
    the track unfiltered and says so in the log.
    """
    fs = float(ds.attrs["fps"])
    if cutoff_hz <= 0 or cutoff_hz / dual_pass_correction(max(order // PASSES, 1)) >= 0.4 * fs:
        reason = "off" if cutoff_hz <= 0 else f"cut-off {cutoff_hz} Hz too close to fps/2"
        return log_step(ds, "filter_butterworth", skipped=reason, fps=fs)
    filtered = xr.apply_ufunc(
        lowpass_1d,
        ds["position"],
        input_core_dims=[["time"]],
        output_core_dims=[["time"]],
        vectorize=True,
        kwargs={"fs_hz": fs, "cutoff_hz": cutoff_hz, "order": order, "breaks": tuple(breaks)},
    ).transpose(*ds["position"].dims)
    out = ds.copy()
    out["position"] = filtered
    return log_step(
        out, "filter_butterworth", cutoff_hz=cutoff_hz, order=order, fps=fs, zero_lag=True
    )
