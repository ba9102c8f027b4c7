"""Warning signs logged with a session are a stored fact (``session_logs.warning_signs``),
not only words at the start of the notes: set by ``kneecoach log``, read by ``plan --person``,
back-filled by migration 0004, kept by export → import, and derived from the notes for an
archive written before the column existed."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from click.testing import CliRunner
from sqlalchemy import text
from tests.fixtures.archives import rewritten

from kneecoach.app import journal
from kneecoach.cli.main import cli
from kneecoach.core.errors import InputError
from kneecoach.storage.archive import export_person, import_person, person_document
from kneecoach.storage.db import (
    alembic_config,
    current_revision,
    journal_engine,
    open_database,
    upgrade,
)
from kneecoach.storage.repository import find_person


def _flagged() -> journal.SessionEntry:
    """A session done on Wed 4 March 2026 with warning signs reported, notes left empty."""
    return journal.SessionEntry(date(2026, 3, 4), True, warning_signs=True)


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'journal.sqlite3'}"


def _flags(url: str, person: str) -> dict[str, bool]:
    """Each of ``person``'s logs: day → its stored ``warning_signs``."""
    with open_database(url) as j, j.transaction() as s:
        return {f"{log.day}": log.warning_signs for log in find_person(s, person).session_logs}


def test_log_warning_signs_stores_the_flag_and_keeps_the_note(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    base = ("log", "--person", "ann", "--database-url", url, "--done", "--rpe", "3")
    for day, extra in (("2026-03-02", ()), ("2026-03-04", ("--warning-signs", "--notes", "sore"))):
        result = runner.invoke(cli, [*base, "--date", day, *extra], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    assert _flags(url, "ann") == {"2026-03-02": False, "2026-03-04": True}
    with open_database(url) as j, j.transaction() as s:
        notes = [log.notes for log in find_person(s, "ann").session_logs]
    assert notes == ["", f"{journal.WARNING_NOTE}; sore"]  # people read it
    assert journal.Journal.open(url).replan_basis("ann").warning_signs == date(2026, 3, 4)


def test_the_reminder_comes_from_the_flag_not_from_the_words_in_the_notes(url: str) -> None:
    journal.Journal.open(url).record_session("bea", _flagged())  # flagged, notes empty
    assert journal.Journal.open(url).replan_basis("bea").warning_signs == date(2026, 3, 4)
    # notes that merely start with the same words are not a report of warning signs
    typed = journal.SessionEntry(date(2026, 3, 6), True, notes=journal.WARNING_NOTE + "? none")
    journal.Journal.open(url).record_session("cy", typed)
    assert journal.Journal.open(url).replan_basis("cy").warning_signs is None


def test_downgrade_to_0003_and_upgrade_again_marks_the_same_logs(url: str) -> None:
    held = journal.SessionEntry(
        date(2026, 3, 4), True, notes=journal.WARNING_NOTE, warning_signs=True
    )
    journal.Journal.open(url).record_session("dee", held)
    journal.Journal.open(url).record_session("dee", journal.SessionEntry(date(2026, 3, 6), True))
    engine = journal_engine(url)
    command.downgrade(alembic_config(engine), "0003")
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        columns = [row[1] for row in conn.execute(text("PRAGMA table_info(session_logs)"))]
    assert "warning_signs" not in columns and "notes" in columns
    upgrade(engine)
    engine.dispose()
    assert _flags(url, "dee") == {"2026-03-04": True, "2026-03-06": False}


def _export(url: str, person: str, archive: Path) -> dict[str, Any]:
    with open_database(url) as j, j.transaction() as s:
        p = find_person(s, person)
        export_person(p, j.files_dir, archive)
        return person_document(p)


def _import(url: str, archive: Path) -> str:
    with open_database(url) as j, j.transaction() as s:
        return import_person(s, archive, j.files_dir).name


def test_export_import_round_trips_the_flag(url: str, tmp_path: Path) -> None:
    # flagged although the notes are empty
    journal.Journal.open(url).record_session("eve", _flagged())
    journal.Journal.open(url).record_session("eve", journal.SessionEntry(date(2026, 3, 6), True))
    before = _export(url, "eve", tmp_path / "eve.zip")
    assert [log["warning_signs"] for log in before["session_logs"]] == [True, False]
    with zipfile.ZipFile(tmp_path / "eve.zip") as zf:
        assert zf.read("sessions.csv").decode().splitlines()[0].split(",").count("warning_signs")
    journal.Journal.open(url).delete("eve")
    _import(url, tmp_path / "eve.zip")
    assert _flags(url, "eve") == {"2026-03-04": True, "2026-03-06": False}
    with open_database(url) as j, j.transaction() as s:
        assert person_document(find_person(s, "eve")) == before


def test_an_archive_from_before_the_flag_is_read_from_the_notes(url: str, tmp_path: Path) -> None:
    for day, notes in (
        ("2026-03-02", journal.WARNING_NOTE + "; knee locked"),
        ("2026-03-04", "ok"),
    ):
        journal.Journal.open(url).record_session(
            "fay", journal.SessionEntry(date.fromisoformat(day), True, notes=notes)
        )
    _export(url, "fay", tmp_path / "fay.zip")

    def older(doc: dict[str, Any]) -> None:  # as the previous version wrote it: no such field
        for log in doc["session_logs"]:
            del log["warning_signs"]

    old = rewritten(tmp_path / "fay.zip", tmp_path / "old.zip", older)
    journal.Journal.open(url).delete("fay")
    _import(url, old)
    assert _flags(url, "fay") == {"2026-03-02": True, "2026-03-04": False}
    assert journal.Journal.open(url).replan_basis("fay").warning_signs == date(2026, 3, 2)


def test_a_flag_that_is_not_true_or_false_is_refused(url: str, tmp_path: Path) -> None:
    journal.Journal.open(url).record_session("gus", _flagged())
    _export(url, "gus", tmp_path / "gus.zip")
    journal.Journal.open(url).delete("gus")

    def edit(doc: dict[str, Any]) -> None:
        doc["session_logs"][0]["warning_signs"] = "yes"

    edited = rewritten(tmp_path / "gus.zip", tmp_path / "edited.zip", edit)
    with pytest.raises(InputError, match="warning_signs must be true or false"):
        _import(url, edited)
    assert journal.Journal.open(url).people() == []
