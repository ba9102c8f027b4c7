"""Output files are written whole or not at all, and never over a database."""

import sqlite3
from pathlib import Path

import pytest

from kneecoach.core.errors import InputError, OutputError
from kneecoach.core.files import replacing, write_text


def test_a_failed_write_leaves_the_earlier_file_and_no_part(tmp_path: Path) -> None:
    path = tmp_path / "report.html"
    write_text(path, "the earlier, whole report")
    with pytest.raises(RuntimeError), replacing(path) as part:
        part.write_text("half a rep")
        raise RuntimeError("disk full")
    assert path.read_text() == "the earlier, whole report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_an_os_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "missing folder" / "summary.json"
    with pytest.raises(OutputError, match=r"cannot write .*summary\.json"):
        write_text(path, "{}")


def test_a_database_and_its_log_are_never_overwritten(tmp_path: Path) -> None:
    db = tmp_path / "journal.sqlite3"
    sqlite3.connect(db).execute("create table t (x)").connection.commit()
    (tmp_path / "journal.sqlite3-wal").write_bytes(b"\x37\x7f\x06\x82 a wal")
    for target in (db, tmp_path / "journal.sqlite3-wal", tmp_path / "journal.sqlite3-shm"):
        with pytest.raises(InputError, match="is a database"):
            write_text(target, "<html>")
    assert db.read_bytes().startswith(b"SQLite format 3\x00")
    with pytest.raises(InputError, match="is a folder"):
        write_text(tmp_path, "x")
    assert write_text(tmp_path / "journal.html", "fine").read_text() == "fine"
