"""A clip as a Y4M file for a fake camera (Chromium's ``--use-file-for-fake-video-capture``
plays it, looped, at its own frame rate): letterboxed to the camera's size, streamed."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from kneecoach.capture.video import VideoReader


def letterboxed(image: np.ndarray, size: tuple[int, int]) -> np.ndarray:  # type: ignore[type-arg]
    """``image`` scaled to fit ``size`` (width, height), centred on black."""
    h, w = image.shape[:2]
    scale = min(size[0] / w, size[1] / h)
    small = cv2.resize(image, (max(1, round(w * scale)), max(1, round(h * scale))))
    canvas = np.zeros((size[1], size[0], 3), dtype=np.uint8)
    y0, x0 = (size[1] - small.shape[0]) // 2, (size[0] - small.shape[1]) // 2
    canvas[y0 : y0 + small.shape[0], x0 : x0 + small.shape[1]] = small
    return canvas


def write_y4m(source: Path, out: Path, size: tuple[int, int] = (640, 480)) -> Path:
    """Write ``source`` to ``out`` as Y4M (yuv420p) at ``size``, at the clip's frame rate."""
    with VideoReader(source) as reader, av.open(str(out), "w", format="yuv4mpegpipe") as y4m:
        rate = round(reader.info.nominal_fps or 30)
        stream = y4m.add_stream("rawvideo", rate=rate)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        for frame in reader.frames():
            image = letterboxed(frame.image, size)
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                y4m.mux(packet)
        for packet in stream.encode():
            y4m.mux(packet)
    return out
