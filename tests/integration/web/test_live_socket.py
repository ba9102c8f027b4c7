"""``/api/live`` in-process: frames in, keypoints, measures and cues out (the pose model is
the fake that replays a synthetic squat, so the answers are known)."""

from __future__ import annotations

import re
import struct
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from tests.fixtures.sense import FPS, Scripted

from kneecoach.app.journal import Journal
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.sample_data.synthetic import double_leg_squat
from kneecoach.storage.models import SessionLog
from kneecoach.web.app import create_app

JPEG = cv2.imencode(".jpg", np.zeros((480, 640, 3), dtype=np.uint8))[1].tobytes()


def _frame(t_ms: float, jpeg: bytes = JPEG) -> bytes:
    return struct.pack("<d", t_ms) + jpeg


@pytest.fixture
def journal(tmp_path: Path):  # type: ignore[no-untyped-def]
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite3'}") as j:
        yield j


def test_each_frame_is_answered_with_its_timestamp_measures_and_cue(journal: Journal) -> None:
    squat = double_leg_squat(peak_fppa_deg=(14.0, 2.0), depth_px=150)
    app = create_app(journal, live_pose=lambda: FakePoseEstimator(squat))
    times = squat["time"].values
    with TestClient(app).websocket_connect("/api/live") as ws:
        replies = []
        for t in times:
            ws.send_bytes(_frame(float(t) * 1000))
            replies.append(ws.receive_json())
        ws.send_bytes(b"short")
        assert "error" in ws.receive_json()
        ws.send_bytes(_frame(1.0, b"not a jpeg"))
        assert ws.receive_json() == {"t": 1.0, "error": "not a JPEG image"}
    assert [r["t"] for r in replies] == pytest.approx([float(t) * 1000 for t in times])
    first = replies[0]
    assert set(first["keypoints"]) >= {"left_hip", "left_knee", "left_ankle", "left_foot_index"}
    assert first["knee_over_foot_left_pct"] == pytest.approx(2.4, abs=0.2)  # standing
    assert max(r["knee_over_foot_left_pct"] for r in replies) > 6.0  # the left knee caves
    for r in replies:  # the cue is the measure against the default line (2% of leg length)
        v = r["knee_over_foot_left_pct"]
        assert r["cue"]["left"] == ("inside" if v > 2.0 else "drifting" if v > 1.0 else "in line")
    assert all(r["server_ms"] >= 0 for r in replies)


def test_another_sites_page_and_a_missing_login_are_refused(journal: Journal) -> None:
    squat = double_leg_squat()
    client = TestClient(create_app(journal, live_pose=lambda: FakePoseEstimator(squat)))
    evil = {"Origin": "http://evil.example"}
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/api/live", headers=evil),
    ):
        pass
    assert closed.value.code == 1008
    guarded = TestClient(create_app(journal, password="pw",
                                    live_pose=lambda: FakePoseEstimator(squat)))  # fmt: skip
    with pytest.raises(WebSocketDisconnect) as refused, guarded.websocket_connect("/api/live"):
        pass
    assert refused.value.code == 1008


def test_the_train_page_uses_the_persons_last_assessment_noise(journal: Journal) -> None:
    client = TestClient(create_app(journal))
    page = client.get("/train")
    assert page.status_code == 200 and 'data-inside="2.0"' in page.text
    assert client.get("/train?person=" + "0" * 32).status_code == 404


def test_a_trained_set_is_saved_to_the_journal_with_its_per_rep_numbers(journal: Journal) -> None:
    squat = double_leg_squat(reps=2, depth_px=150)
    key = journal.add_person("Ola").key
    app = create_app(journal, live_pose=lambda: FakePoseEstimator(squat))
    with TestClient(app).websocket_connect(f"/api/live?person={key}") as ws:
        ws.send_text('{"command": "save_set"}')
        assert "no rep was counted" in ws.receive_json()["error"]
        done = []
        for t in squat["time"].values:
            ws.send_bytes(_frame(float(t) * 1000))
            if (reply := ws.receive_json())["rep"]:
                done.append(reply["rep"])
        assert [r["index"] for r in done] == [1, 2] and reply["reps"] == 2
        ws.send_text('{"command": "save_set", "exercise_id": "wall-squat"}')
        saved = ws.receive_json()["saved"]
    assert saved["reps"] == done
    (log,) = journal.history("Ola", today=date.today()).logs
    assert log.done
    with journal.transaction() as session:
        stored = session.scalars(select(SessionLog)).one().exercises
    assert stored[0]["live_reps"] == done and stored[0]["exercise_id"] == "wall-squat"
    progress = TestClient(app).get(f"/people/{key}/progress").text  # shown over the weeks
    row = re.search(r'<table class="trained">.*?</table>', progress, re.S)
    assert row and "wall-squat" in row.group(0) and "<td>2</td>" in row.group(0)


def test_without_a_person_a_set_cannot_be_saved(journal: Journal) -> None:
    app = create_app(journal, live_pose=lambda: FakePoseEstimator(double_leg_squat()))
    with TestClient(app).websocket_connect("/api/live") as ws:
        ws.send_text('{"command": "save_set"}')
        assert "from a person's page" in ws.receive_json()["error"]
        ws.send_text("hello")
        assert "command" in ws.receive_json()["error"]


def test_a_position_sense_test_over_the_socket_is_scored_and_stored(journal: Journal) -> None:
    key = journal.add_person("Uma").key
    pose = Scripted()
    app = create_app(journal, live_pose=lambda: pose)
    with TestClient(app).websocket_connect(f"/api/live?person={key}") as ws:
        ws.send_text('{"command": "sense", "kind": "knee_over_toe"}')
        assert ws.receive_json()["sense_started"] == "knee_over_toe"
        result = None
        for i in range(len(pose.frames)):
            ws.send_bytes(_frame(1000 * i / FPS))
            reply = ws.receive_json()
            assert reply["sense"]["needed"] == 3 and reply["feedback"] is False  # eyes closed
            if reply["sense"]["trials"] == 3:
                result = ws.receive_json()
                break
    assert result is not None and result["stored"] is True
    assert result["sense_result"]["absolute_error_left"] == pytest.approx(3.0, abs=0.1)
    (test,) = journal.history("Uma", today=date.today()).sense_tests
    assert test[1] == "knee_over_toe"
    progress = TestClient(app).get(f"/people/{key}/progress").text
    assert "Knee position sense" in progress and "screening test" in progress


def test_a_timed_set_is_held_counted_and_saved(journal: Journal) -> None:
    key = journal.add_person("Ada").key
    pose = Scripted()  # its still holds are what a timed exercise holds
    app = create_app(journal, live_pose=lambda: pose)
    with TestClient(app).websocket_connect(f"/api/live?person={key}") as ws:
        ws.send_text('{"command": "timed", "seconds": 2}')
        assert ws.receive_json() == {"timed": 2.0}
        held = []
        for i in range(len(pose.frames)):
            ws.send_bytes(_frame(1000 * i / FPS))
            held.append(ws.receive_json()["hold"]["held_s"])
        assert held == sorted(held) and held[-1] == pytest.approx(2.0, abs=0.05)  # reached
        ws.send_text('{"command": "save_set", "exercise_id": "single-leg-balance"}')
        saved = ws.receive_json()["saved"]
    assert saved["hold"]["done"] is True and saved["reps"] == []
    with journal.transaction() as session:
        stored = session.scalars(select(SessionLog)).one().exercises
    assert stored[0]["live_hold"]["held_s"] == pytest.approx(2.0, abs=0.05)
    progress = TestClient(app).get(f"/people/{key}/progress").text
    assert "<td>held 2 s</td>" in progress
