"""The plan's notes, disclaimer and sources: plain words, each rule with its source."""

from __future__ import annotations

from kneecoach.program.families import MAX_WORKING
from kneecoach.program.models import WEEKDAYS, Intake, Weekday

DISCLAIMER = (
    "kneecoach gives general exercise guidance, not a diagnosis or treatment. Stop an exercise "
    "that causes sharp pain, and see a clinician if pain persists, swelling appears or the knee "
    "locks or gives way."
)


#: minutes left unused in the longest session before the plan says why it stops short
SPARE_MINUTES = 10


def notes_for(
    intake: Intake, days: list[Weekday], *, longest: float | None = None, capped: bool = False
) -> list[str]:
    """The plan's notes; ``longest``: the longest training session's minutes, ``capped``:
    the block holds the most working exercises a session may have."""
    notes = [
        "Do one-sided exercises on both sides, the weaker side first, with the same sets and "
        "reps on each.",
        "Pain during an exercise up to 2/10 is fine; at 3-5/10 stay at the same level; above "
        "5/10, or 2 points or more above your pain before the session (during it or the next "
        "day), step back (see `kneecoach exercises --show "
        "ID` for the easier version). These limits are a cautious rule, not a proven one "
        "(science.md §7.2).",
    ]
    idx = sorted({WEEKDAYS.index(d) for d in days})
    if any(b - a == 1 for a, b in zip(idx, idx[1:], strict=False)) or (0 in idx and 6 in idx):
        notes.append(
            "Some of your days are back to back; a trial of hip exercises for knee pain kept 48 h "
            "between strength sessions (FOHX, science.md §7.2): keep the day after a session "
            "light if you can."
        )
    if "hypermobility" in intake.constraints:
        notes.append(
            "Hypermobility: work in a controlled middle range, stop short of your end range in "
            "every exercise, and build strength rather than stretching."
        )
    if "irritable-knees" in intake.constraints:
        notes.append("Irritable knees: no deep loaded bending; the knee work stays shallow.")
    if "low-back" in intake.constraints:
        notes.append("Low back: no bending or twisting under load; hinge with a long back.")
    if capped and longest is not None and intake.schedule.minutes - longest >= SPARE_MINUTES:
        notes.append(
            f"Sessions take about {longest:.0f} of your {intake.schedule.minutes} minutes: "
            f"kneecoach stops at {MAX_WORKING} working exercises a session, more than the "
            "trial programmes used (2-4 exercises a session: FOHX, Crossley, Nakagawa; "
            "science.md §7.2), rather than fill the time. Spend the rest on your sport, or rest."
        )
    if intake.person.age < 16:
        notes.append(
            "Under 16: check this plan with a physiotherapist or doctor, and with a coach or "
            "parent, before starting."
        )
    if intake.pain.now >= 5 or intake.pain.during_activity >= 7:
        notes.append(
            "Your pain is high: start at the easiest version of every exercise and see a "
            "physiotherapist if it does not settle within a couple of weeks."
        )
    return notes


def sources() -> list[str]:
    return [
        "Crossley et al. 2016 and Collins et al. 2018 consensus: exercise, combining hip and "
        "knee exercises (science.md §7.1)",
        "FOHX trial (hip exercises vs foot orthoses, 218 adults with patellofemoral pain) "
        "protocol: 3 × 10 at ~10-12RM (a load that can be lifted 10-12 times), RPE 5-7/11, "
        "48 h apart (science.md §7.2)",
        "ITBS template: the hip strengthening programme of a trial in female runners with "
        "iliotibial band syndrome, 2 × 10 to 3 × 15, light to medium band (science.md §7.2)",
        "Crossley- and Nakagawa-type programmes: isometric then functional (science.md §7.2)",
        "Mølgaard et al. 2018: foot exercises added to knee exercises (science.md §7.2)",
        "Lima et al. 2018: less ankle dorsiflexion goes with knee valgus (science.md §5)",
        "Mizuno et al. 2021: valgus goes with poor knee-position sense (science.md §6)",
        "Red flags: NHS Gloucestershire knee pathway and others (science.md §7.3)",
    ]
