"""The whole track stage on a real (tiny) video with the fake pose backend: no model needed."""

from pathlib import Path

import av
import numpy as np
import pandas as pd
import pytest
from tests.conftest import write_video

from kneecoach.analyze import run_analyze
from kneecoach.core.errors import InputError, InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.core.track import read_log
from kneecoach.io import from_netcdf_file, from_trc_file, to_csv_file
from kneecoach.pipeline import knee_labels, run_track
from kneecoach.pose import FakePoseEstimator
from kneecoach.sample_data.gait import treadmill
from kneecoach.sample_data.synthetic import side_squat, single_leg_squat, with_swap


@pytest.fixture
def scene(tiny_video):
    """A 90-frame 30 fps 180x320 video and a matching synthetic track (swap in 40-50)."""
    video = tiny_video(n=90, size=(180, 320))
    truth = single_leg_squat(fps=30, duration_s=3, reps=1, image_size=(180, 320), scale_px=1)
    return video, truth


def test_video_to_clean_track_and_files(scene, tmp_path: Path) -> None:
    video, truth = scene
    fake = FakePoseEstimator(with_swap(truth, start=40, stop=50))
    result = run_track(
        video, out_dir=tmp_path / "out", settings=Settings(), formats=["csv", "trc"], estimator=fake
    )
    assert len(fake.calls) == 90 and fake.calls[0] == (320, 180, 3)
    assert set(result.files) == {"track", "csv", "trc", "quality", "video"}
    track = from_netcdf_file(result.files["track"])
    assert track.sizes["time"] == 90 and track.attrs["image_width"] == 180
    np.testing.assert_allclose(track["time"].values, np.arange(90) / 30, atol=1e-3)
    ops = [e["operation"] for e in read_log(track)]
    assert ops == [
        "estimate_pose",
        "filter_by_confidence",
        "fix_lr_swaps",
        "interpolate_gaps",
        "filter_butterworth",
    ]
    assert read_log(track)[2]["params"]["swapped_frames"]["body"] == [[40, 49]]
    # the subject's left knee stays on the image right (facing the camera) after cleaning
    lk = track["position"].sel(keypoints="left_knee", space="x").values
    rk = track["position"].sel(keypoints="right_knee", space="x").values
    assert (lk > rk).all()
    table = pd.read_csv(result.files["csv"])
    assert len(table) == 90 and {"frame", "time_s", "left_knee_x_px"} <= set(table.columns)
    assert from_trc_file(result.files["trc"]).sizes["time"] == 90
    with av.open(str(result.files["video"])) as annotated:
        assert sum(1 for _ in annotated.decode(video=0)) == 90


def test_trimmed_run_keeps_source_frame_numbers(scene, tmp_path: Path) -> None:
    video, truth = scene
    fake = FakePoseEstimator(truth.isel(time=slice(30, 61)))
    result = run_track(
        video,
        out_dir=tmp_path,
        settings=Settings(),
        start_s=1.0,
        end_s=2.0,
        video=False,
        estimator=fake,
    )
    assert result.raw["frame"].values[0] == 30 and result.raw["frame"].values[-1] == 60
    assert "video" not in result.files


def test_start_beyond_the_end_says_how_long_the_input_is(scene, tmp_path: Path) -> None:
    video, truth = scene
    clip = r"between 50 s and the end \(the clip is 3\.00 s long\)"
    with pytest.raises(InsufficientDataError, match=clip):
        run_track(video, out_dir=tmp_path, settings=Settings(), start_s=50,
                  estimator=FakePoseEstimator(truth))  # fmt: skip
    csv = to_csv_file(truth, tmp_path / "k.csv")
    track = r"k\.csv: no frames between 50 s and 60 s \(the track runs from 0\.00 to 2\.97 s\)"
    with pytest.raises(InsufficientDataError, match=track):
        run_track(csv, out_dir=tmp_path, settings=Settings(), start_s=50, end_s=60)


def test_a_bad_output_folder_fails_before_tracking(scene, tmp_path: Path) -> None:
    video, truth = scene
    (tmp_path / "file").write_text("not a folder")
    fake = FakePoseEstimator(truth)
    with pytest.raises(InputError, match="cannot create the folder"):
        run_track(video, out_dir=tmp_path / "file" / "o", settings=Settings(), estimator=fake)
    assert fake.calls == []


def test_no_person_keeps_the_quality_report_and_says_why(scene, tmp_path: Path) -> None:
    video, truth = scene
    empty = truth.copy(deep=True)
    empty["position"][:] = np.nan
    with pytest.raises(InsufficientDataError, match="no person was found"):
        run_track(video, out_dir=tmp_path, settings=Settings(), estimator=FakePoseEstimator(empty))
    assert (tmp_path / "quality.json").exists()


def test_keypoint_file_goes_through_the_same_stage(tmp_path: Path) -> None:
    from kneecoach.io import to_trc_file

    raw = with_swap(single_leg_squat(duration_s=2, reps=1), start=10, stop=30)
    trc = to_trc_file(raw, tmp_path / "other_tool.trc")
    result = run_track(trc, out_dir=tmp_path / "out", settings=Settings(), formats=["csv"])
    ops = [e["operation"] for e in read_log(result.clean)]
    assert ops[0] == "from_trc_file" and "fix_lr_swaps" in ops
    assert result.quality.view == "frontal"
    assert "video" in result.files  # drawn on a plain background sized to the keypoints


def test_knee_labels_show_the_angle_the_view_supports() -> None:
    labels, legend = knee_labels(
        single_leg_squat(peak_fppa_deg=[10.0, 14.0, 24.0]), "frontal", Settings()
    )
    assert legend is not None and "valgus" in legend
    assert [labels[row]["left"] for row in (0, 90, 270, 450)] == [
        "L +0°",
        "L +10°",
        "L +14°",
        "L +24°",
    ]
    side, legend = knee_labels(side_squat(peak_knee_flexion_deg=90.0), "sagittal", Settings())
    assert side[90] == {"left": "L 90°", "right": "R 90°"} and legend == "knee flexion (2D)"
    assert knee_labels(side_squat(), "unknown", Settings()) == ([], None)


def test_analysis_shows_progress_while_it_reads_the_worst_frames(tiny_video, tmp_path) -> None:
    """Decoding a long clip again for the worst moments takes a while: it gets a bar too."""
    truth = single_leg_squat(fps=30, duration_s=9, image_size=(180, 320), scale_px=1)
    video = tiny_video(n=truth.sizes["time"], size=(180, 320))
    calls: list[tuple[str, int, int | None]] = []
    result = run_analyze(video, out_dir=tmp_path, settings=Settings(), test="single-leg-squat",
                         video=False, estimator=FakePoseEstimator(truth),
                         progress=lambda *call: calls.append(call))  # fmt: skip
    wanted = len(result.assessment.worst_moments)
    assert wanted > 0
    stage = [c for c in calls if c[0] == "reading the worst moments' frames"]
    assert stage[0] == (stage[0][0], 0, wanted) and stage[-1][1:] == (wanted, wanted)


def test_analysis_writes_every_other_file_before_the_annotated_video(
    tiny_video, tmp_path, monkeypatch
) -> None:
    """The video is the slowest step: Ctrl-C while it is drawn keeps the report and the rest."""
    import kneecoach.pipeline

    truth = single_leg_squat(fps=30, duration_s=9, image_size=(180, 320), scale_px=1)
    video = tiny_video(n=truth.sizes["time"], size=(180, 320))
    out = tmp_path / "out"
    written: list[str] = []

    def interrupted(*args: object, **kwargs: object) -> Path:
        written.extend(sorted(p.name for p in out.iterdir()))
        raise KeyboardInterrupt

    monkeypatch.setattr(kneecoach.pipeline, "write_annotated_video", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_analyze(video, out_dir=out, settings=Settings(), test="single-leg-squat",
                    estimator=FakePoseEstimator(truth))  # fmt: skip
    assert {"track.nc", "quality.json", "frames.csv", "summary.json", "report.html",
            "worst_1.png"} <= set(written)  # fmt: skip


def test_analysis_draws_the_video_last_and_lists_it(tiny_video, tmp_path) -> None:
    truth = single_leg_squat(fps=30, duration_s=9, image_size=(180, 320), scale_px=1)
    video = tiny_video(n=truth.sizes["time"], size=(180, 320))
    stages: list[str] = []
    result = run_analyze(video, out_dir=tmp_path, settings=Settings(), test="single-leg-squat",
                         estimator=FakePoseEstimator(truth),
                         progress=lambda stage, *_: stages.append(stage))  # fmt: skip
    assert stages[-1] == "drawing the annotated video"
    assert list(result.files)[-1] == "video" and result.files["video"].is_file()


def test_a_refused_analysis_still_draws_the_video(tiny_video, tmp_path) -> None:
    truth = single_leg_squat(fps=30, duration_s=9, image_size=(180, 320), scale_px=1)
    video = tiny_video(n=truth.sizes["time"], size=(180, 320))
    with pytest.raises(InsufficientDataError):
        run_analyze(video, out_dir=tmp_path, settings=Settings(), test="drop-jump",
                    estimator=FakePoseEstimator(truth))  # fmt: skip
    assert (tmp_path / "report.html").is_file() and (tmp_path / "annotated.mp4").is_file()


def test_a_run_recognised_by_auto_is_filtered_as_running(tmp_path: Path) -> None:
    """science.md §8: running at ≥ 40 fps is filtered at 12 Hz, whether named or recognised."""

    run = treadmill(fps=60, duration_s=5, image_size=(360, 640))
    video = write_video(tmp_path / "run.mp4", n=run.track.sizes["time"], size=(360, 640), fps=60)
    outputs = {}
    for test in ("auto", "run"):
        res = run_analyze(video, out_dir=tmp_path / test, settings=Settings(), test=test,
                          video=False, estimator=FakePoseEstimator(run.track))  # fmt: skip
        assert res.assessment is not None and res.assessment.test == "run"
        assert "running: keypoints filtered at 12 Hz (science.md §8)" in res.assessment.notes
        (step,) = [s for s in read_log(from_netcdf_file(tmp_path / test / "track.nc"))
                   if s["operation"] == "filter_butterworth"]  # fmt: skip
        assert step["params"]["cutoff_hz"] == 12.0
        outputs[test] = (tmp_path / test / "frames.csv").read_text()
    assert outputs["auto"] == outputs["run"]


@pytest.mark.parametrize("gait", [True, False])
def test_an_unrecognised_movement_gets_the_filming_advice_of_what_it_looks_like(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gait: bool
) -> None:
    import kneecoach.analyze as analyze
    from kneecoach.assessment.detect import LooksLikeGait
    from kneecoach.core.movement_tests import FRONT_FILMING, GAIT_FILMING
    from kneecoach.io import to_trc_file

    def unrecognised(*args: object, **kwargs: object) -> None:
        raise (LooksLikeGait if gait else InsufficientDataError)("could not tell")

    monkeypatch.setattr(analyze, "choose_test", unrecognised)
    trc = to_trc_file(single_leg_squat(duration_s=2, reps=1), tmp_path / "clip.trc")
    with pytest.raises(InsufficientDataError) as caught:
        run_analyze(trc, out_dir=tmp_path / "out", settings=Settings(), video=False)
    said = " ".join(str(caught.value).split())
    assert (" ".join(GAIT_FILMING.split()) in said) == gait
    assert (" ".join(FRONT_FILMING.split()) in said) != gait
