"""``kneecoach`` commands. Each parses options, calls one library function, reports.

Exit codes: 0 success; 1 the input cannot support the request (message on
stderr, partial results kept); 2 usage error. ``--debug`` shows tracebacks.
"""

from __future__ import annotations

import contextlib
import math
import os
import platform
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from kneecoach import __version__
from kneecoach.cli import coach as coach_cli
from kneecoach.cli import journal as journal_cli
from kneecoach.cli import serve as serve_cli
from kneecoach.cli import train as train_cli
from kneecoach.cli.common import (
    Command,
    err,
    out,
    print_outcome,
    progress_bar,
    resolve_settings,
    settings_options,
    stage_progress,
)
from kneecoach.core.errors import InputError, InsufficientDataError, KneecoachError
from kneecoach.core.movement_tests import MOVEMENT_TESTS, TEST_CHOICES, headline, is_gait
from kneecoach.core.settings import (
    SETTINGS,
    config_path,
    home_dir,
    load_settings,
)
from kneecoach.reports.numbers import fmt

if TYPE_CHECKING:  # the measuring stack is imported by the commands that use it (a fast start)
    from kneecoach.analyze import AnalysisResult
    from kneecoach.app.study import StudyRequest
    from kneecoach.assessment.model import Assessment as ClipAssessment
    from kneecoach.assessment.model import Classification, SideSummary
    from kneecoach.pipeline import TrackResult


class KneecoachGroup(click.Group):
    """Turns kneecoach's own errors into one clear line and exit code 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KneecoachError as exc:
            if ctx.meta.get("kneecoach.debug"):
                raise
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            err.print(
                "interrupted: files already written were kept, and the journal holds only "
                "what was stored whole"
            )
            sys.exit(130)
        except (click.ClickException, click.exceptions.Exit, click.Abort, SystemExit):
            raise
        except OSError as exc:  # a file or folder that cannot be written or read: not a bug
            if ctx.meta.get("kneecoach.debug"):
                raise
            where = f"{exc.filename}: " if exc.filename else ""
            raise click.ClickException(
                f"{where}{exc.strerror or exc}; files already written were kept"
            ) from None
        except Exception as exc:
            if ctx.meta.get("kneecoach.debug"):
                raise
            raise click.ClickException(
                f"unexpected error ({type(exc).__name__}: {exc}). This is a bug in kneecoach: "
                "run again with --debug for the details and please report it."
            ) from None


@click.group(cls=KneecoachGroup)
@click.version_option(__version__, prog_name="kneecoach")
@click.option("--debug", is_flag=True, help="Show full tracebacks and MediaPipe's own logging.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """kneecoach: find knees caving in (dynamic knee valgus) on video, locally.

    Start with `kneecoach demo`, then `kneecoach track YOUR_CLIP.mp4`.
    """
    ctx.meta["kneecoach.debug"] = debug
    if debug:
        os.environ["KNEECOACH_DEBUG"] = "1"


def input_options(command: Command) -> Command:
    """Options shared by every command that reads a clip: what to read and how."""
    for option in reversed((
        click.option("--no-video", is_flag=True, help="Skip the annotated video."),
        click.option("--start", "start_s", type=float, default=0.0, show_default=True,
                     help="Start time in seconds from the first frame."),
        click.option("--end", "end_s", type=float, default=None, help="End time in seconds."),
        click.option("--fps", type=float, default=None, callback=_check_fps,
                     help="Frame rate of keypoint inputs that store none (OpenPose JSON); "
                     "overrides a .trc file's DataRate. Videos use their own timestamps."),
    )):  # fmt: skip
        command = option(command)
    return command


def _check_formats(ctx: click.Context, param: click.Parameter, value: str) -> list[str]:
    """``--format csv,trc`` as a list; an unknown one is a usage error (exit 2)."""
    formats = [f.strip().lower() for f in value.split(",") if f.strip()]
    unknown = sorted(set(formats) - {"nc", "csv", "trc"})
    if unknown:
        raise click.BadParameter(f"unknown {', '.join(unknown)}; choose from nc, csv, trc")
    return formats


def _check_fps(ctx: click.Context, param: click.Parameter, value: float | None) -> float | None:
    """Refuse ``--fps 0``, negative, NaN or infinite (0 was silently ignored)."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise InputError(f"--fps must be a positive frame rate in frames per second, got {value:g}")
    return value


def _print_result(result: TrackResult, title: str) -> None:
    q = result.quality
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_row("frames", f"{q.frames} over {q.duration_s:.2f} s at {q.fps:.1f} fps")
    table.add_row("person found in", f"{q.detection_rate:.0%} of frames")
    conf = ", ".join(f"{k} {v:.2f}" for k, v in q.mean_confidence.items() if v is not None)
    table.add_row("mean confidence", conf or "unknown (not in the input)")
    ratio = f" (width ratio {q.view_width_ratio})" if q.view_width_ratio is not None else ""
    table.add_row("camera view", f"{q.view}{ratio}")
    in_frame = (
        "unknown (no image size)"
        if q.lower_limb_in_frame_rate is None
        else f"{q.lower_limb_in_frame_rate:.0%} of frames"
    )
    table.add_row("shoulders to feet in frame", in_frame)
    table.add_row("frame rate", q.fps_adequacy)
    table.add_row(
        "usable for frontal-plane measures",
        "[green]yes[/]" if q.usable_for_frontal_measures else "[yellow]no[/]",
    )
    out.print(table)
    for note in result.notes:
        out.print(f"[cyan]note:[/] {note}")
    for warning in q.warnings:
        out.print(f"[yellow]warning:[/] {warning}")
    for kind, path in result.files.items():
        out.print(f"  {kind:8} {path}")


@cli.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: SOURCE-NAME_track/ in the current folder].",
)
@click.option(
    "--format",
    "formats",
    default="csv",
    show_default=True,
    callback=_check_formats,
    help="Extra exports beside track.nc, comma-separated: csv, trc.",
)
@input_options
@settings_options("track")
def track(
    source: Path,
    out_dir: Path | None,
    formats: list[str],
    no_video: bool,
    start_s: float,
    end_s: float | None,
    fps: float | None,
    **values: Any,
) -> None:
    """Turn a video (or keypoints from another tool) into a clean, filtered pose track.

    SOURCE is a video (.mp4, .mov, ...), a keypoint file (.trc from Sports2D,
    Pose2Sim or OpenCap; kneecoach .csv or .nc) or a folder of OpenPose JSON.

    \b
    Writes to --out: track.nc (movement-compatible), track.csv / track.trc,
    quality.json and annotated.mp4.

    \b
    Example:
      kneecoach track clip.mp4 --out clip_track/
      kneecoach track clip.mp4 --format csv,trc --start 2 --end 8
      kneecoach track sports2d_output.trc
    """
    from kneecoach.app.track import TrackRequest
    from kneecoach.app.track import track as run

    out_dir = out_dir or Path(f"{source.stem or source.name}_track")
    request = TrackRequest(source, out_dir, resolve_settings(values), tuple(formats),
                           not no_video, start_s, end_s, fps)  # fmt: skip
    with progress_bar() as bar:
        result = run(request, progress=stage_progress(bar))
    _print_result(result, f"{source.name}: pose track")


@cli.command()
@click.argument(
    "sources", nargs=-1, required=True, type=click.Path(path_type=Path), metavar="SOURCE..."
)
@click.option(
    "--test",
    type=click.Choice(TEST_CHOICES),
    default="auto",
    show_default=True,
    help="The movement test in the clip; auto recognises it from the movement.",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output folder [default: SOURCE-NAME_analysis/ in the current folder; with several "
    "sources, analyses/, one folder per source].",
)
@click.option(
    "--sex",
    type=click.Choice(["female", "male"]),
    default=None,
    help="Compare with the typical range for women or men (both ranges when not given).",
)
@click.option("--workers", type=click.IntRange(1), default=None,
              help="Several SOURCEs: how many clips at once, one worker process each "
              "[default: one per core]; 1 analyses them here, one after another.")  # fmt: skip
@click.option("--scheduler", metavar="ADDRESS", default=None,
              help="Several SOURCEs: run them on the Dask cluster at ADDRESS "
              "(tcp://host:8786) instead of this computer's cores (docs/study.md).")  # fmt: skip
@click.option("--redo", is_flag=True,
              help="Several SOURCEs: analyse every clip again, also those an earlier run "
              "finished with the same input and settings.")  # fmt: skip
@input_options
@journal_cli.journal_options
@settings_options("track", "analyze", "journal")
def analyze(
    sources: tuple[Path, ...],
    test: str,
    out_dir: Path | None,
    sex: str | None,
    workers: int | None,
    scheduler: str | None,
    redo: bool,
    person: str | None,
    keep_video: bool,
    no_video: bool,
    start_s: float,
    end_s: float | None,
    fps: float | None,
    **values: Any,
) -> None:
    """Measure knee valgus, per rep and per side, in a movement test, and explain it.

    SOURCE is a video or a keypoint file, as for `kneecoach track`. Several
    SOURCEs (a study): each is analysed into its own folder under --out, a
    clip that fails is recorded and the others go on, and clips.csv (one row
    per clip) and reps.csv (one row per rep or step) gather them all.

    \b
    Writes to --out: report.html (open it in a browser), summary.json,
    frames.csv (every measure per frame), worst_<n>.png, track.nc,
    quality.json and annotated.mp4.

    \b
    Tests: single-leg-squat, squat, step-down, lunge, drop-jump,
    single-leg-landing, single-leg-stance, sit-to-stand (or auto);
    gait: run, walk, skate (per-step measures, steps[] in summary.json).

    \b
    Example:
      kneecoach analyze clip.mp4 --test single-leg-squat --out results/
      kneecoach analyze clip.mp4
      kneecoach analyze sports2d_output.trc --test drop-jump --fps 60
      kneecoach analyze clip.mp4 --test single-leg-squat --person mary
      kneecoach analyze study/*.mp4 --test single-leg-squat --no-video --out study_results/
      kneecoach analyze study/*.mp4 --out results/ --workers 1
      kneecoach analyze study/*.mp4 --out results/ --scheduler tcp://10.0.0.5:8786
    """
    from kneecoach.app.analyze import AnalysisRequest
    from kneecoach.app.analyze import analyze as run
    from kneecoach.capture.video import check_time_range

    settings = resolve_settings(values)
    check_time_range(start_s, end_s)  # once, not once per clip
    if len(sources) > 1:
        if person is not None or keep_video:
            raise click.UsageError("--person and --keep-video take one clip at a time")
        from kneecoach.app.study import StudyRequest

        study = StudyRequest(settings, test, sex, not no_video, start_s, end_s, fps)  # type: ignore[arg-type]
        _analyze_many(sources, out_dir or Path("analyses"), study,
                      workers=workers or os.cpu_count() or 1, scheduler=scheduler,
                      redo=redo)  # fmt: skip
        return
    source = sources[0]
    if keep_video and person is None:
        err.print("[yellow]note:[/] --keep-video does nothing without --person")
    request = AnalysisRequest(
        source, out_dir or Path(f"{source.stem or source.name}_analysis"), settings, test,
        sex, not no_video, start_s, end_s, fps, person, keep_video,  # type: ignore[arg-type]
    )  # fmt: skip
    with contextlib.ExitStack() as stack:
        j = stack.enter_context(journal_cli.open_journal(settings.database_url)) if person else None
        bar = stack.enter_context(progress_bar())
        analysis = run(request, j, progress=stage_progress(bar))
    if analysis.status == "ok" and analysis.result is not None:
        label = analysis.assessment.test_label if analysis.assessment else ""
        _print_analysis(analysis.result, f"{source.name}: {label}")
    if person is not None and analysis.result is not None:
        journal_cli.print_stored(analysis.stored, person)
    if analysis.status != "ok":
        raise InsufficientDataError(analysis.message)


def _analyze_many(
    sources: tuple[Path, ...],
    out_root: Path,
    request: StudyRequest,
    *,
    workers: int,
    scheduler: str | None,
    redo: bool,
) -> None:
    """Several clips: one analysis each under ``out_root``, then clips.csv and reps.csv."""
    from kneecoach.app.analyze import Analysis, analyze
    from kneecoach.app.cluster import DaskStudy
    from kneecoach.app.study import StudyInterrupted, run_study, study_record
    from kneecoach.cli.batch import ConsoleObserver, print_batch

    many = scheduler is not None or workers > 1
    engine = DaskStudy(workers=workers, scheduler=scheduler) if many else None

    def analyse(source: Path, folder: Path) -> Analysis:
        with progress_bar() as bar:
            return analyze(request.for_clip(source, folder), progress=stage_progress(bar))

    debug = bool(click.get_current_context().meta.get("kneecoach.debug"))
    options = {"test": request.test, "sex": request.sex, "video": request.video,
               "start_s": request.start_s, "end_s": request.end_s, "fps": request.fps}  # fmt: skip
    record = study_record(request.settings, options, working_folder=os.getcwd(),
                          command=shlex.join(["kneecoach", *sys.argv[1:]]))  # fmt: skip
    try:
        with ConsoleObserver() as observer:
            clips = run_study(sources, out_root, request, analyse=analyse, engine=engine,
                              redo=redo, observer=observer, record=record,
                              reraise_bugs=debug)  # fmt: skip
    except StudyInterrupted as stop:
        err.print(str(stop))
        raise
    print_batch(clips, out_root)
    failed = [c for c in clips if c.status != "ok"]
    if failed:
        raise click.ClickException(
            f"{len(failed)} of {len(clips)} clips were not fully analysed; clips.csv says why "
            "(status and message columns)"
        )


def _print_analysis(result: AnalysisResult, title: str) -> None:
    """The analysis as a table per side, then the findings and the files."""
    s = result.assessment
    if s is None:
        return
    if is_gait(s.test):
        from kneecoach.cli.gait import print_gait

        print_gait(result, title)
        return
    if s.test_detected is not None:
        out.print(f"[cyan]test recognised:[/] {s.test_label} ({s.test_detected.evidence}); "
                  "use --test to choose another")  # fmt: skip
    if s.view == "sagittal" and MOVEMENT_TESTS[s.test].event != "hold":
        _print_side_view(s, title)
        print_outcome(result)
        return
    if headline(s.test) == "knee_over_foot":
        _print_knee_over_foot(s, title)
        print_outcome(result)
        return
    columns = (MOVEMENT_TESTS[s.test].counts, "mean FPPA", "worst", "typical range",
               "pelvic drop")  # fmt: skip
    out.print(_side_table(s, title, columns, lambda v: [
        fmt(v.mean_fppa_deg, unit="°"), fmt(v.peak_fppa_deg, unit="°"),
        range_cell(v.classification), fmt(v.mean_pelvic_drop_deg, unit="°"),
    ]))  # fmt: skip
    print_outcome(result)


def _side_table(
    s: ClipAssessment, title: str, columns: tuple[str, ...],
    cells: Callable[[SideSummary], list[str]],
) -> Table:  # fmt: skip
    """One row per side: the side, its rep count, then ``cells`` (``columns`` names the
    rep count and the cells); a leg that did not work says so."""
    table = Table(title=title, title_justify="left")
    for col in ("side", *columns):
        table.add_column(col)
    for side, v in s.sides.items():
        if not v.working:
            table.add_row(side, "not working", *[""] * (len(columns) - 1))
            continue
        table.add_row(side, str(len(v.reps)), *cells(v))
    return table


def range_cell(c: Classification) -> str:
    """The verdict, then the range it refers to: "above the typical range (1-12°)"."""
    colour = {"above": "yellow", "within": "green", "below": "cyan"}.get(c.level, "white")
    rng = f" ({c.range_deg[0]:.0f}-{c.range_deg[1]:.0f}°)" if c.range_deg else ""
    return f"[{colour}]{c.label}[/]{rng}"


def _print_side_view(s: ClipAssessment, title: str) -> None:
    """A rep test filmed from the side: depth and posture, since valgus cannot be seen."""
    columns = ("reps", "knee flexion", "knee past toes", "trunk lean")
    out.print(_side_table(s, f"{title}, seen from the side", columns, lambda v: [
        fmt(v.mean_knee_flexion_deg, 0, "°"), fmt(v.mean_knee_over_toe_pct, 0, "%"),
        fmt(v.mean_trunk_forward_deg, 0, "°"),
    ]))  # fmt: skip
    out.print(
        "at the deepest point, means over the reps (2D): knee flexion; the knee's travel past "
        "the toes, % of leg length; the trunk's forward lean from vertical"
    )


def _print_knee_over_foot(s: ClipAssessment, title: str) -> None:
    """Squat-type tests: the knee over its foot and KASR, not FPPA (science.md §1.1, §1.5)."""

    def cells(v: SideSummary) -> list[str]:
        inward = v.knee_inward
        verdict = "" if inward is None else "[yellow]yes[/]" if inward else "[green]no[/]"
        if v.knee_over_foot_noise_pct is not None:
            verdict += f" (noise {fmt(v.knee_over_foot_noise_pct, 0, '%')})"
        return [fmt(v.peak_knee_over_foot_pct, 0, "%"), verdict, fmt(v.mean_kasr, 2)]

    out.print(_side_table(s, title, ("reps", "knee over foot", "inside?", "KASR"), cells))
    tilt = s.pelvic_obliquity
    if tilt is not None:
        change = (f"{fmt(abs(tilt.mean_deg), 1, '°')} {tilt.lower_hip} hip lower than standing"
                  if tilt.lower_hip else "as level as standing")  # fmt: skip
        out.print(f"pelvis at the deepest point: {change}")
    out.print(
        "knee over foot: how far the knee came inside (+) or outside (−) the span from its "
        "midfoot to its toes, % of leg length, at the worst moment of any rep; KASR: knees ÷ "
        "ankles apart at the deepest point"
    )


@cli.command()
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("kneecoach-demo"),
    show_default=True,
    help="Output folder.",
)
@click.option("--no-video", is_flag=True, help="Skip the annotated video.")
def demo(out_dir: Path, no_video: bool) -> None:
    """Run the main job on built-in synthetic data (no clip, no download needed).

    A synthetic person does three single-leg squats on the left leg with a
    known knee valgus (11°, 14° and 17° at the bottom of the reps) and a 4°
    pelvic drop; the raw keypoints carry the faults real pose models make
    (noise, a dropout, a left/right swap). kneecoach recognises the test,
    cleans the keypoints, measures every rep and writes the report; then a
    4-week plan from a built-in intake and that analysis (plan/ in --out).
    """
    from kneecoach.app.demo import run_demo

    with progress_bar() as bar:
        made = run_demo(out_dir, settings=load_settings(), video=not no_video,
                        progress=stage_progress(bar))  # fmt: skip
    _print_analysis(made.analysis, "kneecoach demo: synthetic single-leg squat")
    if "pdf" in made.plan_files:
        out.print(
            "\nA 4-week plan from a built-in intake and this analysis: "
            f"{made.plan_files['pdf'].resolve()}"
        )


@cli.command()
def info() -> None:
    """Versions, paths and settings, for bug reports."""
    from importlib.metadata import PackageNotFoundError, version

    table = Table(show_header=False)
    table.add_column(no_wrap=True)
    table.add_column(overflow="fold")  # a long path is folded onto more lines, never cut short
    table.add_row("kneecoach", __version__)
    table.add_row("python", f"{platform.python_version()} ({sys.executable})")
    for package in ("mediapipe", "av", "numpy", "scipy", "xarray", "opencv-contrib-python"):
        try:
            table.add_row(package, version(package))
        except PackageNotFoundError:
            table.add_row(package, "[red]not installed[/]")
    table.add_row("platform", platform.platform())
    table.add_row("data folder", str(home_dir()))
    table.add_row("config file", f"{config_path()}{'' if config_path().exists() else ' (none)'}")
    table.add_row("database", journal_cli.database_description())
    settings = load_settings()
    for s in SETTINGS:
        table.add_row(f"setting {s.name}", f"{getattr(settings, s.name)} {s.unit}".strip())
    out.print(table)


cli.add_command(journal_cli.people)
cli.add_command(journal_cli.log)
cli.add_command(journal_cli.progress)
cli.add_command(journal_cli.export)
cli.add_command(journal_cli.import_)
cli.add_command(journal_cli.delete)
cli.add_command(coach_cli.exercises)
cli.add_command(coach_cli.intake)
cli.add_command(coach_cli.plan)
cli.add_command(serve_cli.serve)
cli.add_command(train_cli.train)
