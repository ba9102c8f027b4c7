"""The journal from the command line, in-process, with a temporary KNEECOACH_HOME."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from kneecoach.cli.main import cli
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import single_leg_squat


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KNEECOACH_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("KNEECOACH_DATABASE_URL", raising=False)


@pytest.fixture
def run():
    runner = CliRunner()

    def invoke(*args: object, input: str | None = None):
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)

    return invoke


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Before: worst rep 24° valgus; after six weeks: 10° (a change far beyond 8.9°)."""
    folder = tmp_path_factory.mktemp("clips")
    before = to_netcdf_file(single_leg_squat(peak_fppa_deg=[20, 22, 24]), folder / "before.nc")
    after = to_netcdf_file(single_leg_squat(peak_fppa_deg=[8, 9, 10]), folder / "after.nc")
    return before, after


def _first_plan(run, person: str):  # type: ignore[no-untyped-def]
    """``person``'s first plan from the example intake: 2 weeks from Mon 2 March 2026, in p1/."""
    made = run("plan", "--person", person, "--intake", EXAMPLE_INTAKE, "--weeks", 2,
               "--start", "2026-03-02", "--out", "p1")  # fmt: skip
    assert made.exit_code == 0, made.output
    return made


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_analyze_person_then_progress_says_improved(run, clips, tmp_path: Path) -> None:
    before, after = clips
    first = run("analyze", before, "--test", "single-leg-squat", "--no-video", "--person", "Mary")
    assert first.exit_code == 0, first.output
    assert "Stored in Mary's journal: Single-leg squat assessment no. 1 (left leg)." in _flat(
        first.output
    )
    second = run("analyze", after, "--test", "single-leg-squat", "--no-video", "--person", "mary")
    out = _flat(second.output)
    assert "assessment no. 2" in out and "Compared with" in out
    assert re.search(r"improved left worst knee angle \(peak FPPA\): 2\d\.\d° → 1\d\.\d°", out)

    people = run("people")
    assert "Mary" in people.output and re.search(r"│ 2\s+│", people.output)

    page = tmp_path / "progress.html"
    result = run("progress", "--person", "MARY", "--out", page)
    assert result.exit_code == 0, result.output
    assert "your left knee caves in less" in _flat(result.output)
    html = page.read_text()
    assert html.count("data:image/png;base64,") >= 3  # trend chart + worst before/after
    assert "http://" not in html and "https://" not in html and "<script" not in html
    assert "improved" in html and "8.9°" in html

    pdfium = pytest.importorskip("pypdfium2")
    shared = tmp_path / "mary.pdf"
    result = run("progress", "--person", "mary", "--out", page, "--pdf", shared)
    assert result.exit_code == 0 and "The PDF to share" in result.output
    doc = pdfium.PdfDocument(shared)
    first = _flat(doc[0].get_textpage().get_text_range())
    assert first.startswith("Progress: Mary") and "your left knee caves in less" in first
    # page one is the summary: the change against its noise, and the safety note
    assert re.search(r"left worst knee angle.*2\d\.\d°.*1\d\.\d°.*± 8\.9°.*improved", first)
    assert "not a diagnosis" in first and "see a clinician" in first
    later = " ".join(_flat(doc[i].get_textpage().get_text_range()) for i in range(1, len(doc)))
    assert "Details" in later and "Worst moment" in later and "Sources" in later
    doc.close()
    again = tmp_path / "again.pdf"
    run("progress", "--person", "mary", "--out", page, "--pdf", again)
    assert again.read_bytes() == shared.read_bytes()  # the same journal, the same file


def test_log_with_flags_interactive_and_check_in(run) -> None:
    result = run(
        "log",
        "--person",
        "mary",
        "--done",
        "--sets",
        9,
        "--pain-during",
        2,
        "--pain-after",
        1,
        "--rpe",
        6,
        "--notes",
        "felt ok",
        "--date",
        "2026-03-02",
    )
    assert result.exit_code == 0, result.output
    assert "Logged for mary: Mon 2 Mar 2026, done (no session was planned that day)." in _flat(
        result.output
    )
    answers = "\n".join(["y", "8", "1", "3", "2", "7", "n", "knee fine"]) + "\n"
    assert "mary is new in the journal" in _flat(result.output)
    asked = run("log", "--person", "mary", "--date", "2026-03-04", input=answers)
    assert "new in the journal" not in asked.output
    assert asked.exit_code == 0, asked.output
    assert "Pain during" in asked.output and "Effort" in asked.output
    flagged = run(
        "log",
        "--person",
        "mary",
        "--date",
        "2026-03-06",
        input="\n".join(["y", "3", "0", "6", "6", "5", "y", ""]) + "\n",
    )
    assert "see a clinician" in _flat(flagged.output)
    checked = run("log", "--person", "mary", "--check-in", 4, "--date", "2026-03-05")
    assert "new in the journal" not in checked.output
    typo = run("log", "--person", "mray", "--check-in", 4, "--date", "2026-03-05")
    assert "mray is new in the journal" in _flat(typo.output)
    run("delete", "--person", "mray", "--yes")
    export = run("export", "--person", "mary", "--out", "m.zip")
    assert export.exit_code == 0, export.output
    with zipfile.ZipFile("m.zip") as zf:
        doc = json.loads(zf.read("journal.json"))
    logs = {log["day"]: log for log in doc["session_logs"]}
    assert logs["2026-03-02"]["sets_done"] == 9 and logs["2026-03-02"]["notes"] == "felt ok"
    assert logs["2026-03-04"]["pain_before"] == 1
    assert (
        logs["2026-03-04"]["sets_done"],
        logs["2026-03-04"]["pain_during"],
        logs["2026-03-04"]["pain_after"],
        logs["2026-03-04"]["rpe"],
    ) == (8, 3, 2, 7)
    assert logs["2026-03-04"]["notes"] == "knee fine"
    assert [c["pain"] for c in doc["pain_checkins"]] == [4]


def test_out_of_range_pain_is_a_usage_error(run) -> None:
    result = run("log", "--person", "mary", "--done", "--pain-during", 11)
    assert result.exit_code == 2 and "0<=x<=10" in result.output


def test_export_delete_import_from_the_command_line(run, clips) -> None:
    run("analyze", clips[0], "--test", "single-leg-squat", "--no-video", "--person", "bob")
    run("log", "--person", "bob", "--missed", "--notes", "away")
    assert run("export", "--person", "bob").exit_code == 0
    assert Path("bob-journal.zip").is_file()
    home = Path("home")
    stored = [p for p in (home / "journal-files").glob("*/*/*") if p.is_file()]
    assert stored and any(p.name == "worst_1.png" for p in stored)

    kept = run("delete", "--person", "bob", input="n\n")
    assert kept.exit_code == 1 and all(p.exists() for p in stored)  # declined: nothing deleted
    gone = run("delete", "--person", "bob", "--yes")
    assert gone.exit_code == 0, gone.output
    assert not any(p.exists() for p in stored)
    assert "The journal is empty" in run("people").output

    back = run("import", "bob-journal.zip")
    assert back.exit_code == 0 and "Imported bob: 1 assessments, 1 session logs" in back.output
    assert all(p.exists() for p in stored)
    again = run("import", "bob-journal.zip")
    assert again.exit_code == 1 and "already in the journal" in again.output
    assert "Traceback" not in again.output
    # the same person again: the advice is to delete first, not --as (which only renames)
    said = _flat(again.output)
    assert "imported into it before" in said and "delete them first" in said
    assert "import with --as" not in said
    renamed = run("import", "bob-journal.zip", "--as", "bob 2")
    assert renamed.exit_code == 1 and "('bob')" in renamed.output


def test_unknown_person_and_bad_database_are_one_line(run, monkeypatch) -> None:
    result = run("progress", "--person", "nobody")
    assert result.exit_code == 1
    assert "nobody called 'nobody'" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", "postgresql+pg8000://me@localhost/kc")
    result = run("people")
    assert result.exit_code == 1 and "kneecoach[postgres]" in result.output


def test_info_shows_the_database(run, monkeypatch) -> None:
    from kneecoach.cli.journal import database_description

    assert database_description() == f"sqlite:///{Path('home').resolve() / 'journal.sqlite3'}"
    monkeypatch.setenv("KNEECOACH_DATABASE_URL", "postgresql+psycopg://me:secret@db/kc")
    assert database_description() == "postgresql+psycopg://me:***@db/kc"  # no password shown
    assert "│ database " in run("info").output


def test_a_programme_day_is_shown_and_linked_when_logging(run) -> None:
    from kneecoach.storage.db import open_database
    from kneecoach.storage.repository import PlannedDay, add_programme, get_or_create_person

    day = date(2026, 3, 2)
    with open_database() as j, j.transaction() as s:
        p = get_or_create_person(s, "ann")
        planned = (
            {"exercise_id": "clamshell", "name": "Clamshell", "sets": 3, "dosage": "3 × 12"},
        )
        add_programme(
            s,
            p,
            {"schema": "kneecoach.plan/1"},
            start=day,
            weeks=1,
            days=[PlannedDay(day, "Hip strength", planned)],
        )
    # 2 of 3 sets, pain-free: hold (the coaching stage's rules)
    result = run("log", "--person", "ann", "--date", day, input="y\n2\n0\n1\n0\n5\nn\n\n")
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    assert "Planned for Mon 2 Mar: Hip strength" in out and "Clamshell 3 × 12" in out
    assert "1 of 1 planned sessions done (100%)" in out
    assert "hold clamshell: Keep the same exercise" in out and "not all sets" in out
    # all sets, pain-free, easy (effort 3): progress to the library's next exercise
    flags = ("--done", "--pain-before", 0, "--pain-during", 0, "--pain-after", 0, "--rpe", 3)
    again = run("log", "--person", "ann", "--date", day, *flags)
    assert again.exit_code == 1 and "already logged" in again.output and "--again" in again.output
    result = run("log", "--person", "ann", "--date", day, *flags, "--again")
    out = _flat(result.output)
    assert "progress clamshell: Move on to clamshell-band next time" in out
    with open_database() as j, j.transaction() as s:
        logs = get_or_create_person(s, "ann").session_logs
        assert [e["decision"] for log in logs for e in log.exercises] == ["hold", "progress"]
        assert logs[1].exercises[0]["sets_done"] == 3  # --done without --sets: all planned sets
        add_programme(
            s,
            logs[0].person,
            {"schema": "kneecoach.plan/1"},
            start=day,
            weeks=1,
            days=[PlannedDay(day + timedelta(days=2), "Hip strength", planned)],
        )
    # the next planned session shows what the rules said last time
    result = run("log", "--person", "ann", "--date", day + timedelta(days=2), input="n\n\n")
    assert "Clamshell 3 × 12 (last time: progress → clamshell-band)" in _flat(result.output)


EXAMPLE_INTAKE = Path(__file__).resolve().parents[3] / "examples" / "intake.toml"


def test_plan_for_a_person_uses_and_stores_the_journal(run, clips) -> None:
    from kneecoach.storage.db import open_database
    from kneecoach.storage.repository import find_person

    first = run("plan", "--person", "zoe", "--out", "p0")
    assert first.exit_code == 1 and "no intake stored for 'zoe'" in first.output
    assert run("plan", "--out", "p0").exit_code == 2  # neither --intake nor --person
    run("analyze", clips[0], "--test", "single-leg-squat", "--no-video", "--person", "zoe")
    made = _first_plan(run, "zoe")
    assert "programme version 1" in _flat(made.output)
    again = run("plan", "--person", "zoe", "--weeks", 2, "--start", "2026-03-16", "--out", "p2")
    assert again.exit_code == 0 and "programme version 2" in _flat(again.output)
    plan_json = json.loads(Path("p2/plan.json").read_text())
    with open_database() as j, j.transaction() as s:
        zoe = find_person(s, "zoe")
        assert len(zoe.intakes) == 1  # the same intake is stored once
        v2 = zoe.programmes[-1]
        assert (v2.version, v2.start_date, v2.weeks) == (2, date(2026, 3, 16), 2)
        assert v2.document == plan_json
        assert [x.day.isoformat() for x in v2.sessions] == [
            x["date"] for x in plan_json["sessions"]
        ]
        assert (
            v2.sessions[0].planned[0]["exercise_id"]
            == plan_json["sessions"][0]["exercises"][0]["exercise_id"]
        )
    day = plan_json["sessions"][0]["date"]
    logged = run("log", "--person", "zoe", "--date", day, "--done", "--pain-during", 0, "--rpe", 3)
    assert "1 of 1 planned sessions done (100%)" in _flat(logged.output)


@pytest.mark.parametrize("command", ["people", "log", "progress", "export", "import", "delete"])
def test_every_journal_command_has_help_with_an_example(run, command) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0 and "Example:" in result.output


def test_log_never_advises_an_exercise_the_plan_left_out(run) -> None:
    from kneecoach.storage.db import open_database
    from kneecoach.storage.repository import PlannedDay, add_programme, get_or_create_person

    day = date(2026, 3, 2)
    with open_database() as j, j.transaction() as s:
        planned = ({"exercise_id": "hip-hinge", "name": "Hip hinge", "sets": 3},)
        add_programme(
            s, get_or_create_person(s, "ann"),
            {"schema": "kneecoach.plan/1",
             "excluded": {"romanian-deadlift": "low-back: no loaded bending and twisting"}},
            start=day, weeks=1, days=[PlannedDay(day, "Hip strength", planned)],
        )  # fmt: skip
    flags = ("--done", "--pain-before", 0, "--pain-during", 0, "--pain-after", 0, "--rpe", 3)
    out = _flat(run("log", "--person", "ann", "--date", day, *flags).output)
    assert "progress hip-hinge" in out and "romanian-deadlift" not in out


def test_log_refuses_future_days_and_asks_before_a_second_log(run) -> None:
    tomorrow = date.today() + timedelta(days=1)
    future = run("log", "--person", "ann", "--date", tomorrow, "--done")
    assert future.exit_code == 1 and "after today" in future.output
    assert run("log", "--person", "ann", "--date", "2026-03-02", "--missed").exit_code == 0
    again = run("log", "--person", "ann", "--date", "2026-03-02", "--missed")
    assert again.exit_code == 1 and "already logged" in again.output
    declined = run("log", "--person", "ann", "--date", "2026-03-02", input="n\n")
    assert declined.exit_code == 1 and "Log a second session that day?" in declined.output
    second = run("log", "--person", "ann", "--date", "2026-03-02", "--missed", "--again")
    assert second.exit_code == 0, second.output
    export = run("export", "--person", "ann", "--out", "a.zip")
    assert export.exit_code == 0
    with zipfile.ZipFile("a.zip") as zf:
        assert len(json.loads(zf.read("journal.json"))["session_logs"]) == 2


def test_alternating_legs_and_compare_from_the_command_line(run, analysis_dir) -> None:
    from journal_data import summary

    from kneecoach.app import journal

    for doc in (
        summary((20.0, 22.0, 24.0), (), created="2026-03-01T10:00:00+00:00"),
        summary((), (6.0, 7.0, 8.0), created="2026-03-01T10:05:00+00:00"),
        summary((8.0, 9.0, 10.0), (), created="2026-04-12T10:00:00+00:00"),
    ):
        with journal.Journal.open() as j:
            j.remember_analysis(analysis_dir(doc), "ann")
    listed = run("progress", "--person", "ann")
    assert listed.exit_code == 0, listed.output
    out = _flat(listed.output)
    assert "1. 1 Mar 2026 Single leg squat, left leg (left 24.0°)" in out
    assert "2. 1 Mar 2026 Single leg squat, right leg (right 8.0°)" in out
    chosen = _flat(run("progress", "--person", "ann", "--compare", 1, 3).output)
    assert "no. 1 (1 Mar 2026) → no. 3 (12 Apr 2026)" in chosen
    assert re.search(r"improved left worst knee angle \(peak FPPA\): 24\.0° → 10\.0°", chosen)
    refused = run("progress", "--person", "ann", "--compare", 1, 2)
    assert refused.exit_code == 1 and "same working leg" in _flat(refused.output)


def test_a_re_plan_moves_on_from_the_logged_decisions(run, tmp_path) -> None:
    from kneecoach.program import load_library
    from kneecoach.storage.db import open_database
    from kneecoach.storage.repository import find_person

    url = f"sqlite:///{tmp_path / 'elsewhere' / 'j.sqlite3'}"  # plan takes --database-url
    made = run("plan", "--person", "zoe", "--intake", EXAMPLE_INTAKE, "--weeks", 2,
               "--start", "2026-03-02", "--out", "p1", "--database-url", url)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert "programme version 1 (new programme)" in _flat(made.output)
    v1 = json.loads(Path("p1/plan.json").read_text())
    first = v1["sessions"][0]
    library = load_library()
    ids = [e["exercise_id"] for e in first["exercises"]]
    movable = [
        i for i in ids
        if (nxt := library.get(i).progression) and nxt not in v1["excluded"] and nxt not in ids
    ]  # fmt: skip
    assert movable, ids
    flags = ("--done", "--pain-before", 0, "--pain-during", 0, "--pain-after", 0, "--rpe", 3)
    logged = run("log", "--person", "zoe", "--date", first["date"], *flags, "--database-url", url)
    assert "Move on to" in _flat(logged.output)
    again = run("plan", "--person", "zoe", "--weeks", 2, "--start", "2026-03-16", "--out", "p2",
                "--database-url", url)  # fmt: skip
    assert again.exit_code == 0, again.output
    assert "progressed after 1 logged session: " in _flat(again.output)
    v2 = json.loads(Path("p2/plan.json").read_text())
    new_ids = {e["exercise_id"] for s in v2["sessions"] for e in s["exercises"]}
    for old in movable:
        assert library.get(old).progression in new_ids
    assert not set(movable) & {e["exercise_id"] for e in v2["sessions"][0]["exercises"]}
    with open_database(url) as j, j.transaction() as s:
        zoe = find_person(s, "zoe")
        assert zoe.programmes[0].reason == "new programme"
        reason = zoe.programmes[1].reason
        assert reason.startswith("progressed after 1 logged session: ")
        assert all(f"{old} → {library.get(old).progression}" in reason for old in movable)
    shown = run("progress", "--person", "zoe", "--database-url", url)
    assert "Programme version 2: progressed after 1 logged session" in _flat(shown.output)


def test_a_missed_session_does_not_undo_the_progress_logged_before(run) -> None:
    _first_plan(run, "kim")
    flags = ("--done", "--pain-before", 0, "--pain-during", 0, "--pain-after", 0, "--rpe", 3)
    done = run("log", "--person", "kim", "--date", "2026-03-02", *flags)
    assert "Move on to" in _flat(done.output)
    missed = run("log", "--person", "kim", "--date", "2026-03-04", "--missed")
    assert missed.exit_code == 0, missed.output
    assert "hold" not in missed.output and "Next time" not in missed.output
    again = run("plan", "--person", "kim", "--weeks", 2, "--start", "2026-03-16", "--out", "p2")
    assert "progressed after 1 logged session: " in _flat(again.output)


def test_warning_signs_in_a_log_hold_every_exercise_instead_of_advising_harder(run) -> None:
    _first_plan(run, "lea")
    n = len(json.loads(Path("p1/plan.json").read_text())["sessions"][0]["exercises"])
    # done, every set, pain-free, easy: progress, were it not for the warning signs
    answers = ["y", *[""] * n, "0", "0", "0", "3", "y", "knee swelled"]
    flagged = run("log", "--person", "lea", "--date", "2026-03-02", input="\n".join(answers) + "\n")
    assert flagged.exit_code == 0, flagged.output
    out = _flat(flagged.output)
    assert "see a clinician" in out and "Move on to" not in out and "progress" not in out
    again = run("plan", "--person", "lea", "--weeks", 2, "--start", "2026-03-16", "--out", "p2")
    assert "progressed" not in _flat(again.output)
    run("export", "--person", "lea", "--out", "l.zip")
    with zipfile.ZipFile("l.zip") as zf:
        (log,) = json.loads(zf.read("journal.json"))["session_logs"]
    assert log["notes"].startswith("warning signs reported") and "knee swelled" in log["notes"]


def test_fewer_sets_than_planned_never_progress(run) -> None:
    _first_plan(run, "bo")
    flags = ("--done", "--pain-before", 0, "--pain-during", 0, "--pain-after", 0, "--rpe", 2)
    short = _flat(run("log", "--person", "bo", "--date", "2026-03-02", *flags, "--sets", 3).output)
    assert "progress" not in short and "hold" in short and "not all sets were done" in short
    full = run("log", "--person", "bo", "--date", "2026-03-04", *flags)  # every set done
    assert "Move on to" in _flat(full.output)


def test_warning_signs_cover_the_screen_and_are_asked_after_a_missed_session_or_flagged(
    run,
) -> None:
    _first_plan(run, "ida")
    # missed, then a "yes" to the warning signs (a calf that swelled, say)
    missed = run("log", "--person", "ida", "--date", "2026-03-02", input="n\nill\ny\n")
    assert missed.exit_code == 0, missed.output
    text = _flat(missed.output)
    for sign in ("calf swelling", "a hot or red knee, or fever", "numbness", "locking"):
        assert sign in text
    assert "see a clinician" in text
    # scripted: --warning-signs holds every exercise of a session that would progress
    flags = ("--done", "--pain-before", 0, "--pain-during", 0, "--pain-after", 0, "--rpe", 3)
    flagged = run("log", "--person", "ida", "--date", "2026-03-04", *flags, "--warning-signs")
    assert flagged.exit_code == 0, flagged.output
    out = _flat(flagged.output)
    assert "see a clinician" in out and "Move on to" not in out
    run("export", "--person", "ida", "--out", "i.zip")
    with zipfile.ZipFile("i.zip") as zf:
        logs = json.loads(zf.read("journal.json"))["session_logs"]
    assert all(log["notes"].startswith("warning signs reported") for log in logs)
    assert {e["decision"] for log in logs for e in log["exercises"]} <= {"hold"}


def test_a_re_plan_after_warning_signs_says_to_see_a_clinician_on_screen_and_worksheet(
    run,
) -> None:
    made = _first_plan(run, "una")
    assert "Warning signs were logged" not in made.output
    flags = ("--done", "--pain-during", 0, "--pain-after", 0, "--rpe", 3, "--warning-signs")
    assert run("log", "--person", "una", "--date", "2026-03-04", *flags).exit_code == 0
    again = run("plan", "--person", "una", "--weeks", 2, "--start", "2026-03-16", "--out", "p2")
    assert again.exit_code == 0, again.output
    assert "Warning signs were logged on" in _flat(again.output)
    notes = json.loads(Path("p2/plan.json").read_text())["notes"]
    assert notes[0].startswith("Warning signs were logged on") and "clinician" in notes[0]
    # every re-plan repeats them until an intake is given again (its screen comes first)
    later = run("plan", "--person", "una", "--weeks", 2, "--start", "2026-03-30", "--out", "p3")
    assert "Warning signs were logged on" in _flat(later.output)


def test_an_output_named_like_the_journal_never_replaces_it(run, clips, tmp_path: Path) -> None:
    """progress --out and export --out given the journal's own file used to turn it into an
    HTML page or a zip: every person lost."""
    before, _ = clips
    db = tmp_path / "j.sqlite3"
    url = f"sqlite:///{db}"
    made = run("analyze", before, "--test", "single-leg-squat", "--no-video", "--person", "ann",
               "--database-url", url)  # fmt: skip
    assert made.exit_code == 0, made.output
    kept = db.read_bytes()[:16]
    for command in ("progress", "export"):
        for target in (db, db.with_name(db.name + "-wal")):
            result = CliRunner().invoke(
                cli, [command, "--person", "ann", "--database-url", url, "--out", str(target)]
            )
            assert result.exit_code != 0, result.output
            assert "is a database (perhaps your journal): it was not overwritten" in result.output
    assert db.read_bytes()[:16] == kept == b"SQLite format 3\x00"
    people = run("people", "--database-url", url)
    assert people.exit_code == 0 and "ann" in people.output


def test_a_journal_outside_the_data_folder_is_private_too(run, clips, tmp_path: Path) -> None:
    """KNEECOACH_DATABASE_URL in an ordinary folder: the database, its -wal/-shm, stored
    files and export archives were created 0644 (another local user read every log)."""
    before, _ = clips
    db = tmp_path / "shared-folder" / "j.sqlite3"
    db.parent.mkdir()
    url = f"sqlite:///{db}"
    made = run("analyze", before, "--test", "single-leg-squat", "--no-video", "--person", "ann",
               "--database-url", url)  # fmt: skip
    assert made.exit_code == 0, made.output
    assert run("export", "--person", "ann", "--database-url", url, "--out", "a.zip").exit_code == 0
    stored = [p for p in (db.parent / "j-files").rglob("*") if p.is_file() and p.name[0] != "."]
    private = [db, *db.parent.glob("j.sqlite3-*"), *stored, tmp_path / "a.zip"]
    assert stored and len(private) > 3
    for path in private:
        assert path.stat().st_mode & 0o077 == 0, f"{path.name}: {oct(path.stat().st_mode)}"
