"""The command line, in-process: help, demo, and a clear message (no traceback) per bad input."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from kneecoach.assessment.summary import DISCLAIMER
from kneecoach.cli.main import cli
from kneecoach.core.settings import SETTINGS, Settings
from kneecoach.filtering import clean_track
from kneecoach.io import to_csv_file, to_netcdf_file, to_trc_file
from kneecoach.sample_data.synthetic import body, double_leg_squat, single_leg_squat


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # default output folders land here, not in the repo


@pytest.fixture
def run():
    runner = CliRunner()
    return lambda *args: runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.mark.parametrize("command", [[], ["track"], ["analyze"], ["demo"], ["info"]])
def test_every_command_has_help(run, command) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0 and "Usage:" in result.output


def test_help_lists_every_setting_of_its_stage(run) -> None:
    helps = {c: run(c, "--help").output for c in ("track", "analyze", "import", "serve")}
    for s in SETTINGS:
        flag = f"--{s.name.replace('_', '-')}"
        assert (flag in helps["analyze"]) == (s.stage not in ("import", "web"))
        assert (flag in helps["track"]) == (s.stage == "track")
        assert (flag in helps["import"]) == (s.stage in ("import", "journal"))
        assert (flag in helps["serve"]) == (s.stage in ("web", "journal"))


def test_demo_runs_from_nothing(run, tmp_path: Path) -> None:
    result = run("demo", "--out", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    out = tmp_path / "demo"
    for name in ("track.nc", "quality.json", "annotated.mp4", "demo.png", "frames.csv",
                 "summary.json", "report.html", "worst_1.png"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["schema"] == "kneecoach.summary/1"
    assert summary["test"] == "single-leg-squat" and summary["test_detected"]["method"] == "auto"
    reps = summary["sides"]["left"]["reps"]
    # the known answer (11°, 14°, 17°) through noise, a dropout and a swap
    assert [r["fppa_deg"] for r in reps] == pytest.approx([11, 14, 17], abs=2)
    assert summary["sides"]["right"]["working"] is False
    assert str((out / "report.html").resolve()) in result.output.replace("\n", "")


def test_analyze_a_keypoint_file_names_the_test_and_writes_frames_csv(run, tmp_path) -> None:
    nc = to_netcdf_file(double_leg_squat(), tmp_path / "squat.nc")
    result = run("analyze", nc, "--test", "squat", "--out", tmp_path / "a", "--no-video")
    assert result.exit_code == 0, result.output
    frames = pd.read_csv(tmp_path / "a" / "frames.csv")
    assert {"frame", "time_s", "fppa_left_deg", "fppa_right_deg", "kasr"} <= set(frames)
    assert frames["fppa_left_deg"].isna().any()  # withheld at the bottom of the deep squat
    # a squat's headline is the knee over the foot, not FPPA (science.md §1.1)
    assert "knee over foot" in result.output and "mean FPPA" not in result.output
    assert not (tmp_path / "a" / "annotated.mp4").exists()


def test_analyze_with_no_rep_keeps_partial_results_and_says_how_to_film(run, tmp_path) -> None:
    nc = to_netcdf_file(single_leg_squat(duration_s=1.0, reps=1), tmp_path / "short.nc")
    result = CliRunner().invoke(cli, ["analyze", str(nc), "--test", "drop-jump",
                                      "--out", str(tmp_path / "b"), "--no-video"])  # fmt: skip
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    # the test's name, as the report and the tables show it, not its --test id (drop-jump)
    assert "no drop vertical jump was found" in " ".join(result.output.split())
    assert "box" in result.output  # how to film it
    for name in ("frames.csv", "summary.json", "report.html"):
        assert (tmp_path / "b" / name).exists(), name
    summary = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    assert summary["findings"][0]["text"].startswith("no drop vertical jump was found")


def test_a_side_view_reports_its_own_measures_and_no_valgus_numbers(run, tmp_path) -> None:
    ds = single_leg_squat()
    ds["position"].loc[{"space": "x"}] = 360 + (ds["position"].sel(space="x") - 360) * 0.05
    nc = to_netcdf_file(ds, tmp_path / "side.nc")
    result = CliRunner().invoke(cli, ["analyze", str(nc), "--test", "single-leg-squat",
                                      "--out", str(tmp_path / "c"), "--no-video"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "seen from the side" in result.output and "knee flexion" in result.output
    summary = json.loads((tmp_path / "c" / "summary.json").read_text())
    assert all(r["fppa_deg"] is None for r in summary["sides"]["left"]["reps"])
    codes = [f["code"] for f in summary["findings"]]
    assert codes[0] == "view_refused" and "side_view" in codes  # why not valgus, and the result
    assert summary["sides"]["left"]["mean_knee_flexion_deg"] is not None
    report = " ".join((tmp_path / "c" / "report.html").read_text(encoding="utf-8").split())
    assert "Seen from the side" in report and "knee flexion at the deepest point (2D)" in report


def test_a_stance_hold_filmed_from_the_side_is_refused_for_its_own_measure(tmp_path) -> None:
    ds = single_leg_squat()
    ds["position"].loc[{"space": "x"}] = 360 + (ds["position"].sel(space="x") - 360) * 0.05
    nc = to_netcdf_file(ds, tmp_path / "side.nc")
    result = CliRunner().invoke(cli, ["analyze", str(nc), "--test", "single-leg-stance",
                                      "--out", str(tmp_path / "s"), "--no-video"])  # fmt: skip
    text = " ".join(result.output.split())
    assert result.exit_code == 1 and "pelvic drop needs a frontal or rear view" in text
    assert "valgus" not in text  # the hold measures the pelvis, not the knee


def test_analyze_refuses_a_knee_that_is_not_in_the_picture(run, tmp_path) -> None:
    from tests.unit.metrics.test_metrics import cropped_squat

    nc = to_netcdf_file(cropped_squat(), tmp_path / "cropped.nc")
    result = CliRunner().invoke(cli, ["analyze", str(nc), "--test", "squat",
                                      "--out", str(tmp_path / "d"), "--no-video"])  # fmt: skip
    assert result.exit_code == 1 and "out of the picture" in result.output
    assert "Step back" in result.output  # the filming tip
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert summary["findings"][0]["code"] == "leg_out_of_frame"
    assert summary["worst_moments"] == []
    for side in ("left", "right"):
        assert all(r["fppa_deg"] is None and r["kasr"] is None
                   for r in summary["sides"][side]["reps"])  # fmt: skip


def test_an_unrecognised_oblique_clip_keeps_view_filming_tip_and_notes(tmp_path) -> None:
    t = np.arange(120) / 30
    ds = body(t, hip_y=np.full(120, 640.0), ankle_y=(1160.0, 1160.0), fppa_deg=(0.0, 0.0), fps=30)
    x = ds["position"].sel(space="x")
    ds["position"].loc[{"space": "x"}] = 360 + (x - 360) * 0.5  # seen at an angle
    nc = to_netcdf_file(clean_track(ds, settings=Settings()), tmp_path / "oblique.nc")
    result = CliRunner().invoke(cli, ["analyze", str(nc), "--out", str(tmp_path / "e"),
                                      "--no-video"])  # fmt: skip
    message = " ".join(result.output.split())
    assert result.exit_code == 1 and "could not recognise the movement" in message
    assert "at an angle (oblique)" in message and "Film from the front" in message
    assert "already cleaned" in message  # the tracking note is not dropped
    summary = json.loads((tmp_path / "e" / "summary.json").read_text())
    assert any("already cleaned" in n for n in summary["notes"])
    assert [f["code"] for f in summary["findings"]] == ["no_reps", "view_refused"]
    assert summary["filming"].startswith("Film from the front")
    assert summary["sides"]["left"]["working"] is None  # not known, rather than "not working"
    report = " ".join((tmp_path / "e" / "report.html").read_text("utf-8").split())
    assert "already cleaned" in report and "was not the working leg" not in report
    assert DISCLAIMER.replace("'", "&#39;") in report  # the one disclaimer, not a stand-in


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
        (["track", "{tmp}/k.csv", "--format", "xlsx"], 2, "--format"),
        (["track", "{tmp}/k.csv", "--start", "3", "--end", "1"], 1, "--end"),
        (["track", "{tmp}/k.csv", "--person-select", "tallest"], 1, "--person-select"),
        (["track", "{tmp}/k.csv", "--cutoff-hz", "abc"], 2, "abc"),
        (["track", "{tmp}"], 1, "no OpenPose .json files"),
        (["track", "{tmp}/k.csv", "--out", "{tmp}/notes.mp4/o"], 1, "cannot create the folder"),
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


@pytest.mark.parametrize("fps", ["0", "-5", "nan", "inf"])
@pytest.mark.parametrize("command", ["track", "analyze"])
def test_a_frame_rate_that_is_not_positive_is_refused(tmp_path: Path, command, fps) -> None:
    """--fps 0 was silently ignored, --fps -5 called an 'invalid pose track: fps'."""
    trc = to_trc_file(single_leg_squat(duration_s=1, reps=1), tmp_path / "k.trc")
    args = [command, str(trc), f"--fps={fps}", "--no-video", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    line = f"Error: --fps must be a positive frame rate in frames per second, got {fps}"
    assert result.output.strip() == line
    assert not (tmp_path / "o").exists()


def test_an_unwritable_output_file_is_not_called_a_bug(tmp_path: Path) -> None:
    to_csv_file(single_leg_squat(duration_s=4, reps=2), tmp_path / "k.csv")
    (tmp_path / "o" / "report.html").mkdir(parents=True)  # where the report should go
    args = ["analyze", str(tmp_path / "k.csv"), "--no-video", "--out", str(tmp_path / "o")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1, result.output
    assert "report.html is a folder: give a file name" in result.output
    assert "bug" not in result.output
    assert (tmp_path / "o" / "summary.json").exists()


def test_info_shows_versions_and_settings(run) -> None:
    text = run("info").output
    assert "mediapipe" in text and "0.10.21" in text and "confidence_threshold" in text


def test_environment_overrides_settings(run, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("KNEECOACH_CONFIDENCE_THRESHOLD", "0.7")
    assert "0.7" in run("info").output
    monkeypatch.setenv("KNEECOACH_CONFIDENCE_THRESHOLD", "lots")
    result = CliRunner().invoke(cli, ["info"])
    assert result.exit_code == 1 and "confidence_threshold" in result.output


def test_info_shows_long_paths_in_full(run, tmp_path: Path, monkeypatch) -> None:
    home = tmp_path / ("a-long-folder-name-" * 4) / "kneecoach"
    monkeypatch.setenv("KNEECOACH_HOME", str(home))
    monkeypatch.delenv("KNEECOACH_DATABASE_URL", raising=False)
    lines = run("info").output.splitlines()
    cells = [[c.strip() for c in line.split("│")[1:3]] for line in lines if "│" in line]
    start = next(i for i, (key, _) in enumerate(cells) if key == "database")
    value = cells[start][1]
    for key, more in cells[start + 1 :]:
        if key:
            break
        value += more
    assert value == f"sqlite:///{home / 'journal.sqlite3'}"


def test_the_range_cell_gives_the_verdict_then_the_range_it_refers_to(tmp_path: Path) -> None:
    from kneecoach.assessment.model import Classification
    from kneecoach.cli.main import range_cell

    above = Classification(label="above the typical range", level="above",
                           range_deg=(1.0, 12.0), source="Herrington")  # fmt: skip
    assert range_cell(above) == "[yellow]above the typical range[/] (1-12°)"
    none = Classification(label="no published typical range", level="no range",
                          range_deg=None, source=None)  # fmt: skip
    assert range_cell(none) == "[white]no published typical range[/]"
