"""MediaPipe BlazePose backend (``mediapipe==0.10.21``, ``model_complexity=1``).

The full model (``model_complexity=1``) ships inside the wheel, so nothing is
downloaded at run time. Video uses tracking mode (faster: the person is
detected once, then followed from the previous landmarks). MediaPipe's own
landmark smoothing is switched off so that kneecoach's documented
Butterworth filter is the only smoothing applied to the track.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from kneecoach.core.errors import PoseEstimationError
from kneecoach.pose.base import Image, PoseResult
from kneecoach.pose.follow import PersonFollower

MODEL_COMPLEXITY = 1  # the only BlazePose model shipped in the 0.10.21 wheel


@contextlib.contextmanager
def _quiet_native_stderr() -> Iterator[None]:
    """Silence the C++ start-up chatter MediaPipe prints on file descriptor 2."""
    if os.environ.get("KNEECOACH_DEBUG"):
        yield
        return
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


class MediaPipePose:
    """One BlazePose instance on whole images (see :class:`PersonFollower` for people)."""

    name = "mediapipe"
    note = "whole image, one person"

    def __init__(
        self,
        *,
        static_image_mode: bool = False,
        min_detection_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        os.environ.setdefault("GLOG_minloglevel", "2")
        try:
            with _quiet_native_stderr():
                import mediapipe as mp
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise PoseEstimationError(
                f"MediaPipe is not importable ({exc}); reinstall with `pip install -e .`"
            ) from None
        self._warm = False
        # The graph opens its models in its own threads after the constructor returns,
        # and logs as it does (TFLite INFO, absl warnings): keep fd 2 quiet until a first
        # (blank) image has gone through, which waits for every model to be open.
        with _quiet_native_stderr():
            self._pose: Any = mp.solutions.pose.Pose(
                static_image_mode=static_image_mode,
                model_complexity=MODEL_COMPLEXITY,
                smooth_landmarks=False,
                enable_segmentation=False,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            self._pose.process(np.zeros((32, 32, 3), dtype=np.uint8))

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Run BlazePose on an RGB image; landmarks are converted to pixels."""
        if self._warm:
            result = self._pose.process(image)
        else:  # quiet until the graph has run end to end: its first landmarks log a warning
            with _quiet_native_stderr():
                result = self._pose.process(image)
            self._warm = result.pose_landmarks is not None
        if result.pose_landmarks is None:
            return None
        h, w = image.shape[:2]
        marks = result.pose_landmarks.landmark
        xy = np.array([[m.x * w, m.y * h] for m in marks], dtype=np.float64)
        conf = np.array([m.visibility for m in marks], dtype=np.float64)
        return PoseResult(xy, conf)

    def close(self) -> None:
        """Release the graph."""
        self._pose.close()


def create_mediapipe(
    *,
    person_select: str = "largest",
    min_detection_confidence: float = 0.5,
    min_tracking_confidence: float = 0.5,
) -> PersonFollower:
    """BlazePose in tracking mode, following one person chosen in the first frame."""

    def make(static: bool) -> MediaPipePose:
        return MediaPipePose(
            static_image_mode=static,
            min_detection_confidence=min_detection_confidence,
            min_tracking_confidence=min_tracking_confidence,
        )

    return PersonFollower(make, select=person_select)
