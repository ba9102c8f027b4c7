"""Open any keypoint input by its type: ``.nc``, ``.csv``, ``.trc`` or an OpenPose folder."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.io.netcdf import from_netcdf_file
from kneecoach.io.openpose import from_openpose_folder
from kneecoach.io.trc import from_trc_file
from kneecoach.io.wide_csv import from_csv_file

KEYPOINT_SUFFIXES = (".nc", ".csv", ".trc")


def is_keypoint_input(path: str | Path, /) -> bool:
    """``True`` for keypoint files and folders, ``False`` for (presumed) videos."""
    p = Path(path)
    return p.is_dir() or p.suffix.lower() in KEYPOINT_SUFFIXES


def load_keypoints(path: str | Path, /, *, fps: float | None = None) -> xr.Dataset:
    """Read a keypoint file or OpenPose folder into a raw track."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file or folder")
    suffix = p.suffix.lower()
    if p.is_dir():
        return from_openpose_folder(p, fps=fps)
    if suffix == ".trc":
        return from_trc_file(p, fps=fps)
    if suffix == ".csv":
        return from_csv_file(p, fps=fps)
    if suffix == ".nc":
        return from_netcdf_file(p)
    raise InputError(f"{p}: unknown keypoint format {suffix!r}; use .nc, .csv, .trc or a folder")
