"""Pose backends by name: the built-in MediaPipe one, and any registered later.

Built-in backends are named by where their factory lives and imported on first use (the
model loads only when one is created), so no backend module imports this one back.
Another backend is added by decorating a factory with :func:`register_estimator`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from kneecoach.core.errors import InputError
from kneecoach.pose.base import PoseEstimator

Factory = Callable[..., PoseEstimator]
#: built-in backend → "module:factory"
BUILTIN = {"mediapipe": "kneecoach.pose.mediapipe:create_mediapipe"}
_REGISTRY: dict[str, Factory] = {}


def register_estimator(name: str) -> Callable[[Factory], Factory]:
    """Register a backend factory under ``name``."""

    def decorate(factory: Factory) -> Factory:
        _REGISTRY[name] = factory
        return factory

    return decorate


def available_estimators() -> list[str]:
    """Names of the backends that can be created."""
    return sorted({*BUILTIN, *_REGISTRY})


def create_estimator(name: str, /, **options: Any) -> PoseEstimator:
    """Create the backend ``name``."""
    if name not in _REGISTRY and name in BUILTIN:
        module, factory = BUILTIN[name].split(":")
        _REGISTRY[name] = getattr(importlib.import_module(module), factory)
    if name not in _REGISTRY:
        raise InputError(f"unknown pose backend {name!r}; available: {available_estimators()}")
    return _REGISTRY[name](**options)
