"""``kneecoach analyze A B C …`` on the console: a study's progress and its closing table.

The study itself is :func:`kneecoach.app.study.run_study`; this module shows it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.table import Table

from kneecoach.cli.common import err, out
from kneecoach.core.movement_tests import headline
from kneecoach.reports.numbers import fmt

if TYPE_CHECKING:
    from kneecoach.app.study import StudyClip


class ConsoleObserver:
    """Says on stderr which clip is analysed and how each went."""

    def repeated(self, source: Path, times: int) -> None:
        err.print(f"[yellow]note:[/] {source} was given {times} times; analysed once")

    def clip_started(self, index: int, total: int, source: Path) -> None:
        err.print(f"[bold]clip {index} of {total}:[/] {source}")

    def clip_done(self, clip: StudyClip) -> None:
        if clip.message:
            err.print(f"  [red]{clip.status}:[/] {clip.message}")
        elif clip.assessment is not None:
            what = f"{clip.assessment.test_label}, {clip.assessment.view} view"
            err.print(f"  [green]ok:[/] {what}, in {clip.folder}")


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
        peak, inward = c.get(f"peak_knee_over_foot_pct_{side}"), c.get(f"knee_inward_{side}")
        if peak is None:
            return ""
        return f"{fmt(peak, 0, '%')} {'inside' if inward else 'ok'}"
    peak = c.get(f"peak_fppa_deg_{side}")
    return fmt(peak, 1, "°") if peak is not None else ""
