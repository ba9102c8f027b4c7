"""Published reference values the findings compare against, each with its source.

Every number here comes from ``../shared/docs/science.md`` (section named in
``source``). Where the literature gives no value for a test, there is no
entry and the report says "no published range" instead of inventing one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Sex = Literal["female", "male"]


@dataclass(frozen=True)
class Range:
    """A typical ("normal") FPPA range per sex for one test, in degrees (+ valgus)."""

    female: tuple[float, float]
    male: tuple[float, float]
    source: str
    note: str = ""

    def for_sex(self, sex: Sex | None) -> tuple[float, float]:
        """The range for ``sex``; unknown sex: the union of both (never stricter than either)."""
        if sex == "female":
            return self.female
        if sex == "male":
            return self.male
        return min(self.female[0], self.male[0]), max(self.female[1], self.male[1])


HM2010 = (
    "Herrington & Munro 2010, Phys Ther Sport 11:56-59 (100 active adults 18-28 y; science.md §1.4)"
)
STEP_LANDING = Range((5.0, 12.0), (1.0, 9.0), HM2010)
FPPA_RANGES: dict[str, Range] = {
    "single-leg-landing": STEP_LANDING,
    "drop-jump": Range((7.0, 13.0), (3.0, 8.0), HM2010),
    # no published single-leg-squat range; the step-landing range is the closest proxy
    "single-leg-squat": Range(
        STEP_LANDING.female, STEP_LANDING.male, HM2010,
        "the single-leg step-landing range, the closest published proxy for the single-leg "
        "squat (science.md §1.4, option 1; a derivation, not a published cut-off)",
    ),
    "step-down": Range(
        STEP_LANDING.female, STEP_LANDING.male, HM2010,
        "the single-leg step-landing range used as a proxy (no published step-down range)",
    ),
}  # fmt: skip

#: Women with and without patellofemoral pain, single-leg squat (Herrington 2014).
SLS_GROUPS = (
    "women without knee pain average 8.4 ± 5.1°, women with patellofemoral pain "
    "16.8 ± 5.4° (Herrington 2014, Knee 21:514-517)"
)

#: Between-day smallest detectable difference of 2D FPPA: 7.54-8.93° (Munro,
#: Herrington & Carolan 2012); the upper bound is used so that a difference
#: called real is real.
FPPA_SDD_DEG = 8.9
FPPA_SDD_SOURCE = "Munro, Herrington & Carolan 2012, J Sport Rehabil 21:7-11 (SDD 7.5-8.9°)"
#: How far kneecoach's own FPPA of a knee moves when the clip is mirrored (the same knee,
#: read as the other side of a flipped video): frame by frame on front_overhead_squat_04,
#: median 1.0-2.0°, 90th percentile 2.5-4.0° (tests/integration/app/test_mirror.py, issue
#: 16 item 4), rounded up to 4.5°. A left-right difference is called real only beyond the
#: larger of this and the SDD; today the SDD is the larger.
FPPA_MIRROR_DEG = 4.5


def fppa_side_noise_deg() -> float:
    """What a left-right FPPA difference must exceed to be real: the larger of the
    between-day SDD and the mirror difference measured on a real clip."""
    return max(FPPA_SDD_DEG, FPPA_MIRROR_DEG)


#: Between-day SEM of 2D FPPA, 2.72-3.01° (same study): rep-to-rep SD above
#: twice the SEM is more variation than the measurement itself explains (derived).
FPPA_SEM_DEG = 3.0
#: Contralateral pelvic drop: smallest detectable difference 2.7-2.8° (Dingenen
#: 2018, running); a drop beyond it is a real drop, not noise. No published
#: normal range for the single-leg squat exists (science.md §2.2).
PELVIC_DROP_SDD_DEG = 2.8
PELVIC_DROP_SOURCE = "Dingenen et al. 2018, Phys Ther Sport 33:40-47 (SDD 2.7-2.8°)"
#: Trendelenburg-style hold (Hardcastle & Nade 1985): a normal hold lasts 30 s.
STANCE_HOLD_S = 30.0
STANCE_SOURCE = "Hardcastle & Nade 1985, JBJS-Br 67-B(5) (science.md §2.4)"
#: Normalised knee separation at drop-jump landing (Noyes et al. 2005).
KNEE_HIP_RATIO_NORM = (
    "athletes' knees are typically 51 ± 19% (women) and 51 ± 15% (men) of hip width apart at "
    "drop-jump landing (Noyes et al. 2005, AJSM; science.md §1.1)"
)
