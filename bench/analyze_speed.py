"""How long analysis adds once a clip is tracked, per minute of video.

Usage::

    python bench/analyze_speed.py [--minutes 10] [--fps 60]

Builds a synthetic single-leg-squat track of that length (one rep per 3 s),
then times, on the already-tracked data: per-frame measures, rep segmentation
and findings (the analysis itself), and separately the files (frames.csv,
summary.json, plots, report.html). Prints seconds per minute of video.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from kneecoach.assessment.summary import assess, worst_moments
from kneecoach.events import segment
from kneecoach.metrics import frame_measures
from kneecoach.reports.html import render_report
from kneecoach.sample_data.synthetic import single_leg_squat


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--fps", type=float, default=60.0)
    args = parser.parse_args()
    seconds = args.minutes * 60
    track = single_leg_squat(fps=args.fps, duration_s=seconds, reps=int(seconds // 3))
    t0 = time.perf_counter()
    fm = frame_measures(track)
    reps = segment(fm.table, "single-leg-squat", fps=args.fps)
    summary = assess(fm, reps, test="single-leg-squat", sex=None)
    summary["worst_moments"] = worst_moments(fm.table, reps, bilateral=False, n=3)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        fm.table.to_csv(out / "frames.csv", index=False)
        (out / "summary.json").write_text(json.dumps(summary, default=str))
        render_report(summary, fm.table, {}, out / "report.html")
    t2 = time.perf_counter()
    print(f"{args.minutes:g} min at {args.fps:g} fps: {len(fm.table)} frames, {len(reps)} reps")
    print(f"analysis (measures, reps, findings): {t1 - t0:.2f} s = "
          f"{(t1 - t0) / args.minutes:.3f} s per minute of video")  # fmt: skip
    print(f"files (frames.csv, summary, plots, report): {t2 - t1:.2f} s = "
          f"{(t2 - t1) / args.minutes:.3f} s per minute of video")  # fmt: skip


if __name__ == "__main__":
    main()
