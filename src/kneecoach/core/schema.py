"""Canonical keypoint names, sides and skeleton.

Keypoint names are the subject's own left and right (``left_knee`` is the
subject's left knee, whichever side of the image it appears on). The names and
order are BlazePose's 33 landmarks, so a MediaPipe result maps one to one.
"""

from typing import Literal

Side = Literal["left", "right"]
SIDES: tuple[Side, Side] = ("left", "right")
#: The other side: ``OTHER["left"] == "right"``.
OTHER: dict[Side, Side] = {"left": "right", "right": "left"}

KEYPOINTS: tuple[str, ...] = (
    "nose",
    "left_eye_inner", "left_eye", "left_eye_outer",
    "right_eye_inner", "right_eye", "right_eye_outer",
    "left_ear", "right_ear",
    "mouth_left", "mouth_right",
    "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow",
    "left_wrist", "right_wrist",
    "left_pinky", "right_pinky",
    "left_index", "right_index",
    "left_thumb", "right_thumb",
    "left_hip", "right_hip",
    "left_knee", "right_knee",
    "left_ankle", "right_ankle",
    "left_heel", "right_heel",
    "left_foot_index", "right_foot_index",
)  # fmt: skip

#: The keypoints every lower-limb measure needs.
LOWER_LIMB: tuple[str, ...] = tuple(
    f"{side}_{joint}" for joint in ("hip", "knee", "ankle", "heel", "foot_index") for side in SIDES
)

#: The keypoints a browser draws the knee line from (the analysis player and the live
#: trainer): each leg's line, its foot, and the shoulders for the trunk.
BROWSER_DRAWN: tuple[str, ...] = tuple(
    f"{side}_{joint}"
    for side in SIDES
    for joint in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index")
)

#: Segments drawn in overlays: (from, to).
SKELETON: tuple[tuple[str, str], ...] = (
    ("left_shoulder", "right_shoulder"),
    ("left_hip", "right_hip"),
    *(
        pair
        for side in SIDES
        for pair in (
            (f"{side}_shoulder", f"{side}_elbow"),
            (f"{side}_elbow", f"{side}_wrist"),
            (f"{side}_shoulder", f"{side}_hip"),
            (f"{side}_hip", f"{side}_knee"),
            (f"{side}_knee", f"{side}_ankle"),
            (f"{side}_ankle", f"{side}_heel"),
            (f"{side}_heel", f"{side}_foot_index"),
            (f"{side}_ankle", f"{side}_foot_index"),
        )
    ),
)


def mirror_name(name: str) -> str:
    """Return the same keypoint on the other side (``left_knee`` → ``right_knee``).

    Names without a side (``nose``) and the mouth corners are mapped as the
    subject's anatomy requires (``mouth_left`` ↔ ``mouth_right``).
    """
    for a, b in (("left", "right"), ("right", "left")):
        if name.startswith(f"{a}_"):
            return f"{b}_{name[len(a) + 1 :]}"
        if name.endswith(f"_{a}"):
            return f"{name[: -len(a) - 1]}_{b}"
    return name


def mirror_pairs(
    names: tuple[str, ...] | list[str], lefts: tuple[str, ...] | None = None
) -> tuple[list[int], list[int]]:
    """Indices into ``names`` of left keypoints and of their right partners.

    All pairs present on both sides, or only those of the left names ``lefts``.
    """
    index = {n: i for i, n in enumerate(names)}
    candidates = lefts or tuple(n for n in names if "left" in n.split("_"))
    left = [n for n in candidates if n in index and mirror_name(n) in index]
    return [index[n] for n in left], [index[mirror_name(n)] for n in left]


#: A coordinate larger than this (pixels, or metres for world data) is no position: no
#: camera is a million pixels wide and no lab a thousand kilometres long (derived).
MAX_COORDINATE = 1e6
