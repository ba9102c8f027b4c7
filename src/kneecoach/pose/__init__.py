"""Pose estimation: a small interface, a registry, the MediaPipe backend and a fake."""

from kneecoach.pose.base import PoseEstimator, PoseResult
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.pose.registry import available_estimators, create_estimator, register_estimator

__all__ = [
    "FakePoseEstimator",
    "PoseEstimator",
    "PoseResult",
    "available_estimators",
    "create_estimator",
    "register_estimator",
]
