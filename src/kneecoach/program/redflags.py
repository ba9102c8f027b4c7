"""Red flags: warning signs that need a clinician before any exercise programme.

The screen is science.md §7.3, "Suggested app rule (derived)", built from the NHS
Gloucestershire knee pathway, 247econsult, Clinref and the paediatric lists
there, with numbness added from the issue's list (possible nerve involvement).
Any "yes" stops the plan: kneecoach writes no programme and says why.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from kneecoach.core.errors import RedFlagError

if TYPE_CHECKING:  # the questions are read by the command line's help: no pydantic models yet
    from kneecoach.program.models import Intake

#: question field → (question asked, what a "yes" means in the referral message)
QUESTIONS: dict[str, tuple[str, str]] = {
    "trauma_with_swelling": (
        "Did the knee swell soon (within hours) after a fall, twist or blow?",
        "swelling soon after an injury",
    ),
    "locking": ("Does the knee lock (get stuck and cannot straighten)?", "locking"),
    "giving_way": ("Does the knee give way under you?", "giving way"),
    "hot_red_or_fever": (
        "Is the knee hot or red, or do you have a fever or feel unwell?",
        "a hot or red knee, or fever",
    ),
    "night_or_rest_pain": (
        "Does the knee hurt at night or at rest, all the time?",
        "pain at night or at rest",
    ),
    "weight_loss": ("Have you lost weight without trying?", "unexplained weight loss"),
    "cannot_bear_weight": (
        "Are you unable to put weight on the leg or walk four steps?",
        "unable to bear weight",
    ),
    "calf_swelling": (
        "Is your calf swollen, warm or painful?",
        "calf swelling (possible blood clot)",
    ),
    "numbness": (
        "Do you have numbness, tingling or weakness in the leg or foot?",
        "numbness or tingling",
    ),
    "knee_swelling": ("Is the knee swollen now?", "a swollen knee"),
    "hip_or_groin_pain": ("Do you have pain in the hip or groin?", "hip or groin pain"),
}

#: flags that refer everyone; the last two refer only under-16s (science.md §7.3, children)
ALWAYS = tuple(k for k in QUESTIONS if k not in ("knee_swelling", "hip_or_groin_pain"))
UNDER_16 = ("knee_swelling", "hip_or_groin_pain")
SOURCE = "science.md §7.3, red flags"
#: the signs asked about after each logged session: the screen's, less the ones that only
#: make sense before starting (an injury's swelling, weight loss; hip or groin pain stays
#: an under-16 flag), with a swollen knee for everyone (swelling after training)
SINCE_LAST_TIME = (
    "knee_swelling", "locking", "giving_way", "hot_red_or_fever", "night_or_rest_pain",
    "cannot_bear_weight", "calf_swelling", "numbness",
)  # fmt: skip


#: What to do after warning signs are reported between sessions (science.md §7.3).
STOP_AND_SEE_A_CLINICIAN = (
    "Stop the programme and see a clinician (GP or physiotherapist) before training again: "
    "these are warning signs that exercise alone should not treat (science.md §7.3)."
)


def since_last_time() -> str:
    """The warning signs asked about when a session is logged, in words, ``; ``-separated."""
    return "; ".join(QUESTIONS[k][1] for k in SINCE_LAST_TIME)


def red_flags(intake: Intake, /) -> list[str]:
    """The warning signs reported in ``intake``, in words (empty: none)."""
    return _found(intake.red_flags.model_dump(), intake.person.age)


def reported(answers: Mapping[str, Any], /) -> list[str]:
    """The warning signs in partial intake answers (a dict as ``kneecoach intake`` builds it),
    for stopping the questionnaire at the first "yes": the under-16 flags count only when
    ``person.age`` is known and under 16."""
    return _found(answers.get("red_flags") or {}, (answers.get("person") or {}).get("age"))


def _found(flags: Mapping[str, Any], age: Any) -> list[str]:
    """The flags answered "yes" or "unsure", in words ("not sure: …" for an unsure one); the
    under-16 ones only for a known age under 16."""
    keys = ALWAYS + (UNDER_16 if isinstance(age, int) and age < 16 else ())
    answers = {k: _answer(flags.get(k)) for k in keys}
    return [QUESTIONS[k][1] if answers[k] == "yes" else f"not sure: {QUESTIONS[k][1]}"
            for k in keys if answers[k] in ("yes", "unsure")]  # fmt: skip


def _answer(value: Any) -> str | None:
    """A red flag's answer as "yes", "no" or "unsure" (an earlier intake's true / false too)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value.lower() if isinstance(value, str) else None


def check_red_flags(intake: Intake, /, *, source: str = "the intake") -> None:
    """Raise :class:`RedFlagError` (exit 1, no plan) when any red flag was reported."""
    found = red_flags(intake)
    if not found:
        return
    young = intake.person.age < 16 and any(getattr(intake.red_flags, k) != "no" for k in UNDER_16)
    why = " (under 16, a swollen knee or hip or groin pain always needs checking)" if young else ""
    raise RedFlagError(
        f"{source} reports {', '.join(found)}{why}. These are warning signs that need a "
        "clinician (GP, physiotherapist or sports doctor) before any exercise programme; "
        f"kneecoach has written no plan. See a clinician first ({SOURCE})."
    )


def referral_text(intake: Intake | list[str], /) -> str:
    """A short note to take to the clinician: what was reported, no diagnosis.

    ``intake``: a whole intake, or the warning signs in words (:func:`reported`, when the
    questionnaire stopped early)."""
    found = intake if isinstance(intake, list) else red_flags(intake)
    lines = [
        "kneecoach did not make an exercise plan, because the intake reports warning signs",
        "that a clinician should check first (science.md §7.3):",
        "",
        *[f"  - {f}" for f in found],
        "",
        "Please see a GP, physiotherapist or sports doctor, and show them this note.",
        "Seek urgent care for a hot, red, swollen knee with fever, a calf that is swollen",
        "and painful, or a knee you cannot put weight on after an injury.",
    ]
    return "\n".join(lines) + "\n"
