"""Follow one person consistently when several are visible.

BlazePose finds one person per image. To choose whom to follow, the first
frame with anyone in it is searched repeatedly, greying out each person found,
to list everyone visible; one is chosen by the selection rule (largest by
default). Every following frame is then cropped to a region around that
person's last pose before the model sees it, so a bystander elsewhere in the
image cannot take over. A pose that jumps implausibly far, or grows or shrinks
implausibly, between frames is rejected (it is another person, or the model's
guess while the person is hidden), and so is one whose torso colours (a
hue-saturation histogram) differ from the chosen person's: while one person
passes in front of another, the model's estimate can slide smoothly from one
to the other, which only appearance reveals (checked when several people were
seen at the start: on a lone person in a small image the histograms are too
noisy to be worth the frames they would reject). After a rejection the model's
tracking is reset and the search box widens a little each frame until the
person is found again (after ``reacquire_after`` frames, anywhere in the picture).
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import numpy.typing as npt

from kneecoach.core.schema import KEYPOINTS
from kneecoach.core.settings import parse_select
from kneecoach.pose.base import Image, PoseEstimator, PoseResult

Box = tuple[float, float, float, float]


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


#: Indices of the shoulders and hips in a backend's canonical keypoint order.
TORSO = tuple(KEYPOINTS.index(k) for k in ("left_shoulder", "right_shoulder", "left_hip",
                                            "right_hip"))  # fmt: skip


def torso_signature(image: Image, pose: PoseResult) -> npt.NDArray[np.float32] | None:
    """Normalised hue-saturation histogram of the torso, or ``None`` if too small to tell."""
    pts = pose.xy[list(TORSO)]
    if not np.isfinite(pts).all():
        return None
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    cx, cy, hw, hh = (x0 + x1) / 2, (y0 + y1) / 2, (x1 - x0) * 0.35, (y1 - y0) * 0.35
    h, w = image.shape[:2]
    a, b = int(max(cx - hw, 0)), int(min(cx + hw, w))
    c, d = int(max(cy - hh, 0)), int(min(cy + hh, h))
    if b - a < 12 or d - c < 12:
        return None
    hsv = cv2.cvtColor(np.ascontiguousarray(image[c:d, a:b]), cv2.COLOR_RGB2HSV)
    hist = cv2.calcHist([hsv], [0, 1], None, [16, 8], [0, 180, 0, 256])
    hist = np.asarray(hist, dtype=np.float32)
    return hist / max(float(hist.sum()), 1.0)


def appearance_distance(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Bhattacharyya distance of two signatures: 0 identical, 1 nothing in common."""
    return float(cv2.compareHist(a, b, cv2.HISTCMP_BHATTACHARYYA))


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
    #: Largest plausible move of the body centre per frame, × body height. A sprinter
    #: (about 6 m/s) moves about 0.1 body height per frame at 30 fps.
    max_jump = 0.25
    max_growth = 1.5  # largest plausible change of body height per frame (ratio)
    max_appearance = 0.5  # largest torso-colour distance to the chosen person
    #: After this many frames without the person, the motion check is dropped so that
    #: someone who left the picture can be found again wherever they come back.
    reacquire_after = 15

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
        self._missed = 0
        self._signature: npt.NDArray[np.float32] | None = None
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
        if pose is not None and not self._same_person(image, pose):
            tracker.close()
            self._tracker = pose = None
        if pose is None:
            self._missed += 1
            self._roi = expand_box(self._roi, margin=0.15, image_size=size, min_frac=0.0)
            return None
        self._last, self._missed = pose, 0
        new_roi = expand_box(pose.bbox(), margin=self.margin, image_size=size, min_frac=0.2)
        if iou(new_roi, self._roi) < 0.8:
            self._roi = new_roi
        return pose

    def _same_person(self, image: Image, pose: PoseResult) -> bool:
        """Plausible motion from the last pose, and the chosen person's torso colours."""
        last, recent = self._last, self._missed < self.reacquire_after
        if last is not None and recent and not self._plausible(last, pose):
            return False
        signature = torso_signature(image, pose) if self.people_found > 1 else None
        if signature is None:
            return True
        if self._signature is None:
            self._signature = signature
            return True
        if appearance_distance(signature, self._signature) > self.max_appearance:
            return False
        self._signature = 0.9 * self._signature + 0.1 * signature
        return True

    def _plausible(self, before: PoseResult, after: PoseResult) -> bool:
        """Could ``after`` be the same person as ``before``, ``_missed`` frames later?"""
        b0, b1 = before.bbox(), after.bbox()
        h0, h1 = max(b0[3] - b0[1], 1.0), max(b1[3] - b1[1], 1.0)
        shift = np.hypot((b1[0] + b1[2] - b0[0] - b0[2]) / 2, (b1[1] + b1[3] - b0[1] - b0[3]) / 2)
        frames = min(1 + self._missed, 4)
        growth = self.max_growth**frames
        return bool(shift <= self.max_jump * h0 * frames and 1 / growth <= h1 / h0 <= growth)

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
