"""``report.html``: one self-contained page that explains a ``summary.json``.

Everything the page needs is inside the file: pictures as base64 ``data:``
URIs, CSS inline, no JavaScript, no web fonts, and a Content-Security-Policy
that forbids loading anything from the network. Text from the summary is
HTML-escaped (Jinja2 autoescape). The summary may be partial (a run that
stopped early writes ``"sides": {}``): every missing or null value renders
as "—" with, where known, the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from kneecoach import __version__
from kneecoach.assessment.summary import DISCLAIMER
from kneecoach.core.movement_tests import headline
from kneecoach.core.schema import SIDES
from kneecoach.metrics.frames import FRONTAL_VIEWS
from kneecoach.reports.gait import gait_facts, is_gait, step_tables, steps_figure
from kneecoach.reports.numbers import DASH, fmt, number
from kneecoach.reports.plots import figure_png, timeseries_caption, timeseries_figure
from kneecoach.reports.templating import environment, file_uri, png_uri

FRONTAL_NEED = "this needs the camera in front of or behind the person"


def _no_suggestion(view: str) -> str:
    """What "What this suggests" says when nothing is suggested, by what the view can show."""
    if not view or view in FRONTAL_VIEWS or view == "unknown":
        return "Nothing specific: the measured pattern does not point to a likely cause."
    return (
        f"Nothing can be suggested from this clip: the camera view is {view}, and the patterns "
        f"that point to a cause (knee, pelvis and foot seen from the front) are not visible; "
        f"{FRONTAL_NEED}."
    )


TEMPLATE = "report.html.j2"

#: Per-rep table columns: (key, header, unit, digits).
REP_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("time_s", "Time", "s", 2),
    ("fppa_deg", "Knee angle (FPPA)", "°", 1),
    ("mkd_pct", "Medial knee displacement", "% leg", 1),
    ("pelvic_drop_deg", "Pelvic drop", "°", 1),
    ("hip_adduction_deg", "Hip adduction", "°", 1),
    ("trunk_lean_deg", "Trunk lean", "°", 1),
    ("kasr", "KASR", "ratio", 2),
    ("confidence", "Confidence", "0–1", 2),
)
#: Shown only when at least one rep of the side has a value.
OPTIONAL_COLUMNS: tuple[tuple[str, str, str, int], ...] = (
    ("fppa_at_contact_deg", "Knee angle at contact", "°", 1),
    ("kasr_at_contact", "KASR at contact", "ratio", 2),
    ("hold_s", "Hold", "s", 1),
    ("knee_shift_pct", "Knee shift over foot", "% leg", 1),
    ("knee_over_foot_worst_pct", "Knee inside its foot, worst", "% leg", 1),
    ("knee_flexion_deg", "Knee flexion", "°", 0),
    ("knee_over_toe_pct", "Knee past the toes", "% shank", 0),
    ("hip_shift_pct", "Hip shift", "% hip width", 1),
    ("depth_pct", "Depth", "% leg", 0),
)
#: Optional columns shown after the frontal measures (before confidence), not after FPPA.
LATE_COLUMNS = ("knee_over_toe_pct", "hip_shift_pct", "depth_pct")
#: Why a rep's cell can be empty (shown under the table for the columns that have one).
NULL_REASONS = {
    "time_s": "no reading frame was found in this rep",
    "fppa_deg": "not valid at the reading frame: keypoints too uncertain, or the thigh "
    "foreshortened towards the camera (see the rep's notes)",
    "mkd_pct": "needs the hip, knee and ankle of this leg at the reading frame, and is "
    "withheld with FPPA where the thigh is foreshortened towards the camera",
    "pelvic_drop_deg": "needs both hips at the reading frame",
    "hip_adduction_deg": "needs both hips and this knee at the reading frame, and is "
    "withheld with FPPA where the thigh is foreshortened towards the camera",
    "trunk_lean_deg": "needs both shoulders and both hips at the reading frame",
    "kasr": "read only in two-legged tests (squat, drop jump), with both legs in view",
    "confidence": "no keypoint confidence at the reading frame",
}
LEVELS = {
    "within": ("ok", "Within the typical range"),
    "above": ("attention", "Above the typical range"),
    "below": ("attention", "Below the typical range"),
    "no range": ("neutral", "No published typical range"),
    "not measured": ("none", "Not measured"),
}
SEVERITIES = {
    "attention": "Worth attention",
    "ok": "OK",
    "info": "Note",
    "refused": "Not measured",
}
CAUSES = {"hip": "Hip", "foot-ankle": "Foot and ankle", "control": "Movement control"}
CONFIDENCE_GROUPS = {"hips": "Hips", "knees": "Knees", "ankles": "Ankles", "feet": "Feet"}


def render_report(
    summary: Mapping[str, Any],
    frames: pd.DataFrame,
    images: Mapping[str, Path],
    path: str | Path,
) -> Path:
    """Write ``report.html`` for ``summary`` (and the per-frame ``frames`` table) to ``path``.

    ``images`` maps names such as ``worst_1`` to PNG files; they are embedded,
    so the page can be moved or mailed on its own. Returns ``path``.
    """
    path = Path(path)
    html = environment().get_template(TEMPLATE).render(report_context(summary, frames, images))
    path.write_text(html, encoding="utf-8")
    return path


# --------------------------------------------------------------------------- formatting


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, Sequence) and not isinstance(value, str) else []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _date(created: Any) -> str:
    if not created:
        return DASH
    try:
        when = datetime.fromisoformat(str(created))
    except ValueError:
        return str(created)
    stamp = f"{when.day} {when:%B %Y, %H:%M}"
    offset = when.utcoffset()
    if offset is None:
        return stamp
    return f"{stamp} UTC" if not offset else f"{stamp} (UTC{when:%z})"


# --------------------------------------------------------------------------- context


def report_context(
    summary: Mapping[str, Any], frames: pd.DataFrame, images: Mapping[str, Path]
) -> dict[str, Any]:
    """Everything the template shows, already formatted (the template only lays it out)."""
    sides = _dict(summary.get("sides"))
    findings = [_finding(f) for f in _list(summary.get("findings")) if isinstance(f, Mapping)]
    test = _text(summary.get("test"))
    view = _text(summary.get("view"))
    cards = [_side_card(side, _dict(sides.get(side)), findings, test, view) for side in SIDES]
    used = {id(c["finding"]) for c in cards if c["finding"] is not None}
    drift = _dict(summary.get("drift"))
    gait = is_gait(summary)
    limb = "leg" if gait else "knee"  # gait drift covers pelvis and trunk, not just the knee
    png = figure_png(steps_figure(summary) if gait else timeseries_figure(frames, summary))
    return {
        "header": _header(summary),
        "cards": cards,
        "more_findings": [f for f in findings if id(f) not in used],
        "comparisons": [
            text
            for text in (
                _text(_dict(summary.get("asymmetry")).get("text")),
                *(
                    f"{side.capitalize()} {limb}: {_text(_dict(drift.get(side)).get('text'))}"
                    for side in SIDES
                    if _dict(drift.get(side)).get("text")
                ),
            )
            if text
        ],
        "worst": _worst(summary, images),
        "timeseries": png_uri(png),
        "timeseries_alt": "Each leg's measures per step over the clip, one dot per step."
        if gait
        else timeseries_caption(summary)[0],
        "timeseries_caption": timeseries_caption(summary)[1],
        "rep_tables": [_rep_table(side, _dict(sides.get(side)), summary) for side in SIDES],
        "step_tables": step_tables(summary) if gait else [],
        "gait_facts": gait_facts(summary) if gait else [],
        "suggestions": [
            {
                "cause": CAUSES.get(_text(s.get("cause")), _text(s.get("cause")).capitalize()),
                "side": _text(s.get("side")).capitalize(),
                "text": _text(s.get("text")),
                "source": _text(s.get("source")),
            }
            for s in _list(summary.get("suggestions"))
            if isinstance(s, Mapping)
        ],
        "no_suggestion": _no_suggestion(_text(summary.get("view"))),
        "quality": _quality(_dict(summary.get("quality")), summary),
        "filming": _text(summary.get("filming")),
        "notes": [_text(n) for n in _list(summary.get("notes"))],
        "measures_used": [
            (key.replace("_", " ").upper() if len(key) <= 4 else key.replace("_", " "), _text(v))
            for key, v in _dict(summary.get("measures_used")).items()
        ],
        "method_notes": [_text(n) for n in _list(summary.get("method_notes"))],
        "sources": [_text(s) for s in _list(summary.get("sources"))],
        "disclaimer": _text(summary.get("disclaimer")) or DISCLAIMER,
    }


def _header(summary: Mapping[str, Any]) -> dict[str, Any]:
    test = _text(summary.get("test_label")) or _text(summary.get("test")) or "Movement test"
    detected = _dict(summary.get("test_detected"))
    source = _text(summary.get("source"))
    return {
        "test": test,
        "source": Path(source).name if source else DASH,
        "date": _date(summary.get("created")),
        "version": _text(summary.get("kneecoach_version")) or __version__,
        "view": _text(summary.get("view")) or "unknown",
        "fps": fmt(summary.get("fps"), 0, "fps"),
        "detected": _text(detected.get("evidence")) if detected else "",
    }


def _finding(f: Mapping[str, Any]) -> dict[str, Any]:
    severity = _text(f.get("severity")) or "info"
    return {
        "side": _text(f.get("side")),
        "severity": severity if severity in SEVERITIES else "info",
        "severity_label": SEVERITIES.get(severity, severity.capitalize()),
        "text": _text(f.get("text")),
        "source": _text(f.get("source")),
    }


def _side_card(
    side: str,
    info: Mapping[str, Any],
    findings: list[dict[str, Any]],
    test: str = "",
    view: str = "",
) -> dict[str, Any]:
    cls = _dict(info.get("classification"))
    mean, peak = number(info.get("mean_fppa_deg")), number(info.get("peak_fppa_deg"))
    level = _text(cls.get("level")) or "not measured"
    if mean is None:
        level = "not measured"
    tone, level_label = LEVELS.get(level, ("neutral", _text(cls.get("label")).capitalize()))
    reps = [r for r in _list(info.get("reps")) if isinstance(r, Mapping)]
    steps = [r for r in _list(info.get("steps")) if isinstance(r, Mapping) and r.get("complete")]
    count, unit = (len(steps), "step") if steps else (len(reps), "rep")
    finding = next((f for f in findings if f["side"] == side), None)
    if finding is not None:
        sentence = finding["text"]
    elif info and info.get("working", True) is False:
        sentence = f"Your {side} leg was not the working leg in this test."
    elif not info or (info.get("working", True) is None and not reps):
        sentence = f"Your {side} knee could not be measured in this clip."
    else:
        sentence = _text(cls.get("label")).capitalize()
    rng = _list(cls.get("range_deg"))
    low, high = (number(rng[0]), number(rng[1])) if len(rng) == 2 else (None, None)
    where = "" if mean is None else " inward" if mean > 0 else " outward" if mean < 0 else ""
    plural = f"{count} {unit}{'s' * (count != 1)}"
    flexion = number(info.get("mean_knee_flexion_deg"))
    if view == "sagittal" and flexion is not None:  # a side view's own result (§4.2)
        return _side_view_card(side, info, plural, sentence, finding, flexion)
    if headline(test) == "knee_over_foot":  # the headline is the knee over the foot, not FPPA
        return _knee_over_foot_card(side, info, plural, sentence, finding)
    return {
        "side": side,
        "title": f"{side.capitalize()} knee",
        "working": bool(info.get("working", bool(reps))),
        "tone": tone,
        "level_label": level_label,
        "big": fmt(None if mean is None else abs(mean), 0, "°"),
        "big_caption": (
            f"average{where} knee angle (FPPA) over {plural}"
            if mean is not None
            else "knee angle (FPPA) not measured"
        ),
        "peak": fmt(peak, 0, "°") if peak is not None else "",
        "range": f"{fmt(low, 0)}–{fmt(high, 0)}°" if low is not None and high is not None else "",
        "population": _text(cls.get("population")),
        "range_source": _text(cls.get("source")),
        "sentence": sentence,
        "finding": finding,
    }


def _side_view_card(
    side: str, info: Mapping[str, Any], plural: str, sentence: str, finding: Any, flexion: float
) -> dict[str, Any]:
    """Filmed from the side: knee flexion at the deepest point (no valgus, no range)."""
    return {
        "side": side, "title": f"{side.capitalize()} knee",
        "working": bool(info.get("working", bool(info.get("reps")))),
        "tone": "neutral", "level_label": "Seen from the side", "big": fmt(flexion, 0, "°"),
        "big_caption": f"knee flexion at the deepest point (2D), mean over {plural}",
        "peak": "", "range": "", "population": "", "range_source": "",
        "sentence": sentence, "finding": finding,
    }  # fmt: skip


def _knee_over_foot_card(
    side: str, info: Mapping[str, Any], plural: str, sentence: str, finding: Any
) -> dict[str, Any]:
    """Squat-type tests: how far the knee came inside its foot (else KASR), judged against
    the clip's own noise (science.md §1.5: no published range)."""
    shift, kasr = number(info.get("peak_knee_over_foot_pct")), number(info.get("mean_kasr"))
    if shift is not None:
        where = "inside" if shift > 0.5 else "outside" if shift < -0.5 else "over"
        big, caption = (
            fmt(abs(shift), 0, "%"),
            (
                f"of leg length: furthest the knee came {where} its foot (midfoot to toes) in "
                f"any of the {plural}"
            ),
        )
    elif kasr is not None:
        big, caption = (
            fmt(kasr, 2),
            (
                f"knee-to-ankle separation ratio at the deepest point, over {plural} (below 1: "
                "the knees closer together than the feet)"
            ),
        )
    else:
        big, caption = DASH, "knee over the foot not measured"
    measured = shift is not None or kasr is not None
    inward = info.get("knee_inward")
    tone, level_label = LEVELS[
        "above" if inward is True else "within" if inward is False
        else "no range" if measured else "not measured"
    ]  # fmt: skip
    if inward is not None:
        level_label = "Inside its foot" if inward else "Over its foot"
    if finding is None and info.get("working", True) and measured:
        sentence = "There is no published typical range for the knee over the foot."
    return {
        "side": side, "title": f"{side.capitalize()} knee",
        "working": bool(info.get("working", bool(info.get("reps")))),
        "tone": tone, "level_label": level_label, "big": big, "big_caption": caption,
        "peak": "", "range": "", "population": "", "range_source": "",
        "sentence": sentence, "finding": finding,
    }  # fmt: skip


def _worst(summary: Mapping[str, Any], images: Mapping[str, Path]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    shown: set[str] = set()
    for i, m in enumerate(_list(summary.get("worst_moments")), start=1):
        if not isinstance(m, Mapping):
            continue
        key = Path(_text(m.get("image"))).stem or f"worst_{i}"
        key = key if key in images else f"worst_{i}"
        uri = file_uri(Path(images[key])) if key in images else None
        if uri is None:
            continue
        shown.add(key)
        side = _text(m.get("side"))
        angle, shift = number(m.get("fppa_deg")), number(m.get("knee_over_foot_pct"))
        if shift is not None:
            way = "inside" if shift >= 0 else "outside"
            what = f"{fmt(abs(shift), 0, '%')} of leg length {way} its foot"
        elif angle is not None:
            what = f"{fmt(abs(angle), 0, '°')} {'inward' if angle >= 0 else 'outward'}"
        else:
            what = "angle not measured"
        frame, rep = m.get("frame"), m.get("rep")
        caption = f"Rep {rep}: " if isinstance(rep, int) else ""
        caption += f"{side.capitalize() or 'Knee'} knee, {what}, at {fmt(m.get('time_s'), 2, 's')}"
        caption += f" (frame {frame})" if isinstance(frame, int) else ""
        out.append({"src": uri, "caption": caption, "alt": f"Worst moment {i}: {caption}"})
    for key in sorted(set(images) - shown):  # pictures without a summary entry
        uri = file_uri(Path(images[key]))
        if uri is not None:
            out.append({"src": uri, "caption": key.replace("_", " "), "alt": key})
    return out


def _rep_table(side: str, info: Mapping[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    reps = [r for r in _list(info.get("reps")) if isinstance(r, Mapping)]
    optional = [c for c in OPTIONAL_COLUMNS if any(number(r.get(c[0])) is not None for r in reps)]
    early = [c for c in optional if c[0] not in LATE_COLUMNS]
    late = [c for c in optional if c[0] in LATE_COLUMNS]
    columns = [*REP_COLUMNS[:2], *early, *REP_COLUMNS[2:-1], *late, REP_COLUMNS[-1]]
    rows = []
    empty: list[str] = []
    for rep in reps:
        cells = []
        for key, _, _, digits in columns:
            value = rep.get(key)
            cells.append(fmt(value, digits))
            if number(value) is None and key not in empty:
                empty.append(key)
        notes = [_text(n) for n in _list(rep.get("notes"))]
        if rep.get("complete") is False:
            notes.insert(0, "cut off by the start or end of the clip (left out of the averages)")
        conf = number(rep.get("confidence"))
        if conf is not None and conf < 0.5:
            notes.append("low keypoint confidence: read this rep with care")
        fppa_t, t = number(rep.get("fppa_time_s")), number(rep.get("time_s"))
        if fppa_t is not None and t is not None and abs(fppa_t - t) > 1e-6:
            notes.append(  # the thigh's other angles are read with it (readings.WITH_FPPA)
                f"read at {fmt(fppa_t, 2, 's')}: FPPA, medial knee displacement, hip adduction"
            )
        rows.append({"index": _text(rep.get("index")) or DASH, "cells": cells, "notes": notes})
    view = _text(summary.get("view"))
    frontal = not view or view in FRONTAL_VIEWS or view == "unknown"
    labels = {key: header for key, header, _, _ in columns}
    reasons = [
        (
            labels[key],
            NULL_REASONS[key] if frontal else f"the camera view is {view}; {FRONTAL_NEED}",
        )
        for key in empty
        if key in NULL_REASONS
    ]
    if not info or info.get("working", True) is None:  # None: not known, nothing measured
        why = "Nothing was measured for this side (see the findings above)."
    elif info.get("working", True) is False:
        why = "This leg was not the working leg in this test, so it has no reps."
    elif not reps:
        why = "No complete rep was found for this leg."
    else:
        why = ""
    return {
        "side": side,
        "title": f"{side.capitalize()} leg",
        "headers": [(header, unit) for _, header, unit, _ in columns],
        "rows": rows,
        "empty_reason": why,
        "null_reasons": reasons,
        "stats": [
            ("Average FPPA", fmt(info.get("mean_fppa_deg"), 1, "°")),
            ("Largest FPPA", fmt(info.get("peak_fppa_deg"), 1, "°")),
            ("Rep-to-rep spread (SD)", fmt(info.get("sd_fppa_deg"), 1, "°")),
            ("Worst rep", _text(info.get("worst_rep")) or DASH),
            ("Average pelvic drop", fmt(info.get("mean_pelvic_drop_deg"), 1, "°")),
            ("Average hip adduction", fmt(info.get("mean_hip_adduction_deg"), 1, "°")),
        ]
        if reps
        else [],
    }


def _quality(q: Mapping[str, Any], summary: Mapping[str, Any]) -> dict[str, Any]:
    rate = number(q.get("detection_rate"))
    usable = q.get("usable_for_frontal_measures")
    duration = number(q.get("duration_s"))
    frames = q.get("frames")
    conf = _dict(q.get("mean_confidence"))
    return {
        "view": _text(q.get("view") or summary.get("view")) or "unknown",
        "detection": fmt(None if rate is None else 100 * rate, 0, "%"),
        "frames": (
            f"{frames} frames" + (f" ({fmt(duration, 1, 's')})" if duration is not None else "")
            if isinstance(frames, int)
            else DASH
        ),
        "fps": fmt(q.get("fps", summary.get("fps")), 0, "fps"),
        "usable": DASH if usable is None else "yes" if usable else "no",
        "confidence": [
            (CONFIDENCE_GROUPS.get(str(k), str(k).replace("_", " ").capitalize()), fmt(v, 2))
            for k, v in conf.items()
        ],
        "warnings": [_text(w) for w in _list(q.get("warnings"))],
    }
