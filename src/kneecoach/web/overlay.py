"""What the report page's player draws over the original video, from the analysis's files.

The browser draws the skeleton, the hip-knee-ankle lines and the knee-over-foot picture
itself from the track at the video's current time, so nothing is re-encoded and the page
is ready as soon as tracking ends. These functions turn the analysis's clean track
(``track.nc``, source pixels) and its assessment into the small JSON the script reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kneecoach.assessment.model import Assessment
from kneecoach.core.schema import BROWSER_DRAWN


def track_for_browser(path: Path) -> dict[str, object]:
    """``{"fps", "width", "height", "time_s": [...], "points": {name: [[x, y] | null]}}``:
    the clean track's drawn keypoints, one entry per frame, in source pixels (0.1 px)."""
    from kneecoach.io import from_netcdf_file

    ds = from_netcdf_file(path)
    pos = ds["position"].isel(individuals=0).transpose("time", "keypoints", "space")
    names = [str(k) for k in ds["keypoints"].values]
    points: dict[str, list[list[float] | None]] = {}
    for name in BROWSER_DRAWN:
        if name not in names:
            continue
        xy = np.round(pos.sel(keypoints=name).values[:, :2].astype(float), 1)
        ok = np.isfinite(xy).all(axis=1)
        points[name] = [[float(x), float(y)] if good else None
                        for (x, y), good in zip(xy, ok, strict=True)]  # fmt: skip
    size = [ds.attrs.get(k) for k in ("image_width", "image_height")]
    return {
        "fps": float(ds.attrs["fps"]),
        "width": None if size[0] is None else int(size[0]),
        "height": None if size[1] is None else int(size[1]),
        "time_s": [round(float(t), 4) for t in ds["time"].values],
        "points": points,
    }


def view_model(summary: Assessment) -> dict[str, object]:
    """The scrubber's marks: each side's reps (start, end, reading time) and worst moments."""
    reps = [
        {"side": side, "index": r.index, "start": r.start_time_s, "end": r.end_time_s,
         "at": r.time_s}
        for side, s in summary.sides.items()
        for r in s.reps
        if r.start_time_s is not None and r.end_time_s is not None
    ]  # fmt: skip
    worst = [{"side": m.side, "at": m.time_s, "rep": m.rep, "image": m.image}
             for m in summary.worst_moments]  # fmt: skip
    return {"reps": reps, "worst": worst, "headline": summary.test}
