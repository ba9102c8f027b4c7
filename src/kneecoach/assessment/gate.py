"""The task gate: what a clip must show before any rep of a movement test is read.

Run before the test is recognised or its reps are found, so that ``--test auto`` never
recognises a test the gate refuses. Each check returns one sentence saying what was seen,
or None: a clip long enough to hold a movement and not frozen; a person upright (not lying
as in floor exercise), feet below the hips, standing at some point (not seated throughout,
except for sit-to-stand); the legs really seen, judged by the pose model's own
visibility, not by where it placed them (a hidden knee is put somewhere in the picture);
and the person large enough in the picture for the knee numbers.

The limits are derived and checked on the 19 shared clips, none of which any check
refuses: the trunk was more than 60° from vertical in at most 10% of frames (a drop
landing), the thigh's height over the shank's reached at least 0.99 (90th percentile),
the feet were below the hips in at least 70% of frames, one leg was seen in at least 52%
of frames (side views hide the other), and the smallest person was 169 px tall.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import numpy.typing as npt
import xarray as xr

from kneecoach.core.movement_tests import movement_test
from kneecoach.core.track import positions

#: The shortest clip a movement test can be read from, seconds (derived: the shortest rep
#: kneecoach reads lasts 0.8 s, events.reps.MIN_REP_SEPARATION_S; a landing takes ~0.5 s).
MIN_CLIP_S = 1.0
#: A trunk (hip midpoint → shoulder midpoint) more than this far from vertical is lying.
LYING_DEG = 60.0
#: ... in more than this share of frames: the clip shows floor exercise, not a standing test.
MOST = 0.5
#: Standing, the thigh's height in the image is about the shank's (1.0-1.2 on the shared
#: clips); seated facing the camera it is foreshortened to a fraction. A clip whose 90th
#: percentile stays below this never stands up.
SEATED_RATIO = 0.6
#: A knee or ankle the model scores at least this visible is seen (MediaPipe's own
#: drawing threshold for visible landmarks).
SEEN = 0.5
#: The person's height in the picture (pixels, median over frames) below which the knee
#: numbers are refused, and below which they are warned about. Measured on
#: front_overhead_squat_04 downscaled: with the person about 375 px tall the knee-over-foot
#: values stayed within 0.8% of leg length of the full-size clip's, at about 190 px one side
#: was 2.0% off and at about 125 px 2.5%: beyond the measure's 2% noise floor.
MIN_PERSON_PX = 150.0
WARN_PERSON_PX = 400.0


def refusal(raw: xr.Dataset, /, test: str = "auto") -> str | None:
    """Why no movement test (or not ``test``) can be read from this track, or None."""
    return too_short(raw) or frozen(raw) or posture(raw, test) or legs_unseen(raw) or too_small(raw)


def person_height_px(raw: xr.Dataset, /) -> float | None:
    """The person's height in the picture: the median over frames of the keypoints' vertical
    extent, in pixels (None for world-unit imports, or no keypoints)."""
    if raw.attrs.get("units", "px") != "px":
        return None
    y = raw["position"].isel(individuals=0).sel(space="y").values
    with np.errstate(invalid="ignore"), warnings_off():
        extent = np.nanmax(y, axis=1) - np.nanmin(y, axis=1)
    extent = extent[np.isfinite(extent)]
    return float(np.median(extent)) if extent.size else None


def _shorter_than(raw: xr.Dataset, limit_px: float) -> float | None:
    """The person's height in pixels when it is below ``limit_px``, else None."""
    height = person_height_px(raw)
    return height if height is not None and height < limit_px else None


def too_small(raw: xr.Dataset, /) -> str | None:
    """A person below :data:`MIN_PERSON_PX` tall in the picture."""
    height = _shorter_than(raw, MIN_PERSON_PX)
    if height is None:
        return None
    return (
        f"the person is only about {height:.0f} pixels tall in the picture: below "
        f"{MIN_PERSON_PX:.0f} px the knee numbers drift by more than their noise; film closer "
        "(the whole body filling most of the frame's height) or at a higher resolution"
    )


def size_warning(raw: xr.Dataset, /) -> str | None:
    """A person below :data:`WARN_PERSON_PX` tall: the numbers lose precision."""
    height = _shorter_than(raw, WARN_PERSON_PX)
    if height is None:
        return None
    return (
        f"the person is about {height:.0f} pixels tall in the picture: below "
        f"{WARN_PERSON_PX:.0f} px the knee numbers lose precision (up to 2% of leg length "
        "measured at 190 px); film closer for a firmer reading"
    )


def too_short(raw: xr.Dataset, /) -> str | None:
    """A clip of fewer than two frames, or shorter than :data:`MIN_CLIP_S`."""
    t = raw["time"].values.astype(float)
    n = t.size
    # n frames last n frame periods: the span between the first and last timestamps is one less
    duration = float(t[-1] - t[0]) * n / (n - 1) if n > 1 else 0.0
    if n >= 2 and duration >= MIN_CLIP_S - 1e-9:
        return None
    frames = f"{n} frame{'s' * (n != 1)}"
    return (
        f"the input holds {frames} ({duration:.2f} s): a movement test needs at least "
        f"{MIN_CLIP_S:g} s of movement; film the whole test, several reps"
    )


def frozen(raw: xr.Dataset, /) -> str | None:
    """Every keypoint at exactly the same place in every frame: no movement was recorded."""
    pos = raw["position"].values
    if pos.shape[0] < 2 or not np.isfinite(pos).any():
        return None
    with np.errstate(invalid="ignore"):
        spread = np.nanmax(np.nanmax(pos, axis=0) - np.nanmin(pos, axis=0))
    if spread > 0:
        return None
    return (
        f"every one of the {pos.shape[0]} frames shows exactly the same pose: a still "
        "picture or a frozen video, not a movement; film the person doing the test"
    )


def _mid(ds: xr.Dataset, joint: str) -> npt.NDArray[np.float64]:
    return (positions(ds, f"left_{joint}") + positions(ds, f"right_{joint}")) / 2


def _share(flags: npt.NDArray[np.bool_], known: npt.NDArray[np.bool_]) -> float:
    return float(flags[known].mean()) if known.any() else 0.0


def posture(raw: xr.Dataset, /, test: str = "auto") -> str | None:
    """Lying (a push-up, floor exercise), feet not below the hips, or seated throughout."""
    what = _test_words(test)
    trunk = _mid(raw, "shoulder") - _mid(raw, "hip")
    with np.errstate(invalid="ignore"):
        lean = np.degrees(np.arctan2(np.abs(trunk[:, 0]), -trunk[:, 1]))
    known = np.isfinite(lean)
    lying = _share(lean > LYING_DEG, known)
    if lying > MOST:
        return (
            f"the person is lying more than {LYING_DEG:.0f}° from upright in {lying:.0%} of "
            f"frames: this looks like floor exercise, not {what}; kneecoach measures "
            "standing movement tests"
        )
    hips, ankles = _mid(raw, "hip")[:, 1], _mid(raw, "ankle")[:, 1]
    known = np.isfinite(hips) & np.isfinite(ankles)
    below = _share(ankles > hips, known)  # image y grows downward
    if known.any() and below < MOST:
        return (
            f"the feet are below the hips in only {below:.0%} of frames: this is not {what}, "
            "which is done standing on the feet"
        )
    t = movement_test(test)
    if t is not None and t.event == "rise":  # sit-to-stand is seated by design
        return None
    thigh = _mid(raw, "knee")[:, 1] - hips
    shank = ankles - _mid(raw, "knee")[:, 1]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = thigh / shank
    ratio = ratio[np.isfinite(ratio)]
    if ratio.size and float(np.percentile(ratio, 90)) < SEATED_RATIO:
        return (
            f"the person seems seated throughout (the thighs stay nearly level in the picture): "
            f"{what} is read standing; for rising from a chair use --test sit-to-stand"
        )
    return None


def legs_unseen(raw: xr.Dataset, /) -> str | None:
    """Neither leg's knee and ankle seen (the model's visibility) in most frames."""
    conf = raw["confidence"].isel(individuals=0)
    seen = []
    for side in ("left", "right"):
        knee = conf.sel(keypoints=f"{side}_knee").values
        ankle = conf.sel(keypoints=f"{side}_ankle").values
        if not (np.isfinite(knee).any() and np.isfinite(ankle).any()):
            return None  # imported keypoints without confidence: cannot tell
        seen.append(np.nan_to_num(np.minimum(knee, ankle), nan=0.0) >= SEEN)
    either = seen[0] | seen[1]
    share = float(either.mean())
    if share >= MOST:
        return None
    return (
        f"the knees and ankles were seen in only {share:.0%} of frames (the pose model's "
        f"visibility {SEEN:g} or more for at least one leg): the legs are hidden or out of "
        "the picture, so no knee can be measured; film the whole body, feet included"
    )


def _test_words(test: str) -> str:
    t = movement_test(test)
    return f"a {t.label.lower()}" if t is not None else "a standing movement test"


@contextmanager
def warnings_off() -> Iterator[None]:
    """NumPy's warning for a frame with no keypoint at all (an all-NaN slice)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        yield
