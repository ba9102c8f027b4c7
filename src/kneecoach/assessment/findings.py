"""From per-rep readings to per-side summaries, findings and "what this suggests".

Plain-language text for a person who is not a biomechanist; every
classification names its source; nothing here is a diagnosis. Differences
(left vs right, first vs last rep) are called real only when they exceed the
measurement's smallest detectable difference.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kneecoach.assessment import norms
from kneecoach.assessment import sides as per_side
from kneecoach.assessment.model import (
    Asymmetry,
    Classification,
    Drift,
    Finding,
    Level,
    RepReading,
    Severity,
    SideSummary,
    Suggestion,
)
from kneecoach.assessment.norms import Sex
from kneecoach.core.movement_tests import headline, movement_test
from kneecoach.core.schema import OTHER, SIDES, Side


def side_summary(
    reps: list[RepReading],
    *,
    test: str,
    sex: Sex | None,
    working: bool | None,
    knee_noise_pct: float | None = None,
) -> SideSummary:
    """Peak, mean, SD and worst rep of FPPA, the means of the other measures, the
    classification, and the knee over the foot (``knee_noise_pct``: what this clip cannot
    tell from noise; None when the view cannot show it)."""
    out: dict[str, Any] = {"working": working, "reps": reps, "steps": []}
    out |= per_side.statistics(reps, means=per_side.REP_MEANS, sds=per_side.REP_SDS)
    out["peak_fppa_deg"] = per_side.peak(reps, "fppa_deg")
    out["worst_rep"] = next(iter(per_side.worst(reps, "fppa_deg", 1)), None)
    out["classification"] = classify(out["mean_fppa_deg"], test=test, sex=sex)
    out.update(knee_over_foot(reps, working=bool(working), noise_pct=knee_noise_pct))
    return SideSummary(**out)


def knee_over_foot(
    reps: Sequence[RepReading], *, working: bool, noise_pct: float | None
) -> dict[str, float | bool | None]:
    """The knee over its foot over the reps (science.md §1.5): the furthest inside any rep
    went (``peak_knee_over_foot_pct``, + inside, % of leg length), and ``knee_inward``: True
    when that is beyond the clip's noise, False when not, None when not measurable."""
    worst = per_side.values(reps, "knee_over_foot_worst_pct")
    peak = per_side.rounded(max(worst)) if worst and working else None
    if peak is None or noise_pct is None:
        return {
            "peak_knee_over_foot_pct": peak,
            "knee_over_foot_noise_pct": None,
            "knee_inward": None,
        }
    return {
        "peak_knee_over_foot_pct": peak,
        "knee_over_foot_noise_pct": noise_pct,
        "knee_inward": peak > noise_pct,
    }


NOT_MEASURED = Classification(
    label="not measured", level="not measured", range_deg=None, source=None
)


def classify(mean_fppa: float | None, *, test: str, sex: Sex | None) -> Classification:
    """Within / above / below the typical range for ``test``, with the source."""
    norm = norms.FPPA_RANGES.get(test)
    if mean_fppa is None:
        return NOT_MEASURED
    if norm is None:
        return Classification(
            label="no published typical range for this test",
            level="no range",
            range_deg=None,
            source=None,
        )
    low, high = norm.for_sex(sex)
    level: Level = "above" if mean_fppa > high else "below" if mean_fppa < low else "within"
    who = {"female": "women", "male": "men", None: "adults (women and men together)"}[sex]
    label = {
        "above": "above the typical range",
        "below": "below the typical range",
        "within": "within the typical range",
    }[level]
    return Classification(
        label=label,
        level=level,
        range_deg=(low, high),
        population=who,
        source=norm.source + (f"; {norm.note}" if norm.note else ""),
    )


def asymmetry(sides: Mapping[Side, SideSummary], *, test: str = "") -> Asymmetry | None:
    """Left-right difference of mean FPPA, called real only beyond the SDD.

    For tests whose headline is the knee over the foot FPPA is not used:
    the difference is of the knee shift over the foot, which has no published
    measurement noise, so it is described but never called real.
    """
    if headline(test) == "knee_over_foot":
        return _shift_asymmetry(sides)
    left, right = sides["left"].mean_fppa_deg, sides["right"].mean_fppa_deg
    if left is None or right is None:
        return None
    diff = round(left - right, 1)
    larger: Side = "left" if diff > 0 else "right"
    noise = norms.fppa_side_noise_deg()
    beyond = abs(diff) > noise
    lead = (
        f"Your {larger} knee moves inward {abs(diff):.0f}° more than your {OTHER[larger]}"
        if abs(diff) >= 0.5
        else "Your knees move alike (less than 1° apart)"
    )
    text = lead + (
        "; that is more than the measurement's noise, so the sides really differ."
        if beyond
        else f"; that is within the measurement's noise (±{noise:.0f}°), "
        "so the two sides cannot be told apart."
    )
    return Asymmetry(
        fppa_deg=diff,
        larger_side=larger,
        beyond_noise=beyond,
        sdd_deg=noise,
        source=f"{norms.FPPA_SDD_SOURCE}; mirrored-clip difference {norms.FPPA_MIRROR_DEG:g}°"
        " (measured; the larger of the two is used)",
        text=text,
    )


def _shift_asymmetry(sides: Mapping[Side, SideSummary]) -> Asymmetry | None:
    """Left against right, furthest inside the foot: a difference is called real only beyond
    the larger of the two sides' noise (science.md §1.5 has no published noise)."""
    left, right = sides["left"], sides["right"]
    a, b = left.peak_knee_over_foot_pct, right.peak_knee_over_foot_pct
    if a is None or b is None:
        return None
    noise = max(left.knee_over_foot_noise_pct or 0.0, right.knee_over_foot_noise_pct or 0.0)
    diff = round(a - b, 1)
    larger: Side = "left" if diff > 0 else "right"
    beyond = abs(diff) > noise
    text = (
        f"Your {larger} knee came {abs(diff):.0f}% of your leg length further inside its foot "
        f"than your {OTHER[larger]} knee; "
        + (
            "that is more than this clip's noise, so the sides really differ."
            if beyond
            else f"within the {noise:.0f}% this clip cannot tell from noise, so they are not "
            "called different."
        )
        if abs(diff) >= 0.5
        else "Both knees came alike over their feet (less than 1% of leg length apart)."
    )
    return Asymmetry(
        measure="knee_over_foot_pct",
        knee_over_foot_pct=diff,
        larger_side=larger,
        beyond_noise=beyond,
        noise_pct=noise,
        sdd_deg=None,
        source=KNEE_OVER_FOOT_SOURCE,
        text=text,
    )


def drift(reps: Sequence[RepReading]) -> Drift | None:
    """Does FPPA get worse over the set? Slope per rep and last minus first (≥ 3 reps)."""
    pts = [(r.index, r.fppa_deg) for r in reps if r.fppa_deg is not None and r.complete]
    if len(pts) < 3:
        return None
    x, y = np.array(pts, dtype=float).T
    slope = float(np.polyfit(x, y, 1)[0])
    change = float(y[-1] - y[0])
    beyond = abs(change) > norms.FPPA_SDD_DEG
    way = "more" if change > 0 else "less"
    moved = (
        f"the knee moved inward {abs(change):.0f}° {way}"
        if abs(change) >= 0.5
        else "the knee angle changed by less than 1°"
    )
    text = f"From the first to the last rep {moved}" + (
        " — more than the measurement's noise: the set changes as it goes on."
        if beyond
        else ", within the measurement's noise: no real change over the set."
    )
    return Drift(
        slope_deg_per_rep=round(slope, 2),
        first_last_deg=round(change, 1),
        beyond_noise=beyond,
        sdd_deg=norms.FPPA_SDD_DEG,
        text=text,
    )


def side_findings(
    side: Side, s: SideSummary, *, test_label: str, test: str, view: str = "frontal"
) -> list[Finding]:
    """One plain sentence per side (and more when there is more to say)."""
    out: list[Finding] = []
    name = side.capitalize()
    mean, cls = s.mean_fppa_deg, s.classification
    if not s.working:
        return out
    if headline(test) == "knee_over_foot":
        return out + _knee_over_foot_finding(side, s, test_label, view, _event_word(test))
    if mean is None:
        out.append(
            Finding(
                code="fppa_not_measured",
                side=side,
                severity="refused",
                text=f"{name} knee: no valid knee angle could be measured in this clip.",
                source=None,
            )
        )
    else:
        where = "inward" if mean >= 0 else "outward"
        moves = (
            f"moves {where} by {abs(mean):.0f}°"
            if abs(mean) >= 0.5
            else "stays in line with your hip and ankle (0°)"
        )
        text = (
            f"Your {side} knee {moves} on average "
            f"(worst {_event_word(test)} "
            f"{round(s.peak_fppa_deg or mean)}°) in the {test_label.lower()}"
        )
        if cls.range_deg:
            low, high = cls.range_deg
            text += f"; typical for {cls.population} is {low:.0f}-{high:.0f}° ({cls.label})."
        else:
            text += "; there is no published typical range for this test."
        if test == "single-leg-squat":
            text += f" For comparison, {norms.SLS_GROUPS}."
        severity: Severity = "attention" if cls.level == "above" else "ok"
        out.append(
            Finding(
                code=f"fppa_{cls.level.replace(' ', '_')}",
                side=side,
                severity=severity,
                text=text,
                source=cls.source,
            )
        )
    drop = s.mean_pelvic_drop_deg
    if drop is not None and drop > norms.PELVIC_DROP_SDD_DEG:
        out.append(
            Finding(
                code="pelvic_drop",
                side=side,
                severity="attention",
                text=f"Standing on your {side} leg, the {OTHER[side]} side of your pelvis drops by "
                f"{drop:.0f}°: more than the {norms.PELVIC_DROP_SDD_DEG}° by which repeated "
                "measurements of the same person can differ, so it is unlikely to be noise.",
                source=norms.PELVIC_DROP_SOURCE,
            )
        )
    if _event_word(test) == "hold":
        out += _stance_findings(side, s)
    return out


def _event_word(test: str) -> str:
    """What one event of ``test`` is called in a sentence: "hold", "landing" or "rep"."""
    t = movement_test(test)
    if t and t.event in ("hold", "landing"):
        return t.event
    return "rep"


def _stance_findings(side: Side, s: SideSummary) -> list[Finding]:
    """The single-leg stance (Trendelenburg) test's own results: the pelvis and the hold.

    A free side held level or up is the normal response, and the test is a
    30 s hold (Hardcastle & Nade 1985, science.md §2.4); a drop beyond the
    noise is said by :func:`side_findings` already.
    """
    out: list[Finding] = []
    sdd, other = norms.PELVIC_DROP_SDD_DEG, OTHER[side]
    drop = s.mean_pelvic_drop_deg
    source = f"{norms.STANCE_SOURCE}; {norms.PELVIC_DROP_SOURCE}"
    if drop is not None and drop < -sdd:
        out.append(
            Finding(
                code="pelvis_held_up",
                side=side,
                severity="ok",
                text=f"Standing on your {side} leg, the {other} side of your pelvis rises by "
                f"{-drop:.0f}° instead of dropping (more than the {sdd}° by which repeated "
                "measurements can differ): "
                "holding the free side up is the normal response in this test.",
                source=source,
            )
        )
    elif drop is not None and drop <= sdd:
        out.append(
            Finding(
                code="pelvis_level",
                side=side,
                severity="ok",
                text=f"Standing on your {side} leg, the {other} side of your pelvis stays level "
                f"(within the {sdd}° by which repeated measurements can differ): it does "
                "not drop.",
                source=source,
            )
        )
    holds = [r.hold_s for r in s.reps if r.hold_s is not None]
    if holds:
        hold, full = max(holds), norms.STANCE_HOLD_S
        text = (
            f"You stood on your {side} leg for {hold:.0f} s, the test's {full:.0f} s."
            if hold >= full
            else f"Your longest stand on your {side} leg in this clip lasts {hold:.1f} s; the "
            f"test is a {full:.0f} s hold, so the clip cannot show whether your pelvis stays up "
            f"for {full:.0f} s. Film the whole hold."
        )
        out.append(
            Finding(
                code="stance_hold",
                side=side,
                severity="info",
                text=text,
                source=norms.STANCE_SOURCE,
            )
        )
    return out


#: Where the knee-over-foot measure and its criterion come from (science.md §1.5).
KNEE_OVER_FOOT_SOURCE = (
    "knee over the foot: LESS item 9, knee medial to the midfoot (Padua 2009); knee-medial-"
    "to-foot position (Ageberg 2010); offset in % of leg length (Uhlár 2021); science.md "
    "§1.5. No published norm or measurement noise: judged against this clip's own noise"
)


def _knee_over_foot_finding(
    side: Side, s: SideSummary, test_label: str, view: str = "frontal", event: str = "rep"
) -> list[Finding]:
    """The squat-type tests' headline: did the knee go inside its foot (science.md §1.5)?"""
    inward, peak, noise = (
        s.knee_inward,
        s.peak_knee_over_foot_pct,
        s.knee_over_foot_noise_pct,
    )
    if view == "sagittal":  # the view's own sentence says why, and its side-view result
        return []
    if inward is None or peak is None or noise is None:
        why = (
            "the feet and knees must be seen from the front or from behind"
            if view not in ("frontal", "rear")
            else "the knee, ankle and toes were not seen well enough"
        )
        return [
            Finding(
                code="knee_over_foot_not_measured",
                side=side,
                severity="refused",
                text=f"{side.capitalize()} knee: its line over the foot could not be "
                f"measured ({why}).",
                source=None,
            )
        ]
    worst = max(
        (r for r in s.reps if r.knee_over_foot_worst_pct is not None),
        key=lambda r: r.knee_over_foot_worst_pct or 0.0,
    )
    when = f"{event} {worst.index}, {worst.knee_over_foot_worst_time_s:.1f} s"
    if inward:
        text = (
            f"In the {test_label.lower()} your {side} knee went inside its foot: at its worst "
            f"({when}) it was {peak:.0f}% of your leg length (about {peak * 0.9:.0f} cm for a "
            f"90 cm leg) inside the line from your midfoot to your toes. That is more than "
            f"the {noise:.0f}% this clip cannot tell from noise. Coaches look for the knee to "
            "stay over the foot, pointing where the toes point."
        )
        severity: Severity = "attention"
    else:
        where = (
            "stayed over or outside its foot"
            if peak <= 0.5
            else f"came at most {peak:.0f}% of your leg length inside its foot, within the "
            f"{noise:.0f}% this clip cannot tell from noise"
        )
        text = f"In the {test_label.lower()} your {side} knee {where}: no caving in was measured."
        severity = "ok"
    code = "knee_inside_foot" if inward else "knee_over_foot"
    return [
        Finding(code=code, side=side, severity=severity, text=text, source=KNEE_OVER_FOOT_SOURCE)
    ]


def side_view_findings(side: Side, s: SideSummary, test_label: str) -> list[Finding]:
    """A side view's result: knee flexion, the knee's travel past the toes and the trunk's
    forward lean at the deepest point, means over the reps (2D; science.md §4.2)."""
    flexion, toes, trunk = (
        s.mean_knee_flexion_deg,
        s.mean_knee_over_toe_pct,
        s.mean_trunk_forward_deg,
    )
    parts = []
    if flexion is not None:
        parts.append(f"your {side} knee bends {flexion:.0f}°")
    if toes is not None:
        past = "past" if toes > 0 else "behind"
        parts.append(f"it travels {abs(toes):.0f}% of your leg length {past} the toes")
    if trunk is not None:
        lean = "forward" if trunk >= 0 else "backward"
        parts.append(f"your trunk leans {abs(trunk):.0f}° {lean}")
    if not parts:
        return []
    text = (
        f"Seen from the side, at the deepest point of the {test_label.lower()} (mean over the "
        f"reps): {'; '.join(parts)}. These are 2D angles in the picture, a screen of depth "
        "and posture, not of knee valgus."
    )
    return [
        Finding(
            code="side_view",
            side=side,
            severity="info",
            text=text,
            source="MediaPipe knee flexion from a side view: −2.3 ± 6.4° against an IMU "
            "at 90° (Cosoli 2026), MAE 7° against Kinovea (Yue, preprint); "
            "science.md §4.2",
        )
    ]


def suggestions(sides: Mapping[Side, SideSummary], *, test: str) -> list[Suggestion]:
    """Link the pattern to the three recurring root causes (hip, foot/ankle, control)."""
    out: list[Suggestion] = []
    for side in SIDES:
        s = sides[side]
        if not s.working or s.mean_fppa_deg is None or headline(test) == "knee_over_foot":
            continue
        valgus = s.classification.level == "above" or (
            s.classification.level == "no range" and s.mean_fppa_deg > norms.FPPA_SDD_DEG
        )
        femoral = s.mean_femoral_adduction_deg
        drop = s.mean_pelvic_drop_deg
        hip_pattern = (drop is not None and drop > norms.PELVIC_DROP_SDD_DEG) or (
            valgus and femoral is not None and femoral >= 0.5 * s.mean_fppa_deg
        )
        if hip_pattern:
            out.append(
                Suggestion(
                    cause="hip",
                    side=side,
                    text=f"{side.capitalize()} leg: the pelvis drops and/or the thigh moves "
                    "inward from the hip. This pattern is linked to weak hip abductors and "
                    "extensors; hip strengthening combined with knee exercises is the "
                    "recommended first step.",
                    source="science.md §2.1-2.2 and §7.1 (Crossley 2016 and Collins 2018 "
                    "consensus: combine hip and knee exercises)",
                )
            )
        elif valgus:
            out.append(
                Suggestion(
                    cause="foot-ankle",
                    side=side,
                    text=f"{side.capitalize()} leg: the knee moves inward mostly below it, with "
                    "little inward movement of the thigh. This points to the foot and "
                    "ankle (a collapsing arch or stiff ankle): check ankle dorsiflexion "
                    "with the knee-to-wall test and add foot exercises.",
                    source="science.md §5 (Lima 2018: less dorsiflexion goes with knee valgus) "
                    "and §7.2 (Mølgaard 2018 foot exercises)",
                )
            )
        sd = s.sd_fppa_deg
        if sd is not None and sd > 2 * norms.FPPA_SEM_DEG:
            out.append(
                Suggestion(
                    cause="control",
                    side=side,
                    text=f"{side.capitalize()} leg: the knee line changes a lot from rep to rep "
                    f"(SD {sd:.0f}°), more than the measurement explains. That points to "
                    "control and awareness of where the knee is: slow, mirror- or "
                    "camera-guided single-leg practice helps.",
                    source="science.md §1.3 (SEM 2.7-3.0°, Munro 2012) and §6 (Mizuno 2021: "
                    "knee valgus goes with poor knee-position sense)",
                )
            )
    return out
