"""How long `kneecoach plan` takes: building the programme, and writing each file.

Usage::

    python bench/plan_speed.py [--weeks 12] [--repeats 5]

Uses examples/intake.toml (3 days a week, 30 minutes) with a hip finding, a
12-week block by default (the longest allowed) and 8 maintenance weeks. Prints
the median seconds of each step over the repeats.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kneecoach.program import build_programme, load_intake, load_library
from kneecoach.reports.worksheet import render_html, render_ics, worksheet_pages
from kneecoach.reports.worksheet_pdf import render_pdf

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=12)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    intake = load_intake(ROOT / "examples" / "intake.toml")
    library = load_library()
    findings = {"suggestions": [{"cause": "hip", "side": "left"}], "findings": []}
    times: dict[str, list[float]] = {}

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t0 = time.perf_counter()
        result = fn()
        times.setdefault(name, []).append(time.perf_counter() - t0)
        return result

    for _ in range(args.repeats):
        plan = timed("build_programme", lambda: build_programme(
            intake, findings, start=dt.date(2026, 1, 5), weeks=args.weeks))  # fmt: skip
        timed("plan.json", plan.to_json)
        timed("worksheet.html", lambda: render_html(plan, library))  # noqa: B023
        timed("worksheet.pdf", lambda: render_pdf(worksheet_pages(plan, library), plan))  # noqa: B023
        timed("plan.ics", lambda: render_ics(plan))  # noqa: B023
    print(f"{len(plan.sessions)} sessions, {args.weeks}-week block, median of {args.repeats}:")
    for name, values in times.items():
        print(f"  {name:16} {statistics.median(values):.3f} s")


if __name__ == "__main__":
    main()
