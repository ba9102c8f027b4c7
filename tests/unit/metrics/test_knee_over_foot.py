"""The knee over its foot (science.md §1.5): exact geometry, front and rear, toe-out and in."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneecoach.metrics.geometry import knee_over_foot

# a subject's left leg seen from the front: the left hip is on the image's right (x 110),
# the other hip at x 90, so medial is image −x; ankle below the hip
HIP, OTHER, ANKLE = (110.0, 100.0), (90.0, 100.0), (110.0, 200.0)


def offset(knee_x: float, toe: tuple[float, float], *, mirror: bool = False) -> float:
    """The measure for a knee at ``knee_x`` (height 150); ``mirror``: the same leg seen from
    behind (every x reflected about 100: the leg now on the image's left)."""

    def m(p: tuple[float, float]) -> list[list[float]]:
        return [[200 - p[0] if mirror else p[0], p[1]]]

    return float(knee_over_foot(m((knee_x, 150)), m(ANKLE), m(toe), m(HIP), m(OTHER))[0])


@pytest.mark.parametrize("mirror", [False, True])
def test_toe_out_knee_inside_over_and_outside_the_foot(mirror: bool) -> None:
    toe = (122.0, 205.0)  # turned out: lateral is +x; midfoot at x 116
    assert offset(110.0, toe, mirror=mirror) == pytest.approx(6.0)  # medial of the midfoot
    assert offset(116.0, toe, mirror=mirror) == 0.0  # over the midfoot
    assert offset(120.0, toe, mirror=mirror) == 0.0  # between midfoot and toe: over the foot
    assert offset(125.0, toe, mirror=mirror) == pytest.approx(-3.0)  # beyond the toe: outside


@pytest.mark.parametrize("mirror", [False, True])
def test_toe_in_the_toe_is_the_inner_edge(mirror: bool) -> None:
    toe = (104.0, 205.0)  # turned in: toe medial of the ankle; midfoot at x 107
    assert offset(102.0, toe, mirror=mirror) == pytest.approx(2.0)  # inside the toe
    assert offset(105.0, toe, mirror=mirror) == 0.0
    assert offset(110.0, toe, mirror=mirror) == pytest.approx(-3.0)  # outside the midfoot


def test_the_right_leg_is_signed_the_same_way() -> None:
    # the subject's right leg on the image's left, medial is +x; toe turned out (−x)
    hip, other, ankle, toe = [[90.0, 100]], [[110.0, 100]], [[90.0, 200]], [[78.0, 205]]
    inside = knee_over_foot([[93.0, 150]], ankle, toe, hip, other)
    outside = knee_over_foot([[70.0, 150]], ankle, toe, hip, other)
    assert inside[0] == pytest.approx(9.0) and outside[0] == pytest.approx(-8.0)


def test_a_missing_keypoint_gives_no_value() -> None:
    nan = [[np.nan, np.nan]]
    assert np.isnan(knee_over_foot([[110.0, 150]], [[110.0, 200]], nan, [HIP], [OTHER])[0])
    assert np.isnan(knee_over_foot(nan, [[110.0, 200]], [[120.0, 205]], [HIP], [OTHER])[0])


finite = st.floats(-500, 500, allow_nan=False)


@given(knee=finite, ankle=finite, toe=finite, shift=finite)
def test_mirror_and_shift_invariant(knee: float, ankle: float, toe: float, shift: float) -> None:
    """Seen in a mirror, or with the camera moved sideways, the knee is as far in."""
    hip, other = 0.0, -50.0

    def value(sign: float, dx: float) -> float:
        def p(x: float, y: float) -> list[list[float]]:
            return [[sign * x + dx, y]]

        return float(knee_over_foot(p(knee, 150), p(ankle, 200), p(toe, 205), p(hip, 100),
                                    p(other, 100))[0])  # fmt: skip

    base = value(1.0, 0.0)
    assert value(-1.0, 0.0) == pytest.approx(base, abs=1e-6)
    assert value(1.0, shift) == pytest.approx(base, abs=1e-6)
