"""The ``analyze`` stage end to end: track → measures → reps → findings → files.

:func:`run_analyze` writes, as soon as each is known, so a failure later on
keeps what is valid: the track files (as ``track``), ``frames.csv``, then
``summary.json``, the worst-moment pictures and ``report.html``, and last the
annotated video, the slowest step (a failure or Ctrl-C while it is drawn
keeps every other file). When the input cannot support the request (wrong
view, no complete rep), the files that are valid are written first and the
error says what was wrong and how to film it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from kneecoach import __version__
from kneecoach.assessment import gate
from kneecoach.assessment.detect import LooksLikeGait, detect_test
from kneecoach.assessment.findings import side_summary
from kneecoach.assessment.gait import assess_gait, worst_steps
from kneecoach.assessment.model import Assessment, Finding, MomentAt
from kneecoach.assessment.norms import Sex
from kneecoach.assessment.protocols import PROTOCOLS, view_refusal
from kneecoach.assessment.summary import (
    DISCLAIMER,
    METHOD_NOTES,
    SOURCES,
    assess,
    legs_out_of_frame,
    out_of_frame_finding,
    side_view_headline,
    view_refused,
    worst_moments,
)
from kneecoach.capture.video import VideoReader
from kneecoach.core.errors import InputError, InsufficientDataError, KneecoachError
from kneecoach.core.files import replacing
from kneecoach.core.movement_tests import (
    FRONT_FILMING,
    GAIT_FILMING,
    MOVEMENT_TESTS,
    TEST_CHOICES,
    movement_test,
)
from kneecoach.core.schema import SIDES
from kneecoach.core.settings import Settings
from kneecoach.events.gait import find_steps, recognise_gait
from kneecoach.events.reps import segment
from kneecoach.filtering import clean_track
from kneecoach.filtering.smoothing import dual_pass_correction
from kneecoach.io import is_keypoint_input
from kneecoach.io.netcdf import to_netcdf_file
from kneecoach.metrics.frames import FRONTAL_VIEWS, FrameMeasures, frame_measures
from kneecoach.metrics.gait import gait_signals
from kneecoach.pipeline import Progress, TrackResult, canvas_size, draw_video, run_track
from kneecoach.pose.base import PoseEstimator
from kneecoach.reports.html import render_report
from kneecoach.reports.plots import save_png, shift_text, worst_moment_image


class AnalysisRefused(InsufficientDataError):
    """The clip cannot support the request; ``result`` holds what was measured and written
    (the track, frames.csv, a summary and report that say why, any reps that were read)."""

    def __init__(self, message: str, result: AnalysisResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass
class AnalysisResult:
    """What :func:`run_analyze` made."""

    track: TrackResult
    measures: FrameMeasures
    #: summary.json's fields as they are gathered; :attr:`assessment` once complete
    draft: dict[str, Any]
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: the typed assessment written as summary.json (None until it is written)
    assessment: Assessment | None = None


def frames_csv(fm: FrameMeasures, path: Path) -> Path:
    """One row per video frame, empty cells where a value is not valid."""
    with replacing(path) as part:
        fm.table.to_csv(part, index=False, float_format="%.4f", na_rep="")
    return path


def choose_test(
    test: str, fm: FrameMeasures, fps: float, clean: xr.Dataset | None = None
) -> tuple[str, dict[str, str] | None]:
    """The test to analyse: as given, or recognised from the data (gait first)."""
    if test != "auto":
        return test, None
    gait = recognise_gait(gait_signals(clean, view=fm.view)) if clean is not None else None
    found, evidence = gait or detect_test(fm.table, fps=fps)
    return found, {"method": "auto", "evidence": evidence}


def run_analyze(
    source: str | Path,
    /,
    *,
    out_dir: str | Path,
    settings: Settings,
    test: str = "auto",
    sex: Sex | None = None,
    video: bool = True,
    start_s: float = 0.0,
    end_s: float | None = None,
    fps: float | None = None,
    estimator: PoseEstimator | None = None,
    progress: Progress | None = None,
) -> AnalysisResult:
    """Analyse one clip (or keypoint file) for one movement test."""
    if test not in TEST_CHOICES:
        raise InputError(f"--test: unknown test {test!r}; choose from {', '.join(TEST_CHOICES)}")
    out = Path(out_dir)
    settings, cutoff_note = gait_cutoff(source, test, settings)
    track = run_track(
        source, out_dir=out, settings=settings, formats=(), video=video, video_later=True,
        start_s=start_s, end_s=end_s, fps=fps, estimator=estimator, progress=progress,
    )  # fmt: skip
    try:
        result = _analyze_track(track, source, out, settings, test, sex, cutoff_note, progress)
    except KneecoachError:  # the files that are valid were written: the video still helps
        if video:
            draw_video(track, out, settings=settings, progress=progress)
        raise
    if video:  # last: the slowest step, and every other file is written already
        draw_video(track, out, settings=settings, progress=progress)
        if "video" in track.files:
            result.files["video"] = track.files["video"]
    return result


def _analyze_track(
    track: TrackResult, source: str | Path, out: Path, settings: Settings, test: str,
    sex: Sex | None, cutoff_note: list[str], progress: Progress | None,
) -> AnalysisResult:  # fmt: skip
    """Everything after tracking but the annotated video: measures, reps, findings, files."""
    clean = track.clean
    fm = frame_measures(clean, min_thigh_height=settings.fppa_min_thigh_height)
    files = dict(track.files)
    files["frames"] = frames_csv(fm, out / "frames.csv")
    rate = float(clean.attrs["fps"])
    draft: dict[str, Any] = {
        "kneecoach_version": __version__,
        "source": str(source),
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "fps": round(rate, 3),
        "quality": track.quality,
    }
    result = AnalysisResult(track, fm, draft, files, list(track.notes) + cutoff_note)
    draft["notes"] = result.notes
    try:
        return _assess(result, source, out, settings, test, sex, progress)
    except AnalysisRefused:
        raise
    except InsufficientDataError as exc:  # the files that are valid were written
        raise AnalysisRefused(str(exc), result) from None


def _assess(
    result: AnalysisResult, source: str | Path, out: Path, settings: Settings, test: str,
    sex: Sex | None, progress: Progress | None,
) -> AnalysisResult:  # fmt: skip
    """Recognise the test, find the reps (or steps), read them, judge them, write the files."""
    track, fm, draft = result.track, result.measures, result.draft
    clean, rate = track.clean, float(track.clean.attrs["fps"])
    result.notes.extend(n for n in [gate.size_warning(track.raw)] if n)
    refused = gate.refusal(track.raw, test)
    if refused is not None:
        _finish_empty(result, out, test, refused)
        raise InsufficientDataError(f"{refused} (frames.csv and the report were kept in {out})")
    try:
        chosen, detected = choose_test(test, fm, rate, clean)
    except InsufficientDataError as exc:
        _finish_empty(result, out, "auto", str(exc))
        filming = GAIT_FILMING if isinstance(exc, LooksLikeGait) else FRONT_FILMING
        raise InsufficientDataError(
            f"{exc}. {_advice(result, filming)} (frames.csv and the report were kept in {out})"
        ) from None
    draft["test_detected"] = detected
    _fppa_only_where_read(result, out, chosen)
    if test == "auto" and MOVEMENT_TESTS[chosen].fast:  # as if named: filtered as running
        before = settings.cutoff_hz
        settings, note = gait_cutoff(source, chosen, settings)
        result.notes.extend(note)
        if settings.cutoff_hz != before:
            _refilter(result, out, settings)
    if MOVEMENT_TESTS[chosen].is_gait:
        return _analyze_gait(result, chosen, source, out, settings, sex, progress)
    try:
        reps = segment(fm.table, chosen, fps=rate, name=PROTOCOLS[chosen].label.lower())
    except InsufficientDataError as exc:
        _finish_empty(result, out, chosen, str(exc))
        raise InsufficientDataError(
            f"{exc}; frames.csv and the report were kept in {out}. "
            f"{_advice(result, PROTOCOLS[chosen].filming)}"
        ) from None
    if not PROTOCOLS[chosen].bilateral and all(r.side is None for r in reps):
        reason = no_working_leg(chosen, len(reps))
        _finish_empty(result, out, chosen, reason)
        raise InsufficientDataError(
            f"{reason}; frames.csv and the report were kept in {out}. "
            f"{_advice(result, PROTOCOLS[chosen].filming)}"
        )
    draft.update(assess(fm, reps, test=chosen, sex=sex))
    draft["sex"] = sex
    cut = legs_out_of_frame(fm.table, reps, bilateral=PROTOCOLS[chosen].bilateral)
    refusal = out_of_frame_finding(cut, PROTOCOLS[chosen].filming) if cut else None
    if refusal is not None:
        draft["findings"].insert(0, refusal)
    moments = worst_moments(
        fm.table, reps, bilateral=PROTOCOLS[chosen].bilateral, n=settings.worst_moments,
        test=chosen,
    )  # fmt: skip
    images = _worst_images(moments, clean, source, out, is_video=track.is_video, progress=progress)
    draft["worst_moments"] = [m.moment for m in moments]
    _write(result, out, images)
    if refusal is not None:
        raise InsufficientDataError(
            f"{refusal.text} (frames.csv and the report were kept in {out})"
        )
    if fm.view not in FRONTAL_VIEWS and not side_view_headline(fm.view, chosen):
        measure = "pelvic drop" if PROTOCOLS[chosen].headline == "pelvic_drop" else "knee valgus"
        raise InsufficientDataError(
            f"the camera view looks {fm.view}: {measure} needs a frontal or rear view, so "
            f"no {measure} numbers were reported (the report in {out} says what was "
            f"measured). "
            f"{PROTOCOLS[chosen].filming}"
        )
    return result


def _fppa_only_where_read(result: AnalysisResult, out: Path, test: str) -> None:
    """Squat-type tests judge the knee against its foot: FPPA, not valid at their depth
    (science.md §1.1), is left empty in frames.csv, so no summary, table or chart shows it."""
    if MOVEMENT_TESTS[test].headline != "knee_over_foot":
        return
    for side in SIDES:
        result.measures.table[f"fppa_{side}_deg"] = np.nan
    result.files["frames"] = frames_csv(result.measures, out / "frames.csv")


def no_working_leg(test: str, reps: int) -> str:
    """Why a one-legged test measured nothing: no rep had a working leg that could be told."""
    protocol = PROTOCOLS[test]
    label = protocol.label.lower()
    found = f"the {label} rep found" if reps == 1 else f"any of the {reps} {label} reps found"
    text = (
        f"could not tell which leg was working in {found} ({protocol.no_working_leg}), so no "
        "knee was measured"
    )
    if protocol.two_legged:
        text += (
            f". If both feet stayed on the floor, analyse it as a two-legged test: "
            f"--test {protocol.two_legged} (or --test auto)"
        )
    return text


#: What the gait report adds to the method notes (docs/gait.md).
GAIT_NOTES = [
    "Gait events: in a front or rear view, contact where the foot stops descending in the "
    "image and toe-off where it starts to rise (vertical-velocity methods); in a side view, "
    "the heel's most forward and the toe's most backward position relative to the pelvis "
    "(Zeni 2008). Expect 1-2 frames of error at 60 fps (science.md §3.4).",
    "Per step: FPPA, pelvic drop, hip adduction and sideways trunk lean (+ towards the stance "
    "leg) at midstance; step width and the foot's offset from the pelvis midline at contact, "
    "in pelvis widths (science.md §3.2). Averages use complete steps only; at least 7 per leg "
    "give a stable mean (Dingenen 2018).",
    "Running and skating videos of 40 fps or more are filtered at 12 Hz instead of 6 Hz, "
    "unless --cutoff-hz is set: 10-12 Hz keeps the short peaks of a running stride "
    "(science.md §8).",
]


#: Running and skating are filtered at this cut-off when the frame rate allows it
#: (science.md §8: 10-12 Hz for running, below about 0.4 × fps).
RUNNING_CUTOFF_HZ = 12.0


def gait_cutoff(source: str | Path, test: str, settings: Settings) -> tuple[Settings, list[str]]:
    """For run/skate videos of 40 fps or more, the default 6 Hz filter becomes 12 Hz.

    A cut-off the user gave (flag, environment or config file) is kept, whatever it is.
    """
    t = movement_test(test)
    if t is None or not t.fast:
        return settings, []
    if settings.given("cutoff_hz"):
        where = settings.origin("cutoff_hz")
        return settings, [
            f"keypoints filtered at {settings.cutoff_hz:g} Hz as set ({where}); left unset, "
            f"{t.label.lower()} videos of 40 fps or more are filtered at "
            f"{RUNNING_CUTOFF_HZ:.0f} Hz (science.md §8)"
        ]
    if is_keypoint_input(Path(source)) or not Path(source).is_file():
        return settings, []
    with VideoReader(Path(source)) as reader:
        rate = reader.info.nominal_fps or 0.0
    design = RUNNING_CUTOFF_HZ / dual_pass_correction(max(settings.filter_order // 2, 1))
    if design >= 0.4 * rate:
        return settings, [
            f"{rate:.0f} fps is too slow to filter running at {RUNNING_CUTOFF_HZ:.0f} Hz: "
            f"filtered at {settings.cutoff_hz:g} Hz, which smooths short peaks (film at 60 fps)"
        ]
    note = f"running: keypoints filtered at {RUNNING_CUTOFF_HZ:.0f} Hz (science.md §8)"
    return settings.with_overrides("automatic", cutoff_hz=RUNNING_CUTOFF_HZ), [note]


def _refilter(result: AnalysisResult, out: Path, settings: Settings) -> None:
    """Clean the raw track again with ``settings``; rewrite track.nc and frames.csv."""
    track = result.track
    track.clean = clean_track(track.raw, settings=settings)
    track.files["track"] = result.files["track"] = to_netcdf_file(track.clean, out / "track.nc")
    result.measures = frame_measures(track.clean, min_thigh_height=settings.fppa_min_thigh_height)
    result.files["frames"] = frames_csv(result.measures, out / "frames.csv")


def _analyze_gait(
    result: AnalysisResult, test: str, source: str | Path, out: Path, settings: Settings,
    sex: Sex | None, progress: Progress | None = None,
) -> AnalysisResult:  # fmt: skip
    """Steps, per-step readings, per-side summaries, drift, worst steps, report."""
    fm, clean = result.measures, result.track.clean
    protocol = MOVEMENT_TESTS[test]
    sig = gait_signals(clean, view=fm.view)
    try:
        steps = find_steps(sig, test=test)
    except InsufficientDataError as exc:
        _finish_empty(result, out, test, str(exc))
        raise InsufficientDataError(
            f"{exc}; frames.csv and the report were kept in {out}. "
            f"{_advice(result, protocol.filming)}"
        ) from None
    draft = result.draft
    draft.update(assess_gait(fm, sig, steps, test=test))
    draft.update(method_notes=METHOD_NOTES + GAIT_NOTES + fm.notes, sources=SOURCES,
                   disclaimer=DISCLAIMER, sex=sex)  # fmt: skip
    moments = worst_steps(fm, steps, n=settings.worst_moments)
    images = _worst_images(
        moments, clean, source, out, is_video=result.track.is_video, progress=progress
    )
    draft["worst_moments"] = [m.moment for m in moments]
    _write(result, out, images)
    return result


def _advice(result: AnalysisResult, filming: str) -> str:
    """What else the user should know when nothing could be measured: view, notes, filming."""
    view = result.measures.view
    parts = [] if view in FRONTAL_VIEWS else [view_refusal(view, "").strip()]
    parts += [f"Note: {n}." if not n.endswith(".") else f"Note: {n}" for n in result.notes]
    return " ".join([*parts, filming])


def _finish_empty(result: AnalysisResult, out: Path, test: str, reason: str) -> None:
    """Write a summary and report that explain why there is nothing to measure."""
    protocol = movement_test(test)
    filming = protocol.filming if protocol else FRONT_FILMING
    view = result.measures.view
    findings = [Finding(code="no_reps", side=None, severity="refused", text=reason, source=None)]
    if view not in FRONTAL_VIEWS:
        findings.append(view_refused(view, filming))
    nothing = side_summary([], test=test, sex=None, working=None)  # null: not known, not "no"
    result.draft.update(
        test=test,
        test_label=protocol.label if protocol else "Movement not recognised",
        view=view,
        sides=dict.fromkeys(SIDES, nothing),
        findings=findings,
        suggestions=[],
        worst_moments=[],
        filming=filming,
        notes=result.notes,
        method_notes=METHOD_NOTES + result.measures.notes,
        sources=SOURCES,
        disclaimer=DISCLAIMER,
    )
    _write(result, out, {})


def _write(result: AnalysisResult, out: Path, images: dict[str, Path]) -> None:
    result.assessment = assessment = Assessment.model_validate(result.draft)
    result.files["summary"] = assessment.write(out / "summary.json")
    result.files.update(images)
    result.files["report"] = render_report(
        assessment, result.measures.table, images, out / "report.html"
    )


def _frames_at(
    source: Path, wanted: set[int], progress: Progress | None = None, *, start_s: float = 0.0
) -> dict[int, np.ndarray[Any, Any]]:
    """Convert only the wanted frames (streaming through the clip once from ``start_s``,
    which seeks where the container allows, with progress)."""
    got: dict[int, np.ndarray[Any, Any]] = {}
    stage = "reading the worst moments' frames"
    if progress:
        progress(stage, 0, len(wanted))
    with VideoReader(source) as reader:
        for frame in reader.frames(start_s=start_s, only=wanted):
            got[frame.index] = frame.image
            if progress:
                progress(stage, len(got), len(wanted))
            if len(got) == len(wanted):
                break
    return got


def _worst_images(
    moments: Iterable[MomentAt], clean: xr.Dataset, source: str | Path, out: Path,
    *, is_video: bool, progress: Progress | None = None,
) -> dict[str, Path]:  # fmt: skip
    moments = list(moments)
    size = canvas_size(clean)
    if not moments or size is None:
        return {}  # world-unit imports have no image to draw on
    wanted = {m.moment.frame for m in moments}
    first = max(0.0, min(m.moment.time_s for m in moments) - 0.05)  # time_s is rounded
    frames = _frames_at(Path(source), wanted, progress, start_s=first) if is_video else {}
    names = [str(k) for k in clean["keypoints"].values]
    pos = clean["position"].isel(individuals=0).transpose("time", "keypoints", "space").values
    images = {}
    for i, at in enumerate(moments, start=1):
        m = at.moment
        xy = {k: (float(pos[at.row, j, 0]), float(pos[at.row, j, 1]))
              for j, k in enumerate(names)}  # fmt: skip
        fppa = m.fppa_deg if m.fppa_deg is not None else float("nan")
        shift = m.knee_over_foot_pct
        picture = worst_moment_image(
            frames.get(m.frame), xy, m.side, fppa, m.time_s, size, rep=m.rep,
            title=None if shift is None else shift_text(m.side, shift), foot=shift is not None,
        )  # fmt: skip
        images[f"worst_{i}"] = save_png(picture, out / m.image)
    return images
