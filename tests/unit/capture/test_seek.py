"""``--start`` seeks to a keyframe instead of decoding every frame before it.

A seeked read must give the same frames as a read from frame 0: the same
indices (the frame's position in the stream), the same times and the same
pixels. Checked on synthetic clips (closed and open GOPs, B-frames, variable
frame rate, HEVC, VP9, and a container whose index cannot give exact numbers) and,
where /work/shared/media is present, on every real clip there.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import numpy as np
import pytest
from click.testing import CliRunner
from tests.conftest import MEDIA, media, write_video

from kneecoach.capture.video import VideoReader
from kneecoach.cli.main import cli
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.pipeline import run_track
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.sample_data.synthetic import single_leg_squat

Seen = tuple[int, float, str]  # index, time_s, hash of the pixels


def encode(
    path: Path,
    *,
    n: int = 60,
    fps: int = 30,
    codec: str = "libx264",
    options: dict[str, str] | None = None,
    times: list[float] | None = None,
) -> Path:
    """A small clip whose every frame differs (noise + a moving bar), keyframes as ``options``."""
    return write_video(path, n=n, fps=fps, codec=codec, options=options, times=times, noise=True)


def x264(params: str) -> dict[str, str]:
    return {"x264-params": f"scenecut=0:{params}"}


def read(path: Path, **kwargs: object) -> tuple[list[Seen], VideoReader]:
    with VideoReader(path) as reader:
        seen = [
            (f.index, f.time_s, hashlib.blake2b(f.image.tobytes(), digest_size=16).hexdigest())
            for f in reader.frames(**kwargs)  # type: ignore[arg-type]
        ]
    return seen, reader


def in_range(full: list[Seen], start: float, end: float | None) -> list[Seen]:
    top = np.inf if end is None else end + 1e-9
    return [f for f in full if start - 1e-9 <= f[1] <= top]


def timeline(path: Path) -> tuple[list[float], list[int]]:
    """Every frame's time in showing order and the keyframes' places in it (packets only)."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        packets = [(p.pts, p.is_keyframe) for p in c.demux(s) if p.size]
        base = s.time_base
    first = min(pts for pts, _ in packets)
    order = sorted(pts for pts, _ in packets)
    keys = [order.index(pts) for pts, key in packets if key]
    return [float((pts - first) * base) for pts in order], keys


def starts(times: list[float], keys: list[int]) -> list[tuple[float, bool]]:
    """(start, read to the end?): on a keyframe, just after one, between frames, near the end."""
    span, step = times[-1], times[1] - times[0]
    picks = [(0.55 * span, False), (times[-2], True), (span - 1e-4, True)]
    for k in keys[1:3]:
        picks += [(times[k], False), (times[k] + 1e-6, False), (times[k] + step / 2, False)]
    return sorted({(t, end) for t, end in picks if 0 < t <= span})


def check_same_as_full_read(path: Path, window: float) -> list[int | None]:
    """Seeked reads equal the full read's frames in range; returns where each seeked.

    The full read converts only the frames some seeked read should give (the
    others are decoded, as a seeked read would skip them).
    """
    times, keys = timeline(path)
    picks = starts(times, keys)
    wanted = {i for i, t in enumerate(times) for s, _ in picks if s - 0.1 <= t <= s + window + 0.1}
    wanted |= set(range(len(times) - 3, len(times)))
    full, _ = read(path, only=wanted)
    assert [i for i, _, _ in full] == sorted(wanted)
    seeked: list[int | None] = []
    for start, to_end in picks:
        end = None if to_end else start + window
        got, reader = read(path, start_s=start, end_s=end)
        assert got and got == in_range(full, start, end), (path.name, start, end)
        earlier = [k for k in keys if times[k] < start - 1e-9]
        expected = earlier[-1] if len(earlier) > 1 else None
        assert reader.report.seeked_to == expected, (path.name, start)
        assert not reader.report.problems
        seeked.append(reader.report.seeked_to)
    return seeked


@pytest.mark.parametrize(
    ("name", "options", "times"),
    [
        ("closed GOP, B-frames", x264("keyint=10:min-keyint=10:bframes=2"), None),
        ("open GOP, B-frames", x264("keyint=10:min-keyint=10:bframes=3:open-gop=1"), None),
        ("keyframes only at 0 and 45", x264("keyint=45:min-keyint=45:bframes=0"), None),
        (
            "variable frame rate",
            x264("keyint=8:min-keyint=8:bframes=2"),
            [0.0, 0.03, 0.035, 0.07, 0.11, 0.2] + [0.21 + 0.031 * i for i in range(54)],
        ),
    ],
)
def test_seeked_h264_read_equals_a_read_from_frame_0(tmp_path: Path, name, options, times) -> None:
    clip = encode(tmp_path / "clip.mp4", options=options, times=times)
    seeked = check_same_as_full_read(clip, window=0.25)
    assert any(s is not None and s > 0 for s in seeked), "no start seeked"


@pytest.mark.parametrize("gop", ["", ":open-gop=1"])
def test_seeked_hevc_read_equals_a_read_from_frame_0(tmp_path: Path, gop: str) -> None:
    """HEVC, as recent iPhones record; an open GOP starts at a CRA with leading pictures."""
    params = f"keyint=10:min-keyint=10:bframes=3:scenecut=0:log-level=error{gop}"
    clip = encode(tmp_path / "hevc.mov", codec="libx265", options={"x265-params": params})
    seeked = check_same_as_full_read(clip, window=0.25)
    assert any(s is not None and s > 0 for s in seeked), "no start seeked"


def test_seeked_vp9_read_equals_a_read_from_frame_0(tmp_path: Path) -> None:
    options = {"g": "12", "keyint_min": "12", "deadline": "realtime", "cpu-used": "8"}
    clip = encode(tmp_path / "vp9.mp4", codec="libvpx-vp9", options=options)
    seeked = check_same_as_full_read(clip, window=0.25)
    assert any(s is not None and s > 0 for s in seeked), "no start seeked"


def test_a_seek_decodes_from_the_last_keyframe_before_start(tmp_path) -> None:
    clip = encode(tmp_path / "clip.mp4", options=x264("keyint=10:min-keyint=10:bframes=2"))
    with VideoReader(clip) as reader:
        first = next(iter(reader.frames(start_s=35 / 30)))
    assert (first.index, first.time_s) == (35, pytest.approx(35 / 30, abs=1e-3))
    assert reader.report.seeked_to == 30  # decoded 30..35, not 0..35
    with VideoReader(clip) as reader:  # exactly on a keyframe: decoded from the one before
        first = next(iter(reader.frames(start_s=30 / 30)))
    assert first.index == 30 and reader.report.seeked_to == 20


def test_a_container_without_a_full_index_decodes_from_0_and_says_so(tmp_path: Path) -> None:
    """Matroska's index lists keyframes only: no exact frame numbers, so every frame is decoded."""
    clip = encode(tmp_path / "clip.mkv", options=x264("keyint=10:min-keyint=10:bframes=2"))
    calls: list[tuple[str, int, int | None]] = []
    full, _ = read(clip)
    got, reader = read(clip, start_s=1.0, end_s=1.5, progress=lambda *a: calls.append(a))
    assert got == in_range(full, 1.0, 1.5) and got[0][0] == 30
    assert reader.report.seeked_to is None
    assert calls and {c[0] for c in calls} == {"skipping to 1 s"}
    assert calls[-1][1:] == (30, 30)  # frames 0..29 skipped, of about 30


def test_seeked_track_keeps_the_source_frame_numbers(tmp_path: Path) -> None:
    clip = encode(tmp_path / "clip.mp4", n=90, options=x264("keyint=10:min-keyint=10:bframes=2"))
    truth = single_leg_squat(duration_s=3, fps=30)
    stages: list[str] = []
    result = run_track(clip, out_dir=tmp_path / "o", settings=Settings(), start_s=1.5,
                       end_s=2.5, video=False, estimator=FakePoseEstimator(truth),
                       progress=lambda stage, *_: stages.append(stage))  # fmt: skip
    assert list(result.raw["frame"].values) == list(range(45, 76))
    np.testing.assert_allclose(result.raw["time"].values, np.arange(45, 76) / 30, atol=1e-3)
    assert "skipping to 1.5 s" not in stages  # seeked: nothing to skip frame by frame


@pytest.mark.model  # the command loads MediaPipe before it reads the clip
def test_start_past_the_end_and_end_before_start_keep_their_one_line_errors(tmp_path) -> None:
    clip = encode(tmp_path / "clip.mp4", options=x264("keyint=10:min-keyint=10:bframes=2"))
    with VideoReader(clip) as reader:
        assert list(reader.frames(start_s=50)) == []
        assert reader.report.seeked_to == 50 and not reader.report.problems
    clip_len = r"between 50 s and the end \(the clip is 2\.00 s long\)"
    with pytest.raises(InsufficientDataError, match=clip_len):
        run_track(clip, out_dir=tmp_path / "o", settings=Settings(), start_s=50,
                  estimator=FakePoseEstimator(single_leg_squat(duration_s=2)))  # fmt: skip
    for args, message in [
        (["--start", "50"], "no frames between 50 s and the end (the clip is 2.00 s long)"),
        (["--start", "1.5", "--end", "1"], "--end (1.0 s) must be after --start (1.5 s)"),
    ]:
        result = CliRunner().invoke(cli, ["track", str(clip), "--out", str(tmp_path / "c"), *args])
        assert result.exit_code == 1, result.output
        assert message in result.output and "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, result.output


#: one of each kind: phone .mov (H.264, variable frame rate, B-frames), VP9 .mp4, small
#: H.264 .mp4 (every shared clip passed once; three keep the suite short)
REAL = (
    ["front_overhead_squat_01.mov", "front_single_leg_balance_reach_cam02.mp4",
     "side_running_01.mp4"]
    if MEDIA.is_dir() else []
)  # fmt: skip


@pytest.mark.media
@pytest.mark.skipif(not REAL, reason=f"real clips not available: {MEDIA} is absent (SOURCES.md)")
@pytest.mark.parametrize("name", REAL or ["none"])
def test_real_clip_seeked_read_equals_a_read_from_frame_0(name: str) -> None:
    """Phone .mov (variable frame rate, B-frames), H.264 and VP9 .mp4: same frames either way."""
    check_same_as_full_read(media(name), window=0.2)
