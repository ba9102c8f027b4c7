"""The pose track: the one data model every stage after pose estimation uses.

A track is an :class:`xarray.Dataset` laid out as a ``movement`` poses dataset,
so researchers can hand it straight to that ecosystem:

========================  ===============================================
``position``              (time, space, keypoints, individuals), float64;
                          pixels, x right and y down as in the image
                          (``units`` attr ``"m"`` for imported world data,
                          converted to the same image-like frame)
``confidence``            (time, keypoints, individuals), 0-1, NaN unknown
``interpolated``          (time, keypoints, individuals), int8: 1 where a
                          value was filled by gap interpolation
coords                    ``time`` (s from the first frame of the source,
                          true per-frame timestamps), ``frame`` (0-based
                          source frame index, along time), ``space`` (x, y),
                          ``keypoints`` (canonical names, subject's left/
                          right), ``individuals``
attrs                     ``ds_type="poses"``, ``fps`` (effective rate),
                          ``time_unit="seconds"``, ``source_file``,
                          ``source_software``, ``units``, ``image_width``/
                          ``image_height`` (px; absent for world data),
                          ``schema``, ``log`` (JSON list of every
                          processing step)
========================  ===============================================

Missing data is NaN by policy: a keypoint that was not detected, or was
masked for low confidence, is NaN in ``position``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.core.schema import KEYPOINTS

SCHEMA = "kneecoach.track/1"
FloatArray = npt.NDArray[np.float64]


def from_numpy(
    position: npt.ArrayLike,
    confidence: npt.ArrayLike | None = None,
    /,
    *,
    time_s: npt.ArrayLike,
    fps: float,
    keypoints: tuple[str, ...] | list[str] = KEYPOINTS,
    frame: npt.ArrayLike | None = None,
    image_size: tuple[int, int] | None = None,
    units: str = "px",
    source_file: str = "",
    source_software: str = "",
    individual: str = "subject",
) -> xr.Dataset:
    """Build and validate a track from arrays.

    Parameters
    ----------
    position
        Shape ``(time, keypoints, 2)``: x, y per keypoint per frame.
    confidence
        Shape ``(time, keypoints)``; ``None`` means unknown (NaN).
    time_s
        Per-frame timestamps in seconds (strictly increasing).
    fps
        Effective frame rate (frames per second), > 0.
    image_size
        ``(width, height)`` in pixels, or ``None`` for world coordinates.
    """
    pos = np.asarray(position, dtype=np.float64)
    n_time = pos.shape[0] if pos.ndim == 3 else 0
    conf = (
        np.full(pos.shape[:2], np.nan)
        if confidence is None
        else np.asarray(confidence, dtype=np.float64)
    )
    times = np.asarray(time_s, dtype=np.float64)
    frames = np.arange(n_time) if frame is None else np.asarray(frame, dtype=np.int64)
    problems = []
    if pos.ndim != 3 or pos.shape[1:] != (len(keypoints), 2):
        problems.append(f"position: expected shape (time, {len(keypoints)}, 2), got {pos.shape}")
    if conf.shape != pos.shape[:2]:
        problems.append(f"confidence: expected shape {pos.shape[:2]}, got {conf.shape}")
    if times.shape != (n_time,) or frames.shape != (n_time,):
        problems.append(f"time_s and frame: expected {n_time} values each")
    elif n_time > 1 and not np.all(np.diff(times) > 0):
        problems.append("time_s: timestamps must be strictly increasing")
    if not np.isfinite(fps) or fps <= 0:
        problems.append(f"fps: expected a positive frame rate, got {fps}")
    unknown = [k for k in keypoints if k not in KEYPOINTS]
    if unknown:
        problems.append(f"keypoints: unknown names {unknown}")
    if problems:
        raise InputError("invalid pose track: " + "; ".join(problems))
    attrs: dict[str, Any] = {
        "schema": SCHEMA,
        "ds_type": "poses",
        "fps": float(fps),
        "time_unit": "seconds",
        "units": units,
        "source_file": source_file,
        "source_software": source_software,
        "log": "[]",
    }
    if image_size is not None:
        attrs["image_width"], attrs["image_height"] = int(image_size[0]), int(image_size[1])
    return xr.Dataset(
        {
            "position": (("time", "space", "keypoints", "individuals"),
                         pos.transpose(0, 2, 1)[..., np.newaxis]),
            "confidence": (("time", "keypoints", "individuals"), conf[..., np.newaxis]),
            "interpolated": (("time", "keypoints", "individuals"),
                             np.zeros(conf.shape + (1,), dtype=np.int8)),
        },
        coords={
            "time": times,
            "frame": ("time", frames),
            "space": ["x", "y"],
            "keypoints": list(keypoints),
            "individuals": [individual],
        },
        attrs=attrs,
    )  # fmt: skip


def validate_track(ds: xr.Dataset) -> None:
    """Raise :class:`InputError` listing everything wrong with a track."""
    problems = []
    for var, dims in {
        "position": ("time", "space", "keypoints", "individuals"),
        "confidence": ("time", "keypoints", "individuals"),
    }.items():
        if var not in ds:
            problems.append(f"missing variable {var!r}")
        elif ds[var].dims != dims:
            problems.append(f"{var}: expected dims {dims}, got {ds[var].dims}")
    for attr in ("fps", "source_file", "units", "log"):
        if attr not in ds.attrs:
            problems.append(f"missing attribute {attr!r}")
    if "time" in ds.coords and ds.sizes["time"] > 1:
        times = np.asarray(ds["time"].values, dtype=np.float64)
        if not np.all(np.diff(times) > 0):  # as every other importer refuses them
            problems.append("time: timestamps must be strictly increasing")
    if problems:
        raise InputError("not a kneecoach pose track: " + "; ".join(problems))


def log_step(ds: xr.Dataset, operation: str, /, **params: Any) -> xr.Dataset:
    """Return ``ds`` with ``{operation, params, datetime}`` appended to its log."""
    entries = read_log(ds)
    entries.append(
        {
            "operation": operation,
            "params": params,
            "datetime": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )
    out = ds.copy()
    out.attrs = {**ds.attrs, "log": json.dumps(entries, default=_json_default)}
    return out


def read_log(ds: xr.Dataset) -> list[dict[str, Any]]:
    """The provenance log of a track as a list of dicts."""
    entries: list[dict[str, Any]] = json.loads(ds.attrs.get("log", "[]"))
    return entries


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def positions(ds: xr.Dataset, keypoint: str, /) -> FloatArray:
    """``(time, 2)`` array of one keypoint's x, y for the first individual."""
    arr = ds["position"].isel(individuals=0).sel(keypoints=keypoint).transpose("time", "space")
    return np.asarray(arr.values, dtype=np.float64)


def effective_fps(time_s: npt.ArrayLike) -> float:
    """Frames per second implied by timestamps: ``(n - 1) / (t_last - t_first)``."""
    t = np.asarray(time_s, dtype=np.float64)
    if t.size < 2 or t[-1] <= t[0]:
        raise InputError("cannot work out a frame rate from fewer than 2 distinct timestamps")
    return float((t.size - 1) / (t[-1] - t[0]))
