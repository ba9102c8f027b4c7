"""``kneecoach train --source CLIP``: the live trainer's loop run over a clip, as if it came
from a camera (the browser's camera: ``kneecoach serve``, then Train)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, cast

import click
from rich.table import Table

from kneecoach.cli import journal as journal_cli
from kneecoach.cli.common import out, progress_bar, stage_progress

if TYPE_CHECKING:
    from kneecoach.live.sense import Kind


@click.command()
@click.option("--source", required=True, type=click.Path(path_type=Path),
              help="The clip to run the live loop over.")  # fmt: skip
@click.option("--person", default=None,
              help="Use this person's threshold (their last assessment's noise).")  # fmt: skip
@click.option("--out", "out_csv", default=Path("live.csv"), show_default=True,
              type=click.Path(dir_okay=False, path_type=Path),
              help="One row per frame: the live measures and the cue.")  # fmt: skip
@click.option("--log", "log_set", is_flag=True,
              help="Log the set (its reps and their numbers) in the person's journal.")  # fmt: skip
@click.option("--exercise", default=None, help="The plan's exercise the set was (its id).")
@click.option("--sense", type=click.Choice(["knee_over_toe", "angle_30", "angle_60"]),
              default=None, help="The clip is a position-sense test: its still holds, eyes "
              "closed, are the trials (science.md §6).")  # fmt: skip
@journal_cli.database_option
def train(
    source: Path, person: str | None, out_csv: Path, log_set: bool, exercise: str | None,
    sense: str | None, database_url: str | None,
) -> None:  # fmt: skip
    """Run the live knee-line feedback over a clip, frame by frame, as the trainer would.

    Pose in tracking mode, smoothed from past frames only (the One Euro filter), and each
    knee's cue against its foot line: in line, drifting or inside. Live training with the
    camera is in the browser: `kneecoach serve`, then Train.

    \b
    Example:
      kneecoach train --source my_set.mp4
      kneecoach train --source my_set.mp4 --person mary --out mary-live.csv
      kneecoach train --source my_set.mp4 --person mary --log --exercise clamshell
    """
    if log_set and person is None:
        raise click.UsageError("--log needs --person: whose journal the set goes in")
    from kneecoach.app.train import train_on_file

    kind = cast("Kind | None", sense)  # click.Choice has checked it

    with progress_bar() as bar:
        if person is None:
            result = train_on_file(source, out_csv, progress=stage_progress(bar), sense=kind)
        else:
            with journal_cli.open_journal(database_url) as journal:
                result = train_on_file(
                    source,
                    out_csv,
                    journal=journal,
                    person=person,
                    progress=stage_progress(bar),
                    log=log_set,
                    exercise_id=exercise,
                    sense=kind,
                )
    table = Table(title=f"{result.frames} frames, live", title_justify="left")
    for column in ("knee", "in line", "drifting", "inside", "unseen", "furthest inside"):
        table.add_column(column, justify="left" if column == "knee" else "right")
    for side, counts in result.cues.items():
        n = max(result.frames, 1)
        worst = result.worst_pct[side]
        table.add_row(side, *(f"{100 * counts[c] / n:.0f}%" for c in
                              ("in line", "drifting", "inside", "unseen")),
                      "—" if worst is None else f"{worst:.1f}%")  # fmt: skip
    out.print(table)
    out.print(
        f"inside: more than {result.thresholds.inside_pct:.1f}% of leg length inside the foot "
        f"({result.thresholds.source}); pose and measures {result.median_ms:.0f} ms a frame "
        "(median)"
    )
    reps = Table(title=f"{len(result.reps)} reps counted", title_justify="left")
    for column in ("rep", "time", "depth", "left knee inside", "right knee inside", "in line"):
        reps.add_column(column, justify="right")
    for r in result.reps:
        left, right = (r.worst_knee_over_foot_pct[s] for s in ("left", "right"))
        knees = ["—" if v is None else f"{v:.1f}%" for v in (left, right)]
        reps.add_row(str(r.index), f"{r.start_s:.1f}-{r.end_s:.1f} s", f"{r.depth_pct:.0f}%",
                     *knees, f"{100 * r.in_line_share:.0f}%")  # fmt: skip
    if result.reps:
        out.print(reps)
        out.print("depth: the hips' drop below standing, % of leg length; in line: the share "
                  "of the rep with no knee inside its foot")  # fmt: skip
    out.print(f"  frames   {result.csv.resolve() if result.csv else '—'}")
    if result.sense is not None:
        out.print(f"Position sense ({len(result.sense.trials)} trials): {result.sense.text()}"
                  + (" Stored." if log_set else ""))  # fmt: skip
    if result.logged is not None:
        logged = result.logged
        out.print(f"Logged for {logged.logged.person}: {len(result.reps)} reps on "
                  f"{logged.entry.day:%a %d %b}. {logged.logged.adherence.text()}")  # fmt: skip
