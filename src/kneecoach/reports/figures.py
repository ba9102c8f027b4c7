"""Figures (matplotlib, no pyplot global state): data in, ``Figure`` out."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from kneecoach.core.track import positions
from kneecoach.reports.overlay import SIDE_RGB, draw_pose


def _rgb(side: str) -> tuple[float, float, float]:
    r, g, b = SIDE_RGB[side]
    return r / 255, g / 255, b / 255


def cleaning_figure(raw: xr.Dataset, clean: xr.Dataset, /, *, frame: int | None = None) -> Figure:
    """Left: the clean pose at one frame. Right: knee x over time, raw vs clean."""
    t = clean["time"].values
    if frame is None:
        knee_y = positions(clean, "left_knee")[:, 1]
        frame = int(np.nanargmax(knee_y)) if np.isfinite(knee_y).any() else 0
    fig = Figure(figsize=(11, 4.8), layout="constrained")
    ax_img, ax_ts = fig.subplots(1, 2, width_ratios=[1, 2.2])
    w = int(clean.attrs.get("image_width", 720))
    h = int(clean.attrs.get("image_height", 1280))
    canvas = np.full((h, w, 3), 245, dtype=np.uint8)
    xy = clean["position"].isel(individuals=0, time=frame).transpose("keypoints", "space").values
    ax_img.imshow(draw_pose(canvas, xy, [str(k) for k in clean["keypoints"].values]))
    ax_img.set_title(f"clean pose at {t[frame]:.2f} s", fontsize=10)
    ax_img.axis("off")
    for side in ("left", "right"):
        name = f"{side}_knee"
        ax_ts.plot(
            raw["time"].values,
            positions(raw, name)[:, 0],
            ".",
            ms=2.5,
            color=_rgb(side),
            alpha=0.35,
            label=f"{side} knee, raw model output",
        )
        ax_ts.plot(
            t,
            positions(clean, name)[:, 0],
            "-",
            lw=2,
            color=_rgb(side),
            label=f"{side} knee, clean track",
        )
    ax_ts.set_xlabel("time (s)")
    ax_ts.set_ylabel("knee x in the image (px)")
    ax_ts.set_title("left/right swap corrected, gap filled, zero-lag 6 Hz low-pass", fontsize=10)
    ax_ts.legend(fontsize=8, loc="upper right", ncols=2)
    ax_ts.grid(alpha=0.3)
    return fig
