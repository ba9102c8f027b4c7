"""``kneecoach train --source``: the live loop over a clip's frames, as from a camera."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import media, write_video

from kneecoach.app.track import TrackRequest, track
from kneecoach.app.train import train_on_file
from kneecoach.cli.main import cli
from kneecoach.metrics.frames import frame_measures
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.sample_data.synthetic import double_leg_squat


def test_every_frame_gets_a_row_with_the_live_measures_and_cue(tmp_path: Path) -> None:
    squat = double_leg_squat(peak_fppa_deg=(14.0, 2.0), depth_px=150, duration_s=1.0, fps=30)
    video = write_video(tmp_path / "set.mp4", n=30)
    result = train_on_file(video, tmp_path / "live.csv",
                           pose=lambda: FakePoseEstimator(squat))  # fmt: skip
    rows = list(csv.DictReader((tmp_path / "live.csv").open(encoding="utf-8")))
    assert result.frames == len(rows) == 30
    assert sum(result.cues["left"].values()) == 30
    assert rows[0]["cue_left"] in ("in line", "drifting", "inside")
    assert float(rows[0]["time_s"]) == 0.0 and float(rows[-1]["time_s"]) > 0.9


def test_on_a_real_squat_the_live_cue_matches_the_offline_measure(tmp_path: Path) -> None:
    clip = media("front_overhead_squat_04.mov")
    result = CliRunner().invoke(cli, ["train", "--source", str(clip), "--out",
                                      str(tmp_path / "live.csv")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "68 frames, live" in result.output and "furthest inside" in result.output
    rows = list(csv.DictReader((tmp_path / "live.csv").open(encoding="utf-8")))
    offline = frame_measures(track(TrackRequest(clip, tmp_path / "t", video=False)).clean).table
    for side in ("left", "right"):
        live = np.array([float(r[f"knee_over_foot_{side}"] or "nan") for r in rows])
        want = offline[f"knee_over_foot_{side}_pct"].to_numpy(float)
        ok = np.isfinite(live) & np.isfinite(want)
        assert ok.mean() > 0.9
        assert np.median(np.abs(live[ok] - want[ok])) < 1.0  # % of leg length


def test_a_set_trained_on_a_file_is_logged_with_its_reps(tmp_path: Path) -> None:
    from kneecoach.app.journal import Journal
    from kneecoach.sample_data.synthetic import single_leg_squat
    from kneecoach.storage.models import SessionLog

    squat = single_leg_squat(reps=3)
    video = write_video(tmp_path / "set.mp4", n=squat.sizes["time"], fps=60)
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite3'}") as journal:
        journal.add_person("Ivo")
        result = train_on_file(video, None, journal=journal, person="Ivo", log=True,
                               pose=lambda: FakePoseEstimator(squat))  # fmt: skip
        assert [r.index for r in result.reps] == [1, 2, 3] and result.logged is not None
        with journal.transaction() as session:
            (log,) = session.query(SessionLog).all()
            assert log.done and len(log.exercises[0]["live_reps"]) == 3


def test_a_position_sense_clip_is_scored_from_its_holds_and_stored(tmp_path: Path) -> None:
    from tests.fixtures.sense import FPS, Scripted

    from kneecoach.app.journal import Journal

    pose = Scripted()
    video = write_video(tmp_path / "sense.mp4", n=len(pose.frames), fps=FPS)
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite3'}") as journal:
        journal.add_person("Eli")
        result = train_on_file(video, None, journal=journal, person="Eli", log=True,
                               pose=lambda: pose, sense="knee_over_toe")  # fmt: skip
        assert result.sense is not None and len(result.sense.trials) == 3
        assert result.logged is None  # a test, not a training session
        (stored,) = journal.history("Eli", today=date.today()).sense_tests
        assert stored[2]["absolute_error_left"] == pytest.approx(3.0, abs=0.15)
