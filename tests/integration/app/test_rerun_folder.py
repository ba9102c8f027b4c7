"""Analysing again into the same folder leaves only this run's results there."""

import json
from pathlib import Path

import pytest

from kneecoach.analyze import run_analyze
from kneecoach.core.errors import InputError
from kneecoach.core.settings import Settings
from kneecoach.io import to_netcdf_file
from kneecoach.pipeline import run_track
from kneecoach.sample_data.synthetic import single_leg_squat


def test_an_earlier_runs_files_are_not_left_beside_this_runs(tmp_path: Path) -> None:
    out = tmp_path / "results"
    three = to_netcdf_file(single_leg_squat(), tmp_path / "three.nc")
    run_analyze(three, out_dir=out, settings=Settings(), video=False)
    assert (out / "worst_3.png").exists()
    (out / "annotated.mp4").write_bytes(b"an earlier run's video")
    (out / "my notes.txt").write_text("mine")
    two = to_netcdf_file(single_leg_squat(reps=2, duration_s=4.0), tmp_path / "two.nc")
    result = run_analyze(two, out_dir=out, settings=Settings(), video=False)
    assert not (out / "worst_3.png").exists() and not (out / "annotated.mp4").exists()
    assert (out / "worst_2.png").exists() and (out / "my notes.txt").read_text() == "mine"
    assert any("earlier run" in n for n in result.notes)
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["source"].endswith("two.nc")


def test_the_input_is_never_overwritten_even_inside_the_folder(tmp_path: Path) -> None:
    """``analyze results/track.nc --out results`` (or an annotated.mp4, a track.csv there)
    would write over its own input: refused before anything is written or removed."""
    out = tmp_path / "results"
    run_analyze(to_netcdf_file(single_leg_squat(), tmp_path / "s.nc"), out_dir=out,
                settings=Settings(), video=False)  # fmt: skip
    (out / "annotated.mp4").write_bytes(b"the user's own clip")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    for name in ("track.nc", "annotated.mp4", "worst_2.png"):
        with pytest.raises(InputError, match=f"the input {name} is in that folder"):
            run_analyze(out / name, out_dir=out, settings=Settings(), video=False)
    with pytest.raises(InputError, match="would be overwritten"):
        run_track(out / "track.nc", out_dir=out, settings=Settings(), formats=("csv", "trc"))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    again = run_analyze(out / "track.nc", out_dir=tmp_path / "again", settings=Settings(),
                        video=False)  # fmt: skip
    assert again.assessment is not None and again.assessment.measured


def test_a_folder_without_an_earlier_run_is_left_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "results"
    out.mkdir()
    (out / "summary.json").write_text("{}")  # not ours: no kneecoach quality.json beside it
    (out / "worst_1.png").write_bytes(b"x")
    result = run_analyze(to_netcdf_file(single_leg_squat(), tmp_path / "s.nc"), out_dir=out,
                         settings=Settings(), video=False)  # fmt: skip
    assert not any("earlier run" in n for n in result.notes)
