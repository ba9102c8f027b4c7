"""How long the journal takes: open, log a session, store an assessment, the progress page.

Usage::

    python bench/journal_speed.py [--people 50] [--assessments 12] [--sessions 150]

Fills a fresh SQLite journal in a temporary folder with that many people, each with
that many assessments (synthetic single-leg-squat summaries with 5 reps per side and
a worst-moment picture) and logged sessions, then times, for one of them: opening the
journal (migrations already applied), logging one session (a whole ``kneecoach log``
transaction), storing one assessment with its files, export, the progress page and
delete. Prints seconds per operation and the database size.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from kneecoach.app import journal
from kneecoach.storage.archive import export_person
from kneecoach.storage.db import open_database
from kneecoach.storage.repository import (
    add_assessment,
    analysis_files,
    find_person,
    get_or_create_person,
    log_session,
)


def summary(day: date, peak: float) -> dict[str, object]:
    def side(working: bool) -> dict[str, object]:
        reps = [
            {"index": i + 1, "complete": True, "fppa_deg": peak - i, "pelvic_drop_deg": 4.0}
            for i in range(5 if working else 0)
        ]
        return {"working": working, "reps": reps, "peak_fppa_deg": peak if working else None,
                "mean_fppa_deg": peak - 2 if working else None,
                "mean_pelvic_drop_deg": 4.0}  # fmt: skip

    return {
        "schema": "kneecoach.summary/1", "test": "single-leg-squat",
        "test_label": "Single-leg squat", "created": f"{day.isoformat()}T10:00:00+00:00",
        "view": "frontal", "sides": {"left": side(True), "right": side(False)},
        "worst_moments": [{"image": "worst_1.png"}],
    }  # fmt: skip


def folder_for(root: Path, doc: dict[str, object]) -> Path:
    folder = Path(tempfile.mkdtemp(dir=root))
    (folder / "summary.json").write_text(json.dumps(doc))
    (folder / "report.html").write_text("<html>" + "x" * 200_000 + "</html>")
    (folder / "worst_1.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 150_000)
    return folder


def timed(label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    t0 = time.perf_counter()
    result = fn(*args, **kwargs)
    print(f"{label:<40} {time.perf_counter() - t0:8.3f} s")
    return result


def command(url: str, use: Callable[[journal.Journal], object]) -> None:
    with journal.Journal.open(url) as j:
        use(j)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--assessments", type=int, default=12)
    parser.add_argument("--sessions", type=int, default=150)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp())
    url = f"sqlite:///{root / 'journal.sqlite3'}"
    start = date(2026, 1, 5)
    t0 = time.perf_counter()
    with open_database(url) as j:
        for n in range(args.people):
            folder = folder_for(root, summary(start, 20.0))
            with j.transaction() as s:
                p = get_or_create_person(s, f"person {n}")
                for a in range(args.assessments):
                    doc = summary(start + timedelta(weeks=a), 20.0 - a)
                    add_assessment(s, p, doc, analysis_files(folder, doc), files_dir=j.files_dir)
                for k in range(args.sessions):
                    log_session(s, p, day=start + timedelta(days=k), done=k % 4 != 3,
                                pain_during=k % 5, rpe=6)  # fmt: skip
    print(f"{'fill':<40} {time.perf_counter() - t0:8.3f} s")
    timed("open (schema up to date)", lambda: open_database(url).close())
    entry = journal.SessionEntry(date(2026, 6, 1), True, 9, None, 2, 1, 6)
    # each step as one command runs it: the journal opened, the use case, the journal closed
    timed(
        "log one session", command, url, lambda j: j.record_session("person 0", entry, again=True)
    )
    folder = folder_for(root, summary(date(2026, 6, 2), 9.0))
    timed("store one assessment (+ files)", command, url,
          lambda j: j.remember_analysis(folder, "person 0"))  # fmt: skip
    with open_database(url) as db, db.transaction() as s:
        timed("export one person", export_person, find_person(s, "person 0"), db.files_dir,
              root / "export.zip")  # fmt: skip
    timed("progress page", command, url, lambda j: j.write_progress_report(
        "person 0", root / "progress.html", today=date(2026, 6, 3)))  # fmt: skip
    timed("delete one person", command, url, lambda j: j.delete("person 0"))
    size = (root / "journal.sqlite3").stat().st_size / 1e6
    counts = (args.people, args.people * args.assessments, args.people * args.sessions)
    print("database: {:.1f} MB for {} people, {} assessments, {} sessions".format(size, *counts))


if __name__ == "__main__":
    main()
