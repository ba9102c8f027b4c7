"""The annotated video: colours, timing and the cached legend."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from kneecoach.capture.video import Frame
from kneecoach.reports.overlay import (
    SIDE_RGB,
    _knee_label,
    _Stamp,
    _text,
    write_annotated_video,
)
from kneecoach.sample_data.synthetic import single_leg_squat


def test_legend_stamp_matches_drawing_the_text() -> None:
    rng = np.random.default_rng(0)
    background = rng.integers(0, 256, size=(400, 300, 3), dtype=np.uint8)
    direct = background.copy()
    em = 400 / 1000 * 0.6
    _text(
        direct,
        "knee angle (FPPA): + = knee inward",
        (round(20 * em), round(50 * em)),
        (200, 200, 200),
        em,
    )
    stamped = background.copy()
    _Stamp("knee angle (FPPA): + = knee inward", (400, 300)).apply(stamped)
    assert (direct != background).any()  # the text was drawn at all
    diff = np.abs(stamped.astype(int) - direct.astype(int))
    assert diff.max() <= 6 and diff.mean() < 0.05  # anti-aliasing rounds each layer


def test_video_draws_each_leg_in_its_colour_at_its_source_time(tmp_path: Path) -> None:
    track = single_leg_squat(fps=30, duration_s=1, reps=1, image_size=(360, 640))
    times = track["time"].values
    frames = [
        Frame(index=int(i), time_s=float(t) * 2, image=np.full((640, 360, 3), 40, np.uint8))
        for i, t in zip(track["frame"].values, times, strict=True)
    ]
    path = write_annotated_video(frames, track, tmp_path / "a.mp4", fps=30, legend="legend")
    xy = track["position"].isel(individuals=0, time=10)
    with av.open(str(path)) as video:
        decoded = list(video.decode(video=0))
    assert len(decoded) == len(frames)
    assert [round(float(f.pts * f.time_base), 3) for f in decoded[:3]] == [
        round(float(Fraction(t).limit_denominator(1000)) * 2, 3) for t in times[:3]
    ]
    image = decoded[10].to_ndarray(format="rgb24")
    for side, colour in SIDE_RGB.items():
        hip = xy.sel(keypoints=f"{side}_hip").values
        knee = xy.sel(keypoints=f"{side}_knee").values
        x, y = np.round((hip + knee) / 2).astype(int)
        assert np.abs(image[y, x].astype(int) - colour).max() < 40, (side, image[y, x])


def test_knee_labels_of_two_close_knees_do_not_overlap() -> None:
    left_in_picture = np.zeros((200, 400, 3), np.uint8)
    _knee_label(left_in_picture, "R 14°", (200, 100), (210, 100), (230, 159, 0), 0.5)
    right_in_picture = np.zeros((200, 400, 3), np.uint8)
    _knee_label(right_in_picture, "L -3°", (210, 100), (200, 100), (0, 114, 178), 0.5)
    xs_left = np.nonzero(left_in_picture.any(axis=2))[1]
    xs_right = np.nonzero(right_in_picture.any(axis=2))[1]
    assert xs_left.size and xs_right.size
    assert xs_left.max() < 200 and xs_right.min() > 210


def test_video_skips_frames_that_repeat_a_timestamp(tmp_path: Path) -> None:
    """The track keeps the first frame of a repeated time (pipeline.estimate_video); so does
    the video, instead of handing the encoder a timestamp it already has."""
    track = single_leg_squat(fps=30, duration_s=0.5, reps=1, image_size=(360, 640))
    image = np.full((640, 360, 3), 40, np.uint8)
    rows = zip(track["frame"].values, track["time"].values, strict=True)
    frames = [Frame(index=int(i), time_s=float(t), image=image) for i, t in rows]
    frames.insert(5, Frame(index=10_000, time_s=frames[4].time_s, image=image))
    path = write_annotated_video(frames, track, tmp_path / "a.mp4", fps=30)
    with av.open(str(path)) as video:
        assert len(list(video.decode(video=0))) == len(frames) - 1
