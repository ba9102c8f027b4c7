"""Analyses from the web app: upload, a queue in the journal, a worker, progress, results.

The jobs run the same analysis as the command line, so an upload's summary.json must equal
the one ``kneecoach analyze`` writes for the same file. Most tests run the worker's body in
the server's own process (``runner=work``) to stay quick; one runs it in a real worker
process, as ``kneecoach serve`` does.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.app.jobs import Jobs, work
from kneecoach.app.journal import Journal
from kneecoach.core.settings import Settings
from kneecoach.io import to_netcdf_file
from kneecoach.sample_data.synthetic import single_leg_squat
from kneecoach.storage import jobs as store
from kneecoach.web.app import create_app

NAME = "Ann"


@pytest.fixture
def clip(tmp_path: Path) -> Path:
    return to_netcdf_file(single_leg_squat(peak_fppa_deg=[9, 13, 17]), tmp_path / "squat.nc")


@pytest.fixture
def journal(tmp_path: Path, clip: Path) -> Iterator[Journal]:
    with Journal.open(f"sqlite:///{tmp_path / 'j.sqlite3'}") as j:
        request = AnalysisRequest(clip, tmp_path / "first", test="single-leg-squat",
                                  video=False, person=NAME)  # fmt: skip
        assert analyze(request, j).status == "ok"
        yield j


def _client(journal: Journal, **options: object) -> TestClient:
    settings = options.pop("settings", Settings())
    assert isinstance(settings, Settings)
    jobs = Jobs(journal, settings, runner=options.pop("runner", work))  # type: ignore[arg-type]
    return TestClient(create_app(journal, settings=settings, jobs=jobs, **options))  # type: ignore[arg-type]


def _upload(client: TestClient, path: Path, *, name: str | None = None, **fields: str):
    with path.open("rb") as fh:
        return client.post("/api/analyses", files={"file": (name or path.name, fh)},
                           data=fields)  # fmt: skip


def _wait(client: TestClient, key: str) -> dict[str, object]:
    for _ in range(600):
        state = client.get(f"/api/jobs/{key}").json()
        if state["status"] in ("done", "failed"):
            return state
        time.sleep(0.1)
    raise AssertionError(f"job {key} did not end: {state}")


def test_an_upload_is_queued_analysed_and_stored_like_the_command_line(
    journal: Journal, clip: Path, tmp_path: Path
) -> None:
    with _client(journal) as client:
        person = client.get("/api/people").json()[0]["key"]
        sent = _upload(client, clip, test="single-leg-squat", person=person)
        assert sent.status_code == 202, sent.text
        key = sent.json()["job"]
        assert re.fullmatch(r"[0-9a-f]{32}", key) and sent.headers["location"] == f"/api/jobs/{key}"
        state = _wait(client, key)
        assert state["status"] == "done" and state["outcome"] == "ok" and state["analysis"] == key
        summary = client.get(f"/api/analyses/{key}/summary.json").json()
        pdf = client.get(f"/api/analyses/{key}/analysis.pdf")
        page = client.get(f"/analyses/{key}").text
        timeline = client.get(f"/people/{person}").text
    cli = json.loads((tmp_path / "first" / "summary.json").read_text(encoding="utf-8"))
    for side in ("left", "right"):  # the same numbers as `kneecoach analyze` wrote
        assert summary["sides"][side] == cli["sides"][side]
    assert summary["findings"] == cli["findings"]
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")  # to share
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf.content)
    first = document[0].get_textpage().get_text_range()
    assert len(document) == 2 and "Single-leg squat" in first and "What it shows" in first
    assert "17.0°" in first  # the peak, as the summary says
    assert "Method and sources" in document[1].get_textpage().get_text_range()
    document.close()
    assert "13.0°" in page or "17.0°" in page  # the summary table on the analysis page
    assert timeline.count("Single-leg squat") >= 2  # stored for Ann: a second assessment
    assert len(journal.history(NAME, today=date.today()).assessments) == 2


def test_the_content_must_match_the_name_and_the_test_must_exist(
    journal: Journal, tmp_path: Path
) -> None:
    fake = tmp_path / "holiday.mp4"
    fake.write_text("not a video at all", encoding="utf-8")
    with _client(journal) as client:
        wrong = _upload(client, fake)
        assert wrong.status_code == 400 and "is not a mp4 file" in wrong.json()["error"]
        odd = _upload(client, fake, name="notes.exe")
        assert (
            odd.status_code == 400 and "analyses videos and keypoint files" in odd.json()["error"]
        )
        bad_test = _upload(client, fake, name="clip.csv", test="handstand")
        assert (
            bad_test.status_code == 400 and "unknown test 'handstand'" in bad_test.json()["error"]
        )
        assert client.get("/api/jobs").json() == []
    jobs_dir = journal.files_dir / store.JOBS_FOLDER
    assert not jobs_dir.exists() or list(jobs_dir.iterdir()) == []  # nothing kept


def test_an_upload_over_the_limit_is_refused_and_nothing_is_kept(
    journal: Journal, tmp_path: Path
) -> None:
    big = tmp_path / "big.mp4"
    big.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(3 * 1024 * 1024))
    with _client(journal, settings=Settings(web_max_upload_mb=1)) as client:
        refused = _upload(client, big)
        assert refused.status_code == 413 and "limit of 1 MB" in refused.json()["error"]
    jobs_dir = journal.files_dir / store.JOBS_FOLDER
    assert not jobs_dir.exists() or list(jobs_dir.iterdir()) == []


def test_two_uploads_at_once_are_queued_and_both_run(journal: Journal, clip: Path) -> None:
    with _client(journal) as client:
        keys = [_upload(client, clip, test="single-leg-squat").json()["job"] for _ in range(2)]
        states = [_wait(client, k) for k in keys]
        listed = [j["job"] for j in client.get("/api/jobs").json()]
    assert [s["outcome"] for s in states] == ["ok", "ok"]
    assert listed == keys[::-1]  # newest first


def test_a_server_stopped_mid_analysis_marks_the_job_failed_and_stores_nothing(
    journal: Journal, clip: Path
) -> None:
    """A job left ``running`` (the server was killed) is failed at the next start."""
    jobs = Jobs(journal, Settings(), runner=lambda url, key, settings: None)
    upload = jobs.incoming()
    upload.write_bytes(clip.read_bytes())
    person = journal.people()[0].key
    state = jobs.submit(upload, filename="squat.nc", test="single-leg-squat", person=person)
    with journal.transaction() as session:  # the worker had claimed it, then the power went
        assert store.claim_next(session) is not None
    before = len(journal.history(NAME, today=date.today()).assessments)
    with TestClient(create_app(journal, jobs=Jobs(journal, Settings(), runner=work))) as client:
        after = client.get(f"/api/jobs/{state.key}").json()
    assert after["status"] == "failed" and "the server stopped" in after["message"]
    assert after["analysis"] is None
    assert len(journal.history(NAME, today=date.today()).assessments) == before


def test_an_analysis_runs_in_a_worker_process(journal: Journal, clip: Path) -> None:
    """As ``kneecoach serve`` runs it: a spawned process, progress in the journal."""
    with TestClient(create_app(journal)) as client:
        key = _upload(client, clip, test="single-leg-squat").json()["job"]
        state = _wait(client, key)
        report = client.get(f"/api/analyses/{key}/report.html")
    assert state["status"] == "done" and state["outcome"] == "ok", state["message"]
    assert report.status_code == 200 and "Single-leg squat" in report.text


def test_unknown_jobs_and_files_are_a_clear_404(journal: Journal) -> None:
    with _client(journal) as client:
        assert client.get("/api/jobs/" + "0" * 32).status_code == 404
        assert client.get("/api/jobs/..%2F..%2Fetc").status_code == 404
        missing = client.get("/api/analyses/" + "0" * 32 + "/summary.json")
        assert missing.status_code == 404 and "there is no analysis" in missing.json()["error"]
        assert client.get("/api/analyses/" + "0" * 32 + "/secrets.txt").status_code == 404


def test_two_assessments_compared_with_verdicts_beyond_the_noise(
    journal: Journal, tmp_path: Path
) -> None:
    worse = to_netcdf_file(single_leg_squat(peak_fppa_deg=[30, 32, 34]), tmp_path / "worse.nc")
    with _client(journal) as client:
        person = client.get("/api/people").json()[0]["key"]
        key = _upload(client, worse, test="single-leg-squat", person=person).json()["job"]
        assert _wait(client, key)["outcome"] == "ok"
        page = client.get(f"/people/{person}/compare")
        other_test = client.get(f"/people/{person}/compare?first=1&second=9")
    assert page.status_code == 200
    assert "no. 1" in page.text and "no. 2" in page.text
    rows = re.findall(r'<td class="verdict">([^<]+)</td>', page.text)
    assert rows and any(r.startswith("worse") for r in rows)  # 17° → 34°: beyond the noise
    assert "No video kept" in page.text  # keypoint files: nothing to play
    assert other_test.status_code == 400 and "no assessment number 9" in other_test.text
