"""MediaPipe's own start-up logging stays off the console unless --debug is given."""

import time

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
