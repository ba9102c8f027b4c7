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
to the other, which only appearance reveals (checked once several people have
been seen: on a lone person in a small image the histograms are too noisy to
be worth the frames they would reject).

Everyone in view is counted again every :attr:`PersonFollower.census_every`
frames, so a person who walks in later is known about.

**Losing and finding the person again.** When the person is lost, MediaPipe's
tracking mode would re-run its detector and take *whoever is most prominent*
in the image it is given, with no notion of identity; that is how a track
used to jump silently to another person (``side_drop_landing_2persons_01``:
the man flips off the box, the tracker loses him, and the woman walking in
the foreground was taken for him). So after a loss the model's tracking is
reset, and each frame the search box (widening a little each frame, the whole
picture after ``reacquire_after`` frames) is searched for *everyone* in it.
A candidate is taken for the person only if it is where they could have moved
(within ``reacquire_after`` frames) and its torso colours match theirs, and no
other candidate matches nearly as well. When that cannot be decided the frame
is withheld (no pose), and :attr:`PersonFollower.note` says when the person
was lost, for how many frames, and whether someone else was in view.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    # a torso seen side-on is narrow between its keypoints: keep a patch of the chest anyway
    hw = max((x1 - x0) * 0.35, (y1 - y0) * 0.15)
    cx, cy, hh = (x0 + x1) / 2, (y0 + y1) / 2, (y1 - y0) * 0.35
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


@dataclass
class Episode:
    """A run of frames in which the followed person was not found (call indices)."""

    start: int
    end: int | None = None  # first frame where they were found again; None: never
    others: int = 0  # frames in which someone else was seen and not taken for them


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
    #: Two candidates whose torso-colour distances to the chosen person differ by less
    #: than this cannot be told apart: the frame is withheld rather than guessed.
    min_appearance_gap = 0.1
    #: After this many frames without the person, the motion check is dropped so that
    #: someone who left the picture can be found again wherever they come back.
    reacquire_after = 15
    #: Everyone in view is counted again every this many frames (2 s at 30 fps). A count
    #: costs about 2.5 tracked frames (a full-frame search), so every 30 frames took 8%
    #: off the --no-video rate (bench/track_throughput.py); every 60, about 4%.
    census_every = 60
    #: A "person" shorter than this share of the image height is not counted: BlazePose
    #: finds specks in foliage once the real people are greyed out (14 × 7 px boxes in
    #: side_drop_landing_2persons_01), and a body this small is too small to measure.
    min_height = 0.05
    #: A loss is reported in :attr:`note` when it lasts this many frames, or when
    #: someone else was in view during it (shorter misses are ordinary detection
    #: misses, filled by gap interpolation).
    report_after = 5

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
        self._finder: PoseEstimator | None = None
        self._roi: Box | None = None
        self._last: PoseResult | None = None
        self._last_frame = -1
        self._signature: npt.NDArray[np.float32] | None = None
        self._frame = -1
        self._time: float | None = None
        self._times: list[float | None] = []
        self._chosen: str = ""
        self._episodes: list[Episode] = []
        #: Most people seen in one image so far (first frame and later counts).
        self.people_found = 0
        #: People seen in the first frame with anyone in it.
        self.people_first = 0

    # -- the PoseEstimator interface -------------------------------------------------

    def set_time(self, time_s: float, /) -> None:
        """Tell the follower the time of the next frame (used only in :attr:`note`)."""
        self._time = time_s

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Pose of the followed person in a full frame, in full-frame pixels (or ``None``)."""
        self._frame += 1
        self._times.append(self._time)
        self._time = None
        if self._roi is None:
            self._roi = self._select(image)
            if self._roi is None:
                return None
        elif self._frame % self.census_every == 0:
            self._census(image)
        pose = None if self._lost else self._track(image)
        if pose is None:
            if not self._lost:
                self._episodes.append(Episode(self._frame))
            pose = self._reacquire(image)
        if pose is None:
            return None
        if self._lost:
            self._episodes[-1].end = self._frame
        self._accept(image, pose)
        return pose

    @property
    def withheld_frames(self) -> int:
        """Frames not followed in the losses :attr:`note` reports."""
        return sum(self._length(e) for e in self._reported())

    @property
    def note(self) -> str:
        """One sentence (or two) on whom was followed and where they were lost."""
        if self.people_first == 0:
            return "no person found"
        if self.people_first > 1:
            text = self._chosen
        elif self.people_found > 1:
            text = (
                f"one person in the first frame with a person, up to {self.people_found} "
                "people seen together later; following the first one"
            )
        else:
            text = "one person found; following them"
        reported = self._reported()
        if not reported:
            return text
        worst = max(reported, key=self._length)
        n, start = self._length(worst), self._at(worst.start)
        end = "the end" if worst.end is None else self._at(worst.end)
        if len(reported) > 1:
            lost = (
                f"lost the person {len(reported)} times, {_frames(self.withheld_frames)} "
                f"withheld in all (the longest from {start} to {end}, {_frames(n)})"
            )
        elif worst.end is None:
            lost = f"lost the person at {start} and not found again ({_frames(n)} withheld)"
        else:
            lost = f"lost the person at {start}; {_frames(n)} withheld until found again at {end}"
        if any(e.others for e in reported):
            lost += " (someone else was in view and was not taken for them)"
        return f"{text}; {lost}"

    def close(self) -> None:
        """Release the models."""
        for model in (self._tracker, self._finder):
            if model is not None:
                model.close()
        self._tracker = self._finder = None

    # -- following -------------------------------------------------------------------

    @property
    def _lost(self) -> bool:
        return bool(self._episodes) and self._episodes[-1].end is None

    def _track(self, image: Image) -> PoseResult | None:
        """The tracker's pose in the crop around the last pose, if it is the same person."""
        assert self._roi is not None
        x0, y0, x1, y1 = (int(round(v)) for v in self._roi)
        crop = np.ascontiguousarray(image[y0:y1, x0:x1])
        tracker = self._tracker = self._tracker or self._make(False)
        found = tracker.estimate(crop)
        pose = found.shifted(x0, y0) if found is not None else None
        if pose is not None and self._is_them(image, [pose], frames=1, tracking=True) is None:
            tracker.close()  # its tracking is locked on someone else (a miss is not: a new
            self._tracker = pose = None  # graph costs about five tracked frames)
        return pose

    def _reacquire(self, image: Image) -> PoseResult | None:
        """Search the widening box for everyone; the person, if they can be told apart."""
        assert self._roi is not None
        size = (image.shape[1], image.shape[0])
        missed = self._frame - self._last_frame
        if missed > 1:
            self._roi = expand_box(self._roi, margin=0.15, image_size=size, min_frac=0.0)
        if missed > self.reacquire_after:
            self._roi = (0.0, 0.0, float(size[0]), float(size[1]))
        candidates = self._search(image, self._roi)
        self.people_found = max(self.people_found, len(candidates))
        pose = self._is_them(image, candidates, frames=missed) if candidates else None
        if pose is None and candidates:
            self._episodes[-1].others += 1
        return pose

    def _accept(self, image: Image, pose: PoseResult) -> None:
        size = (image.shape[1], image.shape[0])
        self._last, self._last_frame = pose, self._frame
        signature = torso_signature(image, pose)
        if signature is not None:
            self._signature = (
                signature if self._signature is None else 0.9 * self._signature + 0.1 * signature
            )
        new_roi = expand_box(pose.bbox(), margin=self.margin, image_size=size, min_frac=0.2)
        if self._roi is None or iou(new_roi, self._roi) < 0.8:
            self._roi = new_roi

    def _is_them(
        self, image: Image, candidates: list[PoseResult], *, frames: int, tracking: bool = False
    ) -> PoseResult | None:
        """The candidate that is the followed person, or ``None`` if none or unsure.

        ``frames``: frames since the person was last seen. Within
        ``reacquire_after`` frames a candidate must be where they could have
        moved. Torso colours must match after a loss, and frame to frame
        (``tracking``) when several people were in the first frame, where the
        tracker can slide from one to another (a lone person's histogram is too
        noisy to reject frames on); two candidates who match about as well are
        not told apart.
        """
        last = self._last
        near = frames <= self.reacquire_after
        if last is not None and near:
            candidates = [c for c in candidates if self._plausible(last, c, frames)]
        if not candidates:
            return None
        crowd = (self.people_first if tracking else self.people_found) > 1
        if tracking and near and len(candidates) == 1 and not crowd:
            return candidates[0]  # a lone person followed frame to frame: motion vouches
        if self._signature is None:  # nothing to compare with yet
            return candidates[0] if len(candidates) == 1 and (near or not crowd) else None
        scored = [(c, torso_signature(image, c)) for c in candidates]
        known = sorted(
            (appearance_distance(s, self._signature), i)
            for i, (_, s) in enumerate(scored)
            if s is not None
        )
        lone = len(candidates) == 1 and not crowd
        if not known:  # too small to tell by colour: only motion can vouch for them
            return candidates[0] if len(candidates) == 1 and (near or not crowd) else None
        best, i = known[0]
        if best > self.max_appearance:
            # followed frame to frame, a lone person's histogram is noisy and motion
            # vouches for them; after a loss the colours must match
            return candidates[0] if tracking and lone and near else None
        if len(known) > 1 and known[1][0] - best < self.min_appearance_gap:
            return None
        if len(known) < len(candidates) and not near:
            return None  # someone too small to tell by colour might be them
        return candidates[i]

    def _plausible(self, before: PoseResult, after: PoseResult, frames: int = 1) -> bool:
        """Could ``after`` be the same person as ``before``, ``frames`` frames later?"""
        b0, b1 = before.bbox(), after.bbox()
        h0, h1 = max(b0[3] - b0[1], 1.0), max(b1[3] - b1[1], 1.0)
        shift = np.hypot((b1[0] + b1[2] - b0[0] - b0[2]) / 2, (b1[1] + b1[3] - b0[1] - b0[3]) / 2)
        # capped: after a few frames unseen the person may be anywhere within a body
        # height; farther than that only appearance can say who it is
        frames = min(frames, 4)
        growth = self.max_growth**frames
        return bool(shift <= self.max_jump * h0 * frames and 1 / growth <= h1 / h0 <= growth)

    # -- finding people --------------------------------------------------------------

    def _search(self, image: Image, region: Box | None = None) -> list[PoseResult]:
        """Everyone the model finds in ``region`` of ``image``, greying out each in turn."""
        size = (image.shape[1], image.shape[0])
        x0, y0, x1, y1 = (int(round(v)) for v in (region or (0, 0, *size)))
        masked = image[y0:y1, x0:x1].copy()
        finder = self._finder = self._finder or self._make(True)
        people: list[PoseResult] = []
        crop_size = (masked.shape[1], masked.shape[0])
        for _ in range(self.max_people + 2):  # + 2: specks too small to be people
            if len(people) >= self.max_people or not masked.size:
                break
            pose = finder.estimate(masked)
            if pose is None:
                break
            box = pose.bbox()
            if box[3] - box[1] >= self.min_height * size[1]:
                people.append(pose.shifted(x0, y0))
            gx0, gy0, gx1, gy1 = (
                int(v) for v in expand_box(box, margin=0.1, image_size=crop_size, min_frac=0.0)
            )
            masked[gy0:gy1, gx0:gx1] = 128
        return people

    def _census(self, image: Image) -> None:
        """Count everyone in view (a person who walked in later is known about)."""
        self.people_found = max(self.people_found, len(self._search(image)))

    def _select(self, image: Image) -> Box | None:
        """List the people in ``image`` and return the crop box of the chosen one."""
        size = (image.shape[1], image.shape[0])
        boxes = [p.bbox() for p in self._search(image)]
        if not boxes:
            return None
        chosen = choose_person(boxes, rule=self._rule, image_size=size)
        self.people_found = self.people_first = len(boxes)
        x0, y0, x1, y1 = (round(v) for v in boxes[chosen])
        self._chosen = (
            f"{len(boxes)} people found in the first frame with a person; following the one "
            f"chosen by --person-select {self._select_text} (box x {x0}-{x1}, y {y0}-{y1} px)"
        )
        return expand_box(boxes[chosen], margin=self.margin, image_size=size, min_frac=0.2)

    # -- reporting -------------------------------------------------------------------

    def _length(self, episode: Episode) -> int:
        return (self._frame + 1 if episode.end is None else episode.end) - episode.start

    def _reported(self) -> list[Episode]:
        return [e for e in self._episodes if e.others or self._length(e) >= self.report_after]

    def _at(self, frame: int) -> str:
        t = self._times[frame] if frame < len(self._times) else None
        return f"{t:.2f} s" if t is not None else f"frame {frame}"


def _frames(n: int) -> str:
    return f"{n} frame{'s' if n != 1 else ''}"
