"""Inputs with no movement to measure get one clear line, never "This is a bug"
(issue 16, item 8): one frame, a frozen clip, infinite or impossibly large coordinates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from kneecoach.cli.main import cli
from kneecoach.io import to_csv_file, to_netcdf_file, to_trc_file
from kneecoach.sample_data.synthetic import single_leg_squat


def analyse(path: Path, tmp_path: Path, *extra: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(
        cli, ["analyze", str(path), "--out", str(tmp_path / "out"), "--no-video", *extra]
    )


@pytest.mark.parametrize("writer", [to_netcdf_file, to_trc_file, to_csv_file])
@pytest.mark.parametrize("frames", [1, 2])
def test_a_clip_of_a_frame_or_two_is_refused_in_one_line(
    tmp_path: Path, writer, frames: int
) -> None:  # type: ignore[no-untyped-def]
    short = single_leg_squat().isel(time=slice(0, frames))
    suffix = {to_netcdf_file: ".nc", to_trc_file: ".trc", to_csv_file: ".csv"}[writer]
    path = writer(short, tmp_path / f"short{suffix}")
    r = analyse(path, tmp_path)
    assert r.exit_code == 1, r.output
    if writer is to_csv_file and frames == 1:  # its frame rate comes from its timestamps
        assert "cannot work out a frame rate from fewer than 2 distinct timestamps" in r.output
    else:
        assert f"holds {frames} frame" in r.output and "needs at least 1 s" in r.output
    assert "bug" not in r.output


def test_a_frozen_clip_is_not_a_perfect_hold(tmp_path: Path) -> None:
    ds = single_leg_squat()
    ds["position"].values[:] = ds["position"].values[:1]  # every frame the first pose
    r = analyse(to_netcdf_file(ds, tmp_path / "frozen.nc"), tmp_path)
    assert r.exit_code == 1 and "exactly the same pose" in r.output
    assert "Single-leg stance" not in r.output  # it was read as a perfectly still hold


@pytest.mark.parametrize("value", [np.inf, -np.inf, 1e308, -1e7])
def test_impossible_coordinates_are_missing_and_said(tmp_path: Path, value: float) -> None:
    ds: xr.Dataset = single_leg_squat()
    ds["position"].values[100:104, :, 5:9] = value
    r = analyse(to_netcdf_file(ds, tmp_path / "bad.nc"), tmp_path, "--test",
                "single-leg-squat")  # fmt: skip
    assert r.exit_code == 0, r.output
    assert "16 keypoint positions were infinite or impossibly far" in " ".join(r.output.split())
    assert "bug" not in r.output
