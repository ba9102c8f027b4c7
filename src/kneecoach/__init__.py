"""kneecoach: find dynamic knee valgus on video and coach people out of it.

Importing the package only defines things: no logging set-up, no model loading,
no network access.
"""

from kneecoach.core.errors import (
    InputError,
    InsufficientDataError,
    KneecoachError,
    PoseEstimationError,
)

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "InsufficientDataError",
    "KneecoachError",
    "PoseEstimationError",
    "__version__",
]
