"""Stand-ins for a pose model: the whole pipeline and person following run without one.

:class:`FakePoseEstimator` replays a stored track. :class:`FakeSceneModel` finds
people in images drawn by :func:`draw_scene` (coloured boxes), so that
:class:`~kneecoach.pose.follow.PersonFollower` can be tested on scenes of
several people who cross, hide and come back.
"""

from __future__ import annotations

import cv2
import numpy as np
import xarray as xr

from kneecoach.core.schema import KEYPOINTS
from kneecoach.pose.base import Image, PoseResult


class FakePoseEstimator:
    """Return frame *i* of ``track`` on the *i*-th call (NaN frames → no person)."""

    name = "fake"
    note = "keypoints replayed from a stored track"

    def __init__(self, track: xr.Dataset) -> None:
        pos = track["position"].isel(individuals=0).reindex(keypoints=list(KEYPOINTS))
        self._xy = pos.transpose("time", "keypoints", "space").values
        conf = track["confidence"].isel(individuals=0).reindex(keypoints=list(KEYPOINTS))
        self._conf = np.nan_to_num(conf.values, nan=1.0)
        self._i = 0
        self.calls: list[tuple[int, ...]] = []

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Replay the next frame (the image is only recorded, by shape)."""
        self.calls.append(image.shape)
        i, self._i = self._i, self._i + 1
        if i >= len(self._xy) or np.all(np.isnan(self._xy[i])):
            return None
        return PoseResult(self._xy[i].copy(), self._conf[i].copy())

    def close(self) -> None:
        """Nothing to release."""


#: Where each keypoint sits in a drawn person's box (x, y as shares of width and height),
#: facing the camera (the person's left on the image right), hands at the box's sides
#: so that greying out the keypoints' box hides the whole figure.
_TEMPLATE = {
    "nose": (0.5, 0.06), "eye_inner": (0.46, 0.04), "eye": (0.44, 0.04),
    "eye_outer": (0.42, 0.04), "ear": (0.38, 0.06), "mouth": (0.46, 0.09),
    "shoulder": (0.3, 0.15), "elbow": (0.12, 0.3), "wrist": (0.02, 0.45), "pinky": (0.0, 0.48),
    "index": (0.01, 0.49), "thumb": (0.03, 0.47), "hip": (0.38, 0.5), "knee": (0.38, 0.75),
    "ankle": (0.38, 0.94), "heel": (0.38, 0.97), "foot_index": (0.36, 0.99),
}  # fmt: skip
#: Bands of a drawn person, as shares of the height: head, torso (its colour tells
#: people apart), legs.
_HEAD, _TORSO = 0.12, 0.5
BACKGROUND = 0
MASKED = 128  # the grey :class:`~kneecoach.pose.follow.PersonFollower` paints over people found


def template_pose(box: tuple[float, float, float, float]) -> PoseResult:
    """The keypoints of a person drawn in ``box`` by :func:`draw_scene`."""
    x0, y0, x1, y1 = box
    xy = np.empty((len(KEYPOINTS), 2))
    for i, name in enumerate(KEYPOINTS):
        side, _, joint = name.partition("_")
        if side not in ("left", "right"):
            side, joint = "centre", name
        joint = {"mouth_left": "mouth", "mouth_right": "mouth"}.get(name, joint)
        fx, fy = _TEMPLATE[joint]
        fx = 1 - fx if side == "left" else fx
        xy[i] = (x0 + fx * (x1 - x0), y0 + fy * (y1 - y0))
    return PoseResult(xy, np.ones(len(KEYPOINTS)))


def draw_scene(
    size: tuple[int, int], people: list[tuple[tuple[float, float, float, float], tuple[int, ...]]]
) -> Image:
    """An RGB image (``size`` = width, height) of people drawn as coloured boxes.

    Each person is ``(box, torso_rgb)``, drawn in list order (later ones in front):
    a skin-coloured head, the torso in its colour, dark legs.
    """
    w, h = size
    image = np.full((h, w, 3), BACKGROUND, dtype=np.uint8)
    for (x0, y0, x1, y1), colour in people:
        a, b = int(round(max(x0, 0))), int(round(min(x1, w)))
        rows = [y0, y0 + _HEAD * (y1 - y0), y0 + _TORSO * (y1 - y0), y1]
        cuts = [int(round(min(max(r, 0), h))) for r in rows]
        for (top, bottom), rgb in zip(
            zip(cuts[:-1], cuts[1:], strict=True),
            ((220, 170, 140), colour, (40, 40, 90)),
            strict=True,
        ):
            image[top:bottom, a:b] = rgb
    return image


class FakeSceneModel:
    """A stand-in for BlazePose on images made by :func:`draw_scene`.

    Like BlazePose it returns one person per image: the largest drawn figure
    (people who overlap merge into one figure, as a real model's estimate can
    slide between two people who cross). Grey (:data:`MASKED`) counts as empty,
    so a masked person is not found again. ``static`` is recorded, not used:
    this model has no tracking state, the worst case of a tracker that re-detects
    whoever is most prominent.
    """

    name = "fake-scene"
    note = "figures found in a drawn scene"

    def __init__(self, static: bool = False, *, min_area: int = 60) -> None:
        self.static = static
        self.min_area = min_area
        self.closed = False

    def estimate(self, image: Image, /) -> PoseResult | None:
        """The pose of the largest figure in ``image``, or ``None``."""
        body = (image != BACKGROUND).any(axis=2) & ~(image == MASKED).all(axis=2)
        mask = np.ascontiguousarray(body, dtype=np.uint8)
        count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
        if count <= 1:
            return None
        areas = stats[1:, cv2.CC_STAT_AREA]
        best = int(np.argmax(areas)) + 1
        if areas[best - 1] < self.min_area:
            return None
        x, y, w, h = (float(v) for v in stats[best, :4])
        return template_pose((x, y, x + w, y + h))

    def close(self) -> None:
        """Nothing to release."""
        self.closed = True
