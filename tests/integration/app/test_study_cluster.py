"""A study on Dask workers (issue 21): the same tables as one worker, resumable after a
kill -9 of the parent or of a worker, and a failing clip among good ones."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from tests.conftest import media

from kneecoach.app.cluster import DaskStudy
from kneecoach.app.study import MARKER, StudyRequest, run_study, study_record
from kneecoach.core.settings import Settings
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import single_leg_squat

#: clips.csv's timing field: when each clip was analysed
TIMING = {"created"}


def _table(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return [{k: v for k, v in row.items() if k not in TIMING} for row in csv.DictReader(fh)]


def _tracks(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [to_netcdf_file(single_leg_squat(peak_fppa_deg=[8 + i, 10 + i, 12 + i]),
                           folder / f"clip{i}.nc") for i in range(n)]  # fmt: skip


def test_two_workers_write_the_tables_one_worker_writes(tmp_path: Path) -> None:
    """A real clip, synthetic tracks and a clip that cannot be read, on a LocalCluster of 2
    workers: clips.csv, reps.csv and study.json as the one-worker run (bar timing and how it
    ran), the failure recorded while the rest go on."""
    bad = tmp_path / "broken.mp4"
    bad.write_bytes(b"not a video at all")
    sources = [media("front_overhead_squat_05.mov"), *_tracks(tmp_path / "in", 2), bad]
    request = StudyRequest(Settings(), test="auto", video=False)
    record = study_record(request.settings, {"test": "auto"}, command="test", working_folder=".")
    one = run_study(sources, tmp_path / "one", request, record=record)
    two = run_study(sources, tmp_path / "two", request, engine=DaskStudy(workers=2), record=record)
    assert [c.status for c in two] == [c.status for c in one] == ["ok", "ok", "ok", "failed"]
    assert "not a video file" in two[-1].message
    for table in ("clips.csv", "reps.csv"):
        assert _table(tmp_path / "two" / table) == _table(tmp_path / "one" / table), table
    studies = [json.loads((tmp_path / r / "study.json").read_text()) for r in ("one", "two")]
    ran = [s.pop("run") for s in studies]
    assert studies[0] == studies[1]
    assert ran[0]["workers"] == 1 and ran[1]["workers"] == 2
    assert ran[1]["engine"] == "dask distributed" and len(ran[1]["worker_packages"]) == 2
    assert all(p["kneecoach"] and p["mediapipe"] for p in ran[1]["worker_packages"].values())


def _cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "kneecoach", "analyze", *map(str, args)]


def _wait_for(condition, timeout_s: float) -> None:  # type: ignore[no-untyped-def]
    end = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    with_children = [proc.pid] + [c.pid for c in psutil.Process(proc.pid).children(True)]
    for pid in with_children:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.wait(10)


def _study(tmp_path: Path) -> tuple[Path, list[str]]:
    """Eight synthetic clips, and the command that analyses them on 2 workers into ``out``."""
    out = tmp_path / "study"
    clips = _tracks(tmp_path / "in", 8)
    return out, _cli(*clips, "--test", "single-leg-squat", "--no-video", "--out", out,
                     "--workers", 2)  # fmt: skip


def test_a_study_killed_with_kill_9_goes_on_where_it_stopped(tmp_path: Path) -> None:
    out, args = _study(tmp_path)
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        _wait_for(lambda: any(out.glob(f"*/{MARKER}")), 180)
    finally:
        _kill_tree(proc)  # the parent and its workers, at once
    kept = {p.parent.name: (p.parent / "summary.json").stat().st_mtime_ns
            for p in out.glob(f"*/{MARKER}")}  # fmt: skip
    assert kept and len(kept) < 8  # killed in the middle
    again = subprocess.run(args, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stderr
    for name, stamp in kept.items():  # finished clips were not analysed again
        assert (out / name / "summary.json").stat().st_mtime_ns == stamp
        assert f"{name} (finished earlier; kept)" in again.stderr
    rows = _table(out / "clips.csv")
    assert [r["folder"] for r in rows] == [f"clip{i}" for i in range(8)]
    assert {r["status"] for r in rows} == {"ok"}
    redo = subprocess.run([*args, "--redo"], capture_output=True, text=True, timeout=300)
    assert redo.returncode == 0 and "finished earlier" not in redo.stderr
    assert all((out / n / "summary.json").stat().st_mtime_ns != s for n, s in kept.items())


def test_a_worker_killed_mid_study_loses_no_clip(tmp_path: Path) -> None:
    out, args = _study(tmp_path)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)  # fmt: skip
    try:

        def worker() -> psutil.Process | None:
            for child in psutil.Process(proc.pid).children(recursive=True):
                if "spawn_main" in " ".join(child.cmdline()):
                    return child
            return None

        _wait_for(lambda: any(out.glob(f"*/{MARKER}")) and worker() is not None, 180)
        victim = worker()
        assert victim is not None
        victim.kill()  # kill -9 of one worker while it works
        _, stderr = proc.communicate(timeout=300)
    except BaseException:
        _kill_tree(proc)
        raise
    assert proc.returncode == 0, stderr.decode()
    rows = _table(out / "clips.csv")
    assert [r["status"] for r in rows] == ["ok"] * 8  # the killed worker's clip ran again
