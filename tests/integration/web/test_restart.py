"""``kneecoach serve`` killed (``kill -9``) in the middle of an analysis, then started again:
the job says it failed and why, nothing of it is stored, and its worker process does not
live on to store it later."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from tests.conftest import media

CLIP = "front_single_leg_balance_reach_cam02.mp4"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def _serve(env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    server = subprocess.Popen(
        [sys.executable, "-m", "kneecoach", "serve", "--no-browser", "--port", str(port)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                assert server.poll() is None, server.stderr.read() if server.stderr else ""
                time.sleep(0.1)
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def _until(check, timeout_s: float = 180.0):  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if found := check():
            return found
        time.sleep(0.2)
    raise AssertionError("timed out")


def test_a_server_killed_mid_analysis_says_so_when_it_starts_again(tmp_path: Path) -> None:
    clip = media(CLIP)
    env = {**os.environ, "KNEECOACH_HOME": str(tmp_path / "home"), "KNEECOACH_DATABASE_URL": ""}
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    with _serve(env, port) as server:
        person = httpx.post(f"{api}/people", json={"name": "Ida"}).json()["key"]
        with clip.open("rb") as fh:
            sent = httpx.post(f"{api}/analyses", files={"file": (CLIP, fh)},
                              data={"test": "auto", "person": person}, timeout=60)  # fmt: skip
        key = sent.json()["job"]
        _until(lambda: httpx.get(f"{api}/jobs/{key}").json()["stage"] == "tracking")
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=30)
    time.sleep(3)  # its worker notices within a second that the server is gone, and exits
    with _serve(env, port):
        job = httpx.get(f"{api}/jobs/{key}").json()
        assert job["status"] == "failed" and "the server stopped" in job["message"]
        time.sleep(2)  # nothing finishes it later
        assert httpx.get(f"{api}/jobs/{key}").json()["status"] == "failed"
        (ida,) = httpx.get(f"{api}/people").json()
        assert ida["assessments"] == 0
