"""worksheet.html (golden text), worksheet.pdf (one page per session, readable), plan.ics."""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from icalendar import Calendar

from kneecoach.app.coach import write_plan
from kneecoach.program import (
    Programme,
    build_programme,
    intake_from_dict,
    load_intake,
    load_library,
)
from kneecoach.program.families import MAX_WORKING
from kneecoach.reports.worksheet import render_html, render_ics, worksheet_pages

ROOT = Path(__file__).resolve().parents[3]
GOLDEN = ROOT / "tests" / "fixtures" / "golden" / "worksheet_example.txt"
LIB = load_library()
FINDINGS = {
    "schema": "kneecoach.summary/1", "test": "single-leg-squat",
    "suggestions": [{"cause": "hip", "side": "left"}, {"cause": "control", "side": "left"}],
    "findings": [{"code": "fppa_above", "side": "left", "severity": "attention"}],
}  # fmt: skip


@pytest.fixture(scope="module")
def plan() -> Programme:
    intake = load_intake(ROOT / "examples" / "intake.toml")
    return build_programme(intake, FINDINGS, start=dt.date(2026, 1, 5), maintenance_weeks=2)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip = tag in ("style", "title")

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skip:
            self.lines.append(text)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"


def test_worksheet_text_matches_the_golden_file(plan: Programme) -> None:
    text = html_text(render_html(plan, LIB))
    if os.environ.get("KNEECOACH_UPDATE_GOLDEN"):
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_every_output_is_deterministic(plan: Programme, tmp_path: Path) -> None:
    a, b = write_plan(plan, LIB, tmp_path / "a"), write_plan(plan, LIB, tmp_path / "b")
    for kind in a:
        assert a[kind].read_bytes() == b[kind].read_bytes(), kind


@pytest.fixture(scope="module")
def longest() -> Programme:
    """The longest session page the rules can produce (a search over constraints, equipment,
    self-tests and findings at 120 minutes): warm-up, 6 working exercises with equipment
    substitutes and long reasons, and a cool-down."""
    data = tomllib.loads((ROOT / "examples" / "intake.toml").read_text(encoding="utf-8"))
    data.update(constraints=["irritable-knees"], equipment=[])
    data["self_tests"].update(front_thigh_tension="yes", single_leg_squat_fatigue=["sole-of-foot"])
    data["schedule"]["minutes"] = 120
    return build_programme(intake_from_dict(data), start=dt.date(2026, 1, 5), maintenance_weeks=1)


def test_the_longest_session_is_the_most_the_rules_allow(longest: Programme) -> None:
    sessions = [s for s in longest.sessions if s.phase in ("activation", "strength", "integration")]
    assert max(len(s.exercises) for s in sessions) == MAX_WORKING + 2  # + warm-up, cool-down
    assert all(x.substitution for s in sessions for x in s.exercises if x.equipment == [] and
               LIB.get(x.exercise_id).equipment)  # fmt: skip


@pytest.mark.parametrize("which", ["plan", "longest"])
def test_pdf_has_one_readable_page_per_session(
    which: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    pdfium = pytest.importorskip("pypdfium2")
    plan: Programme = request.getfixturevalue(which)
    files = write_plan(plan, LIB, tmp_path)
    doc = pdfium.PdfDocument(files["pdf"])
    pages = worksheet_pages(plan, LIB)
    training = [s for s in plan.sessions if s.phase in ("activation", "strength", "integration")]
    firsts = []
    for i in range(len(doc)):
        page = doc[i]
        assert (round(page.get_width()), round(page.get_height())) == (595, 842)  # A4 points
        textpage = page.get_textpage()
        firsts.append(textpage.get_text_range().splitlines()[0])
        if firsts[-1].startswith("Session "):
            boxes = [textpage.get_charbox(k, loose=True) for k in range(textpage.count_chars())]
            heights = [top - bottom for _, bottom, _, top in boxes if top - bottom > 1]
            assert min(heights) >= 11.0  # a 10-pt line (DejaVu's line box is 1.16 em): 100 %
            image = page.render(scale=1).to_pil().convert("L")  # 100 %: 595 x 842 px
            inked = np.flatnonzero(np.asarray(image).min(axis=1) < 128)
            bottom = int(inked.max())
            assert bottom < image.height - 30  # nothing runs into the bottom margin
        textpage.close()
        page.close()
    session_pages = [f for f in firsts if f.startswith("Session ")]
    assert session_pages == [f"Session {s.index} · {s.date:%a} {s.date.day} {s.date:%b %Y}"
                             for s in training]  # fmt: skip
    # every page up to the guide is exactly one page of the model, in order: no session, re-test
    # or maintenance card spills onto a second sheet
    guide, clinician = firsts.index("Exercise guide"), firsts.index("For your clinician")
    assert firsts[: guide + 1] == [p.title for p in pages][:-1]
    names = tuple(e.name for e in LIB.exercises)  # guide entries are never split
    assert all(f.startswith(names) for f in firsts[guide + 1 : clinician])
    assert pages[-1].title == "For your clinician"  # the sources come last
    doc.close()


@pytest.mark.parametrize("which", ["plan", "longest"])
def test_a_page_skips_the_trial_run_only_when_it_surely_fits(
    which: str, request: pytest.FixtureRequest
) -> None:
    """The quick upper bound of a page's height never passes a page that would spill."""
    from kneecoach.reports import worksheet_pdf as w

    plan: Programme = request.getfixturevalue(which)
    measure, scratch = w._new_pdf(plan), w._new_pdf(plan)
    pages = [p for p in worksheet_pages(plan, LIB) if p.kind != "guide"]
    sure = [p for p in pages if w._surely_fits(measure, p)]
    assert all(w._fits(scratch, p, w.LAYOUTS[0]) for p in sure)
    if which == "plan":  # a usual plan skips the trial run for most pages
        assert len(sure) >= len(pages) // 2


def test_calendar_round_trips_through_a_parser(plan: Programme) -> None:
    ics = render_ics(plan)
    cal = Calendar.from_ical(ics)
    events = list(cal.walk("VEVENT"))
    assert len(events) == len(plan.sessions)
    at_six = [dt.datetime.combine(s.date, dt.time(18)) for s in plan.sessions]  # its time
    assert [e.decoded("dtstart") for e in events] == at_six
    assert all(e.decoded("dtend") - e.decoded("dtstart") == dt.timedelta(minutes=plan.minutes)
               for e in events)  # fmt: skip
    alarms = [a for e in events for a in e.walk("VALARM")]
    assert len(alarms) == len(events) and all(
        a.decoded("trigger") == dt.timedelta(minutes=-30) for a in alarms)  # fmt: skip
    assert len({str(e["uid"]) for e in events}) == len(events)
    first = plan.sessions[0]
    description = str(events[0]["description"])
    assert all(x.name in description for x in first.exercises)
    sided = next(x for x in first.exercises if x.sides)
    assert f"{sided.name}: {sided.dosage}, both sides, {sided.sides[0]} first" in description
    assert "side first" not in description  # one side only? no: both, the weaker first
    assert "film" in str(events[[s.phase for s in plan.sessions].index("retest")]["description"])
    assert cal.to_ical() == ics
    assert b"DTSTAMP:20260105T000000Z" in ics


def test_plan_json_round_trips(plan: Programme, tmp_path: Path) -> None:
    files = write_plan(plan, LIB, tmp_path)
    again = Programme.model_validate_json(files["plan"].read_text(encoding="utf-8"))
    assert again == plan


def test_the_guide_gives_the_dosages_this_plan_prescribes(plan: Programme) -> None:
    guide = next(p for p in worksheet_pages(plan, LIB) if p.kind == "guide")
    for item in guide.items:
        doses = {p.dosage for s in plan.sessions for p in s.exercises if p.name == item.title}
        assert doses and set(item.dosage.removeprefix("in this plan: ").split(" or ")) == doses
    # clamshell runs only in the activation phase, at 2 sets: never "3 × 10" in its guide entry
    clamshell = next(i for i in guide.items if i.title == "Clamshell")
    assert clamshell.dosage == "in this plan: 2 × 10"


def test_sessions_give_the_rest_between_sets_that_the_plan_prescribes(plan: Programme) -> None:
    session = next(s for s in plan.sessions if s.phase == "strength")
    several = next(p for p in session.exercises if p.sets > 1)
    single = next(p for s in plan.sessions for p in s.exercises if p.sets == 1)
    title = f"Session {session.index} "
    page = next(pg for pg in worksheet_pages(plan, LIB) if pg.title.startswith(title))
    item = next(i for i in page.items if i.title.endswith(several.name))
    assert f"rest {several.rest_s} s between sets" in item.dosage
    cal = Calendar.from_ical(render_ics(plan))
    event = next(e for e in cal.walk("VEVENT") if e.decoded("dtstart").date() == session.date)
    assert f"{several.name}: {several.dosage}, rest {several.rest_s} s between sets" in str(
        event.get("description")
    )
    assert f"{single.name}: {single.dosage}, rest" not in render_ics(plan).decode()


def test_without_a_time_of_day_the_sessions_are_all_day_without_a_reminder(
    plan: Programme,
) -> None:
    anytime = plan.model_copy(update={"time": None})
    events = list(Calendar.from_ical(render_ics(anytime)).walk("VEVENT"))
    assert [e.decoded("dtstart") for e in events] == [s.date for s in plan.sessions]
    assert not [a for e in events for a in e.walk("VALARM")]


def test_the_clients_pages_are_plain_and_the_sources_are_for_the_clinician(
    plan: Programme,
) -> None:
    import re

    pages = worksheet_pages(plan, LIB)

    def texts(p):  # type: ignore[no-untyped-def]
        yield from (p.title, p.subtitle, *p.paragraphs, *p.bullets)
        for heading, lines in p.sections:
            yield from (heading, *lines)
        for i in p.items:
            yield from (i.title, i.dosage, i.sides, *i.lines)

    client = [t for p in pages if p.kind != "clinician" for t in texts(p)]
    assert not [t for t in client if re.search(r"science\.md|§", t)]  # no source codes
    assert not [t for t in client if re.search(r"\d\.\d+ min", t)]  # whole minutes
    assert pages[-1].kind == "clinician" and any("science.md" in b for b in pages[-1].bullets)
    assert pages[0].subtitle.split(" · ")[0].endswith(f"{plan.sessions[-1].date:%b %Y}")
    last = plan.sessions[-1].date
    assert f"to {last:%a} {last.day} {last:%b %Y}" in pages[0].subtitle  # maintenance included


def test_a_retest_page_says_how_to_film_where_to_store_and_has_room_for_the_result(
    plan: Programme,
) -> None:
    from kneecoach.core.movement_tests import MOVEMENT_TESTS

    page = next(p for p in worksheet_pages(plan, LIB) if p.kind == "retest")
    text = page.paragraphs[0]
    assert MOVEMENT_TESTS["single-leg-squat"].filming in text  # the film set-up
    assert "--person 'Example Skater'" in text and "kneecoach serve" in text  # their journal
    assert "about 9°" in text  # the measure this test reads, with its noise
    assert any("Left knee: ____" in b for b in page.bullets)  # room to write the result
    other = build_programme(intake_from_dict(tomllib.loads(
        (ROOT / "examples" / "intake.toml").read_text(encoding="utf-8"))),
        start=dt.date(2026, 1, 5), journal_person="mia")  # fmt: skip
    assert "--person mia " in other.retest_command  # plan --person: the journal's name


def test_every_exercise_on_the_worksheet_has_its_picture(plan: Programme, tmp_path: Path) -> None:
    """HTML: each exercise box holds its own picture; PDF: one image per exercise on each
    session page, each exercise's image stored once in the file."""
    pdfium = pytest.importorskip("pypdfium2")
    import pypdfium2.raw as pdfium_c

    html = render_html(plan, LIB)
    first = next(s for s in plan.sessions if s.phase == "activation")
    page_html = html.split(f"Session {first.index} ·")[1].split('<section class="page')[0]
    labels = page_html.split('aria-label="')[1:]
    assert [lab.split(": start pose")[0] for lab in labels] == [p.name for p in first.exercises]
    files = write_plan(plan, LIB, tmp_path)
    doc = pdfium.PdfDocument(files["pdf"])
    page = doc[1]  # the first session
    assert page.get_textpage().get_text_range().startswith(f"Session {first.index}")
    images = list(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE]))
    assert len(images) == len(first.exercises)
    used = {p.exercise_id for s in plan.sessions for p in s.exercises}
    assert files["pdf"].read_bytes().count(b"/Subtype /Image") == len(used)
    doc.close()
