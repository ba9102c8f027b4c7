"""Every dosage and weekly frequency kneecoach prescribes matches what its source says.

Numbers in a dosage ``source`` either appear in science.md §7 (the trial templates) or sit in
a clause that says "our choice"; rests follow FOHX's ~90 s where the exercise is loaded; and
what a plan prescribes is what the library (``kneecoach exercises --show``) says.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from kneecoach.program import build_programme, intake_from_dict, load_library
from kneecoach.program.phases import later_phases, phase_plan

ROOT = Path(__file__).resolve().parents[3]
LIB = load_library()
SCIENCE = (ROOT / "docs" / "science.md").read_text(encoding="utf-8")
#: equipment that loads an exercise (a band or a weight), as FOHX's ~10-12RM loads did
LOADS = {"band", "ankle-weight", "dumbbell", "cable-sling"}
#: a "3 × 10" or "3 × 5-10" dose
DOSE = re.compile(r"(\d+) × (\d+)(?:-(\d+))?")


def section(number: str) -> str:
    """The text of science.md section ``number`` ("7" → all of §7), dashes and "3 sets × 10
    reps" normalised to "-" and "3 × 10"."""
    start = re.search(rf"^##+ {re.escape(number)}\.? ", SCIENCE, re.M)
    assert start is not None, number
    nxt = re.search(r"^## \d", SCIENCE[start.end() :], re.M)
    text = SCIENCE[start.start() : start.end() + (nxt.start() if nxt else len(SCIENCE))]
    text = text.replace("–", "-")
    return re.sub(r"(\d+) sets × (\d+) reps", r"\1 × \2", text)


def clauses(source: str) -> list[str]:
    return [c for c in re.split(r"[;]", source) if c.strip()]


def cited(source: str) -> list[str]:
    """The clauses that cite a trial rather than say "our choice"."""
    return [c for c in clauses(source) if "our choice" not in c and "not trial-tested" not in c]


@pytest.mark.parametrize("e", LIB.exercises, ids=lambda e: e.id)
def test_every_trial_dose_a_source_quotes_is_in_science_md(e: Any) -> None:
    trials = section("7")
    for clause in cited(e.dosage.source):
        for m in DOSE.finditer(clause):
            assert m.group(0) in trials, (e.id, m.group(0), clause)


@pytest.mark.parametrize("e", LIB.exercises, ids=lambda e: e.id)
def test_the_prescribed_sets_and_reps_are_cited_or_our_choice(e: Any) -> None:
    d = e.dosage
    if d.reps is None:  # timed: the minutes are always our choice
        assert "our choice" in d.source, e.id
        return
    matches = [m for c in cited(d.source) for m in DOSE.finditer(c)
               if int(m.group(1)) == d.sets
               and int(m.group(2)) <= d.reps <= int(m.group(3) or m.group(2))]  # fmt: skip
    said_ours = any(
        "our choice" in c and re.search(r"reps|sets|holds|repetitions|dosage|× 10", c)
        for c in clauses(d.source)
    )
    assert matches or said_ours, (e.id, d.text(), d.source)


@pytest.mark.parametrize("e", LIB.exercises, ids=lambda e: e.id)
def test_rests_follow_fohx_when_loaded_and_say_our_choice_otherwise(e: Any) -> None:
    d = e.dosage
    loaded = {n.item for n in e.equipment} & LOADS
    if loaded and e.id != "glute-bridge-band":
        assert d.rest_s == 90 and "~90 s rest" in d.source, (e.id, d.rest_s, d.source)
    elif d.rest_s == 90:
        assert "~90 s rest" in d.source, e.id
    elif d.sets > 1:  # a rest between sets that no trial gave
        ours = [c for c in clauses(d.source) if "our choice" in c]
        assert any(f"{d.rest_s} s rest" in c for c in ours), (e.id, d.rest_s, d.source)


def test_the_banded_bridge_says_why_it_rests_less_than_fohx() -> None:
    source = LIB.get("glute-bridge-band").dosage.source
    assert LIB.get("glute-bridge-band").dosage.rest_s == 60
    assert "60 s rest our choice" in source and "body weight" in source


def test_the_side_lunge_is_the_nakagawa_dose() -> None:
    d = LIB.get("side-lunge").dosage
    assert (d.sets, d.reps) == (3, 10) and "3 × 10" in d.source


def test_foot_sources_say_the_trial_was_twice_a_week_and_the_rest_is_ours() -> None:
    row = next(r for r in section("7.2").splitlines() if "Mølgaard" in r)
    assert "**2×/week for 12 weeks**" in row  # the trial's foot-exercise frequency
    for eid in ("short-foot", "short-foot-single-leg"):
        source = LIB.get(eid).dosage.source
        assert "Mølgaard 2018" in source and "2×/week" in source
        assert "no sets or holds given" in source
        assert "more often than the trial: our choice" in source


def test_phase_texts_quote_the_fohx_rest_and_the_real_frequency_range() -> None:
    phases = {p.name: p for p in [*phase_plan(4), *later_phases(4, 8)]}
    strength = phases["strength"]
    assert "90 s" in strength.goal and "~90 s rest" in strength.source
    assert "10-12 times" in strength.goal
    # §7.2: Mølgaard's foot work twice a week ... Crossley daily (it read "2-5×/week")
    assert "daily" in section("7.2") and "6 weeks daily" in section("7.2")
    maintenance = phases["maintenance"].source
    assert "daily (Crossley)" in maintenance and "twice a week" in maintenance
    assert "2-5×" not in maintenance
    assert "ITBS" in phases["activation"].source and "our choice" in phases["activation"].source


# --------------------------------------------------------------------------- plans

EXAMPLE = ROOT / "examples" / "intake.toml"


def intake(**sections: Any) -> Any:
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    data.update(goals={"sports": ["running"]}, constraints=[], equipment=[])
    data["pain"]["side"] = "none"
    for key, value in sections.items():
        data[key] = {**data[key], **value} if isinstance(data.get(key), dict) else value
    return intake_from_dict(data)


FOOT = {"self_tests": {"opposite_hip_drops": "yes", "knees_cave_sit_to_stand": "yes",
                       "front_thigh_tension": "no", "weaker_side": "right",
                       "single_leg_squat_fatigue": ["sole-of-foot", "front-of-ankle"]},
        "constraints": ["irritable-knees"], "equipment": ["soft-ball"]}  # fmt: skip


def foot_note(p: Any) -> list[str]:
    return [n for n in p.notes if "Mølgaard 2018" in n]


def test_foot_work_more_than_twice_a_week_says_the_trial_did_it_twice() -> None:
    three = build_programme(intake(**FOOT, schedule={"days": ["tue", "thu", "sat"],
                                                     "minutes": 40}),
                            start=dt.date(2026, 1, 5))  # fmt: skip
    assert any(x.category == "foot-ankle" for s in three.sessions for x in s.exercises)
    (note,) = foot_note(three)
    assert "up to 3 a week" in note and "twice a week" in note and "our choice" in note
    two = build_programme(intake(**FOOT, schedule={"days": ["tue", "fri"], "minutes": 40}),
                          start=dt.date(2026, 1, 5))  # fmt: skip
    assert foot_note(two) == []


@pytest.mark.parametrize("minutes", [20, 25])
def test_loaded_rests_do_not_crowd_out_the_foot_work(minutes: int) -> None:
    """The 90-s rests made the loaded hip work longer; a 20-minute session still keeps a foot
    or ankle exercise next to the hip work when the answers point to the foot."""
    p = build_programme(intake(**FOOT, schedule={"days": ["tue", "thu", "sat"],
                                                 "minutes": minutes}),
                        start=dt.date(2026, 1, 5))  # fmt: skip
    block = [s for s in p.sessions if s.phase in ("activation", "strength", "integration")]
    for s in block:
        cats = [x.category for x in s.exercises]
        assert "foot-ankle" in cats and cats.count("hip") >= 2, (s.title, cats)
        assert s.minutes <= minutes


def test_a_plan_prescribes_what_the_library_says() -> None:
    demo = ROOT / "src" / "kneecoach" / "program" / "library" / "demo_intake.toml"
    data = tomllib.loads(demo.read_text(encoding="utf-8"))
    p = build_programme(intake_from_dict(data), start=dt.date(2026, 11, 23))
    seen = 0
    for s in p.sessions:
        for x in s.exercises:
            d = LIB.get(x.exercise_id).dosage
            assert (x.reps, x.hold_s, x.time_s, x.rest_s) == (d.reps, d.hold_s, d.time_s,
                                                               d.rest_s)  # fmt: skip
            assert x.sets <= d.sets and x.dosage == d.model_copy(update={"sets": x.sets}).text()
            if s.phase == "strength" and {n.item for n in LIB.get(x.exercise_id).equipment} & {
                "band",
                "ankle-weight",
            }:
                seen += 1
                assert x.rest_s == 90 or x.exercise_id == "glute-bridge-band", x.exercise_id
    assert seen
