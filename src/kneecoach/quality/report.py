"""The per-clip quality report, printed after ``track`` and saved as ``quality.json``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.schema import LOWER_LIMB
from kneecoach.core.track import read_log
from kneecoach.filtering.confidence import person_present
from kneecoach.quality.view import View, classify_view

#: Frame-rate bands (science.md §4.2 and §8: Sports2D README, "framerates below
#: 60 Hz lead to accuracy drops, especially for fast motions"; record at ≥60 fps).
FPS_GOOD = 60.0
FPS_SLOW_ONLY = 25.0
#: A clip is usable for measuring when a person is found in this share of frames.
MIN_DETECTION = 0.8
#: ... and the IN_FRAME keypoints are all in the image in this share of those frames.
MIN_IN_FRAME = 0.9
#: Keypoints that must all be inside the image for a frame to count as "in frame".
IN_FRAME = ("left_shoulder", "right_shoulder", *LOWER_LIMB)
#: Word in the follower's note when it withheld frames (kneecoach.pose.follow).
WITHHELD = "withheld"
JOINT_GROUPS = {"hips": "hip", "knees": "knee", "ankles": "ankle", "feet": "foot_index"}


@dataclass(frozen=True)
class QualityReport:
    """Everything a later stage needs to decide whether to measure, warn or refuse."""

    frames: int
    duration_s: float
    fps: float
    detection_rate: float
    mean_confidence: dict[str, float | None]
    view: View
    view_width_ratio: float | None
    facing_camera_fraction: float | None
    whole_body_in_frame: bool | None
    lower_limb_in_frame_rate: float | None
    fps_adequacy: str
    usable_for_frontal_measures: bool
    warnings: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    #: Whom the pose backend followed, and where it lost them (its note; None: not known).
    person: str | None = None
    #: Times (s) where the track jumps to another body (nothing is filled or filtered
    #: across them; :mod:`kneecoach.filtering.jumps`).
    jumps_s: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (``quality.json``)."""
        return asdict(self)


def _mean_conf(raw: xr.Dataset, joint: str, present: npt.NDArray[np.bool_]) -> float | None:
    names = [f"{s}_{joint}" for s in ("left", "right") if f"{s}_{joint}" in raw["keypoints"]]
    if not names or not present.any():
        return None
    values = raw["confidence"].sel(keypoints=names).isel(individuals=0).values[present]
    return round(float(np.nanmean(values)), 3) if np.isfinite(values).any() else None


def _in_frame_rate(
    raw: xr.Dataset, present: npt.NDArray[np.bool_], threshold: float
) -> float | None:
    if "image_width" not in raw.attrs or not present.any():
        return None
    w, h = raw.attrs["image_width"], raw.attrs["image_height"]
    names = [k for k in IN_FRAME if k in raw["keypoints"]]
    xy = (
        raw["position"]
        .sel(keypoints=names)
        .isel(individuals=0)
        .transpose("time", "keypoints", "space")
        .values
    )
    conf = raw["confidence"].sel(keypoints=names).isel(individuals=0).values
    x, y = xy[..., 0], xy[..., 1]
    # An empty position (a clean track's withheld hips) is not evidence of leaving the picture.
    outside = (x < 0) | (x > w) | (y < 0) | (y > h)
    seen = ~outside & ~(conf < threshold)
    return round(float(seen.all(axis=1)[present].mean()), 3)


def _person_note(raw: xr.Dataset) -> str | None:
    """The pose backend's note on whom it followed (``estimate_pose`` in the log)."""
    for step in read_log(raw):
        if step.get("operation") == "estimate_pose":
            note = step.get("params", {}).get("person")
            return str(note) if note else None
    return None


def _jump_times(clean: xr.Dataset) -> list[float]:
    """Times of the jumps to another body that the cleaning found (its gap-filling log)."""
    for step in read_log(clean):
        if step.get("operation") == "interpolate_gaps":
            return [round(float(j["time_s"]), 3) for j in step.get("params", {}).get("jumps", [])]
    return []


def _fps_adequacy(fps: float) -> str:
    if fps >= FPS_GOOD - 1:
        return "good: ≥60 fps suits every test, landings and running included"
    if fps >= FPS_SLOW_ONLY:
        return (
            "adequate for slow movements (squats, step-downs, stance); "
            "film landings and running at ≥60 fps"
        )
    return "too low: film at 60 fps or more"


def assess_quality(raw: xr.Dataset, clean: xr.Dataset, /, *, threshold: float) -> QualityReport:
    """Judge a clip from its raw track (detection, confidence) and clean track (view)."""
    present = person_present(raw)
    times = np.asarray(raw["time"].values)
    fps = float(raw.attrs["fps"])
    view = classify_view(clean)
    in_frame = _in_frame_rate(raw, present, threshold)
    conf = {name: _mean_conf(raw, joint, present) for name, joint in JOINT_GROUPS.items()}
    detection = round(float(present.mean()), 3) if len(present) else 0.0
    warnings = []
    if detection < MIN_DETECTION:
        warnings.append(f"a person was found in only {detection:.0%} of frames")
    if in_frame is not None and in_frame < MIN_IN_FRAME:
        warnings.append(
            f"shoulders, hips, knees and feet are all in frame in only {in_frame:.0%} of frames: "
            "step back or zoom out so the whole body stays in view"
        )
    if fps < FPS_GOOD - 1:
        warnings.append(f"{fps:.0f} fps: {_fps_adequacy(fps)}")
    if view.view in ("sagittal", "oblique"):
        warnings.append(
            f"{view.view} view: knee valgus (FPPA) needs the camera in front of or behind "
            "the person, at knee height"
        )
    person = _person_note(raw)
    if person and WITHHELD in person:
        warnings.append(f"the person followed was lost: {person}")
    jumps = _jump_times(clean)
    if jumps:
        at = ", ".join(f"{t:.2f}" for t in jumps[:5]) + (" ..." if len(jumps) > 5 else "")
        warnings.append(
            f"the track jumps farther than a body can move in a frame at {at} s: probably "
            "another person was followed there; nothing was filled or filtered across it"
        )
    low = [k for k, v in conf.items() if k != "feet" and v is not None and v < 0.5]
    if low:
        warnings.append(f"low keypoint confidence for {', '.join(low)}")
    usable = (
        detection >= MIN_DETECTION
        and view.view in ("frontal", "rear")
        and (in_frame is None or in_frame >= MIN_IN_FRAME)
        and not low
    )
    return QualityReport(
        frames=int(len(times)),
        duration_s=round(float(times[-1] - times[0]), 3) if len(times) else 0.0,
        fps=round(fps, 3),
        detection_rate=detection,
        mean_confidence=conf,
        view=view.view,
        view_width_ratio=view.width_ratio,
        facing_camera_fraction=view.facing_camera_fraction,
        whole_body_in_frame=None if in_frame is None else in_frame >= MIN_IN_FRAME,
        lower_limb_in_frame_rate=in_frame,
        fps_adequacy=_fps_adequacy(fps),
        usable_for_frontal_measures=usable,
        warnings=warnings,
        sources={
            "fps": "science.md §4.2/§8 (Sports2D README: <60 Hz loses accuracy)",
            "view": view.method,
        },
        person=person,
        jumps_s=jumps,
    )
