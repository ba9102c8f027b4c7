"""Re-assessment and adherence maths (pure): what changed beyond the noise, what was done.

Two assessments of the same test and side are compared measure by measure.
A change counts as real only when it is larger than the smallest detectable
change (SDC) of that measure, the larger of

* the published between-day smallest detectable difference: 2D FPPA 8.9°
  (Munro, Herrington & Carolan 2012, science.md §1.3), contralateral pelvic
  drop 2.8° (Dingenen et al. 2018, science.md §2.3); and
* the noise of this person's own repeated reps: ``1.96 · √2 · SD``, with SD
  the pooled rep-to-rep standard deviation of the two sessions (the SDD
  formula of the same studies, with the rep SD standing in for the SEM;
  derived, used only when it is larger).

FPPA and pelvic drop: + is worse (more valgus, more drop), so a fall beyond
the SDC is "improved". Asymmetry: the size of the left-right difference in mean
FPPA. Its change between two days carries the measurement error of both sides,
so its SDC is that of a difference of two independent measures, √2 × 8.9° ≈
12.6° (derived from Munro 2012's SDD; no published value exists); a fall beyond
it is "improved". Anything within the SDC is "no real change": re-filming alone
can move a 2D angle that much.

The pelvic-drop SDD (Dingenen et al. 2018) was measured in treadmill running
at midstance, not in the squat or landing tests; it is the only published one.

The squat-type tests (double-leg squat, drop jump, sit-to-stand) are read by the knee over
the foot, not by FPPA (science.md §1.1: FPPA is not valid once the hip nears knee
height): how far inside its foot the knee came at worst, compared against the two
clips' own noise combined (:data:`KNEE_OVER_FOOT_SDC_SOURCE`; no between-day value
is published), and their FPPA is not compared.

Two assessments are comparable when they are of the same test with the same
working side(s) (:meth:`AssessmentPoint.group`): a left-leg squat is compared
with the last left-leg squat, not with the right leg filmed in between.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal

from kneecoach.assessment.norms import (
    FPPA_SDD_DEG,
    FPPA_SDD_SOURCE,
    PELVIC_DROP_SDD_DEG,
    PELVIC_DROP_SOURCE,
)
from kneecoach.core.movement_tests import headline

Verdict = Literal["improved", "no real change", "worse", "not comparable"]
Measure = Literal["peak_fppa", "pelvic_drop", "asymmetry", "knee_over_foot"]
#: z for a two-sided 95 % interval, and √2 for the difference of two measurements.
Z95_SQRT2 = 1.96 * math.sqrt(2)
#: SDC of the left-right difference: two sides' errors, √2 × the single-side SDD (derived).
ASYMMETRY_SDC_DEG = math.sqrt(2) * FPPA_SDD_DEG
ASYMMETRY_SDC_SOURCE = (
    f"derived: √2 × {FPPA_SDD_DEG}° (the difference of two sides, each with the SDD of "
    f"{FPPA_SDD_SOURCE})"
)

LABEL = {
    "peak_fppa": "worst knee angle (peak FPPA)",
    "pelvic_drop": "hip drop (mean pelvic drop)",
    "asymmetry": "left-right difference (mean FPPA)",
    "knee_over_foot": "knee inside its foot at worst",
}
#: each measure's unit, as its numbers are written
UNIT = {"peak_fppa": "°", "pelvic_drop": "°", "asymmetry": "°", "knee_over_foot": "%"}
KNEE_OVER_FOOT_SDC_SOURCE = (
    "derived: each clip's own noise for the knee over the foot (the larger of 2% of leg "
    "length and twice the knee's spread while standing, science.md §1.5), combined as the "
    "difference of two measurements, √(before² + after²); no between-day value is published"
)


@dataclass(frozen=True)
class SidePoint:
    """One side of one assessment, as the comparison needs it."""

    working: bool
    peak_fppa_deg: float | None = None
    mean_fppa_deg: float | None = None
    mean_pelvic_drop_deg: float | None = None
    rep_fppa_deg: tuple[float, ...] = ()
    rep_pelvic_drop_deg: tuple[float, ...] = ()
    #: the knee over its foot (tests that read it): the furthest inside, % of leg length
    peak_knee_over_foot_pct: float | None = None
    knee_over_foot_noise_pct: float | None = None
    rep_knee_over_foot_pct: tuple[float, ...] = ()


@dataclass(frozen=True)
class AssessmentPoint:
    """One stored assessment: when, which test, both sides."""

    id: int
    measured_at: datetime
    test: str
    test_label: str
    sides: dict[str, SidePoint]
    images: tuple[str, ...] = ()  # worst-frame file paths, worst first

    @property
    def working(self) -> tuple[str, ...]:
        """The working sides, left first (``("left",)``, ``("right",)`` or both)."""
        return tuple(s for s in ("left", "right") if s in self.sides and self.sides[s].working)

    @property
    def group(self) -> tuple[str, tuple[str, ...]]:
        """What makes two assessments comparable: the test and the working side(s)."""
        return self.test, self.working

    @property
    def label(self) -> str:
        """``Single-leg squat, left leg`` (one working side) or the test label."""
        if len(self.working) == 1:
            return f"{self.test_label}, {self.working[0]} leg"
        return self.test_label

    def asymmetry_deg(self) -> float | None:
        """|left − right| mean FPPA, when both legs worked and were measured (not for squats)."""
        if headline(self.test) == "knee_over_foot":
            return None
        left, right = self.sides.get("left"), self.sides.get("right")
        if not (left and right and left.working and right.working):
            return None
        if left.mean_fppa_deg is None or right.mean_fppa_deg is None:
            return None
        return abs(left.mean_fppa_deg - right.mean_fppa_deg)


@dataclass(frozen=True)
class Change:
    """One measure compared between two assessments."""

    measure: Measure
    side: str | None
    before: float | None
    after: float | None
    #: the smallest detectable change, in the measure's :attr:`unit`
    sdc: float
    sdc_source: str
    verdict: Verdict

    @property
    def unit(self) -> str:
        return UNIT[self.measure]

    @property
    def change(self) -> float | None:
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    def text(self) -> str:
        """The change in words a client understands."""
        where = f"{self.side} " if self.side else ""
        what = f"{where}{LABEL[self.measure]}"
        if self.verdict == "not comparable":
            return f"{what}: not measured in both assessments, so no comparison."
        assert self.before is not None and self.after is not None
        u = self.unit
        moved = f"{self.before:.1f}{u} → {self.after:.1f}{u}"
        noise = f"{self.sdc:.1f}{u}"
        if self.verdict == "no real change":
            return (
                f"{what}: {moved}, within the {noise} that re-filming alone can change it, "
                "so no real change yet."
            )
        return f"{what}: {moved}, {self.verdict} by more than the {noise} a re-test can vary."


def long_date(d: date) -> str:
    """``5 January 2026`` (portable: no platform-specific strftime flags)."""
    return f"{d.day} {d:%B %Y}"


def short_date(d: date) -> str:
    """``5 Jan 2026``."""
    return f"{d.day} {d:%b %Y}"


def pooled_sd(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Pooled sample standard deviation of two groups (None with too few values)."""
    df = max(len(a) - 1, 0) + max(len(b) - 1, 0)
    if df == 0:
        return None
    ss = sum(_ss(group) for group in (a, b) if len(group) > 1)
    return math.sqrt(ss / df)


def _ss(values: Sequence[float]) -> float:
    mean = sum(values) / len(values)
    return sum((v - mean) ** 2 for v in values)


def smallest_detectable_change(
    published: float,
    reps_before: Sequence[float],
    reps_after: Sequence[float],
    *,
    unit: str = "°",
) -> tuple[float, str]:
    """The larger of the published SDD and ``1.96·√2·pooled rep SD`` (and why)."""
    sd = pooled_sd(reps_before, reps_after)
    own = Z95_SQRT2 * sd if sd is not None else 0.0
    if own > published:
        return own, f"this person's rep-to-rep spread (1.96·√2·{sd:.1f}{unit}; derived)"
    return published, ""


def verdict(before: float | None, after: float | None, sdc: float) -> Verdict:
    """+ is worse: a fall beyond ``sdc`` is improved, a rise beyond it worse."""
    if before is None or after is None:
        return "not comparable"
    change = after - before
    if change < -sdc:
        return "improved"
    if change > sdc:
        return "worse"
    return "no real change"


def _knee_over_foot(side: str, b: SidePoint, a: SidePoint) -> Change:
    """The furthest the knee came inside its foot, before and after, against the two clips'
    own noise (% of leg length; + inside)."""
    pair = (b.peak_knee_over_foot_pct, a.peak_knee_over_foot_pct)
    noises = (b.knee_over_foot_noise_pct, a.knee_over_foot_noise_pct)
    if None in noises:
        return Change("knee_over_foot", side, *pair, 0.0, KNEE_OVER_FOOT_SDC_SOURCE,
                      "not comparable")  # fmt: skip
    floor = math.hypot(*(n or 0.0 for n in noises))
    sdc, why = smallest_detectable_change(floor, b.rep_knee_over_foot_pct,
                                          a.rep_knee_over_foot_pct, unit="%")  # fmt: skip
    return Change("knee_over_foot", side, *pair, sdc, why or KNEE_OVER_FOOT_SDC_SOURCE,
                  verdict(*pair, sdc))  # fmt: skip


def compare(before: AssessmentPoint, after: AssessmentPoint) -> list[Change]:
    """Every measure of ``after`` against ``before`` (same test), per working side."""
    if before.test != after.test:
        raise ValueError(f"cannot compare {before.test} with {after.test}")
    changes: list[Change] = []
    for side, b in before.sides.items():
        a = after.sides.get(side)
        if a is None or not (a.working and b.working):
            continue
        sdc, why = smallest_detectable_change(FPPA_SDD_DEG, b.rep_fppa_deg, a.rep_fppa_deg)
        if headline(before.test) == "knee_over_foot":
            changes.append(_knee_over_foot(side, b, a))
        else:
            changes.append(Change("peak_fppa", side, b.peak_fppa_deg, a.peak_fppa_deg, sdc,
                                  why or FPPA_SDD_SOURCE,
                                  verdict(b.peak_fppa_deg, a.peak_fppa_deg, sdc)))  # fmt: skip
        sdc, why = smallest_detectable_change(
            PELVIC_DROP_SDD_DEG, b.rep_pelvic_drop_deg, a.rep_pelvic_drop_deg
        )
        drop = (b.mean_pelvic_drop_deg, a.mean_pelvic_drop_deg)
        if drop == (None, None):  # two-legged tests read one pelvic tilt, no drop per side
            continue
        changes.append(Change("pelvic_drop", side, *drop, sdc, why or PELVIC_DROP_SOURCE,
                              verdict(*drop, sdc)))  # fmt: skip
    before_asym, after_asym = before.asymmetry_deg(), after.asymmetry_deg()
    if before_asym is not None or after_asym is not None:
        changes.append(Change("asymmetry", None, before_asym, after_asym, ASYMMETRY_SDC_DEG,
                              ASYMMETRY_SDC_SOURCE,
                              verdict(before_asym, after_asym, ASYMMETRY_SDC_DEG)))  # fmt: skip
    return changes


#: The client's words for a change of the knee, per measure a test reads: what could not be
#: measured, then "your left knee …" improved, worse, no real change, the values' unit and
#: what follows them, and what the noise is.
_SAID = {
    "peak_fppa": ("the knee angle", "caves in less", "caves in more",
                  "shows no real change yet", "°", "", "a re-test can vary"),
    "knee_over_foot": ("the knee over the foot", "comes less far inside its foot",
                       "comes further inside its foot", "over its foot shows no real change yet",
                       "%", " of leg length", "the two clips cannot tell apart"),
}  # fmt: skip


def summary_sentence(
    before: AssessmentPoint, after: AssessmentPoint, changes: Sequence[Change]
) -> str:
    """One sentence for the client about the knee line between two assessments, in the
    measure the test reads (FPPA, or the knee over the foot for squats, drop jump and
    sit-to-stand)."""
    since = f"Since {long_date(before.measured_at)}, on the {before.label.lower()}"
    measure = "knee_over_foot" if headline(before.test) == "knee_over_foot" else "peak_fppa"
    what, less, more, same, unit, of, noise = _SAID[measure]
    knee = [c for c in changes if c.measure == measure and c.verdict != "not comparable"]
    if not knee:
        return f"{since}, {what} could not be measured in both assessments."
    parts = []
    for c in knee:
        assert c.before is not None and c.after is not None
        moved = f"{c.before:.0f}{unit} → {c.after:.0f}{unit}{of}"
        word = {"improved": less, "worse": more}.get(c.verdict)
        said = f"{word} ({moved})" if word else (
            f"{same} ({moved}, within the {c.sdc:.0f}{unit} {noise})"
        )  # fmt: skip
        parts.append(f"your {c.side} knee {said}")
    return f"{since}, {' and '.join(parts)}."


# --------------------------------------------------------------------------- adherence


@dataclass(frozen=True)
class Adherence:
    """Sessions done against sessions planned, up to ``today``."""

    planned: int
    done: int
    extra: int  # sessions done on days with none planned
    missed: tuple[date, ...]
    current_streak: int  # planned sessions done in a row, counting back from the latest one
    longest_streak: int
    missed_in_a_row: int  # planned sessions missed in a row, counting back from the latest one
    done_days: tuple[date, ...] = field(default=())

    @property
    def rate(self) -> float | None:
        """Share of planned sessions done (None when nothing was planned yet)."""
        return self.done / self.planned if self.planned else None

    def text(self) -> str:
        if not self.planned:
            n = len(self.done_days)
            return f"{n} session{'s' * (n != 1)} logged (no programme stored to compare with)."
        rate = self.rate or 0.0
        words = (
            f"{self.done} of {self.planned} planned sessions done ({rate:.0%}); "
            f"current streak {self.current_streak}, longest {self.longest_streak}"
        )
        if self.extra:
            words += f"; {self.extra} extra"
        return words + "."


def compute_adherence(
    planned_days: Sequence[date], done_days: Sequence[date], *, today: date
) -> Adherence:
    """Adherence from the planned days and the days a session was logged as done.

    A planned day counts as done when a session was done on it, or on the day
    before or after it when that other day had no session planned (a session
    moved by a day). Planned days after ``today`` are not counted yet.
    """
    due = sorted({d for d in planned_days if d <= today})
    done = sorted({d for d in done_days if d <= today})
    unused = set(done) - set(due)
    hits: list[bool] = []
    for day in due:
        if day in done:
            hits.append(True)
            continue
        moved = next((d for d in sorted(unused) if abs(d - day) <= timedelta(days=1)), None)
        if moved is not None:
            unused.discard(moved)
        hits.append(moved is not None)
    return Adherence(
        planned=len(due), done=sum(hits), extra=len(unused),
        missed=tuple(d for d, hit in zip(due, hits, strict=True) if not hit),
        current_streak=_run_from_end(hits, True), longest_streak=_longest(hits),
        missed_in_a_row=_run_from_end(hits, False), done_days=tuple(done),
    )  # fmt: skip


def _run_from_end(hits: Sequence[bool], value: bool) -> int:
    n = 0
    for hit in reversed(hits):
        if hit is not value:
            break
        n += 1
    return n


def _longest(hits: Sequence[bool]) -> int:
    best = run = 0
    for hit in hits:
        run = run + 1 if hit else 0
        best = max(best, run)
    return best
