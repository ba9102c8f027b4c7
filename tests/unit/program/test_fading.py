"""Feedback fading over a programme (science.md §6.3: 100% → 33% → 17%)."""

from __future__ import annotations

import datetime as dt

import numpy as np

from kneecoach.live.feedback import LiveTracker
from kneecoach.pose.fake import FakePoseEstimator
from kneecoach.program.fading import feedback_every, for_plan, plan_week
from kneecoach.sample_data.synthetic import single_leg_squat


def test_every_rep_then_every_third_then_every_sixth() -> None:
    assert [feedback_every(w, 6) for w in range(1, 9)] == [1, 1, 3, 3, 6, 6, 6, 6]
    assert [feedback_every(w, 4) for w in range(1, 5)] == [1, 1, 3, 6]
    assert feedback_every(0, 4) == 1  # before the start: every rep
    plan = {"start": "2026-12-07", "weeks": 4}
    assert plan_week(plan, dt.date(2026, 12, 7)) == 1
    assert plan_week(plan, dt.date(2026, 12, 21)) == 3
    every, why = for_plan(plan, dt.date(2026, 12, 21))
    assert every == 3 and "week 3 of 4" in why and "§6.3" in why
    assert for_plan(None, dt.date(2026, 12, 21))[0] == 1


def test_the_trainer_shows_feedback_only_on_the_reps_the_fading_allows() -> None:
    squat = single_leg_squat(reps=3)
    tracker = LiveTracker(FakePoseEstimator(squat), feedback_every=3)
    blank = np.zeros((4, 4, 3), dtype=np.uint8)
    shown: dict[int, set[bool]] = {}
    for t in squat["time"].values:
        r = tracker.process(blank, float(t))
        if r.in_rep or r.rep is not None:
            index = r.rep.index if r.rep is not None else r.reps + 1
            shown.setdefault(index, set()).add(r.feedback)
    assert shown == {1: {True}, 2: {False}, 3: {False}}  # rep 1 of every 3 gets it
