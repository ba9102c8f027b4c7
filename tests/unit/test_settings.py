from pathlib import Path

import pytest

from kneecoach.core.errors import InputError
from kneecoach.core.settings import Settings, config_path, load_settings


def test_defaults_then_file_then_environment(tmp_path: Path, monkeypatch) -> None:
    assert load_settings() == Settings()
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("cutoff_hz = 8.0\nfix_swaps = false\nperson_select = 'central'\n")
    s = load_settings()
    assert (s.cutoff_hz, s.fix_swaps, s.person_select) == (8.0, False, "central")
    monkeypatch.setenv("KNEECOACH_CUTOFF_HZ", "10")
    assert load_settings().cutoff_hz == 10.0
    assert load_settings().with_overrides(cutoff_hz=4, max_gap_s=None).cutoff_hz == 4.0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cutoff_hz = ", "not valid TOML"),
        ("speed = 3", "unknown setting 'speed'"),
        ("cutoff_hz = -1", "cutoff_hz"),
        ("fix_swaps = 'maybe'", "fix_swaps"),
        ("person_select = 'tallest'", "--person-select"),
    ],
)
def test_bad_config_is_a_clear_error(text: str, message: str) -> None:
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(text)
    with pytest.raises(InputError, match=message):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("confidence_threshold", 2.0, "from 0 to 1"),
        ("confidence_threshold", float("nan"), "from 0 to 1"),
        ("cutoff_hz", float("nan"), "float ≥ 0"),  # was a crash deep in the filter
        ("max_gap_s", float("inf"), "float ≥ 0"),
        ("filter_order", 3, "even whole number ≥ 2"),
        ("filter_order", 0, "even whole number ≥ 2"),
        ("worst_moments", -1, "int ≥ 0"),
    ],
)
def test_out_of_range_flag_values_are_refused(name: str, value: object, message: str) -> None:
    with pytest.raises(InputError, match=f"setting {name}: expected .*{message}"):
        Settings().with_overrides(**{name: value})
