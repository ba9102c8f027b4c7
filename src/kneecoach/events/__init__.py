"""Rep and phase segmentation: where each rep starts, bottoms out and ends."""

from kneecoach.events.reps import Rep, segment

__all__ = ["Rep", "segment"]
