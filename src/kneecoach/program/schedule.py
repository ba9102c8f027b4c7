"""Dates for sessions. Pure: the start date is always an argument, never the clock."""

from __future__ import annotations

import datetime as dt
from itertools import combinations

from kneecoach.core.errors import InputError
from kneecoach.program.models import WEEKDAYS, Weekday

_FULL: dict[Weekday, str] = {
    "mon": "monday", "tue": "tuesday", "wed": "wednesday", "thu": "thursday",
    "fri": "friday", "sat": "saturday", "sun": "sunday",
}  # fmt: skip


def parse_days(text: str, /) -> list[Weekday]:
    """``"mon,wed,fri"`` → ``["mon", "wed", "fri"]`` (week order, no repeats).

    Accepts full names and any case (``"Monday, Thu"``); raises :class:`InputError`
    naming the unknown day and the allowed values.
    """
    days: set[Weekday] = set()
    for raw in text.split(","):
        word = raw.strip().lower()
        if not word:
            continue
        match = [d for d in WEEKDAYS if len(word) >= 3 and _FULL[d].startswith(word)]
        if not match:
            raise InputError(
                f"days: {raw.strip()!r} is not a weekday; use {','.join(WEEKDAYS)} "
                "(comma-separated, e.g. mon,wed,fri)"
            )
        days.add(match[0])
    if not days:
        raise InputError("days: no weekday given; use e.g. mon,wed,fri")
    return [d for d in WEEKDAYS if d in days]


def session_dates(start: dt.date, days: list[Weekday], weeks: int) -> list[tuple[int, dt.date]]:
    """``(week, date)`` of every session: on ``days``, in ``weeks`` 7-day weeks from ``start``.

    Week 1 is ``start`` to ``start + 6 days``, so every week holds exactly one
    session per chosen weekday, whatever weekday ``start`` is.
    """
    chosen = {WEEKDAYS.index(d) for d in days}
    out: list[tuple[int, dt.date]] = []
    for offset in range(7 * weeks):
        date = start + dt.timedelta(days=offset)
        if date.weekday() in chosen:
            out.append((offset // 7 + 1, date))
    return out


def spread_days(days: list[Weekday], n: int) -> list[Weekday]:
    """``n`` of ``days`` as far apart as possible around the week (for maintenance).

    Ties go to the earliest days, so the choice is deterministic.
    """
    if n >= len(days):
        return list(days)
    idx = [WEEKDAYS.index(d) for d in days]
    best: tuple[int, ...] = tuple(idx[:n])
    best_gap = -1
    for combo in combinations(idx, n):
        gaps = [(combo[(i + 1) % n] - combo[i]) % 7 or 7 for i in range(n)]
        if min(gaps) > best_gap:
            best, best_gap = combo, min(gaps)
    return [WEEKDAYS[i] for i in best]


def weekday_of(date: dt.date) -> Weekday:
    return WEEKDAYS[date.weekday()]
