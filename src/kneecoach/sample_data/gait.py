"""Synthetic gait tracks (running, walking, skating) with exactly known answers.

A person runs or walks on a treadmill, filmed from the front (mirror with
:func:`kneecoach.sample_data.synthetic.rear_view` for a rear view) or from the side, in
image pixels (x right, y down). Feet alternate left, right, left …; every
initial contact, toe-off and midstance is known, and at midstance of each
step the stance knee's FPPA, the other side's pelvic drop and the foot's
lateral offset from the pelvis midline are exactly the requested values
(plus a linear drift per minute, for the fatigue analysis). The noise, gap
and swap helpers of :mod:`kneecoach.sample_data.synthetic` apply unchanged.

Frontal view geometry: the stance foot slides away from the camera (up in the
image) during stance, the swing foot lifts and comes forward (down in the
image) to the next contact, as on a treadmill seen from the front.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.schema import KEYPOINTS, SIDES, Side
from kneecoach.core.track import from_numpy, log_step
from kneecoach.sample_data.synthetic import knee_on_line

FloatArray = npt.NDArray[np.float64]
Pts = dict[str, FloatArray]

HALF_HIP = 70.0  # px at k = 1: the hip keypoints are 140 px apart
FLOOR_Y = 1160.0
HIP_Y = 640.0
#: Each side and the image-x direction of its lateral side, facing the camera.
SIGNS: tuple[tuple[Side, int], ...] = (("left", 1), ("right", -1))


@dataclass(frozen=True)
class GaitTruth:
    """What a synthetic gait track was built with (times in s from the first frame)."""

    contacts: dict[Side, list[float]]
    toe_offs: dict[Side, list[float]]
    midstances: dict[Side, list[float]]
    cadence_spm: float
    stance_s: float


@dataclass(frozen=True)
class SyntheticGait:
    """A synthetic track and its known answers."""

    track: xr.Dataset
    truth: GaitTruth


def _phases(
    t: FloatArray, first: float, stride: float, stance: float
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """(stance?, stance phase 0-1, swing phase 0-1) of one foot per frame."""
    u = t - first
    k = np.floor(u / stride)
    within = u - k * stride
    on = (within < stance) & (u >= 0)
    p = np.clip(within / stance, 0, 1)
    q = np.clip((within - stance) / (stride - stance), 0, 1)
    q = np.where(u < 0, np.clip((u + stride - stance) / (stride - stance), 0, 1), q)
    return on, np.where(on, p, 0.0), np.where(on, 0.0, q)


def _events(
    begin: float, end: float, first: float, stride: float, stance: float
) -> tuple[list[float], list[float], list[float]]:
    starts = np.arange(first, end, stride)
    starts = starts[starts >= begin]
    return (
        [round(float(c), 6) for c in starts],
        [round(float(c + stance), 6) for c in starts if c + stance < end],
        [round(float(c + stance / 2), 6) for c in starts if c + stance / 2 < end],
    )


def treadmill(
    *,
    fps: float = 60.0,
    duration_s: float = 12.0,
    cadence_spm: float = 170.0,
    stance_fraction: float = 0.38,
    view: str = "frontal",
    fppa_deg: tuple[float, float] = (8.0, 3.0),
    pelvic_drop_deg: tuple[float, float] = (6.0, 3.0),
    foot_offset: tuple[float, float] = (0.3, 0.3),
    drift_per_min: float = 0.0,
    offset_drift_per_min: float = 0.0,
    knee_flexion_deg: tuple[float, float] = (15.0, 40.0),
    overstride: float = 0.25,
    lift: float = 0.25,
    start_s: float = 0.25,
    k: float = 1.0,
    image_size: tuple[int, int] = (720, 1280),
    t0: float = 0.0,
) -> SyntheticGait:
    """Treadmill running (or walking, with ``stance_fraction`` ≈ 0.62) with known steps.

    ``fppa_deg``, ``pelvic_drop_deg`` and ``foot_offset`` are (left, right)
    values at midstance of every step of that side; ``drift_per_min`` adds
    that many degrees per minute to FPPA and pelvic drop (and nothing to the
    foot offset; ``offset_drift_per_min`` adds that many hip widths per minute to
    both feet's offsets, so the step width changes by twice it). ``foot_offset``
    is the foot centre's distance from the pelvis midline at contact, in hip
    widths, + on its own side (≤ 0: the foot lands on or across the midline, a
    crossover). A side view gives
    ``knee_flexion_deg`` (at contact, at midstance) and an overstride (heel
    ahead of the pelvis at contact) of ``overstride`` leg lengths instead.
    The left foot lands first, at ``start_s``. ``t0`` starts the clip later in the
    same run (to build a long track in chunks, :func:`long_run`).
    """
    n = int(round(duration_s * fps))
    t = t0 + np.arange(n) / fps
    step = 60.0 / cadence_spm
    stride, stance = 2 * step, stance_fraction * 2 * step
    firsts: dict[Side, float] = {"left": start_s, "right": start_s + step}
    build = _frontal if view in ("frontal", "rear") else _sagittal
    pts = build(t, firsts, stride, stance, k=k, image_size=image_size, fppa=fppa_deg,
                drop=pelvic_drop_deg, offset=foot_offset, drift=drift_per_min,
                offset_drift=offset_drift_per_min, flexion=knee_flexion_deg,
                overstride=overstride, lift=lift)  # fmt: skip
    ds = _assemble(pts, t, fps=fps, image_size=image_size, k=k, side_view=view == "sagittal")
    if view == "rear":
        from kneecoach.sample_data.synthetic import rear_view

        ds = rear_view(ds)
    ev = {s: _events(t0, t0 + duration_s, firsts[s], stride, stance) for s in SIDES}
    truth = GaitTruth(
        contacts={s: ev[s][0] for s in SIDES},
        toe_offs={s: ev[s][1] for s in SIDES},
        midstances={s: ev[s][2] for s in SIDES},
        cadence_spm=cadence_spm,
        stance_s=stance,
    )
    ds = log_step(ds, "synthetic_treadmill", view=view, cadence_spm=cadence_spm,
                  stance_fraction=stance_fraction, fppa_deg=fppa_deg,
                  pelvic_drop_deg=pelvic_drop_deg, foot_offset=foot_offset,
                  drift_per_min=drift_per_min,
                  offset_drift_per_min=offset_drift_per_min)  # fmt: skip
    return SyntheticGait(ds, truth)


def _frontal(
    t: FloatArray, firsts: dict[Side, float], stride: float, stance: float, *, k: float,
    image_size: tuple[int, int], fppa: tuple[float, float], drop: tuple[float, float],
    offset: tuple[float, float], drift: float, lift: float, offset_drift: float = 0.0,
    **_: object,
) -> Pts:  # fmt: skip
    cx = image_size[0] / 2
    n = len(t)
    back = 40 * k  # the stance foot slides this far up the image (away from the camera)
    leg = FLOOR_Y - HIP_Y
    pts: Pts = {}
    hip_y = np.full(n, HIP_Y * k)
    hip_drop = {s: np.zeros(n) for s in SIDES}
    knee_fppa: dict[Side, FloatArray] = {}
    ankle: dict[Side, FloatArray] = {}
    for i, (side, sign) in enumerate(SIGNS):
        on, p, q = _phases(t, firsts[side], stride, stance)
        bump = np.sin(np.pi * p) * on
        hip_y += 0.04 * leg * k * bump  # the pelvis sinks to midstance
        other: Side = "right" if side == "left" else "left"
        value = drop[i] + drift * t / 60
        hip_drop[other] += np.tan(np.radians(value * bump)) * 2 * HALF_HIP * k
        knee_fppa[side] = (fppa[i] + drift * t / 60) * bump
        y_on = FLOOR_Y * k - back * p
        y_off = FLOOR_Y * k - back * (1 - q) - lift * leg * k * np.sin(np.pi * q)
        x = cx + sign * (offset[i] + offset_drift * t / 60) * 2 * HALF_HIP * k
        ankle[side] = np.stack([x, np.where(on, y_on, y_off) - 45 * k], axis=-1)
    for side, sign in SIGNS:
        pts[f"{side}_hip"] = np.stack(
            [np.full(n, cx + sign * HALF_HIP * k), hip_y + hip_drop[side]], axis=-1
        )
    for side, sign in SIGNS:
        a = ankle[side]
        pts[f"{side}_ankle"] = a
        pts[f"{side}_heel"] = a + np.array([0.0, 20 * k])
        pts[f"{side}_foot_index"] = a + np.array([0.0, 45 * k])
        pts[f"{side}_knee"] = knee_on_line(pts[f"{side}_hip"], a, knee_fppa[side], -sign)
    return pts


def _sagittal(
    t: FloatArray, firsts: dict[Side, float], stride: float, stance: float, *, k: float,
    image_size: tuple[int, int], flexion: tuple[float, float], overstride: float, lift: float,
    **_: object,
) -> Pts:  # fmt: skip
    """Side view, the person facing image right, pelvis fixed (treadmill)."""
    cx = image_size[0] / 2
    n = len(t)
    leg = (FLOOR_Y - HIP_Y) * k
    front, rear = overstride * leg, 0.45 * leg
    pts: Pts = {}
    hip_y = np.full(n, HIP_Y * k)
    for side in SIDES:
        on, p, _q = _phases(t, firsts[side], stride, stance)
        hip_y += 0.04 * leg * np.sin(np.pi * p) * on
    for side, sign in SIGNS:
        pts[f"{side}_hip"] = np.stack([np.full(n, cx + 4.0 * sign * k), hip_y], axis=-1)
    for side in SIDES:
        on, p, q = _phases(t, firsts[side], stride, stance)
        swing_x = -rear + (front + rear) * 0.5 * (1 - np.cos(np.pi * q))
        x = cx + np.where(on, front - (front + rear) * p, swing_x)
        y = FLOOR_Y * k - 45 * k - np.where(on, 0.0, lift * leg * np.sin(np.pi * q))
        a = np.stack([x + 20 * k, y], axis=-1)  # the heel is at x
        top = np.where(on, flexion[1], 60.0)  # peak knee flexion: midstance, mid-swing
        bend = flexion[0] + (top - flexion[0]) * np.sin(np.pi * np.where(on, p, q))
        pts[f"{side}_ankle"] = a
        pts[f"{side}_heel"] = a + np.array([-20 * k, 20 * k])
        pts[f"{side}_foot_index"] = a + np.array([40 * k, 40 * k])
        pts[f"{side}_knee"] = knee_on_line(pts[f"{side}_hip"], a, bend, 1.0)
    return pts


def _assemble(
    pts: Pts, t: FloatArray, *, fps: float, image_size: tuple[int, int],
    k: float | FloatArray, side_view: bool,
) -> xr.Dataset:  # fmt: skip
    """Add trunk, arms and head above the hips (``k`` px per unit, per frame); build the track."""
    n = len(t)
    kk = np.broadcast_to(np.asarray(k, dtype=float), (n,))[:, None]

    def at(x: float, y: float) -> FloatArray:
        return np.asarray(np.array([x, y]) * kk, dtype=float)

    hip_mid = (pts["left_hip"] + pts["right_hip"]) / 2
    put: Callable[[str, FloatArray], None] = pts.__setitem__
    half = 6.0 if side_view else 105.0
    for side, sign in SIGNS:
        sh = hip_mid + at(sign * half, -330)
        put(f"{side}_shoulder", sh)
        put(f"{side}_elbow", sh + at(sign * (6 if side_view else 40), 150))
        put(f"{side}_wrist", sh + at(sign * (8 if side_view else 50), 280))
        for j, part in enumerate(("pinky", "index", "thumb")):
            put(f"{side}_{part}", sh + at(sign * (10 + 3 * j), 300))
        head = hip_mid + at(0.0, -480)
        for j, part in enumerate(("eye_inner", "eye", "eye_outer")):
            put(f"{side}_{part}", head + at(sign * (12 + 10 * j), 0.0))
        put(f"{side}_ear", head + at(sign * 50, 10))
        put(f"mouth_{side}", head + at(sign * 15, 45))
    put("nose", hip_mid + at(0.0, -455))
    position = np.stack([pts[name] for name in KEYPOINTS], axis=1)
    assert position.shape == (n, len(KEYPOINTS), 2)
    return from_numpy(
        position, np.full(position.shape[:2], 0.95), time_s=t, fps=fps, image_size=image_size,
        frame=np.round(t * fps).astype(int),
        source_file="synthetic:treadmill", source_software="kneecoach.sample_data.gait",
    )  # fmt: skip


def overground_walk(
    *,
    fps: float = 60.0,
    duration_s: float = 6.0,
    cadence_spm: float = 110.0,
    stance_fraction: float = 0.62,
    speed_m_s: float = 1.2,
    start_m: float = 9.0,
    fppa_deg: tuple[float, float] = (8.0, 3.0),
    pelvic_drop_deg: tuple[float, float] = (5.0, 2.0),
    foot_offset: tuple[float, float] = (0.4, 0.4),
    image_size: tuple[int, int] = (720, 1280),
) -> SyntheticGait:
    """Walking towards a fixed camera (pinhole, lens at 1 m height) with known steps.

    A planted foot stays still in the image while the person grows larger as
    they approach (from ``start_m`` metres away); the swing foot lifts 10 cm
    and lands one step length further. Values are as for :func:`treadmill`.
    """
    n = int(round(duration_s * fps))
    t = np.arange(n) / fps
    w, h = image_size
    f_px, cam_h = 1.2 * h, 1.0
    step = 60.0 / cadence_spm
    stride, stance = 2 * step, stance_fraction * 2 * step
    firsts: dict[Side, float] = {"left": 0.25, "right": 0.25 + step}
    z_pelvis = start_m - speed_m_s * t
    half_hip, leg, foot_h = 0.09, 0.9, 0.08

    def project(x: FloatArray, y: FloatArray, z: FloatArray) -> FloatArray:
        return np.stack([w / 2 + f_px * x / z, h / 2 + f_px * (cam_h - y) / z], axis=-1)

    pelvis_y = np.full(n, leg)
    drop = {s: np.zeros(n) for s in SIDES}
    fppa: dict[Side, FloatArray] = {}
    feet: dict[Side, tuple[FloatArray, FloatArray]] = {}
    for i, side in enumerate(SIDES):
        on, p, q = _phases(t, firsts[side], stride, stance)
        bump = np.sin(np.pi * p) * on
        other: Side = "right" if side == "left" else "left"
        drop[other] += np.tan(np.radians(pelvic_drop_deg[i] * bump)) * 2 * half_hip
        fppa[side] = fppa_deg[i] * bump
        # where the foot lands: 0.3 m in front of the pelvis at each contact of this foot
        k = np.floor((t - firsts[side]) / stride)
        contact_t = firsts[side] + k * stride
        z_land = start_m - speed_m_s * contact_t - 0.3
        z_next = z_land - speed_m_s * stride
        z = np.where(on, z_land, z_land + (z_next - z_land) * 0.5 * (1 - np.cos(np.pi * q)))
        y = foot_h + np.where(on, 0.0, 0.10 * np.sin(np.pi * q))
        feet[side] = (z, y)
    pts: Pts = {}
    scale = f_px / z_pelvis  # px per metre at the pelvis
    for side, sign in SIGNS:
        pts[f"{side}_hip"] = project(np.full(n, sign * half_hip), pelvis_y - drop[side], z_pelvis)
    for side, sign in SIGNS:
        z, y = feet[side]
        x = np.full(n, sign * foot_offset[SIDES.index(side)] * 2 * half_hip)
        ankle = project(x, y, z)
        pts[f"{side}_ankle"] = ankle
        pts[f"{side}_heel"] = project(x, y - 0.06, z + 0.05)
        pts[f"{side}_foot_index"] = project(x, y - 0.06, z - 0.15)
        pts[f"{side}_knee"] = knee_on_line(pts[f"{side}_hip"], ankle, fppa[side], -sign)
    ds = _assemble(pts, t, fps=fps, image_size=image_size, k=scale / 600.0, side_view=False)
    ev = {s: _events(0.0, duration_s, firsts[s], stride, stance) for s in SIDES}
    truth = GaitTruth(
        contacts={s: ev[s][0] for s in SIDES}, toe_offs={s: ev[s][1] for s in SIDES},
        midstances={s: ev[s][2] for s in SIDES}, cadence_spm=cadence_spm, stance_s=stance,
    )  # fmt: skip
    ds = log_step(ds, "synthetic_overground_walk", speed_m_s=speed_m_s, fppa_deg=fppa_deg,
                  pelvic_drop_deg=pelvic_drop_deg, foot_offset=foot_offset)  # fmt: skip
    return SyntheticGait(ds, truth)


def skate_gait(glide_s: float = 0.8) -> dict[str, float]:
    """The :func:`treadmill` settings (``cadence_spm``, ``stance_fraction``, ``lift``) of
    skating strides: glides of ``glide_s``, both skates on the ice for a short push
    (0.15 s) in between, the free skate lifted low."""
    push = 0.15
    return {
        "cadence_spm": 60 / (glide_s + push),
        "stance_fraction": (glide_s + push) / (2 * (glide_s + push))
        + push / (2 * (glide_s + push)),
        "lift": 0.12,
    }


def skating(
    *,
    fps: float = 60.0,
    duration_s: float = 10.0,
    glide_s: float = 0.8,
    fppa_deg: tuple[float, float] = (10.0, 4.0),
    k: float = 1.0,
    image_size: tuple[int, int] = (720, 1280),
) -> SyntheticGait:
    """Skating strides seen from the front: long single-leg glides, left then right.

    Each glide lasts ``glide_s``; the free skate is lifted for all of it and
    both skates are on the ice for a short push (0.15 s) in between (:func:`skate_gait`).
    """
    gait = skate_gait(glide_s)
    return treadmill(
        fps=fps, duration_s=duration_s, cadence_spm=gait["cadence_spm"],
        stance_fraction=gait["stance_fraction"], fppa_deg=fppa_deg, lift=gait["lift"], k=k,
        image_size=image_size,
    )  # fmt: skip


def long_run(
    *, minutes: float, fps: float = 60.0, chunk_s: float = 60.0, **kwargs: Any
) -> Iterator[xr.Dataset]:
    """A long treadmill run as consecutive chunks (same run, continuous in time)."""
    total = minutes * 60
    start = 0.0
    while start < total - 1e-9:
        span = min(chunk_s, total - start)
        yield treadmill(fps=fps, duration_s=span, t0=start, **kwargs).track
        start += span


def with_camera_motion(
    ds: xr.Dataset, /, *, pan_px_per_s: float = 0.0, tilt_px_per_s: float = 0.0,
    zoom_per_s: float = 0.0,
) -> xr.Dataset:  # fmt: skip
    """The camera turning at a steady rate (every keypoint slides across the image) and
    zooming in by ``zoom_per_s`` of the image scale per second about the image centre."""
    out = ds.copy(deep=True)
    t = ds["time"].values - float(ds["time"].values[0])
    shift = np.stack([pan_px_per_s * t, tilt_px_per_s * t], axis=-1)  # (time, space)
    centre = np.array([ds.attrs["image_width"], ds.attrs["image_height"]], dtype=float) / 2
    scale = xr.DataArray(1.0 + zoom_per_s * t, dims="time")
    middle = xr.DataArray(centre, dims="space")
    zoomed = middle + (ds["position"] - middle) * scale
    out["position"] = zoomed + xr.DataArray(shift, dims=("time", "space"))
    return log_step(out, "synthetic_camera_motion", pan_px_per_s=pan_px_per_s,
                    tilt_px_per_s=tilt_px_per_s, zoom_per_s=zoom_per_s)  # fmt: skip
