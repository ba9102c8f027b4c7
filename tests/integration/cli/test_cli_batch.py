"""`kneecoach analyze A B C`: a study's clips in one run, from the command line."""

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from kneecoach.cli.main import cli
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import single_leg_squat


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the default output folder lands here


def test_several_clips_each_get_a_folder_and_one_table(tmp_path: Path) -> None:
    a = to_netcdf_file(single_leg_squat(), tmp_path / "a.nc")
    b = to_netcdf_file(single_leg_squat(reps=2, duration_s=4.0), tmp_path / "b.nc")
    r = CliRunner().invoke(cli, ["analyze", str(a), str(b), "--test", "single-leg-squat",
                                 "--no-video"])  # fmt: skip
    assert r.exit_code == 0, r.output
    root = tmp_path / "analyses"  # the default with several sources
    assert (root / "a" / "report.html").exists() and (root / "b" / "report.html").exists()
    with (root / "clips.csv").open(encoding="utf-8") as fh:
        clips = list(csv.DictReader(fh))
    assert [(c["source"], c["status"], c["test"]) for c in clips] == [
        (str(a), "ok", "single-leg-squat"),
        (str(b), "ok", "single-leg-squat"),
    ]
    with (root / "reps.csv").open(encoding="utf-8") as fh:
        reps = list(csv.DictReader(fh))
    assert [r["folder"] for r in reps].count("a") == 3 and [r["folder"] for r in reps].count(
        "b"
    ) == 2
    assert "clips.csv" in r.output.replace("\n", "") and "Traceback" not in r.output


def test_a_missing_clip_fails_alone_and_the_run_exits_1(tmp_path: Path) -> None:
    a = to_netcdf_file(single_leg_squat(), tmp_path / "a.nc")
    r = CliRunner().invoke(cli, ["analyze", str(tmp_path / "gone.mp4"), str(a), "--no-video",
                                 "--out", str(tmp_path / "study")])  # fmt: skip
    assert r.exit_code == 1 and "1 of 2 clips were not fully analysed" in r.output
    assert (tmp_path / "study" / "a" / "summary.json").exists()
    assert "Traceback" not in r.output


def test_person_takes_one_clip_at_a_time(tmp_path: Path) -> None:
    a = to_netcdf_file(single_leg_squat(), tmp_path / "a.nc")
    r = CliRunner().invoke(cli, ["analyze", str(a), str(a), "--person", "mary"])
    assert r.exit_code == 2 and "one clip at a time" in r.output
    assert not (tmp_path / "analyses").exists()


def test_the_table_names_each_clip_by_its_folder_and_a_squat_by_its_knee_shift(
    tmp_path: Path,
) -> None:
    """Truncated file names (front_overh… five times) could not be told apart; squats showed
    FPPA (-51°), which the single-clip report does not read for squats (science.md §1.1)."""
    from kneecoach.sample_data.synthetic import double_leg_squat

    long = "front_overhead_squat_subject_"
    for name in ("07", "08"):
        (tmp_path / name).mkdir()
    a = to_netcdf_file(double_leg_squat(), tmp_path / "07" / f"{long}07.nc")
    b = to_netcdf_file(single_leg_squat(), tmp_path / "08" / f"{long}08.nc")
    r = CliRunner().invoke(cli, ["analyze", str(a), str(b), "--no-video", "--out", "s"])
    assert r.exit_code == 0, r.output
    rows = [line for line in r.output.splitlines() if line.startswith("│")]
    first_column = "".join(line.split("│")[1].strip() for line in rows)
    assert first_column == f"{long}07{long}08"  # folded onto more lines, never cut
    squat_row = next(line for line in rows if "squat " in line)
    assert ("% out" in squat_row or "% in" in squat_row) and "°" not in squat_row


def test_study_json_records_the_version_settings_and_command_of_the_study(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A study must report the software version and the settings used; they sit beside the
    tables, with the conventions the column names do not carry (sides, units)."""
    import json

    from kneecoach import __version__

    a = to_netcdf_file(single_leg_squat(), tmp_path / "a.nc")
    b = to_netcdf_file(single_leg_squat(reps=2, duration_s=4.0), tmp_path / "b.nc")
    args = ["analyze", str(a), str(b), "--test", "single-leg-squat", "--no-video",
            "--cutoff-hz", "5", "--start", "0.5", "--out", "s"]  # fmt: skip
    monkeypatch.setattr("sys.argv", ["/somewhere/bin/kneecoach", *args])
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    study = json.loads((tmp_path / "s" / "study.json").read_text(encoding="utf-8"))
    assert study["schema"] == "kneecoach.study/1"
    assert study["kneecoach_version"] == __version__
    assert study["command"].startswith("kneecoach analyze ") and "--cutoff-hz 5" in study["command"]
    assert study["settings"]["cutoff_hz"] == 5.0 and study["settings"]["fix_swaps"] is True
    assert "database_url" not in study["settings"]  # journal only, may hold a password
    assert study["options"]["test"] == "single-leg-squat" and study["options"]["start_s"] == 0.5
    assert study["sources"] == [str(a), str(b)]
    assert study["working_folder"] == str(tmp_path)
    assert "subject's own" in study["conventions"]["sides"]
    assert "python" in study["packages"]
    assert study["settings_origins"]["cutoff_hz"] == "command line"
    assert study["settings_origins"]["fix_swaps"] == "default"
    assert "every clip is filtered at it" in study["settings_notes"][0]  # running too


def test_an_impossible_time_range_is_refused_once_before_any_clip(tmp_path: Path) -> None:
    a = to_netcdf_file(single_leg_squat(), tmp_path / "a.nc")
    r = CliRunner().invoke(cli, ["analyze", str(a), str(a.with_name("b.nc")), "--start", "5",
                                 "--end", "2", "--out", str(tmp_path / "study")])  # fmt: skip
    assert r.exit_code == 1 and "--end (2.0 s) must be after --start (5.0 s)" in r.output
    assert "clip 1 of" not in r.output and not (tmp_path / "study").exists()
