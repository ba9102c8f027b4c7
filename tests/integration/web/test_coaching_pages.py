"""The coaching loop in the web app: the intake form (errors at the field, warning signs
first), the plan with its worksheet, PDF and calendar, a logged session, progress."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.app.journal import Journal
from kneecoach.io import to_netcdf_file
from kneecoach.program import load_library
from kneecoach.program.questions import questions
from kneecoach.sample_data.synthetic import single_leg_squat
from kneecoach.storage.models import SessionLog
from kneecoach.web.app import create_app

LIBRARY = load_library()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    clip = to_netcdf_file(single_leg_squat(peak_fppa_deg=[12, 14, 16]), tmp_path / "clip.nc")
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite3'}") as j:
        request = AnalysisRequest(clip, tmp_path / "a", test="single-leg-squat", video=False,
                                  person="Mia")  # fmt: skip
        assert analyze(request, j).status == "ok"
        yield j


def _answers(**changed: list[str]) -> dict[str, list[str]]:
    """What the form sends when its shown defaults are kept (no warning signs)."""
    form: dict[str, list[str]] = {}
    for q in questions():
        name = ".".join(q.path)
        if q.kind == "days":
            form[name] = str(q.default).split(",")
        elif q.kind == "int":
            form[name] = [str(q.default if q.default is not None else q.bounds[0])]
        elif q.kind == "choice":
            form[name] = [q.default or q.choices[0]]
        else:
            form[name] = []
    return form | changed


def _post(client: TestClient, path: str, form: dict[str, list[str]]):
    token = re.search(r'<meta name="csrf" content="([^"]+)"', client.get(path).text)
    assert token is not None
    return client.post(path, data={**form, "csrf": token.group(1)})


def test_intake_plan_files_log_and_progress(journal: Journal) -> None:
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    page = client.get(f"/people/{key}/intake").text
    flags = page.index("Warning signs")
    assert flags < page.index("Your goal")  # red flags before the rest
    wrong = _post(client, f"/people/{key}/intake", _answers(**{"person.age": ["forty"]}))
    assert wrong.status_code == 400
    field = re.search(r'data-field="person.age".*?</div>', wrong.text, re.S)
    assert field and 'aria-invalid="true"' in field.group(0)
    assert "a whole number from 8 to 100" in field.group(0)  # the error at its field
    assert 'value="forty"' in field.group(0)  # what was typed stays
    made = _post(client, f"/people/{key}/intake", _answers(**{"person.age": ["41"]}))
    assert made.status_code == 303 and made.headers["location"] == f"/people/{key}/plan"
    plan = client.get(f"/people/{key}/plan").text
    assert "Worksheet (PDF)" in plan and "Calendar (.ics)" in plan
    shown = re.findall(r'<img src="/exercises/([a-z0-9-]+)\.svg"', plan)
    planned = {p["exercise_id"] for s in journal.current_plan("Mia")["sessions"]
               for p in s["exercises"]}  # fmt: skip
    assert shown and set(shown) == planned  # each exercise of the plan, pictured once
    assert len(shown) == len(planned)
    picture = client.get(f"/exercises/{shown[0]}.svg")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/svg+xml"
    assert picture.text.startswith("<svg")
    assert client.get("/exercises/no-such-thing.svg").status_code == 404
    pdf = client.get(f"/people/{key}/plan/worksheet.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    ics = client.get(f"/people/{key}/plan/plan.ics").text
    assert ics.startswith("BEGIN:VCALENDAR") and ics.count("BEGIN:VEVENT") >= 12
    assert client.get(f"/api/people/{key}/plan").json()["weeks"] == 4
    assert client.get(f"/people/{key}/plan/../../j.sqlite3").status_code == 404

    logged = _post(client, f"/people/{key}/log",
                   {"done": ["yes"], "pain_during": ["3"], "pain_after": ["2"], "rpe": ["6"],
                    "day": [date.today().isoformat()]})  # fmt: skip
    assert logged.status_code == 200 and "Logged for Mia" in logged.text
    (log,) = client.get(f"/api/people/{key}/logs").json()
    assert log["done"] and log["pain_during"] == 3 and log["pain_after"] == 2
    progress = client.get(f"/people/{key}/progress")
    assert progress.status_code == 200 and "data:image/png;base64" in progress.text
    person_page = client.get(f"/people/{key}").text
    for link in (f"/people/{key}/progress.pdf", f"/people/{key}/assessments/1/analysis.pdf"):
        assert f'href="{link}"' in person_page  # both offered where the person is
        shared = client.get(link)
        assert shared.status_code == 200 and shared.content.startswith(b"%PDF")
        assert shared.headers["content-type"] == "application/pdf"
    assert client.get(f"/people/{key}/assessments/2/analysis.pdf").status_code == 404


def test_a_warning_sign_stops_the_plan_and_sends_to_a_clinician(journal: Journal) -> None:
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    flag = next(".".join(q.path) for q in questions() if q.stops)
    stopped = _post(client, f"/people/{key}/intake", _answers(**{flag: ["yes"]}))
    assert stopped.status_code == 200 and "See a clinician first" in stopped.text
    assert "No plan yet" in client.get(f"/people/{key}/plan").text


def test_a_log_with_warning_signs_holds_every_exercise(journal: Journal) -> None:
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    _post(client, f"/people/{key}/intake", _answers())
    warned = _post(client, f"/people/{key}/log",
                   {"done": ["yes"], "warning_signs": ["yes"], "pain_during": ["11"]})  # fmt: skip
    assert warned.status_code == 400 and "a whole number from 0 to 10" in warned.text
    held = _post(client, f"/people/{key}/log", {"done": ["yes"], "warning_signs": ["yes"]})
    assert "no exercise moves on" in held.text
    people = client.get("/").text
    assert "⚠" in people  # the flag on the people list
    events = re.findall(r"<li class=\"(\w+)\">", client.get(f"/people/{key}").text)
    assert events[0] == "warning"  # the warning signs lead the day
    assert sorted(events) == ["assessment", "plan", "session", "warning"]


def test_a_pain_check_in_without_a_session(journal: Journal) -> None:
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    assert 'action="/people/' + key + '/check-in"' in client.get(f"/people/{key}/log").text
    token = re.search(r'<meta name="csrf" content="([^"]+)"', client.get("/").text)
    assert token is not None
    wrong = client.post(f"/people/{key}/check-in", data={"csrf": token.group(1), "pain": "12"})
    assert wrong.status_code == 400 and "a whole number from 0 to 10" in wrong.text
    done = client.post(f"/people/{key}/check-in", data={"csrf": token.group(1), "pain": "4"})
    assert done.status_code == 303 and done.headers["location"].endswith("/progress")
    history = journal.history("Mia", today=date.today())
    assert [pain for _, pain in history.checkins] == [4]


def test_people_plans_and_logs_through_the_json_api(journal: Journal) -> None:
    """As a clinic's script would: no browser, so no CSRF token; JSON in and out."""
    client = TestClient(create_app(journal))
    added = client.post("/api/people", json={"name": "Noor"})
    assert added.status_code == 201 and added.json()["name"] == "Noor"
    assert client.post("/api/people", json={"nom": "x"}).status_code == 400
    key = journal.people()[0].key  # Mia: intake through the form, then the API
    no_intake = client.post(f"/api/people/{key}/plan")
    assert no_intake.status_code == 400 and "intake" in no_intake.json()["error"]
    page = TestClient(create_app(journal), follow_redirects=False)
    _post(page, f"/people/{key}/intake", _answers())
    replanned = client.post(f"/api/people/{key}/plan")
    assert replanned.status_code == 201 and replanned.json()["weeks"] == 4
    logged = client.post(f"/api/people/{key}/logs",
                         json={"done": True, "pain_during": 2, "rpe": 5})  # fmt: skip
    assert logged.status_code == 201 and logged.json()["warning_signs"] is False
    assert client.post(f"/api/people/{key}/logs", json={"rpe": 14}).status_code == 400
    assert [log["pain_during"] for log in client.get(f"/api/people/{key}/logs").json()] == [2]


def test_the_trainer_lists_todays_exercises_with_their_cues(journal: Journal) -> None:
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    _post(client, f"/people/{key}/intake", _answers(**{"schedule.days": every_day}))
    page = client.get(f"/train?person={key}").text
    options = re.findall(r'<option value="([a-z0-9-]+)" data-seconds', page)
    how = re.findall(
        r'<div class="how" data-exercise="([a-z0-9-]+)"[^>]*>\s*'
        r'<img src="/exercises/([a-z0-9-]+)\.svg"[^>]*>\s*<ul class="cues">',
        page,
    )
    assert options and how and how[0][0] == options[0]  # the first exercise's shown first
    assert all(shown == picture for shown, picture in how)  # each with its own picture
    assert [eid for eid, _ in how] == options
    assert "week 1 of 4: feedback on every rep" in page  # the fading, from the plan


def test_the_plan_follows_three_logged_sessions(journal: Journal) -> None:
    """Three easy, pain-free sessions done in full: after each, today's session lists what the
    coaching rules moved each exercise on to, and so does the worksheet."""
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.add_person("Noa").key  # no assessment: the plan starts at the easy end
    every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    _post(client, f"/people/{key}/intake", _answers(**{"schedule.days": every_day}))
    today = date.today()
    changed = 0
    for _ in range(3):
        planned = journal.planned_or_nothing("Noa", today)
        form = {"done": ["yes"], "pain_during": ["0"], "pain_after": ["0"], "rpe": ["3"],
                **{f"sets_{i}": [str(e["sets"])]
                   for i, e in enumerate(planned.exercises)}}  # fmt: skip
        page = _post(client, f"/people/{key}/log", form).text
        with journal.transaction() as session:
            log = session.scalars(select(SessionLog).order_by(SessionLog.id.desc())).first()
            assert log is not None
            moved = {e["exercise_id"]: e["next_exercise_id"] for e in log.exercises}
        now = [e["exercise_id"] for e in journal.planned_or_nothing("Noa", today).exercises]
        expected = [moved.get(e["exercise_id"], e["exercise_id"]) for e in planned.exercises]
        assert now == expected  # the next session is what the log decided
        if expected != [e["exercise_id"] for e in planned.exercises]:
            changed += 1
            assert "The plan follows this" in page
    assert changed >= 1
    worksheet = client.get(f"/people/{key}/plan/worksheet.html").text
    assert all(LIBRARY.get(e).name in worksheet for e in now)


def test_every_warning_sign_must_be_answered_yes_no_or_unsure(journal: Journal) -> None:
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    page = client.get(f"/people/{key}/intake").text
    flag = next(".".join(q.path) for q in questions() if q.stops)
    block = re.search(rf'data-field="{re.escape(flag)}".*?</fieldset>', page, re.S)
    assert block is not None
    assert re.findall(r'type="radio" name="[^"]+" value="(\w+)"', block.group(0)) == [
        "yes",
        "no",
        "unsure",
    ]
    assert "checked" not in block.group(0)  # nothing assumed for a warning sign
    unanswered = _post(client, f"/people/{key}/intake", _answers(**{flag: []}))
    field = re.search(rf'data-field="{re.escape(flag)}".*?</div>', unanswered.text, re.S)
    assert unanswered.status_code == 400 and field and "answer yes, no or unsure" in field.group(0)
    unsure = _post(client, f"/people/{key}/intake", _answers(**{flag: ["unsure"]}))
    assert unsure.status_code == 200 and "See a clinician first" in unsure.text
    assert "not sure: " in unsure.text


def test_on_a_rest_day_the_trainer_offers_the_next_sessions_exercises(journal: Journal) -> None:
    """No session today: the next session's exercises, named as such, each with its picture."""
    client = TestClient(create_app(journal), follow_redirects=False)
    key = journal.people()[0].key
    tomorrow = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][(date.today().weekday() + 1) % 7]
    _post(client, f"/people/{key}/intake", _answers(**{"schedule.days": [tomorrow]}))
    assert not journal.planned_or_nothing("Mia", date.today()).exercises  # a rest day
    later = journal.next_planned("Mia", date.today())
    assert later is not None and later.day > date.today()
    page = client.get(f"/train?person={key}").text
    assert "No session is planned today" in page and later.day.strftime("%d %b") in page
    options = re.findall(r'<option value="([a-z0-9-]+)" data-seconds', page)
    assert options == [e["exercise_id"] for e in later.exercises]
    assert all(f'<img src="/exercises/{o}.svg"' in page for o in options)
