"""Judge the camera view (frontal, rear, sagittal, oblique) from the keypoints.

In a frontal or rear view the shoulders and hips are seen at full width; in a
side view they collapse onto each other. The *width ratio* is the median over
frames of (shoulder width + hip width) / 2 divided by the trunk length
(shoulder midpoint to hip midpoint), all measured in the image:

* ≥ 0.45: frontal or rear (facing decided by which side of the image the
  subject's left shoulder and hip are on: image right = facing the camera)
* 0.2 - 0.45: oblique
* < 0.2: sagittal (side)

These cut-offs were set on the project's reference clips (front, ~45°
oblique and side views, see ``tests/integration/app/test_real_clips.py``); they
are a heuristic, not a published threshold, and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr

from kneecoach.core.track import positions

View = Literal["frontal", "rear", "oblique", "sagittal", "unknown"]
FRONTAL_MIN = 0.45
SAGITTAL_MAX = 0.2


@dataclass(frozen=True)
class ViewEstimate:
    """The judged view, the evidence, and how it was judged."""

    view: View
    width_ratio: float | None
    facing_camera_fraction: float | None
    method: str = "keypoint width ratio (heuristic; see kneecoach.quality.view)"


def classify_view(ds: xr.Dataset, /) -> ViewEstimate:
    """Judge the camera view of a clean track (world-unit tracks work too)."""
    need = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    if not all(k in ds["keypoints"] for k in need):
        return ViewEstimate("unknown", None, None)
    ls, rs, lh, rh = (positions(ds, k) for k in need)
    trunk = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    widths = (np.abs(ls[:, 0] - rs[:, 0]) + np.abs(lh[:, 0] - rh[:, 0])) / 2
    ok = np.isfinite(trunk) & np.isfinite(widths) & (trunk > 0)
    if ok.sum() < 3:
        return ViewEstimate("unknown", None, None)
    ratio = float(np.median(widths[ok] / trunk[ok]))
    facing = (ls[ok, 0] - rs[ok, 0]) + (lh[ok, 0] - rh[ok, 0]) > 0
    facing_frac = float(facing.mean())
    view: View
    if ratio >= FRONTAL_MIN:
        view = "frontal" if facing_frac >= 0.5 else "rear"
    elif ratio >= SAGITTAL_MAX:
        view = "oblique"
    else:
        view = "sagittal"
    return ViewEstimate(view, round(ratio, 3), round(facing_frac, 3))
