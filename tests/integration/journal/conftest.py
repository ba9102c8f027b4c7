"""Journal fixtures: a database URL per backend (SQLite always, PostgreSQL when available)
and summaries with known per-rep values."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest
from journal_data import summary
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

PG_ENV = "KNEECOACH_TEST_POSTGRES_URL"
#: Set to 1 (``.ci/run`` does): PostgreSQL tests fail instead of skipping without a server.
REQUIRE_ENV = "KNEECOACH_REQUIRE_POSTGRES"


def _unavailable(reason: str) -> NoReturn:
    """Skip, or fail when PostgreSQL is required (CI must not pass without it)."""
    if os.environ.get(REQUIRE_ENV, "") not in ("", "0"):
        pytest.fail(f"{reason}, but {REQUIRE_ENV} is set: the PostgreSQL tests must run")
    pytest.skip(reason)


def _postgres_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    admin_url = os.environ.get(PG_ENV)
    if not admin_url:
        _unavailable(
            f"PostgreSQL not available: set {PG_ENV} (.ci/run starts a server and sets it)"
        )
    name = f"kc_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except (ImportError, SQLAlchemyError) as exc:
        _unavailable(f"PostgreSQL at {PG_ENV} not reachable ({type(exc).__name__}: {exc})")
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
