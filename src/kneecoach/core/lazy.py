"""Modules loaded on first use, so that a command imports only what it runs.

``kneecoach --help`` must not pay for the measuring stack (MediaPipe, SciPy,
Matplotlib, xarray) nor the journal's database layer. The command-line modules
name the heavy modules they use with :func:`lazy_module`; their types come from
a normal import under ``TYPE_CHECKING``, so mypy still checks every use.
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """The module ``name``, executed only when one of its attributes is first read.

    The standard library's :class:`importlib.util.LazyLoader` recipe; a module that is
    already imported is returned as it is.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(f"no module named {name!r}", name=name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module
