"""The task gate: what a clip must show before any rep of a movement test is read.

Run before the test is recognised or its reps are found, so that ``--test auto`` never
recognises a test the gate refuses. Each check returns one sentence saying what was seen,
or None. This first part refuses inputs that hold no movement to measure: too short a
clip, and a clip whose frames are all the same pose (a still picture, a frozen video).
"""

from __future__ import annotations

import numpy as np
import xarray as xr

#: The shortest clip a movement test can be read from, seconds (derived: the shortest rep
#: kneecoach reads lasts 0.8 s, events.reps.MIN_REP_SEPARATION_S; a landing takes ~0.5 s).
MIN_CLIP_S = 1.0


def refusal(raw: xr.Dataset, /) -> str | None:
    """Why no movement test can be read from this track (one sentence), or None."""
    return too_short(raw) or frozen(raw)


def too_short(raw: xr.Dataset, /) -> str | None:
    """A clip of fewer than two frames, or shorter than :data:`MIN_CLIP_S`."""
    t = raw["time"].values.astype(float)
    n = t.size
    duration = float(t[-1] - t[0]) if n > 1 else 0.0
    if n >= 2 and duration >= MIN_CLIP_S:
        return None
    frames = f"{n} frame{'s' * (n != 1)}"
    return (
        f"the input holds {frames} ({duration:.2f} s): a movement test needs at least "
        f"{MIN_CLIP_S:g} s of movement; film the whole test, several reps"
    )


def frozen(raw: xr.Dataset, /) -> str | None:
    """Every keypoint at exactly the same place in every frame: no movement was recorded."""
    pos = raw["position"].values
    if pos.shape[0] < 2 or not np.isfinite(pos).any():
        return None
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(np.nanmax(pos, axis=0) - np.nanmin(pos, axis=0))
    if spread > 0:
        return None
    return (
        f"every one of the {pos.shape[0]} frames shows exactly the same pose: a still "
        "picture or a frozen video, not a movement; film the person doing the test"
    )
