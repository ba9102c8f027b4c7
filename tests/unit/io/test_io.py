"""Round trips and importers, on small hand-written files."""

import json
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from kneecoach.core.errors import InputError
from kneecoach.core.track import read_log
from kneecoach.io import (
    from_csv_file,
    from_netcdf_file,
    from_openpose_folder,
    from_trc_file,
    load_keypoints,
    to_csv_file,
    to_netcdf_file,
    to_trc_file,
)
from kneecoach.io.markers import TRC_NAMES, canonical_name
from kneecoach.sample_data.synthetic import with_dropout, with_noise


@pytest.fixture
def noisy(squat):
    ds = with_noise(squat, sd_px=1.234567, seed=3).isel(time=slice(0, 50))
    ds["position"][5, :, 3] = np.nan  # a missing keypoint
    return with_dropout(ds, keypoints=["left_ankle"], start=10, stop=12)


def test_netcdf_round_trip_is_identical(noisy, tmp_path: Path) -> None:
    back = from_netcdf_file(to_netcdf_file(noisy, tmp_path / "t.nc"))
    xr.testing.assert_identical(back, noisy)


def test_csv_round_trip_is_exact(noisy, tmp_path: Path) -> None:
    path = to_csv_file(noisy, tmp_path / "t.csv")
    header = path.read_text().splitlines()[0].split(",")
    assert header[:5] == ["frame", "time_s", "nose_x_px", "nose_y_px", "nose_confidence"]
    back = from_csv_file(path)
    np.testing.assert_array_equal(back["position"].values, noisy["position"].values)
    np.testing.assert_array_equal(back["confidence"].values, noisy["confidence"].values)
    np.testing.assert_array_equal(back["time"].values, noisy["time"].values)
    assert back.attrs["fps"] == pytest.approx(60.0)


def test_trc_round_trip_is_exact_and_sports2d_shaped(noisy, tmp_path: Path) -> None:
    path = to_trc_file(noisy, tmp_path / "t.trc")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("PathFileType\t4\t(X/Y/Z)")
    assert lines[2].split("\t")[:5] == ["60", "60", "50", "33", "px"]
    assert lines[3].split("\t")[:3] == ["Frame#", "Time", "Nose"]
    assert lines[4].split("\t")[2:5] == ["X1", "Y1", "Z1"]
    first = lines[5].split("\t")
    assert float(first[3]) == -float(noisy["position"].values[0, 1, 0, 0])  # Y up in the file
    back = from_trc_file(path)
    np.testing.assert_array_equal(back["position"].values, noisy["position"].values)


def test_marker_names_map_both_ways() -> None:
    for ours, theirs in TRC_NAMES.items():
        assert canonical_name(theirs) == ours and canonical_name(ours) == ours
    assert canonical_name("RBigToe") == "right_foot_index"
    assert canonical_name("r_knee") == "right_knee"
    assert canonical_name("Neck") is None


TRC_3D = """PathFileType\t4\t(X/Y/Z)\ttrial.trc
DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames
100\t100\t2\t3\tm\t100\t1\t2
Frame#\tTime\tRHip\t\t\tLHip\t\t\tNeck\t\t
\t\tX1\tY1\tZ1\tX2\tY2\tZ2\tX3\tY3\tZ3
1\t0.00\t0.01\t0.90\t0.10\t0.02\t0.91\t-0.10\t0.0\t1.4\t0.0
2\t0.01\t0.01\t0.90\t0.11\t\t\t\t0.0\t1.4\t0.0
"""


def test_3d_trc_is_seen_from_the_subjects_front(tmp_path: Path) -> None:
    path = tmp_path / "trial.trc"
    path.write_text(TRC_3D)
    ds = from_trc_file(path)
    assert list(ds["keypoints"].values) == ["right_hip", "left_hip"]
    pos = ds["position"].isel(individuals=0)
    # the hips lie apart along Z; the subject's left (Z = -0.10) must be on the image right
    assert float(pos.sel(keypoints="left_hip", space="x")[0]) > float(
        pos.sel(keypoints="right_hip", space="x")[0]
    )
    assert float(pos.sel(keypoints="left_hip", space="y")[0]) == pytest.approx(-0.91)
    assert np.isnan(pos.sel(keypoints="left_hip").values[1]).all()
    log = read_log(ds)[-1]["params"]
    assert log["dropped_markers"] == ["Neck"] and log["units"] == "m"
    assert ds.attrs["fps"] == 100


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hello\n", "line 1: not a .trc file"),
        (
            TRC_3D.replace("0.91\t-0.10", "0.91\tabc"),
            "line 6, field 8: expected a number, got 'abc'",
        ),
        (TRC_3D.replace("Frame#\tTime", "Frame\tTime"), "line 4"),
        ("\n".join(TRC_3D.splitlines()[:5]) + "\n", "no data rows"),
    ],
)
def test_malformed_trc_names_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.trc"
    path.write_text(text)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        from_trc_file(path)


def test_malformed_csv_names_line_and_column(noisy, tmp_path: Path) -> None:
    path = to_csv_file(noisy, tmp_path / "t.csv")
    lines = path.read_text().splitlines()
    cells = lines[3].split(",")
    cells[4] = "oops"
    lines[3] = ",".join(cells)
    path.write_text("\n".join(lines))
    with pytest.raises(InputError, match=r"line 4, column 'nose_confidence'.*'oops'"):
        from_csv_file(path)
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InputError, match="empty"):
        from_csv_file(tmp_path / "empty.csv")
    (tmp_path / "other.csv").write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="missing column"):
        from_csv_file(tmp_path / "other.csv")


def _openpose_file(folder: Path, i: int, people: list[list[float]]) -> None:
    doc = {"version": 1.3, "people": [{"pose_keypoints_2d": p} for p in people]}
    (folder / f"clip_{i:012d}_keypoints.json").write_text(json.dumps(doc))


def _body25(cx: float, height: float) -> list[float]:
    flat = []
    for k in range(25):
        flat += [cx + k, 100 + height * k / 25, 0.9]
    return flat


def test_openpose_folder_follows_the_largest_person(tmp_path: Path) -> None:
    for i in range(5):
        _openpose_file(tmp_path, i, [_body25(100 + i, 200), _body25(400, 500)])
    _openpose_file(tmp_path, 5, [])  # nobody in this frame
    ds = from_openpose_folder(tmp_path, fps=25)
    assert ds.sizes["time"] == 6 and ds.attrs["fps"] == 25
    assert "right_knee" in ds["keypoints"].values and "left_foot_index" in ds["keypoints"].values
    rk = ds["position"].sel(keypoints="right_knee", space="x").values.ravel()
    np.testing.assert_allclose(rk[:5], 410)  # BODY_25 index 10, the big person at x 400
    assert np.isnan(rk[5])
    assert ds["time"].values[1] == pytest.approx(0.04)


def test_openpose_errors_are_clear(tmp_path: Path) -> None:
    _openpose_file(tmp_path, 0, [_body25(0, 100)])
    with pytest.raises(InputError, match="pass --fps"):
        from_openpose_folder(tmp_path, fps=None)
    (tmp_path / "clip_000000000001_keypoints.json").write_text('{"people": [')
    with pytest.raises(InputError, match="line 1: invalid JSON"):
        from_openpose_folder(tmp_path, fps=30)
    (tmp_path / "clip_000000000001_keypoints.json").write_text(
        json.dumps({"people": [{"pose_keypoints_2d": [1, 2]}]})
    )
    with pytest.raises(InputError, match="has 2 values"):
        from_openpose_folder(tmp_path, fps=30)


def test_load_keypoints_dispatches_and_refuses_unknown(tmp_path: Path, noisy) -> None:
    assert load_keypoints(to_csv_file(noisy, tmp_path / "a.csv")).sizes["time"] == 50
    with pytest.raises(InputError, match="no such file"):
        load_keypoints(tmp_path / "missing.trc")
    (tmp_path / "x.json").write_text("{}")
    with pytest.raises(InputError, match="unknown keypoint format"):
        load_keypoints(tmp_path / "x.json")


@settings(max_examples=30, deadline=None)
@given(
    data=arrays(
        np.float64,
        (6, 3, 2),
        elements=st.one_of(st.just(np.nan), st.floats(-1e6, 1e6, allow_subnormal=False)),
    ),
    conf=arrays(
        np.float64,
        (6, 3),
        elements=st.one_of(st.just(np.nan), st.floats(0, 1, allow_subnormal=False)),
    ),
)
def test_csv_and_trc_round_trips_hold_for_any_values(tmp_path_factory, data, conf) -> None:
    from kneecoach.core.track import from_numpy

    ds = from_numpy(
        data,
        conf,
        time_s=np.arange(6) / 25,
        fps=25,
        keypoints=["left_hip", "left_knee", "right_ankle"],
    )
    folder = tmp_path_factory.mktemp("rt")
    back = from_csv_file(to_csv_file(ds, folder / "t.csv"))
    np.testing.assert_array_equal(back["position"].values, ds["position"].values)
    np.testing.assert_array_equal(back["confidence"].values, ds["confidence"].values)
    trc = from_trc_file(to_trc_file(ds, folder / "t.trc"))
    np.testing.assert_array_equal(trc["position"].values, ds["position"].values)
