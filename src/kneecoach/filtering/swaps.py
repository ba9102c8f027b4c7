"""Detect and correct left/right label swaps.

Pose models sometimes label the subject's left limbs as right for a run of
frames; raw BlazePose swaps the whole body in frames 41-74 of the Pose2Sim
``cam02`` clip, and flickers in and out of the swap while the legs pass each
other. Two passes:

1. **Whole body, from the facing direction.** With the trunk seen from the
   front or back, the sign of ``(x_left - x_right)`` of shoulders plus hips
   says which way the labels face. A person faces one way between turns, so
   the clip is cut into segments at side-on moments (width below
   ``min_width`` × trunk length for at least ``turn_s``); in each segment the
   sign held by most frames is taken as right and frames with the other sign
   are swapped. Side-on frames inside a segment are decided by continuity
   with the frame before (below).
2. **Legs only, from continuity.** A frame's leg labels are crossed relative
   to the previous (corrected) frame when the crossed distance is under
   ``ratio`` × the straight distance and the difference exceeds ``min_jump`` ×
   trunk length. Runs of crossed leg labels up to ``max_blip_s`` long are
   swapped back; longer runs are left alone (the legs' own evidence is too
   weak to overrule the whole-body pass).

Tracks seen side-on throughout (too few frames wide enough to vote) use the
continuity test for the whole body, with the majority labelling taken as right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.runs import true_runs
from kneecoach.core.schema import mirror_pairs
from kneecoach.core.track import log_step

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

LEGS = tuple(f"left_{j}" for j in ("hip", "knee", "ankle", "heel", "foot_index"))


def _facing(xy: FloatArray, keypoints: list[str]) -> tuple[FloatArray, float]:
    """Per frame ``((x_left - x_right) of shoulders + hips) / (2 × trunk)``; median trunk."""
    idx = {k: i for i, k in enumerate(keypoints)}
    need = ("left_shoulder", "right_shoulder", "left_hip", "right_hip")
    if not all(k in idx for k in need):
        return np.full(len(xy), np.nan), np.nan
    ls, rs, lh, rh = (xy[:, idx[k]] for k in need)
    trunk = np.linalg.norm((ls + rs) / 2 - (lh + rh) / 2, axis=1)
    width = ((ls[:, 0] - rs[:, 0]) + (lh[:, 0] - rh[:, 0])) / 2
    scale = float(np.nanmedian(trunk)) if np.isfinite(trunk).any() else np.nan
    with np.errstate(invalid="ignore", divide="ignore"):
        return width / trunk, scale


def _crossed(
    cur: FloatArray,
    prev: FloatArray,
    li: list[int],
    ri: list[int],
    *,
    ratio: float,
    min_jump: float,
) -> bool:
    """Do the labels of ``cur`` match ``prev`` better when left and right are exchanged?"""
    same = np.linalg.norm(cur[li + ri] - prev[li + ri], axis=-1)
    crossed = np.linalg.norm(cur[li + ri] - prev[ri + li], axis=-1)
    if not (np.isfinite(same).any() and np.isfinite(crossed).any()):
        return False
    s, c = float(np.nanmean(same)), float(np.nanmean(crossed))
    return c < ratio * s and s - c > min_jump


def _continuity(
    xy: FloatArray,
    li: list[int],
    ri: list[int],
    valid: BoolArray,
    *,
    ratio: float,
    min_jump: float,
    fixed: BoolArray | None = None,
) -> BoolArray:
    """Per frame: are the labels crossed relative to the first frame (continuity test)?

    Frames where ``fixed`` is True are trusted as they are: never crossed, and the
    frames after them are compared with them.
    """
    state = False
    out = np.zeros(len(xy), dtype=bool)
    prev = np.full(xy.shape[1:], np.nan)
    for t in np.flatnonzero(valid):
        cur = xy[t].copy()
        if fixed is not None and fixed[t]:
            state = False
        else:
            if state:
                cur[li], cur[ri] = xy[t, ri], xy[t, li]
            if _crossed(cur, prev, li, ri, ratio=ratio, min_jump=min_jump):
                state = not state
        out[t] = state
        if state:
            cur = xy[t].copy()
            cur[li], cur[ri] = xy[t, ri], xy[t, li]
        prev = np.where(np.isfinite(cur), cur, prev)
    return out


def detect_lr_swaps(
    ds: xr.Dataset,
    /,
    *,
    min_width: float = 0.2,
    turn_s: float = 0.25,
    ratio: float = 0.5,
    min_jump: float = 0.1,
    max_blip_s: float = 0.2,
) -> dict[str, BoolArray]:
    """Frames whose labels are swapped: ``{"body": mask, "legs": mask}`` (legs on top of body)."""
    keypoints = [str(k) for k in ds["keypoints"].values]
    xy = ds["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    times = np.asarray(ds["time"].values)
    valid = np.isfinite(xy).any(axis=(1, 2))
    facing, trunk = _facing(xy, keypoints)
    jump = min_jump * (trunk if np.isfinite(trunk) else 1.0)
    wide = np.abs(np.nan_to_num(facing)) >= min_width
    li, ri = mirror_pairs(keypoints)
    if wide.sum() >= 3:
        body = np.zeros(len(xy), dtype=bool)
        side_on = valid & ~wide
        for a, b in _segments(side_on, times, turn_s=turn_s):
            sign = np.sign(facing[a:b][wide[a:b]])
            majority = 1.0 if (sign > 0).sum() >= (sign < 0).sum() else -1.0
            body[a:b] = wide[a:b] & (np.sign(facing[a:b]) != majority)
        # side-on frames inside a segment: by continuity with the corrected frames
        corrected = _apply(xy, body, li, ri)
        cont = _continuity(corrected, li, ri, valid, ratio=ratio, min_jump=jump, fixed=wide)
        body = body ^ (cont & ~wide)
    else:
        body = _continuity(xy, li, ri, valid, ratio=ratio, min_jump=jump)
        if body[valid].sum() > valid.sum() / 2:
            body = ~body & valid
    lli, lri = mirror_pairs(keypoints, LEGS)
    legs = np.zeros(len(xy), dtype=bool)
    if lli:
        crossed = _continuity(_apply(xy, body, li, ri), lli, lri, valid, ratio=ratio, min_jump=jump)
        for a, b in true_runs(crossed):
            if times[b - 1] - times[a] <= max_blip_s:
                legs[a:b] = True
    return {"body": body & valid, "legs": legs & valid}


def _segments(side_on: BoolArray, times: FloatArray, *, turn_s: float) -> list[tuple[int, int]]:
    """Cut ``[0, n)`` at side-on runs lasting at least ``turn_s``."""
    cuts = [(a, b) for a, b in true_runs(side_on) if times[b - 1] - times[a] >= turn_s]
    bounds, start = [], 0
    for a, b in cuts:
        if a > start:
            bounds.append((start, a))
        start = b
    if start < len(times):
        bounds.append((start, len(times)))
    return bounds


def _apply(
    arr: npt.NDArray[Any], mask: BoolArray, li: list[int], ri: list[int]
) -> npt.NDArray[Any]:
    """Copy of ``arr`` (time, keypoints, ...) with left/right exchanged where ``mask``."""
    out = arr.copy()
    rows = np.flatnonzero(mask)[:, None]
    out[rows, li], out[rows, ri] = arr[rows, ri], arr[rows, li]
    return out


def fix_lr_swaps(ds: xr.Dataset, /) -> xr.Dataset:
    """Exchange left/right labels back in the frames :func:`detect_lr_swaps` flags."""
    swaps = detect_lr_swaps(ds)
    keypoints = [str(k) for k in ds["keypoints"].values]
    frames = np.asarray(ds["frame"].values)
    out = ds.copy()
    for group, (li, ri) in (
        ("body", mirror_pairs(keypoints)),
        ("legs", mirror_pairs(keypoints, LEGS)),
    ):
        mask = swaps[group]
        if not mask.any():
            continue
        for var in ("position", "confidence", "interpolated"):
            dims = out[var].dims
            arr = np.moveaxis(out[var].values, dims.index("keypoints"), 1)
            out[var] = (dims, np.moveaxis(_apply(arr, mask, li, ri), 1, dims.index("keypoints")))
    if swaps["body"].any():
        out = _drop_hips(out, swaps["body"])
    report = {
        g: [[int(frames[a]), int(frames[b - 1])] for a, b in true_runs(m)] for g, m in swaps.items()
    }
    return log_step(out, "fix_lr_swaps", swapped_frames=report, hips_dropped_in="body")


def _drop_hips(ds: xr.Dataset, mask: BoolArray) -> xr.Dataset:
    """Mark the hips missing in frames where the model swapped the whole body.

    Relabelling puts knees and ankles back in place, but the model's hips in
    those frames come from a body it took to be facing the other way: on the
    Pose2Sim cam02 reference they are 31-42 px off (other frames: about 15),
    and dropping them cut the stance-leg FPPA error from 9.5° to 6.5° MAE
    (``bench/reference_accuracy.py``). Short runs are filled again by gap
    interpolation from the good frames around them.
    """
    hips = [k for k in ("left_hip", "right_hip") if k in ds["keypoints"]]
    out = ds.copy(deep=True)
    pos = out["position"].loc[{"keypoints": hips}].values
    pos[mask] = np.nan
    out["position"].loc[{"keypoints": hips}] = pos
    return out
