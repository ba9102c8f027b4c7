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
