"""The journal's derived files on disk: staged until commit, swept when the journal opens.

Layout under the journal's files folder (``Journal.files_dir``)::

    .journal                     which journal(s) use this folder (see below)
    <person key>/<assessment key>/summary.json, report.html, worst_1.png ...
    .quarantine/<person key>/... folders no record names, moved aside by the sweep
    .incoming-<assessment key>/  files of an assessment not yet committed
    .deleted-<person key>/       a person being deleted (``repository.delete_person``)

An assessment's files are written into ``.incoming-<key>`` inside its transaction
(:func:`staging_folder`) and renamed to ``<person>/<key>`` only once the transaction
has committed (:func:`finish_staged`, called by ``Journal.transaction``); a rolled-back
transaction removes them (:func:`discard_staged`). A process killed in between leaves
at most a staging folder, which :func:`sweep` settles the next time any command opens
the journal: moved into place when its assessment was committed, removed otherwise.

The sweep also settles what older versions or crashes left: ``*.partial`` files are
removed, and person and assessment folders no row refers to are moved to ``.quarantine``
(a restored older database does not know the newer assessments: never delete them). It
only ever touches the journal's own files folder, and only when the folder is this
journal's alone: the file
``.journal`` lists the databases that use it (the first written when the folder is
created, or when every person folder in it belongs to that database; any other
journal opening it adds itself). A folder shared with another journal (two SQLite
files side by side, or a server database and the default SQLite file in the same
data folder) is never swept of folders, only of staging folders whose assessment
this journal committed and of staging folders a day old (no write takes that long).

Concurrency: SQLite serialises every transaction (``BEGIN IMMEDIATE``); on PostgreSQL
writers that stage files hold a shared advisory lock until they end, and the sweep
takes it exclusively, so it never removes a staging folder still being written.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from kneecoach.storage.models import Assessment, Person

INCOMING = ".incoming-"
DELETED = ".deleted-"
MARKER = ".journal"
#: in ``.journal``: the folder held folders of people unknown to the journal that marked it
UNKNOWN = "(unknown journal)"
#: ``Session.info`` key: the (staging folder, final folder) pairs of this transaction.
STAGED = "kneecoach.staged"
#: A staging folder this old was left by a killed process, whichever journal made it.
STALE_S = 24 * 3600
#: PostgreSQL advisory-lock key of the files folder ("kneefile" in hex).
FILES_LOCK = 0x6B6E656566696C65
#: Folders of health data that kneecoach creates: readable by their owner only.
PRIVATE = 0o700


def sync_file(path: Path) -> Path:
    """Make a stored file readable by its owner only and flush it to the disk before its
    record commits (the database itself waits for the disk on every commit: a power cut
    must not leave a row whose file is empty)."""
    path.chmod(0o600)
    with path.open("rb+") as fh:
        os.fsync(fh.fileno())
    return path


#: The folder, in the files folder, of the plans made in the web app (``<person key>/``:
#: intake.toml, plan.json, worksheet.html, worksheet.pdf, plan.ics, progress.html); the
#: sweep leaves folders whose name starts with a dot alone.
PLANS_FOLDER = ".plans"


def plan_folder(files_dir: Path, person_key: str) -> Path:
    """Where the web app writes a person's plan files."""
    return files_dir / PLANS_FOLDER / person_key


def make_private(folder: Path, root: Path) -> None:
    """Create ``folder`` under ``root``, each new level readable by its owner only."""
    root.mkdir(mode=PRIVATE, parents=True, exist_ok=True)
    current = root
    for part in folder.relative_to(root).parts:
        current = current / part
        current.mkdir(mode=PRIVATE, exist_ok=True)


def _lock(session: Session, *, shared: bool) -> None:
    if session.get_bind().dialect.name == "postgresql":
        fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
        session.execute(text(f"SELECT {fn}(:key)"), {"key": FILES_LOCK})


def staging_folder(session: Session, files_dir: Path, person_key: str, assessment_key: str) -> Path:
    """A new, empty folder for one assessment's files, moved into place after commit."""
    _lock(session, shared=True)
    staging = files_dir / f"{INCOMING}{assessment_key}"
    shutil.rmtree(staging, ignore_errors=True)
    make_private(staging, files_dir)
    session.info.setdefault(STAGED, []).append((staging, files_dir / person_key / assessment_key))
    return staging


def finish_staged(session: Session, files_dir: Path) -> None:
    """After a commit: move each staging folder of ``session`` to its place."""
    for staging, target in session.info.pop(STAGED, []):
        _move_into_place(staging, target, files_dir)


def discard_staged(session: Session) -> None:
    """After a rollback: remove each staging folder of ``session``."""
    for staging, _ in session.info.pop(STAGED, []):
        shutil.rmtree(staging, ignore_errors=True)


def forget_staged(session: Session) -> None:
    """When it is unknown whether the commit happened: leave the folders to :func:`sweep`."""
    session.info.pop(STAGED, None)


def _move_into_place(staging: Path, target: Path, files_dir: Path) -> None:
    make_private(target.parent, files_dir)
    try:
        staging.replace(target)
    except FileNotFoundError:  # a sweep in another process finished it already
        pass
    except OSError:  # the target exists (a duplicate): the committed folder stays
        shutil.rmtree(staging, ignore_errors=True)


def owns(files_dir: Path, me: str, people: set[str]) -> bool:
    """Whether the files folder is this journal's alone (``.journal`` lists only it).

    An unmarked folder is claimed when every person folder in it is this journal's; a
    journal not listed adds itself, so a shared folder is nobody's to sweep.
    """
    marker = files_dir / MARKER
    try:
        owners = [x for x in marker.read_text(encoding="utf-8").splitlines() if x.strip()]
    except FileNotFoundError:
        folders = [e.name for e in files_dir.iterdir() if e.is_dir() and not e.name.startswith(".")]
        clean = all(name in people for name in folders)
        # folders of people this database does not know: maybe another journal's
        marker.write_text(me + "\n" + ("" if clean else UNKNOWN + "\n"), encoding="utf-8")
        return clean
    if me not in owners:
        with marker.open("a", encoding="utf-8") as fh:
            fh.write(me + "\n")
    return owners == [me]


def adopt_legacy_folder(files_dir: Path, legacy: Path, me: str) -> None:
    """Move the shared ``journal-files`` folder of an older version to ``files_dir`` when it
    was this journal's alone (its ``.journal`` lists only ``me``); a folder other journals
    used too stays where it is (their files are not ours to move)."""
    if files_dir == legacy or files_dir.exists() or not legacy.is_dir():
        return
    try:
        owners = [x for x in (legacy / MARKER).read_text(encoding="utf-8").splitlines() if x]
    except OSError:
        return
    if owners == [me]:
        legacy.rename(files_dir)


#: Folders of stored files that no record of this journal names are moved here, never
#: deleted (a restored older database does not know the newer assessments' files).
QUARANTINE = ".quarantine"


def _quarantine(folder: Path, files_dir: Path) -> Path:
    """Move ``folder`` (a person's or an assessment's) under :data:`QUARANTINE`, keeping its
    place below ``files_dir``; returns where it went."""
    target = files_dir / QUARANTINE / folder.relative_to(files_dir)
    n = 1
    while target.exists():
        n += 1
        target = target.with_name(f"{folder.name}-{n}")
    make_private(target.parent, files_dir)
    folder.replace(target)
    return target


def sweep(session: Session, files_dir: Path, me: str) -> list[Path]:
    """Settle what crashes and rollbacks left in ``files_dir``: staging folders finished or
    removed, ``*.partial`` files removed, and folders no record names moved to
    :data:`QUARANTINE`. Returns where the quarantined folders went."""
    if not files_dir.is_dir():
        make_private(files_dir, files_dir)
        (files_dir / MARKER).write_text(me + "\n", encoding="utf-8")
        return []
    _lock(session, shared=False)
    people = set(session.scalars(select(Person.key)))
    rows = session.execute(select(Assessment.key, Person.key).join(Assessment.person))
    where = {str(a): str(p) for a, p in rows}
    mine = owns(files_dir, me, people)
    quarantined: list[Path] = []
    for entry in sorted(files_dir.iterdir()):
        name = entry.name
        if name.startswith(INCOMING) and entry.is_dir():
            key = name.removeprefix(INCOMING)
            if key in where:  # committed, killed before the rename: finish it
                _move_into_place(entry, files_dir / where[key] / key, files_dir)
            elif mine or time.time() - entry.stat().st_mtime > STALE_S:
                shutil.rmtree(entry, ignore_errors=True)  # never committed: no record's files
        elif not mine or name.startswith(".") or not entry.is_dir():
            continue
        elif name not in people:
            quarantined.append(_quarantine(entry, files_dir))
        else:
            for sub in sorted(entry.iterdir()):
                if sub.is_dir() and where.get(sub.name) != name:
                    quarantined.append(_quarantine(sub, files_dir))
                elif sub.is_dir():
                    for partial in sub.glob(".*.partial"):
                        partial.unlink(missing_ok=True)
    return quarantined
