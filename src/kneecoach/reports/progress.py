"""``progress.html``: one person's knee line, pain and training over time, self-contained.

The page is rendered from a plain context (built by :mod:`kneecoach.app.journal`):
charts are PNGs embedded as data URIs, so it opens offline and can be mailed on
its own. Left is blue and right orange, as in every kneecoach picture; the
shaded band around the first assessment is its smallest detectable change
(a later value inside it is no real change).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kneecoach.core.files import write_text
from kneecoach.reports.overlay import SIDE_RGB
from kneecoach.reports.plots import figure_png
from kneecoach.reports.templating import environment, png_uri

TEMPLATE = "progress.html.j2"
#: Okabe-Ito sky blue / vermillion / reddish purple for pain before / during / after a
#: session, grey for check-ins.
PAIN_RGB = {
    "before": (86, 180, 233),
    "during": (213, 94, 0),
    "after": (204, 121, 167),
    "check-in": (90, 90, 96),
}

#: One side's history of one test: (when, peak FPPA, the reps' FPPA) per assessment.
Trend = Sequence[tuple[datetime, float | None, Sequence[float]]]


def _rgb(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255


def image_uri(path: Path) -> str | None:
    """A stored PNG as a data URI (None when the file is gone)."""
    return png_uri(path.read_bytes()) if path.suffix.lower() == ".png" and path.is_file() else None


#: A time axis spans at least this many days, so one day (or two assessments an hour
#: apart) reads as dates, not as hours or as years.
MIN_SPAN_DAYS = 14


def _dates(ax: Axes, times: Sequence[date | datetime]) -> None:
    """Date ticks; the axis at least :data:`MIN_SPAN_DAYS` wide, centred on the data."""
    if times:
        first = np.datetime64(min(times), "s")
        last = np.datetime64(max(times), "s")
        pad = max(np.timedelta64(MIN_SPAN_DAYS * 86400, "s") - (last - first), np.timedelta64(0))
        pad = max(pad / 2, np.timedelta64(86400, "s"))  # a day's margin at least
        lo, hi = date2num([first - pad, last + pad])  # type: ignore[no-untyped-call]
        ax.set_xlim(float(lo), float(hi))
    locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def fppa_trend_figure(
    title: str, trends: Mapping[str, Trend], *, sdc_deg: Mapping[str, float]
) -> Figure:
    """Peak FPPA per side over time, every rep as a small dot, the first value's SDC band
    (``sdc_deg`` per side: the detectable change the comparison of that side used)."""
    fig = Figure(figsize=(9.0, 3.4), layout="constrained")
    ax = fig.add_subplot()
    for side, trend in trends.items():
        colour = _rgb(SIDE_RGB[side])
        pts = [(t, v) for t, v, _ in trend if v is not None]
        for t, _, reps in trend:
            when = np.full(len(reps), np.datetime64(t, "s"))
            ax.scatter(when, reps, s=12, color=colour, alpha=0.35, linewidths=0)
        if not pts:
            continue
        ax.plot(*zip(*pts, strict=True), "o-", color=colour, lw=2, label=f"{side} worst rep")
        first, sdc = pts[0][1], sdc_deg[side]
        ax.axhspan(first - sdc, first + sdc, color=colour, alpha=0.10, lw=0,
                   label=f"{side}: first ± {sdc:.1f}° (no real change)")  # fmt: skip
        ax.axhline(first, color=colour, lw=0.8, ls="--", alpha=0.7)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel("knee angle, FPPA (°)\n+ = caving in")
    ax.grid(alpha=0.25)
    _dates(ax, [t for trend in trends.values() for t, _, _ in trend])
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    return fig


def pain_figure(series: Mapping[str, Sequence[tuple[date, int]]]) -> Figure:
    """Pain 0-10 over time: before, during and after sessions, and check-ins."""
    fig = Figure(figsize=(8.0, 2.8), layout="constrained")
    ax = fig.add_subplot()
    for name, points in series.items():
        if points:
            ax.plot(*zip(*sorted(points), strict=True), "o-", ms=4, lw=1.5,
                    color=_rgb(PAIN_RGB[name]), label=name)  # fmt: skip
    ax.set_ylim(-0.3, 10.3)
    ax.set_ylabel("pain (0-10)")
    ax.grid(alpha=0.25)
    _dates(ax, [d for points in series.values() for d, _ in points])
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=4)
    return fig


def adherence_figure(weeks: Sequence[tuple[date, int, int]]) -> Figure:
    """Per week (its Monday): sessions planned (outline) and done (filled)."""
    fig = Figure(figsize=(8.0, 2.4), layout="constrained")
    ax = fig.add_subplot()
    x = list(range(len(weeks)))
    ax.bar(x, [p for _, p, _ in weeks], width=0.7, fill=False, edgecolor="0.35", label="planned")
    ax.bar(x, [d for _, _, d in weeks], width=0.5, color=_rgb((0, 158, 115)), label="done")
    ax.set_xticks(x, [f"{w:%d %b}" for w, _, _ in weeks], fontsize=8)
    ax.set_ylabel("sessions")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(0, max([p for _, p, _ in weeks] + [1]) + 1)
    ax.legend(loc="upper right", fontsize=8, frameon=False, ncols=2)
    return fig


def figure_uri(fig: Figure) -> str:
    return png_uri(figure_png(fig))


def render_progress(context: Mapping[str, object], path: str | Path) -> Path:
    """Write the progress page for ``context`` to ``path`` and return ``path``."""
    env = environment()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, env.get_template(TEMPLATE).render(context))
    return path
