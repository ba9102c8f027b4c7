"""Gait events from 2D keypoints: initial contact, toe-off and midstance per foot.

The method depends on the camera view (science.md §3.4):

* **front or rear view** (vertical-velocity methods; O'Connor 2007,
  Ghoussayni 2004, Mickelborough 2000): each swing ends with the foot
  descending in the image (lowered, and brought towards a front camera).
  *Contact* is the first frame after a descent-velocity peak where the foot's
  downward speed has fallen below 10% of that peak (the near-zero threshold of
  Mickelborough). *Toe-off* is where the foot starts to rise away from its
  stance motion: the last frame before the next upward-velocity peak whose
  velocity is within a quarter of the way from the stance velocity to that
  peak (the fastest rise before the next descent, so a heel rocking after
  contact is not taken for the lift). The stance velocity is about zero for a
  foot planted overground; on a treadmill it is the foot sliding back.
* **side view** (Zeni, Richards & Higginson 2008, coordinate method): contact
  at each peak of the heel's fore-aft position relative to the pelvis (most
  anterior), toe-off at each trough of the toe's (most posterior). It works on
  treadmills and overground, and needs no floor or scale. Walking *backwards*
  (overground: the pelvis travels opposite to the way the person faces, or a
  clip played in reverse) is forward gait reversed in time (Grasso et al. 1998),
  so there contact is the toe's most posterior position and toe-off the heel's
  most anterior; such steps are found but marked incomplete (not the gait tested).

*Midstance* (where the frontal measures are read): running and skating, the
deepest pelvis position in the middle 60% of stance ("deepest landing position
during midstance", Dingenen; science.md §2.3, §3.4); walking, the middle of
stance (the pelvis is highest there, so "deepest" does not apply).

*Implausible steps* are marked incomplete (shown, not averaged): a contact of one
foot within :data:`DOUBLE_CONTACT` of the median step time after the other foot's
(both feet "landing" together: a heel rocking or a keypoint jump, not a step), a
stance under :data:`SHORT_STANCE` of the clip's median stance (a missed event), and
a walking stance under :data:`MIN_WALK_STANCE_S`.

*Skating* uses the same events; a step's *glide* is its single-leg part
(from the other skate's lift-off to its next touch-down), and only glides
longer than :data:`MIN_GLIDE_S` (longer than a running stance) count.

Expected error: Zeni's methods put 94% of treadmill events within one frame
of force-plate events at 60 Hz (marker data); keypoints are noisier, so expect
1-2 frames at 60 fps, more at 30 fps (science.md §3.4). Left and right are the
subject's own in every view (the track's labels are).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.signal import find_peaks

from kneecoach.core.errors import InsufficientDataError
from kneecoach.core.movement_tests import MOVEMENT_TESTS
from kneecoach.core.schema import OTHER, SIDES, Side
from kneecoach.metrics.frames import FRONTAL_VIEWS, SAGITTAL_VIEWS
from kneecoach.metrics.gait import GaitSignals

FloatArray = npt.NDArray[np.float64]
#: A swing's descent must reach this speed (leg lengths per second) and this
#: share of the clip's typical descent speed (derived on synthetic and real gait).
MIN_DESCENT_SPEED = 0.3
DESCENT_SHARE = 0.35
#: Contact when the descent speed falls below this share of its peak (Mickelborough 2000).
CONTACT_SHARE = 0.1
#: Toe-off: this share of the way from the stance velocity to the lift-off peak (derived).
TOE_OFF_SHARE = 0.25
#: Side view: the heel must swing at least this far (leg lengths) between contacts.
MIN_AP_SWING = 0.15
#: Plausible stance durations (s): a sprint stance ~0.1 s, a slow walk ~1 s, a glide longer.
STANCE_S = (0.05, 2.5)
#: A skating glide (one skate on the ice) must last longer than a running stance (derived).
MIN_GLIDE_S = 0.3
#: Contacts of the two feet closer than this are "together", not steps (derived; a
#: sprint step lasts ~0.2 s).
MIN_STEP_S = 0.1
#: Share of consecutive contacts that must change foot for the clip to count as gait (derived).
MIN_ALTERNATION = 0.6
#: The foot must be seen this long before a contact for the step to count (derived:
#: a contact found where the person enters the picture is not a contact).
SEEN_BEFORE_S = 0.1
#: A stance over this many times the clip's median stance is a missed event (derived).
OUTLIER_STANCE = 2.0
#: Gaps in the foot signal up to this long are bridged for event finding (science.md §8).
MAX_BRIDGE_S = 0.33
#: A contact this share of the median step time or less after the other foot's contact
#: is the feet "landing together", not a step (derived: at the slowest walk the feet
#: land about a step time apart; a quarter of it is 0.13-0.15 s at 100-115 steps/min).
DOUBLE_CONTACT = 0.25
#: A stance under this share of the clip's median stance holds a missed contact or
#: toe-off (derived: stance varies by far less within one clip at a steady pace).
SHORT_STANCE = 0.5
#: Walking has double support, so its stance is over half the stride (about 60% of
#: the gait cycle: Perry & Burnfield, Gait Analysis, 2nd ed. 2010), at least ~0.45 s
#: at 130 steps/min; a walking stance under this (0.45 s less 2D event error) is not one.
MIN_WALK_STANCE_S = 0.35
#: Side view: the pelvis travelling opposite to the way the person faces at this
#: speed (leg lengths per second, over 1 s) is walking backwards (derived: a slow
#: walk is about 0.5 leg lengths per second; a treadmill or a following camera ~0).
BACKWARD_SPEED = 0.3


@dataclass(frozen=True)
class Step:
    """One stance phase of one foot, as row indices into the track / per-frame table."""

    side: Side
    contact: int
    toe_off: int | None
    midstance: int
    complete: bool
    glide: tuple[int, int] | None = None  # skating: the single-leg part of the stance
    backward: bool = False  # side view: walked backwards (or the clip plays in reverse)


def _filled(x: FloatArray, limit: int) -> FloatArray:
    s = pd.Series(x).interpolate(limit=limit, limit_area="inside")
    return np.asarray(s.to_numpy(float), dtype=float)


def _velocity(x: FloatArray, fps: float) -> FloatArray:
    return np.asarray(np.gradient(x) * fps, dtype=float) if len(x) > 1 else np.zeros_like(x)


Events = list[tuple[int, int | None, bool]]


def _frontal_steps(sig: GaitSignals, side: Side, *, bridge: int, stride: float) -> Events:
    """(contact, toe-off, backwards) rows of one foot, vertical-velocity method."""
    y = _filled(sig.foot[side][:, 1], bridge)
    v = _velocity(y, sig.fps) / sig.leg  # leg lengths per second, + = moving down the image
    finite = v[np.isfinite(v)]
    if finite.size < 3:
        return []
    typical = float(np.percentile(finite, 95))
    height = max(MIN_DESCENT_SPEED, DESCENT_SHARE * typical)
    distance = max(1, int(stride * sig.fps))
    vv = np.nan_to_num(v, nan=0.0)
    descents, _ = find_peaks(vv, height=height, distance=distance)
    lifts, _ = find_peaks(-vv, height=height * 0.5)
    out: Events = []
    for i, peak in enumerate(descents):
        below = np.flatnonzero(vv[peak:] <= CONTACT_SHARE * vv[peak])
        if not below.size:
            continue
        contact = int(peak + below[0])
        nxt = descents[i + 1] if i + 1 < len(descents) else len(v)
        # the lift is searched past the first fifth of the way to the next descent: the
        # heel rocking just after contact is not the lift (stance is ≥ 30% of a stride)
        settle = contact + (min(nxt, len(v)) - contact) // 5
        lift = lifts[(lifts > settle) & (lifts < nxt)]
        if not lift.size or nxt == len(v) and vv[lift].min() > -height:
            out.append((contact, None, False))  # no lift-off seen (the clip ends first)
            continue
        swing = int(lift[np.argmin(vv[lift])])  # the swing's lift: the fastest rise
        out.append((contact, _toe_off(vv, contact, swing), False))
    return out


def _toe_off(v: FloatArray, contact: int, lift: int) -> int:
    early = v[contact : contact + max(1, (lift - contact) // 3) + 1]
    stance_v = float(np.median(early))
    level = stance_v - TOE_OFF_SHARE * (stance_v - v[lift])
    before = np.flatnonzero(v[contact:lift] >= level)
    return int(contact + before[-1]) if before.size else contact


def backward_travel(sig: GaitSignals) -> npt.NDArray[np.bool_]:
    """Side view, per frame: is the pelvis travelling opposite to the way the person faces?"""
    window = max(3, int(round(sig.fps)))
    x = pd.Series(sig.pelvis[:, 0] / sig.leg).interpolate(limit_area="inside")
    speed = x.diff().rolling(window, center=True, min_periods=window // 2).median() * sig.fps
    travel = speed.to_numpy(float) * sig.forward
    return np.asarray(np.nan_to_num(travel, nan=0.0) < -BACKWARD_SPEED, dtype=bool)


def _side_steps(sig: GaitSignals, side: Side, *, bridge: int, stride: float) -> Events:
    """(contact, toe-off, backwards) rows of one foot, Zeni coordinate method."""
    heel = _filled(sig.ahead(side, "heel"), bridge)
    toe = _filled(sig.ahead(side, "toe"), bridge)
    distance = max(1, int(stride * sig.fps))
    if not (np.isfinite(heel).any() and np.isfinite(toe).any()):
        return []
    heel = np.nan_to_num(heel, nan=float(np.nanmin(heel)))
    toe = np.nan_to_num(toe, nan=float(np.nanmax(toe)))
    forward_on, _ = find_peaks(heel, prominence=MIN_AP_SWING, distance=distance)
    forward_off, _ = find_peaks(-toe, prominence=MIN_AP_SWING, distance=distance)
    back = backward_travel(sig)
    # walking backwards is forward gait reversed in time: the events swap
    contacts = np.sort(np.concatenate([forward_on[~back[forward_on]],
                                       forward_off[back[forward_off]]]))  # fmt: skip
    offs = np.sort(np.concatenate([forward_off[~back[forward_off]],
                                   forward_on[back[forward_on]]]))  # fmt: skip
    out: Events = []
    for i, c in enumerate(contacts):
        nxt = contacts[i + 1] if i + 1 < len(contacts) else len(heel)
        off = offs[(offs > c) & (offs < nxt)]
        out.append((int(c), int(off[0]) if off.size else None, bool(back[c])))
    return out


def _min_stride(test: str) -> float:
    stride = MOVEMENT_TESTS[test].min_stride_s
    if stride is None:
        raise ValueError(f"{test!r} is not a gait test")
    return stride


def _midstance(sig: GaitSignals, contact: int, toe_off: int, test: str) -> int:
    if test == "walk" or sig.view in SAGITTAL_VIEWS:
        return (contact + toe_off) // 2
    span = toe_off - contact
    lo, hi = contact + int(0.2 * span), contact + int(np.ceil(0.8 * span))
    y = sig.pelvis[lo : hi + 1, 1]
    if not np.isfinite(y).any():
        return (contact + toe_off) // 2
    return int(lo + np.nanargmax(y))


def _drop_outlier_stances(steps: list[Step]) -> list[Step]:
    """Mark steps whose stance lasts over twice the clip's median stance as incomplete.

    Such a stance holds a missed contact or toe-off (a pause, a turn, the foot
    hidden), so its readings would mix two steps.
    """
    stances = [s.toe_off - s.contact for s in steps if s.complete and s.toe_off is not None]
    if len(stances) < 3:
        return steps
    limit = OUTLIER_STANCE * float(np.median(stances))
    return [
        replace(s, complete=False) if s.toe_off is not None and s.toe_off - s.contact > limit
        else s
        for s in steps
    ]  # fmt: skip


def _together(steps: list[Step]) -> list[bool]:
    """Per step (in time order): does it land with the other foot, not a step after it?"""
    gaps = [b.contact - a.contact for a, b in pairwise(steps) if a.side != b.side]
    close = DOUBLE_CONTACT * float(np.median(gaps)) if len(gaps) >= 3 else 0.0
    last: dict[Side, int | None] = {"left": None, "right": None}
    out = []
    for s in steps:
        other = last[OTHER[s.side]]
        last[s.side] = s.contact
        out.append(other is not None and s.contact - other <= close)
    return out


def _drop_double_contacts(steps: list[Step], fps: float, test: str) -> list[Step]:
    """Mark implausible steps incomplete (``steps`` in time order).

    A contact within :data:`DOUBLE_CONTACT` of the median step time after the
    other foot's contact (the feet "landing together"), a stance under
    :data:`SHORT_STANCE` of the median stance, or a walking stance under
    :data:`MIN_WALK_STANCE_S`: each holds a spurious or a missed event.
    """
    kept = [
        replace(s, complete=False) if together else s
        for s, together in zip(steps, _together(steps), strict=True)
    ]
    stances = [s.toe_off - s.contact for s in kept if s.complete and s.toe_off is not None]
    short = SHORT_STANCE * float(np.median(stances)) if len(stances) >= 3 else 0.0
    if test == "walk":
        short = max(short, MIN_WALK_STANCE_S * fps)
    return [
        replace(s, complete=False) if s.toe_off is not None and s.toe_off - s.contact < short
        else s
        for s in kept
    ]  # fmt: skip


def _glides(steps: list[Step]) -> list[Step]:
    """Skating: the single-leg part of each stance (the other skate in the air).

    ``steps`` in time order. One foot's stances do not overlap (each toe-off
    comes before that foot's next contact), so only the other skate's last
    stance before this contact can still be on the ice when this one lands,
    and only its next contact can come before this one lifts: linear time.
    """
    contacts: dict[Side, list[int]] = {side: [] for side in SIDES}
    offs: dict[Side, list[int | None]] = {side: [] for side in SIDES}
    for s in steps:
        contacts[s.side].append(s.contact)
        offs[s.side].append(s.toe_off)
    at = {side: np.asarray(contacts[side], dtype=np.int64) for side in SIDES}
    out = []
    for s in steps:
        if s.toe_off is None:
            out.append(s)
            continue
        o = OTHER[s.side]
        start, end = s.contact, s.toe_off
        before = int(np.searchsorted(at[o], s.contact, side="left")) - 1
        if before >= 0 and (off := offs[o][before]) is not None and s.contact <= off:
            start = max(start, off)  # the other skate lifts off after this one lands
        after = int(np.searchsorted(at[o], s.contact, side="right"))
        if after < len(at[o]) and at[o][after] <= s.toe_off:
            end = min(end, int(at[o][after]))  # the other skate lands before this one lifts
        out.append(replace(s, midstance=(start + end) // 2, glide=(start, end)))
    return out


def find_steps(sig: GaitSignals, /, *, test: str, walk_stance: bool = True) -> list[Step]:
    """Every stance phase of both feet in time order; raises when there are none.

    ``walk_stance=False`` skips the walking minimum stance (:data:`MIN_WALK_STANCE_S`),
    for telling running from walking before the test is known.
    """
    if sig.view not in FRONTAL_VIEWS + SAGITTAL_VIEWS:
        raise InsufficientDataError(
            f"gait events need a front, rear or side view; the camera view is {sig.view}"
        )
    bridge = max(1, int(MAX_BRIDGE_S * sig.fps))
    method = _frontal_steps if sig.view in FRONTAL_VIEWS else _side_steps
    before = max(1, int(SEEN_BEFORE_S * sig.fps))
    steps: list[Step] = []
    for side in SIDES:
        raw = sig.foot[side][:, 0] + sig.foot[side][:, 1]
        for contact, toe_off, back in method(sig, side, bridge=bridge, stride=_min_stride(test)):
            if toe_off is not None:
                stance = (toe_off - contact) / sig.fps
                if not STANCE_S[0] <= stance <= STANCE_S[1]:
                    toe_off = None
            end = toe_off if toe_off is not None else contact
            # the foot must be seen through the stance and just before the contact
            gap = contact < before or not np.isfinite(raw[contact - before : end + 1]).all()
            complete = toe_off is not None and not gap and not back
            mid = _midstance(sig, contact, toe_off, test) if toe_off is not None else contact
            steps.append(Step(side, contact, toe_off, mid, complete, backward=back))
    steps = _drop_outlier_stances(steps)
    steps.sort(key=lambda s: s.contact)
    steps = _drop_double_contacts(steps, sig.fps, test if walk_stance else "")
    if test == "skate":
        steps = _glides(steps)
    if not any(s.complete for s in steps):
        stances = [(s.toe_off - s.contact) / sig.fps for s in steps if s.toe_off is not None]
        if walk_stance and test == "walk" and stances and max(stances) < MIN_WALK_STANCE_S:
            raise InsufficientDataError(
                f"no complete step was found: every stance lasted under {MIN_WALK_STANCE_S} s "
                f"(the longest {max(stances):.2f} s), too short for walking; if this is "
                "running, name it with --test run"
            )
        why = (
            " (the person walks backwards, or the clip plays in reverse)"
            if steps and sum(s.backward for s in steps) > len(steps) / 2
            else " (found contacts but no toe-offs)"
            if steps and not any(s.toe_off is not None for s in steps)
            else " (found contacts, but no step was complete)"
            if steps
            else ""
        )
        raise InsufficientDataError(
            "no complete step was found: the feet never clearly landed and lifted off" + why
        )
    share = alternation(steps, sig.fps)
    if len(steps) >= 3 and share < MIN_ALTERNATION:
        raise InsufficientDataError(
            "no complete step was found: the feet landed together or one foot repeatedly, "
            f"not alternately ({share:.0%} of contacts changed foot), so this does "
            "not look like walking, running or skating"
        )
    return steps


def step_rate(contacts_s: FloatArray, feet: Sequence[str] | None = None) -> float | None:
    """Cadence (steps/min) from contact times, by the mean of the regular intervals.

    With ``feet`` (the foot of each contact), the intervals are each foot's
    strides (contact to contact of the same foot, two steps): a contact found a
    frame or two early or late moves one step's time a lot, a stride's little.
    Without it, or with fewer than two strides, the contact-to-contact steps are
    used. Intervals outside half to 1.5 times the median (a missed or an extra
    contact) are left out; the mean of the rest is not limited to whole frames
    as a median would be (at 30 fps one frame is 10% of a running step).
    """
    t = np.asarray(contacts_s, dtype=float)
    strides = (
        np.concatenate([np.diff(np.sort(t[np.asarray(feet) == f])) for f in set(feet)])
        if feet is not None and len(feet) == len(t)
        else np.array([])
    )
    per, gaps = (2, strides) if strides.size >= 2 else (1, np.diff(np.sort(t)))
    if len(gaps) < 2:
        return None
    median = float(np.median(gaps))
    regular = gaps[(gaps > 0.5 * median) & (gaps < 1.5 * median)]
    return 60.0 * per * len(regular) / float(regular.sum()) if median > 0 and regular.size else None


def is_glide(step: Step, fps: float) -> bool:
    """Skating: does this stance hold a single-leg glide longer than a running stance?"""
    return step.glide is not None and (step.glide[1] - step.glide[0]) / fps >= MIN_GLIDE_S


def alternation(steps: list[Step], fps: float) -> float:
    """Share of consecutive contacts that change foot, not at the same moment (1.0 for gait)."""
    if len(steps) < 2:
        return 1.0
    apart = max(1, int(MIN_STEP_S * fps))
    pairs = zip(steps, steps[1:], strict=False)
    return float(np.mean([a.side == OTHER[b.side] and b.contact - a.contact > apart
                          for a, b in pairs]))  # fmt: skip


#: Recognising gait (``--test auto``): at least this many contacts per foot (not landing
#: with the other foot, not walking backwards) and a complete step on each foot, this
#: share of alternating contacts (derived; stricter than for a named test).
AUTO_MIN_STEPS = 3
AUTO_ALTERNATION = 0.8
#: Steps per minute from which a gait counts as running (derived: walking is usually
#: 90-130 steps/min, running 150-190).
RUN_CADENCE = 140.0


def recognise_gait(sig: GaitSignals, /) -> tuple[str, str] | None:
    """``("run" | "walk", evidence)`` when the clip shows alternating steps, else None.

    Running or walking is told by cadence (:data:`RUN_CADENCE`): flight phases and
    duty factor would be the textbook signs, but 2D toe-offs are too uncertain for
    them. Skating must be named.
    """
    try:
        steps = find_steps(sig, test="walk", walk_stance=False)
    except InsufficientDataError:
        return None
    done = [s for s in steps if s.complete]
    # a contact whose toe-off was missed is still a step: count contacts, not stances
    real = [s for s, t in zip(steps, _together(steps), strict=True) if not t and not s.backward]
    per_side = [sum(s.side == side for s in real) for side in SIDES]
    done_side = [sum(s.side == side for s in done) for side in SIDES]
    if (
        min(per_side) < AUTO_MIN_STEPS
        or min(done_side) < 1
        or alternation(real, sig.fps) < AUTO_ALTERNATION
    ):
        return None
    contacts = np.array([s.contact for s in steps], dtype=float) / sig.fps
    cadence = step_rate(contacts, [s.side for s in steps]) or 0.0
    test = "run" if cadence >= RUN_CADENCE else "walk"
    return test, (
        f"{len(real)} alternating contacts ({len(done)} complete steps) at {cadence:.0f} steps/min"
    )
