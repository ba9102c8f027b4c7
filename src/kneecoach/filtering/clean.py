"""The cleaning stage as one function: raw track in, clean track out."""

from __future__ import annotations

import xarray as xr

from kneecoach.core.settings import Settings
from kneecoach.filtering.confidence import filter_by_confidence
from kneecoach.filtering.gaps import interpolate_gaps
from kneecoach.filtering.jumps import find_jumps
from kneecoach.filtering.smoothing import filter_butterworth
from kneecoach.filtering.swaps import fix_lr_swaps


def clean_track(raw: xr.Dataset, /, *, settings: Settings) -> xr.Dataset:
    """Mask low confidence → find jumps → fix left/right swaps → fill short gaps → low-pass.

    Swaps are fixed before interpolation and filtering so that neither blends a
    left keypoint into a right one; neither fills nor filters across a jump to
    another body (:mod:`kneecoach.filtering.jumps`). Each step is recorded in
    the track's log.
    """
    ds = filter_by_confidence(raw, threshold=settings.confidence_threshold)
    jumps = find_jumps(ds)
    if settings.fix_swaps:
        ds = fix_lr_swaps(ds)
    ds = interpolate_gaps(ds, max_gap_s=settings.max_gap_s, breaks=jumps)
    return filter_butterworth(
        ds, cutoff_hz=settings.cutoff_hz, order=settings.filter_order, breaks=jumps
    )
