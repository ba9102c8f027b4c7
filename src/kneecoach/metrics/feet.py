"""Which foot is on the floor, frame by frame, from how the foot moves.

A foot's height in the image is a poor guide to whether it is on the floor:
a camera from slightly above shows the foot placed nearer to it lower in the
image, and a staggered stance puts one foot higher. Motion is a better
guide: a foot on the floor stays still, a free foot moves. The rules (all in
leg lengths, so they do not depend on image size; thresholds derived on the
Pose2Sim balancing trial, whose reference stance phases are in
``shared/media/SOURCES.md``):

* the foot is the mean of the ankle, heel and toe keypoints;
* it is *planted* while it moves slower than :data:`STILL_SPEED` for at
  least :data:`MIN_STILL_S`;
* it *lifts off* when it moves more than :data:`LIFT` from where it was last
  planted and stays that far for :data:`MIN_STILL_S` (a keypoint that jumps
  for a few frames is not a lift); the lift-off is dated back to when that
  motion started;
* it *lands* when it is planted again after coming down (or back where it
  was): a free foot held still in the air is not a landing;
* both feet are taken to be on the floor when the clip starts, unless one
  is more than :data:`RAISED` above the other then (a clip that starts with
  the free foot already up).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.signal import medfilt

from kneecoach.core.runs import true_runs
from kneecoach.core.schema import OTHER, SIDES, Side

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: A foot slower than this (leg lengths per second) is still (derived).
STILL_SPEED = 0.25
#: ...and is planted when still for at least this long (derived).
MIN_STILL_S = 0.15
#: A foot more than this (leg lengths) from where it was planted is off the floor (derived).
LIFT = 0.10
#: A landing: the foot came down at least this fast (leg lengths per second, y down)
#: within :data:`MIN_STILL_S` before it stopped (derived).
DESCENT_SPEED = 0.2
#: A foot this far (leg lengths) above the other when the clip starts is already off
#: the floor (derived: a foot held up with the knee bent hangs about half a leg above
#: the floor; perspective and a staggered stance shift the feet by less, 0.13 in the
#: Pose2Sim balancing trial filmed from slightly above).
RAISED = 0.25


def _filled(x: FloatArray) -> FloatArray:
    return np.asarray(pd.Series(x).interpolate(limit_direction="both").to_numpy(float))


def _median(x: FloatArray, k: int = 5) -> FloatArray:
    return np.asarray(medfilt(x, k) if len(x) >= k else x, dtype=float)


def off_floor(foot: FloatArray, fps: float, *, start_off: bool = False) -> BoolArray:
    """Frames where one foot (``(time, 2)`` x/y in leg lengths, y down) is off the floor.

    ``start_off``: the foot is already off the floor in the first frame, so it
    lands only where it comes down and stops.
    """
    n = len(foot)
    off = np.zeros(n, dtype=bool)
    if n < 3 or not np.isfinite(foot).all(axis=1).any():
        return off  # no foot to follow: taken as on the floor
    f = np.column_stack([_median(_filled(foot[:, i])) for i in (0, 1)])
    vel = np.gradient(f, axis=0) * fps
    moving = np.hypot(vel[:, 0], vel[:, 1])
    speed = _median(moving)  # one noisy frame does not end a stop
    planted = np.zeros(n, dtype=bool)
    for a, b in true_runs(speed < STILL_SPEED):
        if (b - a) / fps >= MIN_STILL_S:
            planted[a:b] = True
    window = max(2, int(round(MIN_STILL_S * fps)))
    # what does not depend on the state below, for every frame at once
    not_planted = np.concatenate([[0], np.cumsum(~planted)])
    ends = np.minimum(np.arange(n) + window, n)
    settled = (not_planted[ends] - not_planted[:n] == 0).tolist()  # planted[t : t + window]
    fell = pd.Series(vel[:, 1]).rolling(window + 1, min_periods=1).max().to_numpy(float)
    came_down = (fell > DESCENT_SPEED).tolist()  # came down fast in the window up to t
    fx, fy, is_planted, speeds = f[:, 0].tolist(), f[:, 1].tolist(), planted.tolist(), moving
    sx, sy = (float(v) for v in np.median(f[: max(2, int(0.1 * fps))], axis=0))
    lifted, known = start_off, not start_off  # known: where the foot was last planted
    for t in range(n):
        away = math.hypot(fx[t] - sx, fy[t] - sy) > LIFT
        if (
            not lifted
            and away
            and all(math.hypot(fx[k] - sx, fy[k] - sy) > LIFT for k in range(t, ends[t]))
        ):
            lifted = True
            s = t
            while s > 0 and speeds[s - 1] >= STILL_SPEED:
                s -= 1
            off[s:t] = True  # the lift started when the foot started moving
        elif lifted and settled[t]:  # stopped, not about to move
            if came_down[t] or (known and not away):
                lifted, sx, sy, known = False, fx[t], fy[t], True
        elif not lifted and is_planted[t]:
            sx, sy = fx[t], fy[t]  # follows a foot that slides or a keypoint that drifts
        off[t] = lifted
    return off


def feet_off(feet: Mapping[Side, FloatArray], fps: float) -> dict[Side, BoolArray]:
    """:func:`off_floor` of both feet (``(time, 2)`` in leg lengths, image axes)."""
    first = {}
    for side in SIDES:
        head = feet[side][: max(2, int(0.1 * fps)), 1]
        first[side] = float(np.median(head[np.isfinite(head)])) if np.isfinite(head).any() else 0.0
    return {
        side: off_floor(feet[side], fps, start_off=first[OTHER[side]] - first[side] > RAISED)
        for side in SIDES
    }


def feet_off_floor(table: pd.DataFrame, fps: float) -> dict[Side, BoolArray]:
    """:func:`feet_off` from the per-frame table's ``foot_x/y_<side>_pct`` columns."""
    nan = np.full((len(table), 2), np.nan)
    feet = {
        side: table[[f"foot_x_{side}_pct", f"foot_y_{side}_pct"]].to_numpy(float) / 100
        if f"foot_x_{side}_pct" in table
        else nan
        for side in SIDES
    }
    return feet_off(feet, fps)
