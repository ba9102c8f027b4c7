"""The web app in a real browser: Debian's Chromium driven by Playwright (``executable_path``).

One end-to-end flow on a real shared clip: add a person, upload the clip, watch its
progress, open the analysis and check its numbers against the command line's summary.json
for the same clip, play the video and check that the overlay is drawn for the frame at the
current time, step a frame, jump with the scrubber; fill the intake (one field error
fixed), make the plan, download its PDF and calendar and read them, log a session and see
it on the progress chart; analyse the clip again and compare the two with both videos
synced at a rep. Then: a login off this computer, a
forged change refused (CSRF), an upload over the limit refused in the page, and a server
restarted mid-analysis.

Skipped with a reason where Playwright or Chromium is missing, unless
``KNEECOACH_REQUIRE_BROWSER=1`` (``.ci/run`` sets it: there they must run). With
``KNEECOACH_SCREENSHOTS=folder`` the flow saves the README's screenshots there.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from tests.conftest import media

from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.app.jobs import Jobs
from kneecoach.app.journal import Journal
from kneecoach.core.settings import Settings
from kneecoach.web.app import create_app

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("KNEECOACH_REQUIRE_BROWSER") == "1"
CLIP = "front_single_leg_balance_reach_cam02.mp4"  # 1.7 s, 100 frames, VP9: plays in Chromium

try:
    from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright
except ImportError:  # pragma: no cover - the dev extra installs it
    sync_playwright = None  # type: ignore[assignment]

if not REQUIRED and (sync_playwright is None or not Path(CHROMIUM).exists()):
    pytest.skip(
        "browser tests need Playwright (pip install -e '.[dev]') and Debian's chromium "
        "(apt-get install chromium)",
        allow_module_level=True,
    )

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    """The app served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, journal: Journal, **options: object) -> None:
        import uvicorn

        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(journal, **options)  # type: ignore[arg-type]
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        for _ in range(200):
            if self.server.started:
                return self
            time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    """One Playwright for the module (a second one cannot start in the same thread)."""
    assert sync_playwright is not None, "Playwright is required here (KNEECOACH_REQUIRE_BROWSER)"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=CHROMIUM,
        args=["--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update",
              "--disable-sync", "--autoplay-policy=no-user-gesture-required"],
    )  # fmt: skip
    yield browser
    browser.close()


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal.open(f"sqlite:///{tmp_path / 'journal.sqlite3'}") as j:
        yield j


def _shoot(page: Page, name: str) -> None:
    folder = os.environ.get("KNEECOACH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=True)


def _wait_for_row(page: Page, *, status: str, timeout_s: float = 300) -> set[str]:
    """Wait until the first analysis row reaches ``status``; the stages shown on the way."""
    seen: set[str] = set()
    end = time.monotonic() + timeout_s
    row = page.locator("tr[data-job]").first
    while time.monotonic() < end:
        seen.add(row.locator(".stage").inner_text())
        if row.get_attribute("data-status") in ("done", "failed"):
            assert row.get_attribute("data-status") == status, row.inner_text()
            return seen
        time.sleep(0.1)
    raise AssertionError(f"the analysis did not end; stages seen: {seen}")


def test_add_upload_watch_progress_and_read_the_report_with_its_player(
    browser: Browser, journal: Journal, tmp_path: Path
) -> None:
    clip = media(CLIP)
    cli = analyze(AnalysisRequest(clip, tmp_path / "cli", video=False))  # the command line's
    assert cli.status == "ok"
    expected = json.loads((tmp_path / "cli" / "summary.json").read_text(encoding="utf-8"))

    with _Server(journal) as server:
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.goto(server.url + "/")
        page.get_by_label("Name").fill("Zoë <O'Brien>")
        page.get_by_role("button", name="Add").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Zoë <O'Brien>")
        page.get_by_role("link", name="Analyse a clip for").click()
        page.set_input_files("input[type=file]", str(clip))
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_url("**/analyses")
        _shoot(page, "web-progress.png")
        stages = _wait_for_row(page, status="done")
        assert stages & {"tracking", "waiting for its turn", "starting"}, stages  # live progress
        page.locator("tr[data-job] .result a").first.click()

        # the numbers are the command line's for the same clip
        key = page.url.rsplit("/", 1)[1]
        served = page.request.get(f"{server.url}/api/analyses/{key}/summary.json").json()
        for side in ("left", "right"):
            assert served["sides"][side] == expected["sides"][side]
            peak = expected["sides"][side]["peak_fppa_deg"]
            cell = page.locator(f"#numbers tr[data-side={side}] .peak-fppa")
            expect(cell).to_have_text("—" if peak is None else f"{peak:.1f}°")
        assert served["findings"] == expected["findings"]
        report = page.frame_locator("iframe.report")  # everything report.html shows
        expect(report.locator("body")).to_contain_text("movement screen")

        # the player: the overlay follows the video's current time, frame by frame
        player = page.locator("#player")
        expect(player).to_have_attribute("data-ready", "true", timeout=20_000)
        page.get_by_role("button", name="Play").click()
        page.wait_for_timeout(700)
        page.get_by_role("button", name="Pause").click()
        state = page.evaluate("""() => {
            const v = document.getElementById('clip'), c = document.getElementById('overlay');
            return {t: v.currentTime, frame: Number(c.dataset.frame), at: Number(c.dataset.time),
                    lines: Number(c.dataset.lines)};
        }""")
        assert state["t"] > 0.1 and state["lines"] >= 4  # both legs drawn
        assert abs(state["at"] - state["t"]) <= 1 / 60 + 1e-3  # the frame at the current time
        page.get_by_role("button", name="One frame forward").click()
        expect(page.locator("#overlay")).to_have_attribute("data-frame", str(state["frame"] + 1))
        rep = page.locator("#scrubber .mark.rep").first
        rep.click()
        at = float(rep.get_attribute("data-at") or "nan")
        page.wait_for_function(
            f"Math.abs(document.getElementById('clip').currentTime - {at}) < 0.02"
        )
        _shoot(page, "web-report.png")

        # the coaching loop: intake (one field error fixed), plan, its files, a log, progress
        page.goto(server.url + "/")
        page.get_by_role("link", name="Zoë <O'Brien>").click()
        page.get_by_role("link", name="Plan").click()
        page.get_by_role("link", name="Fill in the intake").click()
        for flag in page.locator("fieldset.flags fieldset").all():
            flag.get_by_label("no", exact=True).check()
        for day in page.locator('input[name="schedule.days"]').all():
            day.check()  # every day: today has a session, for the trainer below
        page.locator("#f-person-age").fill("4000")
        page.get_by_role("button", name="Save and make the plan").click()
        age = page.locator('[data-field="person.age"]')
        expect(age.get_by_role("alert")).to_have_text("a whole number from 8 to 100")
        page.locator("#f-person-age").fill("34")
        page.get_by_role("button", name="Save and make the plan").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Zoë <O'Brien>'s plan")
        loaded = (
            "sel => { const all = Array.from(document.querySelectorAll(sel)); return "
            "all.length > 0 && all.every(i => i.complete && i.naturalWidth > 0); }"
        )
        page.wait_for_function(loaded, arg="#exercise-pictures img")  # drawn, and let in by CSP
        plan_url = page.url  # …/people/KEY/plan
        page.goto(server.url + "/train?person=" + plan_url.rsplit("/", 2)[-2])
        page.wait_for_function(loaded, arg=".how:not([hidden]) img")  # today's first exercise
        shown = page.locator(".how:not([hidden])").get_attribute("data-exercise")
        assert shown == page.locator("#exercise").input_value()
        options = page.locator("#exercise option[value]:not([value=''])")
        if options.count() > 1:  # another exercise: its own picture and cues
            page.locator("#exercise").select_option(index=1)
            page.wait_for_function(loaded, arg=".how:not([hidden]) img")
            assert page.locator(".how:not([hidden])").get_attribute("data-exercise") != shown
        page.goto(plan_url)
        with page.expect_download() as pdf:
            page.get_by_role("link", name="Worksheet (PDF)").click()
        document = pdfium.PdfDocument(pdf.value.path())
        words = document[0].get_textpage().get_text_range()
        document.close()
        today = date.today()
        assert "Your knee plan" in words and f"{today:%a} {today.day} {today:%b %Y}" in words
        with page.expect_download() as ics:
            page.get_by_role("link", name="Calendar (.ics)").click()
        calendar = Path(ics.value.path()).read_text(encoding="utf-8")
        events = calendar.count("BEGIN:VEVENT")
        assert calendar.startswith("BEGIN:VCALENDAR") and events == calendar.count("END:VEVENT") > 0
        phone = browser.new_page(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )  # logging happens on a phone, after training
        phone.goto(page.url.replace("/plan", "/log"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390  # no side-scroll
        phone.get_by_label("Pain during, 0-10").fill("4")
        phone.get_by_label("Pain after, by the next morning, 0-10").fill("3")
        phone.get_by_role("button", name="Log it").tap()
        expect(phone.locator("#logged")).to_contain_text("done")
        phone.get_by_role("link", name="Progress").tap()
        expect(phone.get_by_alt_text("Pain ratings over time")).to_be_visible()

        # a re-test of the same clip: the two compared, videos synced at each rep
        page.goto(server.url + "/")
        page.get_by_role("link", name="Zoë <O'Brien>").click()
        page.get_by_role("link", name="Analyse a clip for").click()
        page.set_input_files("input[type=file]", str(clip))
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_url("**/analyses")
        _wait_for_row(page, status="done")
        page.goto(server.url + "/")
        page.get_by_role("link", name="Zoë <O'Brien>").click()
        page.get_by_role("link", name="Compare").click()
        verdicts = page.locator("#changes .verdict").all_inner_texts()
        assert verdicts and all(v.startswith("no real change") for v in verdicts)  # same clip
        sync = page.locator("#sync button.sync").first
        sync.click()
        at = float(sync.get_attribute("data-before") or "nan")
        page.wait_for_function(
            f"Array.from(document.querySelectorAll('video.compared'))"
            f".every(v => Math.abs(v.currentTime - {at}) < 0.02)"
        )
        page.goto(server.url + "/")
        _shoot(page, "web-people.png")


def test_off_this_computer_the_pages_need_the_password(browser: Browser, journal: Journal) -> None:
    with _Server(journal, password="correct horse") as server:
        page = browser.new_page()
        page.goto(server.url + "/analyses")
        expect(page).to_have_url(server.url + "/login?next=/analyses")
        page.get_by_label("Password").fill("wrong")
        page.get_by_role("button", name="Log in").click()
        expect(page.get_by_role("alert")).to_have_text("That is not the password.")
        page.get_by_label("Password").fill("correct horse")
        page.get_by_role("button", name="Log in").click()
        expect(page).to_have_url(server.url + "/analyses")
        cookie = next(c for c in page.context.cookies() if c["name"] == "kneecoach_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_forged_change_and_an_oversized_upload_are_refused(
    browser: Browser, journal: Journal
) -> None:
    with _Server(journal, settings=Settings(web_max_upload_mb=1)) as server:
        page = browser.new_page()
        page.goto(server.url + "/analyses/new")
        forged = page.evaluate("""async () => {
            const body = new FormData();
            body.append('file', new Blob(['x']), 'clip.csv');
            const r = await fetch('/api/analyses', {method: 'POST', body,
                                  headers: {'X-CSRF-Token': 'guessed'}});
            return r.status;
        }""")
        assert forged == 403
        page.set_input_files("input[type=file]", str(media("front_squat_with_avatar_01.mp4")))
        page.get_by_role("button", name="Analyse").click()
        expect(page.locator("#upload-status")).to_contain_text("Too large (over 1 MB)")
        sent = page.evaluate("""async () => {  // past the page's own check: the server's
            const body = new FormData();
            body.append('file', new Blob([new Uint8Array(2 * 1024 * 1024)]), 'big.mp4');
            const token = document.querySelector('meta[name="csrf"]').content;
            const r = await fetch('/api/analyses', {method: 'POST', body,
                                  headers: {'X-CSRF-Token': token}});
            return [r.status, (await r.json()).error];
        }""")
        assert sent[0] == 413 and "limit of 1 MB" in sent[1]


def test_a_server_restarted_mid_analysis_shows_the_analysis_failed(
    browser: Browser, journal: Journal
) -> None:
    clip = media(CLIP)
    started = threading.Event()

    def stalls(url: str, key: str, settings: Settings) -> None:  # tracking that never ends
        started.set()
        time.sleep(60)

    with _Server(journal, jobs=Jobs(journal, Settings(), runner=stalls)) as server:
        page = browser.new_page()
        page.goto(server.url + "/analyses/new")
        page.set_input_files("input[type=file]", str(clip))
        page.get_by_role("button", name="Analyse").click()
        page.wait_for_url("**/analyses")
        assert started.wait(30)
    with _Server(journal) as server:  # started again on the same journal
        page.goto(server.url + "/analyses")
        row = page.locator("tr[data-job]").first
        expect(row).to_have_attribute("data-status", "failed")
        expect(row).to_contain_text("the server stopped while this clip was analysed")


def test_training_with_a_camera_draws_the_live_knee_line_and_cues_where_offline_says_inside(
    playwright: Playwright, journal: Journal, tmp_path: Path
) -> None:
    """A fake camera plays a real squat; the live keypoints are compared with the offline
    track of the same frames, and the live "inside" cue with the offline knee-over-foot."""
    import cv2
    import numpy as np

    from kneecoach.app.track import TrackRequest, track
    from kneecoach.capture.video import VideoReader
    from kneecoach.capture.y4m import write_y4m
    from kneecoach.live.feedback import Thresholds, live_pose
    from kneecoach.metrics.frames import frame_measures

    camera = write_y4m(media("front_overhead_squat_04.mov"), tmp_path / "camera.y4m")
    with VideoReader(camera) as reader:  # what the fake camera plays
        frames = [f.image for f in reader.frames()]
    offline = track(TrackRequest(camera, tmp_path / "offline", video=False)).clean
    offline_xy = offline["position"].isel(individuals=0)
    inside = {s: frame_measures(offline).table[f"knee_over_foot_{s}_pct"].to_numpy(float)
              for s in ("left", "right")}  # fmt: skip
    seen: list = []

    class Recording:  # the real live model, remembering each frame it was given
        name, note = "recording", "live frames kept for the test"

        def __init__(self) -> None:
            self.inner = live_pose()

        def estimate(self, image):  # type: ignore[no-untyped-def]
            seen.append(cv2.resize(image, (80, 60)).astype(float))
            return self.inner.estimate(image)

        def close(self) -> None:
            self.inner.close()

    key = journal.add_person("Kai").key
    with _Server(journal, live_pose=Recording) as server:
        camera_browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                  f"--use-file-for-fake-video-capture={camera}", "--disable-gpu",
                  "--disable-background-networking", "--no-first-run"],
        )  # fmt: skip
        page = camera_browser.new_page()
        page.goto(server.url + f"/train?person={key}")
        page.get_by_role("button", name="Start").click()
        expect(page.locator("#train")).to_have_attribute(
            "data-replies", re.compile(r"^([6-9]\d|\d{3,})$"), timeout=120_000
        )  # 60 answers or more
        expect(page.locator("#rep-count")).not_to_have_text("0 reps", timeout=60_000)
        _shoot(page, "web-train.png")
        replies = page.evaluate("window.kneecoachLive.replies")
        latencies = page.evaluate("window.kneecoachLive.latencies")
        page.get_by_role("button", name="Replay the worst rep").click()  # from the kept frames
        expect(page.locator("#replay-box")).to_have_attribute("data-frames", re.compile(r"^[1-9]"),
                                                              timeout=30_000)  # fmt: skip
        page.get_by_role("button", name="Save the set").click()
        expect(page.locator("#saved")).to_contain_text("reps logged for")
        camera_browser.close()
    (log,) = journal.history("Kai", today=date.today()).logs
    assert log.done  # the trained set is in the journal, with its per-rep numbers:
    with journal.transaction() as session:
        from kneecoach.storage.models import SessionLog

        live_reps = session.query(SessionLog).one().exercises[0]["live_reps"]
    assert live_reps and {"depth_pct", "worst_knee_over_foot_left_pct"} <= set(live_reps[0])
    assert len(replies) <= len(seen)
    small = np.stack([cv2.resize(f, (80, 60)).astype(float) for f in frames])
    errors, agree = [], []
    for reply, image in zip(replies, seen, strict=False):
        i = int(np.argmin(((small - image) ** 2).mean(axis=(1, 2, 3))))  # which clip frame
        for name in ("left_hip", "right_hip", "left_knee", "right_knee", "left_ankle",
                     "right_ankle"):  # fmt: skip
            if name in reply["keypoints"]:
                want = offline_xy.sel(keypoints=name).values[i]
                if np.isfinite(want).all():
                    errors.append(float(np.hypot(*(np.array(reply["keypoints"][name][:2]) - want))))
        for side in ("left", "right"):
            value = inside[side][i]
            if np.isfinite(value) and reply["cue"][side] != "unseen":
                agree.append((value > Thresholds().inside_pct) == (reply["cue"][side] == "inside"))
    assert errors and float(np.median(errors)) < 6.0, np.median(errors)  # px at 640×480
    assert agree and sum(agree) / len(agree) > 0.85, sum(agree) / len(agree)
    assert any(r["cue"]["left"] == "inside" or r["cue"]["right"] == "inside" for r in replies)
    assert float(np.median(latencies)) < 1000  # answered live (the bench measures the speed)
