"""Signed 2D angles and distances from image keypoints (x right, y down).

Every function takes ``(time, 2)`` arrays (or ``(2,)`` points) and returns
one value per frame; NaN in, NaN out. The conventions, all in degrees and
never wrapped:

* **FPPA** (science.md §1.1, Munro/Herrington sign): 180° minus the interior
  hip-knee-ankle angle; 0 for a straight leg, **positive when the knee lies
  medial to the hip-ankle line (valgus)**, negative for varus. "Medial" is
  towards the midpoint of the two hips, so the sign is the same whether the
  camera sees the subject's front or back.
* **Medial knee displacement**: the knee's perpendicular distance from the
  hip-ankle line, positive medial (mocapr's "frontal plane knee deviation",
  sign flipped to match FPPA), in the caller's units.
* **Pelvic obliquity**: ``atan2(right_hip_y - left_hip_y, |dx|)``, positive
  when the subject's right hip is lower in the image (science.md §2.1).
* **Femoral adduction**: thigh (hip→knee) angle from image vertical, positive
  when the knee is medial to the hip. **Hip adduction** = the thigh's angle
  from the perpendicular to the pelvis line, positive medial; it equals
  femoral adduction + contralateral pelvic drop exactly (science.md §2.1).
* **Trunk lean**: the hip-midpoint→shoulder-midpoint line from image
  vertical, positive towards the subject's left.
* **Knee flexion (2D, side view)**: 180° minus the interior hip-knee-ankle
  angle; the same number as FPPA's magnitude, read in the sagittal plane.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def _xy(a: npt.ArrayLike) -> FloatArray:
    return np.atleast_2d(np.asarray(a, dtype=np.float64))


def deviation_deg(hip: npt.ArrayLike, knee: npt.ArrayLike, ankle: npt.ArrayLike) -> FloatArray:
    """180° minus the interior hip-knee-ankle angle (0 = straight), unsigned."""
    h, k, a = _xy(hip), _xy(knee), _xy(ankle)
    u, v = h - k, a - k
    cross = np.abs(u[:, 0] * v[:, 1] - u[:, 1] * v[:, 0])
    interior = np.degrees(np.arctan2(cross, np.sum(u * v, axis=-1)))  # precise near straight
    return np.asarray(180.0 - interior, dtype=np.float64)


def medial_sign(hip: npt.ArrayLike, other_hip: npt.ArrayLike) -> FloatArray:
    """+1 where medial (towards the pelvis midpoint) is image +x for this leg, else -1."""
    h, o = _xy(hip), _xy(other_hip)
    with np.errstate(invalid="ignore"):
        s = np.sign(o[:, 0] - h[:, 0])
    return np.where(s == 0, np.nan, s)


def knee_over_foot(
    knee: npt.ArrayLike,
    ankle: npt.ArrayLike,
    toe: npt.ArrayLike,
    hip: npt.ArrayLike,
    other_hip: npt.ArrayLike,
) -> FloatArray:
    """How far the knee is horizontally inside (+) or outside (−) its foot (science.md §1.5).

    The foot is its span from the midfoot M (halfway from ankle to toe; LESS item 9,
    "a line straight down from the center of the patella ... medial to the midfoot") to the
    toe T (the coaching cue "knee over the second toe"). A knee whose image x lies between M
    and T is over the foot: 0. Medial of both: the distance to the more medial one, +;
    lateral of both: the distance to the more lateral one, −. Medial is towards the other
    hip, so the sign holds from the front and from behind, for either leg. Image units.
    """
    k, a, t = _xy(knee), _xy(ankle), _xy(toe)
    medial = medial_sign(hip, other_hip)
    mid = a[:, 0] + 0.5 * (t[:, 0] - a[:, 0])
    u_knee, u_mid, u_toe = medial * k[:, 0], medial * mid, medial * t[:, 0]
    inner, outer = np.maximum(u_mid, u_toe), np.minimum(u_mid, u_toe)  # NaN stays NaN
    with np.errstate(invalid="ignore"):
        beyond = np.where(u_knee > inner, u_knee - inner, np.minimum(u_knee - outer, 0.0))
    return np.where(np.isnan(u_knee) | np.isnan(inner), np.nan, beyond)


def medial_offset(
    hip: npt.ArrayLike, knee: npt.ArrayLike, ankle: npt.ArrayLike, other_hip: npt.ArrayLike
) -> FloatArray:
    """Signed perpendicular distance of the knee from the hip-ankle line, + medial."""
    h, k, a = _xy(hip), _xy(knee), _xy(ankle)
    d = a - h
    with np.errstate(invalid="ignore", divide="ignore"):
        cross = (d[:, 0] * (k[:, 1] - h[:, 1]) - d[:, 1] * (k[:, 0] - h[:, 0])) / np.linalg.norm(
            d, axis=-1
        )
    # cross > 0 puts the knee on the -x side of a downward hip→ankle line
    return np.asarray(-cross * medial_sign(h, other_hip), dtype=np.float64)


def fppa_deg(
    hip: npt.ArrayLike, knee: npt.ArrayLike, ankle: npt.ArrayLike, other_hip: npt.ArrayLike
) -> FloatArray:
    """Frontal plane projection angle, + valgus (science.md §1.1)."""
    magnitude = deviation_deg(hip, knee, ankle)
    offset = medial_offset(hip, knee, ankle, other_hip)
    sign = np.where(offset < 0, -1.0, 1.0)
    return np.asarray(np.where(np.isnan(offset), np.nan, sign * magnitude), dtype=np.float64)


def pelvic_obliquity_deg(left_hip: npt.ArrayLike, right_hip: npt.ArrayLike) -> FloatArray:
    """Pelvis line from horizontal, + when the subject's right hip is lower (y down)."""
    lh, rh = _xy(left_hip), _xy(right_hip)
    return np.asarray(
        np.degrees(np.arctan2(rh[:, 1] - lh[:, 1], np.abs(rh[:, 0] - lh[:, 0]))),
        dtype=np.float64,
    )


def femoral_adduction_deg(
    hip: npt.ArrayLike, knee: npt.ArrayLike, other_hip: npt.ArrayLike
) -> FloatArray:
    """Thigh angle from image vertical, + when the knee is medial to the hip."""
    h, k = _xy(hip), _xy(knee)
    m = medial_sign(h, other_hip)
    return np.asarray(
        np.degrees(np.arctan2(m * (k[:, 0] - h[:, 0]), k[:, 1] - h[:, 1])), dtype=np.float64
    )


def hip_adduction_deg(
    hip: npt.ArrayLike, knee: npt.ArrayLike, other_hip: npt.ArrayLike
) -> FloatArray:
    """Thigh angle from the perpendicular to the pelvis line, + medial (adduction)."""
    h, k, o = _xy(hip), _xy(knee), _xy(other_hip)
    m = medial_sign(h, o)
    # in a frame with x' = medial, y down: pelvis tilt beta (+ = other side lower)
    beta = np.arctan2(o[:, 1] - h[:, 1], m * (o[:, 0] - h[:, 0]))
    phi = np.arctan2(m * (k[:, 0] - h[:, 0]), k[:, 1] - h[:, 1])
    return np.asarray(np.degrees(phi + beta), dtype=np.float64)


def trunk_lean_deg(
    left_shoulder: npt.ArrayLike,
    right_shoulder: npt.ArrayLike,
    left_hip: npt.ArrayLike,
    right_hip: npt.ArrayLike,
) -> FloatArray:
    """Hip-mid→shoulder-mid line from vertical, + towards the subject's left."""
    lh, rh = _xy(left_hip), _xy(right_hip)
    to_left = np.sign(lh[:, 0] - rh[:, 0])  # image direction of the subject's left
    return trunk_from_vertical_deg(left_shoulder, right_shoulder, left_hip, right_hip, to_left)


def trunk_from_vertical_deg(
    left_shoulder: npt.ArrayLike,
    right_shoulder: npt.ArrayLike,
    left_hip: npt.ArrayLike,
    right_hip: npt.ArrayLike,
    towards: npt.ArrayLike,
) -> FloatArray:
    """Hip-mid→shoulder-mid line from vertical, + leaning towards image x sign ``towards``
    (±1 per frame or for all: the subject's left from the front, forward from the side)."""
    ls, rs, lh, rh = _xy(left_shoulder), _xy(right_shoulder), _xy(left_hip), _xy(right_hip)
    up = (ls + rs) / 2 - (lh + rh) / 2
    sign = np.asarray(towards, dtype=np.float64)
    return np.asarray(np.degrees(np.arctan2(sign * up[:, 0], -up[:, 1])), dtype=np.float64)


def separation(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Horizontal (image x) distance between two points, as the frontal ratios use it."""
    return np.asarray(np.abs(_xy(a)[:, 0] - _xy(b)[:, 0]), dtype=np.float64)


def segment_length(a: npt.ArrayLike, b: npt.ArrayLike) -> FloatArray:
    """Euclidean distance per frame."""
    return np.asarray(np.linalg.norm(_xy(a) - _xy(b), axis=-1), dtype=np.float64)
