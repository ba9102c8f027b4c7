"""Pose estimation: a small interface, a registry, the MediaPipe backend and a fake."""

from kneecoach.pose.base import (
    PoseEstimator,
    PoseResult,
    available_estimators,
    create_estimator,
    register_estimator,
)
from kneecoach.pose.fake import FakePoseEstimator

__all__ = [
    "FakePoseEstimator",
    "PoseEstimator",
    "PoseResult",
    "available_estimators",
    "create_estimator",
    "register_estimator",
]
