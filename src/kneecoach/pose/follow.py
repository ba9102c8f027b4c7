"""Follow one person consistently when several are visible.

BlazePose finds one person per image. To choose whom to follow, the first
frame with anyone in it is searched repeatedly, greying out each person found,
to list everyone visible; one is chosen by the selection rule (largest by
default). Every following frame is then cropped to a region around that
person's last pose before the model sees it, so a bystander elsewhere in the
image cannot take over, and a pose that jumps implausibly far in one frame is
rejected as a different person.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from kneecoach.core.errors import InputError
from kneecoach.pose.base import Image, PoseEstimator, PoseResult

Box = tuple[float, float, float, float]
SELECT_RULES = ("largest", "central", "left", "right")


def parse_select(rule: str) -> str | tuple[float, float]:
    """Validate a ``--person-select`` value: a rule name or an ``X,Y`` pixel."""
    if rule in SELECT_RULES:
        return rule
    try:
        x, y = (float(v) for v in rule.split(","))
    except ValueError:
        raise InputError(
            f"--person-select: expected one of {', '.join(SELECT_RULES)} or X,Y pixels, "
            f"got {rule!r}"
        ) from None
    return x, y


def choose_person(
    boxes: list[Box], /, *, rule: str | tuple[float, float], image_size: tuple[int, int]
) -> int:
    """Index of the box chosen by ``rule`` among people found in one image."""
    if not boxes:
        raise ValueError("no people to choose from")
    w, h = image_size
    centres = [((b[0] + b[2]) / 2, (b[1] + b[3]) / 2) for b in boxes]
    if rule == "largest":
        scores = [-(b[2] - b[0]) * (b[3] - b[1]) for b in boxes]
    elif rule == "central":
        scores = [np.hypot(cx - w / 2, cy - h / 2) for cx, cy in centres]
    elif rule == "left":
        scores = [cx for cx, _ in centres]
    elif rule == "right":
        scores = [-cx for cx, _ in centres]
    elif isinstance(rule, tuple):
        px, py = rule
        scores = [np.hypot(cx - px, cy - py) for cx, cy in centres]
    else:
        raise ValueError(f"unknown rule {rule!r}")
    return int(np.argmin(scores))


def expand_box(box: Box, /, *, margin: float, image_size: tuple[int, int], min_frac: float) -> Box:
    """Grow ``box`` by ``margin`` × its size on every side, at least ``min_frac`` of the image."""
    w, h = image_size
    x0, y0, x1, y1 = box
    bw = max(x1 - x0, min_frac * w)
    bh = max(y1 - y0, min_frac * h)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    half_w, half_h = bw * (0.5 + margin), bh * (0.5 + margin)
    return (max(0.0, cx - half_w), max(0.0, cy - half_h), min(w, cx + half_w), min(h, cy + half_h))


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


class PersonFollower:
    """A :class:`PoseEstimator` that finds, chooses and follows one person."""

    name = "mediapipe"
    max_people = 4
    margin = 0.35  # crop margin around the last pose, × its size on each side
    max_jump = 0.6  # largest plausible move of the body centre per frame, × body height

    def __init__(
        self,
        make_estimator: Callable[[bool], PoseEstimator],
        *,
        select: str = "largest",
    ) -> None:
        self._make = make_estimator
        self._rule = parse_select(select)
        self._select_text = select
        self._tracker: PoseEstimator | None = None
        self._roi: Box | None = None
        self._last: PoseResult | None = None
        self.people_found = 0
        self.note = "no person found yet"

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Pose of the followed person in a full frame, in full-frame pixels."""
        size = (image.shape[1], image.shape[0])
        if self._roi is None:
            self._roi = self._select(image)
            if self._roi is None:
                return None
        x0, y0, x1, y1 = (int(round(v)) for v in self._roi)
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        tracker = self._tracker = self._tracker or self._make(False)
        found = tracker.estimate(crop)
        pose = found.shifted(x0, y0) if found is not None else None
        if pose is not None and self._last is not None and self._jumped(self._last, pose):
            pose = None
        if pose is None:
            self._roi = expand_box(self._roi, margin=0.15, image_size=size, min_frac=0.0)
            return None
        self._last = pose
        new_roi = expand_box(pose.bbox(), margin=self.margin, image_size=size, min_frac=0.2)
        if iou(new_roi, self._roi) < 0.8:
            self._roi = new_roi
        return pose

    def _jumped(self, before: PoseResult, after: PoseResult) -> bool:
        b0, b1 = before.bbox(), after.bbox()
        height = max(b0[3] - b0[1], 1.0)
        shift = np.hypot((b1[0] + b1[2] - b0[0] - b0[2]) / 2, (b1[1] + b1[3] - b0[1] - b0[3]) / 2)
        return bool(shift > self.max_jump * height)

    def _select(self, image: Image) -> Box | None:
        """List the people in ``image`` and return the crop box of the chosen one."""
        finder = self._make(True)
        masked = image.copy()
        boxes: list[Box] = []
        size = (image.shape[1], image.shape[0])
        try:
            while len(boxes) < self.max_people:
                pose = finder.estimate(masked)
                if pose is None:
                    break
                box = pose.bbox()
                boxes.append(box)
                gx0, gy0, gx1, gy1 = (
                    int(v) for v in expand_box(box, margin=0.1, image_size=size, min_frac=0.0)
                )
                masked[gy0:gy1, gx0:gx1] = 128
        finally:
            finder.close()
        if not boxes:
            return None
        chosen = choose_person(boxes, rule=self._rule, image_size=size)
        self.people_found = len(boxes)
        x0, y0, x1, y1 = (round(v) for v in boxes[chosen])
        self.note = (
            f"{len(boxes)} people found in the first frame with a person; following the one "
            f"chosen by --person-select {self._select_text} (box x {x0}-{x1}, y {y0}-{y1} px)"
            if len(boxes) > 1
            else "one person found; following them"
        )
        return expand_box(boxes[chosen], margin=self.margin, image_size=size, min_frac=0.2)

    def close(self) -> None:
        """Release the models."""
        if self._tracker is not None:
            self._tracker.close()
