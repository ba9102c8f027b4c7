"""The assessment of one clip as a typed, frozen model: ``summary.json`` is its serialisation.

Every field carries its meaning; docs/summary-schema.md is generated from these
descriptions (:mod:`kneecoach.assessment.schema_doc`) and a test fails when the two
differ. A value the camera view or the data cannot support is ``None`` (``null``), and
``findings`` says why. Left and right are the subject's own. Angles in degrees, times in
seconds from the first frame of the source, frame numbers 0-based (the source's own).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from kneecoach.core.errors import InputError
from kneecoach.core.files import write_text
from kneecoach.core.schema import Side
from kneecoach.quality.report import QualityReport
from kneecoach.quality.view import View

SCHEMA: Final = "kneecoach.summary/1"

Severity = Literal["attention", "ok", "info", "refused"]
Cause = Literal["hip", "foot-ankle", "control"]
Level = Literal["within", "above", "below", "no range", "not measured"]


class _Model(BaseModel):
    """Frozen, and no field that is not declared here (so the docs list every field)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


def _opt(description: str) -> Any:
    """An optional field: ``None`` where the test, view or data has no such value."""
    return Field(default=None, description=description)


class Finding(_Model):
    """One plain sentence about the clip, with its code and source."""

    code: str = Field(
        description="what it is about, e.g. `fppa_above`, `knee_inside_foot`, "
        "`pelvic_drop`, `view_refused`, `no_reps`"
    )
    side: Side | None = Field(description="the leg it is about; null: both or neither")
    severity: Severity = Field(description="`attention`, `ok`, `info` or `refused`")
    text: str = Field(description="the sentence, for the person filmed")
    source: str | None = Field(description="where its threshold or norm comes from")


class Suggestion(_Model):
    """ "What this suggests": a pattern linked to one of the three recurring root causes."""

    cause: Cause = Field(description="`hip`, `foot-ankle` or `control`")
    side: Side | None = Field(description="the leg it is about")
    text: str = Field(description="the sentence")
    source: str = Field(description="its source")


class Classification(_Model):
    """Mean FPPA against the published typical range of the test."""

    label: str = Field(description="in words")
    level: Level = Field(description="`within`, `above`, `below`, `no range` or `not measured`")
    range_deg: tuple[float, float] | None = Field(description="the typical range, low and high")
    population: str | None = _opt("whom the range is for")
    source: str | None = Field(description="the range's source")


class RepReading(_Model):
    """One rep (or hold, or landing) of a movement test, read on one leg."""

    index: int = Field(description="1-based")
    frame: int = Field(
        description="the reading frame (deepest point; for landings the deepest "
        "point after contact; for single-leg stance the largest pelvic drop, at "
        "least 0.25 s inside the hold)"
    )
    time_s: float | None = Field(description="the reading frame's time")
    start_time_s: float | None = Field(
        description="the rep's start (single-leg stance: the "
        "hold, one foot off the floor and the other planted)"
    )
    end_time_s: float | None = Field(description="the rep's end")
    complete: bool = Field(description="false when the clip cuts the rep off")
    fppa_deg: float | None = _opt("FPPA, + = valgus (science.md §1.1)")
    fppa_frame: int | None = _opt(
        "where FPPA was read: an earlier frame when the thigh is "
        "foreshortened at the bottom (`notes` says so)"
    )
    fppa_time_s: float | None = _opt("its time")
    mkd_pct: float | None = _opt(
        "medial knee displacement from the hip–ankle line, % of leg "
        "length, + medial; read at `fppa_frame`"
    )
    knee_shift_pct: float | None = _opt(
        "the knee's inward (+) shift relative to its ankle since standing, % of leg length"
    )
    knee_over_foot_pct: float | None = _opt(
        "the knee against its foot at the reading frame: + inside the span from midfoot "
        "(ankle + ½(toe − ankle), LESS item 9) to toe, − outside it, 0 over it; % of leg "
        "length; frontal and rear views only (science.md §1.5)"
    )
    pelvic_drop_deg: float | None = _opt(
        "drop of the other side of the pelvis, relative to "
        "standing on both feet; null in two-legged tests"
    )
    hip_adduction_deg: float | None = _opt(
        "2D hip adduction (thigh vs pelvis), + medial; read at `fppa_frame`"
    )
    femoral_adduction_deg: float | None = _opt(
        "thigh angle from vertical, + medial; read at `fppa_frame`"
    )
    knee_flexion_deg: float | None = _opt("knee flexion; side or oblique views only")
    knee_over_toe_pct: float | None = _opt(
        "the knee's travel past the toes, % of leg length; side or oblique views only"
    )
    trunk_lean_deg: float | None = _opt("lateral trunk lean, + towards this side")
    hip_shift_pct: float | None = _opt(
        "the hips' sideways shift over the midpoint of the "
        "ankles since standing, % of hip width, + towards this "
        "side"
    )
    kasr: float | None = _opt("knee-to-ankle separation ratio (whole body)")
    knee_hip_ratio: float | None = _opt("knee-to-hip separation ratio (whole body)")
    depth_pct: float | None = _opt("how far the hips went down, % of leg length")
    trunk_forward_deg: float | None = _opt("the trunk's forward lean from vertical; side views")
    pelvic_obliquity_deg: float | None = _opt(
        "two-legged tests: the pelvis's tilt relative to standing, + = the subject's right "
        "hip lower"
    )
    knee_over_foot_worst_pct: float | None = _opt(
        "the furthest the knee came inside its foot in this rep"
    )
    knee_over_foot_worst_frame: int | None = _opt("the frame where it did")
    knee_over_foot_worst_time_s: float | None = _opt("its time")
    contact_frame: int | None = _opt("landings only: initial contact")
    contact_time_s: float | None = _opt("landings only: its time")
    fppa_at_contact_deg: float | None = _opt("landings only: FPPA at contact")
    kasr_at_contact: float | None = _opt("landings only: KASR at contact")
    hold_s: float | None = _opt("single-leg stance only: how long the hold lasted")
    confidence: float | None = _opt(
        "0–1: the lowest keypoint confidence of hip, knee and ankle at the reading frame, "
        "halved for an oblique view; filled-in keypoints count as 0.3 at most. It qualifies "
        "the knee values"
    )
    pelvis_confidence: float | None = _opt("the same for pelvic drop and hip shift (both hips)")
    trunk_confidence: float | None = _opt("the same for trunk lean (both shoulders and hips)")
    notes: list[str] = Field(default_factory=list, description="what to know about this rep")


class StepReading(_Model):
    """One stance phase of a gait test (run, walk, skate), on one leg."""

    index: int = Field(description="1-based, per side")
    frame: int = Field(description="initial contact")
    time_s: float = Field(description="its time")
    midstance_frame: int = Field(description="midstance, where the frontal values are read")
    toe_off_frame: int | None = Field(description="toe-off (null when not found)")
    stance_time_s: float | None = Field(description="contact to toe-off")
    step_time_s: float | None = Field(description="the other foot's last contact to this one")
    fppa_deg: float | None = Field(description="FPPA at midstance, + valgus")
    peak_fppa_deg: float | None = Field(description="the largest FPPA in this stance")
    pelvic_drop_deg: float | None = Field(
        description="at midstance: drop of the other side of the pelvis"
    )
    hip_adduction_deg: float | None = Field(description="at midstance: thigh vs pelvis, + medial")
    trunk_lean_deg: float | None = Field(
        description="at midstance, sideways, + towards the stance leg"
    )
    foot_offset: float | None = Field(
        description="at contact: the foot centre's distance from "
        "the pelvis midline, pelvis widths, + on its own side"
    )
    step_width: float | None = Field(
        description="at contact: `foot_offset` + the other foot's "
        "`foot_offset` at its last complete contact, pelvis "
        "widths"
    )
    crossover: bool | None = Field(
        description="`foot_offset` ≤ 0: the foot landed on or across the midline"
    )
    knee_flexion_contact_deg: float | None = Field(
        description="side views only: knee flexion at contact"
    )
    overstride_pct: float | None = Field(
        description="side views only: heel ahead of the pelvis at contact, % leg length"
    )
    trunk_forward_lean_deg: float | None = Field(
        description="side views only: trunk forward of vertical at midstance"
    )
    confidence: float | None = Field(
        description="mean keypoint confidence of this leg over the stance"
    )
    complete: bool = Field(
        description="false when the clip or a gap cuts the step, no toe-off "
        "was found, `problem` is set, or (skating) the glide is shorter "
        "than 0.3 s; incomplete steps are shown but not averaged"
    )
    problem: str | None = Field(
        description="why the step was left out of the averages although "
        "its events were found (walked backwards; knee flexion at "
        "contact outside the plausible range)"
    )
    glide_s: float | None = _opt("skating: the single-leg part of the stance")


class SideSummary(_Model):
    """One leg over all its reps or steps."""

    working: bool | None = Field(
        description="whether this leg worked in the test (false for "
        "the lifted leg of a single-leg test; null when nothing was "
        "measured)"
    )
    reps: list[RepReading] = Field(default_factory=list, description="movement tests: one per rep")
    steps: list[StepReading] = Field(default_factory=list, description="gait tests: one per stance")
    n_steps: int | None = _opt("gait: complete steps of this foot")
    peak_fppa_deg: float | None = _opt(
        "the largest FPPA over complete reps (gait: in any "
        "stance); null for squat, drop jump and sit-to-stand, whose "
        "headline is the knee over the foot"
    )
    mean_fppa_deg: float | None = _opt("mean FPPA over complete reps or steps")
    sd_fppa_deg: float | None = _opt("its sample SD")
    worst_rep: int | None = _opt("`index` of the rep with the largest FPPA")
    worst_steps: list[int] | None = _opt("gait: `index` of up to 3 steps with the largest FPPA")
    mean_pelvic_drop_deg: float | None = _opt("mean over complete reps or steps")
    mean_hip_adduction_deg: float | None = _opt("mean over complete reps or steps")
    mean_femoral_adduction_deg: float | None = _opt("mean over complete reps")
    mean_kasr: float | None = _opt("mean over complete reps")
    mean_knee_shift_pct: float | None = _opt("mean over complete reps")
    mean_knee_flexion_deg: float | None = _opt("side views: mean over complete reps")
    mean_knee_over_toe_pct: float | None = _opt("side views: mean over complete reps")
    mean_trunk_forward_deg: float | None = _opt("side views: mean over complete reps")
    mean_trunk_lean_deg: float | None = _opt("gait: mean over complete steps")
    mean_stance_time_s: float | None = _opt("gait: mean over complete steps")
    mean_step_time_s: float | None = _opt("gait: mean over complete steps")
    mean_knee_flexion_contact_deg: float | None = _opt("gait, side views: mean over steps")
    mean_overstride_pct: float | None = _opt("gait, side views: mean over steps")
    mean_trunk_forward_lean_deg: float | None = _opt("gait, side views: mean over steps")
    mean_glide_s: float | None = _opt("skating: mean glide")
    sd_pelvic_drop_deg: float | None = _opt("gait: sample SD over complete steps")
    sd_hip_adduction_deg: float | None = _opt("gait: sample SD over complete steps")
    sd_step_width: float | None = _opt("gait: sample SD, pelvis widths")
    sd_stance_time_s: float | None = _opt("gait: sample SD over complete steps")
    sd_knee_flexion_contact_deg: float | None = _opt("gait: sample SD over complete steps")
    mean_step_width: float | None = _opt("gait: pelvis widths")
    mean_foot_offset: float | None = _opt("gait: pelvis widths")
    crossover_share: float | None = _opt(
        "gait: share of complete steps whose foot landed on or across the midline"
    )
    cadence_spm: float | None = _opt(
        "gait: this foot's strides as steps per minute; null "
        "with fewer than 3 contacts of this foot"
    )
    classification: Classification = Field(description="mean FPPA against the typical range")
    peak_knee_over_foot_pct: float | None = _opt(
        "the furthest the knee came inside (+) or outside (−) its foot in any complete rep, "
        "% of leg length; null in a side view (science.md §1.5)"
    )
    knee_over_foot_noise_pct: float | None = _opt(
        "what this clip cannot tell from noise for this knee: the larger of 2% and twice the "
        "SD of the knee over its midfoot while standing on both feet, % of leg length"
    )
    knee_inward: bool | None = _opt(
        "true when `peak_knee_over_foot_pct` > `knee_over_foot_noise_pct`; null when not measurable"
    )


class PelvicObliquity(_Model):
    """Two-legged tests: the pelvis's tilt at the reading frames relative to standing."""

    mean_deg: float = Field(description="+ = the subject's right hip lower")
    lower_hip: Side | None = Field(description="which hip is lower")
    sdd_deg: float = Field(description="the SDD of pelvic drop (2.8°)")
    noise_deg: float = Field(
        description="the larger of the SDD and the 7.2° by which a "
        "mirrored squat's tilt differed on the shared clips"
    )
    beyond_noise: bool = Field(description="|`mean_deg`| > `noise_deg`")
    source: str = Field(description="its source")


class Asymmetry(_Model):
    """Left against right, called real only beyond the measure's noise."""

    measure: str | None = _opt(
        "what is compared: null (mean FPPA), `knee_over_foot_pct` "
        "(squat, drop jump, sit-to-stand) or, in gait, `pelvic_drop_deg` or "
        "`fppa_deg`"
    )
    fppa_deg: float | None = _opt("left − right mean FPPA")
    knee_over_foot_pct: float | None = _opt("left − right furthest inside the foot")
    difference: float | None = _opt("gait: left − right of `measure`")
    larger_side: Side = Field(description="the side with the larger value")
    beyond_noise: bool | None = Field(
        description="true when the difference exceeds the noise; "
        "gait: null with too few steps per side"
    )
    sdd_deg: float | None = Field(description="the measure's SDD (null: none published)")
    noise_pct: float | None = _opt("knee over the foot: the larger side's noise")
    steps_per_side: int | None = _opt("gait: the fewer complete steps with a value on a side")
    min_steps_per_side: int | None = _opt("gait: steps per side needed to decide (7)")
    source: str = Field(description="its source")
    text: str = Field(description="in words")


class DriftMeasure(_Model):
    """Gait: the trend of one measure over the clip."""

    slope_per_min: float | None = Field(description="least-squares slope over the steps' times")
    slope_ci95: tuple[float | None, float | None] = Field(description="its 95% CI")
    first_last: float | None = Field(
        description="mean of the last fifth of the steps − mean of the first fifth"
    )
    first_last_ci95: tuple[float | None, float | None] = Field(description="Welch's t CI")
    steps_per_group: int = Field(description="steps in each fifth (at least 5)")
    sdd: float | None = Field(description="the published noise threshold, if any")
    sdd_source: str | None = Field(description="its source")
    min_effect: float | None = Field(description="the threshold used where no SDD is published")
    min_effect_source: str | None = Field(description="its source")
    unit: str = Field(description="`°`, `pelvis widths` or `% of leg length`")
    beyond_noise: bool | None = Field(
        description="the CI excludes 0 and |`first_last`| exceeds the threshold"
    )


class Drift(_Model):
    """Does the leg change over the set (reps) or over the run (steps)?"""

    slope_deg_per_rep: float | None = _opt("movement tests: FPPA slope per rep")
    first_last_deg: float | None = _opt("movement tests: last − first rep's FPPA")
    beyond_noise: bool | None = _opt("movement tests: |`first_last_deg`| > `sdd_deg`")
    sdd_deg: float | None = _opt("movement tests: FPPA's SDD")
    measures: dict[str, DriftMeasure] | None = _opt(
        "gait: each followed measure with enough steps (≥ 25 over ≥ 60 s)"
    )
    changed: list[str] | None = _opt("gait: the measures whose `beyond_noise` is true")
    text: str = Field(description="one sentence")


class Detected(_Model):
    """How ``--test auto`` recognised the movement."""

    method: Literal["auto"] = Field(description="`auto`")
    evidence: str = Field(description="what it saw, in words")


class GaitTotals(_Model):
    """Gait tests: the whole clip."""

    cadence_spm: float | None = Field(
        description="from the mean stride time, irregular intervals left out"
    )
    steps: int = Field(description="complete steps, both feet")
    duration_s: float = Field(description="the clip's analysed length")
    min_steps_per_side: int = Field(description="steps per leg for a stable mean (7)")


class WorstMoment(_Model):
    """A moment with the knee most inward, with its picture."""

    time_s: float = Field(description="its time")
    frame: int = Field(description="its frame")
    side: Side = Field(description="the leg")
    rep: int | None = _opt("movement tests: the rep's `index`")
    fppa_deg: float | None = Field(description="FPPA there (null where not read at that frame)")
    knee_over_foot_pct: float | None = _opt(
        "squat, drop jump and sit-to-stand: how far the knee is inside its foot there"
    )
    image: str = Field(description="a PNG in the same folder")


@dataclass(frozen=True)
class MomentAt:
    """A worst moment and its row of frames.csv, where its picture's keypoints are."""

    moment: WorstMoment
    row: int


class Assessment(_Model):
    """Everything ``kneecoach analyze`` concluded about one clip (``summary.json``)."""

    schema_: Literal["kneecoach.summary/1"] = Field(
        default=SCHEMA, alias="schema", description="`kneecoach.summary/1`"
    )
    kneecoach_version: str = Field(description="version that wrote it")
    source: str = Field(description="the input file as given")
    created: str = Field(description="ISO 8601 UTC time of the run")
    fps: float = Field(description="effective frame rate of the track")
    quality: QualityReport = Field(description="the quality report (same as `quality.json`)")
    notes: list[str] = Field(
        default_factory=list,
        description="what tracking had to say: people found and which one was followed, "
        "frames the decoder skipped, filter changes; also when nothing could be measured",
    )
    test: str = Field(
        description="the movement test analysed (`auto` when `--test auto` recognised none; "
        "`single-leg-squat`, `squat`, `step-down`, `lunge`, `drop-jump`, "
        "`single-leg-landing`, `single-leg-stance`, `sit-to-stand`; gait: `run`, `walk`, "
        "`skate`)"
    )
    test_label: str = Field(description="its name in words")
    test_detected: Detected | None = _opt("with `--test auto`: how it was recognised")
    view: View = Field(description="`frontal`, `rear`, `oblique`, `sagittal` or `unknown`")
    measures_used: dict[str, str] = Field(
        default_factory=dict,
        description="which measure was read when, in words (`fppa`, `kasr`, `pelvic_drop`; "
        "gait: `events`, `fppa`, `pelvic_drop`, `step_width`)",
    )
    gait: GaitTotals | None = _opt("gait tests: cadence, steps, duration")
    sides: dict[Side, SideSummary] = Field(description="`left` and `right`")
    kasr_standing: float | None = _opt(
        "bilateral tests: the person's own knee-to-ankle separation ratio standing on both "
        "feet (median of at least 5 frames); the `kasr` finding reads the ratio at depth "
        "against it (a change of 0.1 or more), not against 1"
    )
    pelvic_obliquity: PelvicObliquity | None = _opt(
        "two-legged tests (squat, drop jump, sit-to-stand): the pelvis's tilt at the reading "
        "frames relative to standing, one signed value, not a drop mirrored per side; the "
        "sides' `mean_pelvic_drop_deg` and the reps' `pelvic_drop_deg` are null there"
    )
    asymmetry: Asymmetry | None = _opt("left against right (null without both sides)")
    drift: dict[Side, Drift | None] = Field(
        default_factory=dict,
        description="per side; null with fewer than 3 reps (and for squat, drop jump and "
        "sit-to-stand), "
        "or in gait unless some measure has ≥ 25 complete steps over ≥ 60 s",
    )
    findings: list[Finding] = Field(
        default_factory=list,
        description="refusals first: `view_refused`, `leg_out_of_frame` (a working leg out "
        "of the picture for most of a rep; the run exits with an error), `no_reps` (also when "
        "no rep of a one-legged test had a working leg that could be told; exit 1)",
    )
    suggestions: list[Suggestion] = Field(default_factory=list, description="what this suggests")
    filming: str = Field(description="how to film this test")
    method_notes: list[str] = Field(default_factory=list, description="methods")
    sources: list[str] = Field(default_factory=list, description="citations")
    disclaimer: str = Field(description="what this is and is not")
    sex: Literal["female", "male"] | None = _opt("`--sex`, used to pick the typical range")
    worst_moments: list[WorstMoment] = Field(
        default_factory=list,
        description="largest valgus first, one per rep (or step) and working leg, at the frame "
        "where the rep's own value is read, so `fppa_deg` equals that rep's `fppa_deg`; squat, "
        "drop jump and sit-to-stand: each rep's (landing's) frame where the knee is furthest "
        "inside its foot",
    )

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @classmethod
    def read(cls, path: Path) -> Assessment:
        """A summary.json written earlier; :class:`InputError` with one line when it is not."""
        try:
            return cls.model_validate_json(path.read_bytes())
        except FileNotFoundError:
            raise InputError(f"{path} does not exist; run kneecoach analyze first") from None
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "the file"
            raise InputError(
                f"{path} is not a kneecoach summary.json ({where}: {first['msg']})"
            ) from None

    @property
    def measured(self) -> bool:
        """Whether any rep or step was read (an assessment worth keeping)."""
        return any(s.reps or s.steps for s in self.sides.values())

    def to_json_dict(self) -> dict[str, Any]:
        """summary.json's content."""
        return self.model_dump(mode="json", by_alias=True)

    def write(self, path: Path) -> Path:
        return write_text(path, json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False))
