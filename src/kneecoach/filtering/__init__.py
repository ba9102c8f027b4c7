"""Cleaning a raw pose track: mask, unswap, fill short gaps, low-pass filter."""

from kneecoach.filtering.clean import clean_track
from kneecoach.filtering.confidence import filter_by_confidence
from kneecoach.filtering.gaps import interpolate_gaps
from kneecoach.filtering.smoothing import filter_butterworth
from kneecoach.filtering.swaps import detect_lr_swaps, fix_lr_swaps

__all__ = [
    "clean_track",
    "detect_lr_swaps",
    "filter_butterworth",
    "filter_by_confidence",
    "fix_lr_swaps",
    "interpolate_gaps",
]
