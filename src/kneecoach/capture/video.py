"""Stream frames from a video file, one at a time, upright, with true timestamps.

Frames are decoded lazily with PyAV: a clip of any length is never held in
memory. Each :class:`Frame` carries its 0-based index in the source and its own
presentation time (variable-frame-rate phone clips keep their real timing), and
its pixels are rotated as the container's display matrix says, so portrait
phone clips come out upright.
"""

from __future__ import annotations

import math
from collections.abc import Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import av
import cv2
import numpy as np
import numpy.typing as npt

from kneecoach.core.errors import InputError, InsufficientDataError

Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class Frame:
    """One decoded frame: ``image`` is RGB, ``(height, width, 3)``, upright."""

    index: int
    time_s: float
    image: Image


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the video stream (width/height are upright)."""

    path: str
    width: int
    height: int
    rotation_deg: int
    nominal_fps: float | None
    declared_frames: int | None
    duration_s: float | None
    codec: str


@dataclass
class DecodeReport:
    """What happened while decoding: how far it got and why it stopped early."""

    frames_decoded: int = 0
    problems: list[str] = field(default_factory=list)


def upright(image: Image, rotation_deg: int) -> Image:
    """Rotate ``image`` by the display-matrix angle (counter-clockwise degrees)."""
    quarter = round(rotation_deg / 90) % 4
    return image if quarter == 0 else np.ascontiguousarray(np.rot90(image, k=quarter))


class VideoReader:
    """Open a video for streaming; use as a context manager.

    Raises :class:`InputError` for a missing file, a file that is not a video,
    or a container without a video stream.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.exists():
            raise InputError(f"{self.path}: no such file")
        if not self.path.is_file():
            raise InputError(f"{self.path}: not a file")
        self._open()
        self.report = DecodeReport()
        self.info = self._probe()
        self._container.close()
        self._open()  # the probe decoded a frame: start again from the top

    def _open(self) -> None:
        try:
            self._container: Any = av.open(str(self.path))
        except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
            if _index_missing(self.path):
                raise InputError(
                    f"{self.path}: the file ends before its index (the 'moov' atom, which this "
                    "recording keeps at the end), so it was probably cut off while copying or "
                    "recording; no frame can be read from it without the index. Copy the file "
                    "again from the phone."
                ) from None
            raise InputError(
                f"{self.path}: not a video file, or damaged beyond reading ({exc})"
            ) from None
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"{self.path}: the file has no video stream, so no frames to read")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"

    def _probe(self) -> VideoInfo:
        s = self._stream
        rotation = self._rotation()
        width, height = s.codec_context.width, s.codec_context.height
        if round(rotation / 90) % 2:
            width, height = height, width
        rate = float(s.average_rate) if s.average_rate else None
        duration = float(s.duration * s.time_base) if s.duration and s.time_base else None
        return VideoInfo(
            path=str(self.path),
            width=int(width),
            height=int(height),
            rotation_deg=rotation,
            nominal_fps=rate,
            declared_frames=int(s.frames) if s.frames else None,
            duration_s=duration,
            codec=s.codec_context.name,
        )

    def _rotation(self) -> int:
        """Display-matrix rotation, read from the first frame."""
        try:
            first = next(self._container.decode(self._stream))
            return int(round(first.rotation or 0))
        except (StopIteration, av.error.FFmpegError):
            return 0

    def frames(
        self,
        *,
        start_s: float = 0.0,
        end_s: float | None = None,
        max_side: int | None = None,
        only: Container[int] | None = None,
    ) -> Iterator[Frame]:
        """Yield frames with ``start_s <= time_s <= end_s``.

        With ``max_side``, larger frames are scaled down (bilinear, after the
        colour conversion) so that their longer side is at most ``max_side``
        pixels. With ``only``, just the frames of those indices are converted
        and yielded (the others are decoded, which is several times cheaper).

        Times are seconds from the first frame of the source; indices are
        0-based in the source, so a trimmed track stays aligned with the clip.
        Decoding errors stop the stream; what decoded is kept and the problem
        is recorded in :attr:`report`.
        """
        first_time: float | None = None
        index = -1
        stream = self._stream
        try:
            for frame in self._container.decode(stream):
                index += 1
                t = frame.time if frame.time is not None else index / (self.info.nominal_fps or 1)
                first_time = t if first_time is None else first_time
                time_s = float(t - first_time)
                if time_s < start_s - 1e-9:
                    continue
                if end_s is not None and time_s > end_s + 1e-9:
                    break
                if only is not None and index not in only:
                    continue
                image = upright(_rgb(frame, max_side), self.info.rotation_deg)
                self.report.frames_decoded += 1
                yield Frame(index=index, time_s=time_s, image=image)
        except av.error.FFmpegError as exc:
            where = f"after frame {index}" if index >= 0 else "before the first frame"
            self.report.problems.append(
                f"decoding stopped {where}: {exc}; the frames before it were kept"
            )
        self._check_complete(index + 1, trimmed=start_s > 0 or end_s is not None)

    def _check_complete(self, seen: int, *, trimmed: bool) -> None:
        if seen == 0 and not self.report.problems:
            raise InsufficientDataError(f"{self.path}: the video has no frames")
        declared = self.info.declared_frames
        if not trimmed and declared and seen < declared and not self.report.problems:
            self.report.problems.append(
                f"the container declares {declared} frames but only {seen} decoded: "
                "the file looks truncated; the frames that decoded were kept"
            )

    def close(self) -> None:
        """Release the file."""
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


#: The boxes an MP4/MOV file starts with (ISO/IEC 14496-12; QuickTime's "wide").
_MP4_FIRST_BOXES = (b"ftyp", b"wide", b"free", b"skip", b"mdat", b"pnot")


def _index_missing(path: Path) -> bool:
    """True for an MP4/MOV file whose index FFmpeg cannot find ("moov atom not found").

    PyAV keeps FFmpeg's messages quiet by default: the open is tried again, only
    after it failed, with them captured (not printed) to read the reason.
    """
    try:
        with path.open("rb") as f:
            if f.read(8)[4:] not in _MP4_FIRST_BOXES:
                return False  # not an MP4/MOV at all (FFmpeg says the same of a text file)
    except OSError:
        return False
    before = av.logging.get_level()
    av.logging.set_level(av.logging.ERROR)
    try:
        with av.logging.Capture():
            try:
                av.open(str(path)).close()
            except av.error.FFmpegError as exc:
                log = getattr(exc, "log", None)  # (level, origin, message) of the last error
                return log is not None and "moov atom not found" in str(log[-1])
            except (UnicodeDecodeError, ValueError):
                pass
    finally:
        av.logging.set_level(before)
    return False


def _rgb(frame: av.VideoFrame, max_side: int | None) -> Image:
    scale = 1.0 if max_side is None else min(1.0, max_side / max(frame.width, frame.height))
    if scale == 1.0:
        return np.asarray(frame.to_ndarray(format="rgb24"))
    # Full-size conversion, then OpenCV's scaling: together about half the cost
    # of scaling in the decoder's converter (bench/track_throughput.py).
    size = (round(frame.width * scale), round(frame.height * scale))
    return np.asarray(
        cv2.resize(frame.to_ndarray(format="rgb24"), size, interpolation=cv2.INTER_LINEAR)
    )


def check_time_range(start_s: float, end_s: float | None) -> None:
    """Validate ``--start``/``--end``."""
    if start_s < 0 or not math.isfinite(start_s):
        raise InputError(f"--start must be ≥ 0 s, got {start_s}")
    if end_s is not None and end_s <= start_s:
        raise InputError(f"--end ({end_s} s) must be after --start ({start_s} s)")
