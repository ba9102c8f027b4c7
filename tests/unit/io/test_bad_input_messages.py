"""What a new user gives by mistake gets one line that says what it is and what to give."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from kneecoach.capture.video import VideoReader
from kneecoach.core.errors import InputError
from kneecoach.io import load_keypoints


def message(call, *args) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as info:
        call(*args)
    return str(info.value)


def test_an_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_bytes(b"")
    assert "the file is empty (0 bytes)" in message(VideoReader, tmp_path / "clip.mp4")


@pytest.mark.parametrize("name", ["photo.png", "photo.jpg"])
def test_a_still_picture_is_not_taken_for_a_one_frame_video(tmp_path: Path, name: str) -> None:
    cv2.imwrite(str(tmp_path / name), np.zeros((64, 64, 3), np.uint8))
    assert "a still picture, not a video" in message(VideoReader, tmp_path / name)


def test_a_text_file_is_refused_without_ffmpeg_error_numbers(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    text = message(VideoReader, tmp_path / "notes.txt")
    assert "not a video file" in text and "Errno" not in text and ".nc, .csv, .trc" in text


def test_a_folder_of_videos_says_to_give_the_videos(tmp_path: Path) -> None:
    for name in ("a.mp4", "b.MOV"):
        (tmp_path / name).write_bytes(b"x")
    text = message(load_keypoints, tmp_path)
    assert "it holds 2 videos (a.mp4, b.MOV)" in text and "several for a study" in text
    (tmp_path / "b.MOV").unlink()
    assert f"give the file itself ({tmp_path / 'a.mp4'})" in message(load_keypoints, tmp_path)
    (tmp_path / "a.mp4").unlink()
    assert "give a video file" in message(load_keypoints, tmp_path)
