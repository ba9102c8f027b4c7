"""A backend that replays stored keypoints: the whole pipeline runs without a model."""

from __future__ import annotations

import numpy as np
import xarray as xr

from kneecoach.core.schema import KEYPOINTS
from kneecoach.pose.base import Image, PoseResult


class FakePoseEstimator:
    """Return frame *i* of ``track`` on the *i*-th call (NaN frames → no person)."""

    name = "fake"
    note = "keypoints replayed from a stored track"

    def __init__(self, track: xr.Dataset) -> None:
        pos = track["position"].isel(individuals=0).reindex(keypoints=list(KEYPOINTS))
        self._xy = pos.transpose("time", "keypoints", "space").values
        conf = track["confidence"].isel(individuals=0).reindex(keypoints=list(KEYPOINTS))
        self._conf = np.nan_to_num(conf.values, nan=1.0)
        self._i = 0
        self.calls: list[tuple[int, ...]] = []

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Replay the next frame (the image is only recorded, by shape)."""
        self.calls.append(image.shape)
        i, self._i = self._i, self._i + 1
        if i >= len(self._xy) or np.all(np.isnan(self._xy[i])):
            return None
        return PoseResult(self._xy[i].copy(), self._conf[i].copy())

    def close(self) -> None:
        """Nothing to release."""
