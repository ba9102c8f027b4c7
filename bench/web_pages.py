"""How fast the web app's pages answer with a journal of 50 people (issue 18: ≤ 200 ms).

Usage::

    python bench/web_pages.py [--people 50] [--repeats 20]

Builds a journal in a temporary folder: ``--people`` people, each with one stored
assessment of a synthetic single-leg squat (the same analysis stored under each name; the
first has two, to compare, and a plan from the demo intake),
then serves the app with uvicorn on a loopback port and times each page and API call over
HTTP, as a browser on this computer waits for it (median and slowest of ``--repeats``).
The analysis pages themselves (video, track) are not timed: they depend on the clip.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from kneecoach.app.analyze import AnalysisRequest, analyze
from kneecoach.app.coach import plan_from_intake
from kneecoach.app.journal import Journal
from kneecoach.io import to_netcdf_file
from kneecoach.program.intake import demo_intake
from kneecoach.sample_data.synthetic import single_leg_squat
from kneecoach.web.app import create_app


def intake_data() -> dict[str, object]:
    return demo_intake().model_dump(mode="json", by_alias=True, exclude_none=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        clip = to_netcdf_file(single_leg_squat(peak_fppa_deg=[9, 13, 17]), tmp / "clip.nc")
        with Journal.open(f"sqlite:///{tmp / 'journal.sqlite3'}") as journal:
            out = tmp / "analysis"
            first = analyze(AnalysisRequest(clip, out, test="single-leg-squat", video=False))
            assert first.assessment is not None
            for i in range(args.people):
                journal.remember_analysis(out, f"Person {i:02d}", assessment=first.assessment)
            journal.remember_analysis(out, "Person 00", assessment=first.assessment)  # compare
            key = journal.people()[0].key
            plan_from_intake(journal, "Person 00", intake_data())
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            server = uvicorn.Server(
                uvicorn.Config(create_app(journal), port=port, log_level="warning")
            )
            thread = threading.Thread(target=server.run, daemon=True)
            thread.start()
            while not server.started:
                time.sleep(0.05)
            paths = ["/", f"/people/{key}", "/analyses", "/analyses/new", "/api/people",
                     f"/api/people/{key}", f"/api/people/{key}/assessments/1",
                     f"/people/{key}/assessments/1/report", f"/people/{key}/compare",
                     f"/people/{key}/intake", f"/people/{key}/plan", f"/people/{key}/log",
                     f"/people/{key}/progress"]  # fmt: skip
            print(f"{args.people} people, each with one assessment; {args.repeats} requests each")
            print(f"{'page':52} {'median ms':>10} {'slowest ms':>11}")
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for path in paths:
                    client.get(path).raise_for_status()  # warm
                    times = []
                    for _ in range(args.repeats):
                        start = time.perf_counter()
                        client.get(path).raise_for_status()
                        times.append(1000 * (time.perf_counter() - start))
                    shown = path.replace(key, "{key}")
                    print(f"{shown:52} {statistics.median(times):10.1f} {max(times):11.1f}")
            server.should_exit = True
            thread.join()


if __name__ == "__main__":
    main()
