"""An exercise's picture, drawn as SVG from the body model and the angles in the library.

The start pose is drawn pale, the end pose solid, and an arrow shows the path
of the part that moves most; the equipment (band, ball, step, wall, roller,
weights) is drawn where the picture says. Only plain SVG shapes are used (line,
circle, rect, polygon, a quadratic path), so fpdf2 can place the same picture in
the PDF worksheet. Everything is fitted into the picture's box; nothing is
downloaded.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from html import escape

import numpy as np

from kneecoach.program.models import Exercise, Library, Picture
from kneecoach.reports import body_model as bm

WIDTH_PX = 240.0
HEIGHT_PX = 180.0
MARGIN_PX = 10.0
STEP_H = 0.12
BALL_R = {"knees": 0.05, "heels": 0.09}
BALL_R_DEFAULT = 0.06
ROLLER_R = 0.055

GHOST = "#cdd5df"
NEAR = "#1f3b5c"
FAR = "#7d97b5"
BAND = "#d1364f"
BALL = "#f0b23c"
ROLLER = "#8a6fb0"
WEIGHT = "#333a44"
STEP = "#c9b48e"
GROUND = "#8b939c"
MAT = "#eef1f4"
#: a ring's stroke, as a share of its radius
RING_W = 0.13
ARROW = "#e07a1f"

#: body points an arrow may follow, the most telling first
MOVERS = (
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_hand",
    "right_hand",
    "pelvis",
    "head",
)


@dataclass
class _Scene:
    """Shapes in body units (u right, v up on the picture), fitted to pixels at the end."""

    shapes: list[tuple[str, dict[str, object], list[tuple[float, float]]]] = field(
        default_factory=list
    )

    def line(self, a: tuple[float, float], b: tuple[float, float], colour: str, width: float
             ) -> None:  # fmt: skip
        self.shapes.append(("line", {"stroke": colour, "w": width}, [a, b]))

    def circle(self, c: tuple[float, float], r: float, fill: str) -> None:
        self.shapes.append(("circle", {"fill": fill, "r": r}, [c]))

    def ring(self, c: tuple[float, float], r: float, stroke: str) -> None:
        self.shapes.append(("ring", {"stroke": stroke, "r": r + 0.012 / 2}, [c]))

    def polygon(self, pts: Sequence[tuple[float, float]], fill: str) -> None:
        self.shapes.append(("polygon", {"fill": fill}, list(pts)))

    def curve(self, pts: Sequence[tuple[float, float]], colour: str, width: float) -> None:
        self.shapes.append(("curve", {"stroke": colour, "w": width}, list(pts)))

    def extent(self) -> tuple[float, float, float, float]:
        us: list[float] = []
        vs: list[float] = []
        for _kind, attrs, pts in self.shapes:
            pad = float(attrs.get("r", 0.0)) + float(attrs.get("w", 0.0)) / 2  # type: ignore[arg-type]
            for u, v in pts:
                us += [u - pad, u + pad]
                vs += [v - pad, v + pad]
        return min(us), max(us), min(vs), max(vs)


@dataclass(frozen=True)
class _Placed:
    """One pose's points, placed on the floor and projected."""

    world: dict[str, bm.Vec]
    flat: dict[str, tuple[float, float]]
    depth: dict[str, float]


def _step_box(pic: Picture, pts: dict[str, bm.Vec]) -> tuple[float, float, float, float] | None:
    """The step's (x0, x1, z0, z1) under its foot in the start pose."""
    if pic.step is None:
        return None
    heel, toe = pts[f"{pic.step}_heel"], pts[f"{pic.step}_toe"]
    x = float(heel[0] + toe[0]) / 2
    return x - 0.1, x + 0.1, min(heel[2], toe[2]) - 0.07, max(heel[2], toe[2]) + 0.06


def _support(box: tuple[float, float, float, float] | None, p: bm.Vec) -> float:
    if box is None:
        return 0.0
    x0, x1, z0, z1 = box
    return STEP_H if x0 <= p[0] <= x1 and z0 <= p[2] <= z1 else 0.0


def _ball_centre(pic: Picture, pts: dict[str, bm.Vec]) -> tuple[bm.Vec, float] | None:
    if pic.ball is None:
        return None
    r = BALL_R.get(pic.ball, BALL_R_DEFAULT)
    c = bm.point_of(pic.ball, pts)
    if pic.ball == "heels":  # the heels rest on it
        return c - np.array([0.0, r + 0.01, 0.0]), r
    if pic.wall == "front":  # pressed between the body and the wall
        return c + np.array([0.0, 0.0, r]), r
    return c, r


def _lowest(
    pic: Picture, pts: dict[str, bm.Vec], box: tuple[float, float, float, float] | None
) -> float:
    """How far the figure (and what it rests on) reaches below its support."""
    low = float(pts["head"][1]) - bm.HEAD_R - _support(box, pts["head"])
    for a, b, kind in bm.SEGMENTS:
        half = 0.0 if kind == "foot" else bm.WIDTH[kind] / 2
        for p in (pts[a], pts[b]):
            low = min(low, float(p[1]) - half - _support(box, p))
    ball = _ball_centre(pic, pts)
    if ball is not None and pic.ball == "heels":
        low = min(low, float(ball[0][1]) - ball[1])
    if pic.roller is not None:
        under = bm.point_of(pic.roller, pts)
        low = min(low, float(under[1]) - bm.WIDTH["thigh"] / 2 - 2 * ROLLER_R)
    return low


def _place(
    pic: Picture,
    angles: bm.Angles,
    cam: bm.Camera,
    origin: bm.Vec | None,
    box: tuple[float, float, float, float] | None,
) -> tuple[_Placed, bm.Vec]:
    pts = bm.points(angles)
    fixed = bm.point_of(pic.fixed, pts)
    shift = -fixed if origin is None else origin - fixed
    shift[1] = 0.0
    pts = {k: v + shift for k, v in pts.items()}
    lift = -_lowest(pic, pts, box)
    pts = {k: v + np.array([0.0, lift, 0.0]) for k, v in pts.items()}
    flat: dict[str, tuple[float, float]] = {}
    depth: dict[str, float] = {}
    for k, v in pts.items():
        u, w, d = cam.project(v)
        flat[k], depth[k] = (u, w), d
    return _Placed(pts, flat, depth), bm.point_of(pic.fixed, pts)


def _figure(scene: _Scene, pose: _Placed, *, ghost: bool) -> None:
    near_side = "left" if pose.depth["left_hip"] > pose.depth["right_hip"] else "right"
    level = abs(pose.depth["left_hip"] - pose.depth["right_hip"]) < 0.05
    order = sorted(bm.SEGMENTS, key=lambda s: (pose.depth[s[0]] + pose.depth[s[1]]) / 2)
    head_depth = pose.depth["head"]
    head_drawn = False
    for a, b, kind in order:
        if not head_drawn and (pose.depth[a] + pose.depth[b]) / 2 > head_depth:
            scene.circle(pose.flat["head"], bm.HEAD_R, GHOST if ghost else NEAR)
            head_drawn = True
        if ghost:
            colour = GHOST
        elif level or a.startswith(near_side) or kind in ("trunk", "hips", "shoulders"):
            colour = NEAR
        else:
            colour = FAR
        scene.line(pose.flat[a], pose.flat[b], colour, bm.WIDTH[kind])
    if not head_drawn:
        scene.circle(pose.flat["head"], bm.HEAD_R, GHOST if ghost else NEAR)


def _arrows(scene: _Scene, start: _Placed, end: _Placed) -> None:
    moved = {k: math.dist(start.flat[k], end.flat[k]) for k in MOVERS}
    best = max(moved, key=lambda k: moved[k])
    if moved[best] < 0.03:
        return
    chosen = [best]
    for side, other in (("left_", "right_"), ("right_", "left_")):
        twin = best.replace(side, other)
        if best.startswith(side) and moved[twin] >= 0.8 * moved[best]:
            chosen.append(twin)
    for name in chosen:
        _arrow(scene, start.flat[name], end.flat[name])


def _arrow(scene: _Scene, a: tuple[float, float], b: tuple[float, float]) -> None:
    """A gently curved arrow from a to b, its head at b."""
    (ax, ay), (bx, by) = a, b
    length = math.dist(a, b)
    nx, ny = -(by - ay) / length, (bx - ax) / length
    bend = 0.18 * length
    cx, cy = (ax + bx) / 2 + nx * bend, (ay + by) / 2 + ny * bend
    scene.curve([(ax, ay), (cx, cy), (bx, by)], ARROW, 0.014)
    tx, ty = bx - cx, by - cy
    t = math.hypot(tx, ty) or 1.0
    tx, ty = tx / t, ty / t
    size = min(0.045, 0.5 * length)
    base = (bx - tx * size, by - ty * size)
    scene.polygon(
        [
            (bx, by),
            (base[0] - ty * size * 0.55, base[1] + tx * size * 0.55),
            (base[0] + ty * size * 0.55, base[1] - tx * size * 0.55),
        ],
        ARROW,
    )


def _equipment_below(
    scene: _Scene,
    pic: Picture,
    cam: bm.Camera,
    poses: Sequence[_Placed],
    box: tuple[float, float, float, float] | None,
) -> None:
    """Floor, step, wall: drawn behind the figure."""

    def flat(p: Iterable[float]) -> tuple[float, float]:
        u, v, _ = cam.project(np.array(list(p), dtype=float))
        return u, v

    every = [p for pose in poses for p in pose.world.values()]
    xs = [float(p[0]) for p in every]
    zs = [float(p[2]) for p in every]
    if box is not None:
        x0, x1, z0, z1 = box
        top = [flat((x, STEP_H, z)) for x, z in ((x0, z0), (x1, z0), (x1, z1), (x0, z1))]
        bottom = [flat((x, 0.0, z)) for x, z in ((x0, z0), (x1, z0), (x1, z1), (x0, z1))]
        for i in range(4):
            j = (i + 1) % 4
            scene.polygon([bottom[i], bottom[j], top[j], top[i]], STEP)
        scene.polygon(top, STEP)
    if pic.wall is not None:
        height = max(float(p[1]) for p in every) + 0.05
        ball = _ball_centre(pic, poses[-1].world)
        reach = [*every, *([ball[0] + ball[1]] if ball else [])]
        if pic.wall in ("front", "behind"):
            z = max(float(p[2]) for p in reach) if pic.wall == "front" else min(zs)
            span = [(x, z) for x in (min(xs) - 0.1, max(xs) + 0.1)]
        else:
            x = max(xs) if pic.wall == "left" else min(xs)
            span = [(x, z) for z in (min(zs) - 0.1, max(zs) + 0.1)]
        corners = [flat((x, 0.0, z)) for x, z in span] + [
            flat((x, height, z)) for x, z in reversed(span)
        ]
        scene.polygon(corners, "#e4e7eb")
        scene.line(corners[0], corners[3], GROUND, 0.01)
        scene.line(corners[1], corners[2], GROUND, 0.01)
    if pic.band is not None and "anchor" in pic.band:
        anchor = _anchor(poses[0])
        scene.line(
            flat(anchor * np.array([1.0, 0.0, 1.0])), flat(anchor + [0.0, 0.1, 0.0]), GROUND, 0.03
        )
    span = [
        (x, z)
        for x, z in (
            (min(xs) - 0.1, min(zs) - 0.1),
            (max(xs) + 0.1, min(zs) - 0.1),
            (max(xs) + 0.1, max(zs) + 0.1),
            (min(xs) - 0.1, max(zs) + 0.1),
        )
    ]
    corners = [flat((x, 0.0, z)) for x, z in span]
    if cam.elevation > 25:  # seen from high up, the floor is a mat under the body
        scene.shapes.insert(0, ("polygon", {"fill": MAT}, corners))
    else:  # a level line at the floor under the fixed point
        level = flat(bm.point_of(pic.fixed, poses[0].world) * np.array([1.0, 0.0, 1.0]))[1]
        us = [u for u, _ in corners]
        scene.line((min(us) - 0.05, level), (max(us) + 0.05, level), GROUND, 0.012)


def _anchor(pose: _Placed) -> bm.Vec:
    """Where a band is tied: beside the subject's right, at the height of the hands."""
    hands = bm.point_of("hands", pose.world)
    return np.array([float(pose.world["pelvis"][0]) - 0.7, float(hands[1]), float(hands[2])])


def _equipment_under_figure(scene: _Scene, pic: Picture, cam: bm.Camera, pose: _Placed) -> None:
    if pic.roller is not None:
        under = bm.point_of(pic.roller, pose.world)
        centre = under - np.array([0.0, bm.WIDTH["thigh"] / 2 + ROLLER_R, 0.0])
        u, v, _ = cam.project(centre)
        scene.circle((u, v), ROLLER_R, ROLLER)
    ball = _ball_centre(pic, pose.world)
    if ball is not None and pic.ball != "knees":
        u, v, _ = cam.project(ball[0])
        scene.circle((u, v), ball[1], BALL)


def _equipment_over_figure(
    scene: _Scene, pic: Picture, cam: bm.Camera, pose: _Placed, first: _Placed
) -> None:
    ball = _ball_centre(pic, pose.world)
    if ball is not None and pic.ball == "knees":  # squeezed between them: seen in front
        u, v, _ = cam.project(ball[0])
        scene.circle((u, v), ball[1], BALL)
    if pic.band is not None:
        ends = [
            cam.project(_anchor(first))[:2]
            if name == "anchor"
            else cam.project(bm.point_of(name, pose.world))[:2]
            for name in pic.band
        ]
        scene.line(ends[0], ends[1], BAND, 0.018)
        for end in ends:
            scene.circle(end, 0.016, BAND)
    for name in pic.weights:
        centre = bm.point_of(name, pose.world)
        u, v, _ = cam.project(centre)
        if name.endswith("ankle"):
            scene.line((u - 0.02, v + 0.01), (u + 0.02, v + 0.01), WEIGHT, 0.05)
        else:
            scene.line((u - 0.05, v), (u + 0.05, v), WEIGHT, 0.015)
            scene.circle((u - 0.05, v), 0.03, WEIGHT)
            scene.circle((u + 0.05, v), 0.03, WEIGHT)


def _scene(pic: Picture) -> _Scene:
    cam = bm.Camera(
        azimuth=bm.VIEWS[pic.view], elevation=75.0 if pic.view == "above" else pic.elevation
    )
    first_angles = bm.resolve(pic.start)
    raw = bm.points(first_angles)
    raw = {k: v - bm.point_of(pic.fixed, raw) * np.array([1.0, 0.0, 1.0]) for k, v in raw.items()}
    box = _step_box(pic, raw)
    start, origin = _place(pic, first_angles, cam, None, box)
    end, _ = _place(pic, bm.resolve(pic.start, pic.end), cam, origin, box)
    scene = _Scene()
    _equipment_below(scene, pic, cam, (start, end), box)
    _figure(scene, start, ghost=True)
    _equipment_under_figure(scene, pic, cam, end)
    _figure(scene, end, ghost=False)
    _equipment_over_figure(scene, pic, cam, end, start)
    _arrows(scene, start, end)
    if pic.focus is not None:
        scene.ring(
            end.flat[pic.focus]
            if pic.focus in end.flat
            else cam.project(bm.point_of(pic.focus, end.world))[:2],
            0.09,
            ARROW,
        )
    return scene


def _fmt(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class _Shape:
    """One shape in pixels (y down): points, and a radius or a stroke width."""

    kind: str
    colour: str
    pts: list[tuple[float, float]]
    size: float


def _fitted(pic: Picture, width: float, height: float) -> list[_Shape]:
    """The scene scaled and centred into a ``width`` × ``height`` box, margins kept."""
    scene = _scene(pic)
    u0, u1, v0, v1 = scene.extent()
    scale = min((width - 2 * MARGIN_PX) / (u1 - u0), (height - 2 * MARGIN_PX) / (v1 - v0))
    ox = (width - scale * (u1 - u0)) / 2 - scale * u0
    oy = (height - scale * (v1 - v0)) / 2 + scale * v1
    out = []
    for kind, attrs, pts in scene.shapes:
        colour = str(attrs["fill"] if kind in ("circle", "polygon") else attrs["stroke"])
        size = float(attrs["r"] if kind in ("circle", "ring") else attrs.get("w", 0.0))  # type: ignore[arg-type]
        flat = [(ox + scale * u, oy - scale * v) for u, v in pts]
        out.append(_Shape(kind, colour, flat, max(scale * size, 0.8) if size else 0.0))
    return out


def exercise_svg(exercise: Exercise, *, width: float = WIDTH_PX, height: float = HEIGHT_PX) -> str:
    """The exercise's picture as a standalone SVG document (start pale, end solid, arrow)."""
    return _svg(exercise.name, exercise.picture.model_dump_json(), width, height)


def exercise_png(exercise: Exercise, *, width: int = 400, height: int = 300) -> bytes:
    """The same picture as PNG, for the PDF worksheet (a PDF embeds each image once and
    places it on every page that shows it; the vector form was drawn anew each time and
    made a 53-session worksheet take 8 s). Drawn 2× larger and scaled down: anti-aliased."""
    return _png(exercise.picture.model_dump_json(), width, height)


# cached on the picture's JSON: a worksheet shows each exercise on many pages
@lru_cache(maxsize=256)
def _svg(name: str, picture: str, width: float, height: float) -> str:
    body: list[str] = []
    for sh in _fitted(Picture.model_validate_json(picture), width, height):
        xy = [(_fmt(x), _fmt(y)) for x, y in sh.pts]
        size = _fmt(sh.size)
        if sh.kind == "line":
            (x1, y1), (x2, y2) = xy
            body.append(
                f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{sh.colour}" '
                f'stroke-width="{size}" stroke-linecap="round"/>'
            )
        elif sh.kind == "circle":
            body.append(f'<circle cx="{xy[0][0]}" cy="{xy[0][1]}" r="{size}" fill="{sh.colour}"/>')
        elif sh.kind == "ring":
            w = _fmt(sh.size * RING_W)
            body.append(
                f'<circle cx="{xy[0][0]}" cy="{xy[0][1]}" r="{size}" fill="none" '
                f'stroke="{sh.colour}" stroke-width="{w}" stroke-dasharray="{w} {w}"/>'
            )
        elif sh.kind == "polygon":
            coords = " ".join(f"{x},{y}" for x, y in xy)
            body.append(f'<polygon points="{coords}" fill="{sh.colour}"/>')
        else:
            (x1, y1), (cx, cy), (x2, y2) = xy
            body.append(
                f'<path d="M {x1} {y1} Q {cx} {cy} {x2} {y2}" fill="none" '
                f'stroke="{sh.colour}" stroke-width="{size}" stroke-linecap="round"/>'
            )
    label = escape(f"{name}: start pose pale, end pose dark, the arrow shows the movement")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}" role="img" aria-label="{label}">'
        + "".join(body)
        + "</svg>"
    )


@lru_cache(maxsize=256)
def _png(picture: str, width: int, height: int) -> bytes:
    from PIL import Image, ImageDraw

    k = 2
    img = Image.new("RGB", (width * k, height * k), "white")
    draw = ImageDraw.Draw(img)

    def at(p: tuple[float, float]) -> tuple[float, float]:
        return p[0] * k, p[1] * k

    def stroke(pts: list[tuple[float, float]], colour: str, w: float) -> None:
        draw.line([at(p) for p in pts], fill=colour, width=max(1, round(w * k)), joint="curve")
        for p in (pts[0], pts[-1]):  # round caps
            x, y = at(p)
            draw.ellipse((x - w * k / 2, y - w * k / 2, x + w * k / 2, y + w * k / 2), fill=colour)

    for sh in _fitted(Picture.model_validate_json(picture), width, height):
        if sh.kind == "line":
            stroke(sh.pts, sh.colour, sh.size)
        elif sh.kind in ("circle", "ring"):
            x, y = at(sh.pts[0])
            r = sh.size * k
            if sh.kind == "circle":
                draw.ellipse((x - r, y - r, x + r, y + r), fill=sh.colour)
            else:
                draw.ellipse(
                    (x - r, y - r, x + r, y + r),
                    outline=sh.colour,
                    width=max(1, round(sh.size * RING_W * k)),
                )
        elif sh.kind == "polygon":
            draw.polygon([at(p) for p in sh.pts], fill=sh.colour)
        else:
            (ax, ay), (cx, cy), (bx, by) = sh.pts
            ts = [i / 16 for i in range(17)]
            curve = [
                (
                    (1 - t) ** 2 * ax + 2 * (1 - t) * t * cx + t**2 * bx,
                    (1 - t) ** 2 * ay + 2 * (1 - t) * t * cy + t**2 * by,
                )
                for t in ts
            ]
            stroke(curve, sh.colour, sh.size)
    buf = io.BytesIO()
    img.resize((width, height), Image.Resampling.LANCZOS).save(buf, format="PNG")
    return buf.getvalue()


def contact_sheet(library: Library, *, columns: int = 5) -> str:
    """Every exercise's picture on one SVG page, named, for reviewing the whole library."""
    cell_w, cell_h, caption = WIDTH_PX, HEIGHT_PX, 22.0
    rows = math.ceil(len(library.exercises) / columns)
    width, height = columns * cell_w, rows * (cell_h + caption)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_fmt(width)} {_fmt(height)}" '
        f'width="{_fmt(width)}" height="{_fmt(height)}">',
        f'<rect x="0" y="0" width="{_fmt(width)}" height="{_fmt(height)}" fill="#ffffff"/>',
    ]
    for i, exercise in enumerate(library.exercises):
        x, y = (i % columns) * cell_w, (i // columns) * (cell_h + caption)
        inner = exercise_svg(exercise).replace("<svg ", f'<svg x="{_fmt(x)}" y="{_fmt(y)}" ', 1)
        parts.append(inner)
        parts.append(
            f'<text x="{_fmt(x + cell_w / 2)}" y="{_fmt(y + cell_h + 14)}" text-anchor="middle" '
            f'font-family="sans-serif" font-size="11">{escape(exercise.id)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
