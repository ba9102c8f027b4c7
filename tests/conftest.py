"""Shared fixtures: synthetic tracks, tiny videos, the real-clip folder."""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import xarray as xr

from kneecoach.sample_data.synthetic import single_leg_squat

MEDIA = Path(
    os.environ.get("KNEECOACH_MEDIA", Path(__file__).resolve().parents[2] / "shared" / "media")
)


@pytest.fixture(autouse=True)
def _isolated_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write the real user's config while testing."""
    monkeypatch.setenv("KNEECOACH_HOME", str(tmp_path_factory.mktemp("home")))


def media(name: str) -> Path:
    """Path of a shared real clip; skip the test with a reason when it is absent."""
    path = MEDIA / name
    if not path.exists():
        pytest.skip(f"real clip {name} not available: {MEDIA} is absent (see SOURCES.md there)")
    return path


@pytest.fixture
def squat() -> xr.Dataset:
    """A clean synthetic single-leg squat (60 fps, 9 s, left leg, 14° peak FPPA)."""
    return single_leg_squat()


def write_video(
    path: Path,
    *,
    n: int = 12,
    size: tuple[int, int] = (64, 48),
    times: list[float] | None = None,
    fps: int = 30,
    codec: str = "libx264",
    options: dict[str, str] | None = None,
    noise: bool = False,
) -> Path:
    """A tiny video (H.264 mp4 by default): frame i has a white vertical bar at x = 2 i (px);
    VFR via ``times``. With ``noise``, every frame is noise with a 1-px bar at x = i mod
    width, so that any number of frames all differ (seeking tests hash them)."""
    w, h = size
    rng = np.random.default_rng(7)
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=fps, options=options or {})
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        stream.time_base = Fraction(1, 1000)
        stream.codec_context.time_base = Fraction(1, 1000)
        for i in range(n):
            if noise:
                image = rng.integers(0, 60, size=(h, w, 3), dtype=np.uint8)
                image[:, i % w] = 255
            else:
                image = np.zeros((h, w, 3), dtype=np.uint8)
                image[:, 2 * i : 2 * i + 2] = 255
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            frame.pts = round(1000 * (times[i] if times else i / fps))
            frame.time_base = Fraction(1, 1000)
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def rotate_tag(src: Path, dest: Path) -> Path:
    """Copy an mp4 with its track matrix set to a 90° display rotation (as phones write it)."""
    data = bytearray(src.read_bytes())
    i = data.find(b"tkhd")
    offset = i + 8 + (32 if data[i + 4] == 1 else 20) + 16
    data[offset : offset + 36] = struct.pack(">9i", 0, 0x10000, 0, -0x10000, 0, 0, 0, 0, 0x40000000)
    dest.write_bytes(bytes(data))
    return dest


@pytest.fixture
def tiny_video(tmp_path: Path) -> Callable[..., Path]:
    """Factory for tiny test videos in ``tmp_path``."""

    def make(name: str = "clip.mp4", **kwargs: object) -> Path:
        return write_video(tmp_path / name, **kwargs)  # type: ignore[arg-type]

    return make
