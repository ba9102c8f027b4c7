"""Re-assessment and adherence maths on synthetic histories with known answers."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kneecoach.assessment.norms import FPPA_SDD_DEG, PELVIC_DROP_SDD_DEG
from kneecoach.core.errors import InputError
from kneecoach.storage.progress import (
    ASYMMETRY_SDC_DEG,
    AssessmentPoint,
    SidePoint,
    compare,
    compute_adherence,
    pooled_sd,
    smallest_detectable_change,
    summary_sentence,
    verdict,
)

T0 = datetime(2026, 3, 1, 10)


def point(
    peak: float | None,
    *,
    reps: tuple[float, ...] = (),
    drop: float | None = 4.0,
    right: float | None = None,
    when: datetime = T0,
) -> AssessmentPoint:
    sides = {
        "left": SidePoint(True, peak, peak, drop, reps),
        "right": SidePoint(right is not None, right, right, None, ()),
    }
    return AssessmentPoint(1, when, "single-leg-squat", "Single-leg squat", sides)


def by(changes, measure, side="left"):
    return next(c for c in changes if c.measure == measure and c.side == side)


@pytest.mark.parametrize(
    ("after", "expected"),
    [
        (20.0 - FPPA_SDD_DEG + 0.1, "no real change"),  # just inside the noise
        (20.0 - FPPA_SDD_DEG - 0.1, "improved"),  # just beyond it
        (20.0 + FPPA_SDD_DEG - 0.1, "no real change"),
        (20.0 + FPPA_SDD_DEG + 0.1, "worse"),
    ],
)
def test_peak_fppa_is_called_changed_only_beyond_the_published_sdd(after, expected) -> None:
    changes = compare(point(20.0), point(after, when=T0 + timedelta(weeks=6)))
    c = by(changes, "peak_fppa")
    assert c.verdict == expected
    assert c.sdc == FPPA_SDD_DEG and "Munro" in c.sdc_source
    assert c.change == pytest.approx(after - 20.0)


@pytest.mark.parametrize(
    ("after", "expected"), [(4.0 - 2.7, "no real change"), (4.0 - 2.9, "improved")]
)
def test_pelvic_drop_uses_its_own_sdd(after, expected) -> None:
    c = by(compare(point(20.0, drop=4.0), point(20.0, drop=after)), "pelvic_drop")
    assert c.sdc == PELVIC_DROP_SDD_DEG and c.verdict == expected


def test_noisy_reps_widen_the_detectable_change() -> None:
    # reps 0, 10, 20 and 0, 10, 20: pooled SD 10°, so SDC = 1.96·√2·10 ≈ 27.7° > 8.9°
    reps = (0.0, 10.0, 20.0)
    assert pooled_sd(reps, reps) == pytest.approx(10.0)
    sdc, why = smallest_detectable_change(FPPA_SDD_DEG, reps, reps)
    assert sdc == pytest.approx(1.96 * math.sqrt(2) * 10.0) and "rep-to-rep" in why
    c = by(compare(point(30.0, reps=reps), point(10.0, reps=reps)), "peak_fppa")
    assert c.verdict == "no real change"  # a 20° fall is within this person's own noise
    # steady reps: the published SDD is the floor
    steady = (14.0, 14.5, 15.0)
    assert smallest_detectable_change(FPPA_SDD_DEG, steady, steady) == (FPPA_SDD_DEG, "")


def test_asymmetry_change_and_not_comparable() -> None:
    # the left-right difference carries both sides' error: SDC √2 × 8.9° ≈ 12.6°
    assert pytest.approx(math.sqrt(2) * FPPA_SDD_DEG) == ASYMMETRY_SDC_DEG
    assert pytest.approx(12.6, abs=0.05) == ASYMMETRY_SDC_DEG
    before = point(20.0, right=5.0)  # |20 - 5| = 15
    after = point(12.0, right=8.0)  # |12 - 8| = 4: 11° smaller, beyond 8.9° but not 12.6°
    asym = next(c for c in compare(before, after) if c.measure == "asymmetry")
    assert (asym.before, asym.after, asym.verdict) == (15.0, 4.0, "no real change")
    assert asym.sdc == ASYMMETRY_SDC_DEG and "√2" in asym.sdc_source
    after = point(10.0, right=9.0)  # |10 - 9| = 1: 14° smaller, beyond 12.6°
    asym = next(c for c in compare(before, after) if c.measure == "asymmetry")
    assert (asym.before, asym.after, asym.verdict) == (15.0, 1.0, "improved")
    missing = by(compare(point(None), point(10.0)), "peak_fppa")
    assert missing.verdict == "not comparable" and "not measured" in missing.text()


def test_different_tests_are_never_compared() -> None:
    other = AssessmentPoint(2, T0, "drop-jump", "Drop jump", point(1.0).sides)
    with pytest.raises(ValueError, match="cannot compare"):
        compare(point(1.0), other)


def test_summary_sentence_speaks_plainly() -> None:
    before, after = point(19.0), point(8.0, when=T0 + timedelta(weeks=6))
    text = summary_sentence(before, after, compare(before, after))
    assert text.startswith("Since 1 March 2026") and "left knee caves in less (19° → 8°)" in text
    same = summary_sentence(before, point(17.0), compare(before, point(17.0)))
    assert "no real change yet" in same and "9°" in same


finite = st.floats(-40, 60, allow_nan=False)


@given(finite, finite, st.floats(0, 20))
def test_verdict_is_antisymmetric(before: float, after: float, sdc: float) -> None:
    flip = {"improved": "worse", "worse": "improved", "no real change": "no real change"}
    assert verdict(after, before, sdc) == flip[verdict(before, after, sdc)]
    assert verdict(before, before, sdc) == "no real change"


# --------------------------------------------------------------------------- adherence

MON = date(2026, 3, 2)
PLAN = [MON + timedelta(days=d) for d in (0, 2, 4, 7, 9, 11)]  # Mon/Wed/Fri x 2 weeks


def test_adherence_known_answer() -> None:
    done = [PLAN[0], PLAN[1], PLAN[3], PLAN[4] + timedelta(days=1), MON + timedelta(days=5)]
    a = compute_adherence(PLAN, done, today=PLAN[5])
    # Mon 2 ✓, Wed 4 ✓, Fri 6 done on Sat 7 (moved by a day) ✓, Mon 9 ✓,
    # Wed 11 done on Thu 12 ✓, Fri 13 missed
    assert a.planned == 6
    assert a.missed == (PLAN[5],)
    assert a.done == 5 and a.extra == 0
    assert (a.current_streak, a.longest_streak, a.missed_in_a_row) == (0, 5, 1)
    assert a.rate == pytest.approx(5 / 6)
    assert "5 of 6 planned sessions done (83%)" in a.text()


def test_adherence_ignores_future_sessions_and_counts_extras() -> None:
    a = compute_adherence(PLAN, [PLAN[0], MON + timedelta(days=6)], today=PLAN[1])
    assert (a.planned, a.done, a.missed, a.extra) == (2, 1, (PLAN[1],), 0)
    b = compute_adherence([], [MON, MON + timedelta(days=1)], today=MON + timedelta(days=3))
    assert b.rate is None and b.extra == 2 and "2 sessions logged" in b.text()


@given(st.sets(st.integers(0, 27)), st.sets(st.integers(0, 27)), st.integers(0, 27))
def test_adherence_invariants(planned: set[int], done: set[int], today: int) -> None:
    day = [MON + timedelta(days=i) for i in range(28)]
    a = compute_adherence([day[i] for i in planned], [day[i] for i in done], today=day[today])
    assert a.planned == sum(i <= today for i in planned)
    assert a.done + len(a.missed) == a.planned
    assert a.current_streak <= a.longest_streak <= a.done
    assert a.done + a.extra <= sum(i <= today for i in done) + a.planned
    assert a.extra <= sum(i <= today for i in done)


# --------------------------------------------------------------------------- stored series


def test_alternating_legs_are_compared_leg_by_leg(sqlite_url, analysis_dir, tmp_path) -> None:
    """left, right, left (24° → 10°), right: each leg is compared with its own last test."""
    from journal_data import summary

    from kneecoach.app import journal

    legs = [
        summary((20.0, 22.0, 24.0), (), created="2026-03-01T10:00:00+00:00"),
        summary((), (6.0, 7.0, 8.0), created="2026-03-01T10:05:00+00:00"),
        summary((8.0, 9.0, 10.0), (), created="2026-04-12T10:00:00+00:00"),
        summary((), (5.0, 6.0, 7.0), created="2026-04-12T10:05:00+00:00"),
    ]
    stored = [
        journal.Journal.open(sqlite_url).remember_analysis(analysis_dir(doc), "ann") for doc in legs
    ]
    assert all(s is not None for s in stored)
    third, fourth = stored[2], stored[3]
    assert third is not None and fourth is not None
    assert (third.number, third.leg, fourth.number, fourth.leg) == (2, "left", 2, "right")
    assert third.previous is not None and third.previous.measured_at.month == 3
    peak = by(third.changes, "peak_fppa")
    assert (peak.before, peak.after, peak.verdict) == (24.0, 10.0, "improved")
    assert by(fourth.changes, "peak_fppa", "right").verdict == "no real change"

    report = journal.Journal.open(sqlite_url).write_progress_report(
        "ann", tmp_path / "p.html", today=date(2026, 4, 13)
    )
    assert "could not be measured" not in report.sentence
    assert "left knee caves in less (24° → 10°)" in report.sentence
    assert "right knee shows no real change yet" in report.sentence
    assert set(report.changes) == {"Single leg squat, left leg", "Single leg squat, right leg"}
    assert [line.split()[-3:] for line in report.listing][:1] == [["leg", "(left", "24.0°)"]]

    chosen = journal.Journal.open(sqlite_url).write_progress_report(
        "ann", tmp_path / "p.html", today=date(2026, 4, 13), compare_pair=(1, 3)
    )
    assert chosen.chosen is not None
    title, changes, sentence = chosen.chosen
    assert "no. 1" in title and "no. 3" in title and "left knee caves in less" in sentence
    assert "The two assessments you chose" in (tmp_path / "p.html").read_text()
    with journal.Journal.open(sqlite_url) as j:
        with pytest.raises(InputError, match="same test with the same working leg"):
            j.write_progress_report("ann", tmp_path / "p.html", today=date(2026, 4, 13),
                                    compare_pair=(1, 2))  # fmt: skip
        with pytest.raises(InputError, match="no assessment number 9 for ann \\(1 to 4"):
            j.write_progress_report("ann", tmp_path / "p.html", today=date(2026, 4, 13),
                                    compare_pair=(1, 9))  # fmt: skip


def test_the_pain_chart_includes_pain_before(sqlite_url) -> None:
    from kneecoach.app import journal

    journal.Journal.open(sqlite_url).record_session(
        "ann", journal.SessionEntry(date(2026, 3, 2), True, pain_before=3)
    )
    h = journal.Journal.open(sqlite_url).history("ann", today=date(2026, 3, 3))
    assert h.logs[0].pain_before == 3
    assert journal._pain_chart(h) is not None  # only a "before" rating: still charted


def test_squats_are_compared_by_the_knee_over_the_foot_not_fppa() -> None:
    """A double-leg squat is read by the knee over the foot: FPPA is neither compared nor its
    asymmetry; without knee-over-foot values (stored before the measure) nothing is claimed."""
    before, after = point(20.0, right=5.0), point(2.0, right=20.0, when=T0 + timedelta(weeks=6))
    squat = [AssessmentPoint(1, p.measured_at, "squat", "Squat", p.sides) for p in (before, after)]
    changes = compare(*squat)
    assert {c.measure for c in changes} == {"pelvic_drop", "knee_over_foot"}
    assert {c.verdict for c in changes if c.measure == "knee_over_foot"} == {"not comparable"}
    assert squat[0].asymmetry_deg() is None
    sentence = summary_sentence(*squat, changes)
    assert "could not be measured in both" in sentence and "°" not in sentence
    # the same numbers on a single-leg squat are compared
    assert {"peak_fppa", "asymmetry"} <= {c.measure for c in compare(before, after)}


def _squat(peak: float, noise: float, reps: tuple[float, ...] = (), weeks: int = 0):
    side = SidePoint(True, peak_knee_over_foot_pct=peak, knee_over_foot_noise_pct=noise,
                     rep_knee_over_foot_pct=reps)  # fmt: skip
    return AssessmentPoint(1, T0 + timedelta(weeks=weeks), "squat", "Squat", {"left": side})


@pytest.mark.parametrize(
    ("after", "noise", "expected"),
    [
        (1.0, 2.0, "improved"),  # 6 → 1: beyond √(2² + 2²) = 2.83
        (3.3, 2.0, "no real change"),  # 6 → 3.3: a change of 2.7, inside 2.83
        (9.0, 2.0, "worse"),
        (2.0, 4.0, "no real change"),  # a noisier second clip: 4 inside √(2² + 4²) = 4.47
    ],
)
def test_the_knee_over_the_foot_changes_only_beyond_both_clips_noise(
    after: float, noise: float, expected: str
) -> None:
    before = _squat(6.0, 2.0)
    later = _squat(after, noise, weeks=6)
    (c,) = (c for c in compare(before, later) if c.measure == "knee_over_foot")
    assert c.sdc == pytest.approx(math.hypot(2.0, noise)) and c.unit == "%"
    assert c.verdict == expected
    sentence = summary_sentence(before, later, [c])
    words = {"improved": "less far inside its foot", "worse": "further inside its foot",
             "no real change": "no real change yet"}  # fmt: skip
    assert words[expected] in sentence and "% of leg length" in sentence
    assert f"{c.before:.1f}% → {c.after:.1f}%" in c.text()


def test_the_reps_spread_widens_the_knee_over_foot_band() -> None:
    spread = (2.0, 6.0, 10.0)  # SD 4: 1.96·√2·4 = 11.1, far beyond the clips' noise
    c = next(c for c in compare(_squat(10.0, 2.0, spread), _squat(1.0, 2.0, spread, weeks=6))
             if c.measure == "knee_over_foot")  # fmt: skip
    assert c.sdc == pytest.approx(1.96 * math.sqrt(2) * 4.0) and c.verdict == "no real change"
    assert "rep-to-rep spread" in c.sdc_source and "%" in c.sdc_source


def test_charts_read_as_dates_and_the_band_is_the_tables_sdc() -> None:
    """Two assessments an hour apart, one pain rating: the axes still span days, and the
    knee band is the detectable change the comparison used (the reps' spread when larger)."""
    from matplotlib.dates import num2date

    from kneecoach.reports.progress import MIN_SPAN_DAYS, fppa_trend_figure, pain_figure

    t0, t1 = T0, T0 + timedelta(hours=1)
    trends = {"left": [(t0, 20.0, (0.0, 10.0, 20.0)), (t1, 18.0, (0.0, 10.0, 20.0))]}
    fig = fppa_trend_figure("Single-leg squat", trends, sdc_deg={"left": 27.7})
    ax = fig.axes[0]
    lo, hi = (num2date(x) for x in ax.get_xlim())
    assert timedelta(days=MIN_SPAN_DAYS) <= hi - lo <= timedelta(days=MIN_SPAN_DAYS + 3)
    assert any("± 27.7°" in label for label in ax.get_legend_handles_labels()[1])
    pain = pain_figure({"after": [(date(2026, 3, 1), 1)]}).axes[0]
    lo, hi = (num2date(x) for x in pain.get_xlim())
    assert timedelta(days=MIN_SPAN_DAYS) <= hi - lo <= timedelta(days=MIN_SPAN_DAYS + 3)
