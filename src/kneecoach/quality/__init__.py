"""Is this clip good enough to measure? Detection, confidence, view, framing, fps."""

from kneecoach.quality.report import QualityReport, assess_quality
from kneecoach.quality.view import ViewEstimate, classify_view

__all__ = ["QualityReport", "ViewEstimate", "assess_quality", "classify_view"]
