import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneecoach.core.errors import InputError
from kneecoach.core.runs import true_runs
from kneecoach.core.schema import KEYPOINTS, LOWER_LIMB, mirror_name, mirror_pairs
from kneecoach.core.track import effective_fps, from_numpy, log_step, read_log


@pytest.mark.parametrize("name", KEYPOINTS)
def test_mirror_is_an_involution_that_stays_in_the_skeleton(name: str) -> None:
    assert mirror_name(name) in KEYPOINTS
    assert mirror_name(mirror_name(name)) == name
    assert (mirror_name(name) == name) == (name == "nose")


def test_every_left_keypoint_has_a_right_partner() -> None:
    left, right = mirror_pairs(KEYPOINTS)
    assert len(left) == len(right) == 16
    for li, ri in zip(left, right, strict=True):
        assert "left" in KEYPOINTS[li] and KEYPOINTS[ri] == mirror_name(KEYPOINTS[li])
    assert set(LOWER_LIMB) <= set(KEYPOINTS)
    assert mirror_pairs(["left_knee", "right_knee", "nose"], ("left_knee", "left_hip")) == (
        [0],
        [1],
    )


def test_from_numpy_builds_a_movement_style_dataset() -> None:
    pos = np.arange(3 * 33 * 2, dtype=float).reshape(3, 33, 2)
    ds = from_numpy(pos, np.ones((3, 33)), time_s=[0, 0.1, 0.25], fps=8, image_size=(640, 480))
    assert ds["position"].dims == ("time", "space", "keypoints", "individuals")
    assert ds["confidence"].dims == ("time", "keypoints", "individuals")
    assert ds.attrs["ds_type"] == "poses" and ds.attrs["image_width"] == 640
    assert ds["position"].sel(keypoints="nose", space="y").values[1, 0] == pos[1, 0, 1]
    assert list(ds["frame"].values) == [0, 1, 2]


def test_from_numpy_lists_every_problem_at_once() -> None:
    with pytest.raises(InputError) as err:
        from_numpy(np.zeros((3, 5, 2)), np.zeros((2, 5)), time_s=[0, 0, 1], fps=-1)
    text = str(err.value)
    assert "position" in text and "confidence" in text and "fps" in text


def test_timestamps_must_increase() -> None:
    with pytest.raises(InputError, match="strictly increasing"):
        from_numpy(np.zeros((3, 33, 2)), time_s=[0, 0.2, 0.1], fps=10)


def test_log_appends_without_touching_the_input(squat) -> None:
    before = read_log(squat)
    after = log_step(squat, "step", threshold=0.5, values=np.int64(3))
    assert read_log(squat) == before
    assert read_log(after)[-1]["operation"] == "step"
    assert read_log(after)[-1]["params"] == {"threshold": 0.5, "values": 3}


def test_effective_fps_from_variable_timestamps() -> None:
    assert effective_fps([0.0, 0.0017, 0.035, 0.1]) == pytest.approx(30.0)
    with pytest.raises(InputError):
        effective_fps([1.0])


@given(st.lists(st.booleans(), max_size=40))
def test_true_runs_reconstructs_the_mask(mask: list[bool]) -> None:
    rebuilt = np.zeros(len(mask), dtype=bool)
    for a, b in true_runs(mask):
        assert a < b
        rebuilt[a:b] = True
    assert rebuilt.tolist() == mask
