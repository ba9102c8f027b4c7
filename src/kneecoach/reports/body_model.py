"""A stick-figure body model: joint angles in, 3D points out, projected for a camera.

Pure geometry for the exercise pictures. The body frame is the subject's: x to
their left, y up, z forward; lengths are fractions of standing height, from
Winter's segment proportions (Biomechanics and Motor Control of Human Movement,
4th ed., 2009, fig. 4.1), rounded. Angles follow :class:`~kneecoach.program.models.LimbPose`.
Forward kinematics chains rotations from the pelvis out; a camera is an
orthographic view from an azimuth (0 in front of the subject, -90 at their
right side) and an elevation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from kneecoach.core.schema import SIDES, Side
from kneecoach.program.models import BodyPose, LimbPose

Vec = npt.NDArray[np.float64]

HIP_HALF = 0.06
SHOULDER_HALF = 0.1
TRUNK = 0.29
NECK = 0.055
HEAD_R = 0.062
UPPER_ARM = 0.186
FOREARM = 0.146
HAND = 0.07
THIGH = 0.245
SHANK = 0.246
ANKLE_H = 0.039
HEEL = 0.045
TOE = 0.11

#: drawn widths of the segments, in the same units
WIDTH = {
    "trunk": 0.11,
    "thigh": 0.065,
    "shank": 0.05,
    "foot": 0.035,
    "upper_arm": 0.045,
    "forearm": 0.04,
    "hips": 0.06,
    "shoulders": 0.05,
}

_SIGN: dict[Side, float] = {"left": 1.0, "right": -1.0}


def _rx(deg: float) -> Vec:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def _ry(deg: float) -> Vec:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0.0, s], [0.0, 1.0, 0.0], [-s, 0.0, c]])


def _rz(deg: float) -> Vec:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


DOWN = np.array([0.0, -1.0, 0.0])
UP = np.array([0.0, 1.0, 0.0])


@dataclass(frozen=True)
class Angles:
    """A pose with every angle resolved (0 where nothing was said)."""

    pitch: float
    roll: float
    spine: float
    spine_side: float
    limbs: dict[Side, LimbPose]

    def limb(self, side: Side, name: str) -> float:
        value = getattr(self.limbs[side], name)
        return 0.0 if value is None else float(value)


def resolve(start: BodyPose, end: BodyPose | None = None) -> Angles:
    """``start`` (and ``end`` on top of it, if given) with every angle filled in."""
    layers = [start] if end is None else [start, end]
    whole = {"pitch": 0.0, "roll": 0.0, "spine": 0.0, "spine_side": 0.0}
    limbs: dict[Side, dict[str, float | None]] = {s: {} for s in SIDES}
    for pose in layers:
        for key in whole:
            value = getattr(pose, key)
            if value is not None:
                whole[key] = float(value)
        for side in SIDES:
            for part in (pose.both, pose.left if side == "left" else pose.right):
                limbs[side].update({k: v for k, v in part.model_dump().items() if v is not None})
    return Angles(**whole, limbs={s: LimbPose.model_validate(limbs[s]) for s in SIDES})


def points(angles: Angles) -> dict[str, Vec]:
    """Every named point of the figure, in the world frame (pelvis at the origin)."""
    root = _rz(-angles.roll) @ _rx(angles.pitch)
    trunk = root @ _rx(angles.spine) @ _rz(-angles.spine_side)
    out: dict[str, Vec] = {"pelvis": np.zeros(3)}
    neck: Vec = np.asarray(trunk @ (UP * TRUNK), dtype=np.float64)
    out["neck"] = neck
    out["head"] = neck + trunk @ (UP * (NECK + HEAD_R))
    for side in SIDES:
        sign = _SIGN[side]
        a = angles.limb
        hip = root @ np.array([sign * HIP_HALF, 0.0, 0.0])
        thigh = root @ _rx(-a(side, "hip")) @ _rz(sign * a(side, "hip_abd"))
        thigh = thigh @ _ry(sign * a(side, "hip_rot"))
        knee = hip + thigh @ (DOWN * THIGH)
        shank = thigh @ _rx(a(side, "knee"))
        ankle = knee + shank @ (DOWN * SHANK)
        foot = shank @ _rx(-a(side, "ankle"))
        shoulder = neck + trunk @ np.array([sign * SHOULDER_HALF, 0.0, 0.0])
        arm = trunk @ _rx(-a(side, "shoulder")) @ _rz(sign * a(side, "shoulder_abd"))
        elbow = shoulder + arm @ (DOWN * UPPER_ARM)
        forearm = arm @ _rx(-a(side, "elbow"))
        wrist = elbow + forearm @ (DOWN * FOREARM)
        out |= {
            f"{side}_hip": hip,
            f"{side}_thigh": (hip + knee) / 2,
            f"{side}_knee": knee,
            f"{side}_shin": knee + shank @ (DOWN * SHANK * 0.3),
            f"{side}_ankle": ankle,
            f"{side}_heel": ankle + foot @ np.array([0.0, -ANKLE_H, -HEEL]),
            f"{side}_toe": ankle + foot @ np.array([0.0, -ANKLE_H, TOE]),
            f"{side}_shoulder": shoulder,
            f"{side}_elbow": elbow,
            f"{side}_wrist": wrist,
            f"{side}_hand": wrist + forearm @ (DOWN * HAND),
        }
    return out


#: segments drawn, as (from, to, width key)
SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("pelvis", "neck", "trunk"),
    ("left_hip", "right_hip", "hips"),
    ("left_shoulder", "right_shoulder", "shoulders"),
    *(
        seg
        for side in SIDES
        for seg in (
            (f"{side}_hip", f"{side}_knee", "thigh"),
            (f"{side}_knee", f"{side}_ankle", "shank"),
            (f"{side}_heel", f"{side}_toe", "foot"),
            (f"{side}_ankle", f"{side}_heel", "foot"),
            (f"{side}_shoulder", f"{side}_elbow", "upper_arm"),
            (f"{side}_elbow", f"{side}_hand", "forearm"),
        )
    ),
)


@dataclass(frozen=True)
class Camera:
    """An orthographic camera: azimuth 0 in front, -90 at the subject's right; elevation up."""

    azimuth: float
    elevation: float

    @property
    def toward(self) -> Vec:
        """Unit vector from the subject to the camera."""
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        return np.array([math.sin(az) * math.cos(el), math.sin(el), math.cos(az) * math.cos(el)])

    def project(self, p: Vec) -> tuple[float, float, float]:
        """(right, up, depth) on the picture; larger depth is nearer the camera."""
        look = -self.toward
        right = np.cross(look, UP)
        right /= np.linalg.norm(right)
        up = np.cross(right, look)
        return float(p @ right), float(p @ up), float(p @ self.toward)


#: azimuths of the named views; "above" looks down from behind the subject's head
VIEWS = {"side": -90.0, "front": 0.0, "rear": 180.0, "oblique": -40.0, "above": 180.0}


def point_of(name: str, pts: dict[str, Vec]) -> Vec:
    """A named point or a pair's midpoint (``knees`` is between both knees, ``feet`` the ankles)."""
    pairs = {
        "knees": "knee",
        "ankles": "ankle",
        "heels": "heel",
        "hands": "hand",
        "feet": "ankle",
        "shoulders": "shoulder",
        "thighs": "thigh",
        "shins": "shin",
    }
    if name in pairs:
        return (pts[f"left_{pairs[name]}"] + pts[f"right_{pairs[name]}"]) / 2
    if name.endswith("_foot"):
        side = name.removesuffix("_foot")
        return (pts[f"{side}_heel"] + pts[f"{side}_toe"]) / 2
    return pts[name]
