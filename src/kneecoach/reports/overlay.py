"""Skeleton overlay on video frames; writes ``annotated.mp4``.

The hip-knee-ankle lines are drawn thick, one colour per side (the subject's
left in blue, right in orange: the Okabe-Ito colour-blind-safe pair), the
rest of the skeleton thin and grey, with ``L``/``R`` beside each knee so a
viewer can check the sides are the subject's own, followed by the knee's angle
in that frame when one is given (the same numbers as ``frames.csv``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.capture.video import Frame, Image
from kneecoach.core.schema import SIDES, SKELETON

#: RGB colours per side (Okabe & Ito 2008 colour-blind-safe palette).
SIDE_RGB = {"left": (0, 114, 178), "right": (230, 159, 0)}
GREY = (200, 200, 200)
#: The annotated video's longer side is at most this many pixels (keeps the
#: second, drawing pass cheap; the track itself keeps full resolution).
MAX_SIDE_PX = 1280


def _text(
    out: Image, text: str, at: tuple[int, int], colour: tuple[int, int, int], size: float
) -> None:
    """``text`` with a dark outline (readable on any background); ``°`` drawn as a ring."""
    plain = text.replace("°", "")
    font, weight = cv2.FONT_HERSHEY_SIMPLEX, max(1, round(2.5 * size / 0.9))
    for c, w in (((0, 0, 0), weight + 3), (colour, weight)):
        cv2.putText(out, plain, at, font, size, c, w, cv2.LINE_AA)
    if "°" in text:
        (width, height), _ = cv2.getTextSize(plain, font, size, weight)
        ring = (at[0] + width + max(3, round(height / 4)), at[1] - height + max(2, height // 5))
        r = max(2, round(height / 5))
        for c, w in (((0, 0, 0), weight + 2), (colour, max(1, weight - 1))):
            cv2.circle(out, ring, r, c, w, cv2.LINE_AA)


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
        knee = chain[1]
        if knee:
            label_at = (knee[0] + round(14 * scale), knee[1] - round(10 * scale))
            text = (labels or {}).get(side, side[0].upper())
            _text(out, text, label_at, colour, 0.9 * scale)
    return out


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
    is kept: each output frame's timestamp is its source time.
    """
    path = Path(path)
    keypoints = [str(k) for k in track["keypoints"].values]
    xy = track["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    row_of = {int(f): i for i, f in enumerate(track["frame"].values)}
    container = av.open(str(path), mode="w")
    stream = None
    try:
        for frame in frames:
            image = frame.image
            if stream is None:  # the size of the source the track is measured in
                src_w = int(track.attrs.get("image_width", image.shape[1]))
                src_h = int(track.attrs.get("image_height", image.shape[0]))
                scale = min(1.0, MAX_SIDE_PX / max(src_w, src_h))
                size = (round(src_w * scale), round(src_h * scale))
                w, h = size[0] // 2 * 2, size[1] // 2 * 2
                stream = container.add_stream("libx264", rate=Fraction(round(fps * 1000), 1000))
                stream.width, stream.height = w, h
                stream.pix_fmt = "yuv420p"
                stream.time_base = Fraction(1, 1000)
                stream.codec_context.time_base = Fraction(1, 1000)
                stream.options = {"preset": "ultrafast", "crf": "23"}
            if (image.shape[1], image.shape[0]) != size:  # frames not already scaled down
                image = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))
            row = row_of.get(frame.index)
            drawn = (
                image.copy()
                if row is None
                else draw_pose(image, xy[row] * scale, keypoints, labels[row] if labels else None)
            )
            if legend:
                em = max(drawn.shape[:2]) / 1000 * 0.6
                _text(drawn, legend, (round(20 * em), round(50 * em)), GREY, em)
            out = av.VideoFrame.from_ndarray(np.ascontiguousarray(drawn[:h, :w]), format="rgb24")
            out.pts = int(round(frame.time_s * 1000))
            out.time_base = Fraction(1, 1000)
            container.mux(stream.encode(out))
        if stream is not None:
            container.mux(stream.encode(None))
    finally:
        container.close()
    return path
