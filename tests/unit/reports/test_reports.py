"""report.html, the time-series figure and the worst-moment stills, on hand-built inputs."""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pandas as pd
import pytest

from kneecoach.assessment.model import Assessment
from kneecoach.reports.html import render_report
from kneecoach.reports.overlay import SIDE_RGB
from kneecoach.reports.plots import (
    MAX_HEIGHT_PX,
    angle_text,
    figure_png,
    person_crop,
    save_png,
    shift_text,
    timeseries_figure,
    worst_moment,
    worst_moment_image,
)

DISCLAIMER = (
    "kneecoach is a movement screen, not a diagnosis. 2D angles are not 3D joint angles; "
    "day-to-day noise is about 8°. See a clinician for pain or red flags."
)


def model(summary: dict[str, Any]) -> Assessment:
    """The hand-built summary as the typed assessment the report reads."""
    return Assessment.model_validate(summary)


def step(index: int, t: float) -> dict[str, Any]:
    return {
        "index": index, "frame": round(t * 60), "time_s": t, "midstance_frame": round(t * 60) + 5,
        "toe_off_frame": round(t * 60) + 12, "stance_time_s": 0.2, "step_time_s": 0.35,
        "fppa_deg": 4.0, "peak_fppa_deg": 6.0, "pelvic_drop_deg": 3.0, "hip_adduction_deg": 2.0,
        "trunk_lean_deg": 1.0, "foot_offset": 0.4, "step_width": 0.8, "crossover": False,
        "knee_flexion_contact_deg": None, "overstride_pct": None,
        "trunk_forward_lean_deg": None, "confidence": 0.9, "complete": True, "problem": None,
    }  # fmt: skip


def rep(index: int, t: float, fppa: float | None, **extra: Any) -> dict[str, Any]:
    return {
        "index": index, "frame": round(t * 60), "time_s": t, "start_time_s": t - 1.2,
        "end_time_s": t + 1.2, "complete": True, "fppa_deg": fppa, "fppa_time_s": t,
        "mkd_pct": 4.4, "pelvic_drop_deg": 4.0, "hip_adduction_deg": 1.4, "trunk_lean_deg": 1.7,
        "hip_shift_pct": 2.0, "kasr": None, "knee_hip_ratio": None, "knee_flexion_deg": None,
        "knee_over_toe_pct": None, "depth_pct": 27.9, "confidence": 0.95, "notes": [],
    } | extra  # fmt: skip


@pytest.fixture
def summary() -> dict[str, Any]:
    """Left leg worked (3 reps, one without FPPA); right leg: no reps, FPPA all NaN."""
    left_reps = [
        rep(1, 1.5, 14.0),
        rep(2, 4.5, 17.3, confidence=0.41),
        rep(3, 7.5, None, mkd_pct=None, notes=["thigh foreshortened at the bottom"]),
    ]
    return {
        "schema": "kneecoach.summary/1", "kneecoach_version": "0.2.0",
        "source": "/videos/clip <1>.mp4", "created": "2026-11-22T10:00:00+00:00",
        "test": "single-leg-squat", "test_label": "Single-leg squat",
        "test_detected": {"method": "auto", "evidence": "one foot off the floor"},
        "view": "frontal", "fps": 60.0,
        "quality": {
            "frames": 540, "duration_s": 9.0, "fps": 60.0, "detection_rate": 0.987,
            "mean_confidence": {"hips": 0.9, "knees": 0.88, "ankles": None},
            "view": "frontal", "warnings": ["filmed at 30 fps & fast moves blur"],
            "usable_for_frontal_measures": True, "view_width_ratio": 0.2,
            "facing_camera_fraction": 0.9, "whole_body_in_frame": True,
            "lower_limb_in_frame_rate": 1.0, "fps_adequacy": "good",
        },
        "measures_used": {"fppa": "read at the deepest point of each rep"},
        "sides": {
            "left": {
                "working": True, "reps": left_reps, "steps": [], "peak_fppa_deg": 17.3,
                "mean_fppa_deg": 15.7, "sd_fppa_deg": 2.3, "worst_rep": 2,
                "mean_pelvic_drop_deg": 4.0, "mean_hip_adduction_deg": 1.4,
                "classification": {
                    "label": "above the typical range", "level": "above", "range_deg": [5, 12],
                    "population": "adults", "source": "Herrington & Munro 2010",
                },
            },
            "right": {
                "working": False, "reps": [], "steps": [], "peak_fppa_deg": None,
                "mean_fppa_deg": None, "sd_fppa_deg": None, "worst_rep": None,
                "classification": {"label": "not measured", "level": "not measured",
                                   "range_deg": None, "source": None},
            },
        },
        "asymmetry": None,
        "drift": {"left": {"text": "From the first to the last rep: no real change."},
                  "right": None},
        "findings": [
            {"code": "fppa_above_range", "side": "left", "severity": "attention",
             "text": "Your left knee moves inward by 16° <script>alert('x')</script>",
             "source": "Herrington & Munro 2010"},
            {"code": "pelvic_drop", "side": "left", "severity": "attention",
             "text": "The right side of your pelvis drops by 4°.", "source": None},
        ],
        "suggestions": [{"cause": "hip", "side": "left",
                         "text": "Strengthen the hip abductors & rotators.", "source": "Crossley"}],
        "worst_moments": [
            {"time_s": 4.5, "frame": 270, "side": "left", "rep": 2, "fppa_deg": 17.3,
             "image": "worst_1.png"}
        ],
        "filming": "Film from the front.",
        "method_notes": ["FPPA = 180° minus the hip-knee-ankle angle."],
        "sources": ["Herrington & Munro 2010, https://doi.org/10.1016/j.ptsp.2009.11.004"],
        "disclaimer": DISCLAIMER,
    }  # fmt: skip


@pytest.fixture
def frames() -> pd.DataFrame:
    t = np.arange(540) / 60
    bend = np.sin(np.pi * t / 3) ** 2
    return pd.DataFrame({
        "frame": np.arange(540), "time_s": t, "depth_pct": 28 * bend,
        "fppa_left_deg": 16 * bend, "fppa_right_deg": np.nan,
        "mkd_left_pct": 4.4 * bend, "mkd_right_pct": np.nan,
        "pelvic_drop_left_deg": 4 * bend, "pelvic_drop_right_deg": np.nan,
        "hip_adduction_left_deg": 1.4 * bend, "hip_adduction_right_deg": np.nan,
        "knee_flexion_left_deg": np.nan, "knee_flexion_right_deg": np.nan,
        "kasr": np.nan, "knee_hip_ratio": np.nan, "trunk_lean_deg": 1.7 * bend,
        "hip_shift_pct": 2 * bend, "confidence_left": 0.95, "confidence_right": 0.9,
    })  # fmt: skip


#: A standing person in a 720 x 1280 portrait frame, left knee pushed inward (+x).
POSE = {
    "nose": (360.0, 180.0), "left_shoulder": (420.0, 300.0), "right_shoulder": (300.0, 300.0),
    "left_hip": (400.0, 600.0), "right_hip": (320.0, 600.0),
    "left_knee": (370.0, 800.0), "right_knee": (320.0, 800.0),
    "left_ankle": (405.0, 1000.0), "right_ankle": (320.0, 1000.0),
    "left_wrist": (float("nan"), float("nan")),
}  # fmt: skip


class Attributes(HTMLParser):
    """Every (tag, attribute, value) in a page, and the text of its script tags."""

    def __init__(self) -> None:
        super().__init__()
        self.attrs: list[tuple[str, str, str]] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs += [(tag, k, v or "") for k, v in attrs]


def parse(html: str) -> Attributes:
    parser = Attributes()
    parser.feed(html)
    return parser


def near(image: np.ndarray, xy: tuple[float, float], rgb: tuple[int, int, int], r: int) -> int:
    """How many pixels within ``r`` of ``xy`` are exactly ``rgb``."""
    x, y = round(xy[0]), round(xy[1])
    patch = image[max(0, y - r) : y + r + 1, max(0, x - r) : x + r + 1]
    return int(np.all(patch == np.array(rgb, dtype=np.uint8), axis=-1).sum())


# --------------------------------------------------------------------------- report.html


@pytest.fixture
def report(tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame) -> str:
    still = worst_moment_image(None, POSE, "left", 17.3, 4.5, (720, 1280))
    images = {"worst_1": save_png(still, tmp_path / "worst_1.png")}
    out = render_report(model(summary), frames, images, tmp_path / "report.html")
    assert out == tmp_path / "report.html"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "worst_1.png"]
    return out.read_text(encoding="utf-8")


def test_report_is_self_contained(report: str) -> None:
    page = parse(report)
    refs = [(t, k, v) for t, k, v in page.attrs if k in ("src", "href", "srcset", "action")]
    assert refs, "the page has images"
    for tag, key, value in refs:
        assert value.startswith(("data:", "#")), f"<{tag} {key}> loads {value[:60]!r}"
    assert "script" not in page.tags and "link" not in page.tags
    assert "@import" not in report and "url(" not in report
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", report)


def test_report_embeds_decodable_pngs(report: str) -> None:
    uris = [v for t, k, v in parse(report).attrs if t == "img" and k == "src"]
    assert len(uris) == 2  # the worst moment and the time series
    for uri in uris:
        assert uri.startswith("data:image/png;base64,")
        png = base64.b64decode(uri.split(",", 1)[1], validate=True)
        decoded = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None and decoded.shape[0] > 100 and decoded.shape[1] > 100
    assert all(v for t, k, v in parse(report).attrs if t == "img" and k == "alt")


def test_report_escapes_summary_text(report: str) -> None:
    assert "<script>" not in report
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in report
    assert "clip &lt;1&gt;.mp4" in report  # the file name, also escaped, without its folder
    assert "/videos/" not in report
    assert "hip abductors &amp; rotators" in report


def test_report_shows_summary_reps_and_disclaimer(report: str) -> None:
    text = re.sub(r"\s+", " ", report)
    assert "Single-leg squat" in text and "0.2.0" in text and "22 November 2026" in text
    assert DISCLAIMER.replace("'", "&#39;") in text
    # the summary comes before the details, the disclaimer last
    order = ["Summary", "The worst moments", "Over time", "Rep by rep", "What this suggests",
             "Quality check", "Method notes", "Please note"]  # fmt: skip
    positions = [text.index(f">{h}</h2>") for h in order]
    assert positions == sorted(positions)
    # left card: big mean, above-range tone, its finding as the sentence; right: not measured
    assert 'class="card tone-attention"' in text and "16°" in text
    assert "Above the typical range" in text and 'class="card tone-none"' in text
    # per-rep values, nulls as a dash with the reason, low confidence flagged
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(\d)</th>(.*?)</tr>", report, flags=re.S)
    cells = {i: re.findall(r'<td class="num">(.*?)</td>', body) for i, body in rows}
    assert cells["1"][:3] == ["1.50", "14.0", "4.4"]
    assert cells["2"][1] == "17.3" and cells["2"][-1] == "0.41"
    assert cells["3"][1] == "—" and cells["3"][2] == "—"
    assert "thigh foreshortened at the bottom" in text
    assert "low keypoint confidence" in text
    assert "Why a cell shows —" in text and "read only in two-legged tests" in text
    assert "This leg was not the working leg" in text
    assert "Left knee: From the first to the last rep: no real change." in text
    # suggestions, quality, method and sources
    assert "Strengthen the hip abductors" in text and "Source: Crossley" in text
    assert "540 frames (9.0 s)" in text and "99% of frames" in text
    assert "filmed at 30 fps &amp; fast moves blur" in text
    assert "doi.org/10.1016/j.ptsp.2009.11.004" in text  # a citation: plain text, not a link


def test_worst_moment_caption_names_its_rep(report: str) -> None:
    assert "Rep 2: Left knee, 17° inward, at 4.50 s (frame 270)" in report


def test_squat_worst_moment_shows_the_knee_over_the_foot(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame
) -> None:
    s = copy.deepcopy(summary)
    moment = {"time_s": 4.5, "frame": 270, "side": "right", "rep": 1, "fppa_deg": None}
    s["worst_moments"] = [moment | {"knee_over_foot_pct": 6.2, "image": "worst_1.png"}]
    still = worst_moment_image(None, POSE, "right", float("nan"), 4.5, (720, 1280), rep=1,
                               title=shift_text("right", 6.2))  # fmt: skip
    images = {"worst_1": save_png(still, tmp_path / "worst_1.png")}
    html = render_report(model(s), frames, images, tmp_path / "r.html").read_text("utf-8")
    assert "Rep 1: Right knee, 6% of leg length inside its foot, at 4.50 s" in html
    assert shift_text("left", -3.4) == "Left knee: 3% of leg length outside its foot"
    assert shift_text("left", 0.2) == "Left knee: over its foot"
    # the rep is named in the picture's header too
    plain = worst_moment_image(None, POSE, "right", float("nan"), 4.5, (720, 1280))
    assert plain.shape[0] == still.shape[0]
    assert (plain[:90, :300] != still[:90, :300]).any()


def test_squat_card_headlines_the_knee_over_the_foot(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame
) -> None:
    s = copy.deepcopy(summary)
    s["test"], s["test_label"] = "squat", "Squat (double-leg)"
    s["sides"]["left"] |= {"mean_fppa_deg": -58.5, "peak_knee_over_foot_pct": 10.2,
                           "knee_over_foot_noise_pct": 2.0, "knee_inward": True,
                           "mean_kasr": 1.11}  # fmt: skip
    s["sides"]["right"] = copy.deepcopy(s["sides"]["left"]) | {
        "peak_knee_over_foot_pct": None, "knee_inward": None}  # fmt: skip
    s["findings"] = []
    html = render_report(model(s), frames, {}, tmp_path / "r.html").read_text("utf-8")
    text = re.sub(r"\s+", " ", html)
    assert "58°" not in text and "knee angle (FPPA)" not in text
    assert '<p class="big">10%</p>' in text and "furthest the knee came inside its foot" in text
    assert "Inside its foot" in text  # the verdict, against the clip's noise
    assert '<p class="big">1.11</p>' in text  # not measured on the right: KASR instead
    assert "No published typical range" in text and "Above the typical range" not in text


def test_rep_table_shows_every_measured_value(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame
) -> None:
    s = copy.deepcopy(summary)
    s["sides"]["left"]["reps"] = [rep(1, 1.5, 9.0, fppa_at_contact_deg=3.2, kasr_at_contact=0.94,
                                      hold_s=6.04, knee_over_toe_pct=12.0)]  # fmt: skip
    html = render_report(model(s), frames, {}, tmp_path / "r.html").read_text("utf-8")
    headers = re.findall(r'<th scope="col">([^<]+)<span class="unit">', html)
    for name in ("Knee angle at contact", "KASR at contact", "Hold", "Knee past the toes",
                 "Hip shift", "Depth"):  # fmt: skip
        assert name in headers, name
    cells = re.findall(r'<td class="num">(.*?)</td>', html)
    for value in ("3.2", "0.94", "6.0", "12", "2.0", "28"):
        assert value in cells, value
    assert headers.index("Depth") > headers.index("Trunk lean")  # context after the knee
    assert headers.index("Knee angle at contact") == headers.index("Knee angle (FPPA)") + 1


def test_gait_drift_is_about_the_leg_not_the_knee(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame
) -> None:
    s = copy.deepcopy(summary)
    s["test"], s["test_label"] = "run", "Running"
    s["drift"] = {"left": {"text": "Pelvic drop grows over the run."}, "right": None}
    html = render_report(model(s), frames, {}, tmp_path / "r.html").read_text("utf-8")
    assert "Left leg: Pelvic drop grows over the run." in html
    assert "Left knee: Pelvic drop" not in html


def test_gait_drift_table_shows_threshold_source_and_verdict(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame
) -> None:
    s = copy.deepcopy(summary)
    s["test"], s["test_label"] = "run", "Running"
    for side in ("left", "right"):
        s["sides"][side]["steps"] = [step(1, 0.5)]
    drop = {"slope_per_min": 1.234, "slope_ci95": [-0.5, 2.9], "first_last": -0.04,
            "first_last_ci95": [-1.1, 1.0], "steps_per_group": 8, "sdd": 2.8,
            "sdd_source": "Dingenen <2018>", "min_effect": None, "min_effect_source": None,
            "unit": "°", "beyond_noise": False}  # fmt: skip
    odd = drop | {"sdd": None, "sdd_source": None, "beyond_noise": None}
    s["drift"] = {"left": {"measures": {"pelvic_drop_deg": drop, "overstride_pct": odd},
                           "changed": [], "text": "No change."}, "right": None}  # fmt: skip
    html = render_report(model(s), frames, {}, tmp_path / "r.html").read_text("utf-8")
    assert html.count('<table class="drift">') == 1  # the right side has no drift
    assert "+1.23<br><small>−0.50 to +2.90</small>" in html
    assert "0.0<br><small>−1.1 to +1.0</small>" in html  # −0.04 rounds to 0.0, unsigned
    assert "SDD 2.8<br><small>Dingenen &lt;2018&gt;</small>" in html
    assert "no real change: 95% CI includes 0" in html
    assert "not judged (no noise threshold)" in html
    assert "Change over the clip: not judged. It needs at least 25" in html  # right side


def test_report_survives_a_summary_with_nothing_measured(
    tmp_path: Path, summary: dict[str, Any]
) -> None:
    nothing = {"working": None, "classification": {"label": "not measured",
               "level": "not measured", "range_deg": None, "source": None}}  # fmt: skip
    bare = {k: summary[k] for k in ("kneecoach_version", "source", "created", "quality", "fps",
                                    "view", "filming", "disclaimer")}  # fmt: skip
    bare |= {"test": "auto", "test_label": "Movement not recognised",
             "sides": {"left": nothing, "right": nothing}, "findings": [{"code": "no_reps",
             "side": None, "severity": "refused", "text": "No rep was found.",
             "source": None}]}  # fmt: skip
    html = render_report(model(bare), pd.DataFrame(), {}, tmp_path / "r.html").read_text("utf-8")
    assert "No rep was found." in html
    assert "movement screen, not a diagnosis" in html
    assert html.count('class="card tone-none"') == 2
    assert "Nothing was measured for this side" in html


def test_report_skips_missing_pictures(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame
) -> None:
    s = copy.deepcopy(summary)
    html = render_report(model(s), frames, {"worst_1": tmp_path / "gone.png"}, tmp_path / "r.html")
    uris = [v for t, k, v in parse(html.read_text("utf-8")).attrs if t == "img" and k == "src"]
    assert len(uris) == 1  # only the time series


# --------------------------------------------------------------------------- figures


def test_timeseries_figure_panels(summary: dict[str, Any], frames: pd.DataFrame) -> None:
    fig = timeseries_figure(frames, model(summary))
    axes = fig.get_axes()
    main = [ax for ax in axes if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in main] == ["FPPA (°)", "pelvic drop (°)"]  # KASR all NaN
    fppa = main[0]
    left = [ln for ln in fppa.get_lines() if ln.get_label() == "left"]
    assert len(left) == 1
    np.testing.assert_allclose(left[0].get_xdata(), frames["time_s"])
    dots = [ln for ln in fppa.get_lines() if ln.get_label() == "left: reading per rep"]
    assert list(dots[0].get_ydata()) == [14.0, 17.3]  # rep 3 has no FPPA
    labels = [t.get_text() for t in fppa.get_legend().get_texts()]
    assert "right: not measured" in labels and "typical range" in labels
    assert len(figure_png(fig)) > 1000


def test_timeseries_figure_says_when_nothing_was_measured(summary: dict[str, Any]) -> None:
    t = np.arange(100) / 60
    frames = pd.DataFrame({"time_s": t, "fppa_left_deg": np.nan, "kasr": 0.8 + 0 * t})
    fig = timeseries_figure(frames, model(summary | {"view": "sagittal"}))
    main = [ax for ax in fig.get_axes() if ax.get_ylabel()]
    assert [ax.get_ylabel() for ax in main] == ["FPPA (°)", "pelvic drop (°)", "KASR"]
    for ax in main[:2]:
        texts = " ".join(x.get_text() for x in ax.texts)
        assert "not measured in this clip" in texts and "sagittal" in texts
        assert not [ln for ln in ax.get_lines() if len(ln.get_xdata())]


@pytest.mark.parametrize("side", ["left", "right"])
def test_worst_moment_draws_the_leg_in_the_side_colour(side: str) -> None:
    still, crop = worst_moment(None, POSE, side, 14.0, 1.5, (720, 1280))
    same = worst_moment_image(None, POSE, side, 14.0, 1.5, (720, 1280))
    np.testing.assert_array_equal(still, same)
    assert still.dtype == np.uint8 and still.ndim == 3 and still.shape[2] == 3
    assert still.shape[0] == MAX_HEIGHT_PX
    assert crop == replace(person_crop(POSE, (720, 1280)), left=crop.left)
    # cropped to the person, with a margin: every keypoint inside, the far corners out
    xs, ys = zip(*[v for v in POSE.values() if np.isfinite(v[0])], strict=True)
    assert crop.x0 < min(xs) and max(xs) < crop.x1 and crop.y0 < min(ys) and max(ys) < crop.y1
    assert crop.y0 > 0 and crop.y1 < 1280 and crop.x0 > 0 and crop.x1 < 720
    knee = crop.to_output(*POSE[f"{side}_knee"])
    other = "right" if side == "left" else "left"
    assert near(still, knee, SIDE_RGB[side], 6) > 50  # the joint dot, solid side colour
    assert near(still, knee, SIDE_RGB[other], 6) == 0
    # the thick thigh line: side colour halfway between hip and knee
    hip = crop.to_output(*POSE[f"{side}_hip"])
    assert near(still, ((hip[0] + knee[0]) / 2, (hip[1] + knee[1]) / 2), SIDE_RGB[side], 3) > 5
    # the person fills the still: scaled so that the still is exactly MAX_HEIGHT_PX tall
    assert crop.scale == pytest.approx((MAX_HEIGHT_PX - crop.top) / (crop.y1 - crop.y0))


def test_worst_moment_on_a_video_frame(tmp_path: Path) -> None:
    frame = np.zeros((1280, 720, 3), np.uint8)
    frame[:, :, 1] = 90  # dark green
    still, crop = worst_moment(frame, POSE, "right", -4.0, 2.25, (1, 1))
    assert near(still, crop.to_output(*POSE["right_knee"]), SIDE_RGB["right"], 6) > 50
    # background pixels come from the frame, cropped around the person
    corner = crop.to_output(crop.x0 + 2, crop.y1 - 3)
    assert tuple(still[round(corner[1]), round(corner[0])]) == (0, 90, 0)
    path = save_png(still, tmp_path / "w.png")
    back = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    np.testing.assert_array_equal(back, still)


def test_worst_moment_crops_a_small_person_bigger() -> None:
    small = {k: (x / 4 + 10, y / 4 + 10) for k, (x, y) in POSE.items()}
    still, crop = worst_moment(None, small, "left", 9.0, 0.5, (400, 400))
    assert crop.scale > 1.5
    assert near(still, crop.to_output(*small["left_knee"]), SIDE_RGB["left"], 5) > 30


def test_worst_moment_without_keypoints_keeps_the_canvas() -> None:
    empty = {k: (float("nan"), float("nan")) for k in POSE}
    still = worst_moment_image(None, empty, "left", float("nan"), 0.0, (300, 200))
    assert still.shape[0] > 200 and still.shape[0] <= MAX_HEIGHT_PX
    assert not np.all(still == np.array(SIDE_RGB["left"]), axis=-1)[100:].any()


@pytest.mark.parametrize(
    "side,value,text",
    [("right", 14.2, "Right knee: 14° inward"), ("left", -4.4, "Left knee: 4° outward"),
     ("left", 0.2, "Left knee: 0° (in line with hip and ankle)")],
)  # fmt: skip
def test_angle_text(side: str, value: float, text: str) -> None:
    assert angle_text(side, value) == text


def test_empty_knee_displacement_gives_the_thigh_reason(report: str) -> None:
    """MKD is withheld with FPPA (thigh towards the camera), not only when a joint is missing."""
    text = re.sub(r"\s+", " ", report)
    reason = text.split("Medial knee displacement", 2)[-1][:250]
    assert "foreshortened towards the camera" in reason


@pytest.mark.parametrize(
    ("view", "said"),
    [("frontal", "Nothing specific"), ("sagittal", "the camera view is sagittal")],
)
def test_no_suggestion_says_what_the_view_can_show(
    tmp_path: Path, summary: dict[str, Any], frames: pd.DataFrame, view: str, said: str
) -> None:
    s = copy.deepcopy(summary) | {"view": view, "suggestions": []}
    html = render_report(model(s), frames, {}, tmp_path / "r.html").read_text("utf-8")
    section = re.sub(r"\s+", " ", html.split('id="suggests"')[1].split("</section>")[0])
    assert said in section
    assert ("Nothing specific" in section) == (view == "frontal")


def test_a_knee_over_foot_picture_draws_the_foot_and_the_knees_plumb_line() -> None:
    """Squat pictures showed the straight-leg line, which says nothing of the knee against
    its foot: they draw the foot (midfoot to toes) and a line straight down from the knee."""
    toes = {**POSE, "right_foot_index": (290.0, 1040.0), "left_foot_index": (435.0, 1040.0)}
    no_foot = worst_moment_image(None, toes, "right", float("nan"), 4.5, (720, 1280), rep=1,
                                 foot=True, title="x")  # fmt: skip
    no_toe = worst_moment_image(None, POSE, "right", float("nan"), 4.5, (720, 1280), rep=1,
                                foot=True, title="x")  # fmt: skip
    assert no_foot.shape == no_toe.shape
    changed = np.argwhere((no_foot != no_toe).any(axis=2))
    # without a toe keypoint the straight-leg line is drawn instead; with one, the foot bar
    # and the plumb line reach below the ankle (the bottom of the leg, y 1000 of 1040)
    assert changed.size and changed[:, 0].max() > 0.9 * no_foot.shape[0]
