"""How many clips a minute a study analyses: one worker, two local workers, and one worker
behind a Dask scheduler (the overhead a cluster adds per clip).

    python bench/study_throughput.py                # 10 shared clips (../shared/media)
    python bench/study_throughput.py --clips 4

Every run analyses the same clips from scratch (``redo``) without annotated videos, and
its wall time includes starting the workers. The scheduler run starts a ``LocalCluster`` of
one worker first (not timed) and sends the clips to its address, as ``--scheduler`` does.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from kneecoach.app.cluster import DaskStudy
from kneecoach.app.study import StudyRequest, run_study

MEDIA = Path(__file__).resolve().parents[2] / "shared" / "media"
CLIPS = ("front_overhead_squat_01.mov", "front_overhead_squat_02.mov",
         "front_overhead_squat_03.mov", "front_overhead_squat_04.mov",
         "front_overhead_squat_05.mov", "side_squat_01.mp4", "front_walking_01.mp4",
         "side_walking_02.mp4", "oblique_overhead_squat_01.mov",
         "oblique_overhead_squat_02.mov")  # fmt: skip


def timed(sources: list[Path], out: Path, **how: object) -> float:
    request = StudyRequest(video=False)
    start = time.perf_counter()
    clips = run_study(sources, out, request, redo=True, **how)  # type: ignore[arg-type]
    seconds = time.perf_counter() - start
    assert len(clips) == len(sources)  # each analysed (an oblique view is refused: its answer)
    return seconds


class _Timed(DaskStudy):
    """Remembers how long starting the workers took (part of the wall time, said apart)."""

    start_s = 0.0

    def start(self, clips: int) -> dict[str, object]:
        t = time.perf_counter()
        try:
            return super().start(clips)
        finally:
            self.start_s = time.perf_counter() - t


def cpu_per_clip(sources: list[Path]) -> float:
    """CPU seconds (all threads) one analysis takes, and so how many cores it keeps busy."""
    before = os.times()
    with tempfile.TemporaryDirectory() as tmp:
        timed(sources[:2], Path(tmp))
    after = os.times()
    return (after.user - before.user + after.system - before.system) / 2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=10)
    args = parser.parse_args()
    sources = [MEDIA / name for name in CLIPS[: args.clips]]
    missing = [s for s in sources if not s.exists()]
    if missing:
        raise SystemExit(f"missing shared clips: {missing[0]} (see ../shared/media/SOURCES.md)")
    n = len(sources)
    print(f"{n} clips, {os.cpu_count()} cores, no annotated video")
    with tempfile.TemporaryDirectory() as tmp:
        one = timed(sources, Path(tmp) / "one")
        local = _Timed(workers=2)
        two = timed(sources, Path(tmp) / "two", engine=local)
        from distributed import LocalCluster

        with LocalCluster(n_workers=1, threads_per_worker=1, dashboard_address=None,
                          silence_logs=40) as cluster:  # fmt: skip
            address = cluster.scheduler_address
            behind = timed(sources, Path(tmp) / "dask", engine=DaskStudy(scheduler=address))
    for name, seconds in (("1 worker (here)", one), ("2 local workers", two),
                          ("1 worker behind a scheduler", behind)):  # fmt: skip
        print(f"  {name:28} {seconds:6.1f} s  {60 * n / seconds:5.1f} clips/min")
    steady = two - local.start_s
    print(
        f"  2 workers: {one / two:.2f}× the clips per minute of 1; {local.start_s:.1f} s of it "
        f"starting them; after that {one / steady:.2f}×"
    )
    print(f"  a scheduler's overhead: {(behind - one) / n:+.2f} s per clip")
    cpu = cpu_per_clip(sources)
    print(
        f"  one analysis: {cpu:.1f} CPU-s, {cpu / (one / n):.2f} cores busy while it runs "
        f"(so {os.cpu_count()} cores can give at most "
        f"{(os.cpu_count() or 1) / (cpu / (one / n)):.2f}×)"
    )


if __name__ == "__main__":
    main()
