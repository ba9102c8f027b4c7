"""Recognise the movement test from the per-frame table (``--test auto``).

Rules, in order (all on leg-length-normalised signals, derived heuristics):

0. feet that travel across the picture (their midpoint over more than
   :data:`LOCOMOTION_TRAVEL` leg lengths) are walking or running, too short
   for the gait recognition that runs before these rules: no movement test is
   named, the user is asked to name the gait test (or film more steps);
1. a fast fall of the feet followed by a stop is a landing: a single-leg
   landing if one foot stays up after contact, else a drop jump;
2. one foot off the floor for most of the clip: higher in the image and
   moving, unlike the other foot (a staggered or angled stance also puts one
   ankle higher in the image), or lifted off while the other stays planted
   (the foot-motion rule of :mod:`kneecoach.metrics.feet`, which the
   single-leg stance holds use): a single-leg squat if the hips dip, else a
   single-leg stance hold (a step-down if the free foot hangs *below* the
   still stance foot);
3. both feet down and the hips dip: a lunge if one knee sinks at least
   :data:`LUNGE_KNEE_RATIO` times as far as the other (the rear knee drops
   towards the floor while the front knee travels forward), a sit-to-stand if
   the hips rest at the bottom (seated) for a while, else a squat.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kneecoach.core.errors import InsufficientDataError
from kneecoach.events.reps import (
    FOOT_LIFT,
    MIN_HOLD_S,
    MIN_REP_DEPTH,
    dips,
    landings,
    single_leg_holds,
)
from kneecoach.metrics.feet import feet_off_floor

#: Share of frames with one foot up that makes a clip a single-leg test.
SINGLE_LEG_SHARE = 0.5
#: Seated: the hips stay within 2% of leg length of their lowest point this long
#: (a chair stops the hips; a squat turns around).
SEATED_S = 0.4
SEATED_TOLERANCE = 0.02
#: Lunge: one knee's vertical travel is at least this multiple of the other's (derived:
#: a squat moves both knees alike, a lunge drops the rear knee towards the floor).
LUNGE_KNEE_RATIO = 2.0


#: Locomotion: the feet's midpoint travels this many leg lengths across the picture
#: (5th to 95th percentile; derived: the movement tests of the shared clips stay within
#: 0.65, a balance-and-reach trial included, while two side-view strides travel 3).
LOCOMOTION_TRAVEL = 1.5


def feet_travel(table: pd.DataFrame, /) -> float:
    """How far the feet's midpoint travels sideways in the picture, in leg lengths."""
    if "foot_x_left_pct" not in table or "foot_x_right_pct" not in table:
        return 0.0
    feet = table[["foot_x_left_pct", "foot_x_right_pct"]].to_numpy(float) / 100
    mid = feet.mean(axis=1)
    mid = mid[np.isfinite(mid)]
    return float(np.percentile(mid, 95) - np.percentile(mid, 5)) if mid.size >= 2 else 0.0


class LooksLikeGait(InsufficientDataError):
    """The feet travel as in walking or running, but too few steps to tell which."""


def detect_test(table: pd.DataFrame, /, *, fps: float) -> tuple[str, str]:
    """``(test, evidence)``; raises when nothing recognisable happens."""
    travel = feet_travel(table)
    if travel > LOCOMOTION_TRAVEL:
        raise LooksLikeGait(
            f"the feet travel {travel:.1f} leg lengths across the picture, as in walking or "
            "running, but too few steps were seen to recognise which; name it with "
            "--test walk or --test run (or film a longer stretch)"
        )
    found_landings = landings(table, fps)
    diff = table["ankle_height_diff_pct"].to_numpy(float) / 100
    lifted = np.abs(diff) >= FOOT_LIFT
    share = float(np.mean(lifted[np.isfinite(diff)])) if np.isfinite(diff).any() else 0.0
    y = table[["ankle_y_left_pct", "ankle_y_right_pct"]].to_numpy(float) / 100
    ranges = np.nanpercentile(y, 95, axis=0) - np.nanpercentile(y, 5, axis=0)
    if not (max(ranges) >= FOOT_LIFT and max(ranges) >= 2 * min(ranges)):
        share = 0.0  # both feet stay put: a foot that looks higher is perspective or stagger
    holds = single_leg_holds(feet_off_floor(table, fps), fps, MIN_HOLD_S)
    held = sum(b - a + 1 for a, b, _ in holds) / max(1, len(table))
    if found_landings:
        contact = found_landings[0][0]
        after = lifted[contact : contact + int(0.5 * fps)]
        if after.size and after.mean() > 0.5:
            return "single-leg-landing", "a fall and landing with one foot kept off the floor"
        return "drop-jump", "a fall from a height and a landing on both feet"
    depth = table["depth_pct"].to_numpy(float) / 100
    found_dips = dips(depth, fps)
    if holds and held >= SINGLE_LEG_SHARE and not found_dips:
        return "single-leg-stance", (
            f"one foot lifted and the other planted in {held:.0%} of frames, no squat"
        )
    if share >= SINGLE_LEG_SHARE:
        if not found_dips:
            return "single-leg-stance", f"one foot off the floor in {share:.0%} of frames, no squat"
        still = int(np.argmin(ranges))  # 0 left, 1 right
        free_lower = np.nanmedian(y[:, 1 - still] - y[:, still]) > 0  # y down
        if free_lower and ranges[1 - still] > 1.5 * ranges[still]:
            return "step-down", "one foot stays still while the other reaches below it"
        return "single-leg-squat", (
            f"one foot off the floor in {share:.0%} of frames and "
            f"{len(found_dips)} dip(s) of the hips"
        )
    if found_dips:
        knees = table[["knee_y_left_pct", "knee_y_right_pct"]].to_numpy(float)
        travel = np.nanpercentile(knees, 95, axis=0) - np.nanpercentile(knees, 5, axis=0)
        if min(travel) > 0 and max(travel) >= LUNGE_KNEE_RATIO * min(travel):
            return "lunge", "both feet down and one knee sinks towards the floor (a split stance)"
        bottom = max(depth[b] for _, b, _, _ in found_dips)
        seated = depth >= bottom - SEATED_TOLERANCE
        longest = max((len(r) for r in np.split(seated, np.flatnonzero(~seated))), default=0)
        if longest / fps >= SEATED_S and bottom > 0.3:
            return "sit-to-stand", "both feet down, the hips rest at the bottom (seated)"
        return "squat", f"both feet down and {len(found_dips)} dip(s) of the hips"
    raise InsufficientDataError(
        "could not recognise the movement: no landing, no squat (the hips never dipped by "
        f"{MIN_REP_DEPTH:.0%} of leg length) and no single-leg hold; name it with --test"
    )
