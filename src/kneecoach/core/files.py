"""Writing output files whole or not at all, and never over a database.

Every file kneecoach writes goes through :func:`replacing`: it is written beside its
place under a hidden ``.part`` name, then renamed over it, so a full disk, a crash or
Ctrl-C leaves the earlier file (or none), never a cut one; the error names the file that
failed. A path that holds an SQLite database (the journal, most likely, given as ``--out``
by mistake) is refused before anything is written.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from kneecoach.core.errors import InputError, OutputError

SQLITE_MAGIC = b"SQLite format 3\x00"


def is_database(path: Path) -> bool:
    """Whether ``path`` is an SQLite database file (by its first 16 bytes)."""
    try:
        with path.open("rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


#: SQLite's files beside a database: its rollback journal and write-ahead log
DATABASE_SIDECARS = ("-journal", "-wal", "-shm")


def check_replaceable(path: Path) -> None:
    """Refuse, before any work, to write over a database (or its log) or onto a folder."""
    if path.is_dir():
        raise InputError(f"{path} is a folder: give a file name to write")
    sidecar = next((s for s in DATABASE_SIDECARS if path.name.endswith(s)), None)
    if is_database(path) or (
        sidecar is not None and is_database(path.with_name(path.name.removesuffix(sidecar)))
    ):
        raise InputError(
            f"{path} is a database (perhaps your journal): it was not overwritten. Choose "
            "another file name"
        )


def part_path(path: Path) -> Path:
    """The hidden name ``path`` is written under first (same folder, same extension, so
    libraries that pick a format by the extension still do)."""
    return path.with_name(f".{path.stem}.part{path.suffix}")


@contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A path to write the new ``path`` to; it replaces ``path`` only when the block ends
    without an exception (:class:`OutputError` naming ``path`` for an OS error)."""
    path = Path(path)
    check_replaceable(path)
    part = part_path(path)
    try:
        yield part
        os.replace(part, path)
    except OSError as exc:
        raise OutputError(
            f"cannot write {path}: {exc.strerror or exc}; nothing was left half-written"
        ) from None
    finally:
        part.unlink(missing_ok=True)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole."""
    with replacing(path) as part:
        part.write_text(text, encoding="utf-8")
    return path


def write_bytes(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole."""
    with replacing(path) as part:
        part.write_bytes(data)
    return path
