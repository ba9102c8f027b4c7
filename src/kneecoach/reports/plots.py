"""Pictures for ``report.html``: the time-series figure and the worst-moment stills.

The figure is a matplotlib :class:`~matplotlib.figure.Figure` built without
pyplot (no global state, no GUI backend); the stills are RGB ``uint8``
arrays drawn with OpenCV. Left is blue and right orange everywhere (the
Okabe-Ito colour-blind-safe pair of :data:`~kneecoach.reports.overlay.SIDE_RGB`).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.typing import ColorType

from kneecoach.assessment.model import Assessment, RepReading
from kneecoach.core.files import write_bytes
from kneecoach.core.movement_tests import headline
from kneecoach.core.schema import SIDES, SKELETON, Side
from kneecoach.metrics.frames import FRONTAL_VIEWS
from kneecoach.reports.numbers import number
from kneecoach.reports.overlay import SIDE_RGB
from kneecoach.reports.text import put_text, text_width

RGBImage = npt.NDArray[np.uint8]

#: Okabe-Ito bluish green: the "typical range" band.
RANGE_RGB = (0, 158, 115)
#: The worst-moment still is at most this tall, header band included.
MAX_HEIGHT_PX = 800
#: Small crops are enlarged up to this height (at most 3x) so the knee is big.
MIN_PICTURE_PX = 480
HEADER_PX = 92
CANVAS_GREY = 235
INK = (25, 25, 25)


def _rgb(rgb: tuple[int, int, int]) -> tuple[float, float, float]:
    return rgb[0] / 255, rgb[1] / 255, rgb[2] / 255


# --------------------------------------------------------------------------- time series


def _column(frames: pd.DataFrame, name: str) -> npt.NDArray[np.float64]:
    """``frames[name]`` as floats (NaN where invalid); all NaN when the column is absent."""
    if name not in frames.columns:
        return np.full(len(frames), np.nan)
    return np.asarray(pd.to_numeric(frames[name], errors="coerce"), dtype=np.float64)


def _side_reps(summary: Assessment, side: Side) -> list[RepReading]:
    info = summary.sides.get(side)
    return info.reps if info is not None else []


def _range(summary: Assessment, side: Side) -> tuple[float, float] | None:
    info = summary.sides.get(side)
    return info.classification.range_deg if info is not None else None


def timeseries_caption(summary: Assessment) -> tuple[str, str]:
    """The figure's (alt text, caption): what :func:`timeseries_figure` draws, no more."""
    knee = (
        "Knee over the foot" if headline(summary.test) == "knee_over_foot" else "Knee angle (FPPA)"
    )
    alt = (
        f"{knee} and pelvic drop of each leg over the clip, with each rep shaded and its "
        "reading marked by a dot."
    )
    band = any(_range(summary, s) for s in SIDES)
    caption = (
        "Left knee blue, right knee orange. Shaded: the reps; dots: the value read for each "
        f"rep; {'green band: the typical range; ' if band else ''}dashed: zero."
    )
    return alt, caption


def _spans(summary: Assessment) -> list[tuple[float, float, int, str | None]]:
    """Rep spans ``(start, end, index, side)``; side None when both legs share the rep."""
    spans: dict[tuple[float, float], tuple[int, str | None]] = {}
    for side in SIDES:
        for rep in _side_reps(summary, side):
            start, end = rep.start_time_s, rep.end_time_s
            if start is None or end is None:
                continue
            key = (start, end)
            spans[key] = (rep.index, None if key in spans else side)
    return [(s, e, i, side) for (s, e), (i, side) in sorted(spans.items())]


def _not_measured(ax: Axes, what: str, view: str | None) -> None:
    if view and view not in FRONTAL_VIEWS:
        why = f"The camera view is {view}; this needs a frontal or rear view"
    else:
        why = "No valid values (keypoints too uncertain, or out of view)"
    ax.text(
        0.5,
        0.5,
        f"{what}: not measured in this clip.\n{why}.",
        transform=ax.transAxes,
        ha="center",
        va="center",
        fontsize=10,
        color="0.3",
        bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.85, "pad": 4},
    )
    ax.set_yticks([])


def _shade(ax: Axes, spans: Iterable[tuple[float, float, int, str | None]], *, label: bool) -> None:
    spans = list(spans)
    for start, end, _, side in spans:
        colour = _rgb(SIDE_RGB[side]) if side else (0.5, 0.5, 0.5)
        ax.axvspan(start, end, color=colour, alpha=0.09, lw=0, zorder=0)
    named = [((s + e) / 2, f"rep {i}") for s, e, i, _ in spans if i is not None]
    if label and named:  # rep numbers above the panel, clear of the data
        top = ax.secondary_xaxis("top")
        top.set_xticks([x for x, _ in named], labels=[n for _, n in named])
        top.tick_params(length=0, labelsize=8, labelcolor="0.35")


def _dots(
    ax: Axes, points: list[tuple[float, float]], colour: ColorType, *, label: str | None
) -> None:
    if points:
        xs, ys = zip(*points, strict=True)
        ax.plot(xs, ys, "o", ms=7, mfc=colour, mec="black", mew=0.8, zorder=5, label=label)


def _side_panel(
    ax: Axes,
    t: npt.NDArray[np.float64],
    frames: pd.DataFrame,
    summary: Assessment,
    *,
    column: str,
    rep_key: str,
    rep_time_key: str,
    what: str,
) -> bool:
    """One panel with a line per side and a dot per rep reading; False when all NaN."""
    series = {side: _column(frames, column.format(side=side)) for side in SIDES}
    if not any(np.isfinite(y).any() for y in series.values()):
        _not_measured(ax, what, summary.view)
        return False
    for side, y in series.items():
        colour = _rgb(SIDE_RGB[side])
        if np.isfinite(y).any():
            ax.plot(t, y, "-", lw=1.8, color=colour, label=f"{side}")
        else:
            ax.plot([], [], "-", lw=1.8, color=colour, alpha=0.4, label=f"{side}: not measured")
        points = []
        for rep in _side_reps(summary, side):
            value = number(getattr(rep, rep_key))
            when = number(getattr(rep, rep_time_key))
            when = when if when is not None else rep.time_s
            if value is not None and when is not None:
                points.append((when, value))
        _dots(ax, points, colour, label=f"{side}: reading per rep" if points else None)
    ax.axhline(0, color="0.3", ls="--", lw=1, zorder=1)
    return True


def timeseries_figure(frames: pd.DataFrame, summary: Assessment) -> Figure:
    """FPPA, pelvic drop and (when measured) KASR over time, with reps and readings marked.

    For the tests whose headline is the knee over the foot (squat-type tests)
    the first panel is the knee shift over the foot, the measure their report
    reads, instead of FPPA. Each rep's span is shaded and its reading marked
    with a dot; the typical FPPA range, where one is published, is a light
    green band. A measure with no valid value at all
    (the view cannot support it) gets a sentence instead of an empty plot.
    """
    t = _column(frames, "time_s")
    if not np.isfinite(t).any():
        t = np.arange(len(frames), dtype=np.float64)
    kasr = _column(frames, "kasr")
    show_kasr = bool(np.isfinite(kasr).any())
    n = 3 if show_kasr else 2
    fig = Figure(figsize=(10, 2.5 * n + 0.6), layout="constrained")
    axes: list[Axes] = list(fig.subplots(n, 1, sharex=True, squeeze=False)[:, 0])
    spans = _spans(summary)
    for i, ax in enumerate(axes):
        _shade(ax, spans, label=i == 0)
        ax.grid(alpha=0.3)

    ax = axes[0]
    if headline(summary.test) == "knee_over_foot":  # what the report reads, not FPPA
        _side_panel(
            ax, t, frames, summary, column="knee_over_foot_{side}_pct",
            rep_key="knee_over_foot_worst_pct", rep_time_key="knee_over_foot_worst_time_s",
            what="Knee over the foot",
        )  # fmt: skip
        ax.set_ylabel("knee over foot (% leg)")
        ax.set_title(
            "Knee over the foot: + = knee inside the span from midfoot to toes, − = outside, "
            "0 = over the foot; % of leg length",
            loc="left",
            fontsize=10,
        )
    else:
        for k, rng in enumerate(dict.fromkeys(r for s in SIDES if (r := _range(summary, s)))):
            label = "typical range" if k == 0 else None
            ax.axhspan(*rng, color=_rgb(RANGE_RGB), alpha=0.15, lw=0, zorder=0.5, label=label)
        _side_panel(
            ax, t, frames, summary, column="fppa_{side}_deg", rep_key="fppa_deg",
            rep_time_key="fppa_time_s", what="Knee angle (FPPA)",
        )  # fmt: skip
        ax.set_ylabel("FPPA (°)")
        ax.set_title(
            "Knee angle (FPPA): + = knee inside the hip–ankle line", loc="left", fontsize=10
        )

    ax = axes[1]
    _side_panel(
        ax, t, frames, summary, column="pelvic_drop_{side}_deg", rep_key="pelvic_drop_deg",
        rep_time_key="time_s", what="Pelvic drop",
    )  # fmt: skip
    ax.set_ylabel("pelvic drop (°)")
    ax.set_title("Pelvic drop: + = the other hip lower", loc="left", fontsize=10)

    if show_kasr:
        ax = axes[2]
        ax.plot(t, kasr, "-", lw=1.8, color="0.25", label="KASR")
        seen: dict[float, float] = {}
        for side in SIDES:
            for rep in _side_reps(summary, side):
                value, when = rep.kasr, rep.time_s
                if value is not None and when is not None:
                    seen[when] = value
        _dots(ax, sorted(seen.items()), "0.25", label="reading per rep" if seen else None)
        ax.axhline(1, color="0.3", ls="--", lw=1, label="knees as far apart as ankles")
        ax.set_ylabel("KASR")
        ax.set_title(
            "Knee-to-ankle separation ratio: below 1 = knees closer together than the feet",
            loc="left",
            fontsize=10,
        )
    for ax in axes:
        handles, _ = ax.get_legend_handles_labels()
        if handles:
            ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1), frameon=False)
    axes[-1].set_xlabel("time (s)")
    finite = t[np.isfinite(t)]
    if finite.size > 1 and finite[-1] > finite[0]:
        axes[-1].set_xlim(finite[0], finite[-1])
    return fig


def figure_png(fig: Figure, *, dpi: int = 110) -> bytes:
    """``fig`` as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white")
    return buf.getvalue()


# --------------------------------------------------------------------------- worst moment


@dataclass(frozen=True)
class Crop:
    """Where the person is cut from the source and how it is scaled into the still.

    Source pixel ``(x, y)`` lands at :meth:`to_output` in the still; ``left``
    and ``top`` are the still's padding and header band.
    """

    x0: int
    y0: int
    x1: int
    y1: int
    scale: float
    left: int = 0
    top: int = HEADER_PX

    def to_output(self, x: float, y: float) -> tuple[float, float]:
        """Source pixel → still pixel."""
        return (x - self.x0) * self.scale + self.left, (y - self.y0) * self.scale + self.top


def _finite_points(xy: Mapping[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    return {
        k: (float(v[0]), float(v[1]))
        for k, v in xy.items()
        if len(v) == 2 and np.isfinite(v[0]) and np.isfinite(v[1])
    }


def person_crop(
    xy: Mapping[str, tuple[float, float]], size: tuple[int, int], *, margin: float = 0.12
) -> Crop:
    """The bounding box of the keypoints inside an image of ``size`` (width, height).

    The box gets ``margin`` (of its height) on every side, is widened to at
    least 0.55 of its height (room for the text), and is scaled so that the
    still (header included) is at most :data:`MAX_HEIGHT_PX` tall.
    """
    w, h = max(1, int(size[0])), max(1, int(size[1]))
    pts = np.array(list(_finite_points(xy).values()), dtype=np.float64).reshape(-1, 2)
    inside = pts[(pts[:, 0] >= 0) & (pts[:, 0] < w) & (pts[:, 1] >= 0) & (pts[:, 1] < h)]
    if len(inside) >= 2:
        (bx0, by0), (bx1, by1) = inside.min(axis=0), inside.max(axis=0)
        pad = margin * max(by1 - by0, bx1 - bx0, 20.0)
        bx0, bx1 = bx0 - pad, bx1 + pad
        by0, by1 = by0 - pad, by1 + pad
        min_w = 0.55 * (by1 - by0)
        if bx1 - bx0 < min_w:
            mid = (bx0 + bx1) / 2
            bx0, bx1 = mid - min_w / 2, mid + min_w / 2
        x0, y0 = max(0, int(np.floor(bx0))), max(0, int(np.floor(by0)))
        x1, y1 = min(w, int(np.ceil(bx1))), min(h, int(np.ceil(by1)))
    else:
        x0, y0, x1, y1 = 0, 0, w, h
    crop_h = max(1, y1 - y0)
    room = MAX_HEIGHT_PX - HEADER_PX
    if crop_h > room:
        scale = room / crop_h
    elif crop_h < MIN_PICTURE_PX:
        scale = min(3.0, MIN_PICTURE_PX / crop_h)
    else:
        scale = 1.0
    return Crop(x0, y0, max(x1, x0 + 1), max(y1, y0 + 1), scale)


def _dashed(
    img: RGBImage,
    p0: tuple[float, float],
    p1: tuple[float, float],
    colour: tuple[int, int, int],
    thickness: int,
    *,
    dash: float,
) -> None:
    length = float(np.hypot(p1[0] - p0[0], p1[1] - p0[1]))
    n = max(1, int(length // (2 * dash)))
    for i in range(n + 1):
        a, b = 2 * i * dash / max(length, 1e-9), (2 * i + 1) * dash / max(length, 1e-9)
        if a >= 1:
            break
        b = min(b, 1.0)
        q0 = (round(p0[0] + a * (p1[0] - p0[0])), round(p0[1] + a * (p1[1] - p0[1])))
        q1 = (round(p0[0] + b * (p1[0] - p0[0])), round(p0[1] + b * (p1[1] - p0[1])))
        cv2.line(img, q0, q1, colour, thickness, cv2.LINE_AA)


def angle_text(side: str, fppa_deg: float) -> str:
    """``Right knee: 14° inward`` (positive = valgus) or ``Left knee: 4° outward``."""
    who = f"{side.capitalize()} knee"
    if not np.isfinite(fppa_deg):
        return f"{who}: angle not measured"
    degrees = round(abs(fppa_deg))
    if degrees == 0:
        return f"{who}: 0° (in line with hip and ankle)"
    return f"{who}: {degrees}° {'inward' if fppa_deg > 0 else 'outward'}"


def shift_text(side: str, over_foot_pct: float) -> str:
    """``Left knee: 6% of leg length inside its foot`` (science.md §1.5)."""
    who = f"{side.capitalize()} knee"
    if not np.isfinite(over_foot_pct):
        return f"{who}: knee over the foot not measured"
    if abs(over_foot_pct) < 0.5:
        return f"{who}: over its foot"
    way = "inside" if over_foot_pct > 0 else "outside"
    return f"{who}: {abs(over_foot_pct):.0f}% of leg length {way} its foot"


def _as_rgb(image: npt.NDArray[np.generic] | None, size: tuple[int, int]) -> RGBImage:
    if image is None:
        w, h = max(1, int(size[0])), max(1, int(size[1]))
        return np.full((h, w, 3), CANVAS_GREY, dtype=np.uint8)
    img = np.asarray(image)
    if img.dtype != np.uint8:
        img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    return np.ascontiguousarray(img[:, :, :3])


def worst_moment_image(
    image: npt.NDArray[np.generic] | None,
    xy: Mapping[str, tuple[float, float]],
    side: str,
    fppa_deg: float,
    time_s: float,
    canvas_size: tuple[int, int],
    *,
    rep: int | None = None,
    title: str | None = None,
    foot: bool = False,
) -> RGBImage:
    """A still of one worst moment: the person cropped, the measured leg drawn, the angle.

    ``image`` is the RGB video frame, or None for keypoint-only inputs (then a
    light grey canvas of ``canvas_size`` = (width, height) stands in). ``xy``
    maps keypoint names to source pixels (NaN = missing). The hip-knee-ankle
    lines of ``side`` are drawn thick in its colour, the other leg thin, and a
    faint dashed line from hip to ankle shows where a straight leg would be.
    ``rep`` names the rep ("Rep 3 at 7.52 s"); ``title`` replaces the angle
    (the knee over the foot, for squats). ``foot``: instead of the straight-leg line, the
    knee-over-foot picture (science.md §1.5): the foot from midfoot to toes as a bar and a
    dashed line straight down from the knee.
    """
    return worst_moment(image, xy, side, fppa_deg, time_s, canvas_size, rep=rep, title=title,
                        foot=foot)[0]  # fmt: skip


def worst_moment(
    image: npt.NDArray[np.generic] | None,
    xy: Mapping[str, tuple[float, float]],
    side: str,
    fppa_deg: float,
    time_s: float,
    canvas_size: tuple[int, int],
    *,
    rep: int | None = None,
    title: str | None = None,
    foot: bool = False,
) -> tuple[RGBImage, Crop]:
    """:func:`worst_moment_image` and where source pixels landed in it."""
    src = _as_rgb(image, canvas_size)
    h, w = src.shape[:2]
    crop = person_crop(xy, (w, h))
    piece = src[crop.y0 : crop.y1, crop.x0 : crop.x1]
    out_w = max(1, round(piece.shape[1] * crop.scale))
    out_h = max(1, round(piece.shape[0] * crop.scale))
    interp = cv2.INTER_AREA if crop.scale < 1 else cv2.INTER_CUBIC
    picture = np.asarray(cv2.resize(piece, (out_w, out_h), interpolation=interp), dtype=np.uint8)

    title = title or angle_text(side, fppa_deg)
    when = f"Rep {rep} at {time_s:.2f} s" if rep is not None else f"at {time_s:.2f} s"
    shows = (
        "straight down from the knee; bar: the foot, midfoot to toes"
        if foot
        else ("where a straight leg would be")
    )
    subtitle = f"{when}  -  dashed: {shows}"
    title_w = text_width(title, 1.1, 3) + 40
    sub_w = text_width(subtitle, 0.55, 1) + 40
    total_w = max(out_w, title_w, sub_w)
    left = (total_w - out_w) // 2
    still = np.full((HEADER_PX + out_h, total_w, 3), 255, dtype=np.uint8)
    still[HEADER_PX:, left : left + out_w] = picture
    if left:  # the padding beside a narrow picture: the canvas grey, not white
        still[HEADER_PX:, :left] = CANVAS_GREY
        still[HEADER_PX:, left + out_w :] = CANVAS_GREY
    crop = Crop(crop.x0, crop.y0, crop.x1, crop.y1, crop.scale, left, HEADER_PX)
    _draw_legs(still, crop, _finite_points(xy), side, foot=foot)

    colour = SIDE_RGB.get(side, (120, 120, 120))
    cv2.rectangle(still, (0, 0), (11, HEADER_PX - 1), colour, -1)
    put_text(still, title, (24, 44), 1.1, INK, 3)
    put_text(still, subtitle, (24, 76), 0.55, (70, 70, 70), 1)
    cv2.line(still, (0, HEADER_PX - 1), (total_w, HEADER_PX - 1), (200, 200, 200), 1)
    return still, crop


Point = tuple[int, int] | None


def _chain(img: RGBImage, points: Sequence[Point], colour: tuple[int, int, int], px: int) -> None:
    """Lines between consecutive points, skipping missing ones."""
    for pa, pb in zip(points, points[1:], strict=False):
        if pa and pb:
            cv2.line(img, pa, pb, colour, px, cv2.LINE_AA)


def _draw_legs(
    still: RGBImage, crop: Crop, pts: dict[str, tuple[float, float]], side: str, *, foot: bool
) -> None:
    def at(name: str) -> Point:
        if name not in pts:
            return None
        x, y = crop.to_output(*pts[name])
        return round(x), round(y)

    size = still.shape[0]
    thick, thin = max(4, round(size / 110)), max(2, round(size / 330))
    legs = {
        (f"{s}_{a}", f"{s}_{b}") for s in SIDES for a, b in (("hip", "knee"), ("knee", "ankle"))
    }
    for a, b in SKELETON:  # context: torso, arms, feet in thin grey
        if (a, b) not in legs:
            _chain(still, [at(a), at(b)], (150, 150, 150), thin)
    for other in SIDES:
        if other != side:
            _chain(
                still, [at(f"{other}_{j}") for j in ("hip", "knee", "ankle")], SIDE_RGB[other], thin
            )
    hip, knee, ankle = (at(f"{side}_{j}") for j in ("hip", "knee", "ankle"))
    colour = SIDE_RGB.get(side, (120, 120, 120))
    toe = at(f"{side}_foot_index")
    over_foot = foot and knee and ankle and toe
    if not over_foot and hip and ankle:  # the straight-leg reference, faint, blended in
        layer = still.copy()
        _dashed(layer, hip, ankle, (40, 40, 40), thin + 2, dash=3 * thick)
        _dashed(layer, hip, ankle, (255, 255, 255), thin, dash=3 * thick)
        still[:] = np.asarray(cv2.addWeighted(layer, 0.7, still, 0.3, 0), dtype=np.uint8)
    _chain(still, [hip, knee, ankle], colour, thick)
    for p in (hip, knee, ankle):
        if p:
            cv2.circle(still, p, round(1.3 * thick), colour, -1, cv2.LINE_AA)
            cv2.circle(still, p, round(1.3 * thick), (255, 255, 255), 1, cv2.LINE_AA)
    if over_foot and knee and ankle and toe:  # on top: the knee over its foot (science.md §1.5)
        mid = ((ankle[0] + toe[0]) // 2, (ankle[1] + toe[1]) // 2)
        cv2.line(still, mid, toe, (40, 40, 40), thick + 4, cv2.LINE_AA)
        cv2.line(still, mid, toe, colour, thick, cv2.LINE_AA)
        plumb = (knee[0], max(mid[1], toe[1]) + thick)
        _dashed(still, knee, plumb, (40, 40, 40), thin + 2, dash=2 * thick)
        _dashed(still, knee, plumb, (255, 255, 255), thin, dash=2 * thick)


def save_png(array: npt.NDArray[np.generic], path: str | Path) -> Path:
    """Write an RGB ``uint8`` array as PNG; returns the path."""
    path = Path(path)
    ok, buf = cv2.imencode(".png", cv2.cvtColor(np.ascontiguousarray(array), cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError(f"could not encode a PNG for {path}")
    write_bytes(path, buf.tobytes())
    return path
