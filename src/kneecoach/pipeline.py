"""The ``track`` stage end to end: input → raw track → clean track → files.

One orchestration used by the command line (and later the web app):
:func:`run_track`. Pose estimation streams the video through a decode
thread, so decoding and colour conversion overlap the model's work and memory
stays flat whatever the clip length.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach import __version__
from kneecoach.capture.prefetch import prefetch
from kneecoach.capture.video import Frame, VideoInfo, VideoReader, check_time_range
from kneecoach.core.errors import InputError, InsufficientDataError
from kneecoach.core.files import write_text
from kneecoach.core.schema import KEYPOINTS, SIDES
from kneecoach.core.settings import Settings
from kneecoach.core.track import effective_fps, from_numpy, log_step, read_log
from kneecoach.filtering import clean_track
from kneecoach.filtering.confidence import person_present
from kneecoach.io import is_keypoint_input, load_keypoints, to_csv_file, to_trc_file
from kneecoach.io.load import reading_notes
from kneecoach.io.netcdf import to_netcdf_file
from kneecoach.metrics.frames import FRONTAL_VIEWS, SAGITTAL_VIEWS, frame_measures
from kneecoach.pose.base import PoseEstimator
from kneecoach.pose.registry import create_estimator
from kneecoach.quality import QualityReport, assess_quality
from kneecoach.quality.view import View
from kneecoach.reports.overlay import MAX_SIDE_PX, blank_frames, write_annotated_video

#: ``progress(stage, frames_done, frames_expected_or_None)``
Progress = Callable[[str, int, int | None], None]
FORMATS = ("csv", "trc")


@dataclass
class TrackResult:
    """What :func:`run_track` made."""

    raw: xr.Dataset
    clean: xr.Dataset
    quality: QualityReport
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    is_video: bool = False
    #: the source's frames again, for the annotated video (None: a keypoint input)
    frames: Callable[[], Iterable[Frame]] | None = field(default=None, repr=False)


def expected_frames(info: VideoInfo, start_s: float, end_s: float | None) -> int | None:
    """Rough number of frames in the requested range, for progress bars."""
    if not info.nominal_fps:
        return info.declared_frames
    duration = info.duration_s or ((info.declared_frames or 0) / info.nominal_fps)
    end = min(end_s, duration) if end_s is not None else duration
    return max(int(round((end - start_s) * info.nominal_fps)), 1) if duration else None


def estimate_video(
    reader: VideoReader,
    estimator: PoseEstimator,
    /,
    *,
    start_s: float = 0.0,
    end_s: float | None = None,
    progress: Progress | None = None,
) -> xr.Dataset:
    """Run ``estimator`` on every frame of ``reader`` in range; return the raw track."""
    total = expected_frames(reader.info, start_s, end_s)
    times: list[float] = []
    frames: list[int] = []
    xy: list[npt.NDArray[np.float32]] = []
    conf: list[npt.NDArray[np.float32]] = []
    skipped = 0
    missing_xy = np.full((len(KEYPOINTS), 2), np.nan, dtype=np.float32)
    missing_conf = np.zeros(len(KEYPOINTS), dtype=np.float32)
    set_time = getattr(estimator, "set_time", None)  # followers name losses by time
    for frame in prefetch(reader.frames(start_s=start_s, end_s=end_s, progress=progress)):
        if times and frame.time_s <= times[-1]:
            skipped += 1  # a repeated timestamp: keep the first frame of that time
            continue
        if set_time is not None:
            set_time(frame.time_s)
        pose = estimator.estimate(frame.image)
        times.append(frame.time_s)
        frames.append(frame.index)
        xy.append(missing_xy if pose is None else pose.xy.astype(np.float32))
        conf.append(missing_conf if pose is None else pose.confidence.astype(np.float32))
        if progress:
            progress("tracking", len(times), total)
    if not times:
        length = reader.info.duration_s
        why = [f"the clip is {length:.2f} s long"] if length else []
        why += reader.report.problems
        raise InsufficientDataError(
            f"{reader.path}: {_no_frames(start_s, end_s)}" + (f" ({'; '.join(why)})" if why else "")
        )
    fps = effective_fps(times) if len(times) > 1 else float(reader.info.nominal_fps or 0)
    ds = from_numpy(
        np.stack(xy), np.stack(conf),
        time_s=times, frame=frames, fps=fps,
        image_size=(reader.info.width, reader.info.height),
        source_file=str(reader.path),
        source_software=f"kneecoach {__version__} / {estimator.name}",
    )  # fmt: skip
    return log_step(
        ds,
        "estimate_pose",
        backend=estimator.name,
        model_complexity=1,
        person=estimator.note,
        video={
            "codec": reader.info.codec,
            "rotation_deg": reader.info.rotation_deg,
            "nominal_fps": reader.info.nominal_fps,
            "declared_frames": reader.info.declared_frames,
        },
        start_s=start_s,
        end_s=end_s,
        frames=len(times),
        repeated_timestamps_skipped=skipped,
        decode_problems=reader.report.problems,
    )


def trim(
    ds: xr.Dataset, /, *, start_s: float, end_s: float | None, source: str | Path = ""
) -> xr.Dataset:
    """Keep the frames with ``start_s <= time <= end_s`` (``source`` names it in errors)."""
    t = ds["time"].values
    keep = (t >= start_s - 1e-9) & (t <= (np.inf if end_s is None else end_s + 1e-9))
    if not keep.any():
        where = f"{source}: " if source else ""
        covered = f" (the track runs from {t.min():.2f} to {t.max():.2f} s)" if len(t) else ""
        raise InsufficientDataError(f"{where}{_no_frames(start_s, end_s)}{covered}")
    if keep.all():
        return ds
    return log_step(ds.isel(time=keep), "trim", start_s=start_s, end_s=end_s)


def _no_frames(start_s: float, end_s: float | None) -> str:
    return f"no frames between {start_s:g} s and {'the end' if end_s is None else f'{end_s:g} s'}"


def canvas_size(ds: xr.Dataset) -> tuple[int, int] | None:
    """Image size to draw a keypoint-only track on: its own, or one holding all its points."""
    if "image_width" in ds.attrs:
        return int(ds.attrs["image_width"]), int(ds.attrs["image_height"])
    pos = ds["position"].values
    if ds.attrs.get("units") != "px" or not np.isfinite(pos).any():
        return None
    return (int(np.nanmax(pos[:, 0]) * 1.05) + 2, int(np.nanmax(pos[:, 1]) * 1.05) + 2)


def run_track(
    source: str | Path,
    /,
    *,
    out_dir: str | Path,
    settings: Settings,
    formats: Iterable[str] = ("csv",),
    video: bool = True,
    start_s: float = 0.0,
    end_s: float | None = None,
    fps: float | None = None,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
    video_later: bool = False,
) -> TrackResult:
    """Track a video or keypoint file and write the track, quality report and overlay.

    ``video_later``: do not draw the annotated video here (the slowest step):
    the caller writes its own files first, then calls :func:`draw_video`.
    """
    source = Path(source)
    formats = tuple(formats)
    check_time_range(start_s, end_s)
    unknown = sorted(set(formats) - set(FORMATS) - {"nc"})
    if unknown:
        raise InputError(f"--format: unknown {unknown}; choose from nc, {', '.join(FORMATS)}")
    out = Path(out_dir)
    check_not_an_output(source, out)
    notes: list[str] = []
    if is_keypoint_input(source):
        raw = trim(load_keypoints(source, fps=fps), start_s=start_s, end_s=end_s, source=source)
        make_out_dir(out)
        notes += clear_earlier_run(out, keep=source)
        notes += reading_notes(raw)
        frames: Callable[[], Iterable[Frame]] | None = None
    else:
        with VideoReader(source) as reader:
            make_out_dir(out)  # before the long work: a bad --out fails now, not after it
            notes += clear_earlier_run(out, keep=source)
            own = estimator is None
            est = estimator or create_estimator(
                "mediapipe",
                person_select=settings.person_select,
                min_detection_confidence=settings.min_detection_confidence,
                min_tracking_confidence=settings.min_tracking_confidence,
            )
            try:
                raw = estimate_video(reader, est, start_s=start_s, end_s=end_s, progress=progress)
            finally:
                if own:
                    est.close()
            notes += reader.report.problems
            if getattr(est, "people_found", 0) > 1 or getattr(est, "withheld_frames", 0) > 0:
                notes.append(est.note)

        def frames() -> Iterable[Frame]:
            with VideoReader(source) as again:
                frames = again.frames(start_s=start_s, end_s=end_s, max_side=MAX_SIDE_PX)
                yield from prefetch(frames)

    if not person_present(raw).any():
        _write_quality(assess_quality(raw, raw, threshold=settings.confidence_threshold), out)
        raise InsufficientDataError(
            f"{source}: no person was found in any frame; is the whole body in view and lit? "
            f"(quality report kept in {out / 'quality.json'})"
        )
    if frames is None and already_clean(raw):
        clean = raw  # a kneecoach track.nc: cleaning it again would filter twice
        notes.append("the input is an already cleaned kneecoach track: not cleaned again")
    else:
        clean = clean_track(raw, settings=settings)
        notes += unfiltered_note(clean, settings)
    quality = assess_quality(raw, clean, threshold=settings.confidence_threshold)
    result = TrackResult(
        raw, clean, quality, notes=notes, is_video=frames is not None, frames=frames
    )
    result.files["track"] = to_netcdf_file(clean, out / "track.nc")
    if "csv" in formats:
        result.files["csv"] = to_csv_file(clean, out / "track.csv")
    if "trc" in formats:
        result.files["trc"] = to_trc_file(clean, out / "track.trc")
    result.files["quality"] = _write_quality(quality, out)
    if video and frames is None and canvas_size(clean) is None:
        result.notes.append("annotated video skipped: the keypoints are not in pixels")
    elif video and not video_later:
        draw_video(result, out, settings=settings, progress=progress)
    return result


def make_out_dir(out: Path, /) -> Path:
    """Create the output folder, or say in one line why it cannot be used."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out {out}: cannot create the folder ({exc.strerror})") from None
    if not os.access(out, os.W_OK):
        raise InputError(f"--out {out}: the folder is not writable")
    return out


#: What a run writes into --out (``analyze`` adds ``worst_<n>.png``).
RUN_FILES = ("track.nc", "track.csv", "track.trc", "quality.json", "frames.csv",
             "summary.json", "report.html", "annotated.mp4")  # fmt: skip


def _run_file(name: str) -> bool:
    """Whether a run writes a file of this name into its folder."""
    return name in RUN_FILES or (name.startswith("worst_") and name[6:-4].isdigit()
                                 and name.endswith(".png"))  # fmt: skip


def check_not_an_output(source: Path, out: Path, /) -> None:
    """Refuse an input that sits in ``out`` under the name of a file this run writes there:
    the run would overwrite (or, as an earlier run's file, remove) the input."""
    if source.is_file() and source.resolve().parent == out.resolve() and _run_file(source.name):
        raise InputError(
            f"--out {out}: the input {source.name} is in that folder under a name this run "
            f"writes there, so it would be overwritten. Choose another --out folder (or move "
            "the input out of it first)"
        )


def clear_earlier_run(out: Path, /, *, keep: Path) -> list[str]:
    """Remove an earlier run's files from ``out``, so that none is taken for this run's.

    A run is recognised by its ``quality.json`` (every run writes one); only the
    files a run writes (:data:`RUN_FILES` and ``worst_<n>.png``) are removed,
    never ``keep`` (the input, which may be an earlier run's ``track.nc``).
    Returns a note for the run, or nothing when there was no earlier run.
    """
    try:
        earlier = json.loads((out / "quality.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(earlier, dict) or "fps_adequacy" not in earlier:
        return []  # someone else's quality.json: nothing here is ours to remove
    worst = [p.name for p in out.glob("worst_*.png") if _run_file(p.name)]
    removed = []
    for name in (*RUN_FILES, *sorted(worst)):
        path = out / name
        if path.is_file() and path.resolve() != keep.resolve():
            path.unlink()
            removed.append(name)
    return [f"the files of an earlier run in {out} were removed first ({len(removed)} files)"]


def unfiltered_note(clean: xr.Dataset, settings: Settings, /) -> list[str]:
    """Say so when the filter was skipped because the cut-off is too near half the frame
    rate (it would barely filter; science.md §8): the track is then unfiltered."""
    for step in read_log(clean):
        if step["operation"] == "filter_butterworth" and "too close" in str(
            step.get("params", {}).get("skipped", "")
        ):
            fps = float(clean.attrs["fps"])
            return [
                f"cutoff_hz {settings.cutoff_hz:g} Hz is too close to half the frame rate "
                f"({fps:.0f} fps): the track was left unfiltered (lower --cutoff-hz, below "
                f"about {0.4 * fps:.0f} Hz, to filter it; science.md §8)"
            ]
    return []


def already_clean(ds: xr.Dataset, /) -> bool:
    """True for a track that went through kneecoach's cleaning (its log says so)."""
    return any(step["operation"] == "filter_butterworth" for step in read_log(ds))


def _write_quality(quality: QualityReport, out: Path) -> Path:
    path = out / "quality.json"
    return write_text(path, json.dumps(quality.to_dict(), indent=2, ensure_ascii=False))


def _counted(frames: Iterable[Frame], total: int, progress: Progress | None) -> Iterable[Frame]:
    for i, frame in enumerate(frames, start=1):
        yield frame
        if progress:
            progress("drawing the annotated video", i, total)


def draw_video(
    result: TrackResult, out: Path, /, *, settings: Settings, progress: Progress | None = None
) -> None:
    """Draw the clean track on the source's frames as ``out/annotated.mp4``.

    Listed in ``result.files`` only once it is written. A keypoint input is drawn
    on a plain background, or not at all without pixel positions (``run_track``
    notes that).
    """
    if result.frames is None:
        size = canvas_size(result.clean)
        if size is None:
            return
        source = blank_frames(result.clean, size=size)
    else:
        source = result.frames()
    fps = float(result.clean.attrs["fps"])
    counted = _counted(source, result.clean.sizes["time"], progress)
    labels, legend = knee_labels(result.clean, result.quality.view, settings)
    result.files["video"] = write_annotated_video(
        counted, result.clean, out / "annotated.mp4", fps=fps, labels=labels, legend=legend
    )


def knee_labels(
    clean: xr.Dataset, view: View, settings: Settings
) -> tuple[list[dict[str, str]], str | None]:
    """Per track row, the text beside each knee: the side and the angle the view supports.

    Frontal and rear views show FPPA (+ = valgus), side views 2D knee flexion,
    each exactly as ``frames.csv`` has it (withheld where it is not valid).
    """
    if view in FRONTAL_VIEWS:
        measure, legend = "fppa", "knee angle (FPPA): + = knee inward (valgus)"
    elif view in SAGITTAL_VIEWS:
        measure, legend = "knee_flexion", "knee flexion (2D)"
    else:
        return [], None
    table = frame_measures(clean, min_thigh_height=settings.fppa_min_thigh_height, view=view).table
    columns = {s: table[f"{measure}_{s}_deg"].to_numpy(float) for s in SIDES}
    signed = measure == "fppa"
    return [
        {
            s: f"{s[0].upper()} {columns[s][row]:{'+.0f' if signed else '.0f'}}°"
            if np.isfinite(columns[s][row])
            else s[0].upper()
            for s in SIDES
        }
        for row in range(len(table))
    ], legend
