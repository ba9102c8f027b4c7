"""The study use case: many clips, each analysed into its own folder, one table over all.

:func:`run_study` analyses each clip exactly as a single analysis would; a clip that fails
is recorded and the others go on. After every clip ``clips.csv`` (one row per clip) and
``reps.csv`` (one row per rep or step) are rewritten whole, so an interrupted study keeps
the tables of the clips done; ``study.json`` (software, command, settings, conventions) is
written first. Every number in the tables is copied from the clip's summary as the
analysis made it (in memory), never recomputed and never read back from disk. What a
console or a web page shows while it runs goes to a :class:`StudyObserver`.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any, Literal, Protocol

from kneecoach import __version__
from kneecoach.app.analyze import Analysis
from kneecoach.assessment.model import Assessment as ClipAssessment
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


class StudyObserver(Protocol):
    """What a console or a web page shows while a study runs."""

    def repeated(self, source: Path, times: int) -> None:
        """``source`` was given ``times`` times and is analysed once."""

    def clip_started(self, index: int, total: int, source: Path) -> None: ...

    def clip_done(self, clip: StudyClip) -> None: ...


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
            f"reps.csv hold the {done}"
        )
        return text + (f"; the folder {self.cut} is incomplete" if self.cut else "")


def run_study(
    sources: Sequence[Path],
    out_root: Path,
    analyse: Analyse,
    *,
    observer: StudyObserver | None = None,
    record: Mapping[str, Any] | None = None,
    reraise_bugs: bool = False,
) -> list[StudyClip]:
    """Analyse every source with ``analyse(source, folder)``; return the clips.

    A file given more than once (overlapping globs) is analysed once: a second row of the
    same clip would count it twice in the study. ``record`` (:func:`study_record`) is
    written first as study.json, with the sources and the :data:`CONVENTIONS`, so an
    interrupted study has it too. ``reraise_bugs``: let an unexpected exception through
    (``--debug``) instead of recording the clip as failed.
    """
    unique, repeats = once(sources)
    for source, times in repeats.items():
        if observer is not None:
            observer.repeated(source, times)
    out_root.mkdir(parents=True, exist_ok=True)
    if record is not None:
        whole = {**record, "sources": [str(s) for s in unique], "conventions": CONVENTIONS}
        _write_json(out_root / "study.json", whole)
    clips: list[StudyClip] = []
    reps: list[Row] = []
    for i, (source, folder) in enumerate(zip(unique, folders(unique, out_root), strict=True)):
        if observer is not None:
            observer.clip_started(i + 1, len(unique), source)
        label = folder.relative_to(out_root).as_posix()
        try:
            clip = _clip(i + 1, source, folder, label, analyse, reraise_bugs)
        except KeyboardInterrupt:
            _write(out_root, clips, reps)
            cut = label if folder.exists() else None
            raise StudyInterrupted(i + 1, len(unique), source, len(clips), cut) from None
        clips.append(clip)
        if clip.assessment is not None:
            reps += rep_rows(str(source), label, clip.assessment)
        _write(out_root, clips, reps)
        if observer is not None:
            observer.clip_done(clip)
    return clips


def _clip(
    index: int, source: Path, folder: Path, label: str, analyse: Analyse, reraise_bugs: bool
) -> StudyClip:
    status: ClipStatus
    assessment: ClipAssessment | None = None
    try:
        analysis = analyse(source, folder)
    except (KneecoachError, OSError) as exc:
        status, message = "failed", _message(exc)
    except Exception as exc:
        if reraise_bugs:
            raise
        status = "failed"
        message = f"unexpected error ({type(exc).__name__}: {exc}); a bug in kneecoach"
    else:
        assessment = analysis.assessment
        message = " ".join(analysis.message.split())
        # analyze keeps what it measured and says why (exit 1 for a single clip)
        status = "ok" if analysis.status == "ok" else "partial" if assessment else "failed"
    row = clip_row(str(source), label, status, message, assessment)
    return StudyClip(index, source, label, status, message, assessment, row)


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


def _write(out_root: Path, clips: list[StudyClip], reps: list[Row]) -> None:
    write_table([c.row for c in clips], out_root / "clips.csv", CLIP_LEAD)
    write_table(reps, out_root / "reps.csv", REP_LEAD)
