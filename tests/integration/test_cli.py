"""The command line, in-process: help, demo, and a clear message (no traceback) per bad input."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from kneecoach.cli.main import cli
from kneecoach.core.settings import SETTINGS
from kneecoach.io import to_csv_file
from kneecoach.synthetic import single_leg_squat


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default output folders land here, not in the repo


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["track"], ["demo"], ["info"]])
def test_every_command_has_help(run, command) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_track_help_lists_every_setting(run) -> None:
    text = run("track", "--help").output
    for s in SETTINGS:
        assert f"--{s.name.replace('_', '-')}" in text


def test_demo_runs_from_nothing(run, tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    for name in ("track.nc", "track.csv", "track.trc", "quality.json", "annotated.mp4", "demo.png"):
        assert (tmp_path / "demo" / name).stat().st_size > 0
    quality = json.loads((tmp_path / "demo" / "quality.json").read_text())
    assert quality["view"] == "frontal" and quality["usable_for_frontal_measures"]
    assert str((tmp_path / "demo" / "demo.png").resolve()) in result.output.replace("\n", "")


def test_track_a_csv_with_options(run, tmp_path: Path) -> None:
    csv = to_csv_file(single_leg_squat(duration_s=2, reps=1), tmp_path / "k.csv")
    result = run(
        "track",
        csv,
        "--out",
        tmp_path / "o",
        "--format",
        "trc",
        "--no-video",
        "--cutoff-hz",
        "4",
        "--no-fix-swaps",
        "--start",
        "0.5",
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "o" / "track.trc").exists() and not (tmp_path / "o" / "track.csv").exists()
    log = json.loads(__import__("xarray").load_dataset(tmp_path / "o" / "track.nc").attrs["log"])
    assert [e["operation"] for e in log][-1] == "filter_butterworth"
    assert log[-1]["params"]["cutoff_hz"] == 4.0
    assert "fix_lr_swaps" not in [e["operation"] for e in log]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["track", "missing.mp4"], 1, "no such file"),
        (["track", "{tmp}/notes.mp4"], 1, "not a video file"),
        (["track", "{tmp}/k.csv", "--format", "xlsx"], 1, "--format"),
        (["track", "{tmp}/k.csv", "--start", "3", "--end", "1"], 1, "--end"),
        (["track", "{tmp}/k.csv", "--person-select", "tallest"], 1, "--person-select"),
        (["track", "{tmp}/k.csv", "--cutoff-hz", "abc"], 2, "abc"),
        (["track", "{tmp}"], 1, "no OpenPose .json files"),
        (["track"], 2, "Missing argument"),
    ],
)
def test_bad_input_gives_one_clear_line(run, tmp_path: Path, args, code, message) -> None:
    (tmp_path / "notes.mp4").write_text("not a video\n" * 20)
    to_csv_file(single_leg_squat(duration_s=1, reps=1), tmp_path / "k.csv")
    runner = CliRunner()
    result = runner.invoke(cli, [a.format(tmp=tmp_path) for a in args])
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_info_shows_versions_and_settings(run) -> None:
    text = run("info").output
    assert "mediapipe" in text and "0.10.21" in text and "confidence_threshold" in text


def test_environment_overrides_settings(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KNEECOACH_CONFIDENCE_THRESHOLD", "0.7")
    assert "0.7" in run("info").output
    monkeypatch.setenv("KNEECOACH_CONFIDENCE_THRESHOLD", "lots")
    result = CliRunner().invoke(cli, ["info"])
    assert result.exit_code == 1 and "confidence_threshold" in result.output
