"""Exercise pictures: the body model's geometry exactly, and every library picture drawn,
distinct, inside its box, with its movement and equipment shown."""

from __future__ import annotations

import io
import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from kneecoach.program import load_library
from kneecoach.program.models import BodyPose, LimbPose, Picture
from kneecoach.reports import body_model as bm
from kneecoach.reports.exercise_picture import (
    ARROW,
    BALL,
    BAND,
    STEP,
    contact_sheet,
    exercise_png,
    exercise_svg,
)

LIBRARY = load_library()
SHEET = Path(__file__).parents[3] / "docs" / "images" / "exercise-pictures.svg"
NS = "{http://www.w3.org/2000/svg}"


def _points(**limbs: float) -> dict[str, np.ndarray]:
    return bm.points(bm.resolve(BodyPose(both=LimbPose(**limbs))))


def test_standing_straight_stacks_knee_and_ankle_under_the_hip() -> None:
    p = _points()
    for side, sign in (("left", 1), ("right", -1)):
        hip, knee, ankle = p[f"{side}_hip"], p[f"{side}_knee"], p[f"{side}_ankle"]
        assert hip[0] == pytest.approx(sign * bm.HIP_HALF)  # the subject's left is +x
        assert knee == pytest.approx(hip - [0, bm.THIGH, 0])
        assert ankle == pytest.approx(knee - [0, bm.SHANK, 0])
        assert p[f"{side}_toe"][2] > p[f"{side}_heel"][2]  # the feet point forward
    assert p["head"][1] == pytest.approx(bm.TRUNK + bm.NECK + bm.HEAD_R)


def test_joint_angles_move_the_limbs_the_documented_way() -> None:
    flexed = _points(hip=90)
    assert flexed["left_knee"] == pytest.approx([bm.HIP_HALF, 0, bm.THIGH])  # forward, hip high
    knee90 = _points(knee=90)
    assert knee90["left_ankle"] - knee90["left_knee"] == pytest.approx([0, 0, -bm.SHANK])
    abducted = _points(hip_abd=30)
    for side, sign in (("left", 1), ("right", -1)):  # away from the midline on either side
        out = abducted[f"{side}_knee"][0] - abducted[f"{side}_hip"][0]
        assert out == pytest.approx(sign * bm.THIGH * math.sin(math.radians(30)))
    toes_up = _points(ankle=20)
    assert toes_up["left_toe"][1] > _points()["left_toe"][1]
    reach = _points(shoulder=90)
    assert reach["left_hand"][1] == pytest.approx(reach["left_shoulder"][1])  # arm level
    assert reach["left_hand"][2] > 0.3


def test_lying_on_the_back_the_side_and_the_front() -> None:
    supine = bm.points(bm.resolve(BodyPose(pitch=-90)))
    assert supine["head"][1] == pytest.approx(0) and supine["head"][2] < -0.3
    side = bm.points(bm.resolve(BodyPose(roll=90)))  # on the left side: right leg on top
    assert side["right_hip"][1] > side["left_hip"][1]
    prone = bm.points(bm.resolve(BodyPose(pitch=90)))
    assert prone["head"][2] > 0.3 and prone["left_toe"][1] < prone["left_heel"][1]


def test_an_end_pose_names_only_what_moves() -> None:
    both = bm.resolve(BodyPose(both=LimbPose(hip=45, knee=90)),
                      BodyPose(right=LimbPose(hip_abd=35)))  # fmt: skip
    assert both.limb("right", "knee") == 90 and both.limb("right", "hip_abd") == 35
    assert both.limb("left", "hip_abd") == 0


def test_cameras_show_the_subjects_left_on_the_viewers_right_from_the_front() -> None:
    front = bm.Camera(azimuth=bm.VIEWS["front"], elevation=0)
    assert front.project(np.array([1.0, 0, 0]))[0] == pytest.approx(1)
    side = bm.Camera(azimuth=bm.VIEWS["side"], elevation=0)  # at the subject's right
    right, up, depth = side.project(np.array([0, 1.0, 1.0]))
    assert (right, up) == pytest.approx((1, 1)) and depth == pytest.approx(0)
    assert side.project(np.array([-1.0, 0, 0]))[2] > 0  # the right side is the nearer


def _numbers(svg: str) -> tuple[float, float, list[tuple[float, float]]]:
    """The viewBox and every drawn coordinate, grown by radius and half stroke width."""
    root = ET.fromstring(svg)
    _, _, w, h = (float(v) for v in root.attrib["viewBox"].split())
    out: list[tuple[float, float]] = []
    for el in root.iter():
        tag = el.tag.removeprefix(NS)
        pad = float(el.attrib.get("stroke-width", 0)) / 2
        if tag == "line":
            out += [(float(el.attrib[f"x{i}"]), float(el.attrib[f"y{i}"])) for i in (1, 2)]
            out += [(x + s * pad, y + s * pad) for x, y in out[-2:] for s in (-1, 1)]
        elif tag == "circle":
            r = float(el.attrib["r"]) + pad
            cx, cy = float(el.attrib["cx"]), float(el.attrib["cy"])
            out += [(cx - r, cy - r), (cx + r, cy + r)]
        elif tag == "polygon":
            nums = [float(v) for v in re.split(r"[ ,]", el.attrib["points"])]
            out += list(zip(nums[::2], nums[1::2], strict=True))
        elif tag == "path":
            nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", el.attrib["d"])]
            out += list(zip(nums[::2], nums[1::2], strict=True))
    return w, h, out


@pytest.mark.parametrize("exercise", LIBRARY.exercises, ids=lambda e: e.id)
def test_every_picture_lies_inside_its_box(exercise) -> None:
    svg = exercise_svg(exercise)
    w, h, pts = _numbers(svg)
    assert len(pts) > 40  # a whole figure, twice
    assert all(-0.5 <= x <= w + 0.5 and -0.5 <= y <= h + 0.5 for x, y in pts), exercise.id
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    assert max(xs) - min(xs) > 0.8 * (w - 20) or max(ys) - min(ys) > 0.8 * (h - 20)  # fills it
    assert ET.fromstring(svg).attrib["aria-label"].startswith(exercise.name)  # for screen readers


def test_every_picture_is_distinct() -> None:
    drawn = {e.id: exercise_svg(e) for e in LIBRARY.exercises}
    assert len(set(drawn.values())) == len(drawn)
    ends = {e.id: tuple(np.round(np.concatenate(list(bm.points(
        bm.resolve(e.picture.start, e.picture.end)).values())), 3))
        for e in LIBRARY.exercises}  # fmt: skip
    same_pose = {}
    for eid, pose in ends.items():
        same_pose.setdefault(pose, []).append(eid)
    # only equipment tells these apart (the band moves down the legs: its own picture)
    shared = sorted(sorted(ids) for ids in same_pose.values() if len(ids) > 1)
    assert shared == [["clamshell", "clamshell-band"],
                      ["side-steps-band-shins", "side-steps-band-thighs"]]  # fmt: skip


def test_movement_is_shown_by_an_arrow_and_a_hold_by_a_ring() -> None:
    moved = exercise_svg(LIBRARY.get("clamshell"))
    assert f'stroke="{ARROW}"' in moved and "<path" in moved
    held = exercise_svg(LIBRARY.get("short-foot"))
    assert "<path" not in held and "stroke-dasharray" in held
    for e in LIBRARY.exercises:
        if e.picture.end != BodyPose() and e.id not in ("adductor-squeeze",):
            assert "<path" in exercise_svg(e), f"{e.id} moves but shows no arrow"


def test_the_equipment_is_drawn() -> None:
    for e in LIBRARY.exercises:
        svg = exercise_svg(e)
        items = {n.item for n in e.equipment}
        assert (BAND in svg) == (e.picture.band is not None)
        if "band" in items:
            assert BAND in svg, e.id
        if "step" in items:
            assert STEP in svg, e.id
        if "soft-ball" in items:
            assert BALL in svg, e.id
        if "foam-roller" in items:
            assert e.picture.roller is not None, e.id
        if items & {"dumbbell", "ankle-weight"}:
            assert e.picture.weights, e.id


def test_a_figure_stands_on_its_step_and_on_the_floor() -> None:
    from kneecoach.reports import exercise_picture as ep

    pic = Picture(view="side", step="right", fixed="right_foot",
                  start=BodyPose(left=LimbPose(hip=20)))  # fmt: skip
    cam = bm.Camera(azimuth=-90, elevation=0)
    raw = bm.points(bm.resolve(pic.start))
    box = ep._step_box(pic, raw)
    placed, _ = ep._place(pic, bm.resolve(pic.start), cam, None, box)
    sole = min(placed.world["right_heel"][1], placed.world["right_toe"][1])
    assert sole == pytest.approx(ep.STEP_H)  # on the step, not in it
    assert placed.world["left_toe"][1] > 0  # the free foot hangs above the floor
    floor = Picture(view="side", start=BodyPose())
    on_floor, _ = ep._place(floor, bm.resolve(floor.start), cam, None, None)
    assert min(p[1] for p in on_floor.world.values()) == pytest.approx(0)


def test_the_png_is_the_same_picture_for_the_pdf() -> None:
    png = exercise_png(LIBRARY.get("glute-bridge-band"))
    image = Image.open(io.BytesIO(png)).convert("RGB")
    assert image.size == (400, 300)
    colours = {c for _, c in image.getcolors(maxcolors=1 << 20) or []}
    assert (0xD1, 0x36, 0x4F) in colours  # the band
    assert (0x1F, 0x3B, 0x5C) in colours  # the figure


def test_the_contact_sheet_in_the_docs_is_current() -> None:
    sheet = contact_sheet(LIBRARY)
    assert sheet.count("<svg ") == len(LIBRARY.exercises) + 1
    assert SHEET.read_text(encoding="utf-8") == sheet, (
        "docs/images/exercise-pictures.svg is out of date: "
        "kneecoach exercises --contact-sheet docs/images/exercise-pictures.svg"
    )
