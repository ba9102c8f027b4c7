"""The track use case: a video or keypoint file becomes a clean pose track and its files.

:func:`track` runs :func:`kneecoach.pipeline.run_track` for a :class:`TrackRequest`; what
it returns (:class:`~kneecoach.pipeline.TrackResult`) holds the raw and clean tracks, the
quality report, the notes and the files written. It raises
:class:`~kneecoach.core.errors.InputError` for a request that cannot be run and
:class:`~kneecoach.core.errors.InsufficientDataError` when no person was found (the
quality report is kept).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kneecoach.core.settings import Settings
from kneecoach.pipeline import Progress, TrackResult, run_track
from kneecoach.pose.base import PoseEstimator

#: The exports ``formats`` may name beside track.nc.
FORMATS = ("nc", "csv", "trc")


@dataclass(frozen=True)
class TrackRequest:
    """One clip (or keypoint file) to track, and how."""

    source: Path
    out_dir: Path
    settings: Settings = field(default_factory=Settings)
    formats: tuple[str, ...] = ("csv",)
    video: bool = True
    start_s: float = 0.0
    end_s: float | None = None
    fps: float | None = None


def track(
    request: TrackRequest,
    *,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
) -> TrackResult:
    """Track ``request.source`` into ``request.out_dir``."""
    r = request
    return run_track(
        r.source, out_dir=r.out_dir, settings=r.settings, formats=r.formats, video=r.video,
        start_s=r.start_s, end_s=r.end_s, fps=r.fps, estimator=estimator, progress=progress,
    )  # fmt: skip
