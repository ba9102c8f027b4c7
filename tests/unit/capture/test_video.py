"""Streaming video input: timestamps, rotation, trimming and every bad-input case."""

from pathlib import Path

import numpy as np
import pytest
from tests.conftest import rotate_tag

from kneecoach.capture.prefetch import prefetch
from kneecoach.capture.video import VideoReader, check_time_range, upright
from kneecoach.core.errors import InputError, InsufficientDataError


def bar_x(image: np.ndarray) -> int:
    """Left column of the 2-px white bar drawn by the test videos."""
    bright = np.flatnonzero(image[image.shape[0] // 2, :, 0] > 128)
    return int(round(bright.mean() - 0.5))


def test_frames_stream_with_indices_and_times(tiny_video) -> None:
    with VideoReader(tiny_video(n=12)) as reader:
        assert (reader.info.width, reader.info.height) == (64, 48)
        frames = list(reader.frames())
    assert [f.index for f in frames] == list(range(12))
    np.testing.assert_allclose([f.time_s for f in frames], np.arange(12) / 30, atol=1e-3)
    assert [bar_x(f.image) for f in frames] == [2 * i for i in range(12)]
    assert frames[0].image.dtype == np.uint8 and frames[0].image.shape == (48, 64, 3)


def test_variable_frame_rate_keeps_true_timestamps(tiny_video) -> None:
    times = [0.0, 0.002, 0.035, 0.07, 0.09, 0.2, 0.233, 0.266]
    with VideoReader(tiny_video(n=8, times=times)) as reader:
        got = [f.time_s for f in reader.frames()]
    np.testing.assert_allclose(got, times, atol=1e-3)


def test_rotation_metadata_makes_portrait_upright(tiny_video, tmp_path: Path) -> None:
    rotated = rotate_tag(tiny_video(n=3, size=(64, 48)), tmp_path / "portrait.mp4")
    with VideoReader(rotated) as reader:
        assert reader.info.rotation_deg == -90
        assert (reader.info.width, reader.info.height) == (48, 64)
        frame = next(iter(reader.frames()))
    assert frame.image.shape == (64, 48, 3)
    # the bar at stored x = 0..1 (left edge) is at the top after a 90° clockwise turn
    assert frame.image[:2, :, 0].mean() > 200 and frame.image[10:, :, 0].mean() < 40


def test_max_side_scales_down_after_rotation_and_leaves_small_frames(tiny_video, tmp_path) -> None:
    rotated = rotate_tag(tiny_video(n=3, size=(64, 48)), tmp_path / "portrait.mp4")
    with VideoReader(rotated) as reader:
        frame = next(iter(reader.frames(max_side=32)))
    assert frame.image.shape == (32, 24, 3)  # upright portrait, longer side 32
    assert frame.image[:1, :, 0].mean() > 150 and frame.image[6:, :, 0].mean() < 40
    with VideoReader(rotated) as reader:
        assert next(iter(reader.frames(max_side=500))).image.shape == (64, 48, 3)


@pytest.mark.parametrize("quarter", [0, 1, 2, 3])
def test_upright_undoes_rotation(quarter: int) -> None:
    image = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    stored = np.rot90(image, k=-quarter)  # what a camera rotated by quarter*90° CCW stores
    np.testing.assert_array_equal(upright(stored, 90 * quarter), image)


def test_trimming_keeps_source_indices_and_times(tiny_video) -> None:
    with VideoReader(tiny_video(n=12)) as reader:
        frames = list(reader.frames(start_s=0.1, end_s=0.2))
    assert [f.index for f in frames] == [3, 4, 5, 6]
    with pytest.raises(InputError, match="--end"):
        check_time_range(2.0, 1.0)
    with pytest.raises(InputError, match="--start"):
        check_time_range(-1.0, None)


def test_only_the_wanted_frames_are_converted(tiny_video) -> None:
    with VideoReader(tiny_video(n=12)) as reader:
        frames = list(reader.frames(only={2, 7}))
    assert [f.index for f in frames] == [2, 7]
    assert [bar_x(f.image) for f in frames] == [4, 14]


def test_missing_not_a_video_and_folder(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        VideoReader(tmp_path / "nope.mp4")
    text = tmp_path / "notes.mp4"
    text.write_text("this is not a video\n" * 50)
    with pytest.raises(InputError, match="not a video file"):
        VideoReader(text)
    with pytest.raises(InputError, match="not a file"):
        VideoReader(tmp_path)


def test_truncated_video_keeps_what_decoded_and_says_so(tiny_video, tmp_path: Path) -> None:
    """The index (moov) at the start, as phones often write it: the frames before the cut."""
    import av

    whole = tiny_video(n=60, size=(160, 120))
    fast = tmp_path / "fast.mp4"
    with (
        av.open(str(whole)) as src,
        av.open(str(fast), "w", options={"movflags": "faststart"}) as dst,
    ):
        stream = dst.add_stream_from_template(src.streams.video[0])
        for packet in src.demux(src.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                dst.mux(packet)
    data = fast.read_bytes()
    assert data.find(b"moov") < data.find(b"mdat")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with VideoReader(cut) as reader:
        frames = list(reader.frames())
    assert 0 < len(frames) < 60
    assert reader.report.problems and "kept" in reader.report.problems[0]


def test_a_video_cut_before_its_index_says_so(tiny_video, tmp_path: Path) -> None:
    """The index (moov) at the end: nothing can be read, and the message says why."""
    data = tiny_video(n=60, size=(160, 120)).read_bytes()
    assert data.find(b"moov") > data.find(b"mdat")
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * 0.6)])
    with pytest.raises(InputError) as exc:
        VideoReader(cut)
    said = str(exc.value)
    assert said.startswith(f"{cut}: the file ends before its index")
    assert "cut off while copying or recording" in said and "no frame can be read" in said
    assert said.endswith("Copy the file again from the phone.")
    assert "damaged beyond reading" not in said


def test_zero_frames_is_a_clear_error(tmp_path: Path) -> None:
    import av

    empty = tmp_path / "empty.mp4"
    with av.open(str(empty), "w") as out:
        stream = out.add_stream("libx264", rate=30)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        out.start_encoding()
    assert empty.stat().st_size > 0
    with (
        pytest.raises((InputError, InsufficientDataError), match="no frames"),
        VideoReader(empty) as reader,
    ):
        list(reader.frames())


def test_prefetch_keeps_order_and_reraises() -> None:
    assert list(prefetch(iter(range(100)), maxsize=3)) == list(range(100))

    def broken():
        yield 1
        raise ValueError("boom")

    got = []
    with pytest.raises(ValueError, match="boom"):
        for item in prefetch(broken()):
            got.append(item)
    assert got == [1]


def test_prefetch_stops_its_worker_when_the_consumer_stops() -> None:
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    for item in prefetch(endless(), maxsize=2):
        if item == 5:
            break
    count = len(produced)
    import time

    time.sleep(0.3)
    assert len(produced) == count and count <= 5 + 2 + 2
