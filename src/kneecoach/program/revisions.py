"""Revisions of a plan: whose it is, the calendar UID of each session, the next revision
of a re-made plan (with the sessions it dropped cancelled), and a plan withdrawn after red
flags. Pure: the time ``now`` comes from the caller."""

from __future__ import annotations

import datetime as dt
import hashlib

from kneecoach.program.models import CancelledEvent, Programme


def made_at(plan: Programme) -> dt.datetime:
    """When ``plan`` was made: its revision time, else its start (UTC)."""
    if plan.revised is not None:
        return plan.revised.astimezone(dt.UTC)
    return dt.datetime.combine(plan.start, dt.time(0, 0), tzinfo=dt.UTC)


def plan_owner(plan: Programme) -> str:
    """Whose plan: the person's name, else the plan's calendar key ('' when neither)."""
    return plan.person or plan.calendar_key or ""


def event_uid(plan: Programme, day: dt.date, /) -> str:
    """The calendar UID of ``plan``'s session on ``day``.

    A hash of the person's name (unnamed: the plan's ``calendar_key``), the start
    date and the day; for a named person the same as kneecoach has always written.
    """
    key = f"{plan_owner(plan)}|{plan.start.isoformat()}|{day.isoformat()}"
    return f"{hashlib.sha256(key.encode()).hexdigest()[:20]}@kneecoach"


#: the fields :func:`revise` sets; the rest is the plan's content
_REVISION_FIELDS = {"revision", "revised", "cancelled"}


def revise(plan: Programme, previous: Programme | None, /, *, now: dt.datetime) -> Programme:
    """``plan`` as the next revision of ``previous``, the plan it replaces (its plan.json).

    When ``previous`` is someone else's plan (another owner, see :func:`event_uid`),
    or ``plan`` is nobody's, or ``previous`` absent: ``plan`` as it is (revision 0). A
    ``previous`` with no owner (an unnamed plan written before calendar keys, whose UIDs
    hash no owner) is taken as ``plan``'s owner's, so its events are cancelled, not left
    beside the new ones (the caller passes only a plan it replaces: the same folder's,
    or the same journal person's). The same content again:
    ``previous``'s revision, time and cancelled events, so a re-run writes the same
    files. Changed: the next revision, made at ``now`` (an aware time from the
    caller, never earlier than ``previous``'s stamp), with ``previous``'s events
    from ``now``'s day or the new start (the earlier) on that this plan no longer
    has listed as cancelled (and those already cancelled, unless planned again).
    """
    owner = plan_owner(plan)
    if previous is None or not owner or plan_owner(previous) not in (owner, ""):
        return plan
    kept = {k: getattr(previous, k) for k in _REVISION_FIELDS}
    if plan.model_dump(exclude=_REVISION_FIELDS) == previous.model_dump(exclude=_REVISION_FIELDS):
        return plan.model_copy(update=kept)
    since = min(plan.start, now.date())
    active = {event_uid(plan, s.date) for s in plan.sessions}
    dropped = [CancelledEvent(uid=event_uid(previous, s.date), date=s.date, title=s.title)
               for s in previous.sessions]  # fmt: skip
    cancelled: dict[str, CancelledEvent] = {}
    for c in [*previous.cancelled, *dropped]:
        if c.uid not in active and c.date >= since:
            cancelled.setdefault(c.uid, c)
    stamp = max(now.astimezone(dt.UTC).replace(microsecond=0),
                made_at(previous) + dt.timedelta(seconds=1))  # fmt: skip
    return plan.model_copy(update={
        "revision": previous.revision + 1, "revised": stamp,
        "cancelled": sorted(cancelled.values(), key=lambda c: (c.date, c.uid)),
    })  # fmt: skip


def withdraw(plan: Programme, owner: str, /, *, now: dt.datetime) -> Programme | None:
    """``plan`` withdrawn (red flags stopped a new plan): its next revision, with no sessions
    and every event from ``now``'s day on cancelled. None when ``plan`` is not ``owner``'s
    (a person's name, else an unnamed plan's ``calendar_key``): another's events stay. A
    ``plan`` with no owner (written before calendar keys) is taken as ``owner``'s."""
    if not owner or plan_owner(plan) not in (owner, ""):
        return None
    start = max(plan.start, now.date())  # events before today are history: left alone
    note = f"Withdrawn on {now.date().isoformat()}: see a clinician before training again."
    empty = plan.model_copy(update={"sessions": [], "start": start, "notes": [note]})
    if not plan_owner(plan):  # its events are cancelled under its old UIDs, owned from now on
        empty = empty.model_copy(update={"calendar_key": owner})
    return revise(empty, plan, now=now)
