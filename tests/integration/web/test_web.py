"""The web app's first slice: the journal's people, timelines and stored reports in the
browser, thin over the same Journal as the command line; local only unless a password is
set; nothing loaded from outside."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.app.journal import Journal
from kneecoach.cli.main import cli
from kneecoach.cli.serve import is_loopback
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import single_leg_squat
from kneecoach.web.app import create_app

NAME = "Zoë <b>O'Brien</b>"  # an accent, markup and a quote: escaped everywhere


@pytest.fixture
def journal(tmp_path: Path):
    clip = to_netcdf_file(single_leg_squat(peak_fppa_deg=[10, 12, 14]), tmp_path / "clip.nc")
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite3'}") as j:
        request = AnalysisRequest(clip, tmp_path / "a", test="single-leg-squat", video=False,
                                  person=NAME)  # fmt: skip
        assert analyze(request, j).status == "ok"
        yield j


def test_health_people_person_and_report(journal: Journal) -> None:
    client = TestClient(create_app(journal))
    assert client.get("/api/health").json()["status"] == "ok"
    (person,) = client.get("/api/people").json()
    assert person["name"] == NAME and person["assessments"] == 1
    key = person["key"]
    assert re.fullmatch(r"[0-9a-f]{32}", key)  # links name a key, never the person
    detail = client.get(f"/api/people/{key}").json()
    assert [a["label"] for a in detail["assessments"]] == ["Single-leg squat, left leg"]
    stored = client.get(f"/api/people/{key}/assessments/1").json()
    assert stored["schema"] == "kneecoach.summary/1" and stored["test"] == "single-leg-squat"
    assert [r["fppa_deg"] for r in stored["sides"]["left"]["reps"]] == [10.0, 12.0, 14.0]
    page = client.get("/").text
    assert "Zoë &lt;b&gt;O&#39;Brien&lt;/b&gt;" in page and "<b>O'Brien</b>" not in page
    timeline = client.get(f"/people/{key}").text
    assert "Single-leg squat, left leg" in timeline
    link = re.search(r'href="(/people/[^"]+/assessments/1/report)"', timeline)
    assert link is not None
    report = client.get(link.group(1))
    assert report.status_code == 200 and "text/html" in report.headers["content-type"]
    assert "Single-leg squat" in report.text and "movement screen" in report.text


def test_unknown_people_and_assessments_are_a_clear_404(journal: Journal) -> None:
    client = TestClient(create_app(journal))
    missing = client.get("/api/people/" + "0" * 32)
    assert missing.status_code == 404 and "nobody in the journal has the key" in missing.text
    key = client.get("/api/people").json()[0]["key"]
    page = client.get(f"/people/{key}/assessments/7/report")
    assert page.status_code == 404 and "has no assessment no. 7" in page.text


def test_no_page_loads_anything_from_elsewhere(journal: Journal) -> None:
    client = TestClient(create_app(journal))
    key = client.get("/api/people").json()[0]["key"]
    for path in ("/", f"/people/{key}", f"/people/{key}/assessments/1/report"):
        response = client.get(path)
        assert "default-src 'self'" in response.headers["content-security-policy"]
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", response.text), path


def test_a_password_guards_every_page(journal: Journal) -> None:
    client = TestClient(create_app(journal, password="s3cret"))
    for path in ("/", "/api/people", "/api/health"):
        denied = client.get(path)
        assert denied.status_code == 401 and "Basic" in denied.headers["www-authenticate"]
    wrong = base64.b64encode(b"me:guess").decode()
    assert client.get("/", headers={"Authorization": f"Basic {wrong}"}).status_code == 401
    right = base64.b64encode(b"anyone:s3cret").decode()
    assert client.get("/", headers={"Authorization": f"Basic {right}"}).status_code == 200


def test_serve_beyond_this_computer_needs_a_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KNEECOACH_WEB_PASSWORD", raising=False)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code == 1 and "set KNEECOACH_WEB_PASSWORD" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.20")
