"""Per-frame gait geometry: feet relative to the pelvis, normalised to the body.

Everything is unit-free so that image size, distance to the camera (which
changes while a person walks towards it) and imported world units do not
matter:

* vertical and fore-aft foot positions in **leg lengths** (hip→knee→ankle,
  the 90th percentile over a moving 1 s window, so it follows the person
  getting closer);
* lateral foot positions in **pelvis widths** (the distance between the hip
  keypoints, moving median over 1 s), measured from the pelvis midline (the
  midpoint of the hips), + towards the foot's own side (science.md §3.2,
  "Implementation").

The foot point is the mean of heel and toe (``foot_index``), or the ankle
where those are missing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from kneecoach.core.schema import SIDES, Side
from kneecoach.core.track import positions
from kneecoach.metrics import geometry as g
from kneecoach.quality.view import View

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class GaitSignals:
    """Foot and pelvis positions of a clean track, as the gait events need them."""

    time_s: FloatArray
    fps: float
    view: View
    leg: FloatArray  # px (or track units) per leg length, per frame
    hip_width: FloatArray  # px per pelvis width, per frame
    pelvis: FloatArray  # (n, 2) hip midpoint
    foot: dict[Side, FloatArray]  # (n, 2) foot centre
    heel: dict[Side, FloatArray]
    toe: dict[Side, FloatArray]
    lateral: dict[Side, FloatArray]  # image-x sign of the subject's side, per frame
    forward: FloatArray  # image-x sign of the direction the person faces (side views)
    trunk_forward_deg: FloatArray  # side views: trunk from vertical, + leaning forward

    @property
    def n(self) -> int:
        """Number of frames."""
        return len(self.time_s)

    def offset(self, side: Side) -> FloatArray:
        """The foot centre's lateral distance from the pelvis midline, + own side, pelvis widths."""
        dx = self.foot[side][:, 0] - self.pelvis[:, 0]
        return np.asarray(self.lateral[side] * dx / self.hip_width, dtype=float)

    def ahead(self, side: Side, point: str = "foot") -> FloatArray:
        """How far a foot point is ahead of the pelvis, in leg lengths (side views)."""
        xy = {"foot": self.foot, "heel": self.heel, "toe": self.toe}[point][side]
        dx = xy[:, 0] - self.pelvis[:, 0]
        return np.asarray(self.forward * dx / self.leg, dtype=float)


def _rolling(x: FloatArray, window: int, how: str) -> FloatArray:
    s = pd.Series(x).rolling(window, center=True, min_periods=1)
    r = s.quantile(0.9) if how == "q90" else s.median()
    out = r.interpolate(limit_direction="both").to_numpy(float)
    return np.asarray(out, dtype=float)


def _mean_of(*arrays: FloatArray) -> FloatArray:
    with np.errstate(invalid="ignore"):
        stacked = np.stack(arrays)
        ok = np.isfinite(stacked).all(axis=-1)
        total = np.where(ok[..., None], stacked, 0.0).sum(axis=0)
        count = ok.sum(axis=0)[:, None]
        return np.asarray(np.where(count > 0, total / np.maximum(count, 1), np.nan), dtype=float)


def gait_signals(ds: xr.Dataset, /, *, view: View) -> GaitSignals:
    """Collect the gait signals of a clean track (any keypoint may be missing: NaN)."""
    names = {str(k) for k in ds["keypoints"].values}
    n = ds.sizes["time"]

    def p(name: str) -> FloatArray:
        return positions(ds, name) if name in names else np.full((n, 2), np.nan)

    fps = float(ds.attrs["fps"])
    window = max(3, int(round(fps)))
    legs = [
        g.segment_length(p(f"{s}_hip"), p(f"{s}_knee"))
        + g.segment_length(p(f"{s}_knee"), p(f"{s}_ankle"))
        for s in SIDES
    ]
    leg = _rolling(np.fmax(legs[0], legs[1]), window, "q90")
    lh, rh = p("left_hip"), p("right_hip")
    width = _rolling(np.abs(lh[:, 0] - rh[:, 0]), window, "median")
    to_left = np.sign(_rolling(lh[:, 0] - rh[:, 0], window, "median"))
    heel = {s: p(f"{s}_heel") for s in SIDES}
    toe = {s: p(f"{s}_foot_index") for s in SIDES}
    foot = {}
    for s in SIDES:
        centre = _mean_of(heel[s], toe[s])
        ankle = p(f"{s}_ankle")
        foot[s] = np.where(np.isfinite(centre), centre, ankle)
    heel = {s: np.where(np.isfinite(heel[s]), heel[s], foot[s]) for s in SIDES}
    toe = {s: np.where(np.isfinite(toe[s]), toe[s], foot[s]) for s in SIDES}
    facing = np.nansum([toe[s][:, 0] - heel[s][:, 0] for s in SIDES], axis=0)
    forward = np.sign(_rolling(facing, window, "median"))
    pelvis = (lh + rh) / 2
    trunk = g.trunk_from_vertical_deg(p("left_shoulder"), p("right_shoulder"), lh, rh, forward)
    return GaitSignals(
        time_s=ds["time"].values.astype(float),
        fps=fps,
        view=view,
        leg=np.where(leg > 0, leg, np.nan),
        hip_width=np.where(width > 0, width, np.nan),
        pelvis=pelvis,
        foot=foot,
        heel=heel,
        toe=toe,
        lateral={"left": to_left, "right": -to_left},
        forward=forward,
        trunk_forward_deg=np.asarray(trunk, dtype=float),
    )
