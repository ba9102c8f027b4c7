"""Intake (+ optional ``summary.json`` findings) → a dated, personal Programme. Pure.

Rules, in order (docs/coaching.md explains each with its source):

1. Red flags stop everything (:func:`~kneecoach.program.redflags.check_red_flags`).
2. **Emphasis** from the analysis's "what this suggests" causes and pelvic-drop
   findings, then the intake's self-tests and where a single-leg squat tires:
   hip → abductor and extensor families first; foot/ankle → short foot and
   dorsiflexion first; control → single-leg integration drills first. With no
   pattern: hip + knee work, the consensus first line (science.md §7.1).
3. **Constraints** exclude every exercise with a matching contraindication tag;
   missing equipment is replaced by an alternative, done without, or the
   family steps back along its chain to an exercise that needs less.
4. **Phases**: activation → strength → integration across the weeks; each family
   takes the hardest allowed exercise of its chain for the phase, so exercises
   only ever move forward along a chain. Then a re-test session ("film the same
   test again") and a maintenance phase, twice a week, with a second re-test.
5. **Time**: families are added in priority order while the session's estimated
   time (sets, reps or holds, both sides, rests) fits the stated minutes.
6. **Sides**: one-sided exercises list both sides, the weaker first, same dosage.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections.abc import Mapping
from typing import Any

from kneecoach import __version__
from kneecoach.core.errors import InputError
from kneecoach.core.movement_tests import FRONT_FILMING, movement_test
from kneecoach.core.schema import OTHER, Side
from kneecoach.program.emphasis import emphasis_basis, find_emphasis, weaker_side
from kneecoach.program.exercises import chain, load_library
from kneecoach.program.families import (
    COOL_DOWN,
    DEFAULT_TAIL,
    EMPHASIS_TAIL,
    FAMILIES,
    FATIGUE_FAMILY,
    GROUP_CAUSE,
    MAX_WORKING,
    MOBILITY_WHY,
    WARM_UP,
    Family,
)
from kneecoach.program.models import (
    Cause,
    Emphasis,
    EquipmentNeed,
    Exercise,
    Intake,
    Library,
    Phase,
    Prescription,
    Programme,
    Session,
    Weekday,
)
from kneecoach.program.notes import DISCLAIMER, notes_for, sources
from kneecoach.program.phases import PHASE_LEVEL, later_phases, phase_plan
from kneecoach.program.redflags import check_red_flags
from kneecoach.program.schedule import session_dates, spread_days, weekday_of
from kneecoach.program.timing import exercise_seconds

#: intake constraint → contraindication tags it excludes (docs/coaching.md)
CONSTRAINT_TAGS: dict[str, tuple[str, ...]] = {
    "low-back": ("loaded-bend-twist",),
    "irritable-knees": ("deep-loaded-flexion",),
    "hypermobility": ("end-range-stretch",),
    "kneeling-pain": ("kneeling",),
}
#: groups taken first, by the strongest emphasis; a group named twice takes two families
CORE_GROUPS: dict[str, tuple[str, ...]] = {
    "hip": ("abductors", "extensors", "knee", "single-leg", "abductors", "extensors"),
    "foot-ankle": ("foot", "foot", "abductors", "extensors", "knee", "single-leg"),
    "control": ("single-leg", "knee", "abductors", "extensors", "knee"),
}
#: warm-up and cool-down are added only when together within this share of the minutes
EXTRAS_SHARE = 0.15
RETEST_MINUTES = 10.0
#: sets in activation, maintenance and sessions too short for the full dose (the ITBS
#: template's starting dose 2 × 10, science.md §7.2)
SHORT_SETS = 2
MAX_WEEKS = 12
#: maintenance length and days a week: our choice, not trial-tested (docs/coaching.md)
MAINTENANCE_WEEKS = 8
MAINTENANCE_DAYS = 2
#: foot exercises a week in the one trial of them (Mølgaard 2018: twice a week, next to knee
#: exercises three times a week, science.md §7.2); a plan with more says so in a note
FOOT_TRIAL_PER_WEEK = 2


def build_programme(
    intake: Intake,
    findings: Mapping[str, Any] | None = None,
    /,
    *,
    start: dt.date,
    weeks: int = 4,
    days: list[Weekday] | None = None,
    library: Library | None = None,
    maintenance_weeks: int = MAINTENANCE_WEEKS,
    journal_person: str | None = None,
) -> Programme:
    """The programme for ``intake`` (and an analysis ``summary.json`` dict, if any).

    ``journal_person``: whose journal the re-tests go in (``plan --person``), else the
    intake's name.

    Pure and deterministic: the same arguments always give the same programme.
    Raises :class:`RedFlagError` on red flags, :class:`InputError` on bad options.
    """
    check_red_flags(intake)
    if not 1 <= weeks <= MAX_WEEKS:
        raise InputError(f"weeks: {weeks} is outside 1-{MAX_WEEKS}; a block of 4-6 is typical")
    library = library or load_library()
    days = days or list(intake.schedule.days)
    emphasis = find_emphasis(intake, findings)
    weaker, weaker_reason = weaker_side(intake, findings)
    excluded = excluded_exercises(intake, library)
    ctx = _Context(intake, library, emphasis, excluded, weaker)
    ctx.person = journal_person or intake.person.name
    ctx.basis = emphasis_basis(intake, findings)
    phases = phase_plan(weeks)
    week_phase = {w: p.name for p in phases for w in p.weeks}
    ctx.chosen = select_families(ctx, [p.name for p in phases])
    ctx.final_level = PHASE_LEVEL[phases[-1].name]
    sessions: list[Session] = []
    for week, date in session_dates(start, days, weeks):
        sessions.append(_session(ctx, len(sessions) + 1, date, week, week_phase[week]))
    after = start + dt.timedelta(days=7 * weeks)
    test = (findings or {}).get("test") or "single-leg-squat"
    sessions += _retest_and_maintenance(ctx, sessions, after, days, weeks, maintenance_weeks, test)
    return Programme(
        kneecoach_version=__version__,
        person=intake.person.name,
        start=start,
        weeks=weeks,
        days=days,
        minutes=intake.schedule.minutes,
        time=intake.schedule.time,
        reminder_minutes=intake.schedule.reminder_minutes,
        weaker_side=weaker,
        weaker_side_reason=weaker_reason,
        emphasis=emphasis,
        constraints=list(intake.constraints),
        excluded=excluded,
        substitutions=sorted(
            {f"{p.name}: {p.substitution}" for s in sessions for p in s.exercises if p.substitution}
        ),  # fmt: skip
        phases=[*phases, *later_phases(weeks, maintenance_weeks)],
        sessions=sessions,
        retest_command=retest_command(test, ctx.person),
        notes=notes_for(
            intake,
            days,
            longest=max((s.minutes for s in sessions if s.exercises), default=None),
            capped=len(ctx.chosen) >= MAX_WORKING,
        )
        + ctx.mobility_notes
        + foot_frequency_note(sessions),
        disclaimer=DISCLAIMER,
        sources=sources(),
    )


class _Context:
    """What every session of one programme shares."""

    def __init__(
        self,
        intake: Intake,
        library: Library,
        emphasis: list[Emphasis],
        excluded: dict[str, str],
        weaker: Side | None,
    ) -> None:
        self.intake = intake
        #: whose journal the re-tests are stored in
        self.person: str | None = intake.person.name
        self.library = library
        self.emphasis = emphasis
        self.excluded = excluded
        self.sides: list[Side] = [weaker, OTHER[weaker]] if weaker else ["left", "right"]
        self.families = rank_families(intake, emphasis)
        self.budget_s = intake.schedule.minutes * 60
        #: plan notes about the warm-up and cool-down (one left out, and why)
        self.mobility_notes: list[str] = []
        warm, cool = _mobility(self)
        extra_s = sum(p.minutes * 60 for p in (warm, cool) if p is not None)
        self.extras = (warm, cool) if extra_s <= EXTRAS_SHARE * self.budget_s else (None, None)
        #: seconds left for the working exercises
        self.work_budget_s = self.budget_s - (extra_s if self.extras[0] or self.extras[1] else 0)
        self.chosen: list[Family] = []
        #: cause → "results" (the analysis) or "answers" (the intake) that point to it
        self.basis: dict[Cause, str] = {}
        #: maintenance keeps the level the block ended at
        self.final_level = PHASE_LEVEL["integration"]


def excluded_exercises(intake: Intake, library: Library, /) -> dict[str, str]:
    """Exercise id → why it is left out (a constraint, or equipment with no substitute)."""
    out: dict[str, str] = {}
    tags = {t: c for c in intake.constraints for t in CONSTRAINT_TAGS[c]}
    for e in library.exercises:
        hit = [t for t in e.contraindications if t in tags]
        if hit:
            out[e.id] = f"{tags[hit[0]]}: no {library.contraindications[hit[0]]}"
        elif not _equipment_ok(e, intake.equipment):
            missing = [n.item for n in e.equipment if not _need_ok(n, intake.equipment)]
            out[e.id] = f"needs {', '.join(missing)}"
    return out


def _need_ok(need: EquipmentNeed, have: list[str]) -> bool:
    return need.item in have or any(a in have for a in need.alternatives) or bool(need.without)


def _equipment_ok(e: Exercise, have: list[str]) -> bool:
    return all(_need_ok(n, have) for n in e.equipment)


def rank_families(intake: Intake, emphasis: list[Emphasis], /) -> list[Family]:
    """Families in priority order: base order, raised by emphasis and intake answers."""
    fatigue = set(intake.self_tests.single_leg_squat_fatigue)
    score: dict[str, float] = {}
    bonus = {e.cause: b for e, b in zip(emphasis, (25, 15, 10), strict=False)}
    for i, fam in enumerate(FAMILIES):
        s = 100.0 - i + bonus.get(fam.causes[0], 0)
        if fam.name == "short-foot" and "sole-of-foot" in fatigue:
            s += 20
        if fam.name == "dorsiflexion" and "front-of-ankle" in fatigue:
            s += 25
        if fam.name.startswith("abductors") and "outer-hip" in fatigue:
            s += 10
        if fam.name in ("extensors", "hinge") and intake.self_tests.front_thigh_tension == "yes":
            s += 10
        if fam.name == "adductors" and {"skating", "dance"} & set(intake.goals.sports):
            s += 15
        score[fam.name] = s
    return sorted(FAMILIES, key=lambda f: -score[f.name])


def _pick(ctx: _Context, fam: Family, level: int) -> Exercise | None:
    """The hardest allowed exercise of ``fam``'s chain at or below ``level``."""
    best = None
    for eid in chain(ctx.library, fam.root):
        e = ctx.library.get(eid)
        if e.difficulty <= level and eid not in ctx.excluded:
            best = e
    return best


def _sets_for(e: Exercise, phase: Phase, *, short: bool = False) -> int:
    """Sets for ``phase``: at most 2 in activation and maintenance, and in short sessions."""
    if short or phase in ("activation", "maintenance"):
        return min(e.dosage.sets, SHORT_SETS)
    return e.dosage.sets


def _prescribe(
    ctx: _Context, e: Exercise, phase: Phase, why: str, *, short: bool = False
) -> Prescription:
    sets = _sets_for(e, phase, short=short)
    return prescription(e, sets, have=ctx.intake.equipment, library=ctx.library,
                        sides=ctx.sides, why=why)  # fmt: skip


def prescription(
    e: Exercise, sets: int, *, have: list[str], library: Library, sides: list[Side], why: str
) -> Prescription:
    """``e`` at ``sets`` sets with its own dosage, the equipment it uses from ``have``, and
    ``sides`` when it is one-sided (also used to swap an exercise when re-planning)."""
    equipment, notes = _equipment_plan(e, have, library.equipment)
    d = e.dosage
    return Prescription(
        exercise_id=e.id,
        name=e.name,
        category=e.category,
        sets=sets,
        reps=d.reps,
        hold_s=d.hold_s,
        time_s=d.time_s,
        rest_s=d.rest_s,
        dosage=d.model_copy(update={"sets": sets}).text(),
        sides=list(sides) if e.per_side else [],
        equipment=equipment,
        substitution=" ".join(notes) or None,
        why=why,
        cue=e.cues[0],
        minutes=_minutes(e, sets),
    )


def _equipment_plan(
    e: Exercise, have: list[str], names: dict[str, str]
) -> tuple[list[str], list[str]]:
    """The equipment ``e`` uses from ``have`` (an alternative where needed), and a note for
    each substitute or do-without; ``names`` gives the equipment's names for the notes."""
    used: list[str] = []
    notes: list[str] = []
    for need in e.equipment:
        if need.item in have:
            used.append(need.item)
            continue
        alt = next((a for a in need.alternatives if a in have), None)
        if alt is not None:
            used.append(alt)
            notes.append(f"No {need.item.replace('-', ' ')}: use a {names[alt]} instead.")
        elif need.without:
            notes.append(f"No {need.item.replace('-', ' ')}: {need.without}")
    return used, notes


def _why(ctx: _Context, fam: Family) -> str:
    """The family's reason, and what in the results or the answers points to it."""
    causes = [e.cause for e in ctx.emphasis if e.cause in fam.causes]
    if not causes:
        return fam.why
    basis = ctx.basis.get(causes[0])
    if basis is None:
        return f"{fam.why} {DEFAULT_TAIL}"
    return f"{fam.why} Your {basis} point to {EMPHASIS_TAIL[causes[0]]}."


def _session(ctx: _Context, index: int, date: dt.date, week: int, phase: Phase) -> Session:
    chosen = _fill(ctx, phase)
    total = sum(p.minutes for p in chosen)
    return Session(
        index=index, date=date, weekday=weekday_of(date), week=week, phase=phase,
        title=f"Week {week} · {phase}", exercises=chosen, minutes=round(total, 1),
    )  # fmt: skip


def _fill(ctx: _Context, phase: Phase) -> list[Prescription]:
    """Warm-up, the block's families at this phase's level, cool-down.

    Full dosage when it fits the minutes; otherwise every exercise drops to
    :data:`SHORT_SETS` sets, which :func:`select_families` guarantees to fit.
    """
    level = ctx.final_level if phase == "maintenance" else PHASE_LEVEL[phase]
    chosen = [(fam, e) for fam in ctx.chosen if (e := _pick(ctx, fam, level)) is not None]
    picked = [_prescribe(ctx, e, phase, _why(ctx, fam)) for fam, e in chosen]
    if sum(p.minutes for p in picked) * 60 > ctx.work_budget_s + 1e-6:
        picked = [_prescribe(ctx, e, phase, _why(ctx, fam), short=True)
                  for fam, e in chosen]  # fmt: skip
    order = {"foot-ankle": 0, "integration": 1, "hip": 2, "mobility": 3}
    picked.sort(key=lambda p: order[p.category])
    warm, cool = ctx.extras
    return ([warm] if warm else []) + picked + ([cool] if cool else [])


def select_families(ctx: _Context, phases: list[Phase], /) -> list[Family]:
    """The families of the whole block, fitted to the minutes in every phase.

    Each family is taken only while fewer than :data:`MAX_WORKING` are chosen:

    1. one family for each core group of the strongest emphasis
       (:data:`CORE_GROUPS`), in priority order, as long as it fits at
       :data:`SHORT_SETS` sets (so short sessions keep hip, knee and single-leg
       work at a lower dose rather than dropping it); the core's second families
       in their place in the list, only where the full dosage still fits;
    2. for every further emphasised cause that no family taken so far serves in
       every phase, its highest-ranked family, at :data:`SHORT_SETS` sets; then the
       family of each fatigue spot the intake reports (:data:`FATIGUE_FAMILY`: sole
       of the foot → short foot, front of the ankle → dorsiflexion), likewise. When
       the core groups cannot serve such a cause at all (foot/ankle behind a hip
       emphasis), this step comes before the core's second families, so a long
       hip list never crowds out the foot and ankle (issue 5);
    3. more by priority, only where the full dosage fits: at most two per group
       (one when its cause is not emphasised).
    """
    picker = _Picker(ctx, phases)
    core = picker.core
    core_causes = {c for f in ctx.families if f.group in core for c in f.causes}
    if any(e.cause not in core_causes for e in ctx.emphasis[1:]):
        # a cause the core groups cannot serve: its family comes before the second ones
        # ... and the core's first families leave room for it (90-s rests on the loaded
        # exercises, science.md §7.2, made a 20-minute session drop the foot work)
        left_out = {e.cause for e in ctx.emphasis[1:] if e.cause not in core_causes}
        for n, group in enumerate(core):
            if group not in core[:n]:
                picker.core_group(n, group, reserve=picker.room_for(left_out))
        picker.further_causes()
        picker.fatigue_spots()
    # (a step already done changes nothing when run again: what failed to fit still fails)
    for n, group in enumerate(core):
        picker.core_group(n, group)
    picker.further_causes()
    picker.fatigue_spots()
    for fam in ctx.families:
        picker.take(fam, picker.cap(fam), full_must_fit=True)
    if not picker.chosen:
        raise InputError(
            f"schedule.minutes: {ctx.intake.schedule.minutes} minutes hold no exercise that "
            "your constraints and equipment allow; give more minutes or more equipment"
        )
    return picker.chosen


class _Picker:
    """The families chosen so far for :func:`select_families`, and what they cost."""

    def __init__(self, ctx: _Context, phases: list[Phase]) -> None:
        self.ctx = ctx
        self.phases = phases
        self.emphasised = {e.cause for e in ctx.emphasis}
        self.core = list(CORE_GROUPS[ctx.emphasis[0].cause])
        self.chosen: list[Family] = []
        self.used: dict[str, int] = {}
        self.full = 0.0
        self.short = 0.0

    def cap(self, fam: Family) -> int:
        """Two families of a group whose cause is emphasised, else one."""
        return 2 if GROUP_CAUSE[fam.group] in self.emphasised else 1

    def take(self, fam: Family, cap: int, *, full_must_fit: bool, reserve: float = 0.0) -> bool:
        """Add ``fam`` if the group's ``cap``, :data:`MAX_WORKING` and the minutes (less
        ``reserve`` seconds) allow."""
        if fam in self.chosen or self.used.get(fam.group, 0) >= cap:
            return False
        if len(self.chosen) >= MAX_WORKING:
            return False
        ctx, budget = self.ctx, self.ctx.work_budget_s + 1e-6
        full = max((_cost(ctx, fam, ph) for ph in self.phases), default=0.0)
        short = max((_cost(ctx, fam, ph, short=True) for ph in self.phases), default=0.0)
        if short <= 0 or self.short + short + reserve > budget:
            return False
        if full_must_fit and self.full + full > budget:
            return False
        self.chosen.append(fam)
        self.used[fam.group] = self.used.get(fam.group, 0) + 1
        self.full += full
        self.short += short
        return True

    def core_group(self, n: int, group: str, *, reserve: float = 0.0) -> None:
        """Entry ``n`` of the core list: a first family at 2 sets, a second at full dosage;
        ``reserve`` seconds stay free (for a cause the core groups cannot serve)."""
        first = group not in self.core[:n]
        for fam in self.ctx.families:
            if fam.group == group:
                self.take(fam, self.core[: n + 1].count(group), full_must_fit=not first,
                          reserve=reserve)  # fmt: skip

    def room_for(self, causes: set[Cause]) -> float:
        """Seconds at 2 sets that the cheapest family serving each of ``causes`` in every
        phase needs, for the causes no chosen family serves yet."""
        need = 0.0
        for cause in causes:
            if any(_serves(self.ctx, f, cause, self.phases) for f in self.chosen):
                continue
            costs = [
                max((_cost(self.ctx, f, ph, short=True) for ph in self.phases), default=0.0)
                for f in self.ctx.families
                if f not in self.chosen and _serves(self.ctx, f, cause, self.phases)
            ]
            need += min(costs, default=0.0)
        return need

    def further_causes(self) -> None:
        """The best family of each emphasised cause that no chosen family serves yet."""
        for emph in self.ctx.emphasis[1:]:
            cause = emph.cause
            if any(_serves(self.ctx, f, cause, self.phases) for f in self.chosen):
                continue
            # a family with an exercise in every phase first, so every session serves the cause
            candidates = [f for f in self.ctx.families if cause in f.causes]
            candidates.sort(key=lambda f: not _serves(self.ctx, f, cause, self.phases))
            for fam in candidates:
                if self.take(fam, self.cap(fam), full_must_fit=False):
                    break

    def fatigue_spots(self) -> None:
        """The family of each fatigue spot the intake reports, at short sets if time allows."""
        for spot in self.ctx.intake.self_tests.single_leg_squat_fatigue:
            for fam in self.ctx.families:
                if fam.name == FATIGUE_FAMILY.get(spot):
                    self.take(fam, self.cap(fam), full_must_fit=False)


def _serves(ctx: _Context, fam: Family, cause: Cause, phases: list[Phase]) -> bool:
    """Whether ``fam`` serves ``cause`` with an allowed exercise in every one of ``phases``."""
    levels = [PHASE_LEVEL[ph] for ph in phases]
    return cause in fam.causes and all(_pick(ctx, fam, lv) is not None for lv in levels)


def _cost(ctx: _Context, fam: Family, phase: Phase, *, short: bool = False) -> float:
    """Seconds ``fam`` takes in ``phase`` (0 when it has no allowed exercise there)."""
    e = _pick(ctx, fam, PHASE_LEVEL[phase])
    return 0.0 if e is None else 60 * _minutes(e, _sets_for(e, phase, short=short))


def _minutes(e: Exercise, sets: int) -> float:
    """Estimated minutes, to 0.1: the same rounded number is shown, summed and checked."""
    return round(exercise_seconds(e, sets=sets) / 60, 1)


def _mobility(ctx: _Context) -> tuple[Prescription | None, Prescription | None]:
    t = ctx.intake.self_tests
    warm_id = WARM_UP["front-thigh" if t.front_thigh_tension == "yes" else "default"]
    keys = [
        key
        for key, hit in (
            ("front-thigh", t.front_thigh_tension == "yes"),
            ("outer-hip", "outer-hip" in t.single_leg_squat_fatigue),
            ("low-back", "low-back" in ctx.intake.constraints),
        )
        if hit
    ]
    candidates = [eid for key in keys for eid in COOL_DOWN[key] if eid not in ctx.excluded]
    if keys and not candidates:
        tags = {t for k in keys for eid in COOL_DOWN[k]
                for t in ctx.library.get(eid).contraindications}  # fmt: skip
        left_out = [c for c in ctx.intake.constraints if tags & set(CONSTRAINT_TAGS[c])]
        ctx.mobility_notes.append(
            "No cool-down: every cool-down stretch that fits your answers is left out for "
            f"{' and '.join(left_out) or 'your constraints'} (see what was left out); walk "
            "easily for a few minutes instead."
        )
    out: list[Prescription | None] = []
    for eid in (warm_id, candidates[0] if candidates else None):
        if eid is None or eid in ctx.excluded:
            out.append(None)
            continue
        out.append(_prescribe(ctx, ctx.library.get(eid), "activation", MOBILITY_WHY[eid]))
    return out[0], out[1]


def foot_frequency_note(sessions: list[Session], /) -> list[str]:
    """A note when foot and ankle exercises come more often in a week than the trial had them.

    Every session of a week holds the same families, so a foot emphasis on three days is
    foot work three times a week; Mølgaard 2018 (science.md §7.2) did foot exercises twice.
    """
    per_week: dict[int, int] = {}
    for s in sessions:
        if any(p.category == "foot-ankle" for p in s.exercises):
            per_week[s.week] = per_week.get(s.week, 0) + 1
    most = max(per_week.values(), default=0)
    if most <= FOOT_TRIAL_PER_WEEK:
        return []
    return [
        f"The foot and ankle exercises are in every session, up to {most} a week. The trial "
        "of foot exercises (Mølgaard 2018, science.md §7.2) did them twice a week, next to "
        "knee exercises three times a week; more often is our choice, not trial-tested."
    ]


def retest_command(test: str, person: str | None = None, /) -> str:
    """The re-test's command; with the person's name, stored in their journal (so
    ``progress`` compares it with the first)."""
    who = f" --person {shlex.quote(person)}" if person else ""
    return f"kneecoach analyze NEW_CLIP.mp4 --test {test}{who} --out retest/"


#: What a re-test compares, by the measure the test's report reads, with that measure's noise.
RETEST_COMPARE = {
    "fppa": "only changes larger than about 9° (the day-to-day noise of this 2D measure, "
    "science.md §1.3) are real.",
    "knee_over_foot": "see whether each knee now stays over its foot: the report says how far "
    "it came inside its foot and how much that clip cannot tell from noise (science.md §1.5); "
    "only a change larger than that noise is real.",
    "pelvic_drop": "only changes in pelvic drop larger than about 2.8° (the day-to-day noise, "
    "science.md §2.3) are real.",
}


def _retest_session(
    index: int, date: dt.date, week: int, test: str, title: str, person: str | None = None
) -> Session:
    measure = movement_test(test)
    compare = RETEST_COMPARE[measure.headline if measure else "fppa"]
    filming = measure.filming if measure else FRONT_FILMING
    text = (
        f"Film the {test.replace('-', ' ')} test again, the way you filmed it before (same "
        f"camera place and height, same shoes): {filming} Then run: "
        f"{retest_command(test, person)} (or, in the browser: kneecoach serve, your page, "
        f"Analyse a clip). Compare with your first result: {compare} Also measure "
        "knee-to-wall on both sides and redo the three self-tests."
    )
    return Session(
        index=index, date=date, weekday=weekday_of(date), week=week, phase="retest",
        title=title, exercises=[], retest=text, minutes=RETEST_MINUTES,
    )  # fmt: skip


def _retest_and_maintenance(
    ctx: _Context,
    block: list[Session],
    after: dt.date,
    days: list[Weekday],
    weeks: int,
    maintenance_weeks: int,
    test: str,
) -> list[Session]:
    out: list[Session] = []
    dates = session_dates(after, days, 1 + maintenance_weeks)
    first_week, first_date = dates[0]
    person = ctx.person
    out.append(_retest_session(len(block) + 1, first_date, weeks + first_week, test,
                               "Re-test: film the same test again", person))  # fmt: skip
    keep = set(spread_days(days, MAINTENANCE_DAYS))
    for w, date in dates[1:]:
        if weekday_of(date) not in keep or w > maintenance_weeks:
            continue
        s = _session(ctx, len(block) + len(out) + 1, date, weeks + w, "maintenance")
        out.append(s.model_copy(update={"title": f"Maintenance · week {weeks + w}"}))
    # the first training day after the last maintenance session, in the week it falls in
    last = out[-1].date + dt.timedelta(days=1)
    end = session_dates(last, days, 1)[0][1]
    out.append(_retest_session(len(block) + len(out) + 1, end, weeks + 1 + (end - after).days // 7,
                               test, "Re-test after maintenance", person))  # fmt: skip
    return out
