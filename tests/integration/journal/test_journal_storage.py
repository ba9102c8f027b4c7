"""The journal database: migrations, records, delete, export → delete → import, on SQLite
and (when KNEECOACH_TEST_POSTGRES_URL is set) PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st
from journal_data import folders_match_rows, summary
from sqlalchemy import func, inspect, select, text
from tests.fixtures.archives import rewritten

from kneecoach.app import journal
from kneecoach.assessment.model import Assessment as ClipAssessment
from kneecoach.core.errors import InputError, StorageError
from kneecoach.storage.archive import Limits, export_person, import_person, person_document
from kneecoach.storage.db import (
    current_revision,
    head_revision,
    journal_engine,
    open_database,
    upgrade,
)
from kneecoach.storage.models import (
    Assessment,
    Base,
    PainCheckin,
    Person,
    RepMeasure,
    SenseTest,
    SessionLog,
    SideMeasure,
    StoredFile,
)
from kneecoach.storage.repository import (
    PlannedDay,
    add_assessment,
    add_checkin,
    add_programme,
    analysis_files,
    find_person,
    get_or_create_person,
    log_session,
)

TABLES = {t.name for t in Base.metadata.sorted_tables}


def test_migrations_from_empty_reach_the_models_exactly(db_url: str) -> None:
    with open_database(db_url) as j:
        assert current_revision(j.engine) == head_revision() == "0006"
        assert set(inspect(j.engine).get_table_names()) >= TABLES
        with j.engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(ctx, Base.metadata) == []
    with open_database(db_url) as j:  # opening again is a no-op
        assert current_revision(j.engine) == "0006"


def test_upgrade_from_the_first_schema_keeps_the_data(db_url: str) -> None:
    engine = journal_engine(db_url)
    upgrade(engine, "0001")
    assert current_revision(engine) == "0001"
    assert "pain_checkins" not in inspect(engine).get_table_names()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO people (id, key, name, created_at) "
                "VALUES (1, 'k1', 'mary', '2026-01-01 10:00:00')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO session_logs (person_id, day, created_at, done, pain_during, notes, "
                "exercises) VALUES (1, '2026-01-02', '2026-01-02 18:00:00', true, 3, 'ok', '[]')"
            )
        )
    engine.dispose()
    with open_database(db_url) as j:
        assert current_revision(j.engine) == head_revision()
        with j.transaction() as s:
            mary = find_person(s, "Mary")
            assert [(log.day, log.pain_during, log.notes) for log in mary.session_logs] == [
                (date(2026, 1, 2), 3, "ok")
            ]
            assert mary.session_logs[0].pain_before is None  # the column 0003 added
            add_checkin(s, mary, day=date(2026, 1, 3), pain=2)
        with j.transaction() as s:
            assert s.scalar(select(func.count()).select_from(PainCheckin)) == 1


def test_upgrade_from_0003_marks_the_logs_whose_notes_reported_warning_signs(db_url: str) -> None:
    engine = journal_engine(db_url)
    upgrade(engine, "0003")  # before warning_signs was a column: only the notes said it
    notes = {
        "2026-01-02": journal.WARNING_NOTE + "; knee swelled",
        "2026-01-05": journal.WARNING_NOTE,
        "2026-01-09": "felt fine",
        "2026-01-12": "no " + journal.WARNING_NOTE,  # the words, not at the start
        "2026-01-14": journal.WARNING_NOTE.capitalize(),  # never written by kneecoach
    }
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO people (id, key, name, created_at) "
                "VALUES (1, 'k1', 'mary', '2026-01-01 10:00:00')"
            )
        )
        for day, note in notes.items():
            conn.execute(
                text(
                    "INSERT INTO session_logs (person_id, day, created_at, done, notes, "
                    "exercises) VALUES (1, :day, '2026-01-20 18:00:00', true, :notes, '[]')"
                ),
                {"day": day, "notes": note},
            )
    engine.dispose()
    with open_database(db_url) as j:
        assert current_revision(j.engine) == head_revision()
        with j.transaction() as s:
            logs = find_person(s, "mary").session_logs
            assert {f"{log.day}": log.notes for log in logs} == notes  # the notes stay
            assert sorted(f"{log.day}" for log in logs if log.warning_signs) == [
                "2026-01-02",
                "2026-01-05",
            ]
    # plan --person still reminds to see a clinician, from the column
    assert journal.Journal.open(db_url).replan_basis("mary").warning_signs == date(2026, 1, 5)


def test_a_newer_schema_is_refused(sqlite_url: str) -> None:
    with open_database(sqlite_url) as j, j.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="newer than this kneecoach"):
        open_database(sqlite_url)


def test_bad_urls_and_missing_drivers_are_one_clear_error() -> None:
    with pytest.raises(StorageError, match="not a database URL"):
        open_database("not a url")
    with pytest.raises(StorageError, match="not installed"):
        open_database("postgresql+pg8000://me@localhost/db")


def test_an_unwritable_place_is_one_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the folder should be")
    with pytest.raises(StorageError, match="cannot create the journal folder"):
        open_database(f"sqlite:///{blocker / 'sub' / 'journal.sqlite3'}")


def _store(j, name: str, folder: Path, doc=None) -> int:
    clip = ClipAssessment.read(folder / "summary.json") if doc is None else _model(doc)
    with j.transaction() as s:
        p = get_or_create_person(s, name)
        a = add_assessment(s, p, clip, analysis_files(folder, clip), files_dir=j.files_dir)
        return a.id


def _model(doc) -> ClipAssessment:
    return ClipAssessment.model_validate(doc)


def test_an_assessment_keeps_its_measures_and_hashed_files(db_url: str, analysis_dir) -> None:
    folder = analysis_dir(summary((10.0, 12.0, 17.0), images=2))
    with open_database(db_url) as j:
        _store(j, "mary", folder)
        with j.transaction() as s:
            a = s.scalars(select(Assessment)).one()
            assert (a.test, a.working_sides, a.view) == ("single-leg-squat", "left", "frontal")
            left = next(x for x in a.sides if x.side == "left")
            assert (left.reps, left.peak_fppa_deg) == (3, 17.0)
            assert [r.fppa_deg for r in a.reps] == [10.0, 12.0, 17.0]
            kinds = {f.kind: f for f in a.files}
            assert set(kinds) == {"summary", "report", "frames", "worst_1", "worst_2"}
            for f in a.files:
                stored = j.files_dir / f.path
                assert hashlib.sha256(stored.read_bytes()).hexdigest() == f.sha256
                assert stored.read_bytes() == (folder / stored.name).read_bytes()
            assert not any(j.files_dir.rglob("*.partial"))
            assert (j.files_dir / a.person.key).stat().st_mode & 0o077 == 0  # owner only


def test_people_are_found_case_insensitively_and_unknown_names_are_explained(db_url) -> None:
    with open_database(db_url) as j, j.transaction() as s:
        get_or_create_person(s, "  Mary   Smith ")
        assert find_person(s, "mary smith").name == "Mary Smith"
        with pytest.raises(InputError, match="nobody called 'bob'.*Mary Smith"):
            find_person(s, "bob")
        with pytest.raises(InputError, match="--person"):
            get_or_create_person(s, "   ")


def _count(s, model, person_id: int | None = None) -> int:
    q = select(func.count()).select_from(model)
    if person_id is not None and hasattr(model, "person_id"):
        q = q.where(model.person_id == person_id)
    return int(s.scalar(q) or 0)


def _fill(j, name: str, folder: Path) -> None:
    _store(j, name, folder)
    with j.transaction() as s:
        p = find_person(s, name)
        start = date(2026, 3, 2)
        days = [
            PlannedDay(
                start + timedelta(days=d),
                "Hip strength",
                ({"exercise_id": "clamshell", "sets": 3},),
            )
            for d in (0, 2, 4)
        ]
        add_programme(
            s, p, {"schema": "kneecoach.plan/1", "sessions": []}, start=start, weeks=1, days=days
        )
        add_programme(
            s,
            p,
            {"schema": "kneecoach.plan/1", "v": 2},
            start=start,
            weeks=1,
            days=days,
            reason="progress",
        )
        log = log_session(s, p, day=start, done=True, sets_done=3, pain_during=2, rpe=6)
        assert log.scheduled_session_id is not None
        log_session(s, p, day=start + timedelta(days=1), done=True, notes="extra walk")
        add_checkin(s, p, day=start, pain=1, notes="morning")
        p.sense_tests.append(SenseTest(day=start, kind="knee_over_toe", absolute_error=3.1,
                                       noise=2.0, result={"kind": "knee_over_toe",
                                                          "trials": [{"left": 3.0}]}))  # fmt: skip
        assert [pr.version for pr in p.programmes] == [1, 2]


def test_delete_removes_every_record_and_file_of_that_person_only(db_url, analysis_dir) -> None:
    with open_database(db_url) as j:
        _fill(j, "mary", analysis_dir())
        _fill(j, "bob", analysis_dir())
        with j.transaction() as s:
            mary_key = find_person(s, "mary").key
            bob_counts = {
                m: _count(s, m)
                for m in (Assessment, SideMeasure, RepMeasure, StoredFile, SessionLog, PainCheckin)
            }
        assert (j.files_dir / mary_key).is_dir()
        url = j.url
    n = journal.Journal.open(url).delete("mary")
    assert n == 4  # summary, report, frames, worst_1
    with open_database(url) as j:
        assert not (j.files_dir / mary_key).exists()
        assert not list(j.files_dir.glob(".deleted-*"))
        with j.transaction() as s:
            assert [p.name for p in s.scalars(select(Person))] == ["bob"]
            bob = find_person(s, "bob")
            for model, total in bob_counts.items():
                assert _count(s, model) == total // 2  # mary's half is gone, bob's intact
            assert all((j.files_dir / f.path).is_file() for a in bob.assessments for f in a.files)
            # nothing of mary's left in any table
            for table in TABLES - {"people"}:
                cols = {c["name"] for c in inspect(s.connection()).get_columns(table)}
                if "person_id" in cols:
                    n_rows = s.execute(
                        text(f"SELECT count(*) FROM {table} WHERE person_id <> {bob.id}")
                    ).scalar()
                    assert n_rows == 0, table
            total = s.execute(text("SELECT count(*) FROM scheduled_sessions")).scalar()
            assert total == 6  # bob's two programme versions x 3 days


def test_export_delete_import_round_trip(db_url, analysis_dir, tmp_path) -> None:
    archive = tmp_path / "mary.zip"
    with open_database(db_url) as j:
        _fill(j, "mary", analysis_dir())
        _store(j, "mary", analysis_dir(summary((8.0, 9.0), created="2026-04-12T09:00:00+00:00")))
        with j.transaction() as s:
            mary = find_person(s, "mary")
            before = person_document(mary)
            export_person(mary, j.files_dir, archive)
            files = {
                f.path: (j.files_dir / f.path).read_bytes()
                for a in mary.assessments
                for f in a.files
            }
        url = j.url
    with zipfile.ZipFile(archive) as zf:
        names = set(zf.namelist())
        assert {
            "journal.json",
            "assessments.csv",
            "reps.csv",
            "sessions.csv",
            "pain.csv",
            "scheduled.csv",
            "sense_tests.csv",
        } <= names
        assert "single-leg-squat" in zf.read("assessments.csv").decode()
        assert len([n for n in names if n.startswith("files/")]) == len(files)
    journal.Journal.open(url).delete("mary")
    with open_database(url) as j:
        with j.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == 0
        with j.transaction() as s:
            import_person(s, archive, j.files_dir)
        with j.transaction() as s:
            after = person_document(find_person(s, "mary"))
        assert after == before
        assert {p: (j.files_dir / p).read_bytes() for p in files} == files
        with j.transaction() as s, pytest.raises(InputError, match="already in the journal"):
            import_person(s, archive, j.files_dir)
        with j.transaction() as s, pytest.raises(InputError, match="imported into it before"):
            import_person(s, archive, j.files_dir, name="mary 2")  # the same person twice


def test_an_altered_or_foreign_archive_is_refused(sqlite_url, analysis_dir, tmp_path) -> None:
    archive = tmp_path / "mary.zip"
    with open_database(sqlite_url) as j:
        _store(j, "mary", analysis_dir())
        with j.transaction() as s:
            export_person(find_person(s, "mary"), j.files_dir, archive)
    altered = tmp_path / "altered.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(altered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            dst.writestr(item, data + b"x" if item.filename.endswith("report.html") else data)
    with open_database(sqlite_url) as j, j.transaction() as s:
        with pytest.raises(InputError, match="altered"):
            import_person(s, altered, j.files_dir, name="eve")
        (tmp_path / "junk.zip").write_bytes(b"not a zip")
        with pytest.raises(InputError, match="not a kneecoach export"):
            import_person(s, tmp_path / "junk.zip", j.files_dir)


@pytest.mark.parametrize(
    ("edit", "why"),
    [
        (lambda d: d.pop("intakes"), "KeyError"),
        (lambda d: d["session_logs"][0].update(day=12), "TypeError"),
        (lambda d: d["session_logs"][0].update(day="2026-02-30"), "out of range"),
        (lambda d: d["session_logs"][0].update(pain_during=99), "pain_during must be 0-10"),
        (lambda d: d["pain_checkins"][0].update(pain=-3), "pain must be 0-10"),
        (lambda d: d["assessments"][0]["sides"][0].update(bogus=1), "bogus"),
    ],
)
def test_an_edited_journal_json_is_refused_in_one_line(
    sqlite_url, analysis_dir, tmp_path, edit, why
) -> None:
    archive, edited = tmp_path / "mary.zip", tmp_path / "edited.zip"
    with open_database(sqlite_url) as j:
        _store(j, "mary", analysis_dir())
        with j.transaction() as s:
            p = find_person(s, "mary")
            log_session(s, p, day=date(2026, 3, 2), done=True, pain_during=1)
            add_checkin(s, p, day=date(2026, 3, 3), pain=2)
        with j.transaction() as s:
            export_person(find_person(s, "mary"), j.files_dir, archive)
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(edited, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "journal.json":
                doc = json.loads(data)
                doc["person"]["key"] = "f" * 32  # not the stored person's
                for a in doc["assessments"]:
                    a["key"] = "e" * 32
                    for f in a["files"]:
                        f["path"] = "/".join(("f" * 32, "e" * 32, f["path"].split("/")[-1]))
                edit(doc)
                data = json.dumps(doc).encode()
            name = item.filename
            if name.startswith("files/"):
                name = "/".join(("files", "e" * 32, name.split("/")[-1]))
            dst.writestr(name, data)
    with open_database(sqlite_url) as j:
        with j.transaction() as s, pytest.raises(InputError, match="damaged or was edited") as e:
            import_person(s, edited, j.files_dir, name="eve")
        assert why in str(e.value)
        with j.transaction() as s:
            assert [p.name for p in s.scalars(select(Person))] == ["mary"]


def test_ratings_outside_0_to_10_are_refused(sqlite_url) -> None:
    with open_database(sqlite_url) as j, j.transaction() as s:
        p = get_or_create_person(s, "mary")
        with pytest.raises(InputError, match="--pain-during: expected a whole number from 0 to 10"):
            log_session(s, p, day=date(2026, 1, 1), done=True, pain_during=11)
        with pytest.raises(InputError, match="--pain"):
            add_checkin(s, p, day=date(2026, 1, 1), pain=-1)


def test_a_failed_transaction_leaves_nothing(sqlite_url, analysis_dir) -> None:
    folder = analysis_dir()
    with open_database(sqlite_url) as j:
        with pytest.raises(RuntimeError), j.transaction() as s:
            p = get_or_create_person(s, "mary")
            clip = _model(summary())
            add_assessment(s, p, clip, analysis_files(folder, clip), files_dir=j.files_dir)
            raise RuntimeError("crash after the writes, before the commit")
        with j.transaction() as s:
            assert _count(s, Person) == 0 and _count(s, Assessment) == 0
        folders_match_rows(j)  # no summary.json or worst_1.png left behind
        assert not [p for p in j.files_dir.rglob("*") if p.name != ".journal"]


def test_videos_are_kept_only_when_asked_and_empty_analyses_not_at_all(
    sqlite_url, analysis_dir, tmp_path
) -> None:
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"not really a video, but bytes to copy")
    plain = journal.Journal.open(sqlite_url).remember_analysis(analysis_dir(), "mary")
    kept = journal.Journal.open(sqlite_url).remember_analysis(analysis_dir(), "mary", video=clip)
    assert plain is not None and kept is not None
    assert not any(plain.folder.glob("*.mp4"))
    assert (kept.folder / "clip.mp4").read_bytes() == clip.read_bytes()
    assert kept.number == 2 and kept.previous is not None and kept.changes
    empty = analysis_dir(summary((), ()))
    assert journal.Journal.open(sqlite_url).remember_analysis(empty, "mary") is None
    with pytest.raises(InputError, match="does not exist"):
        journal.Journal.open(sqlite_url).remember_analysis(tmp_path / "nowhere", "mary")


def test_a_delete_interrupted_before_removing_files_is_finished_later(
    sqlite_url, analysis_dir
) -> None:
    with open_database(sqlite_url) as j:
        _store(j, "mary", analysis_dir())
        _store(j, "bob", analysis_dir())
        with j.transaction() as s:
            key = find_person(s, "mary").key
        # killed after moving mary's files aside, before the commit: her rows are still there
        (j.files_dir / key).replace(j.files_dir / f".deleted-{key}")
        # killed after committing someone else's deletion, before removing the files
        (j.files_dir / f".deleted-{'0123456789abcdef' * 2}").mkdir()
        files_dir = j.files_dir
    journal.Journal.open(sqlite_url).delete("bob")
    assert not list(files_dir.glob(".deleted-*"))
    assert (files_dir / key).is_dir() and any((files_dir / key).rglob("report.html"))


notes_text = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)
rating = st.none() | st.integers(0, 10)


@settings(max_examples=15, deadline=None)
@given(st.lists(st.tuples(st.dates(date(2020, 1, 1), date(2030, 1, 1)), st.booleans(), rating,
                          rating, rating, notes_text), min_size=1, max_size=6))  # fmt: skip
def test_any_logs_survive_export_and_import_unchanged(logs) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'journal.sqlite3'}"
        with open_database(url) as j:
            with j.transaction() as s:
                p = get_or_create_person(s, "Zoë O'Brien, 42")
                for day, done, during, after, rpe, notes in logs:
                    log_session(s, p, day=day, done=done, pain_during=during, pain_after=after,
                                rpe=rpe, notes=notes)  # fmt: skip
            with j.transaction() as s:
                p = find_person(s, "zoë o'brien, 42")
                before = person_document(p)
                export_person(p, j.files_dir, Path(tmp) / "a.zip")
        journal.Journal.open(url).delete("Zoë O'Brien, 42")
        with open_database(url) as j:
            with j.transaction() as s:
                import_person(s, Path(tmp) / "a.zip", j.files_dir)
            with j.transaction() as s:
                assert person_document(find_person(s, "Zoë O'Brien, 42")) == before


def test_export_refuses_missing_or_damaged_files_and_writes_nothing(
    db_url, analysis_dir, tmp_path
) -> None:
    """export → delete → import must never lose the person: a bad file stops the export."""
    archive = tmp_path / "ann.zip"
    with open_database(db_url) as j:
        _store(j, "ann", analysis_dir(summary(images=2)))
        with j.transaction() as s:
            stored = find_person(s, "ann").assessments[0].files
            files = {f.kind: j.files_dir / f.path for f in stored}
        files["worst_2"].unlink()
        files["report"].write_text("<html>changed on disk</html>")
        with j.transaction() as s, pytest.raises(InputError) as caught:
            export_person(find_person(s, "ann"), j.files_dir, archive)
        message = str(caught.value)
        assert "worst_2.png: missing" in message and "report.html: damaged" in message
        assert "Nothing was written" in message and "--skip-bad-files" in message
        assert not archive.exists() and not list(tmp_path.glob(".*.partial"))
        # asked to, it exports the rest and lists what is missing; import accepts that
        with j.transaction() as s:
            skipped = export_person(find_person(s, "ann"), j.files_dir, archive,
                                    skip_bad_files=True)  # fmt: skip
        assert sorted(n.rsplit("/", 1)[1] for n in skipped) == ["report.html", "worst_2.png"]
        url = j.url
    journal.Journal.open(url).delete("ann")
    with open_database(url) as j:
        with j.transaction() as s:
            import_person(s, archive, j.files_dir)
        with j.transaction() as s:
            back = find_person(s, "ann").assessments[0]
            assert sorted(f.kind for f in back.files) == ["frames", "summary", "worst_1"]
        folders_match_rows(j)
    with zipfile.ZipFile(archive) as zf:
        doc = json.loads(zf.read("journal.json"))
    assert [m["kind"] for m in doc["missing_files"]] == ["report", "worst_2"]


def test_the_journal_sweeps_what_crashes_left_when_it_opens(sqlite_url, analysis_dir) -> None:
    with open_database(sqlite_url) as j:
        kept = _store(j, "mary", analysis_dir())
        with j.transaction() as s:
            mary = find_person(s, "mary")
            a = s.get_one(Assessment, kept)
            person_key, key = mary.key, a.key
        files_dir = j.files_dir
    # what older versions and killed processes left behind
    (files_dir / "0123456789abcdef0123456789abcdef" / "fedcba").mkdir(parents=True)  # nobody's
    (files_dir / person_key / "feedfacefeedface").mkdir()  # no such assessment
    (files_dir / person_key / "feedfacefeedface" / "summary.json").write_text("{}")
    (files_dir / person_key / key / ".report.html.partial").write_text("half")
    (files_dir / ".incoming-deadbeef").mkdir()  # an uncommitted staging folder
    (files_dir / ".incoming-deadbeef" / "worst_1.png").write_bytes(b"x")
    # committed, killed before the rename: put in place, not lost
    (files_dir / person_key / key).replace(files_dir / f".incoming-{key}")
    with open_database(sqlite_url) as j:
        folders_match_rows(j)
        with j.transaction() as s:
            for f in s.get_one(Assessment, kept).files:
                data = (files_dir / f.path).read_bytes()
                assert hashlib.sha256(data).hexdigest() == f.sha256


def test_two_journals_in_one_folder_keep_their_files_apart(tmp_path, analysis_dir) -> None:
    """a.sqlite3 and b.sqlite3 side by side shared journal-files: deleting mary in b removed
    the stored files of the mary in a (and import --as wiped another person's)."""
    first, second = (f"sqlite:///{tmp_path / name}" for name in ("a.sqlite3", "b.sqlite3"))
    with journal.Journal.open(first) as a, journal.Journal.open(second) as b:
        assert (a.files_dir.name, b.files_dir.name) == ("a-files", "b-files")
        _store(a, "mary", analysis_dir())
        _store(b, "mary", analysis_dir())
        mine = sorted(p for p in a.files_dir.rglob("*") if p.is_file())
        assert b.delete("mary") > 0
        assert sorted(p for p in a.files_dir.rglob("*") if p.is_file()) == mine
        assert a.export("mary", lambda _: tmp_path / "a.zip")[2] == []  # nothing missing


def test_an_older_journals_own_files_folder_moves_with_it(tmp_path, analysis_dir) -> None:
    """Before, every SQLite journal kept its files in journal-files beside it: a folder
    that was this journal's alone becomes its own; a shared one stays where it is."""
    url = f"sqlite:///{tmp_path / 'clinic.db'}"
    with journal.Journal.open(url) as j:
        _store(j, "mary", analysis_dir())
        own = j.files_dir
    legacy = tmp_path / "journal-files"
    own.rename(legacy)
    with journal.Journal.open(url) as j:
        assert j.files_dir == own and not legacy.exists()
        assert j.export("mary", lambda _: tmp_path / "m.zip")[2] == []
    own.rename(legacy)
    (legacy / ".journal").write_text("sqlite:///elsewhere.db\n" + (legacy / ".journal").read_text())
    with journal.Journal.open(url) as j:
        assert legacy.is_dir() and not any(j.files_dir.glob("*/*"))  # not moved: not ours


@pytest.mark.parametrize("key", ["..", "/etc", "../victim", "A" * 32, "e" * 31])
def test_an_archive_with_a_crafted_key_is_refused(sqlite_url, analysis_dir, tmp_path, key) -> None:
    """Keys of ``..``, an absolute path or ``../victim`` were imported as folder names; a
    delete then moved and removed a folder outside the journal."""
    archive, crafted = tmp_path / "mary.zip", tmp_path / "crafted.zip"
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "precious.txt").write_text("mine")
    with open_database(sqlite_url) as j:
        _store(j, "mary", analysis_dir())
        with j.transaction() as s:
            export_person(find_person(s, "mary"), j.files_dir, archive)

    def crafted_key(doc: dict) -> None:
        doc["person"]["key"] = key
        for a in doc["assessments"]:
            a["files"] = []  # no file paths to trip over: only the key

    rewritten(archive, crafted, crafted_key, files=False)
    with open_database(sqlite_url) as j:
        with j.transaction() as s, pytest.raises(InputError, match="key kneecoach never makes"):
            import_person(s, crafted, j.files_dir, name="eve")
        with j.transaction() as s:
            assert [p.name for p in s.scalars(select(Person))] == ["mary"]
    assert (victim / "precious.txt").read_text() == "mine"


def test_a_restored_older_database_quarantines_the_files_it_does_not_know(
    tmp_path, analysis_dir
) -> None:
    """Copying an older journal back and running people deleted the newer assessment's
    folder: the files are moved aside and the journal says so."""
    db = tmp_path / "j.sqlite3"
    url = f"sqlite:///{db}"
    with journal.Journal.open(url) as j:
        _store(j, "mary", analysis_dir())
    older = db.read_bytes()
    with journal.Journal.open(url) as j:
        _store(j, "mary", analysis_dir())
        _store(j, "bob", analysis_dir())
        files = j.files_dir
    newer = {p.relative_to(files) for p in files.rglob("*") if p.is_file()}
    for sidecar in ("-wal", "-shm"):
        db.with_name(db.name + sidecar).unlink(missing_ok=True)
    db.write_bytes(older)  # the backup copied back
    with journal.Journal.open(url) as j:
        assert len(j.quarantined) == 2  # bob's folder, and mary's second assessment
        assert all(q.is_relative_to(files / ".quarantine") for q in j.quarantined)
        j.people()
    kept = {p.relative_to(files) for p in files.rglob("*") if p.is_file()}
    assert {Path(*p.parts[1:]) if p.parts[0] == ".quarantine" else p for p in kept} >= newer


def test_an_archive_that_unpacks_far_beyond_its_size_is_refused(
    sqlite_url, analysis_dir, tmp_path
) -> None:
    """A 1.1 MB archive stored a 500 MB member (1.29 GB peak memory): sizes are checked
    before anything is read, and members are read in chunks."""
    archive, bomb = tmp_path / "mary.zip", tmp_path / "bomb.zip"
    with open_database(sqlite_url) as j:
        _store(j, "mary", analysis_dir())
        with j.transaction() as s:
            export_person(find_person(s, "mary"), j.files_dir, archive)
    with journal.Journal.open(sqlite_url) as jj:
        jj.delete("mary")
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("files/extra.bin", bytes(40 * 1024 * 1024))  # 40 MB of zeros, ~40 kB packed
    assert bomb.stat().st_size < 2 * 1024 * 1024
    with open_database(sqlite_url) as j:
        with j.transaction() as s, pytest.raises(InputError, match="extra.bin unpacks to 40 MB"):
            import_person(s, bomb, j.files_dir)
        tight = Limits(json_bytes=100)
        with j.transaction() as s, pytest.raises(InputError, match="journal.json unpacks to"):
            import_person(s, archive, j.files_dir, limits=tight)
        with j.transaction() as s:
            assert s.scalar(select(func.count()).select_from(Person)) == 0
            import_person(s, archive, j.files_dir)  # within the limits: imported
