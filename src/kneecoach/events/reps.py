"""Find the reps (or landings, or holds) of a movement test in the per-frame table.

All rules work on the per-frame table of :mod:`kneecoach.metrics.frames`,
whose depth and foot heights are normalised to leg length, so they do not
depend on image size or units. Which leg works is read from the data, never
assumed:

* single-leg squat, single-leg landing: the stance foot is the lower one (the
  other foot is off the floor);
* single-leg stance: the planted foot while the other is off the floor, by
  foot motion (:mod:`kneecoach.metrics.feet`), not height: a camera from
  slightly above shows the foot nearer to it lower in the image;
* step-down: the stance foot stays still on the step while the free foot
  reaches down, so it is the foot that moves least;
* lunge: the front (working) leg's knee moves least vertically; the rear
  knee drops towards the floor;
* squat, drop jump, sit-to-stand: both legs work.

Reading frames follow science.md §1.2: the deepest point (peak knee flexion)
for squats, step-downs and lunges; initial contact and the deepest point of
the first landing for landings; for single-leg stance the frame of largest
pelvic drop during each hold, away from the lift-off and the landing
(:data:`HOLD_EDGE_S`); for sit-to-stand the standing-up phase around
each rise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.signal import find_peaks, medfilt

from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.movement_tests import MOVEMENT_TESTS
from kneecoach.core.runs import true_runs
from kneecoach.core.schema import OTHER, SIDES, Side
from kneecoach.metrics.feet import RAISED, feet_off_floor

FloatArray = npt.NDArray[np.float64]

#: A rep must take the hips down by at least this share of leg length (derived:
#: well under a 45° single-leg squat, well over standing sway).
MIN_REP_DEPTH = 0.06
#: Reps closer together than this are one rep (derived; the SLS protocol takes 5 s per rep).
MIN_REP_SEPARATION_S = 0.8
#: A foot is "off the floor" when its ankle is this share of leg length above the other.
FOOT_LIFT = 0.05
#: A single-leg stance hold must last at least this long to be read (derived: the
#: Trendelenburg protocol holds 30 s, science.md §2.4; 1 s tells a held stance from
#: a step, and a shorter hold is still timed and read).
MIN_HOLD_S = 1.0
#: The largest pelvic drop of a hold is read this far inside its ends, where the
#: weight shifts onto and off the stance leg (derived; at most a quarter of the hold).
HOLD_EDGE_S = 0.25
#: Landing: the feet fall at least this fast (leg lengths per second) before contact (derived).
MIN_FALL_SPEED = 1.0
#: Largest plausible landing depth, in leg lengths below standing on the box: the drop
#: from the test's box (a 28-cm step, Munro 2012; 40 cm in Ortiz 2016; science.md
#: §1.2 and §4.1: at most about half a leg length) plus the deepest possible crouch
#: (the hips down to the feet: one leg length). Deeper is a tracking error (another
#: person taken for the subject) or a drop from far higher than the test's box, which
#: its norms do not cover: such a landing is not read (derived).
MAX_LANDING_DEPTH = 1.5


@dataclass(frozen=True)
class Rep:
    """One rep, landing or hold, as row indices into the per-frame table."""

    index: int
    start: int
    reading: int
    end: int
    side: Side | None  # the working leg; None when both legs work
    complete: bool = True
    contact: int | None = None  # initial contact (landings)


def _filled(x: FloatArray) -> FloatArray:
    """Gaps linearly filled (and held at the ends) so peak finding sees a whole signal."""
    return np.asarray(pd.Series(x).interpolate(limit_direction="both").to_numpy(float))


def _smooth(x: FloatArray, n: int) -> FloatArray:
    x = _filled(x)
    k = max(3, n | 1)
    return np.asarray(medfilt(x, k) if len(x) >= k else x, dtype=float)


def dips(depth: FloatArray, fps: float) -> list[tuple[int, int, int, bool]]:
    """(start, bottom, end, complete) of each dip in a depth signal (0 = standing)."""
    if not np.isfinite(depth).any():
        return []
    d = _filled(depth)
    span = float(np.nanmax(d) - np.nanmin(d))
    prominence = max(MIN_REP_DEPTH, 0.3 * span)
    peaks, props = find_peaks(
        d, prominence=prominence, distance=max(1, int(MIN_REP_SEPARATION_S * fps))
    )
    out = []
    for peak, prom in zip(peaks, props["prominences"], strict=True):
        level = d[peak] - 0.7 * prom
        before = np.flatnonzero(d[:peak] <= level)
        after = np.flatnonzero(d[peak:] <= level)
        start = int(before[-1]) if before.size else 0
        end = int(peak + after[0]) if after.size else len(d) - 1
        out.append((start, int(peak), end, bool(before.size and after.size)))
    return out


def _stance_by_height(table: pd.DataFrame, rows: slice) -> Side | None:
    """The lower foot, if the other is clearly off the floor.

    Measured from the feet's height difference when the clip starts, where both
    feet are taken to be on the floor unless one is :data:`RAISED` above the
    other (as :func:`kneecoach.metrics.feet.feet_off`): perspective and a
    staggered stance put one foot higher in the image by up to 0.13 leg
    lengths, more than :data:`FOOT_LIFT` (front_overhead_squat_03, a two-legged
    squat, read as a right single-leg squat).
    """
    diffs = table["ankle_height_diff_pct"].to_numpy(float) / 100
    head = diffs[np.isfinite(diffs)][:5]  # the first frames with both feet seen
    start = float(np.median(head)) if head.size else 0.0
    diff = np.nanmedian(diffs[rows]) - (start if abs(start) < RAISED else 0.0)
    if not np.isfinite(diff) or abs(diff) < FOOT_LIFT:
        return None
    return "right" if diff > 0 else "left"  # + = left foot higher


def _least_moving(table: pd.DataFrame, rows: slice, joint: str) -> Side | None:
    ranges = {}
    for side in ("left", "right"):
        col = f"{joint}_y_{side}_pct"
        if col not in table:
            return None
        y = table[col].to_numpy(float)[rows]
        ranges[side] = (
            float(np.nanpercentile(y, 95) - np.nanpercentile(y, 5))
            if np.isfinite(y).any()
            else np.nan
        )
    if not all(np.isfinite(v) for v in ranges.values()):
        return None
    lo, hi = sorted(ranges.values())
    if hi <= 1.5 * lo:  # alike (both still, too: 0 ≤ 0 tells no leg apart)
        return None
    if joint == "ankle" and hi < 100 * FOOT_LIFT:  # neither foot rose as far as a lifted
        return None  # one: both stayed on the floor (a two-legged squat's jitter)
    return "left" if ranges["left"] < ranges["right"] else "right"


def working_leg(table: pd.DataFrame, test: str, rows: slice) -> Side | None:
    """Which leg works in ``rows`` (None for bilateral tests or when unclear; a single-leg
    stance hold knows its planted foot from :func:`single_leg_holds`)."""
    how = MOVEMENT_TESTS[test].working_leg
    if how == "lifted-foot":
        return _stance_by_height(table, rows) or _least_moving(table, rows, "ankle")
    if how == "foot-on-step":
        on_step = _least_moving(table, rows, "ankle")
        if on_step is None:  # the free foot hangs below the stance foot
            lower = _stance_by_height(table, rows)
            on_step = None if lower is None else OTHER[lower]
        return on_step
    if how == "still-knee":
        return _least_moving(table, rows, "knee")
    return None


def landings(
    table: pd.DataFrame, fps: float, /, *, implausible: list[float] | None = None
) -> list[tuple[int, int, int, bool]]:
    """(contact, deepest, end, complete) of each first landing after a drop.

    A drop is the lower foot *and* the hips falling at least
    :data:`MIN_FALL_SPEED`; contact is where the foot reaches the floor level
    it then stays at (within 1% of leg length). A landing deeper than
    :data:`MAX_LANDING_DEPTH` is left out; its depth (leg lengths) is added to
    ``implausible`` when given.
    """
    feet = table[["ankle_y_left_pct", "ankle_y_right_pct"]].to_numpy(float)
    lower = np.where(
        np.isnan(feet).all(axis=1), np.nan, np.nanmax(np.nan_to_num(feet, nan=-np.inf), axis=1)
    )
    y = _smooth(lower / 100, 3)  # the lower foot, leg lengths, y down
    raw_depth = table["depth_pct"].to_numpy(float) / 100
    depth = _smooth(raw_depth, 3)
    v, hips = np.gradient(y) * fps, np.gradient(depth) * fps
    falls, _ = find_peaks(v, height=MIN_FALL_SPEED, distance=max(1, int(0.3 * fps)))
    out: list[tuple[int, int, int, bool]] = []
    last_contact_t = -np.inf
    t = table["time_s"].to_numpy(float)
    for f in falls:
        if hips[max(0, f - 2) : f + 3].max() < MIN_FALL_SPEED:
            continue  # a foot moving down on its own (a step or reach), not a drop
        stop = np.flatnonzero(v[f:] < 0.1 * v[f])
        if not stop.size:
            continue
        floor = float(np.nanmedian(y[f + stop[0] : f + stop[0] + max(2, int(0.2 * fps))]))
        contact = int(f + np.flatnonzero(y[f:] >= floor - 0.01)[0])  # within 1% of leg length
        if t[contact] - last_contact_t < 1.5:  # the landing of the jump that follows
            continue
        last_contact_t = t[contact]
        window = slice(contact, min(len(y), contact + int(0.6 * fps) + 1))
        if not np.isfinite(raw_depth[window]).any():
            continue
        deepest = int(contact + np.nanargmax(raw_depth[window]))
        if raw_depth[deepest] > MAX_LANDING_DEPTH:
            if implausible is not None:
                implausible.append(float(raw_depth[deepest]))
            continue
        end = min(len(y) - 1, deepest + int(fps))
        out.append((contact, deepest, end, contact + int(0.6 * fps) < len(y)))
    return out


def hold_reading(table: pd.DataFrame, start: int, end: int, side: Side, fps: float) -> int:
    """Row of the largest drop of the free side of the pelvis, away from the hold's ends."""
    edge = min(int(round(HOLD_EDGE_S * fps)), (end - start) // 4)
    rows = np.arange(start + edge, end - edge + 1)
    drop = table[f"pelvic_drop_{side}_deg"].to_numpy(float)[rows]
    if not np.isfinite(drop).any():
        return start + (end - start) // 2
    return int(rows[np.nanargmax(drop)])


def segment(table: pd.DataFrame, test: str, /, *, fps: float, name: str = "") -> list[Rep]:
    """The reps of ``test`` in the per-frame table, each with its working leg.

    ``name``: the test in words for the error when none is found (default: ``test``).
    """
    name = name or test
    event = MOVEMENT_TESTS[test].event
    holds: list[tuple[int, int, Side]] = []
    implausible: list[float] = []
    if event == "landing":
        found = landings(table, fps, implausible=implausible)
        if not found and implausible:
            raise InsufficientDataError(
                f"no {name} could be measured: the hips dropped {max(implausible):.0%} of leg "
                f"length in the landing found, more than a drop from the test's 28-40 cm box "
                f"and the deepest crouch can give ({MAX_LANDING_DEPTH:.0%}); either the track "
                "followed another person (see the quality report) or the drop was much higher "
                "than the test's box"
            )
    elif event == "hold":  # one foot off the floor and the other planted
        holds = single_leg_holds(feet_off_floor(table, fps), fps, MIN_HOLD_S)
        found = [(a, a, b, True) for a, b, _ in holds]  # a hold cut by the clip still counts
    elif event == "rise":  # a rep is each rise to standing: dips of (- depth)
        found = dips(-table["depth_pct"].to_numpy(float) / 100, fps)
    else:
        found = dips(table["depth_pct"].to_numpy(float) / 100, fps)
    if not found and event in ("landing", "hold"):
        raise InsufficientDataError(
            f"no {name} was found in the clip (see the quality report and filming tips)"
        )
    if not found and event == "rise":  # a rep is a stand between two sits
        raise InsufficientDataError(
            f"no {name} rep was found: the hips never rose to standing and went back down by "
            f"{MIN_REP_DEPTH:.0%} of leg length (start and end the clip seated)"
        )
    if not found:
        raise InsufficientDataError(
            f"no {name} rep was found: the hips never moved down and back up by "
            f"{MIN_REP_DEPTH:.0%} of leg length"
        )
    reps = []
    for i, (start, reading, end, complete) in enumerate(found, start=1):
        side: Side | None
        if event == "hold":  # the hold's planted foot
            side = holds[i - 1][2]
            reading = hold_reading(table, start, end, side, fps)
        else:
            side = working_leg(table, test, slice(start, end + 1))
        contact = start if event == "landing" else None
        reps.append(Rep(i, start, reading, end, side, complete, contact))
    return reps


def single_leg_holds(
    off: dict[Side, npt.NDArray[np.bool_]], fps: float, min_s: float
) -> list[tuple[int, int, Side]]:
    """``(first, last, stance)`` rows of each run of one foot off and the other planted."""
    out: list[tuple[int, int, Side]] = []
    for stance in SIDES:
        free = OTHER[stance]
        for a, b in true_runs(off[free] & ~off[stance]):
            if (b - a) / fps >= min_s:
                out.append((a, b - 1, stance))
    return sorted(out)
