"""Position-sense tests with the camera as the ruler (science.md §6: Mizuno et al. 2021
related valgus at landing to how inaccurately people sense their knee position).

**Knee over the second toe** (Mizuno's protocol): squat to the usual depth, close the eyes,
place both knees where they feel over the second toe, hold still. The camera measures where
each knee really is against its toe (the ``foot_index`` keypoint, the second toe's
landmark), in % of leg length, + inside. Three trials.

**Active angle reproduction** (seen from the side): bend the knee to a target (30° or 60°
of flexion) with the eyes open, then with them closed reproduce it and hold 5 s; 2-3
trials. The 2D knee bend from the side is the flexion angle.

A trial is a still hold: :data:`HOLD_S` seconds with the knees moving less than
:data:`STILL_PCT` of leg length (angle test: :data:`STILL_DEG`), read as the median over
its last second. Scores (Schmidt & Lee's error measures, as in joint-position-sense
research): absolute error AE = mean |trial − target|; constant error CE = mean (trial −
target), the bias; variable error VE = SD of the trials. Both are **screening tests**:
the evidence links poorer knee position sense to more valgus, not a cut-off to injury, and a
difference between two tests counts only beyond the measure's noise.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from kneecoach.core.schema import SIDES, Side
from kneecoach.live.reps import still

Kind = Literal["knee_over_toe", "angle_30", "angle_60"]
KINDS: dict[Kind, str] = {
    "knee_over_toe": "knee over the second toe, eyes closed",
    "angle_30": "knee bend to 30°, eyes closed",
    "angle_60": "knee bend to 60°, eyes closed",
}
#: how long a hold must be still to count (derived: Mizuno's participants held ~3 s; the
#: angle protocol asks 5 s, of which the last 2 are read)
HOLD_S = 2.0
#: still: the knee moves less than this (% of leg length) over the hold
STILL_PCT = 1.5
STILL_DEG = 3.0
#: a knee-over-toe trial needs the hips this far below standing (% of leg length)
SQUATTED_PCT = 10.0
TRIALS = 3
#: the position-sense trial's noise: kneecoach's floor of the knee-over-foot noise
#: (no published noise exists for this keypoint measure, science.md §1.5)
NOISE_PCT = 2.0
SOURCE = "science.md §6 (Mizuno et al. 2021); errors as in Schmidt & Lee, Motor Control"


@dataclass(frozen=True)
class Trial:
    """One still hold: when, and where each knee was (against the target)."""

    index: int
    start_s: float
    end_s: float
    #: knee over toe: each knee's offset from its toe, % of leg length (+ inside);
    #: angle: each knee's bend, degrees
    value: dict[Side, float | None]


@dataclass(frozen=True)
class SenseResult:
    """A position-sense test scored."""

    kind: Kind
    target: float
    unit: str
    trials: list[Trial]
    #: per knee: absolute, constant and variable error (None: not measured)
    absolute_error: dict[Side, float | None]
    constant_error: dict[Side, float | None]
    variable_error: dict[Side, float | None]
    noise: float

    def text(self) -> str:
        parts = []
        for side in SIDES:
            ae, ce = self.absolute_error[side], self.constant_error[side]
            if ae is None or ce is None:
                continue
            way = ("inside" if ce > 0 else "outside") if self.kind == "knee_over_toe" else (
                "more bent" if ce > 0 else "straighter")  # fmt: skip
            parts.append(f"{side} knee off by {ae:.1f}{self.unit} on average "
                         f"({abs(ce):.1f}{self.unit} {way} than aimed)")  # fmt: skip
        if not parts:
            return "No trial could be read: hold still for two seconds, the legs in the picture."
        near = all((e or 0) <= self.noise for e in self.absolute_error.values())
        verdict = (f"within the measure's noise (±{self.noise:.1f}{self.unit}): no sign of an "
                   "inaccurate sense" if near else f"beyond the measure's noise (±{self.noise:.1f}"
                   f"{self.unit})")  # fmt: skip
        return f"{'; '.join(parts)}: {verdict}. A screening test, not a diagnosis."

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind, "label": KINDS[self.kind], "target": self.target,
            "unit": self.unit,
            "trials": [{"index": t.index, "start_s": round(t.start_s, 2),
                        "end_s": round(t.end_s, 2),
                        **{s: _r(t.value[s]) for s in SIDES}} for t in self.trials],
            **{f"{m}_{s}": _r(getattr(self, m)[s]) for m in
               ("absolute_error", "constant_error", "variable_error") for s in SIDES},
            "noise": self.noise, "source": SOURCE, "text": self.text(),
        }  # fmt: skip


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def score(kind: Kind, trials: list[Trial]) -> SenseResult:
    """AE, CE and VE per knee over ``trials``."""
    target = {"knee_over_toe": 0.0, "angle_30": 30.0, "angle_60": 60.0}[kind]
    unit = "% of leg length" if kind == "knee_over_toe" else "°"
    ae: dict[Side, float | None] = {}
    ce: dict[Side, float | None] = {}
    ve: dict[Side, float | None] = {}
    for side in SIDES:
        values = [v - target for t in trials if (v := t.value[side]) is not None]
        ae[side] = statistics.fmean(abs(v) for v in values) if values else None
        ce[side] = statistics.fmean(values) if values else None
        ve[side] = statistics.stdev(values) if len(values) >= 2 else None
    noise = NOISE_PCT if kind == "knee_over_toe" else STILL_DEG
    return SenseResult(kind, target, unit, trials, ae, ce, ve, noise)


@dataclass
class HoldDetector:
    """Finds still holds in a stream of frames; each is one trial."""

    kind: Kind = "knee_over_toe"
    trials: list[Trial] = field(default_factory=list)
    _window: deque[tuple[float, dict[Side, float | None]]] = field(default_factory=deque)
    _holding_since: float | None = None

    @property
    def done(self) -> bool:
        return len(self.trials) >= TRIALS

    def update(
        self, t_s: float, value: dict[Side, float | None], depth_pct: float | None
    ) -> Trial | None:
        """Take one frame (``value``: each knee's offset from its toe, or its bend); the
        trial a finished hold makes, if any (a hold ends when the knees move again)."""
        squatted = self.kind != "knee_over_toe" or (depth_pct or 0) >= SQUATTED_PCT
        seen = [v for v in value.values() if v is not None]
        if not squatted or not seen:
            return self._end(t_s)
        self._window.append((t_s, value))
        limit = STILL_PCT if self.kind == "knee_over_toe" else STILL_DEG
        while self._window and not still(self._window, limit):
            self._window.popleft()
        if self._window and self._holding_since is None:
            self._holding_since = self._window[0][0]
        if not self._window:
            return self._end(t_s)
        return None

    def _end(self, t_s: float) -> Trial | None:
        window, self._window = list(self._window), deque()
        self._holding_since = None
        if not window or window[-1][0] - window[0][0] < HOLD_S or self.done:
            return None
        last = [v for t, v in window if t >= window[-1][0] - 1.0]  # the hold's last second
        median: dict[Side, float | None] = {}
        for side in SIDES:
            values = [x for v in last if (x := v[side]) is not None]
            median[side] = statistics.median(values) if values else None
        trial = Trial(len(self.trials) + 1, window[0][0], window[-1][0], median)
        self.trials.append(trial)
        return trial

    def holding_s(self, t_s: float) -> float:
        """How long the current hold has been still (0: none)."""
        return 0.0 if self._holding_since is None else t_s - self._holding_since
