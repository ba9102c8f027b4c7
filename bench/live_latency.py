"""How fast the live trainer answers (issue 19: camera → overlay p50 ≤ 60 ms, p95 ≤ 100 ms,
≥ 15 frames/s at 640×480; server pose + measures p50 ≤ 30 ms).

Usage::

    python bench/live_latency.py ../shared/media/front_overhead_squat_04.mov [--seconds 20]

1. **Server**: the clip letterboxed to 640×480, each frame JPEG-encoded and decoded as the
   WebSocket does, then pose and measures (:class:`~kneecoach.live.feedback.LiveTracker`);
   the time per frame, looping the clip for ``--seconds``.
2. **End to end**: ``kneecoach``'s web app on loopback and Debian's Chromium (Playwright)
   with a fake camera playing the same clip (a Y4M made here): the Train page's own
   measure, camera frame grabbed → answer drawn, over ``--seconds``, and the answers per
   second. Skipped when Playwright or chromium is missing.
"""

from __future__ import annotations

import argparse
import shutil
import socket
import tempfile
import threading
import time
from pathlib import Path

import cv2
import numpy as np

from kneecoach.app.journal import Journal
from kneecoach.capture.video import VideoReader
from kneecoach.capture.y4m import letterboxed, write_y4m
from kneecoach.live.feedback import LiveTracker, live_pose

SIZE = (640, 480)


def _stats(ms: list[float]) -> str:
    a = np.array(ms)
    return f"p50 {np.percentile(a, 50):6.1f} ms   p95 {np.percentile(a, 95):6.1f} ms"


def server(clip: Path, seconds: float) -> None:
    with VideoReader(clip) as reader:
        frames = [letterboxed(f.image, SIZE) for f in reader.frames()]
    jpegs = [cv2.imencode(".jpg", cv2.cvtColor(f, cv2.COLOR_RGB2BGR),
                          [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes() for f in frames]  # fmt: skip
    tracker = LiveTracker(live_pose())
    times: list[float] = []
    start = time.perf_counter()
    i = 0
    while time.perf_counter() - start < seconds:
        t0 = time.perf_counter()
        image = cv2.imdecode(np.frombuffer(jpegs[i % len(jpegs)], np.uint8), cv2.IMREAD_COLOR)
        tracker.process(cv2.cvtColor(image, cv2.COLOR_BGR2RGB), i / 30)
        times.append(1000 * (time.perf_counter() - t0))
        i += 1
    tracker.estimator.close()
    print(f"server, decode + pose + measures, {len(times)} frames:  {_stats(times[10:])}")


def end_to_end(clip: Path, seconds: float) -> None:
    chromium = shutil.which("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None  # type: ignore[assignment]
    if chromium is None or sync_playwright is None:
        print("end to end: skipped (needs Playwright and Debian's chromium)")
        return
    import uvicorn

    from kneecoach.web.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        camera = write_y4m(clip, Path(folder) / "camera.y4m", SIZE)
        with Journal.open(f"sqlite:///{Path(folder) / 'j.sqlite3'}") as journal:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            app = create_app(journal)
            srv = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))
            thread = threading.Thread(target=srv.run, daemon=True)
            thread.start()
            while not srv.started:
                time.sleep(0.05)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=chromium,
                    args=["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                          f"--use-file-for-fake-video-capture={camera}", "--disable-gpu",
                          "--disable-background-networking", "--no-first-run"],
                )  # fmt: skip
                page = browser.new_page()
                page.goto(f"http://127.0.0.1:{port}/train")
                page.get_by_role("button", name="Start").click()
                time.sleep(3)  # the model loads, the first frames warm it
                page.evaluate("window.kneecoachLive.replies.length = 0; "
                              "window.kneecoachLive.latencies.length = 0")  # fmt: skip
                time.sleep(seconds)
                latencies = page.evaluate("window.kneecoachLive.latencies")
                browser.close()
            srv.should_exit = True
            thread.join()
    rate = len(latencies) / seconds
    print(f"end to end, camera frame → lines drawn, {len(latencies)} answers:  "
          f"{_stats(latencies)}   {rate:.1f} frames/s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("clip", type=Path)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()
    print(f"{args.clip.name} at {SIZE[0]}×{SIZE[1]}, {args.seconds:.0f} s each")
    server(args.clip, args.seconds)
    end_to_end(args.clip, args.seconds)


if __name__ == "__main__":
    main()
