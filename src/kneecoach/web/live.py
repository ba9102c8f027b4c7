"""``/api/live``: the trainer's WebSocket (docs/live-protocol.md) and the train page.

The browser sends camera frames; the server answers each with the keypoints, the live
measures and the cue of :class:`~kneecoach.live.feedback.LiveTracker`. One pose model per
connection, in tracking mode; the browser keeps at most one frame in flight and sends the
newest when an answer comes, so a slow server drops frames rather than falling behind.
"""

from __future__ import annotations

import json
import struct
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

import cv2
import numpy as np
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.websockets import WebSocket, WebSocketDisconnect

from kneecoach.core.errors import KneecoachError
from kneecoach.live.feedback import LiveReading, LiveTracker, Thresholds, live_pose
from kneecoach.live.reps import HoldTimer
from kneecoach.live.sense import KINDS, TRIALS, HoldDetector, score
from kneecoach.pose.base import PoseEstimator
from kneecoach.program import fading
from kneecoach.web.security import same_origin

if TYPE_CHECKING:
    from kneecoach.web.app import _Site

#: A frame larger than this is refused (a 640×480 JPEG is 30-80 kB).
MAX_FRAME_BYTES = 2 * 1024 * 1024
#: What a text message may ask (docs/live-protocol.md).
COMMANDS = ("save_set", "new_set", "sense", "timed")
#: How each frame starts: the client's timestamp (ms, little-endian float64), then the JPEG.
HEADER = struct.Struct("<d")


class Live:
    """The train page and its WebSocket, over one site."""

    def __init__(self, site: _Site, pose: Callable[[], PoseEstimator] = live_pose) -> None:
        self.site = site
        self.pose = pose

    def train_page(self, request: Request) -> Response:
        key = request.query_params.get("person", "")
        exercises: list[dict[str, object]] = []
        upcoming: date | None = None  # a rest day: the next session's exercises instead
        try:
            name, thresholds = self._who(key)
            if name is not None:
                exercises = self.site.journal.planned_or_nothing(name, date.today()).exercises
                if not exercises and (later := self.site.journal.next_planned(
                        name, date.today())) is not None:  # fmt: skip
                    exercises, upcoming = later.exercises, later.day
            _, fading = self._fading(name)
        except KneecoachError as exc:
            return self.site.failed(request, exc)
        return self.site.page(request, "train.html.j2", key=key, person=name,
                              thresholds=thresholds, exercises=exercises, fading=fading,
                              cues=_cues(exercises), upcoming=upcoming)  # fmt: skip

    def _who(self, key: str) -> tuple[str | None, Thresholds]:
        """The person with ``key`` (none for an empty key) and their inside threshold, from
        their last assessment (:class:`InputError` for an unknown key)."""
        if not key:
            return None, Thresholds()
        name = self.site.journal.name_of(key)
        return name, Thresholds.of(self.site.journal.latest_assessment(name))

    def _fading(self, name: str | None) -> tuple[int, str]:
        """Every how many reps get feedback today under the person's plan, and why."""
        plan = self.site.journal.current_plan(name) if name else None
        return fading.for_plan(plan, date.today())

    async def socket(self, websocket: WebSocket) -> None:
        if not same_origin(websocket) or not self.site.sessions.allowed(websocket):
            await websocket.close(code=1008)  # policy violation: not this server's page
            return
        try:
            name, thresholds = self._who(websocket.query_params.get("person", ""))
        except KneecoachError:
            await websocket.close(code=1008)
            return
        await websocket.accept()
        estimator = await run_in_threadpool(self.pose)
        tracker = LiveTracker(estimator, thresholds, feedback_every=self._fading(name)[0])
        try:
            while True:
                message = await websocket.receive()
                if message["type"] == "websocket.disconnect":
                    break
                if message.get("text") is not None:
                    await websocket.send_json(await self._command(message["text"], name, tracker))
                    continue
                data = message.get("bytes") or b""
                start = time.perf_counter()
                if not HEADER.size < len(data) <= MAX_FRAME_BYTES:
                    await websocket.send_json({"error": "send a timestamp and a JPEG frame"})
                    continue
                (t_ms,) = HEADER.unpack_from(data)
                image = _decode(data[HEADER.size :])
                if image is None:
                    await websocket.send_json({"t": t_ms, "error": "not a JPEG image"})
                    continue
                reading: LiveReading = await run_in_threadpool(
                    tracker.process, image, t_ms / 1000.0, echo=t_ms
                )
                reading = replace(reading, server_ms=1000 * (time.perf_counter() - start))
                await websocket.send_json(reading.to_json())
                if tracker.sense is not None and tracker.sense.done:
                    await websocket.send_json(await self._sensed(tracker, name))
        except WebSocketDisconnect:
            pass
        finally:
            estimator.close()

    async def _sensed(self, tracker: LiveTracker, name: str | None) -> dict[str, object]:
        """The finished position-sense test scored, stored for the person; training again."""
        assert tracker.sense is not None
        result = score(tracker.sense.kind, tracker.sense.trials)
        tracker.sense = None
        stored = None
        if name is not None:
            stored = await run_in_threadpool(
                self.site.journal.record_sense_test, name, date.today(), result
            )
        return {"sense_result": result.to_json(), "stored": stored is not None}

    async def _command(
        self, text: str, name: str | None, tracker: LiveTracker
    ) -> dict[str, object]:
        """``{"command": "save_set", "exercise_id": …}``: log the set's reps for the person
        (then a new set starts); ``{"command": "new_set"}``: start counting again;
        ``{"command": "sense", "kind": …}``: a position-sense test starts."""
        try:
            command = json.loads(text)
        except ValueError:
            command = None
        if not isinstance(command, dict) or command.get("command") not in COMMANDS:
            return {"error": f"send one of the commands {', '.join(COMMANDS)}"}
        if command["command"] == "new_set":
            tracker.counter.reset()
            tracker.hold = None
            return {"new_set": True}
        if command["command"] == "timed":
            seconds = command.get("seconds")
            if not isinstance(seconds, int | float) or not 1 <= seconds <= 600:
                return {"error": "a timed set needs its seconds (1-600)"}
            tracker.counter.reset()
            tracker.hold = HoldTimer(float(seconds))
            return {"timed": float(seconds)}
        if command["command"] == "sense":
            kind = command.get("kind", "knee_over_toe")
            if kind not in KINDS:
                return {"error": f"a sense test is one of {', '.join(KINDS)}"}
            tracker.sense = HoldDetector(kind)
            return {"sense_started": kind, "label": KINDS[kind], "trials": TRIALS}
        if name is None:
            return {"error": "open the trainer from a person's page to save their sets"}
        exercise = command.get("exercise_id")
        reps = list(tracker.counter.reps)
        hold = tracker.hold.to_json() if tracker.hold and tracker.hold.held_s > 0 else None
        try:
            logged = await run_in_threadpool(
                lambda: self.site.journal.log_trained_set(
                    name, date.today(), reps, hold=hold,
                    exercise_id=exercise if isinstance(exercise, str) else None)
            )  # fmt: skip
        except KneecoachError as exc:
            return {"error": str(exc)}
        tracker.counter.reset()
        if tracker.hold is not None:
            tracker.hold = HoldTimer(tracker.hold.target_s)
        return {"saved": {"reps": [r.to_json() for r in reps], "hold": hold,
                          "day": logged.entry.day.isoformat(),
                          "adherence": logged.logged.adherence.text()}}  # fmt: skip


def _cues(exercises: list[dict[str, object]]) -> dict[str, list[str]]:
    """Each planned exercise's cues from the library (what to think of while doing it)."""
    from kneecoach.program import load_library

    library = {e.id: e for e in load_library().exercises}
    return {str(e["exercise_id"]): library[str(e["exercise_id"])].cues
            for e in exercises if str(e.get("exercise_id")) in library}  # fmt: skip


def _decode(jpeg: bytes) -> np.ndarray | None:  # type: ignore[type-arg]
    image = cv2.imdecode(np.frombuffer(jpeg, dtype=np.uint8), cv2.IMREAD_COLOR)
    return None if image is None else cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
