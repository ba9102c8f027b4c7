"""The task gate (issue 16, item 1): what is not a standing movement test is refused before
any rep is read, with one sentence saying what was seen; ``--test auto`` too."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from click.testing import CliRunner

from kneecoach.assessment import gate
from kneecoach.cli.main import cli
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import double_leg_squat, single_leg_squat


def push_up() -> xr.Dataset:
    """A squat turned on its side: the body horizontal, the feet beside the hips."""
    ds = double_leg_squat()
    pos = ds["position"].values.copy()  # (time, space, keypoints, individuals)
    cx, cy = np.nanmean(pos[:, 0]), np.nanmean(pos[:, 1])
    x, y = pos[:, 0] - cx, pos[:, 1] - cy
    pos[:, 0], pos[:, 1] = cx + y, cy - x
    return ds.copy(data={**{k: v.values for k, v in ds.data_vars.items()}, "position": pos})


def seated() -> xr.Dataset:
    """A squat whose thighs stay level (knees nearly at hip height): seated throughout."""
    ds = double_leg_squat()
    pos = ds["position"]
    for side in ("left", "right"):
        hip = pos.sel(keypoints=f"{side}_hip", space="y")
        ankle = pos.sel(keypoints=f"{side}_ankle", space="y")
        pos.loc[{"keypoints": f"{side}_knee", "space": "y"}] = hip + 0.1 * (ankle - hip)
    return ds


def hidden_legs() -> xr.Dataset:
    ds = single_leg_squat()
    for joint in ("knee", "ankle"):
        for side in ("left", "right"):
            ds["confidence"].loc[{"keypoints": f"{side}_{joint}"}] = 0.2
    return ds


def test_standing_tests_pass_the_gate() -> None:
    assert gate.refusal(double_leg_squat(), "squat") is None
    assert gate.refusal(single_leg_squat(), "auto") is None


@pytest.mark.parametrize(
    ("make", "test", "said"),
    [
        (push_up, "squat", "lying more than 60° from upright in 100% of frames: this looks "
                           "like floor exercise, not a squat (double-leg)"),
        (push_up, "auto", "floor exercise, not a standing movement test"),
        (seated, "squat", "seems seated throughout"),
        (seated, "auto", "seems seated throughout"),
        (hidden_legs, "single-leg-squat", "knees and ankles were seen in only 0% of frames"),
    ],
)  # fmt: skip
def test_what_is_not_the_test_is_refused(make, test: str, said: str) -> None:  # type: ignore[no-untyped-def]
    assert said in (gate.refusal(make(), test) or "")


def test_sit_to_stand_may_be_seated() -> None:
    assert gate.refusal(seated(), "sit-to-stand") is None


@pytest.mark.parametrize("test", ["squat", "auto"])
def test_a_push_up_clip_exits_1_with_no_reps(tmp_path: Path, test: str) -> None:
    """A front-view push-up was read as 9 squat reps, exit 0 (also with --test auto)."""
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["analyze", str(to_netcdf_file(push_up(), tmp_path / "p.nc")),
                                 "--test", test, "--out", str(out), "--no-video"])  # fmt: skip
    assert r.exit_code == 1 and "floor exercise" in r.output
    import json

    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert all(not summary["sides"][s]["reps"] for s in ("left", "right"))
    assert summary["worst_moments"] == [] and summary["findings"][0]["severity"] == "refused"


def test_a_person_too_small_in_the_picture_is_refused_and_a_small_one_warned() -> None:
    """Measured on front_overhead_squat_04 downscaled: below about 150 px tall the knee
    numbers drifted by more than their 2% noise floor (gate.MIN_PERSON_PX)."""
    ds = single_leg_squat()  # about 980 px tall
    assert gate.person_height_px(ds) == pytest.approx(978, abs=5)
    assert gate.too_small(ds) is None and gate.size_warning(ds) is None
    small = ds.copy(deep=True)
    small["position"].values[:] = ds["position"].values * 0.3  # about 290 px
    assert gate.too_small(small) is None and "about 293 pixels tall" in (
        gate.size_warning(small) or ""
    )
    tiny = ds.copy(deep=True)
    tiny["position"].values[:] = ds["position"].values * 0.1  # about 100 px
    assert "only about 98 pixels tall" in (gate.refusal(tiny, "single-leg-squat") or "")
    world = ds.copy(deep=True)
    world.attrs["units"] = "m"  # world-unit imports have no pixel size
    world["position"].values[:] = ds["position"].values * 0.001
    assert gate.too_small(world) is None
