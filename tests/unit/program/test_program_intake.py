"""Intake files: clear errors naming the field, a lossless round trip, the red-flag screen."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneecoach.core.errors import InputError, RedFlagError
from kneecoach.program import (
    check_red_flags,
    intake_from_dict,
    intake_to_toml,
    load_intake,
    red_flags,
)
from kneecoach.program.questions import questions, set_path
from kneecoach.program.redflags import ALWAYS, UNDER_16, referral_text, reported
from kneecoach.program.redflags import QUESTIONS as REDFLAG_QUESTIONS

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "intake.toml"


def example_data() -> dict[str, Any]:
    return tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))


def test_the_example_intake_loads() -> None:
    intake = load_intake(EXAMPLE)
    assert intake.schedule.days == ["mon", "wed", "fri"]
    assert red_flags(intake) == []


def test_round_trip_through_toml() -> None:
    intake = load_intake(EXAMPLE)
    again = intake_from_dict(tomllib.loads(intake_to_toml(intake)))
    assert again == intake


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("pain", "now", 12, "pain.now"),
        ("pain", "nw", 3, "pain.nw: unknown field (allowed here: now, during_activity"),
        ("pain", "side", "middle", "allowed: left, right, both, none"),
        ("schedule", "days", ["mon", "funday"], "schedule.days.1"),
        ("schedule", "minutes", 5, "schedule.minutes"),
        ("person", "age", "old", "person.age"),
    ],
)
def test_bad_fields_are_named(section: str, key: str, value: Any, expected: str) -> None:
    data = example_data()
    data[section][key] = value
    with pytest.raises(InputError, match="intake") as info:
        intake_from_dict(data)
    assert expected in str(info.value)


@pytest.mark.parametrize(
    ("section", "key", "value", "expected"),
    [
        ("schedule", "minutes", "30", "schedule.minutes: must be a whole number without quotes"),
        ("red_flags", "locking", "maybe", "red_flags.locking: input should be 'yes', 'no' or"),
        ("red_flags", "numbness", 0, "red_flags.numbness: input should be 'yes', 'no' or"),
        ("person", "age", 34.0, "person.age: must be a whole number"),
        ("pain", "now", True, "pain.now: must be a whole number"),
        ("schedule", "days", "mon", "schedule.days: must be a list in brackets"),
        ("person", "name", 7, "person.name: must be text in quotes"),
    ],
)
def test_wrong_types_are_never_converted(section: str, key: str, value: Any, expected: str) -> None:
    """TOML has real types: a quoted number or a "no" for a boolean is an error (strict)."""
    data = example_data()
    data[section][key] = value
    with pytest.raises(InputError) as info:
        intake_from_dict(data)
    assert expected in str(info.value) and repr(value) in str(info.value)


def test_a_quoted_number_in_a_file_names_the_field(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8").replace("minutes = 30", 'minutes = "30"')
    f = tmp_path / "me.toml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=r"me\.toml: schedule\.minutes: must be a whole number"):
        load_intake(f)


def test_a_missing_red_flag_answer_is_an_error() -> None:
    data = example_data()
    del data["red_flags"]["locking"]
    with pytest.raises(InputError, match=r"red_flags\.locking: missing"):
        intake_from_dict(data)


def test_unknown_equipment_lists_the_allowed_items() -> None:
    data = example_data()
    data["equipment"] = ["band", "trampoline"]
    with pytest.raises(InputError, match="'trampoline' unknown; allowed: band"):
        intake_from_dict(data)


def test_every_problem_is_reported_at_once() -> None:
    data = example_data()
    data["pain"]["now"] = 11
    data["schedule"]["minutes"] = 500
    with pytest.raises(InputError) as info:
        intake_from_dict(data)
    assert "pain.now" in str(info.value) and "schedule.minutes" in str(info.value)


def test_bad_toml_names_the_file(tmp_path: Path) -> None:
    f = tmp_path / "me.toml"
    f.write_text("[pain\nnow = 1\n")
    with pytest.raises(InputError, match="me.toml: not valid TOML"):
        load_intake(f)
    with pytest.raises(InputError, match="no such intake file"):
        load_intake(tmp_path / "missing.toml")


@pytest.mark.parametrize("flag", ALWAYS)
@pytest.mark.parametrize("answer", ["yes", "YES", "unsure", True])
def test_each_red_flag_stops_the_plan(flag: str, answer: object) -> None:
    """ "yes" in any case, "unsure" (a screen that cannot rule it out), and an earlier intake's
    ``true`` all stop the plan; the note says which were only unsure."""
    data = example_data()
    data["red_flags"][flag] = answer
    intake = intake_from_dict(data)
    with pytest.raises(RedFlagError, match="clinician") as info:
        check_red_flags(intake)
    assert ("not sure: " in str(info.value)) == (answer == "unsure")
    assert REDFLAG_QUESTIONS[flag][1] in referral_text(intake)


@pytest.mark.parametrize("answer", ["no", "No", False])
def test_no_and_an_earlier_intakes_false_let_the_plan_go_ahead(answer: object) -> None:
    data = example_data()
    data["red_flags"] = dict.fromkeys(data["red_flags"], answer)
    intake = intake_from_dict(data)
    assert red_flags(intake) == [] and set(intake.red_flags.model_dump().values()) == {"no"}


@given(age=st.integers(8, 100), flag=st.sampled_from(UNDER_16))
def test_child_flags_refer_only_under_16s(age: int, flag: str) -> None:
    data = example_data()
    data["person"]["age"] = age
    data["red_flags"][flag] = "yes"
    assert bool(red_flags(intake_from_dict(data))) == (age < 16)


@given(
    name=st.text(st.characters(min_codepoint=32, blacklist_characters="\x7f"), max_size=30),
    goal=st.text(max_size=60),
    days=st.lists(st.sampled_from(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]),
                  min_size=1, unique=True),
    minutes=st.integers(10, 120),
    constraints=st.lists(st.sampled_from(["low-back", "irritable-knees", "hypermobility",
                                          "kneeling-pain"]), unique=True),
)  # fmt: skip
def test_any_valid_intake_survives_the_toml_round_trip(
    name: str, goal: str, days: list[str], minutes: int, constraints: list[str]
) -> None:
    data = example_data()
    data["person"]["name"] = name
    data["goals"]["goal"] = goal
    data["schedule"] = {"days": days, "minutes": minutes}
    data["constraints"] = constraints
    intake = intake_from_dict(data)
    assert intake_from_dict(tomllib.loads(intake_to_toml(intake))) == intake


# --------------------------------------------------------------------------- questionnaire


def interview(answer: dict[tuple[str, ...], Any]) -> tuple[list[tuple[str, ...]], list[str]]:
    """Ask the red-flags-first questionnaire as `kneecoach intake` should: stop on a "yes"."""
    data: dict[str, Any] = {}
    asked: list[tuple[str, ...]] = []
    for q in questions():
        value = answer.get(q.path, q.default)
        set_path(data, q.path, value)
        asked.append(q.path)
        if q.stops and reported(data):
            return asked, reported(data)
    return asked, []


def test_red_flags_are_asked_right_after_name_and_age() -> None:
    order = questions()
    paths = [q.path for q in order]
    assert paths[:2] == [("person", "name"), ("person", "age")]
    assert [p[1] for p in paths[2:13]] == list(REDFLAG_QUESTIONS)
    assert all(q.stops for q in order[2:13]) and not any(q.stops for q in order[13:])
    assert len(set(paths)) == len(paths) and ("schedule", "minutes") in paths


def test_a_yes_to_a_red_flag_stops_the_questionnaire_with_the_referral() -> None:
    asked, found = interview({("person", "age"): 40, ("red_flags", "locking"): "yes"})
    assert found == ["locking"]
    assert asked[-1] == ("red_flags", "locking") and len(asked) == 4
    assert not any(p[0] in ("pain", "schedule", "self_tests") for p in asked)
    note = referral_text(found)
    assert "  - locking" in note and "clinician" in note


@pytest.mark.parametrize(("age", "stops"), [(12, True), (15, True), (16, False), (40, False)])
def test_child_flags_stop_only_under_16s(age: int, stops: bool) -> None:
    asked, found = interview({("person", "age"): age, ("red_flags", "knee_swelling"): "yes"})
    assert bool(found) == stops
    assert (("schedule", "minutes") in asked) == (not stops)


def test_no_red_flag_asks_everything() -> None:
    asked, found = interview({("person", "age"): 30})
    assert found == [] and len(asked) == len(questions())
