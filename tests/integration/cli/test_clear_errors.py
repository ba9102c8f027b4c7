"""Inputs that ended in "This is a bug" get one clear line, and nothing half-written."""

from pathlib import Path

import pytest
from click.testing import CliRunner

from kneecoach.cli.main import cli

EXAMPLE_INTAKE = Path(__file__).resolve().parents[3] / "examples" / "intake.toml"


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KNEECOACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KNEECOACH_DATABASE_URL", raising=False)


def _said(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code in (1, 2), result.output
    assert "bug" not in result.output and "Traceback" not in result.output
    return " ".join(result.output.split())


def test_openpose_json_nested_far_too_deep(tmp_path: Path) -> None:
    folder = tmp_path / "op"
    folder.mkdir()
    (folder / "f_000000000000_keypoints.json").write_text("[" * 100_000 + "]" * 100_000)
    assert "not OpenPose JSON (lists nested far too deep)" in _said("track", "op", "--fps", "30")


def test_a_plan_starting_beyond_any_calendar() -> None:
    said = _said("plan", "--intake", str(EXAMPLE_INTAKE), "--start", "9999-12-01")
    assert "--start 9999-12-01: a plan must start between" in said
    assert not Path("plan").exists()


def test_more_sets_than_a_database_integer_holds() -> None:
    said = _said("log", "--person", "ann", "--done", "--sets", "99999999999999999999")
    assert "'--sets'" in said and "0<=x<=1000" in said


def test_an_intake_name_with_a_line_break_writes_no_file(tmp_path: Path) -> None:
    text = EXAMPLE_INTAKE.read_text(encoding="utf-8")
    lines = [
        'name = "Mary\\nSmith"' if line.startswith("name =") else line for line in text.splitlines()
    ]
    (tmp_path / "bad.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    said = _said("plan", "--intake", "bad.toml", "--out", "p")
    assert "person.name: must be one line of text" in said
    assert not Path("p").exists() or not any(Path("p").iterdir())


class _InterruptedImport:
    """A meta-path finder that is Ctrl-C while the commands load."""

    def find_spec(self, name: str, path: object, target: object = None) -> None:
        if name == "kneecoach.cli.main":
            raise KeyboardInterrupt
        return None


def test_ctrl_c_while_the_commands_load_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    from kneecoach import cli as entry

    monkeypatch.delitem(sys.modules, "kneecoach.cli.main")
    monkeypatch.setattr(sys, "meta_path", [_InterruptedImport(), *sys.meta_path])
    with pytest.raises(SystemExit) as stop:
        entry.run()
    assert stop.value.code == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_an_unknown_export_format_is_a_usage_error(tmp_path: Path) -> None:
    from kneecoach.io import to_netcdf_file
    from kneecoach.sample_data.synthetic import single_leg_squat

    to_netcdf_file(single_leg_squat(duration_s=1.0, reps=1), tmp_path / "t.nc")
    result = CliRunner().invoke(cli, ["track", "t.nc", "--format", "xlsx", "--no-video"])
    assert result.exit_code == 2 and "unknown xlsx; choose from nc, csv, trc" in result.output


def test_a_date_years_away_is_questioned(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["log", "--person", "ann", "--done", "--date", "1900-01-01"])
    assert result.exit_code == 0, result.output
    assert "--date 1900-01-01 is" in result.output and "is the year right?" in result.output
    recent = CliRunner().invoke(cli, ["log", "--person", "ann", "--done"])
    assert "is the year right" not in recent.output


def test_a_cut_off_too_close_to_half_the_frame_rate_is_said(tmp_path: Path) -> None:
    from kneecoach.io import to_netcdf_file
    from kneecoach.sample_data.synthetic import single_leg_squat

    to_netcdf_file(single_leg_squat(duration_s=1.0, reps=1), tmp_path / "t.nc")
    result = CliRunner().invoke(cli, ["track", "t.nc", "--cutoff-hz", "40", "--no-video"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "cutoff_hz 40 Hz is too close to half the frame rate (60 fps)" in said


def test_a_track_whose_times_run_backwards_is_refused_like_a_trc(tmp_path: Path) -> None:
    from kneecoach.io import to_netcdf_file
    from kneecoach.sample_data.synthetic import single_leg_squat

    ds = single_leg_squat(duration_s=1.0, reps=1)
    to_netcdf_file(ds.assign_coords(time=ds["time"].values[::-1].copy()), tmp_path / "r.nc")
    assert "timestamps must be strictly increasing" in _said("track", "r.nc", "--no-video")


def test_trc_rows_shorter_than_the_header_are_said(tmp_path: Path) -> None:
    from kneecoach.io import load_keypoints, to_trc_file
    from kneecoach.io.load import reading_notes
    from kneecoach.sample_data.synthetic import single_leg_squat

    path = to_trc_file(single_leg_squat(duration_s=1.0, reps=1), tmp_path / "t.trc")
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[7] = "\t".join(lines[7].split("\t")[:8])  # a row cut short
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (note,) = reading_notes(load_keypoints(path))
    assert note.startswith("1 row of the .trc file is shorter than its header (line 8)")
