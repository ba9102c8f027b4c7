"""Find where a track jumps from one body to another.

A pose track can switch people: a pose model, or the tool that made an
imported keypoint file, follows someone else for a while. The cleaning steps
must not join the two: gap interpolation would draw a straight line from one
person to the other, and the low-pass filter would blend them. A *jump* is a
pair of consecutive frames with a body (the box around the keypoints) moving
farther than anyone can between them: more than :data:`MAX_JUMP` body heights
per frame, the limit :class:`kneecoach.pose.follow.PersonFollower` uses when
following (a sprinter at 6 m/s moves about 0.1 body height per frame at 30 fps),
or changing height by more than :data:`MAX_GROWTH` per frame. The track is cut
there: nothing is interpolated or filtered across a jump; the gap-filling
step logs the jumps' times (``jumps``) and the quality report names them.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

#: Largest plausible move of the body centre per frame, × body height (as the follower).
MAX_JUMP = 0.25
#: Largest plausible change of body height per frame (ratio; as the follower).
MAX_GROWTH = 1.5
#: Fewest keypoints that make a body box.
MIN_POINTS = 4


def body_boxes(ds: xr.Dataset, /) -> npt.NDArray[np.float64]:
    """``(time, 4)`` box ``x0, y0, x1, y1`` around each frame's keypoints (NaN: too few)."""
    xy = ds["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    finite = np.isfinite(xy).all(axis=2)
    out = np.full((len(xy), 4), np.nan)
    for t in np.flatnonzero(finite.sum(axis=1) >= MIN_POINTS):
        pts = xy[t][finite[t]]
        out[t] = (*pts.min(axis=0), *pts.max(axis=0))
    return out


def find_jumps(ds: xr.Dataset, /) -> list[int]:
    """Rows where the body is too far from (or too unlike) the one in the frame before.

    The frame before is the previous row with a body; across missing rows the
    limits grow with the frames between them (the move by their number, the
    height ratio as in the follower, up to 4 frames).
    """
    boxes = body_boxes(ds)
    times = np.asarray(ds["time"].values, dtype=np.float64)
    fps = float(ds.attrs.get("fps") or 0)
    rows = np.flatnonzero(np.isfinite(boxes).all(axis=1))
    jumps = []
    for a, b in zip(rows[:-1], rows[1:], strict=True):
        frames = max(1.0, round((times[b] - times[a]) * fps)) if fps > 0 else float(b - a)
        h0 = max(boxes[a, 3] - boxes[a, 1], 1.0)
        h1 = max(boxes[b, 3] - boxes[b, 1], 1.0)
        c0, c1 = (boxes[a, :2] + boxes[a, 2:]) / 2, (boxes[b, :2] + boxes[b, 2:]) / 2
        shift = float(np.hypot(*(c1 - c0)))
        growth = MAX_GROWTH ** min(frames, 4)
        if shift > MAX_JUMP * max(h0, h1) * frames or not 1 / growth <= h1 / h0 <= growth:
            jumps.append(int(b))
    return jumps
