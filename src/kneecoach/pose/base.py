"""The ``PoseEstimator`` interface: one image in, keypoints and confidences out.

A backend turns one RGB image into keypoint positions (pixels of that image)
and per-keypoint confidences, in the canonical keypoint order of
:data:`kneecoach.core.schema.KEYPOINTS`. Backends are created by name through
:mod:`kneecoach.pose.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class PoseResult:
    """One person's pose in one image: ``xy`` is ``(K, 2)`` pixels, ``confidence`` ``(K,)``."""

    xy: FloatArray
    confidence: FloatArray

    def bbox(self, *, min_confidence: float = 0.3) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of the keypoints at or above ``min_confidence``."""
        ok = self.confidence >= min_confidence
        pts = self.xy[ok] if ok.sum() >= 4 else self.xy
        x0, y0 = np.nanmin(pts, axis=0)
        x1, y1 = np.nanmax(pts, axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def shifted(self, dx: float, dy: float) -> PoseResult:
        """The same pose in a frame whose origin is ``(-dx, -dy)`` from this one."""
        return PoseResult(self.xy + np.array([dx, dy]), self.confidence)


class PoseEstimator(Protocol):
    """What every backend provides."""

    name: str

    @property
    def note(self) -> str:
        """One sentence on whom the backend followed (shown to the user and logged)."""
        ...

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Pose of the followed person in ``image`` (RGB, ``(h, w, 3)``), or ``None``."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...
