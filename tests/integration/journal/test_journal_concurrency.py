"""Two processes writing at once lose nothing; a process killed mid-write leaves the
journal intact with every committed record whole (SQLite and PostgreSQL)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from journal_data import folders_match_rows, summary
from sqlalchemy import func, select, text

from kneecoach.storage.db import open_database
from kneecoach.storage.models import Assessment, SessionLog

WRITER = textwrap.dedent(
    """
    import sys, time
    from datetime import date, timedelta
    from pathlib import Path
    from kneecoach.storage.db import open_database
    from kneecoach.storage.repository import get_or_create_person, log_session
    url, who, n, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
    while not go.exists():
        time.sleep(0.005)
    for i in range(n):  # one command (open, migrate if needed, one transaction) per session
        with open_database(url) as j, j.transaction() as s:
            log_session(s, get_or_create_person(s, "mary"), day=date(2026, 1, 1) +
                        timedelta(days=i), done=True, sets_done=i, notes=f"{who}-{i}")
    """
)

CRASHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from kneecoach.assessment.model import Assessment
    from kneecoach.storage.db import open_database
    from kneecoach.storage.repository import add_assessment, analysis_files, get_or_create_person
    url, folder = sys.argv[1], Path(sys.argv[2])
    doc = Assessment.read(folder / "summary.json")
    files = analysis_files(folder, doc)
    with open_database(url) as j:
        while True:
            with j.transaction() as s:
                a = add_assessment(s, get_or_create_person(s, "mary"), doc, files,
                                   files_dir=j.files_dir)
                key = a.key
            print(key, flush=True)  # printed only once committed
    """
)


def test_two_processes_logging_at_once_lose_nothing(db_url: str, tmp_path: Path) -> None:
    go, n = tmp_path / "go", 25
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, db_url, who, str(n), str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for who in ("a", "b")
    ]
    go.touch()  # both start together, on a journal that does not exist yet
    for p in procs:
        _, errors = p.communicate(timeout=120)
        assert p.returncode == 0, errors
    with open_database(db_url) as j, j.transaction() as s:
        notes = sorted(s.scalars(select(SessionLog.notes)))
        assert notes == sorted(f"{who}-{i}" for who in "ab" for i in range(n))
        assert s.scalar(select(func.count()).select_from(SessionLog)) == 2 * n


def test_a_kill_mid_write_leaves_every_committed_record_whole(
    db_url: str, analysis_dir, tmp_path: Path
) -> None:
    folder = analysis_dir(summary((10.0, 12.0, 14.0), (5.0, 6.0), images=2))
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASHER, db_url, str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    committed = []
    assert proc.stdout is not None
    deadline = time.monotonic() + 120
    while len(committed) < 8 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        committed.append(line.strip())
    os.kill(proc.pid, signal.SIGKILL)  # somewhere inside the next write
    proc.wait()
    assert len(committed) >= 8, proc.stderr.read() if proc.stderr else ""
    with open_database(db_url) as j, j.transaction() as s:
        if j.engine.dialect.name == "sqlite":
            assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        stored = {a.key: a for a in s.scalars(select(Assessment))}
        assert set(committed) <= set(stored)  # every committed record is there ...
        assert len(stored) - len(committed) <= 1  # ... and at most the one being committed
        for a in stored.values():  # ... and each is whole
            assert sorted(x.side for x in a.sides) == ["left", "right"]
            assert len(a.reps) == 5 and len(a.files) == 5
            for f in a.files:
                data = (j.files_dir / f.path).read_bytes()
                assert hashlib.sha256(data).hexdigest() == f.sha256
            assert json.dumps(a.summary, sort_keys=True) == json.dumps(
                json.loads((folder / "summary.json").read_text()), sort_keys=True
            )
    with open_database(db_url) as j:  # no orphan folder, staging folder or .partial file
        folders_match_rows(j)
