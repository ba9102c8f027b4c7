"""Choosing and following one person, with a scripted stand-in for the model."""

import numpy as np
import pytest

from kneecoach.core.errors import InputError
from kneecoach.core.settings import parse_select
from kneecoach.pose.base import PoseResult
from kneecoach.pose.follow import PersonFollower, choose_person, expand_box, iou

BOXES = [(0, 0, 10, 40), (50, 0, 90, 100), (30, 30, 50, 70)]


@pytest.mark.parametrize(
    ("rule", "expected"),
    [("largest", 1), ("central", 2), ("left", 0), ("right", 1), ((5.0, 20.0), 0)],
)
def test_choose_person(rule, expected) -> None:
    assert choose_person(BOXES, rule=rule, image_size=(80, 100)) == expected


def test_parse_select() -> None:
    assert parse_select("central") == "central"
    assert parse_select("320,240") == (320.0, 240.0)
    with pytest.raises(InputError, match="--person-select"):
        parse_select("tallest")


def test_boxes() -> None:
    assert expand_box((10, 10, 20, 30), margin=0.5, image_size=(100, 100), min_frac=0) == (
        5,
        0,
        25,
        40,
    )
    assert iou((0, 0, 10, 10), (0, 0, 10, 10)) == 1 and iou((0, 0, 1, 1), (5, 5, 6, 6)) == 0


def scene_model(static: bool):
    """Fake model: people are filled rectangles of grey levels 200+ in the image it is given.

    It returns the largest visible rectangle as a pose spanning it, in the given
    image's own pixels, as a real model would for a crop or a masked frame.
    """

    class Model:
        name = "scene"

        def estimate(self, image):
            best = None
            for level in (200, 220, 240):
                ys, xs = np.nonzero(image[..., 0] == level)
                if len(xs) and (best is None or len(xs) > best[0]):
                    best = (len(xs), xs, ys)
            if best is None:
                return None
            _, xs, ys = best
            xy = np.column_stack(
                [np.linspace(xs.min(), xs.max(), 33), np.linspace(ys.min(), ys.max(), 33)]
            ).astype(float)
            return PoseResult(xy, np.ones(33))

        def close(self):
            pass

    return Model()


def frame_with(*people):
    image = np.zeros((400, 600, 3), dtype=np.uint8)
    for level, (x0, y0, x1, y1) in people:
        image[y0:y1, x0:x1] = level
    return image


@pytest.mark.parametrize(("rule", "x_expected"), [("largest", 400), ("left", 50), ("60,150", 50)])
def test_follower_chooses_by_rule_and_reports_it(rule, x_expected) -> None:
    follower = PersonFollower(scene_model, select=rule)
    pose = follower.estimate(frame_with((200, (50, 100, 90, 200)), (220, (400, 50, 500, 350))))
    assert follower.people_found == 2 and "2 people found" in follower.note
    assert pose is not None and pose.xy[:, 0].min() == pytest.approx(x_expected)


def test_follower_stays_with_its_person_when_a_bigger_one_walks_in() -> None:
    follower = PersonFollower(scene_model, select="largest")
    track = []
    for i in range(10):
        people = [(200, (100 + 5 * i, 100, 160 + 5 * i, 300))]
        if i >= 3:  # a bigger bystander enters at the far right
            people.append((240, (450, 0, 600, 400)))
        pose = follower.estimate(frame_with(*people))
        track.append(None if pose is None else pose.xy[:, 0].min())
    assert track == [100 + 5 * i for i in range(10)]


def test_follower_rejects_an_implausible_jump() -> None:
    follower = PersonFollower(scene_model, select="largest")
    assert follower.estimate(frame_with((200, (100, 100, 140, 300)))) is not None
    # the followed person vanishes; someone else sits inside the widened search box
    assert follower.estimate(frame_with((220, (5, 100, 25, 110)))) is None


def test_follower_finds_the_person_again_after_they_left_the_picture() -> None:
    follower = PersonFollower(scene_model, select="largest")
    assert follower.estimate(frame_with((200, (50, 100, 110, 300)))) is not None
    for _ in range(PersonFollower.reacquire_after):
        assert follower.estimate(frame_with()) is None  # walked out
    back = follower.estimate(frame_with((200, (480, 100, 540, 300))))  # in again, far right
    assert back is not None and back.xy[:, 0].min() == pytest.approx(480)
