"""Counting reps from the live signal, and each rep's numbers.

A rep starts when the hips have dropped :data:`DOWN_PCT` of leg length below their
standing height and ends when they are back within :data:`UP_PCT` (two thresholds, so
jitter at one never counts twice). Derived, not published: a squat to the single-leg-squat
protocol's 45-60° of knee flexion lowers the hips by roughly a fifth of the leg's length or
more, and standing sway moves them by 1-2%.

Per rep: its depth (the largest hip drop), each knee's furthest inside its foot, and the
share of its frames with no knee inside (time in line).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kneecoach.core.schema import SIDES, Side

DOWN_PCT = 10.0
UP_PCT = 5.0


def still(window: Iterable[tuple[float, Mapping[Side, float | None]]], limit: float) -> bool:
    """Whether each knee's values over ``window`` (time, per-knee value) stay within
    ``limit`` of each other (a knee never seen is no evidence of moving)."""
    frames = list(window)
    for side in SIDES:
        values = [x for _, v in frames if (x := v[side]) is not None]
        if values and max(values) - min(values) > limit:
            return False
    return True


@dataclass
class KneeLine:
    """The knee line over a rep or a hold: each knee's furthest inside its foot, and how
    many frames had no knee inside."""

    worst: dict[Side, float | None] = field(default_factory=lambda: dict.fromkeys(SIDES))
    frames: int = 0
    in_line: int = 0

    def add(self, over: Mapping[Side, float | None], inside: Mapping[Side, bool]) -> None:
        self.frames += 1
        self.in_line += not any(inside.values())
        for side in SIDES:
            v, w = over[side], self.worst[side]
            if v is not None:
                self.worst[side] = v if w is None else max(w, v)

    @property
    def share(self) -> float | None:
        """The share of frames with no knee inside (None: no frame yet)."""
        return self.in_line / self.frames if self.frames else None


def worst_json(worst: Mapping[Side, float | None]) -> dict[str, float | None]:
    """Each knee's furthest inside its foot, as the live messages and the journal name it."""
    return {f"worst_knee_over_foot_{s}_pct": None if (v := worst[s]) is None else round(v, 1)
            for s in SIDES}  # fmt: skip


@dataclass(frozen=True)
class LiveRep:
    """One rep as the trainer saw it."""

    index: int
    start_s: float
    end_s: float
    #: the largest hip drop below standing, % of leg length
    depth_pct: float
    #: per knee, the furthest inside its foot (% of leg length; None: not seen)
    worst_knee_over_foot_pct: dict[Side, float | None]
    #: share of the rep's frames with neither knee inside its foot
    in_line_share: float

    def to_json(self) -> dict[str, object]:
        return {
            "index": self.index, "start_s": round(self.start_s, 3),
            "end_s": round(self.end_s, 3), "depth_pct": round(self.depth_pct, 1),
            **worst_json(self.worst_knee_over_foot_pct),
            "in_line_share": round(self.in_line_share, 2),
        }  # fmt: skip


@dataclass
class RepCounter:
    """Reps of one set, counted frame by frame."""

    down_pct: float = DOWN_PCT
    up_pct: float = UP_PCT
    reps: list[LiveRep] = field(default_factory=list)
    _start: float | None = None
    _depth: float = 0.0
    _line: KneeLine = field(default_factory=KneeLine)

    @property
    def in_rep(self) -> bool:
        return self._start is not None

    def update(
        self, t_s: float, depth: float | None, over: dict[Side, float | None],
        inside: dict[Side, bool],
    ) -> LiveRep | None:  # fmt: skip
        """Take one frame (``depth``: its hip drop, % of leg length); the rep it completes."""
        if self._start is None:
            if depth is None or depth < self.down_pct:
                return None
            self._start, self._depth, self._line = t_s, 0.0, KneeLine()
        self._line.add(over, inside)
        if depth is not None:
            self._depth = max(self._depth, depth)
        if depth is None or depth > self.up_pct:
            return None
        rep = LiveRep(len(self.reps) + 1, self._start, t_s, self._depth,
                      dict(self._line.worst), self._line.share or 0.0)  # fmt: skip
        self.reps.append(rep)
        self._start = None
        return rep

    def reset(self) -> None:
        """A new set."""
        self.reps.clear()
        self._start = None


#: A timed set counts the time the knees are held still: moving less than this (% of leg
#: length) over :data:`STILL_WINDOW_S`. Derived: standing sway moves the knee 1-2%.
HOLD_STILL_PCT = 3.0
STILL_WINDOW_S = 0.5


@dataclass
class HoldTimer:
    """A timed set (a dosage in seconds, e.g. 1 × 60 s): the time held in position, and the
    knee line over it."""

    target_s: float
    held_s: float = 0.0
    _last_t: float | None = None
    _recent: list[tuple[float, dict[Side, float | None]]] = field(default_factory=list)
    _line: KneeLine = field(default_factory=KneeLine)

    @property
    def done(self) -> bool:
        return self.held_s >= self.target_s

    def update(
        self, t_s: float, knees: dict[Side, float | None], over: dict[Side, float | None],
        inside: dict[Side, bool],
    ) -> None:  # fmt: skip
        """Take one frame (``knees``: each knee's x in % of leg length)."""
        dt_s = 0.0 if self._last_t is None else min(t_s - self._last_t, 0.5)
        self._last_t = t_s
        self._recent = [(t, k) for t, k in self._recent if t >= t_s - STILL_WINDOW_S]
        self._recent.append((t_s, knees))
        seen = all(k is not None for k in knees.values())
        if not seen or not still(self._recent, HOLD_STILL_PCT) or self.done:
            return
        self.held_s += dt_s
        self._line.add(over, inside)

    def to_json(self) -> dict[str, object]:
        return {
            "target_s": self.target_s, "held_s": round(self.held_s, 1), "done": self.done,
            **worst_json(self._line.worst),
            "in_line_share": None if (share := self._line.share) is None else round(share, 2),
        }  # fmt: skip
