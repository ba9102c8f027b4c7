"""Wide CSV: one row per frame, spreadsheet-friendly.

Columns: ``frame``, ``time_s``, then per keypoint ``<keypoint>_x_<unit>``,
``<keypoint>_y_<unit>`` and ``<keypoint>_confidence`` (unit ``px`` or ``m``).
Missing values are empty cells. Numbers are written with Python's shortest
round-trip representation, so positions and confidences survive a round trip
exactly; the frame rate is recovered from the timestamps.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.core.files import replacing
from kneecoach.core.schema import KEYPOINTS
from kneecoach.core.track import effective_fps, from_numpy, log_step

_POS = re.compile(r"^(?P<kp>[a-z_]+)_(?P<axis>[xy])_(?P<unit>[a-z]+)$")


def to_csv_file(ds: xr.Dataset, path: str | Path, /) -> Path:
    """Write the first individual of ``ds`` as a wide CSV."""
    unit = ds.attrs.get("units", "px")
    pos = ds["position"].isel(individuals=0)
    conf = ds["confidence"].isel(individuals=0)
    columns: dict[str, npt.NDArray[Any]] = {
        "frame": np.asarray(ds["frame"].values),
        "time_s": np.asarray(ds["time"].values),
    }
    for kp in ds["keypoints"].values:
        columns[f"{kp}_x_{unit}"] = pos.sel(keypoints=kp, space="x").values
        columns[f"{kp}_y_{unit}"] = pos.sel(keypoints=kp, space="y").values
        columns[f"{kp}_confidence"] = conf.sel(keypoints=kp).values
    path = Path(path)
    with replacing(Path(path)) as part:
        pd.DataFrame(columns).to_csv(part, index=False)
    return path


def from_csv_file(path: str | Path, /, *, fps: float | None = None) -> xr.Dataset:
    """Read a wide CSV written by :func:`to_csv_file` (or laid out the same way)."""
    path = Path(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}: the file is empty") from None
    missing = [c for c in ("frame", "time_s") if c not in table.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {missing}; expected frame, time_s, ...")
    keypoints, unit = _keypoint_columns(list(table.columns), path)
    if table.empty:
        raise InputError(f"{path}: no data rows")
    numbers = _numeric(table, path)
    n = len(numbers)
    pos = np.full((n, len(keypoints), 2), np.nan)
    conf = np.full((n, len(keypoints)), np.nan)
    for j, kp in enumerate(keypoints):
        for a, axis in enumerate("xy"):
            col = f"{kp}_{axis}_{unit}"
            if col not in numbers:
                raise InputError(f"{path}: column {col!r} is missing (its x column is there)")
            pos[:, j, a] = numbers[col].to_numpy()
        if f"{kp}_confidence" in numbers:
            conf[:, j] = numbers[f"{kp}_confidence"].to_numpy()
    times = numbers["time_s"].to_numpy()
    ds = from_numpy(
        pos, conf,
        time_s=times,
        frame=numbers["frame"].to_numpy().astype(np.int64),
        fps=fps or effective_fps(times),
        keypoints=keypoints,
        units=unit,
        source_file=str(path),
        source_software="csv",
    )  # fmt: skip
    return log_step(ds, "from_csv_file", path=str(path), frames=n)


def _keypoint_columns(columns: list[str], path: Path) -> tuple[list[str], str]:
    """The keypoints that have an ``<name>_x_<unit>`` column, and the one unit."""
    units, keypoints = set(), []
    for col in columns:
        m = _POS.match(col)
        if m and m["axis"] == "x" and m["kp"] in KEYPOINTS:
            units.add(m["unit"])
            keypoints.append(m["kp"])
    if not keypoints:
        raise InputError(f"{path}: no keypoint columns such as 'left_knee_x_px' found")
    if len(units) > 1:
        raise InputError(f"{path}: mixed units in column names: {sorted(units)}")
    return keypoints, units.pop()


def _numeric(table: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Convert every cell to a float (exactly); name the first bad cell's line and column."""
    try:
        out = table.replace("", np.nan).astype(np.float64)
    except ValueError:
        coerced = table.apply(lambda col: pd.to_numeric(col.replace("", np.nan), errors="coerce"))
        row, col = np.argwhere((coerced.isna() & (table != "")).to_numpy())[0]
        raise InputError(
            f"{path}, line {row + 2}, column {table.columns[col]!r}: "
            f"expected a number, got {table.iat[row, col]!r}"
        ) from None
    for col in ("frame", "time_s"):
        if out[col].isna().any():
            raise InputError(f"{path}, line {int(out[col].isna().argmax()) + 2}: empty {col}")
    return out
