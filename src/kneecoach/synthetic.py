"""Synthetic pose tracks with known geometry, for the demo and the tests.

:func:`single_leg_squat` draws a person facing the camera doing single-leg
squats on the left leg, in image pixels (x right, y down). The stance knee's
frontal plane projection angle follows ``peak_fppa_deg × depth(t)`` exactly:
the knee is placed half-way along the hip-ankle line and pushed medially by
``L/2 × tan(FPPA/2)``, which makes the hip-knee-ankle deviation exactly FPPA.
Helpers add noise, low-confidence dropouts and left/right label swaps, so each
cleaning step can be tested against a known answer.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.schema import KEYPOINTS, mirror_name
from kneecoach.core.track import from_numpy, log_step

FloatArray = npt.NDArray[np.float64]


def squat_depth(time_s: FloatArray, *, reps: int, duration_s: float) -> FloatArray:
    """0 standing → 1 at the bottom of each rep, smooth (raised cosine)."""
    period = duration_s / reps
    return np.asarray(0.5 * (1 - np.cos(2 * np.pi * time_s / period)), dtype=np.float64)


def knee_on_line(
    hip: FloatArray, ankle: FloatArray, fppa_deg: FloatArray, medial_x: float
) -> FloatArray:
    """Knee placed so the hip-knee-ankle deviation is ``fppa_deg`` towards ``medial_x``."""
    mid = (hip + ankle) / 2
    d = ankle - hip
    length = np.linalg.norm(d, axis=-1, keepdims=True)
    normal = np.stack([-d[..., 1], d[..., 0]], axis=-1) / length
    normal *= np.sign(normal[..., :1] * medial_x)  # point medially (x component sign)
    offset = length / 2 * np.tan(np.radians(fppa_deg)[..., None] / 2)
    return np.asarray(mid + normal * offset, dtype=np.float64)


def single_leg_squat(
    *,
    fps: float = 60.0,
    duration_s: float = 9.0,
    reps: int = 3,
    peak_fppa_deg: float = 14.0,
    image_size: tuple[int, int] = (720, 1280),
    scale_px: float = 1.0,
) -> xr.Dataset:
    """A clean frontal single-leg squat on the left leg with known FPPA.

    The person faces the camera: their left side is on the image right.
    ``peak_fppa_deg`` is the valgus (positive) reached at the bottom of each rep.
    """
    w, h = image_size
    t = np.arange(int(round(duration_s * fps))) / fps
    s = squat_depth(t, reps=reps, duration_s=duration_s)
    k = scale_px * h / 1280
    cx = w / 2
    n = len(t)
    pts: dict[str, FloatArray] = {}

    def put(name: str, x: FloatArray | float, y: FloatArray | float) -> None:
        pts[name] = np.stack(
            np.broadcast_arrays(
                np.asarray(x, float) + np.zeros(n), np.asarray(y, float) + np.zeros(n)
            ),
            axis=-1,
        )

    hip_y = 640 * k + 150 * k * s
    half_hip = 70 * k
    put("left_hip", cx + half_hip, hip_y)
    put("right_hip", cx - half_hip, hip_y - np.tan(np.radians(4 * s)) * 2 * half_hip)
    put("left_ankle", cx + 80 * k, 1160 * k)
    put("left_heel", cx + 84 * k, 1185 * k)
    put("left_foot_index", cx + 95 * k, 1215 * k)
    pts["left_knee"] = knee_on_line(pts["left_hip"], pts["left_ankle"], peak_fppa_deg * s, -1.0)
    # the lifted right leg: thigh forward (foreshortened), shank hanging, foot off the floor
    put("right_knee", cx - 85 * k, hip_y + 150 * k - 40 * k * s)
    put("right_ankle", cx - 95 * k, hip_y + 330 * k - 40 * k * s)
    put("right_heel", cx - 95 * k, hip_y + 350 * k - 40 * k * s)
    put("right_foot_index", cx - 110 * k, hip_y + 375 * k - 40 * k * s)
    sh_y = hip_y - 330 * k
    lean = 10 * k * s
    put("left_shoulder", cx + 105 * k + lean, sh_y)
    put("right_shoulder", cx - 105 * k + lean, sh_y)
    for side, sign in (("left", 1), ("right", -1)):  # hands on the iliac crests
        put(f"{side}_elbow", cx + sign * 165 * k + lean, sh_y + 170 * k)
        put(f"{side}_wrist", cx + sign * 95 * k, hip_y - 20 * k)
        for j, name in enumerate(("pinky", "index", "thumb")):
            put(f"{side}_{name}", cx + sign * (85 - 8 * j) * k, hip_y - (5 + 6 * j) * k)
        put(f"{side}_eye_inner", cx + sign * 12 * k + lean, sh_y - 150 * k)
        put(f"{side}_eye", cx + sign * 22 * k + lean, sh_y - 150 * k)
        put(f"{side}_eye_outer", cx + sign * 32 * k + lean, sh_y - 150 * k)
        put(f"{side}_ear", cx + sign * 50 * k + lean, sh_y - 140 * k)
    put("mouth_left", cx + 15 * k + lean, sh_y - 105 * k)
    put("mouth_right", cx - 15 * k + lean, sh_y - 105 * k)
    put("nose", cx + lean, sh_y - 130 * k)
    position = np.stack([pts[name] for name in KEYPOINTS], axis=1)
    confidence = np.full(position.shape[:2], 0.95)
    ds = from_numpy(
        position, confidence,
        time_s=t, fps=fps, image_size=image_size,
        source_file="synthetic:single_leg_squat", source_software="kneecoach.synthetic",
    )  # fmt: skip
    return log_step(
        ds, "synthetic_single_leg_squat", fps=fps, duration_s=duration_s, reps=reps,
        peak_fppa_deg=peak_fppa_deg, stance="left",
    )  # fmt: skip


def with_noise(ds: xr.Dataset, /, *, sd_px: float, seed: int = 0) -> xr.Dataset:
    """Add white Gaussian noise of ``sd_px`` to every coordinate."""
    rng = np.random.default_rng(seed)
    out = ds.copy()
    out["position"] = ds["position"] + rng.normal(0, sd_px, ds["position"].shape)
    return out


def with_dropout(ds: xr.Dataset, /, *, keypoints: list[str], start: int, stop: int) -> xr.Dataset:
    """Give ``keypoints`` a low confidence (0.05) in frames ``start:stop``."""
    out = ds.copy(deep=True)
    conf = out["confidence"].values
    idx = [list(ds["keypoints"].values).index(k) for k in keypoints]
    conf[start:stop, idx] = 0.05
    out["confidence"] = (out["confidence"].dims, conf)
    return out


def with_swap(ds: xr.Dataset, /, *, start: int, stop: int) -> xr.Dataset:
    """Swap every left/right label in frames ``start:stop`` (as a model error would)."""
    names = [str(k) for k in ds["keypoints"].values]
    order = [names.index(mirror_name(k)) for k in names]
    out = ds.copy(deep=True)
    for var in ("position", "confidence"):
        arr = out[var].values
        axis = out[var].dims.index("keypoints")
        swapped = np.take(arr[start:stop], order, axis=axis)
        arr[start:stop] = swapped
        out[var] = (out[var].dims, arr)
    return out
