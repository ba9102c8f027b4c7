"""Throughput and memory of ``kneecoach track`` (a benchmark, not a test).

Usage::

    python bench/track_throughput.py VIDEO [--long-minutes 10] [--skip-memory]

Prints, on one clip:

1. raw BlazePose ``process()`` frames/s on pre-decoded RGB frames (tracking mode,
   model_complexity=1, one full-frame instance: the model's own speed);
2. end-to-end ``run_track`` frames/s without the annotated video, and the ratio
   to (1) — decoding, colour conversion, cropping, cleaning and writing are meant
   to hide behind inference (decode thread);
3. end-to-end frames/s with the annotated video (a second decode + encode pass);
4. the ceiling of any one-pass overlay: the model, with each frame scaled, drawn
   (the raw keypoints: no cleaning, no files) and encoded as it is tracked; what
   `track` with the video could reach at best if it drew before cleaning;
5. peak RSS of ``kneecoach track --no-video`` on a 10-second and a long clip
   made by looping VIDEO (each in its own process), to show memory does not
   grow with clip length.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import av
import cv2
import numpy as np
import numpy.typing as npt

from kneecoach.capture.prefetch import prefetch
from kneecoach.capture.video import Image, VideoReader
from kneecoach.core.schema import KEYPOINTS
from kneecoach.core.settings import Settings
from kneecoach.pipeline import run_track
from kneecoach.pose.mediapipe import MediaPipePose
from kneecoach.reports.overlay import MAX_SIDE_PX, draw_pose


def raw_model_fps(video: Path, n: int) -> tuple[float, tuple[int, int]]:
    """Model speed over ``n`` frames: VIDEO's frames, pre-decoded, played in a loop."""
    with VideoReader(video) as reader:
        frames = [f.image for f in reader.frames()]
    pose = MediaPipePose()
    pose.estimate(frames[0])  # warm-up
    start = time.perf_counter()
    for i in range(n):
        pose.estimate(frames[i % len(frames)])
    elapsed = time.perf_counter() - start
    pose.close()
    return n / elapsed, (frames[0].shape[1], frames[0].shape[0])


def end_to_end_fps(video: Path, *, with_video: bool) -> float:
    with tempfile.TemporaryDirectory() as out:
        start = time.perf_counter()
        result = run_track(video, out_dir=out, settings=Settings(), video=with_video)
        elapsed = time.perf_counter() - start
    return result.raw.sizes["time"] / elapsed


def one_pass_overlay_fps(video: Path) -> float:
    """Track ``video`` and draw + encode each frame as it is tracked (no cleaning, no files).

    The model and the decoder run in worker threads; the main thread scales,
    draws and encodes, as ``track``'s own overlay pass does (same size, codec
    and preset).
    """
    pose = MediaPipePose()
    missing = np.full((len(KEYPOINTS), 2), np.nan)

    def tracked(reader: VideoReader) -> Iterator[tuple[Image, npt.NDArray[np.float64]]]:
        for frame in prefetch(reader.frames()):
            found = pose.estimate(frame.image)
            yield frame.image, missing if found is None else found.xy

    with tempfile.TemporaryDirectory() as tmp, VideoReader(video) as reader:
        w, h = reader.info.width, reader.info.height
        scale = min(1.0, MAX_SIDE_PX / max(w, h))
        size = (round(w * scale) // 2 * 2, round(h * scale) // 2 * 2)
        n, start = 0, time.perf_counter()
        with av.open(str(Path(tmp) / "one_pass.mp4"), "w") as out:
            stream = out.add_stream("libx264", rate=30)
            stream.width, stream.height = size
            stream.pix_fmt = "yuv420p"
            stream.options = {"preset": "ultrafast", "crf": "23"}
            stream.codec_context.thread_count = 1
            for image, xy in prefetch(tracked(reader)):
                small = np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8)
                drawn = draw_pose(small, xy * scale, list(KEYPOINTS))
                yuv = np.asarray(cv2.cvtColor(drawn, cv2.COLOR_RGB2YUV_I420), np.uint8)
                out.mux(stream.encode(av.VideoFrame.from_ndarray(yuv, format="yuv420p")))
                n += 1
            out.mux(stream.encode(None))
        elapsed = time.perf_counter() - start
    pose.close()
    return n / elapsed


def looped_clip(video: Path, seconds: float, dest: Path) -> Path:
    """Write ``seconds`` of VIDEO played in a loop (same size), H.264."""
    with VideoReader(video) as reader:
        frames = [f.image for f in reader.frames()]
        fps = reader.info.nominal_fps or 30.0
    n = int(seconds * fps)
    with av.open(str(dest), "w") as out:
        stream = out.add_stream("libx264", rate=round(fps))
        stream.width, stream.height = frames[0].shape[1] // 2 * 2, frames[0].shape[0] // 2 * 2
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(n):
            image = np.ascontiguousarray(frames[i % len(frames)][: stream.height, : stream.width])
            out.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        out.mux(stream.encode(None))
    return dest


def peak_rss_mb(video: Path) -> float:
    """Peak resident memory of a fresh process tracking ``video``.

    Read from ``VmHWM`` in /proc (reset at exec), not ``ru_maxrss``, which on
    Linux carries the parent's high-water mark into the child.
    """
    code = (
        "import sys, tempfile\n"
        "from kneecoach.pipeline import run_track\n"
        "from kneecoach.core.settings import Settings\n"
        "with tempfile.TemporaryDirectory() as d:\n"
        "    run_track(sys.argv[1], out_dir=d, settings=Settings(), video=False)\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print(int(hwm.split()[1]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(video)], check=True, capture_output=True, text=True
    )
    return int(done.stdout.split()[-1]) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("video", type=Path)
    parser.add_argument(
        "--seconds",
        type=float,
        default=30.0,
        help="length of the looped clip used for the throughput runs",
    )
    parser.add_argument("--long-minutes", type=float, default=10.0)
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        clip = looped_clip(args.video, args.seconds, Path(tmp) / "looped.mp4")
        with VideoReader(clip) as reader:
            n = sum(1 for _ in reader.frames())
        raw, (w, h) = raw_model_fps(args.video, n)
        print(f"clip: {args.video.name} looped to {args.seconds:g} s: {n} frames, {w}x{h}")
        print(f"raw BlazePose process():        {raw:6.1f} frames/s")
        e2e = end_to_end_fps(clip, with_video=False)
        print(f"kneecoach track --no-video:     {e2e:6.1f} frames/s  (ratio {e2e / raw:.2f})")
        e2e_video = end_to_end_fps(clip, with_video=True)
        print(
            f"kneecoach track (with video):   {e2e_video:6.1f} frames/s  "
            f"(ratio {e2e_video / raw:.2f})"
        )
        ceiling = one_pass_overlay_fps(clip)
        print(
            f"one-pass overlay (ceiling):     {ceiling:6.1f} frames/s  (ratio {ceiling / raw:.2f})"
        )
    if args.skip_memory:
        return
    with tempfile.TemporaryDirectory() as tmp:
        short = looped_clip(args.video, 10, Path(tmp) / "short.mp4")
        long = looped_clip(args.video, args.long_minutes * 60, Path(tmp) / "long.mp4")
        print(f"peak RSS, 10 s clip:            {peak_rss_mb(short):6.0f} MB")
        print(f"peak RSS, {args.long_minutes:g} min clip:         {peak_rss_mb(long):6.0f} MB")


if __name__ == "__main__":
    main()
