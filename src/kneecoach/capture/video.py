"""Stream frames from a video file, one at a time, upright, with true timestamps.

Frames are decoded lazily with PyAV: a clip of any length is never held in
memory. Each :class:`Frame` carries its 0-based index in the source and its own
presentation time (variable-frame-rate phone clips keep their real timing), and
its pixels are rotated as the container's display matrix says, so portrait
phone clips come out upright. A read from a start time seeks to the keyframe
before it where the frame numbers stay exact (see :meth:`VideoReader.frames`).
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Container, Iterable, Iterator
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
#: ``progress(stage, frames_done, frames_expected_or_None)``, as the pipeline's
Progress = Callable[[str, int, int | None], None]
#: where a seek landed: the keyframe's frame number in decoding order, its
#: packet, and the packets after it
_Landed = tuple[int, Any, Iterator[Any]]


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
    #: the frame number of the keyframe a ``start_s`` seek decoded from (None: from frame 0)
    seeked_to: int | None = None


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
        if self.path.stat().st_size == 0:
            raise InputError(f"{self.path}: the file is empty (0 bytes); copy it again")
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
            why = getattr(exc, "strerror", None) or exc
            raise InputError(
                f"{self.path}: not a video file, or damaged beyond reading (FFmpeg: {why}); "
                "kneecoach reads videos (.mp4, .mov, ...) and keypoint files (.nc, .csv, .trc, "
                "a folder of OpenPose .json)"
            ) from None
        if not self._container.streams.video:
            self._container.close()
            raise InputError(f"{self.path}: the file has no video stream, so no frames to read")
        if self._container.format.name.endswith("_pipe") or self._container.format.name == "image2":
            self._container.close()
            raise InputError(
                f"{self.path}: a still picture, not a video; the measures need the movement, "
                "so film the test as a video"
            )
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
        self._first_time: float | None = None
        try:
            first = next(self._container.decode(self._stream))
        except (StopIteration, av.error.FFmpegError):
            return 0
        self._first_time = None if first.time is None else float(first.time)
        return int(round(first.rotation or 0))

    def frames(
        self,
        *,
        start_s: float = 0.0,
        end_s: float | None = None,
        max_side: int | None = None,
        only: Container[int] | None = None,
        progress: Progress | None = None,
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

        A ``start_s`` after the first keyframe seeks instead of decoding the
        frames before it, where the frame numbers stay exact: in an MP4/MOV
        file whose index lists every frame (phone clips do). The read jumps
        to the last keyframe before ``start_s`` and decodes from there, and
        each frame's index is counted from the index (the frames before that
        keyframe) and the packets read since (those shown before the frame),
        so indices, times and pixels are the same as in a read from frame 0
        (tests/unit/capture/test_seek.py checks the shared real clips, constant and
        variable frame rate, H.264 and VP9). Where the index cannot give exact
        numbers (another container, no full index, frames the index marks as
        dropped by an edit list, no timestamps, or a keyframe that does not
        decode first), every frame from the start is decoded as before and,
        with ``progress``, reported as the stage ``"skipping to S s"``.
        """
        self.report.seeked_to = None
        decoded = self._after_seek(start_s, progress) if start_s > 0 else None
        if decoded is None:
            decoded = self._from_start(start_s, progress)
        index = -1
        try:
            for index, time_s, frame in decoded:
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

    def _from_start(
        self, start_s: float, progress: Progress | None
    ) -> Iterator[tuple[int, float, av.VideoFrame]]:
        """Every frame from the first: (index, seconds from the first frame, frame)."""
        first_time: float | None = None
        fps = self.info.nominal_fps
        stage, expected = f"skipping to {start_s:g} s", round(start_s * fps) if fps else None
        for index, frame in enumerate(self._container.decode(self._stream)):
            t = frame.time if frame.time is not None else index / (fps or 1)
            first_time = t if first_time is None else first_time
            time_s = float(t - first_time)
            if progress is not None and time_s < start_s - 1e-9:
                progress(stage, index + 1, expected)
            yield index, time_s, frame

    def _after_seek(
        self, start_s: float, progress: Progress | None
    ) -> Iterator[tuple[int, float, av.VideoFrame]] | None:
        """Frames from the last keyframe before ``start_s``, with exact indices; None if not.

        The index (the container's table of every frame, in decoding order)
        gives how many frames come before the keyframe; a frame read after it
        is preceded by those and by the packets read since that are shown
        before it (B-frames are read before frames shown earlier).
        """
        try:
            landed = self._seek_keyframe(start_s)
        except av.error.FFmpegError:
            landed = None
        if landed is None:
            self._restart()
            return None
        return self._decode_from(start_s, progress, landed)

    def _seek_keyframe(self, start_s: float) -> _Landed | None:
        """Seek to the last keyframe shown before ``start_s``; (its frame number, it, the rest).

        None where the frame numbers could not be exact, or where that
        keyframe is the first frame (a read from the start is the same).
        """
        stream, first = self._stream, self._first_time
        entries = getattr(stream, "index_entries", None)  # PyAV >= 15
        if first is None or entries is None or "mov" not in self._container.format.name:
            return None
        count = len(entries)
        if not count or count != stream.frames or not entries[0].is_keyframe:
            return None
        if any(entry.is_discard for entry in entries):
            return None  # an edit list drops frames: the decoder would not show them
        base = stream.time_base
        if base is None:
            return None

        def before_start(packet: Any) -> bool:  # a keyframe shown before start_s
            if not packet.is_keyframe or packet.pts is None:
                return False
            return float(packet.pts * base) - first < start_s - 1e-9

        target = seek_to = math.floor((first + start_s) / base)
        for _ in range(8):
            self._container.seek(seek_to, stream=stream, backward=True, any_frame=False)
            packets = self._container.demux(stream)  # ends with an empty packet: the flush
            key = next((p for p in packets if p.size), None)
            if key is None or key.pts is None or key.dts is None or not key.is_keyframe:
                return None
            if before_start(key):
                break
            seek_to = min(seek_to, key.dts) - 1  # shown at or after start_s: one before it
        else:
            return None
        key, packets = _read_on(key, packets, target, before_start)
        number = entries.search_timestamp(key.dts, backward=True, any_frame=True)
        if number < 0 or entries[number].timestamp != key.dts:
            return None
        return (number, key, packets) if number > 0 else None

    def _decode_from(
        self, start_s: float, progress: Progress | None, landed: _Landed
    ) -> Iterator[tuple[int, float, av.VideoFrame]]:
        """Decode from the keyframe the seek landed on, counting each frame's index."""
        before, key, packets = landed
        first = float(self._first_time or 0.0)
        shown: list[int] = []  # pts of the packets read and not yet shown before a frame
        decoded = _decode(itertools.chain((key,), packets), shown)
        try:  # frames shown before the keyframe (open GOP) are before start_s: not counted
            keyframe = next(f for f in decoded if f.pts is None or f.pts >= key.pts)
        except (StopIteration, av.error.FFmpegError):
            keyframe = None
        if keyframe is None or keyframe.pts != key.pts:  # the keyframe did not decode first
            self._restart()
            yield from self._from_start(start_s, progress)
            return
        earlier, index = 0, before - 1  # earlier: packets read that are shown before `frame`
        for frame in itertools.chain((keyframe,), decoded):
            if frame.pts is None:
                index += 1
                t = index / (self.info.nominal_fps or 1)
            else:
                while shown and shown[0] < frame.pts:
                    heapq.heappop(shown)
                    earlier += 1
                index = max(before + earlier, index + 1)  # frames of one time count one by one
                t = frame.time
            if self.report.seeked_to is None:
                self.report.seeked_to = index  # the keyframe's (after leading B-frames, if any)
            yield index, float(t - first), frame

    def _restart(self) -> None:
        """Back to the first frame (after a seek that could not give exact frame numbers)."""
        self._container.close()
        self._open()

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


def _read_on(
    key: Any, packets: Iterator[Any], target: int, wanted: Callable[[Any], bool]
) -> tuple[Any, Iterator[Any]]:
    """The last ``wanted`` keyframe from ``key`` on, and the packets after it.

    FFmpeg's MOV seek can land a keyframe early (it goes by decoding times):
    the packets are read on, not decoded, up to the first one decoded after
    ``target``, which cannot be shown before it (pts >= dts).
    """
    held: list[Any] = []  # the packets after `key`
    for packet in packets:
        if packet.dts is not None and packet.dts <= target and wanted(packet):
            key, held = packet, []
            continue
        held.append(packet)
        if not packet.size or packet.dts is None or packet.dts > target:
            break
    return key, itertools.chain(held, packets)


def _decode(packets: Iterable[Any], shown: list[int]) -> Iterator[av.VideoFrame]:
    """Decode ``packets``, pushing each one's pts on the heap ``shown`` before its frames."""
    for packet in packets:
        if packet.pts is not None and packet.size:
            heapq.heappush(shown, packet.pts)
        yield from packet.decode()


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
