"""``kneecoach analyze A B C …``: many clips in one run, for studies.

Each clip is analysed into its own folder under ``--out``, exactly as a single
``analyze`` would; a clip that fails is recorded and the others go on. After
every clip ``clips.csv`` (one row per clip) and ``reps.csv`` (one row per rep or
step) are rewritten, so an interrupted run keeps the tables of the clips done.
"""

from __future__ import annotations

import json
import os
import platform
import shlex
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from rich.table import Table

from kneecoach import __version__
from kneecoach.cli.common import err, out
from kneecoach.core.errors import KneecoachError
from kneecoach.core.movement_tests import headline
from kneecoach.core.settings import SETTINGS, Settings
from kneecoach.reports.batch import (
    CLIP_LEAD,
    REP_LEAD,
    clip_row,
    rep_rows,
    write_table,
    written_whole,
)
from kneecoach.reports.numbers import fmt

Analyse = Callable[[Path, Path], object]


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


def study_record(settings: Settings, options: Mapping[str, Any]) -> dict[str, Any]:
    """What a study reports about its method: the software, the command, the settings."""
    packages: dict[str, str | None] = {"python": platform.python_version()}
    for package in ("mediapipe", "numpy", "scipy"):
        try:
            packages[package] = version(package)
        except PackageNotFoundError:
            packages[package] = None
    return {
        "schema": "kneecoach.study/1",
        "kneecoach_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": shlex.join(["kneecoach", *sys.argv[1:]]),
        "working_folder": os.getcwd(),
        "options": dict(options),
        # the journal's database_url is left out: unused here, and it may hold a password
        "settings": {s.name: getattr(settings, s.name) for s in SETTINGS if s.stage != "journal"},
        # where each value came from: default, config file, environment or command line
        "settings_origins": {
            s.name: settings.origin(s.name) for s in SETTINGS if s.stage != "journal"
        },
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


def analyze_many(
    sources: Sequence[Path],
    out_root: Path,
    analyse: Analyse,
    *,
    debug: bool = False,
    study: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Analyse every source with ``analyse(source, folder)``; return the clips.csv rows.

    A file given more than once (overlapping globs) is analysed once: a second
    row of the same clip would count it twice in the study. ``study`` (version,
    settings, command) is written first as study.json, with the sources and the
    :data:`CONVENTIONS`, so an interrupted run has it too.
    """
    sources = _once(sources)
    out_root.mkdir(parents=True, exist_ok=True)
    if study is not None:
        record = {**study, "sources": [str(s) for s in sources], "conventions": CONVENTIONS}
        _write_json(out_root / "study.json", record)
    clips: list[dict[str, Any]] = []
    reps: list[dict[str, Any]] = []
    for i, (source, folder) in enumerate(zip(sources, folders(sources, out_root), strict=True)):
        err.print(f"[bold]clip {i + 1} of {len(sources)}:[/] {source}")
        status, message = "ok", ""
        before = _stamp(folder / "summary.json")
        try:
            analyse(source, folder)
        except KeyboardInterrupt:
            _write(out_root, clips, reps)
            done = f"{len(clips)} clip{'' if len(clips) == 1 else 's'} finished"
            cut = folder.relative_to(out_root).as_posix()
            err.print(
                f"interrupted in clip {i + 1} of {len(sources)} ({source}): clips.csv and "
                f"reps.csv hold the {done}"
                + (f"; the folder {cut} is incomplete" if folder.exists() else "")
            )
            raise
        except (KneecoachError, OSError) as exc:
            status, message = "failed", _message(exc)
        except Exception as exc:
            if debug:
                raise
            status = "failed"
            message = f"unexpected error ({type(exc).__name__}: {exc}); a bug in kneecoach"
        summary = _read_summary(folder, unless=before)
        if status == "failed" and summary is not None:
            status = "partial"  # analyze keeps what it measured (exit 1 for a single clip)
        label = folder.relative_to(out_root).as_posix()
        if message:
            err.print(f"  [red]{status}:[/] {message}")
        elif summary is not None:
            what = f"{summary.get('test_label')}, {summary.get('view')} view"
            err.print(f"  [green]ok:[/] {what}, in {label}")
        clips.append(clip_row(str(source), label, status, message, summary))
        if summary is not None:
            reps += rep_rows(str(source), label, summary)
        _write(out_root, clips, reps)
    return clips


def _once(sources: Sequence[Path]) -> list[Path]:
    """The sources in order, each file once (compared by its resolved path)."""
    first: dict[Path, Path] = {}
    times: dict[Path, int] = {}
    for source in sources:
        key = source.resolve()
        first.setdefault(key, source)
        times[key] = times.get(key, 0) + 1
    for key, n in times.items():
        if n > 1:
            err.print(f"[yellow]note:[/] {first[key]} was given {n} times; analysed once")
    return list(first.values())


def print_batch(clips: Sequence[dict[str, Any]], out_root: Path) -> None:
    """One line per clip, named by its folder (unique), then where the tables are.

    Each side shows the test's headline as the single-clip report does: peak FPPA,
    or for squat and sit-to-stand the knee's shift over the foot (FPPA is not their
    headline: it misleads when the hips near knee height, science.md §1.1).
    """
    table = Table(title=f"{len(clips)} clips", title_justify="left")
    table.add_column("folder", overflow="fold")
    for col in ("status", "test", "view", "left", "right"):
        table.add_column(col, overflow="fold")
    for c in clips:
        table.add_row(
            c["folder"],
            c["status"],
            c.get("test") or "",
            c.get("view") or "",
            *(_headline(c, side) for side in ("left", "right")),
        )
    out.print(table)
    out.print(
        "left, right: peak FPPA, + valgus; squat and sit-to-stand (deep, where FPPA misleads: "
        "science.md §1.1): the knee's mean shift over the foot, % of leg length, in or out"
    )
    out.print(f"  clips    {(out_root / 'clips.csv').resolve()}")
    out.print(f"  reps     {(out_root / 'reps.csv').resolve()}")
    if (out_root / "study.json").exists():
        out.print(f"  study    {(out_root / 'study.json').resolve()} (version, settings, command)")
    out.print(f"  Each clip's report.html is in its own folder under {out_root.resolve()}.")


def _headline(c: dict[str, Any], side: str) -> str:
    if c.get(f"working_{side}") is False:
        return "not working"
    if headline(c.get("test")) == "knee_over_foot":
        shift = c.get(f"mean_knee_shift_pct_{side}")
        if shift is None:
            return ""
        return f"{fmt(abs(shift), 0, '%')} {'in' if shift > 0 else 'out'}"
    peak = c.get(f"peak_fppa_deg_{side}")
    return fmt(peak, 1, "°") if peak is not None else ""


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, KneecoachError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}"
    return " ".join(str(exc).split())


def _stamp(path: Path) -> tuple[int, int, int, int] | None:
    """What changes when a file is written: its times (ns), size and inode; None if absent."""
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_ctime_ns, st.st_size, st.st_ino


def _read_summary(
    folder: Path, *, unless: tuple[int, int, int, int] | None
) -> dict[str, Any] | None:
    """This run's summary.json, not one left in the folder by an earlier run.

    ``unless`` is the file's stamp before this clip's analysis: a file still
    stamped so was not written now (comparing times with a slack let a summary
    written seconds ago by an earlier run pass for this one's).
    """
    path = folder / "summary.json"
    stamp = _stamp(path)
    if stamp is None or stamp == unless:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    with written_whole(path) as fh:
        fh.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _write(out_root: Path, clips: list[dict[str, Any]], reps: list[dict[str, Any]]) -> None:
    write_table(clips, out_root / "clips.csv", CLIP_LEAD)
    write_table(reps, out_root / "reps.csv", REP_LEAD)
