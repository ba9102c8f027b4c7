"""Per-frame measures: pure geometry on 2D keypoints, then a per-frame table."""

from kneecoach.metrics.frames import FrameMeasures, frame_measures

__all__ = ["FrameMeasures", "frame_measures"]
