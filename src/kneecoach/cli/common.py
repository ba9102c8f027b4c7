"""What every command shares: the two consoles and the progress bar style."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

if TYPE_CHECKING:
    from kneecoach.analyze import AnalysisResult

out = Console()
err = Console(stderr=True)


def stage_progress(bar: Progress) -> Callable[[str, int, int | None], None]:
    """A progress callback that shows one bar per pipeline stage, with frames/s."""
    stages: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int | None) -> None:
        if stage not in stages:
            for earlier in stages.values():
                bar.update(earlier, visible=False)
            stages[stage] = bar.add_task(stage, total=None, rate="")
        task = stages[stage]
        elapsed = bar.tasks[task].elapsed or 0
        rate = f"{done / elapsed:.1f} frames/s" if elapsed > 0 else ""
        bar.update(task, completed=done, total=max(total or 0, done) or None, rate=rate)

    return progress


def progress_bar() -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=True,
    )


def print_outcome(result: AnalysisResult) -> None:
    """After an analysis table: the findings, notes, warnings and files written."""
    findings = result.assessment.findings if result.assessment is not None else []
    for f in findings:
        style = {"attention": "yellow", "refused": "red"}.get(f.severity, "white")
        out.print(f"[{style}]•[/] {f.text}")
    for note in result.notes:
        out.print(f"[cyan]note:[/] {note}")
    for w in result.track.quality.warnings:
        out.print(f"[yellow]warning:[/] {w}")
    for kind, path in result.files.items():
        out.print(f"  {kind:8} {path}")
    out.print(f"\nOpen the report: {result.files['report'].resolve()}")
