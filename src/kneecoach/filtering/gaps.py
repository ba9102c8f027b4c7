"""Fill short gaps; report the long ones."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.runs import true_runs
from kneecoach.core.schema import LOWER_LIMB
from kneecoach.core.track import log_step


def fill_short_gaps(
    x: npt.NDArray[np.float64],
    /,
    *,
    time_s: npt.NDArray[np.float64],
    max_gap_s: float,
    breaks: Sequence[int] = (),
) -> npt.NDArray[np.float64]:
    """Linearly interpolate interior NaN runs whose bracketing samples are ≤ ``max_gap_s`` apart.

    A gap that ends at one of ``breaks`` (rows where the track jumps to another
    body, :mod:`kneecoach.filtering.jumps`) is never filled.
    """
    out = x.copy()
    n = len(x)
    cut = set(breaks)
    for a, b in true_runs(~np.isfinite(x)):
        if a == 0 or b == n or time_s[b] - time_s[a - 1] > max_gap_s + 1e-9:
            continue
        if any(r in cut for r in range(a, b + 1)):
            continue
        out[a:b] = np.interp(time_s[a:b], [time_s[a - 1], time_s[b]], [x[a - 1], x[b]])
    return out


def interpolate_gaps(
    ds: xr.Dataset, /, *, max_gap_s: float, breaks: Sequence[int] = ()
) -> xr.Dataset:
    """Linearly interpolate gaps of at most ``max_gap_s`` seconds, in time.

    Notes
    -----
    The gap length is the time between the valid samples on either side,
    measured on the true timestamps (variable frame rate is handled). Longer
    gaps, and missing data at the start or end, stay NaN. Filled values are
    marked in ``interpolated``; the long gaps of lower-limb keypoints are
    logged with their start and end times. Gaps ending at ``breaks`` (jumps to
    another body) stay NaN.
    """
    times = np.asarray(ds["time"].values, dtype=np.float64)
    before = ds["position"].isnull().any("space")
    filled = xr.apply_ufunc(
        fill_short_gaps,
        ds["position"],
        input_core_dims=[["time"]],
        output_core_dims=[["time"]],
        vectorize=True,
        kwargs={"time_s": times, "max_gap_s": max_gap_s, "breaks": tuple(breaks)},
    ).transpose(*ds["position"].dims)
    after = filled.isnull().any("space")
    out = ds.copy()
    out["position"] = filled
    out["interpolated"] = (ds["interpolated"].astype(bool) | (before & ~after)).astype(np.int8)
    where = {"jumps": [{"time_s": float(times[r]), "frame": int(ds["frame"].values[r])}
                       for r in breaks]} if len(breaks) else {}  # fmt: skip
    return log_step(
        out,
        "interpolate_gaps",
        max_gap_s=max_gap_s,
        values_filled=int((before & ~after).sum()),
        long_gaps=_long_gaps(after, times, min_s=max_gap_s),
        **where,
    )


def _long_gaps(
    missing: xr.DataArray, times: npt.NDArray[np.float64], *, min_s: float
) -> list[dict[str, object]]:
    """Lower-limb gaps still missing after interpolation."""
    gaps: list[dict[str, object]] = []
    for kp in (k for k in LOWER_LIMB if k in missing["keypoints"]):
        miss = np.asarray(missing.sel(keypoints=kp).isel(individuals=0).values)
        for a, b in true_runs(miss):
            if times[b - 1] - times[a] >= min_s or (a == 0 and b == len(miss)):
                gaps.append(
                    {"keypoint": kp, "start_s": float(times[a]), "end_s": float(times[b - 1])}
                )
    return gaps
