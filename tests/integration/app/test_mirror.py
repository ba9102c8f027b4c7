"""Mirror invariance on a real clip (issue 16, item 4): the same squat flipped horizontally
gives the same knee-over-foot numbers with the sides swapped, within the measure's noise
floor, and the same verdicts. Measured (this test's clip and _01, _05): 0.1-1.3% of leg
length apart, under the 2% floor; the pelvis's tilt is not mirror-consistent at depth
(up to 7.2°), which is why its own noise is that large (assessment.summary)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest
from tests.conftest import media

from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.assessment.norms import FPPA_MIRROR_DEG
from kneecoach.capture.video import VideoReader
from kneecoach.io import load_keypoints
from kneecoach.metrics.frames import KNEE_OVER_FOOT_NOISE_FLOOR_PCT, frame_measures

pytestmark = [pytest.mark.media, pytest.mark.model]


def mirrored(source: Path, out: Path) -> Path:
    """``source`` as kneecoach reads it (rotation applied), flipped left to right."""
    with VideoReader(source) as reader, av.open(str(out), "w") as container:
        stream = None
        for frame in reader.frames():
            image = np.ascontiguousarray(frame.image[:, ::-1])
            if stream is None:
                stream = container.add_stream("libx264", rate=round(reader.info.nominal_fps or 30))
                stream.pix_fmt = "yuv420p"
                stream.width, stream.height = image.shape[1] // 2 * 2, image.shape[0] // 2 * 2
            image = np.ascontiguousarray(image[: stream.height, : stream.width])
            for packet in stream.encode(av.VideoFrame.from_ndarray(image, format="rgb24")):
                container.mux(packet)
        assert stream is not None
        for packet in stream.encode():
            container.mux(packet)
    return out


def test_a_mirrored_squat_swaps_the_sides_and_keeps_the_numbers(tmp_path: Path) -> None:
    clip = media("front_overhead_squat_04.mov")
    flipped = mirrored(clip, tmp_path / "flipped.mp4")
    runs = [
        analyze(AnalysisRequest(src, tmp_path / name, test="squat", video=False)).assessment
        for src, name in ((clip, "a"), (flipped, "b"))
    ]
    original, mirror = runs
    # FPPA frame by frame (not read in a two-legged squat, but the same knees): the mirror
    # difference FPPA_MIRROR_DEG that a left-right difference must also exceed
    tables = [frame_measures(load_keypoints(tmp_path / n / "track.nc")).table for n in "ab"]
    for side, other in (("left", "right"), ("right", "left")):
        a = tables[0][f"fppa_{side}_deg"].to_numpy(float)
        b = tables[1][f"fppa_{other}_deg"].to_numpy(float)
        n = min(len(a), len(b))
        diff = np.abs(a[:n] - b[:n])
        diff = diff[np.isfinite(diff)]
        assert len(diff) > 30
        assert np.median(diff) <= FPPA_MIRROR_DEG / 2 and np.percentile(diff, 90) <= FPPA_MIRROR_DEG
    for side, other in (("left", "right"), ("right", "left")):
        a, b = original.sides[side], mirror.sides[other]
        assert a.knee_inward == b.knee_inward
        assert abs(a.peak_knee_over_foot_pct - b.peak_knee_over_foot_pct) < (
            KNEE_OVER_FOOT_NOISE_FLOOR_PCT
        )
