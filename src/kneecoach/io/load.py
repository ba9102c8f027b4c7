"""Open any keypoint input by its type: ``.nc``, ``.csv``, ``.trc`` or an OpenPose folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.core.schema import MAX_COORDINATE
from kneecoach.core.track import log_step, read_log
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
    """Read a keypoint file or OpenPose folder into a raw track (impossible positions,
    infinite or beyond :data:`MAX_COORDINATE`, are missing: :func:`without_impossible`)."""
    return without_impossible(_read(Path(path), fps))


def without_impossible(ds: xr.Dataset, /) -> xr.Dataset:
    """``ds`` with every infinite or impossibly large coordinate set missing (NaN), the
    number logged as ``values_impossible`` (another tool's export can hold them)."""
    pos = ds["position"].values
    with np.errstate(invalid="ignore"):
        bad = np.isinf(pos) | (np.abs(pos) > MAX_COORDINATE)
    if not bad.any():
        return ds
    point_bad = bad.any(axis=ds["position"].dims.index("space"), keepdims=True)
    out = ds.copy()
    out["position"] = ds["position"].where(~np.broadcast_to(point_bad, pos.shape))
    return log_step(out, "mask_impossible_positions", max_coordinate=MAX_COORDINATE,
                    values_impossible=int(point_bad.sum()))  # fmt: skip


def reading_notes(ds: xr.Dataset, /) -> list[str]:
    """What reading ``ds`` had to leave out, in words: impossible coordinates
    (:func:`without_impossible`), .trc rows shorter than the header (empty: nothing)."""
    notes = []
    for step in read_log(ds):
        params = step.get("params", {})
        if step["operation"] == "mask_impossible_positions":
            notes.append(
                f"{params['values_impossible']} keypoint positions were infinite or impossibly "
                f"far (beyond {MAX_COORDINATE:g}) and were treated as missing"
            )
        elif step["operation"] == "from_trc_file" and params.get("n_short_rows"):
            lines = ", ".join(map(str, params["short_rows"][:5]))
            n = params["n_short_rows"]
            rows = "1 row of the .trc file is" if n == 1 else f"{n} rows of the .trc file are"
            notes.append(
                f"{rows} shorter than its header (line{'s' * (n != 1)} {lines}"
                f"{', ...' if n > 5 else ''}): the missing values were read as gaps"
            )
    return notes


def _read(p: Path, fps: float | None) -> xr.Dataset:
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
