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

from collections.abc import Sequence
from typing import Literal

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.schema import KEYPOINTS, OTHER, Side, mirror_name
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


def _per_rep(value: float | Sequence[float], time_s: FloatArray, period: float) -> FloatArray:
    """A per-rep value (one number, or one per rep) expanded to every frame."""
    values = np.atleast_1d(np.asarray(value, dtype=np.float64))
    rep = np.minimum((time_s // period).astype(int), len(values) - 1)
    return np.asarray(values[rep], dtype=np.float64)


def body(
    time_s: FloatArray,
    *,
    hip_y: FloatArray,
    ankle_y: tuple[FloatArray | float, FloatArray | float],
    fppa_deg: tuple[FloatArray | float, FloatArray | float],
    pelvic_drop_deg: FloatArray | float = 0.0,
    lifted: Side | None = None,
    fps: float,
    image_size: tuple[int, int] = (720, 1280),
    k: float = 1.0,
    lean_px: FloatArray | float = 0.0,
    free_ankle_y: FloatArray | None = None,
    name: str = "synthetic",
) -> xr.Dataset:
    """A frontal-view person (facing the camera) with exactly known leg geometry.

    ``ankle_y`` and ``fppa_deg`` are (left, right). The subject's left is on
    the image right. ``pelvic_drop_deg`` lowers the side opposite the stance
    leg (the right side when ``lifted`` is ``None`` or ``"right"``). A
    ``lifted`` leg hangs from its hip with the thigh forward, or, with
    ``free_ankle_y``, reaches down with its ankle at that height (a step-down).
    """
    w, _ = image_size
    cx, n = w / 2, len(time_s)
    half_hip = 70 * k
    pts: dict[str, FloatArray] = {}

    def put(key: str, x: FloatArray | float, y: FloatArray | float) -> None:
        xs, ys = np.broadcast_arrays(np.asarray(x, float) + np.zeros(n), np.asarray(y, float))
        pts[key] = np.stack([xs, ys + np.zeros(n)], axis=-1)

    drop = np.tan(np.radians(np.asarray(pelvic_drop_deg, float))) * 2 * half_hip
    stance_side: Side = "right" if lifted == "left" else "left"
    for side, sign in (("left", 1), ("right", -1)):
        low = drop if side != stance_side else 0.0
        put(f"{side}_hip", cx + sign * half_hip, hip_y + low)
    for i, (side, sign) in enumerate((("left", 1), ("right", -1))):
        hip = pts[f"{side}_hip"]
        if side == lifted and free_ankle_y is not None:  # reaching down beside a step
            put(f"{side}_ankle", hip[:, 0] + sign * 25 * k, free_ankle_y)
            put(f"{side}_knee", hip[:, 0] + sign * 15 * k, (hip[:, 1] + free_ankle_y) / 2)
        elif side == lifted:  # thigh forward (foreshortened), shank hanging, foot off the floor
            put(f"{side}_knee", hip[:, 0] + sign * 15 * k, hip[:, 1] + 150 * k)
            put(f"{side}_ankle", hip[:, 0] + sign * 25 * k, hip[:, 1] + 330 * k)
        else:
            put(f"{side}_ankle", cx + sign * 80 * k, ankle_y[i])
            pts[f"{side}_knee"] = knee_on_line(
                hip, pts[f"{side}_ankle"], np.asarray(fppa_deg[i], float) + np.zeros(n), -sign
            )
        ankle = pts[f"{side}_ankle"]
        put(f"{side}_heel", ankle[:, 0] + sign * 4 * k, ankle[:, 1] + 25 * k)
        put(f"{side}_foot_index", ankle[:, 0] + sign * 15 * k, ankle[:, 1] + 55 * k)
    hip_mid = (pts["left_hip"][:, 1] + pts["right_hip"][:, 1]) / 2
    sh_y = hip_mid - 330 * k
    lean = np.asarray(lean_px, float)
    put("left_shoulder", cx + 105 * k + lean, sh_y)
    put("right_shoulder", cx - 105 * k + lean, sh_y)
    for side, sign in (("left", 1), ("right", -1)):  # hands on the iliac crests
        put(f"{side}_elbow", cx + sign * 165 * k + lean, sh_y + 170 * k)
        put(f"{side}_wrist", cx + sign * 95 * k, hip_mid - 20 * k)
        for j, part in enumerate(("pinky", "index", "thumb")):
            put(f"{side}_{part}", cx + sign * (85 - 8 * j) * k, hip_mid - (5 + 6 * j) * k)
        put(f"{side}_eye_inner", cx + sign * 12 * k + lean, sh_y - 150 * k)
        put(f"{side}_eye", cx + sign * 22 * k + lean, sh_y - 150 * k)
        put(f"{side}_eye_outer", cx + sign * 32 * k + lean, sh_y - 150 * k)
        put(f"{side}_ear", cx + sign * 50 * k + lean, sh_y - 140 * k)
    put("mouth_left", cx + 15 * k + lean, sh_y - 105 * k)
    put("mouth_right", cx - 15 * k + lean, sh_y - 105 * k)
    put("nose", cx + lean, sh_y - 130 * k)
    position = np.stack([pts[key] for key in KEYPOINTS], axis=1)
    return from_numpy(
        position, np.full(position.shape[:2], 0.95),
        time_s=time_s, fps=fps, image_size=image_size,
        source_file=f"synthetic:{name}", source_software="kneecoach.sample_data.synthetic",
    )  # fmt: skip


def single_leg_squat(
    *,
    fps: float = 60.0,
    duration_s: float = 9.0,
    reps: int = 3,
    peak_fppa_deg: float | Sequence[float] = 14.0,
    pelvic_drop_deg: float = 4.0,
    stance: Side = "left",
    image_size: tuple[int, int] = (720, 1280),
    scale_px: float = 1.0,
) -> xr.Dataset:
    """Single-leg squats facing the camera with known FPPA and pelvic drop.

    At the bottom of rep *i* the stance knee's FPPA is ``peak_fppa_deg`` (or
    its *i*-th value; valgus positive) and the other side of the pelvis has
    dropped by ``pelvic_drop_deg``; both scale with depth in between.
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    s = squat_depth(t, reps=reps, duration_s=duration_s)
    k = scale_px * image_size[1] / 1280
    fppa = _per_rep(peak_fppa_deg, t, duration_s / reps) * s
    lifted = OTHER[stance]
    ds = body(
        t, hip_y=640 * k + 150 * k * s, ankle_y=(1160 * k, 1160 * k),
        fppa_deg=(fppa, fppa), pelvic_drop_deg=pelvic_drop_deg * s, lifted=lifted,
        fps=fps, image_size=image_size, k=k, lean_px=10 * k * s, name="single_leg_squat",
    )  # fmt: skip
    return log_step(
        ds, "synthetic_single_leg_squat", fps=fps, duration_s=duration_s, reps=reps,
        peak_fppa_deg=peak_fppa_deg, pelvic_drop_deg=pelvic_drop_deg, stance=stance,
    )  # fmt: skip


def double_leg_squat(
    *,
    fps: float = 60.0,
    duration_s: float = 6.0,
    reps: int = 2,
    peak_fppa_deg: tuple[float, float] = (10.0, 4.0),
    depth_px: float = 300.0,
    image_size: tuple[int, int] = (720, 1280),
) -> xr.Dataset:
    """Bilateral squats facing the camera; FPPA (left, right) at the bottom.

    With the default depth the hips come close to knee height at the bottom,
    so the thigh foreshortens there (the FPPA validity trap of science.md §1.1).
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    s = squat_depth(t, reps=reps, duration_s=duration_s)
    ds = body(
        t, hip_y=640 + depth_px * s, ankle_y=(1160.0, 1160.0),
        fppa_deg=(peak_fppa_deg[0] * s, peak_fppa_deg[1] * s), fps=fps,
        image_size=image_size, name="double_leg_squat",
    )  # fmt: skip
    return log_step(ds, "synthetic_double_leg_squat", peak_fppa_deg=peak_fppa_deg, reps=reps)


def drop_landing(
    *,
    fps: float = 120.0,
    peak_fppa_deg: tuple[float, float] = (12.0, 6.0),
    single_leg: Side | None = None,
    box_px: float = 200.0,
    image_size: tuple[int, int] = (720, 1280),
) -> xr.Dataset:
    """A drop from a box: stand 0.5 s, fall, land at 1.0 s, sink 0.25 s, stand up.

    FPPA rises from 0 at contact to ``peak_fppa_deg`` at the deepest point
    (1.25 s) and returns. With ``single_leg`` set, that leg is held up and the
    other lands alone.
    """
    t = np.arange(int(round(2.5 * fps))) / fps
    fall = np.clip((t - 0.5) / 0.5, 0, 1) ** 2  # free-fall-like, contact at t = 1.0 s
    sink = np.where(t >= 1.0, np.sin(np.pi * np.clip((t - 1.0) / 0.5, 0, 1)), 0.0)
    floor = 1160.0
    ankle = floor - box_px * (1 - fall)
    hip_y = ankle - 520 + 140 * sink
    if single_leg is not None:
        hip_y = hip_y - 40 * (t < 1.0)  # nothing special: keeps the lifted foot above the floor
    ds = body(
        t, hip_y=hip_y, ankle_y=(ankle, ankle),
        fppa_deg=(peak_fppa_deg[0] * sink, peak_fppa_deg[1] * sink),
        lifted=single_leg, fps=fps, image_size=image_size, name="drop_landing",
    )  # fmt: skip
    return log_step(ds, "synthetic_drop_landing", peak_fppa_deg=peak_fppa_deg, contact_s=1.0)


def step_down(
    *,
    fps: float = 60.0,
    duration_s: float = 9.0,
    reps: int = 3,
    peak_fppa_deg: float = 12.0,
    stance: Side = "left",
    step_px: float = 160.0,
) -> xr.Dataset:
    """Lateral step-downs facing the camera from a step ``step_px`` high.

    The stance foot stays still on the step; the free foot starts just above
    the step's level and reaches 40% of the step height below it at the
    bottom. The stance knee's FPPA is ``peak_fppa_deg × depth(t)``.
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    s = squat_depth(t, reps=reps, duration_s=duration_s)
    on_step = 1160.0 - step_px
    fppa = peak_fppa_deg * s
    ds = body(
        t, hip_y=on_step - 520 + 150 * s, ankle_y=(on_step, on_step), fppa_deg=(fppa, fppa),
        lifted=OTHER[stance], free_ankle_y=on_step - 20 + 1.4 * step_px * s, fps=fps,
        name="step_down",
    )  # fmt: skip
    return log_step(ds, "synthetic_step_down", peak_fppa_deg=peak_fppa_deg, stance=stance)


def lunge(
    *,
    fps: float = 60.0,
    duration_s: float = 8.0,
    reps: int = 2,
    peak_fppa_deg: float = 10.0,
    front: Side = "right",
) -> xr.Dataset:
    """Forward lunges facing the camera, ``front`` leg forward (the working leg).

    The rear foot stands further from the camera (higher in the image) and the
    rear knee drops towards the floor while the front knee mostly travels
    forward; the front knee's FPPA is ``peak_fppa_deg × depth(t)``.
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    s = squat_depth(t, reps=reps, duration_s=duration_s)
    ankles = {front: 1160.0, OTHER[front]: 1100.0}
    fppa = {front: peak_fppa_deg * s, OTHER[front]: np.zeros_like(s)}
    hip_y = 620 + 200 * s
    ds = body(
        t, hip_y=hip_y, ankle_y=(ankles["left"], ankles["right"]),
        fppa_deg=(fppa["left"], fppa["right"]), fps=fps, name="lunge",
    )  # fmt: skip
    # the rear knee sinks towards the floor (y down) well beyond the hip-ankle midpoint
    rear = f"{OTHER[front]}_knee"
    knee_y = ds["position"].loc[{"keypoints": rear, "space": "y"}]
    ds["position"].loc[{"keypoints": rear, "space": "y"}] = knee_y + 150 * s[:, None]
    return log_step(ds, "synthetic_lunge", peak_fppa_deg=peak_fppa_deg, front=front)


def side_squat(
    *,
    fps: float = 60.0,
    duration_s: float = 6.0,
    reps: int = 2,
    peak_knee_flexion_deg: float = 90.0,
    facing: Literal["left", "right"] = "right",
) -> xr.Dataset:
    """Bilateral squats filmed from the side, with known 2D knee flexion.

    The shank tilts forward about the ankle and the thigh back, symmetric
    about the vertical, so the hip-knee-ankle deviation is
    ``peak_knee_flexion_deg × depth(t)`` exactly and the knee travels
    ``shank × sin(flexion/2)`` ahead of the ankle. ``facing`` is the image
    direction the person faces; both legs overlap.
    """
    t = np.arange(int(round(duration_s * fps))) / fps
    s = squat_depth(t, reps=reps, duration_s=duration_s)
    half = np.radians(peak_knee_flexion_deg * s) / 2
    fwd = 1.0 if facing == "right" else -1.0
    shank = thigh = 260.0
    ankle = np.stack([np.full_like(s, 640.0), np.full_like(s, 1160.0)], axis=-1)
    knee = ankle + np.stack([fwd * shank * np.sin(half), -shank * np.cos(half)], axis=-1)
    hip = knee + np.stack([-fwd * thigh * np.sin(half), -thigh * np.cos(half)], axis=-1)
    shoulder = hip + np.array([fwd * 40.0, -330.0])
    head = shoulder + np.array([fwd * 20.0, -130.0])
    pts = {"hip": hip, "knee": knee, "ankle": ankle, "shoulder": shoulder,
           "heel": ankle + np.array([-fwd * 25.0, 25.0]),
           "foot_index": ankle + np.array([fwd * 120.0, 30.0]),
           "elbow": shoulder + np.array([fwd * 120.0, 40.0]),
           "wrist": shoulder + np.array([fwd * 250.0, 30.0])}  # fmt: skip
    position = np.full((len(t), len(KEYPOINTS), 2), np.nan)
    for i, name in enumerate(KEYPOINTS):
        part = name.split("_", 1)[1] if name.startswith(("left_", "right_")) else "head"
        near = 3.0 if name.startswith("left_") else -3.0  # the two sides almost overlap
        position[:, i] = pts.get(part, head) + np.array([near, 0.0])
    ds = from_numpy(
        position, np.full(position.shape[:2], 0.95), time_s=t, fps=fps, image_size=(1280, 1280),
        source_file="synthetic:side_squat", source_software="kneecoach.sample_data.synthetic",
    )  # fmt: skip
    return log_step(ds, "synthetic_side_squat", peak_knee_flexion_deg=peak_knee_flexion_deg)


def rear_view(ds: xr.Dataset, /) -> xr.Dataset:
    """The same movement filmed from behind: the image is mirrored left-right."""
    out = ds.copy(deep=True)
    width = float(ds.attrs.get("image_width", 0))
    x = out["position"].sel(space="x")
    out["position"].loc[{"space": "x"}] = width - x
    return log_step(out, "synthetic_rear_view")


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
