"""The live loop's one step: a camera frame in; keypoints, the live measures and the cue out.

Measures (image units, subject's left and right; science.md §1.5 and §2.1):

* ``knee_over_foot_<side>_pct``: how far the knee is inside (+) or outside (−) its foot,
  midfoot to toe, in % of the leg's length (hip to ankle, its longest seen so far: standing);
* ``knee_flexion_<side>_deg``: the 2D bend of the hip-knee-ankle line (0 = straight; from
  the front it mixes flexion and valgus, so it only paces reps, it is not a joint angle);
* ``pelvic_obliquity_deg``: the pelvis line from horizontal, + when the right hip is lower;
* ``depth_pct``: how far the hips are below their standing height (the highest seen), in %
  of leg length: what reps are counted on (:mod:`kneecoach.live.reps`).

The cue per knee (science.md §6.3: a skeleton that changes colour with the knee, and an
external focus, "knee toward the line"): ``in line``, ``drifting`` (beyond half the
threshold), ``inside`` (beyond the threshold), or ``unseen``. The threshold is what the
person's last assessment could not tell from noise (its ``knee_over_foot_noise_pct``), else
the floor of that noise, :data:`~kneecoach.metrics.frames.KNEE_OVER_FOOT_NOISE_FLOOR_PCT`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from kneecoach.core.schema import BROWSER_DRAWN, KEYPOINTS, OTHER, SIDES, Side
from kneecoach.live.reps import HoldTimer, LiveRep, RepCounter
from kneecoach.live.sense import TRIALS, HoldDetector
from kneecoach.live.smoothing import FloatArray, OneEuroFilter
from kneecoach.metrics.frames import KNEE_OVER_FOOT_NOISE_FLOOR_PCT
from kneecoach.metrics.geometry import (
    deviation_deg,
    knee_over_foot,
    medial_sign,
    pelvic_obliquity_deg,
)
from kneecoach.pose.base import Image, PoseEstimator

if TYPE_CHECKING:
    from kneecoach.assessment.model import Assessment

Cue = Literal["in line", "drifting", "inside", "unseen"]
_INDEX = {name: i for i, name in enumerate(KEYPOINTS)}
#: Below this confidence a keypoint is treated as not seen (MediaPipe's visibility; the
#: offline default, science.md §8).
MIN_CONFIDENCE = 0.5
#: What the person is told, per cue (an external focus: the line on the screen).
MESSAGES: dict[Cue, str] = {
    "inside": "knee toward the line",
    "drifting": "keep the knee over the line",
    "in line": "good: knee over the line",
    "unseen": "step back until both feet are in the picture",
}


def live_pose() -> PoseEstimator:
    """BlazePose on whole frames in tracking mode (the person is followed frame to frame)."""
    from kneecoach.pose.mediapipe import MediaPipePose

    return MediaPipePose(static_image_mode=False)


@dataclass(frozen=True)
class Thresholds:
    """When a knee counts as inside its foot, in % of leg length, and why."""

    inside_pct: float = KNEE_OVER_FOOT_NOISE_FLOOR_PCT
    source: str = (
        "kneecoach's floor of the knee-over-foot noise (science.md §1.5 has no published "
        "noise for this keypoint measure; README Accuracy)"
    )

    @classmethod
    def of(cls, assessment: Assessment | None) -> Thresholds:
        """From the person's last assessment: the larger of its knees' noise (what that clip
        could not tell from noise); the default without one."""
        noises = [s.knee_over_foot_noise_pct for s in (assessment.sides.values()
                  if assessment is not None else ()) if s.knee_over_foot_noise_pct]  # fmt: skip
        if not noises:
            return cls()
        return cls(max(noises), "the knee-over-foot noise of the last assessment")

    @property
    def drifting_pct(self) -> float:
        return self.inside_pct / 2

    def cue(self, value: float | None) -> Cue:
        if value is None:
            return "unseen"
        if value > self.inside_pct:
            return "inside"
        return "drifting" if value > self.drifting_pct else "in line"


@dataclass(frozen=True)
class LiveReading:
    """One frame's answer (what ``/api/live`` sends back; docs/live-protocol.md)."""

    #: the client's timestamp, echoed (ms), so it can time camera → overlay
    t: float | None
    #: keypoint → (x, y, confidence) in the frame's pixels, subject's left and right
    keypoints: dict[str, tuple[float, float, float]]
    knee_over_foot_pct: dict[Side, float | None]
    knee_flexion_deg: dict[Side, float | None]
    pelvic_obliquity_deg: float | None
    cue: dict[Side, Cue]
    depth_pct: float | None = None
    #: each knee's horizontal offset from its toe (the second toe's landmark), % of leg
    #: length, + inside: what the knee position-sense test reads (:mod:`kneecoach.live.sense`)
    knee_to_toe_pct: dict[Side, float | None] = field(default_factory=dict)
    #: in a timed set: the time held and the knee line over it (None: reps are counted)
    hold: dict[str, object] | None = None
    #: in a position-sense test: how long the current hold has been still, the trials so far,
    #: and the trial this frame completed (None: not testing)
    sense: dict[str, object] | None = None
    #: how long the server took for this frame (pose and measures), ms
    server_ms: float = 0.0
    #: reps counted in this set so far, and whether one is under way
    reps: int = 0
    in_rep: bool = False
    #: the rep this frame completed (None: none)
    rep: LiveRep | None = None
    #: whether this rep gets feedback (fading: not every rep does); the cue is measured anyway
    feedback: bool = True

    @property
    def message(self) -> str:
        """The one cue to show: the worse knee's."""
        order: tuple[Cue, ...] = ("inside", "drifting", "in line", "unseen")
        return MESSAGES[next(c for c in order if c in self.cue.values())]

    def to_json(self) -> dict[str, object]:
        return {
            "t": self.t, "server_ms": round(self.server_ms, 1),
            "keypoints": {k: [round(x, 1), round(y, 1), round(c, 2)]
                          for k, (x, y, c) in self.keypoints.items()},
            **{f"knee_over_foot_{s}_pct": _r(self.knee_over_foot_pct[s]) for s in SIDES},
            **{f"knee_flexion_{s}_deg": _r(self.knee_flexion_deg[s]) for s in SIDES},
            "pelvic_obliquity_deg": _r(self.pelvic_obliquity_deg),
            "depth_pct": _r(self.depth_pct),
            "cue": dict(self.cue), "message": self.message,
            "reps": self.reps, "in_rep": self.in_rep,
            "rep": None if self.rep is None else self.rep.to_json(),
            "feedback": self.feedback, "sense": self.sense, "hold": self.hold,
        }  # fmt: skip


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _value(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


@dataclass
class LiveTracker:
    """Frames of one camera, in order: the pose model in tracking mode, causal smoothing."""

    estimator: PoseEstimator
    thresholds: Thresholds = field(default_factory=Thresholds)
    smoother: OneEuroFilter = field(default_factory=OneEuroFilter)
    #: each leg's longest hip-ankle length seen (standing), pixels
    leg_px: dict[Side, float] = field(default_factory=dict)
    counter: RepCounter = field(default_factory=RepCounter)
    #: the hips' highest point seen (image y, pixels): standing
    standing_y: float | None = None
    #: feedback on every how many reps (1: all; :mod:`kneecoach.program.fading`)
    feedback_every: int = 1
    #: a position-sense test under way (None: training)
    sense: HoldDetector | None = None
    #: a timed set under way (a hold exercise; None: reps are counted)
    hold: HoldTimer | None = None

    def process(self, image: Image, t_s: float, *, echo: float | None = None) -> LiveReading:
        """The reading of ``image``, taken at ``t_s`` seconds (the camera's clock)."""
        pose = self.estimator.estimate(image)
        xy = np.full((len(KEYPOINTS), 2), np.nan)
        conf = np.zeros(len(KEYPOINTS))
        if pose is not None:
            conf = np.nan_to_num(np.asarray(pose.confidence, dtype=float), nan=0.0)
            xy = np.where((conf >= MIN_CONFIDENCE)[:, None], pose.xy, np.nan)
        xy = self.smoother(xy, t_s)
        reading = self.read(xy, conf, echo=echo)
        inside = {s: c == "inside" for s, c in reading.cue.items()}
        rep = None  # a timed set is held, not counted
        if self.hold is None:
            rep = self.counter.update(t_s, reading.depth_pct, reading.knee_over_foot_pct, inside)
        n = len(self.counter.reps)
        current = n - 1 if rep is not None else n  # 0-based: the rep this frame belongs to
        shown = current % max(self.feedback_every, 1) == 0
        reading = replace(reading, reps=n, in_rep=self.counter.in_rep, rep=rep, feedback=shown)
        if self.hold is not None:
            knees = {s: self._knee_x_pct(xy, s) for s in SIDES}
            self.hold.update(t_s, knees, reading.knee_over_foot_pct, inside)
            reading = replace(reading, hold=self.hold.to_json())
        return self._sensed(reading, t_s) if self.sense is not None else reading

    def _knee_x_pct(self, xy: FloatArray, side: Side) -> float | None:
        """The knee's image x in % of its leg's length (how a hold's stillness is judged)."""
        leg = self.leg_px.get(side)
        x = float(xy[_INDEX[f"{side}_knee"], 0])
        return 100 * x / leg if leg and np.isfinite(x) else None

    def _sensed(self, reading: LiveReading, t_s: float) -> LiveReading:
        """The position-sense test's view of this frame: the hold, and a finished trial."""
        assert self.sense is not None
        value = (reading.knee_to_toe_pct if self.sense.kind == "knee_over_toe"
                 else reading.knee_flexion_deg)  # fmt: skip
        trial = self.sense.update(t_s, value, reading.depth_pct)
        done: dict[str, object] | None = None
        if trial is not None:
            done = {"index": trial.index}
            done |= {s: None if (v := trial.value[s]) is None else round(v, 2) for s in SIDES}
        state: dict[str, object] = {
            "kind": self.sense.kind,
            "holding_s": round(self.sense.holding_s(t_s), 2),
            "trials": len(self.sense.trials),
            "needed": TRIALS,
            "trial": done,
        }
        return replace(reading, sense=state, feedback=False)  # eyes closed: nothing shown

    def read(self, xy: FloatArray, conf: FloatArray, *, echo: float | None = None) -> LiveReading:
        """The measures and cues of smoothed keypoints ``xy`` (keypoints × 2, NaN unseen)."""

        def at(name: str) -> FloatArray:
            return np.asarray(xy[_INDEX[name]][None, :], dtype=np.float64)

        over: dict[Side, float | None] = {}
        bend: dict[Side, float | None] = {}
        to_toe: dict[Side, float | None] = {}
        for side in SIDES:
            hip, knee, ankle = at(f"{side}_hip"), at(f"{side}_knee"), at(f"{side}_ankle")
            length = float(np.linalg.norm(hip - ankle))
            if np.isfinite(length) and length > self.leg_px.get(side, 0.0):
                self.leg_px[side] = length
            leg = self.leg_px.get(side)
            toe, other = at(f"{side}_foot_index"), at(f"{OTHER[side]}_hip")
            offset = knee_over_foot(knee, ankle, toe, hip, other)[0]
            over[side] = _value(100 * offset / leg) if leg else None
            medial = medial_sign(hip, other)[0]
            to_toe[side] = _value(100 * medial * (knee[0, 0] - toe[0, 0]) / leg) if leg else None
            bend[side] = _value(float(deviation_deg(hip, knee, ankle)[0]))
        tilt = _value(float(pelvic_obliquity_deg(at("left_hip"), at("right_hip"))[0]))
        hip_y = float((at("left_hip")[0, 1] + at("right_hip")[0, 1]) / 2)
        if np.isfinite(hip_y) and (self.standing_y is None or hip_y < self.standing_y):
            self.standing_y = hip_y
        legs = [v for v in self.leg_px.values() if v > 0]
        depth = None
        if np.isfinite(hip_y) and self.standing_y is not None and legs:
            depth = 100 * (hip_y - self.standing_y) / (sum(legs) / len(legs))
        points = {
            name: (float(xy[_INDEX[name], 0]), float(xy[_INDEX[name], 1]),
                   float(conf[_INDEX[name]]))
            for name in BROWSER_DRAWN
            if np.isfinite(xy[_INDEX[name]]).all()
        }  # fmt: skip
        cues = {side: self.thresholds.cue(over[side]) for side in SIDES}
        return LiveReading(echo, points, over, bend, tilt, cues, depth, to_toe)
