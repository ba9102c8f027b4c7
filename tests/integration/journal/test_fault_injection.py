"""Fault injection: ``kill -9`` at random moments of ``analyze --person`` and ``import``.

After each kill the journal opens, passes SQLite's integrity check, holds the person's
assessment all or nothing (rows and every stored file with its hash), and ``people`` and
``progress`` work. The moments are drawn from a seeded generator over the command's own
running time, so a run is repeatable.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import single_leg_squat
from kneecoach.storage.db import open_database
from kneecoach.storage.models import Assessment, Person

KILLS = 5


def _kneecoach(*args: str | Path, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "kneecoach", *map(str, args)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _timed(*args: str | Path, env: dict[str, str]) -> float:
    start = time.monotonic()
    proc = _kneecoach(*args, env=env)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, out + err
    return time.monotonic() - start


def _check(url: str, env: dict[str, str]) -> int:
    """The journal after a kill: whole, consistent, usable. Returns its assessments."""
    with open_database(url) as j, j.transaction() as s:
        assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        assessments = list(s.scalars(select(Assessment)))
        for a in assessments:  # all or nothing: every row's files there, hashes right
            assert a.files and a.sides and a.reps
            for f in a.files:
                data = (j.files_dir / f.path).read_bytes()
                assert hashlib.sha256(data).hexdigest() == f.sha256
        people = list(s.scalars(select(Person)))
    pages = Path(env["KNEECOACH_HOME"]) / "pages"
    commands = [["people"], *(["progress", "--person", p.name, "--out", pages / f"{p.key}.html"]
                              for p in people)]  # fmt: skip
    for command in commands:
        proc = _kneecoach(*command, env=env)
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, out + err
    return len(assessments)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    return {**os.environ, "KNEECOACH_HOME": str(home), "KNEECOACH_DATABASE_URL": ""}


def test_kill_9_during_analyze_person_and_import(tmp_path: Path, env: dict[str, str]) -> None:
    rng = random.Random(17)
    clip = to_netcdf_file(single_leg_squat(duration_s=4.0, reps=2), tmp_path / "clip.nc")
    url = f"sqlite:///{tmp_path / 'home' / 'journal.sqlite3'}"
    env["KNEECOACH_DATABASE_URL"] = url
    analyze = ("analyze", clip, "--no-video", "--test", "single-leg-squat", "--person", "ann")
    took = _timed(*analyze, "--out", tmp_path / "first", env=env)
    stored = _check(url, env)
    assert stored == 1
    for i in range(KILLS):
        proc = _kneecoach(*analyze, "--out", tmp_path / f"a{i}", env=env)
        time.sleep(rng.uniform(0.2, took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _check(url, env)
        assert now in (stored, stored + 1)  # the killed one: whole or not at all
        stored = now
    archive = tmp_path / "ann.zip"
    _timed("export", "--person", "ann", "--out", archive, env=env)
    _timed("delete", "--person", "ann", "--yes", env=env)
    took = _timed("import", archive, env=env)
    _timed("delete", "--person", "ann", "--yes", env=env)
    for _ in range(KILLS):
        proc = _kneecoach("import", archive, env=env)
        time.sleep(rng.uniform(0.2, took))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = _check(url, env)
        assert now in (0, stored)  # the person whole, or not there at all
        if now:
            _timed("delete", "--person", "ann", "--yes", env=env)
