"""How long gait analysis adds once a long treadmill run is tracked, and its memory.

Usage::

    python bench/gait_speed.py [--minutes 30] [--fps 60] [--cores 2] [--test run|skate]

Builds a synthetic front-view treadmill run of that length in 1-minute chunks
(kneecoach.sample_data.gait.long_run; 170 steps/min, a slow fatigue drift of
0.3° per minute; or, with ``--test skate``, 0.8 s glides as
kneecoach.sample_data.gait.skate_gait, ~63 steps/min, which times the glides), joins
them into one track, then times on the already-tracked
data, pinned to ``--cores`` CPU cores: per-frame measures, gait events,
per-step readings, summaries and drift, worst steps (the analysis itself), and
separately the files (frames.csv, summary.json, report.html). Prints seconds
per minute of video and the peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

import xarray as xr

from kneecoach.assessment.gait import assess_gait, worst_steps
from kneecoach.events.gait import find_steps
from kneecoach.metrics import frame_measures
from kneecoach.metrics.gait import gait_signals
from kneecoach.reports.html import render_report
from kneecoach.sample_data.gait import long_run, skate_gait


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--fps", type=float, default=60.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--test", choices=("run", "skate"), default="run")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[: args.cores]))
    rss_start = peak_rss_mb()
    t0 = time.perf_counter()
    gait = skate_gait() if args.test == "skate" else {}  # 0.8 s glides, as skating()
    chunks = long_run(minutes=args.minutes, fps=args.fps, drift_per_min=0.3, **gait)
    track = xr.concat(list(chunks), dim="time")
    built = time.perf_counter() - t0
    rss_track = peak_rss_mb()
    t1 = time.perf_counter()
    fm = frame_measures(track, view="frontal")
    sig = gait_signals(track, view=fm.view)
    steps = find_steps(sig, test=args.test)
    summary = assess_gait(fm, sig, steps, test=args.test)
    summary["worst_moments"] = worst_steps(fm, steps, n=3)
    t2 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        fm.table.to_csv(out / "frames.csv", index=False)
        (out / "summary.json").write_text(json.dumps(summary, default=str))
        render_report(summary, fm.table, {}, out / "report.html")
    t3 = time.perf_counter()
    n = track.sizes["time"]
    print(f"{args.minutes:g} min at {args.fps:g} fps: {n} frames, {len(steps)} steps, "
          f"cadence {summary['gait']['cadence_spm']} steps/min, built in {built:.1f} s "
          f"(1-minute chunks), {args.cores} cores")  # fmt: skip
    print(f"gait analysis (measures, events, steps, drift): {t2 - t1:.2f} s = "
          f"{(t2 - t1) / args.minutes:.3f} s per minute of video")  # fmt: skip
    print(f"files (frames.csv, summary, report): {t3 - t2:.2f} s = "
          f"{(t3 - t2) / args.minutes:.3f} s per minute of video")  # fmt: skip
    changed = {s: (d or {}).get("changed") for s, d in summary["drift"].items()}
    print(f"fatigue drift found: {changed}")
    print(
        f"peak memory: {rss_start:.0f} MB after imports, {rss_track:.0f} MB with the track "
        f"built, {peak_rss_mb():.0f} MB at the end"
    )


if __name__ == "__main__":
    main()
