"""Text on images in OpenCV's Hershey font, which has no ``°``: the sign is drawn as a ring."""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

FONT = cv2.FONT_HERSHEY_SIMPLEX
BLACK = (0, 0, 0)


def _pieces(text: str, scale: float, thickness: int) -> tuple[list[tuple[str | None, int]], int]:
    """The parts of ``text`` with their x offsets (``None``: a ``°`` ring), and the width."""
    pieces: list[tuple[str | None, int]] = []
    x = 0
    for i, part in enumerate(text.split("°")):
        if i:
            pieces.append((None, x))
            x += 2 * _radius(scale) + 4
        if part:
            pieces.append((part, x))
            x += int(cv2.getTextSize(part, FONT, scale, thickness)[0][0])
    return pieces, x


def _radius(scale: float) -> int:
    return max(2, round(5 * scale))


def text_width(text: str, scale: float, thickness: int) -> int:
    """Width in pixels of ``text`` as :func:`put_text` draws it."""
    return _pieces(text, scale, thickness)[1]


def put_text(
    img: npt.NDArray[np.uint8],
    text: str,
    org: tuple[int, int],
    scale: float,
    colour: tuple[int, int, int],
    thickness: int,
    *,
    outline: int = 0,
) -> None:
    """``cv2.putText`` that also draws ``°``; ``outline`` > 0 first draws the text in
    black that many pixels thicker, so that it reads on any background."""
    pieces, _ = _pieces(text, scale, thickness)
    x, y = org
    cap = int(cv2.getTextSize("0", FONT, scale, thickness)[0][1])
    r = _radius(scale)
    passes = ([(BLACK, outline)] if outline else []) + [(colour, 0)]
    for c, extra in passes:
        for part, dx in pieces:
            if part is None:
                centre = (x + dx + r + 2, y - cap + r)
                cv2.circle(img, centre, r, c, max(1, thickness - 1) + extra, cv2.LINE_AA)
            else:
                cv2.putText(img, part, (x + dx, y), FONT, scale, c, thickness + extra, cv2.LINE_AA)
