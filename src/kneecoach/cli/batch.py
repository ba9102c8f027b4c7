"""``kneecoach analyze A B C …``: many clips in one run, for studies.

Each clip is analysed into its own folder under ``--out``, exactly as a single
``analyze`` would; a clip that fails is recorded and the others go on. After
every clip ``clips.csv`` (one row per clip) and ``reps.csv`` (one row per rep or
step) are rewritten, so an interrupted run keeps the tables of the clips done.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from kneecoach.assessment.findings import KNEE_OVER_FOOT_TESTS
from kneecoach.cli.common import err, out
from kneecoach.core.errors import KneecoachError
from kneecoach.reports.batch import CLIP_LEAD, REP_LEAD, clip_row, rep_rows, write_table
from kneecoach.reports.html import fmt

Analyse = Callable[[Path, Path], object]


def folders(sources: Sequence[Path], out_root: Path) -> list[Path]:
    """One output folder per source, named for the file; a repeated name gets -2, -3 …"""
    taken: set[str] = set()
    result = []
    for source in sources:
        base = source.stem or source.name
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            name = f"{base}-{n}"
        taken.add(name.lower())
        result.append(out_root / name)
    return result


def analyze_many(
    sources: Sequence[Path], out_root: Path, analyse: Analyse, *, debug: bool = False
) -> list[dict[str, Any]]:
    """Analyse every source with ``analyse(source, folder)``; return the clips.csv rows.

    A file given more than once (overlapping globs) is analysed once: a second
    row of the same clip would count it twice in the study.
    """
    sources = _once(sources)
    out_root.mkdir(parents=True, exist_ok=True)
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
        if message:
            err.print(f"  [red]{status}:[/] {message}")
        label = folder.relative_to(out_root).as_posix()
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
    or for squat and sit-to-stand the knee's shift over the foot (FPPA is not read
    there: science.md §1.1).
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
        "left, right: peak FPPA (+ valgus); squat and sit-to-stand: the knee's mean shift "
        "over the foot, % of leg length"
    )
    out.print(f"  clips    {(out_root / 'clips.csv').resolve()}")
    out.print(f"  reps     {(out_root / 'reps.csv').resolve()}")
    out.print(f"  Each clip's report.html is in its own folder under {out_root.resolve()}.")


def _headline(c: dict[str, Any], side: str) -> str:
    if c.get(f"working_{side}") is False:
        return "not working"
    if c.get("test") in KNEE_OVER_FOOT_TESTS:
        shift = c.get(f"mean_knee_shift_pct_{side}")
        if shift is None:
            return ""
        return f"knee {fmt(abs(shift), 0, '%')} {'inward' if shift > 0 else 'outward'}"
    peak = c.get(f"peak_fppa_deg_{side}")
    return f"FPPA {fmt(peak, 1, '°')}" if peak is not None else ""


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


def _write(out_root: Path, clips: list[dict[str, Any]], reps: list[dict[str, Any]]) -> None:
    write_table(clips, out_root / "clips.csv", CLIP_LEAD)
    write_table(reps, out_root / "reps.csv", REP_LEAD)
