"""Marker / keypoint names used by other tools, mapped to kneecoach's names.

Sports2D, Pose2Sim, OpenCap and OpenPose name joints ``LHip``, ``RBigToe`` …;
kneecoach uses BlazePose's ``left_hip``, ``right_foot_index``. Matching is
case- and punctuation-insensitive, and kneecoach's own names are accepted too.
The big toe stands in for BlazePose's ``foot_index`` (tip of the foot).
"""

from __future__ import annotations

import re

from kneecoach.core.schema import KEYPOINTS

#: kneecoach name → the name written in .trc files (Sports2D/OpenPose style).
TRC_NAMES: dict[str, str] = {
    "nose": "Nose",
    "left_eye_inner": "LEyeInner", "left_eye": "LEye", "left_eye_outer": "LEyeOuter",
    "right_eye_inner": "REyeInner", "right_eye": "REye", "right_eye_outer": "REyeOuter",
    "left_ear": "LEar", "right_ear": "REar",
    "mouth_left": "MouthLeft", "mouth_right": "MouthRight",
    "left_shoulder": "LShoulder", "right_shoulder": "RShoulder",
    "left_elbow": "LElbow", "right_elbow": "RElbow",
    "left_wrist": "LWrist", "right_wrist": "RWrist",
    "left_pinky": "LPinky", "right_pinky": "RPinky",
    "left_index": "LIndex", "right_index": "RIndex",
    "left_thumb": "LThumb", "right_thumb": "RThumb",
    "left_hip": "LHip", "right_hip": "RHip",
    "left_knee": "LKnee", "right_knee": "RKnee",
    "left_ankle": "LAnkle", "right_ankle": "RAnkle",
    "left_heel": "LHeel", "right_heel": "RHeel",
    "left_foot_index": "LBigToe", "right_foot_index": "RBigToe",
}  # fmt: skip


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


_ALIASES: dict[str, str] = {}
for _canon, _trc in TRC_NAMES.items():
    _ALIASES[_norm(_canon)] = _canon
    _ALIASES[_norm(_trc)] = _canon
    _ALIASES[_norm(_trc.replace("L", "Left", 1) if _trc[0] == "L" else _trc)] = _canon
    _ALIASES[_norm(_trc.replace("R", "Right", 1) if _trc[0] == "R" else _trc)] = _canon
_ALIASES.update({"lfootindex": "left_foot_index", "rfootindex": "right_foot_index"})
assert set(_ALIASES.values()) == set(KEYPOINTS)


def canonical_name(marker: str) -> str | None:
    """kneecoach's name for another tool's marker, or ``None`` if it has none."""
    return _ALIASES.get(_norm(marker))
