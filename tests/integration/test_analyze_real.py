"""``analyze`` on real clips (../shared/media) with the real model: trainers' labels agree.

The LNewCo front-view overhead squats carry fitness trainers' comments
(../shared/media/groundtruth/lnewco_trainer_labels/labels.csv): clip 01 "greater
sway in right knee", clip 03 "favor to right side slightly", clip 05 "slight knee
varus". kneecoach must agree in direction. Skipped when the clips are absent.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.conftest import media

from kneecoach.analyze import run_analyze
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings

pytestmark = [pytest.mark.media, pytest.mark.model]


def analyse(name: str, out: Path, test: str = "auto") -> dict:
    run_analyze(media(name), out_dir=out, settings=Settings(), test=test, video=False)
    return json.loads((out / "summary.json").read_text())


def shift(summary: dict, side: str) -> float:
    return summary["sides"][side]["mean_knee_shift_pct"]


@pytest.mark.parametrize("clip", ["front_overhead_squat_01.mov", "front_overhead_squat_03.mov"])
def test_the_knee_the_trainer_named_caves_in_more(clip: str, tmp_path: Path) -> None:
    s = analyse(clip, tmp_path)
    assert s["test"] == "squat" and s["view"] == "frontal"
    assert shift(s, "right") > shift(s, "left")
    for side in ("left", "right"):
        (rep,) = s["sides"][side]["reps"]
        assert rep["kasr"] is not None
        # the deep-squat trap: no FPPA is read where the thigh points at the camera
        if rep["fppa_frame"] is not None and rep["fppa_frame"] != rep["frame"]:
            assert any("not valid" in n for n in rep["notes"])
    assert (tmp_path / "report.html").stat().st_size > 10_000


def test_the_varus_squat_moves_both_knees_outward(tmp_path: Path) -> None:
    s = analyse("front_overhead_squat_05.mov", tmp_path, test="squat")
    assert shift(s, "left") < 0 and shift(s, "right") < 0
    assert s["sides"]["left"]["reps"][0]["kasr"] > 1.2  # knees wider apart than the ankles


def test_a_side_view_gets_no_valgus_number_and_a_filming_tip(tmp_path: Path) -> None:
    with pytest.raises(InsufficientDataError, match="sagittal.*Film from the front"):
        analyse("side_squat_01.mp4", tmp_path, test="squat")
    s = json.loads((tmp_path / "summary.json").read_text())
    assert len(s["sides"]["left"]["reps"]) >= 2  # the reps are still found and kept
    assert all(r["fppa_deg"] is None for r in s["sides"]["left"]["reps"])
    assert s["findings"][0]["code"] == "view_refused"
