"""Feedback fading: how often the live trainer shows the knee line over a programme.

Feedback on every rep helps at first but breeds a dependency on the screen; faded feedback
keeps what was learnt (science.md §6.3: drop-jump training with feedback faded 100% → 33%
→ 17% over six weeks kept its gains at a one-month retention test, J Exp Orthop 2018,
10.1186/s40634-018-0129-5; Kinovea's documentation warns against a "functional dependency"
on visual feedback). The programme's weeks are split in thirds: feedback on every rep in the
first, every third rep in the second (33%), every sixth in the last (17%); after the
programme, every sixth.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

#: Every how many reps feedback is shown, in each third of the programme.
EVERY = (1, 3, 6)
SOURCE = "science.md §6.3 (feedback faded 100% → 33% → 17%; J Exp Orthop 2018)"


def feedback_every(week: int, weeks: int) -> int:
    """Every how many reps feedback is shown in week ``week`` (1-based) of ``weeks``."""
    if week < 1:
        return EVERY[0]
    third = (week - 1) * 3 // max(weeks, 1)
    return EVERY[min(third, len(EVERY) - 1)]


def plan_week(plan: Mapping[str, object], day: dt.date) -> int:
    """Which week of ``plan`` (its ``plan.json``: ``start``, ISO date) ``day`` falls in."""
    start = dt.date.fromisoformat(str(plan["start"]))
    return (day - start).days // 7 + 1


def for_plan(plan: Mapping[str, object] | None, day: dt.date) -> tuple[int, str]:
    """Every how many reps feedback is shown on ``day`` under ``plan``, and why, in words
    (no plan: every rep)."""
    if plan is None:
        return 1, "every rep (no plan to fade it over)"
    weeks = int(str(plan.get("weeks") or 4))
    week = plan_week(plan, day)
    every = feedback_every(week, weeks)
    when = f"week {week} of {weeks}" if 1 <= week <= weeks else "after the programme"
    what = "every rep" if every == 1 else f"every {every}th rep" if every > 3 else "every 3rd rep"
    return every, f"{when}: feedback on {what}, fading as the weeks go on ({SOURCE})"
