"""The exercise library is data: its integrity is checked here, entry by entry."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kneecoach.core.errors import InputError
from kneecoach.program import load_library
from kneecoach.program.exercises import chain, validate_library
from kneecoach.program.models import Library

LIB = load_library()

#: every exercise the issue lists, by our id
REQUIRED = [
    "clamshell", "clamshell-band", "side-lying-abduction", "side-lying-abduction-weighted",
    "glute-bridge", "glute-bridge-band", "single-leg-bridge", "side-steps-band-thighs",
    "side-steps-band-shins", "side-steps-band-ankles", "side-lunge", "step-up", "step-down",
    "crossover-step-up",
    "romanian-deadlift", "hamstring-curl", "squat-knees-out", "side-lying-ball-press",
    "pallof-side-step", "adductor-squeeze", "side-lying-adduction", "short-foot",
    "ankle-dorsiflexion-mobilisation", "knee-to-wall", "hip-hitch", "single-leg-hinge",
    "single-leg-squat", "foam-roll-glute-tfl", "foam-roll-quads", "tfl-stretch",
    "hip-flexor-stretch", "quadruped-rocking", "walking-childs-pose",
]  # fmt: skip


def test_every_listed_exercise_is_in_the_library() -> None:
    assert set(REQUIRED) <= set(LIB.ids)
    assert len(LIB.ids) == len(set(LIB.ids))


def test_the_shipped_library_is_consistent() -> None:
    assert validate_library(LIB) == []


def test_links_exist_and_point_the_right_way() -> None:
    for e in LIB.exercises:
        if e.progression:
            assert LIB.get(e.progression).difficulty > e.difficulty, e.id
            assert LIB.get(e.progression).regression == e.id, e.id
        if e.regression:
            assert LIB.get(e.regression).difficulty < e.difficulty, e.id


def test_no_cycles_every_chain_ends() -> None:
    for e in LIB.exercises:
        seen = [e.id]
        nxt = e.progression
        while nxt is not None:
            assert nxt not in seen, f"cycle through {seen}"
            seen.append(nxt)
            nxt = LIB.get(nxt).progression
        assert e.id in chain(LIB, e.id)


def test_banded_side_steps_move_the_band_down_thighs_shins_ankles() -> None:
    assert chain(LIB, "side-steps-band-thighs") == [
        "side-steps-band-thighs", "side-steps-band-shins", "side-steps-band-ankles",
    ]  # fmt: skip
    shins = LIB.get("side-steps-band-shins")
    assert "shins" in shins.name and shins.per_side and shins.equipment[0].item == "band"


def test_the_issue_dosages() -> None:
    hitch, hinge, sls = (
        LIB.get("hip-hitch"),
        LIB.get("single-leg-hinge"),
        LIB.get("single-leg-squat"),
    )
    assert (hitch.dosage.reps, hitch.dosage.hold_s) == (5, 5)
    assert (hinge.dosage.sets, hinge.dosage.time_s, hinge.per_side) == (1, 60, True)
    assert (sls.dosage.sets, sls.dosage.time_s, sls.per_side) == (2, 60, True)
    assert LIB.get("clamshell").dosage.text() == "3 × 10"


ROOT = Path(__file__).resolve().parents[3]
#: "§2.1", "§7", and both ends of a range "§2.1-2.2"
CITE = re.compile(r"§(\d+(?:\.\d+)?)(?:[-–](\d+(?:\.\d+)?))?")


def science_sections() -> set[str]:
    """Section numbers of docs/science.md ("## 7. …" → 7, "### 7.2 …" → 7.2)."""
    text = (ROOT / "docs" / "science.md").read_text(encoding="utf-8")
    return set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\.? ", text, flags=re.MULTILINE))


def cited(text: str) -> list[str]:
    return [n for m in CITE.finditer(text) for n in m.groups() if n]


def test_science_sections_are_parsed() -> None:
    assert {"1.3", "5", "6", "7.1", "7.2", "7.3"} <= science_sections()
    assert cited("science.md §2.1-2.2 and §7") == ["2.1", "2.2", "7"]


def test_every_dosage_and_choice_cites_a_section_that_exists() -> None:
    sections = science_sections()
    for e in LIB.exercises:
        for text in (e.evidence, e.dosage.source):
            assert "science.md §" in text, (e.id, text)
            assert cited(text) and set(cited(text)) <= sections, (e.id, text)
        assert e.harder and e.easier, e.id


def test_every_section_the_coaching_code_cites_exists() -> None:
    sections = science_sections()
    for path in sorted((ROOT / "src" / "kneecoach" / "program").glob("*.py")):
        missing = set(cited(path.read_text(encoding="utf-8"))) - sections
        assert not missing, (path.name, missing)


def test_every_equipment_need_has_a_way_round_it() -> None:
    for e in LIB.exercises:
        for need in e.equipment:
            assert need.alternatives or need.without or e.regression, (e.id, need.item)


def test_constraint_tags_sit_where_the_issue_puts_them() -> None:
    tags = {e.id: set(e.contraindications) for e in LIB.exercises}
    assert "loaded-bend-twist" in tags["romanian-deadlift"]
    assert "deep-loaded-flexion" in tags["squat-knees-out"]
    assert "end-range-stretch" in tags["tfl-stretch"]
    assert "kneeling" in tags["hip-flexor-stretch"]
    # both rock back toward the heels: deep knee bending under body weight (issue 5)
    assert {"kneeling", "deep-loaded-flexion"} <= tags["quadruped-rocking"]
    assert {"kneeling", "deep-loaded-flexion", "end-range-stretch"} <= tags["walking-childs-pose"]
    assert not tags["side-lying-ball-press"]


def _broken(**change: object) -> Library:
    data = LIB.model_dump()
    data["exercises"][0].update(change)
    return Library.model_validate(data)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"progression": "no-such-exercise"}, "not in the library"),
        ({"progression": "foam-roll-quads"}, "must be harder"),
        ({"muscles": ["biceps"]}, "unknown muscle"),
        ({"contraindications": ["jumping"]}, "unknown contraindication"),
        ({"progression": "single-leg-bridge"}, "must regress back"),
        ({"regression": "side-lying-abduction"}, "must be easier"),
    ],
)
def test_the_checks_catch_broken_entries(change: dict[str, object], message: str) -> None:
    assert any(message in p for p in validate_library(_broken(**change)))


def test_a_broken_library_file_names_the_problem(tmp_path) -> None:  # type: ignore[no-untyped-def]
    bad = tmp_path / "lib.toml"
    bad.write_text('[muscles]\n[equipment]\n[contraindications]\n[[exercise]]\nid = "x"\n')
    with pytest.raises(InputError, match="lib.toml"):
        load_library(bad)
