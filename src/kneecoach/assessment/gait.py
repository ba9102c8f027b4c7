"""Gait (run, walk, skate): per-step readings, per-side summaries, drift and findings.

Each step is read at its events (:mod:`kneecoach.events.gait`):

* at **midstance**: FPPA, contralateral pelvic drop, hip adduction, lateral
  trunk lean (front/rear view; science.md §2.3 reads them at midstance);
* over **stance**: the largest FPPA;
* at **initial contact**: the foot's lateral offset from the pelvis midline,
  step width (this foot's offset plus the other foot's at its last contact,
  i.e. the distance between the feet at contact, relative to the body) and
  the crossover sign (the foot centre on or across the midline; science.md
  §3.1-3.2), in pelvis widths; in a side view, knee flexion and overstride
  (heel ahead of the pelvis, % leg length);
* timing: stance time, step time (from the other foot's contact).

A value is ``None`` where the view cannot support it. Differences between
sides, and changes over a long clip (fatigue drift), are called real only
beyond the measure's smallest detectable difference (SDD).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from kneecoach.assessment import norms
from kneecoach.core.schema import OTHER, SIDES, Side
from kneecoach.events.gait import Step, is_glide, step_rate
from kneecoach.metrics.frames import FRONTAL_VIEWS, OBLIQUE_CONFIDENCE, FrameMeasures
from kneecoach.metrics.gait import GaitSignals

Finding = dict[str, Any]


@dataclass(frozen=True)
class GaitProtocol:
    """One gait test as the report describes it."""

    name: str
    label: str
    filming: str


_FILM = (
    "Film from behind or in front at hip height, 3-5 m away, the whole body in view, 60 fps or "
    "more (treadmill, or a straight path towards or away from the camera); a side view gives "
    "cadence, knee flexion at contact, overstride and trunk lean but no knee valgus."
)
GAIT_PROTOCOLS: dict[str, GaitProtocol] = {
    "run": GaitProtocol("run", "Running", _FILM + " Run at least 7 steps per leg (30 s or more)."),
    "walk": GaitProtocol("walk", "Walking", _FILM + " Walk at least 7 steps per leg."),
    "skate": GaitProtocol(
        "skate", "Skating",
        "Film from behind or in front at hip height, the whole body in view, 60 fps or more, "
        "skating straight towards or away from the camera; at least 7 strides per leg.",
    ),
}  # fmt: skip

#: Dingenen et al. 2018: the mean of at least 7 steps per leg is stable (science.md §2.3).
MIN_STEPS = 7
DINGENEN = "Dingenen et al. 2018, Phys Ther Sport 33:40-47 (science.md §2.3)"
#: Smallest detectable differences for running measures (Dingenen 2018, upper bounds;
#: FPPA from Munro 2012, as for the movement tests).
SDD: dict[str, tuple[float, str]] = {
    "fppa_deg": (norms.FPPA_SDD_DEG, norms.FPPA_SDD_SOURCE),
    "pelvic_drop_deg": (norms.PELVIC_DROP_SDD_DEG, norms.PELVIC_DROP_SOURCE),
    "hip_adduction_deg": (3.8, "Dingenen et al. 2018 (hip adduction SDD 2.3-3.8°)"),
    "trunk_lean_deg": (2.3, "Dingenen et al. 2018 (lateral trunk position SDD 1.3-2.3°)"),
    "knee_flexion_contact_deg": (3.8, "Dingenen et al. 2018 (knee flexion SDD 2.3-3.8°)"),
}
#: Measures followed for fatigue drift, with their plain names.
DRIFT_MEASURES = {
    "fppa_deg": "knee angle (FPPA)",
    "pelvic_drop_deg": "pelvic drop",
    "hip_adduction_deg": "hip adduction",
    "trunk_lean_deg": "sideways trunk lean",
    "step_width": "step width",
    "knee_flexion_contact_deg": "knee flexion at contact",
    "overstride_pct": "overstride",
}
#: Drift needs this long a clip and this many steps per side (derived: 5 per fifth).
MIN_DRIFT_S = 60.0
MIN_DRIFT_STEPS = 25
DRIFT_SOURCE = (
    "slope by least squares; first vs last fifth of the steps with a 95% confidence interval "
    "(Welch); noise: the measure's SDD (Dingenen 2018, Munro 2012)"
)
CROSSOVER_SOURCE = (
    "crossover: the foot lands on or across the body midline (science.md §3.1; coaching and "
    "clinic sources, no peer-reviewed numeric threshold); narrower steps raise iliotibial-band "
    "strain (Meardon 2012) and hip adduction (Brindle 2014; science.md §3.2)"
)
BRAMAH = (
    "Bramah et al. 2018, AJSM 46:3023-3031: injured runners had more contralateral pelvic "
    "drop at midstance (science.md §2.3); no published cut-off"
)
RUNNING_VALGUS = (
    "2D knee valgus in running does not track 3D knee motion (Dingenen; Rees 2019; science.md "
    "§3.3): pelvic drop and hip adduction are the better-supported frontal measures"
)


def _r(x: float | None, digits: int = 1) -> float | None:
    return None if x is None or not np.isfinite(x) else round(float(x), digits)


def _at(col: pd.Series | None, row: int) -> float | None:
    if col is None:
        return None
    return _r(float(col.iloc[row]))


def read_steps(
    fm: FrameMeasures, sig: GaitSignals, steps: list[Step], /, *, test: str
) -> dict[Side, list[dict[str, Any]]]:
    """One reading per step, per side, in time order."""
    table, t, fps = fm.table, sig.time_s, sig.fps
    frontal = fm.view in FRONTAL_VIEWS
    last_offset: dict[Side, float | None] = {"left": None, "right": None}
    last_contact: dict[Side, int | None] = {"left": None, "right": None}
    out: dict[Side, list[dict[str, Any]]] = {"left": [], "right": []}
    for step in steps:
        s, c, m = step.side, step.contact, step.midstance
        end = step.toe_off if step.toe_off is not None else c
        fppa = table[f"fppa_{s}_deg"].to_numpy(float)[c : end + 1]
        offset = _r(float(sig.offset(s)[c]), 2) if frontal else None
        other = last_offset[OTHER[s]]
        width = _r(offset + other, 2) if offset is not None and other is not None else None
        prev = last_contact[OTHER[s]]
        lean = table["trunk_lean_deg"].to_numpy(float)[m] * (1 if s == "left" else -1)
        flex = table[f"knee_flexion_{s}_deg"].to_numpy(float)[c]
        over = 100 * float(sig.ahead(s, "heel")[c]) if not frontal else float("nan")
        conf = table[f"confidence_{s}"].to_numpy(float)[c : end + 1]
        if not frontal:  # undo the frontal-measure penalty: side-view measures are the point
            conf = np.minimum(conf / OBLIQUE_CONFIDENCE, 1.0)
        reading = {
            "index": len(out[s]) + 1,
            "frame": int(table["frame"].iloc[c]),
            "time_s": round(float(t[c]), 3),
            "midstance_frame": int(table["frame"].iloc[m]),
            "toe_off_frame": None if step.toe_off is None else int(table["frame"].iloc[end]),
            "stance_time_s": None if step.toe_off is None else round((end - c) / fps, 3),
            "step_time_s": None if prev is None else round(float(t[c] - t[prev]), 3),
            "fppa_deg": _at(table[f"fppa_{s}_deg"], m),
            "peak_fppa_deg": _r(float(np.nanmax(fppa))) if np.isfinite(fppa).any() else None,
            "pelvic_drop_deg": _at(table[f"pelvic_drop_{s}_deg"], m),
            "hip_adduction_deg": _at(table[f"hip_adduction_{s}_deg"], m),
            "trunk_lean_deg": _r(lean),
            "foot_offset": offset,
            "step_width": width,
            "crossover": None if offset is None else bool(offset <= 0),
            "knee_flexion_contact_deg": _r(flex),
            "overstride_pct": _r(over),
            "trunk_forward_lean_deg": None if frontal else _r(float(sig.trunk_forward_deg[m])),
            "confidence": _r(float(np.nanmean(conf)), 2) if np.isfinite(conf).any() else None,
            "complete": step.complete,
        }
        if test == "skate":
            reading["glide_s"] = (
                None if step.glide is None else round((step.glide[1] - step.glide[0]) / fps, 3)
            )
            reading["complete"] = step.complete and is_glide(step, fps)
        out[s].append(reading)
        if offset is not None and step.complete:
            last_offset[s] = offset
        last_contact[s] = c
    return out


def _vals(steps: list[dict[str, Any]], key: str) -> list[float]:
    return [float(r[key]) for r in steps if r.get(key) is not None and r.get("complete")]


def _mean(steps: list[dict[str, Any]], key: str, digits: int = 1) -> float | None:
    v = _vals(steps, key)
    return _r(float(np.mean(v)), digits) if v else None


def side_summary(steps: list[dict[str, Any]], *, test: str, frontal: bool) -> dict[str, Any]:
    """Mean, SD, worst steps and shares for one side (keys shared with the movement tests)."""
    fppa = _vals(steps, "fppa_deg")
    peaks = _vals(steps, "peak_fppa_deg")
    done = [r for r in steps if r["complete"]]
    out: dict[str, Any] = {"working": bool(done), "reps": [], "steps": steps,
                           "n_steps": len(done)}  # fmt: skip
    out["peak_fppa_deg"] = _r(max(peaks)) if peaks else None
    out["mean_fppa_deg"] = _r(float(np.mean(fppa))) if fppa else None
    out["sd_fppa_deg"] = _r(float(np.std(fppa, ddof=1))) if len(fppa) > 1 else None
    out["worst_rep"] = None
    ranked = sorted((r for r in done if r.get("peak_fppa_deg") is not None),
                    key=lambda r: -r["peak_fppa_deg"])  # fmt: skip
    out["worst_steps"] = [r["index"] for r in ranked[:3]]
    for key in ("pelvic_drop_deg", "hip_adduction_deg", "trunk_lean_deg", "stance_time_s",
                "step_time_s", "knee_flexion_contact_deg", "overstride_pct",
                "trunk_forward_lean_deg", "glide_s"):  # fmt: skip
        out[f"mean_{key}"] = _mean(steps, key, 3 if key.endswith("_s") else 1)
    pd_vals = _vals(steps, "pelvic_drop_deg")
    out["sd_pelvic_drop_deg"] = _r(float(np.std(pd_vals, ddof=1))) if len(pd_vals) > 1 else None
    out["mean_step_width"] = _mean(steps, "step_width", 2)
    out["mean_foot_offset"] = _mean(steps, "foot_offset", 2)
    cross = [r["crossover"] for r in done if r.get("crossover") is not None]
    out["crossover_share"] = _r(float(np.mean(cross)), 2) if cross else None
    for key in ("mean_femoral_adduction_deg", "mean_kasr", "mean_knee_shift_pct"):
        out[key] = None
    out["classification"] = (
        {"label": "no published typical range for this test", "level": "no range",
         "range_deg": None, "source": RUNNING_VALGUS}
        if out["mean_fppa_deg"] is not None
        else {"label": "not measured", "level": "not measured", "range_deg": None,
              "source": None}
    )  # fmt: skip
    return out


def cadence(steps: list[Step], fps: float) -> float | None:
    """Steps per minute over the clip (:func:`kneecoach.events.gait.step_rate`)."""
    rate = step_rate(
        np.array([s.contact for s in steps], dtype=float) / fps, [s.side for s in steps]
    )
    return None if rate is None else _r(rate, 1)


def drift(steps: list[dict[str, Any]], key: str) -> dict[str, Any] | None:
    """Trend of one measure over the clip: slope per minute and first vs last 20% of steps."""
    pts = [(r["time_s"], r[key]) for r in steps if r.get(key) is not None and r["complete"]]
    if len(pts) < MIN_DRIFT_STEPS:
        return None
    t, y = (np.array(v, dtype=float) for v in zip(*pts, strict=True))
    if t[-1] - t[0] < MIN_DRIFT_S:
        return None
    fit = stats.linregress(t / 60.0, y)
    tcrit = float(stats.t.ppf(0.975, len(t) - 2))
    fifth = max(5, len(y) // 5)
    first, last = y[:fifth], y[-fifth:]
    change = float(last.mean() - first.mean())
    with warnings.catch_warnings():  # identical values (a perfectly steady runner): CI is NaN
        warnings.simplefilter("ignore", RuntimeWarning)
        ci = stats.ttest_ind(last, first, equal_var=False).confidence_interval(0.95)
    sdd = SDD.get(key)
    clear = bool(ci.low > 0 or ci.high < 0)
    beyond = None if sdd is None else bool(clear and abs(change) > sdd[0])
    return {
        "slope_per_min": _r(float(fit.slope), 3),
        "slope_ci95": [
            _r(float(fit.slope - tcrit * fit.stderr), 3),
            _r(float(fit.slope + tcrit * fit.stderr), 3),
        ],  # fmt: skip
        "first_last": _r(change, 2),
        "first_last_ci95": [_r(float(ci.low), 2), _r(float(ci.high), 2)],
        "steps_per_group": fifth,
        "sdd": None if sdd is None else sdd[0],
        "sdd_source": None if sdd is None else sdd[1],
        "beyond_noise": beyond,
    }


def side_drift(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Every followed measure's drift, and one sentence on what really changed."""
    measures = {k: d for k in DRIFT_MEASURES if (d := drift(steps, k)) is not None}
    if not measures:
        return None
    changed = [k for k, d in measures.items() if d["beyond_noise"]]
    if changed:
        parts = [
            f"{DRIFT_MEASURES[k]} {'rose' if measures[k]['first_last'] > 0 else 'fell'} by "
            f"{abs(measures[k]['first_last']):.1f}° from the first to the last fifth of the steps"
            for k in changed
        ]
        text = "; ".join(parts) + ", more than the measurement's noise: this changed as you tired."
    else:
        text = "no measure changed by more than the measurement's noise from the first to the " \
               "last fifth of the steps."  # fmt: skip
    return {"measures": measures, "changed": changed, "text": text}


def asymmetry(sides: dict[Side, dict[str, Any]]) -> dict[str, Any] | None:
    """Left-right difference of mean pelvic drop (then FPPA), real only beyond the SDD."""
    for key, what in (("mean_pelvic_drop_deg", "pelvic drop"), ("mean_fppa_deg", "knee angle")):
        left, right = sides["left"][key], sides["right"][key]
        if left is None or right is None:
            continue
        sdd, source = SDD[key.removeprefix("mean_")]
        diff = round(left - right, 1)
        larger: Side = "left" if diff > 0 else "right"
        beyond = abs(diff) > sdd
        text = (
            f"The {what} is {abs(diff):.1f}° larger standing on your {larger} leg than on your "
            f"{OTHER[larger]}"
            + (
                "; more than the measurement's noise, so the sides really differ."
                if beyond
                else f"; within the measurement's noise (±{sdd}°), so the two sides "
                "cannot be told apart."
            )  # fmt: skip
        )
        return {"measure": key.removeprefix("mean_"), "difference": diff, "larger_side": larger,
                "beyond_noise": beyond, "sdd_deg": sdd, "source": source, "text": text,
                "fppa_deg": round(sides["left"]["mean_fppa_deg"] - sides["right"]["mean_fppa_deg"],
                                  1) if sides["left"]["mean_fppa_deg"] is not None
                and sides["right"]["mean_fppa_deg"] is not None else None}  # fmt: skip
    return None


def side_findings(side: Side, s: dict[str, Any], *, label: str, frontal: bool) -> list[Finding]:
    """Plain sentences for one side; the first is the side's headline."""
    name, n = side.capitalize(), s["n_steps"]
    out: list[Finding] = []
    if not s["working"]:
        return [{"code": "no_steps", "side": side, "severity": "refused",
                 "text": f"{name} foot: no complete step was found.", "source": None}]  # fmt: skip
    if frontal and s["mean_fppa_deg"] is not None:
        mean = s["mean_fppa_deg"]
        out.append({
            "code": "gait_fppa", "side": side, "severity": "info",
            "text": f"{name} knee: {abs(mean):.0f}° {'inward' if mean >= 0 else 'outward'} on "
                    f"average at midstance over {n} steps (largest in any stance "
                    f"{s['peak_fppa_deg']:.0f}°). There is no published typical range for "
                    f"{label.lower()}, and 2D knee angles in gait track 3D knee motion poorly: "
                    "read the pelvic drop and step width first.",
            "source": RUNNING_VALGUS,
        })  # fmt: skip
    elif frontal:
        out.append({"code": "fppa_not_measured", "side": side, "severity": "refused",
                    "text": f"{name} knee: no valid knee angle could be measured.",
                    "source": None})  # fmt: skip
    drop = s["mean_pelvic_drop_deg"]
    if drop is not None:
        out.append({
            "code": "gait_pelvic_drop", "side": side, "severity": "info",
            "text": f"Standing on your {side} leg, the {OTHER[side]} side of your pelvis drops "
                    f"{drop:.1f}° at midstance on average "
                    f"(SD {s['sd_pelvic_drop_deg'] or 0:.1f}°). "
                    "More drop goes with running injuries (each degree raised the odds of being "
                    "injured by 80% in one study), but there is no published normal limit.",
            "source": BRAMAH,
        })  # fmt: skip
    share = s["crossover_share"]
    if share is not None and share >= 0.5:
        out.append({
            "code": "crossover", "side": side, "severity": "attention",
            "text": f"Your {side} foot lands on or across the midline of your body in "
                    f"{share:.0%} of its steps (a crossover gait). Aim to land each foot under "
                    "its own hip.",
            "source": CROSSOVER_SOURCE,
        })  # fmt: skip
    if 0 < n < MIN_STEPS:
        out.append({
            "code": "few_steps", "side": side, "severity": "info",
            "text": f"Only {n} complete {side} steps: the average of at least {MIN_STEPS} steps "
                    "per leg is stable, so film a longer stretch.",
            "source": DINGENEN,
        })  # fmt: skip
    return out


def _side_view_findings(sides: dict[Side, dict[str, Any]], cad: float | None) -> list[Finding]:
    parts = []
    if cad is not None:
        parts.append(f"cadence {cad:.0f} steps/min")
    for key, what, unit in (("mean_knee_flexion_contact_deg", "knee flexion at contact", "°"),
                            ("mean_overstride_pct", "heel ahead of the pelvis at contact", "% of "
                             "leg length"), ("mean_trunk_forward_lean_deg", "forward trunk lean "
                             "at midstance", "°")):  # fmt: skip
        vals = {s: sides[s][key] for s in SIDES if sides[s][key] is not None}
        if vals:
            parts.append(f"{what} " + ", ".join(f"{s} {v:.0f}{unit}" for s, v in vals.items()))
    if not parts:
        return []
    return [{"code": "side_view_measures", "side": None, "severity": "info",
             "text": "From the side: " + "; ".join(parts) + ". No published typical ranges are "
             "applied.", "source": "Zeni et al. 2008 events (science.md §3.4); Bramah 2018: "
             "injured runners landed with a more extended knee (science.md §2.3)"}]  # fmt: skip


def assess_gait(
    fm: FrameMeasures, sig: GaitSignals, steps: list[Step], /, *, test: str
) -> dict[str, Any]:
    """The gait part of ``summary.json``: sides with steps, asymmetry, drift, findings."""
    protocol = GAIT_PROTOCOLS[test]
    frontal = fm.view in FRONTAL_VIEWS
    readings = read_steps(fm, sig, steps, test=test)
    sides = {s: side_summary(readings[s], test=test, frontal=frontal) for s in SIDES}
    cad = cadence(steps, sig.fps)
    findings: list[Finding] = []
    if not frontal:
        findings.append({
            "code": "view_refused", "side": None, "severity": "refused",
            "text": f"The camera view is {fm.view}, not front or rear. Knee valgus (FPPA), pelvic "
                    "drop, hip adduction and step width need the camera in front of or behind "
                    f"the person, so they are not reported. {protocol.filming}",
            "source": None,
        })  # fmt: skip
        findings += _side_view_findings(sides, cad)
    for side in SIDES:
        findings += side_findings(side, sides[side], label=protocol.label, frontal=frontal)
    asym = asymmetry(sides)
    if asym is not None and asym["beyond_noise"]:
        findings.append({"code": "gait_asymmetry", "side": None, "severity": "attention",
                         "text": asym["text"], "source": asym["source"]})  # fmt: skip
    drifts = {s: side_drift(readings[s]) for s in SIDES}
    for side, d in drifts.items():
        if d is not None and d["changed"]:
            findings.append({"code": "fatigue_drift", "side": side, "severity": "attention",
                             "text": f"{side.capitalize()} leg: {d['text']}",
                             "source": DRIFT_SOURCE})  # fmt: skip
    duration = float(sig.time_s[-1] - sig.time_s[0]) if sig.n else 0.0
    return {
        "test": test,
        "test_label": protocol.label,
        "view": fm.view,
        "measures_used": {
            "events": "front/rear: foot vertical velocity; side: heel and toe relative to the "
            "pelvis (Zeni 2008); science.md §3.4",
            "fppa": "at midstance (and the largest in stance)",
            "pelvic_drop": "at midstance, "
            + (
                "relative to standing on both feet"
                if fm.obliquity_baseline_deg is not None
                else "relative to the image horizontal (no two-footed standing frames)"
            ),
            "step_width": "distance between the feet at contact, in pelvis widths",
        },  # fmt: skip
        "gait": {
            "cadence_spm": cad,
            "steps": sum(sides[s]["n_steps"] for s in SIDES),
            "duration_s": round(duration, 2),
            "min_steps_per_side": MIN_STEPS,
        },
        "sides": sides,
        "asymmetry": asym,
        "drift": drifts,
        "findings": findings,
        "suggestions": suggestions(sides, asym),
        "filming": protocol.filming,
    }


def suggestions(sides: dict[Side, dict[str, Any]], asym: dict[str, Any] | None) -> list[Any]:
    """The hip root cause when the pelvis drops more on one side or the feet cross over."""
    out = []
    for side in SIDES:
        s = sides[side]
        crossing = (s["crossover_share"] or 0) >= 0.5
        dropping = asym is not None and asym["beyond_noise"] and asym["measure"] == \
            "pelvic_drop_deg" and asym["larger_side"] == side  # fmt: skip
        if crossing or dropping:
            out.append({
                "cause": "hip", "side": side,
                "text": f"{side.capitalize()} leg: "
                        + ("the feet cross towards the midline" if crossing else
                           "the pelvis drops more on this leg")
                        + ". This pattern is linked to weak or tiring hip abductors (gluteus "
                        "medius); hip strengthening and a slightly wider step are the usual "
                        "first steps.",
                "source": "science.md §2.3, §3.2 and §7.1",
            })  # fmt: skip
    return out


def worst_steps(fm: FrameMeasures, steps: list[Step], /, *, n: int) -> list[dict[str, Any]]:
    """The ``n`` steps with the largest valgus (peak FPPA in stance), as worst moments."""
    peaks: list[tuple[float, int, Side]] = []
    for step in steps:
        if not step.complete or step.toe_off is None:
            continue
        fppa = fm.table[f"fppa_{step.side}_deg"].to_numpy(float)
        rows = np.arange(step.contact, step.toe_off + 1)
        ok = rows[np.isfinite(fppa[rows])]
        if ok.size and fppa[ok].max() > 0:
            row = int(ok[np.argmax(fppa[ok])])
            peaks.append((float(fppa[row]), row, step.side))
    t = fm.table["time_s"].to_numpy(float)
    return [
        {"time_s": round(float(t[row]), 3), "frame": int(fm.table["frame"].iloc[row]),
         "row": row, "side": side, "fppa_deg": round(value, 1), "image": f"worst_{i}.png"}
        for i, (value, row, side) in enumerate(sorted(peaks, reverse=True)[:n], start=1)
    ]  # fmt: skip
