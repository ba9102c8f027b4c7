"""Skeleton overlay on video frames; writes ``annotated.mp4``.

The hip-knee-ankle lines are drawn thick, one colour per side (the subject's
left in blue, right in orange: the Okabe-Ito colour-blind-safe pair), the
rest of the skeleton thin and grey, with ``L``/``R`` beside each knee so a
viewer can check the sides are the subject's own, followed by the knee's angle
in that frame when one is given (the same numbers as ``frames.csv``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.capture.prefetch import prefetch
from kneecoach.capture.video import Frame, Image
from kneecoach.core.files import replacing
from kneecoach.core.schema import SIDES, SKELETON
from kneecoach.reports.text import put_text, text_width

#: RGB colours per side (Okabe & Ito 2008 colour-blind-safe palette).
SIDE_RGB = {"left": (0, 114, 178), "right": (230, 159, 0)}
GREY = (200, 200, 200)
#: The annotated video's longer side is at most this many pixels (keeps the
#: second, drawing pass cheap; the track itself keeps full resolution).
MAX_SIDE_PX = 1280


def _weight(size: float) -> int:
    return max(1, round(2.5 * size / 0.9))


def _text(
    out: Image, text: str, at: tuple[int, int], colour: tuple[int, int, int], size: float
) -> None:
    """``text`` with a dark outline, readable on any background."""
    put_text(out, text, at, size, colour, _weight(size), outline=3)


def draw_pose(
    image: Image,
    xy: npt.NDArray[np.float64],
    keypoints: list[str],
    labels: Mapping[str, str] | None = None,
) -> Image:
    """Draw one pose (``xy`` ``(K, 2)`` pixels, NaN = missing) onto a copy of ``image``.

    ``labels`` maps a side to the text beside its knee (default ``L``/``R``).
    """
    out = image.copy()
    scale = max(out.shape[:2]) / 1000
    idx = {k: i for i, k in enumerate(keypoints)}

    def pt(name: str) -> tuple[int, int] | None:
        if name not in idx or not np.all(np.isfinite(xy[idx[name]])):
            return None
        x, y = xy[idx[name]]
        return int(round(x)), int(round(y))

    thin = max(1, round(2 * scale))
    ears = pt("left_ear"), pt("right_ear")
    if ears[0] and ears[1]:
        centre = ((ears[0][0] + ears[1][0]) // 2, (ears[0][1] + ears[1][1]) // 2)
        radius = max(3, round(0.7 * np.hypot(ears[0][0] - ears[1][0], ears[0][1] - ears[1][1])))
        cv2.circle(out, centre, radius, GREY, thin, cv2.LINE_AA)
    for a, b in SKELETON:
        pa, pb = pt(a), pt(b)
        if pa and pb:
            cv2.line(out, pa, pb, GREY, thin, cv2.LINE_AA)
    for side in SIDES:
        colour = SIDE_RGB[side]
        chain = [pt(f"{side}_{j}") for j in ("hip", "knee", "ankle")]
        for pa, pb in zip(chain, chain[1:], strict=False):
            if pa and pb:
                cv2.line(out, pa, pb, colour, max(2, round(7 * scale)), cv2.LINE_AA)
        for p in chain:
            if p:
                cv2.circle(out, p, max(3, round(8 * scale)), colour, -1, cv2.LINE_AA)
        knee, other = chain[1], pt(f"{'right' if side == 'left' else 'left'}_knee")
        if knee:
            text = (labels or {}).get(side, side[0].upper())
            _knee_label(out, text, knee, other, colour, scale)
    return out


def _knee_label(
    out: Image,
    text: str,
    knee: tuple[int, int],
    other: tuple[int, int] | None,
    colour: tuple[int, int, int],
    scale: float,
) -> None:
    """``text`` beside ``knee``: on its left when it is the knee further left in the
    picture, so that two knees close together do not write over each other."""
    gap, size = round(14 * scale), 0.9 * scale
    x = knee[0] + gap
    if other and knee[0] < other[0]:
        x = knee[0] - gap - text_width(text, size, _weight(size))
    _text(out, text, (x, knee[1] - round(10 * scale)), colour, size)


def blank_frames(track: xr.Dataset, /, *, size: tuple[int, int]) -> Iterable[Frame]:
    """Dark frames of ``size`` (width, height), for keypoint inputs with no video."""
    w, h = size
    canvas = np.full((h, w, 3), 32, dtype=np.uint8)
    for i, t in zip(track["frame"].values, track["time"].values, strict=True):
        yield Frame(index=int(i), time_s=float(t), image=canvas)


def write_annotated_video(
    frames: Iterable[Frame],
    track: xr.Dataset,
    path: str | Path,
    /,
    *,
    fps: float,
    labels: Sequence[Mapping[str, str]] | None = None,
    legend: str | None = None,
) -> Path:
    """Draw ``track`` on each of ``frames`` (matched by frame index) and encode H.264.

    ``labels[row]`` is the text beside each knee in the track's row ``row``;
    ``legend`` is written in the top-left corner of every frame. The video is at
    most :data:`MAX_SIDE_PX` on its longer side (frames may arrive already
    scaled down to it), the pose scaled with it. Frame timing
    is kept: each output frame's timestamp is its source time. Drawing runs in
    a worker thread while the encoder works, so the two use both cores.
    """
    with replacing(Path(path)) as part:
        _encode(frames, track, part, fps, labels, legend)
    return Path(path)


def _encode(
    frames: Iterable[Frame], track: xr.Dataset, path: Path, fps: float,
    labels: Sequence[Mapping[str, str]] | None, legend: str | None,
) -> None:  # fmt: skip
    container = av.open(str(path), mode="w")
    try:
        frames = iter(frames)
        first = next(frames, None)
        if first is not None:
            src_w = int(track.attrs.get("image_width", first.image.shape[1]))
            src_h = int(track.attrs.get("image_height", first.image.shape[0]))
            scale = min(1.0, MAX_SIDE_PX / max(src_w, src_h))
            size = (round(src_w * scale), round(src_h * scale))
            stream = container.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
            stream.width, stream.height = size[0] // 2 * 2, size[1] // 2 * 2
            stream.pix_fmt = "yuv420p"
            stream.time_base = Fraction(1, 1000)
            stream.codec_context.time_base = Fraction(1, 1000)
            stream.options = {"preset": "ultrafast", "crf": "23"}
            # One encoder thread: decoding and drawing already keep the other core
            # busy, and x264's own threads cost more CPU than they save here.
            stream.codec_context.thread_count = 1
            draw = _FrameDrawer(track, size, scale, labels, legend)
            last: int | None = None
            for time_s, yuv in prefetch(draw(f) for f in itertools.chain([first], frames)):
                pts = int(round(time_s * 1000))
                # A repeated time: the track kept the first frame of it, and so does the video.
                if last is not None and pts <= last:
                    continue
                last = pts
                out = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
                out.pts = pts
                out.time_base = Fraction(1, 1000)
                container.mux(stream.encode(out))
            container.mux(stream.encode(None))
    finally:
        container.close()


class _FrameDrawer:
    """One source frame → (time, YUV 4:2:0 image of the video's even size) with the pose."""

    def __init__(
        self,
        track: xr.Dataset,
        size: tuple[int, int],
        scale: float,
        labels: Sequence[Mapping[str, str]] | None,
        legend: str | None,
    ) -> None:
        self.keypoints = [str(k) for k in track["keypoints"].values]
        xy = track["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
        self.xy = xy * scale
        self.row_of = {int(f): i for i, f in enumerate(track["frame"].values)}
        self.size, self.labels = size, labels
        self.even = (size[0] // 2 * 2, size[1] // 2 * 2)
        self.legend = None if legend is None else _Stamp(legend, (size[1], size[0]))

    def __call__(self, frame: Frame) -> tuple[float, Image]:
        image = frame.image
        if (image.shape[1], image.shape[0]) != self.size:  # frames not already scaled down
            image = np.asarray(cv2.resize(image, self.size, interpolation=cv2.INTER_AREA))
        row = self.row_of.get(frame.index)
        if row is None:
            drawn = image.copy()
        else:
            labels = self.labels[row] if self.labels else None
            drawn = draw_pose(image, self.xy[row], self.keypoints, labels)
        if self.legend is not None:
            self.legend.apply(drawn)
        w, h = self.even
        # OpenCV's RGB → YUV 4:2:0 is cheaper than the encoder's own converter.
        yuv = cv2.cvtColor(np.ascontiguousarray(drawn[:h, :w]), cv2.COLOR_RGB2YUV_I420)
        return frame.time_s, np.asarray(yuv, dtype=np.uint8)


class _Stamp:
    """A text drawn once and blended into every frame, as :func:`_text` would draw it.

    The text is drawn over black (``a``) and over white (``b``); as drawing is
    a blend ``alpha·colour + (1 − alpha)·background``, any background ``g``
    gives ``a + g·(b − a)/255`` (within a few levels: each drawn layer is rounded).
    """

    def __init__(self, text: str, shape: tuple[int, int]) -> None:
        em = max(shape) / 1000 * 0.6
        black = np.zeros((*shape, 3), np.uint8)
        white = np.full((*shape, 3), 255, np.uint8)
        for canvas in (black, white):
            _text(canvas, text, (round(20 * em), round(50 * em)), GREY, em)
        rows, cols = np.nonzero((black != 0).any(axis=2) | (white != 255).any(axis=2))
        if rows.size == 0:
            self.region: tuple[slice, slice] | None = None
            return
        self.region = (slice(rows.min(), rows.max() + 1), slice(cols.min(), cols.max() + 1))
        self.a = black[self.region].astype(np.float32)
        self.k = (white[self.region].astype(np.float32) - self.a) / 255

    def apply(self, image: Image) -> None:
        """Blend the text into ``image`` in place."""
        if self.region is not None:
            patch = image[self.region]
            patch[...] = np.rint(self.a + patch * self.k).astype(np.uint8)
