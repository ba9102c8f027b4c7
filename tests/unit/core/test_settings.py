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


def test_each_value_knows_where_it_came_from(monkeypatch) -> None:
    config = config_path()
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text("cutoff_hz = 8.0\n")
    monkeypatch.setenv("KNEECOACH_MAX_GAP_S", "0.2")
    s = load_settings().with_overrides(worst_moments=5, filter_order=None)
    assert s.origin("cutoff_hz") == "config file" and s.given("cutoff_hz")
    assert s.origin("max_gap_s") == "environment"
    assert s.origin("worst_moments") == "command line"
    assert s.origin("filter_order") == "default" and not s.given("filter_order")
    # the default's own value given on the command line is still the user's choice
    six = Settings().with_overrides(cutoff_hz=6.0)
    assert six == Settings() and six.given("cutoff_hz") and not Settings().given("cutoff_hz")
    chosen = Settings().with_overrides("automatic", cutoff_hz=12.0)
    assert chosen.origin("cutoff_hz") == "automatic" and not chosen.given("cutoff_hz")


@pytest.mark.parametrize(
    ("settings", "expected_hz"),
    [
        (Settings(), 12.0),  # left unset: a 60 fps running video is filtered at 12 Hz
        (Settings().with_overrides(cutoff_hz=6.0), 6.0),  # --cutoff-hz 6 --test run stays 6
        (Settings().with_overrides("environment", cutoff_hz=8.0), 8.0),
    ],
)
def test_a_cutoff_the_user_gave_wins_over_the_running_one(
    tiny_video, settings: Settings, expected_hz: float
) -> None:
    from kneecoach.analyze import gait_cutoff

    video = tiny_video("run.mp4", n=4, fps=60)
    used, notes = gait_cutoff(video, "run", settings)
    assert used.cutoff_hz == expected_hz
    assert notes and ("as set" in notes[0]) == settings.given("cutoff_hz")
    assert gait_cutoff(video, "squat", settings)[0].cutoff_hz == settings.cutoff_hz
