"""What every command shares: the two consoles, the progress bar style and the options of
the settings table."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from kneecoach.core.settings import SETTINGS, Setting, Settings, load_settings

if TYPE_CHECKING:
    from kneecoach.analyze import AnalysisResult

out = Console()
err = Console(stderr=True)


def stage_progress(bar: Progress) -> Callable[[str, int, int | None], None]:
    """A progress callback that shows one bar per pipeline stage, with frames/s."""
    stages: dict[str, TaskID] = {}

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


#: A command function, as a decorator takes and gives it back.
Command = TypeVar("Command", bound=Callable[..., object])


def settings_options(*stages: str) -> Callable[[Command], Command]:
    """Add one option per row of the settings table for ``stages`` (the one source)."""

    def add(command: Command) -> Command:
        for s in reversed([s for s in SETTINGS if s.stage in stages]):
            command = setting_option(s)(command)
        return command

    return add


#: A date this far from today is probably a typo in the year: the command says so.
FAR_DAYS = 366


def far_date_note(day: date, option: str) -> None:
    """A note on stderr when ``day`` is more than a year from today (``2000-01-01``)."""
    gap = (day - date.today()).days
    if abs(gap) > FAR_DAYS:
        when = "ago" if gap < 0 else "from now"
        err.print(
            f"[yellow]note:[/] {option} {day.isoformat()} is {abs(gap) // 365} "
            f"year{'s' * (abs(gap) >= 730)} {when}: is the year right?"
        )


def setting_option(s: Setting) -> Callable[[Command], Command]:
    unit = f" {s.unit}" if s.unit not in ("", "0-1") else ""
    scale = " Range 0-1." if s.unit == "0-1" else ""
    kind = None if isinstance(s.default, bool) else type(s.default)
    text = f"{s.help}{scale} [default: {s.default}{unit}]"
    return click.option(s.flag, s.name, type=kind, default=None, help=text)


def resolve_settings(values: dict[str, Any]) -> Settings:
    """The settings: the options given (taken out of ``values``) over the config file."""
    given = {s.name: values.pop(s.name) for s in SETTINGS if s.name in values}
    return load_settings().with_overrides(**given)
