"""``report.html``: one self-contained page that explains a clip's :class:`Assessment`.

Everything the page needs is inside the file: pictures as base64 ``data:``
URIs, CSS inline, no JavaScript, no web fonts, and a Content-Security-Policy
that forbids loading anything from the network. Text from the assessment is
HTML-escaped (Jinja2 autoescape). Every null value renders as "—" with, where
known, the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TypedDict

import pandas as pd

from kneecoach.assessment.model import Assessment, Finding, RepReading, SideSummary
from kneecoach.core.files import write_text
from kneecoach.core.movement_tests import headline
from kneecoach.core.schema import SIDES
from kneecoach.metrics.frames import FRONTAL_VIEWS
from kneecoach.reports.gait import StepTable, gait_facts, is_gait, step_tables, steps_figure
from kneecoach.reports.numbers import DASH, fmt, number
from kneecoach.reports.plots import figure_png, timeseries_caption, timeseries_figure
from kneecoach.reports.templating import environment, file_uri, png_uri

FRONTAL_NEED = "this needs the camera in front of or behind the person"


class FindingView(TypedDict):
    side: str
    severity: str
    severity_label: str
    text: str
    source: str


class Card(TypedDict):
    """One side's headline card."""

    side: str
    title: str
    working: bool
    tone: str
    level_label: str
    big: str
    big_caption: str
    peak: str
    range: str
    population: str
    range_source: str
    sentence: str
    finding: FindingView | None


class Header(TypedDict):
    test: str
    source: str
    date: str
    version: str
    view: str
    fps: str
    detected: str


class RepRow(TypedDict):
    index: str
    cells: list[str]
    notes: list[str]


class RepTable(TypedDict):
    side: str
    title: str
    headers: list[tuple[str, str]]
    rows: list[RepRow]
    empty_reason: str
    null_reasons: list[tuple[str, str]]
    stats: list[tuple[str, str]]


class QualityView(TypedDict):
    view: str
    detection: str
    frames: str
    fps: str
    usable: str
    confidence: list[tuple[str, str]]
    warnings: list[str]


class SuggestionView(TypedDict):
    cause: str
    side: str
    text: str
    source: str


class ReportContext(TypedDict):
    """Everything ``report.html.j2`` shows, formatted."""

    header: Header
    cards: list[Card]
    more_findings: list[FindingView]
    comparisons: list[str]
    worst: list[dict[str, str]]
    timeseries: str
    timeseries_alt: str
    timeseries_caption: str
    rep_tables: list[RepTable]
    step_tables: list[StepTable]
    gait_facts: list[tuple[str, str]]
    suggestions: list[SuggestionView]
    no_suggestion: str
    quality: QualityView
    filming: str
    notes: list[str]
    measures_used: list[tuple[str, str]]
    method_notes: list[str]
    sources: list[str]
    disclaimer: str


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
    summary: Assessment,
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
    write_text(path, html)
    return path


# --------------------------------------------------------------------------- formatting


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _date(created: str) -> str:
    if not created:
        return DASH
    try:
        when = datetime.fromisoformat(created)
    except ValueError:
        return created
    stamp = f"{when.day} {when:%B %Y, %H:%M}"
    offset = when.utcoffset()
    if offset is None:
        return stamp
    return f"{stamp} UTC" if not offset else f"{stamp} (UTC{when:%z})"


# --------------------------------------------------------------------------- context


def report_context(
    summary: Assessment, frames: pd.DataFrame, images: Mapping[str, Path]
) -> ReportContext:
    """Everything the template shows, already formatted (the template only lays it out)."""
    sides = summary.sides
    findings = [_finding(f) for f in summary.findings]
    test, view = summary.test, summary.view
    cards = [_side_card(side, sides.get(side), findings, test, view) for side in SIDES]
    used = {id(c["finding"]) for c in cards if c["finding"] is not None}
    drift = summary.drift
    gait = is_gait(summary)
    limb = "leg" if gait else "knee"  # gait drift covers pelvis and trunk, not just the knee
    png = figure_png(steps_figure(summary) if gait else timeseries_figure(frames, summary))
    return {
        "header": _header(summary),
        "cards": cards,
        "more_findings": [f for f in findings if id(f) not in used],
        "comparisons": [
            *([summary.asymmetry.text] if summary.asymmetry else []),
            *(
                f"{side.capitalize()} {limb}: {d.text}"
                for side in SIDES
                if (d := drift.get(side)) is not None
            ),
        ],
        "worst": _worst(summary, images),
        "timeseries": png_uri(png),
        "timeseries_alt": "Each leg's measures per step over the clip, one dot per step."
        if gait
        else timeseries_caption(summary)[0],
        "timeseries_caption": timeseries_caption(summary)[1],
        "rep_tables": [_rep_table(side, sides.get(side), view) for side in SIDES],
        "step_tables": step_tables(summary) if gait else [],
        "gait_facts": gait_facts(summary) if gait else [],
        "suggestions": [
            {
                "cause": CAUSES[s.cause],
                "side": _text(s.side).capitalize(),
                "text": s.text,
                "source": s.source,
            }
            for s in summary.suggestions
        ],
        "no_suggestion": _no_suggestion(view),
        "quality": _quality(summary),
        "filming": summary.filming,
        "notes": summary.notes,
        "measures_used": [
            (key.replace("_", " ").upper() if len(key) <= 4 else key.replace("_", " "), v)
            for key, v in summary.measures_used.items()
        ],
        "method_notes": summary.method_notes,
        "sources": summary.sources,
        "disclaimer": summary.disclaimer,
    }


def _header(summary: Assessment) -> Header:
    detected = summary.test_detected
    return {
        "test": summary.test_label or summary.test or "Movement test",
        "source": Path(summary.source).name if summary.source else DASH,
        "date": _date(summary.created),
        "version": summary.kneecoach_version,
        "view": summary.view,
        "fps": fmt(summary.fps, 0, "fps"),
        "detected": detected.evidence if detected else "",
    }


def _finding(f: Finding) -> FindingView:
    return {
        "side": _text(f.side),
        "severity": f.severity,
        "severity_label": SEVERITIES[f.severity],
        "text": f.text,
        "source": _text(f.source),
    }


def _side_card(
    side: str,
    info: SideSummary | None,
    findings: list[FindingView],
    test: str = "",
    view: str = "",
) -> Card:
    finding = next((f for f in findings if f["side"] == side), None)
    if info is None:
        sentence = finding["text"] if finding else f"Your {side} knee could not be measured."
        return _card(side, False, "none", LEVELS["not measured"][1], DASH,
                     "knee angle (FPPA) not measured", sentence, finding)  # fmt: skip
    cls = info.classification
    mean, peak = info.mean_fppa_deg, info.peak_fppa_deg
    level = cls.level if mean is not None else "not measured"
    tone, level_label = LEVELS[level]
    steps = [r for r in info.steps if r.complete]
    count, unit = (len(steps), "step") if steps else (len(info.reps), "rep")
    working = bool(info.reps or steps) if info.working is None else info.working
    if finding is not None:
        sentence = finding["text"]
    elif info.working is False:
        sentence = f"Your {side} leg was not the working leg in this test."
    elif info.working is None and not info.reps:
        sentence = f"Your {side} knee could not be measured in this clip."
    else:
        sentence = cls.label.capitalize()
    low, high = cls.range_deg if cls.range_deg else (None, None)
    where = "" if mean is None else " inward" if mean > 0 else " outward" if mean < 0 else ""
    plural = f"{count} {unit}{'s' * (count != 1)}"
    flexion = info.mean_knee_flexion_deg
    if view == "sagittal" and flexion is not None:  # a side view's own result (§4.2)
        return _card(side, working, "neutral", "Seen from the side", fmt(flexion, 0, "°"),
                     f"knee flexion at the deepest point (2D), mean over {plural}",
                     sentence, finding)  # fmt: skip
    if headline(test) == "knee_over_foot":  # the headline is the knee over the foot, not FPPA
        return _knee_over_foot_card(side, info, working, plural, sentence, finding)
    return {
        "side": side,
        "title": f"{side.capitalize()} knee",
        "working": working,
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
        "population": _text(cls.population),
        "range_source": _text(cls.source),
        "sentence": sentence,
        "finding": finding,
    }


def _card(
    side: str, working: bool, tone: str, level_label: str, big: str, caption: str,
    sentence: str, finding: FindingView | None,
) -> Card:  # fmt: skip
    """A side's card with a headline number and no typical range."""
    return {
        "side": side, "title": f"{side.capitalize()} knee", "working": working,
        "tone": tone, "level_label": level_label, "big": big, "big_caption": caption,
        "peak": "", "range": "", "population": "", "range_source": "",
        "sentence": sentence, "finding": finding,
    }  # fmt: skip


def _knee_over_foot_card(
    side: str, info: SideSummary, working: bool, plural: str, sentence: str,
    finding: FindingView | None,
) -> Card:  # fmt: skip
    """Squat-type tests: how far the knee came inside its foot (else KASR), judged against
    the clip's own noise (science.md §1.5: no published range)."""
    shift, kasr = info.peak_knee_over_foot_pct, info.mean_kasr
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
    inward = info.knee_inward
    tone, level_label = LEVELS[
        "above" if inward is True else "within" if inward is False
        else "no range" if measured else "not measured"
    ]  # fmt: skip
    if inward is not None:
        level_label = "Inside its foot" if inward else "Over its foot"
    if finding is None and info.working is not False and measured:
        sentence = "There is no published typical range for the knee over the foot."
    return _card(side, working, tone, level_label, big, caption, sentence, finding)


def _worst(summary: Assessment, images: Mapping[str, Path]) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    shown: set[str] = set()
    for i, m in enumerate(summary.worst_moments, start=1):
        key = Path(m.image).stem or f"worst_{i}"
        key = key if key in images else f"worst_{i}"
        uri = file_uri(Path(images[key])) if key in images else None
        if uri is None:
            continue
        shown.add(key)
        side = m.side
        angle, shift = m.fppa_deg, m.knee_over_foot_pct
        if shift is not None:
            way = "inside" if shift >= 0 else "outside"
            what = f"{fmt(abs(shift), 0, '%')} of leg length {way} its foot"
        elif angle is not None:
            what = f"{fmt(abs(angle), 0, '°')} {'inward' if angle >= 0 else 'outward'}"
        else:
            what = "angle not measured"
        caption = f"Rep {m.rep}: " if m.rep is not None else ""
        caption += f"{side.capitalize()} knee, {what}, at {fmt(m.time_s, 2, 's')}"
        caption += f" (frame {m.frame})"
        out.append({"src": uri, "caption": caption, "alt": f"Worst moment {i}: {caption}"})
    for key in sorted(set(images) - shown):  # pictures without a summary entry
        uri = file_uri(Path(images[key]))
        if uri is not None:
            out.append({"src": uri, "caption": key.replace("_", " "), "alt": key})
    return out


def _value(rep: RepReading, key: str) -> float | None:
    return number(getattr(rep, key))


def _rep_table(side: str, info: SideSummary | None, view: str) -> RepTable:
    reps = info.reps if info is not None else []
    optional = [c for c in OPTIONAL_COLUMNS if any(_value(r, c[0]) is not None for r in reps)]
    early = [c for c in optional if c[0] not in LATE_COLUMNS]
    late = [c for c in optional if c[0] in LATE_COLUMNS]
    columns = [*REP_COLUMNS[:2], *early, *REP_COLUMNS[2:-1], *late, REP_COLUMNS[-1]]
    rows: list[RepRow] = []
    empty: list[str] = []
    for rep in reps:
        cells = []
        for key, _, _, digits in columns:
            value = _value(rep, key)
            cells.append(fmt(value, digits))
            if value is None and key not in empty:
                empty.append(key)
        notes = list(rep.notes)
        if not rep.complete:
            notes.insert(0, "cut off by the start or end of the clip (left out of the averages)")
        if rep.confidence is not None and rep.confidence < 0.5:
            notes.append("low keypoint confidence: read this rep with care")
        fppa_t, t = rep.fppa_time_s, rep.time_s
        if fppa_t is not None and t is not None and abs(fppa_t - t) > 1e-6:
            notes.append(  # the thigh's other angles are read with it (readings.WITH_FPPA)
                f"read at {fmt(fppa_t, 2, 's')}: FPPA, medial knee displacement, hip adduction"
            )
        rows.append({"index": str(rep.index), "cells": cells, "notes": notes})
    frontal = view in FRONTAL_VIEWS or view == "unknown"
    labels = {key: header for key, header, _, _ in columns}
    reasons = [
        (
            labels[key],
            NULL_REASONS[key] if frontal else f"the camera view is {view}; {FRONTAL_NEED}",
        )
        for key in empty
        if key in NULL_REASONS
    ]
    if info is None or info.working is None:  # None: not known, nothing measured
        why = "Nothing was measured for this side (see the findings above)."
    elif info.working is False:
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
            ("Average FPPA", fmt(info.mean_fppa_deg, 1, "°")),
            ("Largest FPPA", fmt(info.peak_fppa_deg, 1, "°")),
            ("Rep-to-rep spread (SD)", fmt(info.sd_fppa_deg, 1, "°")),
            ("Worst rep", _text(info.worst_rep) or DASH),
            ("Average pelvic drop", fmt(info.mean_pelvic_drop_deg, 1, "°")),
            ("Average hip adduction", fmt(info.mean_hip_adduction_deg, 1, "°")),
        ]
        if info is not None and reps
        else [],
    }


def _quality(summary: Assessment) -> QualityView:
    q = summary.quality
    return {
        "view": q.view or summary.view,
        "detection": fmt(100 * q.detection_rate, 0, "%"),
        "frames": f"{q.frames} frames ({fmt(q.duration_s, 1, 's')})",
        "fps": fmt(q.fps, 0, "fps"),
        "usable": "yes" if q.usable_for_frontal_measures else "no",
        "confidence": [
            (CONFIDENCE_GROUPS.get(k, k.replace("_", " ").capitalize()), fmt(v, 2))
            for k, v in q.mean_confidence.items()
        ],
        "warnings": q.warnings,
    }
