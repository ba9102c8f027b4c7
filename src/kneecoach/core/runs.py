"""Runs of consecutive ``True`` values: the basis of gap, segment and swap handling."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt


def true_runs(mask: npt.ArrayLike, /) -> list[tuple[int, int]]:
    """``[(start, stop), ...]`` half-open index ranges where ``mask`` is True."""
    m = np.asarray(mask, dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[False], m, [False]]).astype(np.int8)))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
