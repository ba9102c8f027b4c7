"""``kneecoach analyze A B C …`` on the console: a study's progress and its closing table.

The study itself is :func:`kneecoach.app.study.run_study`; this module shows it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from kneecoach.cli.common import err, out
from kneecoach.core.movement_tests import headline
from kneecoach.reports.numbers import fmt

if TYPE_CHECKING:
    from kneecoach.app.study import StudyClip
    from kneecoach.assessment.model import Assessment
    from kneecoach.core.schema import Side


class ConsoleObserver:
    """Says on stderr how a study goes: clip by clip with one worker; with several, one
    overall bar (clips done of all, time left) and a line per worker naming its clip."""

    def __init__(self) -> None:
        self.progress: Progress | None = None
        self.overall: TaskID | None = None
        self.lines: dict[str, TaskID] = {}

    def __enter__(self) -> ConsoleObserver:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            for task in self.lines.values():  # the workers are gone: keep only the total
                self.progress.remove_task(task)
            self.progress.stop()

    def repeated(self, source: Path, times: int) -> None:
        err.print(f"[yellow]note:[/] {source} was given {times} times; analysed once")

    def clip_started(self, index: int, total: int, source: Path) -> None:
        err.print(f"[bold]clip {index} of {total}:[/] {source}")

    def working(self, busy: Mapping[str, str], done: int, total: int) -> None:
        if self.progress is None:
            self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                     MofNCompleteColumn(), TimeElapsedColumn(),
                                     TimeRemainingColumn(), console=err)  # fmt: skip
            self.progress.start()
            self.overall = self.progress.add_task("clips", total=total)
        assert self.overall is not None
        self.progress.update(self.overall, completed=done)
        for worker, clip in busy.items():
            if worker not in self.lines:
                self.lines[worker] = self.progress.add_task("", total=None)
            self.progress.update(self.lines[worker], description=f"  {worker}: {clip}")

    def clip_done(self, clip: StudyClip) -> None:
        say = self.progress.console.print if self.progress is not None else err.print
        if clip.resumed:
            say(f"  [green]{clip.status}:[/] {clip.folder} (finished earlier; kept)")
        elif clip.message:
            say(f"  [red]{clip.status}:[/] {clip.folder}: {clip.message}")
        elif clip.assessment is not None:
            what = f"{clip.assessment.test_label}, {clip.assessment.view} view"
            say(f"  [green]ok:[/] {what}, in {clip.folder}")


def print_batch(clips: Sequence[StudyClip], out_root: Path) -> None:
    """One line per clip, named by its folder (unique), then where the tables are.

    Each side shows the test's headline as the single-clip report does: peak FPPA,
    or for squat, drop jump and sit-to-stand the knee over the foot (FPPA is not their
    headline: it misleads when the hips near knee height, science.md §1.1, §1.5).
    """
    table = Table(title=f"{len(clips)} clips", title_justify="left")
    table.add_column("folder", overflow="fold")
    for col in ("status", "test", "view", "left", "right"):
        table.add_column(col, overflow="fold")
    for c in clips:
        a = c.assessment
        table.add_row(
            c.folder,
            c.status,
            a.test if a else "",
            (a.view or "") if a else "",
            *(_headline(a, side) for side in ("left", "right")),
        )
    out.print(table)
    out.print(
        "left, right: peak FPPA, + valgus; squat, drop jump and sit-to-stand (deep, where FPPA "
        "misleads: science.md §1.1): how far the knee came inside its foot, % of leg length"
    )
    out.print(f"  clips    {(out_root / 'clips.csv').resolve()}")
    out.print(f"  reps     {(out_root / 'reps.csv').resolve()}")
    if (out_root / "study.json").exists():
        out.print(f"  study    {(out_root / 'study.json').resolve()} (version, settings, command)")
    out.print(f"  Each clip's report.html is in its own folder under {out_root.resolve()}.")


def _headline(assessment: Assessment | None, side: Side) -> str:
    s = assessment.sides.get(side) if assessment else None
    if assessment is None or s is None:
        return ""
    if s.working is False:
        return "not working"
    if headline(assessment.test) == "knee_over_foot":
        peak = s.peak_knee_over_foot_pct
        if peak is None:
            return ""
        return f"{fmt(peak, 0, '%')} {'inside' if s.knee_inward else 'ok'}"
    return fmt(s.peak_fppa_deg, 1, "°") if s.peak_fppa_deg is not None else ""
