"""Journal fixtures: a database URL per backend (SQLite always, PostgreSQL when available)
and summaries with known per-rep values."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_ENV = "KNEECOACH_TEST_POSTGRES_URL"


def _postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        pytest.skip(f"PostgreSQL not available: set {PG_ENV} (.ci/run starts a server and sets it)")
    name = f"kc_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A journal URL: a SQLite file in a temp folder, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'db' / 'journal.sqlite3'}"
    else:
        yield from _postgres_database()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'journal.sqlite3'}"


def summary(
    left_reps: Sequence[float] = (10.0, 12.0, 14.0),
    right_reps: Sequence[float] = (),
    *,
    test: str = "single-leg-squat",
    created: str = "2026-03-01T10:00:00+00:00",
    pelvic_drop: Sequence[float] | None = None,
    images: int = 1,
) -> dict[str, Any]:
    """A kneecoach.summary/1 document with known per-rep FPPA (and pelvic drop)."""

    def side(reps: Sequence[float]) -> dict[str, Any]:
        drops = list(pelvic_drop) if pelvic_drop is not None else [4.0] * len(reps)
        rows = [
            {
                "index": i + 1,
                "time_s": 1.0 + i,
                "complete": True,
                "fppa_deg": f,
                "pelvic_drop_deg": d,
                "knee_shift_pct": 5.0,
                "confidence": 0.9,
            }
            for i, (f, d) in enumerate(zip(reps, drops, strict=False))
        ]
        mean = sum(reps) / len(reps) if reps else None
        return {
            "working": bool(reps),
            "reps": rows,
            "steps": [],
            "peak_fppa_deg": max(reps) if reps else None,
            "mean_fppa_deg": mean,
            "sd_fppa_deg": None,
            "mean_pelvic_drop_deg": sum(drops) / len(drops) if reps and drops else None,
            "classification": {"label": "above typical range", "level": "above"},
        }

    return {
        "schema": "kneecoach.summary/1",
        "kneecoach_version": "test",
        "source": "clip.mp4",
        "created": created,
        "fps": 60.0,
        "test": test,
        "test_label": test.replace("-", " ").capitalize(),
        "view": "frontal",
        "sides": {"left": side(left_reps), "right": side(right_reps)},
        "findings": [],
        "worst_moments": [
            {"image": f"worst_{i}.png", "side": "left"} for i in range(1, images + 1)
        ],
    }


@pytest.fixture
def analysis_dir(tmp_path: Path) -> Callable[..., Path]:
    """An ``analyze`` output folder (summary.json, report.html, worst_<n>.png) for a summary."""
    import json

    counter = iter(range(10_000))

    def make(doc: dict[str, Any] | None = None) -> Path:
        doc = doc or summary()
        folder = tmp_path / f"analysis_{next(counter)}"
        folder.mkdir()
        (folder / "summary.json").write_text(json.dumps(doc))
        (folder / "report.html").write_text("<html>report</html>")
        (folder / "frames.csv").write_text("frame,time_s\n0,0.0\n")
        for m in doc["worst_moments"]:
            (folder / m["image"]).write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(64))
        return folder

    return make
