"""The ``PoseEstimator`` interface and a registry of backends.

A backend turns one RGB image into keypoint positions (pixels of that image)
and per-keypoint confidences, in the canonical keypoint order of
:data:`kneecoach.core.schema.KEYPOINTS`. Another backend is added by
decorating a factory with :func:`register_estimator`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from kneecoach.core.errors import InputError

FloatArray = npt.NDArray[np.float64]
Image = npt.NDArray[np.uint8]


@dataclass(frozen=True)
class PoseResult:
    """One person's pose in one image: ``xy`` is ``(K, 2)`` pixels, ``confidence`` ``(K,)``."""

    xy: FloatArray
    confidence: FloatArray

    def bbox(self, *, min_confidence: float = 0.3) -> tuple[float, float, float, float]:
        """``(x0, y0, x1, y1)`` of the keypoints at or above ``min_confidence``."""
        ok = self.confidence >= min_confidence
        pts = self.xy[ok] if ok.sum() >= 4 else self.xy
        x0, y0 = np.nanmin(pts, axis=0)
        x1, y1 = np.nanmax(pts, axis=0)
        return float(x0), float(y0), float(x1), float(y1)

    def shifted(self, dx: float, dy: float) -> PoseResult:
        """The same pose in a frame whose origin is ``(-dx, -dy)`` from this one."""
        return PoseResult(self.xy + np.array([dx, dy]), self.confidence)


class PoseEstimator(Protocol):
    """What every backend provides."""

    name: str

    @property
    def note(self) -> str:
        """One sentence on whom the backend followed (shown to the user and logged)."""
        ...

    def estimate(self, image: Image, /) -> PoseResult | None:
        """Pose of the followed person in ``image`` (RGB, ``(h, w, 3)``), or ``None``."""
        ...

    def close(self) -> None:
        """Release the model."""
        ...


Factory = Callable[..., PoseEstimator]
_REGISTRY: dict[str, Factory] = {}


def register_estimator(name: str) -> Callable[[Factory], Factory]:
    """Register a backend factory under ``name``."""

    def decorate(factory: Factory) -> Factory:
        _REGISTRY[name] = factory
        return factory

    return decorate


def available_estimators() -> list[str]:
    """Names of the registered backends."""
    _load_builtin()
    return sorted(_REGISTRY)


def create_estimator(name: str, /, **options: Any) -> PoseEstimator:
    """Create a registered backend."""
    _load_builtin()
    if name not in _REGISTRY:
        raise InputError(f"unknown pose backend {name!r}; available: {available_estimators()}")
    return _REGISTRY[name](**options)


def _load_builtin() -> None:
    # Importing the module registers it; mediapipe itself loads only on creation.
    import kneecoach.pose.mediapipe  # noqa: F401
