"""The phases of a block: activation → strength → integration, then re-test and maintenance."""

from __future__ import annotations

from kneecoach.program.models import Phase, PhaseInfo

#: the hardest difficulty a phase may use
PHASE_LEVEL: dict[Phase, int] = {
    "activation": 1, "strength": 2, "integration": 3, "retest": 0, "maintenance": 0,
}  # fmt: skip


def phase_plan(weeks: int, /) -> list[PhaseInfo]:
    """Activation → strength → integration across ``weeks`` (each phase ≥ 1 week when possible)."""
    activation = max(1, weeks // 3)
    integration = max(1, weeks // 3) if weeks >= 2 else 0
    strength = weeks - activation - integration
    spans: list[tuple[Phase, int]] = [
        ("activation", activation), ("strength", strength), ("integration", integration),
    ]  # fmt: skip
    out: list[PhaseInfo] = []
    week = 1
    for name, n in spans:
        if n > 0:
            out.append(PhaseInfo(name=name, weeks=list(range(week, week + n)), **_PHASE_TEXT[name]))
            week += n
    return out


_PHASE_TEXT: dict[Phase, dict[str, str]] = {
    "activation": {
        "goal": "Switch the hip and foot muscles on with easy, controlled work (at most 2 sets); "
        "learn each exercise's cues.",
        "source": "science.md §7.2 (isometric and easy work first, functional after ~2 weeks: "
        "Crossley and Nakagawa programmes; 2 sets: the ITBS template's starting 2 × 10); the "
        "phase lengths (about a third of the block each) are our choice",
    },
    "strength": {
        "goal": "Build strength: 3 × 10, 'hard' but not to failure; with a band or weight, one "
        "you could lift only 10-12 times, and about 90 s rest between its sets; a day of rest "
        "between sessions.",
        "source": "science.md §7.2 (FOHX trial: ~10-12RM, 3 × 10, ~90 s rest, RPE 5-7/11, 48 h "
        "apart)",
    },
    "integration": {
        "goal": "Bring the control into standing, single-leg movements like your sport.",
        "source": "science.md §7.2 (functional exercises after the first weeks) and §6 "
        "(knee-position sense)",
    },
    "retest": {
        "goal": "Film the same test again and compare: only changes beyond the 9° day-to-day "
        "noise are real.",
        "source": "science.md §1.3 (SDD 7.5-8.9°, Munro 2012)",
    },
    "maintenance": {
        "goal": "Keep what you built: twice a week, the key exercises at their current level.",
        "source": "our choice, not trial-tested: the science.md §7.2 programmes ran 6-12 weeks, "
        "from twice a week (Mølgaard's foot exercises) to daily (Crossley)",
    },
}


def later_phases(weeks: int, maintenance_weeks: int) -> list[PhaseInfo]:
    return [
        PhaseInfo(name="retest", weeks=[weeks + 1], **_PHASE_TEXT["retest"]),
        PhaseInfo(
            name="maintenance",
            weeks=list(range(weeks + 1, weeks + 1 + maintenance_weeks)),
            **_PHASE_TEXT["maintenance"],
        ),
    ]
