"""The analysis use case: one clip measured, its files written, and (for a person) stored.

:func:`analyze` runs :func:`kneecoach.analyze.run_analyze` and says how it went as a
status instead of an exception, so the command line, the web app and a study all read
the same :class:`Analysis`: ``ok``; ``partial`` (some reps were measured, but the clip
cannot support all of the request, e.g. the legs left the picture); ``refused`` (nothing
could be measured: the message says why and how to film). The summary stored for a
person is the one in memory, never summary.json read back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kneecoach.analyze import AnalysisRefused, AnalysisResult, run_analyze
from kneecoach.app.journal import Journal, StoredAssessment
from kneecoach.assessment.model import Assessment
from kneecoach.assessment.norms import Sex
from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.settings import Settings
from kneecoach.pipeline import Progress
from kneecoach.pose.base import PoseEstimator

Status = Literal["ok", "partial", "refused"]


@dataclass(frozen=True)
class AnalysisRequest:
    """One clip (or keypoint file) to analyse, and how."""

    source: Path
    out_dir: Path
    settings: Settings = field(default_factory=Settings)
    test: str = "auto"
    sex: Sex | None = None
    video: bool = True
    start_s: float = 0.0
    end_s: float | None = None
    fps: float | None = None
    #: store the result in this person's journal
    person: str | None = None
    #: with ``person``: also copy the clip into the journal (nothing without a person)
    keep_video: bool = False


@dataclass(frozen=True)
class Analysis:
    """How an analysis went, what it measured and wrote, and what was stored."""

    status: Status
    #: the measures, summary and files; None when nothing could be read (no person found,
    #: an unreadable file): then ``message`` says why and no file but the track's was written
    result: AnalysisResult | None
    #: why the status is not ``ok`` (one clear sentence, with how to film)
    message: str = ""
    #: what was stored in the person's journal (None: no person, or nothing worth keeping)
    stored: StoredAssessment | None = None

    @property
    def assessment(self) -> Assessment | None:
        """What summary.json holds (None when nothing could be read)."""
        return self.result.assessment if self.result is not None else None

    @property
    def files(self) -> dict[str, Path]:
        return dict(self.result.files) if self.result is not None else {}


def analyze(
    request: AnalysisRequest,
    journal: Journal | None = None,
    *,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse ``request.source``; with ``request.person``, store it in ``journal``.

    Raises :class:`~kneecoach.core.errors.InputError` for a request that cannot be run at
    all (a missing file, an unknown test, a bad time range) and lets ``OSError`` (a folder
    that cannot be written) through: those are the caller's to report.
    """
    if request.person is not None and journal is None:
        raise ValueError("a journal is needed to store an analysis for a person")
    r = request
    try:
        result = run_analyze(
            r.source, out_dir=r.out_dir, settings=r.settings, test=r.test, sex=r.sex,
            video=r.video, start_s=r.start_s, end_s=r.end_s, fps=r.fps, estimator=estimator,
            progress=progress,
        )  # fmt: skip
        status: Status = "ok"
        message = ""
    except AnalysisRefused as exc:
        result, message = exc.result, str(exc)
        measured = result.assessment is not None and result.assessment.measured
        status = "partial" if measured else "refused"
    except InsufficientDataError as exc:  # before anything was measured (no person found)
        return Analysis("refused", None, str(exc))
    stored = None  # remember_analysis keeps nothing when no rep was measured
    if journal is not None and r.person is not None and result.assessment is not None:
        video = r.source if r.keep_video else None
        stored = journal.remember_analysis(r.out_dir, r.person, assessment=result.assessment,
                                           video=video)  # fmt: skip
    return Analysis(status, result, message, stored)
