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
sides are called real only with at least :data:`MIN_STEPS` steps per side and
beyond the measure's smallest detectable difference (SDD); changes over a long
clip (fatigue drift) only when their 95% CI excludes zero and they exceed the
SDD or, for measures with no published SDD, a documented minimum effect
(:data:`MIN_EFFECT`). A side-view contact with an implausible knee flexion
(:data:`KNEE_FLEXION_CONTACT_DEG`) is marked incomplete.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from kneecoach.assessment import norms
from kneecoach.assessment import sides as per_side
from kneecoach.assessment.findings import NOT_MEASURED
from kneecoach.assessment.model import (
    Asymmetry,
    Classification,
    Drift,
    DriftMeasure,
    Finding,
    MomentAt,
    SideSummary,
    StepReading,
    Suggestion,
    WorstMoment,
)
from kneecoach.assessment.protocols import GAIT_PROTOCOLS
from kneecoach.assessment.sides import rounded
from kneecoach.core.schema import OTHER, SIDES, Side
from kneecoach.events.gait import Step, is_glide, step_rate
from kneecoach.metrics.frames import FRONTAL_VIEWS, OBLIQUE_CONFIDENCE, FrameMeasures
from kneecoach.metrics.gait import GaitSignals

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
#: No published SDD exists for step width, foot offset or overstride. Their drift is
#: called real only beyond this minimum effect: 5% of leg length, the smallest step
#: width change Meardon et al. 2012 imposed (it changed iliotibial-band strain;
#: science.md §3.2), which is about 0.25 pelvis widths (hip keypoints ~18 cm apart,
#: leg ~90 cm) and 5% of leg length for overstride (derived).
MIN_EFFECT: dict[str, tuple[float, str]] = {
    "step_width": (
        0.25,
        "no published SDD; minimum effect 0.25 pelvis widths (~5% of leg "
        "length, the smallest step-width change in Meardon 2012; science.md §3.2)",
    ),
    "foot_offset": (
        0.25,
        "no published SDD; minimum effect 0.25 pelvis widths (~5% of leg "
        "length, Meardon 2012; science.md §3.2)",
    ),
    "overstride_pct": (
        5.0,
        "no published SDD; minimum effect 5% of leg length (the step "
        "change of Meardon 2012, applied to foot placement; derived)",
    ),
}
#: Measures followed for fatigue drift, with their plain names.
DRIFT_MEASURES = {
    "fppa_deg": "knee angle (FPPA)",
    "pelvic_drop_deg": "pelvic drop",
    "hip_adduction_deg": "hip adduction",
    "trunk_lean_deg": "sideways trunk lean",
    "step_width": "step width",
    "foot_offset": "foot distance from the midline (crossover when ≤ 0)",
    "knee_flexion_contact_deg": "knee flexion at contact",
    "overstride_pct": "overstride",
}
#: The unit of each measure, as the findings print it after the number.
UNITS = {
    "fppa_deg": "°",
    "peak_fppa_deg": "°",
    "pelvic_drop_deg": "°",
    "hip_adduction_deg": "°",
    "trunk_lean_deg": "°",
    "knee_flexion_contact_deg": "°",
    "trunk_forward_lean_deg": "°",
    "step_width": " pelvis widths",
    "foot_offset": " pelvis widths",
    "overstride_pct": "% of leg length",
    "stance_time_s": " s",
    "step_time_s": " s",
    "glide_s": " s",
    "cadence_spm": " steps/min",
}
#: Plausible 2D knee flexion at initial contact in a side view (°), per test. Published
#: means: walking about 5° (Perry & Burnfield 2010), running about 20° (Novacheck 1998,
#: Gait Posture 7:77-95; 21° in 3D treadmill data); the limits add wide room for 2D
#: keypoint error and overstriding. Beyond them the "contact" is a mid-swing frame.
KNEE_FLEXION_CONTACT_DEG: dict[str, tuple[float, float]] = {
    "walk": (-10.0, 35.0),
    "run": (-10.0, 60.0),
}
#: Drift needs this long a clip and this many steps per side (derived: 5 per fifth).
MIN_DRIFT_S = 60.0
MIN_DRIFT_STEPS = 25
DRIFT_SOURCE = (
    "slope by least squares; first vs last fifth of the steps with a 95% confidence interval "
    "(Welch); noise: the measure's SDD (Dingenen 2018, Munro 2012) or, where none is "
    "published (step width, foot offset, overstride), a minimum effect of 5% of leg length "
    "(Meardon 2012; docs/gait.md)"
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
WALKING_VALGUS = (
    "no published typical 2D knee angle for walking; 2D frontal knee angles agree poorly "
    "with 3D (r = 0.20-0.31 in single-leg squats: Haberkamp 2022, Schurr 2017; science.md "
    "§4.1), so read the pelvic drop and step width first"
)


def valgus_source(test: str) -> str:
    """The caveat to cite with a gait knee angle: running evidence only for running."""
    return WALKING_VALGUS if test == "walk" else RUNNING_VALGUS


def read_steps(
    fm: FrameMeasures, sig: GaitSignals, steps: list[Step], /, *, test: str
) -> dict[Side, list[StepReading]]:
    """One reading per step, per side, in time order."""
    table, t, fps = fm.table, sig.time_s, sig.fps
    frontal = fm.view in FRONTAL_VIEWS
    frames = table["frame"].to_numpy()

    def col(name: str) -> npt.NDArray[np.float64]:
        return table[name].to_numpy(float) if name in table else np.full(len(table), np.nan)

    # every per-frame array once per side, not once per step
    arr = {
        s: {
            "fppa": col(f"fppa_{s}_deg"),
            "drop": col(f"pelvic_drop_{s}_deg"),
            "hip": col(f"hip_adduction_{s}_deg"),
            "flex": col(f"knee_flexion_{s}_deg"),
            "conf": col(f"confidence_{s}"),
            "offset": sig.offset(s) if frontal else np.full(sig.n, np.nan),
            "heel": sig.ahead(s, "heel") if not frontal else np.full(sig.n, np.nan),
        }
        for s in SIDES
    }
    lean_all = col("trunk_lean_deg")
    flex_range = None if frontal else KNEE_FLEXION_CONTACT_DEG.get(test)
    last_offset: dict[Side, float | None] = {"left": None, "right": None}
    last_contact: dict[Side, int | None] = {"left": None, "right": None}
    out: dict[Side, list[StepReading]] = {"left": [], "right": []}
    for step in steps:
        s, c, m = step.side, step.contact, step.midstance
        a = arr[s]
        end = step.toe_off if step.toe_off is not None else c
        fppa = a["fppa"][c : end + 1]
        offset = rounded(float(a["offset"][c]), 2) if frontal else None
        other = last_offset[OTHER[s]]
        width = rounded(offset + other, 2) if offset is not None and other is not None else None
        prev = last_contact[OTHER[s]]
        lean = lean_all[m] * (1 if s == "left" else -1)
        flex = rounded(float(a["flex"][c]))
        conf = a["conf"][c : end + 1]
        if not frontal:  # undo the frontal-measure penalty: side-view measures are the point
            conf = np.minimum(conf / OBLIQUE_CONFIDENCE, 1.0)
        problem = None
        if step.backward:
            problem = "walked backwards (or the clip plays in reverse)"
        elif (
            flex_range is not None
            and flex is not None
            and not (flex_range[0] <= flex <= flex_range[1])
        ):
            problem = (
                f"knee flexion at contact {flex:.0f}° is outside the plausible "
                f"{flex_range[0]:.0f}-{flex_range[1]:.0f}°: not a real contact"
            )
        glide_s = None
        complete = step.complete and problem is None
        if test == "skate":
            if step.glide is not None:
                glide_s = round(float(t[step.glide[1]] - t[step.glide[0]]), 3)
            complete = complete and is_glide(step, fps)
        reading = StepReading(
            index=len(out[s]) + 1,
            frame=int(frames[c]),
            time_s=round(float(t[c]), 3),
            midstance_frame=int(frames[m]),
            toe_off_frame=None if step.toe_off is None else int(frames[end]),
            # timestamps, not frames / fps: a variable-frame-rate clip keeps its real timing
            stance_time_s=None if step.toe_off is None else round(float(t[end] - t[c]), 3),
            step_time_s=None if prev is None else round(float(t[c] - t[prev]), 3),
            fppa_deg=rounded(float(a["fppa"][m])),
            peak_fppa_deg=rounded(float(np.nanmax(fppa))) if np.isfinite(fppa).any() else None,
            pelvic_drop_deg=rounded(float(a["drop"][m])),
            hip_adduction_deg=rounded(float(a["hip"][m])),
            trunk_lean_deg=rounded(float(lean)),
            foot_offset=offset,
            step_width=width,
            crossover=None if offset is None else bool(offset <= 0),
            knee_flexion_contact_deg=flex,
            overstride_pct=None if frontal else rounded(100 * float(a["heel"][c])),
            trunk_forward_lean_deg=None if frontal else rounded(float(sig.trunk_forward_deg[m])),
            confidence=rounded(float(np.nanmean(conf)), 2) if np.isfinite(conf).any() else None,
            complete=complete,
            problem=problem,
            glide_s=glide_s,
        )
        out[s].append(reading)
        if offset is not None and step.complete:
            last_offset[s] = offset
        last_contact[s] = c
    return out


def side_summary(
    steps: list[StepReading], *, test: str, frontal: bool, cadence_spm: float | None = None
) -> SideSummary:
    """Means, SDs, peak FPPA, worst steps and shares for one side (``cadence_spm``: this
    foot's)."""
    done = [r for r in steps if r.complete]
    out: dict[str, Any] = {"working": bool(done), "reps": [], "steps": steps, "n_steps": len(done)}
    out |= per_side.statistics(steps, means=per_side.STEP_MEANS, sds=per_side.STEP_SDS)
    out["peak_fppa_deg"] = per_side.peak(steps, "peak_fppa_deg")
    out["worst_steps"] = per_side.worst(steps, "peak_fppa_deg", 3)
    cross = [r.crossover for r in done if r.crossover is not None]
    out["crossover_share"] = rounded(float(np.mean(cross)), 2) if cross else None
    out["classification"] = (
        Classification(
            label="no published typical range for this test",
            level="no range",
            range_deg=None,
            source=valgus_source(test),
        )
        if out["mean_fppa_deg"] is not None
        else NOT_MEASURED
    )
    out["cadence_spm"] = cadence_spm
    return SideSummary(**out)


def cadence(steps: list[Step], time_s: npt.NDArray[np.float64]) -> float | None:
    """Steps per minute over the clip (:func:`kneecoach.events.gait.step_rate`), from the
    contacts' timestamps (a variable-frame-rate clip keeps its real timing)."""
    rate = step_rate(
        np.array([time_s[s.contact] for s in steps], dtype=float), [s.side for s in steps]
    )
    return None if rate is None else rounded(rate, 1)


def drift(steps: Sequence[StepReading], key: str) -> DriftMeasure | None:
    """Trend of one measure over the clip: slope per minute and first vs last 20% of steps."""
    pts = [(r.time_s, v) for r in steps if (v := getattr(r, key)) is not None and r.complete]
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
    floor = sdd or MIN_EFFECT.get(key)  # no published SDD: a documented minimum effect
    clear = bool(ci.low > 0 or ci.high < 0)
    beyond = None if floor is None else bool(clear and abs(change) > floor[0])
    return DriftMeasure(
        slope_per_min=rounded(float(fit.slope), 3),
        slope_ci95=(
            rounded(float(fit.slope - tcrit * fit.stderr), 3),
            rounded(float(fit.slope + tcrit * fit.stderr), 3),
        ),
        first_last=rounded(change, 2),
        first_last_ci95=(rounded(float(ci.low), 2), rounded(float(ci.high), 2)),
        steps_per_group=fifth,
        sdd=None if sdd is None else sdd[0],
        sdd_source=None if sdd is None else sdd[1],
        min_effect=None if sdd is not None or floor is None else floor[0],
        min_effect_source=None if sdd is not None or floor is None else floor[1],
        unit=UNITS.get(key, "").strip(),
        beyond_noise=beyond,
    )


def _amount(value: float, key: str) -> str:
    unit = UNITS.get(key, "")
    digits = 2 if unit.strip() == "pelvis widths" else 1
    return f"{value:.{digits}f}{unit}"


def side_drift(steps: Sequence[StepReading]) -> Drift | None:
    """Every followed measure's drift, and one sentence on what really changed."""
    measures = {k: d for k in DRIFT_MEASURES if (d := drift(steps, k)) is not None}
    if not measures:
        return None
    changed = [k for k, d in measures.items() if d.beyond_noise]
    if changed:
        parts = [
            f"{DRIFT_MEASURES[k]} {'rose' if (measures[k].first_last or 0) > 0 else 'fell'} by "
            f"{_amount(abs(measures[k].first_last or 0), k)} from the first to the last fifth of "
            "the steps"
            for k in changed
        ]
        text = "; ".join(parts) + ", more than the measurement's noise: this changed as you tired."
    else:
        text = (
            "no measure changed by more than the measurement's noise from the first to the "
            "last fifth of the steps."
        )
    return Drift(measures=measures, changed=changed, text=text)


def asymmetry(sides: Mapping[Side, SideSummary]) -> Asymmetry | None:
    """Left-right difference of mean pelvic drop (then FPPA).

    Real (``beyond_noise``) only beyond the SDD and with at least :data:`MIN_STEPS`
    complete steps with a value on each side (a mean of fewer is not stable,
    Dingenen 2018); with fewer, ``beyond_noise`` is None: not decided.
    """
    for key, what in (("mean_pelvic_drop_deg", "pelvic drop"), ("mean_fppa_deg", "knee angle")):
        left, right = getattr(sides["left"], key), getattr(sides["right"], key)
        if left is None or right is None:
            continue
        measure = key.removeprefix("mean_")
        sdd, source = SDD[measure]
        if measure == "fppa_deg":  # left against right: also beyond the mirrored-clip difference
            sdd = norms.fppa_side_noise_deg()
        diff = round(left - right, 1)
        larger: Side = "left" if diff > 0 else "right"
        n = min(len(per_side.values(sides[s].steps, measure)) for s in SIDES)
        beyond = abs(diff) > sdd if n >= MIN_STEPS else None
        if beyond is None:
            verdict = (
                f"; with only {n} complete steps on one side (at least {MIN_STEPS} per leg "
                "are needed for a stable mean), the sides cannot be compared yet."
            )
        elif beyond:
            verdict = "; more than the measurement's noise, so the sides really differ."
        else:
            verdict = (
                f"; within the measurement's noise (±{sdd}°), so the two sides cannot be "
                "told apart."
            )
        text = (
            f"The {what} is {abs(diff):.1f}° larger standing on your {larger} leg than on your "
            f"{OTHER[larger]}" + verdict
        )
        fl, fr_ = sides["left"].mean_fppa_deg, sides["right"].mean_fppa_deg
        return Asymmetry(
            measure=measure,
            difference=diff,
            larger_side=larger,
            beyond_noise=beyond,
            sdd_deg=sdd,
            source=source,
            text=text,
            steps_per_side=n,
            min_steps_per_side=MIN_STEPS,
            fppa_deg=round(fl - fr_, 1) if fl is not None and fr_ is not None else None,
        )
    return None


def side_findings(
    side: Side, s: SideSummary, *, label: str, frontal: bool, test: str = "run"
) -> list[Finding]:
    """Plain sentences for one side; the first is the side's headline."""
    name, n = side.capitalize(), s.n_steps or 0
    out: list[Finding] = []
    if not s.working:
        return [
            Finding(
                code="no_steps",
                side=side,
                severity="refused",
                text=f"{name} foot: no complete step was found.",
                source=None,
            )
        ]
    if frontal and s.mean_fppa_deg is not None:
        mean, peak = s.mean_fppa_deg, s.peak_fppa_deg
        most = (
            ""
            if peak is None
            else f" (most inward in any stance: {peak:.0f}° inward)"
            if round(peak) >= 0
            else f" (even at its most inward in any stance, still {-peak:.0f}° outward)"
        )
        # a mean that rounds to 0° has no direction ("0° outward" read oddly)
        way = "inward" if round(mean) > 0 else "outward" if round(mean) < 0 else "(in line)"
        out.append(
            Finding(
                code="gait_fppa",
                side=side,
                severity="info",
                text=f"{name} knee: {abs(round(mean))}° {way} on "
                f"average at midstance over {n} steps{most}. There is no published typical "
                f"range for {label.lower()}, and 2D knee angles in gait track 3D knee motion "
                "poorly: read the pelvic drop and step width first.",
                source=valgus_source(test),
            )
        )
    elif frontal:
        out.append(
            Finding(
                code="fppa_not_measured",
                side=side,
                severity="refused",
                text=f"{name} knee: no valid knee angle could be measured.",
                source=None,
            )
        )
    drop = s.mean_pelvic_drop_deg
    if drop is not None:
        rises = drop <= -0.05  # "rises 0.0°" would say a direction that is not there
        out.append(
            Finding(
                code="gait_pelvic_drop",
                side=side,
                severity="info",
                text=f"Standing on your {side} leg, the {OTHER[side]} side of your pelvis "
                f"{'rises' if rises else 'drops'} {abs(drop):.1f}° at midstance on "
                "average "
                f"(SD {s.sd_pelvic_drop_deg or 0:.1f}°). "
                + (
                    "The injury studies concern a pelvis that drops (Bramah 2018), so "
                    "they say nothing about a rise."
                    if rises
                    else "In runners, more drop went with injuries (each degree raised the odds "
                    "by 80% in one study); that evidence is from running, and no normal "
                    "limit is applied to walking."
                    if test == "walk"
                    else "More drop goes with running injuries (each degree raised the odds of "
                    "being injured by 80% in one study), but there is no published normal "
                    "limit."
                ),
                source=BRAMAH,
            )
        )
    share = s.crossover_share
    if share is not None and share >= 0.5:
        out.append(
            Finding(
                code="crossover",
                side=side,
                severity="attention",
                text=f"Your {side} foot lands on or across the midline of your body in "
                f"{share:.0%} of its steps (a crossover gait). Aim to land each foot under "
                "its own hip.",
                source=CROSSOVER_SOURCE,
            )
        )
    if 0 < n < MIN_STEPS:
        out.append(
            Finding(
                code="few_steps",
                side=side,
                severity="info",
                text=f"Only {n} complete {side} step{'s' if n > 1 else ''}: the average of at "
                f"least {MIN_STEPS} steps "
                "per leg is stable, so film a longer stretch.",
                source=DINGENEN,
            )
        )
    return out


def _side_view_findings(sides: Mapping[Side, SideSummary], cad: float | None) -> list[Finding]:
    parts = []
    if cad is not None:
        parts.append(f"cadence {cad:.0f} steps/min")
    for key, what, unit in (
        ("mean_knee_flexion_contact_deg", "knee flexion at contact", "°"),
        ("mean_overstride_pct", "heel ahead of the pelvis at contact", "% of leg length"),
        ("mean_trunk_forward_lean_deg", "forward trunk lean at midstance", "°"),
    ):
        vals = {s: v for s in SIDES if (v := getattr(sides[s], key)) is not None}
        if vals:
            # round() to an int: -0.3 is "0", not "-0"
            parts.append(f"{what} " + ", ".join(f"{s} {round(v)}{unit}" for s, v in vals.items()))
    if not parts:
        return []
    return [
        Finding(
            code="side_view_measures",
            side=None,
            severity="info",
            text="From the side: " + "; ".join(parts) + ". No published typical ranges are "
            "applied.",
            source="Zeni et al. 2008 events (science.md §3.4); Bramah 2018: "
            "injured runners landed with a more extended knee (science.md §2.3)",
        )
    ]


def assess_gait(
    fm: FrameMeasures, sig: GaitSignals, steps: list[Step], /, *, test: str
) -> dict[str, object]:
    """The gait part of the :class:`~kneecoach.assessment.model.Assessment`: sides with
    steps, asymmetry, drift, findings."""
    protocol = GAIT_PROTOCOLS[test]
    frontal = fm.view in FRONTAL_VIEWS
    readings = read_steps(fm, sig, steps, test=test)
    sides: dict[Side, SideSummary] = {}
    for side in SIDES:  # each foot's strides, as steps per minute (a limp shows here)
        mine = [s for s in steps if s.side == side]
        foot = cadence(mine, sig.time_s) if len(mine) >= 3 else None
        sides[side] = side_summary(readings[side], test=test, frontal=frontal, cadence_spm=foot)
    cad = cadence(steps, sig.time_s)
    findings: list[Finding] = []
    if not frontal:
        findings.append(
            Finding(
                code="view_refused",
                side=None,
                severity="refused",
                text=f"The camera view is {fm.view}, not front or rear. Knee valgus (FPPA), pelvic "
                "drop, hip adduction and step width need the camera in front of or behind "
                f"the person, so they are not reported. {protocol.filming}",
                source=None,
            )
        )
        findings += _side_view_findings(sides, cad)
    for side in SIDES:
        findings += side_findings(
            side, sides[side], label=protocol.label, frontal=frontal, test=test
        )
    asym = asymmetry(sides)
    if asym is not None and asym.beyond_noise:
        findings.append(
            Finding(
                code="gait_asymmetry",
                side=None,
                severity="attention",
                text=asym.text,
                source=asym.source,
            )
        )
    drifts = {s: side_drift(readings[s]) for s in SIDES}
    for side, d in drifts.items():
        if d is not None and d.changed:
            findings.append(
                Finding(
                    code="fatigue_drift",
                    side=side,
                    severity="attention",
                    text=f"{side.capitalize()} leg: {d.text}",
                    source=DRIFT_SOURCE,
                )
            )
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
        },
        "gait": {
            "cadence_spm": cad,
            "steps": sum(sides[s].n_steps or 0 for s in SIDES),
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


def suggestions(sides: Mapping[Side, SideSummary], asym: Asymmetry | None) -> list[Suggestion]:
    """The hip root cause when the pelvis drops more on one side or the feet cross over."""
    out = []
    for side in SIDES:
        s = sides[side]
        crossing = (s.crossover_share or 0) >= 0.5
        dropping = (
            asym is not None
            and asym.beyond_noise
            and asym.measure == "pelvic_drop_deg"
            and asym.larger_side == side
        )
        if crossing or dropping:
            out.append(
                Suggestion(
                    cause="hip",
                    side=side,
                    text=f"{side.capitalize()} leg: "
                    + (
                        "the feet cross towards the midline"
                        if crossing
                        else "the pelvis drops more on this leg"
                    )
                    + ". This pattern is linked to weak or tiring hip abductors (gluteus "
                    "medius); hip strengthening and a slightly wider step are the usual "
                    "first steps.",
                    source="science.md §2.3, §3.2 and §7.1",
                )
            )
    return out


def worst_steps(fm: FrameMeasures, steps: list[Step], /, *, n: int) -> list[MomentAt]:
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
        MomentAt(
            WorstMoment(
                time_s=round(float(t[row]), 3),
                frame=int(fm.table["frame"].iloc[row]),
                side=side,
                fppa_deg=round(value, 1),
                image=f"worst_{i}.png",
            ),
            row,
        )  # fmt: skip
        for i, (value, row, side) in enumerate(sorted(peaks, reverse=True)[:n], start=1)
    ]
