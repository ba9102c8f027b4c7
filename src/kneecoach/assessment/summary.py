"""Assemble ``summary.json`` (schema ``kneecoach.summary/1``, docs/summary-schema.md)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from kneecoach.assessment import findings as fnd
from kneecoach.assessment import norms
from kneecoach.assessment.model import (
    Finding,
    MomentAt,
    PelvicObliquity,
    RepReading,
    SideSummary,
    WorstMoment,
)
from kneecoach.assessment.norms import Sex
from kneecoach.assessment.protocols import PROTOCOLS, view_refusal
from kneecoach.assessment.readings import fppa_frame, knee_over_foot_row, read_rep
from kneecoach.core.movement_tests import headline
from kneecoach.core.schema import SIDES, Side
from kneecoach.events.reps import Rep
from kneecoach.metrics.frames import FRONTAL_VIEWS, FrameMeasures

DISCLAIMER = (
    "kneecoach is a movement screen, not a diagnosis. Angles measured on a single video are "
    "2D projections, not 3D joint angles, and the same person measured on two days varies by "
    f"about {norms.FPPA_SDD_DEG:.0f}°. It does not replace a clinician. See a clinician before "
    "training if the knee is hot, red or swollen, locks or gives way, hurts at night or at rest, "
    "or if you cannot bear weight on it (science.md §7.3)."
)
METHOD_NOTES = [
    "Pose: MediaPipe BlazePose (model_complexity 1), one person, on every frame; left and right "
    "are the subject's own, with left/right label swaps of the model detected and corrected.",
    "Cleaning: keypoints below the confidence threshold removed, gaps up to 0.33 s filled, "
    "4th-order zero-lag Butterworth low-pass at 6 Hz (Sports2D/Pose2Sim defaults, science.md §8).",
    "FPPA (frontal plane projection angle) = 180° minus the hip-knee-ankle angle in the image; "
    "positive = the knee inside the hip-ankle line (valgus), negative = outside (varus) "
    "(Munro/Herrington convention, science.md §1.1). Keypoint hips are joint centres, not the "
    "thigh markers of the published studies, so values may be offset from published norms.",
    "FPPA is not reported while the hips are near knee height (thigh foreshortened towards the "
    "camera), where 2D values become meaningless (mocapr; science.md §1.1). For squats the "
    "knee-to-ankle separation ratio (KASR, Mizner 2012) is read at the deepest point instead.",
    "Pelvic drop: the tilt of the hip line with the free side down, relative to standing on "
    "both feet (science.md §2.1). Hip adduction: thigh angle from the perpendicular to the "
    "pelvis line (femoral adduction + pelvic drop).",
    "2D frontal-plane knee angles agree only weakly with 3D knee abduction (r = 0.2-0.3; "
    "science.md §0.6); 2D hip and pelvis angles agree better. Read the result as a movement "
    "pattern, and compare like with like (same test, camera, distance).",
]
SOURCES = [
    "Munro, Herrington & Carolan 2012. Reliability of 2D video assessment of frontal-plane "
    "dynamic knee valgus during common athletic screening tasks. J Sport Rehabil 21:7-11.",
    "Herrington & Munro 2010. Drop jump landing knee valgus angle; normative data in a "
    "physically active population. Phys Ther Sport 11:56-59.",
    "Herrington 2014. Knee valgus angle during single leg squats and landings in "
    "patellofemoral pain patients and controls. Knee 21:514-517.",
    "Mizner et al. 2012 (knee-to-ankle separation ratio); Noyes et al. 2005, AJSM "
    "(normalised knee separation).",
    "Dingenen et al. 2018. Test-retest reliability of two-dimensional video analysis during "
    "running. Phys Ther Sport 33:40-47.",
    "Hardcastle & Nade 1985. The significance of the Trendelenburg test. JBJS-Br 67-B(5).",
    "Crossley et al. 2016, BJSM 50:844-852, and Collins et al. 2018, BJSM 52:1170 "
    "(patellofemoral pain consensus statements).",
]


#: A change in KASR smaller than this is not called a change (derived: twice the largest
#: SD of KASR over standing frames on the shared front-view squats, 0.02-0.05).
KASR_CHANGE = 0.1


def kasr_finding(kasr: float, standing: float | None) -> Finding:
    """The knee-to-ankle separation ratio at depth, against the person's own standing ratio
    (Mizner 2012 reads it against 1, but on the shared squats people stand with their knees
    0.76-0.85 times as far apart as their ankles: against 1 everyone reads "closer")."""
    text = (
        f"At the deepest point your knees are {kasr:.2f} times as far apart as your ankles "
        "(knee-to-ankle separation ratio)"
    )
    if standing is None:
        text += "; no frames standing on both feet to compare it with (start the clip standing)."
    elif kasr <= standing - KASR_CHANGE:
        text += (
            f", against {standing:.2f} standing: your knees come closer together as you go down."
        )
    elif kasr >= standing + KASR_CHANGE:
        text += f", against {standing:.2f} standing: your knees move apart as you go down."
    else:
        text += f", about as when standing ({standing:.2f}): the knees keep their spacing."
    return Finding(
        code="kasr",
        side=None,
        severity="info",
        text=text,
        source="Mizner et al. 2012 (science.md §1.1); read against the person's own "
        "standing ratio (derived)",
    )


#: How far the pelvis's tilt at the bottom of a two-legged squat changes when the clip is
#: mirrored (it should only change sign): 0.9°, 2.5° and 7.2° on front_overhead_squat_04,
#: _01 and _05 (measured; the hips hide behind the thighs at depth). Larger than the 2.8°
#: SDD, so a tilt is called real only beyond this.
OBLIQUITY_MIRROR_DEG = 7.2


def pelvic_obliquity(reps: Sequence[RepReading]) -> PelvicObliquity | None:
    """Two-legged tests: the pelvis's tilt at the reading frames, relative to standing, as
    one signed value (+ = the subject's right hip lower) and which hip is lower; a tilt is
    called real only beyond the larger of the 2.8° SDD of pelvic drop (Dingenen 2018,
    science.md §2.3) and :data:`OBLIQUITY_MIRROR_DEG`."""
    values = [
        r.pelvic_obliquity_deg for r in reps if r.pelvic_obliquity_deg is not None and r.complete
    ]
    if not values:
        return None
    mean = round(float(np.mean(values)), 1)
    lower: Side | None = "right" if mean > 0 else "left" if mean < 0 else None
    noise = max(norms.PELVIC_DROP_SDD_DEG, OBLIQUITY_MIRROR_DEG)
    return PelvicObliquity(
        mean_deg=mean,
        lower_hip=lower,
        sdd_deg=norms.PELVIC_DROP_SDD_DEG,
        noise_deg=noise,
        beyond_noise=abs(mean) > noise,
        source=f"{norms.PELVIC_DROP_SOURCE}; mirror difference measured on the shared squats "
        "(kneecoach)",
    )


def obliquity_finding(obliquity: PelvicObliquity) -> Finding:
    lower, mean = obliquity.lower_hip, abs(obliquity.mean_deg)
    other = "left" if lower == "right" else "right"
    return Finding(
        code="pelvic_obliquity",
        side=lower,
        severity="attention",
        text=f"At the deepest point your {lower} hip is {mean:.0f}° lower than your {other} "
        f"hip, compared with standing: more than the {obliquity.noise_deg:.1f}° "
        "this measure can be off by at the bottom of a squat (a mirrored clip's "
        f"tilt differs by up to that): your pelvis tilts towards your {lower} side.",
        source=obliquity.source,
    )


def side_view_headline(view: str, test: str) -> bool:
    """A rep test filmed from the side: its result is the sagittal measures (knee flexion,
    knee travel past the toes, trunk lean), since valgus cannot be seen (science.md §1.1)."""
    return view == "sagittal" and PROTOCOLS[test].event != "hold"


def working_sides(reps: list[Rep], *, bilateral: bool) -> dict[Side, list[Rep]]:
    """The reps each side worked in (every rep for both sides in bilateral tests)."""
    if bilateral:
        return {s: list(reps) for s in SIDES}
    return {s: [r for r in reps if r.side == s] for s in SIDES}


def assess(
    fm: FrameMeasures, reps: list[Rep], /, *, test: str, sex: Sex | None
) -> dict[str, object]:
    """Sides, asymmetry, drift, findings and suggestions for one test: these fields of the
    :class:`~kneecoach.assessment.model.Assessment`."""
    protocol = PROTOCOLS[test]
    by_side = working_sides(reps, bilateral=protocol.bilateral)
    sides: dict[Side, SideSummary] = {}
    findings: list[Finding] = []
    for side in SIDES:
        readings = [read_rep(fm.table, r, side, test) for r in by_side[side]]
        sides[side] = fnd.side_summary(
            readings,
            test=test,
            sex=sex,
            working=bool(by_side[side]),
            knee_noise_pct=fm.knee_over_foot_noise_pct.get(side),
        )
        findings += fnd.side_findings(
            side, sides[side], test_label=protocol.label, test=test, view=fm.view
        )
    unclear = [r.index for r in reps if not protocol.bilateral and r.side is None]
    if unclear:
        findings.append(
            Finding(
                code="working_leg_unclear",
                side=None,
                severity="info",
                text=f"Rep{'s' * (len(unclear) != 1)} {', '.join(map(str, unclear))}: could "
                "not tell which leg was working, so "
                f"{'they were' if len(unclear) != 1 else 'it was'} left out. Keep the free "
                "foot clearly off the floor.",
                source=None,
            )
        )
    if fm.view not in FRONTAL_VIEWS:
        findings.insert(0, view_refused(fm.view, protocol.filming))
    if side_view_headline(fm.view, test):
        findings += [
            f
            for s in SIDES
            if sides[s].working
            for f in fnd.side_view_findings(s, sides[s], protocol.label)
        ]
    if protocol.bilateral and protocol.event in ("dip", "landing"):  # not seated (sit-to-stand)
        kasr = [r.kasr for r in sides["left"].reps if r.kasr is not None]
        if kasr:
            findings.append(kasr_finding(float(np.mean(kasr)), fm.kasr_standing))
    obliquity = pelvic_obliquity(sides["left"].reps) if protocol.bilateral else None
    if obliquity is not None and obliquity.beyond_noise:
        findings.append(obliquity_finding(obliquity))
    by_shift = headline(test) == "knee_over_foot"  # FPPA is not used: no FPPA drift either
    drift = {s: None if by_shift else fnd.drift(sides[s].reps) for s in SIDES}
    return {
        "test": test,
        "test_label": protocol.label,
        "view": fm.view,
        "measures_used": {
            "fppa": f"read {protocol.reading}",
            "kasr": "knee-to-ankle separation ratio (both legs in view; bilateral tests)",
            "pelvic_drop": "relative to standing on both feet"
            if fm.obliquity_baseline_deg is not None
            else "relative to the image horizontal (no two-footed standing frames)",
        },
        "sides": sides,
        "kasr_standing": fm.kasr_standing if protocol.bilateral else None,
        "pelvic_obliquity": obliquity,
        "asymmetry": fnd.asymmetry(sides, test=test),
        "drift": drift,
        "findings": findings,
        "suggestions": fnd.suggestions(sides, test=test),
        "filming": protocol.filming,
        "method_notes": METHOD_NOTES + fm.notes,
        "sources": SOURCES,
        "disclaimer": DISCLAIMER,
    }


#: A rep is refused when its working leg is in the picture for less than this share
#: of it (derived: most of the rep must be seen to read it).
MIN_IN_FRAME_SHARE = 0.5


def legs_out_of_frame(
    table: pd.DataFrame, reps: list[Rep], /, *, bilateral: bool
) -> list[tuple[int, Side]]:
    """``(rep, side)`` of each working leg that is in the picture for under half its rep."""
    cut: list[tuple[int, Side]] = []
    for side, side_reps in working_sides(reps, bilateral=bilateral).items():
        column = f"leg_in_frame_{side}"
        if column not in table:
            continue
        inside = table[column].to_numpy(float)
        for rep in side_reps:
            if np.nanmean(inside[rep.start : rep.end + 1]) < MIN_IN_FRAME_SHARE:
                cut.append((rep.index, side))
    return sorted(cut)


def out_of_frame_finding(cut: list[tuple[int, Side]], filming: str) -> Finding:
    """The refusal for the reps :func:`legs_out_of_frame` found, with how to film instead."""
    sides = sorted({side for _, side in cut})
    legs = "Both legs are" if len(sides) == 2 else f"Your {sides[0]} leg (hip, knee or ankle) is"
    reps = ", ".join(str(i) for i in sorted({i for i, _ in cut}))
    return Finding(
        code="leg_out_of_frame",
        side=sides[0] if len(sides) == 1 else None,
        severity="refused",
        text=f"{legs} out of the picture for most of rep(s) "
        f"{reps}, so the knee could not be measured. Step back or zoom out so the whole "
        f"body, feet included, stays in view. {filming}",
        source=None,
    )


def view_refused(view: str, filming: str) -> Finding:
    """The finding that frontal-plane measures are not reported from ``view``."""
    return Finding(
        code="view_refused",
        side=None,
        severity="refused",
        text=view_refusal(view, filming),
        source=None,
    )


def worst_moments(
    table: pd.DataFrame, reps: list[Rep], /, *, bilateral: bool, n: int, test: str = ""
) -> list[MomentAt]:
    """The ``n`` largest valgus moments, one per rep and working leg, as the rep table reads them.

    Each is the rep's own reading: FPPA at the frame :func:`readings.fppa_frame`
    reads it, so a picture shows the value of its rep's row. For the squat-type
    tests whose headline is the knee over the foot, where FPPA is not used, the rep's
    frame where the knee is furthest inside its foot (``knee_over_foot_pct``, the rep's
    ``knee_over_foot_worst_pct``), with ``fppa_deg`` only where FPPA is read at that frame.
    """
    by_shift = headline(test) == "knee_over_foot"
    peaks: list[tuple[float, int, Side, Rep]] = []
    for side, side_reps in working_sides(reps, bilateral=bilateral).items():
        for rep in side_reps:
            row = (
                knee_over_foot_row(table, rep, side)
                if by_shift
                else fppa_frame(table, rep, side, test)
            )
            if row is None:
                continue
            column = f"knee_over_foot_{side}_pct" if by_shift else f"fppa_{side}_deg"
            value = float(table[column].iloc[row])
            if np.isfinite(value) and value > 0:  # only valgus is a "worst" moment
                peaks.append((round(value, 1), row, side, rep))
    peaks.sort(key=lambda p: (-p[0], p[1]))
    t = table["time_s"].to_numpy(float)
    out = []
    for i, (value, row, side, rep) in enumerate(peaks[:n], start=1):
        fppa = float(table[f"fppa_{side}_deg"].iloc[row])
        same_frame = not by_shift or fppa_frame(table, rep, side, test) == row
        moment = WorstMoment(
            time_s=round(float(t[row]), 3),
            frame=int(table["frame"].iloc[row]),
            side=side,
            rep=rep.index,
            fppa_deg=round(fppa, 1) if np.isfinite(fppa) and same_frame else None,
            knee_over_foot_pct=value if by_shift else None,
            image=f"worst_{i}.png",
        )
        out.append(MomentAt(moment, row))
    return out
