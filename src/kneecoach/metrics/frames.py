"""Every measure for every frame of a clean track, as one table (``frames.csv``).

Columns are named ``<measure>_<left|right>_<unit>`` per side and
``<measure>_<unit>`` for whole-body measures (product.md). A value is NaN
(empty in the CSV) where the camera view or the data cannot support it:

* frontal-plane measures (FPPA, medial knee displacement, knee ratios, pelvic
  drop, hip adduction, trunk lean, hip shift) need a frontal or rear view;
* FPPA, medial knee displacement and the thigh's angles (femoral and hip
  adduction) are also left out while the thigh is foreshortened (hip near
  knee height; science.md §1.1), e.g. at the bottom of a deep squat, where
  raw values swing to −60…−120°: a thigh pointing at the camera has no
  measurable frontal-plane angle;
* sagittal measures (2D knee flexion, knee travel over the toes, the trunk's
  forward lean) need a side or oblique view.

``knee_shift_<side>_pct`` is how far the knee has moved inward (+) relative to
its own ankle since standing on both feet, in % of leg length: the
knee-over-foot measure for squats, where FPPA mixes knee flexion with hip
rotation. It needs a few frames standing on both feet.

``knee_over_foot_<side>_pct`` is how far the knee is horizontally inside (+) or outside
(−) its own foot, in % of leg length: 0 while it is over the span from the midfoot
to the toe (science.md §1.5; :func:`kneecoach.metrics.geometry.knee_over_foot`). It needs
no standing frames; its noise (:data:`KNEE_OVER_FOOT_NOISE_FLOOR_PCT`) is measured on them.

``foot_x/y_<side>_pct`` is the foot (mean of ankle, heel and toe) in % of leg
length, image axes: the input of the foot-contact rules of
:mod:`kneecoach.metrics.feet`. "Standing on both feet" (the baseline of
pelvic drop, knee shift and hip shift) is the hips near their highest and
neither foot off the floor by those rules, so a foot that drifts in the
image or sits lower because it is nearer the camera does not spoil it.

A leg whose hip, knee or ankle lies outside the image (or within
:data:`IN_FRAME_MARGIN` of its edge, where the model piles up the points of a
cut-off limb) gets no values in that frame: the model guesses where it would
be, and a number for a knee that is not in the picture is no measurement.
``leg_in_frame_<side>`` is 1 where the leg is in frame, 0 where it is not
(always 1 when the image size is unknown, as for world-unit imports).

Ratios are unit-free, so imported world-unit tracks work the same way.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from kneecoach.core.schema import OTHER, SIDES, Side
from kneecoach.core.track import positions
from kneecoach.metrics import geometry as g
from kneecoach.metrics.feet import RAISED, feet_off
from kneecoach.quality.view import View, classify_view

FloatArray = npt.NDArray[np.float64]
FRONTAL_VIEWS = ("frontal", "rear")
SAGITTAL_VIEWS = ("sagittal", "oblique")
#: A frame counts as "standing on both feet" for the pelvic-obliquity baseline
#: when the hips are within this share of leg length of their highest position
#: and neither foot is off the floor (:mod:`kneecoach.metrics.feet`) nor held
#: more than :data:`~kneecoach.metrics.feet.RAISED` above the other (derived).
STANDING_TOLERANCE = 0.05
#: A keypoint this close to the image edge (share of the image size) counts as
#: out of frame (derived: the keypoints of a limb cut by the edge collect there).
IN_FRAME_MARGIN = 0.02
#: Confidence multiplier for measures taken in a view that only partly supports them.
OBLIQUE_CONFIDENCE = 0.5
LEG_JOINTS = ("hip", "knee", "ankle")
#: The knee-over-foot offset is called inside the foot only beyond the larger of this
#: and twice its standard deviation while standing on both feet, where it should not
#: change (derived: on the shared front-view squats that SD is 0.4-1.6% of leg length;
#: no published noise exists for this keypoint measure, science.md §1.5).
KNEE_OVER_FOOT_NOISE_FLOOR_PCT = 2.0


@dataclass(frozen=True)
class FrameMeasures:
    """The per-frame table plus what it was computed from."""

    table: pd.DataFrame
    view: View
    leg_length: float
    obliquity_baseline_deg: float | None
    notes: list[str] = field(default_factory=list)
    #: per side, the knee-over-foot offset (% of leg length) this clip cannot tell from noise
    knee_over_foot_noise_pct: dict[str, float] = field(default_factory=dict)
    #: the person's own knee-to-ankle separation ratio standing on both feet (None: not seen)
    kasr_standing: float | None = None

    def side(self, measure: str, side: Side, unit: str = "deg") -> FloatArray:
        """One per-side column as an array, e.g. ``side("fppa", "left")``."""
        return np.asarray(self.table[f"{measure}_{side}_{unit}"].to_numpy(float), dtype=float)


def _pts(ds: xr.Dataset) -> dict[str, FloatArray]:
    names = [str(k) for k in ds["keypoints"].values]
    n = ds.sizes["time"]
    return {
        k: positions(ds, k) if k in names else np.full((n, 2), np.nan)
        for k in (
            *(f"{s}_{j}" for s in SIDES for j in ("shoulder", "hip", "knee", "ankle")),
            *(f"{s}_{j}" for s in SIDES for j in ("heel", "foot_index")),
        )
    }


def _conf(ds: xr.Dataset, names: list[str]) -> FloatArray:
    """Per frame, the lowest confidence of ``names`` (filled-in values count as 0.3 at most)."""
    if not all(k in ds["keypoints"] for k in names):
        return np.full(ds.sizes["time"], np.nan)
    c = ds["confidence"].sel(keypoints=names).isel(individuals=0).values
    interp = ds["interpolated"].sel(keypoints=names).isel(individuals=0).values.astype(bool)
    c = np.where(interp, np.minimum(c, 0.3), c)  # filled values count as uncertain
    out = np.min(np.where(np.isnan(c), 1.0, c), axis=1)  # unknown confidence (imports) = 1
    return np.asarray(out, dtype=float)


def _inside(ds: xr.Dataset, *points: FloatArray) -> npt.NDArray[np.bool_]:
    """Frames where every point lies inside the image, :data:`IN_FRAME_MARGIN` from its edges."""
    n = ds.sizes["time"]
    if "image_width" not in ds.attrs or "image_height" not in ds.attrs:
        return np.ones(n, dtype=bool)
    size = np.array([float(ds.attrs["image_width"]), float(ds.attrs["image_height"])])
    lo, hi = IN_FRAME_MARGIN * size, (1 - IN_FRAME_MARGIN) * size
    ok = np.ones(n, dtype=bool)
    for p in points:
        with np.errstate(invalid="ignore"):
            ok &= np.all((p >= lo) & (p <= hi), axis=1) | np.isnan(p).any(axis=1)
    return ok  # a missing point is NaN already: only a point seen outside blanks a frame


def _fps(ds: xr.Dataset) -> float:
    fps = float(ds.attrs.get("fps") or 0.0)
    if fps > 0:
        return fps
    dt = np.diff(ds["time"].values.astype(float))
    dt = dt[np.isfinite(dt) & (dt > 0)]
    return float(1.0 / np.median(dt)) if dt.size else 30.0


def _foot(p: dict[str, FloatArray], side: Side) -> FloatArray:
    """Mean of the ankle, heel and toe keypoints that are present (image units)."""
    pts = np.stack([p[f"{side}_{k}"] for k in ("ankle", "heel", "foot_index")])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all three missing: NaN
        return np.asarray(np.nanmean(pts, axis=0), dtype=float)


def _percentile(values: FloatArray, q: float) -> float:
    finite = values[np.isfinite(values)]
    return float(np.percentile(finite, q)) if finite.size else float("nan")


def frame_measures(
    ds: xr.Dataset, /, *, min_thigh_height: float = 0.5, view: View | None = None
) -> FrameMeasures:
    """Compute the per-frame table of a clean track."""
    p = _pts(ds)
    view = view or classify_view(ds).view
    frontal, sagittal = view in FRONTAL_VIEWS, view in SAGITTAL_VIEWS
    notes: list[str] = []
    legs = {
        s: g.segment_length(p[f"{s}_hip"], p[f"{s}_knee"])
        + g.segment_length(p[f"{s}_knee"], p[f"{s}_ankle"])
        for s in SIDES
    }
    # the longest projection is the standing leg: the 90th percentile resists outliers
    leg = float(np.nanmax([_percentile(legs[s], 90) for s in SIDES]))
    hip_mid = (p["left_hip"] + p["right_hip"]) / 2
    standing_hip_y = _percentile(hip_mid[:, 1], 5)
    depth = (hip_mid[:, 1] - standing_hip_y) / leg
    ankle_diff = (p["right_ankle"][:, 1] - p["left_ankle"][:, 1]) / leg  # + = left foot higher

    cols: dict[str, FloatArray] = {
        "frame": ds["frame"].values.astype(float),
        "time_s": ds["time"].values.astype(float),
        "depth_pct": 100 * depth,
        "ankle_height_diff_pct": 100 * ankle_diff,
    }
    nan = np.full(len(depth), np.nan)
    obliquity = g.pelvic_obliquity_deg(p["left_hip"], p["right_hip"])
    rate = _fps(ds)
    feet = {s: _foot(p, s) / leg for s in SIDES}
    for s in SIDES:
        cols[f"foot_x_{s}_pct"] = 100 * feet[s][:, 0]
        cols[f"foot_y_{s}_pct"] = 100 * feet[s][:, 1]
    off = feet_off(feet, rate)
    with np.errstate(invalid="ignore"):  # a foot held up, however still, is not standing
        level_feet = np.abs(feet["left"][:, 1] - feet["right"][:, 1]) <= RAISED
    standing = (depth < STANDING_TOLERANCE) & ~off["left"] & ~off["right"] & level_feet
    baseline: float | None = None
    if frontal:
        if standing.sum() >= 5:
            baseline = float(np.nanmedian(obliquity[standing]))
        else:
            notes.append(
                "no frames standing on both feet: pelvic drop is measured against the image "
                "horizontal, so a tilted camera shifts it (film from a level camera, start on "
                "both feet)"
            )
    level = obliquity - (baseline or 0.0)
    view_factor = 1.0 if frontal else OBLIQUE_CONFIDENCE
    # two-legged tests: one pelvis, one signed value (+ = the subject's right hip lower)
    cols["pelvic_obliquity_deg"] = level if frontal else nan
    noise: dict[str, float] = {}
    for s in SIDES:
        o = OTHER[s]
        hip, knee, ankle, other = p[f"{s}_hip"], p[f"{s}_knee"], p[f"{s}_ankle"], p[f"{o}_hip"]
        medial = g.medial_sign(hip, other)
        thigh_height = (knee[:, 1] - hip[:, 1]) / _percentile(knee[:, 1] - hip[:, 1], 90)
        valid = frontal & (thigh_height >= min_thigh_height)
        cols[f"fppa_{s}_deg"] = np.where(valid, g.fppa_deg(hip, knee, ankle, other), np.nan)
        mkd = 100 * g.medial_offset(hip, knee, ankle, other) / leg
        cols[f"mkd_{s}_pct"] = np.where(valid, mkd, np.nan)
        inward = 100 * medial * (knee[:, 0] - ankle[:, 0]) / leg
        base = float(np.nanmedian(inward[standing])) if standing.sum() >= 5 else np.nan
        cols[f"knee_shift_{s}_pct"] = inward - base if frontal else nan
        over = 100 * g.knee_over_foot(knee, ankle, p[f"{s}_foot_index"], hip, other) / leg
        cols[f"knee_over_foot_{s}_pct"] = over if frontal else nan
        if frontal:
            noise[s] = _knee_over_foot_noise(knee, ankle, p[f"{s}_foot_index"], medial, leg,
                                             standing)  # fmt: skip
        cols[f"thigh_height_{s}_ratio"] = thigh_height
        cols[f"ankle_y_{s}_pct"] = 100 * ankle[:, 1] / leg
        cols[f"knee_y_{s}_pct"] = 100 * knee[:, 1] / leg
        drop = level if s == "left" else -level  # the other side's drop while on this leg
        cols[f"pelvic_drop_{s}_deg"] = drop if frontal else nan
        # the thigh's angle is as foreshortened as FPPA: same validity (science.md §1.1)
        femoral = g.femoral_adduction_deg(hip, knee, other)
        adduction = g.hip_adduction_deg(hip, knee, other)
        cols[f"femoral_adduction_{s}_deg"] = np.where(valid, femoral, np.nan)
        cols[f"hip_adduction_{s}_deg"] = np.where(valid, adduction, np.nan)
        cols[f"knee_flexion_{s}_deg"] = g.deviation_deg(hip, knee, ankle) if sagittal else nan
        cols[f"knee_over_toe_{s}_pct"] = (
            _knee_over_toe(knee, ankle, p[f"{s}_heel"], p[f"{s}_foot_index"]) if sagittal else nan
        )
        cols[f"confidence_{s}"] = _conf(ds, [f"{s}_{j}" for j in LEG_JOINTS]) * view_factor
    # the pelvis and trunk measures rest on other keypoints than the leg's
    cols["confidence_pelvis"] = _conf(ds, ["left_hip", "right_hip"]) * view_factor
    cols["confidence_trunk"] = (
        _conf(ds, [f"{s}_{j}" for s in SIDES for j in ("shoulder", "hip")]) * view_factor
    )
    cols["trunk_forward_deg"] = _trunk_forward(p) if sagittal else nan
    if frontal:
        knees = g.separation(p["left_knee"], p["right_knee"])
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["kasr"] = knees / g.separation(p["left_ankle"], p["right_ankle"])
            cols["knee_hip_ratio"] = knees / g.separation(p["left_hip"], p["right_hip"])
            to_left = np.sign(p["left_hip"][:, 0] - p["right_hip"][:, 0])
            ankle_mid = (p["left_ankle"] + p["right_ankle"]) / 2
            width = g.separation(p["left_hip"], p["right_hip"])
            shift = to_left * (hip_mid[:, 0] - ankle_mid[:, 0]) / width
        cols["trunk_lean_deg"] = g.trunk_lean_deg(
            p["left_shoulder"], p["right_shoulder"], p["left_hip"], p["right_hip"]
        )
        base_shift = float(np.nanmedian(shift[standing])) if standing.sum() >= 5 else 0.0
        kasr_standing = _standing_median(cols["kasr"], standing)
        cols["hip_shift_pct"] = 100 * (shift - base_shift)
    else:
        kasr_standing = None
        for c in ("kasr", "knee_hip_ratio", "trunk_lean_deg", "hip_shift_pct"):
            cols[c] = nan
        notes.append(
            f"the camera view looks {view}: frontal-plane measures (knee valgus/FPPA, pelvic "
            "drop, hip adduction) need the camera facing the person's front or back at hip "
            "height"
        )
    _blank_out_of_frame(ds, p, cols)
    table = pd.DataFrame(cols)
    table["frame"] = table["frame"].astype(int)
    return FrameMeasures(table, view, leg, baseline, notes, noise, kasr_standing)


#: Per-side columns that need that leg's hip, knee and ankle in the picture.
LEG_COLUMNS = (
    *("fppa_{s}_deg", "mkd_{s}_pct", "knee_shift_{s}_pct", "femoral_adduction_{s}_deg"),
    "knee_over_foot_{s}_pct",
    *("hip_adduction_{s}_deg", "knee_flexion_{s}_deg", "knee_over_toe_{s}_pct"),
)


def _blank_out_of_frame(
    ds: xr.Dataset, p: dict[str, FloatArray], cols: dict[str, FloatArray]
) -> None:
    """NaN where a measure needs a leg (or both hips) that is out of the picture."""
    legs = {s: _inside(ds, p[f"{s}_hip"], p[f"{s}_knee"], p[f"{s}_ankle"]) for s in SIDES}
    hips = _inside(ds, p["left_hip"], p["right_hip"])
    for s in SIDES:
        cols[f"leg_in_frame_{s}"] = legs[s].astype(float)
        for pattern in LEG_COLUMNS:
            cols[pattern.format(s=s)] = np.where(legs[s], cols[pattern.format(s=s)], np.nan)
        cols[f"pelvic_drop_{s}_deg"] = np.where(hips, cols[f"pelvic_drop_{s}_deg"], np.nan)
    both = legs["left"] & legs["right"]
    for c in ("kasr", "knee_hip_ratio", "hip_shift_pct"):
        cols[c] = np.where(both, cols[c], np.nan)


def _standing_median(values: FloatArray, standing: npt.NDArray[np.bool_]) -> float | None:
    """The median of ``values`` over at least 5 finite frames standing on both feet."""
    still = values[standing & np.isfinite(values)]
    return round(float(np.median(still)), 2) if still.size >= 5 else None


def _trunk_forward(p: dict[str, FloatArray]) -> FloatArray:
    """Side views: the trunk (hip midpoint → shoulder midpoint) from vertical, + leaning
    forward, forward being where the toes point (the median over the clip of toe − heel)."""
    facing = np.nanmedian(
        np.nansum([p[f"{s}_foot_index"][:, 0] - p[f"{s}_heel"][:, 0] for s in SIDES], axis=0)
    )
    forward = np.sign(facing) if np.isfinite(facing) and facing != 0 else np.nan
    return g.trunk_from_vertical_deg(
        p["left_shoulder"], p["right_shoulder"], p["left_hip"], p["right_hip"], forward
    )


def _knee_over_foot_noise(
    knee: FloatArray,
    ankle: FloatArray,
    toe: FloatArray,
    medial: FloatArray,
    leg: float,
    standing: npt.NDArray[np.bool_],
) -> float:
    """What the knee-over-foot offset of one leg cannot tell from noise, % of leg length:
    twice the SD of the knee's position over its midfoot while standing on both feet, at
    least :data:`KNEE_OVER_FOOT_NOISE_FLOOR_PCT` (the floor alone without 5 such frames)."""
    mid = ankle[:, 0] + 0.5 * (toe[:, 0] - ankle[:, 0])
    over_mid = 100 * medial * (knee[:, 0] - mid) / leg
    still = over_mid[standing & np.isfinite(over_mid)]
    spread = 2 * float(np.std(still, ddof=1)) if still.size >= 5 else 0.0
    return round(max(KNEE_OVER_FOOT_NOISE_FLOOR_PCT, spread), 1)


def _knee_over_toe(
    knee: FloatArray, ankle: FloatArray, heel: FloatArray, toe: FloatArray
) -> FloatArray:
    """Knee's horizontal travel past the toes, + ahead, in % of shank length."""
    forward = np.sign(np.nanmedian(toe[:, 0] - heel[:, 0]))
    shank = g.segment_length(knee, ankle)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(100 * forward * (knee[:, 0] - toe[:, 0]) / shank, dtype=float)
