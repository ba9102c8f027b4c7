"""One person's journal as one archive, and back: ``export`` and ``import``.

The archive is a zip file::

    journal.json      every record of the person (format ``kneecoach.journal-export/1``);
                      the one ``import`` reads
    assessments.csv   one row per assessment and side (peak / mean FPPA, pelvic drop ...)
    reps.csv          one row per rep
    sessions.csv      one row per logged session
    pain.csv          one row per pain check-in
    scheduled.csv     the planned sessions of every programme version
    files/<assessment key>/...   the derived files (report, worst frames, summary ...)

Each file's SHA-256 is in ``journal.json``; ``import`` checks them and refuses
an archive that was altered or cut short. Nothing leaves the machine: the user
decides where the archive goes.

``export`` never writes an archive that ``import`` would refuse (a user may
delete the person next): every stored file is checked against its SHA-256
first, and a missing or damaged one stops the export with nothing written,
naming the files. With ``skip_bad_files`` they are left out instead and listed
in ``journal.json`` under ``missing_files`` (their rows are not in
``assessments[].files``), which ``import`` accepts. The finished archive is read
back with the same checks as ``import`` before it is renamed into place.

An archive written before session logs had ``warning_signs`` (schema 0004) is imported
too: a log's warning signs are then read from its notes, as migration 0004 read them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kneecoach.core.errors import InputError
from kneecoach.core.files import check_replaceable
from kneecoach.storage.files import staging_folder, sync_file
from kneecoach.storage.models import (
    WARNING_NOTES,
    Assessment,
    Base,
    Intake,
    PainCheckin,
    Person,
    Programme,
    RepMeasure,
    ScheduledSession,
    SenseTest,
    SessionLog,
    SideMeasure,
    StoredFile,
)
from kneecoach.storage.repository import clean_name, is_key, sha256_file

FORMAT = "kneecoach.journal-export/1"


def _columns(row: Base, skip: Iterable[str] = ()) -> dict[str, object]:
    """A row's own columns as JSON-ready values (ids and foreign keys left out)."""
    out: dict[str, object] = {}
    for column in row.__table__.columns:
        name = column.key
        if name == "id" or name.endswith("_id") or name in skip:
            continue
        value = getattr(row, name)
        out[name] = value.isoformat() if isinstance(value, date | datetime) else value
    return out


def person_document(person: Person, *, leave_out: Iterable[str] = ()) -> dict[str, object]:
    """Everything stored about ``person`` as one JSON-ready document.

    ``leave_out``: stored file paths not to list (missing or damaged ones).
    """
    skip = set(leave_out)
    return {
        "format": FORMAT,
        "person": _columns(person),
        "intakes": [_columns(i) for i in person.intakes],
        "assessments": [
            {
                **_columns(a),
                "sides": [_columns(s) for s in a.sides],
                "reps": [_columns(r) for r in a.reps],
                "files": [_columns(f) for f in a.files if f.path not in skip],
            }
            for a in person.assessments
        ],
        "programmes": [
            {**_columns(p), "sessions": [_columns(s) for s in p.sessions]}
            for p in person.programmes
        ],
        "session_logs": [_session_log(log) for log in person.session_logs],
        "pain_checkins": [_columns(c) for c in person.pain_checkins],
        "sense_tests": [_columns(t) for t in person.sense_tests],
    }


def _session_log(log: SessionLog) -> dict[str, object]:
    return {**_columns(log), "scheduled_day": _scheduled_day(log)}


def _scheduled_day(log: SessionLog) -> dict[str, int | str] | None:
    """Which programme version and day a log belongs to (ids are not portable)."""
    for programme in log.person.programmes:
        for s in programme.sessions:
            if s.id == log.scheduled_session_id:
                return {"version": programme.version, "day": s.day.isoformat()}
    return None


def _csv(rows: Sequence[Mapping[str, object]]) -> str:
    buf = io.StringIO()
    if rows:
        writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: _cell(v) for k, v in row.items()})
    return buf.getvalue()


def _cell(value: object) -> object:
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return "" if value is None else value


def csv_tables(person: Person) -> dict[str, str]:
    """The spreadsheet views of a person's export (the same values as journal.json)."""
    assessments: list[dict[str, object]] = []
    reps: list[dict[str, object]] = []
    for a in person.assessments:
        head = {"assessment": a.key, "measured_at": a.measured_at.isoformat(), "test": a.test}
        assessments += [{**head, "view": a.view, **_columns(s)} for s in a.sides]
        reps += [{**head, **_columns(r)} for r in a.reps]
    scheduled = [{"version": p.version, **_columns(s)} for p in person.programmes
                 for s in p.sessions]  # fmt: skip
    return {
        "assessments.csv": _csv(assessments),
        "reps.csv": _csv(reps),
        "sessions.csv": _csv([_session_log(log) for log in person.session_logs]),
        "pain.csv": _csv([_columns(c) for c in person.pain_checkins]),
        "sense_tests.csv": _csv([_columns(t) for t in person.sense_tests]),
        "scheduled.csv": _csv(scheduled),
    }


def bad_files(person: Person, files_dir: Path) -> dict[str, str]:
    """Stored files of ``person`` that are missing or differ from their SHA-256: path → why."""
    bad = {}
    for a in person.assessments:
        for f in a.files:
            path = files_dir / f.path
            if not path.is_file():
                bad[f.path] = "missing"
            elif sha256_file(path) != f.sha256:
                bad[f.path] = "damaged (SHA-256 differs)"
    return bad


def export_person(
    person: Person, files_dir: Path, archive: Path, *, skip_bad_files: bool = False
) -> list[str]:
    """Write ``person``'s archive to ``archive``; returns the files left out (``files/...``).

    Refuses (InputError, nothing written) when a stored file is missing or damaged,
    unless ``skip_bad_files``. Written to a temporary name, read back with
    :func:`read_archive`'s checks, then renamed.
    """
    bad = bad_files(person, files_dir)
    if bad and not skip_bad_files:
        listed = "; ".join(f"{_member(p)}: {why}" for p, why in sorted(bad.items()))
        raise InputError(
            f"cannot export {person.name}: {len(bad)} stored file(s) are missing or damaged "
            f"({listed}). Nothing was written. To export everything else, with these listed as "
            "missing (import accepts that): "
            f"kneecoach export --person {person.name!r} --skip-bad-files"
        )
    doc = person_document(person, leave_out=bad)
    if bad:
        files = {f.path: f for a in person.assessments for f in a.files}
        doc["missing_files"] = [
            {"path": p, "kind": files[p].kind, "sha256": files[p].sha256, "why": why}
            for p, why in sorted(bad.items())
        ]
    check_replaceable(archive)
    partial = archive.with_name(f".{archive.name}.partial")
    archive.parent.mkdir(parents=True, exist_ok=True)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            zf.writestr("journal.json", json.dumps(doc, indent=2, ensure_ascii=False))
            for name, text in csv_tables(person).items():
                zf.writestr(name, text)
            for a in person.assessments:
                for f in a.files:
                    if f.path not in bad:
                        zf.write(files_dir / f.path, _member(f.path))
        partial.chmod(0o600)  # health data: readable by its owner only, wherever it is
        read_archive(partial)  # the checks import makes: a file changed meanwhile is caught
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(archive)
    return [_member(p) for p in sorted(bad)]


def missing_in_archive(archive: Path) -> list[str]:
    """The files an archive lists as left out at export (``files/...``).

    Reads only ``journal.json`` (for an archive :func:`import_person` has checked).
    """
    doc = read_archive(archive, check_files=False)
    return [_member(str(m["path"])) for m in doc.get("missing_files") or []]


def _member(stored_path: str) -> str:
    # <person key>/<assessment key>/<name> → files/<assessment key>/<name>
    parts = PurePosixPath(stored_path).parts
    return "/".join(("files", *parts[1:]))


MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What :func:`import_person` accepts (settings ``import_max_file_mb`` and
    ``import_max_json_mb``): an archive over a limit is refused with nothing stored."""

    file_bytes: int = 4096 * MB
    json_bytes: int = 64 * MB
    #: a member above :attr:`ratio_above` bytes may unpack to at most this many times its
    #: packed size (kneecoach's own files pack 1-20 times; a zip bomb, thousands)
    ratio: float = 100.0
    ratio_above: int = 16 * MB


DEFAULT_LIMITS = Limits()


def _check_sizes(archive: Path, zf: zipfile.ZipFile, limits: Limits) -> None:
    for info in zf.infolist():
        most = limits.json_bytes if info.filename == "journal.json" else limits.file_bytes
        packed = max(info.compress_size, 1)
        if info.file_size > most or (
            info.file_size > limits.ratio_above and info.file_size / packed > limits.ratio
        ):
            raise InputError(
                f"{archive}: {info.filename} unpacks to {info.file_size / MB:.0f} MB (from "
                f"{info.compress_size / MB:.1f} MB), more than import accepts (at most "
                f"{most / MB:.0f} MB, and {limits.ratio:.0f} times its packed size); nothing "
                "was imported. If you trust the archive, raise import_max_file_mb or "
                "import_max_json_mb (kneecoach info shows them)"
            )


def _sha256_member(zf: zipfile.ZipFile, member: str) -> str:
    digest = hashlib.sha256()
    with zf.open(member) as fh:
        for chunk in iter(lambda: fh.read(MB), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_archive(
    archive: Path, *, check_files: bool = True, limits: Limits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """The export document of ``archive``, checked (sizes; format; files present, hashes
    unless not ``check_files``), reading members in chunks, never whole."""
    try:
        with zipfile.ZipFile(archive) as zf:
            _check_sizes(archive, zf, limits)
            doc = json.loads(zf.read("journal.json"))
            if not isinstance(doc, dict):
                raise InputError(f"{archive}: journal.json is not a kneecoach export document")
            if doc.get("format") != FORMAT:
                raise InputError(f"{archive}: expected format {FORMAT}, got {doc.get('format')!r}")
            names = set(zf.namelist())
            for a in doc["assessments"] if check_files else ():
                for f in a["files"]:
                    member = _member(f["path"])
                    if member not in names:
                        raise InputError(f"{archive}: {member} is missing; export it again")
                    if _sha256_member(zf, member) != f["sha256"]:
                        raise InputError(f"{archive}: {member} was altered (SHA-256 differs)")
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as exc:
        raise InputError(
            f"{archive}: not a kneecoach export ({exc}); make one with kneecoach export"
        ) from None
    return dict(doc)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _d(value: str) -> date:
    return date.fromisoformat(value)


def import_person(
    session: Session, archive: Path, files_dir: Path, *, name: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> Person:  # fmt: skip
    """Re-create the person in ``archive`` (optionally under another ``name``).

    A ``journal.json`` that was edited into something kneecoach did not write
    (a missing field, a wrong type, a pain rating outside 0-10) is refused with
    one message, nothing stored.
    """
    doc = read_archive(archive, limits=limits)
    try:
        p = doc["person"]
        key, person_name = str(p["key"]), clean_name(name or p["name"])
        bad = [str(k) for k in (key, *(a["key"] for a in doc["assessments"])) if not is_key(str(k))]
    except (KeyError, TypeError, AttributeError) as exc:
        raise _damaged(archive, exc) from None
    if bad:
        raise InputError(
            f"{archive}: journal.json names a person or assessment key kneecoach never makes "
            f"({bad[0]!r}; keys are 32 hexadecimal digits): it was edited or crafted, so "
            "nothing was imported"
        )
    same = session.scalar(select(Person).where(Person.key == key))
    if same is not None:  # imported before (or never deleted): --as would not help
        where = "" if same.name == p["name"] else " under another name"
        raise InputError(
            f"{archive}: this person's records are already in the journal{where} "
            f"({same.name!r}): the archive was exported from this journal or imported into it "
            "before, and import does not make a second copy (--as only renames). To replace "
            f"them with the archive, delete them first (kneecoach delete --person {same.name!r})"
        )
    taken = session.scalar(select(Person).where(func.lower(Person.name) == person_name.lower()))
    if taken is not None:
        raise InputError(
            f"{archive}: {person_name!r} is already in the journal; import with --as NEW_NAME "
            f"or delete the existing one first (kneecoach delete --person {person_name!r})"
        )
    try:
        person = _person(doc, key, person_name)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise _damaged(archive, exc) from None
    session.add(person)
    pending = list(session.new)  # the person and every record cascaded with them
    try:
        for row in pending:
            _check_row(row)
    except ValueError as exc:
        session.expunge(person)  # and, by cascade, every record built with them
        raise _damaged(archive, exc) from None
    try:
        session.flush()
    except IntegrityError:
        raise InputError(
            f"{archive}: records in it are already in the journal under another person "
            "(was journal.json edited?); nothing was imported"
        ) from None
    _unpack_files(session, archive, doc, person.key, files_dir)
    return person


def _check_row(row: Base) -> None:
    """Every column of a record built from journal.json holds its column's type (SQLite
    would store a list in an integer column, or fail with a driver error)."""
    for column in row.__table__.columns:
        value = getattr(row, column.key, None)
        if value is None:
            if not column.nullable and not column.primary_key and not column.foreign_keys:
                raise ValueError(f"{row.__tablename__}.{column.key}: missing")
            continue
        try:
            expected = column.type.python_type
        except NotImplementedError:
            continue
        if expected is dict or expected is list:  # JSON documents: any JSON value
            continue
        ok = isinstance(value, expected) and not (expected is int and isinstance(value, bool))
        if expected is float:
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        if not ok:
            raise ValueError(
                f"{row.__tablename__}.{column.key}: expected {expected.__name__}, got {value!r}"
            )
        if expected is int and not -(2**63) <= value < 2**63:
            raise ValueError(f"{row.__tablename__}.{column.key}: {value} is out of range")


def _damaged(archive: Path, exc: Exception) -> InputError:
    what = f"{type(exc).__name__}: {exc}"
    return InputError(
        f"{archive}: journal.json is damaged or was edited ({what}); nothing was imported. "
        "Import the archive as kneecoach export wrote it"
    )


RATINGS = ("pain_before", "pain_during", "pain_after", "rpe")


def _rating(value: object, what: str) -> int | None:
    if value is not None and (not isinstance(value, int) or not 0 <= value <= 10):
        raise ValueError(f"{what} must be 0-10, got {value!r}")
    return value


def _person(doc: Mapping[str, Any], key: str, name: str) -> Person:
    """The records of an export document, checked as they are built."""
    p = doc["person"]
    person = Person(key=key, name=name, created_at=_dt(p["created_at"]))
    person.intakes = [Intake(created_at=_dt(i["created_at"]), document=i["document"])
                      for i in doc["intakes"]]  # fmt: skip
    person.assessments = [_assessment(a) for a in doc["assessments"]]
    by_day: dict[tuple[int, str], ScheduledSession] = {}
    for pr in doc["programmes"]:
        programme = Programme(
            version=int(pr["version"]), created_at=_dt(pr["created_at"]),
            start_date=_d(pr["start_date"]), weeks=int(pr["weeks"]), reason=pr["reason"],
            document=pr["document"],
        )  # fmt: skip
        for s in pr["sessions"]:
            scheduled = ScheduledSession(day=_d(s["day"]), label=s["label"], planned=s["planned"])
            programme.sessions.append(scheduled)
            by_day[(pr["version"], s["day"])] = scheduled
        person.programmes.append(programme)
    for log in doc["session_logs"]:
        for rating in RATINGS:
            _rating(log.get(rating), f"session_logs {log.get('day')}: {rating}")
        person.session_logs.append(_log(log, by_day))
    person.pain_checkins = [
        PainCheckin(day=_d(c["day"]), created_at=_dt(c["created_at"]),
                    pain=_rating(c["pain"], f"pain_checkins {c.get('day')}: pain"),
                    notes=c["notes"])
        for c in doc["pain_checkins"]
    ]  # fmt: skip
    person.sense_tests = [  # archives from before migration 0006 have none
        SenseTest(day=_d(t["day"]), created_at=_dt(t["created_at"]), kind=t["kind"],
                  absolute_error=t["absolute_error"], noise=t["noise"], result=t["result"])
        for t in doc.get("sense_tests", [])
    ]  # fmt: skip
    return person


def _assessment(a: Mapping[str, Any]) -> Assessment:
    fields = {k: v for k, v in a.items() if k not in ("sides", "reps", "files")}
    fields["created_at"] = _dt(fields["created_at"])
    fields["measured_at"] = _dt(fields["measured_at"])
    return Assessment(
        **fields,
        sides=[SideMeasure(**s) for s in a["sides"]],
        reps=[RepMeasure(**r) for r in a["reps"]],
        files=[StoredFile(**f) for f in a["files"]],
    )


def _log(log: Mapping[str, Any], by_day: Mapping[tuple[int, str], ScheduledSession]) -> SessionLog:
    fields = {k: v for k, v in log.items() if k != "scheduled_day"}
    fields["day"] = _d(fields["day"])
    fields["created_at"] = _dt(fields["created_at"])
    fields["warning_signs"] = _warning_signs(fields)
    row = SessionLog(**fields)
    link = log.get("scheduled_day")
    if link:
        row.scheduled_session = by_day.get((link["version"], link["day"]))
    return row


def _warning_signs(log: Mapping[str, Any]) -> bool:
    """A log's ``warning_signs``; an archive from before the column (schema 0004) has only
    the notes to say it, as the migration read them."""
    if "warning_signs" not in log:
        notes = log.get("notes")
        return isinstance(notes, str) and notes.startswith(WARNING_NOTES)
    if not isinstance(log["warning_signs"], bool):
        raise ValueError(
            f"session_logs {log.get('day')}: warning_signs must be true or false, "
            f"got {log['warning_signs']!r}"
        )
    return log["warning_signs"]


def _unpack_files(
    session: Session, archive: Path, doc: Mapping[str, Any], person_key: str, files_dir: Path
) -> None:
    """Each assessment's files into a staging folder, moved into place after the commit."""
    with zipfile.ZipFile(archive) as zf:
        for a in doc["assessments"]:
            staging = None
            for f in a["files"]:
                parts = PurePosixPath(f["path"]).parts
                if (len(parts) != 3 or parts[0] != person_key or parts[1] != a["key"]
                        or ".." in parts or parts[2].startswith(".")):  # fmt: skip
                    raise InputError(f"{archive}: unexpected file path {f['path']!r}")
                if staging is None:
                    staging = staging_folder(session, files_dir, person_key, a["key"])
                with zf.open(_member(f["path"])) as src, (staging / parts[2]).open("wb") as dst:
                    shutil.copyfileobj(src, dst, MB)
                sync_file(staging / parts[2])
