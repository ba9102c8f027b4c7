"""Lossless save/load of a track as netCDF (HDF5), readable by xarray and movement."""

from __future__ import annotations

from pathlib import Path

import xarray as xr

from kneecoach.core.errors import InputError
from kneecoach.core.files import replacing
from kneecoach.core.track import validate_track


def to_netcdf_file(ds: xr.Dataset, path: str | Path, /) -> Path:
    """Write ``ds`` to ``path`` (``.nc``)."""
    path = Path(path)
    with replacing(Path(path)) as part:
        ds.to_netcdf(part, engine="h5netcdf")
    return path


def from_netcdf_file(path: str | Path, /) -> xr.Dataset:
    """Read a track written by :func:`to_netcdf_file` (fully loaded, file closed)."""
    try:
        ds = xr.load_dataset(path, engine="h5netcdf")
    except Exception as exc:  # a damaged HDF5 file fails deep in h5py, with any exception
        raise InputError(
            f"{path}: not a readable netCDF file ({type(exc).__name__}: {exc})"
        ) from None
    validate_track(ds)
    return ds
