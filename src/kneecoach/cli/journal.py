"""Journal commands: ``people``, ``log``, ``progress``, ``export``, ``import``, ``delete``.

Also :func:`journal_options` (``--person``, ``--keep-video``) and
:func:`remember` for ``kneecoach analyze``: an analysis run with ``--person``
is stored in the journal automatically.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.table import Table

from kneecoach.cli.common import err, out
from kneecoach.core.errors import InputError
from kneecoach.core.lazy import lazy_module
from kneecoach.core.settings import SETTINGS
from kneecoach.program import redflags
from kneecoach.storage.progress import Change, long_date, short_date

if TYPE_CHECKING:  # loaded on first use: `kneecoach --help` needs none of the journal's stack
    from kneecoach import journal
    from kneecoach.program import Intake, Programme
else:
    journal = lazy_module("kneecoach.journal")

_URL = next(s for s in SETTINGS if s.name == "database_url")
VERDICT_STYLE = {"improved": "green", "worse": "yellow", "no real change": "cyan"}
RED_FLAG_QUESTION = f"Since last time, any of these: {redflags.since_last_time()}?"
RED_FLAG_ADVICE = (
    "Stop the programme and see a clinician (GP or physiotherapist) before training again: "
    "these are warning signs that exercise alone should not treat (science.md §7.3)."
)


def database_option(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--database-url`` (the ``database_url`` setting, from the one settings table)."""
    return click.option(
        _URL.flag, "database_url", default=None,
        help=f"{_URL.help} [env: KNEECOACH_DATABASE_URL]",
    )(command)  # fmt: skip


def person_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--person", required=True, help="Whose journal (a name).")(command)


def journal_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--person`` and ``--keep-video`` for ``kneecoach analyze``."""
    command = click.option(
        "--keep-video", is_flag=True,
        help="With --person: also copy the clip into the journal (not copied otherwise).",
    )(command)  # fmt: skip
    return click.option(
        "--person", default=None,
        help="Store the result in this person's journal (see kneecoach progress).",
    )(command)  # fmt: skip


def remember(
    out_dir: Path, person: str | None, *, source: Path, keep_video: bool, url: str | None = None
) -> None:
    """Store the analysis in ``out_dir`` for ``person`` and say how it compares."""
    if person is None:
        if keep_video:
            err.print("[yellow]note:[/] --keep-video does nothing without --person")
        return
    stored = journal.remember_analysis(
        out_dir, person, url=url, video=source if keep_video else None
    )
    if stored is None:
        out.print(f"[yellow]not stored for {person}:[/] no rep was measured in this clip")
        return
    leg = f" ({stored.leg} leg)" if stored.leg else ""
    out.print(
        f"\nStored in {stored.person}'s journal: {stored.test_label} assessment "
        f"no. {stored.number}{leg}."
    )
    if stored.previous is not None and stored.changes:
        out.print(f"Compared with {long_date(stored.previous.measured_at)}{leg}:")
        _print_changes(stored.changes)


def _print_changes(changes: list[Change]) -> None:
    for c in changes:
        style = VERDICT_STYLE.get(c.verdict, "white")
        out.print(f"  [{style}]{c.verdict:>14}[/]  {c.text()}")


def _today(value: str | None) -> date:
    """``--date`` (default today); a day after today is refused (it has not happened yet)."""
    today = date.today()
    if value is None:
        return today
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {value!r}") from None
    if day > today:
        raise InputError(
            f"--date: {day:%Y-%m-%d} is after today ({today:%Y-%m-%d}); log a session once done"
        )
    return day


@click.command()
@database_option
def people(database_url: str | None) -> None:
    """List the people in the journal, with what is stored for each.

    \b
    Example:
      kneecoach people
    """
    rows = journal.people(url=database_url)
    if not rows:
        out.print("The journal is empty. Store an analysis: kneecoach analyze CLIP --person NAME")
        return
    table = Table(title="People in the journal", title_justify="left")
    for col in ("name", "since", "assessments", "programmes", "sessions done", "last activity"):
        table.add_column(col)
    for r in rows:
        last = f"{r.last_activity:%Y-%m-%d}" if r.last_activity else "—"
        table.add_row(r.name, f"{r.since:%Y-%m-%d}", str(r.assessments), str(r.programmes),
                      str(r.sessions_logged), last)  # fmt: skip
    out.print(table)


_RATING = click.IntRange(0, 10)


@click.command()
@person_option
@click.option(
    "--date", "day", default=None, help="The session's date, YYYY-MM-DD [default: today]."
)
@click.option(
    "--done/--missed",
    "done",
    default=None,
    help="Whether the session was done. Given: no questions are asked.",
)
@click.option("--sets", "sets_done", type=click.IntRange(0), default=None, help="Sets done.")
@click.option(
    "--sets-planned",
    type=click.IntRange(0),
    default=None,
    help="Sets planned [default: from the programme].",
)
@click.option("--pain-before", type=_RATING, default=None, help="Pain before the session, 0-10.")
@click.option("--pain-during", type=_RATING, default=None, help="Pain during the session, 0-10.")
@click.option(
    "--pain-after",
    type=_RATING,
    default=None,
    help="Pain after the session (or the next morning), 0-10.",
)
@click.option("--rpe", type=_RATING, default=None, help="Effort, 0-10 (Borg CR10).")
@click.option("--notes", default="", help="Anything worth remembering.")
@click.option(
    "--check-in",
    "check_in",
    type=_RATING,
    default=None,
    help="Record only a pain rating (0-10) for the day, no session.",
)
@click.option("--again", is_flag=True, help="Log a second session on a day that already has one.")
@click.option(
    "--warning-signs",
    is_flag=True,
    help=f"Report warning signs since last time ({redflags.since_last_time()}): nothing "
    "moves on and the log notes it; see a clinician.",
)
@database_option
def log(
    person: str, day: str | None, done: bool | None, sets_done: int | None,
    sets_planned: int | None, pain_before: int | None, pain_during: int | None,
    pain_after: int | None, rpe: int | None, notes: str, check_in: int | None,
    again: bool, warning_signs: bool, database_url: str | None,
) -> None:  # fmt: skip
    """Log today's session: done or missed, sets, pain during and after, effort, notes.

    Without --done/--missed it asks, one question at a time, showing the
    session the programme planned for the day. With them it asks nothing
    (for scripts).

    \b
    Example:
      kneecoach log --person mary
      kneecoach log --person mary --done --sets 9 --pain-during 2 --pain-after 1 --rpe 6
      kneecoach log --person mary --missed --notes "away"
      kneecoach log --person mary --check-in 3
    """
    when = _today(day)
    if check_in is not None:
        new = journal.record_checkin(person, day=when, pain=check_in, notes=notes, url=database_url)
        out.print(f"Pain {check_in}/10 recorded for {person} on {when:%a} {short_date(when)}.")
        if new:
            _new_person_note(person)
        return
    plan = _planned(person, when, database_url)
    if plan.logged and not again:
        already = f"A session is already logged for {person} on {when:%a} {short_date(when)}"
        if done is not None:  # scripted: refuse rather than double-count
            raise InputError(f"{already}; to log a second session that day add --again")
        click.confirm(f"{already}. Log a second session that day?", default=False, abort=True)
        again = True
    warned = warning_signs  # the advice comes with the log's "next time" line
    if done is None:
        entry, asked = _ask(plan)
        warned = warned or asked
    else:
        exercises = tuple(
            {"exercise_id": e.get("exercise_id"), "sets_planned": e.get("sets"),
             "sets_done": e.get("sets") if done and sets_done is None else None}
            for e in plan.exercises
        )  # fmt: skip
        entry = journal.SessionEntry(
            when, done, sets_done, sets_planned or _sets(plan), pain_during, pain_after, rpe,
            notes, exercises, pain_before,
        )  # fmt: skip
    if warned:
        entry, advice = held_for_warning_signs(entry)
    else:
        entry, advice = with_adaptations(entry, excluded=plan.excluded)
    logged = journal.record_session(person, entry, url=database_url, again=again)
    what = "done" if entry.done else "missed"
    planned = "" if logged.planned else " (no session was planned that day)"
    out.print(f"Logged for {logged.person}: {when:%a} {short_date(when)}, {what}{planned}.")
    if logged.new_person:
        _new_person_note(logged.person)
    if plan.withdrawn:  # nothing planned to count against: say why instead
        out.print(f"[red]{person}'s plan was withdrawn: the intake reported warning signs. "
                  f"{RED_FLAG_ADVICE}[/]")  # fmt: skip
    else:
        out.print(logged.adherence.text())
    for line in advice:
        out.print(line)
    if logged.adherence.missed_in_a_row >= 2:
        out.print(
            f"[yellow]{logged.adherence.missed_in_a_row} planned sessions missed in a row.[/] "
            "Pick up with the next planned session; don't squeeze the missed ones in."
        )


def _new_person_note(person: str) -> None:
    out.print(f"[cyan]note:[/] {person} is new in the journal (kneecoach people lists "
              "everyone; a misspelt name can be removed with kneecoach delete)")  # fmt: skip


def _planned(person: str, when: date, url: str | None) -> journal.PlannedToday:
    try:
        return journal.planned_for(person, when, url=url)
    except InputError:
        return journal.PlannedToday(when, None, [], None)  # a new person: no programme yet


def _sets(plan: journal.PlannedToday) -> int | None:
    return sum(int(e.get("sets") or 0) for e in plan.exercises) or None


def with_adaptations(
    entry: journal.SessionEntry, *, excluded: tuple[str, ...] = ()
) -> tuple[journal.SessionEntry, list[str]]:
    """Each logged exercise's next step by the coaching rules (progress / hold / regress).

    ``excluded``: the programme's left-out exercises, never advised as the next step.
    The decision is stored with the exercise in the log and returned as lines to print.
    A missed session decides nothing (nothing was tried), so it never overrides the
    decisions of the sessions that were done.
    """
    if not entry.done:
        return entry, []
    # `--sets N` below the planned total: which exercise fell short is not known, so none
    # of them counts as done in full (none progresses)
    short = (
        entry.sets_done is not None and entry.sets_planned is not None
        and entry.sets_done < entry.sets_planned
    )  # fmt: skip
    from kneecoach.program import ExerciseLog, adapt

    exercises, lines = [], []
    for e in entry.exercises:
        if not e.get("exercise_id"):
            exercises.append(dict(e))
            continue
        log = ExerciseLog(
            exercise_id=str(e["exercise_id"]),
            done=entry.done and not (short and e.get("sets_done") is None),
            sets_done=e.get("sets_done"), sets_planned=e.get("sets_planned") or None,
            pain_before=entry.pain_before, pain_during=entry.pain_during,
            pain_next_day=entry.pain_after, rpe=entry.rpe,
        )  # fmt: skip
        try:
            a = adapt(log, excluded=excluded)
        except InputError:  # an exercise the library no longer has
            exercises.append(dict(e))
            continue
        exercises.append({**e, "decision": a.decision, "next_exercise_id": a.next_exercise_id})
        style = {"progress": "green", "regress": "yellow"}.get(a.decision, "cyan")
        lines.append(f"  [{style}]{a.decision:>8}[/] {a.exercise_id}: {a.advice} ({a.reason})")
    if lines:
        lines.insert(0, "Next time (coaching rules, science.md §7.2):")
    return replace(entry, exercises=tuple(exercises)), lines


def held_for_warning_signs(
    entry: journal.SessionEntry,
) -> tuple[journal.SessionEntry, list[str]]:
    """A session after which warning signs were reported: nothing moves on (hold), noted.

    The coaching rules would otherwise advise (and a re-plan apply) a harder exercise
    right after the advice to stop and see a clinician. The entry is marked
    (``warning_signs``, what ``plan --person`` reads) and its notes start with
    :data:`journal.WARNING_NOTE` for people to read.
    """
    exercises = tuple(
        {**e, "decision": "hold", "next_exercise_id": e["exercise_id"]}
        if e.get("exercise_id") else dict(e)
        for e in entry.exercises
    )  # fmt: skip
    notes = "; ".join(n for n in (journal.WARNING_NOTE, entry.notes) if n)
    lines = [f"[red]Next time: no exercise moves on; {RED_FLAG_ADVICE}[/]"]
    return replace(entry, exercises=exercises, notes=notes, warning_signs=True), lines


def _ask(plan: journal.PlannedToday) -> tuple[journal.SessionEntry, bool]:
    """The interactive questions (the planned session shown first); True: warning signs."""
    when = plan.day
    planned_sets = _sets(plan)
    if plan.label:
        out.print(f"Planned for {when:%a} {when.day} {when:%b}: {plan.label}")
        for e in plan.exercises:
            last = plan.last_decisions.get(str(e.get("exercise_id")))
            hint = ""
            if last and last["decision"] != "hold":
                hint = f"  (last time: {last['decision']} → {last.get('next_exercise_id')})"
            out.print(
                f"  • {e.get('name', e.get('exercise_id', '?'))}  {e.get('dosage', '')}{hint}"
            )
    done = click.confirm("Did you do the session?", default=True)
    if not done:
        notes = click.prompt("Why not (optional)", default="", show_default=False)
        missed = journal.SessionEntry(when, False, sets_planned=planned_sets, notes=notes)
        return missed, _warning_signs()
    exercises: list[dict[str, Any]] = []
    for e in plan.exercises:
        name = e.get("name", e.get("exercise_id", "?"))
        sets = click.prompt(f"Sets done of {name}", type=click.IntRange(0),
                            default=int(e.get("sets") or 0))  # fmt: skip
        exercises.append({"exercise_id": e.get("exercise_id"), "sets_done": sets,
                          "sets_planned": e.get("sets")})  # fmt: skip
    sets_done = (
        sum(int(x["sets_done"]) for x in exercises)
        if exercises
        else click.prompt("Sets done", type=click.IntRange(0), default=0)
    )
    pain_before = click.prompt("Pain before, 0-10", type=_RATING, default=0)
    pain_during = click.prompt("Pain during, 0-10", type=_RATING, default=0)
    pain_after = click.prompt("Pain after, by the next morning, 0-10", type=_RATING, default=0)
    rpe = click.prompt("Effort, 0-10 (0 rest, 5 hard, 10 maximal)", type=_RATING, default=5)
    warned = _warning_signs()
    notes = click.prompt("Notes (optional)", default="", show_default=False)
    return journal.SessionEntry(
        when, True, sets_done, planned_sets, pain_during, pain_after, rpe, notes,
        tuple(exercises), pain_before,
    ), warned  # fmt: skip


def _warning_signs() -> bool:
    """Ask the warning-sign question; a "yes" is answered at once with the advice."""
    warned = click.confirm(RED_FLAG_QUESTION, default=False)
    if warned:
        err.print(f"[red]{RED_FLAG_ADVICE}[/]")
    return warned


@click.command()
@person_option
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("progress.html"),
    show_default=True,
    help="The page to write.",
)
@click.option(
    "--compare",
    "compare_pair",
    type=(click.IntRange(1), click.IntRange(1)),
    default=None,
    metavar="N M",
    help="Also compare assessments number N and M (as listed here): same test and leg.",
)
@database_option
def progress(
    person: str, out_file: Path, compare_pair: tuple[int, int] | None, database_url: str | None
) -> None:
    """Compare a person's assessments and show pain and training over time.

    Writes a page with the knee angle per side per test over time (with the
    band of change that re-filming alone can cause), the worst moment before
    and after, pain and sessions done. "Improved" is only said beyond that noise.
    Each test and working leg is its own series (a left-leg squat is compared
    with the last left-leg squat). The assessments are listed, numbered, for
    --compare.

    \b
    Example:
      kneecoach progress --person mary --out progress.html
      kneecoach progress --person mary --compare 1 3
    """
    report = journal.write_progress_report(
        person, out_file, today=date.today(), url=database_url, compare_pair=compare_pair
    )
    out.print(f"[bold]{report.sentence}[/]")
    if report.listing:
        out.print("\nAssessments (numbers for --compare N M):")
        for line in report.listing:
            out.print(line, highlight=False)
    for label, changes in report.changes.items():
        out.print(f"\n{label}, first → latest:")
        _print_changes(changes)
    if report.chosen is not None:
        title, changes, sentence = report.chosen
        out.print(f"\n[bold]{title}[/]\n{sentence}")
        _print_changes(changes)
    if report.programme:
        out.print(f"\n{report.programme}")
    out.print(f"\nOpen the page: {report.path.resolve()}")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "person"


@click.command()
@person_option
@click.option(
    "--out",
    "archive",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The archive to write [default: NAME-journal.zip in the current folder].",
)
@click.option(
    "--skip-bad-files",
    is_flag=True,
    help="Export even when stored files are missing or damaged: they are left out and "
    "listed as missing in the archive (import accepts that).",
)
@database_option
def export(
    person: str, archive: Path | None, skip_bad_files: bool, database_url: str | None
) -> None:
    """Write everything stored about a person to one zip archive (JSON, CSV, images).

    Every stored file is checked against its SHA-256 first; a missing or damaged
    one stops the export (nothing written) unless --skip-bad-files. The archive
    is read back and checked before it is put in place, so `import` takes it.

    \b
    Example:
      kneecoach export --person mary --out mary.zip
    """
    from kneecoach.storage.archive import export_person
    from kneecoach.storage.db import open_journal
    from kneecoach.storage.repository import find_person

    with open_journal(database_url) as j, j.transaction() as session:
        p = find_person(session, person)
        archive = archive or Path(f"{_slug(p.name)}-journal.zip")
        skipped = export_person(p, j.files_dir, archive, skip_bad_files=skip_bad_files)
    out.print(f"Exported {p.name}'s journal to {archive.resolve()}")
    if skipped:
        err.print(f"[yellow]left out ({len(skipped)} missing or damaged):[/] {', '.join(skipped)}")
    out.print("It holds health data: keep it somewhere private.")


@click.command(name="import")
@click.argument("archive", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--as", "name", default=None, help="Import under another name.")
@database_option
def import_(archive: Path, name: str | None, database_url: str | None) -> None:
    """Bring back a person from an archive made by `kneecoach export`.

    \b
    Example:
      kneecoach import mary-journal.zip
      kneecoach import mary-journal.zip --as "mary 2"
    """
    from kneecoach.storage.archive import import_person, missing_in_archive
    from kneecoach.storage.db import open_journal

    with open_journal(database_url) as j, j.transaction() as session:
        p = import_person(session, archive, j.files_dir, name=name)
        summary = f"{len(p.assessments)} assessments, {len(p.session_logs)} session logs"
    out.print(f"Imported {p.name}: {summary}.")
    missing = missing_in_archive(archive)
    if missing:
        err.print(f"[yellow]note:[/] {len(missing)} stored files were missing or damaged when "
                  f"this archive was made and are not in it: {', '.join(missing)}")  # fmt: skip


@click.command()
@person_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@database_option
def delete(person: str, yes: bool, database_url: str | None) -> None:
    """Delete every record and stored file of a person. This cannot be undone.

    \b
    Example:
      kneecoach export --person mary --out mary.zip   # keep a copy first, if wanted
      kneecoach delete --person mary
    """
    if not yes:
        out.print(f"Keep a copy first, if wanted: kneecoach export --person {person!r}")
        click.confirm(
            f"Delete everything stored about {person!r} (assessments, programmes, logs, "
            "pictures)? This cannot be undone",
            abort=True,
        )
    n_files = journal.delete(person, url=database_url)
    out.print(f"Deleted {person} from the journal ({n_files} stored files removed).")


def stored_plan_inputs(
    person: str, *, url: str | None = None
) -> tuple[Intake, dict[str, Any] | None]:
    """For ``plan --person`` without ``--intake``: the stored intake and latest findings."""
    try:
        intake, summary = journal.plan_inputs(person, url=url)
    except InputError:  # nobody of that name yet
        intake, summary = None, None
    if intake is None:
        raise InputError(
            f"--person: no intake stored for {person!r}; give one once with "
            f"kneecoach plan --intake FILE.toml --person {person!r}"
        )
    from kneecoach.program import intake_from_dict

    return intake_from_dict(intake, source=f"{person}'s stored intake"), summary


def stored_findings(person: str, *, url: str | None = None) -> dict[str, Any] | None:
    """``person``'s latest assessment summary (None: a new person, or none stored)."""
    try:
        return journal.plan_inputs(person, url=url)[1]
    except InputError:
        return None


def apply_logged_decisions(
    person: str, intake: Intake, programme: Programme, *, url: str | None = None
) -> tuple[Programme, str]:
    """A re-plan for ``person``: ``programme`` moved on (or back) by their logged decisions.

    Each planned exercise becomes where the last progress / regress decisions logged
    for it lead (never an excluded exercise); returns the programme and the reason
    stored with the new version ("new programme", "progressed after 6 logged
    sessions: clamshell → clamshell-band" ...). Warning signs logged since the latest
    intake was given head the plan's notes and are said at once (on every re-plan, until
    an intake is given again).
    """
    from kneecoach.program.adaptation import apply_decisions, replan_reason

    basis = journal.replan_basis(person, url=url)
    if basis.warning_signs is not None:  # on the worksheet too: it is what gets printed
        warning = (
            f"Warning signs were logged on {long_date(basis.warning_signs)}: see a clinician "
            "(GP or physiotherapist) before training again, and follow their advice over "
            "this plan (science.md §7.3)."
        )
        err.print(f"[red]{warning}[/]")
        programme = programme.model_copy(update={"notes": [warning, *programme.notes]})
    adapted, moved = apply_decisions(programme, basis.decisions, equipment=intake.equipment)
    if not basis.decisions and not moved:
        return programme, "new programme"
    return adapted, replan_reason(moved, basis.n_logged)


def remember_plan(
    person: str,
    intake: Intake,
    programme: Programme,
    *,
    url: str | None = None,
    reason: str = "new programme",
    intake_given: bool = False,
) -> None:
    """Store the programme (and its intake) in ``person``'s journal and say so.

    ``intake_given``: the intake came with this plan (``--intake``), not from the journal.
    """
    from kneecoach.storage.repository import PlannedDay

    days = [
        PlannedDay(s.date, s.title, tuple(e.model_dump(mode="json") for e in s.exercises))
        for s in programme.sessions
    ]
    version = journal.remember_programme(
        person, json.loads(programme.to_json()),
        intake=intake.model_dump(mode="json", by_alias=True), start=programme.start,
        weeks=programme.weeks, days=days, url=url, reason=reason, intake_given=intake_given,
    )  # fmt: skip
    out.print(
        f"\nStored in {person}'s journal as programme version {version} ({reason}). After "
        f"each session: kneecoach log --person {person!r}"
    )


def remember_withdrawal(
    person: str, intake: Intake | None, withdrawn: Programme | None, *, url: str | None = None
) -> None:
    """Red flags stopped a new plan for ``person``: store the intake that reported them (a
    re-plan from the stored intake then stops too) and the withdrawn plan, with no sessions
    (``log`` then plans nothing from the earlier one)."""
    journal.remember_withdrawal(
        person,
        intake=intake.model_dump(mode="json", by_alias=True) if intake is not None else None,
        plan=json.loads(withdrawn.to_json()) if withdrawn is not None else None, url=url,
    )  # fmt: skip


def database_description() -> str:
    """The journal URL for ``kneecoach info``."""
    from kneecoach.storage.db import database_url, describe_url

    try:
        return describe_url(database_url())
    except InputError as exc:
        return f"[red]{exc}[/]"
