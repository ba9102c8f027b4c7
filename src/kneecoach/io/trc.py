"""``.trc`` marker files: write as Sports2D does, read Sports2D/Pose2Sim/OpenCap ones.

Writing (for Kinovea, OpenSim and Sports2D users): tab-separated, the
five-line OpenSim header, then ``Frame#  Time  X1 Y1 Z1 ...``. Pixel tracks are
written with ``Y = -y`` (Y up, as OpenSim expects) and ``Z = 0``; missing
values are empty fields. Confidences have no place in the format and are not
written (use the CSV or netCDF for them).

Reading: marker names are mapped to kneecoach's (see :mod:`kneecoach.io.markers`);
markers with no counterpart (``Neck``, ``LSmallToe``, anatomical markers) are
dropped and listed in the log. Y up is converted to image-like y down.
A 2D file (all Z zero) keeps X; a 3D file is viewed from the front of the
subject: the horizontal axis along which the hips lie apart becomes x, signed
so the subject's left is on the image right, as a camera facing them sees it.
The file's units (``m``, ``mm``, ``px``) are kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.core.files import write_text
from kneecoach.core.track import effective_fps, from_numpy, log_step
from kneecoach.io.markers import TRC_NAMES, canonical_name


def _fmt(value: float) -> str:
    return "" if not np.isfinite(value) else repr(float(value))


def to_trc_file(ds: xr.Dataset, path: str | Path, /) -> Path:
    """Write the first individual of ``ds`` as a Sports2D-style ``.trc``."""
    path = Path(path)
    keypoints = [str(k) for k in ds["keypoints"].values]
    pos = ds["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    fps = float(ds.attrs["fps"])
    n, m = pos.shape[0], len(keypoints)
    units = ds.attrs.get("units", "px")
    names = [TRC_NAMES[k] for k in keypoints]
    lines = [
        f"PathFileType\t4\t(X/Y/Z)\t{path.name}",
        "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\t"
        "OrigDataStartFrame\tOrigNumFrames",
        f"{fps:g}\t{fps:g}\t{n}\t{m}\t{units}\t{fps:g}\t0\t{n}",
        "Frame#\tTime\t" + "\t\t\t".join(names) + "\t\t",
        "\t\t" + "\t".join(f"X{i}\tY{i}\tZ{i}" for i in range(1, m + 1)),
    ]
    frames = np.asarray(ds["frame"].values)
    times = np.asarray(ds["time"].values)
    for t in range(n):
        fields = [str(int(frames[t]) + 1), repr(float(times[t]))]
        for j in range(m):
            x, y = pos[t, j]
            z = "" if not np.isfinite(x) else "0"
            fields += [_fmt(x), _fmt(-y), z]
        lines.append("\t".join(fields))
    write_text(path, "\n".join(lines) + "\n")
    return path


def _parse_header(lines: list[str], path: Path) -> tuple[float | None, str, list[str]]:
    if len(lines) < 5 or not lines[0].startswith("PathFileType"):
        raise InputError(f"{path}, line 1: not a .trc file (expected 'PathFileType ...')")
    keys = lines[1].split("\t")
    values = lines[2].split("\t")
    header = dict(zip(keys, values, strict=False))
    units = header.get("Units", "").strip() or "m"
    try:
        rate: float | None = float(header.get("DataRate", "nan"))
    except ValueError:
        rate = None
    names = [c.strip() for c in lines[3].split("\t")]
    if len(names) < 3 or names[0] != "Frame#":
        raise InputError(f"{path}, line 4: expected 'Frame#\\tTime\\t<marker>...'")
    markers = [c for c in names[2:] if c]
    if not markers:
        raise InputError(f"{path}, line 4: no marker names")
    return (rate if rate and np.isfinite(rate) and rate > 0 else None), units, markers


def _parse_rows(
    lines: list[str], n_markers: int, path: Path
) -> tuple[npt.NDArray[np.float64], list[int]]:
    """The data rows, and the numbers of the lines shorter than the header (their missing
    fields read as gaps)."""
    width = 2 + 3 * n_markers
    rows = []
    short: list[int] = []
    for lineno, line in enumerate(lines[5:], start=6):
        if not line.strip():
            continue
        fields = line.rstrip("\n").split("\t")
        if len(fields) < width:
            short.append(lineno)
            fields += [""] * (width - len(fields))
        row = []
        for col, text in enumerate(fields[:width]):
            text = text.strip()
            try:
                row.append(float(text) if text else np.nan)
            except ValueError:
                raise InputError(
                    f"{path}, line {lineno}, field {col + 1}: expected a number, got {text!r}"
                ) from None
        rows.append(row)
    if not rows:
        raise InputError(f"{path}: no data rows after the header")
    return np.array(rows), short


def from_trc_file(path: str | Path, /, *, fps: float | None = None) -> xr.Dataset:
    """Read a ``.trc`` file into a track (see the module notes for conventions)."""
    path = Path(path)
    try:
        lines = path.read_text(encoding="utf-8", errors="strict").splitlines()
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a text .trc file ({exc})") from None
    rate, units, markers = _parse_header(lines, path)
    data, short = _parse_rows(lines, len(markers), path)
    keep = [(i, canonical_name(m)) for i, m in enumerate(markers) if canonical_name(m)]
    dropped = [m for m in markers if not canonical_name(m)]
    if not keep:
        raise InputError(f"{path}: none of the markers {markers[:6]}... is a known joint name")
    keypoints = [str(k) for _, k in keep]
    if len(set(keypoints)) != len(keypoints):
        raise InputError(f"{path}: two markers map to the same joint: {keypoints}")
    xyz = np.stack([data[:, 2 + 3 * i : 5 + 3 * i] for i, _ in keep], axis=1)
    xy, plane = _to_image_plane(xyz, keypoints)
    times = data[:, 1]
    if not np.all(np.isfinite(times)):
        raise InputError(f"{path}, line {int(np.argmin(np.isfinite(times))) + 6}: missing Time")
    frame_rate = fps or rate or effective_fps(times)
    ds = from_numpy(
        xy, None,
        time_s=times,
        fps=frame_rate,
        keypoints=keypoints,
        units=units,
        source_file=str(path),
        source_software="trc",
    )  # fmt: skip
    return log_step(
        ds, "from_trc_file", path=str(path), plane=plane, units=units,
        dropped_markers=dropped, fps=frame_rate, short_rows=short[:20], n_short_rows=len(short),
    )  # fmt: skip


def _to_image_plane(
    xyz: npt.NDArray[np.float64], keypoints: list[str]
) -> tuple[npt.NDArray[np.float64], str]:
    """Project ``(time, marker, 3)`` Y-up data to image-like ``(x right, y down)``."""
    y = -xyz[..., 1]
    z = xyz[..., 2]
    if not np.any(np.abs(z[np.isfinite(z)]) > 1e-12):
        return np.stack([xyz[..., 0], y], axis=-1), "2D: x = X, y = -Y"
    axis, sign = 0, 1.0
    if "left_hip" in keypoints and "right_hip" in keypoints:
        li, ri = keypoints.index("left_hip"), keypoints.index("right_hip")
        apart = xyz[:, li] - xyz[:, ri]
        spread = np.nanmedian(np.abs(apart), axis=0)
        axis = 0 if spread[0] >= spread[2] else 2
        sign = 1.0 if np.nanmedian(apart[:, axis]) >= 0 else -1.0
    name = "XZ"[axis // 2]
    x = sign * xyz[..., axis]
    return (
        np.stack([x, y], axis=-1),
        f"3D seen from the subject's front: x = {'+' if sign > 0 else '-'}{name}, y = -Y",
    )
