"""The trainer on a file: the live loop run over a clip's frames as if from a camera.

:func:`train_on_file` feeds each frame, at its own timestamp, to the same
:class:`~kneecoach.live.feedback.LiveTracker` as the web app's ``/api/live`` (pose in
tracking mode, causal smoothing, the knee-over-foot cue), so a coach can review a set as
the trainer saw it, and the live loop can be tested on real clips.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from kneecoach.app.journal import Journal, SessionLogged
from kneecoach.core.errors import InputError
from kneecoach.core.files import replacing
from kneecoach.core.schema import SIDES, Side
from kneecoach.live.feedback import Cue, LiveReading, LiveTracker, Thresholds, live_pose
from kneecoach.live.reps import LiveRep
from kneecoach.live.sense import HoldDetector, Kind, SenseResult, score
from kneecoach.pipeline import Progress
from kneecoach.pose.base import PoseEstimator

#: The columns of live.csv, one row per frame.
COLUMNS = ("frame", "time_s", *(f"{m}_{s}" for m in ("knee_over_foot", "knee_flexion", "cue")
                                for s in SIDES), "pelvic_obliquity_deg", "server_ms")  # fmt: skip


@dataclass(frozen=True)
class TrainedFile:
    """How the live loop saw a clip."""

    frames: int
    thresholds: Thresholds
    #: per knee: how many frames had each cue
    cues: dict[Side, Counter[Cue]] = field(default_factory=dict)
    #: per knee: the furthest inside its foot, % of leg length (None: never seen)
    worst_pct: dict[Side, float | None] = field(default_factory=dict)
    #: the pose and measures' median time per frame, ms
    median_ms: float = 0.0
    csv: Path | None = None
    #: the reps counted live, with their numbers
    reps: list[LiveRep] = field(default_factory=list)
    #: with ``log``: what was logged in the person's journal
    logged: SessionLogged | None = None
    #: with ``sense``: the position-sense test scored from the clip's holds
    sense: SenseResult | None = None


def train_on_file(
    source: Path,
    out_csv: Path | None,
    *,
    journal: Journal | None = None,
    person: str | None = None,
    pose: Callable[[], PoseEstimator] | None = None,
    progress: Progress | None = None,
    log: bool = False,
    exercise_id: str | None = None,
    sense: Kind | None = None,
) -> TrainedFile:
    """Run the live loop over ``source``; the thresholds are ``person``'s (their last
    assessment's noise) when given. Writes one row per frame to ``out_csv``. With ``log``,
    the set (its reps and their numbers) is logged in ``person``'s journal. With ``sense``,
    the clip is a position-sense test (its still holds are the trials), scored and, with
    ``log``, stored instead."""
    import time

    from kneecoach.capture.video import VideoReader

    if not source.is_file():
        raise InputError(f"{source}: no such video")
    thresholds = Thresholds()
    if person is not None:
        if journal is None:
            raise ValueError("a journal is needed for a person's thresholds")
        thresholds = Thresholds.of(journal.latest_assessment(person))
    estimator = (pose or live_pose)()
    tracker = LiveTracker(estimator, thresholds, sense=HoldDetector(sense) if sense else None)
    rows: list[tuple[int, float, LiveReading]] = []
    try:
        with VideoReader(source) as reader:
            for frame in reader.frames(progress=progress):
                start = time.perf_counter()
                reading = tracker.process(frame.image, frame.time_s)
                ms = 1000 * (time.perf_counter() - start)
                rows.append((frame.index, frame.time_s, replace(reading, server_ms=ms)))
    finally:
        estimator.close()
    if out_csv is not None:
        _write(out_csv, rows)
    cues = {s: Counter(r.cue[s] for _, _, r in rows) for s in SIDES}
    worst: dict[Side, float | None] = {}
    for s in SIDES:
        seen = [v for _, _, r in rows if (v := r.knee_over_foot_pct[s]) is not None]
        worst[s] = max(seen) if seen else None
    times = sorted(r.server_ms for _, _, r in rows)
    reps = list(tracker.counter.reps)
    logged, scored = None, None
    day = date.fromtimestamp(source.stat().st_mtime)
    if tracker.sense is not None:
        scored = score(tracker.sense.kind, tracker.sense.trials)
        if log and journal is not None and person is not None:
            journal.record_sense_test(person, day, scored)
    elif log and journal is not None and person is not None:
        logged = journal.log_trained_set(person, day, reps, exercise_id=exercise_id)
    return TrainedFile(len(rows), thresholds, cues, worst,
                       times[len(times) // 2] if times else 0.0, out_csv, reps, logged,
                       scored)  # fmt: skip


def _write(path: Path, rows: list[tuple[int, float, LiveReading]]) -> None:
    with replacing(path) as part, part.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for index, t, r in rows:
            writer.writerow([
                index, round(t, 4),
                *(_cell(r.knee_over_foot_pct[s]) for s in SIDES),
                *(_cell(r.knee_flexion_deg[s]) for s in SIDES),
                *(r.cue[s] for s in SIDES),
                _cell(r.pelvic_obliquity_deg), round(r.server_ms, 1),
            ])  # fmt: skip


def _cell(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"
