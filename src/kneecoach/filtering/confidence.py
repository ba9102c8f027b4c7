"""Confidence masking."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.track import log_step


def filter_by_confidence(ds: xr.Dataset, /, *, threshold: float) -> xr.Dataset:
    """Set positions whose confidence is below ``threshold`` to NaN.

    Notes
    -----
    Unknown confidence (NaN, e.g. imported ``.trc`` files) keeps the position:
    only a known low score masks. The number of values masked is logged.
    """
    low = ds["confidence"] < threshold  # NaN compares False: unknown is kept
    was_valid = ds["position"].notnull().all("space")
    masked = int((low & was_valid).sum())
    out = ds.copy()
    out["position"] = ds["position"].where(~low)
    return log_step(out, "filter_by_confidence", threshold=threshold, values_masked=masked)


def person_present(ds: xr.Dataset, /) -> npt.NDArray[np.bool_]:
    """Boolean per frame: at least one keypoint has a position."""
    return np.asarray(ds["position"].notnull().any(("space", "keypoints", "individuals")).values)
