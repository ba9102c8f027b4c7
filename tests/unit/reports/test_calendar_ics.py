"""plan.ics in real calendar apps when a plan is made and re-made (RFC 5545 UID, SEQUENCE,
DTSTAMP, STATUS:CANCELLED); every check parses the written file back with icalendar."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from click.testing import CliRunner
from icalendar import Calendar

from kneecoach.cli.main import cli
from kneecoach.program import Programme, build_programme, load_intake
from kneecoach.program.revisions import event_uid, revise
from kneecoach.reports.worksheet import render_ics

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "intake.toml"  # named "Example Skater"
START = "2026-01-05"
NOW = dt.datetime(2026, 1, 1, 9, 30, tzinfo=dt.UTC)  # before the start: nothing is past


def run(*args: object) -> Any:
    r = CliRunner().invoke(cli, [str(a) for a in args])
    assert r.exit_code == 0, r.output
    return r


def unnamed(path: Path) -> Path:
    """A copy of the example intake without a name (what many people leave out)."""
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    del data["person"]["name"]
    path.write_text(tomli_w.dumps(data), encoding="utf-8")
    return path


def events(folder: Path) -> list[Any]:
    return list(Calendar.from_ical((folder / "plan.ics").read_bytes()).walk("VEVENT"))


def uids(folder: Path) -> list[str]:
    return [str(e["uid"]) for e in events(folder)]


# --------------------------------------------------------------------------- UIDs


def test_two_unnamed_people_with_the_same_start_get_different_uids(tmp_path: Path) -> None:
    a, b = unnamed(tmp_path / "a.toml"), unnamed(tmp_path / "b.toml")  # same answers, two people
    run("plan", "--intake", a, "--out", tmp_path / "pa", "--start", START)
    run("plan", "--intake", b, "--out", tmp_path / "pb", "--start", START)
    assert not set(uids(tmp_path / "pa")) & set(uids(tmp_path / "pb"))


def test_the_same_unnamed_intake_again_keeps_its_uids(tmp_path: Path) -> None:
    a = unnamed(tmp_path / "a.toml")
    run("plan", "--intake", a, "--out", tmp_path / "one", "--start", START)
    run("plan", "--intake", a, "--out", tmp_path / "two", "--start", START, "--weeks", 6)
    one, two = by_day(tmp_path / "one"), by_day(tmp_path / "two")
    same_days = set(one) & set(two)  # the first weeks' sessions fall on the same days
    assert len(same_days) >= 12 and all(one[d] == two[d] for d in same_days)


def by_day(folder: Path) -> dict[dt.date, str]:
    return {e.decoded("dtstart"): str(e["uid"]) for e in events(folder)}


def test_unnamed_journal_people_differ_and_keep_their_uids_on_a_re_plan(tmp_path: Path) -> None:
    a = unnamed(tmp_path / "a.toml")
    run("plan", "--intake", a, "--person", "ann", "--out", tmp_path / "ann", "--start", START)
    run("plan", "--intake", a, "--person", "bo", "--out", tmp_path / "bo", "--start", START)
    run("plan", "--person", "ann", "--out", tmp_path / "ann2", "--start", START)  # stored intake
    assert not set(uids(tmp_path / "ann")) & set(uids(tmp_path / "bo"))
    assert uids(tmp_path / "ann2") == uids(tmp_path / "ann")


def test_a_named_persons_uids_are_as_they_always_were(tmp_path: Path) -> None:
    run("plan", "--intake", EXAMPLE, "--out", tmp_path, "--start", START)
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    legacy = [
        hashlib.sha256(f"Example Skater|{START}|{s['date']}".encode()).hexdigest()[:20]
        + "@kneecoach"
        for s in plan["sessions"]
    ]
    assert plan["calendar_key"] is None and uids(tmp_path) == legacy


# --------------------------------------------------------------------------- re-plans


def test_a_re_plan_in_the_same_folder_is_newer_and_cancels_what_it_dropped(
    tmp_path: Path,
) -> None:
    a, out = unnamed(tmp_path / "a.toml"), tmp_path / "plan"
    run("plan", "--intake", a, "--out", out, "--start", START, "--weeks", 6)
    first = {str(e["uid"]): e for e in events(out)}
    assert {int(e["sequence"]) for e in first.values()} == {0}

    r = run("plan", "--intake", a, "--out", out, "--start", START, "--weeks", 4)
    assert "revision 1" in r.output and "marked cancelled" in r.output
    second = events(out)
    live = [e for e in second if "status" not in e]
    gone = [e for e in second if str(e.get("status")) == "CANCELLED"]
    assert len(live) + len(gone) == len(second)
    assert {int(e["sequence"]) for e in second} == {1}
    old_stamp = next(iter(first.values())).decoded("dtstamp")
    assert all(e.decoded("dtstamp") > old_stamp for e in second)
    assert all(e.decoded("last-modified") == e.decoded("dtstamp") for e in second)
    # every event of the first plan is either updated or cancelled, none is left stale
    assert {str(e["uid"]) for e in second} == set(first)
    assert gone and {str(e["uid"]) for e in gone} == set(first) - {str(e["uid"]) for e in live}
    assert all(str(e["summary"]).startswith("Cancelled: ") for e in gone)

    again = (out / "plan.ics").read_bytes()
    r = run("plan", "--intake", a, "--out", out, "--start", START, "--weeks", 4)
    assert (out / "plan.ics").read_bytes() == again  # the same plan again: the same file
    assert "revision" not in r.output


def test_a_journal_re_plan_into_a_new_folder_updates_the_journal_plans_events(
    tmp_path: Path,
) -> None:
    a = unnamed(tmp_path / "a.toml")
    run("plan", "--intake", a, "--person", "ann", "--out", tmp_path / "one", "--start", START,
        "--weeks", 6)  # fmt: skip
    r = run("plan", "--person", "ann", "--out", tmp_path / "two", "--start", START, "--weeks", 4)
    assert "revision 1" in r.output and "marked cancelled" in r.output
    second = events(tmp_path / "two")
    assert {int(e["sequence"]) for e in second} == {1}
    assert {str(e["uid"]) for e in second} == set(uids(tmp_path / "one"))


def test_another_persons_plan_in_the_folder_is_left_alone(tmp_path: Path) -> None:
    a, b, out = unnamed(tmp_path / "a.toml"), unnamed(tmp_path / "b.toml"), tmp_path / "plan"
    run("plan", "--intake", a, "--out", out, "--start", START, "--weeks", 6)
    run("plan", "--intake", b, "--out", out, "--start", START, "--weeks", 4)
    second = events(out)
    assert {int(e["sequence"]) for e in second} == {0}
    assert not any("status" in e for e in second)  # nothing of a's is cancelled


# --------------------------------------------------------------------------- revise (pure)


def plan_of(weeks: int, start: dt.date = dt.date(2026, 1, 5), key: str = "k") -> Programme:
    p = build_programme(load_intake(EXAMPLE), None, start=start, weeks=weeks)
    return p.model_copy(update={"person": None, "calendar_key": key})


def test_revise_keeps_a_first_plan_as_it_was() -> None:
    p = plan_of(4)
    assert revise(p, None, now=NOW) is p
    assert revise(p, plan_of(6, key="other"), now=NOW) is p  # someone else's plan
    nobody = p.model_copy(update={"calendar_key": None})
    assert revise(nobody, nobody.model_copy(update={"weeks": 9}), now=NOW) is nobody
    cal = Calendar.from_ical(render_ics(p))
    assert all(int(e["sequence"]) == 0 and "last-modified" not in e for e in cal.walk("VEVENT"))
    assert b"DTSTAMP:20260105T000000Z" in render_ics(p)


def test_revise_stamps_with_the_callers_time_never_going_back() -> None:
    old, new = plan_of(6), plan_of(4)
    r1 = revise(new, old, now=NOW)  # NOW is before old's stamp (its start date)
    assert r1.revision == 1 and r1.revised == dt.datetime(2026, 1, 5, 0, 0, 1, tzinfo=dt.UTC)
    later = dt.datetime(2026, 2, 1, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    r2 = revise(plan_of(5), r1, now=later)
    assert r2.revision == 2 and r2.revised == dt.datetime(2026, 2, 1, 8, 0, tzinfo=dt.UTC)
    ev = Calendar.from_ical(render_ics(r2)).walk("VEVENT")[0]
    assert ev.decoded("dtstamp") == ev.decoded("last-modified") == r2.revised
    assert int(ev["sequence"]) == 2


def test_cancellations_carry_over_and_skip_the_past() -> None:
    six, four = plan_of(6), plan_of(4)
    r1 = revise(four, six, now=NOW)
    dropped = {event_uid(six, s.date) for s in six.sessions} - {
        event_uid(four, s.date) for s in four.sessions
    }
    assert {c.uid for c in r1.cancelled} == dropped
    # a later, even shorter plan still cancels them (a calendar that missed revision 1)
    r2 = revise(plan_of(3), r1, now=NOW)
    assert dropped < {c.uid for c in r2.cancelled}
    # back to six weeks: those sessions are planned again, not cancelled
    r3 = revise(plan_of(6), r2, now=NOW)
    assert not r3.cancelled and set(uids_of(r3)) == set(uids_of(six))
    # a re-plan starting later: the old sessions before today are history, not cancelled
    moved = plan_of(4, start=dt.date(2026, 2, 2))
    r4 = revise(moved, six, now=dt.datetime(2026, 1, 20, 12, tzinfo=dt.UTC))
    assert r4.cancelled and min(c.date for c in r4.cancelled) >= dt.date(2026, 1, 20)


def uids_of(plan: Programme) -> list[str]:
    cal = Calendar.from_ical(render_ics(plan))
    return [str(e["uid"]) for e in cal.walk("VEVENT") if "status" not in e]


def test_a_revised_plan_round_trips_through_plan_json() -> None:
    r = revise(plan_of(4), plan_of(6), now=NOW)
    again = Programme.model_validate_json(r.to_json())
    assert again == r and render_ics(again) == render_ics(r)


def test_red_flags_in_a_re_plan_cancel_the_earlier_plans_remaining_events(tmp_path: Path) -> None:
    a, out, later = unnamed(tmp_path / "a.toml"), tmp_path / "plan", "2099-01-05"
    run("plan", "--intake", a, "--out", out, "--start", later)
    first = uids(out)
    data = tomllib.loads(a.read_text(encoding="utf-8"))
    data["red_flags"]["locking"] = "yes"
    a.write_text(tomli_w.dumps(data), encoding="utf-8")
    r = CliRunner().invoke(cli, ["plan", "--intake", str(a), "--out", str(out), "--start", later])
    assert r.exit_code == 1 and "import it into your calendar" in " ".join(r.output.split())
    assert (out / "referral.txt").exists() and not (out / "worksheet.pdf").exists()
    gone = events(out)
    assert {str(e["uid"]) for e in gone} == set(first)  # every session, none left stale
    assert {str(e["status"]) for e in gone} == {"CANCELLED"}
    assert {int(e["sequence"]) for e in gone} == {1}
    # planning again once cleared is the next revision, so calendars take the new events
    data["red_flags"]["locking"] = False
    a.write_text(tomli_w.dumps(data), encoding="utf-8")
    run("plan", "--intake", a, "--out", out, "--start", later)
    assert {int(e["sequence"]) for e in events(out)} == {2}
    assert "status" not in events(out)[0]


def test_red_flags_leave_another_persons_plan_events_alone(tmp_path: Path) -> None:
    out, later = tmp_path / "plan", "2099-01-05"
    run("plan", "--intake", unnamed(tmp_path / "a.toml"), "--out", out, "--start", later)
    b = unnamed(tmp_path / "b.toml")
    data = tomllib.loads(b.read_text(encoding="utf-8"))
    data["red_flags"]["locking"] = "yes"
    b.write_text(tomli_w.dumps(data), encoding="utf-8")
    r = CliRunner().invoke(cli, ["plan", "--intake", str(b), "--out", str(out), "--start", later])
    assert r.exit_code == 1 and "calendar" not in r.output
    assert not (out / "plan.ics").exists()
