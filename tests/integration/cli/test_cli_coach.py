"""`kneecoach exercises`, `intake` and `plan` end to end, in-process with CliRunner."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import tomli_w
from click.testing import CliRunner
from icalendar import Calendar

from kneecoach.cli.main import cli
from kneecoach.program import load_library

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "examples" / "intake.toml"


def run(*args: object, input: str | None = None) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def test_plan_from_the_example_intake(tmp_path: Path) -> None:
    out = tmp_path / "plan"
    r = run("plan", "--intake", EXAMPLE, "--out", out, "--start", "2026-01-05")
    assert r.exit_code == 0, r.output
    assert {p.name for p in out.iterdir()} == {"plan.json", "worksheet.html", "worksheet.pdf",
                                              "plan.ics"}  # fmt: skip
    plan = json.loads((out / "plan.json").read_text())
    assert plan["schema"] == "kneecoach.plan/1" and plan["start"] == "2026-01-05"
    assert len(list(Calendar.from_ical((out / "plan.ics").read_bytes()).walk("VEVENT"))) == len(
        plan["sessions"]
    )
    assert "worksheet.pdf" in r.output.replace("\n", "")


def test_plan_with_findings_days_and_weeks(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    summary.write_text(json.dumps({"schema": "kneecoach.summary/1", "test": "step-down",
                                   "suggestions": [{"cause": "foot-ankle", "side": "right"}],
                                   "findings": []}))  # fmt: skip
    out = tmp_path / "plan"
    r = run("plan", "--intake", EXAMPLE, "--findings", summary, "--weeks", 6, "--days", "tue,thu",
            "--start", "2026-01-05", "--out", out)  # fmt: skip
    assert r.exit_code == 0, r.output
    plan = json.loads((out / "plan.json").read_text())
    assert plan["weeks"] == 6 and plan["days"] == ["tue", "thu"]
    assert plan["emphasis"][0]["cause"] == "foot-ankle"
    assert "--test step-down" in plan["retest_command"]


def test_red_flags_stop_the_plan(tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text())
    data["red_flags"]["locking"] = "yes"
    bad = tmp_path / "flag.toml"
    bad.write_text(tomli_w.dumps(data))
    out = tmp_path / "plan"
    assert run("plan", "--intake", EXAMPLE, "--out", out).exit_code == 0
    r = run("plan", "--intake", bad, "--out", out)
    assert r.exit_code == 1
    assert "locking" in r.output and "clinician" in r.output and "Traceback" not in r.output
    assert "referral.txt" in r.output.replace("\n", "")
    # the old plan is gone: no worksheets, and a withdrawn plan.json/plan.ics (no sessions)
    # whose calendar cancels the sessions left (tests/test_calendar_ics.py)
    assert sorted(p.name for p in out.iterdir()) == ["plan.ics", "plan.json", "referral.txt"]
    assert json.loads((out / "plan.json").read_text())["sessions"] == []
    assert "locking" in (out / "referral.txt").read_text()
    assert run("plan", "--intake", EXAMPLE, "--out", out).exit_code == 0
    assert not (out / "referral.txt").exists()


def test_bad_intake_and_findings_are_named(tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text())
    data["pain"]["now"] = 15
    bad = tmp_path / "bad.toml"
    bad.write_text(tomli_w.dumps(data))
    r = run("plan", "--intake", bad, "--out", tmp_path / "p")
    assert r.exit_code == 1 and "bad.toml" in r.output and "pain.now" in r.output
    notjson = tmp_path / "summary.json"
    notjson.write_text("{}")
    r = run("plan", "--intake", EXAMPLE, "--findings", notjson, "--out", tmp_path / "p")
    assert r.exit_code == 1 and "not a kneecoach summary.json" in r.output
    r = run("plan", "--intake", EXAMPLE, "--days", "mon,someday", "--out", tmp_path / "p")
    assert r.exit_code == 1 and "someday" in r.output
    assert run("plan", "--intake", EXAMPLE, "--weeks", 40).exit_code == 2


def test_exercises_list_filter_and_show() -> None:
    lib = load_library()
    expected = [e for e in lib.exercises if "glute-med" in e.muscles
                and any("band" in (n.item, *n.alternatives) for n in e.equipment)]  # fmt: skip
    r = run("exercises", "--muscle", "glute-med", "--equipment", "band")
    assert r.exit_code == 0 and f"{len(expected)} exercises" in r.output
    assert "Short foot" not in r.output and "clamshell-band" in {e.id for e in expected}
    r = run("exercises", "--show", "clamshell")
    assert r.exit_code == 0 and "Steps:" in r.output and "clamshell-band" in r.output
    r = run("exercises", "--show", "clamshel")
    assert r.exit_code == 1 and "did you mean clamshell" in r.output
    assert run("exercises", "--muscle", "biceps").exit_code == 1
    assert run("exercises", "--category", "mobility").exit_code == 0


def test_intake_questionnaire_writes_a_valid_file(tmp_path: Path) -> None:
    answers = [
        "Sam", "17", *["n"] * 11,  # the warning signs come first
        "Female", "run without pain", "running", "2", "4", "front", "right",
        "yes", "no", "yes", "outer-hip", "right", "", "band,step", "mon,thu", "25", "18:15",
    ]  # fmt: skip
    out = tmp_path / "me.toml"
    r = run("intake", "--out", out, input="\n".join(answers) + "\n")
    assert r.exit_code == 0, r.output
    r = run("plan", "--intake", out, "--out", tmp_path / "plan", "--start", "2026-01-05")
    assert r.exit_code == 0, r.output
    data = tomllib.loads(out.read_text())
    assert data["schedule"] == {"days": ["mon", "thu"], "minutes": 25, "time": "18:15",
                                "reminder_minutes": 30}  # fmt: skip
    ics = (tmp_path / "plan" / "plan.ics").read_text(encoding="utf-8")
    assert "DTSTART:20260105T181500" in ics and "TRIGGER:-PT30M" in ics  # at 18:15, reminded
    assert data["self_tests"]["weaker_side"] == "right" and data["equipment"] == ["band", "step"]


def test_intake_stops_at_the_first_warning_sign(tmp_path: Path) -> None:
    """A "yes" to a red flag ends the questionnaire at once: a referral note, no intake."""
    out = tmp_path / "me.toml"
    r = run("intake", "--out", out, input="\n".join(["Sam", "40", "n", "y"]) + "\n")
    assert r.exit_code == 1
    assert "See a clinician" in r.output and "Your goal" not in r.output
    assert not out.exists()
    note = (tmp_path / "me-referral.txt").read_text()
    assert "did not make an exercise plan" in note and "  - " in note


def test_intake_from_a_partial_file_asks_only_what_is_missing(tmp_path: Path) -> None:
    data = tomllib.loads(EXAMPLE.read_text())
    del data["schedule"]["minutes"]
    partial = tmp_path / "partial.toml"
    partial.write_text(tomli_w.dumps(data))
    r = run("intake", "--from", partial, "--out", tmp_path / "done.toml", input="40\n")
    assert r.exit_code == 0, r.output
    assert "(1 questions asked)" in r.output.replace("\n", "")
    assert tomllib.loads((tmp_path / "done.toml").read_text())["schedule"]["minutes"] == 40


def test_the_demo_ends_with_a_plan(tmp_path: Path) -> None:
    from kneecoach.app.coach import demo_plan

    drop = {"code": "pelvic_drop", "side": "left", "severity": "attention"}
    summary = {"schema": "kneecoach.summary/1", "test": "single-leg-squat",
               "suggestions": [{"cause": "hip", "side": "left"}], "findings": [drop]}  # fmt: skip
    files = demo_plan(summary, tmp_path / "plan")
    plan = json.loads(files["plan"].read_text())
    assert plan["weaker_side"] == "left" and plan["emphasis"][0]["cause"] == "hip"
    assert files["pdf"].stat().st_size > 10_000


def test_intake_asks_before_replacing_a_file(tmp_path: Path) -> None:
    out = tmp_path / "me.toml"
    out.write_text("keep me")
    r = run("intake", "--out", out, input="n\n")
    assert r.exit_code == 1 and out.read_text() == "keep me"


def test_a_real_analysis_aims_the_plan(tmp_path: Path) -> None:
    """analyze → summary.json → plan: the analysed right leg goes first, not the intake's left."""
    from kneecoach.io import to_netcdf_file
    from kneecoach.sample_data.synthetic import single_leg_squat

    track = single_leg_squat(peak_fppa_deg=20.0, pelvic_drop_deg=6.0, stance="right")
    nc = to_netcdf_file(track, tmp_path / "sls.nc")
    r = run("analyze", nc, "--test", "single-leg-squat", "--no-video", "--out", tmp_path / "a")
    assert r.exit_code == 0, r.output
    r = run("plan", "--intake", EXAMPLE, "--findings", tmp_path / "a" / "summary.json",
            "--start", "2026-01-05", "--out", tmp_path / "plan")  # fmt: skip
    assert r.exit_code == 0, r.output
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert plan["weaker_side"] == "right" and "analysis" in plan["weaker_side_reason"]
    assert plan["emphasis"][0]["cause"] == "hip" and "analysis" in plan["emphasis"][0]["reason"]
    sided = [x for s in plan["sessions"] for x in s["exercises"] if x["sides"]]
    assert sided and all(x["sides"] == ["right", "left"] for x in sided)
    assert "--test single-leg-squat" in plan["retest_command"]


def test_the_printed_table_shows_each_rows_own_days_in_order(tmp_path: Path) -> None:
    # a Thursday start: week 1 runs Thursday to Wednesday
    r = run(
        "plan", "--intake", EXAMPLE, "--out", tmp_path / "p", "--start", "2026-01-08", "--weeks", 2
    )
    assert r.exit_code == 0, r.output
    rows = [
        [c.strip() for c in line.split("│")[1:-1]]
        for line in r.output.splitlines()
        if line.startswith("│") and line.split("│")[1].strip()
    ]
    phases = [(row[0], row[1], row[2]) for row in rows]
    assert phases == [
        ("1", "activation", "fri, mon, wed"),
        ("2", "integration", "fri, mon, wed"),
        ("3", "retest", "fri"),  # one day, not every training day
        ("3-10", "maintenance", "mon, fri"),
        ("10", "retest", "wed"),  # the second re-test comes after maintenance
    ]


def test_exercise_alternatives_read_as_english() -> None:
    r = run("exercises", "--show", "glute-bridge-band")
    assert r.exit_code == 0, r.output
    text = " ".join(r.output.split())
    assert "or a weight you can hold" in text and " a a " not in text
    assert "or a cable machine" in run("exercises", "--show", "clamshell-band").output


def test_an_equipment_filter_lists_exercises_that_show_that_equipment(monkeypatch) -> None:
    from kneecoach.cli import common

    monkeypatch.setattr(common.out, "_width", 200)  # one line per row
    r = run("exercises", "--equipment", "cable-sling")
    assert r.exit_code == 0, r.output
    rows = [line for line in r.output.splitlines() if line.startswith("│ ") and "-" in line[:30]]
    assert rows and all("cable-sling" in line for line in rows)


def test_intake_template_is_the_commented_example_and_plans_as_it_is(tmp_path: Path) -> None:
    out = tmp_path / "me.toml"
    r = run("intake", "--template", "--out", out)
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8") == EXAMPLE.read_text(encoding="utf-8")
    assert run("plan", "--intake", out, "--out", tmp_path / "plan").exit_code == 0


def test_intake_choices_may_be_written_in_any_case(tmp_path: Path) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    shouty = text.replace('weaker_side = "left"', 'weaker_side = "Left"').replace(
        'days = ["mon", "wed", "fri"]', 'days = ["Mon", "WED", "fri"]')  # fmt: skip
    assert shouty != text
    (tmp_path / "me.toml").write_text(shouty, encoding="utf-8")
    r = run("plan", "--intake", tmp_path / "me.toml", "--out", tmp_path / "plan")
    assert r.exit_code == 0, r.output
    plan = json.loads((tmp_path / "plan" / "plan.json").read_text())
    assert plan["days"] == ["mon", "wed", "fri"] and plan["weaker_side"] == "left"


def test_show_writes_the_exercises_picture_and_the_sheet_has_them_all(tmp_path: Path) -> None:
    r = run("exercises", "--show", "step-down", "--pictures", tmp_path / "pics")
    picture = tmp_path / "pics" / "step-down.svg"
    assert r.exit_code == 0 and str(picture) in r.output.replace("\n", "")
    assert picture.read_text().startswith("<svg") and "Step-down" in picture.read_text()
    r = run("exercises", "--contact-sheet", tmp_path / "all.svg")
    assert r.exit_code == 0 and "35 exercises" in r.output
    sheet = (tmp_path / "all.svg").read_text()
    assert all(f">{e.id}</text>" in sheet for e in load_library().exercises)
