"""A coach's and a self-coached athlete's walk through plan, log and re-plan, end to end
from the command line: what the journal must remember about warning signs and red flags."""

from __future__ import annotations

import json
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from kneecoach.cli.main import cli

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "intake.toml"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'db' / 'journal.sqlite3'}"


@pytest.fixture
def intake(tmp_path: Path) -> Path:
    path = tmp_path / "me.toml"
    shutil.copy(EXAMPLE, path)
    return path


def _run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


WARNED = "Warning signs were logged on 25 November 2026"


def test_every_re_plan_reminds_of_warning_signs_until_an_intake_is_given_again(
    url: str, intake: Path, tmp_path: Path
) -> None:
    db = ("--database-url", url)
    first = _run("plan", "--person", "ann", "--intake", intake, "--start", "2026-11-23",
                 "--out", tmp_path / "p1", *db)  # fmt: skip
    assert first.exit_code == 0, first.output
    logged = _run("log", "--person", "ann", "--date", "2026-11-25", "--done", "--rpe", "4",
                  "--warning-signs", *db)  # fmt: skip
    assert logged.exit_code == 0, logged.output
    for n in (2, 3):  # the second re-plan (another --weeks) forgot them before
        replan = _run("plan", "--person", "ann", "--start", "2026-11-30", "--weeks", str(n + 2),
                      "--out", tmp_path / f"p{n}", *db)  # fmt: skip
        assert replan.exit_code == 0, replan.output
        assert WARNED in " ".join(replan.output.split())
        assert WARNED in (tmp_path / f"p{n}" / "plan.json").read_text(encoding="utf-8")
    # an intake given again is the new screen (its warning-sign questions come first)
    screened = _run("plan", "--person", "ann", "--intake", intake, "--start", "2026-11-30",
                    "--out", tmp_path / "p4", *db)  # fmt: skip
    assert screened.exit_code == 0, screened.output
    after = _run("plan", "--person", "ann", "--start", "2026-11-30", "--out", tmp_path / "p5", *db)
    assert after.exit_code == 0, after.output
    assert "Warning signs were logged" not in after.output


def _red_flagged(intake: Path) -> Path:
    path = intake.with_name("locking.toml")
    text = intake.read_text(encoding="utf-8")
    assert 'locking = "no"' in text
    path.write_text(text.replace('locking = "no"', 'locking = "yes"'), encoding="utf-8")
    return path


def test_red_flags_in_a_re_plan_withdraw_the_journals_plan_too(
    url: str, intake: Path, tmp_path: Path
) -> None:
    db = ("--database-url", url)
    start = ("--start", "2026-11-23")
    assert _run("plan", "--person", "bo", "--intake", intake, *start, "--out", tmp_path / "p1",
                *db).exit_code == 0  # fmt: skip
    stopped = _run("plan", "--person", "bo", "--intake", _red_flagged(intake), *start,
                   "--out", tmp_path / "p1", *db)  # fmt: skip
    assert stopped.exit_code == 1
    withdrawn = json.loads((tmp_path / "p1" / "plan.json").read_text(encoding="utf-8"))
    assert withdrawn["sessions"] == []
    # the stored intake is the one reporting locking: a re-plan from it stops as well
    # (it made a plan from the earlier intake, its events back in the calendar)
    again = _run("plan", "--person", "bo", *start, "--out", tmp_path / "p2", *db)
    assert again.exit_code == 1
    assert "locking" in again.output
    assert not (tmp_path / "p2" / "worksheet.pdf").exists()
    p2 = tmp_path / "p2" / "plan.json"
    assert not p2.exists() or json.loads(p2.read_text(encoding="utf-8"))["sessions"] == []
    # the withdrawn plan is the journal's: nothing is planned on one of its days
    day = _run("log", "--person", "bo", "--date", "2026-11-25", "--done", "--rpe", "3", *db)
    assert day.exit_code == 0, day.output
    said = " ".join(day.output.split())
    assert "no session was planned that day" in said
    assert "plan was withdrawn" in said and "see a clinician" in said  # not '0 sessions logged'
    assert "sessions logged" not in said
    # cleared by a clinician: the next plan is a later revision than the cancellations
    cleared = _run("plan", "--person", "bo", "--intake", intake, *start,
                   "--out", tmp_path / "p3", *db)  # fmt: skip
    assert cleared.exit_code == 0, cleared.output
    plan = json.loads((tmp_path / "p3" / "plan.json").read_text(encoding="utf-8"))
    assert plan["sessions"] and plan["revision"] > withdrawn["revision"]


def test_a_coachs_shared_folder_re_plan_continues_the_clients_own_calendar(
    url: str, intake: Path, tmp_path: Path
) -> None:
    """A physio writes every client's plan to one folder: a client's re-plan after another
    client's plan was written there is still the next revision of the client's events."""
    db, out = ("--database-url", url), ("--out", tmp_path / "clients", "--start", "2026-11-23")
    unnamed = intake.with_name("unnamed.toml")  # whose events: the journal's person
    text = intake.read_text(encoding="utf-8")
    unnamed.write_text(text.replace('name = "Example Skater"', ""), encoding="utf-8")
    for args in (("--person", "mary", "--intake", unnamed),
                 ("--person", "mary", "--days", "tue,thu"),
                 ("--person", "bob", "--intake", unnamed)):  # fmt: skip
        assert _run("plan", *args, *out, *db).exit_code == 0
    tue_thu = {e["uid"] for e in _events(tmp_path / "clients" / "plan.ics")}  # bob's, not hers
    assert _run("plan", "--person", "mary", "--days", "mon,fri", *out, *db).exit_code == 0
    plan = json.loads((tmp_path / "clients" / "plan.json").read_text(encoding="utf-8"))
    assert plan["revision"] == 2  # her calendar holds revision 1: 0 would be ignored
    events = _events(tmp_path / "clients" / "plan.ics")
    cancelled = [e for e in events if e.get("status") == "CANCELLED"]
    assert cancelled and all(int(e["sequence"]) == 2 for e in events)
    assert not tue_thu & {e["uid"] for e in events}
    # her tue, thu (and the wed of her first plan, cancelled since revision 1)
    assert {e.decoded("dtstart").weekday() for e in cancelled} == {1, 2, 3}


def _events(path: Path) -> list[Any]:
    from icalendar import Calendar

    return list(Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


@pytest.mark.parametrize("red_flags", [False, True], ids=["re-plan", "red flags"])
def test_a_plan_from_the_previous_release_is_replaced_not_left_in_the_calendar(
    intake: Path, tmp_path: Path, red_flags: bool
) -> None:
    """An unnamed plan.json written before calendar keys (no calendar_key, no revision; its
    UIDs hash no owner): the first re-plan after upgrading cancels its events."""
    from kneecoach.program.models import Programme
    from kneecoach.program.revisions import event_uid

    unnamed = intake.with_name("me.toml")
    text = intake.read_text(encoding="utf-8").replace('name = "Example Skater"', "")
    unnamed.write_text(text, encoding="utf-8")
    start = (date.today() + timedelta(days=7)).isoformat()  # all its events still to come
    out = ("--out", tmp_path / "plan", "--start", start)
    assert _run("plan", "--intake", unnamed, *out).exit_code == 0
    path = tmp_path / "plan" / "plan.json"
    document = json.loads(path.read_text(encoding="utf-8"))
    for new in ("calendar_key", "revision", "revised", "cancelled"):
        del document[new]  # as df825a8 wrote it
    path.write_text(json.dumps(document), encoding="utf-8")
    old = Programme.model_validate(document)
    old_uids = {event_uid(old, s.date) for s in old.sessions}
    if red_flags:
        unnamed.write_text(text.replace('locking = "no"', 'locking = "yes"'), encoding="utf-8")
        assert _run("plan", "--intake", unnamed, *out).exit_code == 1
    else:
        assert _run("plan", "--intake", unnamed, "--days", "tue,thu", *out).exit_code == 0
    events = _events(tmp_path / "plan" / "plan.ics")
    cancelled = {str(e["uid"]) for e in events if e.get("status") == "CANCELLED"}
    assert old_uids <= cancelled
    assert all(int(e["sequence"]) == 1 for e in events)


#: how `kneecoach log` began the notes of a log with warning signs before 2c1b27c
EARLIER_NOTE = "warning signs reported (swelling, locking, giving way or night/rest pain)"


def test_warning_signs_in_the_earlier_words_survive_the_migration_and_an_old_archive(
    url: str, tmp_path: Path
) -> None:
    import zipfile

    from alembic import command

    from kneecoach.app import journal
    from kneecoach.storage.db import alembic_config, journal_engine, upgrade

    entry = journal.SessionEntry(date(2026, 11, 25), True, notes=f"{EARLIER_NOTE}; knee locked")
    journal.Journal.open(url).record_session("flo", entry)
    engine = journal_engine(url)
    command.downgrade(alembic_config(engine), "0003")  # a journal of that version
    upgrade(engine)
    engine.dispose()
    assert journal.Journal.open(url).replan_basis("flo").warning_signs == date(2026, 11, 25)
    # its export, as that version wrote it (no warning_signs), into a fresh journal
    archive = tmp_path / "flo.zip"
    assert _run("export", "--person", "flo", "--out", archive, "--database-url", url).exit_code == 0
    old = tmp_path / "old.zip"
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(old, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "journal.json":
                doc = json.loads(data)
                for log in doc["session_logs"]:
                    del log["warning_signs"]
                data = json.dumps(doc).encode()
            dst.writestr(item, data)
    fresh = f"sqlite:///{tmp_path / 'fresh' / 'journal.sqlite3'}"
    assert _run("import", old, "--database-url", fresh).exit_code == 0
    assert journal.Journal.open(fresh).replan_basis("flo").warning_signs == date(2026, 11, 25)
