"""MediaPipe's own start-up logging stays off the console unless --debug is given."""

import os
import time
from types import SimpleNamespace

import numpy as np
import pytest

from kneecoach.pose.mediapipe import MediaPipePose


@pytest.mark.parametrize("static", [True, False])
def test_graph_start_is_quiet(
    static: bool, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph opens its models in its own threads, after the constructor has returned."""
    monkeypatch.delenv("KNEECOACH_DEBUG", raising=False)
    pose = MediaPipePose(static_image_mode=static)
    time.sleep(1.0)  # whatever the graph logs while it opens has been written by now
    pose.close()
    err = capfd.readouterr().err
    assert "XNNPACK" not in err and "W0000" not in err, err


def test_calls_stay_quiet_until_the_first_landmarks(
    capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The graph warns (landmark_projection_calculator) when it first projects landmarks,
    which may be many frames after the start: a person who comes into view later, or a
    second instance that looks for a lost person (side_drop_landing_2persons_01)."""
    monkeypatch.delenv("KNEECOACH_DEBUG", raising=False)
    pose = MediaPipePose(static_image_mode=True)
    real = pose._pose

    class Graph:  # no one in view yet; logs on fd 2 as MediaPipe's C++ code does
        def process(self, image: np.ndarray) -> SimpleNamespace:
            os.write(2, b"W0000 landmark_projection_calculator\n")
            return SimpleNamespace(pose_landmarks=None)

    pose._pose = Graph()
    blank = np.zeros((64, 64, 3), np.uint8)
    assert pose.estimate(blank) is None and pose.estimate(blank) is None
    assert "W0000" not in capfd.readouterr().err
    pose._pose = real
    pose.close()
