"""The study use case: many clips, each analysed into its own folder, one table over all.

:func:`run_study` analyses each clip exactly as a single analysis would, here or on Dask
workers (:mod:`kneecoach.app.cluster`); a clip that fails is recorded and the others go on.
After every clip ``clips.csv`` (one row per clip) and ``reps.csv`` (one row per rep or step)
are rewritten whole, so an interrupted study keeps the tables of the clips done;
``study.json`` (software, command, settings, conventions, how it ran) is written before the
first clip. Every number in the tables is copied from the clip's summary as its analysis
made it, never recomputed: in memory for a clip analysed now, from its summary.json for a
clip an earlier run finished (:data:`MARKER` says it is complete and unchanged). What a
console or a web page shows while it runs goes to a :class:`StudyObserver`.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal, Protocol

from kneecoach import __version__
from kneecoach.app.analyze import Analysis, AnalysisRequest
from kneecoach.assessment.model import Assessment as ClipAssessment
from kneecoach.assessment.norms import Sex
from kneecoach.core.errors import KneecoachError
from kneecoach.core.files import write_text
from kneecoach.core.settings import SETTINGS, Settings
from kneecoach.reports.batch import (
    CLIP_LEAD,
    REP_LEAD,
    Row,
    clip_row,
    rep_rows,
    write_table,
)

#: ``ok``; ``partial``: the clip's analysis wrote a summary but could not support all of the
#: request (its message says why); ``failed``: nothing was measured.
ClipStatus = Literal["ok", "partial", "failed"]
#: How one clip is analysed into its folder (:func:`kneecoach.app.analyze.analyze`).
Analyse = Callable[[Path, Path], Analysis]

#: What the tables' column names do not say (docs/summary-schema.md), for study.json.
CONVENTIONS = {
    "sides": "left and right are the subject's own, not the image's",
    "signs": "FPPA, medial knee displacement, knee shift and hip or femoral adduction: + is "
    "medial (valgus, inward)",
    "times": "seconds from the first frame of the source, also after --start; frame numbers "
    "0-based, the source's own",
    "units": "_deg degrees, _s seconds, _spm steps per minute, _pct per cent of leg length "
    "(hip_shift_pct: of hip width); kasr and knee_hip_ratio are ratios; foot_offset and "
    "step_width are in pelvis widths; confidence columns run 0-1",
    "empty cells": "a value the clip, its camera view or the test could not support; the "
    "clip's summary.json findings say why",
    "means": "clips.csv side means are over complete reps or steps (reps.csv column complete)",
}


@dataclass(frozen=True)
class StudyClip:
    """One clip of a study: how it went, and its row of clips.csv."""

    index: int  # 1-based, in the order given
    source: Path
    folder: str  # its folder under the study's, as clips.csv names it
    status: ClipStatus
    message: str = ""
    assessment: ClipAssessment | None = None
    row: Row = field(default_factory=dict)
    #: found complete from an earlier run of the same study (input and settings unchanged)
    resumed: bool = False


@dataclass(frozen=True)
class ClipJob:
    """One clip to analyse: where it comes from and the folder it goes to."""

    index: int
    source: Path
    folder: Path
    label: str


@dataclass(frozen=True)
class StudyRequest:
    """How every clip of a study is analysed. Plain values (pickled to a study's workers)."""

    settings: Settings = field(default_factory=Settings)
    test: str = "auto"
    sex: Sex | None = None
    video: bool = True
    start_s: float = 0.0
    end_s: float | None = None
    fps: float | None = None

    def for_clip(self, source: Path, folder: Path) -> AnalysisRequest:
        return AnalysisRequest(source, folder, self.settings, self.test, self.sex, self.video,
                               self.start_s, self.end_s, self.fps)  # fmt: skip

    def fingerprint(self) -> str:
        """A hash of everything that shapes a clip's result: the resolved settings (the
        journal's and the web app's left out), the options and kneecoach's version."""
        names = [s.name for s in SETTINGS if s.stage not in ("journal", "web")]
        what = {
            "kneecoach": __version__,
            "settings": {n: getattr(self.settings, n) for n in names},
            "options": [self.test, self.sex, self.video, self.start_s, self.end_s, self.fps],
        }
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()


class StudyObserver(Protocol):
    """What a console or a web page shows while a study runs."""

    def repeated(self, source: Path, times: int) -> None:
        """``source`` was given ``times`` times and is analysed once."""

    def clip_started(self, index: int, total: int, source: Path) -> None:
        """One worker: ``source`` is being analysed now."""

    def working(self, busy: Mapping[str, str], done: int, total: int) -> None:
        """Several workers: which clip each is analysing (by worker), and how many are done."""

    def clip_done(self, clip: StudyClip) -> None:
        """``clip`` is finished (or was found finished by an earlier run: ``clip.resumed``)."""


class Engine(Protocol):
    """Runs a study's clips elsewhere than here (:class:`kneecoach.app.cluster.DaskStudy`)."""

    def start(self, clips: int) -> Mapping[str, Any]:
        """Start workers for ``clips`` clips; return how the study runs, for study.json."""

    def run(
        self,
        jobs: Sequence[ClipJob],
        request: StudyRequest,
        finish: Callable[[StudyClip], None],
        observer: StudyObserver | None,
        *,
        total: int,
    ) -> None:
        """Analyse every job; ``finish`` each clip as it comes back, in any order."""

    def stop(self) -> None:
        """Stop what :meth:`start` started."""


class StudyInterrupted(KeyboardInterrupt):
    """Ctrl-C during a study: the tables hold the clips finished before it."""

    def __init__(self, index: int, total: int, source: Path, finished: int, cut: str | None):
        super().__init__(index, total, source, finished, cut)
        self.index, self.total, self.source = index, total, source
        self.finished, self.cut = finished, cut

    def __str__(self) -> str:
        done = f"{self.finished} clip{'' if self.finished == 1 else 's'} finished"
        text = (
            f"interrupted in clip {self.index} of {self.total} ({self.source}): clips.csv and "
            f"reps.csv hold the {done}; run the same command again to go on from there"
        )
        return text + (f"; the folder {self.cut} is incomplete" if self.cut else "")


def run_study(
    sources: Sequence[Path],
    out_root: Path,
    request: StudyRequest,
    *,
    analyse: Analyse | None = None,
    engine: Engine | None = None,
    redo: bool = False,
    observer: StudyObserver | None = None,
    record: Mapping[str, Any] | None = None,
    reraise_bugs: bool = False,
) -> list[StudyClip]:
    """Analyse every source into its own folder under ``out_root``; return the clips.

    A file given more than once (overlapping globs) is analysed once: a second row of the
    same clip would count it twice in the study. A clip finished by an earlier run of the
    study, with its input (size, time and content hash) and ``request`` unchanged, is taken
    as it is unless ``redo``. An ``engine`` (Dask workers: :mod:`kneecoach.app.cluster`)
    runs the clips left to do when there are two or more; otherwise they run here, one
    after another, each with ``analyse(source, folder)`` when given (a console's bars).
    ``record`` (:func:`study_record`) is written as study.json, with the sources, the
    :data:`CONVENTIONS` and how the study ran, before the first clip. After every clip the
    tables are rewritten whole, in the order given, so nothing finished is ever lost.
    ``reraise_bugs``: let an unexpected exception through (``--debug``).
    """
    unique, repeats = once(sources)
    for source, times in repeats.items():
        if observer is not None:
            observer.repeated(source, times)
    out_root.mkdir(parents=True, exist_ok=True)
    jobs = [ClipJob(i + 1, source, folder, folder.relative_to(out_root).as_posix())
            for i, (source, folder) in enumerate(zip(unique, folders(unique, out_root),
                                                     strict=True))]  # fmt: skip
    finished: dict[int, StudyClip] = {}
    reps: dict[int, list[Row]] = {}  # each finished clip's rows of reps.csv, made once

    def finish(clip: StudyClip) -> None:
        finished[clip.index] = clip
        a = clip.assessment
        reps[clip.index] = [] if a is None else rep_rows(str(clip.source), clip.folder, a)
        if not clip.resumed and clip.status != "failed":
            _mark(jobs[clip.index - 1], request, clip)
        order = sorted(finished)  # the order the sources were given
        write_table([finished[i].row for i in order], out_root / "clips.csv", CLIP_LEAD)
        write_table([row for i in order for row in reps[i]], out_root / "reps.csv", REP_LEAD)
        if observer is not None:
            observer.clip_done(clip)

    def started(how: Mapping[str, Any]) -> None:
        if record is not None:
            whole = {**record, "sources": [str(s) for s in unique], "conventions": CONVENTIONS,
                     "run": {**how, "redo": redo}}  # fmt: skip
            _write_json(out_root / "study.json", whole)

    for job in [] if redo else jobs:
        if (clip := _resumed(job, request)) is not None:
            finish(clip)
    pending = [job for job in jobs if job.index not in finished]
    if engine is not None and len(pending) > 1:
        try:
            started(engine.start(len(pending)))
            engine.run(pending, request, finish, observer, total=len(jobs))
        finally:
            engine.stop()
    else:
        started({"workers": 1, "scheduler": None})
        _serial(pending, analyse or analyser(request), finish, observer, reraise_bugs,
                total=len(jobs), finished=finished)  # fmt: skip
    return [finished[job.index] for job in jobs]


def analyser(request: StudyRequest) -> Analyse:
    """``analyse(source, folder)`` for a study's clips, without progress bars."""

    def analyse(source: Path, folder: Path) -> Analysis:
        from kneecoach.app.analyze import analyze

        return analyze(request.for_clip(source, folder))

    return analyse


def _serial(
    jobs: Sequence[ClipJob],
    analyse: Analyse,
    finish: Callable[[StudyClip], None],
    observer: StudyObserver | None,
    reraise_bugs: bool,
    *,
    total: int,
    finished: Mapping[int, StudyClip],
) -> None:
    """One clip after another, here; an unexpected error is tried once more."""
    for job in jobs:
        if observer is not None:
            observer.clip_started(job.index, total, job.source)
        try:
            try:
                clip = clip_once(job, analyse)
            except Exception:
                if reraise_bugs:
                    raise
                try:  # once more: a machine's hiccup, not the clip
                    clip = clip_once(job, analyse)
                except Exception as exc:
                    clip = failed_clip(job, bug_message(exc))
        except KeyboardInterrupt:
            cut = job.label if job.folder.exists() else None
            raise StudyInterrupted(job.index, total, job.source, len(finished), cut) from None
        finish(clip)


def clip_once(job: ClipJob, analyse: Analyse) -> StudyClip:
    """``job`` analysed once: a refusal (what the clip shows, an unreadable file, a folder
    that cannot be written) is its result; anything else is raised, to be tried again."""
    try:
        return analysed_clip(job, analyse(job.source, job.folder))
    except (KneecoachError, OSError) as exc:
        return failed_clip(job, _message(exc))


def analysed_clip(job: ClipJob, analysis: Analysis) -> StudyClip:
    """A clip's place in the study from its analysis (refused: kept with its reason)."""
    assessment = analysis.assessment
    message = " ".join(analysis.message.split())
    # analyze keeps what it measured and says why (exit 1 for a single clip)
    status: ClipStatus = "ok" if analysis.status == "ok" else "partial" if assessment else "failed"
    row = clip_row(str(job.source), job.label, status, message, assessment)
    return StudyClip(job.index, job.source, job.label, status, message, assessment, row)


def failed_clip(job: ClipJob, message: str) -> StudyClip:
    row = clip_row(str(job.source), job.label, "failed", message, None)
    return StudyClip(job.index, job.source, job.label, "failed", message, None, row)


def bug_message(exc: BaseException) -> str:
    return f"unexpected error ({type(exc).__name__}: {exc}); a bug in kneecoach"


# ------------------------------------------------------------------- resuming a study

#: In each finished clip's folder: what it was made from, so a re-run can skip it.
MARKER = ".kneecoach-study-clip.json"


def input_fingerprint(source: Path) -> dict[str, Any]:
    """The input's size, modification time and SHA-256 of its content."""
    stat = source.stat()
    digest = hashlib.sha256()
    with source.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": digest.hexdigest()}


def _mark(job: ClipJob, request: StudyRequest, clip: StudyClip) -> None:
    _write_json(job.folder / MARKER, {
        "schema": "kneecoach.study-clip/1", "source": str(job.source),
        "input": input_fingerprint(job.source), "request": request.fingerprint(),
        "status": clip.status, "message": clip.message,
    })  # fmt: skip


def _resumed(job: ClipJob, request: StudyRequest) -> StudyClip | None:
    """``job``'s clip as an earlier run finished it, when its input and request are the same
    and its summary.json reads (None: analyse it)."""
    try:
        mark = json.loads((job.folder / MARKER).read_text(encoding="utf-8"))
        if mark.get("request") != request.fingerprint():
            return None
        if mark.get("input") != input_fingerprint(job.source):
            return None
        assessment = ClipAssessment.read(job.folder / "summary.json")
    except (OSError, ValueError, KneecoachError):
        return None
    status, message = mark.get("status"), str(mark.get("message", ""))
    if status not in ("ok", "partial"):
        return None
    row = clip_row(str(job.source), job.label, status, message, assessment)
    return StudyClip(job.index, job.source, job.label, status, message, assessment, row,
                     resumed=True)  # fmt: skip


def once(sources: Sequence[Path]) -> tuple[list[Path], dict[Path, int]]:
    """The sources in order, each file once (compared by its resolved path), and the ones
    given more than once with how often."""
    first: dict[Path, Path] = {}
    times: dict[Path, int] = {}
    for source in sources:
        key = source.resolve()
        first.setdefault(key, source)
        times[key] = times.get(key, 0) + 1
    return list(first.values()), {first[k]: n for k, n in times.items() if n > 1}


def folders(sources: Sequence[Path], out_root: Path) -> list[Path]:
    """One output folder per source, named for the file; a repeated name gets -2, -3 …

    kneecoach's own track files (``kneecoach track X.mp4`` writes X_track/track.nc)
    are named for their folder, less ``_track``: X, not track, track-2 …
    """
    taken: set[str] = set()
    result = []
    for source in sources:
        base = source.stem or source.name
        if base == "track" and source.absolute().parent.name:
            base = source.absolute().parent.name.removesuffix("_track") or base
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        result.append(out_root / name)
    return result


def study_record(
    settings: Settings, options: Mapping[str, Any], *, command: str, working_folder: str
) -> dict[str, Any]:
    """What a study reports about its method: the software, the command, the settings and
    where each setting's value came from."""
    packages: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("mediapipe", "numpy", "scipy"):
        try:
            packages[package] = version(package)
        except PackageNotFoundError:
            packages[package] = None
    # the journal's database_url is left out: unused here, and it may hold a password
    names = [s.name for s in SETTINGS if s.stage not in ("journal", "web")]
    return {
        "schema": "kneecoach.study/1",
        "kneecoach_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "working_folder": working_folder,
        "options": dict(options),
        "settings": {name: getattr(settings, name) for name in names},
        # where each value came from: default, config file, environment or command line
        "settings_origins": {name: settings.origin(name) for name in names},
        "settings_notes": [_cutoff_note(settings)],
        "packages": packages,
    }


def _cutoff_note(settings: Settings) -> str:
    if settings.given("cutoff_hz"):
        return (
            f"cutoff_hz {settings.cutoff_hz:g} set ({settings.origin('cutoff_hz')}): every clip "
            "is filtered at it, running and skating too"
        )
    return (
        f"cutoff_hz left at {settings.cutoff_hz:g}: running and skating videos of 40 fps or more "
        "are filtered at 12 Hz instead (science.md §8); that clip's summary.json notes say so"
    )


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, KneecoachError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return " ".join(str(exc).split())


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
