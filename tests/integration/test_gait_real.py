"""Gait analysis on real walking and running clips (../shared/media) through the real pipeline.

The contact frames named below were checked by eye on the video frames (the
foot visibly planted at the front of the step, legs furthest apart). Skipped
when the clips are absent.
"""

from __future__ import annotations

import json

import pytest
from tests.conftest import media

from kneecoach.analyze import run_analyze
from kneecoach.core.settings import Settings

pytestmark = [pytest.mark.media, pytest.mark.model]


@pytest.fixture(scope="module")
def analysed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """Each clip tracked and analysed once for the whole module."""
    done: dict[str, dict] = {}

    def run(name: str, test: str) -> dict:
        if name not in done:
            out = tmp_path_factory.mktemp(name.split(".")[0])
            run_analyze(media(name), out_dir=out, settings=Settings(), test=test, video=False)
            done[name] = json.loads((out / "summary.json").read_text())
        return done[name]

    return run  # type: ignore[return-value]


def contacts(summary: dict, side: str) -> list[int]:
    return [s["frame"] for s in summary["sides"][side]["steps"]]


def near(found: list[int], frame: int, tol: int = 4) -> bool:
    return any(abs(f - frame) <= tol for f in found)


def test_front_walking_gives_alternating_steps_with_frontal_measures(analysed) -> None:
    s = analysed("front_walking_01.mp4", "walk")
    assert s["view"] == "frontal" and s["test"] == "walk"
    left, right = contacts(s, "left"), contacts(s, "right")
    assert all(near(left, f) for f in (26, 63, 99))  # left foot planted (seen on the frames)
    assert all(near(right, f) for f in (45, 81))
    assert 80 <= s["gait"]["cadence_spm"] <= 130  # a slow walk with a cane
    for side in ("left", "right"):
        done = [x for x in s["sides"][side]["steps"] if x["complete"]]
        assert len(done) >= 2
        assert all(x["fppa_deg"] is not None and x["pelvic_drop_deg"] is not None for x in done)
    assert s["sides"]["left"]["peak_fppa_deg"] is not None
    assert any(f["code"] == "few_steps" for f in s["findings"])  # 4.8 s: fewer than 7 per leg


def test_side_walking_gives_cadence_and_contacts_but_no_valgus(analysed) -> None:
    s = analysed("side_walking_01.mp4", "walk")
    assert s["view"] == "sagittal"
    assert s["findings"][0]["code"] == "view_refused"
    assert near(contacts(s, "left"), 60, 3) and near(contacts(s, "left"), 88, 3)
    assert near(contacts(s, "right"), 72, 3)
    assert 95 <= s["gait"]["cadence_spm"] <= 130
    for side in ("left", "right"):
        info = s["sides"][side]
        assert info["peak_fppa_deg"] is None and info["n_steps"] >= 7
        assert all(x["fppa_deg"] is None and x["step_width"] is None for x in info["steps"])
        assert info["mean_knee_flexion_contact_deg"] is not None


def test_side_running_clip_gives_no_valgus_number(analysed) -> None:
    s = analysed("side_running_01.mp4", "run")
    assert s["view"] == "sagittal" and s["test_label"] == "Running"
    for side in ("left", "right"):
        assert s["sides"][side]["peak_fppa_deg"] is None
        assert s["sides"][side]["n_steps"] >= 1
